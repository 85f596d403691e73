"""The typed data model the schema produces and every later stage reads.

Each value that came from a file carries its :class:`Location`, so checks can point
at it. Money is ``Decimal``; nothing here is ever a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .diagnostics import Location


@dataclass(frozen=True)
class Text:
    value: str
    location: Location

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class RuleSettings:
    """portal.yaml ``rules``: which review rules run and how severe they are."""

    select: tuple[Text, ...] = ()  # when given, only these configurable rules run
    ignore: tuple[Text, ...] = ()
    severity: tuple[tuple[Text, Text], ...] = ()  # (code, severity)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class CreditCode:
    label: Text  # as labelled in the source, e.g. 组织机构代码 or 统一社会信用代码
    value: Text


@dataclass(frozen=True)
class Unit:
    id: str
    path: str
    name: Text
    credit_code: CreditCode
    address: Text
    phone: Text
    legal_representative: Text
    funding_source: Text
    duties: tuple[Text, ...]
    public_fields: tuple[Text, ...] = ()  # fields whose phone numbers are official and may be published


@dataclass(frozen=True)
class LegalBasis:
    number: Text  # 文号, as written
    title: Text


@dataclass(frozen=True)
class PerformanceTarget:
    period: Text
    paragraphs: tuple[Text, ...]


@dataclass(frozen=True)
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
    cells: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Indicator:
    """One row of 绩效目标表, every column as written."""

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
    cells: dict[str, Location] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Classification:
    """支出功能分类科目, e.g. 2080101 行政运行."""

    code: Text
    name: Text


@dataclass(frozen=True)
class Acknowledgement:
    """An author's note that a finding is known and accepted: rule, where, and why."""

    rule: Text
    location: Text  # "indicators.csv:12" or "project.yaml", relative to the project folder
    reason: Text


@dataclass(frozen=True)
class Project:
    id: str
    year: int
    folder: str
    name: Text
    unit: Text  # reference to Unit.id
    legal_bases: tuple[LegalBasis, ...]
    overview: tuple[Text, ...]
    implementation_content: tuple[Text, ...]
    funding_arrangement: tuple[Text, ...]
    implementation_plan: tuple[Text, ...]
    expected_results: tuple[Text, ...]
    medium_term_target: PerformanceTarget
    annual_target: PerformanceTarget
    budget_items: tuple[BudgetItem, ...]
    indicators: tuple[Indicator, ...]
    acknowledgements: tuple[Acknowledgement, ...] = ()
    functional_classification: Classification | None = None

    @property
    def key(self) -> tuple[int, str]:
        return (self.year, self.id)


@dataclass(frozen=True)
class Dataset:
    portal: Portal
    units: dict[str, Unit]
    projects: tuple[Project, ...]  # sorted by (year, id)
    format_doc: str  # budget_data/README.md, published as the data-format page
    data_version: str = ""  # short hash of budget_data/
    build_date: str = ""  # from SOURCE_DATE_EPOCH; empty when not given (never the wall clock)
