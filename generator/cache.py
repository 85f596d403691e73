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

An entry is ``MAGIC + sha256(key, payload) + payload``. Reading checks both; an entry that
is truncated, corrupt, stored under another key or from another format is deleted and the work is redone: a
damaged cache costs time, never correctness. Entries are written to a temporary file
and renamed, so a killed build leaves no partial entry under a key. The payload is a
pickle: the store lives in the repository's git-ignored .cache/, beside .venv/, and is
trusted as much as the installed code.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
from functools import lru_cache
from pathlib import Path

MAGIC = b"BDGCACHE2\n"
_DIGEST = 32
_CODE_DIR = Path(__file__).resolve().parent
# Libraries whose behaviour shapes a model, a diagnostic or a download.
_LIBRARIES = ("jinja2", "markupsafe", "pyyaml", "xlsxwriter", "jieba", "pandas")


@lru_cache(maxsize=1)
def code_version() -> bytes:
    """A digest of the generator's own code and the library versions that shape the output."""
    import importlib.metadata

    digest = hashlib.sha256(MAGIC + platform.python_version().encode())
    for path in sorted(_CODE_DIR.rglob("*.py")):
        digest.update(path.relative_to(_CODE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    for name in _LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = ""
        digest.update(f"\0{name}={version}".encode())
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
    return hashlib.sha256(key.encode() + b"\0" + payload).digest()


class Store:
    """Entries under ``folder``; every read is verified, every write atomic."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()

    def _path(self, key: str) -> Path:
        if key.startswith("slot:"):
            # A named, rewritable entry (the build state): beside the shards, never pruned.
            return self.folder / f"{key[5:]}.slot"
        return self.folder / key[:2] / key

    def get(self, key: str):
        self.used.add(key)
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        header = len(MAGIC) + _DIGEST
        if len(data) < header or not data.startswith(MAGIC) or \
                _seal(key, data[header:]) != data[len(MAGIC):header]:
            self._discard(path)
            return None
        try:
            value = pickle.loads(data[header:])
        except Exception:  # a verified entry from an incompatible model: redo the work
            self._discard(path)
            return None
        return value

    def keep(self, key: str) -> None:
        """Spare an entry this build did not read from pruning."""
        self.used.add(key)

    def put(self, key: str, value) -> None:
        self.used.add(key)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path = self._path(key)
        temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(MAGIC + _seal(key, payload) + payload)
            os.replace(temporary, path)
        except OSError:
            self._discard(temporary)  # without the entry the next build redoes this work

    def prune(self) -> None:
        """Remove entries this build did not use (and temporary files a killed build left)."""
        try:
            shards = list(os.scandir(self.folder))
        except OSError:
            return
        for shard in shards:
            if not shard.is_dir(follow_symlinks=False):
                continue
            with os.scandir(shard.path) as entries:
                for entry in entries:
                    if entry.name not in self.used:
                        self._discard(Path(entry.path))

    @staticmethod
    def _discard(path: Path) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass


def store_for(root: Path, out_dir: Path) -> Store:
    """One store per output folder, in the git-ignored .cache/ beside the repository's files."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:12]
    return Store(root / ".cache" / "generator" / f"store-{name}")
