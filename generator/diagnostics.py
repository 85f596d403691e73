"""Diagnostics: what every stage reports instead of raising."""

from __future__ import annotations

import dataclasses
import json
import operator
from collections import Counter
from dataclasses import fields
from enum import Enum
from typing import NamedTuple


def compact(cls):
    """Pickle a frozen, slotted dataclass as its class and field values.

    dataclass(slots=True) pickles frozen classes through a Python __getstate__ that looks
    up the fields on every call; the build cache pickles a few hundred thousand of these
    objects per 1,000 projects. Every field must be an __init__ argument, in field order.
    """
    names = tuple(f.name for f in fields(cls))
    if not all(f.init for f in fields(cls)):
        raise TypeError(f"{cls.__name__}: every field must be an __init__ argument")
    values = operator.attrgetter(*names)
    if len(names) == 1:
        def __reduce__(self):
            return type(self), (values(self),)
    else:
        def __reduce__(self):
            return type(self), values(self)
    cls.__reduce__ = __reduce__
    return slot_init(cls)


REPLACED_INITS: dict[type, object] = {}
# Stands for a field's default_factory in a signature: dataclasses' own (shown as <factory>).
_FACTORY = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", object())


def slot_init(cls):
    """Give a frozen, slotted dataclass an __init__ that sets each slot through its descriptor.

    The one dataclasses writes calls object.__setattr__ per field (the class's own __setattr__
    refuses): a first build makes a million such objects, and this halves their cost. The same
    signature, defaults, default factories and fields left out of __init__; a class with
    __post_init__ or keyword-only fields keeps its own."""
    MISSING = dataclasses.MISSING
    if hasattr(cls, "__post_init__") or any(f.kw_only or not hasattr(getattr(cls, f.name, None), "__set__")
                                            for f in fields(cls)):
        return cls
    scope: dict = {"_FACTORY": _FACTORY}
    parameters, body = [], []
    for index, f in enumerate(fields(cls)):
        scope[f"set_{index}"] = getattr(cls, f.name).__set__
        if f.default is not MISSING:
            scope[f"default_{index}"] = f.default
        elif f.default_factory is not MISSING:
            scope[f"factory_{index}"] = f.default_factory
        if not f.init:
            if f.default is not MISSING:
                body.append(f"    set_{index}(self, default_{index})\n")
            elif f.default_factory is not MISSING:
                body.append(f"    set_{index}(self, factory_{index}())\n")
            continue
        if f.default is not MISSING:
            parameters.append(f"{f.name}=default_{index}")
        elif f.default_factory is not MISSING:
            parameters.append(f"{f.name}=_FACTORY")
            body.append(f"    if {f.name} is _FACTORY:\n        {f.name} = factory_{index}()\n")
        else:
            parameters.append(f.name)
        body.append(f"    set_{index}(self, {f.name})\n")
    # Compiled as dataclasses compiles the methods it writes: from the store while a build imports
    # the pipeline (classcode.kept sets dataclasses.exec), not 23 compilations per build.
    run = getattr(dataclasses, "exec", exec)
    run(f"def __init__(self, {', '.join(parameters)}):\n{''.join(body) or '    pass'}\n", scope)
    made = scope["__init__"]
    made.__qualname__ = f"{cls.__qualname__}.__init__"
    made.__annotations__ = dict(getattr(cls.__init__, "__annotations__", {}))
    REPLACED_INITS[cls] = cls.__init__  # tests/test_equivalence.py compares the two
    cls.__init__ = made
    return cls


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


