"""Personal data: 身份证号, mobile numbers and bank cards never reach the public site.

These checks read every data file line by line, comments included, because they
must work even when a file fails the schema, and a number in a comment is still
in the published repository.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import date

from .. import rules
from ..diagnostics import Diagnostic, Location

_ID = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{4})(\d{2})(\d{2})(\d{3})([\dXx])(?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
_CARD = re.compile(r"(?<![0-9])(\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?)(?![0-9])")
# Issuer prefixes of cards used in China: UnionPay 62, Visa 4, Mastercard 51-55/22-27, Amex 34/37, JCB 35.
_CARD_PREFIX = re.compile(r"(62|4|5[1-5]|2[2-7]|3[47]|35)")


def mask(number: str) -> str:
    digits = re.sub(r"[^0-9Xx]", "", number)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def is_id_number(match: re.Match) -> bool:
    year, month, day = int(match.group(2)), int(match.group(3)), int(match.group(4))
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date(2100, 1, 1):
        return False
    digits = match.group(0)
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


def scan_text(path: str, text: str, public_lines: Collection[int] = ()) -> Iterator[Diagnostic]:
    """Findings for one file; ``public_lines`` hold fields explicitly marked public."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number in public_lines:
            continue
        taken: list[range] = []
        for match in _ID.finditer(line):
            if is_id_number(match):
                taken.append(range(match.start(), match.end()))
                yield rules.make("P901", Location(path, number, match.start() + 1), masked=mask(match.group(0)))
        for match in _CARD.finditer(line):
            digits = re.sub(r"\D", "", match.group(1))
            if any(match.start() in r for r in taken):
                continue
            if 16 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn_ok(digits):
                taken.append(range(match.start(), match.end()))
                yield rules.make("P903", Location(path, number, match.start() + 1), masked=mask(digits))
        for match in _MOBILE.finditer(line):
            if any(match.start() in r for r in taken):
                continue
            yield rules.make("P902", Location(path, number, match.start() + 1), masked=mask(match.group(0)))
