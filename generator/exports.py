"""Downloads: each project's tables as CSV and XLSX, the whole project as JSON, and a
site-wide Fiscal Data Package.

Every file is produced as bytes, deterministically: sorted keys, fixed ZIP
timestamps in XLSX, no wall-clock time anywhere.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import struct
import sys
import weakref
import zlib
from decimal import Decimal
from functools import lru_cache
from itertools import chain
from json.encoder import encode_basestring as _json_string

from . import cache
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
_GUARDED_START = _FORMULA_START + ("'",)


def csv_cell(value: str) -> str:
    """A cell that no spreadsheet runs: a leading apostrophe before a formula trigger.

    The apostrophe is the only change, and only for cells that start with a trigger or
    with an apostrophe (so that dropping one leading apostrophe, as budget_data/README.md
    tells readers and csv_cell_original does, always gives the value back); project.json
    and the XLSX files carry every value unchanged.
    """
    return "'" + value if value.startswith(_GUARDED_START) else value


def csv_cell_original(cell: str) -> str:
    """The value a csv_cell() came from."""
    return cell[1:] if cell.startswith("'") else cell


def _csv(rows: list[list[str]]) -> bytes:
    # The BOM makes Excel on Chinese Windows open the file as UTF-8.
    return (UTF8_BOM + _quoted_csv(rows, "\r\n")).encode("utf-8")


def _csv_module(rows: list[list[str]], terminator: str) -> str:
    buffer = io.StringIO()
    # Every cell quoted, as OWASP recommends, so a separator in a value cannot start a new cell.
    writer = csv.writer(buffer, lineterminator=terminator, quoting=csv.QUOTE_ALL)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


_CELL, _ROW = "\x00", "\x01"
# A cell that csv_cell guards, after the separator that starts it (the first cell is checked apart).
_GUARDED_AFTER_SEPARATOR = re.compile("([\x00\x01])(?=[" + re.escape("".join(_GUARDED_START)) + "])")


def _quoted_csv(rows: list[list[str]], terminator: str) -> str:
    """What _csv_module writes (csv.writer, QUOTE_ALL, csv_cell on every value), made from the
    joined table in a few passes over its text instead of a call per cell: cells are joined with
    two control characters that no cell may then hold, guarded cells get their apostrophe after
    the separator, quotes are doubled, and the separators become the quoted ones.
    tests/test_exports.py compares both on random tables."""
    try:
        text = _ROW.join([_CELL.join(row) for row in rows])
    except TypeError:
        return _csv_module(rows, terminator)
    if not rows or not all(rows) or text.count(_CELL) != sum(len(row) for row in rows) - len(rows) \
            or text.count(_ROW) != len(rows) - 1:
        return _csv_module(rows, terminator)  # an empty row, or a cell holding a separator
    text = _GUARDED_AFTER_SEPARATOR.sub("\\1'", csv_cell(text)).replace('"', '""')
    return '"' + text.replace(_CELL, '","').replace(_ROW, '"' + terminator + '"') + '"' + terminator


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
    import zipfile  # the authoring template and the reference workbook only: not every build

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
          numeric_columns: tuple[int, ...] = (), *, store=None) -> bytes:
    """One worksheet in the official layout (see _xlsxwriter_xlsx): the bytes XlsxWriter
    writes, assembled by _fast_xlsx when the sheet is of the common kind, else by XlsxWriter."""
    packed = _packed_xlsx(title, sheet, rows, merge_columns, numeric_columns, store=store)
    return packed if type(packed) is bytes else _unpacked_xlsx(packed, store)


def _packed_xlsx(title: str, sheet: str, rows: list[list[str]], merge_columns: tuple[int, ...] = (),
                 numeric_columns: tuple[int, ...] = (), *, store=None) -> bytes | tuple:
    """The workbook of _xlsx as _fast_xlsx_parts gives it, or (a sheet it hands back) XlsxWriter's bytes."""
    parts = _fast_xlsx_parts(title, sheet, rows, merge_columns, numeric_columns, store=store)
    if parts is not None:
        return parts
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
# The references each store (cache.Store) was found to hold, or was given, in this process.
_STORED_REFERENCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _column_names(width: int) -> list[str]:
    from xlsxwriter.utility import xl_col_to_name
    return [xl_col_to_name(c) for c in range(width)]


