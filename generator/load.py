"""Load: find the files under budget_data/ and parse them into located raw structures.

The loader reports only what stops a file from being read (missing, unreadable,
undecodable, unparsable). Whether the content is acceptable is the schema's call.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from . import limits, money, rules
from .checks import personal
from .csvsource import Table, normalize_header, parse_csv
from .diagnostics import Diagnostic, Location
from .sources import decode
from .state import ignored as _ignored  # the build state's scan must skip the same files
from .yamlsource import YMap, YNode, YScalar, YSeq, parse_yaml

PORTAL_FILE = "portal.yaml"
UNITS_DIR = "units"
PROJECTS_DIR = "projects"
FORMAT_DOC = "README.md"
PROJECT_FILE = "project.yaml"
BUDGET_FILE = "budget_items.csv"
INDICATORS_FILE = "indicators.csv"
PROJECT_FILES = (PROJECT_FILE, BUDGET_FILE, INDICATORS_FILE)
# A project may state its amount without a 资金测算明细 (many published tables have none).
OPTIONAL_PROJECT_FILES = (BUDGET_FILE,)
# Columns whose cells are published as formatted figures (schema.BUDGET_COLUMNS' numbers).
NUMERIC_COLUMNS = frozenset(normalize_header(name) for name in ("数量", "单价（元）", "金额（元）"))


@dataclass
class RawProject:
    year_name: str
    project_id: str
    folder: str
    project: YNode | None = None
    project_path: str = ""
    budget: Table | None = None
    budget_path: str = ""
    indicators: Table | None = None
    indicators_path: str = ""
    files: dict[str, bytes] = field(default_factory=dict)  # name → bytes of each file read in this build
    # name → SHA-256 of every file present: read now, or (unchanged since the last build, by size
    # and modification time) taken from the build state without reading it.
    digests: dict[str, bytes] = field(default_factory=dict)
    # Its listing held every required file, each read or known, and nothing else: what the next
    # build may reuse it by (load_tree's ``reuse``) while its folder's times stay the same.
    clean: bool = False

    @property
    def complete(self) -> bool:
        """Every present file's bytes are at hand (none was skipped as unchanged)."""
        return set(self.files) == set(self.digests)


@dataclass
class ReusedProject:
    """A project folder whose every file is as the last build read it, and whose listing is too
    (load_tree's ``reuse``): it is neither listed nor read, and keeps the key that build gave it.
    At 10,000 projects after one change, all but one are these."""
    year_name: str
    project_id: str
    folder: str  # shown
    path: str  # on disk
    key: str


@dataclass
class RawData:
    portal: YNode | None = None
    portal_path: str = ""
    # (id, shown path, SHA-256 or None when unreadable) of every unit file; a unit file not read
    # (unchanged since the last build, see _Reader.unchanged) has no bytes in ``unit_files``.
    units: list[tuple[str, str, bytes | None]] = field(default_factory=list)
    unit_files: dict[str, bytes] = field(default_factory=dict)  # shown path → bytes of each unit file read
    projects: list[RawProject | ReusedProject] = field(default_factory=list)
    format_doc: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # every decoded data file, for the personal-data scan
    # Personal numbers found in decoded values: (path, top-level YAML key or "", finding).
    # The pipeline drops those in fields a unit or the portal marked public.
    personal: list[tuple[str, str, Diagnostic]] = field(default_factory=list)
    # Lines where a CSV data row starts: their cells are scanned decoded, so the raw scan skips them.
    data_lines: dict[str, set[int]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)  # SHA-256 of every file, for the data version
    # Shown path → (size, mtime_ns, SHA-256) of every data file: the next build's "known" files.
    stats: dict[str, tuple[int, int, bytes]] = field(default_factory=dict)
    # What the walk saw, for the build state's folder record (state.compare_in_place):
    # every folder listed, path → (mtime_ns, ctime_ns) taken before it was listed; every file
    # listed, by shown path; and whether every folder below the data folder was listed (none
    # skipped as unrecognized or of another year, no link or special file among them).
    folders: dict[str, tuple[int, int]] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)
    walked_all: bool = True

    @property
    def data_version(self) -> str:
        """Short hash of everything in budget_data/: changes exactly when the data does."""
        digest = hashlib.sha256()
        for path, data in sorted(self.contents.items()):
            digest.update(path.encode("utf-8") + b"\0" + data)
        return digest.hexdigest()[:12]


