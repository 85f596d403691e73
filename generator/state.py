"""The build state: what the last successful build of an output folder knew, kept in the store.

Named slots of the output folder's store, verified like every other entry (cache.py). The
state slot (BuildState, read first, small enough for a no-op build) holds:

- ``inputs``: every data and template file's size, modification time and SHA-256, so that an
  unchanged file is not even read (load.py) and a build with nothing changed is answered at once;
- ``jobs``: for every page job (render.Job), its key and the files it wrote with their size and
  modification time, so that a page whose inputs and file are unchanged is not rendered again;
- ``result``: the last build's diagnostics, counts and notes, reported again by a no-op build;
- ``folders``: every folder of the data and templates with its modification and change time, so
  that a no-op build (noop.py) stats each folder and input instead of listing 10,000 folders.

The state's path tables (of inputs, folders, jobs and outputs), which a build after a change
leaves as they were, are a slot of their own, written only when they change; the state names
them by a token, and a state whose path tables are missing or of another token is absent.

The record slots (Records, read only when something changed) hold each project's head (what
listings and totals need), diagnostics and unit reference, by the key of its content, so that
unchanged projects are never parsed, checked or loaded whole; each unit's model and
diagnostics, by the key of its file's content; and each project's lines of the data package.
What a build made since they were written is in one small slot, the delta (see Records).

A state that is missing, damaged, from other code, of another format or of the wrong shape is
simply absent (the store verifies every entry, _restore and load the format and the tables'
lengths): the build is then a full one. Output files are
checked by size and modification time, so an output edited or deleted by hand is made again.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from array import array
from itertools import accumulate, chain, compress, count
from operator import is_, is_not, itemgetter, ne
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

# Only what a no-op build needs (noop.py): the records' models (compute, model) are imported
# where records are unpacked, by builds that changed something.
from . import cache
from .diagnostics import Diagnostic, Location, from_row

if TYPE_CHECKING:  # annotations only: imported where records are unpacked
    from collections.abc import Iterable

    from .compute import ProjectHead
    from .model import Text

# A file modified this close before the last build looked at it may have changed again within
# the same clock tick (file systems keep coarse times): it is read again, as git does.
SETTLE_NS = 2_000_000_000


def pack(diagnostics: list[Diagnostic]) -> tuple[tuple, ...]:
    """Diagnostics as plain tuples of their fields: at 10,000 projects the state holds tens of
    thousands, and plain tuples pickle and load without a call each. The severity stays the
    member (pickle writes it once per pickle), as from_row needs it."""
    return tuple(map(tuple, diagnostics))


def unpack(packed: tuple[tuple, ...]) -> list[Diagnostic]:
    return list(map(from_row, packed))


def _text(text: Text | None) -> tuple | None:
    if text is None:
        return None
    where = text.location
    return (text.value, where.path, where.line, where.column, where.sheet, where.cell)


def _untext(packed: tuple | None) -> Text | None:
    if packed is None:
        return None
    from .model import Text
    value, path, line, column, sheet, cell = packed
    return Text(value, Location(path, line, column, sheet, cell))


def pack_head(head: ProjectHead | None) -> tuple | None:
    """A project's head as plain tuples (see pack): 10,000 of them load in a fraction of the time."""
    if head is None:
        return None
    classification = head.functional_classification
    total = head.total
    return (head.id, head.year, head.folder, _text(head.name), _text(head.unit), head.kind,
            (str(total.value), total.yuan, total.wan, total.capitals),
            (_text(classification.code), _text(classification.name)) if classification else None,
            tuple((_text(a.rule), _text(a.location), _text(a.reason)) for a in head.acknowledgements),
            head.is_unit_target)


@lru_cache(maxsize=1)
def _head_makers() -> tuple:
    """The classes a head is made of (imported when first needed; they set their slots directly,
    diagnostics.slot_init)."""
    from decimal import Decimal

    from .compute import _LATER, Amount, ProjectHead
    from .model import Acknowledgement, Classification
    return ProjectHead, Amount, Decimal, _LATER, Classification, Acknowledgement


def unpack_head(packed: tuple | None) -> ProjectHead | None:
    """A head with its plain values; its located fields are made from ``packed`` when first asked
    for (head_field): a build after a change unpacks 10,000 heads and shows a few."""
    if packed is None:
        return None
    cls, amount, decimal, later, _, _ = _head_makers()
    head = object.__new__(cls)
    (head.id, head.year, head.folder, name, unit, head.kind, (value, yuan, wan, capitals), classification,
     acknowledgements, head.is_unit_target) = packed
    head.name_value, head.unit_id = name[0], unit[0]
    head.total = amount(decimal(value), yuan, wan, capitals)
    if classification:
        code, called = classification
        head.classification_code = code[0] if code is not None else None
        head.classification_name = called[0] if called is not None else None
        head._classification = later
    else:
        head.classification_code = head.classification_name = head._classification = None
    head._name = head._unit = later
    head._acknowledgements = later if acknowledgements else ()
    head._packed = packed
    return head


def head_field(packed: tuple, index: int):
    """The located field at ``index`` of a packed head (see pack_head): the name or unit (3, 4),
    the classification (7) or the acknowledgements (8)."""
    _, _, _, _, classified, acknowledgement = _head_makers()
    value = packed[index]
    if index == 7:
        return classified(_untext(value[0]), _untext(value[1])) if value else None
    if index == 8:
        return tuple(acknowledgement(_untext(r), _untext(w), _untext(why)) for r, w, why in value)
    return _untext(value)


class ProjectRecord:
    """One project's gathered facts, stored as plain tuples; the objects are made when asked for."""

    __slots__ = ("packed_head", "packed", "packed_unit", "segments", "_head")

    def __init__(self, head: ProjectHead | None, packed: tuple[tuple, ...], unit_ref: Text | None,
                 segments: tuple[str, ...] = ()):
        self.packed_head, self.packed, self.packed_unit = pack_head(head), packed, _text(unit_ref)
        self.segments = segments  # store keys of its indicator names' segmentations (kept from pruning)
        self._head = head

    def __getstate__(self):
        return (self.packed_head, self.packed, self.packed_unit, self.segments)

    def __setstate__(self, packed) -> None:
        self.packed_head, self.packed, self.packed_unit, self.segments = packed
        self._head = None

    @property
    def head(self) -> ProjectHead | None:  # None when the project has errors
        if self._head is None and self.packed_head is not None:
            self._head = unpack_head(self.packed_head)
        return self._head

    @property
    def unit_ref(self) -> Text | None:  # the project's `unit:` value, checked against the units each build
        return _untext(self.packed_unit)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return unpack(self.packed)


