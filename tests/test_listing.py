"""Listings that scale: a year's or a classification's projects paged, the home page's largest units."""

from __future__ import annotations

import importlib.util
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, run_cli
from generator import render


def _corpus():
    spec = importlib.util.spec_from_file_location("corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _portal(tmp_path):
    """A portal of 3 units × 4 projects (12 projects, one year), with the shipped templates."""
    import shutil
    _corpus().generate(tmp_path, units=3, projects=4, years=1, seed=5)
    shutil.copytree(REPO / "site_templates", tmp_path / "site_templates")
    (tmp_path / "docs_src").mkdir(exist_ok=True)
    return tmp_path


def _build(root):
    result = run_cli("build", "--root", str(root))
    assert result.code == 0, result.err
    return result


def _linked_projects(text: str) -> list[str]:
    return re.findall(r"\]\(((?:\.\./\.\./projects/\d+/|\.\./projects/\d+/)?unit-[0-9a-z-]+\.md)\)", text)


@settings(max_examples=60, deadline=None)
@given(count=st.integers(min_value=0, max_value=40), size=st.integers(min_value=1, max_value=7))
def test_paginate_splits_every_row_once_in_order(count, size):
    rows = tuple(range(count))
    original = render.LIST_PAGE_ROWS
    render.LIST_PAGE_ROWS = size
    try:
        pages = render.paginate(rows, lambda number: f"p{number}.md")
    finally:
        render.LIST_PAGE_ROWS = original
    assert sum((chunk for _, chunk in pages), ()) == rows
    assert len(pages) == max(1, -(-count // size))
    for index, (pager, chunk) in enumerate(pages, start=1):
        assert pager.number == index and pager.count == len(pages)
        assert len(chunk) <= size and (chunk or count == 0)
        assert pager.links == tuple((n, f"p{n}.md") for n in range(1, len(pages) + 1))
        if chunk:
            assert (pager.first, pager.last) == (chunk[0] + 1, chunk[-1] + 1)


def test_a_large_year_is_listed_over_pages_with_every_project_once(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 5)
    root = _portal(tmp_path)
    _build(root)
    year = root / "docs_src" / "projects" / "2026"
    first, second, third = (year / "index.md").read_text(), (year / "list_2.md").read_text(), \
        (year / "list_3.md").read_text()
    assert not (year / "list_4.md").exists()
    listed = [link for text in (first, second, third) for link in _linked_projects(text)]
    projects = sorted(p.name for p in year.glob("unit-*.md"))
    assert len(projects) == 12 and listed == projects  # each project once, in the listing's (id) order
    assert [len(_linked_projects(text)) for text in (first, second, third)] == [5, 5, 2]
    # The units' totals stay on the first page only; every page links every other page.
    assert "## 各单位" in first and "## 各单位" not in second
    assert "页码（共 3 页，本页为第 1–5 个项目）：**1** · [2](list_2.md) · [3](list_3.md)\n{: .listing-pages }\n" \
        in first  # the class that makes the numbers finger-sized (extra.css)
    assert "页码（共 3 页，本页为第 11–12 个项目）：[1](index.md) · [2](list_2.md) · **3**" in third
    assert third.count("页码（") == 2  # above and below the table
    assert "# 2026年项目预算（第3页）" in third and "[2026年项目预算](index.md)" in third
    # A listing that fits on one page has no pager.
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 500)
    _build(root)
    assert "页码" not in (year / "index.md").read_text()
    assert not (year / "list_2.md").exists() and not (year / "list_3.md").exists()


def test_a_large_classification_is_listed_over_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 1)
    root = _portal(tmp_path)
    _build(root)
    folder = root / "docs_src" / "classifications"
    pages = sorted(p.name for p in folder.glob("*.md") if p.name != "index.md")
    firsts = [name for name in pages if "_" not in name]
    assert firsts, "the corpus has classified projects"
    for first in firsts:
        code = first[:-3]
        siblings = [first] + sorted((n for n in pages if n.startswith(code + "_")),
                                    key=lambda n: int(n[len(code) + 1:-3]))
        texts = [(folder / name).read_text() for name in siblings]
        # one project per page, each page's totals table is the code's totals
        assert all(len(_linked_projects(text)) == 1 for text in texts)
        assert len({re.search(r"\| 预算年度 \| 项目数.*?\n\n", t, re.S).group(0) for t in texts}) == 1
        if len(texts) > 1:
            assert f"[2]({code}_2.md)" in texts[0] and f"[1]({code}.md)" in texts[1]


def test_home_page_shows_the_largest_units_when_there_are_many(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "HOME_UNITS", 2)
    root = _portal(tmp_path)
    _build(root)
    home = (root / "docs_src" / "index.md").read_text()
    units_index = (root / "docs_src" / "units" / "index.md").read_text()
    every = re.findall(r"^\| \[(.+?)\]\(units/(unit-\d+)\.md\) \| (\d+) \| ([\d,.]+) \|", home, re.M)
    listed = re.findall(r"^\| \[(.+?)\]\((unit-\d+)\.md\) \| (\d+) \| ([\d,.]+) \|", units_index, re.M)
    assert len(listed) == 3 and len(every) == 2
    by_amount = sorted(listed, key=lambda row: -float(row[3].replace(",", "")))  # test oracle only
    assert [row[1] for row in every] == [row[1] for row in by_amount[:2]]
    assert "本站共有 3 个预算单位。下表为 2026 年项目预算总额最大的 2 个" in home
    assert "[预算单位](units/index.md)" in home
    assert home.count('<g aria-hidden="true">') == 1 + 2  # one year bar, two unit bars
    assert "2026年项目预算总额最大的 2 个单位（数据同下表）" in home
    monkeypatch.setattr(render, "HOME_UNITS", 3)
    _build(root)
    home = (root / "docs_src" / "index.md").read_text()
    assert "本站共有" not in home and "各单位2026年项目预算总额（数据同下表）" in home
    assert len(re.findall(r"^\| \[.+?\]\(units/unit-\d+\.md\)", home, re.M)) == 3


def test_a_narrative_edit_re_renders_no_listing(tmp_path, monkeypatch):
    """Listings show a project's name, unit and total: an edit elsewhere leaves them alone."""
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 5)
    root = _portal(tmp_path)
    _build(root)
    rendered: list[str] = []
    original = render._Page.__init__

    def spy(self, path):
        rendered.append(path)
        original(self, path)
    monkeypatch.setattr(render._Page, "__init__", spy)
    target = sorted((root / "budget_data" / "projects").glob("*/*/project.yaml"))[6]
    text = target.read_text(encoding="utf-8")
    edited = re.sub(r"申请", "申请（修改）", text, count=1)
    assert edited != text
    target.write_text(edited, encoding="utf-8")
    _build(root)
    project = f"projects/2026/{target.parent.name}.md"
    assert project in rendered
    assert not [p for p in rendered if p.startswith(("projects/2026/index", "projects/2026/list_", "units/unit-"))
                or (p.startswith("classifications/") and p != "classifications/index.md")]
    # A renamed project re-renders the one year page and the classification page that list it.
    rendered.clear()
    target.write_text(re.sub(r"^name: .*$", "name: 改名后的项目", edited, count=1, flags=re.M), encoding="utf-8")
    _build(root)
    year_pages = [p for p in rendered if p.startswith("projects/2026/") and p != project]
    assert year_pages == ["projects/2026/list_2.md"]
    assert "[改名后的项目]" in (root / "docs_src" / "projects" / "2026" / "list_2.md").read_text()
    assert f"units/{target.parent.name.rsplit('-p', 1)[0]}.md" in rendered  # its unit lists it by name