class _Recorded:
    """An os.DirEntry as the last build's walk saw it (see recorded_tree)."""

    __slots__ = ("name", "path", "_folder")

    def __init__(self, name: str, path: str, folder: bool):
        self.name, self.path, self._folder = name, path, folder

    def is_symlink(self) -> bool:
        return False

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return self._folder

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return not self._folder

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        return os.stat(self.path, follow_symlinks=False)


class RecordedTree:
    """Every folder's listing as the last build's walk saw it (recorded_tree): names only, made
    into entries (sorted by name, as a listing) for the folders load_tree lists. After one change
    at 10,000 projects that is a few dozen of 10,000 folders: the rest are reused whole."""

    __slots__ = ("_names",)

    def __init__(self, names: dict[str, list[tuple[str, bool]]]):
        self._names = names  # folder → (name, is a folder) of each entry

    def get(self, folder: str) -> list[_Recorded] | None:
        names = self._names.get(folder)
        if names is None:
            return None
        return [_Recorded(name, f"{folder}/{name}", is_folder) for name, is_folder in sorted(names)]

    def names(self, folder: str) -> list[tuple[str, bool]] | None:
        """The folder's (name, is a folder) entries sorted by name, as get() lists them."""
        names = self._names.get(folder)
        return sorted(names) if names is not None else None


def recorded_tree(data_dir: Path, data_shown: str, files: list[str],
                  folders: dict[str, tuple[int, int]]) -> RecordedTree | None:
    """Every folder's listing as the last build's walk saw it, from the build state: its folders
    (by path) and the files it read (by shown path). Exact when every folder has the times that
    walk recorded (state.compare_in_place): an entry added, removed or renamed changes them, and
    that walk listed every entry of every folder (RawData.walked_all). None when the record does
    not name this data folder as load_tree will list it."""
    top = str(data_dir)
    if top not in folders or os.sep != "/":  # shown paths are POSIX: joined as they are
        return None
    inside = top + "/"
    listings: dict[str, list[tuple[str, bool]]] = {folder: [] for folder in folders
                                                   if folder == top or folder.startswith(inside)}
    for folder in listings:
        if folder != top:
            parent, _, name = folder.rpartition("/")
            entries = listings.get(parent)
            if entries is None:
                return None
            entries.append((name, True))
    skip = len(data_shown)
    for shown in files:
        if not shown.startswith(data_shown):
            return None
        parent, _, name = (inside + shown[skip:]).rpartition("/")
        entries = listings.get(parent)
        if entries is None:
            return None
        entries.append((name, False))
    return RecordedTree(listings)


def _clean(text: str) -> bool:
    """No forbidden control character in the whole text, and no longer than one value may be: a
    value made of the text's characters needs neither look again."""
    return len(text) <= limits.MAX_VALUE_CHARS and limits.first_control(text) is None


@lru_cache(maxsize=8)
def _data_prefixes(data_dir: str, root: str) -> tuple[str, str]:
    """The data folder as a path prefix, and as shown: a reader is made per project."""
    return data_dir + os.sep, Path(os.path.relpath(data_dir, root)).as_posix() + "/"


def _read_to_end(handle: int, size: int, limit: int) -> bytes:
    """What is left to read from ``handle`` (at most ``limit`` bytes), asking first for the size
    fstat gave and one byte more. A buffered read of ``limit`` bytes allocated all of them (5
    MiB) for every file: half the CPU of reading 30,000 small files. A file that grows or shrinks
    meanwhile is read to its end as it is then."""
    parts: list[bytes] = []
    read, want = 0, min(size + 1, limit)
    while read < limit:
        chunk = os.read(handle, min(want, limit - read))
        if not chunk:
            break
        parts.append(chunk)
        read += len(chunk)
        want = 1 << 16
    return parts[0] if len(parts) == 1 else b"".join(parts)


