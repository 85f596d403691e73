"""The built site in a real browser: search, outside requests, accessibility, print, downloads.

Playwright drives Debian's Chromium (/usr/bin/chromium) against the site served on
127.0.0.1. Outside CI the tests skip when Chromium, Playwright or axe-core is missing;
in CI (CI=true) a missing piece is a failure, never a skip.
Screenshots and the printed PDF go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import REPO, Workspace

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts"
PROJECT = "projects/2026/talent-service-funds/"
PAGES = {  # one page of every template
    "home": "",
    "units-index": "units/",
    "unit": "units/chenggong-employment-talent-center/",
    "projects-index": "projects/",
    "project": PROJECT,
    "rules-index": "rules/",
    "rule": "rules/I510/",
    "data-format": "data-format/",
    "about": "about/",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require(condition: bool, why: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{why} (required in CI)")
        pytest.skip(why)


@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright is not installed")
    _require(Path(CHROMIUM).exists(), "Debian's chromium is not installed")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="module")
def browser(playwright_api):
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _build_and_serve(root: Path | Workspace, *build_args: str):
    """Generate and build the site of ``root`` (a new copy of the repository, or a prepared
    workspace) and serve it on 127.0.0.1; returns (server, url)."""
    workspace = root if isinstance(root, Workspace) else Workspace(root)
    result = workspace.build(*build_args)
    assert result.code == 0, result.stderr
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1767225600")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(workspace.path("mkdocs.yml"))],
        capture_output=True, text=True, env=env, cwd=workspace.root)
    assert completed.returncode == 0, completed.stderr
    handler = functools.partial(_QuietHandler, directory=str(workspace.path("site")))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


@pytest.fixture(scope="module")
def site(tmp_path_factory, playwright_api):
    server, url = _build_and_serve(tmp_path_factory.mktemp("public") / "repo")
    yield url
    server.shutdown()


@pytest.fixture(scope="module")
def review_site(tmp_path_factory, playwright_api):
    server, url = _build_and_serve(tmp_path_factory.mktemp("review") / "repo", "--review")
    yield url
    server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


# ---- search ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["绩效奖", "人事档案", "辅助性岗位"])
def test_chinese_search_finds_the_project(page, site, query):
    page.goto(site)
    search = page.locator("input.md-search__input")
    search.click()
    search.fill(query)
    page.keyboard.press("End")  # Material only searches after a key event
    result = page.locator(f".md-search-result__item a[href*='{PROJECT}']").first
    result.wait_for(state="attached", timeout=15_000)
    assert PROJECT in result.get_attribute("href")


def _search_answer(page, url: str, query: str) -> tuple[str, list[str]]:
    """The count line and every result's link, pressing 更多结果 until all are shown."""
    page.goto(url, wait_until="networkidle")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(query)
    meta = page.locator(".md-search-result__meta")
    page.wait_for_function("() => /找到|没有找到|不可用/.test(document.querySelector('.md-search-result__meta').textContent)",
                           timeout=15_000)
    more = page.locator(".portal-search__more")
    while more.is_visible():
        shown = page.locator(".md-search-result__item").count()
        more.click()
        page.wait_for_function(f"() => document.querySelectorAll('.md-search-result__item').length > {shown}",
                               timeout=15_000)
    links = [a.get_attribute("href").removeprefix(url.rstrip("/")) for a in page.locator(".md-search-result__item a").all()]
    return meta.text_content(), sorted(links)


