#!/usr/bin/env python3
"""Does splitting per-project work over worker processes pay on this machine? A prototype,
not wired into generator/pipeline.py: it measures, the lead decides.

    .venv/bin/python benchmarks/workers_prototype.py ROOT --workers 2      # one run, prints figures
    .venv/bin/python benchmarks/workers_prototype.py ROOT --compare 3      # 1 vs 2 workers, interleaved

ROOT is a portal made by benchmarks/corpus.py (see benchmarks/run's prepare()). One run does
the per-project work of a first build, in three phases, each a map over projects:

1. gather:   RawProject (the folder's bytes, read by load_tree) -> (Project | None, diagnostics),
             via pipeline._gather_project: parse, schema, validate, review checks, personal data.
2. pages:    project index -> (path, Markdown) of its page, rendered from the parent's portal view.
3. downloads: project index -> {path: bytes} (CSV, XLSX, JSON), exports.project_downloads.

With ``--workers 1`` every phase runs in this process. With N > 1 the phases run in a
``fork`` pool: phase 1 sends each RawProject to a worker and pickles its Project and
diagnostics back (that pickling is part of what is measured); phases 2 and 3 fork after
the portal view exists, so workers inherit the dataset copy-on-write and only an index goes
out and bytes come back. jieba's dictionary is loaded once in the parent before forking, so
workers share it. The run prints a digest of every result, so that 1 and 2 workers can be
checked to give the same bytes.

The shape the pipeline could adopt (all arguments and results picklable):

    def gather_one(data_dir: Path, root: Path, raw: RawProject, unit_ids: frozenset[str])
        -> tuple[Project | None, list[Diagnostic]]
    def downloads_one(index: int) -> dict[str, bytes]      # after fork, reads the inherited view
    def page_one(index: int) -> tuple[str, str]            # idem

with results merged in project order by the parent, so output and diagnostics order do not
depend on scheduling.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import pickle
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# Inherited by forked workers (phases 2 and 3).
_STATE: dict = {}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def gather_one(job):
    from generator import pipeline
    data_dir, root, raw, unit_ids = job
    return pipeline._gather_project(data_dir, root, raw, unit_ids)


def _page_context(view):
    from generator import publish
    from generator.exports import download_dir
    from generator.render import _project_chart
    dataset, portal, serials = _STATE["dataset"], _STATE["portal"], _STATE["serials"]
    disclosure = publish.project_disclosure(view, dataset.portal, serials[view.project.key])
    return dict(view=view, findings=None, chart=_project_chart(view), downloads=download_dir(view.project),
                comparison=portal.comparisons.get(view.project.key),
                next_year=portal.next_year.get(view.project.key), disclosure=disclosure,
                gov=publish.project_meta(view, disclosure))


def page_one(index: int) -> tuple[str, str]:
    """The project page's body as render_site() renders it (front matter left out: the
    prototype measures the template, not render.py's header)."""
    from generator.render import _Page, project_page
    view = _STATE["portal"].projects[index]
    path = project_page(view)
    text = _STATE["template"].render(page=_Page(path), **_STATE["common"], **_page_context(view))
    return path, text


def downloads_one(index: int) -> dict[str, bytes]:
    from generator import exports
    return exports.project_downloads(_STATE["portal"].projects[index])


