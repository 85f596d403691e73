"""The no-op build (generator/noop.py): answered from the build state alone, without importing
the pipeline or listing a folder, and never when something read or written has changed."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import PROJECT_DIR, UNIT_FILE, Workspace

from generator import cache, noop, state

HEAVY = ("jinja2", "yaml", "generator.pipeline", "generator.render", "generator.load", "generator.schema",
         "generator.checks", "generator.compute", "generator.model", "generator.exports")


def _settle(ws: Workspace) -> None:
    """Data and templates older than the settle window, as a portal's files normally are (a file
    modified just before a build is always looked at again)."""
    old = time.time() - 3600
    for folder in ("budget_data", "site_templates"):
        for path in [ws.path(folder), *ws.path(folder).rglob("*")]:
            os.utime(path, (old, old))


def _start(ws: Workspace) -> noop.Start:
    root = ws.root.resolve()  # as the CLI passes them
    return noop.start(root / "budget_data", root / "docs_src", root / "site_templates", root)


def _is_noop(ws: Workspace) -> bool:
    return _start(ws).answer is not None


@pytest.fixture
def settled(workspace: Workspace) -> Workspace:
    _settle(workspace)
    assert workspace.build().code == 0
    assert _is_noop(workspace)
    return workspace


def test_a_noop_build_imports_neither_the_pipeline_nor_jinja2(workspace):
    _settle(workspace)
    script = ("import sys\nfrom generator import cli\ncode = cli.main(['build', '--root', sys.argv[1]])\n"
              f"print('HEAVY', sorted(m for m in {HEAVY!r} if m in sys.modules))\nsys.exit(code)\n")

    def build() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", script, str(workspace.root)], capture_output=True, text=True,
                              timeout=300)

    first = build()
    assert first.returncode == 0, first.stderr
    assert "HEAVY []" not in first.stdout  # a real build needs them: the probe can tell
    second = build()
    assert second.returncode == 0, second.stderr
    assert "HEAVY []" in second.stdout
    assert "写入 0 页" in second.stdout
    assert second.stderr == first.stderr  # the same warnings, reported again


def test_a_noop_lists_no_folder(settled, monkeypatch):
    assert state.load(cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())) \
        .compact().folder_paths is not None

    def listed(*args, **kwargs):
        raise AssertionError("a no-op build listed a folder")

    monkeypatch.setattr(state, "scan", listed)
    assert _is_noop(settled)


def test_a_new_project_folder_is_built(settled):
    copy = PROJECT_DIR.replace("talent-service-funds", "talent-service-funds-copy")
    settled.path(copy).mkdir()
    for path in settled.path(PROJECT_DIR).iterdir():
        settled.write_bytes(f"{copy}/{path.name}", path.read_bytes())
    assert not _is_noop(settled)
    assert settled.build().code == 0
    assert settled.path("docs_src/projects/2026/talent-service-funds-copy.md").is_file()


def test_a_file_added_is_seen_even_with_its_folders_time_set_back(settled):
    units = settled.path("budget_data/units")
    before = units.stat()
    settled.write_bytes("budget_data/units/another-unit.yaml", settled.path(UNIT_FILE).read_bytes())
    os.utime(units, ns=(before.st_atime_ns, before.st_mtime_ns))  # as touch -d, rsync -a or tar would
    assert units.stat().st_mtime_ns == before.st_mtime_ns
    assert not _is_noop(settled)  # the folder's change time moved
    assert settled.build().code == 0
    assert settled.path("docs_src/units/another-unit.md").is_file()
    settled.path("budget_data/units/another-unit.yaml").unlink()  # and a file removed
    assert not _is_noop(settled)
    assert settled.build().code == 0
    assert not settled.path("docs_src/units/another-unit.md").exists()


def test_an_edit_of_the_same_size_is_seen(settled):
    page = settled.path("docs_src/projects/2026/talent-service-funds.md")
    settled.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、展开")
    assert not _is_noop(settled)
    assert settled.build().code == 0
    assert "2、展开" in page.read_text(encoding="utf-8")


def test_a_new_template_file_is_not_a_noop(settled):
    settled.write("site_templates/unused.md.j2", "{# 未用 #}\n")
    assert not _is_noop(settled)


def test_another_data_folder_is_not_a_noop(settled):
    """The state names files by their path inside the data folder: another folder with the same
    files (a copy keeping their times) is another input."""
    import shutil

    shutil.copytree(settled.path("budget_data"), settled.path("other_data"))
    assert settled.build().code == 0
    root = settled.root.resolve()
    other = noop.start(root / "other_data", root / "docs_src", root / "site_templates", root)
    assert other.answer is None


def test_a_damaged_or_old_state_means_a_full_build_with_the_same_pages(settled, monkeypatch):
    expected = {path: data for path, (data, _) in settled.snapshot().items()}
    [slot] = settled.build_states()
    data = bytearray(slot.read_bytes())
    data[-20] ^= 0xFF  # damaged: the store's seal refuses it
    slot.write_bytes(bytes(data))
    assert not _is_noop(settled)
    assert settled.build().code == 0
    assert {path: data for path, (data, _) in settled.snapshot().items()} == expected
    # A state sealed by code of another format (or byte order) is refused too.
    current = state._FORMAT
    monkeypatch.setattr(state, "_FORMAT", "build-state-2/" + sys.byteorder)
    settled.forget_build_state()
    assert settled.build().code == 0
    monkeypatch.setattr(state, "_FORMAT", current)  # not undo(): that would bring SOURCE_DATE_EPOCH back
    assert state.load(cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())) is None
    assert settled.build().code == 0
    assert {path: data for path, (data, _) in settled.snapshot().items()} == expected
    assert _is_noop(settled)


def test_state_round_trip_keeps_inputs_jobs_and_result(settled):
    store = cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())
    loaded = state.load(store)
    copy = state.BuildState(loaded.options, loaded.scanned_ns, dict(loaded.inputs), dict(loaded.jobs),
                            loaded.result)
    store.put("slot:round-trip", copy)
    again = store.get("slot:round-trip")
    assert (again.options, again.scanned_ns, again.inputs, again.jobs, again.result) == \
        (loaded.options, loaded.scanned_ns, loaded.inputs, loaded.jobs, loaded.result)
    assert any(path.startswith(state.TEMPLATES) for path in again.inputs)
    assert all(len(entry[2]) == 32 for path, entry in again.inputs.items() if not path.startswith(state.TEMPLATES))


def test_a_build_after_an_edit_lists_no_data_folder_and_equals_a_clean_build(settled, monkeypatch, tmp_path):
    """Every folder as the last build's walk saw it (their times say so): the build takes each
    folder's listing from the build state and the files' stats from the no-op check, and lists
    no data folder; what it makes is what a clean build makes."""
    listed: list[str] = []
    real = os.scandir

    def spy(path="."):
        listed.append(os.fspath(path))
        return real(path)
    settled.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、展开")
    monkeypatch.setattr(os, "scandir", spy)
    assert settled.build().code == 0
    monkeypatch.setattr(os, "scandir", real)
    data = str(settled.path("budget_data").resolve())
    assert [path for path in listed if path == data or path.startswith(data + os.sep)] == []
    clean = Workspace(tmp_path / "clean")
    import shutil

    for folder in ("budget_data", "site_templates"):
        shutil.rmtree(clean.path(folder))
        shutil.copytree(settled.path(folder), clean.path(folder))
    expected = clean.build()
    assert expected.code == 0
    assert settled.snapshot().keys() == clean.snapshot().keys()
    assert {p: b for p, (b, _) in settled.snapshot().items()} == {p: b for p, (b, _) in clean.snapshot().items()}
    assert "2、展开" in settled.read("docs_src/projects/2026/talent-service-funds.md")
