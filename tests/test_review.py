"""The 数据核查 report of `build --review`, and its absence from public builds."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from generator.render import escape_text

PROJECT_PAGE = "docs_src/projects/2026/talent-service-funds.md"


def test_public_build_never_shows_findings(workspace):
    result = workspace.build()
    assert result.code == 0
    assert "I510" in result.stderr  # warnings are printed to the console
    assert not workspace.path("docs_src/review.md").exists()
    assert "数据核查" not in workspace.read(PROJECT_PAGE)
    assert "数据核查" not in workspace.read("docs_src/index.md")


def test_review_build_adds_the_report_and_project_counts(workspace):
    assert workspace.build("--review").code == 0
    report = workspace.read("docs_src/review.md")
    assert re.search(r"<th scope=\"row\">警告</th><td class=\"num\">29</td>", report)  # incl. I514 (issue 9, reviewed)
    assert re.search(r"<th scope=\"row\">提示</th><td class=\"num\">4</td>", report)
    # grouped by rule, then by project, each group linking to its rule page
    assert "### I510 placeholder-text-columns（警告，6 处） {#rule-I510}" in report
    assert "#### 人才服务管理经费（2026年） {#I510-project-2026-talent-service-funds}" in report
    assert "[规则说明](rules/I510.md)" in report
    # Data reaches the page through render.escape_text ("_" as a character reference).
    assert escape_text("budget_data/projects/2026/talent-service-funds/indicators.csv:8:37") in report
    assert "#### 昆明市呈贡区公共就业和人才服务中心 {#D803-unit-chenggong-employment-talent-center}" in report
    page = workspace.read(PROJECT_PAGE)
    assert "本项目有 31 个待处理问题（错误 0，警告 27，提示 4），已确认 0 个。" in page
    assert "[I510](../../review.md#I510-project-2026-talent-service-funds)" in page


def test_acknowledged_findings_are_listed_apart_in_the_report(workspace):
    workspace.write("budget_data/projects/2026/talent-service-funds/project.yaml",
                    workspace.read("budget_data/projects/2026/talent-service-funds/project.yaml")
                    + "acknowledgements:\n  - rule: I510\n    location: indicators.csv\n    reason: 审核已知晓\n")
    assert workspace.build("--review").code == 0
    report = workspace.read("docs_src/review.md")
    assert "I510 placeholder-text-columns" not in report.split("## 已确认的问题")[0]
    acknowledged = report.split("## 已确认的问题")[1]
    assert acknowledged.count("审核已知晓") == 6
    assert "已确认 6 个" in workspace.read(PROJECT_PAGE)


def test_public_build_after_review_build_removes_the_report(workspace):
    assert workspace.build("--review").code == 0
    assert workspace.path("docs_src/review.md").exists()
    assert workspace.build().code == 0
    assert not workspace.path("docs_src/review.md").exists()
    assert "数据核查" not in workspace.read(PROJECT_PAGE)


def test_review_site_builds_strictly(workspace):
    assert workspace.build("--review").code == 0
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(workspace.path("mkdocs.yml"))],
        capture_output=True, text=True, env=env, cwd=workspace.root)
    assert completed.returncode == 0, completed.stderr
    html = workspace.path("site/review/index.html").read_text(encoding="utf-8")
    assert 'id="rule-I510"' in html and 'href="../rules/I510/"' in html