@dataclass
class UnitRecord:
    unit: object | None  # model.Unit; None when the file has errors
    diagnostics: list[Diagnostic]


@dataclass
class Result:
    packed: tuple[tuple, ...]
    notes: list[str]
    project_count: int
    unit_target_count: int


# Where the templates' files are shown among the inputs (the data's: below the data folder's path).
TEMPLATES = "[templates]/"

_first, _second, _third = itemgetter(0), itemgetter(1), itemgetter(2)
_size_mtime = itemgetter(1, 2)
_stat_pair = itemgetter(0, 1)


class Jobs:
    """Page jobs as tables: each job's path, key and number of files, in one order; then every
    job's files, job after job, as their paths joined by NUL and an array of (size, mtime_ns)
    pairs. A build after one change keeps nearly every job of the last state: its tables are that
    state's, patched where a job was made again (KeptJobs.state), not made again from 61,000
    files. ``base``: the last state's compact form, whose unchanged parts the new one reuses."""

    __slots__ = ("paths", "keys", "counts", "output_paths", "output_stats", "base")

    def __init__(self, paths: tuple, keys: tuple, counts: tuple, output_paths: str, output_stats: bytes,
                 base: _Compact | None = None):
        self.paths, self.keys, self.counts = paths, keys, counts
        self.output_paths, self.output_stats, self.base = output_paths, output_stats, base

    @classmethod
    def of(cls, jobs: dict[str, tuple[str | None, tuple[tuple[str, int, int], ...]]],
           base: _Compact | None = None) -> Jobs:
        entries = list(jobs.values())
        files = list(chain.from_iterable(map(_second, entries)))
        return cls(tuple(jobs), tuple(map(_first, entries)), tuple(map(len, map(_second, entries))),
                   _joined(map(_first, files)), array("q", chain.from_iterable(map(_size_mtime, files))).tobytes(),
                   base)

    def as_dict(self) -> dict[str, tuple[str | None, tuple[tuple[str, int, int], ...]]]:
        stats = array("q", self.output_stats)
        files = list(zip(_paths(self.output_paths), stats[0::2], stats[1::2], strict=True))
        jobs, start = {}, 0
        for path, key, count in zip(self.paths, self.keys, self.counts, strict=True):
            jobs[path] = (key, tuple(files[start:start + count]))
            start += count
        if start != len(files):
            raise ValueError("a damaged build state")
        return jobs


class BuildState:
    """What a no-op build needs: loaded first, and stored compactly so that loading it is cheap.

    At 10,000 projects the state holds 31,000 inputs, 10,000 folders and 61,000 output files.
    Pickled as dicts of tuples it took 0.1 s to load, a fifth of a no-op build; stored as a few
    strings and arrays (``_Compact``) it is a copy, split into lists only when asked for: the
    inputs' digests and the page jobs' keys by a build with changes, the last result (a nested
    pickle) by a no-op.
    """

    __slots__ = ("options", "scanned_ns", "_folders", "_inputs", "_jobs", "_result", "_compact", "_pending")

    def __init__(self, options: str, scanned_ns: int, inputs: dict[str, tuple[int, int, bytes]] | None,
                 jobs: dict[str, tuple[str | None, tuple[tuple[str, int, int], ...]]] | Jobs | None = None,
                 result: Result | None = None, folders: dict[str, tuple[int, int]] | None = None):
        self.options = options
        self.scanned_ns = scanned_ns  # when this build began to look at its inputs
        self._inputs = inputs  # shown path → (size, mtime_ns, SHA-256)
        # page job's path → (its key, the files it wrote with their size and mtime_ns), or as tables
        self._jobs = jobs if jobs is not None else {}
        self._result = result
        # Every folder the build's scan walked, path → (mtime_ns, ctime_ns), when the scan saw exactly
        # the files the build read (see compare_in_place); None otherwise.
        self._folders = folders
        self._compact: _Compact | None = None
        self._pending: str | None = None  # restored: the token of the path tables it was saved with

    @property
    def settled_ns(self) -> int:
        return self.scanned_ns - SETTLE_NS

    @property
    def inputs(self) -> dict[str, tuple[int, int, bytes]]:
        if self._inputs is None:
            self._inputs = self._compact.inputs()
        return self._inputs

    @property
    def jobs(self) -> dict[str, tuple[str | None, tuple[tuple[str, int, int], ...]]]:
        if self._jobs is None:
            self._jobs = self._compact.job_table().as_dict()
        elif isinstance(self._jobs, Jobs):
            return self._jobs.as_dict()
        return self._jobs

    @property
    def has_result(self) -> bool:
        """Whether the state holds a result, without unpacking its 20,000 diagnostics."""
        if self._compact is not None:
            return self._compact.result is not None
        return self._result is not None

    @property
    def result(self) -> Result | None:
        if self._result is None and self._compact is not None:
            self._result = _unpacked_result(self._compact.result)
        return self._result

    def compact(self) -> _Compact:
        if self._compact is None:
            jobs = self._jobs if isinstance(self._jobs, Jobs) else Jobs.of(self._jobs)
            self._compact = _Compact.of(self.inputs, jobs, self._result, self._folders)
        return self._compact

    def __reduce__(self):
        compact = self.compact()
        # The last result (2 MB at 10,000 projects) out of band (cache._put_slot): a build with
        # changes never reads it, and it is read as bytes of its own, not copied again.
        main = tuple(pickle.PickleBuffer(value) if name == "result" and value is not None else value
                     for name, value in zip(_MAIN_FIELDS, compact.fields(_MAIN_FIELDS)))
        return _restore, (_FORMAT, self.options, self.scanned_ns, main, compact.paths_form())

    def __setstate__(self, state) -> None:  # a state pickled by earlier code: never trusted
        raise ValueError("a build state of an earlier format")


# Stats are native integers (array "q"): a state copied to a machine of the other byte order is
# refused rather than misread.
_FORMAT = f"build-state-6/{sys.byteorder}"


def _joined(paths) -> str:
    return "\0".join(paths)  # paths never hold NUL


def _paths(paths: str) -> list[str]:
    return paths.split("\0") if paths else []


def _numbers(pairs) -> bytes:
    return array("q", chain.from_iterable(pairs)).tobytes()


