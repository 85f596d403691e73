"""The no-op build (generator/noop.py): answered from the build state alone, without importing
the pipeline or listing a folder, and never when something read or written has changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import pytest
from conftest import PROJECT_DIR, UNIT_FILE, Workspace, flip_byte

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
    flip_byte(slot, -20, 0xFF)  # damaged: the store's seal refuses it
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


def _state_of(ws: Workspace) -> state.BuildState:
    return state.load(cache.store_for(ws.root.resolve(), ws.path("docs_src").resolve()))


def _settles_to_a_noop(ws: Workspace) -> None:
    _settle(ws)  # what was just edited is looked at again until it is older than the settle window
    assert ws.build().code == 0
    assert _is_noop(ws)


def _truthful(ws: Workspace) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """The state's jobs, each file with the size and mtime it has now (what the next build trusts),
    and each job's key and files."""
    loaded = _state_of(ws)
    for path, (key, files) in loaded.jobs.items():
        for relative, size, mtime in files:
            info = ws.path("docs_src").joinpath(relative).lstat()
            assert (relative, size, mtime) == (relative, info.st_size, info.st_mtime_ns)
    return {path: (key, tuple(relative for relative, _, _ in files)) for path, (key, files) in loaded.jobs.items()}


def test_a_state_patched_after_an_edit_equals_one_made_from_every_job(settled, monkeypatch):
    """A build after an edit patches the last state's tables with the jobs it made again: the
    state then holds what a build that made every job again records."""
    made, inputs_patched = [], []
    original = state.Jobs.of.__func__
    monkeypatch.setattr(state.Jobs, "of", classmethod(lambda cls, *args: made.append(args) or original(cls, *args)))
    patch_inputs = state._Compact.patched_inputs
    monkeypatch.setattr(state._Compact, "patched_inputs",
                        lambda self, inputs: inputs_patched.append(patch_inputs(self, inputs)) or inputs_patched[-1])
    settled.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert settled.build().code == 0
    assert made == []  # patched, not made again from every job's files
    assert len(inputs_patched) == 1 and inputs_patched[0] is not None  # the inputs too
    patched, inputs = _truthful(settled), _state_of(settled).inputs
    # The package's descriptor is made by every build; its table is keyed by its rows' projects and units.
    assert patched["[package-descriptor]"][0] is None and patched["[package]"][0] is not None and len(patched) > 100
    project_yaml = f"{PROJECT_DIR}/project.yaml"
    assert inputs[project_yaml][2] == hashlib.sha256(settled.path(project_yaml).read_bytes()).digest()
    settled.forget_build_state()
    assert settled.build().code == 0
    assert made  # without a state every job is made again, and so is the state
    assert _truthful(settled) == patched
    assert _state_of(settled).inputs == inputs
    _settles_to_a_noop(settled)


def test_a_state_with_other_jobs_is_made_again_and_true(settled):
    """A new project: jobs the last state did not have, so its tables are made again, not patched."""
    before = _truthful(settled)
    copy = PROJECT_DIR.replace("talent-service-funds", "talent-service-funds-copy")
    settled.path(copy).mkdir()
    for path in settled.path(PROJECT_DIR).iterdir():
        settled.write_bytes(f"{copy}/{path.name}", path.read_bytes())
    assert settled.build().code == 0
    after = _truthful(settled)
    assert set(after) > set(before)
    _settles_to_a_noop(settled)


def test_a_build_after_an_edit_makes_again_the_outputs_edited_or_deleted_by_hand(settled):
    """Jobs whose key is unchanged are kept only while each of their files is as the last build
    left it: one edited by hand (to the same size) or deleted is made again with the edit's."""
    edited, deleted = settled.path("docs_src/rules/I519.md"), settled.path("docs_src/rules/A401.md")
    expected = {path: path.read_bytes() for path in (edited, deleted)}
    text = edited.read_bytes()
    edited.write_bytes(text[:-2] + b"XX")
    deleted.unlink()
    settled.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    result = settled.build()
    assert result.code == 0, result.stderr
    assert {path: path.read_bytes() for path in (edited, deleted)} == expected
    assert "2、开展（改）" in settled.read("docs_src/projects/2026/talent-service-funds.md")
    _truthful(settled)
    _settles_to_a_noop(settled)


def test_the_result_round_trips_through_its_columns():
    """The result's diagnostics are stored as columns with equal values shared: read back, the
    same rows, of the same types (1 and True are equal keys: numbers are not shared)."""
    rows = (("I519", "warning", "a.csv", 1, 1, None, None, "甲", "乙", "已说明"),
            ("I519", "warning", "a.csv", True, 1.0, "表1", "C7", "甲", "丙", None),
            ("X301", "error", "b.yaml", 2, 0, None, None, "丁", "乙", "已说明"))
    for packed in (rows, ()):
        result = state.Result(packed, ["提示"], 3, 1)
        again = state._unpacked_result(state._packed_result(result))
        assert again == result
        assert [[type(value) for value in row] for row in again.packed] == [[type(value) for value in row]
                                                                          for row in packed]


@pytest.mark.parametrize("damage", ["lost", "flipped-byte", "of-another-state"])
def test_a_state_without_its_path_tables_means_a_full_build(settled, damage):
    """The state's path tables live in a slot of their own: lost, damaged or saved with another
    state, they never complete the state (then no state: a full build, with the same pages)."""
    expected = {path: data for path, (data, _) in settled.snapshot().items()}
    store = cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())
    slot = store.folder / "state-paths.slot"
    if damage == "lost":
        slot.unlink()
    elif damage == "flipped-byte":
        flip_byte(slot, slot.stat().st_size // 3, 0x01)
    else:
        token, *paths = store.get(state.PATHS_SLOT)
        store.put(state.PATHS_SLOT, (token[::-1], *paths))
    assert state.load(cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())) is None
    assert not _is_noop(settled)
    assert settled.build().code == 0
    assert {path: data for path, (data, _) in settled.snapshot().items()} == expected
    _settles_to_a_noop(settled)


def test_a_build_after_an_edit_leaves_the_path_tables_as_they_were(settled):
    """An edited file changes stats, digests, keys and the result, not a path: the path tables'
    slot is not written again, and the state names it still."""
    store = cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())
    slot = store.folder / "state-paths.slot"
    settled.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    _settles_to_a_noop(settled)  # paths as the state before the edit had them, if they were new then
    before = slot.stat().st_mtime_ns
    settled.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展（改）", "- 2、开展（再改）")
    _settles_to_a_noop(settled)
    assert slot.stat().st_mtime_ns == before
    loaded = state.load(store)
    assert loaded is not None and loaded.compact()._paths_saved[0] == store.get(state.PATHS_SLOT)[0]


@pytest.mark.parametrize("field", ["output_stats", "job_counts", "digest_ends", "input_stats", "job_keys"])
def test_a_sealed_state_of_the_wrong_shape_means_a_full_build(settled, field):
    """A state the store verifies but whose tables disagree (what a bug could write) is dropped when
    read, never misread: the next build is a full one, with the same pages."""
    expected = {path: data for path, (data, _) in settled.snapshot().items()}
    store = cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())
    loaded = state.load(store)
    compact = loaded.compact()
    value = getattr(compact, field)
    setattr(compact, field, value[:-8] if isinstance(value, bytes) else value + "\0")
    store.put(state.STATE_SLOT, loaded)
    assert state.load(cache.store_for(settled.root.resolve(), settled.path("docs_src").resolve())) is None
    assert not _is_noop(settled)
    assert settled.build().code == 0
    assert {path: data for path, (data, _) in settled.snapshot().items()} == expected
    _settles_to_a_noop(settled)
