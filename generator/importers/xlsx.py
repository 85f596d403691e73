"""XLSX workbooks read straight from their XML.

openpyxl hands numbers back as Python floats, and a float cannot say whether the
author typed 0.3 or a formula produced 0.30000000000000004. The XML keeps the exact
text Excel stored (``<v>650000</v>``), so that is what we read: shared strings, inline
strings, numbers as stored text, formulas with their cached results, merged ranges.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

from .. import rules
from ..diagnostics import Diagnostic, Location
from . import Document, LocatedTable, XCell

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_M = "{%s}" % _NS["m"]
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an encrypted .xlsx
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_ADDRESS = re.compile(r"([A-Z]+)(\d+)\Z")
_PERCENT_BUILTIN = {9, 10}
# Defuse entity expansion: workbooks come from outside; a DOCTYPE has no business in one.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


class _Broken(Exception):
    pass


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def _split(address: str) -> tuple[int, int]:
    match = _ADDRESS.match(address.replace("$", ""))
    if not match:
        raise _Broken(f"单元格地址“{address}”无法识别")
    return int(match.group(2)), _column_index(match.group(1))


def _xml(book: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        data = book.read(name)
    except KeyError:
        return None
    if _DOCTYPE.search(data[:2000]):
        raise _Broken(f"{name} 含有 DOCTYPE 声明")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise _Broken(f"{name} 不是有效的 XML（{error}）") from None


def _text_of(element: ElementTree.Element) -> str:
    # Plain <t>, or rich text as <r><t> runs; <rPh> (phonetic guides) is not content.
    parts = []
    for child in element:
        if child.tag == f"{_M}t":
            parts.append(child.text or "")
        elif child.tag == f"{_M}r":
            run = child.find(f"{_M}t")
            parts.append("" if run is None else run.text or "")
    return "".join(parts)


def _shared_strings(book: zipfile.ZipFile, target: str | None) -> list[str]:
    root = _xml(book, target) if target else None
    if root is None:
        return []
    return [_text_of(si) for si in root.findall(f"{_M}si")]


_DATE_BUILTIN = set(range(14, 23)) | {45, 46, 47}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _number_styles(book: zipfile.ZipFile, target: str | None) -> tuple[set[int], set[int]]:
    """Indexes of cell formats that show a number as a percentage (0.95 -> 95%) or as a date."""
    root = _xml(book, target) if target else None
    if root is None:
        return set(), set()
    custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "")
              for f in root.iterfind(f"{_M}numFmts/{_M}numFmt")}
    percent, dates = set(), set()
    for index, xf in enumerate(root.iterfind(f"{_M}cellXfs/{_M}xf")):
        fmt = int(xf.get("numFmtId", "0"))
        code = _QUOTED.sub("", custom.get(fmt, ""))  # literal text and colours are not format letters
        if fmt in _PERCENT_BUILTIN or "%" in code:
            percent.add(index)
        elif fmt in _DATE_BUILTIN or (code and re.search(r"[ymdhs]", code, re.IGNORECASE)
                                      and not re.fullmatch(r"[#0.,;\s]*", code)):
            dates.add(index)
    return percent, dates


def _shown_date(stored: str, base_1904: bool) -> str:
    """A date serial as the ISO date it shows (time of day, if any, is dropped)."""
    from datetime import date, timedelta

    try:
        days = int(Decimal(stored))
    except (InvalidOperation, ValueError):
        return stored
    origin = date(1904, 1, 1) if base_1904 else date(1899, 12, 30)  # 1900 system, past Excel's 1900-02-29
    try:
        return (origin + timedelta(days=days)).isoformat()
    except OverflowError:
        return stored


def _shown_number(stored: str, percent: bool) -> str:
    try:
        value = Decimal(stored)
    except InvalidOperation:
        return stored
    if percent:
        return format((value * 100).normalize(), "f") + "%"
    if "E" in stored.upper():
        return format(value.normalize(), "f")
    return stored


def _relationships(book: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    folder, name = posixpath.split(part)
    root = _xml(book, posixpath.join(folder, "_rels", name + ".rels"))
    out = {}
    if root is None:
        return out
    for rel in root.findall("rel:Relationship", _NS):
        target = rel.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], full)
    return out


def _sheet_table(book, target, name, path, shown_sheet, strings, styles) -> LocatedTable:
    percent, dates, base_1904 = styles
    root = _xml(book, target)
    if root is None:
        raise _Broken(f"工作表“{name}”的内容缺失")

    def location(row: int, column: int) -> Location:
        return Location(path, sheet=shown_sheet, cell=f"{column_letter(column)}{row}")

    cells: dict[tuple[int, int], XCell] = {}
    for c in root.iterfind(f"{_M}sheetData/{_M}row/{_M}c"):
        address = c.get("r")
        if address is None:
            raise _Broken("单元格缺少地址（r 属性）")
        row, column = _split(address)
        kind = c.get("t", "n")
        f = c.find(f"{_M}f")
        v = c.find(f"{_M}v")
        formula = None if f is None else (f.text or "（共享公式）")
        raw = None if v is None else (v.text or "")
        stored = None
        if kind == "s":
            text = strings[int(raw)] if raw not in (None, "") and int(raw) < len(strings) else ""
        elif kind == "inlineStr":
            inline = c.find(f"{_M}is")
            text = _text_of(inline) if inline is not None else ""
        elif kind in ("str", "e"):
            text = raw or ""
        elif kind == "b":
            text = {"1": "TRUE", "0": "FALSE"}.get(raw or "", raw or "")
        else:
            stored = raw if raw not in (None, "") else None
            style = int(c.get("s", "0"))
            text = "" if stored is None else _shown_date(stored, base_1904) if style in dates \
                else _shown_number(stored, style in percent)
        has_value = not (formula is not None and raw in (None, ""))
        if not text and formula is None:
            continue  # a styled empty cell: Excel writes thousands of them; they hold nothing
        cells[(row, column)] = XCell(text, location(row, column), stored=stored, formula=formula,
                                     has_value=has_value)
    # Merged ranges: every cell of the range shows the top-left value, as the eye reads it.
    for merged in root.iterfind(f"{_M}mergeCells/{_M}mergeCell"):
        ref = merged.get("ref", "")
        if ":" not in ref:
            continue
        (top, left), (bottom, right) = (_split(part) for part in ref.split(":"))
        first = cells.get((top, left))
        if first is None:
            continue  # an empty merged range (e.g. a whole formatted block) adds nothing to read
        span = right - left + 1
        for r in range(top, bottom + 1):
            for col in range(left, right + 1):
                cells[(r, col)] = XCell(first.text, location(r, col), first.stored, first.formula, first.has_value,
                                        origin=first.location, span=span)
    if not cells:
        return LocatedTable(name, (), location(1, 1))
    height = max(r for r, _ in cells)
    width = max(c for _, c in cells)
    rows = tuple(tuple(cells.get((r, col), XCell("", location(r, col))) for col in range(1, width + 1))
                 for r in range(1, height + 1))
    return LocatedTable(name, rows, location(1, 1))


def read_xlsx(data: bytes, path: str) -> tuple[Document | None, list[Diagnostic]]:
    where = Location(path)
    if data.startswith(_CFB_MAGIC):
        if _ENCRYPTION_STREAM in data:
            return None, [rules.make("M004", where)]
        return None, [rules.make("M003", where, detail="这是旧版 Excel（.xls）或其他 Office 文件，只是扩展名改成了 .xlsx")]
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None, [rules.make("M003", where, detail="文件不是 ZIP 格式的工作簿，可能是改了扩展名的其他文件")]
    try:
        with book:
            rels = _relationships(book, "xl/workbook.xml")
            workbook = _xml(book, "xl/workbook.xml")
            if workbook is None:
                raise _Broken("缺少 xl/workbook.xml，这不是 Excel 工作簿（可能是改了扩展名的 Word 文档等）")
            by_type = {kind: target for kind, target in rels.values()}
            strings = _shared_strings(book, by_type.get("sharedStrings"))
            percent, dates = _number_styles(book, by_type.get("styles"))
            properties = workbook.find(f"{_M}workbookPr")
            base_1904 = properties is not None and properties.get("date1904", "0") in ("1", "true")
            sheets = workbook.findall(f"{_M}sheets/{_M}sheet")
            document = Document(path, "xlsx")
            for sheet in sheets:
                name = sheet.get("name", "")
                rel_id = sheet.get(f"{{{_NS['r']}}}id", "")
                kind, target = rels.get(rel_id, ("", ""))
                if kind != "worksheet":
                    continue  # chart sheets and dialog sheets carry no table
                shown_sheet = name if len(sheets) > 1 else None
                document.blocks.append(_sheet_table(book, target, name, path, shown_sheet, strings,
                                                    (percent, dates, base_1904)))
            return document, []
    except (_Broken, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        return None, [rules.make("M003", where, detail=str(error) or type(error).__name__)]
