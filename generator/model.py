"""The typed data model the schema produces and every later stage reads.

Each value that came from a file carries its :class:`Location`, so checks can point
at it. Money is ``Decimal``; nothing here is ever a float.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .diagnostics import Location, compact


class CellLocations(Mapping):
    """Where each cell of a table row is, by column key; a Location is made when one is asked for.

    Only the cells a finding names are ever asked for, while 10,000 projects have about 1.5
    million cells: a Location each (a frozen dataclass) cost more than reading the cells.
    """

    __slots__ = ("path", "places")

    def __init__(self, path: str, places: dict[str, tuple[int, int]]):
        self.path = path
        self.places = places  # column key → (line, column), 1-based

    def __getitem__(self, key: str) -> Location:
        line, column = self.places[key]
        return Location(self.path, line, column)

    def __contains__(self, key: object) -> bool:
        return key in self.places

    def __iter__(self) -> Iterator[str]:
        return iter(self.places)

    def __len__(self) -> int:
        return len(self.places)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CellLocations):
            return self.path == other.path and self.places == other.places
        return Mapping.__eq__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"CellLocations({self.path!r}, {self.places!r})"

    def __reduce__(self):
        return CellLocations, (self.path, self.places)


@compact
@dataclass(frozen=True, slots=True)
class Text:
    value: str
    location: Location

    def __str__(self) -> str:
        return self.value


@compact
@dataclass(frozen=True, slots=True)
class RuleSettings:
    """portal.yaml ``rules``: which review rules run and how severe they are."""

    select: tuple[Text, ...] = ()  # when given, only these configurable rules run
    ignore: tuple[Text, ...] = ()
    severity: tuple[tuple[Text, Text], ...] = ()  # (code, severity)


@compact
@dataclass(frozen=True, slots=True)
class Portal:
    path: str
    title: Text
    publisher: Text
    contact: Text
    description: tuple[Text, ...] = ()
    website_code: Text | None = None  # 网站标识码
    icp_record: Text | None = None  # ICP备案号
    police_record: Text | None = None  # 公安机关备案号
    rules: RuleSettings = RuleSettings()
    public_fields: tuple[Text, ...] = ()
    # Publishing as a government website (issue 12); see generator/publish.py.
    site_url: str | None = None  # normalised, ends with "/"
    organizer: Text | None = None  # 承办单位 (publisher is the 主办单位)
    published: dict[int, str] = field(default_factory=dict)  # fiscal year -> 公开日期 "YYYY-MM-DD[ HH:MM]"


@compact
@dataclass(frozen=True, slots=True)
class CreditCode:
    label: Text  # as labelled in the source, e.g. 组织机构代码 or 统一社会信用代码
    value: Text


@compact
@dataclass(frozen=True, slots=True)
class Unit:
    """A budget unit. Only the name is required: real tables often print nothing else."""

    id: str
    path: str
    name: Text
    credit_code: CreditCode | None = None
    address: Text | None = None
    phone: Text | None = None
    legal_representative: Text | None = None
    funding_source: Text | None = None
    duties: tuple[Text, ...] = ()
    public_fields: tuple[Text, ...] = ()  # fields whose phone numbers are official and may be published


@compact
@dataclass(frozen=True, slots=True)
class LegalBasis:
    number: Text | None  # 文号, as written; some tables cite a document without one
    title: Text


@compact
@dataclass(frozen=True, slots=True)
class PerformanceTarget:
    period: Text | None  # e.g. 2026年-2028年; many tables print no period
    paragraphs: tuple[Text, ...]


@compact
@dataclass(frozen=True, slots=True)
class Money:
    """An amount as printed (``66万元``) and its exact value in 元."""

    printed: Text
    value: Decimal


@compact
@dataclass(frozen=True, slots=True)
class StatedAmount:
    """The 项目资金 / 预算安排 block of a table: what the source states, without a breakdown."""

    total: Money  # 资金总额
    fiscal: Money | None = None  # 其中：财政拨款
    other: Money | None = None  # 其他资金
    basic: Money | None = None  # 基本支出 (whole-unit targets)
    project: Money | None = None  # 项目支出 (whole-unit targets)


@compact
@dataclass(frozen=True, slots=True)
class BudgetItem:
    """One row of 资金测算明细. ``cells`` maps column keys to their locations."""

    location: Location
    name: str
    parent: str | None
    quantity: Decimal | None
    measure_unit: str
    unit_price: Decimal | None
    amount: Decimal
    basis: str
    cells: Mapping[str, Location] = field(default_factory=dict, compare=False, hash=False)


@compact
@dataclass(frozen=True, slots=True)
class ParsedValue:
    """What can be read from a printed 指标值: ``≥95%`` → (≥, 95, %).

    ``readable`` is False when no number could be read (``及时``, ``逐步提升``); the printed
    value is always kept beside it and is what the page shows.
    """

    comparison: str  # "" when none is printed; otherwise one of = ≥ ≤ > <
    number: Decimal | None
    unit: str  # as printed after the number ("%", "万元", "天"); "" when none
    readable: bool


@compact
@dataclass(frozen=True, slots=True)
class Indicator:
    """One row of 绩效目标表, every column as written ("" where the layout has no such column)."""

    location: Location
    level1: str  # 一级指标
    level2: str  # 二级指标
    level3: str  # 三级指标
    nature: str  # 指标性质
    value: str  # 指标值
    unit: str  # 度量单位
    attribute: str  # 指标属性
    scoring: str  # 评（扣）分标准
    content: str  # 指标内容
    basis: str  # 指标值设定依据及数据来源
    cells: Mapping[str, Location] = field(default_factory=dict, compare=False, hash=False)
    medium_value: str = ""  # 中长期指标值
    remark: str = ""  # 备注
    parsed: ParsedValue | None = None  # read from ``value``
    medium_parsed: ParsedValue | None = None


@compact
@dataclass(frozen=True, slots=True)
class Classification:
    """支出功能分类科目, e.g. 2080101 行政运行."""

    code: Text
    name: Text


@compact
@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """An author's note that a finding is known and accepted: rule, where, and why."""

    rule: Text
    location: Text  # "indicators.csv:12" or "project.yaml", relative to the project folder
    reason: Text


