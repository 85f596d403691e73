"""Downloads, the Fiscal Data Package, charts and the portal footer (no browser needed)."""

from __future__ import annotations

import csv
import io
import json
import pickle
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

DOWNLOADS = "docs_src/downloads/2026/talent-service-funds"


def test_csv_downloads_have_a_bom_and_the_tables(workspace):
    assert workspace.build().code == 0
    raw = workspace.path(f"{DOWNLOADS}/budget_items.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["序号", "明细项目"]
    assert rows[-1][1] == "合计" and rows[-1][6] == "660000.00" and rows[-1][9] == "人民币陆拾陆万元整"
    assert ["2.2", "流动人员人事档案邮政快递费用", "人才管理经费", "200", "份", "25.00", "5000.00", "0.50", "0.76%"] \
        == rows[4][:9]
    indicators = list(csv.reader(io.StringIO(workspace.path(f"{DOWNLOADS}/indicators.csv").read_bytes()
                                             .decode("utf-8-sig"))))
    assert len(indicators) == 7 and indicators[5][4] == "维护社会稳定性"


def test_xlsx_uses_the_official_layout_with_merged_cells(workspace):
    assert workspace.build().code == 0
    sheet = load_workbook(workspace.path(f"{DOWNLOADS}/indicators.xlsx")).active
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert merged == {"A1:J1", "A3:A6", "B5:B6"}  # title; 产出指标 ×4; 时效指标 ×2
    assert [c.value for c in sheet[2]][:3] == ["一级指标", "二级指标", "三级指标"]
    assert sheet.print_title_rows == "$2:$2"  # header row repeats on every printed page
    budget = load_workbook(workspace.path(f"{DOWNLOADS}/budget_items.xlsx")).active
    amounts = [row[6] for row in budget.iter_rows(min_row=3, values_only=True)]
    assert amounts == [650000, 10000, 5000, 5000, 660000]


def test_project_json_is_exact(workspace):
    assert workspace.build().code == 0
    document = json.loads(workspace.path(f"{DOWNLOADS}/project.json").read_text(encoding="utf-8"))
    assert document["total"] == {"yuan": "660000.00", "wan": "66.00", "capitals": "人民币陆拾陆万元整"}
    assert [i["amount"] for i in document["budget_items"]] == ["650000.00", "10000.00", "5000.00", "5000.00"]
    assert len(document["unit"]["duties"]) == 12 and len(document["legal_bases"]) == 3


def test_fiscal_data_package_validates(workspace):
    assert workspace.build().code == 0
    descriptor = workspace.path("docs_src/data/datapackage.json")
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    assert package["model"]["measures"]["amount"]["currency"] == "CNY"
    assert package["model"]["measures"]["amount"]["phase"] == "proposed"
    frictionless = Path(sys.executable).parent / "frictionless"
    completed = subprocess.run([str(frictionless), "validate", "--json", str(descriptor)],
                               capture_output=True, text=True, timeout=300)
    report = json.loads(completed.stdout)
    assert completed.returncode == 0 and report["valid"] is True, completed.stdout[:2000]
    rows = list(csv.DictReader(io.StringIO(
        workspace.path("docs_src/data/budget_items.csv").read_text(encoding="utf-8"))))
    assert sum(int(r["amount"].split(".")[0]) for r in rows if not r["parent_item"]) == 660000


def test_project_chart_is_an_accessible_inline_svg(workspace):
    assert workspace.build().code == 0
    page = workspace.read("docs_src/projects/2026/talent-service-funds.md")
    svg = page[page.index("<svg"): page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="chart-budget-title chart-budget-desc"' in svg
    assert "<desc id=\"chart-budget-desc\">呈贡区辅助性岗位人员年度考核绩效奖：650,000.00 元（98.48%）；" \
           "人才管理经费：10,000.00 元（1.52%）</desc>" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_footer_shows_filing_numbers_only_when_configured(workspace):
    assert workspace.build().code == 0
    meta = workspace.read("docs_src/index.md").split("---\n")[1]
    assert '"website_code": ""' in meta and '"icp_record": ""' in meta
    workspace.replace("budget_data/portal.yaml", 'website_code: ""', 'website_code: "5301140001"')
    workspace.replace("budget_data/portal.yaml", 'icp_record: ""', 'icp_record: "滇ICP备00000000号"')
    assert workspace.build().code == 0
    meta = workspace.read("docs_src/index.md").split("---\n")[1]
    assert '"website_code": "5301140001"' in meta and '"icp_record": "滇ICP备00000000号"' in meta
    override = Path(__file__).parent.parent / "site_templates" / "overrides" / "partials" / "copyright.html"
    text = override.read_text(encoding="utf-8")
    assert "{% if footer.website_code %}" in text and "{% if footer.police_record %}" in text


def test_data_version_follows_the_data_and_build_date_follows_source_date_epoch(workspace, monkeypatch):
    def footer() -> dict:
        meta = workspace.read("docs_src/index.md").split("---\n")[1]
        return json.loads(meta.split("portal_footer: ", 1)[1])

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert workspace.build().code == 0
    first = footer()
    assert first["build_date"] == "" and len(first["data_version"]) == 12
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z = 08:00 in Kunming
    assert workspace.build().code == 0
    assert footer()["build_date"] == "2026年1月1日"
    assert footer()["data_version"] == first["data_version"]
    workspace.replace("budget_data/projects/2026/talent-service-funds/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert footer()["data_version"] != first["data_version"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_csv_cells_never_start_a_formula_and_always_give_the_value_back(value):
    from generator.exports import _FORMULA_START, csv_cell, csv_cell_original

    cell = csv_cell(value)
    assert not cell.startswith(_FORMULA_START)
    assert csv_cell_original(cell) == value


def _numbers_in_column_b(sheet: str) -> list[str]:
    """The stored text of column B's number cells (a shared string has t="s")."""
    import re

    return re.findall(r'<c r="B\d+" s="\d+"><v>([^<]*)</v>', sheet)


def _sheet_xml(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_xlsx_money_is_stored_exactly():
    """openpyxl stored Decimal("90607162.49") as the float 90607162.48999999; the XML holds the digits."""
    from generator.exports import _xlsx

    rows = [["名称", "金额（元）"], ["甲", "90607162.49"], ["乙", "0.10"], ["丙", "650000.00"], ["丁", "999999999999.99"]]
    sheet = _sheet_xml(_xlsx("表", "表", rows, numeric_columns=(1,)))
    values = _numbers_in_column_b(sheet)
    assert values == ["90607162.49", "0.1", "650000", "999999999999.99"]
    assert "48999999" not in sheet


@settings(max_examples=150, deadline=None)
# Control characters never reach a download (the loader refuses them), so the text has none.
@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=10).filter(lambda s: s.strip() == s), min_size=1, max_size=6),
       st.lists(st.decimals(min_value=0, max_value=10**12 - 1, places=2, allow_nan=False), min_size=1, max_size=6))
def test_xlsx_cells_are_text_or_exact_numbers_never_formulas(texts, amounts):
    """Every text comes back as the same string (a leading "=" included), every amount as its digits."""
    from decimal import Decimal

    from generator.exports import _xlsx

    rows = [["文字", "金额"]] + [[t, format(a, "f")] for t, a in zip(texts, amounts)]
    data = _xlsx("表", "表", rows, numeric_columns=(1,))
    sheet = _sheet_xml(data)
    assert "<f>" not in sheet and "<f " not in sheet
    book = load_workbook(io.BytesIO(data)).active
    got = [[c.value for c in row] for row in book.iter_rows(min_row=3)]
    for (text, amount), (cell_text, cell_amount) in zip([r for r in rows[1:]], got):
        assert cell_text == text
        assert isinstance(cell_amount, (int, float)) and Decimal(repr(cell_amount)) == Decimal(amount)
    stored = _numbers_in_column_b(sheet)
    assert [Decimal(v) for v in stored] == [Decimal(r[1]) for r in rows[1:]]


def _json_values(leaves):
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=30)


