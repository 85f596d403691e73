"""From located paragraphs and tables to a draft project: sections by their headings,
tables by their header texts, never by fixed positions.

Everything here is a reading of what the documents say. A value read as written has
no ``reading``; a value restored by a documented reading (a garbled table in converted
text) names the reading, gets an M012 warning and a "请核对" comment in the draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .. import money, rules
from ..checks.indicators import FRAMEWORK, NATURES
from ..csvsource import normalize_header
from ..diagnostics import Diagnostic, Location
from ..schema import BUDGET_COLUMNS, INDICATOR_COLUMNS, INDICATOR_TITLES
from . import Document, LocatedTable, Paragraph, XCell


@dataclass(frozen=True)
class Value:
    text: str
    origin: tuple[Location, ...]
    reading: str | None = None  # the documented reading that produced it; None when read as written
    note: str | None = None  # a deterministic reading worth saying beside the origin (an amount's unit)


@dataclass
class Draft:
    name: Value | None = None
    legal_bases: list[tuple[Value, Value]] = field(default_factory=list)
    sections: dict[str, list[Value]] = field(default_factory=dict)
    targets: dict[str, tuple[Value | None, list[Value]]] = field(default_factory=dict)
    unit: dict[str, Value | list[Value]] = field(default_factory=dict)
    budget: list[dict[str, Value]] | None = None
    indicators: list[dict[str, Value]] | None = None
    # The columns the indicator table has, by key, with the title to write (see indicator_title).
    indicator_columns: dict[str, str] | None = None
    amount: dict[str, Value] = field(default_factory=dict)  # schema.AMOUNT_KEYS -> printed amount
    unplaced: list[Value] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    failed: bool = False  # a table could not be read (an error was reported): nothing is written


# ---- headings ---------------------------------------------------------------------------------

TEXT_SECTIONS = ("overview", "implementation_content", "funding_arrangement", "implementation_plan",
                 "expected_results")
# The numbered headings of a 申报书 and the usual variants of their titles.
_HEADINGS = {
    "name": ("项目名称",),
    "legal_bases": ("立项依据", "项目立项依据", "立项背景及依据", "项目设立依据"),
    "unit": ("项目实施单位", "实施单位", "项目实施单位情况", "实施单位情况", "项目申报单位", "申报单位基本情况"),
    "overview": ("项目基本概况", "项目概况", "基本概况", "项目基本情况"),
    "implementation_content": ("项目实施内容", "实施内容", "项目主要内容", "项目建设内容"),
    "funding_arrangement": ("资金安排情况", "项目资金安排情况", "资金安排", "项目资金安排", "资金测算情况"),
    "implementation_plan": ("项目实施计划", "实施计划", "项目实施进度计划", "实施进度计划"),
    "expected_results": ("项目实施成效", "实施成效", "预期成效", "项目预期成效", "项目预期效益", "预期效益"),
    "targets": ("项目绩效目标表", "绩效目标表", "项目绩效目标", "绩效目标"),
}
_TITLE_TO_SECTION = {title: key for key, titles in _HEADINGS.items() for title in titles}
_HEADING = re.compile(r"(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(][一二三四五六七八九十]{1,3}[）)]|\d{1,2}\s*[、.．])?"
                      r"\s*(?P<title>[^\s：:]{2,12})\s*[：:]?\Z")

SECTION_LABELS = {"name": "一、项目名称", "legal_bases": "二、立项依据", "unit": "三、项目实施单位",
                  "overview": "四、项目基本概况", "implementation_content": "五、项目实施内容",
                  "funding_arrangement": "六、资金安排情况", "implementation_plan": "七、项目实施计划",
                  "expected_results": "八、项目实施成效", "targets": "九、项目绩效目标表"}


_HEADING_WITH_TEXT = re.compile(r"(?P<heading>(?:[一二三四五六七八九十]{1,3}\s*[、.．])\s*[^\s：:]{2,12})\s*[：:]\s*(?P<rest>\S.*)\Z")


def heading_of(text: str) -> str | None:
    match = _HEADING.match(text.strip())
    return _TITLE_TO_SECTION.get(match.group("title")) if match else None


def split_heading(text: str) -> tuple[str | None, str]:
    """"一、项目名称：人才服务管理经费" -> ("name", "人才服务管理经费"); a bare heading -> (key, "")."""
    key = heading_of(text)
    if key is not None:
        return key, ""
    match = _HEADING_WITH_TEXT.match(text.strip())
    if match and (key := heading_of(match.group("heading"))) is not None:
        return key, match.group("rest").strip()
    return None, text


# ---- unit facts -------------------------------------------------------------------------------

_UNIT_LABELS = {
    "单位名称": "name", "实施单位名称": "name",
    "组织机构代码": "credit_code", "统一社会信用代码": "credit_code", "社会信用代码": "credit_code",
    "地址": "address", "单位地址": "address", "通讯地址": "address", "办公地址": "address",
    "联系电话": "phone", "电话": "phone", "办公电话": "phone",
    "法人代表": "legal_representative", "法定代表人": "legal_representative",
    "经费来源": "funding_source", "资金来源": "funding_source",
}
_LABELLED = re.compile(r"(?P<label>[^：:]{2,10})[：:]\s*(?P<value>.*)\Z")
_DUTIES_LABELS = ("单位概况", "单位职能职责", "职能职责", "主要职责", "单位职能")
# "（1）", "(1)", "1、", "1." at the start of a duty: the README says duties are entered without it.
_DUTY_NUMBER = re.compile(r"[（(]\s*\d{1,2}\s*[）)]\s*|\d{1,2}\s*[、.．]\s*")
_BASIS_NUMBER = re.compile(r"(?:\d{1,2}\s*[、.．]|[（(]\d{1,2}[）)])\s*")

# A 文号: issuer abbreviation, year in brackets, number, 号 (spaces kept as written).
_DOC_NUMBER = r"[\u4e00-\u9fffA-Za-z]{1,12}\s*[〔【\[（(]\s*\d{4}\s*[〕】\]）)]\s*\d+\s*号"
_BASIS_NUMBER_FIRST = re.compile(rf"(?P<number>{_DOC_NUMBER})\s*(?P<title>.+)\Z")
_BASIS_TITLE_FIRST = re.compile(rf"(?P<title>.+?)\s*[（(](?P<number>{_DOC_NUMBER})[）)]\s*\Z")

# ---- table columns ----------------------------------------------------------------------------

# Column titles come from the schema (one list of what real tables print); only titles the
# build does not accept but documents handed in use are added here, and they are written
# under the schema's own title.
_INDICATOR_ALIASES = {normalize_header(title): key for key, titles in INDICATOR_TITLES.items() for title in titles}
_INDICATOR_ALIASES |= {normalize_header(alias): key for alias, key in {
    "绩效指标值设定依据及数据来源": "basis", "单位": "unit",
}.items()}
# The older national template has no 三级指标 column: its 指标内容 column is the third level
# (as schema._LEVEL3_FALLBACK reads it).
_INDICATOR_FALLBACK = _INDICATOR_ALIASES | {normalize_header("指标内容"): "level3"}


def indicator_title(key: str, printed: str) -> str:
    """The title to write for a column: as printed when the build accepts that title for this
    column, else the schema's own title."""
    accepted = INDICATOR_TITLES[key] + (("指标内容",) if key == "level3" else ())
    if normalize_header(printed) in {normalize_header(title) for title in accepted}:
        return printed.strip()
    return INDICATOR_COLUMNS.get(key) or INDICATOR_TITLES[key][0]


