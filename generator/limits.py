"""Documented limits on what budget_data/ may hold, and the one identifier pattern.

Every limit is checked before the expensive stages (schema, checks, rendering,
XLSX), so an oversized or hostile input fails fast with a located error instead of
exhausting memory later or being silently cut. budget_data/README.md lists them;
tests/test_hostile.py checks that the page and these numbers agree.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

# One data file (YAML, CSV or README.md), in bytes.
MAX_FILE_BYTES = 5 * 1024 * 1024
# Data rows in one CSV table (budget_items.csv, indicators.csv), header and comment rows not counted.
MAX_TABLE_ROWS = 5_000
# Characters in one CSV cell or one YAML value. Below Excel's 32,767 characters per cell,
# so no XLSX download is ever cut short.
MAX_VALUE_CHARS = 20_000
# Characters in one top-level field of a YAML file, all its items together (e.g. all of overview).
MAX_FIELD_CHARS = 100_000
# A file handed to `import`, in bytes, and what a Word or Excel file (a ZIP package) may
# unpack to: a real 绩效目标表 or 申报书 is tens of KB; a ZIP bomb is refused before reading.
MAX_IMPORT_FILE_BYTES = 50 * 1024 * 1024
MAX_IMPORT_UNPACKED_BYTES = 100 * 1024 * 1024
# Identifiers: unit file names, project folder names, 支出功能分类科目 codes.
MAX_IDENTIFIER_CHARS = 64
# Any amount, unit price or quantity must be below this (one 万亿元, 10^12).
AMOUNT_LIMIT = Decimal(10) ** 12

# The one pattern for anything that becomes part of a path or a link: lower-case ASCII
# letters and digits in groups joined by single hyphens, at most MAX_IDENTIFIER_CHARS long.
IDENTIFIER = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def identifier_problem(name: str) -> str | None:
    """Why ``name`` cannot be an identifier, in Chinese; None when it can."""
    if len(name) > MAX_IDENTIFIER_CHARS:
        return f"最长 {MAX_IDENTIFIER_CHARS} 个字符，现在有 {len(name)} 个"
    if not IDENTIFIER.match(name):
        return "只能用小写英文字母、数字和连字符（-），不能以连字符开头或结尾"
    return None


# Control characters that may stand in data: tab and line breaks. Everything else in
# Unicode category Cc, the line/paragraph separators and the bidirectional overrides
# (which can make "1000" display as "0001") is refused.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")
# Lone surrogates (a YAML "\\ud800" escape) and the noncharacters U+FFFE/U+FFFF cannot be
# written as UTF-8 at all, so they are refused here too.
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                      r"\ud800-\udfff\ufffe\uffff]")


def first_control(text: str) -> int | None:
    """Index of the first forbidden control character in ``text``, or None."""
    match = _SUSPECT.search(text)
    return None if match is None else match.start()


def describe_control(char: str) -> str:
    name = unicodedata.name(char, "")
    if "\ud800" <= char <= "\udfff" or char in "\ufffe\uffff":
        kind = "不是有效字符"
    elif char in _BIDI:
        kind = "文字方向控制符" if char not in "\u2028\u2029" else "Unicode 换行符"
    else:
        kind = "控制字符"
    return f"U+{ord(char):04X}{'（' + name + '）' if name else ''}，{kind}"