class _Reader:
    def __init__(self, root: Path, raw: RawData, data_dir: Path,
                 known: dict[str, tuple[int, int, bytes]] | None = None, settled_ns: int = 0,
                 scanned: dict[str, tuple[int, int]] | None = None,
                 tree: RecordedTree | None = None):
        self.root, self.data_dir = root, data_dir
        self.tree = tree  # recorded_tree(), when every folder is as the last build's walk saw it
        self.known, self.settled_ns, self.stats = known or {}, settled_ns, raw.stats
        # (size, mtime_ns) by shown path, when the caller has looked already (a dict, or state.Seen)
        self.scanned = scanned or {}
        self._data_text, self._data_display = _data_prefixes(str(data_dir), str(root))
        self.raw = raw
        self.diagnostics, self.texts, self.contents = raw.diagnostics, raw.texts, raw.contents
        self.personal, self.data_lines = raw.personal, raw.data_lines

    def display(self, path: Path | str) -> str:
        # os.path.relpath is slow at 10,000s of files; paths under the data folder only need a prefix.
        text = str(path)
        if text.startswith(self._data_text):
            return self._data_display + text[len(self._data_text):].replace(os.sep, "/")
        return Path(os.path.relpath(path, self.root)).as_posix()

    def _content_key(self, shown: str) -> str:
        # Keyed by the path inside the data folder, so the version does not depend on where it lives.
        return shown[len(self._data_display):] if shown.startswith(self._data_display) else shown

    def read_bytes(self, path: Path | str) -> bytes | None:
        shown = self.display(path)
        data = self._read_bytes(path, shown)
        if data is not None:
            digest = hashlib.sha256(data).digest()
            self.contents[self._content_key(shown)] = digest
            if self._stat is not None:
                self.stats[shown] = (self._stat.st_size, self._stat.st_mtime_ns, digest)
        return data

    def unchanged(self, entry: os.DirEntry, shown: str) -> bytes | None:
        """The SHA-256 the last build recorded for this file, when its size and modification time
        are the same and it was last modified well before that build looked at it (a file
        changed within the same clock tick as the last scan is read again, as git does)."""
        known = self.known.get(shown)
        if known is None:
            return None
        current = self.scanned.get(shown)
        if current is None:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                return None
            current = (info.st_size, info.st_mtime_ns)
        if not _settled_same(current, known, self.settled_ns):
            return None
        self.contents[self._content_key(shown)] = known[2]
        self.stats[shown] = known
        return known[2]

    def read_text(self, path: Path | str, *, allow_legacy: bool, data: bytes | None = None) -> str | None:
        shown = self.display(path)
        if data is None:
            data = self.read_bytes(path)
        if data is None:
            return None
        decoded = decode(data, shown, allow_legacy_chinese=allow_legacy)
        self.diagnostics.extend(decoded.diagnostics)
        if decoded.text is not None:
            self.texts[shown] = decoded.text
        return decoded.text

    _stat: os.stat_result | None = None

    def _read_bytes(self, path: Path | str, shown: str) -> bytes | None:
        """A regular file's bytes, never through a link, never more than the size limit."""
        self._stat = None
        try:
            handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError as error:
            if os.path.islink(path):
                self.diagnostics.append(rules.make("F112", Location(shown), name=os.path.basename(path),
                                                   kind="符号链接"))
            else:
                self.diagnostics.append(rules.make("F110", Location(shown), detail=error.strerror or str(error)))
            return None
        try:
            info = self._stat = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode):
                self.diagnostics.append(rules.make("F112", Location(shown), name=os.path.basename(path),
                                                   kind="特殊文件"))
                return None
            if info.st_size > limits.MAX_FILE_BYTES:
                self.diagnostics.append(rules.make("F114", Location(shown), size=_mib(info.st_size),
                                                   limit=_mib(limits.MAX_FILE_BYTES)))
                return None
            data = _read_to_end(handle, info.st_size, limits.MAX_FILE_BYTES + 1)
        except OSError as error:
            self.diagnostics.append(rules.make("F110", Location(shown), detail=error.strerror or str(error)))
            return None
        finally:
            os.close(handle)
        if len(data) > limits.MAX_FILE_BYTES:  # grew while being read
            self.diagnostics.append(rules.make("F114", Location(shown), size=_mib(len(data)),
                                               limit=_mib(limits.MAX_FILE_BYTES)))
            return None
        return data

    def yaml(self, path: Path | str, data: bytes | None = None) -> YNode | None:
        text = self.read_text(path, allow_legacy=False, data=data)
        if text is None:
            return None
        shown = self.display(path)
        node, diagnostics = parse_yaml(text, shown)
        self.diagnostics.extend(diagnostics)
        if node is None:
            return None
        try:
            swept = self._sweep_yaml(node, shown, text)
        except RecursionError:
            self.diagnostics.append(rules.make("F107", Location(shown, 1, 1), detail="嵌套层级过深"))
            return None
        return node if swept else None

    def csv(self, path: Path | str, data: bytes | None = None) -> Table | None:
        text = self.read_text(path, allow_legacy=True, data=data)
        if text is None:
            return None
        shown = self.display(path)
        table, diagnostics = parse_csv(text, shown)
        self.diagnostics.extend(diagnostics)
        if table is not None and not self._sweep_csv(table, shown, text):
            return None
        return table

    def document(self, path: Path) -> str:
        """budget_data/README.md: published, so checked like data (its personal data by the raw scan)."""
        text = self.read_text(path, allow_legacy=False)
        if text is None:
            return ""
        shown = self.display(path)
        ok = True
        for number, line in enumerate(text.split("\n"), start=1):
            index = limits.first_control(line.rstrip("\r"))
            if index is not None:
                self.diagnostics.append(rules.make("F113", Location(shown, number, index + 1),
                                                   char=limits.describe_control(line[index])))
                ok = False
        return text if ok else ""

    # ---- every decoded value: control characters, lengths, personal data --------------------

    def _value(self, text: str, line: int | None, column: int | None, key: str, path: str,
               scan: bool = True, clean: bool = False) -> bool:
        """``clean``: the whole file was found free of forbidden characters and shorter than
        a value may be, and the value is made of its characters (see _clean)."""
        # A location is made only for a finding: a first build sweeps millions of values.
        if clean:
            if scan and personal.may_hold_numbers(text):
                for finding in personal.scan_value(text, Location(path, line, column)):
                    self.personal.append((path, key, finding))
            return True
        ok = True
        index = limits.first_control(text)
        if index is not None:
            at = line + text.count("\n", 0, index) if line is not None else None
            self.diagnostics.append(rules.make("F113", Location(path, at, column),
                                               char=limits.describe_control(text[index])))
            ok = False
        if len(text) > limits.MAX_VALUE_CHARS:
            self.diagnostics.append(rules.make("F116", Location(path, line, column), length=len(text),
                                               limit=limits.MAX_VALUE_CHARS))
            ok = False
        if scan and personal.may_hold_numbers(text):
            for finding in personal.scan_value(text, Location(path, line, column)):
                self.personal.append((path, key, finding))
        return ok

    def _sweep_yaml(self, root: YNode, path: str, text: str | None = None) -> bool:
        ok = True
        # Without a backslash there is no escape, and a YAML value holds only characters of the
        # text (and spaces where lines fold).
        clean = text is not None and "\\" not in text and _clean(text)

        may_hold = personal.may_hold_numbers

        def walk(node: YNode, key: str) -> int:
            nonlocal ok
            if isinstance(node, YScalar):
                # A clean file's value needs only the personal-number look (_value, clean=True).
                if not clean or may_hold(node.raw):
                    ok &= self._value(node.raw, node.line, node.column, key, path, clean=clean)
                return len(node.raw)
            if isinstance(node, YSeq):
                return sum(walk(item, key) for item in node.items)
            if isinstance(node, YMap):
                total = 0
                for name, (key_node, value) in node.entries.items():
                    if not clean or may_hold(name):
                        ok &= self._value(name, key_node.line, key_node.column, key or name, path, clean=clean)
                    size = walk(value, key or name)
                    if not key and size > limits.MAX_FIELD_CHARS:
                        self.diagnostics.append(rules.make("F117", key_node.location(path), field=name,
                                                           length=size, limit=limits.MAX_FIELD_CHARS))
                        ok = False
                    total += size
                return total
            return 0

        walk(root, "")
        return ok

    def _sweep_csv(self, table: Table, path: str, text: str | None = None) -> bool:
        # A number in an amount, price or quantity column is published as a formatted figure
        # ("13,000,000,000.00"), never as the digits a phone number is made of.
        numeric = {index for index, cell in enumerate(table.header) if normalize_header(cell.text) in NUMERIC_COLUMNS}
        if table.rows:
            self.data_lines.setdefault(path, set()).update(record.line for record in table.rows)
        # Every cell is a piece of the text (less its quoting and CRs): a clean text (_clean)
        # leaves only the personal-number look, and only for cells that may hold one.
        clean = text is not None and _clean(text)
        may_hold = personal.may_hold_numbers
        ok = True
        for cell in table.header:
            ok &= self._value(cell.text, cell.line, cell.column, "", path, clean=clean)
        for record in table.rows:
            for index, cell in enumerate(record.cells):
                value = cell.text
                if clean and not may_hold(value):
                    continue
                figure = index in numeric and money.parse_decimal(value, max_places=None).value is not None
                ok &= self._value(value, cell.line, cell.column, "", path, scan=not figure, clean=clean)
        return ok

    def listing(self, folder: Path) -> list[os.DirEntry]:
        """Entries of ``folder``; links and special files are reported and left out, never followed."""
        if self.tree is not None:
            recorded = self.tree.get(str(folder))
            if recorded is not None:  # only ever folders and regular files (walked_all): see load_tree
                return recorded
        try:
            info = os.stat(folder)  # before listing: an entry added meanwhile moves it (followed, as scandir)
            self.raw.folders[str(folder)] = (info.st_mtime_ns, info.st_ctime_ns)
        except OSError:
            self.raw.walked_all = False
        try:
            with os.scandir(folder) as entries:
                found = sorted((e for e in entries if not _ignored(e.name)), key=lambda e: e.name)
        except OSError as error:
            self.diagnostics.append(rules.make("F110", Location(self.display(folder)),
                                               detail=error.strerror or str(error)))
            return []
        kept = []
        for entry in found:
            try:
                if entry.is_symlink():
                    kind = "符号链接"
                elif entry.is_dir(follow_symlinks=False):
                    kept.append(entry)
                    continue
                elif entry.is_file(follow_symlinks=False):
                    kept.append(entry)
                    self.raw.listed.add(self.display(entry.path))
                    continue
                else:
                    kind = "特殊文件"
            except OSError:
                kind = "无法识别的文件"
            self.raw.walked_all = False
            self.diagnostics.append(rules.make("F112", Location(self.display(Path(entry.path))),
                                               name=entry.name, kind=kind))
        return kept

    def unrecognized(self, entry: os.DirEntry) -> None:
        self.raw.walked_all = False  # not walked into: the folder record would miss what is below
        self.diagnostics.append(rules.make("F111", Location(self.display(Path(entry.path))), name=entry.name))

    def missing(self, folder: Path | str, name: str) -> None:
        self.diagnostics.append(rules.make("S214", Location(self.display(folder)), name=name))


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def load_tree(data_dir: Path, root: Path, progress=None, years: frozenset[str] | None = None,
              known: dict[str, tuple[int, int, bytes]] | None = None, settled_ns: int = 0,
              scanned: dict[str, tuple[int, int]] | None = None,
              recorded: tuple[RecordedTree, dict[str, tuple[int, int]], list[str], list[str]] | None = None,
              reuse: dict[str, str] | None = None) -> RawData:
    """Read everything; with ``years``, only the projects of those fiscal years (a split portal).

    With ``known`` (the last build's file stats, see _Reader.unchanged), a project file that has
    not changed is not read: only its recorded digest is kept, which is all a cached project needs.
    With ``scanned``, the files' stats are those the caller took. With ``recorded`` (recorded_tree(),
    the folder record it was checked against, the files it names, and the inputs whose stats changed:
    state.InPlace.changed), no folder is listed.
    With ``recorded``, ``known`` and ``scanned`` also, ``reuse`` (the last build's project keys by
    shown folder) makes a ReusedProject of every project folder none of whose files changed.
    """
    raw = RawData()
    reader = _Reader(root, raw, data_dir, known, settled_ns, scanned, recorded[0] if recorded else None)
    if recorded is not None:
        raw.folders.update(recorded[1])
        raw.listed.update(recorded[2])  # every file of the recorded listings, by shown path
    if not data_dir.is_dir():
        raw.diagnostics.append(rules.make("F110", Location(reader.display(data_dir)), detail="数据文件夹不存在"))
        return raw
    units_dir, projects_dir = data_dir / UNITS_DIR, data_dir / PROJECTS_DIR
    top: dict[str, os.DirEntry] = {}
    for entry in reader.listing(data_dir):
        if entry.name not in (PORTAL_FILE, FORMAT_DOC, UNITS_DIR, PROJECTS_DIR):
            reader.unrecognized(entry)
        else:
            top[entry.name] = entry

    def present(name: str, folder: bool) -> bool:
        # Listing entries never follow links, so a linked portal.yaml or units/ is not read.
        entry = top.get(name)
        return entry is not None and (entry.is_dir(follow_symlinks=False) if folder
                                      else entry.is_file(follow_symlinks=False))

    portal_path = data_dir / PORTAL_FILE
    raw.portal_path = reader.display(portal_path)
    if present(PORTAL_FILE, False):
        raw.portal = reader.yaml(portal_path)
    else:
        reader.missing(data_dir, PORTAL_FILE)

    if present(FORMAT_DOC, False):
        raw.format_doc = reader.document(data_dir / FORMAT_DOC)

    if present(UNITS_DIR, True):
        for entry in reader.listing(units_dir):
            if entry.is_file(follow_symlinks=False) and entry.name.endswith(".yaml"):
                # Only read here, and only when changed: parsing waits for parse_unit(), which a
                # cached unit never needs (1,000 unit files at 10,000 projects).
                shown = reader.display(entry.path)
                digest = reader.unchanged(entry, shown) if reader.known else None
                if digest is None:
                    data = reader.read_bytes(Path(entry.path))
                    if data is not None:
                        raw.unit_files[shown] = data
                        digest = reader.contents[reader._content_key(shown)]
                raw.units.append((entry.name[: -len(".yaml")], shown, digest))
            else:
                reader.unrecognized(entry)

    if present(PROJECTS_DIR, True):
        reusable = _reusable_folders(reader, reuse, recorded[3]) if recorded is not None and known and scanned \
            else None
        folders: list[tuple[str, str] | ReusedProject] = []
        for year_entry in reader.listing(projects_dir):
            if years is not None and year_entry.name not in years:
                raw.walked_all = False
                continue
            if not year_entry.is_dir(follow_symlinks=False):
                reader.unrecognized(year_entry)
                continue
            reused = _reused_projects(reader, reusable, year_entry.name, year_entry.path) if reusable else None
            if reused is not None:
                folders += reused
                continue
            for project_entry in reader.listing(Path(year_entry.path)):
                if not project_entry.is_dir(follow_symlinks=False):
                    reader.unrecognized(project_entry)
                    continue
                folders.append((year_entry.name, project_entry.path))
        for done, found in enumerate(folders, start=1):
            raw.projects.append(found if type(found) is ReusedProject else _load_project(reader, *found))
            if progress:
                progress("读取数据", done, len(folders))
    return raw


