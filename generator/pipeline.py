"""The pipeline: load → validate → compute → render → write.

Gather everything and collect every diagnostic first; decide pass or fail once;
only then render and write. A failed run writes nothing.

Builds are incremental, per project: the build state (state.py) and the store (cache.py) let
an unchanged project be neither read, parsed, checked nor rendered again, and a build with
nothing changed return at once; the output always equals that of a clean build
(tests/test_cache.py).
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from pathlib import Path

from . import cache, checks, exports, noop, review, rules, schema, state, validate, workers
from .checks import personal, relevance
from .compute import Listed, ProjectView, portal_view, project_head, project_view
from .diagnostics import Diagnostic, Location, has_failures, sort_diagnostics
from .load import (RawData, RawProject, ReusedProject, load_project, load_tree, parse_project, parse_unit, read_skipped,
                   read_unit, recorded_tree)
from .model import Dataset, Portal, Project, Text, Unit
from .noop import BuildResult
from .output import Publisher, collision
from .render import StoredTemplateCode, site_jobs


@dataclass
class Gathered:
    dataset: Dataset | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


@dataclass
class _Collected:
    """Everything gathering found: portal, units, one record per project, and the diagnostics."""

    raw: RawData
    portal: Portal | None
    units: dict[str, Unit]
    unit_keys: dict[str, str]
    records: dict[str, state.ProjectRecord]  # by project key (cache key of its content)
    unit_records: dict[str, state.UnitRecord]
    project_keys: dict[tuple[int, str], str]
    raw_projects: dict[str, RawProject]
    reused: dict[str, ReusedProject]  # by project key: projects load_tree neither listed nor read
    folder_keys: dict[str, str]  # every project's key by its shown folder: the next build's ``reuse``
    models: dict[str, Project]  # whole models, when asked for (gather) or just made
    diagnostics: list[Diagnostic]


def _project_key(data_dir: str, raw_project: RawProject) -> str:
    parts: list[bytes | str] = [raw_project.folder, raw_project.year_name, raw_project.project_id, data_dir]
    for name in sorted(raw_project.digests):
        parts += [name, raw_project.digests[name]]
    return cache.key("project", *parts)


def _collect(data_dir: Path, root: Path, progress: Progress, years: frozenset[str] | None,
             store: cache.Store | None, prior: state.BuildState | None, reusable: state.Records | None,
             keep_models: bool, scanned: dict[str, tuple[int, int]] | None = None,
             recorded: tuple | None = None, reuse: dict[str, str] | None = None) -> _Collected:
    raw = load_tree(data_dir, root, progress, years, known=prior.inputs if prior else None,
                    settled_ns=prior.settled_ns if prior else 0, scanned=scanned, recorded=recorded,
                    reuse=reuse if reusable is not None and not keep_models else None)
    resolved_data = str(data_dir.resolve())
    diagnostics = list(raw.diagnostics)
    portal, found = schema.read_portal(raw.portal, raw.portal_path)
    diagnostics += found

    units: dict[str, Unit] = {}
    unit_keys: dict[str, str] = {}
    unit_records: dict[str, state.UnitRecord] = {}
    # A unit whose own file has errors still exists: projects referring to it are not "unknown".
    unit_ids = {unit_id for unit_id, _, _ in raw.units}
    for unit_id, path, digest in raw.units:
        if digest is None:
            continue  # unreadable: load_tree reported it
        unit_key = cache.key("unit", unit_id, path, digest)
        record = reusable.units.get(unit_key) if reusable else None
        if record is None:
            data = raw.unit_files.get(path)
            if data is None:  # not read, as unchanged; its record is lost
                data, extra = read_unit(root, data_dir, path)
                diagnostics += extra
                if data is None:
                    continue
                # Edited since the stat it was skipped by: its record is made, and kept, by what it holds now.
                unit_key = cache.key("unit", unit_id, path, hashlib.sha256(data).digest())
            record = _gather_unit(data_dir, root, unit_id, path, data)
        unit_records[unit_key] = record
        unit_keys[unit_id] = unit_key
        diagnostics += record.diagnostics
        if record.unit is not None:
            units[unit_id] = record.unit
    # The portal's and README's texts: units and projects are scanned with their own files.
    diagnostics += _personal_data(raw.texts, portal, {}, raw.personal, raw.data_lines)

    records: dict[str, state.ProjectRecord] = {}
    project_keys: dict[tuple[int, str], str] = {}
    raw_projects: dict[str, RawProject] = {}
    reused: dict[str, ReusedProject] = {}
    folder_keys: dict[str, str] = {}
    models: dict[str, Project] = {}
    relevance.use_store(store)
    pending: list[tuple[int, str, RawProject]] = []
    found_records: list[tuple[str, state.ProjectRecord | None]] = []
    for raw_project in raw.projects:
        if type(raw_project) is ReusedProject:
            record = reusable.projects.get(raw_project.key)
            if record is not None:
                reused[raw_project.key] = raw_project
                folder_keys[raw_project.folder] = raw_project.key
                found_records.append((raw_project.key, record))
                continue
            # Its record is lost: read it after all, as load_tree would have.
            raw_project, extra = load_project(root, data_dir, raw_project)
            diagnostics += extra
        entry_key = _project_key(resolved_data, raw_project)
        raw_projects[entry_key] = raw_project
        record = reusable.projects.get(entry_key) if reusable and not keep_models else None
        if record is None:
            pending.append((len(found_records), entry_key, raw_project))
        found_records.append((entry_key, record))  # kept from pruning with every record (_build)

    def gather_one(item: tuple[int, str, RawProject]) -> tuple[str, state.ProjectRecord, list[Diagnostic],
                                                                   Project | None]:
        _, entry_key, raw_project = item
        extra: list[Diagnostic] = []
        project, found, unit_ref = None, None, None
        cached = store.get(entry_key) if store is not None else None
        if isinstance(cached, tuple) and len(cached) == 3:
            project, found, unit_ref = cached
        else:
            if not raw_project.complete:
                extra = read_skipped(root, data_dir, raw_project)
                entry_key = _project_key(resolved_data, raw_project)
            project, found, unit_ref = _gather_project(data_dir, root, raw_project)
            if store is not None:
                store.put(entry_key, (project, found, unit_ref))
        record = state.ProjectRecord(
            project_head(project) if project is not None else None, state.pack(found), unit_ref,
            tuple(cache.key("segments", i.level3) for i in project.indicators) if project is not None else ())
        return entry_key, record, extra, project if hold else None

    # Models made in this process are held for the page jobs: reading 10,000 of them back from
    # the store cost seconds. Whole models only travel back from worker processes when asked
    # for (gather, for `check`); the page jobs read the others from the store.
    hold = keep_models or not workers.parallel(len(pending))
    gathered = (workers.run(gather_one, pending, lambda done: progress("校验数据", done, len(pending)))
                if not keep_models else [gather_one(item) for item in pending])
    if store is not None:
        store.adopt()  # what worker processes stored is read by page jobs
    for (index, old_key, raw_project), (entry_key, record, extra, project) in zip(pending, gathered):
        raw_project.files = {}  # bytes are not needed any more; at 10,000 projects they add up
        diagnostics += extra
        if entry_key != old_key:
            del raw_projects[old_key]
            raw_projects[entry_key] = raw_project
        found_records[index] = (entry_key, record)
        if project is not None:
            models[entry_key] = project
    kept_segments: set[str] = set()
    packed: list[tuple] = []
    for entry_key, record in found_records:
        records[entry_key] = record
        if record.packed:
            packed += record.packed  # made Diagnostics at once below: half the time of one call each
        # The unit's name first: a Text is made only for a finding (10,000 projects).
        if record.packed_unit is not None and record.packed_unit[0] not in unit_ids:
            diagnostics += validate.check_unit_reference(record.unit_ref, unit_ids)
        head = record.head
        if head is not None:
            project_keys[head.year, head.id] = entry_key
        kept_segments.update(record.segments)
    diagnostics += state.unpack(packed)
    if store is not None:
        # Keep every current indicator name's segmentation, also for projects taken from the
        # state, so that the next change to any project finds its names without loading jieba.
        store.keep_all(kept_segments)
    for entry_key, raw_project in raw_projects.items():
        if raw_project.clean:  # a folder with a file missing is listed again, to report it
            folder_keys[raw_project.folder] = entry_key
    return _Collected(raw, portal, units, unit_keys, records, unit_records, project_keys, raw_projects, reused,
                      folder_keys, models, diagnostics)


_YEAR_AND_ID = attrgetter("year", "id")  # a project's key (Project.key, ProjectHead.key), without a call each


def _finish(collected: _Collected, projects) -> tuple[Dataset | None, list[Diagnostic]]:
    """Portal settings and acknowledgements over every diagnostic; the dataset when nothing fails."""
    diagnostics, portal = collected.diagnostics, collected.portal
    if portal is not None:
        diagnostics = review.apply_settings(diagnostics, portal.rules)
    diagnostics = review.apply_acknowledgements(diagnostics, projects)
    diagnostics = sort_diagnostics(diagnostics)
    if portal is None or has_failures(diagnostics, strict=False):
        return None, diagnostics
    dataset = Dataset(portal=portal, units=collected.units, projects=tuple(sorted(projects, key=_YEAR_AND_ID)),
                      format_doc=collected.raw.format_doc, data_version=collected.raw.data_version,
                      build_date=_build_date())
    return dataset, diagnostics


def gather(data_dir: Path, root: Path, progress: Progress = _no_progress,
           years: frozenset[str] | None = None, store: cache.Store | None = None) -> Gathered:
    """Load and validate everything under ``data_dir`` into whole models (`check`, tests).
    Paths are shown relative to ``root``."""
    collected = _collect(data_dir, root, progress, years, store, None, None, keep_models=True)
    dataset, diagnostics = _finish(collected, list(collected.models.values()))
    return Gathered(dataset, diagnostics)


def _gather_unit(data_dir: Path, root: Path, unit_id: str, path: str, data: bytes) -> state.UnitRecord:
    """One unit file's model and every diagnostic it gives; depends only on its bytes and name."""
    node, parsed = parse_unit(root, data_dir, path, data)
    diagnostics = list(parsed.diagnostics)
    id_problems = list(validate.check_slug(unit_id, "单位文件名", Location(path)))
    diagnostics += id_problems
    unit, found = schema.read_unit(node, path, unit_id)
    diagnostics += found
    if unit is not None:
        diagnostics += checks.run_unit_checks(unit)
    diagnostics += _personal_data(parsed.texts, None, {unit_id: unit} if unit is not None else {},
                                  parsed.personal, parsed.data_lines)
    return state.UnitRecord(unit if not id_problems else None, diagnostics)


