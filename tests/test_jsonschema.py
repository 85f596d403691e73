"""The editor schemas: generated from the schema module, shipped, and at least as strict as it."""

from __future__ import annotations

import json

import pytest
import yaml
from frictionless import Detector, Dialect, Resource, Schema
from jsonschema import Draft202012Validator

from conftest import REPO, Workspace
from test_malformed import CASES

from generator import jsonschema

SHIPPED = REPO / "docs_src" / "schemas"
# The schema module's errors about the content of a file (not its encoding, syntax or place).
# Not S215 (a CSV with a header and no rows): a Table Schema describes columns and cannot require
# a row; that gap is stated in budget_data/README.md.
SCHEMA_ERRORS = {"S201", "S202", "S203", "S205", "S206", "S207", "S208", "S209", "S210", "S212"}


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads((SHIPPED / name).read_text(encoding="utf-8")))


def _schema_for(path: str) -> str | None:
    if path.endswith("portal.yaml"):
        return "portal.schema.json"
    if "/units/" in path:
        return "unit.schema.json"
    if path.endswith("project.yaml"):
        return "project.schema.json"
    if path.endswith(".csv"):
        return path.rsplit("/", 1)[-1].replace(".csv", ".tableschema.json")
    return None


def _schema_errors(root, relative: str) -> list[str]:
    name = _schema_for(relative)
    if name.endswith(".tableschema.json"):
        schema = Schema.from_descriptor(json.loads((SHIPPED / name).read_text(encoding="utf-8")))
        resource = Resource(path=relative, basepath=str(root), schema=schema, dialect=Dialect(comment_char="#"),
                            detector=Detector(schema_sync=True))
        report = resource.validate()
        errors = [e.message for task in report.tasks for e in task.errors] + [e.message for e in report.errors]
        # schema_sync matches columns by name in any order: a missing or unknown column is a label error.
        header = (root / relative).read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        fields = [f.name for f in schema.fields]
        if sorted(h.strip() for h in header) != sorted(fields):
            errors.append(f"columns {header} != {fields}")
        return errors
    data = yaml.safe_load((root / relative).read_text(encoding="utf-8"))
    return [e.message for e in _validator(name).iter_errors(data)]


def test_the_shipped_schemas_are_the_generated_ones():
    for name, data in jsonschema.render().items():
        assert (SHIPPED / name).read_bytes() == data, f"run `make schemas` ({name})"
    for name in ("portal", "unit", "project"):
        Draft202012Validator.check_schema(json.loads((SHIPPED / f"{name}.schema.json").read_text(encoding="utf-8")))


def test_the_shipped_data_is_valid_under_its_schemas():
    files = ["budget_data/portal.yaml", *(p.relative_to(REPO).as_posix() for p in (REPO / "budget_data").rglob("*")
                                          if p.suffix in (".yaml", ".csv"))]
    checked = 0
    for relative in files:
        if _schema_for(relative):
            assert _schema_errors(REPO, relative) == [], relative
            checked += 1
    assert checked >= 5


def test_required_fields_come_from_the_schema_module():
    unit = json.loads((SHIPPED / "unit.schema.json").read_text(encoding="utf-8"))
    # Issue 9: every unit field but the name is optional (absent is not a value).
    assert unit["required"] == ["name"] and {"duties", "public_fields"} <= set(unit["properties"])
    project = json.loads((SHIPPED / "project.schema.json").read_text(encoding="utf-8"))
    from generator import schema

    assert list(project["properties"]) == list(schema.PROJECT_KEYS)
    # Issue 9: 立项依据 is optional, and within it a 文号 is optional (many bases have none).
    assert project["required"] == ["name", "unit"]
    bases = next(option for option in project["properties"]["legal_bases"]["anyOf"] if option.get("type") == "array")
    assert bases["items"]["required"] == ["title"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_schema_error_of_the_malformed_catalogue_is_a_schema_error_there(tmp_path, case):
    workspace = Workspace(tmp_path / "repo")
    case.mutate(workspace)
    found = [d for d in workspace.check().diagnostics if d["code"] in SCHEMA_ERRORS and d["severity"] == "error"]
    for diagnostic in found:
        relative = diagnostic["path"]
        if _schema_for(relative) is None or not (workspace.root / relative).is_file():
            continue
        assert _schema_errors(workspace.root, relative), (case.id, diagnostic["code"], relative)


def test_the_real_fixtures_yaml_is_valid_under_its_schemas():
    """Tables from other provinces (issue 9): optional sections, stated amounts, whole-unit targets."""
    root = REPO / "tests" / "fixtures" / "real"
    files = sorted(p.relative_to(root).as_posix() for p in (root / "budget_data").rglob("*.yaml"))
    kinds = set()
    for relative in files:
        assert _schema_errors(root, relative) == [], relative
        if relative.endswith("project.yaml"):
            kinds.add(yaml.safe_load((root / relative).read_text(encoding="utf-8")).get("kind", "项目"))
    assert kinds == {"项目", "部门整体"} and len(files) >= 10


def test_a_kind_outside_the_choices_is_refused_by_the_schema_too(tmp_path):
    project = json.loads((SHIPPED / "project.schema.json").read_text(encoding="utf-8"))
    (choice, _) = project["properties"]["kind"]["anyOf"]
    assert choice == {"type": "string", "enum": ["项目", "部门整体"]}
    workspace = Workspace(tmp_path / "repo")
    relative = "budget_data/projects/2026/talent-service-funds/project.yaml"
    workspace.write(relative, workspace.read(relative) + "\nkind: 整体\n")
    assert ("S203", relative) in {(d["code"], d["path"]) for d in workspace.check().diagnostics}
    assert _schema_errors(workspace.root, relative)
