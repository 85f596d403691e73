"""Personal data: 身份证号, mobile numbers and bank cards never reach the public site.

Two scans, neither of which can be ignored or re-graded:

- every raw line of every data file, comments included, because they must work even
  when a file fails the schema, and a number in a comment is still in the published
  repository;
- every decoded value (YAML after its escapes such as ``\\u0031``, CSV cells after
  quoting, line breaks inside a cell joined), because that is what gets published.

Both read numbers the way a person would: full-width digits count as digits, and
spaces of any kind, dashes, dots, line breaks and zero-width characters between
digits are ignored, so ``5301 2119…``, ``139-1234-5678``, ``１３９１２３４５６７８`` and
``0086 139…`` are all found.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date

from .. import rules
from ..diagnostics import Diagnostic, Location
from .identifiers import credit_code_problem

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Issuer prefixes of cards used in China: UnionPay 62, Visa 4, Mastercard 51-55/22-27, Amex 34/37, JCB 35.
_CARD_PREFIX = re.compile(r"(62|4|5[1-5]|2[2-7]|3[47]|35)")

# Full-width digits, X and plus read as their ASCII forms.
_FULLWIDTH = {0xFF10 + i: str(i) for i in range(10)} | {0xFF38: "X", 0xFF58: "x", 0xFF0B: "+"}
# Invisible characters are dropped wherever they are.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
# Characters a number may be split with: every space, dash and dot, and line breaks.
_SEPARATOR_CHARS = (
    " \t\r\n\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # spaces
    "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d\u30fc"  # dashes
    ".\u00b7\u2024\u2027\u30fb\uff0e\uff65"  # dots (not 。: it ends a sentence)
)
_DIGIT_CHARS = "0-9\uff10-\uff19"
_TRANSLATE = {**_FULLWIDTH, **{ord(c): None for c in _INVISIBLE}}
# Cheap first look: eleven digits with anything disguising between them.
_MAYBE = re.compile(f"[{_DIGIT_CHARS}](?:[{_SEPARATOR_CHARS}{_INVISIBLE}]*[{_DIGIT_CHARS}]){{10}}")
_JOIN = re.compile(f"(?<=[0-9])[{_SEPARATOR_CHARS}]+(?=[0-9Xx])")
# The one dot of a figure with one or two decimals ("376.00") is a decimal point, not a
# separator: otherwise "376.00 370.00 1996.00" would read as a 16-digit card number. A dot
# among other dots ("6222.0212.3456.7890.12") still separates groups.
_DECIMAL = re.compile("(?<![0-9.\uff0e])([0-9]+)[.\uff0e]([0-9]{1,2})(?![0-9.\uff0e])")
_DECIMAL_POINT = "\ue000"  # private use: neither digit nor separator

# On joined text: whole numbers. A number followed or preceded by a decimal point
# (_DECIMAL_POINT, U+E000) is a figure with decimals ("13000000000.00"), not a phone or card.
_ID_JOINED = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{4})(\d{2})(\d{2})(\d{3})([\dXx])(?![0-9A-Za-z])", re.ASCII)
_MOBILE_JOINED = re.compile(r"(?<![0-9A-Za-z\ue000])(?:(?:\+|00)?86)?(1[3-9]\d{9})(?![0-9A-Za-z\ue000])", re.ASCII)
# Letters around it make a digit run part of a code (统一社会信用代码, a contract number), not a card.
_CARD_JOINED = re.compile(r"(?<![0-9A-Za-z\ue000])(\d{16,19})(?![0-9A-Za-z\ue000])", re.ASCII)
# On unjoined text: numbers written next to other numbers, in the usual groups.
_MOBILE = re.compile(r"(?<![0-9A-Za-z\ue000])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9A-Za-z\ue000])",
                     re.ASCII)
_CARD = re.compile(r"(?<![0-9A-Za-z\ue000])(\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z\ue000])", re.ASCII)


# A date written as one word ("1999-01-01", "2024.3.5", "19990101") and set apart from the next
# figure by a space or line break is a figure of its own: "1999-01-01 100" is not the mobile
# 19990101100. A date joined to more digits by the date's own kind of separator
# ("1915-01-01-000") is not set apart, and is still read as part of a number. ID numbers
# contain a birth date by design and are not affected.
_DATE = re.compile(r"(?<![0-9])(?:19|20)[0-9]{2}(?:([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])"
                   r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))(?![0-9])")
_APART = re.compile(f"[{_SEPARATOR_CHARS}]*\\s[{_SEPARATOR_CHARS}]*(?=[0-9])")
_APART_BEFORE = re.compile(f"(?<=[0-9])[{_SEPARATOR_CHARS}]*\\s[{_SEPARATOR_CHARS}]*\\Z")


def _date_boundaries(plain: str, where: list[int]) -> list[tuple[int, int]]:
    """(last index before, first index after) of each gap that sets a date apart, as original indexes."""
    gaps = []
    for match in _DATE.finditer(plain):
        if _APART.match(plain, match.end()):
            gaps.append((where[match.end() - 1], where[_APART.match(plain, match.end()).end()]))
        before = _APART_BEFORE.search(plain, 0, match.start())
        if before:
            gaps.append((where[before.start() - 1], where[match.start()]))
    return gaps


# A figure written as money ("13000000000元", "￥13000000000") is an amount, not a phone or card.
_MONEY_AFTER = re.compile(r"\s*(?:元|万元|亿元|万|亿)")
_MONEY_BEFORE = re.compile(r"(?:[¥￥]|RMB|CNY)\s*\Z")


def _money(source: str, match: re.Match) -> bool:
    return bool(_MONEY_AFTER.match(source, match.end())) or bool(_MONEY_BEFORE.search(source, 0, match.start()))


@dataclass(frozen=True)
class Finding:
    code: str  # P901 / P902 / P903
    masked: str
    offset: int  # index in the scanned text where the number starts


def mask(number: str) -> str:
    digits = re.sub(r"[^0-9Xx]", "", number)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _id_ok(digits: str) -> bool:
    try:
        born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date(2100, 1, 1):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == digits[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_ok(digits: str) -> bool:
    return 16 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn_ok(digits)


# What a unit's 统一社会信用代码 is written after: "统一社会信用代码：52140851…".
_CREDIT_LABEL = re.compile(r"(?:统一社会信用代码|社会信用代码|信用代码)\s*[:：]?\s*(?:为|是)?\s*\Z")


def _credit_code(text: str, digits: str, positions: list[int], match: re.Match) -> bool:
    """18 digits written as one word right after the words 统一社会信用代码 that are a valid code
    (GB 32100-2015 check character): a unit's public code, not a card. A 民政 code (社会团体
    51…, 民办非企业 52…) with an all-digit organisation code passes the Luhn check one time in
    ten. Without the label such a number is reported: a card number written alone is not let
    through because it happens to carry a code's check character too."""
    start = positions[match.start(1)]
    return len(digits) == 18 and positions[match.end(1) - 1] - start == 17 \
        and credit_code_problem(digits) is None and _CREDIT_LABEL.search(text, 0, start) is not None


