"""Amounts never become float: not when read, not when computed, not when aggregated."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO

from generator import money, schema
from generator.compute import _exact_fens, _total_amount, amount, portal_view
from generator.csvsource import parse_csv
from generator.pipeline import gather


def _walk(value, seen=None):
    """Every leaf value reachable from a dataclass graph."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if is_dataclass(value):
        for f in fields(value):
            yield from _walk(getattr(value, f.name), seen)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(k, seen)
            yield from _walk(v, seen)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _walk(item, seen)
    else:
        yield value


def test_no_float_anywhere_in_the_model_or_the_computed_views():
    dataset = gather(REPO / "budget_data", REPO).dataset
    view = portal_view(dataset)
    leaves = list(_walk(dataset)) + list(_walk(view))
    assert not [leaf for leaf in leaves if isinstance(leaf, float)]
    amounts = [leaf for leaf in leaves if isinstance(leaf, Decimal)]
    assert Decimal(660000) in amounts and Decimal(25) in amounts


def test_project_total_is_exact_decimal():
    view = portal_view(gather(REPO / "budget_data", REPO).dataset)
    (project,) = view.projects
    assert project.total.value == Decimal("660000")
    assert isinstance(project.total.value, Decimal)
    # No grand total across fiscal years (issue 9); the unit total is for the latest year.
    assert not hasattr(view, "grand_total")
    assert view.by_unit[0].total.value == Decimal("660000.00") and view.by_unit[0].year == "2026"
    assert view.by_year[0].total.value == Decimal("660000.00")


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12))
def test_amounts_with_cents_sum_exactly(fens):
    """Values that floats cannot hold (0.1, 0.07, ...) survive reading and summing exactly."""
    header = ",".join(schema.BUDGET_COLUMNS.values())
    rows = [f"项{i},,,,,{Decimal(f) / 100:.2f}," for i, f in enumerate(fens)]
    table, problems = parse_csv("\n".join([header, *rows]), "t.csv")
    assert problems == []
    items, problems = schema.read_budget_items(table, "t.csv")
    assert problems == []
    assert all(isinstance(item.amount, Decimal) for item in items)
    assert sum(item.amount for item in items) == Decimal(sum(fens)) / 100


def test_pandas_is_never_used_to_parse_amounts():
    # Amount parsing lives in generator/money.py; pandas only aggregates integer 分.
    for path in sorted((REPO / "generator").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "read_csv" not in text, path
        assert "float(" not in text, path
        assert "astype(float" not in text and "float64" not in text, path



@settings(max_examples=300)
@given(st.one_of(st.integers(min_value=0, max_value=10**22),
                 st.sampled_from([0, 1, 4999, 5000, 5001, 9999, 10**6 - 5000, 10**6 + 4999, 10**20 - 1, 10**20])))
def test_totals_are_written_as_money_writes_them(fen):
    """compute writes a total's figures from its integer 分: the very text money's Decimal
    formatting gives, rounding of 万元 half up included."""
    made, expected = _total_amount(fen), amount(money.from_fen(fen))
    assert (made.value, str(made.value), made.yuan, made.wan) == (
        expected.value, str(expected.value), expected.yuan, expected.wan)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=10**12 * 100 - 1), min_size=1, max_size=30))
def test_group_sums_are_exact_integer_fen(fens):
    """Totals beyond Decimal's default 28 digits still add exactly."""
    # 10^40 元 and more: 43 digits (Decimal() of a string is exact in any context)
    big = [Decimal(f"{(10**42 + f) // 100}.{(10**42 + f) % 100:02d}") for f in fens]
    assert _exact_fens({"group": big}) == {"group": (len(fens), sum(fens) + len(fens) * 10**42)}


def test_a_sub_fen_total_is_refused():
    with pytest.raises(ValueError):
        _exact_fens({"group": [Decimal("1.00"), Decimal("0.001")]})
