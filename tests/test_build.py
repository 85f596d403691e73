"""Output hygiene: reproducible, stale pages removed, hand-written pages kept, failures write nothing."""

from __future__ import annotations

import json
import shutil

from conftest import PROJECT_DIR, Workspace

from generator.rules import RULES

PROJECT_PAGE = "docs_src/projects/2026/talent-service-funds.md"
GENERATED = {
    "index.md",
    "projects/2026/index.md",
    "data-format.md",
    "units/index.md",
    "units/chenggong-employment-talent-center.md",
    "projects/index.md",
    "projects/2026/talent-service-funds.md",
}


def _pages(ws: Workspace) -> dict[str, bytes]:
    return {path: data for path, (data, _) in ws.snapshot().items()}


def test_build_writes_the_generated_pages_and_keeps_hand_written_ones(workspace):
    result = workspace.build()
    assert result.code == 0, result.stderr
    pages = _pages(workspace)
    rule_pages = {f"rules/{code}.md" for code in RULES} | {"rules/index.md"}
    downloads = {f"downloads/2026/talent-service-funds/{name}" for name in
                 ("budget_items.csv", "budget_items.xlsx", "indicators.csv", "indicators.xlsx", "project.json")}
    data_package = {"data/datapackage.json", "data/budget_items.csv"}
    assert GENERATED | rule_pages | downloads | data_package <= set(pages)
    assert "review.md" not in pages  # only a --review build has the report
    assert "about.md" in pages and "assets/stylesheets/extra.css" in pages
    manifest = json.loads(workspace.read("docs_src/.generated.json"))
    assert set(manifest["files"]) == GENERATED | rule_pages | downloads | data_package


def test_two_builds_are_byte_identical(tmp_path):
    first, second = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    assert first.build().code == 0
    assert second.build().code == 0
    assert _pages(first) == _pages(second)


def test_rebuild_leaves_unchanged_files_untouched(workspace):
    assert workspace.build().code == 0
    before = workspace.snapshot()
    result = workspace.build()
    assert result.code == 0
    assert "写入 0 页" in result.stdout
    assert workspace.snapshot() == before  # same bytes and same mtimes


def test_changed_project_rewrites_only_what_changed(workspace):
    assert workspace.build().code == 0
    before = workspace.snapshot()
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展呈贡区", "- 2、开展呈贡区（改）")
    assert workspace.build().code == 0
    after = workspace.snapshot()
    changed = {path for path in after if after[path] != before.get(path)}
    # the page, its JSON download, and the home page whose footer carries the data version
    assert changed == {"projects/2026/talent-service-funds.md", "downloads/2026/talent-service-funds/project.json",
                       "index.md", "data/datapackage.json"}


def test_removed_project_disappears_at_next_build(workspace):
    assert workspace.build().code == 0
    assert workspace.path(PROJECT_PAGE).exists()
    shutil.rmtree(workspace.path(PROJECT_DIR))
    result = workspace.build()
    assert result.code == 0, result.stderr
    assert "删除 7 页" in result.stdout  # the page, its five downloads, and the emptied year's index
    assert not workspace.path(PROJECT_PAGE).exists()
    assert not workspace.path("docs_src/projects/2026").exists()  # emptied folder pruned
    assert workspace.path("docs_src/about.md").exists()
    assert "talent-service-funds" not in workspace.read("docs_src/index.md")


def test_failed_build_leaves_docs_src_exactly_as_it_was(workspace):
    assert workspace.build().code == 0
    before = workspace.snapshot()
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",65万,")
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展呈贡区", "- 2、开展呈贡区（改）")
    result = workspace.build()
    assert result.code == 1
    assert "S210" in result.stderr
    assert workspace.snapshot() == before


def test_hand_written_page_at_a_generated_path_is_never_overwritten(workspace):
    workspace.write("docs_src/index.md", "# 手写首页\n")
    result = workspace.build()
    assert result.code == 1
    assert "X305" in result.stderr
    assert workspace.read("docs_src/index.md") == "# 手写首页\n"
    assert not workspace.path(PROJECT_PAGE).exists()  # nothing else was written either


def test_hand_written_page_is_never_deleted_even_if_listed_in_manifest(workspace):
    assert workspace.build().code == 0
    manifest = json.loads(workspace.read("docs_src/.generated.json"))
    manifest["files"].append("about.md")
    workspace.write("docs_src/.generated.json", json.dumps(manifest))
    assert workspace.build().code == 0
    assert workspace.path("docs_src/about.md").exists()


