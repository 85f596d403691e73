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


def test_search_bundle_holds_pagefind_js_gzipped_and_reproducible(site):
    """search.js fetches pagefind.js gzipped (the hook's PACKED_SCRIPT) and unpacks it itself: the
    copy is that file exactly, and carries no time stamp (the same site gives the same bytes)."""
    import gzip

    packed = (site / "pagefind" / "pagefind-js.gzip").read_bytes()
    script = (site / "pagefind" / "pagefind.js").read_bytes()
    assert gzip.decompress(packed) == script
    assert packed == gzip.compress(script, 9, mtime=0)
    assert len(packed) < len(script) / 2


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


def _snapshot_site(ws: Workspace) -> dict[str, tuple[bytes, int]]:
    base = ws.path("site")
    return {p.relative_to(base).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(base.rglob("*")) if p.is_file()}


def test_dirty_site_build_rewrites_only_the_pages_that_changed(tmp_path):
    """After one project changed, pages whose Markdown did not change keep their bytes and
    their modification time (rsync uploads only what changed): no page carries the portal's
    data version except the home page."""
    import shutil

    from conftest import PROJECT_DIR

    ws = Workspace(tmp_path / "repo")
    shutil.copytree(ws.path(PROJECT_DIR), ws.path("budget_data/projects/2026/archive-postage"))
    assert ws.build().code == 0
    _mkdocs(ws, "--strict")
    before = _snapshot_site(ws)
    ws.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert ws.build().code == 0
    _mkdocs(ws, "--dirty")
    after = _snapshot_site(ws)
    pages = [name for name in after if name.endswith("index.html")]
    rewritten = {name for name in pages if after[name][1] != before[name][1]}
    untouched = {"projects/2026/archive-postage/index.html", "rules/index.html", "data-format/index.html",
                 "units/index.html"}
    assert untouched & rewritten == set()
    assert {"index.html", PROJECT_HTML} <= rewritten  # the changed project, and the home page's data version
    assert len(rewritten) < len(pages) / 3
    home, project = (ws.path("site") / name for name in ("index.html", PROJECT_HTML))
    assert "portal-footer__version" in home.read_text(encoding="utf-8")
    assert "portal-footer__version" not in project.read_text(encoding="utf-8")
    assert "主办单位：" in project.read_text(encoding="utf-8")


def test_dirty_site_build_after_portal_and_theme_changes_equals_a_full_build(tmp_path):
    """A footer fact in portal.yaml reaches every page; a changed theme override makes the dirty
    build a full one; a hand-written page follows the home page. Byte for byte a full build."""
    import shutil

    incremental = Workspace(tmp_path / "incremental")
    assert incremental.build().code == 0
    _mkdocs(incremental, "--strict")
    full_root = tmp_path / "full"

    def full_build() -> dict[str, bytes]:
        shutil.rmtree(full_root, ignore_errors=True)
        full = Workspace(full_root)
        for folder in ("budget_data", "site_templates"):
            shutil.rmtree(full.path(folder))
            shutil.copytree(incremental.path(folder), full.path(folder))
        assert full.build().code == 0
        _mkdocs(full, "--strict")
        # Search: the same records (a dirty build may add a delta bundle, see search_index.py).
        assert _search_records(incremental.path("site")) == _search_records(full.path("site"))
        return _site_files(full)

    def outside_search(files: dict[str, bytes]) -> dict[str, bytes]:
        return {name: data for name, data in files.items() if not name.startswith("pagefind/")}

    portal = incremental.read("budget_data/portal.yaml").replace("联系电话 67473328", "联系电话 67473329")
    incremental.write("budget_data/portal.yaml", portal + "site_url: https://yusuan.example.gov.cn/\n")
    assert incremental.build().code == 0
    _mkdocs(incremental, "--dirty")
    got, expected = _site_files(incremental), full_build()
    assert sorted(outside_search(got)) == sorted(outside_search(expected))
    assert [name for name in outside_search(expected) if got[name] != expected[name]] == []
    assert "67473329" in got["about/index.html"].decode() and "67473329" in got[PROJECT_HTML].decode()

    incremental.replace("site_templates/overrides/partials/copyright.html",
                        '<div class="md-copyright">', '<div class="md-copyright" data-edition="2">')
    _mkdocs(incremental, "--dirty")  # no generator run: only the theme changed
    got, expected = _site_files(incremental), full_build()
    assert [name for name in outside_search(expected) if got.get(name) != expected[name]] == []
    assert 'data-edition="2"' in got[PROJECT_HTML].decode()

    # A page template changed: the generator rewrites the project pages but not the home page,
    # whose front matter sitemap.xml and about.md still need in the dirty build.
    home = incremental.path("docs_src/index.md").stat().st_mtime_ns
    incremental.replace("site_templates/project.md.j2", "## 下载\n", "## 下载\n\n下载文件与本页内容一致。\n")
    assert incremental.build().code == 0
    assert incremental.path("docs_src/index.md").stat().st_mtime_ns == home
    _mkdocs(incremental, "--dirty")
    got, expected = _site_files(incremental), full_build()
    assert [name for name in outside_search(expected) if got.get(name) != expected[name]] == []
    assert "下载文件与本页内容一致" in got[PROJECT_HTML].decode()
    assert got["sitemap.xml"].count(b"<loc>https://yusuan.example.gov.cn/") == got["sitemap.xml"].count(b"<url>") > 100