def _dumps(value) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class _Compact:
    """The state as flat strings (paths and keys joined by NUL; a missing key is empty) and arrays:
    the data's inputs, then the templates', with (size, mtime_ns) pairs and their digests, one
    after the other (with where each ends); the folders, with (mtime_ns, ctime_ns) pairs (None: not
    recorded); each page job's path, key and number of files; every job's output files, job after
    job, with (size, mtime_ns) pairs. Nothing but a few strings to copy when loaded, and split
    (each in one call) only when asked for. The result (None: no result) is a nested pickle."""

    _FIELDS = ("data_paths", "template_paths", "input_stats", "digests", "digest_ends", "folder_paths",
               "folder_stats", "job_paths", "job_keys", "job_counts", "output_paths", "output_stats", "result")
    __slots__ = (*_FIELDS, "_output_paths", "_data_paths", "_offsets", "_index", "_table", "_digests", "_inputs",
                 "_base", "_paths_saved")

    def __init__(self, *fields):
        (self.data_paths, self.template_paths, self.input_stats, self.digests, self.digest_ends, self.folder_paths,
         self.folder_stats, self.job_paths, self.job_keys, self.job_counts, self.output_paths, self.output_stats,
         self.result) = fields
        # unpacked once, for whoever asks first
        self._output_paths = self._offsets = self._index = self._table = self._digests = self._inputs = None
        self._data_paths: list[str] | None = None
        self._base: _Compact | None = None  # the last state's, which this one was made from (of)
        # (token, the path tables) as saved in their own slot (save, load): pickled by the token
        self._paths_saved: tuple[str, tuple] | None = None

    def __reduce__(self):
        return _Compact, self.fields(self._FIELDS)

    def fields(self, names: tuple[str, ...]) -> tuple:
        return tuple(getattr(self, name) for name in names)

    def paths_form(self) -> tuple | str:
        """The path tables, or the token of their slot when they are those saved there."""
        saved, paths = self._paths_saved, self.fields(_PATH_FIELDS)
        if saved is not None and all(map(is_, saved[1], paths)):
            return saved[0]
        return paths

    def data_path_list(self) -> list[str]:
        """The data files' shown paths (31,000 at 10,000 projects), split once for the no-op
        check, the inputs and the recorded tree. Not to be changed."""
        if self._data_paths is None:
            self._data_paths = _paths(self.data_paths)
        return self._data_paths

    def output_path_list(self) -> list[str]:
        if self._output_paths is None:
            self._output_paths = _paths(self.output_paths)
        return self._output_paths

    def job_table(self) -> Jobs:
        if self._table is None:
            paths, counts = tuple(_paths(self.job_paths)), tuple(array("q", self.job_counts))
            keys = tuple([key or None for key in self.job_keys.split("\0")]) if paths else ()
            if not len(paths) == len(keys) == len(counts):
                raise ValueError("a damaged build state")  # never: the store verifies the state
            self._table = Jobs(paths, keys, counts, self.output_paths, self.output_stats)
        return self._table

    def offsets(self) -> list[int]:
        """Where each job's files begin among the output files, and where the last one's end."""
        if self._offsets is None:
            self._offsets = list(accumulate(self.job_table().counts, initial=0))
        return self._offsets

    def job_index(self) -> dict[str, int]:
        if self._index is None:
            paths = self.job_table().paths
            self._index = dict(zip(paths, range(len(paths))))
        return self._index

    def digest_list(self) -> list[bytes]:
        if self._digests is None:
            ends, digests = array("q", self.digest_ends), self.digests
            self._digests = list(map(digests.__getitem__, map(slice, chain((0,), ends), ends)))
        return self._digests

    @classmethod
    def of(cls, inputs: dict, jobs: Jobs, result: Result | None, folders: dict | None) -> _Compact:
        base = jobs.base
        input_fields = base.patched_inputs(inputs) if base is not None else None
        if input_fields is None:
            data = [path for path in inputs if not path.startswith(TEMPLATES)]
            templates = [path for path in inputs if path.startswith(TEMPLATES)]
            ordered = list(map(inputs.__getitem__, chain(data, templates)))
            digests = list(map(_third, ordered))
            input_fields = (_joined(data), _joined(templates), _numbers(map(_stat_pair, ordered)),
                            b"".join(digests), array("q", accumulate(map(len, digests))).tobytes())
        # A build after a change: the job paths (and counts, and files) the last state's.
        same_jobs = base is not None and jobs.paths is base.job_table().paths and \
            jobs.counts is base.job_table().counts
        made = cls(*input_fields,
                   None if folders is None else _joined(folders),
                   None if folders is None else _numbers(folders.values()),
                   base.job_paths if same_jobs else _joined(jobs.paths),
                   _joined([key or "" for key in jobs.keys]),
                   base.job_counts if same_jobs else array("q", jobs.counts).tobytes(),
                   jobs.output_paths, jobs.output_stats, _packed_result(result))
        made._base = base
        return made

    def input_paths(self) -> list[str]:
        return self.data_path_list() + _paths(self.template_paths)

    def input_stats_by_path(self) -> dict[str, tuple[int, int]]:
        numbers = array("q", self.input_stats)
        return dict(zip(self.input_paths(), zip(numbers[0::2], numbers[1::2]), strict=True))

    def inputs(self) -> dict[str, tuple[int, int, bytes]]:
        numbers = array("q", self.input_stats)
        self._inputs = found = dict(zip(self.input_paths(), zip(numbers[0::2], numbers[1::2], self.digest_list(),
                                                                 strict=True), strict=True))
        return found

    def patched_inputs(self, inputs: dict[str, tuple[int, int, bytes]]) -> tuple | None:
        """The input fields for ``inputs`` when they are this state's files in its order (a build
        after an edit: the paths, and all but a few of the stats and digests, this state's); None
        otherwise."""
        old = self._inputs
        if old is None or len(old) != len(inputs) or any(map(ne, old, inputs)):
            return None
        fields = (self.data_paths, self.template_paths, self.input_stats, self.digests, self.digest_ends)
        changed = list(compress(count(), map(ne, inputs.values(), old.values())))  # one C loop, not 31,000 steps
        if not changed:
            return fields
        now, ends = list(inputs.values()), array("q", self.digest_ends)
        stats, digests = array("q", self.input_stats), bytearray(self.digests)
        for at in changed:
            size, mtime, digest = now[at]
            start, end = ends[at - 1] if at else 0, ends[at]
            if len(digest) != end - start:
                return None  # a digest of another length: every later one moves
            stats[2 * at], stats[2 * at + 1] = size, mtime
            digests[start:end] = digest
        return fields[0], fields[1], stats.tobytes(), bytes(digests), self.digest_ends


