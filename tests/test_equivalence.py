"""Speed-ups keep behaviour: each faster path is compared with the code it replaced, on random input."""

from __future__ import annotations

import io
import pickle
import zipfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import compute, model
from generator.csvsource import Cell, CsvSyntaxError, CsvTooManyRows, Record, split_records
from generator.diagnostics import Diagnostic, Location, Severity

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# split_records as it was before cells were delimited with a regex search (a loop per character).
def _reference_split_records(text: str, max_records: int | None = None) -> list[Record]:
    """Split into records, each cell tagged with the 1-based line and column it starts at.

    Stops with CsvTooManyRows at the first record beyond ``max_records``, so a
    million-row file costs no more than the limit.
    """
    records: list[Record] = []
    cells: list[Cell] = []
    i, n = 0, len(text)
    line, line_start = 1, 0
    record_line = 1
    while i <= n:
        cell_line, cell_column = line, i - line_start + 1
        if i < n and text[i] == '"':
            i += 1
            parts: list[str] = []
            while True:
                close = text.find('"', i)
                if close == -1:
                    raise CsvSyntaxError("引号没有闭合", cell_line, cell_column)
                chunk = text[i:close]
                newlines = chunk.count("\n")
                if newlines:
                    line += newlines
                    line_start = i + chunk.rfind("\n") + 1
                parts.append(chunk)
                if close + 1 < n and text[close + 1] == '"':
                    parts.append('"')
                    i = close + 2
                    continue
                i = close + 1
                break
            # Text after a closing quote and before the separator: kept, like the csv module.
            end = i
            while end < n and text[end] not in ",\r\n":
                end += 1
            if end > i:
                if text[i:end].strip():
                    raise CsvSyntaxError("引号结束后、逗号之前还有文字", line, i - line_start + 1)
            value = "".join(parts).replace("\r\n", "\n")
            i = end
        else:
            end = i
            while end < n and text[end] not in ",\r\n":
                end += 1
            value = text[i:end]
            i = end
        cells.append(Cell(value, cell_line, cell_column))
        if i < n and text[i] == ",":
            i += 1
            continue
        # End of record: newline or end of text.
        if max_records is not None and len(records) >= max_records:
            raise CsvTooManyRows(record_line)
        records.append(Record(record_line, tuple(cells)))
        cells = []
        if i >= n:
            break
        if text[i] == "\r":
            i += 1
            if i < n and text[i] == "\n":
                i += 1
        else:
            i += 1
        line += 1
        line_start = i
        record_line = line
        if i == n:
            break
    return records


_CSV_ALPHABET = st.sampled_from(list(',"\n\r#a1.- 万元６\t') + ["明细项目", '""', "\r\n", '","'])


def _outcome(text: str, max_records: int | None, split) -> tuple:
    try:
        return ("ok", split(text, max_records))
    except CsvSyntaxError as error:
        return ("syntax", error.detail, error.line, error.column)
    except CsvTooManyRows as error:
        return ("too many", error.line)


@SETTINGS
@given(st.lists(_CSV_ALPHABET, max_size=200).map("".join), st.one_of(st.none(), st.integers(0, 6)))
def test_split_records_matches_the_character_loop(text, max_records):
    assert _outcome(text, max_records, split_records) == _outcome(text, max_records, _reference_split_records)


def test_split_records_locations():
    records = split_records('a,"b\nc",d\r\nx,,"y""z"\n')
    assert [(c.text, c.line, c.column) for r in records for c in r.cells] == [
        ("a", 1, 1), ("b\nc", 1, 3), ("d", 2, 4), ("x", 3, 1), ("", 3, 3), ('y"z', 3, 4)]


def test_per_project_objects_carry_no_instance_dict():
    """At 10,000 projects every model, cell and diagnostic object counts: they use __slots__."""
    location = Location("a.yaml", 1, 2)
    text = model.Text("值", location)
    diagnostic = Diagnostic("S201", Severity.WARNING, location, "消息", "提示")
    cell = Cell("x", 1, 1)
    amount = compute.amount(Decimal("1.00"))
    for value in (location, text, diagnostic, cell, Record(1, (cell,)), amount):
        assert not hasattr(value, "__dict__"), type(value).__name__
        assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value


