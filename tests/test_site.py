"""The built MkDocs site: pages present, faithful to the source, nothing loaded from outside."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import Workspace

pytestmark = pytest.mark.site

SOURCE = Path(__file__).parent / "fixtures" / "source" / "chenggong-2026-talent-service-funds.txt"
PROJECT_HTML = "projects/2026/talent-service-funds/index.html"
UNIT_HTML = "units/chenggong-employment-talent-center/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    workspace = Workspace(tmp_path_factory.mktemp("site") / "repo")
    assert workspace.build().code == 0
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1767225600")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(workspace.path("mkdocs.yml"))],
        capture_output=True, text=True, env=env, cwd=workspace.root)
    assert completed.returncode == 0, completed.stderr
    return workspace.path("site")


class _Text(HTMLParser):
    """Visible text of the article, as one string."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0  # inside <article>
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def article_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.parts)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_home_unit_and_project_pages_exist(site):
    for page in ("index.html", UNIT_HTML, PROJECT_HTML, "units/index.html", "projects/index.html",
                 "data-format/index.html", "about/index.html"):
        assert (site / page).is_file(), page


# The source's table header names this column "绩效指标值设定依据及数据来源"; the page uses
# the official column name from the issue, "指标值设定依据及数据来源".
_HEADER_SYNONYMS = {"绩效指标值设定依据及数据来源": "指标值设定依据及数据来源"}
_LABELLED = re.compile(r"^(单位名称|组织机构代码|地址|联系电话|法人代表|经费来源)：(.+)$")
_NUMBERING = re.compile(r"^(（\d+）|\d+、)")
_TABLE_ROW = re.compile(r"^(=|>=|<=|一级指标|评（扣）分标准)\s")


def source_fragments() -> list[str]:
    """Every piece of text of the source document that the project page must show."""
    fragments: list[str] = []
    for raw in SOURCE.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"\[image: [^\]]*\]", "", raw).strip()
        if not line or set(line.split()) == {"空"}:
            continue
        if _TABLE_ROW.match(line):  # garbled table rows: check each cell
            fragments += [_HEADER_SYNONYMS.get(cell, cell) for cell in line.split() if cell != "空"]
        elif match := _LABELLED.match(line):
            fragments += [match.group(1), match.group(2)]
        else:
            fragments.append(_NUMBERING.sub("", line))
    return fragments


def test_project_page_shows_every_piece_of_the_source(site):
    page = squash(article_text(site / PROJECT_HTML))
    fragments = source_fragments()
    assert len(fragments) > 80
    missing = [f for f in fragments if squash(f) not in page]
    assert not missing, f"not on the project page: {missing}"


def test_project_page_sections_are_in_source_order(site):
    page = article_text(site / PROJECT_HTML)
    headings = ["一、项目名称", "二、立项依据", "三、项目实施单位", "四、项目基本概况", "五、项目实施内容",
                "六、资金安排情况", "七、项目实施计划", "八、项目实施成效", "九、项目绩效目标表"]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)


def test_project_page_shows_computed_figures(site):
    page = squash(article_text(site / PROJECT_HTML))
    for figure in ("660,000.00", "66.00", "人民币陆拾陆万元整", "650,000.00", "65.00", "98.48%",
                   "10,000.00", "1.00", "1.52%", "5,000.00", "0.50", "0.76%",
                   "200 份 × 25.00 元 = 5,000.00 元", "5,000.00 元/场", "合计（大写）人民币陆拾陆万元整"):
        assert squash(figure) in page, figure


def test_indicator_table_uses_the_official_layout(site):
    html = (site / PROJECT_HTML).read_text(encoding="utf-8")
    table = html[html.rindex("<table", 0, html.index("绩效指标（2026年）")):]
    table = table[: table.index("</table>")]
    headers = re.findall(r'<th scope="col" id="ind-h-[a-z0-9]+">([^<]+)</th>', table)
    assert headers == ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "指标属性",
                       "评（扣）分标准", "指标内容", "指标值设定依据及数据来源"]
    assert "<caption>" in table
    # 产出指标 spans its four rows; 时效指标 spans two.
    assert re.search(r'rowspan="4"[^>]*>产出指标<', table)
    assert re.search(r'rowspan="2"[^>]*>时效指标<', table)
    assert table.count("<tr>") == 1 + 6
    assert "&gt;=" in table and "&lt;=" in table  # operators are escaped text, not markup
    assert 'class=' not in table.split("<table")[1].split(">")[0]  # Material styles only class-less tables