def _load_project(reader: _Reader, year_name: str, folder: str) -> RawProject:
    """A project folder's listing and bytes. Parsing waits for parse_project(): a build
    whose cache holds this project's content never parses it."""
    # Plain strings: pathlib costs seconds over 10,000 project folders.
    shown_folder = reader.display(folder)
    project = RawProject(year_name, folder.rpartition(os.sep)[2], shown_folder)
    present: dict[str, os.DirEntry] = {}
    clean = True
    for entry in reader.listing(folder):
        if entry.name in PROJECT_FILES and entry.is_file(follow_symlinks=False):
            present[entry.name] = entry
        else:
            reader.unrecognized(entry)
            clean = False
    for name in PROJECT_FILES:
        if name not in present and name not in OPTIONAL_PROJECT_FILES:
            reader.missing(folder, name)
            clean = False
    project.project_path = f"{shown_folder}/{PROJECT_FILE}"
    project.budget_path = f"{shown_folder}/{BUDGET_FILE}"
    project.indicators_path = f"{shown_folder}/{INDICATORS_FILE}"
    for name in PROJECT_FILES:
        if name in present:
            shown = f"{shown_folder}/{name}"
            digest = reader.unchanged(present[name], shown) if reader.known else None
            if digest is not None:
                project.digests[name] = digest
                continue
            data = reader.read_bytes(os.path.join(folder, name))
            if data is not None:
                project.files[name] = data
                project.digests[name] = reader.contents[reader._content_key(shown)]
    project.clean = clean and len(project.digests) == len(present)
    return project