_REPEATED_COLUMNS = (0, 2, 8)  # a packed diagnostic's code, path and hint (see pack)


def _packed_result(result: Result | None) -> bytes | None:
    """The result's diagnostics as columns, equal values in each made one object, which pickle then
    writes once: codes, hints and paths repeat across 20,000 diagnostics (half the bytes a no-op
    loads and verifies). Columns, so that the sharing is done without a Python call per value."""
    if result is None:
        return None
    columns = tuple(zip(*result.packed)) if result.packed else ()
    # Only the columns whose texts repeat (codes, paths, hints), each with a table of its own: the
    # others are unique texts, a few objects (severities, None) or numbers (1 and True are equal
    # keys, and would be taken one for the other).
    shared = tuple(tuple(map({}.setdefault, column, column)) if at in _REPEATED_COLUMNS else column
                   for at, column in enumerate(columns))
    return _dumps((shared, len(result.packed), result.notes, result.project_count, result.unit_target_count))


def _unpacked_result(packed: bytes | None) -> Result | None:
    if packed is None:
        return None
    columns, count, notes, project_count, unit_target_count = pickle.loads(packed)
    rows = tuple(zip(*columns, strict=True)) if columns else ()
    if len(rows) != count:
        raise ValueError("a damaged build state")
    return Result(rows, notes, project_count, unit_target_count)


def _count(paths: str) -> int:
    return paths.count("\0") + 1 if paths else 0


def _path_shape(c: _Compact) -> tuple | None:
    """What the path tables say of the other tables' lengths, counted, not split (a few
    milliseconds at 10,000 projects): when the path tables are saved apart, once, then kept
    with them. None: a path table of the wrong type."""
    if not (all(type(text) is str for text in (c.data_paths, c.template_paths, c.job_paths, c.output_paths))
            and type(c.digest_ends) is bytes and type(c.job_counts) is bytes
            and (c.folder_paths is None or type(c.folder_paths) is str)):
        return None
    ends, counts = array("q", c.digest_ends), array("q", c.job_counts)
    return (_count(c.data_paths) + _count(c.template_paths), _count(c.job_paths), _count(c.output_paths),
            None if c.folder_paths is None else _count(c.folder_paths), len(ends), ends[-1] if ends else 0,
            len(counts), min(counts, default=0), sum(counts))


def _well_formed(compact: _Compact, shape: tuple | None = None) -> bool:
    """Every table as long as its paths say (``shape``: as _path_shape gives it, counted when they
    were saved), and every job's files among the outputs. The store verifies what it read; this
    is what a state written by a bug would fail, which then means a full build, not a misread."""
    c = compact
    shape = shape if shape is not None else _path_shape(c)
    if shape is None or type(c.job_keys) is not str or \
            not all(type(data) is bytes for data in (c.input_stats, c.digests, c.output_stats)) or \
            (c.folder_paths is None) != (c.folder_stats is None) or \
            (c.result is not None and type(c.result) not in (bytes, memoryview)):
        return False
    inputs, jobs, outputs, folders, digest_count, digests_end, job_count, least, files = shape
    return (len(c.input_stats) == 16 * inputs and digest_count == inputs and digests_end == len(c.digests)
            and job_count == jobs and c.job_keys.count("\0") + 1 == max(jobs, 1) and least >= 0
            and files == outputs and len(c.output_stats) == 16 * outputs
            and (folders is None or (type(c.folder_stats) is bytes and len(c.folder_stats) == 16 * folders)))


# The state's tables in two slots: the paths (of inputs, folders, jobs and outputs; where each
# input's digest ends and how many files each job has), which a build after a change leaves as
# they were (6 of 12 MB at 10,000 projects), in their own slot, written only when they change;
# the rest (stats, digests, job keys, the result) with the options in the state's slot.
_PATH_FIELDS = ("data_paths", "template_paths", "digest_ends", "folder_paths", "job_paths", "job_counts",
                "output_paths")
_MAIN_FIELDS = tuple(name for name in _Compact._FIELDS if name not in _PATH_FIELDS)
PATHS_SLOT = "slot:state-paths"


def _restore(form: str, options: str, scanned_ns: int, main: tuple, paths: tuple | str) -> BuildState:
    """The state as pickled; with the token of its path tables, completed by load (from their slot)."""
    if form != _FORMAT or type(main) is not tuple or len(main) != len(_MAIN_FIELDS) or \
            not (type(paths) is str or (type(paths) is tuple and len(paths) == len(_PATH_FIELDS))):
        raise ValueError("a build state of another format")  # the store then drops it: a full build
    values = dict(zip(_MAIN_FIELDS, main))
    values.update(zip(_PATH_FIELDS, paths if type(paths) is tuple else (None,) * len(_PATH_FIELDS)))
    compact = _Compact(*map(values.__getitem__, _Compact._FIELDS))
    restored = BuildState(options, scanned_ns, None)
    restored._jobs, restored._compact = None, compact  # all but the options: unpacked when asked for
    if type(paths) is str:
        restored._pending = paths
    elif not _well_formed(compact):
        raise ValueError("a build state of another format")
    return restored


class KeptJobs:
    """The page jobs of the last state that a build keeps (the same key, every file as that build
    left it), by their place in that state's tables (``base``)."""

    __slots__ = ("base", "kept")

    def __init__(self, base: _Compact | None, kept: list[int]):
        self.base, self.kept = base, kept

    def paths(self) -> list[str]:
        """Every file of the kept jobs."""
        base = self.base
        if base is None or not self.kept:
            return []
        files, offsets = base.output_path_list(), base.offsets()
        dropped = sorted(set(range(len(offsets) - 1)).difference(self.kept))
        if not dropped:
            return files
        found, start = [], 0
        for at in dropped:
            found += files[start:offsets[at]]
            start = offsets[at + 1]
        found += files[start:]
        return found

    def state(self, made: dict[str, tuple[str | None, tuple[tuple[str, int, int], ...]]]) -> Jobs:
        """The next state's jobs: the kept ones, and those ``made`` by this build with their files.
        When the jobs are the last state's and each made one wrote the files it wrote then (a
        build after a change to a few projects), that state's tables with the made jobs' keys and
        stats put in their places; else made again."""
        base = self.base
        if base is None:
            return Jobs.of(made)
        table, files, offsets = base.job_table(), base.output_path_list(), base.offsets()
        kept = set(self.kept)
        if len(kept) == len(self.kept) and len(kept) + len(made) == len(table.paths):
            index = base.job_index()
            keys, stats = list(table.keys), array("q", base.output_stats)
            for path, (key, entries) in made.items():
                at = index.get(path)
                if at is None or at in kept:
                    break
                start, end = offsets[at], offsets[at + 1]
                if list(map(_first, entries)) != files[start:end]:
                    break
                keys[at] = key
                stats[2 * start:2 * end] = array("q", chain.from_iterable(map(_size_mtime, entries)))
            else:
                return Jobs(table.paths, tuple(keys), table.counts, base.output_paths, stats.tobytes(), base)
        stats = array("q", base.output_stats)
        jobs = {table.paths[at]: (table.keys[at], _job_files(files, offsets, stats, at)) for at in self.kept}
        jobs.update(made)
        return Jobs.of(jobs, base)


