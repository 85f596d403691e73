"""Downloads: each project's tables as CSV and XLSX, the whole project as JSON, and a
site-wide Fiscal Data Package.

Every file is produced as bytes, deterministically: sorted keys, fixed ZIP
timestamps in XLSX, no wall-clock time anywhere.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import zipfile
from decimal import Decimal

from .compute import ProjectView
from .model import Project

UTF8_BOM = "\ufeff"
BUDGET_HEADER = ["序号", "明细项目", "上级项目", "数量", "计量单位", "单价（元）", "金额（元）", "金额（万元）",
                 "占项目总额", "测算依据"]
# ZIP cannot store dates before 1980; a fixed stamp keeps XLSX files byte-identical.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def download_dir(project: Project) -> str:
    return f"downloads/{project.year}/{project.id}"


def _plain(amount: Decimal) -> str:
    return format(amount.quantize(Decimal("0.01")), "f")


# OWASP "CSV Injection": a cell a spreadsheet would read as a formula starts with one of
# these (full-width forms included: WPS and Excel in Chinese locales read ＝ as =).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: str) -> str:
    """A cell that no spreadsheet runs: a leading apostrophe before a formula trigger.

    The apostrophe is the only change, and only for cells that start with a trigger or
    with an apostrophe (so that dropping one leading apostrophe, as budget_data/README.md
    tells readers and csv_cell_original does, always gives the value back); project.json
    and the XLSX files carry every value unchanged.
    """
    return "'" + value if value.startswith(_FORMULA_START + ("'",)) else value


def csv_cell_original(cell: str) -> str:
    """The value a csv_cell() came from."""
    return cell[1:] if cell.startswith("'") else cell


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    # Every cell quoted, as OWASP recommends, so a separator in a value cannot start a new cell.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    # The BOM makes Excel on Chinese Windows open the file as UTF-8.
    return (UTF8_BOM + buffer.getvalue()).encode("utf-8")


def _items_in_page_order(view: ProjectView):
    """(computed row, source item) pairs in the order the page shows them."""
    by_name = {item.name: item for item in view.project.budget_items}
    return [(row, by_name[row.name]) for row in view.items]


def _budget_rows(view: ProjectView) -> list[list[str]]:
    rows = [BUDGET_HEADER]
    for row, item in _items_in_page_order(view):
        rows.append([
            row.number, row.name, item.parent or "",
            "" if item.quantity is None else format(item.quantity, "f"), item.measure_unit,
            "" if item.unit_price is None else _plain(item.unit_price), _plain(item.amount),
            row.amount.wan.replace(",", ""), row.share, item.basis,
        ])
    rows.append(["", "合计", "", "", "", "", _plain(view.total.value), view.total.wan.replace(",", ""), "100.00%",
                 view.total.capitals])
    return rows


def _indicator_rows(project: Project) -> list[list[str]]:
    """The indicator table in its own layout: only the columns the source has, titled as printed."""
    columns = list(project.indicator_columns)
    rows = [[title for _, title in columns]]
    for ind in project.indicators:
        rows.append([getattr(ind, key) for key, _ in columns])
    return rows


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps and permissions, keeping entry order.

    openpyxl stamps docProps/core.xml with the time of saving; that stamp is fixed too.
    Used for the authoring template (generator/scaffold.py, written with openpyxl).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, content)
    return output.getvalue()


_NUMERIC = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
# Excel keeps 15 significant digits; a longer number is kept as text rather than rounded.
_EXCEL_DIGITS = 15


def _exact_number(text: str) -> Decimal | None:
    """The Decimal a numeric cell stores, or None when the cell must stay text.

    XlsxWriter formats a number with ``{:.16G}``, which for a Decimal prints its own
    digits: 90607162.49 stays 90607162.49 (a float would print 90607162.48999999).
    Trailing zeros are dropped so the stored value is the shortest exact form.
    """
    if not _NUMERIC.match(text):
        return None
    value = Decimal(text)
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
    if len(value.as_tuple().digits) > _EXCEL_DIGITS:
        return None
    return value


def _merge_runs(rows: list[list[str]], merge_columns: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """(column, first row, last row) of each run of equal values to merge, as 0-based indexes
    into ``rows`` (the header is row 0). 一级 first, then 二级 within each 一级 run, as on the
    paper form."""
    runs = []
    last = len(rows) - 1
    for position, column in enumerate(merge_columns):
        keys = [tuple(row[c - 1] for c in merge_columns[: position + 1]) for row in rows]
        start = 1
        for index in range(2, last + 2):
            if index > last or keys[index] != keys[start]:
                if index - 1 > start:
                    runs.append((column, start, index - 1))
                start = index
    return runs


def _xlsx(title: str, sheet: str, rows: list[list[str]], merge_columns: tuple[int, ...] = (),
          numeric_columns: tuple[int, ...] = ()) -> bytes:
    """One worksheet in the official layout (see _xlsxwriter_xlsx): the bytes XlsxWriter
    writes, assembled by _fast_xlsx when the sheet is of the common kind, else by XlsxWriter."""
    fast = _fast_xlsx(title, sheet, rows, merge_columns, numeric_columns)
    if fast is not None:
        return fast
    return _xlsxwriter_xlsx(title, sheet, rows, merge_columns, numeric_columns)


def _xlsxwriter_xlsx(title: str, sheet: str, rows: list[list[str]], merge_columns: tuple[int, ...] = (),
                     numeric_columns: tuple[int, ...] = ()) -> bytes:
    """One worksheet in the official layout: a merged title, a bold header row repeated on
    every printed page, thin borders, merged 一级/二级 runs, A4 landscape.

    Data cells are written only with write_string or write_number, never write(): write()
    would turn a value starting with "=" into a formula.
    """
    from datetime import datetime

    import xlsxwriter

    _literal_shared_strings()

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({"title": title, "author": "budget-disclosure-generator",
                         "created": datetime(2000, 1, 1)})
    ws = book.add_worksheet(sheet)
    width = len(rows[0])
    title_format = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "vcenter"})
    header = book.add_format({"border": 1, "text_wrap": True, "valign": "vcenter", "bold": True})
    if width > 1:
        ws.merge_range(0, 0, 0, width - 1, "", title_format)
    ws.write_string(0, 0, title, title_format)
    merged = _merge_runs(rows, merge_columns)
    covered = {(r, c - 1) for c, first, last in merged for r in range(first + 1, last + 1)}
    for r, values in enumerate(rows):
        style = header if r == 0 else cell
        for c, value in enumerate(values):
            if (r, c) in covered:
                continue
            number = _exact_number(value) if r > 0 and c in numeric_columns else None
            if number is not None:
                ws.write_number(r + 1, c, number, style)
            else:
                ws.write_string(r + 1, c, value, style)
    for column, first, last in merged:
        # merge_range blanks the range; the value is then written with write_string, as text.
        ws.merge_range(first + 1, column - 1, last + 1, column - 1, "", cell)
        ws.write_string(first + 1, column - 1, rows[first][column - 1], cell)
    ws.repeat_rows(1)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.set_column(0, width - 1, 16)
    # In memory, XlsxWriter stamps every ZIP entry 1980-01-01 and core.xml with "created"
    # above: the bytes depend on the rows only.
    book.close()
    return buffer.getvalue()


# ---- the same bytes, faster ----------------------------------------------------------------
# XlsxWriter spends about 1.6 ms on each of these small workbooks, a third of it on parts
# that are the same in every workbook (styles, theme, relationships) and most of the rest in
# generic per-cell code. _fast_xlsx writes the two parts that depend on the rows (the sheet
# and its shared strings) itself and takes every other part, and the sheet's frame, from a
# reference workbook that XlsxWriter writes once per sheet name and width. It follows
# XlsxWriter's own rules (string table order and count, escapes, number format) and hands
# anything unusual back to XlsxWriter. tests/test_equivalence.py compares both on random tables, so
# an XlsxWriter upgrade that writes these parts differently fails there, not in a download.

_TITLE_MARK = "TITLE-MARK-5f1c"
_XLSX_REFERENCES: dict[tuple[str, int], dict] = {}


def _column_names(width: int) -> list[str]:
    from xlsxwriter.utility import xl_col_to_name
    return [xl_col_to_name(c) for c in range(width)]


def _xml_data(text: str) -> str:
    # XlsxWriter's _escape_data: quotes are left as they are in element text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xlsx_reference(sheet: str, width: int) -> dict:
    found = _XLSX_REFERENCES.get((sheet, width))
    if found is not None:
        return found
    sample = [[f"h{c}" for c in range(width)], [f"d{c}" for c in range(width)]]
    book = _xlsxwriter_xlsx(_TITLE_MARK, sheet, sample)
    with zipfile.ZipFile(io.BytesIO(book)) as archive:
        entries = [(info.filename, archive.read(info.filename)) for info in archive.infolist()]
    parts = dict(entries)
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    head, rest = sheet_xml.split("<sheetData>", 1)
    _, tail = rest.split("</sheetData>", 1)
    styles = [re.search(rf'<c r="A{row}" s="(\d+)"', sheet_xml).group(1) for row in (1, 2, 3)]
    strings = parts["xl/sharedStrings.xml"].decode("utf-8")
    core = parts["docProps/core.xml"].decode("utf-8")
    if core.count(_TITLE_MARK) != 1 or head.count("<dimension ") != 1 or tail.count("<mergeCells ") != 1:
        raise AssertionError("XlsxWriter's reference workbook has an unexpected shape")
    found = {
        "names": [name for name, _ in entries], "parts": parts,
        "head": re.sub(r'<dimension ref="[^"]*"/>', "<dimension ref=\"{dimension}\"/>",
                       head.replace("{", "{{").replace("}", "}}")) + "<sheetData>",
        "tail": "</sheetData>" + re.sub(r"<mergeCells .*?</mergeCells>", "{merges}",
                                        tail.replace("{", "{{").replace("}", "}}")),
        "styles": styles,
        "sst_head": re.sub(r'count="\d+" uniqueCount="\d+"', 'count="{count}" uniqueCount="{unique}"',
                           strings.split("<si>", 1)[0].replace("{", "{{").replace("}", "}}")),
        "core": core.split(_TITLE_MARK),
        "columns": _column_names(width),
        "entries": {name: _compressed_entry(name, data) for name, data in entries},
    }
    _XLSX_REFERENCES[(sheet, width)] = found
    return found


def _plain_string(text: str) -> bool:
    # Long strings are measured in UTF-16 units and may be cut by XlsxWriter: left to it.
    return len(text) <= 16383


def _literal_shared_strings() -> None:
    """XlsxWriter writes a string that starts with "<r>" and ends with "</r>" into the workbook
    as raw XML (its rich-string shortcut). A data value must never become markup: every string
    is written as text, escaped, like any other."""
    from xlsxwriter import packager
    from xlsxwriter.sharedstrings import SharedStrings, _preserve_whitespace

    if getattr(packager.SharedStrings, "literal", False):
        return

    class LiteralSharedStrings(SharedStrings):
        literal = True

        def _write_si(self, string) -> None:
            string = self._escape_control_characters(string)
            attributes = [("xml:space", "preserve")] if _preserve_whitespace(string) else []
            self._xml_si_element(string, attributes)

    packager.SharedStrings = LiteralSharedStrings


def _shared_string(text: str, escape_controls, preserve_space) -> str:
    text = escape_controls(text)
    space = ' xml:space="preserve"' if preserve_space(text) else ""
    return f"<si><t{space}>{_xml_data(text)}</t></si>"


def _fast_xlsx(title: str, sheet: str, rows: list[list[str]], merge_columns: tuple[int, ...],
               numeric_columns: tuple[int, ...]) -> bytes | None:
    width = len(rows[0]) if rows else 0
    if (width < 2 or len(rows) < 2 or any(len(row) != width for row in rows)
            or set(c - 1 for c in merge_columns) & set(numeric_columns)
            or not _plain_string(title) or not all(_plain_string(v) for row in rows for v in row)):
        return None
    ref = _xlsx_reference(sheet, width)
    title_style, header_style, cell_style = ref["styles"]
    columns = ref["columns"]
    table: dict[str, int] = {}
    count = 0

    def index(text: str) -> int:
        # XlsxWriter's string table: first use gives the index, every write counts.
        nonlocal count
        count += 1
        return table.setdefault(text, len(table))

    title_cells = [f'<c r="A1" s="{title_style}" t="s"><v>{index(title)}</v></c>']
    title_cells += [f'<c r="{name}1" s="{title_style}"/>' for name in columns[1:]]
    merged = _merge_runs(rows, merge_columns)
    covered = {(r, c - 1) for c, first, last in merged for r in range(first + 1, last + 1)}
    grid: list[list[str]] = []
    for r, values in enumerate(rows):
        style = header_style if r == 0 else cell_style
        number_row = str(r + 2)
        cells = []
        for c, value in enumerate(values):
            ref_name = columns[c] + number_row
            if (r, c) in covered:
                cells.append(f'<c r="{ref_name}" s="{cell_style}"/>')
                continue
            number = _exact_number(value) if r > 0 and c in numeric_columns else None
            if number is not None:
                cells.append(f'<c r="{ref_name}" s="{style}"><v>{number:.16G}</v></c>')
            else:
                cells.append(f'<c r="{ref_name}" s="{style}" t="s"><v>{index(value)}</v></c>')
        grid.append(cells)
    merge_refs = [f"A1:{columns[-1]}1"]
    for column, first, last in merged:
        name = columns[column - 1]
        value = rows[first][column - 1]
        grid[first][column - 1] = f'<c r="{name}{first + 2}" s="{cell_style}" t="s"><v>{index(value)}</v></c>'
        merge_refs.append(f"{name}{first + 2}:{name}{last + 2}")
    spans = f"1:{width}"
    body = [f'<row r="1" spans="{spans}">', *title_cells, "</row>"]
    for r, cells in enumerate(grid):
        body += [f'<row r="{r + 2}" spans="{spans}">', *cells, "</row>"]
    merges = f'<mergeCells count="{len(merge_refs)}">' + "".join(
        f'<mergeCell ref="{item}"/>' for item in merge_refs) + "</mergeCells>"
    sheet_xml = (ref["head"].format(dimension=f"A1:{columns[-1]}{len(rows) + 1}") + "".join(body)
                 + ref["tail"].format(merges=merges))
    from xlsxwriter.utility import _preserve_whitespace
    from xlsxwriter.xmlwriter import XMLwriter
    escape = XMLwriter._escape_control_characters
    strings_xml = (ref["sst_head"].format(count=count, unique=len(table))
                   + "".join(_shared_string(text, escape, _preserve_whitespace) for text in table) + "</sst>")
    before, after = ref["core"]
    core_xml = before + escape(_xml_data(title)) + after  # XlsxWriter's _xml_data_element
    own = {"xl/worksheets/sheet1.xml": sheet_xml.encode("utf-8"),
           "xl/sharedStrings.xml": strings_xml.encode("utf-8"),
           "docProps/core.xml": core_xml.encode("utf-8")}
    buffer = io.BytesIO()
    # As XlsxWriter's Workbook._store_workbook writes in memory: same entries, order and stamps.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as archive:
        for name in ref["names"]:
            if name in own:
                archive.writestr(_zip_info(name), own[name])
            else:
                _append_entry(archive, *ref["entries"][name])
    return buffer.getvalue()


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _compressed_entry(name: str, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    """An entry as ZipFile.writestr writes it: its ZipInfo and its local header plus deflated
    data. Neither depends on where in an archive the entry lands, except header_offset."""
    buffer = io.BytesIO()
    archive = zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False)
    archive.writestr(_zip_info(name), data)
    info = archive.infolist()[0]
    local = buffer.getvalue()[: archive.start_dir]
    archive.close()
    return info, local


def _append_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, local: bytes) -> None:
    """Append an entry made by _compressed_entry without deflating it again: the same bytes
    and central-directory record ZipFile.writestr would give (the parts that are equal in
    every workbook are compressed once per process)."""
    info = copy.copy(info)
    archive.fp.seek(archive.start_dir)
    info.header_offset = archive.start_dir
    archive.fp.write(local)
    archive.start_dir = archive.fp.tell()
    archive.filelist.append(info)
    archive.NameToInfo[info.filename] = info
    archive._didModify = True


def _texts(texts) -> list[str]:
    return [t.value for t in texts]


def _project_json(view: ProjectView) -> bytes:
    """Every part the source has; a part it lacks is left out (never an empty placeholder)."""
    project, unit = view.project, view.unit
    unit_doc: dict = {"id": unit.id, "name": unit.name.value}
    if unit.credit_code:
        unit_doc["credit_code"] = {"label": unit.credit_code.label.value, "value": unit.credit_code.value.value}
    for key in ("address", "phone", "legal_representative", "funding_source"):
        if getattr(unit, key) is not None:
            unit_doc[key] = getattr(unit, key).value
    if unit.duties:
        unit_doc["duties"] = _texts(unit.duties)
    document: dict = {
        "fiscal_year": project.year,
        "id": project.id,
        "kind": project.kind,
        "name": project.name.value,
        "unit": unit_doc,
        # Amounts are strings of exact decimals, never floats.
        "total": {"yuan": _plain(view.total.value), "wan": view.total.wan.replace(",", ""),
                  "capitals": view.total.capitals},
        "indicators": [dict(zip([key for key, _ in project.indicator_columns], row))
                       for row in _indicator_rows(project)[1:]],
    }
    if project.legal_bases:
        document["legal_bases"] = [{"title": b.title.value, **({"number": b.number.value} if b.number else {})}
                                   for b in project.legal_bases]
    for key in ("overview", "implementation_content", "funding_arrangement", "implementation_plan",
                "expected_results", "unit_functions", "annual_tasks"):
        if getattr(project, key):
            document[key] = _texts(getattr(project, key))
    targets = {}
    for key, target in (("medium_term", project.medium_term_target), ("annual", project.annual_target)):
        if target is not None:
            targets[key] = {"text": _texts(target.paragraphs),
                            **({"period": target.period.value} if target.period else {})}
    if targets:
        document["performance_targets"] = targets
    if project.stated_amount:
        document["stated_amount"] = {key: {"printed": getattr(project.stated_amount, key).printed.value,
                                           "yuan": _plain(getattr(project.stated_amount, key).value)}
                                     for key in ("total", "fiscal", "other", "basic", "project")
                                     if getattr(project.stated_amount, key) is not None}
    if project.budget_items:
        document["budget_items"] = [
            {"number": row.number, "name": item.name, "parent": item.parent,
             "quantity": None if item.quantity is None else format(item.quantity, "f"),
             "measure_unit": item.measure_unit,
             "unit_price": None if item.unit_price is None else _plain(item.unit_price),
             "amount": _plain(item.amount), "share": row.share, "basis": item.basis}
            for row, item in _items_in_page_order(view)
        ]
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def project_downloads(view: ProjectView, *, json_bytes: bytes | None = None) -> dict[str, bytes]:
    base = download_dir(view.project)
    name = view.project.name.value
    indicator_rows = _indicator_rows(view.project)
    files = {
        f"{base}/indicators.csv": _csv(indicator_rows),
        f"{base}/indicators.xlsx": _xlsx(f"{name}绩效目标表（{view.project.year}年）", "绩效目标表",
                                         indicator_rows, merge_columns=(1, 2)),
        f"{base}/project.json": json_bytes if json_bytes is not None else _project_json(view),
    }
    if view.project.budget_items:
        budget_rows = _budget_rows(view)
        files[f"{base}/budget_items.csv"] = _csv(budget_rows)
        files[f"{base}/budget_items.xlsx"] = _xlsx(f"{name}资金测算明细表（{view.project.year}年）", "资金测算明细表",
                                                   budget_rows, numeric_columns=(3, 5, 6, 7))
    return files


DATA_PACKAGE_DIR = "data"


_PACKAGE_HEADER = ["fiscal_year", "unit_id", "unit_name", "project_id", "project_name", "item_number", "item_name",
                   "parent_item", "amount"]


def _package_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(
        [csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def package_rows(view: ProjectView) -> bytes:
    """One project's lines of the data package's budget_items.csv. Made once per project and
    unit version and kept in the build state, so the package is joined, not recomputed."""
    return _package_csv([[str(view.project.year), view.unit.id, view.unit.name.value, view.project.id,
                          view.project.name.value, row.number, item.name, item.parent or "", _plain(item.amount)]
                         for row, item in _items_in_page_order(view)])


def fiscal_data_package(project_rows: list[bytes], years: list[int], title: str, publisher: str,
                        version: str) -> dict[str, bytes]:
    """All line items of all projects as one Fiscal Data Package (measures in CNY, phase proposed).
    ``project_rows`` are package_rows() of every project, in page order."""
    descriptor = {
        "profile": "tabular-data-package",
        "name": "budget-disclosure",
        "title": title,
        "version": version,
        "contributors": [{"title": publisher, "role": "publisher"}],
        "countryCode": "CN",
        "resources": [{
            "name": "budget-items",
            "path": "budget_items.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "schema": {
                "fields": [
                    {"name": "fiscal_year", "type": "year", "title": "预算年度"},
                    {"name": "unit_id", "type": "string", "title": "单位标识"},
                    {"name": "unit_name", "type": "string", "title": "单位名称"},
                    {"name": "project_id", "type": "string", "title": "项目标识"},
                    {"name": "project_name", "type": "string", "title": "项目名称"},
                    {"name": "item_number", "type": "string", "title": "序号"},
                    {"name": "item_name", "type": "string", "title": "明细项目"},
                    {"name": "parent_item", "type": "string", "title": "上级项目"},
                    {"name": "amount", "type": "number", "title": "金额（元）", "constraints": {"minimum": 0}},
                ],
                "primaryKey": ["fiscal_year", "project_id", "item_number"],
            },
        }],
        # Fiscal Data Package model: what is measured, in which currency and budget phase.
        "model": {
            "measures": {
                "amount": {"source": "amount", "currency": "CNY", "factor": 1, "direction": "expenditure",
                           "phase": "proposed", "title": "项目预算金额（元）"},
            },
            "dimensions": {
                "fiscal-year": {"dimensionType": "datetime", "primaryKey": "fiscal_year",
                                "attributes": {"fiscal_year": {"source": "fiscal_year"}}},
                "administrative-classification": {
                    "dimensionType": "classification", "primaryKey": "unit_id",
                    "attributes": {"unit_id": {"source": "unit_id"}, "unit_name": {"source": "unit_name"}}},
                "project": {"dimensionType": "entity", "primaryKey": "project_id",
                            "attributes": {"project_id": {"source": "project_id"},
                                           "project_name": {"source": "project_name"}}},
                "budget-line": {"dimensionType": "activity", "primaryKey": "item_number",
                                "attributes": {"item_number": {"source": "item_number"},
                                               "item_name": {"source": "item_name"},
                                               "parent_item": {"source": "parent_item"}}},
            },
        },
        "fiscalPeriod": {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"} if years else {},
    }
    return {
        f"{DATA_PACKAGE_DIR}/budget_items.csv": b"".join([_package_csv([_PACKAGE_HEADER]), *project_rows]),
        f"{DATA_PACKAGE_DIR}/datapackage.json":
            (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
    }
