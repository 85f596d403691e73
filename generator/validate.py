"""Validate: checks across records, each a small generator that yields diagnostics."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from . import limits, rules
from .diagnostics import Diagnostic, Location
from .model import BudgetItem, Text

YEAR = re.compile(r"(19|20|21)\d\d\Z")


def _shown(name: str) -> str:
    # A hostile name can be megabytes long or hold markup; the message shows a short, plain piece.
    return name if len(name) <= 80 else name[:80] + "…"


def check_slug(name: str, kind: str, location: Location) -> Iterator[Diagnostic]:
    """Everything that becomes part of a path or a link goes through limits.IDENTIFIER."""
    problem = limits.identifier_problem(name)
    if problem is not None:
        yield rules.make("S213", location, name=_shown(name), kind=kind, detail=problem)


def check_identifier(text: Text, kind: str) -> Iterator[Diagnostic]:
    yield from check_slug(text.value, kind, text.location)


def check_year(name: str, location: Location) -> Iterator[Diagnostic]:
    if not YEAR.match(name):
        yield rules.make("S213", location, name=_shown(name), kind="年度文件夹", detail="必须是四位数字年份，如 2026")


def check_unit_reference(unit: Text, units: Collection[str]) -> Iterator[Diagnostic]:
    if unit.value not in units:
        import difflib  # only for an unknown name

        match = difflib.get_close_matches(unit.value, sorted(units), n=1, cutoff=0.5)
        hint = f"是不是要写“{match[0]}”？" if match else None
        yield rules.make("X301", unit.location, hint=hint, unit=unit.value)


def check_unique_item_names(items: tuple[BudgetItem, ...]) -> Iterator[Diagnostic]:
    first_seen: dict[str, int] = {}
    for item in items:
        line = item.location.line or 0
        if item.name in first_seen:
            yield rules.make("X302", item.cells["name"], item=item.name, first_line=first_seen[item.name])
        else:
            first_seen[item.name] = line


def check_parents_exist(items: tuple[BudgetItem, ...]) -> Iterator[Diagnostic]:
    names = {item.name for item in items}
    for item in items:
        if item.parent is not None and item.parent not in names:
            import difflib

            match = difflib.get_close_matches(item.parent, sorted(names), n=1, cutoff=0.5)
            hint = f"是不是要写“{match[0]}”？" if match else None
            yield rules.make("X303", item.cells["parent"], hint=hint, parent=item.parent)


def check_parent_cycles(items: tuple[BudgetItem, ...]) -> Iterator[Diagnostic]:
    parent_of = {item.name: item.parent for item in items}
    for item in items:
        seen = {item.name}
        current = item.parent
        while current is not None and current in parent_of:
            if current in seen:
                yield rules.make("X304", item.cells["parent"], item=item.name)
                break
            seen.add(current)
            current = parent_of[current]


BUDGET_ITEM_CHECKS = (check_unique_item_names, check_parents_exist, check_parent_cycles)


def check_budget_items(items: tuple[BudgetItem, ...]) -> Iterator[Diagnostic]:
    for check in BUDGET_ITEM_CHECKS:
        yield from check(items)