def kept_job(prior: BuildState | None, out_dir: Path, path: str, key: str) -> tuple | None:
    """The files (with their size and mtime) of the last build's job ``path`` when its key was
    ``key`` and every one of them is as it left them; None otherwise. For a job whose key is known
    only once the others are made (the data package's table)."""
    if prior is None:
        return None
    base = prior.compact()
    at = base.job_index().get(path)
    if at is None or base.job_table().keys[at] != key:
        return None
    files = _job_files(base.output_path_list(), base.offsets(), array("q", base.output_stats), at)
    return files if files and output_stats(out_dir, [name for name, _, _ in files]) == files else None


def _job_files(files: list[str], offsets: list[int], stats: array, at: int) -> tuple[tuple[str, int, int], ...]:
    """The files of the job at place ``at`` of a state's tables, each with its size and mtime."""
    start, end = offsets[at], offsets[at + 1]
    return tuple(zip(files[start:end], stats[2 * start:2 * end:2], stats[2 * start + 1:2 * end:2]))


def kept_jobs(prior: BuildState | None, out_dir: Path, jobs) -> tuple[KeptJobs, list]:
    """The jobs of the last build to keep (the same key, and every file it wrote with the size
    and mtime it left: an output edited or deleted by hand is made again), and the jobs to make.
    One stat per file (61,000 at 10,000 projects), each looked up from the output folder, opened
    once, in one loop over them all."""
    if prior is None:
        return KeptJobs(None, []), list(jobs)
    base = prior.compact()
    table = base.job_table()
    changed = _changed_jobs(base, out_dir)
    index, keys = base.job_index(), table.keys
    kept, to_make = [], []
    for job in jobs:
        at = index.get(job.path)
        if at is not None and job.key is not None and keys[at] == job.key and at not in changed:
            kept.append(at)
        else:
            to_make.append(job)
    return KeptJobs(base, kept), to_make


def _changed_jobs(base: _Compact, out_dir: Path) -> set[int]:
    """The jobs (by place) any file of which is gone or has another size or mtime."""
    paths, stats, offsets = base.output_path_list(), array("q", base.output_stats), base.offsets()
    everything = set(range(len(offsets) - 1))
    if len(stats) != 2 * len(paths) or offsets[-1] != len(paths):
        return everything  # never: the store verifies the state
    try:
        fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return everything
    try:
        changed_files = [at for at, _ in _changes(fd, paths, stats)]
    finally:
        os.close(fd)
    jobs, job = set(), 0
    for at in changed_files:  # ascending
        while offsets[job + 1] <= at:
            job += 1
        jobs.add(job)
    return jobs


def _changes(fd: int, paths: list[str], stats: array) -> list[tuple[int, tuple[int, int] | None]]:
    """Each path (inside the folder ``fd``, links not followed) whose (size, mtime_ns) is not the
    pair of ``stats`` at its place: its place and its pair now (None: gone). One loop, no call
    but the stat's: at 10,000 projects it runs over 61,000 outputs or 31,000 inputs."""
    stat = os.stat
    found = []
    for at, path, size, mtime in zip(count(), paths, stats[0::2], stats[1::2]):
        try:
            info = stat(path, dir_fd=fd, follow_symlinks=False)
        except OSError:
            found.append((at, None))
            continue
        if info.st_mtime_ns != mtime or info.st_size != size:
            found.append((at, (info.st_size, info.st_mtime_ns)))
    return found


@dataclass
class Records:
    """What a build with changes reuses: loaded only then.

    Every project's and unit's entry is keyed by the content it was made from, so records from
    any earlier build are valid, and a lost slot only means more work. They are kept in 16
    slots by the key's first digit, and the entries a build made since those were last written
    in one more, the delta (``slot:records-delta``): a build after one change writes a few
    kilobytes, not 1/16 of the records. The delta is folded into the slots when it holds more
    than FOLD_AFTER entries (and by a build that loaded no records).

    A project's data package lines (``rows``) depend on its unit's name as well as on its key:
    the rows of the slots count only under the delta saved with them, which names the state it
    was saved with (as the folder keys do). A delta that is lost, damaged or of another state
    means no row is reused (each is made again from its model), never an older row.

    The lines (13 MB at 10,000 projects) are kept in slots of their own (``slot:rows-0`` …), read
    only when the package's table is made again (load_rows): the records' slots hold each one's
    SHA-256 (``digests``), which is what the table is keyed by (exports.package_table_key). A
    narrative edit, the usual change, reads none of them. A line read is used only if it has the
    digest its record gives, so lines and digests that a failed write left apart never mix.
    """

    projects: dict[str, ProjectRecord] = field(default_factory=dict)
    units: dict[str, UnitRecord] = field(default_factory=dict)
    # A project's data package lines, by key: those at hand (made by the build, the delta's, the
    # slots' once load_rows read them).
    rows: dict[str, bytes | memoryview] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)  # SHA-256 of each project's lines, by key
    # Loaded only: the entries the delta gave (they hide the slots' entries of the same key).
    delta_projects: dict[str, ProjectRecord] = field(default_factory=dict, repr=False)
    delta_rows: dict[str, bytes] = field(default_factory=dict, repr=False)
    # Loaded only: the buckets whose lines load_rows has read into ``rows``.
    rows_read: set[str] = field(default_factory=set, repr=False)