_BUDGET_ALIASES = {normalize_header(title): key for key, title in BUDGET_COLUMNS.items()}
_BUDGET_ALIASES |= {normalize_header(alias): key for alias, key in {
    "支出明细": "name", "明细": "name", "项目明细": "name", "测算明细": "name", "支出项目": "name",
    "金额": "amount", "预算金额（元）": "amount", "预算金额": "amount", "测算金额（元）": "amount",
    "单价": "unit_price", "单位": "measure_unit", "计算依据": "basis", "测算说明": "basis",
    "序号": "number", "金额（万元）": "computed", "占项目总额": "computed", "占比": "computed",
}.items()}
_TOTAL_ROW = {"合计", "总计", "合  计"}

_TARGET_LABEL = re.compile(r"(?P<kind>中长期绩效目标|中长期目标|实施期总目标|实施期绩效目标|实施期目标|年度绩效目标|年度总体目标|年度目标)"
                           r"\s*(?:[(（]\s*(?P<period>[^)）]*?)\s*[)）])?\s*\Z")
_BLOCK_LABELS = tuple(normalize_header(label) for label in (
    "项目名称", "主管部门", "主管部门及代码", "实施单位", "项目资金", "年度资金总额", "其中：财政拨款", "财政拨款",
    "其他资金", "项目属性", "项目期"))

# The 项目资金 block of the national form (年度预算 of a whole-unit table): each label names one of
# schema.AMOUNT_KEYS; its value is the cell to its right (or below, when the labels form a row).
_AMOUNT_LABELS = {normalize_header(label): key for label, key in {
    "年度资金总额": "total", "资金总额": "total", "项目资金总额": "total", "年度预算总额": "total",
    "其中：财政拨款": "fiscal", "其中财政拨款": "fiscal", "财政拨款": "fiscal",
    "其中：财政资金": "fiscal", "财政资金": "fiscal",
    "其他资金": "other", "其中：其他资金": "other",
    "基本支出": "basic", "其中：基本支出": "basic", "项目支出": "project", "其中：项目支出": "project",
}.items()}
# A group label over those rows; with a value right beside it instead of sub-labels, it is the total.
_AMOUNT_GROUPS = {normalize_header(label) for label in ("项目资金", "项目资金情况", "年度预算", "年度预算申请",
                                                         "预算安排", "年度预算安排", "资金情况")}
