"""Reading printed 指标值: ``≥95%``, ``30天``, ``12万元``, ``95%以上``.

The printed value is always what gets published; this only says what can be read from
it, for checks and charts. Nothing here corrects a value.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from functools import lru_cache

from .model import ParsedValue

# Leading comparisons, longest first. NFKC has already turned ＞ into >, ＝ into =.
_LEADING = (
    (">=", "≥"), ("<=", "≤"), ("≥", "≥"), ("≤", "≤"), ("≧", "≥"), ("≦", "≤"), ("=", "="), (">", ">"), ("<", "<"),
    ("大于等于", "≥"), ("小于等于", "≤"), ("不低于", "≥"), ("不少于", "≥"), ("不小于", "≥"), ("至少", "≥"),
    ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"), ("不大于", "≤"), ("大于", ">"), ("小于", "<"),
    ("高于", ">"), ("低于", "<"), ("达到", "≥"),
)
# Trailing words that carry the comparison: 95%以上, 3天以内, 11月份以前.
_TRAILING = (("以上", "≥"), ("及以上", "≥"), ("以下", "≤"), ("及以下", "≤"), ("以内", "≤"), ("之内", "≤"),
             ("以前", "≤"), ("之前", "≤"), ("前", "≤"), ("以后", "≥"), ("之后", "≥"))
_NUMBER_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*([^\d\s]{0,8}?)")
# A note in brackets after the value: "100%（历史标准）".
_NOTE = re.compile(r"\s*[（(][^（()）]*[)）]\s*\Z")


def normalize(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


# Tried in this order: the longest trailing word first ("及以上" before "以上").
_TRAILING_LONGEST_FIRST = tuple(sorted(_TRAILING, key=lambda pair: -len(pair[0])))
_LEADING_WORDS = tuple(word for word, _ in _LEADING)
_TRAILING_WORDS = tuple(word for word, _ in _TRAILING)


# The same printed values ("100%", "≥95%", "12个月") recur across a portal's indicators, and a
# ParsedValue is immutable: each is read once per build.
@lru_cache(maxsize=4096)
def parse_value(printed: str) -> ParsedValue:
    text = _NOTE.sub("", normalize(printed)).replace(",", "")
    comparison = ""
    for word, symbol in _LEADING if text.startswith(_LEADING_WORDS) else ():
        if text.startswith(word):
            comparison, text = symbol, text[len(word):].strip()
            break
    for word, symbol in _TRAILING_LONGEST_FIRST if text.endswith(_TRAILING_WORDS) else ():
        if text.endswith(word) and len(text) > len(word):
            if not comparison:
                comparison = symbol
            text = text[: -len(word)].strip()
            break
    match = _NUMBER_UNIT.fullmatch(text)
    if not match:
        return ParsedValue(comparison, None, "", False)
    return ParsedValue(comparison, Decimal(match.group(1)), match.group(2).strip(), True)
