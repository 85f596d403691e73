"""CSV to located rows.

A small RFC 4180 reader of our own, because the csv module cannot say on which
line and column a cell starts, and authors need exactly that to find a bad cell in
Excel. It reads the dialect Excel writes: comma separated, double-quote quoting
with "" as an escaped quote, CRLF or LF line ends, and newlines inside quotes.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from . import rules
from .diagnostics import Diagnostic, Location
from .limits import MAX_TABLE_ROWS


class Cell(NamedTuple):
    """(text, line, column): a tuple, as Location is. A first build splits a million cells, and a
    frozen dataclass set each field through object.__setattr__, twice the cost of the tuple."""

    text: str
    line: int
    column: int


class Record(NamedTuple):
    """(line, cells): a row of the file, from the line it starts on."""

    line: int
    cells: tuple[Cell, ...]

    @property
    def is_blank(self) -> bool:
        return all(not cell.text.strip() for cell in self.cells)

    @property
    def is_comment(self) -> bool:
        # Lets data files explain themselves; Excel keeps such a row as "# ...,,,,".
        return bool(self.cells) and self.cells[0].text.lstrip().startswith("#")


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[Cell, ...]
    rows: tuple[Record, ...]


class CsvSyntaxError(Exception):
    def __init__(self, detail: str, line: int, column: int):
        super().__init__(detail)
        self.detail, self.line, self.column = detail, line, column


class CsvTooManyRows(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


# Short cells (一级/二级 indicator names, units, 指标性质, headers) repeat across thousands of
# projects and live as long as the models: one shared string each.
_SHARED_CELL_CHARS = 24
# Where an unquoted cell ends; one regex search instead of a Python loop per character.
_CELL_END = re.compile(r"[,\r\n]")


def split_records(text: str, max_records: int | None = None) -> list[Record]:
    """Split into records, each cell tagged with the 1-based line and column it starts at.

    Stops with CsvTooManyRows at the first record beyond ``max_records``, so a
    million-row file costs no more than the limit.
    """
    records: list[Record] = []
    cells: list[Cell] = []
    i, n = 0, len(text)
    line, line_start = 1, 0
    record_line = 1
    while i <= n:
        if not cells:
            # A record on one line with no quote and no lone CR (nearly every record Excel writes):
            # split at once. Cells, lines and columns are exactly what the loop below would give.
            newline = text.find("\n", i)
            end = n if newline == -1 else newline
            if end > i and text[end - 1] == "\r" and newline != -1:
                end -= 1
            segment = text[i:end]
            if '"' not in segment and "\r" not in segment:
                if max_records is not None and len(records) >= max_records:
                    raise CsvTooManyRows(record_line)
                column = 1
                row = []
                for value in segment.split(","):
                    row.append(Cell(sys.intern(value) if len(value) <= _SHARED_CELL_CHARS else value,
                                    line, column))
                    column += len(value) + 1
                records.append(Record(record_line, tuple(row)))
                if newline == -1:
                    break
                i = newline + 1
                line += 1
                line_start = i
                record_line = line
                if i == n:
                    break
                continue
        cell_line, cell_column = line, i - line_start + 1
        if i < n and text[i] == '"':
            i += 1
            parts: list[str] = []
            while True:
                close = text.find('"', i)
                if close == -1:
                    raise CsvSyntaxError("引号没有闭合", cell_line, cell_column)
                chunk = text[i:close]
                newlines = chunk.count("\n")
                if newlines:
                    line += newlines
                    line_start = i + chunk.rfind("\n") + 1
                parts.append(chunk)
                if close + 1 < n and text[close + 1] == '"':
                    parts.append('"')
                    i = close + 2
                    continue
                i = close + 1
                break
            # Text after a closing quote and before the separator: kept, like the csv module.
            found = _CELL_END.search(text, i)
            end = found.start() if found else n
            if end > i:
                if text[i:end].strip():
                    raise CsvSyntaxError("引号结束后、逗号之前还有文字", line, i - line_start + 1)
            value = "".join(parts).replace("\r\n", "\n")
            i = end
        else:
            found = _CELL_END.search(text, i)
            end = found.start() if found else n
            value = text[i:end]
            i = end
        if len(value) <= _SHARED_CELL_CHARS:
            value = sys.intern(value)
        cells.append(Cell(value, cell_line, cell_column))
        if i < n and text[i] == ",":
            i += 1
            continue
        # End of record: newline or end of text.
        if max_records is not None and len(records) >= max_records:
            raise CsvTooManyRows(record_line)
        records.append(Record(record_line, tuple(cells)))
        cells = []
        if i >= n:
            break
        if text[i] == "\r":
            i += 1
            if i < n and text[i] == "\n":
                i += 1
        else:
            i += 1
        line += 1
        line_start = i
        record_line = line
        if i == n:
            break
    return records


@functools.lru_cache(maxsize=4096)  # the same few dozen titles head 20,000 files
def normalize_header(name: str) -> str:
    """Header names compare after NFKC (full-width brackets) and without spaces."""
    return unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "").strip()


def parse_csv(text: str, path: str) -> tuple[Table | None, list[Diagnostic]]:
    if not text.strip():
        return None, [rules.make("F103", Location(path))]
    # Header, blank and comment rows are not data rows; allow a generous margin for them
    # while reading, then count the data rows exactly.
    try:
        records = split_records(text, max_records=2 * MAX_TABLE_ROWS + 100)
    except CsvSyntaxError as error:
        return None, [rules.make("F108", Location(path, error.line, error.column), detail=error.detail)]
    except CsvTooManyRows as error:
        return None, [rules.make("F115", Location(path, error.line, 1), limit=MAX_TABLE_ROWS)]
    records = [r for r in records if not r.is_blank and not r.is_comment]
    if len(records) > MAX_TABLE_ROWS + 1:
        return None, [rules.make("F115", Location(path, records[MAX_TABLE_ROWS + 1].line, 1), limit=MAX_TABLE_ROWS)]
    if not records:
        return None, [rules.make("F103", Location(path))]
    header, *body = records
    diagnostics: list[Diagnostic] = []
    header_cells = list(header.cells)
    while header_cells and not header_cells[-1].text.strip():
        header_cells.pop()  # Excel sometimes writes trailing empty header cells
    if len(header_cells) == 1 and any(sep in header_cells[0].text for sep in ("\t", ";", "；")):
        return None, [rules.make(
            "F108", Location(path, header.line, 1),
            detail="表头只有一列，分隔符似乎不是英文逗号",
            hint="在 Excel 中选择“CSV UTF-8（逗号分隔）”重新保存。")]
    width = len(header_cells)
    rows: list[Record] = []
    for record in body:
        cells = record.cells
        if len(cells) > width and all(not c.text.strip() for c in cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            first_extra = cells[min(len(cells), width) - 1] if len(cells) < width else cells[width]
            diagnostics.append(rules.make(
                "F109", Location(path, record.line, first_extra.column),
                line=record.line, count=len(cells), expected=width))
            continue
        rows.append(Record(record.line, cells))
    return Table(tuple(header_cells), tuple(rows)), diagnostics