# "项目资金（万元）", "年度资金总额（元）：": the name, and the unit a bare number under it is in.
_LABEL_UNIT = re.compile(r"(?P<name>.+?)\s*(?:\((?P<unit>万元|元)\))?\s*:?\Z")
# "单位：万元", "金额单位：元" printed anywhere in the table (usually beside the title).
_TABLE_UNIT = re.compile(r"(?:金额|资金)?单位\s*:\s*(?P<unit>万元|元)(?![\u4e00-\u9fff])")
_AMOUNT_TEXT = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万元|万|元)?\Z")
_NO_AMOUNT = {"/", "-", "—", "——", "无", "－"}
UNIT_FROM_LABEL = "单位“{unit}”取自标签“{label}”（{where}）"
_STRUCTURE_LABELS = {"项目目标", "绩效指标", "绩效目标"}
_OPERATOR = re.compile(r"(>=|<=|≥|≤|＞＝|＜＝|=|＝)\s*")


def _value(cell: XCell, reading: str | None = None) -> Value:
    return Value(cell.text.strip(), (cell.source,), reading)


def _amount_label(text: str) -> tuple[str | None, bool, str | None]:
    """(amount key or None, is a group label, unit printed in the label's brackets)."""
    match = _LABEL_UNIT.match(normalize_header(text))
    if not match:
        return None, False, None
    name = match.group("name")
    return _AMOUNT_LABELS.get(name), name in _AMOUNT_GROUPS, match.group("unit")


