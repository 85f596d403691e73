"""Import: turn the files a unit hands in (Excel, Word, converted text, our own downloads)
into a draft project folder.

Readers (one per file kind, registered in :data:`READERS`, like Pelican's readers) only
turn bytes into located paragraphs and tables; they never judge what the content means.
:mod:`.interpret` finds the sections, the tables and their columns; :mod:`.write` writes
the draft. Every value keeps the :class:`Location` it came from.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import limits, rules
from ..diagnostics import Diagnostic, Location


@dataclass(frozen=True)
class XCell:
    """One cell of a located table.

    ``text`` is what the reader shows; ``stored`` is the exact number text a workbook
    stored (``<v>650000</v>``), None for text cells and for documents. ``origin`` is the
    top-left cell of a merged range the cell belongs to (itself when not merged).
    """

    text: str
    location: Location
    stored: str | None = None
    formula: str | None = None  # formula text without "=", when the cell has one
    has_value: bool = True  # False for a formula without a cached result
    origin: Location | None = None
    span: int = 1  # columns the merged range spans (for the header check)

    @property
    def source(self) -> Location:
        return self.origin or self.location


@dataclass(frozen=True)
class LocatedTable:
    name: str  # sheet name or "表 2"
    rows: tuple[tuple[XCell, ...], ...]
    location: Location  # where the table starts, for "no header row" errors


@dataclass(frozen=True)
class Paragraph:
    text: str
    location: Location


@dataclass
class Document:
    path: str  # as shown in diagnostics
    kind: str  # "xlsx", "docx", "txt", "csv"
    blocks: list[Paragraph | LocatedTable] = field(default_factory=list)


Reader = Callable[[bytes, str], tuple[Document | None, list[Diagnostic]]]


def _registry() -> dict[str, tuple[str, Reader]]:
    from .docx import read_docx
    from .text import read_csv, read_text
    from .xlsx import read_xlsx

    return {".xlsx": ("xlsx", read_xlsx), ".xlsm": ("xlsx", read_xlsx), ".docx": ("docx", read_docx),
            ".txt": ("txt", read_text), ".csv": ("csv", read_csv)}


READERS = _registry()


def read_document(path: Path, shown: str) -> tuple[Document | None, list[Diagnostic]]:
    """Pick the reader by the file's extension; readers check the content really is that kind."""
    entry = READERS.get(path.suffix.lower())
    if entry is None:
        detail = f"“{path.name}”" + (f"（{path.suffix}）" if path.suffix else "（没有扩展名）")
        return None, [rules.make("M002", Location(shown), detail=detail)]
    try:
        size = path.stat().st_size
        if size > limits.MAX_IMPORT_FILE_BYTES:
            return None, [rules.make("M020", Location(shown), detail=f"{size:,} 字节，上限 "
                                     f"{limits.MAX_IMPORT_FILE_BYTES // 2**20} MB")]
        data = path.read_bytes()
    except OSError as error:
        return None, [rules.make("M001", Location(shown), detail=error.strerror or str(error))]
    unpacked = _unpacked_size(data)
    if unpacked > limits.MAX_IMPORT_UNPACKED_BYTES:
        return None, [rules.make("M020", Location(shown), detail=f"解压后 {unpacked:,} 字节，上限 "
                                 f"{limits.MAX_IMPORT_UNPACKED_BYTES // 2**20} MB")]
    return entry[1](data, shown)


def _unpacked_size(data: bytes) -> int:
    """What a ZIP package (xlsx, docx) declares it unpacks to; 0 for anything else.

    zipfile refuses to read more than a member's declared size, so the declared sizes bound
    what the readers can be made to hold in memory."""
    if not data.startswith(b"PK"):
        return 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return 0  # not a readable package: the reader reports that, located
