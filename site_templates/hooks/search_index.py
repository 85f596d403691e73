"""MkDocs hook: builds the Pagefind search index over the finished site.

Runs inside `mkdocs build` (and `mkdocs serve`), so publishing stays two commands:
`python -m generator build`, then `mkdocs build`. Pagefind's extended build segments
Chinese (绩效奖, 人事档案, 辅助性岗位); a reader's browser downloads only the index
fragments its query needs, from this site (site/pagefind/), never from another host.
Because the index is made from the written HTML, `mkdocs build --dirty` keeps search
complete: every page on disk is indexed, not only the pages MkDocs rebuilt (dirty_build.py,
listed before this hook, has removed the pages whose source is gone).
"""

from __future__ import annotations

import json
import logging
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


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    # A stale bundle is never merged with a new one: Pagefind writes fresh content-hashed files.
    shutil.rmtree(site / OUTPUT, ignore_errors=True)
    pages = _index(site)
    log.info("Pagefind: indexed %d pages into %s/", pages, OUTPUT)