def _settled_same(current: tuple[int, int], known: tuple[int, int, bytes], settled_ns: int) -> bool:
    """A file's (size, mtime_ns) now is what the last build recorded, and it was modified well
    before that build looked at it: its recorded digest is still its content's."""
    return current[0] == known[0] and current[1] == known[1] and current[1] < settled_ns


def _reusable_folders(reader: _Reader, reuse: dict[str, str] | None, changed_inputs: list[str]
                      ) -> dict[str, str] | None:
    """``reuse`` without the folders holding a file whose stats differ from the last build's (or
    changed too close before it looked: see _Reader.unchanged), as the no-op check found them
    (state.InPlace.changed): no lookup per file in every project folder.

    The stats and digests of every data file the last build knew and this one has not read yet
    are taken over at once: with a recorded tree they are this build's files too, and what this
    build reads of them replaces them."""
    if not reuse:
        return None
    changed = {shown.rpartition("/")[0] for shown in changed_inputs}
    data_shown, stats = reader._data_display, reader.stats
    skip = len(data_shown)
    # Every data file the last build knew, in its order, with what this build read already in place
    # (the portal's and units' files); the project files read later replace theirs. Copies and
    # updates of 31,000 entries, not a step for each.
    merged = dict(reader.known)
    for shown in [shown for shown in merged if not shown.startswith(data_shown)]:
        del merged[shown]  # the templates: the build adds those it finds
    merged.update(stats)
    reader.stats = reader.raw.stats = merged  # taken over, not copied again
    reader.contents.update(zip(map(itemgetter(slice(skip, None)), merged), map(itemgetter(2), merged.values())))
    return {folder: key for folder, key in reuse.items() if folder not in changed}