def run(root: Path, workers: int) -> dict:
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    from generator import publish
    from generator.checks import relevance
    from generator.compute import portal_view
    from generator.load import load_tree
    from generator.model import Dataset
    from generator.render import make_environment
    from generator import schema

    timings: dict[str, float] = {}
    started, cpu0 = time.perf_counter(), _cpu()
    data_dir = root / "budget_data"
    raw = load_tree(data_dir, root)
    portal, _ = schema.read_portal(raw.portal, raw.portal_path)
    units = {}
    for unit_id, path, node in raw.units:
        unit, _ = schema.read_unit(node, path, unit_id)
        units[unit_id] = unit
    unit_ids = frozenset(units)
    relevance.use_store(None)
    relevance.segments("预热")  # load jieba's dictionary once, before any fork
    timings["load"] = time.perf_counter() - started

    context = multiprocessing.get_context("fork")
    jobs = [(data_dir, root, project, unit_ids) for project in raw.projects]
    t = time.perf_counter()
    if workers == 1:
        gathered = [gather_one(job) for job in jobs]
    else:
        with context.Pool(workers) as pool:
            gathered = pool.map(gather_one, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
    timings["gather"] = time.perf_counter() - t
    projects = tuple(sorted((p for p, _ in gathered if p is not None), key=lambda p: p.key))
    dataset = Dataset(portal=portal, units=units, projects=projects, format_doc=raw.format_doc,
                      data_version=raw.data_version, build_date="")
    view = portal_view(dataset)
    env = make_environment(root / "site_templates")
    projects_by_unit: dict[str, list] = {uid: [] for uid in units}
    for v in view.projects:
        projects_by_unit[v.unit.id].append(v)
    _STATE.update(dataset=dataset, portal=view, serials=publish.project_serials(view.projects),
                  template=env.get_template("project.md.j2"),
                  common={"portal": dataset.portal, "site": view, "units": units,
                          "years": sorted({v.project.year for v in view.projects}),
                          "projects_by_unit": projects_by_unit, "review": None})
    indexes = list(range(len(view.projects)))
    chunk = max(1, len(indexes) // (workers * 8))
    t = time.perf_counter()
    if workers == 1:
        pages = [page_one(i) for i in indexes]
        timings["pages"] = time.perf_counter() - t
        t = time.perf_counter()
        downloads = [downloads_one(i) for i in indexes]
        timings["downloads"] = time.perf_counter() - t
    else:
        with context.Pool(workers) as pool:  # forked now: workers inherit _STATE
            pages = pool.map(page_one, indexes, chunksize=chunk)
            timings["pages"] = time.perf_counter() - t
            t = time.perf_counter()
            downloads = pool.map(downloads_one, indexes, chunksize=chunk)
            timings["downloads"] = time.perf_counter() - t

    digest = hashlib.sha256()
    for project, diagnostics in gathered:
        digest.update(repr(project.key if project else None).encode())
        digest.update(repr([(d.code, d.location, d.message) for d in diagnostics]).encode())
    for path, text in pages:
        digest.update(path.encode() + text.encode())
    for files in downloads:
        for path in sorted(files):
            digest.update(path.encode() + files[path])
    timings["wall"] = time.perf_counter() - started
    timings["cpu"] = _cpu() - cpu0
    return {"workers": workers, "projects": len(view.projects), "digest": digest.hexdigest()[:16],
            "pickled_project_bytes": len(pickle.dumps(gathered, protocol=pickle.HIGHEST_PROTOCOL)),
            **{k: round(v, 2) for k, v in timings.items()}}


def compare(root: Path, rounds: int) -> None:
    """Interleaved runs, each in a fresh process; CPU of the process and its workers."""
    results: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(rounds):
        for workers in (1, 2):
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, __file__, str(root), "--workers", str(workers)],
                                       stdout=subprocess.PIPE)
            output = process.stdout.read().decode()
            _, status, usage = os.wait4(process.pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0, output
            row = eval(output.strip().splitlines()[-1])  # our own repr(dict) from run()
            row.update(process_cpu=usage.ru_utime + usage.ru_stime, process_wall=time.perf_counter() - started,
                       peak_mib=usage.ru_maxrss // 1024)
            results[workers].append(row)
            print(row, flush=True)
    digests = {row["digest"] for rows in results.values() for row in rows}
    print(f"same results for 1 and 2 workers: {len(digests) == 1}")
    print("| workers | CPU s (process + workers) | wall s | gather wall | pages wall | downloads wall | peak MiB |")
    print("|---|---|---|---|---|---|---|")
    for workers, rows in results.items():
        med = lambda key: statistics.median(r[key] for r in rows)  # noqa: E731
        print(f"| {workers} | {med('process_cpu'):.2f} | {med('process_wall'):.2f} | {med('gather'):.2f} | "
              f"{med('pages'):.2f} | {med('downloads'):.2f} | {max(r['peak_mib'] for r in rows)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--compare", type=int, metavar="ROUNDS")
    args = parser.parse_args()
    if args.compare:
        compare(args.root.resolve(), args.compare)
    else:
        print(run(args.root.resolve(), args.workers))


if __name__ == "__main__":
    main()
