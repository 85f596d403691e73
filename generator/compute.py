"""Compute: every published figure, derived from a valid dataset.

Everything a template shows is prepared here, already formatted, so templates do no
arithmetic. Nothing here reads files or looks at paths.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import (MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation, Overflow, Rounded,
                     localcontext)
from operator import attrgetter

from . import money
from .diagnostics import slot_init
from .model import Acknowledgement, Classification, Dataset, Indicator, Project, Text, Unit


@slot_init
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


@slot_init
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


@slot_init
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


@slot_init
@dataclass(frozen=True, slots=True)
class StatedRow:
    """One line of the 项目资金 block as the source states it: label, as printed, and in 元."""

    label: str
    printed: str
    amount: Amount


@slot_init
@dataclass(frozen=True, slots=True)
class ProjectView:
    project: Project
    unit: Unit
    total: Amount  # the one figure every page and download shows (see project_total)
    items: tuple[ItemRow, ...]
    indicators: tuple[IndicatorRow, ...]
    stated: tuple[StatedRow, ...] = ()  # the stated amount and its parts, when the source prints them
    columns: tuple[tuple[str, str], ...] = ()  # indicator columns shown: (key, title as printed)


@slot_init
@dataclass(frozen=True, slots=True)
class TotalRow:
    key: str
    count: int
    total: Amount
    year: str = ""  # the fiscal year of this total, where the key is not the year itself


@slot_init
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


_LATER = object()  # a head's located field not made yet from its packed form (state.unpack_head)
# A head's fields in the order of its __init__ (and of the frozen dataclass it replaces).
_HEAD_FIELDS = ("id", "year", "folder", "name", "unit", "kind", "total", "functional_classification",
                "acknowledgements", "is_unit_target")
_HEAD_FIELD_VALUES = attrgetter(*_HEAD_FIELDS)


class ProjectHead:
    """What listings, totals, links and the review report need of a project: small enough that
    the build state keeps one per project, so aggregate pages never need the whole model.

    A build after a change makes 10,000 of these from the build state (state.unpack_head), and
    its totals and listings read plain values only: ``unit_id``, ``name_value`` and the
    classification's code and name. The located fields (name, unit, classification,
    acknowledgements: eight objects a head, two thirds of the cost of making one) are made from
    the packed head when first asked for, by the few pages rendered again or the review report.
    Equal, hashed, shown and pickled as the frozen dataclass it replaces (its fields, in order)."""

    __slots__ = ("id", "year", "folder", "kind", "total", "is_unit_target", "unit_id", "name_value",
                 "classification_code", "classification_name", "_name", "_unit", "_classification",
                 "_acknowledgements", "_packed")

    def __init__(self, id: str, year: int, folder: str, name: Text, unit: Text, kind: str, total: Amount,
                 functional_classification: Classification | None = None,
                 acknowledgements: tuple[Acknowledgement, ...] = (), is_unit_target: bool = False):
        self.id, self.year, self.folder, self.kind, self.total = id, year, folder, kind, total
        self.is_unit_target = is_unit_target
        self._name, self._unit, self._classification = name, unit, functional_classification
        self._acknowledgements, self._packed = acknowledgements, None
        self.name_value, self.unit_id = name.value, unit.value
        classification = functional_classification
        self.classification_code = classification.code.value if classification is not None else None
        self.classification_name = classification.name.value if classification is not None else None

    def _made(self, index: int):
        from .state import head_field  # the build state packs heads; it imports this module

        return head_field(self._packed, index)

    @property
    def name(self) -> Text:
        if self._name is _LATER:
            self._name = self._made(3)
        return self._name

    @property
    def unit(self) -> Text:
        if self._unit is _LATER:
            self._unit = self._made(4)
        return self._unit

    @property
    def functional_classification(self) -> Classification | None:
        if self._classification is _LATER:
            self._classification = self._made(7)
        return self._classification

    @property
    def acknowledgements(self) -> tuple[Acknowledgement, ...]:
        if self._acknowledgements is _LATER:
            self._acknowledgements = self._made(8)
        return self._acknowledgements

    @property
    def key(self) -> tuple[int, str]:
        return (self.year, self.id)

    def _fields(self) -> tuple:
        return _HEAD_FIELD_VALUES(self)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"ProjectHead({', '.join(f'{n}={v!r}' for n, v in zip(_HEAD_FIELDS, self._fields()))})"

    def __reduce__(self):
        return ProjectHead, self._fields()


def project_head(project: Project | ProjectHead) -> ProjectHead:
    if isinstance(project, ProjectHead):
        return project
    return ProjectHead(project.id, project.year, project.folder, project.name, project.unit, project.kind,
                       amount(project_total(project)), project.functional_classification, project.acknowledgements,
                       project.is_unit_target)


@dataclass(slots=True, unsafe_hash=True)
class Listed:
    """A project as listings show it: its head, its unit and its total (a ProjectView's fields
    that listing templates read).

    Not frozen, though nothing changes one once made (hashed by its fields all the same): every
    build makes one per project, and a frozen dataclass sets each field through
    object.__setattr__, three times the cost."""

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
    # ``projects`` by year and by 支出功能分类 code, in their order, as portal_view's one pass
    # found them (each listing page would otherwise walk all 10,000); None: found on demand.
    listed_by_year: dict[int, tuple[Listed, ...]] | None = field(default=None, repr=False, compare=False)
    listed_by_code: dict[str, tuple[Listed, ...]] | None = field(default=None, repr=False, compare=False)

    def years(self) -> list[int]:
        """The fiscal years of ``projects``, in order."""
        if self.listed_by_year is not None:
            return sorted(self.listed_by_year)
        return sorted({v.project.year for v in self.projects})

    def in_year(self, year: int) -> tuple[Listed, ...]:
        if self.listed_by_year is not None:
            return self.listed_by_year.get(year, ())
        return tuple(v for v in self.projects if v.project.year == year)

    def in_classification(self, code: str) -> tuple[Listed, ...]:
        if self.listed_by_code is not None:
            return self.listed_by_code.get(code, ())
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


# Totals add Decimals in a context that cannot round: any digit lost would raise Inexact. Each
# group's sum is then made exact integer 分 (money.to_fen, which refuses a sub-分 sum): one
# Python call per group rather than per project, at 10,000 projects on every build.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[Inexact, Rounded, InvalidOperation, Overflow])
# Below this many 分 a total's figures are written from the integer (_total_amount): far from
# the 28 digits of Decimal's default context, where money.format_wan's division would round.
_INTEGER_FORMAT_LIMIT = 10 ** 20


def _exact_fens(groups: dict) -> dict:
    """(count, exact sum in 分) of each group's amounts, by the same keys."""
    with localcontext(_EXACT):
        return {key: (len(values), money.to_fen(sum(values, Decimal(0)))) for key, values in groups.items()}


