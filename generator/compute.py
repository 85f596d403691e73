"""Compute: every published figure, derived from a valid dataset.

Everything a template shows is prepared here, already formatted, so templates do no
arithmetic. Nothing here reads files or looks at paths.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from . import money
from .model import Acknowledgement, Classification, Dataset, Indicator, Project, Text, Unit


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    yuan: str  # "660,000.00"
    wan: str  # "66.00"
    # "人民币陆拾陆万元整", written out when first asked (see ``capitals``); a function of value,
    # so not compared.
    _capitals: str | None = field(default=None, repr=False, compare=False)

    @property
    def capitals(self) -> str:
        """The amount in capitals. Made on demand: pages print it for totals only, and writing
        it out for every line item of 10,000 projects was a third of making their views."""
        if self._capitals is None:
            object.__setattr__(self, "_capitals", money.rmb_capitals(self.value))
        return self._capitals


def amount(value: Decimal) -> Amount:
    return Amount(value, money.format_yuan(value), money.format_wan(value))


@dataclass(frozen=True, slots=True)
class ItemRow:
    depth: int  # 0 for a top-level item
    number: str  # "1", "2", "2.1"
    name: str
    quantity: str
    measure_unit: str
    unit_price: str
    product: str  # quantity × unit price, when both are given
    calculation: str  # the three above as one readable phrase: "200 份 × 25.00 元 = 5,000.00 元"
    amount: Amount
    share: str  # of the project total
    basis: str


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    id: str
    indicator: Indicator
    level1_span: int  # rows this 一级 cell spans; 0 where an earlier row's cell covers it
    level2_span: int
    level1_id: str
    level2_id: str
    # The row's cells after 三级指标, one per shown column: the ids its ``headers`` attribute
    # names (its column's, then the row's three headings) and its text. Prepared here because
    # every project page has dozens of them: looking each up by column key in the template
    # cost a tenth of rendering the page.
    cells: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StatedRow:
    """One line of the 项目资金 block as the source states it: label, as printed, and in 元."""

    label: str
    printed: str
    amount: Amount


@dataclass(frozen=True, slots=True)
class ProjectView:
    project: Project
    unit: Unit
    total: Amount  # the one figure every page and download shows (see project_total)
    items: tuple[ItemRow, ...]
    indicators: tuple[IndicatorRow, ...]
    stated: tuple[StatedRow, ...] = ()  # the stated amount and its parts, when the source prints them
    columns: tuple[tuple[str, str], ...] = ()  # indicator columns shown: (key, title as printed)


@dataclass(frozen=True, slots=True)
class TotalRow:
    key: str
    count: int
    total: Amount
    year: str = ""  # the fiscal year of this total, where the key is not the year itself


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One line of a year-over-year comparison, formatted for the page."""

    label: str
    before: str
    after: str
    change: str
    changed: bool


@dataclass(frozen=True, slots=True)
class Comparison:
    previous: ProjectView
    total: ChangeRow
    items: tuple[ChangeRow, ...]
    indicators: tuple[ChangeRow, ...]


@dataclass(frozen=True, slots=True)
class ProjectHead:
    """What listings, totals, links and the review report need of a project: small enough that
    the build state keeps one per project, so aggregate pages never need the whole model."""

    id: str
    year: int
    folder: str
    name: Text
    unit: Text
    kind: str
    total: Amount
    functional_classification: Classification | None = None
    acknowledgements: tuple[Acknowledgement, ...] = ()
    is_unit_target: bool = False

    @property
    def key(self) -> tuple[int, str]:
        return (self.year, self.id)


def project_head(project: Project | ProjectHead) -> ProjectHead:
    if isinstance(project, ProjectHead):
        return project
    return ProjectHead(project.id, project.year, project.folder, project.name, project.unit, project.kind,
                       amount(project_total(project)), project.functional_classification, project.acknowledgements,
                       project.is_unit_target)


@dataclass(frozen=True, slots=True)
class Listed:
    """A project as listings show it: its head, its unit and its total (a ProjectView's fields
    that listing templates read)."""

    project: ProjectHead
    unit: Unit
    total: Amount


@dataclass(frozen=True, slots=True)
class PortalView:
    """Every total is for one fiscal year: budgets of different years are never added up."""

    projects: tuple[Listed, ...]  # 项目支出 only, sorted by (year, id)
    by_year: tuple[TotalRow, ...]
    by_unit: tuple[TotalRow, ...]  # key = unit id, for ``latest_year``; units without projects then have count 0
    by_year_unit: dict[tuple[int, str], TotalRow]
    latest_year: int | None = None
    by_classification: tuple[TotalRow, ...] = ()  # key = 支出功能分类科目 code, one row per (code, year)
    classification_names: dict[str, str] = field(default_factory=dict)
    previous_year: dict[tuple[int, str], Listed] = field(default_factory=dict)  # by the later project
    next_year: dict[tuple[int, str], Listed] = field(default_factory=dict)  # by the earlier project
    unit_targets: tuple[Listed, ...] = ()  # 部门整体支出绩效目标: never counted in any total

    def in_year(self, year: int) -> tuple[Listed, ...]:
        return tuple(v for v in self.projects if v.project.year == year)

    def in_classification(self, code: str) -> tuple[Listed, ...]:
        return tuple(v for v in self.projects if v.project.functional_classification
                     and v.project.functional_classification.code.value == code)