def _serve(folder: Path):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def test_search_after_a_dirty_build_answers_as_a_full_build(page, tmp_path):
    """After `mkdocs build --dirty` the changed pages are searched from a delta bundle merged in
    the browser (site_templates/hooks/search_index.py): every query finds the same pages, with
    the same count, as on a site built in full; a word only the changed page has is found, and a
    word the base has but the delta does not still narrows the delta's pages."""
    from conftest import PROJECT_DIR

    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH="1767225600")

    def mkdocs(workspace: Workspace, *extra: str) -> None:
        completed = subprocess.run([sys.executable, "-m", "mkdocs", "build", *extra, "-f",
                                    str(workspace.path("mkdocs.yml"))],
                                   capture_output=True, text=True, env=env, cwd=workspace.root)
        assert completed.returncode == 0, completed.stderr

    incremental = Workspace(tmp_path / "incremental")
    shutil.copytree(incremental.path(PROJECT_DIR), incremental.path("budget_data/projects/2026/removed-later"))
    assert incremental.build().code == 0
    mkdocs(incremental)
    incremental.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展邮资结算工作，")
    shutil.rmtree(incremental.path("budget_data/projects/2026/removed-later"))
    assert incremental.build().code == 0
    mkdocs(incremental, "--dirty")
    listing = json.loads(incremental.path("site/pagefind/indexes.json").read_text(encoding="utf-8"))
    assert len(listing["bundles"]) == 2 and listing["superseded"]  # the delta path was taken

    full = Workspace(tmp_path / "full")
    shutil.rmtree(full.path("budget_data"))
    shutil.copytree(incremental.path("budget_data"), full.path("budget_data"))
    assert full.build().code == 0
    mkdocs(full)

    servers = [_serve(incremental.path("site")), _serve(full.path("site"))]
    try:
        for query in ("绩效奖", "人事档案", "辅助性岗位", "邮资结算", "邮资 提示信息", "人事 邮资", "绩效"):
            got, expected = (_search_answer(page, url, query) for _, url in servers)
            assert got == expected, query
            if query == "邮资结算":
                assert got[1] == ["/" + PROJECT], got
    finally:
        for server, _ in servers:
            server.shutdown()


# ---- no outside requests ---------------------------------------------------------------------