# What a project document holds, and floats (which it never holds) to reach the json.dumps fallback.
_PROJECT_JSON_VALUES = _json_values(st.one_of(st.none(), st.booleans(), st.integers(), st.text()))
_OTHER_JSON_VALUES = _json_values(st.one_of(st.text(), st.floats(allow_nan=False)))


@settings(max_examples=300, deadline=None)
@given(st.one_of(_PROJECT_JSON_VALUES, _OTHER_JSON_VALUES))
def test_project_json_text_equals_json_dumps(value):
    """project.json is written without json's pure-Python indenting encoder; the text is the same."""
    from generator.exports import _json_text

    assert _json_text(value) == json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


def test_project_json_of_the_shipped_project_equals_json_dumps():
    from generator import compute, exports, pipeline

    root = Path(__file__).resolve().parent.parent
    dataset = pipeline.gather(root / "budget_data", root).dataset
    assert dataset is not None and dataset.projects
    for project in dataset.projects:
        text = exports._project_json(compute.project_view(project, dataset.units[project.unit.value]))
        document = json.loads(text)
        assert text == (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


# Cells as budget data has them, and the characters that the CSV writer or the joined-text path
# treat specially: quotes, separators, line breaks, formula triggers, the joining characters.
_CSV_CELLS = st.text(st.sampled_from(list("ab甲,\"'\r\n\t=+-@＝＋－＠ \x00\x01")), max_size=6)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(_CSV_CELLS, max_size=4), max_size=5), st.sampled_from(["\r\n", "\n"]))
def test_csv_text_equals_the_csv_module(rows, terminator):
    """The downloads' CSV is made from the joined table; the text is csv.writer's (QUOTE_ALL,
    csv_cell on every value), whatever the cells hold."""
    from generator.exports import _csv_module, _quoted_csv

    assert _quoted_csv(rows, terminator) == _csv_module(rows, terminator)


