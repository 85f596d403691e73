"""Publishing settings in portal.yaml and what the generator derives from them (issue 12):
site_url (G001), publication dates (G002), the 信息公开 block, page metadata, footer values,
and the site_url note. Browser-level checks are in test_browser_publish.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from conftest import UNIT_FILE, Workspace, line_of
from test_malformed import Case

PORTAL = "budget_data/portal.yaml"
PROJECT_PAGE = "docs_src/projects/2026/talent-service-funds.md"
UNIT_PAGE = "docs_src/units/chenggong-employment-talent-center.md"


def _add(ws: Workspace, text: str) -> None:
    ws.write(PORTAL, ws.read(PORTAL) + text)


# Malformed publishing settings: located errors, exit 1 (also used by test_rules as fixtures).
CASES = [
    Case("site-url-without-scheme",
         lambda ws: _add(ws, "site_url: www.example.gov.cn\n"),
         lambda ws: {("G001", PORTAL, line_of(ws, PORTAL, "site_url: www.example.gov.cn"))}, 1),
    Case("site-url-with-query",
         lambda ws: _add(ws, "site_url: https://www.example.gov.cn/?a=1\n"),
         lambda ws: {("G001", PORTAL, line_of(ws, PORTAL, "?a=1"))}, 1),
    Case("site-url-javascript",
         lambda ws: _add(ws, "site_url: javascript:alert(1)\n"),
         lambda ws: {("G001", PORTAL, line_of(ws, PORTAL, "javascript:"))}, 1),
    Case("published-chinese-date",
         lambda ws: _add(ws, "published:\n  \"2026\": 2026年2月15日\n"),
         lambda ws: {("G002", PORTAL, line_of(ws, PORTAL, "2026年2月15日"))}, 1),
    Case("published-impossible-date",
         lambda ws: _add(ws, "published:\n  \"2026\": 2026-02-30\n"),
         lambda ws: {("G002", PORTAL, line_of(ws, PORTAL, "2026-02-30"))}, 1),
    Case("published-bad-year",
         lambda ws: _add(ws, "published:\n  二〇二六: 2026-02-15\n"),
         lambda ws: {("G002", PORTAL, line_of(ws, PORTAL, "二〇二六"))}, 1),
    Case("published-not-a-mapping",
         lambda ws: _add(ws, "published: 2026-02-15\n"),
         lambda ws: {("S203", PORTAL, line_of(ws, PORTAL, "published: 2026-02-15"))}, 1),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_publishing_settings_are_located(workspace, case):
    case.mutate(workspace)
    result = workspace.check()
    assert result.code == case.exit_code
    assert case.expect(workspace) <= result.tuples(), sorted(result.tuples(), key=str)
    assert "Traceback" not in result.stdout + result.stderr


def test_a_bad_setting_writes_nothing(workspace):
    _add(workspace, "site_url: ftp://example.gov.cn/\n")
    assert workspace.build().code == 1
    assert not workspace.path("docs_src/index.md").exists()


def _front(ws: Workspace, page: str) -> dict:
    header = ws.read(page).split("---\n")[1]
    return {key: json.loads(value) for key, value in re.findall(r"^(\w+): (.*)$", header, re.M)
            if value[:1] in '{"'}


def _configure(ws: Workspace) -> None:
    _add(ws, "site_url: https://yusuan.example.gov.cn/sub\norganizer: 昆明市呈贡区财政局\n"
             "published:\n  \"2026\": 2026-02-15 09:30\n  \"2025\": 2025-02-10\n")
    ws.replace(PORTAL, 'police_record: ""', 'police_record: "滇公网安备 53011402000001号"')


def test_site_facts_reach_the_home_page_front_matter(workspace):
    _configure(workspace)
    assert workspace.build().code == 0
    footer = _front(workspace, "docs_src/index.md")["portal_footer"]
    assert {k: footer[k] for k in ("site_url", "site_domain", "organizer", "police_link", "icp_link")} == {
        "site_url": "https://yusuan.example.gov.cn/sub/",  # normalised with a trailing slash
        "site_domain": "yusuan.example.gov.cn",
        "organizer": "昆明市呈贡区财政局",
        "police_link": "https://beian.mps.gov.cn/#/query/webSearch?code=53011402000001",
        "icp_link": "",  # no ICP number configured: no link
    }


def test_project_page_metadata_and_disclosure_come_from_the_data(workspace, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    _configure(workspace)
    assert workspace.build().code == 0
    front = _front(workspace, PROJECT_PAGE)
    gov = front["gov_meta"]
    assert gov["PubDate"] == "2026-02-15 09:30"  # as configured for the fiscal year, time included
    assert (gov["ColumnName"], gov["ArticleTitle"], gov["ContentSource"]) == (
        "项目预算", "人才服务管理经费", "昆明市呈贡区公共就业和人才服务中心")
    assert front["description"] == gov["Description"] and "660,000.00 元" in gov["Description"]
    page = workspace.read(PROJECT_PAGE)
    block = page[page.index('<dl class="disclosure"'): page.index("</dl>")]
    assert re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block) == [
        ("索引号", "125301214314903206-XMYS/2026-00001"),
        ("发布机构", "昆明市呈贡区公共就业和人才服务中心"),
        ("发布日期", "2026-02-15 09:30"),
        ("主题分类", "财政、金融、审计"),
    ]
    assert "hide: [toc]" in page.split("---\n")[1]
    unit = workspace.read(UNIT_PAGE)
    assert "125301214314903206-DWGK/2026-00000" in unit and "<dd>2026-02-15 09:30</dd>" in unit


def test_without_a_publication_date_no_date_is_invented(workspace, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # a build date exists, but it is not a 发布日期
    assert workspace.build().code == 0
    page = workspace.read(PROJECT_PAGE)
    assert "PubDate" not in _front(workspace, PROJECT_PAGE)["gov_meta"]
    assert "发布日期" not in page and "2026年1月1日" not in page
    assert "<dt>索引号</dt>" in page  # what the data does give is still shown


def test_serials_number_a_units_projects_of_one_year_by_identifier(workspace):
    source = "budget_data/projects/2026/talent-service-funds"
    for name in ("project.yaml", "budget_items.csv", "indicators.csv"):
        workspace.write(f"budget_data/projects/2026/archive-fees/{name}", workspace.read(f"{source}/{name}"))
        workspace.write(f"budget_data/projects/2025/talent-service-funds/{name}", workspace.read(f"{source}/{name}"))
    assert workspace.build().code == 0

    def index_number(page: str) -> str:
        return re.search(r"<dt>索引号</dt><dd>(.*?)</dd>", workspace.read(page)).group(1)

    assert index_number("docs_src/projects/2026/archive-fees.md") == "125301214314903206-XMYS/2026-00001"
    assert index_number(PROJECT_PAGE) == "125301214314903206-XMYS/2026-00002"
    assert index_number("docs_src/projects/2025/talent-service-funds.md") == "125301214314903206-XMYS/2025-00001"


def test_every_generated_page_has_gov_metadata(workspace):
    assert workspace.build().code == 0
    pages = sorted(workspace.path("docs_src").rglob("*.md"))
    generated = [p for p in pages if "generator: budget-disclosure" in p.read_text(encoding="utf-8")]
    assert len(generated) > 70
    for path in generated:
        gov = _front(workspace, str(path.relative_to(workspace.root)))["gov_meta"]
        assert {"ColumnName", "ColumnType", "ArticleTitle", "ContentSource", "Keywords", "Description"} <= set(gov)
        assert all(gov.values()), (path, gov)


def test_build_notes_a_missing_site_url_and_not_a_configured_one(workspace):
    first = workspace.build()
    assert first.code == 0 and "没有填写 site_url" in first.stderr
    _add(workspace, "site_url: https://yusuan.example.gov.cn/\n")
    second = workspace.build()
    assert second.code == 0 and "site_url" not in second.stderr


@pytest.mark.site
def test_sitemap_and_canonical_links_follow_site_url(workspace):
    _add(workspace, "site_url: https://yusuan.example.gov.cn/\n")
    assert workspace.build().code == 0
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    completed = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                                str(workspace.path("mkdocs.yml"))], capture_output=True, text=True, env=env,
                               cwd=workspace.root)
    assert completed.returncode == 0, completed.stderr
    site = workspace.path("site")
    pages = sorted(p.relative_to(site).parent.as_posix() for p in site.rglob("index.html"))
    listed = re.findall(r"<loc>([^<]+)</loc>", workspace.read("site/sitemap.xml"))
    assert sorted(listed) == sorted("https://yusuan.example.gov.cn/" + ("" if d == "." else d + "/") for d in pages)
    html = workspace.read("site/projects/2026/talent-service-funds/index.html")
    assert html.count('rel="canonical"') == 1
    assert '<link rel="canonical" href="https://yusuan.example.gov.cn/projects/2026/talent-service-funds/">' in html
    assert '<meta name="SiteDomain" content="yusuan.example.gov.cn">' in html
    assert 'rel="canonical"' not in workspace.read("site/404.html")  # no address of its own