# The store is already one per output folder (cache.store_for).
STATE_SLOT = "slot:state"
DELTA_SLOT = "slot:records-delta"
_BUCKETS = "0123456789abcdef"
# A delta of more entries than this is folded into the slots: each build after a change loads
# and writes the delta, a fold writes the slots its entries fall in (1/16 of the records each).
FOLD_AFTER = 64


def _bucket_slot(bucket: str) -> str:
    return f"slot:records-{bucket}"


def _rows_slot(bucket: str) -> str:
    return f"slot:rows-{bucket}"


_DIGEST_SIZE = 32  # SHA-256


def row_digest(lines: bytes | memoryview) -> bytes:
    """What a project's data package lines are known by (Records.digests)."""
    return hashlib.sha256(lines).digest()


def load(store: cache.Store) -> BuildState | None:
    found = store.get(STATE_SLOT)
    if not isinstance(found, BuildState):
        return None
    token, found._pending = found._pending, None
    if token is not None:  # its path tables, from their slot: those saved with it, or no state
        paths = store.get(PATHS_SLOT)
        if not (isinstance(paths, tuple) and len(paths) == 3 and paths[0] == token and type(paths[1]) is tuple
                and len(paths[1]) == len(_PATH_FIELDS) and type(paths[2]) is tuple and len(paths[2]) == 9):
            return None
        compact = found._compact
        for name, value in zip(_PATH_FIELDS, paths[1]):
            setattr(compact, name, value)
        if not _well_formed(compact, paths[2]):
            return None
        compact._paths_saved = paths[:2]
    return found


def load_records(store: cache.Store, prior: BuildState) -> Records:
    """The records saved with ``prior`` (the state loaded), as far as they can be read; their
    package lines only as digests (see load_rows)."""
    records = Records()
    for bucket in _BUCKETS:
        found = store.get(_bucket_slot(bucket))
        if isinstance(found, tuple) and len(found) == 3 and isinstance(found[0], dict) and type(found[1]) is tuple \
                and type(found[2]) is bytes:
            projects, keys, digests = found
            if len(digests) != _DIGEST_SIZE * len(keys):
                continue  # never: the store verifies the slot
            records.projects.update(projects)
            records.digests.update(zip(keys, [digests[at:at + _DIGEST_SIZE]
                                              for at in range(0, len(digests), _DIGEST_SIZE)]))
    delta = store.get(DELTA_SLOT)
    if isinstance(delta, tuple) and len(delta) == 3 and delta[0] == prior.scanned_ns and \
            isinstance(delta[1], dict) and isinstance(delta[2], dict):
        records.delta_projects, records.delta_rows = delta[1], delta[2]
        records.projects.update(delta[1])
        records.rows.update(delta[2])
        records.digests.update(zip(delta[2], map(row_digest, delta[2].values())))
    else:
        records.digests = {}  # the slots' lines may be older than the state's pages: none is reused
        records.rows_read.update(_BUCKETS)  # nor read
    units = _loaded_units(store.get(_bucket_slot("units")))
    if isinstance(units, dict):
        records.units.update(units)
    return records


def load_rows(store: cache.Store, records: Records, buckets: Iterable[str] = _BUCKETS) -> dict[str, bytes | memoryview]:
    """``records.rows`` with the slots' lines of ``buckets`` read in: those lines whose digest is
    the one their record gives (the delta's lines hide the slots'). A slot lost or damaged, or a
    line of another digest, means that line is made again from its project's model."""
    rows, digests = records.rows, records.digests
    for bucket in buckets:
        if bucket in records.rows_read:
            continue
        records.rows_read.add(bucket)
        found = store.get(_rows_slot(bucket))
        if not (isinstance(found, tuple) and len(found) == 3 and type(found[0]) is tuple and type(found[1]) is bytes
                and type(found[2]) in (bytes, memoryview)):
            continue
        keys, ends, lines = found
        ends = array("q", ends)
        if len(ends) != len(keys) or (ends[-1] if ends else 0) != len(lines):
            continue  # never: the store verifies the slot
        # Each project's lines a view of the slot's (read as bytes of their own, cache._put_slot):
        # 625 bytes objects of 1.4 KB each were a third of the slot's load; the package joins
        # views as it joins bytes.
        for key, line in zip(keys, map(memoryview(lines).__getitem__, map(slice, chain((0,), ends), ends))):
            if key not in rows and digests.get(key) == row_digest(line):
                rows[key] = line
    return rows


def _fresh(new: dict, old: dict) -> list[str]:
    """The keys of ``new`` whose entry is not the very object ``old`` holds (no entry is None):
    the entries made by this build, as loaded ones are reused as they are."""
    return list(compress(new, map(is_not, map(old.get, new), new.values())))


def _touched(new: dict, old: dict) -> set[str]:
    """The slots (a key's first digit) with an entry added, removed or replaced: entries reused from
    the loaded records are the very same objects. One pass over the entries, not a split of them."""
    touched = {key[0] for key in _fresh(new, old)}
    touched.update(key[0] for key in old.keys() - new.keys())
    return touched


def _bucket(entries: dict, bucket: str) -> dict:
    return {key: value for key, value in entries.items() if key[0] == bucket}  # keys are SHA-256 hex digests


def _bucket_values(records: Records, bucket: str) -> tuple[tuple, tuple]:
    """A records slot (the records, and the keys and digests of its projects' package lines) and
    its lines' slot (the keys of the lines at hand, where each one's ends, the lines end to end:
    bytes, or views of a loaded slot's)."""
    digests = _bucket(records.digests, bucket)
    rows = _bucket(records.rows, bucket)
    return ((_bucket(records.projects, bucket), tuple(digests), b"".join(digests.values())),
            (tuple(rows), array("q", accumulate(map(len, rows.values()))).tobytes(),
             pickle.PickleBuffer(b"".join(rows.values()))))


def _share_strings(records) -> None:
    """Equal strings of the records made one object, which pickle then writes once: a project's
    file paths repeat in its head and diagnostics, rule hints and indicator names' segmentation
    keys across projects (a third of the records' bytes, which a build after one change loads).
    Only among the records given: a record made after one change keeps its own copies of the
    strings it shares with the slot's others (a few hundred bytes), until a full build."""
    seen: dict = {}

    def shared(value):
        if type(value) is str:
            return seen.setdefault(value, value)
        if type(value) is tuple:
            return tuple([shared(item) for item in value])
        return value
    for record in records:
        record.packed_head, record.packed = shared(record.packed_head), shared(record.packed)
        record.packed_unit, record.segments = shared(record.packed_unit), shared(record.segments)