def test_csv_guards_every_cell_that_starts_a_formula():
    from generator.exports import _csv, csv_cell_original

    rows = [["=1+1", "a", "+2"], ["-3", "@SUM(A1)", "＝4"], ["'x", "\tt", "b"]]
    text = _csv(rows).decode("utf-8")
    assert text == ('\ufeff"\'=1+1","a","\'+2"\r\n"\'-3","\'@SUM(A1)","\'＝4"\r\n'
                    '"\'\'x","\'\tt","b"\r\n')
    read = list(csv.reader(io.StringIO(text[1:])))
    assert [[csv_cell_original(cell) for cell in row] for row in read] == rows


class _DictStore:
    """A cache.Store's get/put, in memory."""

    def __init__(self):
        self.entries = {}

    def get(self, key):
        return self.entries.get(key)

    def put(self, key, value):
        self.entries[key] = value


def test_xlsx_reference_is_kept_in_the_store_and_a_damaged_one_is_made_again(monkeypatch):
    from generator import exports

    rows = [["一级", "二级", "名称"], ["产出", "数量", "甲"], ["产出", "质量", "乙"]]
    expected = exports._xlsxwriter_xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2))
    monkeypatch.setattr(exports, "_XLSX_REFERENCES", {})
    store = _DictStore()
    assert exports._xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2), store=store) == expected
    (key, stored), = store.entries.items()
    assert set(stored) == set(exports._REFERENCE_FIELDS)

    # Another process: the reference comes from the store, without XlsxWriter.
    made = []
    real = exports._make_xlsx_reference
    monkeypatch.setattr(exports, "_make_xlsx_reference", lambda *a: made.append(a) or real(*a))
    monkeypatch.setattr(exports, "_XLSX_REFERENCES", {})
    assert exports._xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2), store=store) == expected
    assert made == []

    # Entries of another shape are made again and replaced, never used.
    broken_member = {**stored["members"], stored["names"][0]: (b"junk", b"", b"")}
    for damaged in (None, "junk", {**stored, "columns": ["A"]}, {**stored, "members": broken_member},
                    {k: v for k, v in stored.items() if k != "head"}):
        store.entries[key] = damaged
        monkeypatch.setattr(exports, "_XLSX_REFERENCES", {})
        made.clear()
        assert exports._xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2), store=store) == expected
        assert made == [("绩效目标表", 3)]
        assert store.entries[key] == stored