def project_total(project: Project) -> Decimal:
    """The project's amount: the sum of its top-level 资金测算明细, or, without a breakdown,
    the 资金总额 its table states. When both exist A410 makes sure they agree."""
    if project.budget_items:
        return sum((item.amount for item in project.budget_items if item.parent is None), Decimal(0))
    return project.stated_amount.total.value if project.stated_amount else Decimal(0)


_STATED_LABELS = (("total", "资金总额"), ("fiscal", "其中：财政拨款"), ("other", "其他资金"),
                  ("basic", "基本支出"), ("project", "项目支出"))


def _stated_rows(project: Project) -> tuple[StatedRow, ...]:
    stated = project.stated_amount
    if stated is None:
        return ()
    rows = []
    for key, label in _STATED_LABELS:
        part = getattr(stated, key)
        if part is not None:
            rows.append(StatedRow(label, part.printed.value, amount(part.value)))
    return tuple(rows)


# Only the columns a project's layout has, in the shipped order, as its table printed them.
_COLUMN_ORDER = ("level1", "level2", "level3", "nature", "value", "medium_value", "unit", "attribute", "scoring",
                 "content", "basis", "remark")


def _shown_columns(project: Project) -> tuple[tuple[str, str], ...]:
    titles = dict(project.indicator_columns)
    return tuple((key, titles[key]) for key in _COLUMN_ORDER if key in titles)


def _calculation(quantity: str, measure_unit: str, price: str, product: str) -> str:
    counted = f"{quantity} {measure_unit}".strip()
    if product:
        return f"{counted} × {price} 元 = {product} 元"
    if price:
        return f"{price} 元/{measure_unit}" if measure_unit else f"单价 {price} 元"
    return counted


def _item_rows(project: Project, total: Decimal) -> tuple[ItemRow, ...]:
    children: dict[str | None, list] = defaultdict(list)
    for item in project.budget_items:
        children[item.parent].append(item)
    rows: list[ItemRow] = []

    def walk(parent: str | None, depth: int, prefix: str) -> None:
        for index, item in enumerate(children.get(parent, ()), start=1):
            number = f"{prefix}{index}"
            quantity = "" if item.quantity is None else money.format_quantity(item.quantity)
            price = "" if item.unit_price is None else money.format_yuan(item.unit_price)
            product = ""
            if item.quantity is not None and item.unit_price is not None:
                product = money.format_yuan(money.multiply(item.quantity, item.unit_price))
            rows.append(ItemRow(
                depth=depth,
                number=number,
                name=item.name,
                quantity=quantity,
                measure_unit=item.measure_unit,
                unit_price=price,
                product=product,
                calculation=_calculation(quantity, item.measure_unit, price, product),
                amount=amount(item.amount),
                share=money.format_share(item.amount, total),
                basis=item.basis,
            ))
            walk(item.name, depth + 1, f"{number}.")

    walk(None, 0, "")
    return tuple(rows)


# Columns that are row headings in the indicator table; the others are its data cells.
_HEADING_COLUMNS = ("level1", "level2", "level3")


def _indicator_rows(indicators: tuple[Indicator, ...], columns: tuple[tuple[str, str], ...] = ()
                    ) -> tuple[IndicatorRow, ...]:
    """Row spans for the merged 一级/二级 cells of the official layout.

    Consecutive rows with the same 一级 merge; within them, consecutive rows with the
    same 二级 merge. Ids let each data cell name its headers for screen readers.
    """
    spans1 = [0] * len(indicators)
    spans2 = [0] * len(indicators)
    ids1 = [""] * len(indicators)
    ids2 = [""] * len(indicators)
    start1 = start2 = 0
    for index, indicator in enumerate(indicators):
        if index == 0 or indicator.level1 != indicators[start1].level1:
            start1 = start2 = index
        elif indicator.level2 != indicators[start2].level2:
            start2 = index
        spans1[start1] += 1
        spans2[start2] += 1
        ids1[index] = f"ind-l1-{start1 + 1}"
        ids2[index] = f"ind-l2-{start2 + 1}"
    data_columns = [key for key, _ in columns if key not in _HEADING_COLUMNS]
    rows = []
    for i, ind in enumerate(indicators):
        headings = f"{ids1[i]} {ids2[i]} ind-{i + 1}"
        cells = tuple((f"ind-h-{key} {headings}", getattr(ind, key)) for key in data_columns)
        rows.append(IndicatorRow(f"ind-{i + 1}", ind, spans1[i], spans2[i], ids1[i], ids2[i], cells))
    return tuple(rows)


