"""Render: computed views → Markdown pages, through the Jinja2 templates in site_templates/.

Data only ever reaches a page escaped, by construction: the environment's ``finalize``
runs on every ``{{ … }}`` and turns any value that is not already ``Markup`` into text
that is inert both as HTML and as Markdown (see :func:`escape_text`). A template cannot
print data raw by accident; raw output needs a ``Markup`` value made here in Python
(links between our own pages, heading anchors, charts, the sanitised data-format page).
Narrative and tables are emitted as HTML blocks, which Python-Markdown passes through
without interpreting.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, escape

from . import cache, publish
from .charts import Bar, bar_chart
from .compute import Listed, PortalView, ProjectView, TotalRow, compare
from .exports import DATA_PACKAGE_DIR, download_dir, downloads_keys
from .model import Dataset
from .rules import RULES

if TYPE_CHECKING:  # a review build's report: imported by the pipeline only for `build --review`
    from xml.etree import ElementTree  # the data-format page's only, imported when it is made

    from .report import ReviewView

GENERATED_NOTE = "本页由 python -m generator build 根据 budget_data/ 生成，请勿手工修改。"
# Every generated page opens with front matter whose first lines are these. The front
# matter must hold a key: MkDocs treats a block with only a comment as page text.
GENERATED_MARKER = f"---\n# {GENERATED_NOTE}\ngenerator: budget-disclosure\n"

# Characters that mean something to Markdown or to the extensions in mkdocs.yml
# (attr_list's "{: onclick=…}"), written as numeric character references: the browser
# shows the same character, Markdown sees nothing to interpret. Line breaks too, so a
# value cannot end a table row or an HTML block and start Markdown of its own.
# One table for both, applied in one pass: escaping for HTML first and then for Markdown
# turned the "#" of "&#34;" into "&#35;", so a quotation mark showed as the text "&#34;".
_INERT = str.maketrans({**{char: f"&#{ord(char)};" for char in "\\`*_[]{}#|!~^\n\r"},
                        "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})
# Any character _INERT rewrites (made from its keys, so the two cannot disagree). Most values
# (names, amounts, ids) hold none, and looking costs a fifth of translating, character by
# character through a dict, what would come out the same.
_NEEDS_INERT = re.compile("[" + re.escape("".join(map(chr, _INERT))) + "]").search


# Markup(text) for a plain str, without Markup.__new__'s checks: every value of every page
# passes here (millions at 10,000 projects).
_markup = str.__new__


def escape_text(value: object) -> Markup:
    """Data as text that is inert as HTML and as Markdown, in any position of a page."""
    text = value if type(value) is str else str(value)
    return _markup(Markup, text.translate(_INERT) if _NEEDS_INERT(text) else text)


def _finalize(value: object) -> str:
    """What every ``{{ … }}`` prints: data as inert text, our own Markup as it is.

    Exactly what Jinja's ``escape()`` would make of it, so the compiled templates skip that
    second call (see _FinalizedOutput): a Markup, or a plain str that holds nothing to escape
    (the common case: most values need no rewriting, and copying them into a Markup only to be
    joined into the page cost as much as looking)."""
    if type(value) is str:
        return value if _NEEDS_INERT(value) is None else _markup(Markup, value.translate(_INERT))
    if type(value) is Markup:
        return value
    if type(value) is int:  # spans, counts, years: digits (and a minus) only
        return str(value)
    if hasattr(value, "__html__") or isinstance(value, (int, Markup)):
        return escape(value)  # a number, or HTML made in Python (a Markup subclass, a macro's output)
    return escape_text(value)


class _FinalizedOutput(CodeGenerator):
    """Compiles ``{{ x }}`` in an autoescaped template to ``finalize(x)`` instead of Jinja's
    ``escape(finalize(x))``: _finalize already returns what escape() would, and the redundant
    call (escape, then Markup.__new__ and __html__ twice, all in Python) was a fifth of the CPU
    of rendering a project page, hundreds of times per page. Jinja's own NativeCodeGenerator
    overrides the same two methods. Anything else (no autoescape, ``{% autoescape %}`` blocks)
    compiles as Jinja does."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is not None:
            self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node, frame, finalize) -> None:
        if frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is not None:
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class _PageEnvironment(Environment):
    code_generator_class = _FinalizedOutput