_EXTERNAL = re.compile(r"""(?:src|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.I)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*(?:https?:)?//""", re.I)


def test_no_page_loads_anything_from_an_outside_host(site):
    offenders = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path}: {m.group(0)}" for m in _EXTERNAL.finditer(text)]
            offenders += [f"{path}: {tag}" for tag in _LINK_TAG.findall(text) if re.search(r"href=\"?(https?:)?//", tag)]
            offenders += [f"{path}: style url" for m in _CSS_URL.finditer(text)]
        elif path.suffix == ".css":
            offenders += [f"{path}: {m.group(0)}" for m in _CSS_URL.finditer(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_no_links_to_outside_hosts_in_generated_pages(site):
    for page in ("index.html", UNIT_HTML, PROJECT_HTML):
        text = (site / page).read_text(encoding="utf-8")
        assert not re.search(r"href=\"https?://", text), page


def test_search_index_is_built_by_mkdocs_and_holds_chinese_pages(site):
    """The hook (site_templates/hooks/search_index.py) runs inside `mkdocs build`; Material's
    whole-site index is gone. Finding the Chinese words is tested in the browser (test_browser.py)."""
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert set(entry["languages"]) == {"zh"}
    pages = entry["languages"]["zh"]["page_count"]
    assert pages == sum(1 for _ in site.rglob("index.html")) - sum(1 for _ in (site / "pagefind").rglob("index.html"))
    assert list((site / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert not (site / "search").exists()  # Material's search plugin is off
    page = (site / PROJECT_HTML).read_text(encoding="utf-8")
    assert 'class="md-search__input"' in page and "assets/javascripts/search.js" in page


def test_site_language_is_chinese(site):
    assert '<html lang="zh"' in (site / "index.html").read_text(encoding="utf-8")


def _mkdocs(ws: Workspace, *extra: str) -> None:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1767225600")
    completed = subprocess.run([sys.executable, "-m", "mkdocs", "build", *extra, "-f", str(ws.path("mkdocs.yml"))],
                               capture_output=True, text=True, env=env, cwd=ws.root)
    assert completed.returncode == 0, completed.stderr


def _site_files(ws: Workspace) -> dict[str, bytes]:
    base = ws.path("site")
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _search_records(site: Path) -> dict[str, dict]:
    """What a reader can find: each page's Pagefind record (URL, text, title, headings) over the
    bundles search.js merges (site/pagefind/indexes.json), without the base entries it drops."""
    import gzip

    listing = json.loads((site / "pagefind" / "indexes.json").read_text(encoding="utf-8"))
    superseded = set(listing["superseded"])
    records: dict[str, dict] = {}
    ids: dict[str, str] = {}
    for bundle in listing["bundles"]:
        for fragment in sorted((site / bundle["path"] / "fragment").iterdir()):
            if fragment.name.removesuffix(".pf_fragment") in superseded:
                continue
            data = gzip.decompress(fragment.read_bytes())
            record = json.loads(data[data.index(b"{"):])
            # One live record per page; the same record in two bundles has one id, shown once.
            assert ids.setdefault(record["url"], fragment.name) == fragment.name, record["url"]
            records[record["url"]] = record
    return records


def test_dirty_site_build_after_changes_equals_a_full_build(tmp_path):
    """`mkdocs build --dirty` rebuilds only changed pages; the hook refreshes the footer's data
    version on the others and removes the files of a removed project. Byte for byte equal to a
    full build outside site/pagefind/. The search index is incremental: the changed pages go to
    a delta bundle and the base entries they replace are listed, so site/pagefind/ differs in its
    files but holds the same record for every page (search.js merges the bundles; the same
    answers in the browser: tests/test_browser.py). A damaged record of the base makes the next
    dirty build re-index in full, which is byte for byte a full build again."""
    import shutil

    from conftest import PROJECT_DIR

    incremental = Workspace(tmp_path / "incremental")
    for name in ("archive-postage", "removed-later"):
        shutil.copytree(incremental.path(PROJECT_DIR), incremental.path(f"budget_data/projects/2026/{name}"))
    assert incremental.build().code == 0
    _mkdocs(incremental, "--strict")
    incremental.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    incremental.replace(f"{PROJECT_DIR}/budget_items.csv", ",5000,", ",5001,")
    shutil.rmtree(incremental.path("budget_data/projects/2026/removed-later"))
    shutil.copytree(incremental.path(PROJECT_DIR), incremental.path("budget_data/projects/2026/added"))
    assert incremental.build().code == 0
    _mkdocs(incremental, "--dirty")  # not --strict: MkDocs always warns that a dirty build may be inaccurate

    full = Workspace(tmp_path / "full")
    shutil.rmtree(full.path("budget_data"))
    shutil.copytree(incremental.path("budget_data"), full.path("budget_data"))
    assert full.build().code == 0
    _mkdocs(full, "--strict")
    got, expected = _site_files(incremental), _site_files(full)
    outside = [name for name in sorted(set(got) | set(expected)) if not name.startswith("pagefind/")]
    assert [name for name in outside if got.get(name) != expected.get(name)] == []
    assert "projects/2026/removed-later/index.html" not in got and "projects/2026/added/index.html" in got

    listing = json.loads(got["pagefind/indexes.json"])
    assert listing["bundles"] == [{"base": "", "path": "pagefind/"}, {"base": "", "path": "pagefind/delta/"}]
    delta = json.loads(got["pagefind/delta/pagefind-entry.json"])["languages"]["zh"]["page_count"]
    base = json.loads(got["pagefind/pagefind-entry.json"])["languages"]["zh"]["page_count"]
    assert 0 < delta < base // 4  # only changed and added pages were indexed again
    assert len(listing["superseded"]) >= 2  # the changed project and the removed one, at least
    records = _search_records(incremental.path("site"))
    assert records == _search_records(full.path("site"))
    assert "/projects/2026/removed-later/" not in records and "/projects/2026/added/" in records
    assert "开展（改）" in records[f"/{PROJECT_HTML.removesuffix('index.html')}"]["content"].replace("\u200b", "")

    # A damaged record of the base is never trusted: the next dirty build indexes in full.
    (state,) = incremental.path(".cache/search").glob("*.json")
    state.write_text('{"version": 1, "entry": "', encoding="utf-8")
    _mkdocs(incremental, "--dirty")
    search = {name: data for name, data in _site_files(incremental).items() if name.startswith("pagefind/")}
    assert search == {name: data for name, data in expected.items() if name.startswith("pagefind/")}


def _search_hook():
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("search_index_hook", REPO / "site_templates/hooks/search_index.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_portal_mode_lists_the_shards_and_refuses_a_bad_list(tmp_path):
    """A portal front page (extra.search_shards) indexes nothing: it lists the shard folders
    whose own pagefind/indexes.json search.js reads (benchmarks/shards builds and searches one)."""
    hook = _search_hook()
    hook._list_shards(tmp_path, ["2025/", "2026/"])
    assert json.loads((tmp_path / "pagefind" / "indexes.json").read_text(encoding="utf-8")) == {
        "shards": ["2025/", "2026/"]}
    for bad in ([], "2026/", ["2026"], ["../2026/"], ["/2026/"], ["https://example.com/"], [2026]):
        with pytest.raises(SystemExit, match="extra.search_shards"):
            hook._list_shards(tmp_path, bad)


def test_a_search_index_without_pages_stops_the_build(tmp_path):
    """Fail closed: Pagefind finding no page (or failing) is a build error in Chinese, never a
    site published with a broken search."""
    hook = _search_hook()
    (tmp_path / "site" / "empty").mkdir(parents=True)
    (tmp_path / "site" / "empty" / "index.html").write_text("<html><body><p>no article</p></body></html>",
                                                            encoding="utf-8")
    with pytest.raises(SystemExit, match="生成搜索索引（Pagefind）失败"):
        hook._run_pagefind(tmp_path / "site", tmp_path / "site" / "pagefind")