def _total_amount(fen: int) -> Amount:
    """amount(money.from_fen(fen)), its figures written from the integer: a build makes a
    thousand totals (one per unit and year), and Decimal's quantize and format cost five times
    as much. The same text (tests/test_exact_money.py compares them)."""
    value = money.from_fen(fen)
    if not 0 <= fen < _INTEGER_FORMAT_LIMIT:
        return amount(value)
    wan, rest = divmod(fen, 10000)
    if rest >= 5000:  # ROUND_HALF_UP, as money.format_wan
        wan += 1
    return Amount(value, f"{fen // 100:,}.{fen % 100:02d}", f"{wan // 100:,}.{wan % 100:02d}")


def portal_view(dataset: Dataset) -> PortalView:
    """Totals and listings from the projects' heads (a dataset may hold whole models or heads)."""
    units = dataset.units
    views, unit_targets = [], []
    # Every group includes the year: budgets of different fiscal years are never added into one
    # figure. Sums are exact (_exact_fens): neither int64 (pandas wrapped beyond 9.2e18 分) nor float.
    in_year: dict[int, list[Listed]] = {}
    by_year_unit: dict[tuple[int, str], list[Decimal]] = {}
    names: dict[str, str] = {}
    by_code: dict[tuple[str, int], list[Decimal]] = {}
    in_code: dict[str, list[Listed]] = {}
    # One pass: 10,000 projects on every build. Heads come sorted by (year, id), a unit's mostly
    # together: a year's and a unit's list is looked up again only where the run changes.
    year = unit_id = year_views = unit_values = None
    for head in dataset.projects:
        if type(head) is not ProjectHead:
            head = project_head(head)
        unit = units[head.unit_id]
        view = Listed(head, unit, head.total)
        if head.is_unit_target:
            unit_targets.append(view)
            continue
        views.append(view)
        value = head.total.value
        if head.year != year or unit.id != unit_id:
            if head.year != year:
                year = head.year
                year_views = in_year.setdefault(year, [])
            unit_id = unit.id
            unit_values = by_year_unit.setdefault((year, unit_id), [])
        year_views.append(view)
        unit_values.append(value)
        code = head.classification_code
        if code is not None:
            found = by_code.get((code, year))
            if found is None:
                names.setdefault(code, head.classification_name)
                by_code[code, year] = [value]
                in_code.setdefault(code, []).append(view)
            else:
                found.append(value)
                in_code[code].append(view)
    year_unit_fen = _exact_fens(dict(sorted(by_year_unit.items())))
    by_year: dict[int, tuple[int, int]] = {}
    for (year, _), (count, fen) in year_unit_fen.items():
        earlier_count, earlier_fen = by_year.get(year, (0, 0))
        by_year[year] = (earlier_count + count, earlier_fen + fen)
    latest = max(by_year) if by_year else None
    previous_year, next_year = {}, {}
    if len(in_year) > 1:  # a project's earlier year: the same id, one year before, the same unit
        by_id = {year: {view.project.id: view for view in listed} for year, listed in in_year.items()}
        for view in views:
            earlier = by_id.get(view.project.year - 1, {}).get(view.project.id)
            if earlier is not None and earlier.unit.id == view.unit.id:
                previous_year[view.project.key] = earlier
                next_year[earlier.project.key] = view
    year_unit_rows = {key: TotalRow(f"{key[0]}", count, _total_amount(fen))
                      for key, (count, fen) in year_unit_fen.items()}
    nothing = None
    by_unit = []
    for uid in sorted(units):
        row = year_unit_rows.get((latest, uid))
        if row is None:
            nothing = nothing or _total_amount(0)
            by_unit.append(TotalRow(uid, 0, nothing, str(latest or "")))
        else:
            by_unit.append(TotalRow(uid, row.count, row.total, str(latest)))
    return PortalView(
        by_classification=tuple(TotalRow(code, count, _total_amount(fen), str(year))
                                for (code, year), (count, fen) in _exact_fens(dict(sorted(by_code.items()))).items()),
        classification_names=names,
        previous_year=previous_year,
        next_year=next_year,
        projects=tuple(views),
        unit_targets=tuple(unit_targets),
        by_year=tuple(TotalRow(str(y), c, _total_amount(f)) for y, (c, f) in sorted(by_year.items())),
        by_unit=tuple(by_unit),
        by_year_unit=year_unit_rows,
        latest_year=latest,
        listed_by_year={year: tuple(listed) for year, listed in in_year.items()},
        listed_by_code={code: tuple(listed) for code, listed in in_code.items()},
    )
