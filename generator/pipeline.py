"""The pipeline: load → validate → compute → render → write.

Gather everything and collect every diagnostic first; decide pass or fail once;
only then render and write. A failed run writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import cache, checks, exports, review, rules, schema, stamp, validate
from .checks import personal, relevance
from .compute import portal_view
from .diagnostics import Diagnostic, Location, has_failures, sort_diagnostics
from .load import RawProject, load_tree, parse_project
from .model import Dataset, Portal, Project, Text, Unit
from .output import WriteResult, find_collisions, recover, write_pages
from .render import render_site
from .report import review_view


@dataclass
class Gathered:
    dataset: Dataset | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def gather(data_dir: Path, root: Path, progress: Progress = _no_progress,
           years: frozenset[str] | None = None, store: cache.Store | None = None) -> Gathered:
    """Load and validate everything under ``data_dir``. Paths are shown relative to ``root``.

    With ``store``, a project whose files (and the set of units) are unchanged since a
    build that used the same store is not parsed or checked again: its model and
    diagnostics come from the store.
    """
    raw = load_tree(data_dir, root, progress, years)
    diagnostics = list(raw.diagnostics)

    portal, found = schema.read_portal(raw.portal, raw.portal_path)
    diagnostics += found

    units: dict[str, Unit] = {}
    # A unit whose own file has errors still exists: projects referring to it are not "unknown".
    unit_ids = {unit_id for unit_id, _, _ in raw.units}
    for unit_id, path, node in raw.units:
        id_problems = list(validate.check_slug(unit_id, "单位文件名", Location(path)))
        diagnostics += id_problems
        unit, found = schema.read_unit(node, path, unit_id)
        diagnostics += found
        if unit is not None and not id_problems:
            units[unit_id] = unit

    projects: list[Project] = []
    units_part = "\0".join(sorted(unit_ids))
    relevance.use_store(store)
    for done, raw_project in enumerate(raw.projects, start=1):
        progress("校验数据", done, len(raw.projects))
        entry_key = None
        if store is not None:
            parts: list[bytes | str] = [raw_project.folder, raw_project.year_name, raw_project.project_id,
                                        str(data_dir.resolve()), units_part]
            for name in sorted(raw_project.files):
                parts += [name, raw_project.files[name]]
            entry_key = cache.key("project", *parts)
            cached = store.get(entry_key)
            if isinstance(cached, tuple) and len(cached) == 2:
                project, found = cached
                diagnostics += found
                if project is not None:
                    projects.append(project)
                continue
        project, found = _gather_project(data_dir, root, raw_project, unit_ids)
        diagnostics += found
        if project is not None:
            projects.append(project)
        if store is not None:
            store.put(entry_key, (project, found))

    if store is not None:
        # Keep every current indicator name's segmentation, also for projects taken from the
        # store, so that the next change to any project finds its names without loading jieba.
        for project in projects:
            for indicator in project.indicators:
                store.keep(cache.key("segments", indicator.level3))

    for unit in units.values():
        diagnostics += checks.run_unit_checks(unit)
    diagnostics += _personal_data(raw.texts, portal, units, raw.personal, raw.data_lines)

    if portal is not None:
        diagnostics = review.apply_settings(diagnostics, portal.rules)
    diagnostics = review.apply_acknowledgements(diagnostics, projects)
    diagnostics = sort_diagnostics(diagnostics)
    if portal is None or has_failures(diagnostics, strict=False):
        return Gathered(None, diagnostics)
    dataset = Dataset(portal=portal, units=units, projects=tuple(sorted(projects, key=lambda p: p.key)),
                      format_doc=raw.format_doc, data_version=raw.data_version, build_date=_build_date())
    return Gathered(dataset, diagnostics)


def _gather_project(data_dir: Path, root: Path, raw_project: RawProject,
                    unit_ids: set[str]) -> tuple[Project | None, list[Diagnostic]]:
    """One project's model (None when it has errors) and every diagnostic its files give:
    parsing, schema, validation, review checks and the personal-data scan. Depends only on
    the project's files and on which units exist, which is what its cache key holds."""
    parsed = parse_project(root, data_dir, raw_project)
    diagnostics = list(parsed.diagnostics)
    folder = Location(raw_project.folder)
    id_problems = list(validate.check_year(raw_project.year_name, folder))
    id_problems += validate.check_slug(raw_project.project_id, "项目文件夹名", folder)
    diagnostics += id_problems
    fields, fields_ok, found = schema.read_project_yaml(raw_project.project, raw_project.project_path)
    diagnostics += found
    if fields and fields.get("unit") is not None:
        diagnostics += validate.check_unit_reference(fields["unit"], unit_ids)
    items, found = schema.read_budget_items(raw_project.budget, raw_project.budget_path)
    diagnostics += found
    if items is not None:
        diagnostics += validate.check_budget_items(items)
    indicators, found = schema.read_indicators(raw_project.indicators, raw_project.indicators_path)
    diagnostics += found
    # The located node trees are no longer needed; at 10,000 projects they are hundreds of MB.
    raw_project.project = raw_project.budget = raw_project.indicators = None
    # A project's files are nobody's public fields: only the portal and units have those.
    diagnostics += _personal_data(parsed.texts, None, {}, parsed.personal, parsed.data_lines)
    if fields_ok and items is not None and not items and fields.get("stated_amount") is None:
        # Every published table states an amount somewhere: the header block or the breakdown.
        diagnostics.append(rules.make("S240", Location(raw_project.project_path, 1, 1)))
        fields_ok = False
    if id_problems or not fields_ok or items is None or indicators is None:
        return None, diagnostics
    project = schema.assemble_project(raw_project.project_id, int(raw_project.year_name),
                                      raw_project.folder, fields, items, indicators)
    diagnostics += checks.run_project_checks(project)
    return project, diagnostics


