"""Reading bytes into text, with located diagnostics for encoding problems."""

from __future__ import annotations

from dataclasses import dataclass

from . import rules
from .diagnostics import Diagnostic, Location

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class DecodedText:
    text: str | None
    diagnostics: tuple[Diagnostic, ...]


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of byte ``offset``."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def decode(data: bytes, path: str, *, allow_legacy_chinese: bool) -> DecodedText:
    """Decode UTF-8 (with or without BOM); optionally fall back to GB18030 with a warning.

    GB18030 is a superset of GBK and GB2312, the encodings Chinese Excel writes
    for "CSV (逗号分隔)". YAML is edited in text editors, where a legacy encoding is
    a mistake to fix rather than a habit to accommodate.
    """
    if data.startswith(UTF16_BOMS):
        return DecodedText(None, (rules.make(
            "F101", Location(path, 1, 1),
            detail="文件是 UTF-16 编码（Excel 的“Unicode 文本”）",
            hint="在 Excel 中选择“CSV UTF-8（逗号分隔）”重新保存。"),))
    body = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    try:
        return DecodedText(body.decode("utf-8"), ())
    except UnicodeDecodeError as error:
        line, column = _position_of_byte(body, error.start)
        bad = body[error.start:error.start + 2].hex(" ")
    if allow_legacy_chinese:
        try:
            text = body.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            return DecodedText(text, (rules.make("F102", Location(path, 1, 1)),))
    encodings = "UTF-8 或 GB18030" if allow_legacy_chinese else "UTF-8"
    return DecodedText(None, (rules.make(
        "F101", Location(path, line, column),
        detail=f"第 {line} 行第 {column} 列的字节 {bad} 不是有效的 {encodings}"),))
