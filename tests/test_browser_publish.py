"""Publishing as a government website, in a real browser (issue 12).

The site is built from the shipped data plus a publishing portal.yaml (site_url, 承办单位,
filing numbers, a publication date) and one extra project of ¥1亿 whose name and largest
line item are 40 characters long. Checked at 1280 px and 390 px: no table clipped, no
page-level sideways scroll, chart labels whole; the 无障碍 toolbar by keyboard, persisted,
and axe-clean on every page type in the normal and the accessible mode; gov.cn metadata,
canonical links and the sitemap. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import PROJECT_DIR, Workspace
from test_browser import _axe, _contrast  # noqa: F401  (fixtures below come from test_browser)
from test_browser import ARTIFACTS, _build_and_serve, browser, playwright_api, review_site  # noqa: F401

pytestmark = pytest.mark.browser

SITE_URL = "https://yusuan.example.gov.cn/"
PROJECT = "projects/2026/talent-service-funds/"
BIG = "projects/2026/big-construction-project/"
LONG_NAME = "呈贡区城市更新老旧小区综合改造及配套基础设施建设工程第一期雨污分流管网改造工程项"  # 40 characters
LONG_ITEM = "老旧小区雨污分流管网及道路、绿化、照明、消防等配套基础设施综合改造工程建设安装费"  # 40 characters
PAGES = {
    "home": "",
    "units-index": "units/",
    "unit": "units/chenggong-employment-talent-center/",
    "projects-index": "projects/",
    "year": "projects/2026/",
    "project": PROJECT,
    "big-project": BIG,
    "rules-index": "rules/",
    "rule": "rules/I510/",
    "data-format": "data-format/",
    "about": "about/",
}
WIDTHS = {"desktop": 1280, "phone": 390}
PORTAL_ADDITIONS = f"""
site_url: {SITE_URL}
organizer: 昆明市呈贡区财政局
published:
  "2026": 2026-02-15