def _xml_data(text: str) -> str:
    # XlsxWriter's _escape_data: quotes are left as they are in element text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_REFERENCE_FIELDS = {"names": list, "head": str, "tail": str, "styles": list, "sst_head": str, "core": list,
                     "columns": list, "title_row": str, "members": dict}


def _xlsx_reference(sheet: str, width: int, store=None) -> dict:
    """The parts of XlsxWriter's workbook for this sheet name and width that are the same in
    every workbook. Made once per process; with ``store`` (a cache.Store) kept there, keyed by
    our code and XlsxWriter's version (cache.key), so that a build needs neither XlsxWriter nor
    its import. A stored entry of another shape is made again, never used."""
    shape = (sheet, width)
    found = _XLSX_REFERENCES.get(shape)
    if found is not None and (store is None or shape in _STORED_REFERENCES.get(store, ())):
        return found
    made = None
    if store is not None:
        # Read (or written) once per store in this process, also when the process already has
        # it (`serve` builds again and again): the entry is then used, and a damaged one replaced.
        entry_key = _reference_key(sheet, width)
        made = _checked_reference(store.get(entry_key), width)
        if made is None:
            made = ({name: value for name, value in found.items() if name != "rows"} if found is not None
                    else _make_xlsx_reference(sheet, width))
            store.put(entry_key, made)
        _STORED_REFERENCES.setdefault(store, set()).add(shape)
    if found is None:
        found = {**(made if made is not None else _make_xlsx_reference(sheet, width)), "rows": []}  # _row_cells
        _XLSX_REFERENCES[shape] = found
    return found


def reference_keys() -> list[str]:
    """The store keys of every XLSX reference a project's downloads can use: a budget table is
    always BUDGET_HEADER wide, an indicator table has one column per key the schema knows at
    most. A build keeps them, like each project's copy of its downloads, though a build that
    makes no download (a template edit, a project removed) reads none of them."""
    from .schema import INDICATOR_TITLES
    shapes = [("资金测算明细表", len(BUDGET_HEADER))]
    shapes += [("绩效目标表", width) for width in range(1, len(INDICATOR_TITLES) + 1)]
    return [_reference_key(sheet, width) for sheet, width in shapes]


def _reference_key(sheet: str, width: int) -> str:
    return cache.key("xlsx-reference", sheet, str(width))


def downloads_key(project_key: str, unit_key: str) -> str:
    """A project's downloads depend on the project and its unit only (and the code: cache.key):
    the key of their page job and of their copy in the store. cache.key's very value, without
    its general work: a build makes 10,000 of them."""
    project, unit = project_key.encode("utf-8", "surrogateescape"), unit_key.encode("utf-8", "surrogateescape")
    return hashlib.sha256(b"".join((_downloads_prefix(cache.code_version()), len(project).to_bytes(8, "big"),
                                    project, len(unit).to_bytes(8, "big"), unit))).hexdigest()


def downloads_keys(project_keys: list[str], unit_keys: list[str]) -> list[str]:
    """downloads_key of each (project key, unit key) pair, the very values: a build asks for
    10,000 at once, and each unit's part is encoded once, not once per project."""
    head, sha256 = _downloads_prefix(cache.code_version()), hashlib.sha256
    unit_parts: dict[str, bytes] = {}
    heads: dict[int, bytes] = {}  # the prefix and a project key's length (all keys are digests: one)
    found = []
    append = found.append
    for project_key, unit_key in zip(project_keys, unit_keys, strict=True):
        unit = unit_parts.get(unit_key)
        if unit is None:
            encoded = unit_key.encode("utf-8", "surrogateescape")
            unit = unit_parts[unit_key] = len(encoded).to_bytes(8, "big") + encoded
        project = project_key.encode("utf-8", "surrogateescape")
        start = heads.get(len(project))
        if start is None:
            start = heads[len(project)] = head + len(project).to_bytes(8, "big")
        append(sha256(start + project + unit).hexdigest())
    return found


