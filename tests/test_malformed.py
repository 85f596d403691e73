"""A catalogue of malformed inputs. Each gives located diagnostics and never a traceback.

Every case breaks the shipped data in one way and states which ``(code, path, line)``
tuples must appear and what exit code ``check`` returns. Lines are found by searching
for the text the case planted, so the expectation is "reported where the fault is".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conftest import PROJECT_DIR, UNIT_FILE, Workspace, line_of

PROJECT_YAML = f"{PROJECT_DIR}/project.yaml"
BUDGET = f"{PROJECT_DIR}/budget_items.csv"
INDICATORS = f"{PROJECT_DIR}/indicators.csv"
PORTAL = "budget_data/portal.yaml"

BUDGET_HEADER = "明细项目,上级项目,数量,计量单位,单价（元）,金额（元）,测算依据"
IND_HEADER = "一级指标,二级指标,三级指标,指标性质,指标值,度量单位,指标属性,评（扣）分标准,指标内容,指标值设定依据及数据来源"
GOOD_BUDGET = (BUDGET_HEADER + "\n"
               "呈贡区辅助性岗位人员年度考核绩效奖,,,,,650000,依据\n"
               "人才管理经费,,,,,10000,依据\n")



@dataclass
class Case:
    id: str
    mutate: Callable[[Workspace], None]
    expect: Callable[[Workspace], set[tuple[str, str, int | None]]]
    exit_code: int


def _budget(ws: Workspace, rows: str, encoding: str = "utf-8") -> None:
    ws.write(BUDGET, BUDGET_HEADER + "\n" + rows, encoding)


CASES = [
    # ---- encodings: read correctly with at most a warning -----------------------------------
    Case("csv-gbk",
         lambda ws: ws.write(BUDGET, ws.read(BUDGET), "gb18030"),
         lambda ws: {("F102", BUDGET, 1)}, 0),
    Case("csv-gbk-indicators",
         lambda ws: ws.write(INDICATORS, ws.read(INDICATORS), "gbk"),
         lambda ws: {("F102", INDICATORS, 1)}, 0),
    Case("csv-utf16",
         lambda ws: ws.write_bytes(BUDGET, ws.read(BUDGET).encode("utf-16")),
         lambda ws: {("F101", BUDGET, 1)}, 1),
    Case("yaml-not-utf8",
         lambda ws: ws.write(PROJECT_YAML, ws.read(PROJECT_YAML), "gb18030"),
         lambda ws: {("F101", PROJECT_YAML, 1)}, 1),
    # ---- numbers -----------------------------------------------------------------------------
    Case("fullwidth-digits",
         lambda ws: ws.replace(BUDGET, ",650000,", ",６５００００,"),
         lambda ws: {("S211", BUDGET, line_of(ws, BUDGET, "６５００００"))}, 0),
    Case("thousands-separator",
         lambda ws: ws.replace(BUDGET, ",650000,", ',"650,000",'),
         lambda ws: {("S211", BUDGET, line_of(ws, BUDGET, "650,000"))}, 0),
    Case("yuan-suffix",
         lambda ws: ws.replace(BUDGET, ",10000,", ",10000元,"),
         lambda ws: {("S211", BUDGET, line_of(ws, BUDGET, "10000元"))}, 0),
    Case("amount-in-wan",
         lambda ws: ws.replace(BUDGET, ",650000,", ",65万,"),
         lambda ws: {("S210", BUDGET, line_of(ws, BUDGET, "65万"))}, 1),
    Case("negative-amount",
         lambda ws: ws.replace(BUDGET, ",10000,", ",-10000,"),
         lambda ws: {("S209", BUDGET, line_of(ws, BUDGET, "-10000"))}, 1),
    Case("scientific-notation",
         lambda ws: ws.replace(BUDGET, ",650000,", ",6.5E+05,"),
         lambda ws: {("S208", BUDGET, line_of(ws, BUDGET, "6.5E+05"))}, 1),
    Case("sub-cent-precision",
         lambda ws: ws.replace(BUDGET, ",25,", ",25.005,"),
         lambda ws: {("S208", BUDGET, line_of(ws, BUDGET, "25.005"))}, 1),
    Case("text-in-number",
         lambda ws: ws.replace(BUDGET, ",200,", ",约200,"),
         lambda ws: {("S208", BUDGET, line_of(ws, BUDGET, "约200"))}, 1),
    Case("empty-amount",
         lambda ws: ws.replace(BUDGET, ",10000,", ",,"),
         lambda ws: {("S212", BUDGET, line_of(ws, BUDGET, "人才管理经费,,"))}, 1),
    # ---- CSV structure -----------------------------------------------------------------------
    Case("ragged-row-extra-cell",
         lambda ws: ws.replace(BUDGET, ",10000,", ",10,000,"),
         lambda ws: {("F109", BUDGET, line_of(ws, BUDGET, "10,000"))}, 1),
    Case("ragged-row-missing-cells",
         lambda ws: _budget(ws, "人才管理经费,,,,,10000\n"),
         lambda ws: {("F109", BUDGET, 2)}, 1),
    Case("empty-file",
         lambda ws: ws.write(BUDGET, ""),
         lambda ws: {("F103", BUDGET, None)}, 1),
    Case("header-only",
         lambda ws: ws.write(BUDGET, BUDGET_HEADER + "\n"),
         lambda ws: {("S215", BUDGET, 1)}, 1),
    Case("missing-column",
         lambda ws: ws.write(BUDGET, "\n".join(line.rsplit(",", 1)[0] for line in GOOD_BUDGET.splitlines())),
         lambda ws: {("S205", BUDGET, 1)}, 1),
    Case("unknown-column",
         lambda ws: ws.replace(BUDGET, "金额（元）", "金额（万元）"),
         lambda ws: {("S206", BUDGET, 1), ("S205", BUDGET, 1)}, 1),
    Case("duplicate-column",
         lambda ws: ws.write(INDICATORS, IND_HEADER + ",指标值\n产出指标,数量指标,场数,=,4,场,,,,,4\n"),
         lambda ws: {("S207", INDICATORS, 1)}, 1),
    Case("unclosed-quote",
         lambda ws: _budget(ws, '人才管理经费,,,,,10000,"依据\n'),
         lambda ws: {("F108", BUDGET, 2)}, 1),
    Case("semicolon-separated",
         lambda ws: ws.write(BUDGET, GOOD_BUDGET.replace(",", ";")),
         lambda ws: {("F108", BUDGET, 1)}, 1),
    Case("empty-indicator-name",
         lambda ws: ws.replace(INDICATORS, ",人才评审准确率,=,100%,", ",,=,100%,"),
         lambda ws: {("S212", INDICATORS, line_of(ws, INDICATORS, "质量指标,,=,100%,"))}, 1),
    # Issue 9: a blank 指标值 is recorded as the source prints it and reported for review, not rejected.
    Case("empty-indicator-value",
         lambda ws: ws.replace(INDICATORS, "=,100%,", "=,,"),
         lambda ws: {("I526", INDICATORS, line_of(ws, INDICATORS, ",人才评审准确率,"))}, 0),
    Case("duplicate-item-name",
         lambda ws: _budget(ws, "办公费,,,,,10,a\n办公费,,,,,20,b\n"),
         lambda ws: {("X302", BUDGET, 3)}, 1),
    Case("unknown-parent",
         lambda ws: ws.replace(BUDGET, "优秀人才初评初审,人才管理经费", "优秀人才初评初审,人才经费"),
         lambda ws: {("X303", BUDGET, line_of(ws, BUDGET, "优秀人才初评初审,人才经费"))}, 1),
    Case("parent-cycle",
         lambda ws: _budget(ws, "甲,乙,,,,10,a\n乙,甲,,,,10,b\n"),
         lambda ws: {("X304", BUDGET, 2), ("X304", BUDGET, 3)}, 1),
    # ---- YAML --------------------------------------------------------------------------------
    Case("duplicate-yaml-key",
         lambda ws: ws.replace(PROJECT_YAML, "unit: chenggong", "name: 重复的名称\nunit: chenggong"),
         lambda ws: {("F106", PROJECT_YAML, line_of(ws, PROJECT_YAML, "重复的名称"))}, 1),
    Case("unquoted-date",
         lambda ws: ws.replace(PROJECT_YAML, "period: 2026年\n", "period: 2026-01-01\n"),
         lambda ws: {("S204", PROJECT_YAML, line_of(ws, PROJECT_YAML, "2026-01-01"))}, 0),
    Case("unquoted-yes",
         lambda ws: ws.replace(UNIT_FILE, "funding_source: 区级财政预算", "funding_source: yes"),
         lambda ws: {("S204", UNIT_FILE, line_of(ws, UNIT_FILE, "funding_source: yes"))}, 0),
    Case("tab-indentation",
         lambda ws: ws.replace(PROJECT_YAML, "  - number: 呈办通〔2024〕18号", "\t- number: 呈办通〔2024〕18号"),
         lambda ws: {("F105", PROJECT_YAML, line_of(ws, PROJECT_YAML, "\t- number"))}, 1),
    Case("yaml-syntax-unclosed-quote",
         lambda ws: ws.replace(PROJECT_YAML, "name: 人才服务管理经费", 'name: "人才服务管理经费'),
         lambda ws: {("F104", PROJECT_YAML, None)}, 1),
    Case("yaml-colon-in-text",
         lambda ws: ws.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才服务: 管理经费"),
         lambda ws: {("F104", PROJECT_YAML, line_of(ws, PROJECT_YAML, "人才服务: 管理经费"))}, 1),
    Case("unknown-field-typo",
         lambda ws: ws.replace(PROJECT_YAML, "\noverview:", "\noverveiw:"),
         # overview is optional (issue 9), so the misspelt key is the only problem.
         lambda ws: {("S202", PROJECT_YAML, line_of(ws, PROJECT_YAML, "overveiw:"))}, 1),
    Case("missing-field",
         lambda ws: ws.replace(PROJECT_YAML, "name: 人才服务管理经费\n", ""),
         lambda ws: {("S201", PROJECT_YAML, line_of(ws, PROJECT_YAML, "unit:"))}, 1),
    Case("empty-field",
         lambda ws: ws.replace(UNIT_FILE, "address: 云南省昆明市呈贡区惠景园D7幢16楼", 'address: ""'),
         lambda ws: {("S212", UNIT_FILE, line_of(ws, UNIT_FILE, "address:"))}, 1),
    Case("wrong-type-list-as-text",
         lambda ws: ws.replace(UNIT_FILE, "duties:\n", "duties: 见附件\nignored:\n"),
         lambda ws: {("S203", UNIT_FILE, line_of(ws, UNIT_FILE, "duties: 见附件"))}, 1),
    Case("top-level-list",
         lambda ws: ws.write(PORTAL, "- title: x\n"),
         lambda ws: {("S203", PORTAL, 1)}, 1),
    Case("python-tag",
         lambda ws: ws.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: !!python/object/apply:os.system [echo]"),
         lambda ws: {("F107", PROJECT_YAML, line_of(ws, PROJECT_YAML, "!!python"))}, 1),
    Case("anchor-alias",
         lambda ws: ws.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: &n 人才服务管理经费\nalias: *n"),
         lambda ws: {("F107", PROJECT_YAML, line_of(ws, PROJECT_YAML, "&n"))}, 1),
    Case("multiple-documents",
         lambda ws: ws.write(PORTAL, ws.read(PORTAL) + "---\ntitle: 第二个文档\n"),
         lambda ws: {("F107", PORTAL, line_of(ws, PORTAL, "---"))}, 1),
    Case("yaml-only-comments",
         lambda ws: ws.write(PORTAL, "# 只有注释\n"),
         lambda ws: {("F103", PORTAL, None)}, 1),
    Case("yaml-control-character",
         lambda ws: ws.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才\x00服务管理经费"),
         lambda ws: {("F104", PROJECT_YAML, line_of(ws, PROJECT_YAML, "\x00"))}, 1),
    # ---- references and layout ---------------------------------------------------------------
    Case("unknown-unit",
         lambda ws: ws.replace(PROJECT_YAML, "unit: chenggong-employment-talent-center", "unit: chenggong-talent"),
         lambda ws: {("X301", PROJECT_YAML, line_of(ws, PROJECT_YAML, "unit: chenggong-talent"))}, 1),
    Case("missing-project-file",
         lambda ws: ws.path(INDICATORS).unlink(),
         lambda ws: {("S214", PROJECT_DIR, None)}, 1),
    Case("misnamed-project-file",
         lambda ws: ws.path(PROJECT_YAML).rename(ws.path(f"{PROJECT_DIR}/project.yml")),
         lambda ws: {("F111", f"{PROJECT_DIR}/project.yml", None), ("S214", PROJECT_DIR, None)}, 1),
    Case("non-ascii-project-folder",
         lambda ws: ws.path(PROJECT_DIR).rename(ws.path("budget_data/projects/2026/人才经费")),
         lambda ws: {("S213", "budget_data/projects/2026/人才经费", None)}, 1),
    Case("bad-year-folder",
         lambda ws: ws.path("budget_data/projects/2026").rename(ws.path("budget_data/projects/二〇二六")),
         lambda ws: {("S213", "budget_data/projects/二〇二六/talent-service-funds", None)}, 1),
    Case("missing-portal",
         lambda ws: ws.path(PORTAL).unlink(),
         lambda ws: {("S214", "budget_data", None)}, 1),
]


def test_catalogue_is_large_enough():
    assert len(CASES) >= 25
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input(workspace, case):
    case.mutate(workspace)
    result = workspace.check()
    assert "Traceback" not in result.stdout + result.stderr
    assert result.code == case.exit_code, result.stdout
    expected = case.expect(workspace)
    tuples = result.tuples()
    if any(line is None and code == "F104" for code, _, line in expected):
        # Where PyYAML notices an unclosed quote depends on what follows; require the file only.
        expected = {(c, p, ln) for c, p, ln in expected if not (c == "F104" and ln is None)}
        assert any(code == "F104" and path == PROJECT_YAML and line for code, path, line in tuples), tuples
    assert expected <= tuples, f"missing {expected - tuples}; got {sorted(tuples, key=str)}"
    for diagnostic in result.diagnostics:
        assert diagnostic["message"] and diagnostic["hint"], diagnostic
        assert diagnostic["path"].startswith("budget_data"), diagnostic


@pytest.mark.parametrize("case", [c for c in CASES if c.exit_code == 1], ids=lambda c: c.id)
def test_malformed_input_blocks_build_and_writes_nothing(workspace, case):
    case.mutate(workspace)
    before = workspace.snapshot()
    result = workspace.build()
    assert result.code == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "生成失败" in result.stderr
    assert workspace.snapshot() == before


def test_gbk_csv_is_read_correctly(workspace):
    workspace.write(BUDGET, workspace.read(BUDGET), "gb18030")
    assert workspace.build().code == 0
    page = workspace.read("docs_src/projects/2026/talent-service-funds.md")
    assert "呈贡区辅助性岗位人员年度考核绩效奖" in page
    assert "660,000.00" in page


def test_utf8_bom_csv_is_read_without_new_diagnostics(workspace):
    baseline = workspace.check().diagnostics
    workspace.write_bytes(BUDGET, b"\xef\xbb\xbf" + workspace.read(BUDGET).encode("utf-8"))
    workspace.write_bytes(INDICATORS, b"\xef\xbb\xbf" + workspace.read(INDICATORS).encode("utf-8"))
    result = workspace.check()
    assert result.code == 0
    assert result.diagnostics == baseline


def test_fullwidth_amount_is_read_as_its_value(workspace):
    workspace.replace(BUDGET, ",650000,", ",６５００００,")
    assert workspace.build().code == 0
    assert "660,000.00" in workspace.read("docs_src/projects/2026/talent-service-funds.md")


def test_non_utf8_yaml_points_at_the_first_bad_byte(workspace):
    text = "name: 人才服务管理经费\n"
    workspace.write_bytes(PORTAL, b"title: ok\npublisher: " + "发布".encode("gbk") + b"\n")
    del text
    result = workspace.check()
    assert ("F101", PORTAL, 2) in result.tuples()
    (diagnostic,) = [d for d in result.diagnostics if d["code"] == "F101"]
    assert diagnostic["column"] == len("publisher: ") + 1


def test_strict_turns_warnings_into_failures(workspace):
    workspace.write(BUDGET, workspace.read(BUDGET), "gb18030")
    assert workspace.check().code == 0
    assert workspace.check("--strict").code == 1
    assert workspace.build("--strict").code == 1


def test_yaml_locations_are_exact_line_and_column(workspace):
    workspace.replace(PROJECT_YAML, "unit: chenggong-employment-talent-center", "unit: nobody")
    workspace.replace(PROJECT_YAML, "  - number: 呈办通〔2024〕18号\n", "  - number: 呈办通〔2024〕18号\n    numbr: x\n")
    workspace.replace(UNIT_FILE, "phone: \"67473328\"", "phone: \"67473328\"\nphone: \"67473329\"")
    located = {(d["code"], d["path"], d["line"], d["column"]) for d in workspace.check().diagnostics}
    assert ("X301", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "unit: nobody"), len("unit: ") + 1) in located
    assert ("S202", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "numbr:"), 5) in located
    assert ("F106", UNIT_FILE, line_of(workspace, UNIT_FILE, "67473329"), 1) in located


def test_csv_locations_are_exact_line_and_column(workspace):
    # Column counts characters on the physical line, so a cell after multi-line quoted text is still found.
    _budget(workspace, '"多行\n说明",,,,,10,a\n人才管理经费,,,,,-5,b\n')
    located = {(d["code"], d["line"], d["column"]) for d in workspace.check().diagnostics}
    assert ("S209", 4, len("人才管理经费,,,,,") + 1) in located


def test_crlf_line_endings_are_read_without_new_diagnostics(workspace):
    baseline = workspace.check().tuples()
    for relative in (BUDGET, INDICATORS, PROJECT_YAML, UNIT_FILE, PORTAL):
        workspace.write(relative, workspace.read(relative).replace("\n", "\r\n"))
    result = workspace.check()
    assert (result.code, result.tuples()) == (0, baseline)
