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

import bisect
import ctypes
import errno
import json
import os
import re
import shutil
import stat
import time
from array import array
from dataclasses import dataclass
from itertools import chain, count
from json.encoder import encode_basestring
from pathlib import Path

from . import rules
from .diagnostics import Diagnostic, Location

MANIFEST = ".generated.json"
FILE_MODE = 0o644
FOLDER_MODE = 0o755


@dataclass(frozen=True)
class WriteResult:
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]


class OutsideOutput(Exception):
    """A path that would leave the output folder; callers check with collision() first."""


def _resolved(base_text: str, folder_relative: str, cache: dict) -> str:
    """os.path.realpath of the folder, from its parent's (cached): a name that is not a link
    adds itself, so a new project's folder costs one lstat instead of one per level."""
    found = cache.get((base_text, folder_relative))
    if found is not None:
        return found
    parent, _, name = folder_relative.rpartition("/")
    path = f"{base_text}/{folder_relative}" if folder_relative else base_text
    if not folder_relative:
        found = os.path.realpath(path)
    else:
        above = _resolved(base_text, parent, cache)
        found = f"{above}/{name}"
        if _absent(base_text, parent) in cache:
            cache[_absent(base_text, folder_relative)] = True
        else:
            try:
                mode = os.lstat(path).st_mode
            except FileNotFoundError:
                # Remembered: nothing in a missing folder needs a look (a first build's 61,000
                # pages would each cost a failing lstat, stat and open of the live tree).
                cache[_absent(base_text, folder_relative)] = True
            except OSError:
                pass
            else:
                if stat.S_ISLNK(mode):
                    found = os.path.realpath(path)
    cache[(base_text, folder_relative)] = found
    return found


def _absent(base_text: str, folder_relative: str) -> tuple:
    """The cache entry (_resolved) that says this folder did not exist when it was resolved."""
    return ("absent", base_text, folder_relative)


def _in_missing_folder(base_text: str, relative: str, cache: dict) -> bool:
    """After _contained_text(base_text, relative, cache): the folder of ``relative`` did not exist
    when it was resolved, so neither does the file (nothing writes into the live tree during a pass)."""
    return _absent(base_text, relative.rpartition("/")[0]) in cache


def contained(out_dir: Path, relative: str, cache: dict | None = None, final: bool = True) -> Path | None:
    """``out_dir / relative`` when it is inside ``out_dir`` with no ``..`` and no link on the
    way; None otherwise. The one containment check every writer uses.

    ``cache`` (one dict per pass over the pages) remembers resolved folders and answers:
    thousands of pages share a few hundred folders, a page is checked by the collision check
    and again when it is staged, and nothing creates links while a pass runs. Plain
    strings (os.path), not pathlib: a first build checks 60,000 paths. ``final=False`` skips the
    check of the last name for callers that create it with O_EXCL | O_NOFOLLOW.
    """
    found = _contained_text(str(out_dir), relative, {} if cache is None else cache, final)
    return None if found is None else Path(found)


def _contained_text(base_text: str, relative: str, cache: dict, final: bool = True) -> str | None:
    """contained() as a string: the hot paths (staging 61,000 files) make no Path objects."""
    known = cache.get((base_text, relative, final))
    if known is not None:
        return known or None
    if not relative or relative[0] == "/" or "\\" in relative or "\0" in relative:
        return None
    probe = f"/{relative}/"
    if "//" in probe or "/./" in probe or "/../" in probe:  # an empty, "." or ".." part
        return None
    folder_relative = relative.rpartition("/")[0]
    base = cache.get(base_text)
    if base is None:
        base = cache[base_text] = os.path.realpath(base_text)
    folder = cache.get((base_text, folder_relative))
    if folder is None:
        folder = _resolved(base_text, folder_relative, cache)
    target = f"{base_text}/{relative}"
    # Exactly where the name says: no link on the way, even one that stays inside (the
    # staging copy of an absolute link would point back into the live folder).
    if folder != (f"{base}/{folder_relative}" if folder_relative else base) or (
            final and _absent(base_text, folder_relative) not in cache and os.path.islink(target)):
        cache[(base_text, relative, final)] = False
        return None
    cache[(base_text, relative, final)] = target
    return target


def _well_formed(relative: str) -> bool:
    """A plain relative path: no empty, "." or ".." part, no backslash, no NUL. String searches
    rather than a split: the manifest of 10,000 projects names 61,000 paths."""
    if not relative or relative[0] == "/" or relative[-1] == "/" or "//" in relative \
            or "\\" in relative or "\0" in relative:
        return False
    framed = f"/{relative}/"
    return "/./" not in framed and "/../" not in framed