class Interpreter:
    def __init__(self) -> None:
        self.draft = Draft()
        self._placed_cells: set[Location] = set()

    # -- reporting
    def _add(self, diagnostic: Diagnostic) -> None:
        self.draft.diagnostics.append(diagnostic)

    def _guess(self, value: Value) -> Value:
        self._add(rules.make("M012", value.origin[0], reading=value.reading, value=_short(value.text)))
        return value

    def unplaced(self, value: Value) -> None:
        if value.text:
            self.draft.unplaced.append(value)
            self._add(rules.make("M013", value.origin[0], text=_short(value.text)))

    # -- documents
    def read(self, document: Document) -> None:
        self.draft.sources.append(document.path)
        section: str | None = None
        by_section: dict[str | None, list[Paragraph | LocatedTable]] = {}
        for block in document.blocks:
            if isinstance(block, Paragraph):
                heading, rest = split_heading(block.text)
                if heading is not None and heading not in by_section:
                    section = heading
                    by_section[section] = [Paragraph(rest, block.location)] if rest else []
                    continue
            by_section.setdefault(section, []).append(block)
        unread: list[LocatedTable] = []
        recognised = False
        for key, blocks in by_section.items():
            paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
            tables = [b for b in blocks if isinstance(b, LocatedTable)]
            for table in tables:
                if self.table(table):
                    recognised = True
                elif any(cell.text.strip() for row in table.rows for cell in row):
                    unread.append(table)
            if key == "targets" and not tables and paragraphs:
                ConvertedTargets(self, paragraphs).read()
                continue
            self.paragraphs(key, paragraphs)
        for table in unread:
            # A workbook none of whose sheets has a header row cannot be read; a cover or notes sheet
            # beside a readable one is listed like any other unplaced content.
            if document.kind in ("xlsx", "csv") and not recognised:
                self._add(rules.make("M006", table.location, detail=f"“{table.name}”中没有“一级指标/二级指标/三级指标”"
                                     "或“明细项目/金额（元）”表头"))
                continue
            for row in table.rows:
                for cell in row:
                    if cell.text.strip() and cell.source == cell.location:
                        self.unplaced(_value(cell))

    def paragraphs(self, key: str | None, paragraphs: list[Paragraph]) -> None:
        values = [Value(p.text, (p.location,)) for p in paragraphs]
        if key is None or key == "targets":
            for value in values:
                self.unplaced(value)
        elif key == "name":
            if values and self.draft.name is None:
                self.draft.name = values[0]
                values = values[1:]
            for value in values:
                self.unplaced(value)
        elif key == "legal_bases":
            for value in values:
                self.legal_basis(value)
        elif key == "unit":
            self.unit_section(values)
        elif key in TEXT_SECTIONS:
            self.draft.sections.setdefault(key, []).extend(values)

    def legal_basis(self, value: Value) -> None:
        text = _BASIS_NUMBER.sub("", value.text, count=1) if _BASIS_NUMBER.match(value.text) else value.text
        match = _BASIS_NUMBER_FIRST.match(text) or _BASIS_TITLE_FIRST.match(text)
        if not match:
            self.unplaced(value)
            return
        self.draft.legal_bases.append((Value(match.group("number"), value.origin),
                                       Value(match.group("title").strip(), value.origin)))

    def unit_section(self, values: list[Value]) -> None:
        in_duties = False
        for value in values:
            match = _LABELLED.match(value.text)
            label = match.group("label").strip() if match else ""
            if match and label in _DUTIES_LABELS:
                in_duties = True
                rest = match.group("value").strip()
                if rest:
                    self.draft.unit.setdefault("duties", []).append(Value(rest, value.origin))
                continue
            key = _UNIT_LABELS.get(label)
            if key is not None and not in_duties:
                found = Value(match.group("value").strip(), value.origin)
                if key == "credit_code":
                    self.draft.unit["credit_label"] = Value(label, value.origin)
                self.draft.unit.setdefault(key, found)
            elif in_duties:
                text = _DUTY_NUMBER.sub("", value.text, count=1) if _DUTY_NUMBER.match(value.text) else value.text
                self.draft.unit.setdefault("duties", []).append(Value(text.strip(), value.origin))
            else:
                self.unplaced(value)

    # -- tables
    def table(self, table: LocatedTable) -> bool:
        """Read what the table holds; False when nothing in it was recognised."""
        aliases = _INDICATOR_ALIASES
        indicator_header = _find_header(table, aliases, {"level1", "level2", "level3"})
        if indicator_header is None:
            aliases = _INDICATOR_FALLBACK
            indicator_header = _find_header(table, aliases, {"level1", "level2", "level3"})
        budget_header = _find_header(table, _BUDGET_ALIASES, {"name", "amount"})
        headers = [r for r in (indicator_header, budget_header) if r is not None]
        found = self.labelled_cells(table, min(headers, default=len(table.rows)))
        if indicator_header is not None:
            found = True
            self.indicator_table(table, indicator_header, aliases)
        if budget_header is not None:
            found = True
            self.budget_table(table, budget_header)
        if found:
            for row in table.rows:
                for cell in row:
                    if cell.text.strip() and cell.source not in self._placed_cells and cell.source == cell.location:
                        self.unplaced(_value(cell))
        return found

    def _right_of(self, table: LocatedTable, r: int, c: int) -> XCell | None:
        here = table.rows[r][c]
        for cell in table.rows[r][c + 1:]:
            if cell.source != here.source and cell.text.strip():
                return cell
        if r + 1 < len(table.rows):
            below = table.rows[r + 1][c]
            if below.source != here.source and below.text.strip() and not _is_label(below.text):
                return below
        return None

    def labelled_cells(self, table: LocatedTable, before: int) -> bool:
        """Targets and the header block of the national 项目支出绩效目标表: label cell, value to its right.

        Amount labels are read only in the header block, above row ``before`` (the first column
        header of an indicator or budget table), where a 财政拨款 column title cannot be taken for one.
        """
        found = False
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row):
                if cell.origin is not None and cell.origin != cell.location:
                    continue
                text = normalize_header(cell.text)
                target = _TARGET_LABEL.match(text)
                if target:
                    value = self._right_of(table, r, c)
                    if value is None:
                        continue
                    key = "medium_term" if target.group("kind").startswith(("中长期", "实施期")) else "annual"
                    if key in self.draft.targets:
                        continue
                    period = target.group("period")
                    label = cell.text.strip()
                    period_value = Value(_period_as_written(label), (cell.location,)) if period else None
                    lines = [Value(line.strip(), (value.source,)) for line in value.text.split("\n") if line.strip()]
                    self.draft.targets[key] = (period_value, lines)
                    self._placed_cells |= {cell.source, value.source}
                    found = True
                elif text in _UNIT_LABELS or text in _DUTIES_LABELS:
                    # 三、项目实施单位 written as a two-column table: 单位名称 | …, 地址 | …
                    value = self._right_of(table, r, c)
                    if value is None:
                        continue
                    found = True
                    self._placed_cells |= {cell.source, value.source}
                    if text in _DUTIES_LABELS:
                        for line in value.text.split("\n"):
                            duty = _DUTY_NUMBER.sub("", line.strip(), count=1) if _DUTY_NUMBER.match(line.strip()) \
                                else line.strip()
                            if duty:
                                self.draft.unit.setdefault("duties", []).append(Value(duty, (value.source,)))
                        continue
                    key = _UNIT_LABELS[text]
                    if key not in self.draft.unit:
                        self.draft.unit[key] = _value(value)
                        if key == "credit_code":
                            self.draft.unit["credit_label"] = _value(cell)
                elif text in _STRUCTURE_LABELS:
                    self._placed_cells.add(cell.source)  # the form's own captions, not content
                elif r < before and any((amount := _amount_label(cell.text))[:2]):
                    key, group, _ = amount
                    self._placed_cells.add(cell.source)
                    value = self._amount_value(table, r, c, before)
                    if value is None:
                        continue  # a group caption over its labels
                    found = True
                    if (key or "total") not in self.draft.amount:
                        self.amount(table, r, c, key or "total", value)
                elif text in _BLOCK_LABELS:
                    value = self._right_of(table, r, c)
                    self._placed_cells.add(cell.source)
                    if value is None:
                        continue
                    found = True
                    if text == "项目名称" and self.draft.name is None:
                        self.draft.name = _value(value)
                        self._placed_cells.add(value.source)
                    elif text == "实施单位" and "name" not in self.draft.unit:
                        self.draft.unit["name"] = _value(value)
                        self._placed_cells.add(value.source)
                    # 主管部门, 项目资金 and the like have no field in a project: listed as unplaced.
        return found

    def _amount_value(self, table: LocatedTable, r: int, c: int, before: int) -> XCell | None:
        """The cell an amount label labels: to its right, or below it when the labels form a row."""
        here = table.rows[r][c]
        for cell in table.rows[r][c + 1:]:
            if cell.source != here.source and cell.text.strip():
                if _is_label(cell.text):
                    break
                return cell
        # Labels in a row with their amounts below; only what reads as an amount, so that the first
        # row of a table under the block is never taken for one.
        if r + 1 < before and c < len(table.rows[r + 1]):
            below = table.rows[r + 1][c]
            if below.source != here.source and (below.stored is not None or _AMOUNT_TEXT.match(
                    unicodedata.normalize("NFKC", below.text).replace(",", "").replace(" ", ""))):
                return below
        return None

    def _amount_unit(self, table: LocatedTable, r: int, c: int) -> tuple[str, XCell] | None:
        """The unit a bare number under label (r, c) is in, and the cell that prints it: the label's
        own brackets, a label to its left (项目资金（万元）), or a “单位：万元” note in the table."""
        label = table.rows[r][c]
        for cell in [label] + list(reversed(table.rows[r][:c])):
            if cell.text.strip() and (unit := _amount_label(cell.text)[2]):
                return unit, cell
        for row in table.rows:
            for cell in row:
                if cell.source == cell.location and (note := _TABLE_UNIT.search(normalize_header(cell.text))):
                    return note.group("unit"), cell
        return None

    def amount(self, table: LocatedTable, r: int, c: int, key: str, cell: XCell) -> None:
        """One amount of the header block, recorded as printed and checked to be exact.

        A bare number takes the unit its label prints (项目资金（万元） → ``66万元``): a reading of
        what the form says, named in the origin comment, not a guess."""
        label = table.rows[r][c]
        name = label.text.strip()
        if cell.stored is not None:
            number = self.number(cell, name, required=False, max_places=None)
            if not number:
                return
            printed, number_text, own_unit = number, number, None
        else:
            if not self.formula_ok(cell):
                return
            printed = cell.text.strip()
            if printed in _NO_AMOUNT:
                return  # printed as absent: left for the unplaced list
            match = _AMOUNT_TEXT.match(unicodedata.normalize("NFKC", printed).replace(",", "").replace(" ", ""))
            if not match:
                self._add(rules.make("M008", cell.location, field=name, value=printed,
                                     detail="只能填写金额，如 66、66万元 或 660000元"))
                self.draft.failed = True
                return
            number_text, own_unit = match.group("number"), match.group("unit")
        note = reading = None
        unit = own_unit
        if own_unit is None:
            found = self._amount_unit(table, r, c)
            if found is not None:
                unit, unit_cell = found
                printed = f"{printed}{unit}"
                note = UNIT_FROM_LABEL.format(unit=unit, label=unit_cell.text.strip(), where=_where(unit_cell.source))
                self._placed_cells.add(unit_cell.source)
            else:
                reading = AMOUNT_IN_YUAN
        exact = Decimal(number_text) * (money.TEN_THOUSAND if unit and unit.startswith("万") else 1)
        if exact != exact.quantize(Decimal("0.01")):
            self._add(rules.make("M008", cell.location, field=name, value=printed,
                                 detail="金额精确到分，最多两位小数（以元计）"))
            self.draft.failed = True
            return
        value = Value(printed, (cell.source,), reading, note)
        if reading:
            self._guess(value)
        self.draft.amount[key] = value
        self._placed_cells |= {label.source, cell.source}

    def indicator_table(self, table: LocatedTable, header_row: int, aliases: dict[str, str]) -> None:
        columns = self._columns(table, header_row, aliases)
        if columns is None:
            return
        rows: list[dict[str, Value]] = []
        for row in table.rows[header_row + 1:]:
            values = {key: _value(row[index]) for key, index in columns.items()}
            if not any(v.text for v in values.values()) and not any(
                    row[index].formula for index in columns.values()):
                continue
            if not all(self.formula_ok(row[index]) for index in columns.values()):
                continue
            if not values.get("level3", Value("", ())).text and not values.get("value", Value("", ())).text:
                continue  # a label or note row below the table; left for the unplaced list
            self._placed_cells |= {row[index].source for index in columns.values()}
            rows.append(values)  # every value as printed: `≥4场` stays whole, the build reads it
        if self.draft.indicators is None:
            self.draft.indicators = rows
            header = table.rows[header_row]
            self.draft.indicator_columns = {key: indicator_title(key, header[columns[key]].text)
                                            for key in INDICATOR_TITLES if key in columns}
        else:
            for values in rows:
                self.unplaced(values.get("level3") or next(iter(values.values())))

    def budget_table(self, table: LocatedTable, header_row: int) -> None:
        columns = self._columns(table, header_row, _BUDGET_ALIASES)
        if columns is None:
            return
        rows: list[dict[str, Value]] = []
        by_number: dict[str, str] = {}
        ok = True
        for row in table.rows[header_row + 1:]:
            cells = {key: row[index] for key, index in columns.items() if key != "computed"}
            texts = {key: cell.text.strip() for key, cell in cells.items()}
            if not any(texts.values()):
                continue
            self._placed_cells |= {row[index].source for index in columns.values()}
            if texts.get("name") in _TOTAL_ROW or texts.get("number") in _TOTAL_ROW:
                continue  # the 合计 row is computed from the items, as on the site
            values: dict[str, Value] = {}
            for key, cell in cells.items():
                if key in ("quantity", "unit_price", "amount"):
                    number = self.number(cell, BUDGET_COLUMNS[key], required=key == "amount",
                                         max_places=None if key == "quantity" else 2)
                    if number is False:
                        ok = False
                    elif number is not None:
                        values[key] = Value(number, (cell.source,))
                elif key != "number":
                    ok = self.formula_ok(cell) and ok
                    values[key] = _value(cell)
            number = texts.get("number", "")
            if number and values.get("name"):
                by_number[number] = values["name"].text
                if "parent" not in columns and "." in number:
                    parent = by_number.get(number.rsplit(".", 1)[0])
                    if parent:
                        values["parent"] = Value(parent, (cells["number"].source,))
            rows.append(values)
        if not ok:
            self.draft.budget = self.draft.budget or []
            self.draft.failed = True
            return
        if self.draft.budget is None:
            self.draft.budget = rows
        else:
            for values in rows:
                self.unplaced(values.get("name") or next(iter(values.values())))

    def _columns(self, table: LocatedTable, header_row: int, aliases: dict[str, str]) -> dict[str, int] | None:
        columns: dict[str, int] = {}
        merged_header = False
        self._placed_cells |= {cell.source for cell in table.rows[header_row]}
        for index, cell in enumerate(table.rows[header_row]):
            key = aliases.get(normalize_header(cell.text))
            if key is None:
                continue
            if cell.span > 1:
                if cell.origin in (None, cell.location):
                    self._add(rules.make("M007", cell.location, text=cell.text.strip(), count=cell.span))
                merged_header = True
                continue
            if key == "computed":
                columns.setdefault(f"computed{index}", index)
                continue
            columns.setdefault(key, index)
        if merged_header:
            self.draft.failed = True
            return None
        return {("computed" if k.startswith("computed") else k): v for k, v in columns.items()}

    def formula_ok(self, cell: XCell) -> bool:
        """A formula in a text cell: its cached result is used and reported; none is an error."""
        if cell.formula is None or cell.source != cell.location:
            return True
        if not cell.has_value:
            self._add(rules.make("M010", cell.location, formula=cell.formula))
            self.draft.failed = True
            return False
        self._add(rules.make("M009", cell.location, formula=cell.formula, value=cell.text))
        return True

    def number(self, cell: XCell, field_name: str, *, required: bool, max_places: int | None) -> str | None | bool:
        """Exact text of a number cell; None when empty; False after reporting an error."""
        if not cell.has_value:
            self._add(rules.make("M010", cell.location, formula=cell.formula))
            return False
        if cell.formula is not None:
            self._add(rules.make("M009", cell.location, formula=cell.formula, value=cell.text))
        if cell.stored is not None:
            try:
                value = Decimal(cell.stored)
            except InvalidOperation:
                self._add(rules.make("M008", cell.location, field=field_name, value=cell.stored, detail="不是数字"))
                return False
            value = _as_written(value, cell.stored, max_places)
            if value is None:
                self._add(rules.make("M011", cell.location, stored=cell.stored))
                return False
            return format(value.normalize(), "f")
        text = cell.text.strip()
        if not text:
            if required:
                self._add(rules.make("M008", cell.location, field=field_name, value="", detail="金额不能为空"))
                return False
            return None
        parsed = money.parse_decimal(text, max_places=max_places)
        if parsed.error is not None:
            detail = {money.ERR_WAN: "以万元为单位，请换算成元", money.ERR_NEGATIVE: "不能为负数",
                      money.ERR_SCIENTIFIC: "科学计数法会丢失位数", money.ERR_PRECISION: "小数位数过多"}.get(
                parsed.error, "只能填写数字")
            self._add(rules.make("M008", cell.location, field=field_name, value=text, detail=detail))
            return False
        return format(parsed.value.normalize(), "f")