# ---- XLSX: the fast writer gives XlsxWriter's bytes -------------------------------------------

_XLSX_TEXT = st.lists(st.sampled_from(
    ["一级", "二级", "产出指标", "a", " ", "\t", "\n", "&", "<", ">", '"', "'", "=1+1", "_x0041_", "\x01", "\x1f",
     "\ufffe", "<r>", "</r>", "0", "12", "3.50", "1e5", "１２", "-", "　", "𠀀"]), max_size=6).map("".join)


@st.composite
def _xlsx_tables(draw):
    width = draw(st.integers(1, 7))
    height = draw(st.integers(1, 9))
    # Few distinct values per column, so that merge runs of equal values occur.
    pools = [draw(st.lists(_XLSX_TEXT, min_size=1, max_size=3)) for _ in range(width)]
    rows = [[draw(st.sampled_from(pools[c])) for c in range(width)] for _ in range(height)]
    merge = draw(st.sampled_from([(), (1,), (1, 2), (2,)]))
    merge = tuple(c for c in merge if c <= width)
    numeric = tuple(c for c in draw(st.sets(st.integers(0, width - 1), max_size=3)) if c + 1 not in merge)
    return draw(_XLSX_TEXT), draw(st.sampled_from(["绩效目标表", "资金测算明细表", "Sheet"])), rows, merge, numeric


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_xlsx_tables())
def test_fast_xlsx_equals_xlsxwriter(table):
    from generator import exports
    title, sheet, rows, merge, numeric = table
    expected = exports._xlsxwriter_xlsx(title, sheet, rows, merge_columns=merge, numeric_columns=numeric)
    fast = exports._fast_xlsx(title, sheet, rows, merge, numeric)
    assert fast is None or fast == expected
    assert exports._xlsx(title, sheet, rows, merge_columns=merge, numeric_columns=numeric) == expected


def test_fast_xlsx_takes_the_common_tables():
    """The fast path is not a dead branch: a project's two tables go through it."""
    from generator import exports
    rows = [["一级指标", "二级指标", "三级指标", "指标值"], ["产出指标", "数量指标", "培训人次", "≥200"],
            ["产出指标", "数量指标", "宣传册", "500份"], ["效益指标", "社会效益", "满意度", "≥90%"]]
    fast = exports._fast_xlsx("表", "绩效目标表", rows, (1, 2), ())
    assert fast is not None
    assert fast == exports._xlsxwriter_xlsx("表", "绩效目标表", rows, merge_columns=(1, 2))
    budget = [["序号", "明细项目", "金额（元）"], ["1", "培训费", "1200.50"], ["", "合计", "1200.50"]]
    fast = exports._fast_xlsx("表", "资金测算明细表", budget, (), (2,))
    assert fast is not None and fast == exports._xlsxwriter_xlsx("表", "资金测算明细表", budget, numeric_columns=(2,))


def test_compact_pickling_round_trips_real_projects(tmp_path):
    """Models pickled by class and field values come back equal, with every field in place."""
    from pathlib import Path

    from generator import diagnostics, pipeline
    from generator.model import Project

    root = Path(__file__).resolve().parent.parent
    gathered = pipeline.gather(root / "budget_data", root)
    assert gathered.dataset is not None and gathered.dataset.projects
    for project in gathered.dataset.projects:
        back = pickle.loads(pickle.dumps(project, protocol=pickle.HIGHEST_PROTOCOL))
        assert type(back) is Project and back == project
        # compare=False fields (cell locations) are not part of ==; they must survive too.
        assert [i.cells for i in back.budget_items] == [i.cells for i in project.budget_items]
        assert [i.cells for i in back.indicators] == [i.cells for i in project.indicators]
    found = gathered.diagnostics
    assert pickle.loads(pickle.dumps(found)) == found


