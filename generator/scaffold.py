"""`python -m generator new`: skeletons of a unit or a project, and the Excel authoring template.

The skeletons are written from the JSON Schema (itself probed from the schema module):
required fields appear with an empty value to fill in, optional ones commented out, each
with a Chinese comment. A skeleton holds no placeholder text: until the author fills it,
`check` lists exactly what is missing.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from . import jsonschema, rules, validate
from .checks.indicators import FRAMEWORK
from .diagnostics import Diagnostic, Location, format_summary, format_text
from .schema import BUDGET_COLUMNS, INDICATOR_COLUMNS

TEMPLATE_NAME = "绩效目标表模板.xlsx"
NATURE_CHOICES = ("=", "≥", "≤", "定性")


def _yaml_lines(schema: dict, indent: str = "", *, commented: bool = False) -> list[str]:
    """The fields of a JSON Schema mapping as YAML lines: a comment, then ``key:`` to fill in."""
    lines: list[str] = []
    required = schema.get("required", [])
    for key, prop in schema.get("properties", {}).items():
        off = commented or key not in required
        mark = "# " if off else ""
        note = "选填。" if key not in required and not commented else ""
        lines.append(f"{indent}# {note}{prop.get('description', '')}".rstrip())
        options = prop.get("anyOf", [prop])
        body = next((o for o in options if o.get("type") == "object"),
                    next((o for o in options if o.get("type") == "array"), options[0]))
        if body.get("type") == "object" and "properties" in body:
            lines.append(f"{indent}{mark}{key}:")
            lines += _yaml_lines(body, indent + "  ", commented=off)
        elif body.get("type") == "array" and body.get("items", {}).get("type") == "object":
            lines.append(f"{indent}{mark}{key}:")
            item = _yaml_lines(body["items"], indent + "    ", commented=off)
            # The first field of the first item carries the list dash: "  - number:".
            for index, line in enumerate(item):
                stripped = line[len(indent) + 4:]
                bare = stripped[2:] if off else stripped
                if not bare.startswith("# ") and bare.endswith(":"):
                    item[index] = f"{indent}  {mark}- {bare}"
                    break
            lines += item
        elif body.get("type") == "array":
            lines += [f"{indent}{mark}{key}:", f"{indent}  {mark}-"]
        else:
            lines.append(f"{indent}{mark}{key}:")
    return lines


def unit_skeleton(unit_id: str, schema_ref: str | None) -> str:
    head = [f"# yaml-language-server: $schema={schema_ref}"] if schema_ref else []
    head += [f"# 预算单位“{unit_id}”。按申报文书“三、项目实施单位”一节照原文填写，填好后运行 python -m generator check。",
             "# 冒号后面填写内容（冒号后留一个空格）；以“# ”开头的是选填项或说明，需要时去掉行首的“# ”。", ""]
    schema = jsonschema.schemas()["unit.schema.json"]
    return "\n".join(head + _yaml_lines(schema)) + "\n"


def project_skeleton(unit_id: str, schema_ref: str | None) -> str:
    head = [f"# yaml-language-server: $schema={schema_ref}"] if schema_ref else []
    head += ["# 项目申报文本。各字段对应申报文书的各节，照原文填写；文字可写一段，也可写成列表（每项一段）。",
             "# 填好后运行 python -m generator check；以“# ”开头的是选填项或说明，需要时去掉行首的“# ”。", ""]
    schema = jsonschema.schemas()["project.schema.json"]
    lines = _yaml_lines(schema)
    lines = [f"unit: {unit_id}" if line == "unit:" else line for line in lines]
    return "\n".join(head + lines) + "\n"


def _csv_skeleton(columns: dict[str, str], note: str) -> str:
    return ",".join(columns.values()) + "\n" + f"# {note}\n"


def template_xlsx() -> bytes:
    """The authoring workbook: 绩效目标表 and 资金测算表 with drop-down lists; `import` reads it back."""
    from datetime import datetime

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    from .exports import _deterministic_zip

    book = Workbook()
    book.properties.creator = "budget-disclosure-generator"
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    sheet = book.active
    sheet.title = "绩效目标表"
    width = len(INDICATOR_COLUMNS)
    sheet.append(["项目绩效目标表"])
    sheet.append(["填写说明：一级指标、二级指标、指标性质请从下拉列表选择；期间写在括号中，如“中长期绩效目标(2026年-2028年)”。"
                  "不要合并表头单元格；同组的一级、二级指标可以合并单元格。金额以元为单位。"])
    sheet.append(["项目名称"])
    sheet.append(["中长期绩效目标()"])
    sheet.append(["年度绩效目标()"])
    sheet.append(list(INDICATOR_COLUMNS.values()))
    header_row = sheet.max_row
    for merged in ("A1:J1", "A2:J2", "B3:J3", "B4:J4", "B5:J5"):
        sheet.merge_cells(merged)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.row_dimensions[2].height = 45
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    first, last = header_row + 1, header_row + 40
    level2 = sorted({name for names in FRAMEWORK.values() for name in names})
    for column, choices, title in (("A", list(FRAMEWORK), "一级指标"), ("B", level2, "二级指标"),
                                   ("D", list(NATURE_CHOICES), "指标性质")):
        validation = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle=title,
                                    error=f"请从下拉列表中选择{title}。")
        validation.add(f"{column}{first}:{column}{last}")
        sheet.add_data_validation(validation)
    for index in range(1, width + 1):
        sheet.column_dimensions[sheet.cell(header_row, index).column_letter].width = 16

    budget = book.create_sheet("资金测算表")
    budget.append(["资金测算明细表"])
    budget.append(list(BUDGET_COLUMNS.values()))
    budget.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(BUDGET_COLUMNS))
    budget["A1"].font = Font(bold=True, size=14)
    for cell in budget[2]:
        cell.font = Font(bold=True)
    letters = {key: budget.cell(2, index).column_letter for index, key in enumerate(BUDGET_COLUMNS, start=1)}
    money = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="金额", error="请填写以元为单位的数字，不要写“万元”。")
    for key in ("quantity", "unit_price", "amount"):
        money.add(f"{letters[key]}3:{letters[key]}200")
    budget.add_data_validation(money)
    for index in range(1, len(BUDGET_COLUMNS) + 1):
        budget.column_dimensions[budget.cell(2, index).column_letter].width = 16
    buffer = io.BytesIO()
    book.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def _exists(path: Path, shown: str) -> list[Diagnostic]:
    return [rules.make("M019", Location(shown), path=shown)] if path.exists() else []


def run(args, root: Path, schemas: Path | None) -> int:
    from .importers.run import schema_reference

    data_dir = Path(args.data) if Path(args.data).is_absolute() else root / args.data

    def shown(path: Path) -> str:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()

    diagnostics: list[Diagnostic] = []
    written: dict[Path, bytes] = {}
    if args.kind == "template":
        target = Path(args.out)
        diagnostics += _exists(target, shown(target))
        written[target] = template_xlsx()
    elif args.kind == "unit":
        target = data_dir / "units" / f"{args.id}.yaml"
        diagnostics += list(validate.check_slug(args.id, "单位文件名", Location(shown(target))))
        diagnostics += _exists(target, shown(target))
        ref = schema_reference(schemas, "unit.schema.json", target.parent)
        written[target] = unit_skeleton(args.id, ref).encode("utf-8")
    else:
        folder = data_dir / "projects" / args.year / args.id
        diagnostics += list(validate.check_year(args.year, Location(shown(folder))))
        diagnostics += list(validate.check_slug(args.id, "项目文件夹名", Location(shown(folder))))
        diagnostics += list(validate.check_slug(args.unit, "单位文件名", Location(shown(folder))))
        diagnostics += _exists(folder, shown(folder))
        ref = schema_reference(schemas, "project.schema.json", folder)
        written[folder / "project.yaml"] = project_skeleton(args.unit, ref).encode("utf-8")
        written[folder / "budget_items.csv"] = _csv_skeleton(
            BUDGET_COLUMNS, "每行一个明细项目；金额以元为单位；上级项目留空表示一级项目。填好后删除本行。").encode("utf-8")
        written[folder / "indicators.csv"] = _csv_skeleton(
            INDICATOR_COLUMNS, "每行一个三级指标；一级、二级指标可只在每组第一行填写。填好后删除本行。").encode("utf-8")
    if diagnostics:
        print(format_text(diagnostics), file=sys.stderr)
        print(format_summary(diagnostics) + "没有新建任何文件。", file=sys.stderr)
        return 1
    for path, data in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print("已新建：" + "、".join(shown(p) for p in written), file=sys.stderr)
    if args.kind == "project" and not (data_dir / "units" / f"{args.unit}.yaml").is_file():
        print(f"单位“{args.unit}”还没有单位文件，请运行 python -m generator new unit {args.unit}。", file=sys.stderr)
    return 0


# Not docs_src/templates/: MkDocs leaves a folder named "templates" out of the site by default.
if __name__ == "__main__":  # make schemas: the template shipped in docs_src/authoring/
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "docs_src/authoring")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / TEMPLATE_NAME).write_bytes(template_xlsx())
    print(folder / TEMPLATE_NAME)