_MANIFEST_EMPTY = '{\n "files": []\n}\n'
_MANIFEST_HEAD = '{\n "files": [\n  "'
_MANIFEST_TAIL = '"\n ]\n}\n'
_MANIFEST_SEPARATOR = '",\n  "'
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # escaped by json (with "\\", '"' and "\n")
_CONTROL_BYTES = bytes(range(0x00, 0x0a)) + bytes(range(0x0b, 0x20))


def _plain_body(body: str, number: int) -> bool:
    """``body`` is ``number`` names joined by _MANIFEST_SEPARATOR, none of which json escapes:
    its only quotes and line breaks are the separators'. Whole-text searches, no loop."""
    if body.count('"') != 2 * (number - 1) or body.count("\n") != number - 1 or "\\" in body:
        return False
    if body.isascii():  # the usual case: a deletion of control bytes, 20 times faster than re
        encoded = body.encode("ascii")
        return len(encoded.translate(None, _CONTROL_BYTES)) == len(encoded)
    return _CONTROL.search(body) is None


def manifest_bytes(files, ordered: list[str] | None = None) -> bytes:
    """``json.dumps({"files": sorted(files)}, ensure_ascii=False, indent=1) + "\\n"``, UTF-8: the
    same text, made without the pure-Python encoder that ``indent`` selects (61,000 paths at
    10,000 projects, on every build that changes something). Names json leaves as they are (all
    the generator makes) are joined as they are; ``ordered``: ``sorted(files)``, when known."""
    if not files:
        return _MANIFEST_EMPTY.encode("utf-8")
    ordered = sorted(files) if ordered is None else ordered
    body = _MANIFEST_SEPARATOR.join(ordered)
    if not _plain_body(body, len(ordered)):
        body = _MANIFEST_SEPARATOR.join(encode_basestring(name)[1:-1] for name in ordered)
    return f"{_MANIFEST_HEAD}{body}{_MANIFEST_TAIL}".encode("utf-8")


def _canonical_names(text: str) -> list[str] | None:
    """The names of a manifest that is exactly what manifest_bytes writes for them, in their
    order, without json's parser (a str.split); None for any other text (read with json)."""
    if text == _MANIFEST_EMPTY:
        return []
    if len(text) < len(_MANIFEST_HEAD) + len(_MANIFEST_TAIL) or not text.startswith(_MANIFEST_HEAD) \
            or not text.endswith(_MANIFEST_TAIL):
        return None
    body = text[len(_MANIFEST_HEAD):-len(_MANIFEST_TAIL)]
    names = body.split(_MANIFEST_SEPARATOR)
    if not _plain_body(body, len(names)):
        return None
    return names


def _all_well_formed(names: list[str]) -> bool:
    """_well_formed of every name (none holds a line break), as a few searches of one text; any
    "." after a separator (a hidden file too) is left to _well_formed, name by name."""
    framed = "\n" + "\n".join(names) + "\n"
    if "/." in framed or "\n." in framed:
        return all(map(_well_formed, names))
    return not any(bad in framed for bad in ("\\", "\0", "\n\n", "\n/", "/\n", "//"))


@dataclass
class Manifest:
    """The manifest as read: its names, and when it is exactly what manifest_bytes writes for
    them, the names in order (``ordered``) and the file's identity when read (``seen``)."""

    names: set[str]
    ordered: list[str] | None = None
    seen: tuple | None = None