@lru_cache(maxsize=2)
def _downloads_prefix(code: bytes) -> bytes:
    return b"downloads\0" + code


def _is_zip_member(member) -> bool:
    """A _zip_member() value: (local header and data, central record, encoded name)."""
    return type(member) is tuple and len(member) == 3 and all(type(part) is bytes for part in member)


def _checked_reference(value, width: int) -> dict | None:
    """``value`` if it has the shape of a reference of this width (every field, of its type, and
    members that are ZIP entries), else None: whatever else the store gives back is made again."""
    if not isinstance(value, dict) or set(value) != set(_REFERENCE_FIELDS) or not all(
            isinstance(value[name], kind) for name, kind in _REFERENCE_FIELDS.items()):
        return None
    members, names = value["members"], value["names"]
    if (len(value["columns"]) != width or len(value["core"]) != 2 or len(value["styles"]) != 3
            or sorted(members) != sorted(names) or len(names) < 3):
        return None
    for member in members.values():
        if not _is_zip_member(member):
            return None
        local, central, encoded = member
        if len(central) != _CENTRAL_HEADER.size or not local.startswith(b"PK\x03\x04") \
                or not central.startswith(b"PK\x01\x02"):
            return None
    return value


def _make_xlsx_reference(sheet: str, width: int) -> dict:
    sample = [[f"h{c}" for c in range(width)], [f"d{c}" for c in range(width)]]
    book = _xlsxwriter_xlsx(_TITLE_MARK, sheet, sample)
    import zipfile

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
    columns = _column_names(width)
    return {
        "names": [name for name, _ in entries],
        "head": re.sub(r'<dimension ref="[^"]*"/>', "<dimension ref=\"{dimension}\"/>",
                       head.replace("{", "{{").replace("}", "}}")) + "<sheetData>",
        "tail": "</sheetData>" + re.sub(r"<mergeCells .*?</mergeCells>", "{merges}",
                                        tail.replace("{", "{{").replace("}", "}}")),
        "styles": styles,
        "sst_head": re.sub(r'count="\d+" uniqueCount="\d+"', 'count="{count}" uniqueCount="{unique}"',
                           strings.split("<si>", 1)[0].replace("{", "{{").replace("}", "}}")),
        "core": core.split(_TITLE_MARK),
        "columns": columns,
        "title_row": (f'<row r="1" spans="1:{width}"><c r="A1" s="{styles[0]}" t="s"><v>0</v></c>'
                      + "".join(f'<c r="{name}1" s="{styles[0]}"/>' for name in columns[1:]) + "</row>"),
        "members": {name: _zip_member(name, data) for name, data in entries},
    }


# Long strings are measured in UTF-16 units and may be cut by XlsxWriter: left to it.
_PLAIN_LENGTH = 16383


def _plain_string(text: str) -> bool:
    return len(text) <= _PLAIN_LENGTH


def _xml_data_element(text: str) -> str:
    """Element text as XlsxWriter's _xml_data_element writes it (_escape_data, then
    _escape_control_characters)."""
    text = _xml_data(text)
    if _ESCAPED_BY_XLSXWRITER.search(text) is None:
        return text
    from xlsxwriter.xmlwriter import XMLwriter
    return XMLwriter._escape_control_characters(text)


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


# Text that XlsxWriter's shared-string writer passes through unchanged apart from &, < and >:
# no "_" (its _xHHHH_ escape of the escape), no control character, no U+FFFE or U+FFFF.
_ESCAPED_BY_XLSXWRITER = re.compile("[\x00-\x08\x0b-\x1f_\ufffe\uffff]")