def _reused_projects(reader: _Reader, reusable: dict[str, str], year_name: str, year_path: str
                     ) -> list[tuple[str, str] | ReusedProject] | None:
    """A year folder's project folders as load_tree's listing would give them: a ReusedProject for
    each folder that is reusable, else (year, path) to load; None when the recorded tree does not
    list the year folder (load_tree lists it then). ``reusable`` holds only folders whose listing
    the last build found complete (RawProject.clean), and a recorded tree only folders with the
    times that build saw, so their listings are the same: neither listed nor looked at."""
    names = reader.tree.names(year_path)
    if names is None:
        return None
    found: list[tuple[str, str] | ReusedProject] = []
    shown_year = reader.display(year_path) + "/"
    for name, is_folder in names:
        path = f"{year_path}/{name}"
        if not is_folder:
            reader.unrecognized(_Recorded(name, path, False))
            continue
        shown = shown_year + name
        key = reusable.get(shown)
        found.append(ReusedProject(year_name, name, shown, path, key) if key is not None else (year_name, path))
    return found


def load_project(root: Path, data_dir: Path, reused: ReusedProject) -> tuple[RawProject, list[Diagnostic]]:
    """A reused project's files, listed and read after all (the last build's work for its key
    was lost), with what reading them reported."""
    raw = RawData()
    return _load_project(_Reader(root, raw, data_dir), reused.year_name, reused.path), raw.diagnostics