def test_a_unit_with_many_projects_lists_them_over_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 3)
    root = _portal(tmp_path)
    _build(root)
    units = root / "docs_src" / "units"
    first, second = (units / "unit-0001.md").read_text(), (units / "unit-0001" / "list_2.md").read_text()
    assert not (units / "unit-0001" / "list_3.md").exists()
    listed = [link.rsplit("/", 1)[1] for text in (first, second) for link in _linked_projects(text)]
    assert listed == [f"unit-0001-p00{n}.md" for n in range(1, 5)]
    assert "## 基本信息" in first and "## 基本信息" not in second
    assert "# 昆明市" in second and "：项目预算（第2页）" in second
    assert "](../unit-0001.md)。" in second  # back to the unit's own page
    assert "页码（共 2 页，本页为第 1–3 个项目）：**1** · [2](unit-0001/list_2.md)" in first
    assert "页码（共 2 页，本页为第 4–4 个项目）：[1](../unit-0001.md) · **2**" in second
    # Every year's totals stay on the first page with the unit's facts.
    assert "| [2026年](../projects/2026/index.md) | 4 |" in first


def test_a_renamed_unit_is_renamed_on_every_listing_page(tmp_path, monkeypatch):
    """Found by the paged incremental machine: later listing pages name the units of their rows."""
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 5)
    root = _portal(tmp_path)
    _build(root)
    unit_file = root / "budget_data" / "units" / "unit-0003.yaml"
    text = unit_file.read_text(encoding="utf-8")
    old_name = re.search(r"^name: (.*)$", text, re.M).group(1)
    unit_file.write_text(text.replace(f"name: {old_name}", "name: 改名后的单位", 1), encoding="utf-8")
    _build(root)
    third = (root / "docs_src" / "projects" / "2026" / "list_3.md").read_text()
    assert "改名后的单位" in third and old_name not in third
