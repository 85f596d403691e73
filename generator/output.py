"""Write generated pages into docs_src/ without touching hand-written files.

A manifest lists what the generator wrote last time, so pages whose data was
removed are deleted at the next build and nothing else is. Unchanged files are not
rewritten, so their mtime stays and mkdocs or rsync move only what changed.

Two guarantees, whoever edits the data:

- **Containment.** Every path written, compared or deleted goes through
  :func:`contained`, which resolves links and ``..`` and refuses anything that would
  land outside the output folder (rule X306).
- **Atomic publish.** The new tree is assembled in a staging folder beside the output
  folder (unchanged files hard-linked, so they keep their inode and mtime), then
  swapped in with one ``renameat2(RENAME_EXCHANGE)``. A build killed at any moment
  leaves the output folder entirely old or entirely new; the staging folder it may
  leave beside it is removed by the next run (:func:`recover`).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from . import rules
from .diagnostics import Diagnostic, Location
from .render import GENERATED_MARKER

MANIFEST = ".generated.json"
FILE_MODE = 0o644
FOLDER_MODE = 0o755


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


class OutsideOutput(Exception):
    """A path that would leave the output folder; callers check with find_collisions first."""


def contained(out_dir: Path, relative: str, cache: dict | None = None) -> Path | None:
    """``out_dir / relative`` when it is inside ``out_dir`` with no ``..`` and no link on the
    way; None otherwise. The one containment check every writer uses.

    ``cache`` (one dict per pass over the pages) remembers resolved folders: thousands of
    pages share a few hundred folders, and nothing creates links while a pass runs.
    """
    if not relative or relative.startswith("/") or "\\" in relative or "\0" in relative:
        return None
    if any(part in ("", ".", "..") for part in relative.split("/")):
        return None
    cache = {} if cache is None else cache
    target = out_dir / relative
    try:
        base = cache.get(out_dir)
        if base is None:
            base = cache[out_dir] = out_dir.resolve()
        folder = cache.get(target.parent)
        if folder is None:
            folder = cache[target.parent] = target.parent.resolve()
        # Exactly where the name says: no link on the way, even one that stays inside (the
        # staging copy of an absolute link would point back into the live folder).
        if folder != base.joinpath(*relative.split("/")[:-1]) or target.is_symlink():
            return None
    except (OSError, RuntimeError):  # a link loop
        return None
    return target


def read_manifest(out_dir: Path) -> set[str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        # The manifest is a file on disk like any other: its entries are checked too.
        cache: dict = {}
        return {str(p) for p in data.get("files", []) if isinstance(p, str) and contained(out_dir, p, cache)}
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


def _shown(path: Path, display_root: Path) -> str:
    return Path(os.path.relpath(path, display_root)).as_posix()


def find_collisions(pages: dict[str, str | bytes], out_dir: Path, display_root: Path) -> list[Diagnostic]:
    """Generated paths that would leave the output folder (X306) or already hold a
    hand-written file (X305)."""
    known = read_manifest(out_dir)
    found = []
    cache: dict = {}
    for relative in pages:
        target = contained(out_dir, relative, cache)
        if target is None:
            shown = _shown(out_dir / relative, display_root) if "\0" not in relative else repr(relative)
            found.append(rules.make("X306", Location(_shown(out_dir, display_root)), path=shown))
            continue
        if relative not in known and target.exists() and not _ours(relative, target):
            shown = _shown(target, display_root)
            found.append(rules.make("X305", Location(shown), path=shown))
    return found


# ---- staging and the swap ------------------------------------------------------------------

def _staging(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.publishing"


def _previous(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.previous"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def recover(out_dir: Path) -> None:
    """Finish what a killed build left: the output folder is always complete; remove the rest."""
    previous = _previous(out_dir)
    if not out_dir.exists() and previous.is_dir():
        # Killed between the two renames of the fallback swap: put the old tree back.
        os.rename(previous, out_dir)
    for leftover in (_staging(out_dir), previous):
        if leftover.exists() or leftover.is_symlink():
            _remove(leftover)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def _mirror(source: Path, target: Path) -> None:
    """``target`` as a copy of ``source`` made of hard links: no data copied, mtimes kept."""
    target.mkdir()
    os.chmod(target, stat.S_IMODE(source.stat().st_mode))
    pending = [(source, target)]
    while pending:
        here, there = pending.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                destination = there / entry.name
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), destination)
                elif entry.is_dir(follow_symlinks=False):
                    destination.mkdir()
                    os.chmod(destination, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode))
                    pending.append((Path(entry.path), destination))
                else:
                    try:
                        os.link(entry.path, destination, follow_symlinks=False)
                    except OSError:
                        shutil.copy2(entry.path, destination, follow_symlinks=False)


def _make_folders(folder: Path) -> None:
    """Missing folders, 0755 whatever the umask, so the web server can read them."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir()
        os.chmod(created, FOLDER_MODE)


def _write_file(path: Path, content: bytes, folders: set[Path]) -> None:
    """A new file (never through an existing hard link), mode 0644 whatever the umask."""
    if path.parent not in folders:
        _make_folders(path.parent)
        folders.add(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags, FILE_MODE)
    except FileExistsError:  # a hard link to the live file, or a link: replace, never write through
        path.unlink()
        handle = os.open(path, flags, FILE_MODE)
    with os.fdopen(handle, "wb") as stream:
        os.fchmod(stream.fileno(), FILE_MODE)
        stream.write(content)


def _inside(folder: Path, relative: str, cache: dict | None = None) -> Path:
    target = contained(folder, relative, cache)
    if target is None:
        raise OutsideOutput(relative)
    return target


def _prune_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def write_pages(pages: dict[str, str | bytes], out_dir: Path) -> WriteResult:
    out_dir = out_dir.resolve()  # a linked output folder: stage beside the real one
    recover(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(out_dir)
    changes: dict[str, bytes] = {}
    unchanged = []
    cache: dict = {}
    for relative, text in sorted(pages.items()):
        target = _inside(out_dir, relative, cache)
        content = text.encode("utf-8") if isinstance(text, str) else text
        try:
            if not target.is_symlink() and target.read_bytes() == content:
                unchanged.append(relative)
                continue
        except OSError:
            pass
        changes[relative] = content
    removals = []
    for relative in sorted(previous - set(pages)):
        target = contained(out_dir, relative, cache)
        if target is not None and target.is_file() and not target.is_symlink() and _ours(relative, target):
            removals.append(relative)
    manifest = (json.dumps({"files": sorted(pages)}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    try:
        manifest_same = (out_dir / MANIFEST).read_bytes() == manifest
    except OSError:
        manifest_same = False
    if not changes and not removals and manifest_same:
        return WriteResult((), tuple(unchanged), ())

    staging = _staging(out_dir)
    _mirror(out_dir, staging)
    staged: dict = {}
    folders: set[Path] = set()
    for relative, content in changes.items():
        _write_file(_inside(staging, relative, staged), content, folders)
    for relative in removals:
        target = _inside(staging, relative, staged)
        target.unlink()
        _prune_empty_parents(target.parent, staging)
    if not manifest_same:
        _write_file(staging / MANIFEST, manifest, folders)
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now the old tree
    else:
        old = _previous(out_dir)
        os.rename(out_dir, old)
        os.rename(staging, out_dir)
        shutil.rmtree(old)
    return WriteResult(tuple(changes), tuple(unchanged), tuple(removals))