def _gather_project(data_dir: Path, root: Path,
                    raw_project: RawProject) -> tuple[Project | None, list[Diagnostic], Text | None]:
    """One project's model (None when it has errors), every diagnostic its files give (parsing,
    schema, validation, review checks and the personal-data scan) and its `unit:` value.
    Depends only on the project's files, which is what its cache key holds; whether the unit
    exists is checked on every build."""
    parsed = parse_project(root, data_dir, raw_project)
    diagnostics = list(parsed.diagnostics)
    folder = Location(raw_project.folder)
    id_problems = list(validate.check_year(raw_project.year_name, folder))
    id_problems += validate.check_slug(raw_project.project_id, "项目文件夹名", folder)
    diagnostics += id_problems
    fields, fields_ok, found = schema.read_project_yaml(raw_project.project, raw_project.project_path)
    diagnostics += found
    unit_ref = fields.get("unit") if fields else None
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
        return None, diagnostics, unit_ref
    project = schema.assemble_project(raw_project.project_id, int(raw_project.year_name),
                                      raw_project.folder, fields, items, indicators)
    diagnostics += checks.run_project_checks(project)
    return project, diagnostics, unit_ref


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


class _Sources:
    """render.Sources for a build: cache keys, whole views from the store, downloads."""

    def __init__(self, collected: _Collected, dataset: Dataset, store: cache.Store, data_dir: Path, root: Path):
        self.collected, self.dataset, self.store = collected, dataset, store
        self.data_dir, self.root = data_dir, root
        self.rows: dict[str, bytes] = {}
        self._views: dict[tuple[str, str], ProjectView] = {}

    def project_key(self, listed: Listed) -> str:
        return self.collected.project_keys[listed.project.key]

    def project_keys(self, listed: Sequence[Listed]) -> list[str]:
        keys = self.collected.project_keys
        return [keys[view.project.year, view.project.id] for view in listed]

    def unit_key(self, unit_id: str) -> str:
        return self.collected.unit_keys[unit_id]

    def model(self, entry_key: str) -> Project:
        project = self.collected.models.get(entry_key)
        if project is not None:
            return project
        cached = self.store.get(entry_key)
        if isinstance(cached, tuple) and len(cached) == 3 and isinstance(cached[0], Project):
            return cached[0]
        # The store lost it (pruned, damaged, a full disk): make it again from the files.
        raw_project = self.collected.raw_projects.get(entry_key)
        if raw_project is None:
            raw_project, _ = load_project(self.root, self.data_dir, self.collected.reused[entry_key])
        read_skipped(self.root, self.data_dir, raw_project)
        project, found, unit_ref = _gather_project(self.data_dir, self.root, raw_project)
        raw_project.files = {}
        if project is None:
            raise RuntimeError(f"{raw_project.folder} passed its checks before but not now")
        # Files edited since this build looked at them are shown now and seen by the next build,
        # but never stored under the key of the content this build saw.
        if _project_key(str(self.data_dir.resolve()), raw_project) == entry_key:
            self.store.put(entry_key, (project, found, unit_ref))
        return project

    def view(self, listed: Listed) -> ProjectView:
        # The last few views: a project's page job and its downloads job run one after the other.
        memo_key = (self.project_key(listed), listed.unit.id)
        found = self._views.get(memo_key)
        if found is None:
            if len(self._views) >= 4:
                self._views.clear()
            found = self._views[memo_key] = project_view(self.model(memo_key[0]), self.dataset.units[listed.unit.id])
        return found

    def downloads(self, view: ProjectView) -> dict[str, bytes]:
        """A project's downloads, from the store while the project, its unit and the code are the
        same. Its lines of the data package are made with them.

        The downloads are a job of their own, keyed by the project and its unit (render.site_jobs),
        so templates, portal.yaml and review builds never make them again. The store's copy is
        read when the job is made again with the same keys: a download edited or removed by
        hand, or a build state lost (`docs_src/` deleted, the state slot damaged). It holds each
        XLSX as the parts that are this project's (the rest is the reference workbook's, also in
        the store): a third of the workbook's bytes."""
        project_key = self.collected.project_keys[view.project.key]
        if not view.project.is_unit_target:
            self.rows[project_key] = exports.package_rows(view)
        entry_key = exports.downloads_key(project_key, self.unit_key(view.unit.id))
        files = exports.unpacked_downloads(self.store.get(entry_key), store=self.store)
        if files is not None:
            return files
        packed = exports.project_downloads(view, store=self.store, packed=True)
        self.store.put(entry_key, packed)
        return exports.unpacked_downloads(packed, store=self.store)