class Location(NamedTuple):
    """A place in the data: repository-relative POSIX path, 1-based line and column.

    ``line``/``column`` are None when the finding concerns a whole file or folder.
    Files without lines (workbooks, Word documents) name the place instead: ``sheet``
    and ``cell`` ("C7") for a workbook, ``cell`` alone for a part of a document
    ("第 12 段", "表 2 第 3 行第 4 列").

    A tuple of (path, line, column, sheet, cell), compared and ordered as one: a first build
    makes hundreds of thousands of them (every value read from YAML carries one), and a frozen
    dataclass set each field through object.__setattr__, twice the cost of the tuple.
    """

    path: str
    line: int | None = None
    column: int | None = None
    sheet: str | None = None
    cell: str | None = None

    def __str__(self) -> str:
        if self.cell is not None:
            if self.cell[:1].isascii():  # a cell address: Excel's own "book.xlsx!Sheet!C7" style
                return f"{self.path}!{self.sheet}!{self.cell}" if self.sheet else f"{self.path}!{self.cell}"
            return f"{self.path} {self.cell}"
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class Diagnostic(tuple):
    """A finding: (code, severity, path, line, column, sheet, cell, message, hint, acknowledged).

    A tuple underneath, made from a Location like the other fields: the build state keeps
    20,000 of them as plain tuples (state.pack), and a tuple becomes a Diagnostic again in one
    C call (state.unpack), where a dataclass holding a Location took two objects and a Python
    call each (a no-op at 10,000 projects shows them all). ``location`` is made when asked for.
    """

    __slots__ = ()

    def __new__(cls, code: str, severity: Severity, location: Location, message: str, hint: str = "",
                acknowledged: str | None = None):
        return tuple.__new__(cls, (code, severity, *location, message, hint, acknowledged))

    code = property(operator.itemgetter(0))
    severity = property(operator.itemgetter(1))
    message = property(operator.itemgetter(7))
    hint = property(operator.itemgetter(8))
    acknowledged = property(operator.itemgetter(9))  # the author's reason, when the finding is acknowledged

    @property
    def location(self) -> Location:
        return Location(*self[2:7])

    def replace(self, *, severity: Severity | None = None, acknowledged: str | None = None) -> Diagnostic:
        """This finding with another severity (the portal's rule settings) or acknowledged."""
        fields = list(self)
        if severity is not None:
            fields[1] = severity
        if acknowledged is not None:
            fields[9] = acknowledged
        return tuple.__new__(Diagnostic, fields)

    def __reduce__(self):
        return from_row, (tuple(self),)

    def __repr__(self) -> str:
        return (f"Diagnostic(code={self.code!r}, severity={self.severity!r}, location={self.location!r}, "
                f"message={self.message!r}, hint={self.hint!r}, acknowledged={self.acknowledged!r})")

    @property
    def sort_key(self) -> tuple:
        return (self[2], self[3] or 0, self[4] or 0, self[5] or "", self[6] or "", self[0], self[7])

    def as_dict(self) -> dict:
        from .rules import RULES  # rules imports this module

        code, severity, path, line, column, sheet, cell, message, hint, acknowledged = self
        return {
            "code": code,
            "rule": RULES[code].name,
            "severity": severity.value,
            "path": path,
            "line": line,
            "column": column,
            **({"sheet": sheet} if sheet is not None else {}),
            **({"cell": cell} if cell is not None else {}),
            "message": message,
            "hint": hint,
            "acknowledged": acknowledged,
        }