def test_compact_refuses_fields_outside_init():
    import dataclasses

    import pytest

    from generator.diagnostics import compact

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError):
        compact(Derived)


def test_a_value_that_looks_like_rich_text_is_written_as_text():
    """XlsxWriter's shortcut writes "<r>…</r>" strings as raw XML; a data value is always text."""
    import openpyxl

    from generator import exports

    value = "<r><t>伪造</t></r></si><si><t>注入</t></r>"
    rows = [["一级指标", "二级指标", "三级指标"], ["产出指标", "数量指标", value], ["产出指标", "数量指标", "<r>x</r>"]]
    for data in (exports._xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2)),
                 exports._xlsxwriter_xlsx("标题", "绩效目标表", rows, (1, 2))):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            strings = archive.read("xl/sharedStrings.xml").decode("utf-8")
        assert "<r><t>伪造" not in strings and "&lt;r&gt;&lt;t&gt;伪造" in strings
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert [sheet.cell(3, 3).value, sheet.cell(4, 3).value] == [value, "<r>x</r>"]


# ---- XLSX: the hand-written ZIP container, shared strings and numbers ------------------------

def _zipfile_archive(entries: list[tuple[str, bytes]]) -> bytes:
    """The reference: the ZIP XlsxWriter's Workbook._store_workbook writes in memory (and
    _fast_xlsx wrote through zipfile before), ZipInfo stamped 1980-01-01, deflated, no ZIP64."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=False) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = archive.compression
            archive.writestr(info, data)
    return buffer.getvalue()


_ZIP_NAMES = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1,
                     max_size=24)
# Repetitive contents as well as random bytes, so that deflate output of every kind occurs.
_ZIP_DATA = st.one_of(st.binary(max_size=3000), _XLSX_TEXT.map(lambda t: (t * 40).encode("utf-8")),
                      st.integers(0, 70000).map(lambda n: b"<row/>" * n))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_ZIP_NAMES, _ZIP_DATA), max_size=8, unique_by=lambda entry: entry[0]))
def test_hand_written_zip_equals_zipfile(entries):
    from generator import exports
    written = exports._zip([exports._zip_member(name, data) for name, data in entries])
    assert written == _zipfile_archive(entries)
    with zipfile.ZipFile(io.BytesIO(written)) as archive:
        assert archive.testzip() is None
        assert [(info.filename, archive.read(info)) for info in archive.infolist()] == entries


def test_xlsx_parts_are_the_reference_workbooks_parts():
    """A workbook's constant parts come from the reference compressed once; the archive still
    equals zipfile's for the same parts in the same order."""
    from generator import exports
    rows = [["一级指标", "二级指标", "指标值"], ["产出指标", "数量指标", "≥200"], ["产出指标", "质量指标", "100%"]]
    data = exports._xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    assert [name for name, _ in entries] == exports._xlsx_reference("绩效目标表", 3)["names"]
    assert data == _zipfile_archive(entries)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_xlsx_tables())
def test_fast_xlsx_opens_with_openpyxl(table):
    import openpyxl

    from generator import exports
    title, sheet, rows, merge, numeric = table
    data = exports._fast_xlsx(title, sheet, rows, merge, numeric)
    if data is None:
        return
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    assert ws.title == sheet and ws.max_row == len(rows) + 1 and ws.max_column == len(rows[0])
    expected = {f"A1:{exports._column_names(len(rows[0]))[-1]}1"} | {
        f"{exports._column_names(column)[-1]}{first + 2}:{exports._column_names(column)[-1]}{last + 2}"
        for column, first, last in exports._merge_runs(rows, merge)}
    assert {str(r) for r in ws.merged_cells.ranges} == expected
    # Text with XlsxWriter's _xHHHH_ escapes is compared with XlsxWriter's bytes in
    # test_fast_xlsx_equals_xlsxwriter instead; openpyxl reads those escapes its own way.
    covered = {(r, c - 1) for c, first, last in exports._merge_runs(rows, merge) for r in range(first + 1, last + 1)}
    assert ws.cell(1, 1).value == title or exports._ESCAPED_BY_XLSXWRITER.search(title)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            got = ws.cell(r + 2, c + 1).value
            if (r, c) in covered:
                assert got is None
            elif r and c in numeric and exports._exact_number(value) is not None:
                assert Decimal(repr(got)) == exports._exact_number(value)
            elif not exports._ESCAPED_BY_XLSXWRITER.search(value):
                assert got == value, (r, c)