def test_a_build_with_stored_references_does_not_import_xlsxwriter(tmp_path, monkeypatch):
    """A build after a change makes that project's downloads; with the reference workbooks in
    the store, XlsxWriter is not even imported (its import was most of the cost)."""
    from generator import cache, compute, exports, pipeline

    root = Path(__file__).resolve().parent.parent
    dataset = pipeline.gather(root / "budget_data", root).dataset
    project = dataset.projects[0]
    monkeypatch.setattr(exports, "_XLSX_REFERENCES", {})  # made by this process's other tests
    store = cache.Store(tmp_path / "store")
    view = compute.project_view(project, dataset.units[project.unit.value])
    files = exports.project_downloads(view, store=store)
    store.close()
    script = (
        "import pickle, sys\n"
        "from pathlib import Path\n"
        "from generator import cache, compute, exports, pipeline\n"
        f"root = Path({str(root)!r})\n"
        "dataset = pipeline.gather(root / 'budget_data', root).dataset\n"
        "project = dataset.projects[0]\n"
        f"store = cache.Store(Path({str(tmp_path / 'store')!r}))\n"
        "files = exports.project_downloads(compute.project_view(project, dataset.units[project.unit.value]),"
        " store=store)\n"
        "sys.stdout.buffer.write(pickle.dumps((files, sorted(m for m in sys.modules if m.startswith('xlsxwriter')))))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, check=True)
    again, imported = pickle.loads(result.stdout)
    assert again == files
    assert imported == []


def test_packed_downloads_make_the_same_files_and_a_damaged_copy_is_refused(monkeypatch):
    """The store keeps each XLSX as its own parts; unpacked, they are the workbook's bytes. A
    copy of another shape gives None (the build then makes the files again)."""
    from generator import compute, exports, pipeline

    root = Path(__file__).resolve().parent.parent
    dataset = pipeline.gather(root / "budget_data", root).dataset
    monkeypatch.setattr(exports, "_XLSX_REFERENCES", {})
    store = _DictStore()
    for project in dataset.projects:
        view = compute.project_view(project, dataset.units[project.unit.value])
        files = exports.project_downloads(view)
        packed = exports.project_downloads(view, store=store, packed=True)
        workbooks = [path for path in files if path.endswith(".xlsx")]
        assert workbooks and all(type(packed[path]) is tuple for path in workbooks)
        assert sum(len(member) for path in workbooks for entry in packed[path][3] for member in entry) \
            < sum(len(files[path]) for path in workbooks) / 2
        assert exports.unpacked_downloads(packed, store=store) == files
        monkeypatch.setattr(exports, "_XLSX_REFERENCES", {})  # another process: references from the store
        assert exports.unpacked_downloads(pickle.loads(pickle.dumps(packed)), store=store) == files
        path = workbooks[0]
        kind, sheet, width, own = packed[path]
        for damaged in (None, [], {1: b""}, {path: "text"}, {path: (kind, sheet, width, own[:2])},
                        {path: (kind, sheet, width, (*own[:2], (b"", b"")))}, {path: ("zip", sheet, width, own)},
                        {path: (kind, sheet, str(width), own)}):
            assert exports.unpacked_downloads(damaged, store=store) is None


def test_a_reference_this_process_holds_is_still_kept_in_each_store(tmp_path):
    """A process that builds again and again (`serve`, the tests) holds the XLSX references in
    memory: each store is still read or given them, or the build would not use (and so prune)
    its entries, and a damaged entry would stay damaged."""
    from generator import cache, exports
    exports._xlsx_reference("绩效目标表", 10)  # held by the process, no store involved
    key = cache.key("xlsx-reference", "绩效目标表", "10")
    for name in ("first", "second"):
        store = cache.Store(tmp_path / name)
        exports._xlsx_reference("绩效目标表", 10, store)
        assert key in store.used
        assert exports._checked_reference(store.get(key), 10) is not None


def test_every_reference_a_build_stores_is_one_it_keeps(tmp_path):
    """exports.reference_keys() names every XLSX reference the downloads use (pipeline keeps
    them from pruning): those of a build with both tables, indicator layouts of 4 to 12 columns."""
    from generator import cache, exports
    store = cache.Store(tmp_path / "store")
    for width in (4, 10, 12):
        rows = [[f"t{c}" for c in range(width)], [f"v{c}" for c in range(width)]]
        exports._xlsx("标题", "绩效目标表", rows, merge_columns=(1, 2), store=store)
    rows = [exports.BUDGET_HEADER, ["1"] * len(exports.BUDGET_HEADER)]
    exports._xlsx("标题", "资金测算明细表", rows, numeric_columns=(3, 5, 6, 7), store=store)
    assert len(store.used) == 4  # one reference per shape, nothing else
    assert store.used <= set(exports.reference_keys())