def _normalise(text: str) -> tuple[str, list[int]]:
    """Full-width to ASCII, invisible characters dropped; with each character's original index."""
    out, where = [], []
    for index, char in enumerate(text):
        mapped = _TRANSLATE.get(ord(char), char)
        if mapped is None:
            continue
        out.append(mapped)
        where.append(index)
    return "".join(out), where


def _join(text: str, where: list[int]) -> tuple[str, list[int]]:
    """Separators between digits removed."""
    out, kept, last = [], [], 0
    for match in _JOIN.finditer(text):
        out.append(text[last:match.start()])
        kept.extend(where[last:match.start()])
        last = match.end()
    out.append(text[last:])
    kept.extend(where[last:])
    return "".join(out), kept


def find(text: str) -> list[Finding]:
    """Personal numbers in ``text``, however they are disguised; one finding per number."""
    if not _MAYBE.search(text):
        return []
    plain, where = _normalise(text)
    plain = _DECIMAL.sub(lambda m: m.group(1) + _DECIMAL_POINT + m.group(2), plain)  # same length
    joined, joined_where = _join(plain, where)
    gaps = _date_boundaries(plain, where)
    found: dict[str, Finding] = {}

    def spans_a_date(positions: list[int], match: re.Match) -> bool:
        # From the number itself (group 1), not a +86 in front of it.
        first, last = positions[match.start(1)], positions[match.end() - 1]
        return any(first <= before and after <= last for before, after in gaps)

    def add(code: str, number: str, offset: int) -> None:
        masked = mask(number)
        found.setdefault(masked, Finding(code, masked, offset))

    for source, positions in ((joined, joined_where), (plain, where)):
        taken: list[range] = []
        for match in _ID_JOINED.finditer(source):
            if _id_ok(match.group(0)):
                taken.append(range(match.start(), match.end()))
                add("P901", match.group(0), positions[match.start()])
        for pattern in (_CARD_JOINED, _CARD):
            for match in pattern.finditer(source):
                digits = re.sub(r"\D", "", match.group(1))
                if any(match.start() in r for r in taken) or not _card_ok(digits) or _money(source, match) \
                        or spans_a_date(positions, match) or _credit_code(text, digits, positions, match):
                    continue
                taken.append(range(match.start(), match.end()))
                add("P903", digits, positions[match.start()])
        for pattern in (_MOBILE_JOINED, _MOBILE):
            for match in pattern.finditer(source):
                if any(match.start() in r for r in taken) or _money(source, match) or spans_a_date(positions, match):
                    continue
                add("P902", "".join(match.groups()), positions[match.start()])
    return sorted(found.values(), key=lambda f: f.offset)


def _diagnostic(finding: Finding, location: Location) -> Diagnostic:
    # Spelled out so the rule registry's tests can see which codes this module emits.
    if finding.code == "P901":
        return rules.make("P901", location, masked=finding.masked)
    if finding.code == "P903":
        return rules.make("P903", location, masked=finding.masked)
    return rules.make("P902", location, masked=finding.masked)


def scan_text(path: str, text: str, public_lines: Collection[int] = ()) -> Iterator[Diagnostic]:
    """Raw lines of one file, comments included; ``public_lines`` hold fields explicitly marked public."""
    if not _MAYBE.search(text):
        return
    # split("\n"), not splitlines(): \x0b, \x85 and \u2028 are not line ends for the author's editor.
    for number, line in enumerate(text.split("\n"), start=1):
        if number in public_lines:
            continue
        for finding in find(line):
            yield _diagnostic(finding, Location(path, number, finding.offset + 1))


def may_hold_numbers(text: str) -> bool:
    """False when ``text`` cannot hold a personal number (``find`` would return nothing)."""
    return _MAYBE.search(text) is not None


def scan_value(text: str, location: Location) -> Iterator[Diagnostic]:
    """One decoded value (a YAML scalar after escapes, a CSV cell), line breaks joined."""
    for finding in find(text):
        yield _diagnostic(finding, location)