def _without_raw_blocks_hook(ws: Workspace) -> None:
    ws.replace("mkdocs.yml", "  - site_templates/hooks/raw_blocks.py\n", "")


def _two_project_review(root: Path) -> Workspace:
    """A workspace with a second project, generated with the 数据核查 page (``build --review``)."""
    import shutil

    from conftest import PROJECT_DIR

    ws = Workspace(root)
    shutil.copytree(ws.path(PROJECT_DIR), ws.path("budget_data/projects/2026/archive-postage"))
    assert ws.build("--review").code == 0
    return ws


def test_raw_blocks_hook_leaves_the_built_site_unchanged(tmp_path):
    """The hook that keeps our raw-HTML blocks away from html.parser changes no byte of the
    site: official tables, the SVG chart, the review page's attr_list anchors and its tables,
    link and anchor validation (--strict) included. It does take every generated page."""
    import importlib.util

    sites = {}
    for name in ("hook", "plain"):
        ws = _two_project_review(tmp_path / name)
        if name == "plain":
            _without_raw_blocks_hook(ws)
        _mkdocs(ws, "--strict")
        sites[name] = _site_files(ws)
    assert sorted(sites["hook"]) == sorted(sites["plain"])
    assert [name for name in sites["plain"] if sites["hook"][name] != sites["plain"][name]] == []
    assert "review/index.html" in sites["hook"]

    spec = importlib.util.spec_from_file_location("raw_blocks_check", ws.path("site_templates/hooks/raw_blocks.py"))
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    import markdown

    generated = [p for p in sorted(ws.path("docs_src").rglob("*.md")) if "generator: budget-disclosure" in p.read_text()]
    assert len(generated) > 100
    taken = [p for p in generated if hook.extract(p.read_text().split("\n---\n", 1)[1], markdown.Markdown())]
    assert taken == generated


