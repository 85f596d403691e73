"""Real published 绩效目标表 (tests/fixtures/real): faithful data, located problems, precision.

Every finding on these fixtures is pinned and classified by hand (see the README there):
a real problem a finance reviewer would flag, or a finding that cannot be verified because
the retrieved source is cut off. Nothing else may appear.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO, Workspace, run_cli

REAL = Path(__file__).parent / "fixtures" / "real"
ROOT_DATA = "tests/fixtures/real/budget_data"
P = f"{ROOT_DATA}/projects"


def _f(project: str, name: str) -> str:
    return f"{P}/{project}/{name}"


XT, YY = "2023/xiangtan-fog-cannon", "2022/yueyang-farmland"
QS, QC = "2020/qingshan-school-renovation", "2020/qingshan-education-construction"
HS, ND = "2022/huangshi-party-school", "2019/ningde-history-office"
JZ, FJ, TX = "2021/jinzhai-property", "2023/fengjie-yunwu-processing-park", "2023/tongxin-xiamaguan-grapes"
FIXTURES = (XT, YY, QS, QC, HS, ND, JZ, FJ, TX)
IND, YAML = "indicators.csv", "project.yaml"

# The problems listed in the README, each located: (code, file, line).
REAL_PROBLEMS = {
    XT: {("I516", IND, 5), ("I523", IND, 7), ("I519", IND, 8), ("I517", IND, 9), ("I518", IND, 10),
         ("I511", YAML, 19)},
    YY: set(),
    QS: {("I524", IND, 9)},
    QC: {("I515", IND, 4), ("I520", IND, 6), ("I524", IND, 8), ("I524", IND, 9)},
    HS: {("I515", IND, 8), ("I508", IND, 4)},
    ND: {("I515", IND, 5), ("I515", IND, 6)},
    JZ: {("I519", IND, 5), ("I525", IND, 5), ("I525", IND, 6), ("I525", IND, 10), ("I524", IND, 7),
         ("I524", IND, 8), ("I524", IND, 9)},
    FJ: {("I519", IND, 3)},
    TX: {("L701", YAML, 12), ("I515", IND, 5), ("I515", IND, 7), *{("I525", IND, line) for line in range(4, 12)}},
}
# Completeness notes (K001, info): true statements about what each source lacks.
COMPLETENESS = {XT: 5, YY: 4, QS: 4, QC: 4, HS: 4, JZ: 3, FJ: 5, TX: 4}  # project.yaml line of name:
# Findings about parts of a source that the retrieved page cuts off: cannot be verified.
UNVERIFIABLE = {
    ND: [("I508", IND, 2), ("I508", IND, 2), ("I509", IND, 2)],
    FJ: [("I508", IND, 3), ("I508", IND, 3), ("I508", IND, 3)],
}
# Rules that compare indicators or amounts with prose or with a 资金测算明细 (none of these sources has either).
TEXT_RULES = {"R601", "A403", "A404", "A405", "A406", "L704", "T101", "I505", "I510"}


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    result = run_cli("check", "--data", ROOT_DATA, "--root", str(REPO), "--format", "json")
    assert result.code == 0, result.stdout + result.stderr
    return result.diagnostics


def _by_fixture(findings: list[dict]) -> dict[str, list[tuple[str, str, int]]]:
    out: dict[str, list] = {fixture: [] for fixture in FIXTURES}
    for d in findings:
        match = re.fullmatch(rf"{re.escape(P)}/(\d{{4}}/[a-z0-9-]+)/(.+)", d["path"])
        assert match, d["path"]
        out[match.group(1)].append((d["code"], match.group(2), d["line"]))
    return out


def test_there_are_enough_real_sources():
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    sources = re.findall(r"^- `(\d{4}/[a-z0-9-]+)`[^\n]*?\s*—\s*(\S+)\s*—\s+(https?://\S+) —", readme, re.M)
    assert {folder for folder, _, _ in sources} == set(FIXTURES)
    assert len({province for _, province, _ in sources}) >= 5
    kinds = {(REAL / "budget_data" / "projects" / f / "project.yaml").read_text(encoding="utf-8").count("kind: 部门整体")
             for f in FIXTURES}
    assert kinds == {0, 1}  # both kinds of disclosure are among them


def test_faithful_data_has_no_errors(findings):
    assert [d for d in findings if d["severity"] == "error"] == []


def test_no_rule_that_needs_absent_text_fires(findings):
    assert [d for d in findings if d["code"] in TEXT_RULES] == []
    # I511 compares the two target texts: only where a source prints both.
    both = {XT, QC}
    assert {f for f, found in _by_fixture(findings).items() if any(c == "I511" for c, _, _ in found)} <= both


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_listed_problem_is_located_and_nothing_else_is_reported(findings, fixture):
    found = Counter(_by_fixture(findings)[fixture])
    expected = Counter(REAL_PROBLEMS[fixture]) + Counter(UNVERIFIABLE.get(fixture, []))
    if fixture in COMPLETENESS:
        expected[("K001", YAML, COMPLETENESS[fixture])] += 1
    assert found == expected


def _precision_table() -> dict[str, tuple[int, int, int, int]]:
    """Rule → (reported, real, false, unverifiable), from the pinned classification."""
    real = Counter(code for problems in REAL_PROBLEMS.values() for code, _, _ in problems)
    real["K001"] += len(COMPLETENESS)
    unverifiable = Counter(code for items in UNVERIFIABLE.values() for code, _, _ in items)
    return {code: (real[code] + unverifiable[code], real[code], 0, unverifiable[code])
            for code in sorted(set(real) | set(unverifiable))}


def test_readme_reports_the_measured_precision(findings):
    reported = Counter(d["code"] for d in findings)
    table = _precision_table()
    assert {code: row[0] for code, row in table.items()} == dict(reported)
    readme = (REAL / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([A-Z]\d{3}) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\S+) \|$", readme, re.M)
    assert {code: tuple(map(int, counts)) for code, *counts, _ in rows} == table
    for code, *counts, shown in rows:
        reported_n, real_n, false_n, _ = map(int, counts)
        verified = real_n + false_n
        assert shown == ("—" if verified == 0 else f"{round(100 * real_n / verified)}%"), code


def test_fixtures_build_into_a_site_without_placeholders_or_empty_sections(tmp_path):
    workspace = Workspace(tmp_path / "repo")
    shutil.rmtree(workspace.path("budget_data"))
    shutil.copytree(REAL / "budget_data", workspace.path("budget_data"))
    result = workspace.build()
    assert result.code == 0, result.stderr
    # The summary counts project budgets and whole-unit targets apart.
    assert "已生成 8 个项目、1 个部门整体支出绩效目标：" in result.stdout
    pages = {p.relative_to(workspace.path("docs_src")).as_posix(): p.read_text(encoding="utf-8")
             for p in workspace.path("docs_src").rglob("*.md")}
    data_pages = {path: text for path, text in pages.items() if path.startswith(("projects/", "units/"))}
    assert len([p for p in data_pages if re.fullmatch(r"projects/\d{4}/[a-z0-9-]+\.md", p)
                and not p.endswith("index.md")]) == 8
    for path, text in data_pages.items():
        for placeholder in ("原表未载明", "未载明", "<td>无</td>", "<p>无</p>", "None", "<p></p>"):
            assert placeholder not in text, (path, placeholder)
        body = text.split("\n---\n", 1)[1]
        sections = re.split(r"^## .*$", body, flags=re.M)[1:]
        for section in sections:
            assert re.sub(r"<[^>]+>|\s", "", section), (path, "empty section")
        assert "<ol>\n</ol>" not in text and '<dl class="basis">\n</dl>' not in text, path
    # A whole-unit target has its own page under the unit and is never counted as a project budget.
    unit_target = pages["units/ningde-party-history-office/2019-ningde-history-office.md"]
    assert "## 部门职能" in unit_target and "## 年度主要任务" in unit_target
    assert "projects/2019/index.md" not in pages
    home = pages["index.md"]
    assert "171.41" not in home and "1,714,100.00" not in home
    # Totals are per fiscal year: 2020 is 10016 万元 (16 + 10000), never added to other years.
    assert '<th scope="row">2020年</th><td class="num">2</td><td class="num">100,160,000.00</td>' in home
    # The indicator table keeps each source's own layout and column titles.
    school = pages["projects/2020/qingshan-school-renovation.md"]
    assert '<th scope="col" id="ind-h-level3">指标内容</th>' in school and "指标性质" not in school
    construction = pages["projects/2020/qingshan-education-construction.md"]
    assert "年度指标值" in construction and "中长期指标值" in construction
    # No breakdown, no breakdown downloads.
    assert not workspace.path("docs_src/downloads/2023/xiangtan-fog-cannon/budget_items.csv").exists()
    assert "budget_items.csv" not in pages["projects/2023/xiangtan-fog-cannon.md"]
    # And MkDocs makes a site of it (strict: no broken links to the pages under a unit).
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    completed = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                                str(workspace.path("mkdocs.yml"))], capture_output=True, text=True, env=env,
                               cwd=workspace.root)
    assert completed.returncode == 0, completed.stderr
    assert workspace.path("site/units/ningde-party-history-office/2019-ningde-history-office/index.html").exists()
