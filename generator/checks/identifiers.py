"""Identifiers: 统一社会信用代码 (GB 32100-2015) and telephone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import rules
from ..diagnostics import Diagnostic
from ..model import Unit

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_code_check_digit(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, _WEIGHTS))
    check = 31 - total % 31
    return CREDIT_CODE_CHARSET[0 if check == 31 else check]


def credit_code_problem(code: str) -> str | None:
    if len(code) != 18:
        return f"应为 18 位，实际 {len(code)} 位"
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        return f"含有不允许的字符“{''.join(bad)}”"
    expected = credit_code_check_digit(code[:17])
    if code[17] != expected:
        return f"校验位应为“{expected}”，实际是“{code[17]}”"
    return None


def check_credit_code(unit: Unit) -> Iterator[Diagnostic]:
    if unit.credit_code is None:
        return
    code = unit.credit_code.value.value.strip().upper()
    looks_like_credit_code = unit.credit_code.label.value == "统一社会信用代码" or len(code) == 18
    if looks_like_credit_code and (problem := credit_code_problem(code)):
        yield rules.make("D801", unit.credit_code.value.location, code=code, detail=problem)


def check_credit_code_label(unit: Unit) -> Iterator[Diagnostic]:
    if unit.credit_code is None:
        return
    code = unit.credit_code.value.value.strip()
    label = unit.credit_code.label.value
    if "组织机构代码" in label and len(code) == 18:
        yield rules.make("D802", unit.credit_code.label.location, label=label, code=code)


_LOCAL_NUMBER = re.compile(r"\d{7,8}")


def check_phone_area_code(unit: Unit) -> Iterator[Diagnostic]:
    if unit.phone is None:
        return
    for number in re.split(r"[，,、/；;\s]+", unit.phone.value.strip()):
        if _LOCAL_NUMBER.fullmatch(number):
            yield rules.make("D803", unit.phone.location, phone=number)
