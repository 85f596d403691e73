from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import money

# Examples given in 《会计基础工作规范》第五十二条 (first of the allowed forms), plus edge cases.
CAPITALS = [
    ("660000", "人民币陆拾陆万元整"),
    ("1680.32", "人民币壹仟陆佰捌拾元零叁角贰分"),
    ("107000.53", "人民币壹拾万柒仟元零伍角叁分"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("325.04", "人民币叁佰贰拾伍元零肆分"),
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),
    ("0", "人民币零元整"),
    ("0.50", "人民币伍角整"),
    ("0.05", "人民币伍分"),
    ("10", "人民币壹拾元整"),
    ("100700", "人民币壹拾万零柒佰元整"),
    ("100010000", "人民币壹亿零壹万元整"),
    ("1000001", "人民币壹佰万零壹元整"),
    ("650000", "人民币陆拾伍万元整"),
    ("10000", "人民币壹万元整"),
    ("5000", "人民币伍仟元整"),
]


@pytest.mark.parametrize(("amount", "expected"), CAPITALS)
def test_rmb_capitals(amount, expected):
    assert money.rmb_capitals(Decimal(amount)) == expected


_DIGIT = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _read_capitals(text: str) -> Decimal:
    """An independent reader of 大写 amounts, used as the oracle for the property test."""
    assert text.startswith("人民币")
    body = text[3:].removesuffix("整")
    yuan_text, _, rest = body.partition("元") if "元" in body else ("", "", body)
    total = 0
    section = 0
    digit = 0
    for char in yuan_text:
        if char in _DIGIT:
            digit = _DIGIT[char]
        elif char in _UNIT:
            section += digit * _UNIT[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + section + digit) * 100_000_000
            section = digit = 0
    total += section + digit
    fen = 0
    rest = rest.lstrip("零")
    if "角" in rest:
        jiao_text, rest = rest.split("角")
        fen += _DIGIT[jiao_text] * 10
    if "分" in rest:
        fen += _DIGIT[rest.rstrip("分")]
    return Decimal(total) + Decimal(fen) / 100


@given(st.integers(min_value=0, max_value=99_999_999_999_99))
def test_capitals_round_trip(fen):
    amount = Decimal(fen) / 100
    text = money.rmb_capitals(amount)
    assert _read_capitals(text) == amount
    assert "零零" not in text
    assert text.endswith("整") == (fen % 10 == 0)


@pytest.mark.parametrize(("text", "value", "notes"), [
    ("660000", "660000", ()),
    (" 5000 ", "5000", ()),
    ("25.50", "25.50", ()),
    ("660,000", "660000", (money.NOTE_THOUSANDS,)),
    ("６６００００", "660000", (money.NOTE_FULLWIDTH,)),
    ("5000元", "5000", (money.NOTE_YUAN_SUFFIX,)),
])
def test_parse_accepts(text, value, notes):
    parsed = money.parse_decimal(text)
    assert parsed.error is None
    assert parsed.value == Decimal(value)
    assert isinstance(parsed.value, Decimal)
    assert parsed.notes == notes


@pytest.mark.parametrize(("text", "error"), [
    ("", money.ERR_EMPTY),
    ("66万", money.ERR_WAN),
    ("66万元", money.ERR_WAN),
    ("-5000", money.ERR_NEGATIVE),
    ("(5000)", money.ERR_NEGATIVE),
    ("6.6E+05", money.ERR_SCIENTIFIC),
    ("5000.123", money.ERR_PRECISION),
    ("约5000", money.ERR_SYNTAX),
    ("66,00", money.ERR_SYNTAX),
    ("NaN", money.ERR_SYNTAX),
    ("Infinity", money.ERR_SYNTAX),
    ("1.2.3", money.ERR_SYNTAX),
])
def test_parse_rejects(text, error):
    parsed = money.parse_decimal(text)
    assert parsed.value is None
    assert parsed.error == error


@given(st.text(max_size=30))
def test_parse_never_returns_float(text):
    parsed = money.parse_decimal(text)
    assert parsed.value is None or isinstance(parsed.value, Decimal)
    assert (parsed.value is None) == (parsed.error is not None)


@pytest.mark.parametrize(("amount", "wan"), [
    ("660000", "66.00"), ("5000", "0.50"), ("49", "0.00"), ("50", "0.01"), ("12345678.90", "1,234.57"),
])
def test_format_wan_rounds_half_up(amount, wan):
    assert money.format_wan(Decimal(amount)) == wan


def test_format_share():
    assert money.format_share(Decimal(650000), Decimal(660000)) == "98.48%"
    assert money.format_share(Decimal(10000), Decimal(660000)) == "1.52%"
    assert money.format_share(Decimal(1), Decimal(0)) == "—"


def test_fen_round_trip_is_exact():
    assert money.to_fen(Decimal("0.07")) == 7
    assert money.from_fen(7) == Decimal("0.07")
    with pytest.raises(ValueError):
        money.to_fen(Decimal("0.001"))
