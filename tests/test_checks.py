"""Review rules: each has a fixture that violates it and the clean fixture that does not.

The clean fixture (tests/fixtures/clean/budget_data) satisfies every rule; each case
below breaks it in one place and asserts the ``(code, path, line)`` tuple.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, Workspace, line_of

CLEAN = Path(__file__).parent / "fixtures" / "clean" / "budget_data"
P = "budget_data/projects/2026/archive-service"
YAML, BUDGET, IND = f"{P}/project.yaml", f"{P}/budget_items.csv", f"{P}/indicators.csv"
UNIT, PORTAL = "budget_data/units/test-center.yaml", "budget_data/portal.yaml"
ID_NUMBER = "11010519491231002X"  # the public example number; its checksum is valid
MOBILE = "13912345678"
CARD = "6222021234567890128"  # passes Luhn


class CleanWorkspace(Workspace):
    def __init__(self, root: Path):
        super().__init__(root)
        shutil.rmtree(root / "budget_data")
        shutil.copytree(CLEAN, root / "budget_data")
        shutil.copy2(REPO / "budget_data" / "README.md", root / "budget_data" / "README.md")


@pytest.fixture
def clean(tmp_path) -> CleanWorkspace:
    return CleanWorkspace(tmp_path / "repo")



@dataclass
class Case:
    code: str
    mutate: Callable[[Workspace], None]
    where: Callable[[Workspace], tuple[str, int | None]]


def _indicator(ws: Workspace, old: str, new: str) -> None:
    ws.replace(IND, old, new)


CASES = [
    Case("A401", lambda ws: ws.write(BUDGET, ws.read(BUDGET) + "评审专家费,人才评审费,2,人,1000,2000,\n"),
         lambda ws: (BUDGET, line_of(ws, BUDGET, "人才评审费,,"))),
    Case("A402", lambda ws: ws.replace(BUDGET, "人事档案邮寄费,,200,", "人事档案邮寄费,,201,"),
         lambda ws: (BUDGET, line_of(ws, BUDGET, ",201,"))),
    Case("A403", lambda ws: ws.replace(YAML, "安排10000元", "安排12000元"),
         lambda ws: (YAML, line_of(ws, YAML, "12000元"))),
    Case("A404", lambda ws: ws.replace(YAML, "为流动人员提供", "按30元/份的标准为流动人员提供"),
         lambda ws: (YAML, line_of(ws, YAML, "30元/份"))),
    Case("A405", lambda ws: ws.replace(YAML, "200份*25元/份=5000元；", "200份*25元/份=6000元；"),
         lambda ws: (YAML, line_of(ws, YAML, "=6000元"))),
    Case("A406", lambda ws: _indicator(ws, "人才评审场数,=,1,", "人才评审场数,=,2,"),
         lambda ws: (IND, line_of(ws, IND, "人才评审场数"))),
    Case("A407", lambda ws: ws.replace(BUDGET, "人事档案邮寄费,,200,", "人事档案邮寄费,,,"),
         lambda ws: (BUDGET, line_of(ws, BUDGET, "人事档案邮寄费"))),
    Case("I501", lambda ws: _indicator(ws, "产出指标,质量指标", "产出指标,社会效益指标"),
         lambda ws: (IND, line_of(ws, IND, "人事档案邮寄准确率"))),
    Case("I502", lambda ws: _indicator(ws, "准确率,≥,", "准确率,大于,"),
         lambda ws: (IND, line_of(ws, IND, "准确率"))),
    Case("I503", lambda ws: _indicator(ws, "邮寄份数,≥,200,", "邮寄份数,≥,较多,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄份数"))),
    Case("I504", lambda ws: _indicator(ws, "定性,档案转递顺畅,,", "定性,档案转递顺畅,%,"),
         lambda ws: (IND, line_of(ws, IND, "档案转递顺畅"))),
    Case("I505", lambda ws: _indicator(ws, "邮寄份数,≥,200,", "邮寄份数,≥,200以上,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄份数"))),
    Case("I506", lambda ws: _indicator(ws, "准确率,≥,99,", "准确率,≥,99%,"),
         lambda ws: (IND, line_of(ws, IND, "准确率"))),
    Case("I507", lambda ws: _indicator(ws, "完成时间,≤,12,月,", "完成时间,≤,12,%,"),
         lambda ws: (IND, line_of(ws, IND, "完成时间"))),
    Case("I508", lambda ws: ws.write(IND, "\n".join(l for l in ws.read(IND).splitlines()
                                                   if not l.startswith("满意度指标")) + "\n"),
         lambda ws: (IND, 2)),
    Case("I509", lambda ws: ws.write(IND, "\n".join(l for l in ws.read(IND).splitlines()
                                                   if not l.startswith("成本指标")) + "\n"),
         lambda ws: (IND, 2)),
    Case("I510", lambda ws: _indicator(ws, "完成得满分，每少10份扣1分,全年邮寄的人事档案份数,邮寄业务台账",
                                       "见测算表,见测算表,见测算表"),
         lambda ws: (IND, line_of(ws, IND, "见测算表"))),
    Case("I511", lambda ws: ws.replace(YAML, "三年内建立规范的人事档案邮寄和人才评审服务。",
                                       "2026年邮寄人事档案200份，200份*25元/份=5000元；开展人才评审1场，5000元/场"),
         lambda ws: (YAML, line_of(ws, YAML, "annual:") + 3)),
    Case("I512", lambda ws: _indicator(ws, "邮寄份数,≥,200,份,", "邮寄份数,≥,200,份 次,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄份数"))),
    # ---- issue 9: amounts without a breakdown, values as real tables print them, completeness ----
    Case("S240", lambda ws: ws.path(BUDGET).unlink(),
         lambda ws: (YAML, 1)),
    Case("A410", lambda ws: ws.write(YAML, ws.read(YAML) + "amount:\n  total: 1.2万元\n"),
         lambda ws: (YAML, line_of(ws, YAML, "total: 1.2万元"))),
    Case("A411", lambda ws: ws.write(YAML, ws.read(YAML) + "amount:\n  total: 1万元\n  fiscal: 8000\n"
                                     "  other: 1000\n"),
         lambda ws: (YAML, line_of(ws, YAML, "fiscal: 8000"))),
    Case("I513", lambda ws: _indicator(ws, "准确率,≥,99,", "准确率,无,99,"),
         lambda ws: (IND, line_of(ws, IND, "准确率"))),
    Case("I514", lambda ws: _indicator(ws, "邮寄份数,≥,200,份,", "邮寄份数,≥,200个,份,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄份数"))),
    Case("I515", lambda ws: _indicator(ws, "准确率,≥,99,%,", "准确率,/,99,,"),
         lambda ws: (IND, line_of(ws, IND, "准确率"))),
    Case("I516", lambda ws: _indicator(ws, "邮寄份数,≥,200,份,", "邮寄份数,≥,200,KG,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄份数"))),
    Case("I517", lambda ws: _indicator(ws, "流动人员人事档案服务保障", "流动人员人事档案服务满意度"),
         lambda ws: (IND, line_of(ws, IND, "人事档案服务满意度"))),
    Case("I518", lambda ws: ws.write(IND, ws.read(IND) + "满意度指标,服务对象满意度指标,流动人员满意率,≥,95,%,"
                                     "正向指标,每低1个百分点扣1分,复评,满意度调查\n"),
         lambda ws: (IND, line_of(ws, IND, "流动人员满意率"))),
    Case("I519", lambda ws: _indicator(ws, "邮寄成本,≤,25,元/份,", "邮寄成本,≤,1万元,,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄成本"))),
    Case("I520", lambda ws: _indicator(ws, "邮寄成本,≤,25,", "邮寄成本,≤,按标准执行,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄成本"))),
    Case("I521", lambda ws: _indicator(ws, "邮寄份数,≥,200,份,", "邮寄份数,≥,5000,元,"),
         lambda ws: (IND, line_of(ws, IND, "邮寄份数"))),
    Case("I522", lambda ws: _indicator(ws, "完成时间,≤,12,月,", "完成时间,≤,及时,,"),
         lambda ws: (IND, line_of(ws, IND, "完成时间"))),
    Case("I523", lambda ws: _indicator(ws, "完成时间,≤,12,月,", "完成时间,≤,2027年3月,月,"),
         lambda ws: (IND, line_of(ws, IND, "完成时间"))),
    Case("I524", lambda ws: _indicator(ws, "定性,档案转递顺畅,", "定性,逐步提升,"),
         lambda ws: (IND, line_of(ws, IND, "逐步提升"))),
    Case("I525", lambda ws: _indicator(ws, "人事档案邮寄份数,", "人事档案邮寄份数（≥**份）,"),
         lambda ws: (IND, line_of(ws, IND, "≥**份"))),
    Case("K001", lambda ws: ws.replace(YAML, "overview:\n  - 为流动人员提供人事档案邮寄和人才评审服务。\n", ""),
         lambda ws: (YAML, line_of(ws, YAML, "name:"))),
    Case("R601", lambda ws: _indicator(ws, "流动人员满意度", "创业园区房补发放对象满意度"),
         lambda ws: (IND, line_of(ws, IND, "创业园区"))),
    Case("L701", lambda ws: ws.replace(YAML, "number: 人社部发〔2021〕112号", "number: 人社部发【2021】112号"),
         lambda ws: (YAML, line_of(ws, YAML, "【2021】"))),
    Case("L702", lambda ws: ws.replace(YAML, "number: 人社部发〔2021〕112号", "number: 人社部发〔2021〕112 号"),
         lambda ws: (YAML, line_of(ws, YAML, "112 号"))),
    Case("L703", lambda ws: ws.replace(YAML, "number: 人社部发〔2021〕112号", "number: 人社部发〔2021〕0112号"),
         lambda ws: (YAML, line_of(ws, YAML, "0112号"))),
    Case("L704", lambda ws: ws.replace(YAML, "1、人事档案邮寄。", "1、人事档案邮寄（呈办通〔2024〕18号）。"),
         lambda ws: (YAML, line_of(ws, YAML, "呈办通〔2024〕18号"))),
    Case("L705", lambda ws: ws.replace(YAML, "overview:", "  - number: 人社部发〔2021〕112号\n    title: 重复\noverview:"),
         lambda ws: (YAML, line_of(ws, YAML, "title: 重复") - 1)),
    Case("D801", lambda ws: ws.replace(UNIT, "125301214314903206", "125301214314903205"),
         lambda ws: (UNIT, line_of(ws, UNIT, "125301214314903205"))),
    Case("D802", lambda ws: ws.replace(UNIT, "label: 统一社会信用代码", "label: 组织机构代码"),
         lambda ws: (UNIT, line_of(ws, UNIT, "label:"))),
    Case("D803", lambda ws: ws.replace(UNIT, '"0871-67473328"', '"67473328"'),
         lambda ws: (UNIT, line_of(ws, UNIT, "phone:"))),
    Case("P901", lambda ws: ws.replace(YAML, "为流动人员提供", f"为流动人员（{ID_NUMBER}）提供"),
         lambda ws: (YAML, line_of(ws, YAML, ID_NUMBER))),
    Case("P902", lambda ws: ws.replace(UNIT, '"0871-67473328"', f'"{MOBILE}"'),
         lambda ws: (UNIT, line_of(ws, UNIT, MOBILE))),
    Case("P903", lambda ws: ws.replace(BUDGET, "5000元/场\n", f"5000元/场（账户 {CARD}）\n"),
         lambda ws: (BUDGET, line_of(ws, BUDGET, CARD))),
    Case("T101", lambda ws: ws.replace(YAML, "2、人才评审（按", "2、人才评审(按"),
         lambda ws: (YAML, line_of(ws, YAML, "人才评审(按"))),
    Case("C001", lambda ws: ws.write(YAML, ws.read(YAML) + "acknowledgements:\n  - rule: I506\n"
                                     "    location: indicators.csv:3\n    reason: 不存在的问题\n"),
         lambda ws: (YAML, line_of(ws, YAML, "rule: I506"))),
    Case("C002", lambda ws: ws.write(PORTAL, ws.read(PORTAL) + "rules:\n  ignore: [Z999]\n"),
         lambda ws: (PORTAL, line_of(ws, PORTAL, "Z999"))),
]
REVIEW_CODES = [case.code for case in CASES]


def test_clean_fixture_has_no_findings(clean):
    result = clean.check("--strict")
    assert (result.code, result.diagnostics) == (0, [])


@pytest.mark.parametrize("case", CASES, ids=REVIEW_CODES)
def test_rule_fires_on_its_fixture(clean, case):
    case.mutate(clean)
    result = clean.check()
    path, line = case.where(clean)
    assert (case.code, path, line) in result.tuples(), sorted(result.tuples(), key=str)
    assert "Traceback" not in result.stdout + result.stderr


# ---- the shipped source: its genuine findings, pinned -----------------------------------------

SP = "budget_data/projects/2026/talent-service-funds"
SOURCE_FINDINGS = {
    # 资金测算明细: most of the money has no quantity × price behind it
    ("A407", f"{SP}/budget_items.csv", 4),   # 绩效奖 650000 元: no headcount or rate
    ("A407", f"{SP}/budget_items.csv", 7),   # 初评初审: 5000元/场 but no number of sessions
    # 绩效目标表
    ("A406", f"{SP}/indicators.csv", 8),     # 4场 × 5000元/场 = 20000 ≠ 5000 budgeted
    ("I506", f"{SP}/indicators.csv", 8),     # "4场" repeats its unit
    ("I512", f"{SP}/indicators.csv", 8),     # unit "场 元/人"
    ("I509", f"{SP}/indicators.csv", 8),     # no 成本指标 at all
    ("I506", f"{SP}/indicators.csv", 9),     # "100%"
    ("I505", f"{SP}/indicators.csv", 10),    # "95%以上" with >=
    ("I506", f"{SP}/indicators.csv", 10),
    ("R601", f"{SP}/indicators.csv", 10),    # 创业园区高校毕业生房补: another project's indicator
    ("I505", f"{SP}/indicators.csv", 11),    # "11月份以前" with <=
    ("I507", f"{SP}/indicators.csv", 11),    # a time measured in %
    # Issue 9, reviewed: "11月份以前" names its own unit (月份), the unit column says "%".
    ("I514", f"{SP}/indicators.csv", 11),
    ("R601", f"{SP}/indicators.csv", 11),    # 流程人口档案管理中心建设: not this project
    ("I503", f"{SP}/indicators.csv", 12),    # "= 维护社会稳定性": quantitative without a number
    ("I506", f"{SP}/indicators.csv", 13),    # "95%"
    *{("I510", f"{SP}/indicators.csv", line) for line in range(8, 14)},  # 资金测算明细表 ×3 in every row
    # 立项依据 and citations
    ("L702", f"{SP}/project.yaml", 12),      # 呈办通〔2021〕44 号
    ("L701", f"{SP}/project.yaml", 15),      # 人社部发【2021】112号
    ("L704", f"{SP}/project.yaml", 35),      # 呈党人才〔2021〕1号 cited, not listed
    # narrative
    ("A404", f"{SP}/project.yaml", 24),      # 2000元/人/年 and 800元/人/年: not in the table
    ("A404", f"{SP}/project.yaml", 41),
    ("T101", f"{SP}/project.yaml", 41),      # "(呈办通〔2024〕18号）"
    ("I511", f"{SP}/project.yaml", 58),      # annual target = medium-term target
    # the unit
    ("D802", "budget_data/units/chenggong-employment-talent-center.yaml", 6),   # 组织机构代码 holding a credit code
    ("D803", "budget_data/units/chenggong-employment-talent-center.yaml", 10),  # 67473328 without 0871
}


def test_source_yields_its_genuine_findings():
    from conftest import run_cli

    result = run_cli("check", "--root", str(REPO), "--format", "json")
    assert result.code == 0  # warnings and infos only: the public build still runs
    assert result.tuples() == SOURCE_FINDINGS
    assert len(result.diagnostics) >= 12
    per_rule = {}
    for d in result.diagnostics:
        per_rule[d["code"]] = per_rule.get(d["code"], 0) + 1
    assert per_rule["A404"] == 4 and per_rule["I510"] == 6


def test_source_findings_point_at_the_right_text():
    from conftest import run_cli

    diagnostics = run_cli("check", "--root", str(REPO), "--format", "json").diagnostics
    text = {(d["code"], d["line"]): d["message"] for d in diagnostics}
    assert "呈党人才〔2021〕1号" in text[("L704", 35)]
    assert "【】" in text[("L701", 15)]
    assert "20,000.00" in text[("A406", 8)]
    assert "创业园" in text[("R601", 10)]


# ---- personal data -----------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["yaml-text", "yaml-comment", "csv-cell", "unit-file", "portal"])
def test_id_number_anywhere_blocks_the_build_and_is_masked(clean, where):
    target, old, new = {
        "yaml-text": (YAML, "为流动人员提供", f"为流动人员{ID_NUMBER}提供"),
        "yaml-comment": (YAML, "name: 人事档案管理服务经费", f"# 经办人 {ID_NUMBER}\nname: 人事档案管理服务经费"),
        "csv-cell": (BUDGET, "5000元/场\n", f"5000元/场 {ID_NUMBER}\n"),
        "unit-file": (UNIT, "legal_representative: 王五", f"legal_representative: 王五 {ID_NUMBER}"),
        "portal": (PORTAL, "publisher: 测试发布单位", f"publisher: 测试发布单位{ID_NUMBER}"),
    }[where]
    clean.replace(target, old, new)
    before = clean.snapshot()
    built = clean.build()
    assert built.code == 1
    line = line_of(clean, target, ID_NUMBER)
    assert f"{target}:{line}:" in built.stderr and "P901" in built.stderr
    assert ID_NUMBER not in built.stdout + built.stderr
    assert "110***********002X" in built.stderr  # 3 + 11 masked + 4
    assert clean.snapshot() == before
    checked = clean.check()
    assert ("P901", target, line) in checked.tuples()
    assert ID_NUMBER not in checked.stdout


def test_invalid_id_like_numbers_are_not_personal_data(clean):
    clean.replace(YAML, "为流动人员提供", "为流动人员（110105194912310021，号码的校验位不对）提供")
    assert "P901" not in {d["code"] for d in clean.check().diagnostics}


def test_official_mobile_line_marked_public_is_allowed(clean):
    clean.replace(UNIT, '"0871-67473328"', f'"{MOBILE}"')
    assert "P902" in {d["code"] for d in clean.check().diagnostics}
    clean.write(UNIT, clean.read(UNIT) + "public_fields: [phone]\n")
    result = clean.check()
    assert result.code == 0, result.stdout
    assert "P902" not in {d["code"] for d in result.diagnostics}


def test_public_fields_do_not_exempt_other_lines(clean):
    clean.write(UNIT, clean.read(UNIT) + "public_fields: [phone]\n")
    clean.replace(UNIT, "legal_representative: 王五", f"legal_representative: 王五 {MOBILE}")
    assert ("P902", UNIT, line_of(clean, UNIT, MOBILE)) in clean.check().tuples()


def test_personal_data_cannot_be_ignored_or_acknowledged(clean):
    clean.replace(YAML, "为流动人员提供", f"为流动人员{ID_NUMBER}提供")
    clean.write(PORTAL, clean.read(PORTAL) + "rules:\n  ignore: [P901]\n")
    clean.write(YAML, clean.read(YAML) + "acknowledgements:\n  - rule: P901\n    location: project.yaml\n"
                "    reason: 测试\n")
    result = clean.check()
    assert result.code == 1
    codes = [d["code"] for d in result.diagnostics]
    assert "P901" in codes and codes.count("C002") == 2


# ---- settings and acknowledgements -----------------------------------------------------------

def test_portal_settings_ignore_select_and_regrade(clean):
    clean.replace(IND, "准确率,≥,99,", "准确率,≥,99%,")          # I506 warning
    clean.replace(BUDGET, "人事档案邮寄费,,200,", "人事档案邮寄费,,,")  # A407 info
    codes = lambda: {d["code"]: d["severity"] for d in clean.check().diagnostics}  # noqa: E731
    assert codes() == {"I506": "warning", "A407": "info"}
    clean.write(PORTAL, clean.read(PORTAL) + "rules:\n  ignore: [A407]\n")
    assert codes() == {"I506": "warning"}
    clean.replace(PORTAL, "  ignore: [A407]\n", "  severity:\n    I506: error\n")
    assert codes() == {"I506": "error", "A407": "info"}
    assert clean.check().code == 1
    clean.replace(PORTAL, "  severity:\n    I506: error\n", "  select: [A407]\n")
    assert codes() == {"A407": "info"}


def test_acknowledged_finding_is_shown_apart_and_does_not_fail(clean):
    clean.replace(IND, "准确率,≥,99,", "准确率,≥,99%,")
    line = line_of(clean, IND, "99%")
    clean.write(YAML, clean.read(YAML) + f"acknowledgements:\n  - rule: I506\n    location: indicators.csv:{line}\n"
                "    reason: 申报系统导出格式如此\n")
    result = clean.check("--strict")
    assert result.code == 0
    (finding,) = result.diagnostics
    assert (finding["code"], finding["acknowledged"]) == ("I506", "申报系统导出格式如此")
    from conftest import run_cli

    plain = run_cli("check", "--root", str(clean.root))
    assert "已确认的问题" in plain.stdout and "申报系统导出格式如此" in plain.stdout
    assert "另有 1 个已确认" in plain.stdout


# ---- output formats --------------------------------------------------------------------------

def test_json_output_shape_is_stable(clean):
    clean.replace(IND, "准确率,≥,99,", "准确率,≥,99%,")
    result = clean.check()
    (d,) = result.diagnostics
    assert list(d) == ["code", "rule", "severity", "path", "line", "column", "message", "hint", "acknowledged"]
    assert (d["code"], d["rule"], d["severity"], d["path"], d["line"]) == \
        ("I506", "value-repeats-unit", "warning", IND, line_of(clean, IND, "99%"))


def test_github_annotations(clean):
    from conftest import run_cli

    clean.replace(IND, "准确率,≥,99,", "准确率,≥,99%,")
    result = run_cli("check", "--root", str(clean.root), "--format", "github")
    (line,) = result.stdout.strip().splitlines()
    assert re.fullmatch(rf"::warning file={IND},line=\d+,col=\d+,title=I506 value-repeats-unit::.+%0A提示：.+", line)


def test_text_output_groups_a_rule_that_fires_many_times():
    from conftest import run_cli

    out = run_cli("check", "--root", str(REPO)).stdout
    assert out.count("── I510 placeholder-text-columns（警告，共 6 处") == 1
    assert out.count("提示：分别填写评分标准") == 1
    assert len(re.findall(r"^  budget_data/\S+:\d+:\d+: I510 ", out, flags=re.M)) == 6
