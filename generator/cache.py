"""The build cache: one content-addressed store for everything a build can reuse.

The unit of work is a project. Its entries are keyed by a SHA-256 of everything they depend
on, always including the generator's code and library versions (``code_version``):

- a project's validated model, its diagnostics and its `unit:` value, keyed by the paths
  and digests of its files (whether that unit exists is checked on every build);
- a project's downloads, keyed by the project's key and its unit file's key;
- jieba's segmentation of an indicator name (for the relevance check), keyed by the name;
- named slots (``slot:``), the build state of this output folder (state.py): what the
  last successful build read and wrote (per file, per project, per page), which lets the
  next one skip unchanged projects and pages, and answer a build with nothing changed.

The portal's rule settings and acknowledgements are applied after the cache (to cached and
fresh diagnostics alike); page keys include the portal file and the templates (render.Job).

Entries are appended to pack files, one per build and process, instead of one file each:
creating a file is what an entry cost on the build machines (a first build at 10,000
projects made 20,000 of them), and reading one back from a pack costs the same as from its
own file. The index (key → pack, offset, length) is a slot, saved by ``close`` at the end of
every build, failed builds included, so that the work a failed build did is not lost; what a
build changed in it goes to a small journal slot until the journal grows past JOURNAL_FOLD. A pack
the index does not name (a killed build's, a worker's not yet adopted) is adopted or removed;
packs that are mostly garbage are compacted when the store is pruned.

A record is ``key + length + sha256(key, payload) + payload``; a slot is ``MAGIC + length +
crc32(key, payload) + payload`` in its own file, its payload a pickle's length, the pickle and
the buffers it was given out of band (pickle.PickleBuffer: bytes of megabytes, read back each
into bytes of its own, not copied again), each after its length. Reading checks all of it; a record or slot
that is truncated, corrupt, stored under another key or from another format is dropped and
the work is redone: a damaged cache costs time, never correctness. A slot's check is a CRC
(with its length and key) rather than a SHA-256: slots are megabytes read and written by every
build (35 MB after one change at 10,000 projects, where the SHA-256 took 0.03 s), the store is
trusted as much as the installed code (below), and what is guarded against is damage, which a
CRC-32 finds as surely as it needs to: every burst of up to 32 bits, anything else but one time
in four billion, and a change of length by the length. Slots are written to a
temporary file and renamed, so a killed build leaves no partial slot. The payload is a
pickle: the store lives in the repository's git-ignored .cache/, beside .venv/, and is
trusted as much as the installed code.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
import re
import shutil
import sys
import zlib
from functools import lru_cache
from pathlib import Path

MAGIC = b"BDGCACHE5\n"
_DIGEST = 32
_KEY = 64  # a key's hex digest
_HEADER = _KEY + 8 + _DIGEST
_INDEX_SLOT = "slot:index"
# What changed in the index since it was last written whole: a build after one change adds and
# drops a few entries of 25,000 (at 10,000 projects), and writing 1.6 MB for them cost 5 ms.
# Folded into the index past this many changes. A journal that is lost, or belongs to another
# index, only names entries wrongly: every read is verified, so that costs a miss, never a value.
_JOURNAL_SLOT = "slot:index-journal"
JOURNAL_FOLD = 1000
_PACKS = "packs"
# A pack whose live records are less than this share of its bytes is compacted on prune.
_COMPACT_BELOW = 0.5
_CODE_DIR = Path(__file__).resolve().parent
# Libraries whose behaviour shapes a model, a diagnostic or a download.
_LIBRARIES = ("jinja2", "markupsafe", "pyyaml", "xlsxwriter", "jieba", "pandas")


def _normal(project: str) -> str:
    return re.sub(r"[-_.]+", "_", project).lower()


def _library_versions() -> dict[str, str]:
    """Each library's installed version, as importlib.metadata.version gives it: the first
    distribution on sys.path. Read from the ``name-version.dist-info`` folder names, which costs
    a listing per path entry; importing importlib.metadata (and the email package it needs) was
    a tenth of a build with nothing to do. A library installed some other way (an .egg-info)
    is asked of importlib.metadata."""
    wanted = {_normal(name): name for name in _LIBRARIES}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if not entry.endswith(".dist-info"):
                continue
            project, _, version = entry[: -len(".dist-info")].partition("-")
            name = wanted.get(_normal(project))
            if name is not None and name not in found and version:
                found[name] = version
    missing = [name for name in _LIBRARIES if name not in found]
    if missing:
        import importlib.metadata

        for name in missing:
            try:
                found[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                found[name] = ""
    return found


@lru_cache(maxsize=1)
def code_version() -> bytes:
    """A digest of the generator's own code and the library versions that shape the output."""
    digest = hashlib.sha256(MAGIC + platform.python_version().encode())
    for path in sorted(_CODE_DIR.rglob("*.py")):
        digest.update(path.relative_to(_CODE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    versions = _library_versions()
    for name in _LIBRARIES:
        digest.update(f"\0{name}={versions[name]}".encode())
    return digest.digest()


def key(kind: str, *parts: bytes | str) -> str:
    """The key of an entry: its kind, the code version and every part, length-prefixed."""
    chunks = [kind.encode(), b"\0", code_version()]
    for part in parts:
        data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
        chunks += (len(data).to_bytes(8, "big"), data)
    return hashlib.sha256(b"".join(chunks)).hexdigest()


def _seal(key: str, payload: bytes) -> bytes:
    """Binds a payload to its key: an entry copied or renamed to another key is refused too."""
    digest = hashlib.sha256(key.encode() + b"\0")
    digest.update(payload)  # not joined: the build state's payload is megabytes
    return digest.digest()


def _slot_check(key: str, parts) -> bytes:
    """A slot's length and CRC-32 of its key and payload, given in parts (see the module's docstring)."""
    crc, length = zlib.crc32(key.encode() + b"\0"), 0
    for part in parts:
        crc, length = zlib.crc32(part, crc), length + len(part)
    return length.to_bytes(8, "big") + crc.to_bytes(4, "big")


_SLOT_HEADER = len(MAGIC) + 8 + 4


def _loads(payload: bytes, buffers=()):
    try:
        return pickle.loads(payload, buffers=buffers)
    except Exception:  # a verified entry from an incompatible model: redo the work
        return None


class Store:
    """Entries under ``folder``; every read is verified.

    One process writes its entries to its own pack; worker processes forked during a build
    write theirs, which the parent adopts (``adopt``) before it reads what they wrote."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()
        self._index: dict[str, tuple[str, int, int]] | None = None  # loaded when first needed
        self._index_changed = False  # the index to be written whole
        self._added: dict[str, tuple[str, int, int]] = {}  # the journal: entries set since it was,
        self._dropped: set[str] = set()  # and dropped
        self._journal_changed = False
        self._kept: list = []  # collections of keys spared from pruning (keep_all)
        self._token = os.urandom(6).hex()  # names this store's packs for this build
        self._pid = os.getpid()
        self._fd: int | None = None
        self._pack = ""
        self._end = 0
        self._mine: dict[str, tuple[str, int, int]] = {}  # written by this process

    # Slots: named, rewritable entries (the build state), each in its own file.

    def _slot_path(self, key: str) -> Path:
        return self.folder / f"{key[5:]}.slot"

    def _get_slot(self, key: str):
        """A slot's value, its buffers (see _put_slot) each read into bytes of its own: a value
        holding one keeps no more of the slot alive than that buffer."""
        path = self._slot_path(key)
        value = None
        try:
            with open(path, "rb") as file:
                head = file.read(_SLOT_HEADER + 8)
                length = int.from_bytes(head[len(MAGIC):len(MAGIC) + 8], "big")
                # Every length read is checked against the file's before reading by it.
                if len(head) == _SLOT_HEADER + 8 and head.startswith(MAGIC) and \
                        length == os.fstat(file.fileno()).st_size - _SLOT_HEADER:
                    end = 8 + int.from_bytes(head[_SLOT_HEADER:], "big")
                    parts = [head[_SLOT_HEADER:], file.read(end - 8)] if end <= length else []
                    at, buffers = end, []
                    while parts and at + 8 <= length:
                        size = file.read(8)
                        if int.from_bytes(size, "big") > length - at - 8:
                            break
                        buffer = file.read(int.from_bytes(size, "big"))
                        parts += (size, buffer)
                        buffers.append(buffer)
                        at += 8 + len(buffer)
                    if parts and at == length and not file.read(1) and \
                            _slot_check(key, parts) == head[len(MAGIC):_SLOT_HEADER]:
                        value = _loads(parts[1], buffers)
        except OSError:
            return None
        if value is None:
            self._discard(path)
        return value

    def _put_slot(self, key: str, value) -> bool:
        """``value`` pickled, with the buffers it gives as pickle.PickleBuffer (bytes of megabytes)
        after the pickle, out of band: each read back as bytes of its own, not copied again."""
        buffers: list[pickle.PickleBuffer] = []
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL, buffer_callback=buffers.append)
        parts = [len(payload).to_bytes(8, "big"), payload]
        for buffer in buffers:
            raw = buffer.raw()
            parts += (len(raw).to_bytes(8, "big"), raw)
        path = self._slot_path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as file:
                file.write(MAGIC + _slot_check(key, parts))
                file.writelines(parts)
            os.replace(temporary, path)
        except OSError:
            self._discard(temporary)  # without the slot the next build redoes this work
            return False
        return True

    # Entries: records in packs.

    def _packs(self) -> Path:
        return self.folder / _PACKS

    def _entries(self) -> dict[str, tuple[str, int, int]]:
        if self._index is None:
            found = self._get_slot(_INDEX_SLOT)
            valid = isinstance(found, dict) and all(
                isinstance(value, tuple) and len(value) == 3 for value in found.values())
            self._index = found if valid else {}
            self._index_changed = not valid  # a journal counts only with the index it follows
            journal = self._get_slot(_JOURNAL_SLOT) if valid else None
            if isinstance(journal, tuple) and len(journal) == 2 and isinstance(journal[0], dict) and \
                    isinstance(journal[1], set) and all(isinstance(value, tuple) and len(value) == 3
                                                        for value in journal[0].values()):
                self._added, self._dropped = journal
                self._index.update(self._added)
                for key in self._dropped:
                    self._index.pop(key, None)
        return self._index

    def _set(self, key: str, where: tuple[str, int, int]) -> None:
        self._entries()[key] = self._added[key] = where
        self._dropped.discard(key)
        self._journal_changed = True

    def _drop(self, key: str) -> None:
        if self._entries().pop(key, None) is not None:
            self._added.pop(key, None)
            self._dropped.add(key)
            self._journal_changed = True

    def _locate(self, key: str) -> tuple[str, int, int] | None:
        return self._mine.get(key) or self._entries().get(key)

    def get(self, key: str):
        self.used.add(key)
        if key.startswith("slot:"):
            return self._get_slot(key)
        where = self._locate(key)
        if where is None:
            return None
        pack, offset, length = where
        try:
            with open(self._packs() / pack, "rb") as file:
                file.seek(offset)
                data = file.read(length)
        except OSError:
            data = b""
        encoded = key.encode()
        if len(data) != length or length < _HEADER or data[:_KEY] != encoded or \
                int.from_bytes(data[_KEY:_KEY + 8], "big") != length - _HEADER or \
                _seal(key, data[_HEADER:]) != data[_KEY + 8:_HEADER]:
            self._forget(key)
            return None
        value = _loads(data[_HEADER:])
        if value is None:
            self._forget(key)
        return value

    def _forget(self, key: str) -> None:
        """A damaged or unreadable record: the next put of this key writes a good one."""
        self._mine.pop(key, None)
        self._drop(key)

    def keep(self, key: str) -> None:
        """Spare an entry this build did not read from pruning."""
        self.used.add(key)

    def keep_all(self, keys) -> None:
        if isinstance(keys, (set, frozenset, dict)):
            self._kept.append(keys)  # not copied into ``used``: 10,000 records' keys, looked up on prune
        else:
            self.used.update(keys)

    def put(self, key: str, value) -> bool:
        """Whether a slot was written (an entry's write is not reported: a lost entry is redone)."""
        self.used.add(key)
        if key.startswith("slot:"):
            return self._put_slot(key, value)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._append(key, key.encode() + len(payload).to_bytes(8, "big") + _seal(key, payload) + payload)
        return True

    def _append(self, key: str, record: bytes) -> None:
        if self._pid != os.getpid():
            # A forked worker writes its own pack; what the parent wrote stays readable.
            self._entries().update(self._mine)
            self._pid, self._fd, self._mine = os.getpid(), None, {}
        try:
            if self._fd is None:
                self._packs().mkdir(parents=True, exist_ok=True)
                self._pack = f"{self._token}-{self._pid}.pack"
                self._fd = os.open(self._packs() / self._pack, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                self._end = os.fstat(self._fd).st_size
            written = os.write(self._fd, record)
        except OSError:
            return  # without the entry the next build redoes this work (a full disk, say)
        if written == len(record):
            self._mine[key] = (self._pack, self._end, len(record))
        self._end += written

    def adopt(self) -> None:
        """Index the records that worker processes of this build appended to their packs."""
        packs = self._packs()
        try:
            names = sorted(entry.name for entry in os.scandir(packs)
                           if entry.name.startswith(f"{self._token}-") and entry.name != self._pack)
        except OSError:
            return
        index = self._entries()
        for name in names:
            known = {where for where in index.values() if where[0] == name}
            try:
                found = list(_scan(packs / name))
            except OSError:
                continue  # unreadable: what the worker stored is made again next time
            for key, where in found:
                if where not in known:
                    self._set(key, where)

    def close(self, prune: bool = False) -> None:
        """End of a build (failed builds too): adopt the workers' records, save the index. With
        ``prune``, entries this build did not use are dropped (and whatever killed builds left).
        The next put starts a new pack."""
        if self._pid != os.getpid():
            return
        self.adopt()
        index = self._entries()
        if prune:
            unused = index.keys() - self.used
            for kept in self._kept:
                unused.difference_update(kept)
            for key in unused:
                self._drop(key)
            self._compact()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        for key, where in self._mine.items():
            self._set(key, where)
        self._mine = {}
        if prune:
            self._clear(index)
        if self._index_changed or len(self._added) + len(self._dropped) > JOURNAL_FOLD:
            # The index whole, then an empty journal: a journal of the index before names a
            # few entries wrongly (misses), never the other way round.
            if self._put_slot(_INDEX_SLOT, index) and self._put_slot(_JOURNAL_SLOT, ({}, set())):
                self._added, self._dropped = {}, set()
            self._index_changed = self._journal_changed = False
        elif self._journal_changed:
            self._put_slot(_JOURNAL_SLOT, (self._added, self._dropped))
            self._journal_changed = False
        self._token, self._pack, self._end = os.urandom(6).hex(), "", 0

    def _compact(self) -> None:
        """Copy the live records of packs that are mostly garbage into this build's pack."""
        index = self._entries()
        live: dict[str, int] = {}  # live bytes by pack: one pass, no list of every entry
        for entry_key, (pack, _, length) in index.items():
            if entry_key not in self._mine:
                live[pack] = live.get(pack, 0) + length
        for pack, size_live in sorted(live.items()):
            try:
                size = (self._packs() / pack).stat().st_size
            except OSError:
                continue
            if size_live >= size * _COMPACT_BELOW:
                continue
            records = sorted((offset, entry_key) for entry_key, (where, offset, _) in index.items()
                             if where == pack and entry_key not in self._mine)
            try:
                with open(self._packs() / pack, "rb") as source:
                    for offset, entry_key in records:
                        source.seek(offset)
                        self._append(entry_key, source.read(index[entry_key][2]))
            except OSError:
                continue

    def _clear(self, index: dict[str, tuple[str, int, int]]) -> None:
        """Remove packs no entry lives in, the one-file-per-entry format's folders and
        temporary files of killed builds."""
        referenced = {pack for pack, _, _ in index.values()}
        try:
            packs = [entry.name for entry in os.scandir(self._packs())]
        except OSError:
            packs = []
        for name in packs:
            if name not in referenced:
                self._discard(self._packs() / name)
        try:
            others = list(os.scandir(self.folder))
        except OSError:
            others = []
        for entry in others:
            if entry.name == _PACKS:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif entry.name.endswith(".tmp"):
                self._discard(Path(entry.path))

    @staticmethod
    def _discard(path: Path) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass


def _scan(path: Path):
    """(key, (pack, offset, length)) of every whole record in a pack, from its headers."""
    try:
        file = open(path, "rb")
    except OSError:
        return
    with file:
        offset = 0
        while True:
            header = file.read(_HEADER)
            if len(header) < _HEADER:
                return
            length = _HEADER + int.from_bytes(header[_KEY:_KEY + 8], "big")
            try:
                key = header[:_KEY].decode("ascii")
            except UnicodeDecodeError:
                return
            yield key, (path.name, offset, length)
            offset += length
            file.seek(offset)


def store_for(root: Path, out_dir: Path) -> Store:
    """One store per output folder, in the git-ignored .cache/ beside the repository's files."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    return Store(root / ".cache" / "generator" / f"store-{name}")