_ANY_TEXT = st.one_of(st.text(st.characters(blacklist_categories=("Cs",))), _XLSX_TEXT,
                      st.text(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u3000_x0041A&<>\ufffe\uffff\x00甲")))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ANY_TEXT, max_size=4))
def test_shared_string_elements_equal_xlsxwriters(texts):
    from xlsxwriter import packager

    from generator import exports
    exports._literal_shared_strings()
    writer = packager.SharedStrings()
    expected = []
    for text in texts:
        writer._set_filehandle(io.StringIO())
        writer._write_si(text)
        expected.append(writer.fh.getvalue())
    assert [exports._shared_string(text) for text in texts] == expected
    table, by_text = dict.fromkeys(texts), dict(zip(texts, expected))
    for _ in range(2):  # the second time from the kept elements
        assert exports._shared_strings(table) == "".join(by_text[text] for text in table)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.from_regex(r"[0-9]{1,20}(\.[0-9]{1,20})?", fullmatch=True),
                 st.from_regex(r"0*[1-9]?[0-9]{0,16}(\.[0-9]{0,17}0*)?", fullmatch=True),
                 st.text(st.sampled_from("0123456789.１٣²e-+ "), max_size=8)))
def test_number_text_equals_xlsxwriters_number_format(text):
    from generator import exports
    number = exports._exact_number(text)
    assert exports._number_text(text) == (None if number is None else f"{number:.16G}")


# ---- the value sweep's whole-file look (load._clean) -------------------------------------------

_SWEEP_ALPHABET = st.sampled_from(list(',"\n\r\\a1- :\t\x07\x85\u202e#') + [
    "13912345678", "138 1234 5678", "110101199003074513", "6222020200112233445", "金额（元）", "明细项目",
    "\r\n", '""', "key: ", "- ", "'", "\\x07", "\\u202e", "\\n", "x" * 50])


def _sweep(kind: str, text: str, clean) -> tuple:
    from generator import load
    raw = load.RawData()
    reader = load._Reader(Path("/nonexistent"), raw, Path("/nonexistent/budget_data"))
    kept, load._clean = load._clean, clean
    try:
        node = getattr(reader, kind)(Path("/nonexistent/budget_data/x." + kind), text.encode("utf-8"))
    finally:
        load._clean = kept
    return (node is not None, [(d.code, str(d.location), d.message) for d in raw.diagnostics],
            [(p, key, d.code, str(d.location)) for p, key, d in raw.personal], raw.data_lines)


@SETTINGS
@given(kind=st.sampled_from(["csv", "yaml"]), text=st.lists(_SWEEP_ALPHABET, max_size=60).map("".join))
def test_whole_file_look_finds_what_the_per_value_look_finds(kind, text):
    """A file found clean as a whole skips the per-value control and length looks; findings
    (controls, lengths, personal numbers, data lines) must be those of the per-value look."""
    from generator import load
    fast = _sweep(kind, text, load._clean)
    slow = _sweep(kind, text, lambda text: False)
    assert fast == slow


# ---- money.parse_decimal's plain-digits path -----------------------------------------------------

_NUMBER_ALPHABET = st.sampled_from(list("0123456789.,+- 元万e") + ["０", "１", "²", "00", "000000000000000"])


