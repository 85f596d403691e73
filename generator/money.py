"""Exact money arithmetic and its Chinese presentation.

Every amount in the pipeline is a :class:`decimal.Decimal` or an exact Python ``int`` of 分
when aggregated; no value here ever passes through ``float`` or a fixed-width integer.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import NamedTuple

from . import limits

CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)

# Notes a parse can attach; the schema layer turns them into diagnostics.
NOTE_FULLWIDTH = "fullwidth"
NOTE_THOUSANDS = "thousands"
NOTE_YUAN_SUFFIX = "yuan-suffix"

ERR_EMPTY = "empty"
ERR_WAN = "wan"
ERR_NEGATIVE = "negative"
ERR_SCIENTIFIC = "scientific"
ERR_PRECISION = "precision"
ERR_SYNTAX = "syntax"
ERR_COMPAT = "compatibility-character"
ERR_TOO_LARGE = "too-large"

# Documented upper bound on any amount, unit price or quantity (budget_data/README.md).
AMOUNT_LIMIT = limits.AMOUNT_LIMIT
# Decimal places any number may have (quantities have no 分 rule, but products must stay exact).
MAX_ANY_PLACES = 6

# [0-9], not \d: \d also matches Arabic-Indic and other digits, which Decimal() would accept.
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\Z")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+\Z")


class ParsedNumber(NamedTuple):
    """Outcome of reading one numeric cell: a value, or an error kind, plus notes.

    A tuple, as a Location is: a first build reads a million numbers."""

    value: Decimal | None
    error: str | None = None
    notes: tuple[str, ...] = ()


# The only characters read as something else: full-width digits and the full-width forms of
# the separators and signs a number can hold. NFKC would also turn "²" into "2" and "½" into
# "1/2"; such characters are errors instead (ERR_COMPAT).
_FULLWIDTH_NUMBER = {0xFF10 + i: str(i) for i in range(10)} | {
    0xFF0C: ",", 0xFF0E: ".", 0xFF0B: "+", 0xFF0D: "-", 0xFF08: "(", 0xFF09: ")", 0xFF45: "e", 0xFF25: "E",
    0x3000: " ",
}
_ASCII_NUMBER = re.compile(r"[0-9.,+\-()eE ]*\Z")


def parse_decimal(text: str, *, max_places: int | None = 2, allow_yuan_suffix: bool = True) -> ParsedNumber:
    """Read a non-negative decimal the way an Excel user writes it.

    Accepted with a note (the intent is unambiguous): full-width digits, thousands
    separators ("660,000"), a trailing 元. Rejected: 万 (changes the magnitude),
    negatives, scientific notation (Excel's display form loses digits), more
    decimal places than ``max_places``, superscripts, fractions and other
    compatibility characters, values of AMOUNT_LIMIT or more, and anything else.
    """
    whole, point, places = text.partition(".")
    if whole.isdigit() and whole.isascii() and (not point or (places.isdigit() and places.isascii())):
        # Plain digits with at most one point and nothing to strip or note, as nearly every
        # cell is: the steps below would give exactly this (tests/test_equivalence.py).
        value = Decimal(text)
        if value < AMOUNT_LIMIT and len(places.rstrip("0")) <= (MAX_ANY_PLACES if max_places is None else max_places):
            return ParsedNumber(value)
    return _parse_decimal_steps(text, max_places=max_places, allow_yuan_suffix=allow_yuan_suffix)


def _parse_decimal_steps(text: str, *, max_places: int | None, allow_yuan_suffix: bool) -> ParsedNumber:
    notes: list[str] = []
    stripped = text.strip()
    if not stripped:
        return ParsedNumber(None, ERR_EMPTY)
    normalized = stripped.translate(_FULLWIDTH_NUMBER).replace(" ", "")
    if normalized != stripped.replace(" ", ""):
        notes.append(NOTE_FULLWIDTH)
    if normalized.endswith("万元") or normalized.endswith("万"):
        return ParsedNumber(None, ERR_WAN, tuple(notes))
    if normalized.endswith("元"):
        if not allow_yuan_suffix:
            return ParsedNumber(None, ERR_SYNTAX, tuple(notes))
        normalized = normalized[:-1]
        notes.append(NOTE_YUAN_SUFFIX)
    if not _ASCII_NUMBER.match(normalized):
        odd = any(unicodedata.normalize("NFKC", c) != c or unicodedata.category(c) == "No" for c in normalized)
        return ParsedNumber(None, ERR_COMPAT if odd else ERR_SYNTAX, tuple(notes))
    if normalized.startswith("-") or (normalized.startswith("(") and normalized.endswith(")")):
        return ParsedNumber(None, ERR_NEGATIVE, tuple(notes))
    if normalized.startswith("+"):
        normalized = normalized[1:]
    if _SCIENTIFIC.match(normalized):
        return ParsedNumber(None, ERR_SCIENTIFIC, tuple(notes))
    if _GROUPED.match(normalized):
        normalized = normalized.replace(",", "")
        notes.append(NOTE_THOUSANDS)
    if not _PLAIN.match(normalized):
        return ParsedNumber(None, ERR_SYNTAX, tuple(notes))
    value = Decimal(normalized)
    if value >= AMOUNT_LIMIT:
        return ParsedNumber(None, ERR_TOO_LARGE, tuple(notes))
    if max_places is not None and "." in normalized and len(normalized.split(".")[1].rstrip("0")) > max_places:
        return ParsedNumber(None, ERR_PRECISION, tuple(notes))
    if max_places is None and "." in normalized and len(normalized.split(".")[1].rstrip("0")) > MAX_ANY_PLACES:
        return ParsedNumber(None, ERR_PRECISION, tuple(notes))
    return ParsedNumber(value, None, tuple(notes))


def to_fen(amount: Decimal) -> int:
    """Exact integer 分 for aggregation; callers guarantee at most two places."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"amount {amount} has sub-分 precision")
    return int(fen)


def multiply(a: Decimal, b: Decimal) -> Decimal:
    """Exact product: enough digits for both operands, whatever the default context says."""
    with localcontext() as context:
        context.prec = max(28, len(a.as_tuple().digits) + len(b.as_tuple().digits) + 2)
        return a * b


def from_fen(fen: int) -> Decimal:
    # scaleb is exact at any size; dividing would round beyond the context's 28 digits.
    return Decimal(fen).scaleb(-2)


def format_yuan(amount: Decimal) -> str:
    """660000 -> '660,000.00'."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_wan(amount: Decimal) -> str:
    """Amount in 万元 with two decimals, rounded half up: 660000 -> '66.00'."""
    return f"{(amount / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def format_share(part: Decimal, whole: Decimal) -> str:
    """Percentage with two decimals, or an em dash when the whole is zero."""
    if whole == 0:
        return "—"
    return f"{(part * 100 / whole).quantize(CENT, rounding=ROUND_HALF_UP)}%"


def format_quantity(quantity: Decimal) -> str:
    """Quantities print as written, without trailing zeros: 200 -> '200', 1.50 -> '1.5'."""
    text = format(quantity.normalize(), "f")
    return text


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_YI = 10**8
# The largest amount written in capitals: 9,999亿亿 (just under 10^20 元) is 玖仟玖佰玖拾玖亿亿.
# Above it the 亿亿 scale runs out of customary unit names; larger amounts are refused.
CAPITALS_LIMIT = Decimal(10**20)


def _four_digits(n: int) -> str:
    """Write 0 < n < 10000 in capitals, with one 零 for each run of inner zeros."""
    out: list[str] = []
    zero_pending = False
    for position in range(3, -1, -1):
        digit = (n // 10**position) % 10
        if digit == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(out)


def _below_yi(n: int) -> str:
    """0 < n < 1亿: up to two four-digit sections joined by 万."""
    high, low = divmod(n, 10000)
    if not high:
        return _four_digits(low)
    out = _four_digits(high) + "万"
    if low:
        # A section below 1000 after 万 hides a zero: 100700 -> 壹拾万零柒佰.
        out += ("零" if low < 1000 else "") + _four_digits(low)
    return out


def _integer_capitals(n: int) -> str:
    """Whole 元 in capitals. Above 亿 the count of 亿 is itself written with 万 and 亿
    (1.5万亿 = 15000亿 -> 壹万伍仟亿, 10^16 -> 壹亿亿), never 万亿 followed by 仟亿."""
    if n == 0:
        return "零"
    if n < _YI:
        return _below_yi(n)
    high, low = divmod(n, _YI)
    out = _integer_capitals(high) + "亿"
    if low:
        out += ("零" if low < _YI // 10 else "") + _below_yi(low)
    return out


def rmb_capitals(amount: Decimal) -> str:
    """人民币大写 following 《会计基础工作规范》第五十二条.

    - 到元或角为止的金额后写"整"；有分的不写"整"。
    - 数字中间有 0 写"零"，连续多个 0 只写一个"零"。
    - 元位为 0 而角位不为 0 时写"零"（规范允许写或不写，这里取写的形式，与规范示例
      "壹仟陆佰捌拾元零叁角贰分"一致）；角位为 0 而分位不为 0 时必须写"零"。
    """
    if amount < 0:
        raise ValueError("negative amounts have no 大写 form here")
    if amount >= CAPITALS_LIMIT:
        raise ValueError("amount too large for 人民币大写 (limit: below 10^20 元)")
    fen_total = to_fen(amount.quantize(CENT, rounding=ROUND_HALF_UP))
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    out = ["人民币"]
    if yuan:
        out.append(_integer_capitals(yuan) + "元")
    if jiao == 0 and fen == 0:
        if not yuan:
            out.append("零元")
        out.append("整")
        return "".join(out)
    if jiao == 0:
        if yuan:
            out.append("零")
        out.append(_DIGITS[fen] + "分")
        return "".join(out)
    if yuan and yuan % 10 == 0:
        out.append("零")
    out.append(_DIGITS[jiao] + "角")
    out.append(_DIGITS[fen] + "分" if fen else "整")
    return "".join(out)