def md_inline(value: object) -> Markup:
    """Kept for templates that still say ``|md``; every output is escaped this way anyway."""
    return value if isinstance(value, Markup) else escape_text(value)


_ANCHOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


def heading_anchor(identifier: str) -> Markup:
    """attr_list's `{#id}` after a Markdown heading (Jinja would read `{#` as a comment)."""
    if not _ANCHOR.match(identifier):
        raise ValueError(f"not an anchor id: {identifier!r}")
    return Markup("{#" + identifier + "}")


def project_page(view: ProjectView) -> str:
    return f"projects/{view.project.year}/{view.project.id}.md"


def unit_page(unit_id: str, number: int = 1) -> str:
    """The unit's page; the later pages of its project listing sit beside its 部门整体 target
    pages, named with an underscore, which those ("<year>-<id>") never hold."""
    return f"units/{unit_id}.md" if number == 1 else f"units/{unit_id}/list_{number}.md"


def unit_target_page(view: ProjectView) -> str:
    """A 部门整体支出绩效目标 lives under its unit, never among the projects."""
    return f"units/{view.unit.id}/{view.project.year}-{view.project.id}.md"


def year_page(year: int | str, number: int = 1) -> str:
    """The year's listing; its later pages carry an underscore, which no project id can
    (limits.IDENTIFIER), so they never meet a project page."""
    return f"projects/{year}/index.md" if number == 1 else f"projects/{year}/list_{number}.md"


def classification_page(code: str, number: int = 1) -> str:
    return f"classifications/{code}.md" if number == 1 else f"classifications/{code}_{number}.md"


# Listing pages (a year's projects, a classification's) hold at most this many rows each: a
# district's 10,000 projects on one page were 3 MB of HTML, too much for a phone, and every
# change re-rendered all of them.
LIST_PAGE_ROWS = 500
# The home page charts and tables this many units at most (the largest by amount); the
# 预算单位 page lists them all.
HOME_UNITS = 20


@dataclass(frozen=True, slots=True)
class Pager:
    """Where one listing page sits among its siblings (1-based); ``links`` is every page's
    (number, path)."""

    number: int
    count: int
    first: int  # position of the page's first row among all rows
    last: int
    links: tuple[tuple[int, str], ...]

    def __repr__(self) -> str:
        # What the dataclass's own would write (listing keys hold it: tests/test_render_jobs.py),
        # without its recursion guard: a build writes one for each of 1,000 unit pages.
        return (f"Pager(number={self.number!r}, count={self.count!r}, first={self.first!r}, "
                f"last={self.last!r}, links={self.links!r})")


