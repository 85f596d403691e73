"""The shortcuts that make pages render faster print exactly what Jinja's own way printed.

render.py compiles ``{{ x }}`` to ``finalize(x)`` instead of ``escape(finalize(x))``, skips the
_INERT translation of values with nothing to rewrite, compute.py prepares the indicator
table's cells and writes an amount's capitals out on demand. The whole-site proof is
tests/golden (byte-identical pages); these tests pin each shortcut against what it replaced.
"""

from __future__ import annotations

import pickle
import sys
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2.compiler import CodeGenerator
from markupsafe import Markup

from generator import money
from generator.compute import Amount, _indicator_rows, amount
from generator.render import _INERT, _NEEDS_INERT, _finalize, escape_text, make_environment


class _Html:
    """Something that is not a str but brings its own HTML (as a chart or a helper might)."""

    def __init__(self, html: str):
        self.html = html

    def __html__(self) -> str:
        return self.html


class _SubMarkup(Markup):
    pass


_TEMPLATES = {
    "plain.md.j2": "{{ x }}|{{ y }}|{{ x ~ y }}|{{ x|md }}",
    "macro.md.j2": "{% macro show(a) %}<b>{{ a }}</b>{% endmacro %}{{ show(x) }}{{ show(y) }}",
    "loop.md.j2": "{% for v in [x, y] if v is not none %}[{{ v }}]{{ loop.index }}{% endfor %}",
    "block.md.j2": "{% set both %}{{ x }}-{{ y }}{% endset %}{{ both }}",
    "switch.md.j2": "{% autoescape false %}{{ x }}{% endautoescape %}{{ y }}",
    "text.txt": "{{ x }}/{{ y }}",  # not autoescaped: Jinja's own code either way
}

_VALUES = st.one_of(
    st.text(),
    st.text(alphabet="<>&\"'#*_[]{}|!~^`\\\n\r 项目a1"),
    st.integers(),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text().map(Markup),
    st.text().map(_SubMarkup),
    st.text().map(_Html),
)


@pytest.fixture(scope="module")
def environments(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    for name, source in _TEMPLATES.items():
        (folder / name).write_text(source, encoding="utf-8")
    ours = make_environment(folder)
    jinjas = make_environment(folder)
    jinjas.code_generator_class = CodeGenerator  # escape(finalize(x)), as Jinja compiles it
    return ours, jinjas


def test_finalized_output_compiles_without_escape(environments):
    ours, jinjas = environments
    source = _TEMPLATES["plain.md.j2"]
    assert "escape(environment.finalize(" in jinjas.compile(source, raw=True)
    assert "escape(environment.finalize(" not in ours.compile(source, raw=True)
    assert "environment.finalize(" in ours.compile(source, raw=True)


@given(x=_VALUES, y=_VALUES)
def test_finalized_output_prints_what_jinja_escape_printed(environments, x, y):
    ours, jinjas = environments
    for name in _TEMPLATES:
        expected = jinjas.get_template(name).render(x=x, y=y)
        assert ours.get_template(name).render(x=x, y=y) == expected, name


@given(value=_VALUES)
def test_finalize_returns_text_escape_leaves_as_it_is(value):
    from markupsafe import escape

    printed = _finalize(value)
    assert isinstance(printed, str)
    assert escape(printed) == printed  # nothing left for escape() to do: skipping it changes nothing


def test_needs_inert_finds_exactly_the_characters_inert_rewrites():
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (char.translate(_INERT) != char) == (_NEEDS_INERT(char) is not None), hex(code)


@given(st.text())
def test_escape_text_without_the_shortcut(text):
    assert escape_text(text) == text.translate(_INERT)


def _indicator(level1: str, level2: str, level3: str) -> SimpleNamespace:
    return SimpleNamespace(level1=level1, level2=level2, level3=level3, nature="≥", value="90",
                           unit="%", remark="<b>备注</b>")


def test_indicator_cells_name_their_column_and_the_row_headings():
    indicators = (_indicator("产出指标", "数量指标", "a"), _indicator("产出指标", "数量指标", "b"),
                  _indicator("产出指标", "质量指标", "c"), _indicator("效益指标", "社会效益指标", "d"))
    columns = (("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"),
               ("value", "指标值"), ("remark", "备注"))
    rows = _indicator_rows(indicators, columns)
    assert [row.cells for row in rows] == [
        (("ind-h-value ind-l1-1 ind-l2-1 ind-1", "90"), ("ind-h-remark ind-l1-1 ind-l2-1 ind-1", "<b>备注</b>")),
        (("ind-h-value ind-l1-1 ind-l2-1 ind-2", "90"), ("ind-h-remark ind-l1-1 ind-l2-1 ind-2", "<b>备注</b>")),
        (("ind-h-value ind-l1-1 ind-l2-3 ind-3", "90"), ("ind-h-remark ind-l1-1 ind-l2-3 ind-3", "<b>备注</b>")),
        (("ind-h-value ind-l1-4 ind-l2-4 ind-4", "90"), ("ind-h-remark ind-l1-4 ind-l2-4 ind-4", "<b>备注</b>")),
    ]
    # every cell names the ids the row's headings carry
    for row in rows:
        for headers, _ in row.cells:
            assert headers.split()[1:] == [row.level1_id, row.level2_id, row.id]


@given(st.integers(min_value=0, max_value=10**15))
def test_amount_capitals_on_demand(fen):
    value = money.from_fen(fen)
    made = amount(value)
    assert made.capitals == money.rmb_capitals(value)
    stated = Amount(value, made.yuan, made.wan, money.rmb_capitals(value))
    assert fresh_equal(made, stated)
    copied = pickle.loads(pickle.dumps(amount(value)))
    assert copied == made and copied.capitals == made.capitals


def fresh_equal(a: Amount, b: Amount) -> bool:
    """Equal and hashed alike whether or not the capitals were written out yet."""
    return a == b and hash(a) == hash(b) and amount(a.value) == b and hash(amount(a.value)) == hash(b)


def test_amount_capitals_of_a_decimal_with_cents():
    made = amount(Decimal("660000.50"))
    assert made.capitals == money.rmb_capitals(Decimal("660000.50"))