# Labels (headers, indicator levels, units) recur in every project; their <si> elements are
# kept, bounded in number and length so that memory stays small on any portal.
_SHARED_STRINGS_KEPT = 16384
_SHARED_STRING_KEPT_LENGTH = 64


class _KeptSharedStrings(dict):
    def __missing__(self, text: str) -> str:
        element = _shared_string(text)
        if len(text) <= _SHARED_STRING_KEPT_LENGTH:
            if len(self) >= _SHARED_STRINGS_KEPT:
                self.clear()
            self[text] = element
        return element


_SHARED_STRINGS = _KeptSharedStrings()


def _shared_strings(table) -> str:
    return "".join(map(_SHARED_STRINGS.__getitem__, table))


def _shared_string(text: str) -> str:
    """The <si> element XlsxWriter writes for ``text`` (LiteralSharedStrings._write_si)."""
    if _ESCAPED_BY_XLSXWRITER.search(text) is not None:
        from xlsxwriter.utility import _preserve_whitespace
        from xlsxwriter.xmlwriter import XMLwriter
        text = XMLwriter._escape_control_characters(text)
        space = _preserve_whitespace(text)
    else:
        # _preserve_whitespace is r"^\s" or r"\s$"; re's \s is str.isspace, and "$" before a
        # final newline still means the string ends in whitespace.
        space = text and (text[0].isspace() or text[-1].isspace())
    data = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<si><t xml:space="preserve">{data}</t></si>' if space else f"<si><t>{data}</t></si>"


def _number_text(text: str) -> str | None:
    """``f"{_exact_number(text):.16G}"`` (None when the cell stays text), by string operations
    for the usual money and quantity digits: an integer part without a leading zero and at
    most 15 significant digits prints as itself without trailing fractional zeros (the
    exponent is then 0 or more, so .16G never switches to E notation)."""
    whole, dot, fraction = text.partition(".")
    if whole.isdigit() and whole.isascii() and whole[0] != "0" and (
            not dot or (fraction.isdigit() and fraction.isascii())):
        fraction = fraction.rstrip("0")
        if len(whole) + len(fraction) <= _EXCEL_DIGITS:
            return f"{whole}.{fraction}" if fraction else whole
        return None
    number = _exact_number(text)
    return None if number is None else f"{number:.16G}"


def _row_cells(ref: dict, r: int) -> tuple[list[str], list[str], list[str]]:
    """For row ``r`` of the table (sheet row r + 2): each column's opening of a shared-string
    cell and of a number cell, and its covered (blank) merged cell. Kept with the reference,
    since every workbook of that sheet and width has the same."""
    rows = ref["rows"]
    while len(rows) <= r:
        number = len(rows) + 2
        style = ref["styles"][1] if len(rows) == 0 else ref["styles"][2]
        blank = ref["styles"][2]
        rows.append(([f'<c r="{name}{number}" s="{style}" t="s"><v>' for name in ref["columns"]],
                     [f'<c r="{name}{number}" s="{style}"><v>' for name in ref["columns"]],
                     [f'<c r="{name}{number}" s="{blank}"/>' for name in ref["columns"]]))
    return rows[r]


def _fast_xlsx(title: str, sheet: str, rows: list[list[str]], merge_columns: tuple[int, ...],
               numeric_columns: tuple[int, ...], *, store=None) -> bytes | None:
    parts = _fast_xlsx_parts(title, sheet, rows, merge_columns, numeric_columns, store=store)
    return None if parts is None else _unpacked_xlsx(parts, store)


# The parts of a workbook that depend on its rows; the reference has every other part.
_OWN_PARTS = ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "docProps/core.xml")