def _build_date() -> str:
    """The date of SOURCE_DATE_EPOCH in China Standard Time; no epoch, no date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        return ""
    moment = datetime.fromtimestamp(int(epoch), tz=timezone(timedelta(hours=8)))
    return f"{moment.year}年{moment.month}月{moment.day}日"


_PUBLIC_UNIT_FIELDS = ("phone", "address", "legal_representative")
_PUBLIC_PORTAL_FIELDS = ("contact", "publisher")


def _personal_data(texts: dict[str, str], portal: Portal | None, units: dict[str, Unit],
                   in_values: list[tuple[str, str, Diagnostic]] = (),
                   data_lines: dict[str, set[int]] | None = None) -> list[Diagnostic]:
    """Scan every file's raw lines and every decoded value; skip only fields explicitly
    listed in ``public_fields``."""
    found: list[Diagnostic] = []
    public: dict[str, set[int]] = {}
    public_keys: dict[str, set[str]] = {}
    owners: list[tuple[str, tuple[Text, ...], dict[str, Text | None], tuple[str, ...]]] = []
    if portal is not None:
        owners.append((portal.path, portal.public_fields,
                       {name: getattr(portal, name) for name in _PUBLIC_PORTAL_FIELDS}, _PUBLIC_PORTAL_FIELDS))
    for unit in units.values():
        owners.append((unit.path, unit.public_fields,
                       {name: getattr(unit, name) for name in _PUBLIC_UNIT_FIELDS}, _PUBLIC_UNIT_FIELDS))
    for path, fields, values, allowed in owners:
        for name in fields:
            if name.value not in allowed:
                found.append(rules.make("S202", name.location, field=f"public_fields: {name.value}",
                                        hint=f"public_fields 只能列出：{'、'.join(allowed)}。"))
        public[path] = review.public_lines(path, fields, values)
        public_keys[path] = {name.value for name in fields if name.value in allowed}
    for path, text in sorted(texts.items()):
        skip = public.get(path, set()) | (data_lines or {}).get(path, set())
        found += personal.scan_text(path, text, skip)
    # A number the raw scan already reported is not reported again from its decoded value.
    seen = {(d.location.path, d.code, d.message) for d in found}
    for path, key, diagnostic in in_values:
        if key in public_keys.get(path, ()) or (path, diagnostic.code, diagnostic.message) in seen:
            continue
        seen.add((path, diagnostic.code, diagnostic.message))
        found.append(diagnostic)
    return found


def _downloads(view, store: cache.Store) -> dict[str, bytes]:
    """A project's downloads, from the store when its project.json (which holds every value
    the other files are made from) and the code are unchanged."""
    json_bytes = exports.project_json(view)
    entry_key = cache.key("downloads", json_bytes)
    cached = store.get(entry_key)
    if isinstance(cached, dict) and all(isinstance(k, str) and isinstance(v, bytes) for k, v in cached.items()):
        return cached
    files = exports.project_downloads(view, json_bytes=json_bytes)
    store.put(entry_key, files)
    return files


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic]
    failed: bool
    written: WriteResult | None = None
    project_count: int = 0  # project budgets; whole-unit targets are counted apart
    unit_target_count: int = 0
    notes: list[str] = field(default_factory=list)


def build(data_dir: Path, out_dir: Path, templates: Path, root: Path, *, strict: bool = False,
          review_report: bool = False, progress: Progress = _no_progress,
          years: frozenset[str] | None = None) -> BuildResult:
    recover(out_dir.resolve())  # what a killed earlier build left beside docs_src/
    signature = stamp.input_signature(data_dir, templates, {"review": review_report, "strict": strict,
                                                            "root": str(root), "out": str(out_dir),
                                                            "years": sorted(years) if years else None})
    previous = stamp.read(root, out_dir)
    if previous and previous.inputs == signature and \
            stamp.output_signature(out_dir, previous.files) == previous.outputs:
        return BuildResult(previous.diagnostics, failed=False, project_count=previous.projects,
                           unit_target_count=previous.unit_targets,
                           written=WriteResult((), tuple(previous.files), ()), notes=previous.notes)
    stamp.invalidate(root, out_dir)
    store = cache.store_for(root, out_dir)
    gathered = gather(data_dir, root, progress, years, store)
    diagnostics = gathered.diagnostics
    if gathered.dataset is None or has_failures(diagnostics, strict=strict):
        return BuildResult(diagnostics, failed=True)
    report = review_view(gathered.dataset, diagnostics) if review_report else None
    dataset = gathered.dataset
    portal = portal_view(dataset)
    pages: dict[str, str | bytes] = dict(render_site(dataset, portal, templates, report, progress))
    for done, view in enumerate(portal.projects, start=1):
        pages.update(_downloads(view, store))
        progress("生成下载文件", done, len(portal.projects))
    pages.update(exports.fiscal_data_package(portal, dataset.portal.title.value, dataset.portal.publisher.value,
                                             dataset.data_version))
    collisions = find_collisions(pages, out_dir, root)
    if collisions:
        return BuildResult(sort_diagnostics(diagnostics + collisions), failed=True)
    notes = []
    if dataset.portal.site_url is None:
        notes.append("提示：portal.yaml 没有填写 site_url（网站发布后的地址），sitemap.xml 中没有页面，"
                     "页面也没有规范链接（canonical）和 SiteDomain 元数据。发布前请填写，见 README 的“发布到网站”。")
    result = write_pages(pages, out_dir)
    if years is None:  # a build of some years only keeps the other years' entries
        store.prune()
    counts = {"project_count": len(portal.projects), "unit_target_count": len(portal.unit_targets)}
    stamp.write(root, out_dir, signature, sorted(pages), counts["project_count"], diagnostics, notes,
                counts["unit_target_count"])
    return BuildResult(diagnostics, failed=False, written=result, notes=notes, **counts)