def _still(delta: dict, current: dict) -> dict:
    """The entries of a loaded delta that are still current (the very same objects)."""
    return {key: value for key, value in delta.items() if current.get(key) is value}


def save(store: cache.Store, state: BuildState, records: Records, loaded: Records | None) -> None:
    """Records first (the delta, or the slots it is folded into), then the state."""
    loaded = loaded or Records()
    fresh = _fresh(records.projects, loaded.projects)
    # Records loaded share their strings already (pickle kept them shared): only those made by
    # this build are walked, one after a change, not the slot's 600.
    _share_strings(map(records.projects.__getitem__, fresh))
    delta_projects = _still(loaded.delta_projects, records.projects)
    delta_projects.update(zip(fresh, map(records.projects.__getitem__, fresh)))
    delta_rows = _still(loaded.delta_rows, records.rows)
    fresh_rows = _fresh(records.rows, loaded.rows)
    delta_rows.update(zip(fresh_rows, map(records.rows.__getitem__, fresh_rows)))
    if len(delta_projects) + len(delta_rows) > FOLD_AFTER or not loaded.projects:
        # The slots of the delta's entries, and of the entries gone, written whole; the lines of
        # their other projects read first (those whose record the build reused).
        touched = {key[0] for key in chain(delta_projects, delta_rows)}
        touched.update(key[0] for key in loaded.projects.keys() - records.projects.keys())
        touched.update(key[0] for key in loaded.digests.keys() - records.digests.keys())
        at_hand = load_rows(store, loaded, sorted(touched)) if loaded.projects else {}
        records.rows.update((key, at_hand[key]) for key in records.digests.keys() - records.rows.keys()
                            if key[0] in touched and key in at_hand and records.digests[key] == loaded.digests.get(key))
        written = []
        for bucket in sorted(touched):
            kept, lines = _bucket_values(records, bucket)
            written += [store.put(_bucket_slot(bucket), kept), store.put(_rows_slot(bucket), lines)]
        if all(written):  # else the delta keeps what a slot lost
            delta_projects, delta_rows = {}, {}
    store.put(DELTA_SLOT, (state.scanned_ns, delta_projects,
                           {key: bytes(lines) for key, lines in delta_rows.items()}))  # never views
    if _touched(records.units, loaded.units):
        store.put(_bucket_slot("units"), _dumped_units(records.units))
    _save_paths(store, state.compact())
    store.put(STATE_SLOT, state)


def _save_paths(store: cache.Store, compact: _Compact) -> None:
    """The state's path tables in their slot, unless they are those of the last state's (then the
    state names that slot's token): equal strings compare at the speed of memory."""
    paths, base = compact.fields(_PATH_FIELDS), compact._base
    compact._base = None  # not kept: a process building again and again would keep every state
    saved = base._paths_saved if base is not None else None
    if saved is not None and saved[1] == paths:
        compact._paths_saved = (saved[0], paths)
        return
    shape = _path_shape(compact)
    if shape is None:
        return  # never: then the state holds them, and is refused when read
    token = os.urandom(8).hex()  # names these tables; never published
    if store.put(PATHS_SLOT, (token, paths, shape)):
        compact._paths_saved = (token, paths)


def _dumped_units(units: dict[str, UnitRecord]) -> pickle.PickleBuffer:
    # Read back as bytes of its own (cache._put_slot).
    return pickle.PickleBuffer(pickle.dumps(units, protocol=pickle.HIGHEST_PROTOCOL))


def _loaded_units(found) -> dict | None:
    if type(found) not in (bytes, memoryview):
        return None
    try:
        return pickle.loads(found)
    except Exception:  # verified by the store, yet not what this code pickles: made again
        return None


def ignored(name: str) -> bool:
    # Dotfiles, editor backups and Excel's "~$name.csv" lock files are not data.
    return name.startswith((".", "~$")) or name.endswith("~")


def scan(folder: Path, prefix: str, found: dict[str, tuple[int, int]],
         folders: dict[str, tuple[int, int]] | None = None) -> None:
    """Size and modification time of every file below ``folder`` (links not followed), by the
    path shown in messages (``prefix`` + the path inside ``folder``); with ``folders``, the
    modification and change times of ``folder`` and every folder below it, by their path, each
    taken before the folder is listed."""
    top = str(folder)
    if folders is not None:
        try:
            info = os.stat(top)  # followed, as os.scandir does
        except OSError:
            info = None
        if info is not None:
            folders[top] = (info.st_mtime_ns, info.st_ctime_ns)
    pending = [(top, prefix)]
    skipped = ignored
    while pending:
        current, shown = pending.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    name = entry.name
                    if skipped(name):
                        continue
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if name != "__pycache__":
                                if folders is not None:
                                    info = entry.stat(follow_symlinks=False)
                                    folders[entry.path] = (info.st_mtime_ns, info.st_ctime_ns)
                                pending.append((entry.path, shown + name + "/"))
                            continue
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    found[shown + name] = (info.st_size, info.st_mtime_ns)
        except OSError:
            continue


def inputs_unchanged(prior: BuildState, found: dict[str, tuple[int, int]]) -> bool:
    """Against a scan: every input the last build read has the same size and mtime, none is new or
    gone, and none was modified so close before that build that it may have changed unseen."""
    known = prior.compact().input_stats_by_path()  # without unpacking the digests
    if found != known:
        return False
    settled = prior.settled_ns
    return all(mtime < settled for _, mtime in found.values())


class InPlace:
    """What state.compare_in_place saw. A no-op asks nothing more of it; a build with changes looks
    up the stats of the files it reads (seen) and takes the folder record: no dictionary of the
    41,000 inputs is made (nor of the 10,000 folders, for a no-op)."""

    __slots__ = ("unchanged", "folders_same", "changed", "_prior", "_changes", "_folder_paths", "_folder_pairs",
                 "_folders")

    def __init__(self, unchanged: bool, folders_same: bool, changed: list[str], prior: BuildState,
                 changes: list[tuple[str, tuple[int, int] | None]], folder_paths: list[str], folder_pairs: array):
        self.unchanged = unchanged  # every folder and input as the last build left it, and settled
        self.folders_same = folders_same  # every folder: then each holds exactly the entries the last walk saw
        # The inputs whose stats differ from the last build's (or are gone), and those modified too
        # close before that build looked at them (read again whatever their stats), by shown path.
        self.changed = changed
        self._prior, self._changes = prior, changes
        self._folder_paths, self._folder_pairs = folder_paths, folder_pairs
        self._folders: dict[str, tuple[int, int]] | None = None

    def seen(self) -> Seen:
        """What the check saw of each input, looked up (what load_tree asks of the few files it
        reads), without a dictionary of them all."""
        return Seen(dict(self._changes), self._prior)

    @property
    def folders(self) -> dict[str, tuple[int, int]]:
        """The folder record, (mtime_ns, ctime_ns) by path; empty unless every folder is the same."""
        if self._folders is None:
            pairs = self._folder_pairs
            self._folders = dict(zip(self._folder_paths, zip(pairs[0::2], pairs[1::2]))) if self.folders_same else {}
        return self._folders