def _fast_xlsx_parts(title: str, sheet: str, rows: list[list[str]], merge_columns: tuple[int, ...],
                     numeric_columns: tuple[int, ...], *, store=None) -> tuple | None:
    """("xlsx", sheet, width, the ZIP entries of _OWN_PARTS in the reference's order): what
    _unpacked_xlsx makes the workbook of, and all of it that a cached copy needs to hold."""
    width = len(rows[0]) if rows else 0
    if (width < 2 or len(rows) < 2 or any(len(row) != width for row in rows)
            or set(c - 1 for c in merge_columns) & set(numeric_columns)
            or not _plain_string(title) or max(map(len, chain.from_iterable(rows))) > _PLAIN_LENGTH):
        return None
    ref = _xlsx_reference(sheet, width, store)
    columns = ref["columns"]
    # XlsxWriter's string table: first use gives the index, every write counts.
    table: dict[str, int] = {title: 0}
    index = table.setdefault
    count = 1
    merged = _merge_runs(rows, merge_columns)
    covered: dict[int, set[int]] = {}
    for c, first, last in merged:
        for r in range(first + 1, last + 1):
            covered.setdefault(r, set()).add(c - 1)
    numeric = frozenset(numeric_columns)
    spans = f' spans="1:{width}">'
    body = [ref["title_row"]]
    grid: list[list[str]] = []
    for r, values in enumerate(rows):
        strings, numbers, blanks = _row_cells(ref, r)
        skip = covered.get(r, ())
        cells = []
        for c, value in enumerate(values):
            if c in skip:
                cells.append(blanks[c])
                continue
            if r and c in numeric:
                number = _number_text(value)
                if number is not None:
                    cells.append(f"{numbers[c]}{number}</v></c>")
                    continue
            count += 1
            cells.append(f"{strings[c]}{index(value, len(table))}</v></c>")
        grid.append(cells)
    merge_refs = [f"A1:{columns[-1]}1"]
    for column, first, last in merged:
        name = columns[column - 1]
        value = rows[first][column - 1]
        count += 1
        grid[first][column - 1] = f"{_row_cells(ref, first)[0][column - 1]}{index(value, len(table))}</v></c>"
        merge_refs.append(f"{name}{first + 2}:{name}{last + 2}")
    for r, cells in enumerate(grid, 2):
        body.append(f'<row r="{r}"{spans}')
        body += cells
        body.append("</row>")
    merges = f'<mergeCells count="{len(merge_refs)}">' + "".join(
        f'<mergeCell ref="{item}"/>' for item in merge_refs) + "</mergeCells>"
    sheet_xml = (ref["head"].format(dimension=f"A1:{columns[-1]}{len(rows) + 1}") + "".join(body)
                 + ref["tail"].format(merges=merges))
    strings_xml = (ref["sst_head"].format(count=count, unique=len(table))
                   + _shared_strings(table) + "</sst>")
    before, after = ref["core"]
    core_xml = before + _xml_data_element(title) + after
    own = {"xl/worksheets/sheet1.xml": sheet_xml, "xl/sharedStrings.xml": strings_xml, "docProps/core.xml": core_xml}
    return ("xlsx", sheet, width, tuple(_zip_member(name, own[name].encode("utf-8"))
                                        for name in ref["names"] if name in own))


def _unpacked_xlsx(parts, store=None) -> bytes | None:
    """The workbook of _fast_xlsx_parts' ``parts``; None when they are not such parts."""
    if not (type(parts) is tuple and len(parts) == 4 and parts[0] == "xlsx" and type(parts[1]) is str
            and type(parts[2]) is int and type(parts[3]) is tuple and len(parts[3]) == len(_OWN_PARTS)):
        return None
    _, sheet, width, own = parts
    for member in own:
        if not _is_zip_member(member):
            return None
    if width < 2:
        return None
    ref = _xlsx_reference(sheet, width, store)
    members = ref["members"]
    if sum(name in _OWN_PARTS for name in ref["names"]) != len(own):
        return None
    own_members = iter(own)
    return _zip([next(own_members) if name in _OWN_PARTS else members[name] for name in ref["names"]])


