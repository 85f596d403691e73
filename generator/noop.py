"""The start of every build, and the answer to a build with nothing changed.

A portal maintainer runs `python -m generator build` after every commit, and at 10,000 projects
most runs change nothing: nothing the last successful build read (data, templates, options, the
generator's own code) and nothing it wrote. That answer comes from the build state (state.py)
alone, so this module imports only the state, the store, the diagnostics and the output folder's
recovery. pipeline.py imports jinja2, PyYAML, the schema, the checks and the renderer, about a
third of a no-op build's time: the CLI imports it only when ``start`` found a change
(tests/test_noop.py checks that a no-op build imports none of them).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cache, state
from .diagnostics import Diagnostic
from .output import WriteResult, recover


# Set by `python -m generator` (__main__), which leaves through os._exit once its output is
# flushed: what a build made is then kept here instead of being freed object by object as
# each function returns, which cost 0.05 s of a build after one change at 10,000 projects
# (hundreds of thousands of records, heads, diagnostics and jobs) and more after a first build.
EXITING = False
_LEFT_FOR_EXIT: list = []


def leave_for_exit(*objects: object) -> None:
    """Keep ``objects`` alive until the process exits, when it exits right after the build."""
    if EXITING:
        _LEFT_FOR_EXIT.append(objects)


@dataclass
class BuildResult:
    diagnostics: list[Diagnostic]
    failed: bool
    written: WriteResult | None = None
    project_count: int = 0  # project budgets; whole-unit targets are counted apart
    unit_target_count: int = 0
    notes: list[str] = field(default_factory=list)


class Stages:
    """GENERATOR_TIMING=1: CPU seconds of each stage of a build, on stderr (for maintainers)."""

    def __init__(self):
        self.enabled = bool(os.environ.get("GENERATOR_TIMING"))
        self.last = time.process_time()

    def __call__(self, stage: str) -> None:
        if self.enabled:
            now = time.process_time()
            print(f"[timing] {stage}: {now - self.last:.3f} s CPU", file=sys.stderr)
            self.last = now


@dataclass
class Start:
    """What the start of a build found; pipeline.build goes on from here when ``answer`` is None."""

    out_dir: Path  # resolved
    store: cache.Store
    spare: Path
    options: str
    prior: state.BuildState | None
    # When the no-op check had to list the folders to tell (a state without a folder record):
    # every data and template file's (size, mtime_ns), by shown path, and every data and template
    # folder's (mtime_ns, ctime_ns), by path. None: the build's own walk records them (load_tree).
    scanned: dict[str, tuple[int, int]] | None
    folders: dict[str, tuple[int, int]] | None
    stages: Stages
    answer: BuildResult | None  # the no-op's result, when nothing changed
    in_place: state.InPlace | None = None  # what the quick check saw, when the state allowed it


def start(data_dir: Path, out_dir: Path, templates: Path, root: Path, *, strict: bool = False,
          review_report: bool = False, years: frozenset[str] | None = None) -> Start:
    stages = Stages()
    out_dir = out_dir.resolve()
    store = cache.store_for(root, out_dir)
    spare = store.folder.parent / f"spare-{store.folder.name.partition('-')[2]}"
    recover(out_dir, spare)  # what a killed earlier build left beside docs_src/
    # Another generator or library version is never answered as a no-op (its pages may differ),
    # nor another data or templates folder (the state names their files by their paths in them).
    options = json.dumps({"review": review_report, "strict": strict, "root": str(root), "out": str(out_dir),
                          "data": str(data_dir.resolve()), "templates": str(templates.resolve()),
                          "years": sorted(years) if years else None, "code": cache.code_version().hex(),
                          "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", "")}, sort_keys=True)
    prior = state.load(store)
    stages("load state")
    begun = Start(out_dir, store, spare, options, prior, None, None, stages, None)
    if _unchanged_since(begun, data_dir, root, templates):
        result = prior.result
        begun.answer = BuildResult(state.unpack(result.packed), failed=False, project_count=result.project_count,
                                   unit_target_count=result.unit_target_count,
                                   written=WriteResult((), state.written(prior), ()), notes=result.notes)
    stages("no-op check")
    return begun


def _unchanged_since(begun: Start, data_dir: Path, root: Path, templates: Path) -> bool:
    """Nothing read by the last build has changed, and nothing it wrote: a no-op. Otherwise
    ``begun`` receives, when a scan was needed to tell, the stats of every input (reused by
    load_tree) and every folder (for the next state); when not, load_tree's own walk records them."""
    prior, out_dir = begun.prior, begun.out_dir
    data_shown = Path(os.path.relpath(data_dir, root)).as_posix() + "/"  # as load_tree shows them
    data_dir, templates = data_dir.resolve(), templates.resolve()
    same_options = prior is not None and prior.options == begun.options and prior.has_result
    if not same_options:
        return False  # a build whatever the files say: its one walk of the data is load_tree's
    in_place = state.compare_in_place(prior, data_dir, data_shown, templates)
    if in_place is not None:
        # The quick way, exact for such a state: a stat per input and per folder, no listing.
        # Something changed otherwise: the build reads the stats taken here and, when every
        # folder is the same, lists none; else load_tree's walk is the only one.
        begun.in_place = in_place
        return in_place.unchanged and state.all_outputs_unchanged(prior, out_dir)
    begun.scanned, begun.folders = {}, {}
    state.scan(data_dir, data_shown, begun.scanned, begun.folders)
    state.scan(templates, state.TEMPLATES, begun.scanned, begun.folders)
    return state.inputs_unchanged(prior, begun.scanned) and state.all_outputs_unchanged(prior, out_dir)