def _as_written(value: Decimal, stored: str, max_places: int | None) -> Decimal | None:
    """The number a stored binary double stands for, or None when it is not an exact amount.

    Workbooks store IEEE doubles written with up to 17 significant digits: 90607162.49 is
    stored as "90607162.48999999", 8.86 as "8.859999999999999". Excel shows at most 15
    significant digits; those digits are taken when they denote the very same double as the
    stored text. 0.30000000000000004 (the result of =0.1+0.2) is a different double from 0.3,
    so it stays as stored and, having more than two places, is refused rather than rounded.
    """
    if value < 0:
        return None
    if len(value.as_tuple().digits) > 15:
        shown = value.quantize(Decimal(1).scaleb(value.adjusted() - 14)).normalize()
        # A comparison of two doubles parsed from text; no value is ever taken from a float.
        if float(str(shown)) == float(stored):
            value = shown
    exponent = value.normalize().as_tuple().exponent
    if max_places is not None and isinstance(exponent, int) and -exponent > max_places:
        return None
    return value


def _find_header(table: LocatedTable, aliases: dict[str, str], needed: set[str]) -> int | None:
    for r, row in enumerate(table.rows):
        keys = {aliases.get(normalize_header(cell.text)) for cell in row}
        if needed <= keys:
            return r
    return None


