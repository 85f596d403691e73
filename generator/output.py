"""Write generated pages into docs_src/ without touching hand-written files.

A manifest lists what the generator wrote last time, so pages whose data was
removed are deleted at the next build and nothing else is. Unchanged files are not
rewritten, so their mtime stays and mkdocs or rsync move only what changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import rules
from .diagnostics import Diagnostic, Location
from .render import GENERATED_MARKER

MANIFEST = ".generated.json"


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


def read_manifest(out_dir: Path) -> set[str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {str(p) for p in data.get("files", [])}
    except (OSError, ValueError, AttributeError):
        return set()


def _is_generated(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.read(len(GENERATED_MARKER)) == GENERATED_MARKER
    except (OSError, UnicodeDecodeError):
        return False


# Generated files that cannot carry the marker line live only under these folders.
BINARY_DIRS = ("downloads/", "data/")


def _ours(relative: str, target: Path) -> bool:
    if relative.endswith(".md"):
        return _is_generated(target)
    return relative.startswith(BINARY_DIRS)


def find_collisions(pages: dict[str, str | bytes], out_dir: Path, display_root: Path) -> list[Diagnostic]:
    """Generated paths that already hold a hand-written file."""
    known = read_manifest(out_dir)
    found = []
    for relative in pages:
        target = out_dir / relative
        if relative not in known and target.exists() and not _ours(relative, target):
            shown = Path(os.path.relpath(target, display_root)).as_posix()
            found.append(rules.make("X305", Location(shown), path=shown))
    return found


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_pages(pages: dict[str, str | bytes], out_dir: Path) -> WriteResult:
    previous = read_manifest(out_dir)
    written, unchanged = [], []
    for relative, text in sorted(pages.items()):
        target = out_dir / relative
        content = text.encode("utf-8") if isinstance(text, str) else text
        try:
            if target.read_bytes() == content:
                unchanged.append(relative)
                continue
        except OSError:
            pass
        _atomic_write(target, content)
        written.append(relative)
    removed = []
    for relative in sorted(previous - set(pages)):
        target = out_dir / relative
        if target.is_file() and _ours(relative, target):
            target.unlink()
            removed.append(relative)
            _prune_empty_parents(target.parent, out_dir)
    manifest = json.dumps({"files": sorted(pages)}, ensure_ascii=False, indent=1) + "\n"
    manifest_path = out_dir / MANIFEST
    if not manifest_path.exists() or manifest_path.read_text(encoding="utf-8") != manifest:
        _atomic_write(manifest_path, manifest.encode("utf-8"))
    return WriteResult(tuple(written), tuple(unchanged), tuple(removed))


def _prune_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
