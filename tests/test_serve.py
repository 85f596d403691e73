"""`make serve`: edit the data, and the page in the browser changes by itself."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import PROJECT_DIR, REPO, Workspace
from test_browser import browser, playwright_api  # noqa: F401 - shared Chromium fixtures

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_editing_a_value_changes_the_open_page(tmp_path, browser):  # noqa: F811
    workspace = Workspace(tmp_path / "repo")
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, "-m", "generator.serve", "--root", str(workspace.root),
                               "--dev-addr", f"127.0.0.1:{port}"], cwd=workspace.root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/projects/2026/talent-service-funds/"
        _wait_for(url, 120)
        page = browser.new_page()
        page.goto(url)
        assert "人才服务管理经费" in page.inner_text("h1")
        assert "预览修改" not in page.inner_text("body")
        workspace.replace(f"{PROJECT_DIR}/project.yaml", "name: 人才服务管理经费", "name: 人才服务管理经费预览修改")
        # No reload from the test: the page must reload itself (MkDocs' livereload).
        page.wait_for_function("document.querySelector('h1') && "
                               "document.querySelector('h1').innerText.includes('预览修改')", timeout=30_000)
        page.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