def _is_label(text: str) -> bool:
    normalized = normalize_header(text)
    return bool(_TARGET_LABEL.match(normalized)) or normalized in _BLOCK_LABELS or any(_amount_label(text)[:2])


def _where(location: Location) -> str:
    from .write import where  # the same wording as the origin comments

    return where((location,))


def _period_as_written(label: str) -> str:
    match = re.search(r"[(（]\s*([^)）]+?)\s*[)）]", label)
    return match.group(1) if match else ""


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "……"


# ---- the garbled 绩效目标表 of converted text ---------------------------------------------------

_IMAGE = re.compile(r"\[image:[^\]]*\]\s*")
_HEADER_WORDS = {"项目目标", "绩效指标", "一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "指标属性",
                 "评（扣）分标准", "指标内容", "绩效指标值设定依据及数据来源", "指标值设定依据及数据来源"}
_LEVEL1 = set(FRAMEWORK)
_LEVEL2 = {name for names in FRAMEWORK.values() for name in names}
_CONTINUATION = re.compile(r"[/／；;，,。）)]")
_FIRST_ITEM = re.compile(r"(?:1\s*[.．、]|[（(]1[）)])")
READINGS = {
    "names": "指标名称栏按 8 字折行接回，依次归入一级、二级、三级指标",
    "values": "指标值栏的非空行依次对应各三级指标",
    "extra-cell": "多出的单元格并入度量单位",
    "targets": "项目目标两段文字按表头顺序分别为中长期目标和年度目标",
    "joined": "转换断开的行接回上一段",
}


