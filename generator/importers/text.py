"""Plain text of a converted 申报书 (one paragraph a line) and our own CSV downloads."""

from __future__ import annotations

from ..csvsource import CsvSyntaxError, split_records
from ..diagnostics import Diagnostic, Location
from ..exports import csv_cell_original
from ..sources import decode
from . import Document, LocatedTable, Paragraph, XCell
from .. import rules


def read_text(data: bytes, path: str) -> tuple[Document | None, list[Diagnostic]]:
    decoded = decode(data, path, allow_legacy_chinese=True)
    if decoded.text is None:
        return None, list(decoded.diagnostics)
    document = Document(path, "txt")
    for number, line in enumerate(decoded.text.splitlines(), start=1):
        if line.strip():
            document.blocks.append(Paragraph(line.strip(), Location(path, number)))
    return document, list(decoded.diagnostics)


def read_csv(data: bytes, path: str) -> tuple[Document | None, list[Diagnostic]]:
    decoded = decode(data, path, allow_legacy_chinese=True)
    if decoded.text is None:
        return None, list(decoded.diagnostics)
    try:
        records = split_records(decoded.text)
    except CsvSyntaxError as error:
        return None, [rules.make("F108", Location(path, error.line, error.column), detail=error.detail)]
    # The site's CSV downloads guard formula-like cells with one leading apostrophe (exports.csv_cell).
    rows = tuple(tuple(XCell(csv_cell_original(cell.text), Location(path, cell.line, cell.column))
                       for cell in record.cells)
                 for record in records if not record.is_comment)
    width = max((len(row) for row in rows), default=0)
    rows = tuple(row + tuple(XCell("", Location(path, row[0].location.line if row else 1, c))
                             for c in range(len(row) + 1, width + 1)) for row in rows)
    return Document(path, "csv", [LocatedTable(path, rows, Location(path, 1, 1))]), list(decoded.diagnostics)