# ---- ZIP, as zipfile writes it -----------------------------------------------------------------
# XlsxWriter stores a workbook with ZipFile(ZIP_DEFLATED) and writestr(ZipInfo(name, 1980-01-01)).
# For such entries CPython's zipfile (ZipInfo.FileHeader, _ZipWriteFile, _write_end_record)
# writes fixed fields only: version 2.0, flags 0 (0x800 for a UTF-8 name), no extra field or
# comment, external attributes 0o600 << 16 (_open_to_write's default for a ZipInfo without
# any), the default deflate level, raw deflate (wbits -15).
# Writing those bytes here costs a struct.pack per entry instead of a ZipFile, its ZipInfos and
# its seeks; tests/test_equivalence.py compares the result with zipfile on random entries.
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_CENTRAL_HEADER = struct.Struct("<4s4B4HL2L5HL")  # zipfile's structCentralDir without header_offset
_END_RECORD = struct.Struct("<4s4H2LH")
_ZIP_VERSION = 20
_ZIP_SYSTEM = 0 if sys.platform == "win32" else 3  # as ZipInfo.create_system
_DEFLATED = 8
_DOS_TIME = 0
_DOS_DATE = (1980 - 1980) << 9 | 1 << 5 | 1  # _ZIP_EPOCH
_UTF8_NAME = 0x800
_EXTERNAL_ATTR = 0o600 << 16