class ConvertedTargets:
    """The 九、项目绩效目标表 of a converted 申报书 whose table lost its structure.

    The readings (documented in README “从 Excel / Word 导入”), each marked for review:
    1. header lines (项目目标, 一级指标 …) are recognised and dropped; "中长期绩效目标(…)" and
       "年度绩效目标(…)" give the periods in table order;
    2. value rows are lines starting with 指标性质 (=, >=, <=, ≥, ≤) or made only of "空"
       (empty cells); the non-empty ones belong, in order, to the 三级指标;
    3. other short lines are the 指标名称 column, wrapped at a fixed width: a line of exactly that
       width continues on the next line unless the next is a known 一级/二级 name or an image
       placeholder; known names set 一级/二级, the rest are 三级指标;
    4. a value row with more than seven cells has its extra cells (between 度量单位 and 指标属性)
       joined to 度量单位;
    5. long lines are the two target texts; a line starting with "/" or closing punctuation is
       joined to the previous one; a new "1." starts the second text.
    """

    def __init__(self, owner: Interpreter, paragraphs: list[Paragraph]):
        self.owner, self.paragraphs = owner, paragraphs

    def read(self) -> None:
        labels: list[tuple[str, Paragraph]] = []
        value_rows: list[Paragraph] = []
        blank_rows = 0
        names: list[tuple[str, Location, bool]] = []  # (text, where, starts a new cell)
        texts: list[Paragraph] = []
        for p in self.paragraphs:
            image = _IMAGE.match(p.text.strip())  # a picture in the name column: dropped, starts a new cell
            text = _IMAGE.sub("", p.text.strip())
            tokens = text.split()
            if not tokens:
                continue
            target = _TARGET_LABEL.match(normalize_header(text))
            if target:
                labels.append(("medium_term" if target.group("kind").startswith(("中长期", "实施期")) else "annual", p))
            elif set(tokens) <= _HEADER_WORDS | {"评（扣）分标准"}:
                continue
            elif all(t == "空" for t in tokens):
                blank_rows += 1
            elif tokens[0] in NATURES or _OPERATOR.fullmatch(tokens[0]):
                value_rows.append(p)
            elif len(text) > 12 or _CONTINUATION.match(text) or _FIRST_ITEM.match(text):
                texts.append(p)
            else:
                names.append((text, p.location, bool(image)))
        self.targets(labels, texts)
        self.indicators(names, value_rows, blank_rows)

    def targets(self, labels: list[tuple[str, Paragraph]], texts: list[Paragraph]) -> None:
        groups: list[list[Value]] = []
        for p in texts:
            if _CONTINUATION.match(p.text) and groups and groups[-1]:
                last = groups[-1][-1]
                groups[-1][-1] = Value(last.text + p.text, last.origin + (p.location,), READINGS["joined"])
                self.owner._guess(groups[-1][-1])
                continue
            if not groups or (_FIRST_ITEM.match(p.text) and any(_FIRST_ITEM.match(v.text) for v in groups[-1])):
                groups.append([])
            groups[-1].append(Value(p.text, (p.location,)))
        if len(groups) != len(labels):
            for group in groups:
                for value in group:
                    self.owner.unplaced(value)
            return
        for (key, label), group in zip(labels, groups):
            if key in self.owner.draft.targets:
                continue
            period = Value(_period_as_written(label.text), (label.location,)) if _period_as_written(label.text) \
                else None
            lines = [Value(v.text, v.origin, v.reading or READINGS["targets"]) for v in group]
            self.owner._guess(Value(lines[0].text, lines[0].origin, READINGS["targets"]))
            self.owner.draft.targets[key] = (period, lines)

    def indicators(self, names: list[tuple[str, Location, bool]], value_rows: list[Paragraph],
                   blank_rows: int) -> None:
        width = max((len(text) for text, _, _ in names), default=0)
        joined: list[tuple[str, tuple[Location, ...]]] = []
        last_piece = ""
        for text, where, new_cell in names:
            if (joined and not new_cell and len(last_piece) == width and text not in _LEVEL1
                    and text not in _LEVEL2):
                previous, origin = joined[-1]
                joined[-1] = (previous + text, origin + (where,))
            else:
                joined.append((text, (where,)))
            last_piece = text
        level1 = level2 = None
        third: list[tuple[Value, Value, Value]] = []
        group_rows = 0
        for text, origin in joined:
            value = Value(text, origin, READINGS["names"])
            if text in _LEVEL1 and level2 is None or (text in _LEVEL1 and text not in _LEVEL2):
                level1, level2 = value, None
                group_rows += 1
            elif text in _LEVEL2:
                level2 = value
                group_rows += 1
            elif level1 is not None and level2 is not None:
                third.append((level1, level2, value))
            else:
                self.owner.unplaced(value)
        if not third or len(third) != len(value_rows) or group_rows != blank_rows:
            self.owner._add(rules.make("M016", self.paragraphs[0].location, field="绩效指标（转换后的表格无法按记载的读法还原）"))
            for _, _, value in third:
                self.owner.unplaced(value)
            for row in value_rows:
                self.owner.unplaced(Value(row.text, (row.location,)))
            return
        rows = []
        for (l1, l2, l3), row in zip(third, value_rows):
            tokens = row.text.split()
            if len(tokens) < 7:
                self.owner.unplaced(Value(row.text, (row.location,)))
                continue
            where = (row.location,)
            reading = READINGS["values"]
            unit_reading = READINGS["extra-cell"] if len(tokens) > 7 else reading
            values = {
                "level1": l1, "level2": l2, "level3": l3,
                "nature": Value(tokens[0], where, reading), "value": Value(tokens[1], where, reading),
                "unit": Value(" ".join(tokens[2:-4]), where, unit_reading),
                "attribute": Value(tokens[-4], where, reading), "scoring": Value(tokens[-3], where, reading),
                "content": Value(tokens[-2], where, reading), "basis": Value(tokens[-1], where, reading),
            }
            self.owner._guess(Value(f"{l3.text}：{row.text}", where + l3.origin, reading))
            if len(tokens) > 7:
                self.owner._guess(values["unit"])
            rows.append(values)
        if self.owner.draft.indicators is None:
            self.owner.draft.indicators = rows
            self.owner.draft.indicator_columns = dict(INDICATOR_COLUMNS)  # the 10-column layout it restores