def paginate(rows: tuple, path: Callable[[int], str]) -> list[tuple[Pager, tuple]]:
    """Rows split into listing pages of LIST_PAGE_ROWS; one page (and a pager of one) when
    they fit."""
    if len(rows) <= LIST_PAGE_ROWS:  # most units' listings, one page each
        return [(Pager(1, 1, 1, len(rows), ((1, path(1)),)), rows)]
    count = -(-len(rows) // LIST_PAGE_ROWS)
    links = tuple((number, path(number)) for number in range(1, count + 1))
    pages = []
    for number in range(1, count + 1):
        start = (number - 1) * LIST_PAGE_ROWS
        chunk = rows[start:start + LIST_PAGE_ROWS]
        pages.append((Pager(number, count, start + 1, start + len(chunk), links), chunk))
    return pages


def home_units(portal: PortalView) -> tuple[TotalRow, ...]:
    """The units the home page shows: all of them up to HOME_UNITS, else the HOME_UNITS with
    the largest amounts in the latest year (ties in unit order), in that order."""
    if len(portal.by_unit) <= HOME_UNITS or portal.latest_year is None:
        return portal.by_unit
    ranked = sorted(enumerate(portal.by_unit), key=lambda pair: (-pair[1].total.value, pair[0]))
    return tuple(row for _, row in ranked[:HOME_UNITS])


def rule_page(code: str) -> str:
    return f"rules/{code}.md"


HOME_PAGE = "index.md"
RULES_INDEX = "rules/index.md"
REVIEW_PAGE = "review.md"
UNITS_INDEX = "units/index.md"
PROJECTS_INDEX = "projects/index.md"
FORMAT_PAGE = "data-format.md"


class StoredTemplateCode(BytecodeCache):
    """Compiled templates kept in the build cache, keyed by the template's source (Jinja's
    checksum) and the code version (which names Jinja's and Python's versions): compiling
    every template again cost a quarter of a second of each build after one change."""

    def __init__(self, store):
        self.store = store

    @staticmethod
    def _key(template_key: str, checksum: str) -> str:
        return cache.key("template-code", template_key, checksum)

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.store.get(self._key(bucket.key, bucket.checksum))
        if isinstance(code, bytes):
            bucket.bytecode_from_string(code)  # checks Jinja's own magic and checksum too

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store.put(self._key(bucket.key, bucket.checksum), bucket.bytecode_to_string())

    def keep_current(self, env: Environment) -> None:
        """Spare the code of every current template from pruning, also of those this build
        did not render (a build after one change renders few page kinds)."""
        for name in env.loader.list_templates():
            source, filename, _ = env.loader.get_source(env, name)
            self.store.keep(self._key(self.get_cache_key(name, filename), self.get_source_checksum(source)))


def make_environment(templates: Path, bytecode_cache: BytecodeCache | None = None) -> Environment:
    env = _PageEnvironment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(enabled_extensions=("j2",), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
        # One environment per build, and templates do not change during one: no stat of
        # every template file on every page.
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )
    env.filters["md"] = md_inline
    env.globals["project_page"] = project_page
    env.globals["unit_page"] = unit_page
    env.globals["unit_target_page"] = unit_target_page
    env.globals["rule_page"] = rule_page
    env.globals["year_page"] = year_page
    env.globals["classification_page"] = classification_page
    env.globals["anchor"] = heading_anchor
    env.globals["data_package_dir"] = DATA_PACKAGE_DIR
    return env


def _footer(dataset: Dataset, version: bool = True) -> dict:
    """The portal facts the theme shows on a page (footer, <head> metadata). Every generated
    page carries them in its own front matter, so a page's HTML depends only on its own file
    and `mkdocs build --dirty` rebuilds exactly the pages whose facts changed. The data
    version and build date describe the whole portal and change with any data: only the home
    page carries them (``version``), so a change to one project does not touch every page."""
    portal = dataset.portal
    optional = {name: getattr(portal, name).value if getattr(portal, name) else ""
                for name in ("website_code", "icp_record", "police_record")}
    stamp = {"data_version": dataset.data_version, "build_date": dataset.build_date} if version else {}
    return {"publisher": portal.publisher.value, "contact": portal.contact.value, **stamp, **optional,
            **publish.site_facts(portal)}


def _project_chart(view: ProjectView) -> Markup:
    bars = [Bar(row.name, row.amount.value, f"{row.amount.yuan} 元（{row.share}）")
            for row in view.items if row.depth == 0]
    return bar_chart("chart-budget", f"{view.project.name.value}资金构成", bars)


def _home_charts(portal: PortalView, units: dict, shown: tuple[TotalRow, ...]) -> dict[str, Markup]:
    years = [Bar(f"{row.key}年", row.total.value, f"{row.total.yuan} 元（{row.count} 个项目）")
             for row in portal.by_year]
    by_unit = [Bar(units[row.key].name.value, row.total.value, f"{row.total.yuan} 元（{row.count} 个项目）")
               for row in shown]
    title = (f"各单位{portal.latest_year or ''}年项目预算总额" if len(shown) == len(portal.by_unit)
             else f"{portal.latest_year or ''}年项目预算总额最大的{len(shown)}个单位")
    return {"years": bar_chart("chart-years", "各年度项目预算总额", years),
            "units": bar_chart("chart-units", title, by_unit)}


# A link target between our own files: identifiers (limits.IDENTIFIER), folder names and
# file names, never "..", a scheme or anything Markdown would read.
_LINK_TARGET = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9_.-]*/)*[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


class _Page:
    """Per-page helpers: relative links between generated pages (a listing page makes 500)."""

    def __init__(self, path: str):
        self.path = path
        self._folder = posixpath.dirname(path)

    def link(self, target: str) -> Markup:
        if not _LINK_TARGET.match(target) or ".." in target.split("/"):
            raise ValueError(f"not a link between generated pages: {target!r}")
        # Safe as it is: _LINK_TARGET admits nothing HTML or Markdown would read.
        return _markup(Markup, _relative(target, self._folder))


def _relative(target: str, folder: str) -> str:
    """posixpath.relpath for two clean relative paths (no "..", no "."), without its
    normalisation: a year page links 10,000 projects."""
    if not folder:
        return target
    if target.startswith(folder) and target[len(folder):len(folder) + 1] == "/" \
            and "/" not in target[len(folder) + 1:]:
        return target[len(folder) + 1:]  # the common case: a page in the same folder
    here, there = folder.split("/"), target.split("/")
    common = 0
    for a, b in zip(here, there[:-1]):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:])