"""


def publishing_workspace(root: Path) -> Workspace:
    workspace = Workspace(root)
    portal = workspace.read("budget_data/portal.yaml")
    portal = portal.replace('website_code: ""', 'website_code: "5301140001"')
    portal = portal.replace('icp_record: ""', 'icp_record: "滇ICP备00000000号-1"')
    portal = portal.replace('police_record: ""', 'police_record: "滇公网安备53011402000001号"')
    workspace.write("budget_data/portal.yaml", portal + PORTAL_ADDITIONS)
    big = "budget_data/projects/2026/big-construction-project"
    for name in ("project.yaml", "indicators.csv"):
        workspace.write(f"{big}/{name}", workspace.read(f"{PROJECT_DIR}/{name}"))
    workspace.replace(f"{big}/project.yaml", "name: 人才服务管理经费", f"name: {LONG_NAME}")
    workspace.write(f"{big}/budget_items.csv",
                    "明细项目,上级项目,数量,计量单位,单价（元）,金额（元）,测算依据\n"
                    f"{LONG_ITEM},,,,,99990000,工程概算\n"
                    "EPC-WBS MMW-2026 WWW工程监理费,,,,,10000,监理合同\n")  # wide Latin letters
    assert len(LONG_NAME) == 40 and len(LONG_ITEM) == 40
    return workspace


@pytest.fixture(scope="module")
def published(tmp_path_factory, playwright_api):  # noqa: F811
    workspace = publishing_workspace(tmp_path_factory.mktemp("published") / "repo")
    server, url = _build_and_serve(workspace)
    yield url, workspace
    server.shutdown()


@pytest.fixture
def site(published):
    return published[0]


def _page(browser, width: int, *, modes: tuple[str, ...] = ()):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                  device_scale_factor=1)
    if modes:
        # What the toolbar saves; main.html applies it before the first paint.
        state = "{" + ",".join(f'"{m}":true' for m in modes) + "}"
        context.add_init_script(f"localStorage.setItem('a11y', '{state}')")
    return context, context.new_page()


# ---- tables and page width -------------------------------------------------------------------

_LAYOUT = """() => {
    const root = document.documentElement;
    const tables = [...document.querySelectorAll('article table')].map(table => {
        const wrap = table.closest('.md-typeset__scrollwrap');
        const rect = table.getBoundingClientRect();
        return {caption: (table.caption ? table.caption.textContent : table.rows[0].textContent).slice(0, 30),
                left: rect.left, right: rect.right,
                wrapOverflow: wrap ? wrap.scrollWidth - wrap.clientWidth : 0,
                tableOverflow: table.scrollWidth - table.clientWidth};
    });
    return {pageOverflow: root.scrollWidth - root.clientWidth, width: root.clientWidth, tables};
}"""


@pytest.mark.parametrize("mode", ["normal", "accessible"])
@pytest.mark.parametrize("width_name", sorted(WIDTHS))
@pytest.mark.parametrize("name", ["project", "big-project", "unit", "home", "year", "projects-index"])
def test_no_table_is_clipped_and_nothing_scrolls_sideways(browser, site, name, width_name, mode):  # noqa: F811
    context, page = _page(browser, WIDTHS[width_name],
                          modes=("large", "contrast", "elder") if mode == "accessible" else ())
    page.goto(site + PAGES[name], wait_until="networkidle")
    layout = page.evaluate(_LAYOUT)
    context.close()
    assert layout["pageOverflow"] <= 0, layout
    assert layout["tables"], "no table found"
    clipped = [t for t in layout["tables"] if t["wrapOverflow"] > 1 or t["tableOverflow"] > 1
               or t["left"] < -0.5 or t["right"] > layout["width"] + 0.5]
    assert clipped == [], clipped


def test_official_tables_show_every_column_at_1280(browser, site):  # noqa: F811
    context, page = _page(browser, 1280)
    page.goto(site + PROJECT, wait_until="networkidle")
    visible = page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const heads = [...document.querySelectorAll('article thead th')];
        return heads.filter(th => { const r = th.getBoundingClientRect();
                                    return r.width > 0 && r.left >= 0 && r.right <= width; })
                    .map(th => th.textContent);
    }""")
    toc = page.locator(".md-sidebar--secondary").evaluate("e => e.hidden || getComputedStyle(e).display === 'none'")
    context.close()
    for heading in ("评（扣）分标准", "指标值设定依据及数据来源", "占总额", "金额（万元）"):
        assert heading in visible, visible
    assert toc is True  # the right-hand contents column gives its width to the tables


def test_indicators_are_labelled_blocks_on_a_phone(browser, site):  # noqa: F811
    context, page = _page(browser, 390)
    page.goto(site + PROJECT, wait_until="networkidle")
    cell = page.evaluate("""() => {
        const td = [...document.querySelectorAll('td')].find(td => td.textContent === '11月份以前');
        const table = td.closest('table');
        return {label: getComputedStyle(td, '::before').content, display: getComputedStyle(td).display,
                table: getComputedStyle(table).display,
                head: getComputedStyle(table.tHead).position,
                left: td.getBoundingClientRect().left, right: td.getBoundingClientRect().right,
                width: document.documentElement.clientWidth};
    }""")
    context.close()
    assert (cell["label"], cell["display"], cell["table"], cell["head"]) == ('"指标值："', "block", "block", "absolute")
    assert 0 <= cell["left"] and cell["right"] <= cell["width"]


# ---- charts ----------------------------------------------------------------------------------

_CHART_TEXT = """() => [...document.querySelectorAll('svg.budget-chart')].map(svg => {
    const box = svg.viewBox.baseVal;
    const rect = svg.getBoundingClientRect();
    return {width: box.width, height: box.height, right: rect.right, screen: document.documentElement.clientWidth,
            texts: [...svg.querySelectorAll('text')].map(t => {
                const b = t.getBBox();
                return {text: t.textContent, x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height};
            })};
})"""