def _templates(templates: Path, folders: dict[str, tuple[int, int]] | None = None
               ) -> tuple[str, dict[str, tuple[int, int, bytes]], set[str]]:
    """A digest of every template file (pages include and import each other), each file's size
    and mtime as the build state's inputs record them, and every file the scan saw (with
    ``folders``, every folder's times are recorded there, as state.scan does)."""
    digest = hashlib.sha256()
    found: dict[str, tuple[int, int]] = {}
    state.scan(templates, "", found, folders)
    inputs = {}
    for relative in sorted(found):
        try:
            data = (templates / relative).read_bytes()
        except OSError:
            continue
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).digest())
        inputs[state.TEMPLATES + relative] = (*found[relative], b"")
    return digest.hexdigest(), inputs, {state.TEMPLATES + relative for relative in found}


def _folder_record(begun: noop.Start, raw: RawData, inputs: dict, template_folders: dict,
                   template_files: set[str]) -> dict[str, tuple[int, int]] | None:
    """Every data and template folder with its times, when the walk saw exactly the files the build
    read, and load_tree listed every entry of every folder (none unrecognized or skipped): then the
    next build may check for files added or removed by folder times, and list no folder when none
    changed (state.compare_in_place). From the no-op check's scan when it made one, else from
    load_tree's walk (or the record it was checked against) and the templates' scan."""
    if begun.scanned is not None:
        complete = raw.walked_all and begun.scanned.keys() == inputs.keys()
        folders = begun.folders
    else:
        complete = raw.walked_all and raw.listed | template_files == inputs.keys()
        folders = {**raw.folders, **template_folders}
    return folders if complete and folders else None