# YAML (the front matter) cannot hold C1 controls, U+2028/9 or U+FEFF even inside a quoted
# string, and JSON leaves them as they are; they are written as \u escapes instead.
_FRONT_MATTER_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def front_matter_json(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return _FRONT_MATTER_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# ---- budget_data/README.md: Markdown with raw HTML disabled, then an allow-list ---------------

_DOC_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "code", "pre", "em", "strong", "a",
             "table", "thead", "tbody", "tr", "th", "td", "blockquote", "hr", "br", "dl", "dt", "dd", "div", "span"}
_DOC_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align", "style"}, "td": {"align", "style"},
                   "code": {"class"}, "h1": {"id"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"},
                   "h6": {"id"}, "ol": {"start"}}
_SAFE_HREF = re.compile(r"(?:https?://|mailto:|#|(?![a-zA-Z][a-zA-Z0-9+.-]*:))[^\s]*\Z")
_SAFE_STYLE = re.compile(r"text-align: (?:left|right|center);\Z")


def _sanitise(element: ElementTree.Element) -> None:
    """Keep only the tags and attributes of a plain document; images become their alt text."""
    from xml.etree import ElementTree  # the data-format page only: not after a change to a project

    for child in list(element):
        if child.tag == "img":
            replacement = ElementTree.Element("span")
            replacement.text = child.get("alt", "")
            replacement.tail = child.tail
            element[list(element).index(child)] = replacement
            child = replacement
        elif not isinstance(child.tag, str) or child.tag not in _DOC_TAGS:
            # Unknown element: keep its text, drop the element.
            replacement = ElementTree.Element("span")
            replacement.text = "".join(child.itertext())
            replacement.tail = child.tail
            element[list(element).index(child)] = replacement
            child = replacement
        allowed = _DOC_ATTRIBUTES.get(child.tag, set())
        for name in list(child.attrib):
            value = child.attrib[name]
            if name not in allowed or (name == "href" and not _SAFE_HREF.match(value)) \
                    or (name == "style" and not _SAFE_STYLE.match(value)):
                del child.attrib[name]
        _sanitise(child)


