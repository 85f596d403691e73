"""Issue 9: indicator layouts, printed values read beside the value, stated amounts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from conftest import PROJECT_DIR, line_of
from generator import schema
from generator.csvsource import parse_csv
from generator.values import parse_value

IND = f"{PROJECT_DIR}/indicators.csv"
YAML = f"{PROJECT_DIR}/project.yaml"
BUDGET = f"{PROJECT_DIR}/budget_items.csv"


def test_printed_values_are_read_not_changed():
    cases = {
        "≥95%": ("≥", Decimal("95"), "%", True),
        "30天": ("", Decimal("30"), "天", True),
        "12万元": ("", Decimal("12"), "万元", True),
        "95%以上": ("≥", Decimal("95"), "%", True),
        "＞92％": (">", Decimal("92"), "%", True),
        "不少于200份": ("≥", Decimal("200"), "份", True),
        "100%(历史标准)": ("", Decimal("100"), "%", True),
        "及时": ("", None, "", False),
        "2023.07-2024.01": ("", None, "", False),
        "逐步提升": ("", None, "", False),
    }
    for printed, expected in cases.items():
        parsed = parse_value(printed)
        assert (parsed.comparison, parsed.number, parsed.unit, parsed.readable) == expected, printed


@given(st.sampled_from(["", "≥", "≤", "=", ">", "<"]),
       st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["", "%", "天", "万元", "人次", "km", "个"]))
def test_any_comparison_number_and_unit_is_read_back(comparison, number, unit):
    printed = f"{comparison}{number}{unit}"
    parsed = parse_value(printed)
    assert (parsed.comparison, parsed.number, parsed.unit, parsed.readable) == (comparison, number, unit, True)


def _read(text: str):
    table, problems = parse_csv(text, "t.csv")
    assert problems == []
    return schema.read_indicators(table, "t.csv")


def test_national_layout_keeps_the_value_as_printed_and_its_columns():
    (rows, columns), problems = _read("一级指标,二级指标,三级指标,指标值\n产出指标,数量指标,培训人次,≥280人次\n")
    assert problems == []
    assert columns == (("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"), ("value", "指标值"))
    (row,) = rows
    assert (row.value, row.nature, row.unit) == ("≥280人次", "", "")
    assert (row.parsed.comparison, row.parsed.number, row.parsed.unit) == ("≥", Decimal(280), "人次")


def test_annual_and_medium_term_values_in_separate_columns():
    (rows, columns), problems = _read("一级指标,二级指标,三级指标,年度指标值,中长期指标值\n"
                                      "产出指标,数量指标,道路里程,≥10公里,≥30公里\n")
    assert problems == []
    assert [key for key, _ in columns] == ["level1", "level2", "level3", "value", "medium_value"]
    assert (rows[0].value, rows[0].medium_value, rows[0].medium_parsed.number) == ("≥10公里", "≥30公里", Decimal(30))


def test_old_national_layout_uses_its_content_column_as_the_third_level():
    (rows, columns), problems = _read("一级指标,二级指标,指标内容,指标值\n产出指标,质量指标,验收合格率,100%\n")
    assert problems == []
    assert ("level3", "指标内容") in columns and rows[0].level3 == "验收合格率"


def test_a_layout_without_values_is_rejected_where_the_header_is():
    result, problems = _read("一级指标,二级指标,三级指标,备注\n产出指标,数量指标,x,y\n")
    assert result is None
    assert [(d.code, d.location.line) for d in problems] == [("S205", 1)]


def test_project_without_breakdown_states_its_amount(workspace):
    workspace.path(BUDGET).unlink()
    assert workspace.check().code == 1  # S240: no amount at all
    assert ("S240", YAML, 1) in workspace.check().tuples()
    workspace.write(YAML, workspace.read(YAML) + "amount:\n  total: 66万元\n  fiscal: 660000\n  other: 0元\n")
    result = workspace.check()
    assert result.code == 0, result.stdout
    assert not any(code.startswith(("A40", "A41")) for code, _, _ in result.tuples())
    assert workspace.build().code == 0
    page = workspace.read("docs_src/projects/2026/talent-service-funds.md")
    assert "项目总额 660,000.00 元" in page and "<td class=\"num\">66万元</td>" in page
    assert "<caption>资金测算明细" not in page and "budget_items.xlsx" not in page
    import json
    document = json.loads(workspace.read("docs_src/downloads/2026/talent-service-funds/project.json"))
    assert "budget_items" not in document and document["stated_amount"]["total"]["yuan"] == "660000.00"


def test_stated_amount_and_breakdown_must_agree(workspace):
    workspace.write(YAML, workspace.read(YAML) + "amount:\n  total: 65万元\n")
    result = workspace.check()
    assert result.code == 1
    assert ("A410", YAML, line_of(workspace, YAML, "total: 65万元")) in result.tuples()


def test_amount_that_is_not_an_amount_is_located(workspace):
    workspace.write(YAML, workspace.read(YAML) + "amount:\n  total: 约66万元\n")
    assert ("S208", YAML, line_of(workspace, YAML, "约66万元")) in workspace.check().tuples()


def test_sections_the_source_lacks_are_left_out_of_page_and_downloads(workspace):
    text = workspace.read(YAML)
    start, end = text.index("# 七、项目实施计划"), text.index("# 九、")
    workspace.write(YAML, text[:start] + text[end:])
    workspace.write("budget_data/units/chenggong-employment-talent-center.yaml",
                    "name: 昆明市呈贡区公共就业和人才服务中心\n")
    result = workspace.check()
    assert result.code == 0
    assert ("K001", YAML, line_of(workspace, YAML, "name:")) in result.tuples()
    assert "项目实施计划、项目实施成效" in next(d["message"] for d in result.diagnostics if d["code"] == "K001")
    assert workspace.build().code == 0
    page = workspace.read("docs_src/projects/2026/talent-service-funds.md")
    assert "项目实施计划" not in page and "项目实施成效" not in page and "单位概况" not in page
    assert "## 七、项目绩效目标表" in page  # numbering closes up
    assert "地址" not in page and "法人代表" not in page


@given(st.decimals(min_value=0, max_value=10**8, places=4, allow_nan=False, allow_infinity=False))
def test_stated_amounts_in_wan_are_read_exactly(wan):
    from generator.yamlsource import parse_yaml

    node, problems = parse_yaml(f"name: x\nunit: u\namount:\n  total: \"{wan}万元\"\n", "p.yaml")
    assert problems == []
    fields, ok, problems = schema.read_project_yaml(node, "p.yaml")
    assert ok and problems == []
    stated = fields["stated_amount"].total
    assert stated.printed.value == f"{wan}万元"
    assert stated.value == wan * 10000 and isinstance(stated.value, Decimal)


def test_a_survey_about_satisfaction_is_not_a_satisfaction_target(workspace):
    """I517 is about where satisfaction is measured, not about every name that mentions it."""
    workspace.write(IND, workspace.read(IND) + "产出指标,数量指标,满意度调查覆盖率,>=,90%,%,001,,,\n")
    assert not any(code in ("I517", "I518") for code, _, _ in workspace.check().tuples())


def test_the_format_documents_one_table_example_behaves_as_it_says(workspace):
    """budget_data/README.md must not contradict the checks: its example yields what the text promises."""
    import re
    import shutil

    readme = workspace.read("budget_data/README.md")
    section = readme.split("### 只公开了一张绩效目标表的项目", 1)[1].split("\n### ", 1)[0]
    yaml_block, csv_block = re.findall(r"```(?:yaml|text)\n(.*?)```", section, re.S)
    shutil.rmtree(workspace.path("budget_data/projects"))
    workspace.write("budget_data/units/xiangtan-sanitation-office.yaml", "name: 湘潭市环境卫生管理处\n")
    folder = "budget_data/projects/2023/fog-cannon"
    workspace.write(f"{folder}/project.yaml", yaml_block)
    workspace.write(f"{folder}/indicators.csv", csv_block)
    result = workspace.check()
    assert result.code == 0, result.stdout
    project_codes = {code for code, path, _ in result.tuples() if path.startswith(folder)}
    assert project_codes == {"K001", "I516", "I508", "I509"}
    assert workspace.build().code == 0
