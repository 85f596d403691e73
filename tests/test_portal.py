"""A whole district's portal: index pages, year-over-year pages, and the synthetic corpus."""

from __future__ import annotations

import importlib.util
import shutil

from conftest import PROJECT_DIR, REPO, Workspace, run_cli

NEXT = "budget_data/projects/2027/talent-service-funds"


def _corpus():
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _two_years(ws: Workspace) -> None:
    shutil.copytree(ws.path(PROJECT_DIR), ws.path(NEXT))
    ws.replace(f"{NEXT}/budget_items.csv", "人才管理经费,,,,,10000", "人才管理经费,,,,,15000")
    ws.replace(f"{NEXT}/budget_items.csv", "流动人员人事档案邮政快递费用,人才管理经费,200,份,25,5000",
               "流动人员人事档案邮政快递费用,人才管理经费,400,份,25,10000")
    ws.replace(f"{NEXT}/indicators.csv", "辅助性岗位满意度,>=,95%", "辅助性岗位满意度,>=,98%")
    ws.replace(f"{NEXT}/project.yaml", "period: 2026年\n", "period: 2027年\n")


def test_project_in_consecutive_years_is_compared_side_by_side(workspace):
    _two_years(workspace)
    assert workspace.build().code == 0
    later = workspace.read("docs_src/projects/2027/talent-service-funds.md")
    assert "## 与上年对比" in later
    assert "[2026年的页面](../2026/talent-service-funds.md)" in later
    assert ('<tr><th scope="row">项目总额</th><td class="num">660,000.00</td><td class="num">665,000.00</td>'
            '<td class="num">+5,000.00（+0.76%）</td></tr>') in later
    assert ('<tr class="changed"><th scope="row">流动人员人事档案邮政快递费用</th><td class="num">5,000.00</td>'
            '<td class="num">10,000.00</td><td class="num">+5,000.00（+100.00%）</td></tr>') in later
    assert ('<tr><th scope="row">呈贡区辅助性岗位人员年度考核绩效奖</th><td class="num">650,000.00</td>'
            '<td class="num">650,000.00</td><td class="num">持平</td></tr>') in later
    assert ('<tr class="changed"><th scope="row">辅助性岗位满意度</th><td>&gt;= 95% %</td><td>&gt;= 98% %</td>'
            '<td>调整</td></tr>') in later
    earlier = workspace.read("docs_src/projects/2026/talent-service-funds.md")
    assert "与上年对比" not in earlier
    assert "[2027年的页面](../2027/talent-service-funds.md)" in earlier


def test_index_pages_by_year_unit_and_classification(workspace):
    _two_years(workspace)
    workspace.replace(f"{NEXT}/project.yaml", "unit: chenggong-employment-talent-center",
                      'unit: chenggong-employment-talent-center\nfunctional_classification:\n'
                      '  code: "2080101"\n  name: 行政运行')
    assert workspace.build().code == 0
    projects = workspace.read("docs_src/projects/index.md")
    assert "| [2026年](2026/index.md) | 1 | 660,000.00 | 66.00 |" in projects
    assert "| [2027年](2027/index.md) | 1 | 665,000.00 | 66.50 |" in projects
    year = workspace.read("docs_src/projects/2027/index.md")
    assert "2027年共有 1 个项目，预算总额 665,000.00 元" in year
    assert "[人才服务管理经费](talent-service-funds.md)" in year
    unit = workspace.read("docs_src/units/chenggong-employment-talent-center.md")
    assert "| [2027年](../projects/2027/index.md) | 1 | 665,000.00 | 66.50 |" in unit
    classification = workspace.read("docs_src/classifications/2080101.md")
    assert "# 2080101 行政运行" in classification and "2027年" in classification
    assert "| [2080101](2080101.md) | 行政运行 | 2027年 | 1 | 665,000.00 | 66.50 |" in \
        workspace.read("docs_src/classifications/index.md")
    home = workspace.read("docs_src/index.md")
    assert "[2027年项目预算](projects/2027/index.md)：1 个项目，665,000.00 元" in home


def test_synthetic_corpus_passes_check_without_errors(tmp_path):
    corpus = _corpus()
    assert corpus.generate(tmp_path, units=4, projects=3, years=2, seed=7) == 24
    result = run_cli("check", "--root", str(tmp_path), "--format", "json")
    assert result.code == 0
    assert [d for d in result.diagnostics if d["severity"] == "error"] == []


def test_synthetic_corpus_is_deterministic(tmp_path):
    corpus = _corpus()
    corpus.generate(tmp_path / "a", units=3, projects=2, years=2, seed=11)
    corpus.generate(tmp_path / "b", units=3, projects=2, years=2, seed=11)
    files_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    files_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert files_a == files_b and len(files_a) == 1 + 3 + 3 * 2 * 2 * 3


def test_build_can_be_split_by_year(workspace):
    _two_years(workspace)
    result = run_cli("build", "--root", str(workspace.root), "--year", "2027", "--out", "docs_2027")
    assert result.code == 0, result.stderr
    assert workspace.path("docs_2027/projects/2027/talent-service-funds.md").exists()
    assert not workspace.path("docs_2027/projects/2026").exists()