def test_source_date_epoch_changes_only_the_build_date(workspace, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert workspace.build().code == 0
    first = _pages(workspace)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert workspace.build().code == 0
    second = _pages(workspace)
    assert {path for path in first if first[path] != second[path]} == {"index.md"}
    assert "1970年1月1日".encode() in first["index.md"] and "2027年1月15日".encode() in second["index.md"]


def test_portal_with_several_units_and_years(workspace):
    """The model is for a whole district: more units, more projects, more fiscal years."""
    unit = workspace.read("budget_data/units/chenggong-employment-talent-center.yaml")
    workspace.write("budget_data/units/chenggong-finance-bureau.yaml",
                    unit.replace("昆明市呈贡区公共就业和人才服务中心", "昆明市呈贡区财政局"))
    shutil.copytree(workspace.path(PROJECT_DIR), workspace.path("budget_data/projects/2027/talent-service-funds"))
    workspace.replace("budget_data/projects/2027/talent-service-funds/budget_items.csv", ",650000,", ",640000,")
    shutil.copytree(workspace.path(PROJECT_DIR), workspace.path("budget_data/projects/2027/archive-postage"))
    workspace.replace("budget_data/projects/2027/archive-postage/project.yaml",
                      "unit: chenggong-employment-talent-center", "unit: chenggong-finance-bureau")
    result = workspace.build()
    assert result.code == 0, result.stderr
    assert "已生成 3 个项目" in result.stdout
    home = workspace.read("docs_src/index.md")
    assert "<th scope=\"row\">2026年</th><td class=\"num\">1</td><td class=\"num\">660,000.00</td>" in home
    assert "<th scope=\"row\">2027年</th><td class=\"num\">2</td><td class=\"num\">1,310,000.00</td>" in home
    # Issue 9: budgets of different fiscal years are never added into one figure.
    assert "1,970,000.00" not in home and "合计" not in home
    assert "| [昆明市呈贡区财政局](units/chenggong-finance-bureau.md) | 1 | 660,000.00 | 66.00 |" in home
    assert ("| [昆明市呈贡区公共就业和人才服务中心](units/chenggong-employment-talent-center.md) | 1 | 650,000.00 | 65.00 |"
            in home)  # 2027 only, not 2026 + 2027
    bureau = workspace.read("docs_src/units/chenggong-finance-bureau.md")
    assert "../projects/2027/archive-postage.md" in bureau
    assert "talent-service-funds" not in bureau
    assert workspace.path("docs_src/projects/2027/talent-service-funds.md").exists()


def test_downloads_come_from_the_store_only_while_data_and_code_are_unchanged(workspace, monkeypatch):
    from generator import cache, exports

    shutil.copytree(workspace.path(PROJECT_DIR), workspace.path("budget_data/projects/2026/archive-postage"))
    assert workspace.build().code == 0
    xlsx = workspace.path("docs_src/downloads/2026/talent-service-funds/indicators.xlsx")
    original = xlsx.read_bytes()
    calls = []
    real = exports.project_downloads
    monkeypatch.setattr(exports, "project_downloads", lambda *a, **k: calls.append(1) or real(*a, **k))
    # An output edited by hand is restored from the store, without regenerating.
    xlsx.write_bytes(original + b"edited")
    assert workspace.build().code == 0
    assert xlsx.read_bytes() == original and calls == []
    # A data change regenerates that project's files only (not archive-postage's).
    workspace.replace(f"{PROJECT_DIR}/indicators.csv", "辅助性岗位满意度,>=,95%", "辅助性岗位满意度,>=,96%")
    assert workspace.build().code == 0
    assert len(calls) == 1 and xlsx.read_bytes() != original
    # Other code (a new generator or library version) regenerates everything.
    monkeypatch.setattr(cache, "code_version", lambda: b"another generator")
    calls.clear()
    assert workspace.build().code == 0
    assert len(calls) == 2


def test_noop_rebuild_uses_the_build_state_and_still_reports_warnings(workspace):
    first = workspace.build()
    assert first.code == 0 and workspace.build_states()
    before = workspace.snapshot()
    second = workspace.build()
    assert second.code == 0
    assert second.stderr == first.stderr  # the same warnings, printed again
    assert "写入 0 页" in second.stdout
    assert workspace.snapshot() == before


def test_build_state_is_not_trusted_when_inputs_or_outputs_change(workspace, monkeypatch):
    assert workspace.build().code == 0
    page = workspace.path("docs_src/projects/2026/talent-service-funds.md")
    original = page.read_text(encoding="utf-8")
    page.write_text("# 被改动的输出\n", encoding="utf-8")  # an output edited by hand is restored
    assert workspace.build().code == 0
    assert page.read_text(encoding="utf-8") == original
    page.unlink()  # a deleted output is rewritten
    assert workspace.build().code == 0
    assert page.read_text(encoding="utf-8") == original
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the environment is an input too
    assert workspace.build().code == 0
    assert "2026年1月1日" in workspace.read("docs_src/index.md")
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")  # and so is the data
    assert workspace.build().code == 0
    assert "2、开展（改）" in page.read_text(encoding="utf-8")


def test_failed_build_leaves_no_state_that_could_hide_the_failure(workspace):
    assert workspace.build().code == 0
    before = workspace.snapshot()
    states = {slot: slot.read_bytes() for slot in workspace.build_states()}
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",65万,")
    assert workspace.build().code == 1
    # The state still describes the last successful build, whose inputs no longer match.
    assert {slot: slot.read_bytes() for slot in workspace.build_states()} == states
    assert workspace.build().code == 1
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",65万,", ",650000,")
    assert workspace.build().code == 0
    assert workspace.snapshot() == before


def test_a_new_generator_version_is_never_answered_as_a_no_op(workspace, monkeypatch):
    """The no-op answer compares inputs and outputs; the generator's code and library versions
    are inputs too (an upgrade may change every page, as the escaping fix did)."""
    import os
    import time

    from generator import cache, exports

    old = time.time() - 3600  # settled files: nothing is re-read as possibly changed
    for path in workspace.path("budget_data").rglob("*"):
        os.utime(path, (old, old))
    for path in workspace.path("site_templates").rglob("*"):
        os.utime(path, (old, old))
    assert workspace.build().code == 0
    calls = []
    real = exports.project_downloads
    monkeypatch.setattr(exports, "project_downloads", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert "写入 0 页" in workspace.build().stdout and calls == []  # a true no-op first
    monkeypatch.setattr(cache, "code_version", lambda: b"another generator")
    assert workspace.build().code == 0
    assert calls == [1]  # the project's downloads were made again under the new code's keys