_AMONG = re.compile(r"其中[：:](?P<list>.+)")
_LISTED_AMOUNT = re.compile(r"(?P<name>[^，,；;、。]+?)(?P<amount>\d+(?:\.\d{1,2})?)元")
AMOUNT_IN_YUAN = "表中没有写明金额单位，按元记录"
FUNDING_READING = "资金安排情况“其中：”后列出的各项及金额记为一级明细，测算依据为该段原文"


def _budget_from_funding(interpreter: Interpreter) -> None:
    """No 资金测算表 handed in: the items 六、资金安排情况 lists after “其中：”, each marked for review."""
    for paragraph in interpreter.draft.sections.get("funding_arrangement", []):
        among = _AMONG.search(paragraph.text)
        if not among:
            continue
        rows = []
        for part in re.split(r"[，,；;、。]", among.group("list")):
            match = _LISTED_AMOUNT.fullmatch(part.strip())
            if not match:
                continue
            rows.append({"name": Value(match.group("name").strip(), paragraph.origin, FUNDING_READING),
                         "amount": Value(match.group("amount"), paragraph.origin, FUNDING_READING),
                         "basis": Value(paragraph.text, paragraph.origin, FUNDING_READING)})
            interpreter._guess(Value(f"{match.group('name').strip()} {match.group('amount')}", paragraph.origin,
                                     FUNDING_READING))
        if rows:
            interpreter.draft.budget = rows
            return


def interpret(documents: list[Document]) -> Draft:
    interpreter = Interpreter()
    for document in documents:
        interpreter.read(document)
    draft = interpreter.draft
    if draft.amount and "total" not in draft.amount:
        # 财政拨款 without a 资金总额 cannot be recorded (amount.total is required): listed instead.
        for value in draft.amount.values():
            interpreter.unplaced(value)
        draft.amount = {}
    if draft.budget is None:
        _budget_from_funding(interpreter)
    return draft