@pytest.mark.parametrize("width_name", sorted(WIDTHS))
@pytest.mark.parametrize("name", ["big-project", "project", "home"])
def test_chart_labels_are_never_clipped(browser, site, name, width_name):  # noqa: F811
    context, page = _page(browser, WIDTHS[width_name])
    page.goto(site + PAGES[name], wait_until="networkidle")
    charts = page.evaluate(_CHART_TEXT)
    context.close()
    assert charts
    for chart in charts:
        assert chart["right"] <= chart["screen"] + 0.5
        for text in chart["texts"]:
            assert text["x"] >= 0 and text["right"] <= chart["width"], (text, chart["width"])
            assert text["y"] >= 0 and text["bottom"] <= chart["height"], (text, chart["height"])
    if name == "big-project":
        texts = [t["text"] for t in charts[0]["texts"]]
        assert LONG_ITEM in texts  # written in full, over two lines, never cut with "…"
        assert "99,990,000.00 元（99.99%）" in texts


def test_a_one_hundred_million_yuan_total_is_shown_whole(browser, site):  # noqa: F811
    context, page = _page(browser, 1280)
    page.goto(site, wait_until="networkidle")
    texts = [t["text"] for chart in page.evaluate(_CHART_TEXT) for t in chart["texts"]]
    context.close()
    assert any(t.startswith("100,660,000.00 元") for t in texts), texts


# ---- 无障碍 toolbar --------------------------------------------------------------------------

def test_toolbar_is_keyboard_reachable_and_its_settings_persist(browser, site):  # noqa: F811
    context, page = _page(browser, 1280)
    page.goto(site + PROJECT, wait_until="networkidle")
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if reached[-1] == "大字号":
            break
    assert reached[-1] == "大字号", reached
    size_before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # 高对比度
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # 长者模式
    state = page.evaluate("""() => ({classes: document.documentElement.className,
        pressed: [...document.querySelectorAll('.a11y-toolbar button[aria-pressed]')]
                 .map(b => b.getAttribute('aria-pressed'))})""")
    assert state["pressed"] == ["true", "true", "true"]
    assert {"a11y-large", "a11y-contrast", "a11y-elder"} <= set(state["classes"].split())
    page.goto(site + "units/", wait_until="networkidle")  # another page: the settings hold
    after = page.evaluate("""() => ({classes: document.documentElement.className,
        size: parseFloat(getComputedStyle(document.querySelector('article p, article td')).fontSize),
        line: getComputedStyle(document.querySelector('article .md-typeset, article')).lineHeight,
        bg: getComputedStyle(document.body).backgroundColor,
        fg: getComputedStyle(document.querySelector('article')).color})""")
    page.goto(site + PROJECT, wait_until="networkidle")
    size_after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
    page.locator(".a11y-toolbar button", has_text="恢复默认").click()
    reset = page.evaluate("document.documentElement.className")
    context.close()
    assert {"a11y-large", "a11y-contrast", "a11y-elder"} <= set(after["classes"].split())
    assert size_after >= size_before * 1.15, (size_before, size_after)
    assert _contrast(after["fg"], after["bg"]) >= 7, after
    assert "a11y-" not in reset


def test_toolbar_loads_nothing_from_elsewhere(browser, site):  # noqa: F811
    context, page = _page(browser, 390, modes=("large", "contrast", "elder"))
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(site + PROJECT, wait_until="networkidle")
    context.close()
    assert [u for u in seen if urlparse(u).scheme not in ("data", "blob")
            and urlparse(u).hostname != "127.0.0.1"] == []