@SETTINGS
@given(text=st.one_of(st.lists(_NUMBER_ALPHABET, max_size=24).map("".join),
                      st.decimals(min_value=0, max_value=10**16, allow_nan=False, allow_infinity=False).map(str),
                      st.integers(0, 10**17).map(str)),
       max_places=st.sampled_from([None, 0, 2, 4]), allow_yuan_suffix=st.booleans())
def test_parse_decimal_fast_path_equals_the_steps(text, max_places, allow_yuan_suffix):
    from generator import money
    fast = money.parse_decimal(text, max_places=max_places, allow_yuan_suffix=allow_yuan_suffix)
    steps = money._parse_decimal_steps(text, max_places=max_places, allow_yuan_suffix=allow_yuan_suffix)
    assert (fast.value, fast.error, fast.notes) == (steps.value, steps.error, steps.notes)
    assert fast.value is None or str(fast.value) == str(steps.value)  # same exponent, same digits


_small_diagnostics = st.builds(
    Diagnostic, code=st.sampled_from(["S201", "A410", "I519"]), severity=st.sampled_from(list(Severity)),
    location=st.builds(Location, path=st.sampled_from(["a.csv", "b.yaml"]), line=st.sampled_from([None, 1, 2]),
                       column=st.sampled_from([None, 3])),
    message=st.sampled_from(["m", "n"]), hint=st.sampled_from(["", "h"]),
    acknowledged=st.sampled_from([None, "理由"]))


@SETTINGS
@given(st.lists(_small_diagnostics, max_size=30))
def test_sort_diagnostics_is_sorted_set_of_them(diagnostics):
    """sort_diagnostics drops duplicates next to each other instead of through a set: the same
    diagnostics in the same order (where sort keys tie, in the order given, which a set left open)."""
    from generator.diagnostics import sort_diagnostics

    found = sort_diagnostics(diagnostics)
    reference = sorted(set(diagnostics), key=lambda d: d.sort_key)
    assert len(found) == len(reference) and set(found) == set(reference)
    assert [d.sort_key for d in found] == [d.sort_key for d in reference]
    first_seen = {d: i for i, d in reversed(list(enumerate(diagnostics)))}
    for earlier, later in zip(found, found[1:]):
        if earlier.sort_key == later.sort_key:
            assert first_seen[earlier] < first_seen[later]


def _reference_format_text(diagnostics) -> str:
    """format_text as first written: a pass over every finding per grouped rule."""
    from generator.diagnostics import GROUP_THRESHOLD
    from generator.rules import RULES

    def line(d):
        return f"{d.location}: {d.code} [{d.severity.label}] {d.message}"
    open_ = [d for d in diagnostics if d.acknowledged is None]
    counts = {}
    for d in open_:
        counts[d.code] = counts.get(d.code, 0) + 1
    lines, grouped = [], set()
    for d in open_:
        if counts[d.code] < GROUP_THRESHOLD:
            lines.append(line(d))
            if d.hint:
                lines.append(f"    提示：{d.hint}")
            continue
        if d.code in grouped:
            continue
        grouped.add(d.code)
        rule = RULES[d.code]
        lines.append(f"── {d.code} {rule.name}（{d.severity.label}，共 {counts[d.code]} 处；"
                     f"规则说明见网站 rules/{d.code}/）")
        lines += [f"  {line(x)}" for x in open_ if x.code == d.code]
        lines.append(f"    提示：{rule.fix}")
    acknowledged = [d for d in diagnostics if d.acknowledged is not None]
    if acknowledged:
        lines.append("已确认的问题（不计入失败）：")
        lines += [f"  {line(d)}（确认理由：{d.acknowledged}）" for d in acknowledged]
    return "\n".join(lines)


_placed_diagnostics = st.builds(
    Diagnostic, code=st.sampled_from(["S201", "A410", "I519", "S214"]), severity=st.sampled_from(list(Severity)),
    location=st.builds(Location, path=st.sampled_from(["a.csv", "b.yaml", "c.xlsx"]),
                       line=st.sampled_from([None, 1, 2]), column=st.sampled_from([None, 3]),
                       sheet=st.sampled_from([None, "表1"]), cell=st.sampled_from([None, "C7", "第 2 段"])),
    message=st.sampled_from(["m", "n"]), hint=st.sampled_from(["", "h"]),
    acknowledged=st.sampled_from([None, None, "理由"]))


