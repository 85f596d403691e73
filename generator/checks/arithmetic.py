"""Arithmetic: the budget table adds up, and the narrative agrees with it."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache, partial

from .. import money, rules
from ..diagnostics import Diagnostic
from ..model import Project
from ._text import at, narrative

_NUMBER = r"(\d+(?:\.\d+)?)"
# "650000元", "66万元", "1万元"; not followed by "/" (that makes it a rate).
_AMOUNT = re.compile(_NUMBER + r"\s*(万)?\s*元(?!\s*/)")
# "5000元/场", "2000元/人/年"
_UNIT_CHARS = r"[^\d\s，。；;,、)）/=*×]"
_RATE = re.compile(_NUMBER + r"\s*(万)?\s*元\s*/\s*(" + _UNIT_CHARS + r"{1,2}(?:/" + _UNIT_CHARS + r"{1,2})?)")
# "200份*25元/份=5000元"
_EQUATION = re.compile(_NUMBER + r"\s*([^\d\s*×xX]{0,2})\s*[*×xX]\s*" + _NUMBER + r"\s*元\s*/\s*\S{1,2}?\s*=\s*"
                       + _NUMBER + r"\s*(万)?\s*元")


def _with_yuan(text: str) -> str | None:
    """The NFKC form of a paragraph that names an amount in 元 (what _AMOUNT, _RATE and
    _EQUATION look for), else None. No other character normalizes to 元, so a paragraph without
    it is not normalized at all; the three checks share the rest (one paragraph after another)."""
    return _nfkc(text) if "元" in text else None


_nfkc = lru_cache(maxsize=64)(partial(unicodedata.normalize, "NFKC"))


def _value(number: str, wan: str | None) -> Decimal:
    value = Decimal(number)
    return value * money.TEN_THOUSAND if wan else value


def _children(project: Project) -> dict[str, list]:
    children: dict[str, list] = defaultdict(list)
    for item in project.budget_items:
        if item.parent is not None:
            children[item.parent].append(item)
    return children


def check_children_sum(project: Project) -> Iterator[Diagnostic]:
    children = _children(project)
    for item in project.budget_items:
        if item.name in children:
            total = sum((child.amount for child in children[item.name]), Decimal(0))
            if total != item.amount:
                yield rules.make("A401", item.cells["amount"], item=item.name,
                                 amount=money.format_yuan(item.amount), children=money.format_yuan(total))


def check_quantity_times_price(project: Project) -> Iterator[Diagnostic]:
    for item in project.budget_items:
        if item.quantity is not None and item.unit_price is not None:
            product = item.quantity * item.unit_price
            if product != item.amount:
                yield rules.make("A402", item.cells["amount"], item=item.name,
                                 product=money.format_yuan(product), amount=money.format_yuan(item.amount))


def check_items_have_calculation(project: Project) -> Iterator[Diagnostic]:
    parents = set(_children(project))
    for item in project.budget_items:
        if item.name in parents:
            continue
        missing = [label for label, value in (("数量", item.quantity), ("单价", item.unit_price)) if value is None]
        if missing:
            yield rules.make("A407", item.cells["amount"], item=item.name,
                             amount=money.format_yuan(item.amount), missing="和".join(missing))


def _budget_figures(project: Project) -> set[Decimal]:
    figures = {item.amount for item in project.budget_items}
    figures.add(sum((i.amount for i in project.budget_items if i.parent is None), Decimal(0)))
    return figures


def check_narrative_amounts(project: Project) -> Iterator[Diagnostic]:
    if not project.budget_items:
        return  # no 资金测算明细 to compare the text with
    figures = _budget_figures(project)
    for text in narrative(project):
        normalized = _with_yuan(text.value)
        if normalized is None:
            continue
        for match in _AMOUNT.finditer(normalized):
            value = _value(match.group(1), match.group(2))
            if value not in figures:
                yield rules.make("A403", at(text, match.start()), text=match.group(0),
                                 value=money.format_yuan(value))


def check_narrative_rates(project: Project) -> Iterator[Diagnostic]:
    if not project.budget_items:
        return  # no 资金测算明细 to compare the text with
    rates = {(item.unit_price, item.measure_unit) for item in project.budget_items if item.unit_price is not None}
    for text in narrative(project):
        normalized = _with_yuan(text.value)
        if normalized is None:
            continue
        for match in _RATE.finditer(normalized):
            value, unit = _value(match.group(1), match.group(2)), match.group(3)
            if (value, unit) not in rates:
                yield rules.make("A404", at(text, match.start()), text=match.group(0))


def check_narrative_equations(project: Project) -> Iterator[Diagnostic]:
    for text in narrative(project):
        normalized = _with_yuan(text.value)
        if normalized is None:
            continue
        for match in _EQUATION.finditer(normalized):
            quantity, price = Decimal(match.group(1)), Decimal(match.group(3))
            result = _value(match.group(4), match.group(5))
            if quantity * price != result:
                yield rules.make("A405", at(text, match.start()), text=match.group(0),
                                 left=money.format_yuan(quantity * price), right=money.format_yuan(result))


_COUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(\S*)\s*$")


def check_indicator_counts(project: Project) -> Iterator[Diagnostic]:
    """A counted indicator (N 场) against the line item priced per 场."""
    priced = {}
    for item in project.budget_items:
        if item.unit_price is not None and item.measure_unit:
            priced.setdefault(item.measure_unit, item)
    for indicator in project.indicators:
        match = _COUNT.match(unicodedata.normalize("NFKC", indicator.value))
        if not match:
            continue
        count = Decimal(match.group(1))
        units = {match.group(2)} | set(indicator.unit.split())
        for unit in sorted(u for u in units if u in priced):
            item = priced[unit]
            implied = count * item.unit_price
            if implied != item.amount:
                yield rules.make("A406", indicator.cells["value"], indicator=indicator.level3,
                                 count=format(count.normalize(), "f"), unit=unit,
                                 price=money.format_yuan(item.unit_price), implied=money.format_yuan(implied),
                                 item=item.name, amount=money.format_yuan(item.amount))
            break


def _computed_total(project: Project) -> Decimal:
    return sum((i.amount for i in project.budget_items if i.parent is None), Decimal(0))


def check_stated_amount(project: Project) -> Iterator[Diagnostic]:
    """The amount a table states against its breakdown, and its parts against the total."""
    stated = project.stated_amount
    if stated is None:
        return
    if project.budget_items and _computed_total(project) != stated.total.value:
        yield rules.make("A410", stated.total.printed.location, printed=stated.total.printed.value,
                         stated=money.format_yuan(stated.total.value),
                         computed=money.format_yuan(_computed_total(project)))
    for names, parts in (("财政拨款与其他资金", (stated.fiscal, stated.other)),
                         ("基本支出与项目支出", (stated.basic, stated.project))):
        # Only when both parts are printed: "其中：财政拨款" alone may be a partial breakdown.
        if all(part is not None for part in parts):
            total = sum((part.value for part in parts), Decimal(0))
            if total != stated.total.value:
                yield rules.make("A411", parts[0].printed.location, parts=names, sum=money.format_yuan(total),
                                 total=money.format_yuan(stated.total.value))