def _requests_of(page, url: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.goto(url, wait_until="networkidle")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("绩效")  # search loads nothing before the reader types: this loads pagefind.js, its
    page.locator(".md-search-result__item a").first.wait_for(state="attached", timeout=15_000)
    page.wait_for_timeout(300)  # WebAssembly, index chunks and result fragments
    return seen


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_request_leaves_127_0_0_1(page, site, name):
    requested = _requests_of(page, site + PAGES[name])
    assert requested
    outside = [u for u in requested if urlparse(u).scheme not in ("data", "blob")
               and urlparse(u).hostname != "127.0.0.1"]
    assert outside == []


def test_no_request_leaves_127_0_0_1_on_the_review_page(page, review_site):
    requested = _requests_of(page, review_site + "review/")
    assert [u for u in requested if urlparse(u).scheme not in ("data", "blob")
            and urlparse(u).hostname != "127.0.0.1"] == []


def _network(requested: list[str]) -> list[str]:
    """The paths fetched over the network (a blob: URL is the page's own memory)."""
    return [urlparse(u).path for u in requested if urlparse(u).scheme in ("http", "https")]


def test_search_fetches_pagefind_js_gzipped(page, site):
    """pagefind.js comes as its gzipped copy, unpacked in the page: a third of the bytes from a
    server that sends JavaScript uncompressed. The plain file is not fetched."""
    fetched = _network(_requests_of(page, site))
    assert "/pagefind/pagefind-js.gzip" in fetched
    assert "/pagefind/pagefind.js" not in fetched
    assert page.locator(".md-search-result__item a").count() > 0


@pytest.mark.parametrize("obstacle", ["missing copy", "policy without blob:"])
def test_search_falls_back_to_plain_pagefind_js(page, site, obstacle):
    """Where the gzipped copy cannot be used (a server without it, a Content-Security-Policy that
    does not allow importing from blob: URLs), search imports pagefind.js itself and still answers."""
    if obstacle == "missing copy":
        page.route("**/pagefind-js.gzip", lambda route: route.fulfill(status=404, body="not found"))
    else:
        def with_policy(route):
            response = route.fetch()
            headers = {**response.headers, "content-security-policy":
                       "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'"}
            route.fulfill(response=response, headers=headers)
        page.route(lambda url: urlparse(url).path == "/", with_policy)
    fetched = _network(_requests_of(page, site))
    assert "/pagefind/pagefind.js" in fetched
    assert page.locator(f".md-search-result__item a[href*='{PROJECT}']").count() > 0


# ---- accessibility ---------------------------------------------------------------------------

def _axe(page, url: str | None) -> list[dict]:
    """WCAG 2.1 AA violations of ``url`` (None: of the page as it is now)."""
    _require(AXE.exists(), "axe-core is not installed (make test installs it with npm)")
    if url is not None:
        page.goto(url, wait_until="networkidle")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return result


@pytest.mark.parametrize("name", ["home", "unit", "project", "rule", "units-index", "projects-index",
                                  "rules-index", "data-format"])
def test_axe_finds_no_wcag21_aa_violation(page, site, name):
    assert _axe(page, site + PAGES[name]) == []


def test_search_results_and_more_button_pass_axe_and_load_more(page, site):
    """Results come five at a time; 更多结果 (a real button, reachable by keyboard) adds more."""
    page.goto(site, wait_until="networkidle")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("绩效")
    page.wait_for_function("() => /找到/.test(document.querySelector('.md-search-result__meta').textContent)",
                           timeout=15_000)
    assert page.locator(".md-search-result__item").count() == 5
    more = page.locator("button.portal-search__more")
    assert more.is_visible()
    assert _axe(page, None) == []
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.md-search-result__item').length > 5", timeout=15_000)
    assert 5 < page.locator(".md-search-result__item").count() <= 15


@pytest.mark.parametrize("path", ["review/", PROJECT])
def test_axe_on_review_pages(page, review_site, path):
    assert _axe(page, review_site + path) == []


def test_dark_palette_keeps_chart_text_readable(page, site):
    page.emulate_media(color_scheme="dark")
    page.goto(site + PROJECT, wait_until="networkidle")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    colours = page.evaluate("""() => {
        const text = getComputedStyle(document.querySelector('.budget-chart .chart-label')).fill;
        const bar = getComputedStyle(document.querySelector('.budget-chart .chart-bar')).fill;
        const bg = getComputedStyle(document.body).backgroundColor;
        return {text, bar, bg};
    }""")
    assert _contrast(colours["text"], colours["bg"]) >= 4.5, colours
    assert _contrast(colours["bar"], colours["bg"]) >= 3, colours


def _rgba(css: str) -> tuple[float, ...]:
    numbers = [float(x) for x in css[css.index("(") + 1: css.index(")")].replace(",", " ").replace("/", " ").split()]
    return tuple(numbers + [1.0] * (4 - len(numbers)))


def _contrast(a: str, b: str) -> float:
    """WCAG contrast of colour ``a`` drawn (with its alpha) over opaque background ``b``."""
    def luminance(rgb):
        channels = []
        for value in rgb:
            c = value / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    *fg, alpha = _rgba(a)
    bg = _rgba(b)[:3]
    blended = [alpha * f + (1 - alpha) * g for f, g in zip(fg, bg)]
    la, lb = sorted((luminance(blended), luminance(bg)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_indicator_table_exposes_merged_headers_to_screen_readers(page, site):
    page.goto(site + PROJECT)
    headers = page.evaluate("""() => {
        const cell = [...document.querySelectorAll('td')].find(td => td.textContent === '11月份以前');
        return cell.getAttribute('headers').split(' ').map(id => document.getElementById(id).textContent);
    }""")
    assert headers == ["指标值", "产出指标", "时效指标", "流程人口档案管理中心建设时间"]


# ---- print -----------------------------------------------------------------------------------

def _tool(name: str) -> str:
    path = shutil.which(name)
    _require(path is not None, f"{name} (poppler-utils) is not installed")
    return path


def test_project_page_prints_as_a_complete_a4_document(page, site):
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(site + PROJECT, wait_until="networkidle")
    pdf_path = ARTIFACTS / "project.pdf"
    page.pdf(path=str(pdf_path), format="A4", print_background=False, prefer_css_page_size=True)
    info = subprocess.run([_tool("pdfinfo"), str(pdf_path)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert "(A4)" in info
    assert 2 <= pages <= 8, pages
    # -raw keeps content-stream order, so a table cell wrapped over lines stays together.
    text = subprocess.run([_tool("pdftotext"), "-raw", str(pdf_path), "-"],
                          capture_output=True, text=True, check=True).stdout
    first_page = text.split("\f")[0]
    assert "人才服务管理经费" in first_page and "昆明市呈贡区公共就业和人才服务中心" in first_page
    squashed = "".join(text.split())
    for piece in ("绩效指标（2026年）", "辅助性岗位满意度", "流程人口档案管理中心建设时间", "11月份以前",
                  "资金测算明细", "人民币陆拾陆万元整"):
        assert piece in squashed, piece
    assert "搜索" not in first_page  # no header search box on paper
    subprocess.run([_tool("pdftoppm"), "-f", "1", "-l", "1", "-r", "60", "-png", "-singlefile", str(pdf_path),
                    str(ARTIFACTS / "project-pdf-page1")], check=True)
    assert (ARTIFACTS / "project-pdf-page1.png").stat().st_size > 0


def test_printed_table_headers_repeat_and_rows_do_not_split(page, site):
    page.goto(site + PROJECT)
    page.emulate_media(media="print")
    styles = page.evaluate("""() => ({
        thead: getComputedStyle(document.querySelector('thead')).display,
        row: getComputedStyle(document.querySelector('tbody tr')).breakInside,
        nav: getComputedStyle(document.querySelector('.md-sidebar--primary')).display,
        header: getComputedStyle(document.querySelector('.md-header')).display,
    })""")
    assert styles == {"thead": "table-header-group", "row": "avoid", "nav": "none", "header": "none"}


# ---- downloads -------------------------------------------------------------------------------

def test_every_download_link_returns_a_file_that_parses(page, site):
    from openpyxl import load_workbook

    page.goto(site + PROJECT)
    links = page.eval_on_selector_all(
        "article a[href$='.csv'], article a[href$='.xlsx'], article a[href$='.json']",
        "els => els.map(e => e.href)")
    assert len(links) == 5
    for link in links:
        response = page.request.get(link)
        assert response.ok, link
        body = response.body()
        if link.endswith(".csv"):
            assert body.startswith(b"\xef\xbb\xbf")
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
            assert len(rows) >= 5 and rows[0][0] in ("序号", "一级指标")
        elif link.endswith(".xlsx"):
            sheet = load_workbook(io.BytesIO(body)).active
            assert sheet.max_row >= 6
            if "indicators" in link:
                assert "A3:A6" in {str(r) for r in sheet.merged_cells.ranges}  # 产出指标 spans four rows
        else:
            document = json.loads(body)
            assert document["total"]["yuan"] == "660000.00" and len(document["indicators"]) == 6
    home = page.request.get(site + "data/datapackage.json")
    assert home.ok and json.loads(home.body())["model"]["measures"]["amount"]["currency"] == "CNY"


# ---- screenshots -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "width"), [("desktop", 1280), ("phone", 390)])
def test_screenshots_of_the_project_page(browser, site, name, width):
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN",
                                  device_scale_factor=1)
    page = context.new_page()
    page.goto(site + PROJECT, wait_until="networkidle")
    target = ARTIFACTS / f"project-{name}.png"
    page.screenshot(path=str(target), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert target.stat().st_size > 10_000
    assert overflow <= 0  # wide tables scroll inside their box, the page itself does not