def _file_identity(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def load_manifest(out_dir: Path, vouched: tuple | None = None) -> Manifest:
    """The manifest's names. ``vouched``: the identity of a manifest this code wrote or checked
    (the spare's record keeps it): when the file still has it, its text is what manifest_bytes
    made of well-formed names, so it is only split, not checked again (61,000 names)."""
    try:
        with open(out_dir / MANIFEST, "rb") as handle:
            seen = _file_identity(os.fstat(handle.fileno()))
            text = handle.read().decode("utf-8")
        # Without a backslash no name was escaped: the names are the text between the separators.
        if vouched is not None and seen == vouched and "\\" not in text:
            if text == _MANIFEST_EMPTY:
                return Manifest(set(), [], seen)
            names = text[len(_MANIFEST_HEAD):-len(_MANIFEST_TAIL)].split(_MANIFEST_SEPARATOR)
            return Manifest(set(names), names, seen)
        names = _canonical_names(text)
        if names == []:
            return Manifest(set(), [], seen)
        if names is not None:
            found = set(names)
            if _all_well_formed(names):
                # Sorted without repeats: the bytes are those manifest_bytes makes of the names.
                canonical = len(found) == len(names) and names == sorted(names)
                return Manifest(found, names if canonical else None, seen if canonical else None)
            return Manifest({p for p in names if _well_formed(p)})
        data = json.loads(text)
        # The manifest is a file on disk like any other: its entries must be plain relative paths,
        # and every one is checked again with contained() before anything is done to it.
        return Manifest({p for p in data.get("files", []) if isinstance(p, str) and _well_formed(p)})
    except (OSError, ValueError, AttributeError, TypeError):  # TypeError: {"files": 1}
        return Manifest(set())


def read_manifest(out_dir: Path) -> set[str]:
    return load_manifest(out_dir).names


def _patched_order(ordered: list[str], previous: set[str], listed: set[str]) -> list[str] | None:
    """sorted(listed), from ``ordered`` (sorted(previous)) when only a few names were added or
    removed (a project added or deleted), instead of sorting 61,000 names again; None otherwise."""
    added = listed - previous
    gone = previous - listed
    if len(added) + len(gone) > 64:
        return None
    ordered = list(ordered)
    for name in gone:
        del ordered[bisect.bisect_left(ordered, name)]
    for name in added:
        bisect.insort(ordered, name)
    return ordered


def _is_generated(path: Path) -> bool:
    # Imported here: recover() runs at the start of every build, and a no-op build (noop.py)
    # must not import the renderer and jinja2.
    from .render import GENERATED_MARKER

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


def collision(relative: str, out_dir: Path, display_root: Path, known: set[str], cache: dict) -> Diagnostic | None:
    """X306 when a generated path would leave the output folder, X305 when it would replace a
    hand-written file (one that is not in the manifest ``known`` and is not ours)."""
    base_text = str(out_dir)
    found = _contained_text(base_text, relative, cache)
    if found is None:
        shown = _shown(out_dir / relative, display_root) if "\0" not in relative else repr(relative)
        return rules.make("X306", Location(_shown(out_dir, display_root)), path=shown)
    if relative not in known and not _in_missing_folder(base_text, relative, cache) and os.path.exists(found):
        target = Path(found)
        if not _ours(relative, target):
            shown = _shown(target, display_root)
            return rules.make("X305", Location(shown), path=shown)
    return None


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


def recover(out_dir: Path, spare: Path | None = None) -> None:
    """Finish what a killed build left: the output folder is always complete; remove the rest.

    A leftover staging folder is some earlier tree: with ``spare`` it is kept there (the next
    publish brings it up to date, see _sync), otherwise removed.
    """
    previous = _previous(out_dir)
    if not out_dir.exists() and previous.is_dir():
        # Killed between the two renames of the fallback swap: put the old tree back.
        os.rename(previous, out_dir)
    staging = _staging(out_dir)
    if spare is not None and staging.is_dir() and not staging.is_symlink() and not spare.exists() \
            and _same_device(staging, spare):
        os.rename(staging, spare)
    for leftover in (staging, previous):
        if leftover.exists() or leftover.is_symlink():
            _remove(leftover)


def _same_device(path: Path, other: Path) -> bool:
    try:
        other.parent.mkdir(parents=True, exist_ok=True)
        return os.lstat(path).st_dev == os.lstat(other.parent).st_dev
    except OSError:
        return False


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


def _mirror(source: Path, target: Path) -> list[str]:
    """``target`` as a copy of ``source`` made of hard links: no data copied, mtimes kept.
    Returns every folder of ``source``, relative to it ("" for itself)."""
    target.mkdir()
    os.chmod(target, stat.S_IMODE(source.stat().st_mode))
    folders = [""]
    pending = [(source, target, "")]
    while pending:
        here, there, relative = pending.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                destination = there / entry.name
                if entry.is_symlink():
                    os.symlink(os.readlink(entry.path), destination)
                elif entry.is_dir(follow_symlinks=False):
                    destination.mkdir()
                    os.chmod(destination, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode))
                    inside = f"{relative}/{entry.name}" if relative else entry.name
                    folders.append(inside)
                    pending.append((Path(entry.path), destination, inside))
                else:
                    try:
                        os.link(entry.path, destination, follow_symlinks=False)
                    except OSError:
                        shutil.copy2(entry.path, destination, follow_symlinks=False)
    return folders