@SETTINGS
@given(st.lists(_placed_diagnostics, max_size=40))
def test_format_text_equals_the_pass_per_rule(diagnostics):
    from generator.diagnostics import format_text

    assert format_text(diagnostics) == _reference_format_text(diagnostics)


def _reference_apply_acknowledgements(found, projects):
    """review.apply_acknowledgements as it was before its index: every acknowledgement tested
    against every finding."""
    from generator import review, rules

    result = list(found)
    for project in projects:
        for ack in project.acknowledgements:
            if not review._configurable(ack.rule, result):
                continue
            hits = [i for i, d in enumerate(result) if review._matches(ack, project.folder, d)]
            if not hits:
                result.append(rules.make("C001", ack.rule.location, code=ack.rule.value,
                                         location=ack.location.value))
            for index in hits:
                result[index] = result[index].replace(acknowledged=ack.reason.value)
    return result


_ACK_CODES = ["A407", "I519", "S214", "Z999"]  # configurable, configurable, not configurable, unknown
_ACK_FILES = ["project.yaml", "indicators.csv", "budget_items.csv"]


@st.composite
def _acknowledged_portal(draw):
    folders = ["budget_data/projects/2026/a", "budget_data/projects/2026/b"]
    where = Location("budget_data/projects/2026/a/project.yaml", 3, 1)
    found = draw(st.lists(st.builds(
        Diagnostic, code=st.sampled_from(_ACK_CODES[:3]), severity=st.just(Severity.WARNING),
        location=st.builds(Location, path=st.builds(lambda f, n: f"{f}/{n}", st.sampled_from(folders),
                                                      st.sampled_from(_ACK_FILES)),
                           line=st.sampled_from([None, 1, 2, 5])),
        message=st.sampled_from(["m", "n"])), max_size=25))
    projects = []
    for folder in folders:
        acks = draw(st.lists(st.builds(
            lambda code, file, line, why: model.Acknowledgement(
                model.Text(code, where), model.Text(f"{file}{line}", where), model.Text(why, where)),
            st.sampled_from(_ACK_CODES), st.sampled_from(_ACK_FILES),
            st.sampled_from(["", ":1", ":2", " : 5", ":x"]), st.sampled_from(["理由一", "理由二"])), max_size=4))
        projects.append(_AckProject(folder, tuple(acks)))
    return found, projects


class _AckProject:
    def __init__(self, folder, acknowledgements):
        self.folder, self.acknowledgements = folder, acknowledgements


@SETTINGS
@given(_acknowledged_portal())
def test_acknowledgements_found_through_the_index_are_those_found_by_testing_each(portal):
    """apply_acknowledgements looks only at findings with the rule's code in the named file: the
    same findings acknowledged, the same C001/C002 reports, in the same order."""
    from generator import review

    found, projects = portal
    assert review.apply_acknowledgements(found, projects) == _reference_apply_acknowledgements(found, projects)


_texts = st.builds(model.Text, st.text(max_size=5),
                   st.builds(Location, st.sampled_from(["a/project.yaml", "b.csv"]), st.none() | st.integers(1, 9),
                             st.none() | st.integers(1, 9), st.none() | st.just("表"), st.none() | st.just("C7")))


@SETTINGS
@given(st.builds(
    compute.ProjectHead, id=st.sampled_from(["a", "b-1"]), year=st.integers(2020, 2030), folder=st.just("p/a"),
    name=_texts, unit=_texts, kind=st.sampled_from(["项目", "部门整体"]),
    total=st.decimals(min_value=0, max_value=10**9, places=2).map(compute.amount),
    functional_classification=st.none() | st.builds(model.Classification, _texts, _texts),
    acknowledgements=st.lists(st.builds(model.Acknowledgement, _texts, _texts, _texts), max_size=2).map(tuple),
    is_unit_target=st.booleans()))