PROJECT_KIND = "项目"
UNIT_KIND = "部门整体"

# The 10 columns of the budget-system export (the shipped layout), in page order.
DEFAULT_INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"), ("nature", "指标性质"),
    ("value", "指标值"), ("unit", "度量单位"), ("attribute", "指标属性"), ("scoring", "评（扣）分标准"),
    ("content", "指标内容"), ("basis", "指标值设定依据及数据来源"),
)


@compact
@dataclass(frozen=True, slots=True)
class Project:
    """A 项目支出绩效目标 (``kind`` 项目) or a 部门整体支出绩效目标 (``kind`` 部门整体).

    Only name, unit, year, an amount (stated or computed) and the indicator table are
    required; every other section is empty (``()`` / ``None``) when the source lacks it.
    """

    id: str
    year: int
    folder: str
    name: Text
    unit: Text  # reference to Unit.id
    indicators: tuple[Indicator, ...]
    legal_bases: tuple[LegalBasis, ...] = ()
    overview: tuple[Text, ...] = ()
    implementation_content: tuple[Text, ...] = ()
    funding_arrangement: tuple[Text, ...] = ()
    implementation_plan: tuple[Text, ...] = ()
    expected_results: tuple[Text, ...] = ()
    medium_term_target: PerformanceTarget | None = None
    annual_target: PerformanceTarget | None = None
    budget_items: tuple[BudgetItem, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    functional_classification: Classification | None = None
    stated_amount: StatedAmount | None = None
    kind: str = PROJECT_KIND
    unit_functions: tuple[Text, ...] = ()  # 部门职能 (whole-unit targets)
    annual_tasks: tuple[Text, ...] = ()  # 年度主要任务 (whole-unit targets)
    indicator_columns: tuple[tuple[str, str], ...] = DEFAULT_INDICATOR_COLUMNS  # (key, title as printed)

    @property
    def key(self) -> tuple[int, str]:
        return (self.year, self.id)

    @property
    def is_unit_target(self) -> bool:
        return self.kind == UNIT_KIND


@compact
@dataclass(frozen=True, slots=True)
class Dataset:
    portal: Portal
    units: dict[str, Unit]
    projects: tuple[Project, ...]  # sorted by (year, id)
    format_doc: str  # budget_data/README.md, published as the data-format page
    data_version: str = ""  # short hash of budget_data/
    build_date: str = ""  # from SOURCE_DATE_EPOCH; empty when not given (never the wall clock)