def build(data_dir: Path, out_dir: Path, templates: Path, root: Path, *, strict: bool = False,
          review_report: bool = False, progress: Progress = _no_progress,
          years: frozenset[str] | None = None, begun: noop.Start | None = None) -> BuildResult:
    """Build the site into ``out_dir``; ``begun`` is what noop.start found, when the caller
    (the CLI) asked it first, without importing this module."""
    if begun is None:
        begun = noop.start(data_dir, out_dir, templates, root, strict=strict, review_report=review_report,
                           years=years)
    if begun.answer is not None:
        return begun.answer
    # What a build gathers lives until its end (at 10,000 projects, millions of objects), and
    # Python's full collections walk all of it, more often as it grows: 6 of 70 s CPU at
    # 10,000 projects. Young collections still free short-lived cycles (Jinja makes some);
    # the peak memory measured the same without full collections (benchmarks/RESULTS.md).
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(thresholds[0], thresholds[1], 1 << 30)
    result = None
    try:
        result = _build(begun, data_dir, templates, root, strict, review_report, progress, years)
        return result
    finally:
        if noop.EXITING:
            # What the build made is left to the process's exit (noop.leave_for_exit): the
            # collections that resume skip it. Unfrozen, the first one walked everything made
            # since the freeze (0.016 s after one change at 10,000 projects).
            gc.freeze()
        else:
            gc.unfreeze()
        if enabled:
            gc.enable()
        gc.set_threshold(*thresholds)
        # Failed builds too: the next build reuses the projects this one parsed. Only a
        # successful whole build knows every entry in use, so only it prunes.
        begun.store.close(prune=result is not None and not result.failed and years is None)
        begun.stages("close store")


