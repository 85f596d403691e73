"""MkDocs hook: builds the Pagefind search index over the finished site.

Runs inside `mkdocs build` (and `mkdocs serve`), so publishing stays two commands:
`python -m generator build`, then `mkdocs build`. Pagefind's extended build segments
Chinese (绩效奖, 人事档案, 辅助性岗位); a reader's browser downloads only the index
fragments its query needs, from this site (site/pagefind/), never from another host.
Because the index is made from the written HTML, `mkdocs build --dirty` keeps search
complete: every page on disk is indexed, not only the pages MkDocs rebuilt.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.search_index")

OUTPUT = "pagefind"
# Only the page's article is searched: not the navigation, header, footer or 无障碍 toolbar.
ROOT_SELECTOR = "article.md-content__inner"


async def _index(site: Path) -> int:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(root_selector=ROOT_SELECTOR, output_path=str(site / OUTPUT), force_language="zh")
    async with PagefindIndex(config=config) as index:
        # Pages only (MkDocs writes each as folder/index.html): not 404.html.
        result = await index.add_directory(path=str(site), glob="**/index.html")
        return int(result["page_count"])


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    # A stale bundle is never merged with a new one: Pagefind writes fresh content-hashed files.
    shutil.rmtree(site / OUTPUT, ignore_errors=True)
    pages = asyncio.run(_index(site))
    if pages == 0:
        raise SystemExit("搜索索引没有收录任何页面：请检查 site/ 是否由 mkdocs build 完整生成。")
    log.info("Pagefind: indexed %d pages into %s/", pages, OUTPUT)
