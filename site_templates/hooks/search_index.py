"""MkDocs hook: builds the Pagefind search index over the finished site.

Runs inside `mkdocs build` (and `mkdocs serve`), so publishing stays two commands:
`python -m generator build`, then `mkdocs build`. Pagefind's extended build segments
Chinese (绩效奖, 人事档案, 辅助性岗位); a reader's browser downloads only the index
fragments its query needs, from this site (site/pagefind/), never from another host.
Because the index is made from the written HTML, `mkdocs build --dirty` keeps search
complete: every page on disk is indexed, not only the pages MkDocs rebuilt (dirty_build.py,
listed before this hook, has removed the pages whose source is gone).

Incremental search. A full build indexes every page into the base bundle (site/pagefind/).
A dirty build does not re-index the site (about 35 s CPU at 10,000 pages): it indexes only
the pages whose searchable part (the article and the <title>) differs from the base into a
small delta bundle (site/pagefind/delta/), and lists the base entries those pages replace
(and those of removed pages) in site/pagefind/indexes.json, which search.js reads: it merges
the bundles in the browser and drops the replaced entries, so a reader finds the same pages,
with the same texts, as after a full build (tests/test_site.py, tests/test_browser.py). Only
the order can differ: Pagefind ranks a delta page with the delta's word statistics. When the
delta passes _delta_limit pages or DELTA_INDEX_BYTES of index, the dirty build re-indexes in
full, which folds the delta into a new base. What the hook knows about the base lives in
.cache/search/ beside mkdocs.yml; it is trusted only when it names the base bundle on disk,
and it is removed at the start of every build, so a build that stops half-way leaves nothing
to trust and the next build indexes in full.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.search_index")

OUTPUT = "pagefind"
# Only the page's article is searched: not the navigation, header, footer or 无障碍 toolbar.
ROOT_SELECTOR = "article.md-content__inner"


DELTA = "delta"  # site/pagefind/delta/: pages changed since the base was indexed
LIST = "indexes.json"  # site/pagefind/indexes.json: the bundles to merge and the replaced entries
# pagefind.js gzipped (45 KiB, 13 gzipped), which search.js fetches and decompresses itself: a
# server that sends JavaScript uncompressed (Python's http.server, many portals' defaults) would
# otherwise send a reader's first search the whole file, a seventh of a query's bytes at 10,000
# projects. Not named .gz: a server may then declare it gzip-encoded and the browser unpack it
# first. Pagefind's own index files are gzipped the same way (its .pf_ files).
PACKED_SCRIPT = "pagefind-js.gzip"
STATE_VERSION = 1


def _delta_limit(base_pages: int) -> int:
    """Pages a delta may hold before a dirty build re-indexes in full (the delta's ranking
    statistics drift from the base's as it grows)."""
    return max(20, base_pages // 100)


# A reader downloads, with every query, the delta's index chunk holding each query word. Small
# chunks (Pagefind's default is 20,000 word positions, which puts a small delta in one chunk of
# about 5 KiB per project page) keep that to about a KiB per word. Pagefind reads the chunk size
# from PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE (1.5.2); should a later version ignore it, the delta is
# still correct, only its chunks larger. Past DELTA_INDEX_BYTES of index (its metadata grows with
# the chunks), the dirty build re-indexes in full.
DELTA_CHUNK = 1000
DELTA_INDEX_BYTES = 96 * 1024


def _run_pagefind(site: Path, output: Path, chunk: int | None = None) -> int:
    """Runs Pagefind (the extended binary shipped in the pagefind[extended] wheel) over ``site``
    into ``output`` and checks what it wrote. The CLI rather than the Python API's service: the
    service was seen to leave pagefind-entry.json empty when it was shut down, which would
    publish a broken search."""
    completed = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-path", str(output),
         "--root-selector", ROOT_SELECTOR, "--force-language", "zh", "--silent",
         # Pages only (MkDocs writes each as folder/index.html): not 404.html.
         "--glob", "**/index.html"],
        capture_output=True, text=True,
        env=None if chunk is None else dict(os.environ, PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE=str(chunk)))
    pages = _page_count(output)
    if completed.returncode != 0 or pages == 0:
        raise SystemExit("生成搜索索引（Pagefind）失败，网站没有可用的搜索：\n"
                         + (completed.stderr or completed.stdout)[-2000:])
    return pages