def project_view(project: Project, unit: Unit) -> ProjectView:
    total = project_total(project)
    columns = _shown_columns(project)
    return ProjectView(project, unit, amount(total), _item_rows(project, total),
                       _indicator_rows(project.indicators, columns), stated=_stated_rows(project), columns=columns)


def _change(before: Decimal | None, after: Decimal | None) -> tuple[str, bool]:
    if before is None:
        return "新增", True
    if after is None:
        return "取消", True
    delta = after - before
    if delta == 0:
        return "持平", False
    sign = "+" if delta > 0 else "−"
    percent = "" if before == 0 else f"（{sign}{money.format_share(abs(delta), before)}）"
    return f"{sign}{money.format_yuan(abs(delta))}{percent}", True


def _money_row(label: str, before: Decimal | None, after: Decimal | None) -> ChangeRow:
    change, changed = _change(before, after)
    return ChangeRow(label, "" if before is None else money.format_yuan(before),
                     "" if after is None else money.format_yuan(after), change, changed)


def compare(previous: ProjectView, current: ProjectView) -> Comparison:
    """Amounts, line items and indicator values of two consecutive years, side by side."""
    before_items = {i.name: i.amount for i in previous.project.budget_items}
    after_items = {i.name: i.amount for i in current.project.budget_items}
    names = [i.name for i in current.project.budget_items]
    names += [i.name for i in previous.project.budget_items if i.name not in after_items]
    items = tuple(_money_row(name, before_items.get(name), after_items.get(name)) for name in names)

    def indicator_values(view: ProjectView) -> dict[str, str]:
        return {i.level3: f"{i.nature} {i.value}{(' ' + i.unit) if i.unit else ''}".strip()
                for i in view.project.indicators}

    before_ind, after_ind = indicator_values(previous), indicator_values(current)
    labels = list(after_ind) + [label for label in before_ind if label not in after_ind]
    indicators = []
    for label in labels:
        old, new = before_ind.get(label), after_ind.get(label)
        change = "新增" if old is None else "取消" if new is None else "持平" if old == new else "调整"
        indicators.append(ChangeRow(label, old or "", new or "", change, change != "持平"))
    total = _money_row("项目总额", previous.total.value, current.total.value)
    return Comparison(previous, total, items, tuple(indicators))


def _add(totals: dict, key, fen: int) -> None:
    count, total = totals.get(key, (0, 0))
    totals[key] = (count + 1, total + fen)


def portal_view(dataset: Dataset) -> PortalView:
    """Totals and listings from the projects' heads (a dataset may hold whole models or heads)."""
    every = tuple(Listed(head, dataset.units[head.unit.value], head.total)
                  for head in map(project_head, dataset.projects))
    views = tuple(v for v in every if not v.project.is_unit_target)
    unit_targets = tuple(v for v in every if v.project.is_unit_target)
    # Aggregation on exact Python integers of 分: they never wrap (pandas' int64 did beyond
    # 9.2e18 分) and never round (float would). Every group includes the year: budgets of
    # different fiscal years are never added into one figure.
    by_year: dict[int, tuple[int, int]] = {}
    by_year_unit: dict[tuple[int, str], tuple[int, int]] = {}
    names = {}
    by_code: dict[tuple[str, int], list[int]] = {}
    index = {}
    for view in views:  # one pass: 10,000 projects on every build
        project = view.project
        year = project.year
        fen = money.to_fen(view.total.value)
        _add(by_year, year, fen)
        _add(by_year_unit, (year, view.unit.id), fen)
        classification = project.functional_classification
        if classification is not None:
            names.setdefault(classification.code.value, classification.name.value)
            by_code.setdefault((classification.code.value, year), []).append(fen)
        index[year, project.id] = view
    latest = max(by_year) if by_year else None
    previous_year, next_year = {}, {}
    for view in views:
        earlier = index.get((view.project.year - 1, view.project.id))
        if earlier is not None and earlier.unit.id == view.unit.id:
            previous_year[view.project.key] = earlier
            next_year[earlier.project.key] = view
    return PortalView(
        by_classification=tuple(TotalRow(code, len(fens), amount(money.from_fen(sum(fens))), str(year))
                                for (code, year), fens in sorted(by_code.items())),
        classification_names=names,
        previous_year=previous_year,
        next_year=next_year,
        projects=views,
        unit_targets=unit_targets,
        by_year=tuple(TotalRow(str(y), c, amount(money.from_fen(f))) for y, (c, f) in sorted(by_year.items())),
        by_unit=tuple(
            TotalRow(uid, by_year_unit.get((latest, uid), (0, 0))[0],
                     amount(money.from_fen(by_year_unit.get((latest, uid), (0, 0))[1])), str(latest or ""))
            for uid in sorted(dataset.units)
        ),
        by_year_unit={k: TotalRow(f"{k[0]}", c, amount(money.from_fen(f)))
                      for k, (c, f) in sorted(by_year_unit.items())},
        latest_year=latest,
    )