def read_unit(root: Path, data_dir: Path, shown: str) -> tuple[bytes | None, list[Diagnostic]]:
    """A unit file load_tree skipped as unchanged (its cached record turned out to be missing)."""
    raw = RawData()
    data = _Reader(root, raw, data_dir).read_bytes(data_dir / UNITS_DIR / shown.rpartition("/")[2])
    return data, raw.diagnostics


def read_skipped(root: Path, data_dir: Path, project: RawProject) -> list[Diagnostic]:
    """Read the files load_tree skipped as unchanged (their cached work turned out to be missing)."""
    raw = RawData()
    reader = _Reader(root, raw, data_dir)
    folder = data_dir / PROJECTS_DIR / project.year_name / project.project_id
    for name in sorted(set(project.digests) - set(project.files)):
        data = reader.read_bytes(folder / name)
        if data is None:
            del project.digests[name]
        else:
            project.files[name] = data
            project.digests[name] = hashlib.sha256(data).digest()
    return raw.diagnostics


@dataclass
class ParsedProject:
    """What parsing one project's files found: per project, so it can be cached as a unit."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    personal: list[tuple[str, str, Diagnostic]] = field(default_factory=list)
    data_lines: dict[str, set[int]] = field(default_factory=dict)


def parse_project(root: Path, data_dir: Path, project: RawProject) -> ParsedProject:
    """Decode and parse the bytes _load_project read; fills project.project/budget/indicators."""
    raw = RawData()
    reader = _Reader(root, raw, data_dir)
    # Plain strings, as _load_project's: four Paths per project were a tenth of parsing its YAML.
    folder = os.path.join(data_dir, PROJECTS_DIR, project.year_name, project.project_id, "")
    if PROJECT_FILE in project.files:
        project.project = reader.yaml(folder + PROJECT_FILE, project.files[PROJECT_FILE])
    if BUDGET_FILE in project.files:
        project.budget = reader.csv(folder + BUDGET_FILE, project.files[BUDGET_FILE])
    if INDICATORS_FILE in project.files:
        project.indicators = reader.csv(folder + INDICATORS_FILE, project.files[INDICATORS_FILE])
    return ParsedProject(raw.diagnostics, raw.texts, raw.personal, raw.data_lines)


def parse_unit(root: Path, data_dir: Path, path: str, data: bytes) -> tuple[YNode | None, ParsedProject]:
    """Decode and parse a unit file's bytes (``path`` as shown, under data_dir/units/)."""
    raw = RawData()
    reader = _Reader(root, raw, data_dir)
    node = reader.yaml(data_dir / UNITS_DIR / path.rpartition("/")[2], data)
    return node, ParsedProject(raw.diagnostics, raw.texts, raw.personal, raw.data_lines)