def _page_count(bundle: Path) -> int:
    try:
        entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        return sum(int(language["page_count"]) for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return 0


def _url(relative: str) -> str:
    """The result URL Pagefind gives site/<relative> (folder/index.html → /folder/)."""
    return "/" + relative[: -len("index.html")]


def _is_page(relative: str) -> bool:
    return relative == "index.html" or relative.endswith("/index.html")


_ARTICLE = re.compile(rb"<article class=\"md-content__inner.*</article>", re.S)
_TITLE = re.compile(rb"<title>.*?</title>", re.S)


def _digest(path: Path) -> str:
    """What Pagefind reads of a page: the root selector's article and the <title> (not the
    navigation or the footer, which do not change what a reader finds)."""
    html = path.read_bytes()
    parts = [m.group(0) if m else b"" for m in (_TITLE.search(html), _ARTICLE.search(html))]
    return hashlib.blake2b(b"\0".join(parts), digest_size=16).hexdigest()


def _fragment_ids(bundle: Path) -> dict[str, str]:
    """URL → the id Pagefind gives the page in search results (its fragment file's name)."""
    ids = {}
    for fragment in (bundle / "fragment").iterdir():
        data = gzip.decompress(fragment.read_bytes())
        record = json.loads(data[data.index(b"{"):])  # after Pagefind's signature
        ids[record["url"]] = fragment.name.removesuffix(".pf_fragment")
    return ids


def _write_json(path: Path, value) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
                         encoding="utf-8")
    os.replace(temporary, path)


def _entry_digest(bundle: Path) -> str | None:
    try:
        return hashlib.sha256((bundle / "pagefind-entry.json").read_bytes()).hexdigest()
    except OSError:
        return None


def _load_state(path: Path, bundle: Path) -> dict | None:
    """The base's record, or None when it is missing, damaged or not about the bundle on disk."""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if (state["version"] != STATE_VERSION or state["entry"] != _entry_digest(bundle)
                or not isinstance(state["base"], dict) or not isinstance(state["delta"], dict)):
            return None
        return state
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _index_full(site: Path, pages: list[str]) -> dict:
    bundle = site / OUTPUT
    # A stale bundle is never merged with a new one: Pagefind writes fresh content-hashed files.
    shutil.rmtree(bundle, ignore_errors=True)
    indexed = _run_pagefind(site, bundle)
    script = (bundle / "pagefind.js").read_bytes()
    (bundle / PACKED_SCRIPT).write_bytes(gzip.compress(script, 9, mtime=0))  # reproducible: no time stamp
    ids = _fragment_ids(bundle)
    base = {}
    for relative in pages:
        url = _url(relative)
        if url not in ids:
            raise SystemExit(f"生成搜索索引（Pagefind）失败：页面 {relative} 不在索引中。")
        base[url] = [_digest(site / relative), ids[url]]
    _write_json(bundle / LIST, {"bundles": [{"path": f"{OUTPUT}/", "base": ""}], "superseded": []})
    log.info("Pagefind: indexed %d pages into %s/", indexed, OUTPUT)
    return {"version": STATE_VERSION, "entry": _entry_digest(bundle), "base": base, "delta": {}}


