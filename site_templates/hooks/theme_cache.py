"""MkDocs hook: theme pieces that are the same on many pages are rendered once per build.

Material renders its whole page template for each of the 11,000 pages of a 10,000-project
site, and most of it does not depend on the page: the navigation (six entries; a project
page is not one of them), the table of contents of pages built from the same template, the
header around the page title. The overrides (site_templates/overrides/) wrap those pieces in

    {% call budget_cache(name, key) %}…{% endcall %}

which renders the body once for each distinct key and reuses the text for every later page
with the same key. The key holds everything the piece's HTML depends on that can differ
from page to page; a key of ``none`` means "do not reuse" (the body is rendered as without
the cache). So the site is the same, byte for byte, with or without this hook
(tests/test_site.py builds it both ways).

- ``budget_nav_key()``: partials/nav.html (Material's, reached as "theme/partials/nav.html").
  With the page not in the navigation and no entry active, the navigation's HTML depends on
  the page only through the relative links of its entries (MkDocs' ``url`` filter), and the
  logo's. Pages in the navigation are not cached (their entry is expanded with their own toc).
- ``budget_toc_key()``: partials/toc.html. Material shows the page's toc (its children, when
  the first entry is the page's h1); the key is whether it is, and the shown entries'
  titles, links and children.
- ``budget_assets_key()``: base.html's styles, config and scripts blocks (main.html), whose
  links all go into assets/ (and to extra_css / extra_javascript): the key is the page's
  link to the site root and those links.
- The header's two halves around the page title (partials/header.html): keyed there by the
  links to the home page and the logo; the second half not at all when it holds page links.

The cache lives for one build (``mkdocs serve`` rebuilds start empty).
"""

from __future__ import annotations

import jinja2
from mkdocs.utils import normalize_url

_cache: dict = {}

# Prefix under which the overrides reach the theme's own template of the same name.
THEME_PREFIX = "theme"


def budget_cache(name: str, key, caller):
    if key is None:
        return caller()
    entry = (name, key)
    text = _cache.get(entry)
    if text is None:
        text = _cache[entry] = caller()
    return text


def _walk(items):
    for item in items:
        yield item
        yield from _walk(getattr(item, "children", None) or ())


@jinja2.pass_context
def budget_nav_key(context):
    page, nav = context.get("page"), context.get("nav")
    if page is None or getattr(page, "file", None) is None or nav is None:
        return None
    items = list(_walk(nav.items))
    if any(item is page or getattr(item, "active", False) for item in items):
        return None
    base = context.get("base_url", "")
    config = context["config"]
    targets = [item.url for item in items if getattr(item, "url", None) is not None]
    if nav.homepage is not None:
        targets.append(nav.homepage.url)
    targets += [config.extra.get("homepage") or "", config.theme.get("logo") or ""]
    return tuple(normalize_url(str(target), page=page, base=base) for target in targets)


def _toc(items):
    entries = []
    for item in items:
        if getattr(item, "typeset", None) is not None:
            raise LookupError  # rendered from the typeset plugin's data: not in the key
        entries.append((item.title, item.url, _toc(item.children or ())))
    return tuple(entries)


@jinja2.pass_context
def budget_toc_key(context):
    page = context.get("page")
    if page is None or getattr(page, "file", None) is None:
        return None
    toc = list(page.toc or ())
    # As partials/toc.html: a first entry of level 1 (the page's h1) stands for its children
    # (and the template's whitespace differs by that branch, so it is part of the key).
    below_h1 = bool(toc) and toc[0].level == 1
    if below_h1:
        toc = list(toc[0].children or ())
    try:
        return below_h1, _toc(toc)
    except LookupError:
        return None


@jinja2.pass_context
def budget_assets_key(context):
    """For blocks whose only links go into the theme's assets/ folder (Material's styles, its
    configuration and scripts) and to extra_css/extra_javascript: the page's link to the site
    root (base_url) decides each such link, unless the page itself lies under assets/."""
    page = context.get("page")
    if page is None or getattr(page, "file", None) is None or page.url.split("/")[0] == "assets":
        return None
    config = context["config"]
    extra = [str(path) for path in (*config.extra_css, *config.extra_javascript)]
    return (context.get("base_url"), tuple(normalize_url(path, page=page) for path in extra))


def on_pre_build(config, **kwargs) -> None:
    _cache.clear()


def on_env(env, config, files, **kwargs):
    _cache.clear()
    custom = config.theme.custom_dir
    theme_dirs = [folder for folder in config.theme.dirs if folder != custom]
    env.loader = jinja2.ChoiceLoader([
        env.loader, jinja2.PrefixLoader({THEME_PREFIX: jinja2.FileSystemLoader(theme_dirs)})])
    env.globals.update(budget_cache=budget_cache, budget_nav_key=budget_nav_key,
                       budget_toc_key=budget_toc_key, budget_assets_key=budget_assets_key)
    return env
