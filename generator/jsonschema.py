"""JSON Schema for portal.yaml, unit and project YAML, and a Table Schema per CSV, generated
from the schema module itself (one source of truth).

Nothing here restates which fields exist or which are required: the schema module's own
readers are asked. Each reader is run on small probe documents (an empty mapping, a field
given as text, as a list, as a mapping with an unknown key) and the diagnostics it returns
say what it accepts: S201 names required fields, S203 a shape it refuses, S202's hint the
keys a mapping allows. When the schema module changes, the JSON Schema follows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from . import schema
from .rules import RULES
from .yamlsource import YMap, YNode, YScalar, YSeq

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = "schemas"  # under docs_src/: shipped in the repository and published on the site
PROBE = "__probe__"

# Editor hover texts. Documentation only: which fields exist and are required is probed.
DESCRIPTIONS = {
    "title": "网站名称，显示在首页标题。", "publisher": "发布单位。", "contact": "联系方式。",
    "description": "首页的说明文字，一段文字或多段文字的列表。", "website_code": "网站标识码。留空则不显示。",
    "icp_record": "ICP备案号。留空则不显示。", "police_record": "公安机关备案号。留空则不显示。",
    "rules": "检查规则设置：ignore（不检查）、select（只运行）、severity（调整严重性）。",
    "public_fields": "明确公开的字段，其中的电话号码不按个人信息处理。",
    "name": "名称，照原文。", "credit_code": "申报文书中的代码一栏：label 为标签原文，value 为代码（加引号）。",
    "label": "标签，照原文，如“统一社会信用代码”或“组织机构代码”。", "value": "代码，照原文，加英文引号。",
    "address": "地址。", "phone": "联系电话，照原文，加英文引号。", "legal_representative": "法人代表。",
    "funding_source": "经费来源，如“区级财政预算”。", "duties": "职能职责，每条一项，不写“（1）”这样的序号。",
    "unit": "实施单位的标识（units/ 中的文件名，不含 .yaml）。",
    "legal_bases": "二、立项依据：每项有 number（文号）和 title（文件标题），照原文。",
    "number": "文号，照原文，如“呈办通〔2024〕18号”。", "overview": "四、项目基本概况。",
    "implementation_content": "五、项目实施内容。", "funding_arrangement": "六、资金安排情况。",
    "implementation_plan": "七、项目实施计划。", "expected_results": "八、项目实施成效。",
    "performance_targets": "九、绩效目标表中的“项目目标”：medium_term（中长期）和 annual（年度）。",
    "medium_term": "中长期绩效目标。", "annual": "年度绩效目标。", "period": "期间，如“2026年-2028年”。",
    "text": "目标文字，一段或多段。", "acknowledgements": "已确认的问题：rule、location、reason。",
    "rule": "规则代码，如 I510。", "location": "项目文件夹中的“文件:行号”，如 indicators.csv:8。",
    "reason": "确认的理由。", "functional_classification": "支出功能分类科目：code（科目编码）和 name（科目名称）。",
    "legal_bases.title": "文件标题，照原文。", "functional_classification.name": "科目名称。",
    "code": "科目编码，加英文引号，如 \"2080101\"。", "select": "非空时只运行列出的规则。",
    "ignore": "不检查的规则。", "severity": "调整严重性：规则代码: error、warning 或 info。",
}


def _field_pattern(code: str) -> re.Pattern:
    """A regex matching the message of rule ``code`` and capturing its {field}."""
    parts = re.split(r"(\{\w+\})", RULES[code].message)
    regex = "".join("(?P<field>.+?)" if p == "{field}" else ".+?" if p.startswith("{") else re.escape(p)
                    for p in parts)
    return re.compile(regex + r"\Z")


_MISSING, _WRONG, _UNKNOWN, _EMPTY = (_field_pattern(c) for c in ("S201", "S203", "S202", "S212"))
_NOT_BLANK = r"\S"  # the readers strip text and refuse what is left empty (S212)
_ALLOWED = re.compile(r"可用字段：(?P<keys>.+)。\Z")


def _scalar(text: str = "x") -> YScalar:
    return YScalar(1, 1, text, "str", False)


def _wrap(path: tuple, node: YNode) -> YNode:
    for step in reversed(path):
        node = YSeq(1, 1, [node]) if isinstance(step, int) else YMap(1, 1, {step: (_scalar(step), node)})
    return node


def _field_name(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step + 1}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


class Prober:
    """Asks one reader (portal, unit or project) what it accepts."""

    def __init__(self, read: Callable[[YNode], list]):
        self.read = read

    def _fields(self, node: YNode, pattern: re.Pattern, code: str) -> list[tuple[str, str]]:
        return [(m.group("field"), d.hint) for d in self.read(node) if d.code == code
                and (m := pattern.match(d.message))]

    def refuses(self, path: tuple, node: YNode) -> bool:
        return any(f == _field_name(path) for f, _ in self._fields(_wrap(path, node), _WRONG, "S203"))

    def required(self, path: tuple) -> list[str]:
        prefix = _field_name(path) + "." if path else ""
        found = self._fields(_wrap(path, YMap(1, 1, {})), _MISSING, "S201")
        return [f[len(prefix):] for f, _ in found if f.startswith(prefix) and "." not in f[len(prefix):]
                and "[" not in f[len(prefix):]]

    def keys(self, path: tuple) -> list[str] | None:
        """The keys a mapping allows; None when it takes any key (a free mapping)."""
        node = _wrap(path, YMap(1, 1, {PROBE: (_scalar(PROBE), _scalar())}))
        for name, hint in self._fields(node, _UNKNOWN, "S202"):
            if name == _field_name(path + (PROBE,)):
                allowed = _ALLOWED.match(hint)
                return allowed.group("keys").split("、") if allowed else []
        return None

    def refuses_blank(self, path: tuple) -> bool:
        return any(f == _field_name(path) for f, _ in self._fields(_wrap(path, _scalar("")), _EMPTY, "S212"))

    def describe(self, path: tuple) -> dict:
        text = {"type": "string", "pattern": _NOT_BLANK} if self.refuses_blank(path) else {"type": "string"}
        item_text = {"type": "string", "pattern": _NOT_BLANK}
        takes_text = not self.refuses(path, _scalar())
        takes_list = not self.refuses(path, YSeq(1, 1, [_scalar()]))
        takes_map = not self.refuses(path, YMap(1, 1, {}))
        options = []
        if takes_map:
            options.append(self.mapping(path))
        if takes_list:
            item_is_map = not self.refuses(path + (0,), YMap(1, 1, {})) and self.keys(path + (0,)) is not None
            options.append({"type": "array", "items": self.mapping(path + (0,)) if item_is_map else item_text})
        if takes_text:
            options.insert(0, text)
        elif path and (choices := schema.CHOICES.get(path[-1])):
            # Only the listed words are text this field takes; the reader confirms each one.
            accepted = [word for word in choices if not self.refuses(path, _scalar(word))]
            if accepted:
                options.insert(0, {"type": "string", "enum": accepted})
        result = options[0] if len(options) == 1 else {"anyOf": options} if options else {}
        keys = [step for step in path if isinstance(step, str)]
        described = DESCRIPTIONS.get(".".join(keys[-2:])) or DESCRIPTIONS.get(keys[-1] if keys else "")
        return {"description": described, **result} if described else result

    def mapping(self, path: tuple) -> dict:
        keys = self.keys(path)
        if keys is None:
            return {"type": "object", "additionalProperties": {"type": "string"}}
        required = self.required(path)
        properties = {}
        for key in keys:
            described = self.describe(path + (key,))
            if key not in required:  # an optional field may be written and left empty (null)
                described = {k: v for k, v in described.items() if k == "description"} | {
                    "anyOf": [{k: v for k, v in described.items() if k != "description"}, {"type": "null"}]}
            elif described.get("type") == "array" or "anyOf" in described:
                for option in described.get("anyOf", [described]):
                    if option.get("type") == "array":
                        option["minItems"] = 1
            properties[key] = described
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _document(title: str, read: Callable[[YNode], list], file_id: str) -> dict:
    body = Prober(read).mapping(())
    return {"$schema": SCHEMA_DIALECT, "$id": f"{file_id}", "title": title, **body}


def _read_portal(node: YNode) -> list:
    return schema.read_portal(node, "portal.yaml")[1]


def _read_unit(node: YNode) -> list:
    return schema.read_unit(node, "unit.yaml", "probe")[1]


def _read_project(node: YNode) -> list:
    return schema.read_project_yaml(node, "project.yaml")[2]


_EMPTY_CELL = _field_pattern("S212")
_BAD_NUMBER = _field_pattern("S208")


def _probe_table(read, columns: dict[str, str], value: str) -> set[str]:
    """Run a CSV reader on a header and one row holding ``value`` in every cell; which columns complain."""
    from .csvsource import Cell, Record, Table

    header = tuple(Cell(title, 1, index + 1) for index, title in enumerate(columns.values()))
    row = Record(2, tuple(Cell(value, 2, index + 1) for index in range(len(columns))))
    diagnostics = read(Table(header, (row,)), "probe.csv")[1]
    out = set()
    for d in diagnostics:
        match = _EMPTY_CELL.match(d.message) if d.code == "S212" else _BAD_NUMBER.match(d.message) \
            if d.code == "S208" else None
        if match:
            out.add(match.group("field"))
    return out


def _table_schema(title: str, columns: dict[str, str], read, repeatable: tuple[str, ...] = ()) -> dict:
    """A Table Schema probed from the CSV reader: an empty row shows the required columns, text in
    every cell the numeric ones, 1.001 those limited to two decimal places."""
    names = list(columns.values())
    required = _probe_table(read, columns, "") - {columns[key] for key in repeatable}
    numeric = _probe_table(read, columns, "x")
    two_places = _probe_table(read, columns, "1.001")
    fields = []
    for name in names:
        field: dict = {"name": name, "type": "string"}
        if name in numeric:
            # As the reader takes it without a warning: a plain non-negative decimal. A Table Schema
            # "number" cannot limit decimal places, so this is a pattern on a string.
            field["description"] = "数字，以元为单位，最多两位小数" if name in two_places else "数字"
            field["constraints"] = {"pattern": r"\d+(\.\d{1,2})?" if name in two_places else r"\d+(\.\d+)?"}
        if name in required:
            field.setdefault("constraints", {})["required"] = True
        fields.append(field)
    return {"title": title, "fields": fields, "missingValues": [""]}


def schemas() -> dict[str, dict]:
    """File name -> schema document."""
    return {
        "portal.schema.json": _document("portal.yaml：网站设置", _read_portal, "portal.schema.json"),
        "unit.schema.json": _document("units/单位标识.yaml：预算单位", _read_unit, "unit.schema.json"),
        "project.schema.json": _document("project.yaml：项目申报文本", _read_project, "project.schema.json"),
        "budget_items.tableschema.json": _table_schema(
            "budget_items.csv：资金测算明细", schema.BUDGET_COLUMNS, schema.read_budget_items),
        # 一级/二级 may be left blank below the first row of their group (as merged cells): not required per row.
        "indicators.tableschema.json": _table_schema(
            "indicators.csv：绩效目标表", schema.INDICATOR_COLUMNS, schema.read_indicators, ("level1", "level2")),
    }


def render() -> dict[str, bytes]:
    return {name: (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            for name, doc in schemas().items()}


def write(out_dir) -> list[str]:
    """Write the schemas into ``out_dir`` (docs_src/schemas); returns the names written."""
    from pathlib import Path

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for name, data in render().items():
        target = folder / name
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
        names.append(name)
    return names


if __name__ == "__main__":  # make schemas
    import sys

    print("、".join(write(sys.argv[1] if len(sys.argv) > 1 else f"docs_src/{SCHEMA_DIR}")))
