"""`python -m generator import`: gather (read every file), interpret, then write all or nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .. import limits, rules
from ..validate import YEAR
from ..diagnostics import Diagnostic, Location, Severity
from . import read_document
from .interpret import SECTION_LABELS, TEXT_SECTIONS, Draft, interpret
from .write import budget_csv, indicators_csv, project_yaml, unit_yaml



@dataclass
class ImportResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    draft: Draft | None = None

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def schema_reference(schemas: Path | None, name: str, folder: Path) -> str | None:
    """The `$schema=` path from a file in ``folder`` to ``schemas/name`` (relative, as editors want it)."""
    if schemas is None:
        return None
    return Path(os.path.relpath(schemas.resolve() / name, folder.resolve())).as_posix()


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def read_files(files: list[Path], root: Path) -> tuple[Draft, list[Diagnostic]]:
    documents, diagnostics = [], []
    for path in files:
        if not path.is_file():
            diagnostics.append(rules.make("M001", Location(_shown(path, root)), detail="文件不存在"))
            continue
        document, found = read_document(path, _shown(path, root))
        diagnostics += found
        if document is not None:
            documents.append(document)
    draft = interpret(documents)
    return draft, diagnostics + draft.diagnostics


def _missing_fields(draft: Draft, where: Location) -> list[Diagnostic]:
    """M016 for what a project needs (name, an amount or a breakdown, indicators); one M021
    listing the optional parts the documents lack (issue 9: absent is not a value)."""
    found = []
    if draft.name is None:
        found.append(rules.make("M016", where, field=SECTION_LABELS["name"]))
    if not draft.budget and "total" not in draft.amount:
        # Either is enough for the build: a stated amount needs no breakdown.
        found.append(rules.make("M016", where, field="项目资金（年度资金总额）或资金测算明细"))
    if not draft.indicators:
        found.append(rules.make("M016", where, field="绩效指标"))
    optional = [SECTION_LABELS["legal_bases"]] if not draft.legal_bases else []
    optional += [SECTION_LABELS[key] for key in TEXT_SECTIONS if not draft.sections.get(key)]
    optional += [label for key, label in (("medium_term", "中长期绩效目标"), ("annual", "年度绩效目标"))
                 if key not in draft.targets]
    if optional:
        found.append(rules.make("M021", where, parts="、".join(optional)))
    return found


def import_project(files: list[Path], into: Path, unit_id: str, *, root: Path, force: bool = False,
                   schemas: Path | None = None) -> ImportResult:
    result = ImportResult()
    shown_into = _shown(into, root)
    parts = into.resolve().parts
    # The same identifier rule as the build's (limits.IDENTIFIER, length included).
    if len(parts) < 4 or parts[-3] != "projects" or not YEAR.match(parts[-2]) \
            or limits.identifier_problem(parts[-1]):
        result.diagnostics.append(rules.make("M018", Location(shown_into), detail=shown_into))
        return result
    if problem := limits.identifier_problem(unit_id):
        result.diagnostics.append(rules.make("M018", Location(shown_into), detail=f"单位标识“{unit_id}”{problem}"))
        return result
    if into.exists() and not force:
        result.diagnostics.append(rules.make("M014", Location(shown_into), path=shown_into))
        return result
    data_dir = into.resolve().parents[2]
    unit_path = data_dir / "units" / f"{unit_id}.yaml"

    draft, diagnostics = read_files(files, root)
    result.draft = draft
    result.diagnostics += diagnostics
    if draft.failed or result.failed:
        return result
    sources = Location(draft.sources[0]) if draft.sources else Location(shown_into)
    result.diagnostics += _missing_fields(draft, sources)

    project_schema = schema_reference(schemas, "project.schema.json", into)
    unit_schema = schema_reference(schemas, "unit.schema.json", unit_path.parent)
    outputs = {"project.yaml": project_yaml(draft, unit_id, project_schema)}
    if draft.budget:  # no 资金测算 found: no file (M016 says so) rather than an empty table
        outputs["budget_items.csv"] = budget_csv(draft)
    outputs["indicators.csv"] = indicators_csv(draft)
    new_unit = None
    found_name = draft.unit.get("name")
    if unit_path.is_file():
        try:
            existing = yaml.safe_load(unit_path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            existing = {}
        expected = existing.get("name") if isinstance(existing, dict) else None
        if found_name is not None and isinstance(expected, str) and expected.strip() != found_name.text:
            result.diagnostics.append(rules.make("M017", found_name.origin[0], found=found_name.text,
                                                 expected=expected.strip()))
    else:
        new_unit = unit_yaml(draft, unit_schema)
        if "name" not in draft.unit:
            result.diagnostics.append(rules.make("M016", sources, field="单位的 name"))
        optional = [key for key in ("credit_code", "address", "phone", "legal_representative", "funding_source",
                                    "duties") if key not in draft.unit]
        if optional:
            result.diagnostics.append(rules.make("M021", sources, parts="单位的 " + "、".join(optional)))

    # Write: the project folder appears whole (built beside it, then renamed into place).
    into.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{into.name}.import-", dir=into.parent))
    try:
        for name, text in outputs.items():
            (staging / name).write_text(text, encoding="utf-8")
        if into.exists():
            backup = into.parent / f".{into.name}.replaced"
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(into, backup)
            os.replace(staging, into)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, into)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.written += [f"{shown_into}/{name}" for name in outputs]
    if new_unit is not None:
        unit_path.parent.mkdir(parents=True, exist_ok=True)
        unit_path.write_text(new_unit, encoding="utf-8")
        shown_unit = _shown(unit_path, root)
        result.written.append(shown_unit)
        result.diagnostics.append(rules.make("M015", Location(shown_unit), path=shown_unit))
    return result