def from_row(row: tuple) -> Diagnostic:
    """The Diagnostic of a row of its fields (its severity a Severity member, as pack keeps it)."""
    return tuple.__new__(Diagnostic, row)


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Sorted, each distinct diagnostic once. Equal diagnostics have equal sort keys, so they
    are neighbours once sorted: no set of 20,000 diagnostics (each hashed whole) is needed."""
    keyed = [(d.sort_key, d) for d in diagnostics]
    keyed.sort(key=operator.itemgetter(0))
    found: list[Diagnostic] = []
    last: tuple | None = None
    run: list[Diagnostic] = []  # those kept with the sort key ``last``
    for key, diagnostic in keyed:
        if key != last:
            last, run = key, [diagnostic]
        elif diagnostic in run:
            continue
        else:
            run.append(diagnostic)
        found.append(diagnostic)
    return found


def has_failures(diagnostics: list[Diagnostic], *, strict: bool) -> bool:
    """Acknowledged findings never fail a run."""
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    return any(d.severity in failing and d.acknowledged is None for d in diagnostics)


GROUP_THRESHOLD = 3  # a rule firing this often gets one header instead of repeated hints
_CODE = operator.attrgetter("code")


def _line(d: Diagnostic) -> str:
    return f"{d.location}: {d.code} [{d.severity.label}] {d.message}"


def _lines(diagnostics: list[Diagnostic]) -> list[str]:
    """_line of each: a build after a change prints 20,000 warnings of an unchanged portal."""
    labels = {severity: severity.label for severity in Severity}
    found = []
    for d in diagnostics:
        code, severity, path, line, column, _, cell, message, _, _ = d
        if cell is None and column is not None and line is not None:
            found.append(f"{path}:{line}:{column}: {code} [{labels[severity]}] {message}")
        else:
            found.append(_line(d))
    return found


def format_text(diagnostics: list[Diagnostic]) -> str:
    """`path:line:col: CODE [severity] message`, grouping a rule that fires many times."""
    from .rules import RULES  # rules imports this module

    open_ = [d for d in diagnostics if d.acknowledged is None]
    counts = Counter(map(_CODE, open_))
    shown = _lines(open_)
    lines: list[str] = []
    grouped = {code for code, count in counts.items() if count >= GROUP_THRESHOLD}
    if grouped:
        # A grouped rule's lines, in order, gathered in one pass (not one per rule); the rule is
        # shown at its first finding.
        by_code: dict[str, list[str]] = {code: [] for code in grouped}
        for d, line in zip(open_, shown):
            found = by_code.get(d.code)
            if found is not None:
                found.append(line)
    for d, line in zip(open_, shown):
        code = d.code
        if code not in grouped:
            lines.append(line)
            if d.hint:
                lines.append(f"    提示：{d.hint}")
            continue
        group = by_code.pop(code, None)
        if group is None:
            continue  # grouped at its first finding
        rule = RULES[code]
        lines.append(f"── {code} {rule.name}（{d.severity.label}，共 {counts[code]} 处；"
                     f"规则说明见网站 rules/{code}/）")
        lines.append("  " + "\n  ".join(group))
        lines.append(f"    提示：{rule.fix}")
    acknowledged = [d for d in diagnostics if d.acknowledged is not None]
    if acknowledged:
        lines.append("已确认的问题（不计入失败）：")
        lines += [f"  {_line(d)}（确认理由：{d.acknowledged}）" for d in acknowledged]
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(diagnostics: list[Diagnostic]) -> str:
    """GitHub Actions workflow commands, one annotation per open finding."""
    from .rules import RULES

    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for d in diagnostics:
        if d.acknowledged is not None:
            continue
        props = [f"file={_escape_property(d.location.path)}"]
        if d.location.line is not None:
            props.append(f"line={d.location.line}")
        if d.location.column is not None:
            props.append(f"col={d.location.column}")
        props.append(f"title={_escape_property(f'{d.code} {RULES[d.code].name}')}")
        body = _escape_data(f"{d.message}\n提示：{d.hint}" if d.hint else d.message)
        lines.append(f"::{level[d.severity]} {','.join(props)}::{body}")
    return "\n".join(lines)


def format_summary(diagnostics: list[Diagnostic]) -> str:
    counts = {s: 0 for s in Severity}
    acknowledged = 0
    for d in diagnostics:
        if d.acknowledged is None:
            counts[d.severity] += 1
        else:
            acknowledged += 1
    text = (f"共 {counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，"
            f"{counts[Severity.INFO]} 个提示")
    return text + (f"，另有 {acknowledged} 个已确认。" if acknowledged else "。")


def format_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps({"diagnostics": [d.as_dict() for d in diagnostics]}, ensure_ascii=False, indent=2)
