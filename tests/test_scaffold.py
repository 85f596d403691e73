"""`python -m generator new`: skeletons that say what to fill in, and the Excel authoring template."""

from __future__ import annotations

import io

import yaml
from openpyxl import load_workbook

from conftest import REPO, Workspace, run_cli
from test_import import UNIT_ID, Repo

from generator import jsonschema, scaffold

SHIPPED_TEMPLATE = REPO / "docs_src" / "authoring" / scaffold.TEMPLATE_NAME


def _new(ws: Workspace, *args: str):
    return run_cli("new", "--root", str(ws.root), *args)


def test_a_new_unit_and_project_are_skeletons_check_reads(workspace):
    (workspace.root / "docs_src" / "schemas").mkdir()
    assert _new(workspace, "unit", "new-unit").code == 0
    assert _new(workspace, "project", "2027", "new-project", "--unit", "new-unit").code == 0
    unit_text = workspace.read("budget_data/units/new-unit.yaml")
    project_text = workspace.read("budget_data/projects/2027/new-project/project.yaml")
    assert unit_text.startswith("# yaml-language-server: $schema=../../docs_src/schemas/unit.schema.json\n")
    assert project_text.startswith(
        "# yaml-language-server: $schema=../../../../docs_src/schemas/project.schema.json\n")
    unit = yaml.safe_load(unit_text)
    project = yaml.safe_load(project_text)
    # Required fields only, left empty; optional ones commented out.
    assert set(unit) == set(jsonschema.schemas()["unit.schema.json"]["required"])
    assert set(project) == set(jsonschema.schemas()["project.schema.json"]["required"])
    assert project["unit"] == "new-unit" and project["name"] is None
    assert "# public_fields:" in unit_text and "# acknowledgements:" in project_text
    # What is left to fill in is exactly what check reports, each at its line.
    found = {(d["code"], d["path"], d["line"]) for d in workspace.check().diagnostics if d["severity"] == "error"}
    unit_path = "budget_data/units/new-unit.yaml"
    name_line = unit_text.splitlines().index("name:") + 1
    assert ("S201", unit_path, name_line) in found
    assert all(path.startswith(("budget_data/units/new-unit", "budget_data/projects/2027/new-project"))
               for _, path, _ in found)


def test_new_never_overwrites_and_checks_identifiers(workspace):
    assert _new(workspace, "unit", UNIT_ID).code == 1
    again = _new(workspace, "unit", UNIT_ID)
    assert "M019" in again.stderr
    bad = _new(workspace, "project", "二〇二七", "人才经费", "--unit", UNIT_ID)
    assert bad.code == 1 and bad.stderr.count("S213") == 2


def test_the_template_has_drop_downs_and_reads_back(tmp_path):
    data = scaffold.template_xlsx()
    assert data == scaffold.template_xlsx(), "byte-identical on every run"
    assert SHIPPED_TEMPLATE.read_bytes() == data, "run `make schemas`"
    book = load_workbook(io.BytesIO(data))
    sheet = book["绩效目标表"]
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert any("产出指标" in f and "满意度指标" in f for f in lists.values())
    assert any("服务对象满意度指标" in f for f in lists.values())
    assert any('"=,≥,≤,定性"' == f for f in lists.values())
    # Fill it in as a clerk would, then import it.
    header = next(row[0].row for row in sheet.iter_rows() if row[0].value == "一级指标")
    sheet["B3"] = "人才服务管理经费"
    sheet["A4"] = "中长期绩效目标(2026年-2028年)"
    sheet["B4"] = "开展评审"
    sheet["B5"] = "开展评审。"  # the period left out: "年度绩效目标()" stays as the template has it
    for column, value in zip("ABCDE", ["产出指标", "数量指标", "评审场数", "≥", "4场"]):
        sheet[f"{column}{header + 1}"] = value
    budget = book["资金测算表"]
    for column, value in zip("ABCDEFG", ["初评初审", None, 2, "场", 5000, 10000, "5000元/场"]):
        budget[f"{column}3"] = value
    path = tmp_path / "填好的模板.xlsx"
    book.save(path)
    repo = Repo(tmp_path / "repo", keep_unit=True)
    result = repo.imp(path)
    assert result.code == 0, result.stderr
    imported = yaml.safe_load((repo.root / "budget_data/projects/2026/imported/project.yaml").read_text("utf-8"))
    assert imported["name"] == "人才服务管理经费"
    assert imported["performance_targets"]["medium_term"] == {"period": "2026年-2028年", "text": ["开展评审"]}
    assert imported["performance_targets"]["annual"] == {"text": ["开展评审。"]}  # no period invented
    indicators = (repo.root / "budget_data/projects/2026/imported/indicators.csv").read_text("utf-8")
    assert "产出指标,数量指标,评审场数,≥,4场,,,,," in indicators
    items = (repo.root / "budget_data/projects/2026/imported/budget_items.csv").read_text("utf-8")
    assert "初评初审,,2,场,5000,10000,5000元/场" in items