@pytest.mark.parametrize("mode", ["normal", "accessible"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_axe_on_every_page_type_in_both_modes(browser, site, name, mode):  # noqa: F811
    context, page = _page(browser, 1280, modes=("large", "contrast", "elder") if mode == "accessible" else ())
    violations = _axe(page, site + PAGES[name])
    context.close()
    assert violations == []


@pytest.mark.parametrize("mode", ["normal", "accessible"])
def test_axe_on_the_project_page_on_a_phone(browser, site, mode):  # noqa: F811
    context, page = _page(browser, 390, modes=("large", "contrast", "elder") if mode == "accessible" else ())
    violations = _axe(page, site + PROJECT)
    context.close()
    assert violations == []


def test_axe_on_the_review_page_in_the_accessible_mode(browser, review_site):  # noqa: F811
    context, page = _page(browser, 1280, modes=("large", "contrast", "elder"))
    violations = _axe(page, review_site + "review/")
    context.close()
    assert violations == []


# ---- metadata, canonical links, sitemap, footer ------------------------------------------------

GOV_META = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType", "ArticleTitle", "PubDate",
            "ContentSource", "Keywords", "Description")


def _head(page) -> dict:
    return page.evaluate("""() => ({
        meta: Object.fromEntries([...document.querySelectorAll('head meta[name]')]
                                 .map(m => [m.getAttribute('name'), m.getAttribute('content')])),
        canonical: [...document.querySelectorAll('link[rel=canonical]')].map(l => l.getAttribute('href'))})""")


def test_project_page_carries_gov_metadata_and_its_canonical_link(browser, site):  # noqa: F811
    context, page = _page(browser, 1280)
    page.goto(site + PROJECT, wait_until="networkidle")
    head = _head(page)
    block = page.locator("dl.disclosure").inner_text()
    context.close()
    meta = head["meta"]
    assert {k: meta.get(k) for k in ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle",
                                      "PubDate", "ContentSource")} == {
        "SiteName": "昆明市呈贡区项目预算公开", "SiteDomain": "yusuan.example.gov.cn", "SiteIDCode": "5301140001",
        "ColumnName": "项目预算", "ArticleTitle": "人才服务管理经费", "PubDate": "2026-02-15",
        "ContentSource": "昆明市呈贡区公共就业和人才服务中心"}
    assert "人才服务管理经费" in meta["Keywords"] and "660,000.00 元" in meta["Description"]
    assert head["canonical"] == [SITE_URL + PROJECT]
    # Serials follow the project identifiers: big-construction-project is 00001.
    assert "索引号\n125301214314903206-XMYS/2026-00002\n" in block and "发布日期\n2026-02-15" in block


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_page_has_every_gov_meta_field(browser, site, name):  # noqa: F811
    context, page = _page(browser, 1280)
    page.goto(site + PAGES[name])
    head = _head(page)
    context.close()
    expected = set(GOV_META) - ({"PubDate"} if name not in ("project", "big-project", "unit", "year") else set())
    assert {k for k in expected if head["meta"].get(k)} == expected, head["meta"]
    assert head["canonical"] == [SITE_URL + PAGES[name]]


def test_sitemap_lists_every_page_under_site_url(published):
    site, workspace = published
    built = sorted(p.relative_to(workspace.path("site")).parent.as_posix()
                   for p in workspace.path("site").rglob("index.html"))
    pages = {SITE_URL + ("" if d == "." else d + "/") for d in built}
    sitemap = workspace.read("site/sitemap.xml")
    listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert len(listed) == len(set(listed)) == len(pages) > 70
    assert set(listed) == pages


def test_footer_names_the_sponsor_and_links_the_filing_systems(browser, site):  # noqa: F811
    context, page = _page(browser, 1280)
    page.goto(site + "about/")
    footer = page.locator(".portal-footer")
    text = footer.inner_text()
    links = footer.locator("a").evaluate_all("els => els.map(a => [a.textContent, a.getAttribute('href')])")
    context.close()
    assert "主办单位：昆明市呈贡区公共就业和人才服务中心" in text and "承办单位：昆明市呈贡区财政局" in text
    assert "发布单位" not in text and "网站标识码：5301140001" in text
    assert links == [["滇ICP备00000000号-1", "https://beian.miit.gov.cn/"],
                     ["滇公网安备53011402000001号", "https://beian.mps.gov.cn/#/query/webSearch?code=53011402000001"]]


# ---- screenshots -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["normal", "contrast"])
@pytest.mark.parametrize("width_name", sorted(WIDTHS))
def test_screenshots_of_the_project_page_in_both_modes(browser, site, width_name, mode):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _page(browser, WIDTHS[width_name], modes=("large", "contrast", "elder") if mode == "contrast" else ())
    page.goto(site + PROJECT, wait_until="networkidle")
    target = ARTIFACTS / f"project-{width_name}-{mode}.png"
    page.screenshot(path=str(target), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert target.stat().st_size > 10_000
    assert overflow <= 0