def _sync(source: Path, target: Path, relative: str = "", folders: list[str] | None = None,
          recursive: bool = True) -> list[str]:
    """Make ``target`` (an earlier copy of ``source`` made by _mirror) equal to ``source`` again.

    Files are compared by inode number, which os.scandir gives without a stat call: the same
    inode is the same file, so only what changed since the copy was made is linked again or
    removed. At 10,000 projects this costs two directory walks instead of 60,000 new links.
    Plain strings, not pathlib, for the same reason.

    Returns every folder of ``source`` it walked, relative to the tree's top (``relative`` is
    where ``source`` is in it), added to ``folders``. Not ``recursive``: ``source`` only, and
    below it only folders ``target`` lacks (see _sync_changed).
    """
    folders = [] if folders is None else folders
    folders.append(relative)
    pending = [(str(source), str(target), relative)]
    while pending:
        here, there, inside = pending.pop()
        with os.scandir(there) as entries:
            old = {entry.name: entry for entry in entries}
        with os.scandir(here) as entries:
            for entry in entries:
                current = old.pop(entry.name, None)
                if current is not None and current.inode() == entry.inode() and \
                        not entry.is_dir(follow_symlinks=False):
                    continue  # one file (or link) in both trees: the usual case, first
                destination = f"{there}/{entry.name}"
                if entry.is_symlink():
                    if current is not None and current.is_symlink() and \
                            os.readlink(current.path) == os.readlink(entry.path):
                        continue
                    if current is not None:
                        _remove(Path(destination))
                    os.symlink(os.readlink(entry.path), destination)
                elif entry.is_dir(follow_symlinks=False):
                    new = current is None or current.is_symlink() or not current.is_dir(follow_symlinks=False)
                    if new:
                        if current is not None:
                            _remove(Path(destination))
                        os.mkdir(destination)
                        os.chmod(destination, stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode))
                    if new or recursive:
                        below = f"{inside}/{entry.name}" if inside else entry.name
                        folders.append(below)
                        pending.append((entry.path, destination, below))
                else:
                    if current is not None and not current.is_symlink() and \
                            not current.is_dir(follow_symlinks=False) and current.inode() == entry.inode():
                        continue
                    if current is not None:
                        _remove(Path(destination))
                    try:
                        os.link(entry.path, destination, follow_symlinks=False)
                    except OSError:
                        shutil.copy2(entry.path, destination, follow_symlinks=False)
        for name in old:  # gone from the source
            _remove(Path(f"{there}/{name}"))
    return folders


# ---- the spare tree's record: which of its folders may differ from the live tree -------------

# A folder modified this close before its times were recorded may change again within the same
# clock tick unseen (file systems keep coarse times): it is compared again next time (as state.py).
# The file system's own clock, read before the times are taken (_unsure_from), narrows that to the
# folders modified in the tick the times were taken in; this is the bound without it.
SPARE_SETTLE_NS = 2_000_000_000
_SPARE_FORMAT = "spare-record-5"


