"""MkDocs hook: `mkdocs build --dirty` gives the same site as a full build, touching only what changed.

MkDocs' dirty build rebuilds a page only when its Markdown is newer than its HTML and keeps
every other file in site/. For this site that is exact, because a generated page's HTML
depends only on its own Markdown file and on the site-wide inputs (mkdocs.yml, the theme
overrides, the hooks): the generator writes the portal facts the theme shows (footer,
<head> metadata) into every page's own front matter, and the portal-wide data version and
build date only into the home page's (see copyright.html). A publish after one project
changed therefore rewrites only the pages whose Markdown the generator rewrote (the
project, its unit, the indexes, the home page), and the other HTML files stay untouched
(same bytes, same modification times: rsync uploads only what changed).

What a plain dirty build would still get wrong, and is handled here:
- a site-wide input changed since the last build: the site is cleaned first, so the build
  is a full one;
- a page without its own portal facts (a hand-written page such as about.md) shows the home
  page's: it is rebuilt whenever the home page is;
- the home page's front matter is read even when the home page is not rebuilt, since
  sitemap.xml and hand-written pages read it;
- files whose source is gone (a removed project's page and downloads) are removed.

tests/test_site.py checks that a dirty build after changes equals a full build, byte for byte.
Not covered: upgrading MkDocs or Material in place (run a full `mkdocs build` after that).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs import utils

log = logging.getLogger("mkdocs.hooks.dirty_build")

# Written by Material from theme templates on every build, not from Files.
_TEMPLATE_OUTPUTS = {"404.html", "sitemap.xml", "sitemap.xml.gz"}
# Rebuilt on every build by search_index.py.
_SEARCH_OUTPUT = "pagefind"
# Written early in every build: its modification time is when the last build started.
_BUILD_STAMP = "404.html"

_state: dict = {"dirty": False}


def on_startup(command, dirty, **kwargs) -> None:
    _state["dirty"] = dirty


def _site_inputs(config) -> list[Path]:
    """Files every page's HTML depends on, besides its own Markdown."""
    inputs = [Path(config.config_file_path)] if config.config_file_path else []
    inputs += [Path(module.__file__) for module in config.hooks.values() if getattr(module, "__file__", None)]
    custom = config.theme.custom_dir
    if custom:
        for folder, _, names in os.walk(custom):
            inputs += [Path(folder) / name for name in names]
    return inputs


def on_pre_build(config, **kwargs) -> None:
    if not _state["dirty"]:
        return
    site = Path(config.site_dir)
    stamp = site / _BUILD_STAMP
    try:
        built = stamp.stat().st_mtime
    except OSError:
        return  # nothing built yet: every page is missing, so the build is a full one anyway
    newer = [path for path in _site_inputs(config) if path.is_file() and path.stat().st_mtime >= built]
    if newer:
        log.info("网站配置或模板有改动（%s），本次完整生成。", ", ".join(sorted(p.name for p in newer)))
        utils.clean_directory(str(site))


def _has_own_facts(path: str) -> bool:
    """Whether the page's front matter carries the portal facts itself (``portal_footer``, as
    every generated page does); a page without them shows the home page's."""
    try:
        with open(path, encoding="utf-8") as file:
            head = file.read(8192)
            if head.startswith("---\n") and "\n---" not in head[3:]:
                head += file.read()
    except (OSError, UnicodeDecodeError):
        return False
    if not head.startswith("---\n"):
        return False
    front_matter = head[3:].split("\n---", 1)[0]
    return "\nportal_footer:" in front_matter


def on_files(files, config, **kwargs):
    _state["expected"] = {file.dest_uri for file in files}
    if not _state["dirty"]:
        return files
    home = files.get_file_from_path("index.md")
    if home is not None and home.is_modified():
        for file in files.documentation_pages():
            if file is not home and not file.is_modified() and not _has_own_facts(file.abs_src_path):
                os.unlink(file.abs_dest_path)  # rebuilt from the home page's new facts
    return files


def on_nav(nav, config, files, **kwargs):
    home = nav.homepage
    if _state["dirty"] and home is not None and home.meta == {} and not home.file.is_modified():
        home.read_source(config)  # its front matter only; the page itself is not rebuilt
    return nav


def _remove_orphans(site: Path, expected: set[str]) -> None:
    """Removes files no source produces any more (a removed project's page and downloads)."""
    emptied: set[str] = set()
    for folder, subfolders, names in os.walk(site):
        if folder == str(site):
            subfolders[:] = [name for name in subfolders if name != _SEARCH_OUTPUT]
            prefix = ""
        else:
            prefix = Path(folder).relative_to(site).as_posix() + "/"
        for name in names:
            if prefix + name not in expected and prefix + name not in _TEMPLATE_OUTPUTS:
                os.unlink(os.path.join(folder, name))
                emptied.add(folder)
    # Folders left empty, deepest first (a folder that still holds something stays).
    for folder in sorted(emptied, key=len, reverse=True):
        while Path(folder) != site:
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def on_post_build(config, **kwargs) -> None:
    if _state["dirty"]:
        _remove_orphans(Path(config.site_dir), _state["expected"])