# A build that makes no more page jobs than this (a change to a few projects) runs without
# collections to its end: the cycles its pages leave are few, and the collections (70 young
# ones after one change at 10,000 projects) walked the tables of kept jobs and the new state.
_FEW_JOBS = 100

# The data package's jobs in the build state: its table, keyed by its rows' digests
# (exports.package_table_key), and its descriptor, made by every build (it names the data version).
PACKAGE_JOB = "[package]"
PACKAGE_DESCRIPTOR_JOB = "[package-descriptor]"


# What the last publish knew of the spare tree (output.spare_record): the store is one per output folder.
SPARE_SLOT = "slot:spare"
# Every project's key by its shown folder, with the scan time of the state it was saved with.
FOLDER_KEYS_SLOT = "slot:folder-keys"


def _folder_keys(store: cache.Store, prior: state.BuildState) -> dict[str, str] | None:
    """The last build's project keys by folder, when saved by the build that saved the state:
    a key is reused only for a folder whose files that state shows unchanged (load_tree)."""
    found = store.get(FOLDER_KEYS_SLOT)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == prior.scanned_ns and isinstance(found[1], dict):
        return found[1]
    return None


def _build(begun: noop.Start, data_dir: Path, templates: Path, root: Path, strict: bool, review_report: bool,
           progress: Progress, years: frozenset[str] | None) -> BuildResult:
    out_dir, store, spare, options = begun.out_dir, begun.store, begun.spare, begun.options
    prior, scanned, stages = begun.prior, begun.scanned, begun.stages
    scanned_ns = time.time_ns()  # only ever compared with file times, never published
    # A build after a change makes the records of 10,000 projects, their heads and their
    # diagnostics: hundreds of thousands of objects that live until the end of the build, and
    # few cycles (it parses little). Young collections walked them again and again, a third of
    # the time spent making them. Collections resume, without them, for the pages.
    paused = prior is not None and gc.isenabled()
    if paused:
        gc.disable()
    stages("import the pipeline")  # the CLI imports it after the no-op check (jinja2, yaml, ...)
    records = state.load_records(store, prior) if prior is not None else None
    stages("load records")
    in_place, recorded = begun.in_place, None
    if in_place is not None:
        scanned = in_place.seen()
        if in_place.folders_same:
            data_shown = Path(os.path.relpath(data_dir, root)).as_posix() + "/"
            files = state.data_paths(prior)
            tree = recorded_tree(data_dir, data_shown, files, in_place.folders)
            recorded = (tree, in_place.folders, files, in_place.changed) if tree is not None else None
    collected = _collect(data_dir, root, progress, years, store, prior, records, keep_models=False,
                         scanned=scanned, recorded=recorded, reuse=_folder_keys(store, prior) if recorded else None)
    stages("read and check")
    heads = [record.head for record in collected.records.values() if record.head is not None]
    dataset, diagnostics = _finish(collected, heads)
    stages("settings, acknowledgements, sorting")
    if dataset is None or has_failures(diagnostics, strict=strict):
        return BuildResult(diagnostics, failed=True)
    report = None
    if review_report:
        from .report import review_view  # a review build's report only

        report = review_view(dataset, diagnostics)
    portal = portal_view(dataset)
    stages("totals")
    template_folders: dict[str, tuple[int, int]] = {}
    templates_digest, template_inputs, template_files = _templates(templates.resolve(), template_folders)
    portal_digest = collected.raw.contents.get("portal.yaml", b"").hex()
    sources = _Sources(collected, dataset, store, data_dir, root)
    # Not the options: SOURCE_DATE_EPOCH (new with every data commit under `make site`) is only
    # shown on the home page, which is always rendered; review builds key nothing (render.py).
    jobs = site_jobs(dataset, portal, templates, sources, (templates_digest, portal_digest), report,
                     StoredTemplateCode(store))
    if paused:
        gc.freeze()  # what is gathered lives until the end: collections of the pages skip it
    stages("page jobs")

    publisher = Publisher(out_dir, spare, store.get(SPARE_SLOT))
    done_jobs: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    kept, to_make = state.kept_jobs(prior, out_dir, jobs)
    if paused and len(to_make) > _FEW_JOBS:
        gc.enable()  # many pages to render: Jinja makes cycles, which collections free
    publisher.keep_all(kept.paths())
    seen = publisher.checked

    def make_one(job) -> tuple[list[Diagnostic], list[str], list[str], dict[str, bytes]]:
        """A job's files, staged (in this process or a worker): its collisions, the paths it
        changed, those it left as they were, and its data package lines."""
        sources.rows.clear()
        files = job.make()
        problems, changed = [], []
        for path, content in sorted(files.items()):
            problem = collision(path, out_dir, root, publisher.previous, seen)
            if problem is not None:
                problems.append(problem)
            elif not problems and publisher.stage(path, content):
                changed.append(path)
        return problems, sorted(files), changed, dict(sources.rows)

    stages("unchanged pages")
    if to_make:
        publisher.prepare()  # worker processes write into the same staging tree
    made = workers.run(make_one, to_make, lambda done: progress("生成页面", done, len(to_make)))
    stages("render and stage")
    found_collisions: list[Diagnostic] = []
    for job, (problems, paths, changed, job_rows) in zip(to_make, made):
        found_collisions += problems
        publisher.merge(paths, changed, [path for path in paths if path not in changed])
        sources.rows.update(job_rows)
        done_jobs[job.path] = (job.key, tuple(paths))
    old_rows = records.rows if records is not None else {}
    old_digests = records.digests if records is not None else {}
    row_keys = [collected.project_keys[listed.project.key] for listed in portal.projects]
    made_rows = sources.rows

    def made_row(listed, key: str) -> bytes:
        """A project's lines made from its model (its record's are lost, or not of this content)."""
        made_rows[key] = exports.package_rows(sources.view(listed))
        return made_rows[key]

    def row_digest(listed, key: str) -> bytes:
        """Of the lines made by this build's job, kept in the records, or (records lost) made from
        the model. A project without a breakdown has no lines: b"" is a value, not a miss."""
        made = made_rows.get(key)
        if made is None:
            known = old_digests.get(key)
            if known is not None:
                return known
            made = made_row(listed, key)
        return state.row_digest(made)
    digests = [row_digest(listed, key) for listed, key in zip(portal.projects, row_keys)]
    package = {exports.PACKAGE_DESCRIPTOR: exports.package_descriptor(
        sorted({listed.project.year for listed in portal.projects}), dataset.portal.title.value,
        dataset.portal.publisher.value, dataset.data_version)}
    # The package's table (13 MB at 10,000 projects), keyed by its rows' digests: the lines are
    # read (state.load_rows), joined, compared with the live file and written only when a row
    # differs from the table the last build left.
    table_key = exports.package_table_key(digests)
    kept_table = state.kept_job(prior, out_dir, PACKAGE_JOB, table_key)
    if kept_table is None:
        if records is not None:
            old_rows = state.load_rows(store, records)

        def row(listed, key: str) -> bytes | memoryview:
            for found in (made_rows, old_rows):
                lines = found.get(key)
                if lines is not None:
                    return lines
            return made_row(listed, key)
        package[exports.PACKAGE_TABLE] = exports.package_table(
            [row(listed, key) for listed, key in zip(portal.projects, row_keys)])
    else:
        publisher.keep(exports.PACKAGE_TABLE)
    for path, content in sorted(package.items()):
        problem = collision(path, out_dir, root, publisher.previous, seen)
        if problem is not None:
            found_collisions.append(problem)
        elif not found_collisions:
            publisher.add(path, content)
    if found_collisions:
        publisher.abort()
        store.put(SPARE_SLOT, publisher.record)
        return BuildResult(sort_diagnostics(diagnostics + found_collisions), failed=True)
    notes = []
    if dataset.portal.site_url is None:
        notes.append("提示：portal.yaml 没有填写 site_url（网站发布后的地址），sitemap.xml 中没有页面，"
                     "页面也没有规范链接（canonical）和 SiteDomain 元数据。发布前请填写，见 README 的“发布到网站”。")
    result = publisher.commit()
    store.put(SPARE_SLOT, publisher.record)
    stages("publish")
    counts = {"project_count": len(portal.projects), "unit_target_count": len(portal.unit_targets)}

    made_jobs = {main: (key, state.output_stats(out_dir, paths)) for main, (key, paths) in done_jobs.items()}
    made_jobs[PACKAGE_DESCRIPTOR_JOB] = (None, state.output_stats(out_dir, [exports.PACKAGE_DESCRIPTOR]))
    made_jobs[PACKAGE_JOB] = (table_key, kept_table or state.output_stats(out_dir, [exports.PACKAGE_TABLE]))
    jobs_state = kept.state(made_jobs)
    inputs = {**collected.raw.stats, **template_inputs}
    new_state = state.BuildState(
        options=options, scanned_ns=scanned_ns, inputs=inputs, jobs=jobs_state,
        result=state.Result(state.pack(diagnostics), notes, counts["project_count"], counts["unit_target_count"]),
        folders=_folder_record(begun, collected.raw, inputs, template_folders, template_files))
    # The lines at hand (made, or loaded: the delta's, or all when the table was made again).
    at_hand = {key: lines for key in row_keys
               if (lines := made_rows.get(key, old_rows.get(key))) is not None}
    new_records = state.Records(
        projects=collected.records, units=collected.unit_records, rows=at_hand, digests=dict(zip(row_keys, digests)))
    store.keep_all(collected.records)  # spared from pruning, though not read
    # The downloads' copies, by their jobs' keys (exports.downloads_key), made again or not.
    store.keep_all(job.key for job in jobs if job.path.endswith("/"))
    store.keep_all(exports.reference_keys())  # what those copies are unpacked with
    # Before the state: a state whose keys were not saved only means no folder is reused.
    store.put(FOLDER_KEYS_SLOT, (scanned_ns, collected.folder_keys))
    state.save(store, new_state, new_records, records)
    stages("save state")
    noop.leave_for_exit(locals())  # everything this build gathered, made and saved
    return BuildResult(diagnostics, failed=False, written=result, notes=notes, **counts)
