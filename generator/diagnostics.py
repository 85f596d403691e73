"""Diagnostics: what every stage reports instead of raising."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Location:
    """A place in the data: repository-relative POSIX path, 1-based line and column.

    ``line``/``column`` are None when the finding concerns a whole file or folder.
    """

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: Severity
    location: Location
    message: str
    hint: str = ""

    @property
    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line or 0, loc.column or 0, self.code, self.message)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "hint": self.hint,
        }


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diagnostics), key=lambda d: d.sort_key)


def has_failures(diagnostics: list[Diagnostic], *, strict: bool) -> bool:
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in failing for d in diagnostics)


def format_text(diagnostics: list[Diagnostic]) -> str:
    lines: list[str] = []
    for d in diagnostics:
        lines.append(f"{d.location}: {d.code} [{d.severity.label}] {d.message}")
        if d.hint:
            lines.append(f"    提示：{d.hint}")
    return "\n".join(lines)


def format_summary(diagnostics: list[Diagnostic]) -> str:
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    return (
        f"共 {counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，"
        f"{counts[Severity.INFO]} 个提示。"
    )


def format_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps({"diagnostics": [d.as_dict() for d in diagnostics]}, ensure_ascii=False, indent=2)
