"""Property tests and fuzzing for hostile data (issue 8).

- Valid 身份证号, mobile and bank-card numbers in every disguise are found, and block the build.
- Amounts, dates, 文号 and credit codes, and the shipped data, are never mistaken for them.
- Random fields of the shipped data replaced by payloads from a hostile corpus: the build never
  shows a traceback or exit 2, never writes outside docs_src/, never publishes a personal number.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st

from conftest import PROJECT_DIR, UNIT_FILE, Workspace

from generator.checks import personal

PROJECT_YAML = f"{PROJECT_DIR}/project.yaml"
BUDGET = f"{PROJECT_DIR}/budget_items.csv"
INDICATORS = f"{PROJECT_DIR}/indicators.csv"
PORTAL = "budget_data/portal.yaml"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _with_id_check(body: str) -> str:
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS)) % 11]


def _with_luhn(body: str) -> str:
    for last in "0123456789":
        if personal.luhn_ok(body + last):
            return body + last
    raise AssertionError


id_numbers = st.builds(
    lambda region, born, serial: _with_id_check(f"{region}{born:%Y%m%d}{serial:03d}"),
    st.integers(110000, 829999).map(str),
    st.dates(date(1930, 1, 1), date(2020, 12, 31)),
    st.integers(0, 999))
mobiles = st.builds(lambda second, rest: f"1{second}{rest:09d}", st.sampled_from("3456789"),
                    st.integers(0, 10**9 - 1))
cards = st.builds(lambda prefix, length, body: _with_luhn((prefix + f"{body:020d}")[:length - 1]),
                  st.sampled_from(["62", "4", "51", "55", "35"]), st.integers(16, 19), st.integers(0, 10**19))
numbers = st.one_of(id_numbers.map(lambda n: ("P901", n)), mobiles.map(lambda n: ("P902", n)),
                    cards.map(lambda n: ("P903", n)))

SEPARATORS = [" ", "-", ".", "\u3000", "\u00a0", "\u2002", "\u200b", "\u200c", "\u2060", "\ufeff", "\u2010",
              "\u2013", "\u2014", "\u2212", "\uff0d", "\u00b7", "\uff0e", "\n", "\r\n", "\t", " - "]


@st.composite
def disguised(draw, number: str) -> str:
    """``number`` with one kind of separator between some digits, invisible characters
    anywhere, and some digits full-width."""
    kind = draw(st.sampled_from(SEPARATORS))
    group = draw(st.sampled_from([3, 4, 6]))
    out = []
    for index, char in enumerate(number):
        if kind in (".", "\uff0e", "\u00b7"):
            # Dots go between groups: a lone dot before one or two last digits ("…0.5") is a
            # decimal point, and is read as one (see personal._DECIMAL).
            if index and index % group == 0 and len(number) - index >= 3:
                out.append(kind)
        elif index and draw(st.integers(0, 3)) == 0:
            out.append(kind)
        if index and draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(["\u200b", "\ufeff", "\u2060", "\u00ad"])))
        if char.isdigit() and draw(st.booleans()) and draw(st.booleans()):
            char = chr(ord(char) + 0xFEE0)
        elif char == "X" and draw(st.booleans()):
            char = "Ｘ"
        out.append(char)
    return "".join(out)


@st.composite
def personal_numbers(draw):
    code, number = draw(numbers)
    text = draw(disguised(number))
    if code == "P902":
        text = draw(st.sampled_from(["", "+86 ", "0086 ", "86-", "+86", "（+86）"])) + text
    around = draw(st.sampled_from([("", ""), ("联系人：", "。"), ("电话", "，"), ("身份证号码", "")]))
    return code, number, around[0] + text + around[1]


@settings(max_examples=300, deadline=None)
@given(personal_numbers())
# A date-shaped start joined on by the date's own separator is still part of the number.
@example(("P902", "19150100000", "19\u200b1\u200b5-\u200b0\u200b1-\u200b0-\u200b0-\u200b0-0-0"))
@example(("P902", "19150101000", "+86 1915-01-01-000"))
def test_every_disguise_is_found(case):
    code, number, text = case
    found = personal.find(text)
    assert found, (code, text)
    assert any(f.masked == personal.mask(number) for f in found), (text, found)


# ---- no false block -------------------------------------------------------------------------

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _labelled_if_a_card(code: str) -> str:
    return f"统一社会信用代码{code}" if code.isdigit() and personal._card_ok(code) else code


def _credit_code(body: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS))
    return body + _CREDIT_ALPHABET[(31 - total % 31) % 31]


# In free text a bare 11-digit integer starting 13–19 is indistinguishable from a mobile number, and
# is blocked; amounts as texts write them carry a unit, a currency sign, decimals or separators.
# Bare integers in the amount columns of the CSV are numbers, not text: see the test below.
amounts = st.integers(0, 10**12 - 1).flatmap(lambda yuan: st.sampled_from(
    [f"{yuan}元", f"{yuan} 元", f"￥{yuan}", f"{yuan:,}", f"{yuan}.00", f"{yuan:,}.50", f"{yuan / 10000:.2f}万元"]))
dates = st.dates(date(1990, 1, 1), date(2035, 12, 31)).flatmap(lambda d: st.sampled_from(
    [d.isoformat(), f"{d.year}年{d.month}月{d.day}日", f"{d:%Y.%m.%d}", f"{d:%Y/%m/%d}", f"{d:%Y%m%d}",
     f"{d.year}年-{d.year + 2}年", f"{d:%Y.%m}-{(d + timedelta(days=400)):%Y.%m}"]))
doc_numbers = st.builds(lambda org, year, n, open_, close: f"{org}{open_}{year}{close}{n}号",
                        st.sampled_from(["呈办通", "人社部发", "昆政发", "云财预"]), st.integers(1990, 2035),
                        st.integers(1, 400), st.sampled_from("〔【[（"), st.sampled_from("〕】]）"))
# A code that is also a valid card number (digits only, a card's prefix, Luhn) is written after
# its label, as documents write it: alone it is reported (test_a_code_that_is_also_a_card_number…).
credit_codes = st.builds(lambda head, region, org: _labelled_if_a_card(_credit_code(f"{head}{region}{org}")),
                         st.sampled_from(["11", "12", "13", "19", "51", "52", "91", "92", "93", "Y1"]),
                         st.integers(110000, 829999).map(str),
                         st.text(_CREDIT_ALPHABET, min_size=9, max_size=9))
landlines = st.builds(lambda area, n: f"{area}-{n}", st.sampled_from(["0871", "010", "021", "0875"]),
                      st.integers(10**7, 10**8 - 1))
harmless = st.one_of(amounts, dates, doc_numbers, credit_codes, landlines)
# Amounts as text writes them: with a decimal part, thousands separators or a unit.
written_amounts = st.integers(0, 10**12 - 1).flatmap(lambda yuan: st.sampled_from(
    [f"{yuan:,}", f"{yuan}.00", f"{yuan:,}.50", f"{yuan}元", f"{yuan / 10000:.2f}万元"]))


@settings(max_examples=400, deadline=None)
@given(st.lists(harmless, min_size=1, max_size=4), st.sampled_from(["，", "；", "、", "（", "：", "。"]))
def test_amounts_dates_doc_numbers_and_credit_codes_are_not_personal(pieces, joiner):
    text = joiner.join(pieces)
    assert personal.find(text) == [], text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(written_amounts, dates, doc_numbers, credit_codes, landlines), min_size=1, max_size=4),
       st.sampled_from([" ", "\n", "\u3000", " - "]))
@example(["1999-01-01", "100"], " ")  # once read as the mobile 19990101100 (found in CI)
@example(["19990101", "100"], "\n")
@example(["13000000000.00"], " ")  # once read as the mobile 13000000000 (found with the CI profile)
@example(["统一社会信用代码521408510000000001"], " ")  # a 民非 code that passes Luhn: once read as a bank card
def test_written_figures_separated_by_spaces_or_line_breaks_are_not_personal(pieces, joiner):
    """Spaces and line breaks between digits are ignored, so bare integers separated only by a
    space ("4000 2000 3000 1000") are by design read like a spaced-out card number; figures as
    documents write them (decimals, thousands separators, units, dates, codes) are not."""
    text = joiner.join(pieces)
    assert personal.find(text) == [], text


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(10**10, 10**12 - 1), st.integers(10**15, 10**16))
def test_bare_integers_in_amount_columns_are_not_personal(amount, quantity):
    with tempfile.TemporaryDirectory() as scratch:
        ws = Workspace(Path(scratch) / "repo")
        ws.replace(BUDGET, "人才管理经费,,,,,10000,", f"人才管理经费,,{quantity % 10**11},,,{amount},")
        codes = {d["code"] for d in ws.check().diagnostics}
        assert not codes & {"P901", "P902", "P903"}


def test_shipped_data_is_not_blocked(tmp_path):
    ws = Workspace(tmp_path / "repo")
    codes = {d["code"] for d in ws.check().diagnostics}
    assert not codes & {"P901", "P902", "P903"}


# ---- disguised numbers block the build end to end --------------------------------------------

def _yaml_escaped(text: str) -> str:
    """A YAML double-quoted scalar spelling every digit as \\x.. or \\u.... escapes."""
    out = []
    for index, char in enumerate(text):
        if char.isdigit() and char.isascii():
            out.append(f"\\x{ord(char):02x}" if index % 2 else f"\\u{ord(char):04x}")
        elif char == "\n":
            out.append("\\n")
        elif char in '"\\':
            out.append("\\" + char)
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(personal_numbers(), st.sampled_from(["yaml-plain", "yaml-escaped", "csv-cell"]))
def test_every_disguise_blocks_the_build(case, where):
    code, number, text = case
    with tempfile.TemporaryDirectory() as scratch:
        ws = Workspace(Path(scratch) / "repo")
        if where == "csv-cell":
            lines = ws.read(BUDGET).split("\n")
            index = next(i for i, line in enumerate(lines) if line.startswith("人才管理经费,,,,,10000,"))
            lines[index] = "人才管理经费,,,,,10000," + '"' + text.replace('"', '""') + '"'
            ws.write(BUDGET, "\n".join(lines))
            path = BUDGET
        else:
            value = _yaml_escaped(text) if where == "yaml-escaped" else yaml.safe_dump(text, allow_unicode=True,
                                                                                       width=10**6).strip()
            if value.endswith("..."):
                value = value[:-3].strip()
            ws.replace(UNIT_FILE, "funding_source: 区级财政预算", f"funding_source: {value}")
            path = UNIT_FILE
        result = ws.build()
        assert result.code == 1
        assert re.search(rf"{re.escape(path)}:\d+(:\d+)?: {code} \[错误\]", result.stderr), (where, text, result.stderr)
        assert not ws.path("docs_src/index.md").exists()


# ---- fuzzing the shipped data ------------------------------------------------------------------

PAYLOADS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    "![x](http://evil.example/x.png)", "{: onclick=alert(1) }", "| 999 | 1,000,000,000.00 |", "*em* _u_ `c`",
    "../../../x", "/etc/passwd", "a/b", "..", "~root", "C:\\\\x", "index",
    "\x00", "\x07", "\x0b", "\x1b[31m", "\x85", "\u2028", "\u202e1000", "\ufeff", "\ud7ff",
    "660000²", "½", "①", "٣٣", "６６００００", "9" * 25, "1e400", "10000000000000000", "-1", "0", "",
    "   ", "- x", ": y", "&a", "*a", "!!python/object:os.system", "'", '"', ",", "\n", "\r\n", "=1+1",
    "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", "+1", "x" * 25_000, "长" * 5_000,
]


@st.composite
def payloads(draw):
    choice = draw(st.integers(0, 3))
    if choice == 0:
        code, number, text = draw(personal_numbers())
        return text
    pieces = draw(st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=3))
    return "".join(pieces)


LOCATED = re.compile(r"\s*\S+:\d+(?::\d+)?: [A-Z]\d{3} ")


def _mutate_yaml(ws: Workspace, relative: str, draw_index: int, payload: str) -> None:
    data = yaml.safe_load(ws.read(relative))
    leaves = []

    def walk(node, parent, key):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, node, k)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, node, i)
        else:
            leaves.append((parent, key))

    walk(data, None, None)
    parent, key = leaves[draw_index % len(leaves)]
    parent[key] = payload
    ws.write(relative, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def _mutate_csv(ws: Workspace, relative: str, draw_index: int, payload: str) -> None:
    rows = list(csv.reader(io.StringIO(ws.read(relative))))
    cells = [(r, c) for r, row in enumerate(rows) for c in range(len(row)) if not row[0].startswith("#")]
    r, c = cells[draw_index % len(cells)]
    rows[r][c] = payload
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    ws.write(relative, out.getvalue())


def _outside(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "docs_src" not in p.relative_to(root).parts and ".cache" not in p.parts}


# Each example is a full build: few examples, and no shrinking (a failure is reported as found).
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(st.tuples(st.sampled_from([PROJECT_YAML, UNIT_FILE, PORTAL, BUDGET, INDICATORS]),
                          st.integers(0, 10**6), payloads()), min_size=1, max_size=4))
def test_fuzzed_data_never_crashes_escapes_or_leaks(mutations):
    with tempfile.TemporaryDirectory() as scratch:
        ws = Workspace(Path(scratch) / "repo")
        assert ws.build().code == 0
        planted = []
        for relative, index, payload in mutations:
            if relative.endswith(".csv"):
                _mutate_csv(ws, relative, index, payload)
            else:
                _mutate_yaml(ws, relative, index, payload)
            planted.append(payload)
        before = _outside(Path(scratch))
        result = ws.build()
        event(f"exit {result.code}")  # shown by --hypothesis-show-statistics
        assert result.code in (0, 1), result.stderr
        assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
        assert _outside(Path(scratch)) == before  # nothing written outside docs_src/ (and .cache/)
        leftovers = [p.name for p in ws.root.iterdir() if p.name.startswith(".docs_src")]
        assert leftovers == []
        for page in ws.path("docs_src").rglob("*"):
            if page.is_file() and page.suffix in (".md", ".csv", ".json"):
                text = page.read_text(encoding="utf-8", errors="replace")
                assert personal.find(text) == [], (page, personal.find(text))
        if result.code == 1:
            # A located diagnostic (path:line[:column]: CODE), alone or indented under its rule's group heading.
            assert any(LOCATED.match(line) for line in result.stderr.splitlines()), result.stderr


def test_a_code_that_is_also_a_card_number_is_reported_unless_labelled():
    """521408510000000001 is a valid 统一社会信用代码 and passes the bank-card checks too: written
    alone it is reported (fail closed); after the words 统一社会信用代码 it is the unit's code."""
    assert [f.code for f in personal.find("账户 521408510000000001")] == ["P903"]
    assert personal.find("统一社会信用代码：521408510000000001") == []
    assert personal.find("统一社会信用代码为 521408510000000001。") == []
    # A card number under the label that is not a valid code (its check character is wrong): reported.
    assert [f.code for f in personal.find("统一社会信用代码：521408510000000019")] == ["P903"]
    # Spaced out, the code is not written as one word: reported.
    assert [f.code for f in personal.find("统一社会信用代码：5214 0851 0000 0000 01")] == ["P903"]
