"""Script and markup payloads in every text field, in a real browser (issue 8).

The shipped data gets a payload appended to every free-text field (YAML and CSV) and to
budget_data/README.md; the review build of that data is built with MkDocs and every page
template is opened in Chromium. On each page: no dialog opens, no element of the payload
exists, no event-handler attribute or script link exists, and no request leaves 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from conftest import Workspace
from test_browser import _build_and_serve, browser, playwright_api  # noqa: F401 - fixtures
from test_hostile import README, _payload_everywhere

pytestmark = pytest.mark.browser

PAGES = {  # one page of every template
    "home": "",
    "units-index": "units/",
    "unit": "units/chenggong-employment-talent-center/",
    "projects-index": "projects/",
    "year": "projects/2026/",
    "project": "projects/2026/talent-service-funds/",
    "classifications-index": "classifications/",
    "classification": "classifications/2080101/",
    "rules-index": "rules/",
    "rule": "rules/P901/",
    "data-format": "data-format/",
    "review": "review/",
}

BROWSER_PAYLOAD = ('<script>alert("s")</script><img src="http://evil.example/x.png" onerror="alert(\'i\')">'
                   '<svg onload=alert(1)><b id="injected">b</b><iframe src="javascript:alert(2)"></iframe>'
                   '[x](javascript:alert(3))![p](http://evil.example/p.png){: onclick=alert(4) }'
                   '"><script>alert(5)</script><a href="javascript:alert(6)">a</a>')


@pytest.fixture(scope="module")
def payload_site(tmp_path_factory, playwright_api):  # noqa: F811
    workspace = Workspace(tmp_path_factory.mktemp("payloads") / "repo")
    _payload_everywhere(workspace, BROWSER_PAYLOAD)
    workspace.write(README, workspace.read(README) + "\n\n" + BROWSER_PAYLOAD + "\n")
    server, url = _build_and_serve(workspace, "--review")
    yield url
    server.shutdown()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_payloads_do_nothing_on_every_page_template(browser, payload_site, name):  # noqa: F811
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: requests.append(request.url))
    response = page.goto(payload_site + PAGES[name], wait_until="networkidle")
    assert response is not None and response.ok, name
    page.wait_for_timeout(300)
    found = page.evaluate("""() => ({
        injected: document.querySelectorAll('#injected, iframe, svg[onload], img[src*="evil"]').length,
        handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
            .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),
        scriptLinks: [...document.querySelectorAll('a[href], iframe[src]')]
            .map(e => e.getAttribute('href') || e.getAttribute('src'))
            .filter(h => h.trim().toLowerCase().startsWith('javascript:')),
        inlineScripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
        shown: document.body.innerText.includes('alert('),
    })""")
    context.close()
    assert dialogs == [], (name, dialogs)
    assert found["injected"] == 0, (name, found)
    assert found["handlers"] == [], (name, found)
    assert found["scriptLinks"] == [], (name, found)
    assert found["inlineScripts"] == 0, (name, found)
    assert found["shown"], name  # the payload is on the page, as text
    outside = [u for u in requests if urlparse(u).scheme not in ("data", "blob")
               and urlparse(u).hostname != "127.0.0.1"]
    assert outside == [], (name, outside)