def test_a_packed_head_unpacks_equal(head):
    """The records keep each project's head as plain tuples: unpacked, it equals the head."""
    from generator import state

    assert state.unpack_head(state.pack_head(head)) == head


# _brackets as it was before the brackets were found with a regex (a loop per character).
def _reference_brackets(text):
    from generator import rules
    from generator.checks._text import at
    from generator.checks.text import CLOSERS, PAIRS

    stack = []
    for index, char in enumerate(text.value):
        if char in PAIRS:
            stack.append((char, index))
        elif char in CLOSERS:
            if stack and PAIRS[stack[-1][0]] == char:
                stack.pop()
            elif stack:
                opener, start = stack.pop()
                yield rules.make("T101", at(text, start), open=opener, close=char)
            else:
                yield rules.make("T101", at(text, index), open="（缺失）", close=char)
    for opener, start in stack:
        yield rules.make("T101", at(text, start), open=opener, close="（缺失）")


_BRACKET_TEXT = st.lists(st.sampled_from(list("（）()〔〕【】《》〈〉<>[]［］“”\"'a 字\n号")), max_size=40).map("".join)


@SETTINGS
@given(_BRACKET_TEXT, st.integers(1, 3))
def test_brackets_found_by_regex_equal_the_loop_per_character(value, line):
    from generator.checks.text import _brackets

    text = model.Text(value, Location("p/project.yaml", line, 5))
    assert list(_brackets(text)) == list(_reference_brackets(text))


_CITATION_TEXT = st.lists(st.sampled_from(
    ["呈办通", "人社部发", "依据", "〔", "〕", "【", "】", "[", "]", "（", "）", "(", ")", "〈", "〉", "<", ">",
     "2024", "202", "18", "0", "号", " ", "\n", "文", "，"]), max_size=16).map("".join)


@SETTINGS
@given(_CITATION_TEXT)
def test_citations_behind_the_tail_look_equal_every_doc_number_match(value):
    """_citations looks for the end of a 文号 first: it finds what DOC_NUMBER finds in the whole text."""
    from generator.checks._text import at
    from generator.checks.references import DOC_NUMBER, _citations

    text = model.Text(value, Location("p/project.yaml", 2, 5))
    assert [(m.group(0), where) for m, where in _citations(text)] == \
        [(m.group(0), at(text, m.start())) for m in DOC_NUMBER.finditer(value)]


def test_no_character_but_yuan_normalizes_to_yuan():
    """The amount checks skip paragraphs without 元 unnormalized: NFKC makes 元 of nothing else."""
    import sys
    import unicodedata

    assert [c for c in range(sys.maxunicode + 1) if "元" in unicodedata.normalize("NFKC", chr(c))] == [ord("元")]


@SETTINGS
@given(st.lists(st.sampled_from(["元", "圆", "万", "５", "5", "０", "（", "）", "/", "＝", "×", "份", "\u3000", "ｘ"]),
                max_size=20).map("".join))
def test_paragraphs_with_yuan_are_those_whose_nfkc_form_has_it(value):
    import unicodedata

    from generator.checks.arithmetic import _with_yuan

    normalized = unicodedata.normalize("NFKC", value)
    assert _with_yuan(value) == (normalized if "元" in normalized else None)


@SETTINGS
@given(st.builds(Location, st.sampled_from(["a.csv", "b/c.yaml"]), st.none() | st.integers(1, 9),
                 st.none() | st.integers(1, 9), st.none() | st.just("表1"), st.none() | st.sampled_from(["C7", "第 2 段"])))
def test_a_location_is_its_fields(location):
    """A Location is a tuple of its fields: it pickles, compares and sorts as they do."""
    fields = (location.path, location.line, location.column, location.sheet, location.cell)
    assert tuple(location) == fields
    assert pickle.loads(pickle.dumps(location)) == location
    assert type(pickle.loads(pickle.dumps(location))) is Location
    assert Location(*fields) == location and hash(Location(*fields)) == hash(location)
    assert Diagnostic("S212", Severity.ERROR, location, "m").location == location