def _zip_member(name: str, data: bytes) -> tuple[bytes, bytes, bytes]:
    """One entry: its local header with the deflated data, its central-directory record up to
    the header offset, and its encoded name (which follows the offset)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    deflated = compressor.compress(data) + compressor.flush()
    if name.isascii():
        encoded, flags = name.encode("ascii"), 0
    else:
        encoded, flags = name.encode("utf-8"), _UTF8_NAME
    crc = zlib.crc32(data)
    local = _LOCAL_HEADER.pack(b"PK\x03\x04", _ZIP_VERSION, 0, flags, _DEFLATED, _DOS_TIME, _DOS_DATE, crc,
                               len(deflated), len(data), len(encoded), 0)
    central = _CENTRAL_HEADER.pack(b"PK\x01\x02", _ZIP_VERSION, _ZIP_SYSTEM, _ZIP_VERSION, 0, flags, _DEFLATED,
                                   _DOS_TIME, _DOS_DATE, crc, len(deflated), len(data), len(encoded), 0, 0, 0, 0, _EXTERNAL_ATTR)
    return local + encoded + deflated, central, encoded


def _zip(members: list[tuple[bytes, bytes, bytes]]) -> bytes:
    """The archive of _zip_member entries in this order, as ZipFile.close() ends it."""
    records = []
    offset = 0
    for local, central, encoded in members:
        records.append(central + offset.to_bytes(4, "little") + encoded)
        offset += len(local)
    directory = b"".join(records)
    return b"".join([*(local for local, _, _ in members), directory,
                     _END_RECORD.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0)])


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
    return (_json_text(document) + "\n").encode("utf-8")


_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def _json_text(value, pad: str = "\n") -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)``, which with an indent
    runs json's pure-Python encoder, for the values a project document holds: dicts with str keys,
    lists, str, int, bool and None. Anything else goes to json.dumps. Strings are escaped by
    json's own (C) encode_basestring; tests/test_exports.py compares both on random documents."""
    try:
        return _json_value(value, pad)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def _json_value(value, pad: str) -> str:
    kind = type(value)
    if kind is str:
        return _json_string(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = pad + "  "
        items = sorted(value.items())
        return ("{" + inner + ("," + inner).join(
            [f"{_json_string(key)}: {_json_string(item) if type(item) is str else _json_value(item, inner)}"
             for key, item in items]) + pad + "}")
    if kind is list:
        if not value:
            return "[]"
        inner = pad + "  "
        return ("[" + inner + ("," + inner).join(
            [_json_string(item) if type(item) is str else _json_value(item, inner) for item in value]) + pad + "]")
    if kind is int:
        return int.__repr__(value)
    if kind is bool or value is None:
        return _JSON_CONSTANTS[value]
    raise TypeError(kind)


def project_downloads(view: ProjectView, *, json_bytes: bytes | None = None, store=None,
                      packed: bool = False) -> dict:
    """A project's files under downloads/. ``store`` (a cache.Store) keeps the XLSX reference
    workbooks between builds (_xlsx_reference). With ``packed``, each XLSX made by _fast_xlsx is
    left as its own parts (unpacked_downloads makes the files): a third of its bytes, for the
    store to keep."""
    xlsx = _packed_xlsx if packed else _xlsx
    base = download_dir(view.project)
    name = view.project.name.value
    indicator_rows = _indicator_rows(view.project)
    files = {
        f"{base}/indicators.csv": _csv(indicator_rows),
        f"{base}/indicators.xlsx": xlsx(f"{name}绩效目标表（{view.project.year}年）", "绩效目标表",
                                        indicator_rows, merge_columns=(1, 2), store=store),
        f"{base}/project.json": json_bytes if json_bytes is not None else _project_json(view),
    }
    if view.project.budget_items:
        budget_rows = _budget_rows(view)
        files[f"{base}/budget_items.csv"] = _csv(budget_rows)
        files[f"{base}/budget_items.xlsx"] = xlsx(f"{name}资金测算明细表（{view.project.year}年）", "资金测算明细表",
                                                  budget_rows, numeric_columns=(3, 5, 6, 7), store=store)
    return files


def unpacked_downloads(packed, *, store=None) -> dict[str, bytes] | None:
    """The files of project_downloads(..., packed=True); None when ``packed`` is not such a dict
    (a cached copy of another shape is made again, never used)."""
    if type(packed) is not dict:
        return None
    files = {}
    for path, content in packed.items():
        if type(path) is not str:
            return None
        if type(content) is not bytes:
            content = _unpacked_xlsx(content, store)
            if content is None:
                return None
        files[path] = content
    return files


DATA_PACKAGE_DIR = "data"


_PACKAGE_HEADER = ["fiscal_year", "unit_id", "unit_name", "project_id", "project_name", "item_number", "item_name",
                   "parent_item", "amount"]


def _package_csv(rows: list[list[str]]) -> bytes:
    return _quoted_csv(rows, "\n").encode("utf-8")


def package_rows(view: ProjectView) -> bytes:
    """One project's lines of the data package's budget_items.csv. Made once per project and
    unit version and kept in the build state, so the package is joined, not recomputed."""
    return _package_csv([[str(view.project.year), view.unit.id, view.unit.name.value, view.project.id,
                          view.project.name.value, row.number, item.name, item.parent or "", _plain(item.amount)]
                         for row, item in _items_in_page_order(view)])


PACKAGE_TABLE = f"{DATA_PACKAGE_DIR}/budget_items.csv"
PACKAGE_DESCRIPTOR = f"{DATA_PACKAGE_DIR}/datapackage.json"


def package_table(project_rows: list[bytes]) -> bytes:
    """All line items of all projects, the Fiscal Data Package's table (measures in CNY, phase
    proposed; package_descriptor): its header, then package_rows() of every project, in page order."""
    return b"".join([_package_csv([_PACKAGE_HEADER]), *project_rows])


def package_table_key(row_digests: list[bytes]) -> str:
    """The key of package_table(rows), from the digests of its projects' rows in order (each a
    SHA-256: state.row_digest): the same key means the same bytes, and it is made without the rows
    themselves (13 MB at 10,000 projects, which a narrative edit then never reads)."""
    return hashlib.sha256(_package_csv([_PACKAGE_HEADER]) + b"".join(row_digests)).hexdigest()


def package_descriptor(years: list[int], title: str, publisher: str, version: str) -> bytes:
    """The package's datapackage.json."""
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
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
