"""Review settings: portal-wide rule selection and severities, and per-project acknowledgements."""

from __future__ import annotations

from collections.abc import Iterable

from . import rules
from .diagnostics import Diagnostic, Severity
from .model import Acknowledgement, Project, RuleSettings, Text

_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO,
               "错误": Severity.ERROR, "警告": Severity.WARNING, "提示": Severity.INFO}


def _configurable(code: Text, diagnostics: list[Diagnostic]) -> bool:
    rule = rules.RULES.get(code.value)
    if rule is None or not rule.configurable:
        diagnostics.append(rules.make("C002", code.location, code=code.value))
        return False
    return True


def apply_settings(found: Iterable[Diagnostic], settings: RuleSettings) -> list[Diagnostic]:
    """Drop ignored or unselected review findings and re-grade severities."""
    problems: list[Diagnostic] = []
    selected = {t.value for t in settings.select if _configurable(t, problems)}
    ignored = {t.value for t in settings.ignore if _configurable(t, problems)}
    severity: dict[str, Severity] = {}
    for code, level in settings.severity:
        if not _configurable(code, problems):
            continue
        if level.value not in _SEVERITIES:
            problems.append(rules.make("S208", level.location, field=f"rules.severity.{code.value}",
                                       value=level.value, detail="只能是 error、warning 或 info",
                                       hint="写成 error、warning 或 info。"))
            continue
        severity[code.value] = _SEVERITIES[level.value]
    if not (selected or ignored or severity):
        return [*found, *problems]  # nothing to drop or re-grade: most portals
    kept = []
    for diagnostic in found:
        rule = rules.RULES[diagnostic.code]
        if rule.configurable:
            if diagnostic.code in ignored or (selected and diagnostic.code not in selected):
                continue
            if diagnostic.code in severity:
                diagnostic = diagnostic.replace(severity=severity[diagnostic.code])
        kept.append(diagnostic)
    return kept + problems


def _acknowledged_path(ack: Acknowledgement, folder: str) -> str:
    """The file an acknowledgement names ("indicators.csv:12" or "project.yaml"), as findings show it."""
    return f"{folder}/{ack.location.value.partition(':')[0].strip()}"


def _matches(ack: Acknowledgement, folder: str, diagnostic: Diagnostic) -> bool:
    line = ack.location.value.partition(":")[2]
    if diagnostic.code != ack.rule.value or diagnostic.location.path != _acknowledged_path(ack, folder):
        return False
    return not line.strip() or (line.strip().isdigit() and diagnostic.location.line == int(line))


def apply_acknowledgements(found: list[Diagnostic], projects: Iterable[Project]) -> list[Diagnostic]:
    """Mark acknowledged findings; report acknowledgements that match nothing or cannot apply.

    An acknowledgement names a rule and a file (and maybe a line) of its own project: it looks
    only at the findings with that code in that file, found through an index, instead of at all
    of them (a portal with 1,000 acknowledgements and 20,000 findings made 20 million tests)."""
    result = list(found)
    acknowledging = [project for project in projects if project.acknowledgements]
    if not acknowledging:
        return result  # most portals, most builds: no index of 20,000 findings
    by_place: dict[tuple[str, str], list[int]] = {}
    for index, diagnostic in enumerate(result):
        by_place.setdefault((diagnostic.code, diagnostic.location.path), []).append(index)

    def add(diagnostic: Diagnostic) -> None:
        by_place.setdefault((diagnostic.code, diagnostic.location.path), []).append(len(result))
        result.append(diagnostic)
    for project in acknowledging:
        for ack in project.acknowledgements:
            problems: list[Diagnostic] = []
            configurable = _configurable(ack.rule, problems)
            for problem in problems:
                add(problem)
            if not configurable:
                continue
            candidates = by_place.get((ack.rule.value, _acknowledged_path(ack, project.folder)), ())
            hits = [index for index in candidates if _matches(ack, project.folder, result[index])]
            if not hits:
                add(rules.make("C001", ack.rule.location, code=ack.rule.value, location=ack.location.value))
            for index in hits:
                result[index] = result[index].replace(acknowledged=ack.reason.value)
    return result


def public_lines(path: str, fields: Iterable[Text], texts: dict[str, Text | None]) -> set[int]:
    """Lines of the fields a unit or the portal marked public."""
    lines = set()
    for name in fields:
        text = texts.get(name.value)
        if text is not None and text.location.path == path and text.location.line:
            lines.add(text.location.line)
    return lines