def test_slot_inits_set_what_the_dataclass_inits_set():
    """compact and slot_init replace a frozen dataclass's __init__: given the required fields only,
    and given every field, both set the same values (defaults and default factories included)."""
    import inspect
    from dataclasses import fields

    from generator import diagnostics

    assert {cls.__name__ for cls in diagnostics.REPLACED_INITS} >= {"Text", "Project", "Indicator", "ItemRow", "Amount"}
    for cls, original in diagnostics.REPLACED_INITS.items():
        assert inspect.signature(cls.__init__) == inspect.signature(original), cls.__name__
        required = [p for p in inspect.signature(original).parameters.values()
                    if p.name != "self" and p.default is inspect.Parameter.empty]
        given = {p.name: f"value of {p.name}" for p in required}
        every = {f.name: f"value of {f.name}" for f in fields(cls) if f.init}
        for arguments in (given, every):
            made, expected = object.__new__(cls), object.__new__(cls)
            made.__init__(**arguments)
            original(expected, **arguments)
            for f in fields(cls):
                assert hasattr(made, f.name) == hasattr(expected, f.name), (cls.__name__, f.name)
                if hasattr(expected, f.name):
                    assert getattr(made, f.name) == getattr(expected, f.name), (cls.__name__, f.name)
        if required:
            try:
                cls()
            except TypeError:
                pass
            else:
                raise AssertionError(f"{cls.__name__}() made without its required fields")


# parse_value as it was before its comparison words were looked for all at once.
def _reference_parse_value(printed: str):
    from generator.values import _LEADING, _NOTE, _NUMBER_UNIT, _TRAILING, normalize

    text = _NOTE.sub("", normalize(printed)).replace(",", "")
    comparison = ""
    for word, symbol in _LEADING:
        if text.startswith(word):
            comparison, text = symbol, text[len(word):].strip()
            break
    for word, symbol in sorted(_TRAILING, key=lambda pair: -len(pair[0])):
        if text.endswith(word) and len(text) > len(word):
            if not comparison:
                comparison = symbol
            text = text[: -len(word)].strip()
            break
    match = _NUMBER_UNIT.fullmatch(text)
    if not match:
        return model.ParsedValue(comparison, None, "", False)
    return model.ParsedValue(comparison, Decimal(match.group(1)), match.group(2).strip(), True)


@SETTINGS
@given(st.lists(st.sampled_from(["≥", ">=", "＞", "不低于", "达到", "大于", "95", "3.5", ",", "%", "天", "以上", "及以上",
                                 "以内", "前", "之后", "（说明）", " ", "万元", "份"]), max_size=6).map("".join))
def test_parse_value_equals_the_word_by_word_reading(printed):
    from generator.values import parse_value

    assert parse_value(printed) == _reference_parse_value(printed)


@SETTINGS
@given(before=st.binary(max_size=300), grown=st.binary(max_size=200), limit=st.integers(1, 400), shrink=st.booleans())
def test_read_to_end_reads_what_a_buffered_read_of_the_limit_reads(tmp_path_factory, before, grown, limit, shrink):
    """load._read_to_end asks for the size fstat gave: the file read whole (to ``limit``) as a
    buffered read of ``limit`` bytes reads it, also when it grew or shrank after the fstat."""
    import os

    from generator.load import _read_to_end

    path = tmp_path_factory.mktemp("read") / "f"
    path.write_bytes(before)
    handle = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(handle).st_size
        if shrink:
            path.write_bytes(before[: len(before) // 2])
        else:
            with open(path, "ab") as more:
                more.write(grown)
        with open(path, "rb") as stream:
            expected = stream.read(limit)
        assert _read_to_end(handle, size, limit) == expected
    finally:
        os.close(handle)
