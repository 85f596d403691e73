"""Write a draft project (and, when asked, its unit) in the project's own format.

Every value is preceded by a comment saying where it came from; values restored by a
documented reading say so ("请核对"). Files are produced as text first and written only
when the whole import succeeded.
"""

from __future__ import annotations

import csv
import io
import re

import yaml

from ..diagnostics import Location
from ..schema import AMOUNT_KEYS, BUDGET_COLUMNS, INDICATOR_COLUMNS, INDICATOR_TITLES
from .interpret import SECTION_LABELS, TEXT_SECTIONS, Draft, Value

_TABLE_CELL = re.compile(r"(?P<row>表 \d+ 第 \d+ 行)第 (?P<column>\d+) 列\Z")


def where(origins: tuple[Location, ...]) -> str:
    """Places, with the file named once: "申报书.txt:126、128", "表.xlsx!A5、B5"."""
    groups: dict[tuple[str, str | None, str], list[str]] = {}
    for origin in origins:
        if origin.cell is not None and origin.cell[:1].isascii():
            key, part = (origin.path, origin.sheet, "!"), origin.cell
        elif origin.cell is not None and (cell := _TABLE_CELL.match(origin.cell)):
            # Word table cells of one row: "表 1 第 2 行第 2、3、5 列"
            key, part = (origin.path, f"{cell.group('row')}第", " "), cell.group("column")
        elif origin.cell is not None:
            key, part = (origin.path, None, " "), origin.cell
        elif origin.line is not None:
            key, part = (origin.path, None, ":"), str(origin.line)
        else:
            key, part = (origin.path, None, ""), ""
        parts = groups.setdefault(key, [])
        if part not in parts:
            parts.append(part)
    out = []
    for (path, sheet, sep), parts in groups.items():
        if sheet and sheet.endswith("第"):  # a Word table row
            out.append(f"{path} {sheet} {'、'.join(parts)} 列")
            continue
        prefix = f"{path}!{sheet}" if sheet else path
        out.append(f"{prefix}{sep}{'、'.join(parts)}" if sep else prefix)
    return "；".join(out)


def _comment(value: Value, indent: str) -> list[str]:
    lines = [f"{indent}# 来源：{where(value.origin)}" + (f"；{value.note}" if value.note else "")]
    if value.reading:
        lines.append(f"{indent}# 请核对：按读法“{value.reading}”还原")
    return lines