def _index_delta(site: Path, pages: list[str], built: set[str], state: dict) -> dict | None:
    """Indexes the pages that differ from the base into the delta bundle; None when the delta
    is too large (the caller re-indexes in full)."""
    base, delta = state["base"], state["delta"]
    by_url = {_url(relative): relative for relative in pages}
    for relative in built:
        url = _url(relative)
        digest = _digest(site / relative)
        if url in base and base[url][0] == digest:
            delta.pop(url, None)
        else:
            delta[url] = digest
    for url in [url for url in delta if url not in by_url]:
        del delta[url]
    removed = [url for url in base if url not in by_url]
    if len(delta) + len(removed) > _delta_limit(len(base)):
        return None
    bundle = site / OUTPUT / DELTA
    shutil.rmtree(bundle, ignore_errors=True)
    bundles = [{"path": f"{OUTPUT}/", "base": ""}]
    if delta:
        # Pagefind indexes a folder: one holding (hard links to) just the changed pages, at their
        # site paths, so their URLs are those of a full build.
        with tempfile.TemporaryDirectory(prefix="pagefind-delta-") as scratch:
            for url in delta:
                target = Path(scratch) / by_url[url]
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(site / by_url[url], target)
                except OSError:
                    shutil.copyfile(site / by_url[url], target)
            indexed = _run_pagefind(Path(scratch), bundle.resolve(), chunk=DELTA_CHUNK)
        if indexed != len(delta):
            raise SystemExit(f"生成搜索索引（Pagefind）失败：应索引 {len(delta)} 个更新的页面，实际 {indexed} 个。")
        if sum(chunk.stat().st_size for chunk in (bundle / "index").iterdir()) > DELTA_INDEX_BYTES:
            return None
        bundles.append({"path": f"{OUTPUT}/{DELTA}/", "base": ""})
    # A page whose HTML changed but not its text (a link's target, say) gets the same record,
    # hence the same id, in the delta: its base entry is the same result and must not be dropped
    # (search.js shows an id once).
    unchanged = set(_fragment_ids(bundle).values()) if delta else set()
    superseded = sorted({base[url][1] for url in (*delta, *removed) if url in base} - unchanged)
    _write_json(site / OUTPUT / LIST, {"bundles": bundles, "superseded": superseded})
    log.info("Pagefind: indexed %d changed pages into %s/%s/ (%d base entries replaced)",
             len(delta), OUTPUT, DELTA, len(superseded))
    return state


# Which pages exist and which this build wrote (a dirty build writes only the changed ones).
_state = {"dirty": False, "pages": None, "built": set()}


def on_startup(command, dirty, **kwargs) -> None:
    _state["dirty"] = dirty


def on_pre_build(config, **kwargs) -> None:
    _state["built"] = set()  # `mkdocs serve` builds many times in one process


def on_files(files, config, **kwargs):
    _state["pages"] = {file.dest_uri for file in files}
    return files


def on_post_page(output, page, config, **kwargs):
    _state["built"].add(page.file.dest_uri)
    return output


def on_post_build(config, **kwargs) -> None:
    site = Path(config["site_dir"])
    shards = (config.get("extra") or {}).get("search_shards")
    if shards is not None:
        _list_shards(site, shards)
    else:
        _index_site(site, Path(config["config_file_path"]).parent)


_SHARD = re.compile(r"[0-9A-Za-z_-]+(/[0-9A-Za-z_-]+)*/")


def _list_shards(site: Path, shards) -> None:
    """A portal front page (benchmarks/SCALING.md) indexes nothing itself: its search merges
    the shards' bundles, whose own pagefind/indexes.json (rewritten by every shard build) it
    reads in the browser, so a shard is published without rebuilding the portal."""
    if not isinstance(shards, list) or not shards or not all(
            isinstance(shard, str) and _SHARD.fullmatch(shard) for shard in shards):
        raise SystemExit("mkdocs.yml 的 extra.search_shards 应当是分片文件夹的列表，"
                         "每项形如 2026/（相对于门户首页，以 / 结尾），例如 [2025/, 2026/]。")
    shutil.rmtree(site / OUTPUT, ignore_errors=True)
    (site / OUTPUT).mkdir(parents=True)
    _write_json(site / OUTPUT / LIST, {"shards": shards})
    log.info("Pagefind: the portal searches %d shards", len(shards))


def _index_site(site: Path, project: Path) -> None:
    started = time.perf_counter()
    pages = sorted(relative for relative in (_state["pages"] or ()) if _is_page(relative))
    built = {relative for relative in _state["built"] if _is_page(relative)}
    # One file per site folder: shards built from one checkout keep their own records.
    key = hashlib.sha256(str(site.resolve()).encode("utf-8")).hexdigest()[:16]
    state_path = project / ".cache" / "search" / f"{key}.json"
    state = _load_state(state_path, site / OUTPUT) if _state["dirty"] else None
    state_path.unlink(missing_ok=True)  # a build that stops half-way leaves nothing to trust
    if state is not None:
        state = _index_delta(site, pages, built, state)
    if state is None:
        state = _index_full(site, pages)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    _write_json(state_path, state)
    log.info("Pagefind: search step took %.1f s", time.perf_counter() - started)
