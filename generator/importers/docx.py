"""Word 申报书 (.docx) as paragraphs and tables, in document order.

python-docx opens the package; the table grid is read from the XML ourselves because
merged cells (w:gridSpan across, w:vMerge down) must come out filled: each cell of a
merged range shows the range's text, located at the range's first cell.
"""

from __future__ import annotations

import io
import zipfile

from .. import rules
from ..diagnostics import Diagnostic, Location
from . import Document, LocatedTable, Paragraph, XCell

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _paragraph_text(p) -> str:
    # w:t runs plus tabs and breaks; field codes (w:instrText) are not shown text.
    parts = []
    for node in p.iter():
        if node.tag == f"{_W}t":
            parts.append(node.text or "")
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _cell_text(tc) -> str:
    return "\n".join(_paragraph_text(p) for p in tc.iter(f"{_W}p")).strip()


def _table(tbl, number: int, path: str) -> LocatedTable:
    name = f"表 {number}"
    rows: list[list[XCell]] = []
    for r, tr in enumerate(tbl.findall(f"{_W}tr"), start=1):
        row: list[XCell] = []
        for tc in tr.findall(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            span, vmerge = 1, None
            if props is not None:
                grid = props.find(f"{_W}gridSpan")
                if grid is not None:
                    span = int(grid.get(f"{_W}val", "1"))
                merge = props.find(f"{_W}vMerge")
                if merge is not None:
                    vmerge = merge.get(f"{_W}val", "continue")
            column = len(row) + 1
            location = Location(path, cell=f"{name} 第 {r} 行第 {column} 列")
            if vmerge == "continue" and rows and len(rows[-1]) >= column:
                above = rows[-1][column - 1]
                first = XCell(above.text, location, origin=above.source, span=above.span)
            else:
                first = XCell(_cell_text(tc), location, span=span)
            row.append(first)
            for extra in range(1, span):
                where = Location(path, cell=f"{name} 第 {r} 行第 {column + extra} 列")
                row.append(XCell(first.text, where, origin=first.source, span=span))
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    grid = tuple(tuple(row + [XCell("", Location(path, cell=f"{name} 第 {r} 行第 {c} 列"))
                              for c in range(len(row) + 1, width + 1)])
                 for r, row in enumerate(rows, start=1))
    return LocatedTable(name, grid, Location(path, cell=f"{name} 第 1 行第 1 列"))


def read_docx(data: bytes, path: str) -> tuple[Document | None, list[Diagnostic]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    where = Location(path)
    if data.startswith(_CFB_MAGIC):
        return None, [rules.make("M005", where, detail="这是旧版 Word（.doc）文件或加密文件，只是扩展名是 .docx")]
    try:
        opened = docx.Document(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None, [rules.make("M005", where, detail="文件不是 ZIP 格式的文档，可能是改了扩展名的其他文件")]
    except (PackageNotFoundError, KeyError, ValueError):
        return None, [rules.make("M005", where, detail="文件中没有 Word 文档的正文，可能是改了扩展名的 Excel 等文件")]
    document = Document(path, "docx")
    paragraphs = tables = 0
    for block in opened.element.body.iterchildren():
        if block.tag == f"{_W}p":
            text = _paragraph_text(block)
            if not text.strip():
                continue
            paragraphs += 1  # counted as a reader counts them: non-empty paragraphs outside tables
            for line in text.split("\n"):
                if line.strip():
                    document.blocks.append(Paragraph(line.strip(), Location(path, cell=f"第 {paragraphs} 段")))
        elif block.tag == f"{_W}tbl":
            tables += 1
            document.blocks.append(_table(block, tables, path))
    return document, []