def test_theme_cache_hook_leaves_the_built_site_unchanged(tmp_path, monkeypatch):
    """Theme pieces rendered once per build and reused (theme_cache.py: navigation, toc, header
    halves, Material's styles/config/scripts blocks) give the same bytes as rendering them for
    every page: the other build has a cache that never reuses anything. Two projects, the
    review page, rule pages (pages at several depths, in and out of the navigation, with and
    without an h1 in their toc). And the cache is used: far fewer pieces than pages."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # both builds alike (as _mkdocs gives mkdocs)
    sites = {}
    for name in ("cached", "plain"):
        ws = _two_project_review(tmp_path / name)
        if name == "plain":
            ws.replace("site_templates/hooks/theme_cache.py", "    if key is None:\n        return caller()",
                       "    if True:  # never reuse\n        return caller()")
            _mkdocs(ws, "--strict")
        else:
            config = load_config(str(ws.path("mkdocs.yml")))
            build(config)
            cache = next(hook for path, hook in config.hooks.items() if path.endswith("theme_cache.py"))._cache
            pieces = {kind: sum(1 for key in cache if key[0] == kind) for kind in
                      ("nav", "toc", "header-start", "header-end", "styles", "config", "scripts")}
        sites[name] = _site_files(ws)
    pages = [name for name in sites["plain"] if name.endswith(".html")]
    assert sorted(sites["cached"]) == sorted(sites["plain"]) and len(pages) > 100
    assert "review/index.html" in pages
    assert [name for name in sites["plain"] if sites["cached"][name] != sites["plain"][name]] == []
    # Page depths 0-3 (the 404 page is never cached); one header end for all pages.
    assert 1 <= pieces["nav"] <= 8 and pieces["header-end"] == 1 and pieces["config"] <= 5, pieces
    assert 1 <= pieces["toc"] < len(pages) // 4, pieces


# Pieces of a generated page: raw blocks as the templates write them (escaped data included,
# which can never close a block), Markdown between them; and pieces the hook must refuse.
_TAKEN = [
    '<table>\n<caption>立项依据</caption>\n<thead>\n<tr><th scope="col" id="ind-h-level1">序号</th></tr>\n</thead>\n'
    '<tbody>\n<tr><th scope="row" rowspan="2" id="ind-l1-1" headers="ind-h-level1">产出</th><td><p>甲</p></td></tr>\n'
    '</tbody>\n</table>',
    '<p class="project-summary">数据 &lt;/p&gt;&lt;table&gt; &amp; 原文 &#42;</p>',
    '<figure class="budget-figure">\n<svg class="budget-chart" role="img" viewBox="0 0 10 10"><title id="chart-t">图</title>'
    '<g aria-hidden="true"><text class="chart-label"><tspan x="4" y="19">支出</tspan></text>'
    '<rect class="chart-bar" x="4" y="26" width="43" height="16" rx="2"></rect></g></svg>\n'
    '<figcaption>资金构成</figcaption>\n</figure>',
    '<dl class="disclosure" aria-label="信息公开">\n<div><dt>索引号</dt><dd>1</dd></div>\n</dl>',
    '<div class="outer"><div>嵌套</div>\n\n<p>块内空行</p>\n</div>',
    '<ol>\n<li>一</li>\n<li>二</li>\n</ol>',
    "## 一、项目名称",
    "### I506 规则（警告，1 处） {#rule-I506}",
    "实施单位：[某单位](../units/a.md)，说明 &lt;b&gt; 不是标签",
    "- [下载（CSV）](a.csv)\n- [下载（Excel）](a.xlsx)",
    "| 规则 | 位置 |\n| :--- | :--- |\n| [I506](review.md#I506-x) | a.yaml:3 |",
    # Texts the inline shortcuts take (plain, one plain link) and texts they must leave to the
    # inline pass (two links, a title, an image, emphasis, code, an entity, an escape, a line break).
    "纯文本段落，（括号）与 100% 与 a-b",
    "说明：[链接](a_b&c.md?x=1) 之后的文字（完）",
    "[甲](a.md)[乙](b.md)",
    "[标题](a.md \"提示\")",
    "![图](a.png)",
    "带 *强调* 与 `代码` 与 &amp; 与 \\* 转义 与 _下划线_",
    "第一行  \n第二行",
    "- 纯文本项\n- [链接项](x.md)\n- 前 [中](y.md) 后",
    "| 甲 | [乙](b.md) |\n| --- | --- |\n| 1 | [2](c.md)（注） |",
]
_REFUSED = ["<!-- 注释 -->", "文字 <span>内联</span>", "  <p>缩进</p>", "<hr>", "<p>a</p><p>b</p>", "<br/>",
            "<p>未闭合", "<script>x</script>", '<a name="top"></a>', "```\n<p>代码</p>\n```", "~~~\n<div>块</div>\n~~~"]


def _convert(text: str, hook) -> tuple[str, set[str]]:
    import markdown
    from mkdocs.structure.pages import _RawHTMLPreprocessor

    extensions = ["toc", "tables", "attr_list"] + ([hook._RawBlocksExtension()] if hook else [])
    md = markdown.Markdown(extensions=extensions)
    anchors = _RawHTMLPreprocessor()
    anchors._register(md)
    if hook:
        hook.on_page_markdown(text, page=type("P", (), {"meta": {"generator": hook.GENERATED}})())
    html = md.convert(text)
    ids = anchors.present_anchor_ids | (hook._state["ids"] if hook else set())
    if hook:
        hook.on_page_content(html, page=type("P", (), {"present_anchor_ids": set()})())
    return html, ids


def _raw_blocks_hook():
    import importlib.util

    path = Path(__file__).parent.parent / "site_templates" / "hooks" / "raw_blocks.py"
    spec = importlib.util.spec_from_file_location("raw_blocks_under_test", path)
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
_HOOK = _raw_blocks_hook()


def _page_strategy():
    from hypothesis import strategies as st

    pieces = st.lists(st.sampled_from(_TAKEN + _REFUSED), min_size=1, max_size=8)
    gaps = st.lists(st.sampled_from(["\n", "\n\n", "\n\n\n"]), min_size=8, max_size=8)
    return st.tuples(pieces, gaps)


def test_raw_blocks_hook_converts_like_plain_markdown():
    """Any page made of these pieces converts to the same HTML, with the same anchor ids for
    MkDocs' link validation, with and without the hook; pages made only of generated pieces
    are taken by the hook (so the comparison is not vacuous)."""
    from hypothesis import given, settings

    @settings(max_examples=300, deadline=None)
    @given(_page_strategy())
    def check(page):
        pieces, gaps = page
        text = "".join(piece + gap for piece, gap in zip(pieces, gaps))
        assert _convert(text, _HOOK) == _convert(text, None)
        import markdown
        taken = _HOOK.extract(text, markdown.Markdown()) is not None
        if all(piece in _TAKEN for piece in pieces):
            assert taken
        elif "<p>未闭合" not in pieces:  # (an unclosed <p> may be closed by a later block's </p>)
            assert not taken

    check()


def test_inline_shortcuts_take_plain_texts_and_single_links(monkeypatch):
    """The inline pass never sees a generated page's plain texts and single plain links (the
    HTML is the same, as above); an extension adding an inline pattern turns the shortcuts off."""
    import markdown
    from markdown.inlinepatterns import LinkInlineProcessor, SimpleTextInlineProcessor

    seen = []
    original = LinkInlineProcessor.handleMatch
    monkeypatch.setattr(LinkInlineProcessor, "handleMatch",
                        lambda self, match, data: seen.append(data) or original(self, match, data))
    text = "# 项目\n\n## 一、项目名称\n\n实施单位：[某单位](../units/a.md)\n\n- [下载（CSV）](a.csv)\n- [下载（Excel）](a.xlsx)\n"
    hooked = _convert(text, _HOOK)
    assert seen == []
    assert hooked == _convert(text, None) and len(seen) == 3
    assert '<p>实施单位：<a href="../units/a.md">某单位</a></p>' in hooked[0]

    seen.clear()
    md = markdown.Markdown(extensions=["toc", "tables", "attr_list", _HOOK._RawBlocksExtension()])
    md.inlinePatterns.register(SimpleTextInlineProcessor(r"(~~)"), "tilde", 65)
    assert "某单位</a>" in md.convert(text) and len(seen) == 3


def test_escaped_data_cannot_end_a_raw_block():
    import markdown

    md = markdown.Markdown()
    text, ids = _HOOK.extract('<table>\n<tr><td id="a">&lt;/table&gt;&lt;p&gt;</td></tr>\n</table>\n\n正文\n', md)
    assert ids == {"a"} and text.count("\x02") == 1 and "正文" in text and "table" not in text


def test_downloads_are_linked_into_the_site_and_never_changed_through_the_link(tmp_path):
    """site/'s downloads share docs_src/'s files (static_links.py); a rebuild replaces a changed
    file in docs_src/ by a new one, so the published copy changes only when the site is built."""
    from conftest import PROJECT_DIR

    ws = Workspace(tmp_path / "repo")
    assert ws.build().code == 0
    _mkdocs(ws, "--strict")
    relative = "downloads/2026/talent-service-funds/budget_items.csv"
    source, published = ws.path(f"docs_src/{relative}"), ws.path(f"site/{relative}")
    assert os.path.samefile(source, published)
    before = published.read_bytes()
    ws.replace(f"{PROJECT_DIR}/budget_items.csv", ",5000,", ",5001,")
    assert ws.build().code == 0
    assert source.read_bytes() != before and published.read_bytes() == before
    _mkdocs(ws, "--dirty")
    assert published.read_bytes() == source.read_bytes() and os.path.samefile(source, published)
    # A full build over an existing site keeps the link (MkDocs' own copy would refuse the same file).
    _mkdocs(ws, "--strict")
    assert os.path.samefile(source, published)
