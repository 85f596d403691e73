"""Schema: turn located YAML nodes and CSV tables into the typed model.

Every problem becomes a diagnostic; a record with an error yields ``None`` so the
pipeline can keep going and report everything in one run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from . import money, publish, rules, validate
from .csvsource import Cell, Table, normalize_header
from .diagnostics import Diagnostic, Location
from .model import (
    PROJECT_KIND,
    UNIT_KIND,
    Acknowledgement,
    BudgetItem,
    CellLocations,
    Classification,
    CreditCode,
    Indicator,
    LegalBasis,
    Money,
    PerformanceTarget,
    Portal,
    Project,
    RuleSettings,
    StatedAmount,
    Text,
    Unit,
)
from .values import parse_value
from .yamlsource import YMap, YNode, YScalar, YSeq, describe

_SIMPLE_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")
_KIND_NAMES = {"bool": "布尔值（是/否）", "timestamp": "日期", "int": "数字", "float": "数字"}


def _did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    import difflib  # only for a misspelt name: not imported by every build

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"是不是要写“{match[0]}”？" if match else None


class MapReader:
    """Reads the fields of one YAML mapping, collecting diagnostics as it goes."""

    def __init__(self, node: YMap, path: str, diagnostics: list[Diagnostic], prefix: str = ""):
        self.node, self.path, self.diagnostics, self.prefix = node, path, diagnostics, prefix
        self.failed = False

    def _field(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def _report(self, diagnostic: Diagnostic) -> None:
        if diagnostic.severity.value == "error":
            self.failed = True
        self.diagnostics.append(diagnostic)

    def allow(self, *keys: str) -> None:
        for key, (key_node, _) in self.node.entries.items():
            if key not in keys:
                self._report(rules.make(
                    "S202", key_node.location(self.path), hint=_did_you_mean(key, keys)
                    or f"可用字段：{'、'.join(keys)}。", field=self._field(key)))

    def _get(self, key: str, required: bool) -> YNode | None:
        entry = self.node.entries.get(key)
        if entry is None or (isinstance(entry[1], YScalar) and entry[1].is_null):
            if required:
                where = entry[0].location(self.path) if entry else self.node.location(self.path)
                self._report(rules.make("S201", where, field=self._field(key)))
            return None
        return entry[1]

    def _wrong_type(self, key: str, node: YNode, expected: str) -> None:
        self._report(rules.make("S203", node.location(self.path), field=self._field(key),
                                expected=expected, actual=describe(node)))

    def scalar_text(self, key: str, node: YNode) -> Text | None:
        if not isinstance(node, YScalar):
            self._wrong_type(key, node, "文字")
            return None
        if node.plain and (node.kind in ("bool", "timestamp") or (
                node.kind in ("int", "float") and not _SIMPLE_NUMBER.match(node.raw))):
            self._report(rules.make("S204", node.location(self.path), field=self._field(key),
                                    raw=node.raw, kind=_KIND_NAMES[node.kind]))
        value = node.raw.strip()
        if not value:
            self._report(rules.make("S212", node.location(self.path), field=self._field(key)))
            return None
        return Text(value, node.location(self.path))

    def text(self, key: str, *, required: bool = True) -> Text | None:
        node = self._get(key, required)
        return None if node is None else self.scalar_text(key, node)

    def optional_text(self, key: str) -> Text | None:
        """Optional and allowed to be blank (e.g. ICP备案号 not yet issued)."""
        node = self._get(key, False)
        if node is None or (isinstance(node, YScalar) and not node.raw.strip()):
            return None
        return self.scalar_text(key, node)

    def _split_block(self, key: str, node: YScalar) -> tuple[Text, ...]:
        if node.plain and node.kind != "str":
            self.scalar_text(key, node)  # reports S204
        out = []
        for offset, line in enumerate(node.raw.split("\n")):
            if line.strip():
                line_no = node.line + 1 + offset if node.literal else node.line
                column = None if node.literal else node.column
                out.append(Text(line.strip(), Location(self.path, line_no, column)))
        return tuple(out)

    def paragraphs(self, key: str, *, required: bool = True) -> tuple[Text, ...]:
        """A text section: one string (a "|" block gives one paragraph per line) or a list of strings."""
        node = self._get(key, required)
        if node is None:
            return ()
        if isinstance(node, YScalar):
            result = self._split_block(key, node)
        elif isinstance(node, YSeq):
            result = tuple(t for i, item in enumerate(node.items)
                           if (t := self.scalar_text(f"{key}[{i + 1}]", item)) is not None)
        else:
            self._wrong_type(key, node, "文字或文字列表")
            return ()
        if required and not result:
            self._report(rules.make("S212", node.location(self.path), field=self._field(key)))
        return result

    def mapping(self, key: str) -> MapReader | None:
        node = self._get(key, True)
        if node is None:
            return None
        if not isinstance(node, YMap):
            self._wrong_type(key, node, "键值映射（下一级缩进的“键: 值”）")
            return None
        child = MapReader(node, self.path, self.diagnostics, f"{self._field(key)}.")
        return child

    def sequence(self, key: str) -> list[YNode]:
        node = self._get(key, True)
        if node is None:
            return []
        if not isinstance(node, YSeq):
            self._wrong_type(key, node, "列表（每项以“- ”开头）")
            return []
        if not node.items:
            self._report(rules.make("S212", node.location(self.path), field=self._field(key)))
        return node.items

    def text_list(self, key: str) -> tuple[Text, ...]:
        """An optional list of short texts (rule codes, field names)."""
        node = self._get(key, False)
        if node is None:
            return ()
        if not isinstance(node, YSeq):
            self._wrong_type(key, node, "列表（每项以“- ”开头，或写成 [A, B]）")
            return ()
        return tuple(t for i, item in enumerate(node.items)
                     if (t := self.scalar_text(f"{key}[{i + 1}]", item)) is not None)

    def optional_mapping(self, key: str) -> MapReader | None:
        node = self._get(key, False)
        if node is None:
            return None
        if not isinstance(node, YMap):
            self._wrong_type(key, node, "键值映射（下一级缩进的“键: 值”）")
            return None
        return MapReader(node, self.path, self.diagnostics, f"{self._field(key)}.")

    def pairs(self) -> tuple[tuple[Text, Text], ...]:
        """Every key of this mapping with its text value."""
        out = []
        for key, (key_node, value) in self.node.entries.items():
            text = self.scalar_text(key, value)
            if text is not None:
                out.append((Text(key, key_node.location(self.path)), text))
        return tuple(out)

    def item_mapping(self, key: str, index: int, node: YNode) -> MapReader | None:
        if not isinstance(node, YMap):
            self._wrong_type(f"{key}[{index + 1}]", node, "键值映射")
            return None
        return MapReader(node, self.path, self.diagnostics, f"{self._field(key)}[{index + 1}].")


def _root_map(node: YNode | None, path: str, diagnostics: list[Diagnostic]) -> MapReader | None:
    if node is None:
        return None
    if not isinstance(node, YMap):
        diagnostics.append(rules.make("S203", node.location(path), field="（文件顶层）",
                                      expected="键值映射", actual=describe(node)))
        return None
    return MapReader(node, path, diagnostics)


PORTAL_KEYS = ("title", "publisher", "contact", "description", "website_code", "icp_record", "police_record",
               "rules", "public_fields", "site_url", "organizer", "published")


def _read_rule_settings(reader: MapReader) -> RuleSettings:
    settings = reader.optional_mapping("rules")
    if settings is None:
        return RuleSettings()
    settings.allow("select", "ignore", "severity")
    severity = settings.optional_mapping("severity")
    result = RuleSettings(select=settings.text_list("select"), ignore=settings.text_list("ignore"),
                          severity=severity.pairs() if severity else ())
    reader.failed |= settings.failed or bool(severity and severity.failed)
    return result


def read_portal(node: YNode | None, path: str) -> tuple[Portal | None, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    reader = _root_map(node, path, diagnostics)
    if reader is None:
        return None, diagnostics
    reader.allow(*PORTAL_KEYS)
    portal = Portal(
        path=path,
        title=reader.text("title"),
        publisher=reader.text("publisher"),
        contact=reader.text("contact"),
        description=reader.paragraphs("description", required=False),
        website_code=reader.optional_text("website_code"),
        icp_record=reader.optional_text("icp_record"),
        police_record=reader.optional_text("police_record"),
        rules=_read_rule_settings(reader),
        public_fields=reader.text_list("public_fields"),
        site_url=publish.read_site_url(reader),
        organizer=reader.optional_text("organizer"),
        published=publish.read_published(reader),
    )
    return (None if reader.failed else portal), diagnostics


UNIT_KEYS = ("name", "credit_code", "address", "phone", "legal_representative", "funding_source", "duties",
             "public_fields")


def read_unit(node: YNode | None, path: str, unit_id: str) -> tuple[Unit | None, list[Diagnostic]]:
    """Only ``name`` is required; a field the source does not print is left out."""
    diagnostics: list[Diagnostic] = []
    reader = _root_map(node, path, diagnostics)
    if reader is None:
        return None, diagnostics
    reader.allow(*UNIT_KEYS)
    name = reader.text("name")
    credit_code = None
    code_reader = reader.optional_mapping("credit_code")
    if code_reader is not None:
        code_reader.allow("label", "value")
        label, value = code_reader.text("label"), code_reader.text("value")
        reader.failed |= code_reader.failed
        if label and value:
            credit_code = CreditCode(label, value)
    fields = {key: reader.text(key, required=False)
              for key in ("address", "phone", "legal_representative", "funding_source")}
    duties: tuple[Text, ...] = ()
    if reader._get("duties", False) is not None:
        duties = tuple(t for i, item in enumerate(reader.sequence("duties"))
                       if (t := reader.scalar_text(f"duties[{i + 1}]", item)) is not None)
    public_fields = reader.text_list("public_fields")
    if reader.failed:
        return None, diagnostics
    return Unit(id=unit_id, path=path, name=name, credit_code=credit_code, duties=duties,
                public_fields=public_fields, **fields), diagnostics


PROJECT_KEYS = ("name", "unit", "kind", "amount", "legal_bases", "overview", "implementation_content",
                "funding_arrangement", "implementation_plan", "expected_results", "performance_targets",
                "unit_functions", "annual_tasks", "acknowledgements", "functional_classification")
TEXT_SECTIONS = ("overview", "implementation_content", "funding_arrangement", "implementation_plan",
                 "expected_results", "unit_functions", "annual_tasks")
KINDS = (PROJECT_KIND, UNIT_KIND)
# Fields that take one of a fixed set of words (the JSON Schema offers them as a list).
CHOICES = {"kind": KINDS}
AMOUNT_KEYS = ("total", "fiscal", "other", "basic", "project")
_AMOUNT_NAMES = {"total": "资金总额", "fiscal": "财政拨款", "other": "其他资金", "basic": "基本支出",
                 "project": "项目支出"}
_PRINTED_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)\s*(万)?\s*元?\Z")


def _read_target(parent: MapReader | None, key: str) -> PerformanceTarget | None:
    if parent is None:
        return None
    reader = parent.optional_mapping(key)
    if reader is None:
        return None
    reader.allow("period", "text")
    period, paragraphs = reader.text("period", required=False), reader.paragraphs("text")
    parent.failed |= reader.failed
    return PerformanceTarget(period, paragraphs) if paragraphs else None


def _read_money(reader: MapReader, key: str, required: bool) -> Money | None:
    """An amount as the source prints it: ``660000``, ``660000元``, ``66万元``, ``10606.7522万元``.

    Unlike budget_items.csv (where every amount is in 元), the header block of a real
    table states its 项目资金 in 万元; it is recorded as printed and read exactly.
    """
    printed = reader.text(key, required=required)
    if printed is None:
        return None
    text = unicodedata.normalize("NFKC", printed.value).replace(",", "").strip()
    match = _PRINTED_AMOUNT.match(text)
    if not match:
        reader._report(rules.make("S208", printed.location, field=f"amount.{key}（{_AMOUNT_NAMES[key]}）",
                                  value=printed.value, detail="只能填写金额，如 660000、660000元 或 66万元"))
        return None
    value = Decimal(match.group(1)) * (money.TEN_THOUSAND if match.group(2) else 1)
    if value != value.quantize(Decimal("0.01")):
        reader._report(rules.make("S208", printed.location, field=f"amount.{key}（{_AMOUNT_NAMES[key]}）",
                                  value=printed.value, detail="金额精确到分，最多两位小数（以元计）"))
        return None
    return Money(printed, value)


def _read_amount(reader: MapReader) -> StatedAmount | None:
    block = reader.optional_mapping("amount")
    if block is None:
        return None
    block.allow(*AMOUNT_KEYS)
    total = _read_money(block, "total", True)
    parts = {key: _read_money(block, key, False) for key in AMOUNT_KEYS[1:]}
    reader.failed |= block.failed
    return StatedAmount(total, **parts) if total is not None else None


def read_project_yaml(node: YNode | None, path: str) -> tuple[dict | None, bool, list[Diagnostic]]:
    """The narrative part of a project: (fields read so far, ok, diagnostics).

    Only ``name`` and ``unit`` are required here; every section of the 申报文书 is
    optional, because many published tables print none of them. Fields come back even
    when something failed, so that cross-reference checks can still run and the author
    sees every problem in one pass.
    """
    diagnostics: list[Diagnostic] = []
    reader = _root_map(node, path, diagnostics)
    if reader is None:
        return None, False, diagnostics
    reader.allow(*PROJECT_KEYS)
    fields: dict = {"name": reader.text("name"), "unit": reader.text("unit")}
    kind = reader.text("kind", required=False)
    if kind is not None and kind.value not in KINDS:
        reader._report(rules.make("S203", kind.location, field="kind", expected="“项目”或“部门整体”",
                                  actual=f"“{kind.value}”"))
    elif kind is not None:
        fields["kind"] = kind.value
    fields["stated_amount"] = _read_amount(reader)
    bases = []
    if reader._get("legal_bases", False) is not None:
        for index, item in enumerate(reader.sequence("legal_bases")):
            basis_reader = reader.item_mapping("legal_bases", index, item)
            if basis_reader is None:
                continue
            basis_reader.allow("number", "title")
            number, title = basis_reader.text("number", required=False), basis_reader.text("title")
            reader.failed |= basis_reader.failed
            if title:
                bases.append(LegalBasis(number, title))
    fields["legal_bases"] = tuple(bases)
    for key in TEXT_SECTIONS:
        fields[key] = reader.paragraphs(key, required=False)
    targets = reader.optional_mapping("performance_targets")
    if targets is not None:
        targets.allow("medium_term", "annual")
    fields["medium_term_target"] = _read_target(targets, "medium_term")
    fields["annual_target"] = _read_target(targets, "annual")
    if targets is not None:
        reader.failed |= targets.failed
    acknowledgements = []
    node = reader.node.entries.get("acknowledgements")
    if node is not None and not (isinstance(node[1], YScalar) and node[1].is_null):
        for index, item in enumerate(reader.sequence("acknowledgements")):
            ack = reader.item_mapping("acknowledgements", index, item)
            if ack is None:
                continue
            ack.allow("rule", "location", "reason")
            rule, location, reason = ack.text("rule"), ack.text("location"), ack.text("reason")
            reader.failed |= ack.failed
            if rule and location and reason:
                acknowledgements.append(Acknowledgement(rule, location, reason))
    fields["acknowledgements"] = tuple(acknowledgements)
    classification = reader.optional_mapping("functional_classification")
    if classification is not None:
        classification.allow("code", "name")
        code, name = classification.text("code"), classification.text("name")
        if code is not None:  # the code becomes a page path: one identifier pattern for all of them
            for problem in validate.check_identifier(code, "支出功能分类科目编码"):
                classification._report(problem)
        reader.failed |= classification.failed
        if code and name:
            fields["functional_classification"] = Classification(code, name)
    return fields, not reader.failed, diagnostics


# ---- CSV tables ----------------------------------------------------------------------------

BUDGET_COLUMNS = {
    "name": "明细项目",
    "parent": "上级项目",
    "quantity": "数量",
    "measure_unit": "计量单位",
    "unit_price": "单价（元）",
    "amount": "金额（元）",
    "basis": "测算依据",
}
INDICATOR_COLUMNS = {
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "nature": "指标性质",
    "value": "指标值",
    "unit": "度量单位",
    "attribute": "指标属性",
    "scoring": "评（扣）分标准",
    "content": "指标内容",
    "basis": "指标值设定依据及数据来源",
}


def _map_columns(table: Table, columns: dict[str, str], path: str,
                 diagnostics: list[Diagnostic]) -> dict[str, int] | None:
    wanted = {normalize_header(title): key for key, title in columns.items()}
    positions: dict[str, int] = {}
    ok = True
    for index, cell in enumerate(table.header):
        normalized = normalize_header(cell.text)
        key = wanted.get(normalized)
        location = Location(path, cell.line, cell.column)
        if key is None:
            hint = _did_you_mean(cell.text.strip(), columns.values()) or f"可用列名：{'、'.join(columns.values())}。"
            diagnostics.append(rules.make("S206", location, hint=hint, column=cell.text.strip()))
            ok = False
        elif key in positions:
            diagnostics.append(rules.make("S207", location, column=columns[key]))
            ok = False
        else:
            positions[key] = index
    first = table.header[0] if table.header else None
    for key, title in columns.items():
        if key not in positions:
            where = Location(path, first.line, 1) if first else Location(path, 1, 1)
            diagnostics.append(rules.make("S205", where, column=title))
            ok = False
    return positions if ok else None


def _cell_location(path: str, cell: Cell) -> Location:
    return Location(path, cell.line, cell.column)


def _read_number(cell: Cell, path: str, field: str, diagnostics: list[Diagnostic], *,
                 required: bool, max_places: int | None) -> tuple[Decimal | None, bool]:
    """Returns (value, ok). Notes become S211 warnings; errors S208/S209/S210/S212."""
    # The cell's Location is made for a finding only: a first build reads a million numbers.
    if not cell.text.strip():
        if required:
            diagnostics.append(rules.make("S212", _cell_location(path, cell), field=field))
            return None, False
        return None, True
    parsed = money.parse_decimal(cell.text, max_places=max_places)
    if parsed.error is None and not parsed.notes:
        return parsed.value, True
    value_text = cell.text.strip()
    location = _cell_location(path, cell)
    if parsed.error == money.ERR_NEGATIVE:
        diagnostics.append(rules.make("S209", location, field=field, value=value_text))
        return None, False
    if parsed.error == money.ERR_WAN:
        diagnostics.append(rules.make("S210", location, field=field, value=value_text))
        return None, False
    if parsed.error == money.ERR_TOO_LARGE:
        diagnostics.append(rules.make("S216", location, field=field, value=value_text[:40],
                                      limit=money.format_yuan(money.AMOUNT_LIMIT)))
        return None, False
    if parsed.error is not None:
        detail = {
            money.ERR_SCIENTIFIC: "科学计数法会丢失位数",
            money.ERR_PRECISION: f"最多保留 {money.MAX_ANY_PLACES if max_places is None else max_places} 位小数"
                                 + ("（金额精确到分）" if max_places == 2 else ""),
            money.ERR_SYNTAX: "只能填写数字",
            money.ERR_COMPAT: "含有上标、分数或其他不是普通数字的字符",
        }.get(parsed.error, "只能填写数字")
        diagnostics.append(rules.make("S208", location, field=field, value=value_text, detail=detail))
        return None, False
    if parsed.notes:
        detail = "、".join({
            money.NOTE_FULLWIDTH: "全角字符已转为半角",
            money.NOTE_THOUSANDS: "已去掉千位分隔符",
            money.NOTE_YUAN_SUFFIX: "已去掉“元”字",
        }[note] for note in parsed.notes)
        diagnostics.append(rules.make("S211", location, field=field, value=value_text,
                                      normalized=format(parsed.value, "f"), detail=detail))
    return parsed.value, True


def read_budget_items(table: Table | None, path: str) -> tuple[tuple[BudgetItem, ...] | None, list[Diagnostic]]:
    """No table (budget_items.csv is optional) gives no items: the project states its amount instead."""
    diagnostics: list[Diagnostic] = []
    if table is None:
        return (), diagnostics
    positions = _map_columns(table, BUDGET_COLUMNS, path, diagnostics)
    if positions is None:
        return None, diagnostics
    if not table.rows:
        diagnostics.append(rules.make("S215", Location(path, table.header[0].line, 1)))
        return None, diagnostics
    items: list[BudgetItem] = []
    ok = True
    placed = tuple(positions.items())
    for record in table.rows:
        row = record.cells
        cells = {key: row[index] for key, index in placed}
        name = cells["name"].text.strip()
        if not name:
            diagnostics.append(rules.make("S212", _cell_location(path, cells["name"]), field="明细项目"))
            ok = False
        quantity, q_ok = _read_number(cells["quantity"], path, "数量", diagnostics, required=False, max_places=None)
        price, p_ok = _read_number(cells["unit_price"], path, "单价（元）", diagnostics, required=False, max_places=2)
        amount, a_ok = _read_number(cells["amount"], path, "金额（元）", diagnostics, required=True, max_places=2)
        if not (name and q_ok and p_ok and a_ok):
            ok = False
            continue
        items.append(BudgetItem(
            location=Location(path, record.line, 1),
            name=name,
            parent=cells["parent"].text.strip() or None,
            quantity=quantity,
            measure_unit=cells["measure_unit"].text.strip(),
            unit_price=price,
            amount=amount,
            basis=cells["basis"].text.strip(),
            cells=CellLocations(path, {key: (cell.line, cell.column) for key, cell in cells.items()}),
        ))
    return (tuple(items) if ok else None), diagnostics


# Indicator layouts. Every title a real table prints for a column, by column key. The
# shipped 10-column export, the national template (一级/二级/三级/指标值, comparison and
# unit inside the value) and tables with separate 年度指标值 / 中长期指标值 all map here.
INDICATOR_TITLES: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",),
    "level2": ("二级指标",),
    "level3": ("三级指标", "指标名称"),
    "nature": ("指标性质",),
    "value": ("指标值", "年度指标值", "指标值及单位", "目标值", "当年预期实现值", "年度目标值"),
    "medium_value": ("中长期指标值", "中长期目标值"),
    "unit": ("度量单位", "计量单位"),
    "attribute": ("指标属性",),
    "scoring": ("评（扣）分标准", "评分标准"),
    "content": ("指标内容", "指标解释", "绩效标准说明"),
    "basis": ("指标值设定依据及数据来源", "指标值设定依据", "绩效标准"),
    "remark": ("备注",),
}
REQUIRED_INDICATOR_COLUMNS = ("level1", "level2", "level3", "value")
# In the older national template the third-level name sits in a column titled 指标内容.
_LEVEL3_FALLBACK = "指标内容"
# Merged 一级/二级 cells come out of Excel as a value in the first row and blanks below.
_FILL_DOWN = ("level1", "level2")
# A blank 指标值 is allowed: real tables leave it empty, and I526 reports it for review.
_REQUIRED_INDICATOR = ("level1", "level2", "level3", "nature")


def _indicator_columns(table: Table, path: str,
                       diagnostics: list[Diagnostic]) -> tuple[dict[str, int], tuple[tuple[str, str], ...]] | None:
    """Column positions by key and (key, title as printed) in table order, or None on error."""
    by_title = {normalize_header(title): key for key, titles in INDICATOR_TITLES.items() for title in titles}
    headers = [normalize_header(cell.text) for cell in table.header]
    if normalize_header("三级指标") not in headers and normalize_header("指标名称") not in headers:
        by_title[normalize_header(_LEVEL3_FALLBACK)] = "level3"
    positions: dict[str, int] = {}
    printed: list[tuple[str, str]] = []
    ok = True
    all_titles = [title for titles in INDICATOR_TITLES.values() for title in titles]
    for index, cell in enumerate(table.header):
        key = by_title.get(headers[index])
        location = Location(path, cell.line, cell.column)
        if key is None:
            hint = _did_you_mean(cell.text.strip(), all_titles) or f"可用列名：{'、'.join(all_titles)}。"
            diagnostics.append(rules.make("S206", location, hint=hint, column=cell.text.strip()))
            ok = False
        elif key in positions:
            diagnostics.append(rules.make("S207", location, column=cell.text.strip()))
            ok = False
        else:
            positions[key] = index
            printed.append((key, cell.text.strip()))
    first = table.header[0] if table.header else None
    for key in REQUIRED_INDICATOR_COLUMNS:
        if key not in positions:
            where = Location(path, first.line, 1) if first else Location(path, 1, 1)
            diagnostics.append(rules.make("S205", where, column=INDICATOR_COLUMNS.get(key, INDICATOR_TITLES[key][0])))
            ok = False
    return (positions, tuple(printed)) if ok else None


def read_indicators(table: Table | None, path: str
                    ) -> tuple[tuple[tuple, tuple[tuple[str, str], ...]] | None, list[Diagnostic]]:
    """(indicators, columns as printed) or None, and diagnostics."""
    diagnostics: list[Diagnostic] = []
    if table is None:
        return None, diagnostics
    mapped = _indicator_columns(table, path, diagnostics)
    if mapped is None:
        return None, diagnostics
    positions, printed = mapped
    if not table.rows:
        diagnostics.append(rules.make("S215", Location(path, table.header[0].line, 1)))
        return None, diagnostics
    indicators: list[Indicator] = []
    previous: dict[str, str] = {}
    ok = True
    titles = dict(printed)
    placed = tuple(positions.items())
    for record in table.rows:
        row = record.cells
        cells = {key: row[index] for key, index in placed}
        values = {key: cell.text.strip() for key, cell in cells.items()}
        if values["level1"] and not values["level2"]:
            previous.pop("level2", None)  # a new 一级 group cannot inherit the old 二级
        for key in _FILL_DOWN:
            if not values[key] and key in previous:
                values[key] = previous[key]
        row_ok = True
        for key in _REQUIRED_INDICATOR:
            if key in values and not values[key]:
                diagnostics.append(rules.make("S212", _cell_location(path, cells[key]), field=titles[key]))
                row_ok = False
        previous = {key: values[key] for key in _FILL_DOWN if values[key]}
        if not row_ok:
            ok = False
            continue
        full = dict.fromkeys(INDICATOR_TITLES, "")  # in INDICATOR_TITLES' order, as before
        full.update(values)
        indicators.append(Indicator(
            location=Location(path, record.line, 1),
            cells=CellLocations(path, {key: (cell.line, cell.column) for key, cell in cells.items()}),
            parsed=parse_value(full["value"]),
            medium_parsed=parse_value(full["medium_value"]) if full["medium_value"] else None,
            **full,
        ))
    return ((tuple(indicators), printed) if ok else None), diagnostics


def assemble_project(project_id: str, year: int, folder: str, fields: dict,
                     items: tuple[BudgetItem, ...], indicators: tuple) -> Project:
    """``indicators`` is what read_indicators returned: (rows, columns as printed)."""
    rows, columns = indicators
    return Project(id=project_id, year=year, folder=folder, budget_items=items, indicators=rows,
                   indicator_columns=columns, **fields)
