"""MkDocs hook: builds the Pagefind search index over the finished site.

Runs inside `mkdocs build` (and `mkdocs serve`), so publishing stays two commands:
`python -m generator build`, then `mkdocs build`. Pagefind's extended build segments
Chinese (绩效奖, 人事档案, 辅助性岗位); a reader's browser downloads only the index
fragments its query needs, from this site (site/pagefind/), never from another host.
Because the index is made from the written HTML, `mkdocs build --dirty` keeps search
complete: every page on disk is indexed, not only the pages MkDocs rebuilt. A dirty build
also gets the footer and removed pages right (see _refresh_unbuilt_pages), so that it
equals a full build (tests/test_site.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.search_index")

OUTPUT = "pagefind"
# Only the page's article is searched: not the navigation, header, footer or 无障碍 toolbar.
ROOT_SELECTOR = "article.md-content__inner"


def _index(site: Path) -> int:
    """Runs Pagefind (the extended binary shipped in the pagefind[extended] wheel) and checks
    what it wrote. The CLI rather than the Python API's service: the service was seen to
    leave pagefind-entry.json empty when it was shut down, which would publish a broken search."""
    completed = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", OUTPUT,
         "--root-selector", ROOT_SELECTOR, "--force-language", "zh", "--silent",
         # Pages only (MkDocs writes each as folder/index.html): not 404.html.
         "--glob", "**/index.html"],
        capture_output=True, text=True)
    try:
        entry = json.loads((site / OUTPUT / "pagefind-entry.json").read_text(encoding="utf-8"))
        pages = sum(int(language["page_count"]) for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pages = 0
    if completed.returncode != 0 or pages == 0:
        raise SystemExit("生成搜索索引（Pagefind）失败，网站没有可用的搜索：\n"
                         + (completed.stderr or completed.stdout)[-2000:])
    return pages


# `mkdocs build --dirty` rebuilds only pages whose Markdown changed and leaves every other file
# in site/. Two things must still follow the new build: the footer's 数据版本/生成日期 on the
# other pages (taken from the home page, which the generator rewrites whenever the data
# changes), and files whose source is gone (a removed project's page and downloads).
_state = {"dirty": False, "pages": None}
_VERSION = re.compile(r'<div class="portal-footer__version">.*?</div>', re.S)


def on_startup(command, dirty, **kwargs) -> None:
    _state["dirty"] = dirty


def on_files(files, config, **kwargs):
    _state["pages"] = {file.dest_uri for file in files}
    return files


# Written by MkDocs from theme templates, not from Files: always rebuilt.
_TEMPLATE_OUTPUTS = {"404.html", "sitemap.xml", "sitemap.xml.gz"}


def _refresh_unbuilt_pages(site: Path) -> None:
    home = site / "index.html"
    match = _VERSION.search(home.read_text(encoding="utf-8")) if home.is_file() else None
    pages = _state["pages"] or set()
    for folder, subfolders, names in os.walk(site):
        if Path(folder) == site:
            subfolders[:] = [name for name in subfolders if name != OUTPUT]  # rebuilt below anyway
        for name in names:
            path = Path(folder) / name
            relative = path.relative_to(site).as_posix()
            if relative not in pages and relative not in _TEMPLATE_OUTPUTS:
                path.unlink()  # its source was removed (a page, a download): a full build has no such file
                continue
            if not name.endswith(".html"):
                continue
            if match is None:
                continue
            text = path.read_text(encoding="utf-8")
            fresh = _VERSION.sub(lambda _: match.group(0), text)
            if fresh != text:
                path.write_text(fresh, encoding="utf-8")
    # Folders left empty, deepest first (a folder that still holds something stays).
    for folder in sorted((entry[0] for entry in os.walk(site)), key=len, reverse=True):
        if Path(folder) != site:
            try:
                os.rmdir(folder)
            except OSError:
                pass


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    if _state["dirty"]:
        _refresh_unbuilt_pages(site)
    # A stale bundle is never merged with a new one: Pagefind writes fresh content-hashed files.
    shutil.rmtree(site / OUTPUT, ignore_errors=True)
    pages = _index(site)
    log.info("Pagefind: indexed %d pages into %s/", pages, OUTPUT)