def scalar(text: str) -> str:
    """A YAML scalar that reads back as exactly ``text`` (plain when safe, quoted otherwise)."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1_000_000, default_flow_style=True)
    dumped = dumped.rstrip("\n")
    if dumped.endswith("\n..."):
        dumped = dumped[: -len("\n...")]
    return dumped


def _missing(lines: list[str], key: str, indent: str = "") -> None:
    lines.append(f"{indent}# {key}:   文档中没有找到（{SECTION_LABELS.get(key, key)}），请对照原文补充")


def project_yaml(draft: Draft, unit_id: str, schema: str | None) -> str:
    lines: list[str] = []
    if schema:
        lines.append(f"# yaml-language-server: $schema={schema}")
    title = draft.name.text if draft.name else "（项目名称未找到）"
    lines += [f"# {title}",
              f"# 由 python -m generator import 从 {'、'.join(draft.sources)} 导入的草稿。",
              "# 每项上方的“来源”注释说明它取自哪里；“请核对”标出按读法还原、须对照原文核对的值。"]
    if draft.name:
        lines += _comment(draft.name, "") + [f"name: {scalar(draft.name.text)}"]
    else:
        _missing(lines, "name")
    lines.append(f"unit: {scalar(unit_id)}")
    lines.append("")
    if "total" in draft.amount:
        lines.append("# 项目资金，照原表记录（不带单位的数字是元）")
        lines.append("amount:")
        for key in AMOUNT_KEYS:
            if key in draft.amount:
                lines += _comment(draft.amount[key], "  ") + [f"  {key}: {scalar(draft.amount[key].text)}"]
        lines.append("")
    elif not draft.budget:
        lines.append("# amount:   文档中没有找到项目资金（年度资金总额）或资金测算明细，请对照原文补充")
        lines.append("")
    if draft.legal_bases:
        lines.append("legal_bases:")
        for number, title in draft.legal_bases:
            lines += _comment(number, "  ")
            lines += [f"  - number: {scalar(number.text)}", f"    title: {scalar(title.text)}"]
    else:
        _missing(lines, "legal_bases")
    for key in TEXT_SECTIONS:
        lines.append("")
        values = draft.sections.get(key)
        if not values:
            _missing(lines, key)
            continue
        lines.append(f"# {SECTION_LABELS[key]}")
        lines.append(f"{key}:")
        for value in values:
            lines += _comment(value, "  ") + [f"  - {scalar(value.text)}"]
    lines.append("")
    lines.append(f"# {SECTION_LABELS['targets']}中的“项目目标”")
    if draft.targets:
        lines.append("performance_targets:")
        for key in ("medium_term", "annual"):
            if key not in draft.targets:
                _missing(lines, key, "  ")
                continue
            period, texts = draft.targets[key]
            lines.append(f"  {key}:")
            if period:
                lines += _comment(period, "    ") + [f"    period: {scalar(period.text)}"]
            else:
                lines.append("    # period:   文档中没有写明期间，请对照原文补充")
            lines.append("    text:")
            for value in texts:
                lines += _comment(value, "      ") + [f"      - {scalar(value.text)}"]
    else:
        _missing(lines, "performance_targets")
    return "\n".join(lines) + "\n"


UNIT_FIELDS = ("name", "credit_code", "address", "phone", "legal_representative", "funding_source", "duties")


def unit_yaml(draft: Draft, schema: str | None) -> str:
    unit = draft.unit
    lines: list[str] = []
    if schema:
        lines.append(f"# yaml-language-server: $schema={schema}")
    lines += [f"# 由 python -m generator import 从 {'、'.join(draft.sources)} 中“三、项目实施单位”一节新建。",
              "# 只写了文档中写明的内容；以“# 字段:”开头的是文档中没有的字段，请补充。"]
    for key in UNIT_FIELDS:
        value = unit.get(key)
        if value is None:
            lines.append(f"# {key}:   文档中没有找到，请补充")
            continue
        if key == "duties":
            lines.append("duties:")
            for duty in value:
                lines += _comment(duty, "  ") + [f"  - {scalar(duty.text)}"]
        elif key == "credit_code":
            label = unit.get("credit_label")
            lines += _comment(value, "")
            lines += ["credit_code:"]
            lines += [f"  label: {scalar(label.text)}"] if label else ["  # label:   文档中没有写明代码的标签，请补充"]
            lines += [f"  value: {scalar(value.text)}"]
        else:
            lines += _comment(value, "") + [f"{key}: {scalar(value.text)}"]
    return "\n".join(lines) + "\n"


def _csv(header: list[str], keys: list[str], rows: list[dict[str, Value]], intro: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for line in intro:
        writer.writerow([f"# {line}"])
    for row in rows:
        origins: list[Location] = []
        readings: list[str] = []
        for key in keys:
            if key in row:
                origins += [o for o in row[key].origin if o not in origins]
                if row[key].reading and row[key].reading not in readings:
                    readings.append(row[key].reading)
        writer.writerow([f"# 下一行来源：{where(tuple(origins))}"])
        for reading in readings:
            writer.writerow([f"# 请核对：按读法“{reading}”还原"])
        writer.writerow([row[key].text if key in row else "" for key in keys])
    return buffer.getvalue()


def budget_csv(draft: Draft) -> str:
    keys = list(BUDGET_COLUMNS)
    return _csv([BUDGET_COLUMNS[k] for k in keys], keys, draft.budget or [],
                [f"由 python -m generator import 从 {'、'.join(draft.sources)} 导入的草稿。"])


def indicators_csv(draft: Draft) -> str:
    """Only the columns the source has, in the schema's order, titled as printed where the build
    accepts that title; no table found gives the 10-column header of the shipped layout."""
    titles = draft.indicator_columns or INDICATOR_COLUMNS
    keys = [key for key in INDICATOR_TITLES if key in titles]
    return _csv([titles[k] for k in keys], keys, draft.indicators or [],
                [f"由 python -m generator import 从 {'、'.join(draft.sources)} 导入的草稿。"])