def _unsure_from(tree: Path, clock: Path | None) -> int:
    """The time from which a folder's times, taken after this call, may hide a change made in
    the same clock tick: the file system's clock (``clock``, a file beside the tree on its device,
    touched and read: the times it gives are the tree's), before which any later change moves a
    folder's times; without it (another device, an error) SPARE_SETTLE_NS before the wall
    clock, as the bound for coarse file systems. Whichever is later: the wall clock's bound alone
    is what tests set to zero to count moved times only."""
    wall = time.time_ns() - SPARE_SETTLE_NS
    if clock is None:
        return wall
    try:
        handle = os.open(clock, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        try:
            os.utime(handle)  # now, by the file system's clock (a server's, over NFS)
            info = os.fstat(handle)
        finally:
            os.close(handle)
        if info.st_dev != os.lstat(tree).st_dev:
            return wall
    except OSError:
        return wall
    return max(min(info.st_mtime_ns, info.st_ctime_ns), wall)


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    """A tree's identity: renaming it (every publish does) or changing its top folder changes it."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns)


def _folder_times(top: Path, folders: list[str]) -> list[tuple[str, int, int]]:
    """(folder, mtime_ns, ctime_ns) of each folder still there, relative to ``top``."""
    found = []
    base = str(top)
    for relative in folders:
        try:
            info = os.stat(f"{base}/{relative}" if relative else base, follow_symlinks=False)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            found.append((relative, info.st_mtime_ns, info.st_ctime_ns))
    return found


def _table(top: Path, folders, clock: Path | None = None) -> tuple:
    """The times of ``top``'s folders: (unsure_ns, the folders sorted, their mtime_ns and ctime_ns
    two by two in an array, the folders too recent to tell: times at or after unsure_ns, see
    _unsure_from). A table describes one tree; the record keeps one for the output folder and
    one for the spare, each patched (_patched) after a publish, not made again."""
    settled = _unsure_from(top, clock)
    found = _folder_times(top, sorted(set(folders)))
    return (settled, [relative for relative, _, _ in found],
            array("q", chain.from_iterable((mtime, ctime) for _, mtime, ctime in found)),
            tuple(relative for relative, mtime, ctime in found if mtime >= settled or ctime >= settled))


def table_times(table: tuple) -> dict[str, tuple[int, int]]:
    """A table as {folder: (mtime_ns, ctime_ns)} (for tests)."""
    _, names, flat, _ = table
    pairs = iter(flat)
    return dict(zip(names, zip(pairs, pairs)))


def _patched(top: Path, table: tuple, touched, clock: Path | None = None) -> tuple:
    """``table`` brought up to now: the ``touched`` folders (those this process changed, or made)
    and those too recent to tell are looked at again; the others keep their times. Sound because
    a folder changed after its time was taken (and settled) no longer has it: it is compared
    again (_changed_folders), never taken as unchanged."""
    settled = _unsure_from(top, clock)
    _, names, flat, unsettled = table
    names, flat = list(names), array("q", flat)
    recent = []
    base = str(top)
    for relative in sorted(set(touched).union(unsettled)):
        index = bisect.bisect_left(names, relative)
        present = index < len(names) and names[index] == relative
        try:
            info = os.stat(f"{base}/{relative}" if relative else base, follow_symlinks=False)
        except OSError:
            info = None
        if info is None or not stat.S_ISDIR(info.st_mode):
            if present:
                del names[index]
                del flat[2 * index:2 * index + 2]
            continue
        if present:
            flat[2 * index], flat[2 * index + 1] = info.st_mtime_ns, info.st_ctime_ns
        else:
            names.insert(index, relative)
            flat[2 * index:2 * index] = array("q", (info.st_mtime_ns, info.st_ctime_ns))
        if info.st_mtime_ns >= settled or info.st_ctime_ns >= settled:
            recent.append(relative)
    return settled, names, flat, tuple(recent)


def _ancestors(paths) -> set[str]:
    """The folders of ``paths`` and every folder above them, "" (the top) included."""
    found = {""}
    for path in paths:
        folder = path.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def spare_record(spare: Path, live: tuple, manifest: tuple | None = None, kept: tuple | None = None) -> tuple:
    """What the next publish needs to bring ``spare`` (equal to the output folder now) up to date
    without walking either tree: the spare's identity, and the times of every folder of the
    output tree (``live``, a _table). A folder whose entries change (a file added, removed or
    renamed over, also by hand) changes its times; a file edited in place is shared with the
    spare (a hard link). ``kept``: the spare's own table, if known (it is the output folder after
    the next publish). ``manifest``: the identity of the output folder's manifest when it is one
    manifest_bytes wrote (load_manifest trusts it while the file keeps it). Tables are stored
    packed (_packed): two strings and an array pickle in a fraction of the time of 20,000 tuples."""
    return (_SPARE_FORMAT, _identity(spare), _packed(live), manifest, None if kept is None else _packed(kept))


def _packed(table: tuple) -> tuple:
    unsure_ns, names, flat, recent = table
    return unsure_ns, "\0".join(names), flat, "\0".join(recent)


def _unpacked(table) -> tuple:
    """A _table from _packed; ValueError for anything else."""
    unsure_ns, names, flat, recent = table
    if not isinstance(unsure_ns, int) or not isinstance(names, str) or not isinstance(flat, array) \
            or flat.typecode != "q" or not isinstance(recent, str):
        raise ValueError("not a table")
    names_list = names.split("\0") if flat else []
    if len(flat) != 2 * len(names_list):
        raise ValueError("not a table")
    return unsure_ns, names_list, flat, tuple(recent.split("\0")) if recent else ()


def _tables(record) -> tuple | None:
    """(manifest identity, spare identity, live table, kept table or None) of a stored record;
    None when it is not one this code wrote."""
    try:
        form, spare, live, manifest, kept = record
        if form != _SPARE_FORMAT:
            return None
        return manifest, spare, _unpacked(live), None if kept is None else _unpacked(kept)
    except (TypeError, ValueError):
        return None


def _manifest_identity(out_dir: Path) -> tuple | None:
    try:
        return _file_identity(os.stat(out_dir / MANIFEST))
    except OSError:
        return None


def _changed_folders(out_dir: Path, table: tuple, clock: Path | None = None) -> tuple[list[str], tuple] | None:
    """The folders of ``out_dir`` that may differ from the spare (their times moved since the
    table of ``out_dir`` was made, or were too recent to tell), and the table of ``out_dir`` as
    seen now; None when the folder cannot be read."""
    try:
        settled, names, flat, _ = table
        now_settled = _unsure_from(out_dir, clock)
        changed = []
        fresh = array("q", flat)
        gone = []
        recent = []
        look = os.stat
        top = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)  # names looked up from it: 10,000 folders
        try:
            for index, relative, mtime, ctime in zip(count(), names, flat[0::2], flat[1::2]):
                try:
                    info = look(relative or ".", dir_fd=top, follow_symlinks=False)
                except OSError:
                    gone.append(index)
                    continue  # gone: its parent's times moved, and its parent's sync removes it
                seen_mtime, seen_ctime = info.st_mtime_ns, info.st_ctime_ns
                if seen_mtime != mtime or seen_ctime != ctime:
                    changed.append(relative)
                    fresh[2 * index], fresh[2 * index + 1] = seen_mtime, seen_ctime
                elif mtime >= settled or ctime >= settled:
                    changed.append(relative)
                if seen_mtime >= now_settled or seen_ctime >= now_settled:
                    recent.append(relative)
        finally:
            os.close(top)
        kept = list(names)
        for index in reversed(gone):
            del kept[index]
            del fresh[2 * index:2 * index + 2]
        return changed, (now_settled, kept, fresh, tuple(recent))
    except (OSError, TypeError, ValueError):
        return None


def _sync_changed(source: Path, target: Path, changed: list[str]) -> list[str]:
    """_sync of the ``changed`` folders only, each without the folders below it that the target
    has (their own times tell whether they changed), but with every folder that is new. Returns
    the folders it synced or made."""
    found: list[str] = []
    for relative in changed:
        here = f"{source}/{relative}" if relative else str(source)
        there = f"{target}/{relative}" if relative else str(target)
        if not os.path.isdir(here) or os.path.islink(here):
            continue  # gone: its parent is among the changed folders too
        if not os.path.isdir(there) or os.path.islink(there):
            continue  # new: the sync of its parent copies it whole
        _sync(Path(here), Path(there), relative, found, recursive=False)
    return found


def _make_folders(folder: Path, chmod: bool = True) -> None:
    """Missing folders, 0755 whatever the umask, so the web server can read them. The mkdir is
    the look: a first build makes 10,000 folders whose parent exists."""
    try:
        os.mkdir(folder, FOLDER_MODE)
    except FileExistsError:  # there already (or another worker process made it first)
        return
    except FileNotFoundError:
        _make_folders(folder.parent, chmod)
        try:
            os.mkdir(folder, FOLDER_MODE)
        except FileExistsError:
            return
    if chmod:
        os.chmod(folder, FOLDER_MODE)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _umask_cuts_modes() -> bool:
    """Whether os.open and os.mkdir alone would give less than 0644 and 0755. Read once per
    build (a build writes tens of thousands of files), not once per process: a caller may
    change the umask between builds."""
    mask = _umask()
    return bool((FILE_MODE | FOLDER_MODE) & mask)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


def _write_file(path: Path | str, content: bytes, folders: set[str], chmod: bool = True) -> None:
    """A new file (never through an existing hard link or a link), mode 0644 whatever the umask
    (``chmod=False``: the caller knows the umask keeps it). ``folders``: those known to exist."""
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent not in folders:
        _make_folders(Path(parent), chmod)
        folders.add(parent)
    try:
        handle = os.open(path, _CREATE, FILE_MODE)
    except FileExistsError:  # a hard link to the live file, or a link: replace, never write through
        os.unlink(path)
        handle = os.open(path, _CREATE, FILE_MODE)
    try:
        if chmod:
            os.fchmod(handle, FILE_MODE)
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view):]
    finally:
        os.close(handle)


_CHUNK = 1 << 18


def _same_content(path: Path, content: bytes) -> bool:
    """The file holds exactly ``content`` (a link is never read: O_NOFOLLOW). Read in chunks, each
    compared in place: the data package's 13 MB at 10,000 projects, not copied whole again."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if os.fstat(handle).st_size != len(content):
            return False
        done, read = 0, os.read
        while done < len(content):
            # No more than is left: os.read allocates what it is asked for (a page is a few KiB).
            chunk = read(handle, min(_CHUNK, len(content) - done))
            if not chunk or not content.startswith(chunk, done):
                return False
            done += len(chunk)
        return read(handle, 1) == b""
    except OSError:
        return False
    finally:
        os.close(handle)


