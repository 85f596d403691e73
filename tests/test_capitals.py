"""人民币大写 of large amounts (《会计基础工作规范》第五十二条), up to the documented limit of 9,999亿亿.

Above 亿 the number of 亿 is itself written with 万 and 亿: 1.5万亿 is 15,000亿, 壹万伍仟亿.
Each expected string below was written out by hand from the digit groups shown in the comment.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_money import _read_capitals

from generator import money

LARGE = [
    # 1,5000,0000,0000: the example
    ("1500000000000", "人民币壹万伍仟亿元整"),
    # 1,0000,0000,0000
    ("1000000000000", "人民币壹万亿元整"),
    # 1,0000,0000,0001
    ("1000000000001", "人民币壹万亿零壹元整"),
    # 1,2345,6789,0123.45
    ("1234567890123.45", "人民币壹万贰仟叁佰肆拾伍亿陆仟柒佰捌拾玖万零壹佰贰拾叁元肆角伍分"),
    # 10,0001,0000,0000
    ("10000100000000", "人民币壹拾万零壹亿元整"),
    # 1000,0100,0000,0000
    ("1000010000000000", "人民币壹仟万零壹佰亿元整"),
    # 1,0000,0000,0000,0000
    ("10000000000000000", "人民币壹亿亿元整"),
    # 1,0000,0005,0000,0000
    ("10000000500000000", "人民币壹亿零伍亿元整"),
    # 9999,0000,0000,0000,0000: the limit's leading group
    ("99990000000000000000", "人民币玖仟玖佰玖拾玖亿亿元整"),
    # 9999,9999,9999,9999,9999.99: the largest amount written
    ("99999999999999999999.99",
     "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    # 1,0000,0100,0000: a zero between 亿 and 万 groups
    ("100001000000", "人民币壹仟亿零壹佰万元整"),
    # 2,0000,0000.30
    ("200000000.30", "人民币贰亿元零叁角整"),
]


@pytest.mark.parametrize(("amount", "expected"), LARGE)
def test_large_amounts(amount, expected):
    assert money.rmb_capitals(Decimal(amount)) == expected


def test_the_old_wrong_form_is_gone():
    assert "万亿伍仟亿" not in money.rmb_capitals(Decimal("1500000000000"))


def test_amounts_at_or_above_the_limit_are_refused():
    assert money.CAPITALS_LIMIT == Decimal(10**20)
    with pytest.raises(ValueError):
        money.rmb_capitals(Decimal(10**20))


@given(st.integers(min_value=0, max_value=10**22 - 1))
def test_capitals_round_trip_up_to_the_limit(fen):
    amount = Decimal(fen) / 100
    text = money.rmb_capitals(amount)
    assert _read_capitals(text) == amount
    assert "零零" not in text and "万万" not in text and "亿万" not in text
