"""Load: find the files under budget_data/ and parse them into located raw structures.

The loader reports only what stops a file from being read (missing, unreadable,
undecodable, unparsable). Whether the content is acceptable is the schema's call.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from . import rules
from .csvsource import Table, parse_csv
from .diagnostics import Diagnostic, Location
from .sources import decode
from .yamlsource import YNode, parse_yaml

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


@dataclass
class RawData:
    portal: YNode | None = None
    portal_path: str = ""
    units: list[tuple[str, str, YNode | None]] = field(default_factory=list)  # (id, path, node)
    projects: list[RawProject] = field(default_factory=list)
    format_doc: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # every decoded data file, for the personal-data scan
    contents: dict[str, bytes] = field(default_factory=dict)  # raw bytes of every file read, for the data version

    @property
    def data_version(self) -> str:
        """Short hash of everything read from budget_data/: changes exactly when the data does."""
        digest = hashlib.sha256()
        for path, data in sorted(self.contents.items()):
            digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
        return digest.hexdigest()[:12]


def _ignored(name: str) -> bool:
    # Dotfiles, editor backups and Excel's "~$name.csv" lock files are not data.
    return name.startswith((".", "~$")) or name.endswith("~")


class _Reader:
    def __init__(self, root: Path, raw: RawData, data_dir: Path):
        self.root, self.data_dir = root, data_dir
        self._data_text = str(data_dir) + os.sep
        self._data_display = Path(os.path.relpath(data_dir, root)).as_posix() + "/"
        self.diagnostics, self.texts, self.contents = raw.diagnostics, raw.texts, raw.contents

    def display(self, path: Path) -> str:
        # os.path.relpath is slow at 10,000s of files; paths under the data folder only need a prefix.
        text = str(path)
        if text.startswith(self._data_text):
            return self._data_display + text[len(self._data_text):].replace(os.sep, "/")
        return Path(os.path.relpath(path, self.root)).as_posix()

    def read_text(self, path: Path, *, allow_legacy: bool) -> str | None:
        shown = self.display(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            self.diagnostics.append(rules.make("F110", Location(shown), detail=error.strerror or str(error)))
            return None
        # Keyed by the path inside the data folder, so the version does not depend on where it lives.
        self.contents[Path(os.path.relpath(path, self.data_dir)).as_posix()] = data
        decoded = decode(data, shown, allow_legacy_chinese=allow_legacy)
        self.diagnostics.extend(decoded.diagnostics)
        if decoded.text is not None:
            self.texts[shown] = decoded.text
        return decoded.text

    def yaml(self, path: Path) -> YNode | None:
        text = self.read_text(path, allow_legacy=False)
        if text is None:
            return None
        node, diagnostics = parse_yaml(text, self.display(path))
        self.diagnostics.extend(diagnostics)
        return node

    def csv(self, path: Path) -> Table | None:
        text = self.read_text(path, allow_legacy=True)
        if text is None:
            return None
        table, diagnostics = parse_csv(text, self.display(path))
        self.diagnostics.extend(diagnostics)
        return table

    def listing(self, folder: Path) -> list[os.DirEntry]:
        try:
            with os.scandir(folder) as entries:
                return sorted((e for e in entries if not _ignored(e.name)), key=lambda e: e.name)
        except OSError as error:
            self.diagnostics.append(rules.make("F110", Location(self.display(folder)),
                                               detail=error.strerror or str(error)))
            return []

    def unrecognized(self, entry: os.DirEntry) -> None:
        self.diagnostics.append(rules.make("F111", Location(self.display(Path(entry.path))), name=entry.name))

    def missing(self, folder: Path, name: str) -> None:
        self.diagnostics.append(rules.make("S214", Location(self.display(folder)), name=name))


def load_tree(data_dir: Path, root: Path, progress=None, years: frozenset[str] | None = None) -> RawData:
    """Read everything; with ``years``, only the projects of those fiscal years (a split portal)."""
    raw = RawData()
    reader = _Reader(root, raw, data_dir)
    if not data_dir.is_dir():
        raw.diagnostics.append(rules.make("F110", Location(reader.display(data_dir)), detail="数据文件夹不存在"))
        return raw
    units_dir, projects_dir = data_dir / UNITS_DIR, data_dir / PROJECTS_DIR
    for entry in reader.listing(data_dir):
        if entry.name not in (PORTAL_FILE, FORMAT_DOC, UNITS_DIR, PROJECTS_DIR):
            reader.unrecognized(entry)

    portal_path = data_dir / PORTAL_FILE
    raw.portal_path = reader.display(portal_path)
    if portal_path.is_file():
        raw.portal = reader.yaml(portal_path)
    else:
        reader.missing(data_dir, PORTAL_FILE)

    doc_path = data_dir / FORMAT_DOC
    if doc_path.is_file():
        raw.format_doc = reader.read_text(doc_path, allow_legacy=False) or ""
        raw.texts.pop(reader.display(doc_path), None)  # documentation, not data

    if units_dir.is_dir():
        for entry in reader.listing(units_dir):
            if entry.is_file() and entry.name.endswith(".yaml"):
                path = Path(entry.path)
                raw.units.append((entry.name[: -len(".yaml")], reader.display(path), reader.yaml(path)))
            else:
                reader.unrecognized(entry)

    if projects_dir.is_dir():
        folders = []
        for year_entry in reader.listing(projects_dir):
            if years is not None and year_entry.name not in years:
                continue
            if not year_entry.is_dir():
                reader.unrecognized(year_entry)
                continue
            for project_entry in reader.listing(Path(year_entry.path)):
                if not project_entry.is_dir():
                    reader.unrecognized(project_entry)
                    continue
                folders.append((year_entry.name, Path(project_entry.path)))
        for done, (year_name, folder) in enumerate(folders, start=1):
            raw.projects.append(_load_project(reader, year_name, folder))
            if progress:
                progress("读取数据", done, len(folders))
    return raw


def _load_project(reader: _Reader, year_name: str, folder: Path) -> RawProject:
    project = RawProject(year_name, folder.name, reader.display(folder))
    present = set()
    for entry in reader.listing(folder):
        if entry.name in PROJECT_FILES and entry.is_file():
            present.add(entry.name)
        else:
            reader.unrecognized(entry)
    for name in PROJECT_FILES:
        if name not in present and name not in OPTIONAL_PROJECT_FILES:
            reader.missing(folder, name)
    project.project_path = reader.display(folder / PROJECT_FILE)
    project.budget_path = reader.display(folder / BUDGET_FILE)
    project.indicators_path = reader.display(folder / INDICATORS_FILE)
    if PROJECT_FILE in present:
        project.project = reader.yaml(folder / PROJECT_FILE)
    if BUDGET_FILE in present:
        project.budget = reader.csv(folder / BUDGET_FILE)
    if INDICATORS_FILE in present:
        project.indicators = reader.csv(folder / INDICATORS_FILE)
    return project