class Seen:
    """The no-op check's stats, looked up: a changed input's (size, mtime_ns) now (None: gone), any
    other's as the last build recorded it, which the check found the same (None: not an input then)."""

    __slots__ = ("_changed", "_prior")

    def __init__(self, changed: dict[str, tuple[int, int] | None], prior: BuildState):
        self._changed, self._prior = changed, prior

    def get(self, shown: str) -> tuple[int, int] | None:
        if shown in self._changed:
            return self._changed[shown]
        known = self._prior.inputs.get(shown)
        return None if known is None else known[:2]

    def __bool__(self) -> bool:  # as the dictionary: an input still there
        return len(self._prior.inputs) > sum(current is None for current in self._changed.values())


def compare_in_place(prior: BuildState, data_dir: Path, data_shown: str, templates: Path) -> InPlace | None:
    """Without listing a folder: whether every folder the last build's walk listed and every file it
    read has the same times (and size), and none was modified so close before that build that it
    may have changed unseen. A file added, removed or renamed changes its folder's mtime; an edited
    file, its own. Listing 10,000 folders costs twice as much as one stat each (a no-op at 10,000
    projects). The stats taken are kept: a build with changes reads them instead of taking them
    again (load.py), and with every folder the same, does not list a folder either.

    A folder's change time is compared too: setting its modification time back by hand (touch,
    rsync -a, tar) changes it. Only for a state whose walk saw exactly the files the build read
    (``folders`` recorded), and whose options name this data folder and these templates (noop.py);
    None for another state."""
    compact = prior.compact()
    shown_data = compact.data_paths
    if compact.folder_paths is None or not shown_data.startswith(data_shown):
        return None
    # The data files inside the data folder: the shown paths without its shown path, cut in one go.
    inside = shown_data[len(data_shown):].replace("\0" + data_shown, "\0")
    if len(shown_data) - len(inside) != len(data_shown) * (shown_data.count("\0") + 1):
        return None  # a data file shown outside the data folder: never (load_tree shows none)
    input_stats, folder_stats = array("q", compact.input_stats), array("q", compact.folder_stats)
    settled = prior.settled_ns
    folder_paths = _paths(compact.folder_paths)
    folders_same = _unchanged(None, folder_paths, folder_stats, times=True) and \
        max(folder_stats[0::2], default=0) < settled
    data_shown_paths = compact.data_path_list()
    template_shown_paths = _paths(compact.template_paths)
    data = _paths(inside)
    templates_inside = [shown[len(TEMPLATES):] for shown in template_shown_paths]
    cut = 2 * len(data)
    changes = _stats(data_dir, data, data_shown_paths, input_stats[:cut]) + \
        _stats(templates, templates_inside, template_shown_paths, input_stats[cut:])
    changed = [shown for shown, _ in changes]
    settled_all = max(input_stats[1::2], default=0) < settled
    if not settled_all:  # the file edited right before the last build, as a rule: read again
        changed += compress(data_shown_paths + template_shown_paths, [mtime >= settled for mtime in input_stats[1::2]])
    unchanged = folders_same and not changes and settled_all
    return InPlace(unchanged, folders_same, changed, prior, changes, folder_paths, folder_stats)


def _stats(folder: Path, paths: list[str], shown: list[str], stats: array) -> list[tuple[str, tuple[int, int] | None]]:
    """The shown paths whose (size, mtime_ns) differ from ``stats``, each with its pair now (None:
    gone); every path as gone when the folder cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return [(name, None) for name in shown]
    try:
        changes = _changes(fd, paths, stats)
    finally:
        os.close(fd)
    return [(shown[at], current) for at, current in changes]


def _unchanged(folder: Path | None, paths: list[str], stats: array, *, times: bool = False) -> bool:
    """Every path (inside ``folder``, opened once: each stat then looks up the rest only) has the
    (size, mtime_ns) pair of ``stats`` at its place; with ``times``, the (mtime_ns, ctime_ns) pair
    of a folder, followed if a link as os.scandir does."""
    if len(stats) != 2 * len(paths):
        return False  # never: the store verifies the state
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY) if folder is not None else None
    except OSError:
        return False
    stat = os.stat
    try:
        if times:
            for path, mtime, ctime in zip(paths, stats[0::2], stats[1::2]):
                info = stat(path, dir_fd=fd)
                if info.st_mtime_ns != mtime or info.st_ctime_ns != ctime:
                    return False
        else:
            for path, size, mtime in zip(paths, stats[0::2], stats[1::2]):
                info = stat(path, dir_fd=fd, follow_symlinks=False)
                if info.st_size != size or info.st_mtime_ns != mtime:
                    return False
    except OSError:
        return False
    finally:
        if fd is not None:
            os.close(fd)
    return True


def all_outputs_unchanged(prior: BuildState, out_dir: Path) -> bool:
    """Every file the last build wrote has the size and mtime it left: an output edited or
    deleted by hand is made again. One lstat per file (61,000 at 10,000 projects)."""
    compact = prior.compact()
    return _unchanged(out_dir, compact.output_path_list(), array("q", compact.output_stats))


def data_paths(prior: BuildState) -> list[str]:
    """Every data file the last build read, by shown path."""
    return prior.compact().data_path_list()


def written(prior: BuildState) -> tuple[str, ...]:
    """Every file the last build wrote (what a no-op reports as unchanged)."""
    return tuple(prior.compact().output_path_list())


def output_stats(out_dir: Path, paths) -> tuple[tuple[str, int, int], ...]:
    base = str(out_dir) + os.sep
    stats = []
    for relative in paths:
        try:
            info = os.lstat(base + relative)
        except OSError:
            continue
        stats.append((relative, info.st_size, info.st_mtime_ns))
    return tuple(stats)
