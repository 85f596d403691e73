"""Shared fixtures: a private copy of the repository's data and templates per test."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from generator import cli

# CI runs the property tests on a fixed sequence of examples, so a landing never depends on
# the luck of the draw; runs elsewhere draw new examples each time, and every counterexample
# they find is fixed and pinned with @example.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parent.parent
PROJECT_DIR = "budget_data/projects/2026/talent-service-funds"
UNIT_FILE = "budget_data/units/chenggong-employment-talent-center.yaml"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def diagnostics(self) -> list[dict]:
        return json.loads(self.stdout)["diagnostics"]

    def tuples(self) -> set[tuple[str, str, int | None]]:
        return {(d["code"], d["path"], d["line"]) for d in self.diagnostics}


def run_cli(*args: str) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


class Workspace:
    """A throwaway repository root: budget_data/, site_templates/, docs_src/, mkdocs.yml."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(REPO / "budget_data", root / "budget_data")
        shutil.copytree(REPO / "site_templates", root / "site_templates")
        (root / "docs_src").mkdir()
        for hand_written in ("about.md", "assets"):
            source = REPO / "docs_src" / hand_written
            if source.is_dir():
                shutil.copytree(source, root / "docs_src" / hand_written)
            else:
                shutil.copy2(source, root / "docs_src" / hand_written)
        shutil.copy2(REPO / "mkdocs.yml", root / "mkdocs.yml")

    def path(self, relative: str) -> Path:
        return self.root / relative

    def build_states(self) -> list[Path]:
        """The build state slots (generator/state.py) in the store under .cache/."""
        return sorted(self.root.joinpath(".cache", "generator").glob("store-*/state.slot"))

    def forget_build_state(self) -> None:
        """Without its state the next build cannot skip anything: it reads, checks and renders
        every project (from the store where it can) and compares every file."""
        for slot in self.build_states():
            slot.unlink()

    def read(self, relative: str) -> str:
        return self.path(relative).read_text(encoding="utf-8")

    def write(self, relative: str, text: str, encoding: str = "utf-8") -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode(encoding))

    def write_bytes(self, relative: str, data: bytes) -> None:
        target = self.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def replace(self, relative: str, old: str, new: str, count: int = 1) -> None:
        text = self.read(relative)
        assert old in text, f"{old!r} not in {relative}"
        self.write(relative, text.replace(old, new, count))

    def check(self, *extra: str) -> CliResult:
        return run_cli("check", "--root", str(self.root), "--format", "json", *extra)

    def build(self, *extra: str) -> CliResult:
        return run_cli("build", "--root", str(self.root), *extra)

    def snapshot(self, relative: str = "docs_src") -> dict[str, tuple[bytes, int]]:
        base = self.path(relative)
        return {
            p.relative_to(base).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(base.rglob("*")) if p.is_file()
        }


def flip_byte(path: Path, at: int, mask: int) -> None:
    """Damage a file in place: the byte at ``at`` (negative: from the end) XOR ``mask``."""
    data = bytearray(path.read_bytes())
    data[at] ^= mask
    path.write_bytes(bytes(data))


def line_of(ws: Workspace, relative: str, needle: str) -> int:
    """1-based line of the first line of ``relative`` that contains ``needle``."""
    for number, line in enumerate(ws.read(relative).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in {relative}")


@pytest.fixture(autouse=True)
def _no_inherited_source_date_epoch(monkeypatch):
    """`make test` exports SOURCE_DATE_EPOCH for the site; tests set it themselves when they need it."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "repo")