def _inside(folder: Path, relative: str, cache: dict | None = None, final: bool = True) -> Path:
    return Path(_inside_text(str(folder), relative, {} if cache is None else cache, final))


def _inside_text(base_text: str, relative: str, cache: dict, final: bool = True) -> str:
    target = _contained_text(base_text, relative, cache, final)
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


class Publisher:
    """Publishes generated files into ``out_dir`` atomically: the folder holds the old tree or the
    new one, never a mix, even if the process is killed at any point.

    Files are handed over one at a time (``add``), so a build never holds every page in memory;
    only those that differ from the live folder are written, into a staging copy of it made of
    hard links, which ``commit`` swaps in with one rename. ``keep`` names generated files this
    build did not render because they are known to be current. With ``spare`` (a folder on the
    same file system, outside out_dir's parent) the tree swapped out is kept there and brought
    up to date next time (_sync) instead of being rebuilt from scratch.
    """

    def __init__(self, out_dir: Path, spare: Path | None = None, record=None):
        self.out_dir = out_dir.resolve()  # a linked output folder: stage beside the real one
        self.spare = spare
        # Beside the spare (on the output folder's device, _same_device): read for the file system's clock.
        self._clock = None if spare is None else spare.with_name("clock-" + spare.name)
        self.record = record  # spare_record() of the spare as the last publish left it, if any
        self._record = _tables(record)
        self.folders: list[str] | None = None  # the live tree's folders, once the staging tree is made
        self._live_table: tuple | None = None  # _table of the live tree when the staging tree was made
        self._spare_table: tuple | None = None  # the record's _table of the spare (the staging tree)
        self._touched: set[str] = set()  # folders of the staging tree its sync changed or made
        recover(self.out_dir, spare)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._manifest = load_manifest(self.out_dir, None if self._record is None else self._record[0])
        self.previous = self._manifest.names
        self.listed: set[str] = set()
        self.changed: list[str] = []
        self.unchanged: list[str] = []
        self.staging: Path | None = None
        self._live: dict = {}
        self._staged: dict = {}
        self._folders: set[str] = set()
        self._chmod = _umask_cuts_modes()

    def _stage(self) -> Path:
        if self.staging is None:
            staging = _staging(self.out_dir)
            spare = self.spare
            if spare is not None and spare.is_dir() and not spare.is_symlink() and _same_device(self.out_dir, spare):
                record = self._record
                seen = None
                if record is not None and record[1] is not None and record[1] == _identity(spare):
                    seen = _changed_folders(self.out_dir, record[2], self._clock)
                os.rename(spare, staging)
                if seen is None:
                    self.folders = _sync(self.out_dir, staging)
                else:
                    changed, self._live_table = seen
                    self._spare_table = record[3]
                    self._touched.update(_sync_changed(self.out_dir, staging, changed))
                    self.folders = [*self._live_table[1], *self._touched]
            else:
                if spare is not None and (spare.exists() or spare.is_symlink()):
                    _remove(spare)
                self.folders = _mirror(self.out_dir, staging)
            self.staging = staging
        return self.staging

    @property
    def checked(self) -> dict:
        """contained()'s answers for the live folder, for the collision check to share."""
        return self._live

    def prepare(self) -> None:
        """Make the staging tree now: worker processes forked after this write into it."""
        self._stage()

    def stage(self, relative: str, text: str | bytes) -> bool:
        """Write one file into the staging tree when it differs from the live one; True if it did.
        Records nothing (a worker process's records would be lost): see add and merge."""
        live = str(self.out_dir)
        target = _inside_text(live, relative, self._live)  # not a link: contained() checks
        content = text.encode("utf-8") if isinstance(text, str) else text
        if not _in_missing_folder(live, relative, self._live) and _same_content(target, content):
            return False
        # No link check of the staged name itself: _write_file never writes through one.
        _write_file(_inside_text(str(self._stage()), relative, self._staged, final=False), content,
                    self._folders, self._chmod)
        return True

    def add(self, relative: str, text: str | bytes) -> None:
        self.listed.add(relative)
        (self.changed if self.stage(relative, text) else self.unchanged).append(relative)

    def merge(self, listed: list[str], changed: list[str], unchanged: list[str]) -> None:
        """What a worker process added to the same staging tree (see workers.py)."""
        self.listed.update(listed)
        self.changed += changed
        self.unchanged += unchanged

    def keep(self, relative: str) -> None:
        self.listed.add(relative)
        self.unchanged.append(relative)

    def keep_all(self, relatives: list[str]) -> None:
        self.listed.update(relatives)
        self.unchanged += relatives

    def commit(self) -> WriteResult:
        removals = []
        same_files = self.listed == self.previous  # the usual case: no page added or removed
        for relative in [] if same_files else sorted(self.previous - self.listed):
            target = contained(self.out_dir, relative, self._live)
            if target is not None and target.is_file() and not target.is_symlink() and _ours(relative, target):
                removals.append(relative)
        manifest_same = same_files and self._manifest_unchanged()
        if not manifest_same:
            manifest = manifest_bytes(self.listed, self._ordered())
            try:
                manifest_same = (self.out_dir / MANIFEST).read_bytes() == manifest
            except OSError:
                manifest_same = False
        if not self.changed and not removals and manifest_same:
            self.abort()  # a staging tree made for nothing
            return WriteResult((), tuple(sorted(self.unchanged)), ())
        staging = self._stage()
        for relative in removals:
            target = _inside(staging, relative, self._staged)
            target.unlink()
            _prune_empty_parents(target.parent, staging)
        if not manifest_same:
            _write_file(staging / MANIFEST, manifest, self._folders)
        if _exchange(staging, self.out_dir):
            # Now the old tree: brought up to date at once with what this publish changed, so
            # that the next one finds it equal to the live tree but for hand edits (_stage).
            if self._retire(staging):
                self._catch_up(self.changed + ([] if manifest_same else [MANIFEST]), removals)
        else:
            old = _previous(self.out_dir)
            os.rename(self.out_dir, old)
            os.rename(staging, self.out_dir)
            shutil.rmtree(old)
            self.record = None
        self.staging = None
        return WriteResult(tuple(sorted(self.changed)), tuple(sorted(self.unchanged)), tuple(removals))

    def _manifest_unchanged(self) -> bool:
        """The manifest read at the start is what manifest_bytes writes for its names (the files
        listed, the caller knows), and still the same file: no need to make its 61,000 lines
        again to compare."""
        seen = self._manifest.seen
        if seen is None or self._manifest.ordered is None:
            return False
        try:
            return _file_identity(os.stat(self.out_dir / MANIFEST)) == seen
        except OSError:
            return False

    def _ordered(self) -> list[str] | None:
        ordered = self._manifest.ordered
        return None if ordered is None else _patched_order(ordered, self.previous, self.listed)

    def abort(self) -> None:
        """Nothing published: the staging copy is set aside (or removed); the live folder is as it was."""
        if self.staging is not None:
            # Equal to the live tree unless files were staged into it already.
            if self._retire(self.staging) and not self.changed and self.folders is not None:
                manifest = _manifest_identity(self.out_dir)
                live = self._live_table if self._live_table is not None else \
                    _table(self.out_dir, self.folders, self._clock)
                # Renamed back: its top folder's times moved ("").
                kept = None if self._spare_table is None else \
                    _patched(self.spare, self._spare_table, self._touched | {""}, self._clock)
                self.record = spare_record(self.spare, live, manifest if manifest == self._manifest.seen else None,
                                           kept)
            else:
                self.record = None
            self.staging = None

    def _retire(self, tree: Path) -> bool:
        """Keep ``tree`` as the spare (True), or remove it."""
        self.record = None
        if self.spare is not None and not self.spare.exists() and _same_device(tree, self.spare):
            os.rename(tree, self.spare)
            return True
        shutil.rmtree(tree)
        return False

    def _catch_up(self, changed: list[str], removals: list[str]) -> None:
        """Make the spare (the tree just swapped out) equal to the live tree: link what this publish
        wrote, remove what it removed. The first publish into an empty folder pays its links here,
        in the build that wrote the files, not in the next one after a small change."""
        spare, live = self.spare, str(self.out_dir)
        checked: dict = {}
        folders_made: dict[str, str] = {}  # folder inside the tree → its path, checked and made
        link = os.link
        try:
            for relative in changed:  # well-formed: each was staged (_inside) under the same name
                inside, _, name = relative.rpartition("/")
                folder = folders_made.get(inside)
                if folder is None:
                    # No link on the way to the folder (its last name is the file's: not checked,
                    # as _write_file's O_EXCL | O_NOFOLLOW); checked once per folder.
                    parent = _inside(spare, relative, checked, final=False).parent
                    _make_folders(parent, self._chmod)
                    folder = folders_made[inside] = str(parent)
                source, target = f"{live}/{relative}", f"{folder}/{name}"
                try:
                    link(source, target, follow_symlinks=False)
                except FileExistsError:  # the old tree's file: replaced, never written through
                    os.unlink(target)
                    link(source, target, follow_symlinks=False)
            for relative in removals:
                target = _inside(spare, relative, checked)
                try:
                    os.unlink(target)
                except FileNotFoundError:
                    continue
                _prune_empty_parents(target.parent, spare)
        except (OSError, OutsideOutput):
            shutil.rmtree(spare, ignore_errors=True)  # the next publish makes a new one
            return
        if self.folders is None:
            return
        # Folders this publish changed or made in either tree (both renamed: "" is among them), and
        # those the sync found new (made by hand in the old tree, copied into the new one).
        touched = _ancestors(changed + removals) | self._touched
        if self._spare_table is not None:  # the tree just swapped in, as its record had it, patched
            table = _patched(self.out_dir, self._spare_table, touched, self._clock)
        else:
            table = _table(self.out_dir, set(self.folders) | touched, self._clock)
        # The spare's own table: patched, or (no record to patch: a first build, a lost record) made
        # here, in the build that wrote the whole tree, not by the first change after it.
        kept = _patched(spare, self._live_table, touched, self._clock) if self._live_table is not None else \
            _table(spare, set(self.folders) | touched, self._clock)
        # The live manifest is the one manifest_bytes made for this publish (written, or found equal).
        self.record = spare_record(spare, table, _manifest_identity(self.out_dir), kept)


def write_pages(pages: dict[str, str | bytes], out_dir: Path, *, keep: frozenset[str] | set[str] = frozenset(),
                spare: Path | None = None) -> WriteResult:
    """Publish ``pages`` (and keep ``keep``) in one atomic step; see Publisher."""
    publisher = Publisher(out_dir, spare)
    for relative, text in sorted(pages.items()):
        publisher.add(relative, text)
    for relative in keep:
        publisher.keep(relative)
    return publisher.commit()