def format_document(text: str) -> Markup:
    """The data-format page from budget_data/README.md, safe whoever edited the file.

    Python-Markdown renders it with its raw-HTML support switched off, so ``<script>`` or
    ``<img>`` written in the file are shown as text; the resulting tree then passes an
    allow-list, so Markdown images (an outside request) become their alt text and links
    keep only http(s), mailto and relative targets. Headings stay Markdown, so the page
    keeps its table of contents; everything else is emitted as inert HTML blocks.
    """
    import markdown
    from markdown.serializers import to_html_string
    from markdown.treeprocessors import Treeprocessor

    captured: list[ElementTree.Element] = []

    class _Capture(Treeprocessor):
        def run(self, root):
            _sanitise(root)
            captured.append(root)

    converter = markdown.Markdown(extensions=["tables", "fenced_code"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    converter.treeprocessors.register(_Capture(converter), "capture-sanitise", -100)
    converter.convert(text)
    parts = []
    for block in captured[0] if captured else ():
        if block.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            parts.append("#" * int(block.tag[1]) + " " + escape_text("".join(block.itertext())))
        else:
            html = to_html_string(block)
            for processor in converter.postprocessors:
                html = processor.run(html)
            parts.append(html)
    return Markup("\n\n".join(parts) + "\n")


@dataclass(slots=True)
class Job:
    """Some generated files that are made together: a page, or a project's downloads.

    ``key`` is a digest of everything the files are made from (None: always made); a build
    whose state records the same key for this job, and every file it made last time unchanged
    on disk, keeps those files without calling ``make``. Not frozen: a build makes 20,000 of
    them, and a frozen dataclass sets each field through object.__setattr__ (three times the
    cost); nothing changes a job once made.
    """

    path: str  # its main page, which names the job; the files it made last time are in the build state
    key: str | None
    make: Callable[[], dict[str, str | bytes]]


class _Deferred(Job):
    """A Job whose ``make`` is put together only when asked for: a build makes a page job and a
    downloads job for each of 10,000 projects, and asks only the few made again."""

    __slots__ = ("_maker", "_arguments")

    def __init__(self, path: str, key: str | None, maker: Callable[..., dict[str, str | bytes]], *arguments):
        self.path, self.key, self._maker, self._arguments = path, key, maker, arguments

    @property
    def make(self) -> Callable[[], dict[str, str | bytes]]:
        return partial(self._maker, *self._arguments)


class Sources(Protocol):
    """What page jobs need from the build beyond the dataset: cache keys and whole views."""

    def project_key(self, listed: Listed) -> str: ...

    def project_keys(self, listed: Sequence[Listed]) -> list[str]:
        """project_key of each, in one call: a build asks for 10,000."""

    def unit_key(self, unit_id: str) -> str: ...

    def view(self, listed: Listed) -> ProjectView: ...

    def downloads(self, view: ProjectView) -> dict[str, bytes]: ...


def site_jobs(dataset: Dataset, portal: PortalView, templates: Path, sources: Sources, base: tuple[str, ...],
              review: ReviewView | None = None, bytecode_cache: BytecodeCache | None = None) -> list[Job]:
    """Every generated page as a job, keyed by path relative to docs_src/.

    With ``review`` (``build --review``) the 数据核查 page is added and project pages show
    their findings; without it no finding appears anywhere on the site.

    Pages about one thing (a project, a unit, a year, a classification, a rule) get only the
    context they show, so their key can name everything they depend on: a change to one
    project re-renders its page, its unit's page, its year's and its classification's, and the
    site-wide pages (home, indexes), not the other 10,000. ``base`` (the templates, the portal
    file, the options) is part of every key.
    """
    env = make_environment(templates, bytecode_cache)
    if isinstance(bytecode_cache, StoredTemplateCode):
        bytecode_cache.keep_current(env)
    units = dataset.units
    projects_by_unit: dict[str, list[Listed]] = {uid: [] for uid in units}
    for view in portal.projects:
        projects_by_unit[view.unit.id].append(view)
    years = portal.years()
    whole = {"portal": dataset.portal, "site": portal, "units": units, "years": years,
             "projects_by_unit": projects_by_unit, "review": review}
    local = {"portal": dataset.portal, "years": years, "review": review}
    # The portal's facts (footer, <head>) are on every page, so a page's HTML depends only on its
    # own file; they come from portal.yaml, which is in every key (``base``).
    site_footer = _footer(dataset, version=False)

    prefix = cache.key("page", *base).encode()

    def key(kind: str, *parts: object) -> str | None:
        if review is not None:  # findings can be on any page: a review build renders everything
            return None
        # One hash over NUL-separated parts: keys, numbers and names, none of which can hold a
        # NUL (F113 refuses control characters in data). 10,000 project pages need a key each.
        joined = "\0".join([kind, *map(str, parts)])
        return hashlib.sha256(prefix + joined.encode("utf-8", "surrogateescape")).hexdigest()

    def render(template: str, path: str, meta: dict | None = None, gov: dict | None = None,
               wide: bool = False, common: dict = whole, **context: object) -> str:
        text = env.get_template(template).render(page=_Page(path), **common, **context)
        header = GENERATED_MARKER
        # JSON is valid YAML and needs no escaping rules of its own; front_matter_json also
        # escapes what YAML cannot hold (C1 controls and the like).
        if gov:  # gov.cn page metadata, written into <head> by site_templates/overrides/main.html
            # Material prints page.meta.description raw into an attribute (its templates are not
            # autoescaped), so this one value goes in HTML-escaped; the browser shows the text.
            header += f"description: {front_matter_json(str(escape(gov['Description'])))}\n"
            header += f"gov_meta: {front_matter_json(gov)}\n"
        if wide:  # official tables need the width of the right-hand contents column
            header += "hide: [toc]\n"
        header += f"portal_footer: {front_matter_json(meta or site_footer)}\n"
        return f"{header}---\n{text}"

    def page(path: str, job_key: str | None, template: str, **arguments) -> Job:
        return Job(path, job_key, lambda: {path: render(template, path, **arguments)})

    def site_meta(column: str, title: str, description: str, **extra: str) -> dict:
        return publish.site_page_meta(dataset, column, title, description, **extra)

    def listing_key(parts: list[bytes]) -> str | None:
        """key() of the parts, given encoded: a listing's rows are encoded once for the three
        listings that show each (its unit's, its year's and its classification's)."""
        return None if review is not None else hashlib.sha256(prefix + b"\0".join(parts)).hexdigest()

    def text(*parts: object) -> bytes:
        return "\0".join(map(str, parts)).encode("utf-8", "surrogateescape")

    # Asked once per unit: rows, unit pages and downloads of its projects name it.
    unit_keys = {uid: sources.unit_key(uid) for uid in units}
    row_units = {uid: f"{uid}\0{unit_key}" for uid, unit_key in unit_keys.items()}

    def listing_rows(views: tuple[Listed, ...]) -> dict[int, bytes]:
        """What a listing row shows of a project (its link, name, unit and total), not the
        project's whole key: editing a narrative does not re-render the listings. The unit's
        key, since a row names its unit: renaming a unit re-renders every page listing it."""
        return {id(v): f"{(p := v.project).year}\0{p.id}\0{p.name_value}\0{row_units[v.unit.id]}\0"
                       f"{(t := v.total).yuan}\0{t.wan}".encode("utf-8", "surrogateescape")
                for v in views}

    # Each project's row made once, by id(): every view a listing shows is one of ``portal``'s,
    # which keeps them all (so no other object can take their ids) until the jobs are made.
    row_text = listing_rows(portal.projects)
    row_text.update(listing_rows(portal.unit_targets))

    def rows(views) -> list[bytes]:
        return list(map(row_text.__getitem__, map(id, views)))

    def paged_title(title: str, pager: Pager) -> str:
        return title if pager.number == 1 else f"{title}（第{pager.number}页）"

    def make_home() -> dict[str, str | bytes]:
        shown_units = home_units(portal)  # here: ranking 1,000 units is the home page's work only
        return {HOME_PAGE: render(
            "home.md.j2", HOME_PAGE, meta=_footer(dataset), charts=_home_charts(portal, units, shown_units),
            shown_units=shown_units,
            gov=site_meta("首页", dataset.portal.title.value, f"{dataset.portal.title.value}：各预算单位的项目预算公开。",
                          column_type="首页"))}

    jobs = [
        Job(HOME_PAGE, None, make_home),
        page(UNITS_INDEX, None, "units_index.md.j2",
             gov=site_meta("预算单位", "预算单位", "公开项目预算的全部预算单位。")),
        page(PROJECTS_INDEX, None, "projects_index.md.j2",
             gov=site_meta("项目预算", "项目预算", "按年度列出的全部公开项目预算。")),
        Job(FORMAT_PAGE, key("format", hashlib.sha256(dataset.format_doc.encode("utf-8")).hexdigest()),
            lambda: {FORMAT_PAGE: render(
                "data_format.md.j2", FORMAT_PAGE, format_doc=format_document(dataset.format_doc), common=local,
                gov=site_meta("数据格式说明", "数据格式说明", "预算数据（budget_data/）的格式说明。",
                              column_type="网站说明"))}),
    ]
    serials = publish.project_serials(portal.projects)
    target_serials = publish.project_serials(portal.unit_targets)
    targets_by_unit: dict[str, list[Listed]] = {uid: [] for uid in units}

    def target_job(listed: Listed) -> Job:
        path, serial = unit_target_page(listed), target_serials[listed.project.key]

        def make() -> dict[str, str | bytes]:
            view = sources.view(listed)
            findings = review.by_project[view.project.key] if review else None
            disclosure = publish.unit_target_disclosure(view, dataset.portal, serial)
            return {path: render("unit_target.md.j2", path, view=view, findings=findings, disclosure=disclosure,
                                 gov=publish.unit_target_meta(view, disclosure), wide=True, common=local)}
        return Job(path, key("unit-target", sources.project_key(listed), unit_keys[listed.unit.id], serial), make)

    for listed in portal.unit_targets:
        targets_by_unit[listed.unit.id].append(listed)
        jobs.append(target_job(listed))
    totals_by_unit: dict[str, dict] = {uid: {} for uid in units}
    for (year, uid), row in portal.by_year_unit.items():
        totals_by_unit[uid][(year, uid)] = row

    def make_unit(unit_id: str, unit, path: str, pager: Pager, listed: tuple, unit_projects: list[Listed],
                  totals: dict) -> dict[str, str | bytes]:
        disclosure = publish.unit_disclosure(unit, (v.project.year for v in unit_projects), dataset.portal)
        gov = publish.unit_meta(unit, disclosure)
        if pager.number > 1:
            gov = {**gov, "ArticleTitle": f"{gov['ArticleTitle']}（项目预算第{pager.number}页）"}
        return {path: render("unit.md.j2", path, unit=unit, projects=listed, pager=pager, totals=totals,
                             unit_targets=targets_by_unit[unit_id], disclosure=disclosure, gov=gov, common=local)}

    years_part = str(years)  # as key() writes it, once rather than for each unit page
    # The disclosure block names the years of all the unit's projects, on every page: most units
    # have projects in the same years.
    years_texts: dict[tuple[int, ...], bytes] = {}
    for unit_id, unit in sorted(units.items()):
        unit_projects, totals, unit_key = projects_by_unit[unit_id], totals_by_unit[unit_id], unit_keys[unit_id]
        by_year = sorted(totals.items())  # one for each year the unit has projects in
        total_text = "\0".join([str(part) for (year, _), row in by_year
                                for part in (year, row.count, row.total.yuan, row.total.wan)])
        unit_years = tuple([year for (year, _), _ in by_year])
        years_text = years_texts.get(unit_years)
        if years_text is None:
            years_text = years_texts[unit_years] = text("years", *unit_years, "targets")
        tail = [years_text, *rows(targets_by_unit[unit_id])]
        for pager, listed in paginate(tuple(unit_projects), lambda n: unit_page(unit_id, n)):
            path = pager.links[pager.number - 1][1]
            opening = f"unit\0{unit_key}\0{years_part}\0{pager!r}\0{total_text}" if by_year else \
                f"unit\0{unit_key}\0{years_part}\0{pager!r}"
            jobs.append(Job(path, listing_key([opening.encode("utf-8", "surrogateescape"), *rows(listed), *tail]),
                            partial(make_unit, unit_id, unit, path, pager, listed, unit_projects, totals)))

    def make_project(listed: Listed, path: str, serial: int) -> dict[str, str | bytes]:
        view = sources.view(listed)
        findings = review.by_project[view.project.key] if review else None
        disclosure = publish.project_disclosure(view, dataset.portal, serial)
        earlier = portal.previous_year.get(listed.project.key)
        comparison = compare(sources.view(earlier), view) if earlier is not None else None
        return {path: render("project.md.j2", path, view=view, findings=findings, chart=_project_chart(view),
                             downloads=download_dir(listed.project), comparison=comparison,
                             next_year=portal.next_year.get(listed.project.key), disclosure=disclosure,
                             gov=publish.project_meta(view, disclosure), wide=True, common=local)}

    def make_downloads(listed: Listed) -> dict[str, str | bytes]:
        return dict(sources.downloads(sources.view(listed)))

    # A project's two jobs side by side: the downloads job finds the view its page just used.
    # The downloads are a job of their own: they are made from the project and its unit only, so
    # editing a template or portal.yaml, or a review build, does not make them again. Named by
    # their folder (with a slash, which no page path ends with). Only the jobs made again call
    # make_*: what only they need (the comparison, the downloads' folder) is found there.
    # 10,000 projects: their keys' parts are gathered here, each hashed in one piece.
    projects = portal.projects
    project_key = sources.project_key
    project_keys = sources.project_keys(projects)
    project_unit_keys = [unit_keys[listed.unit.id] for listed in projects]
    previous_year, next_year = portal.previous_year, portal.next_year
    sha256, page_prefix, append = hashlib.sha256, prefix.decode(), jobs.append
    earlier_key = later_key = ""
    for listed, project_key_, unit_key_, downloads_key_ in zip(
            projects, project_keys, project_unit_keys, downloads_keys(project_keys, project_unit_keys)):
        head = listed.project
        year, project_id = head.year, head.id
        # project_page() and download_dir(), written out: two calls for each of 10,000 projects
        # (tests/test_render_jobs.py holds them to the same paths).
        path, serial = f"projects/{year}/{project_id}.md", serials[year, project_id]
        page_key = None
        if review is None:  # as key("project", …): findings can be on any page of a review build
            if previous_year or next_year:  # else one year, or no project of two
                earlier, later = previous_year.get((year, project_id)), next_year.get((year, project_id))
                earlier_key = project_key(earlier) if earlier else ""
                later_key = project_key(later) if later else ""
            page_key = sha256(f"{page_prefix}project\0{project_key_}\0{unit_key_}\0{serial}\0{earlier_key}\0"
                              f"{later_key}".encode("utf-8", "surrogateescape")).hexdigest()
        append(_Deferred(path, page_key, make_project, listed, path, serial))
        append(_Deferred(f"downloads/{year}/{project_id}/", downloads_key_, make_downloads, listed))
    year_rows = {row.key: row for row in portal.by_year}
    for year in years:
        unit_rows = [(uid, row) for (y, uid), row in sorted(portal.by_year_unit.items()) if y == year]
        year_units = {uid: units[uid] for uid, _ in unit_rows}
        unit_parts = [part for uid, row in unit_rows
                      for part in (uid, unit_keys[uid], row.count, row.total.yuan, row.total.wan)]
        total = year_rows[str(year)]
        for pager, listed in paginate(portal.in_year(year), lambda number: year_page(year, number)):
            title = paged_title(f"{year}年项目预算", pager)
            jobs.append(page(year_page(year, pager.number),
                             listing_key([text("year", year, pager, total.count, total.total.yuan), *rows(listed),
                                          *([text(*unit_parts)] if pager.number == 1 and unit_parts else [])]),
                             "year.md.j2", year=year, total=total, unit_rows=unit_rows, projects=listed,
                             pager=pager, units=year_units, common=local,
                             gov=site_meta("项目预算", title, f"{year}年各预算单位公开的项目预算。",
                                           date=dataset.portal.published.get(year))))
    if portal.by_classification:
        jobs.append(page("classifications/index.md", None, "classifications_index.md.j2",
                         gov=site_meta("项目预算", "支出功能分类", "按支出功能分类科目列出的项目预算。")))
        for code in sorted({row.key for row in portal.by_classification}):
            name = portal.classification_names[code]
            totals = [row for row in portal.by_classification if row.key == code]
            total_parts = [part for row in totals for part in (row.year, row.count, row.total.yuan, row.total.wan)]
            for pager, listed in paginate(portal.in_classification(code),
                                          lambda number: classification_page(code, number)):
                title = paged_title(f"{code} {name}", pager)
                jobs.append(page(classification_page(code, pager.number),
                                 listing_key([text("classification", code, name, pager, *total_parts),
                                              *rows(listed)]),
                                 "classification.md.j2", code=code, name=name, common=local, totals=totals,
                                 projects=listed, pager=pager,
                                 gov=site_meta("项目预算", title, f"支出功能分类科目 {code} {name} 的项目预算。")))
    live_rules = [rule for code, rule in sorted(RULES.items()) if not rule.retired]
    jobs.append(page(RULES_INDEX, key("rules-index"), "rules_index.md.j2", rules=live_rules, common=local,
                     gov=site_meta("检查规则", "检查规则", "生成器对预算数据所做检查的规则说明。", column_type="网站说明")))

    def make_rule(rule, path: str) -> dict[str, str | bytes]:
        gov = site_meta("检查规则", f"{rule.code} {rule.name}", rule.what, column_type="网站说明")
        return {path: render("rule.md.j2", path, rule=rule, common=local, gov=gov)}

    for rule in live_rules:
        jobs.append(Job(rule_page(rule.code), key("rule", rule.code), partial(make_rule, rule, rule_page(rule.code))))
    if review is not None:
        jobs.append(page(REVIEW_PAGE, None, "review.md.j2",
                         gov=site_meta("数据核查", "数据核查", "财政部门审核用的数据核查报告。", column_type="网站说明")))
    return jobs
