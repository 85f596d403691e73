"""The build cache (generator/cache.py): an incremental build equals a clean build, and a
damaged cache never changes the output."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, REPO, UNIT_FILE, Workspace, flip_byte
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

UNIT_ID = "chenggong-employment-talent-center"


def _outputs(ws: Workspace) -> dict[str, bytes]:
    base = ws.path("docs_src")
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def _clean_build(ws: Workspace, scratch: Path):
    """The same data and templates built in a fresh root: no cache, no build state, no earlier output."""
    if scratch.exists():
        shutil.rmtree(scratch)
    clean = Workspace(scratch)
    for folder in ("budget_data", "site_templates"):
        shutil.rmtree(clean.path(folder))
        shutil.copytree(ws.path(folder), clean.path(folder))
    return clean, clean.build()


def _store(ws: Workspace):
    from generator import cache

    folders = sorted(ws.path(".cache/generator").glob("store-*"))
    assert len(folders) == 1
    return cache.Store(folders[0])


def _records(ws: Workspace) -> dict[str, bytes]:
    """Every entry the store's index names whose record reads back whole: key → payload."""
    from generator import cache

    store = _store(ws)
    found = {}
    for key, (pack, offset, length) in sorted(store._entries().items()):
        data = (store.folder / "packs" / pack).read_bytes()[offset:offset + length]
        if store.get(key) is not None:
            found[key] = data[cache._HEADER:]
    return found


def _flip(offset_in_record):
    """Flips one byte of every record, in place: where depends on the record's length."""
    def damage(packs: dict[Path, bytearray], index: dict) -> None:
        for pack, offset, length in index.values():
            packs[pack][offset + offset_in_record(length)] ^= 0x40
    return damage


def _swap(packs, index) -> dict:
    """Two whole, well-formed records under each other's keys: a record is bound to its key."""
    keys = sorted(index)
    return {key: index[keys[(n + 1) % len(keys)]] for n, key in enumerate(keys)}


DAMAGES = {
    "empty": lambda packs, index: [data.clear() for data in packs.values()],
    "truncated": lambda packs, index: [data.__delitem__(slice(len(data) // 2, None)) for data in packs.values()],
    "flipped-payload-byte": _flip(lambda length: length - 7),
    "flipped-digest-byte": _flip(lambda length: cache_header() - 5),
    "flipped-key-byte": _flip(lambda length: 3),
    "flipped-length-byte": _flip(lambda length: 64 + 7),
    "garbage": lambda packs, index: [data.__setitem__(slice(None), b"\x00garbage" * 50) for data in packs.values()],
    "swapped": _swap,
    "index-garbage": "index",
}


def cache_header() -> int:
    from generator import cache

    return cache._HEADER


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_cache_never_changes_the_output(tmp_path, damage):
    ws = Workspace(tmp_path / "repo")
    shutil.copytree(ws.path(PROJECT_DIR), ws.path("budget_data/projects/2026/archive-postage"))
    ws.replace("budget_data/projects/2026/archive-postage/budget_items.csv", ",650000,", ",640000,")
    assert ws.build().code == 0
    expected = _outputs(ws)
    originals = _records(ws)
    assert len(originals) >= 4  # two projects' models and two projects' downloads
    store = _store(ws)
    if DAMAGES[damage] == "index":
        index_slot = store.folder / "index.slot"
        index_slot.write_bytes(index_slot.read_bytes()[:40] + b"garbage")
    else:
        index = {key: (store.folder / "packs" / pack, offset, length)
                 for key, (pack, offset, length) in store._entries().items()}
        packs = {path: bytearray(path.read_bytes()) for path, _, _ in index.values()}
        swapped = DAMAGES[damage](packs, index)
        for path, data in packs.items():
            path.write_bytes(bytes(data))
        if isinstance(swapped, dict):
            store._index = {key: (path.name, offset, length) for key, (path, offset, length) in swapped.items()}
            store._index_changed = True
            store.close()
    ws.forget_build_state()  # the build state would skip the work; this exercises the store
    for generated in ("projects/2026/talent-service-funds.md", "downloads/2026/archive-postage/budget_items.xlsx"):
        ws.path(f"docs_src/{generated}").unlink()
    result = ws.build()
    assert result.code == 0, result.stderr
    assert _outputs(ws) == expected
    # The damaged entries were replaced by good ones: the next build uses them.
    assert _records(ws) == originals


def test_entries_not_used_by_a_build_are_removed(workspace):
    extra = "budget_data/projects/2026/archive-postage"
    shutil.copytree(workspace.path(PROJECT_DIR), workspace.path(extra))
    assert workspace.build().code == 0
    before = _records(workspace)
    shutil.rmtree(workspace.path(extra))
    assert workspace.build().code == 0
    after = _records(workspace)
    assert len(after) == len(before) - 2 and set(after) < set(before)  # its model and its downloads


def test_packs_that_are_mostly_garbage_are_compacted(tmp_path):
    """Every build appends to a new pack; once most of a pack's bytes are entries no build
    uses, its live entries move to the current pack and the old pack is removed."""
    from generator import cache

    folder = tmp_path / "store"
    first = cache.Store(folder)
    for n in range(10):
        first.put(cache.key("entry", str(n)), f"value {n}".encode() * 100)
    first.close(prune=True)
    packs = sorted((folder / "packs").iterdir())
    assert len(packs) == 1
    # Three of ten entries still used: 30 % live, below the 50 % mark.
    second = cache.Store(folder)
    for n in (1, 4, 7):
        assert second.get(cache.key("entry", str(n))) == f"value {n}".encode() * 100
    second.put(cache.key("entry", "new"), b"new")
    second.close(prune=True)
    remaining = sorted((folder / "packs").iterdir())
    assert packs[0] not in remaining and len(remaining) == 1
    third = cache.Store(folder)
    assert sorted(third._entries()) == sorted(cache.key("entry", n) for n in ("1", "4", "7", "new"))
    for n in (1, 4, 7):
        assert third.get(cache.key("entry", str(n))) == f"value {n}".encode() * 100
    assert third.get(cache.key("entry", "2")) is None
    # Entry "new" unused by this build: dropped. The pack is still mostly live bytes, so it stays.
    third.close(prune=True)
    fourth = cache.Store(folder)
    assert fourth.get(cache.key("entry", "new")) is None
    for n in (1, 4, 7):
        assert fourth.get(cache.key("entry", str(n))) is not None
    fourth.close(prune=True)
    assert sorted((folder / "packs").iterdir()) == remaining


def test_a_build_after_compaction_equals_a_clean_build(workspace):
    for n in range(4):
        shutil.copytree(workspace.path(PROJECT_DIR), workspace.path(f"budget_data/projects/2026/copy-{n}"))
    assert workspace.build().code == 0
    for n in range(4):
        workspace.replace(f"budget_data/projects/2026/copy-{n}/project.yaml", "- 2、开展", "- 2、开展（改）")
        assert workspace.build().code == 0
    records = _records(workspace)
    assert len(records) == len(_store(workspace)._entries())
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_a_failed_build_keeps_what_it_parsed(workspace, monkeypatch):
    """Authors fix errors one at a time: the build after a failed one does not parse again
    the projects the failed one already parsed."""
    from generator import pipeline

    shutil.copytree(workspace.path(PROJECT_DIR), workspace.path("budget_data/projects/2026/archive-postage"))
    workspace.replace("budget_data/projects/2026/archive-postage/budget_items.csv", ",650000,", ",abc,")
    assert workspace.build().code == 1
    parsed = []
    real = pipeline._gather_project
    monkeypatch.setattr(pipeline, "_gather_project", lambda *a: parsed.append(a[2].project_id) or real(*a))
    workspace.replace("budget_data/projects/2026/archive-postage/budget_items.csv", ",abc,", ",650000,")
    assert workspace.build().code == 0
    assert parsed == ["archive-postage"]


class IncrementalEqualsClean(RuleBasedStateMachine):
    """Random edits to data and templates; after each, an incremental build (same root,
    cache and output) gives exactly what a clean build of the same files gives."""

    def __init__(self):
        super().__init__()
        import tempfile

        self.tmp = Path(tempfile.mkdtemp(prefix="incremental-"))
        self.ws = Workspace(self.tmp / "incremental")
        self.projects = [("2026", "talent-service-funds")]
        self.units = [UNIT_ID]
        self.counter = 0

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _project_dir(self, project) -> str:
        return f"budget_data/projects/{project[0]}/{project[1]}"

    @rule(data=st.data(), year=st.sampled_from(["2026", "2027"]))
    def add_project(self, data, year):
        new = (year, f"project-{self._next()}")
        if new in self.projects:
            return
        shutil.copytree(REPO / PROJECT_DIR, self.ws.path(self._project_dir(new)))
        unit = data.draw(st.sampled_from(self.units)) if self.units else UNIT_ID
        self.ws.replace(f"{self._project_dir(new)}/project.yaml", f"unit: {UNIT_ID}", f"unit: {unit}")
        self.projects.append(new)

    @precondition(lambda self: self.projects)
    @rule(data=st.data(), edit=st.sampled_from(["name", "amount", "narrative", "indicator"]))
    def edit_project(self, data, edit):
        folder = self._project_dir(data.draw(st.sampled_from(self.projects)))
        n = self._next()
        if edit == "name":
            text = self.ws.read(f"{folder}/project.yaml")
            line = next(line for line in text.splitlines() if line.startswith("name: "))
            self.ws.replace(f"{folder}/project.yaml", line, f"{line}{n}")
        elif edit == "amount":
            text = self.ws.read(f"{folder}/budget_items.csv")
            self.ws.write(f"{folder}/budget_items.csv", text.replace(",5000,", f",{5000 + n},", 1))
        elif edit == "narrative":
            self.ws.replace(f"{folder}/project.yaml", "- 2、开展", f"- 2、开展第{n}次")
        else:
            text = self.ws.read(f"{folder}/indicators.csv")
            self.ws.write(f"{folder}/indicators.csv", text.replace(">=,95%", f">=,{90 + n % 10}%", 1))

    @precondition(lambda self: len(self.projects) > 1)
    @rule(data=st.data())
    def delete_project(self, data):
        project = data.draw(st.sampled_from(self.projects))
        shutil.rmtree(self.ws.path(self._project_dir(project)))
        self.projects.remove(project)

    @precondition(lambda self: self.projects)
    @rule(data=st.data())
    def rename_project(self, data):
        project = data.draw(st.sampled_from(self.projects))
        new = (project[0], f"renamed-{self._next()}")
        self.ws.path(self._project_dir(project)).rename(self.ws.path(self._project_dir(new)))
        self.projects[self.projects.index(project)] = new

    @rule()
    def add_unit(self):
        unit = f"unit-{self._next()}"
        shutil.copy2(REPO / UNIT_FILE, self.ws.path(f"budget_data/units/{unit}.yaml"))
        self.units.append(unit)

    @precondition(lambda self: self.units)
    @rule(data=st.data(), update_references=st.booleans())
    def rename_unit(self, data, update_references):
        unit = data.draw(st.sampled_from(self.units))
        new = f"unit-{self._next()}"
        self.ws.path(f"budget_data/units/{unit}.yaml").rename(self.ws.path(f"budget_data/units/{new}.yaml"))
        self.units[self.units.index(unit)] = new
        if update_references:  # else the projects refer to a unit that no longer exists: a failed build
            for project in self.projects:
                path = f"{self._project_dir(project)}/project.yaml"
                self.ws.write(path, self.ws.read(path).replace(f"unit: {unit}\n", f"unit: {new}\n"))

    @precondition(lambda self: self.units)
    @rule(data=st.data())
    def edit_unit(self, data):
        path = f"budget_data/units/{data.draw(st.sampled_from(self.units))}.yaml"
        self.ws.replace(path, "name: 昆明市呈贡区", f"name: 昆明市呈贡区{self._next()}")

    @rule(template=st.sampled_from(["project.md.j2", "unit.md.j2", "home.md.j2"]))
    def change_template(self, template):
        path = f"site_templates/{template}"
        self.ws.write(path, self.ws.read(path) + f"\n\n模板修改{self._next()}\n")

    @invariant()
    def incremental_equals_clean(self):
        incremental = self.ws.build()
        clean, expected = _clean_build(self.ws, self.tmp / "clean")
        assert (incremental.code, incremental.stderr) == (expected.code, expected.stderr)
        if expected.code == 0:
            assert _outputs(self.ws) == _outputs(clean)


IncrementalEqualsClean.TestCase.settings = settings(
    max_examples=12, stateful_step_count=6, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_incremental_build_equals_clean_build = IncrementalEqualsClean.TestCase


class PagedIncrementalEqualsClean(IncrementalEqualsClean):
    """The same, with listings of two rows per page and a home page of one unit: the listing
    pages' keys (what a row shows) must cover every edit."""

    def __init__(self):
        from generator import render

        self.saved = (render.LIST_PAGE_ROWS, render.HOME_UNITS)
        render.LIST_PAGE_ROWS, render.HOME_UNITS = 2, 1
        super().__init__()

    def teardown(self):
        from generator import render

        render.LIST_PAGE_ROWS, render.HOME_UNITS = self.saved
        super().teardown()

    @precondition(lambda self: self.projects)
    @rule(data=st.data(), code=st.sampled_from([("2080101", "行政运行"), ("2050803", "培训支出")]))
    def classify_project(self, data, code):
        path = f"{self._project_dir(data.draw(st.sampled_from(self.projects)))}/project.yaml"
        text = self.ws.read(path)
        if "functional_classification" not in text:
            self.ws.write(path, text.replace("\nunit: ", f'\nfunctional_classification:\n  code: "{code[0]}"\n'
                                                     f"  name: {code[1]}\nunit: ", 1))


PagedIncrementalEqualsClean.TestCase.settings = IncrementalEqualsClean.TestCase.settings
test_paged_incremental_build_equals_clean_build = PagedIncrementalEqualsClean.TestCase


class SettledIncrementalEqualsClean(IncrementalEqualsClean):
    """The same, with every file and folder taken as settled (no settle window): the builds take
    the quick ways a portal's builds take, their files being older than two seconds. The no-op
    check's stats are read, folders' listings come from the build state when their times are
    unchanged, and the publish compares only the output folders whose times moved."""

    def __init__(self):
        super().__init__()
        from generator import output, state

        self.settle = (state.SETTLE_NS, output.SPARE_SETTLE_NS)
        state.SETTLE_NS = output.SPARE_SETTLE_NS = 0

    def teardown(self):
        from generator import output, state

        state.SETTLE_NS, output.SPARE_SETTLE_NS = self.settle
        super().teardown()


SettledIncrementalEqualsClean.TestCase.settings = settings(
    max_examples=12, stateful_step_count=6, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
test_settled_incremental_build_equals_clean_build = SettledIncrementalEqualsClean.TestCase


def test_a_changed_project_with_known_indicator_names_does_not_load_jieba(workspace, monkeypatch):
    from generator.checks import relevance

    assert workspace.build().code == 0
    relevance.segments.cache_clear()
    relevance.key_terms.cache_clear()

    def no_jieba():
        raise AssertionError("jieba loaded although every indicator name is in the store")

    monkeypatch.setattr(relevance, "_jieba", no_jieba)
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    result = workspace.build()
    assert result.code == 0, result.stderr
    assert "2、开展（改）" in workspace.read("docs_src/projects/2026/talent-service-funds.md")


# ---- the spare tree: the tree a publish swaps out is kept and brought up to date next time -------

@settings(max_examples=200, deadline=None)
@given(folder=st.lists(st.sampled_from(["projects", "2026", "units", "a", "b"]), max_size=3),
       target=st.lists(st.sampled_from(["projects", "2026", "units", "a", "b"]), max_size=3),
       name=st.sampled_from(["x.md", "index.md", "y.xlsx"]))
def test_page_links_are_the_relative_paths_posixpath_gives(folder, target, name):
    import posixpath

    from generator.render import _relative

    here, there = "/".join(folder), "/".join([*target, name])
    assert _relative(there, here) == posixpath.relpath(there, here or ".")


def test_hand_edits_to_docs_src_survive_publishing_through_the_spare_tree(workspace):
    """The spare tree shares files with docs_src by hard links; a hand-written file that an
    editor replaced (a new inode), deleted or added must be published as it is in docs_src."""
    assert workspace.build().code == 0
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（一）")
    assert workspace.build().code == 0  # a publish: the tree swapped out is now the spare
    spares = list(workspace.path(".cache/generator").glob("spare-*"))
    assert len(spares) == 1 and spares[0].is_dir()
    about = workspace.path("docs_src/about.md")
    replacement = about.with_name("about.md.new")
    replacement.write_text("# 关于本站（修改）\n", encoding="utf-8")
    replacement.replace(about)  # how editors save: a new file renamed over the old one
    workspace.path("docs_src/assets/extra-note.md").write_text("新增的手写页面\n", encoding="utf-8")
    stylesheet = next(workspace.path("docs_src/assets").rglob("*.css"))
    stylesheet.unlink()
    with workspace.path("docs_src/assets/extra-note.md").open("a", encoding="utf-8") as handle:
        handle.write("（就地修改）\n")  # in place: the same inode
    expected_hand_written = {p: b for p, b in _tree(workspace.path("docs_src")).items()
                             if p == "about.md" or p.startswith("assets/")}
    assert b"\xef\xbc\x88\xe5\xb0\xb1\xe5\x9c\xb0" in expected_hand_written["assets/extra-note.md"]  # （就地
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展（一）", "- 2、开展（二）")
    assert workspace.build().code == 0  # a publish through the spare
    after = _tree(workspace.path("docs_src"))
    for path, content in expected_hand_written.items():
        assert after.get(path) == content, path
    assert not any(p.endswith(stylesheet.name) for p in after)
    assert "2、开展（二）" in workspace.read("docs_src/projects/2026/talent-service-funds.md")
    # And every generated file is what a clean build of the same files gives.
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0

    def generated(outputs: dict[str, bytes]) -> dict[str, bytes]:
        return {p: b for p, b in outputs.items() if p != "about.md" and not p.startswith("assets/")}
    assert generated(_outputs(workspace)) == generated(_outputs(clean))


def _inodes(folder: Path) -> dict[str, int]:
    """Every file and folder below ``folder``: files by inode (a hard link shares it), folders as 0."""
    return {p.relative_to(folder).as_posix(): 0 if p.is_dir() and not p.is_symlink() else p.lstat().st_ino
            for p in folder.rglob("*")}


def _spare(ws: Workspace) -> Path:
    [spare] = ws.path(".cache/generator").glob("spare-*")
    return spare


def test_the_spare_tree_equals_the_output_folder_after_every_publish(workspace):
    """The tree a publish swaps out is brought up to date at once, also after the first build
    (which links every file into it then): the next publish after a small change walks neither
    tree and makes no link but for what changed."""
    assert workspace.build().code == 0
    assert _inodes(_spare(workspace)) == _inodes(workspace.path("docs_src"))
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（一）")
    assert workspace.build().code == 0
    assert _inodes(_spare(workspace)) == _inodes(workspace.path("docs_src"))
    workspace.path(f"{PROJECT_DIR}").rename(workspace.path(PROJECT_DIR + "-moved"))  # pages removed and added
    assert workspace.build().code == 0
    assert _inodes(_spare(workspace)) == _inodes(workspace.path("docs_src"))


@pytest.mark.parametrize("tamper", ["none", "spare touched", "record lost"])
def test_hand_edits_survive_when_only_changed_folders_are_compared(workspace, monkeypatch, tamper):
    """With the spare's record, a publish compares only the folders of docs_src whose times moved
    (a file added, removed or renamed over, also by hand) and those too recent to tell; every
    hand edit still reaches the published tree. A record that does not describe the spare
    (the spare changed, the record lost) means a full comparison, with the same result."""
    import time

    from generator import output

    monkeypatch.setattr(output, "SPARE_SETTLE_NS", 0)  # every folder settled: only moved times count
    calls: list[bool] = []
    full_sync = output._sync

    def spy(source, target, relative="", folders=None, recursive=True):
        calls.append(recursive)
        return full_sync(source, target, relative, folders, recursive)
    monkeypatch.setattr(output, "_sync", spy)
    assert workspace.build().code == 0
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（一）")
    assert workspace.build().code == 0
    time.sleep(0.1)  # past the file system's clock tick: the edits below move the folders' times
    about = workspace.path("docs_src/about.md")
    replacement = about.with_name("about.md.new")
    replacement.write_text("# 关于本站（修改）\n", encoding="utf-8")
    replacement.replace(about)
    workspace.path("docs_src/assets/extra-note.md").write_text("新增的手写页面\n", encoding="utf-8")
    workspace.path("docs_src/assets/deeper").mkdir()
    workspace.path("docs_src/assets/deeper/note.md").write_text("新文件夹里的手写页面\n", encoding="utf-8")
    stylesheet = next(workspace.path("docs_src/assets").rglob("*.css"))
    stylesheet.unlink()
    with workspace.path("docs_src/assets/extra-note.md").open("a", encoding="utf-8") as handle:
        handle.write("（就地修改）\n")
    expected_hand_written = {p: b for p, b in _tree(workspace.path("docs_src")).items()
                             if p == "about.md" or p.startswith("assets/")}
    if tamper == "spare touched":
        (_spare(workspace) / "stray.md").write_text("不该发布\n", encoding="utf-8")
    elif tamper == "record lost":
        _store(workspace).put("slot:spare", None)
    calls.clear()
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展（一）", "- 2、开展（二）")
    assert workspace.build().code == 0
    assert (True in calls) == (tamper != "none")  # a full comparison only when the record cannot tell
    after = _tree(workspace.path("docs_src"))
    for path, content in expected_hand_written.items():
        assert after.get(path) == content, path
    assert not any(p.endswith(stylesheet.name) for p in after) and "stray.md" not in after
    assert _inodes(_spare(workspace)) == _inodes(workspace.path("docs_src"))
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0

    def generated(outputs: dict[str, bytes]) -> dict[str, bytes]:
        return {p: b for p, b in outputs.items() if p != "about.md" and not p.startswith("assets/")}
    assert generated(_outputs(workspace)) == generated(_outputs(clean))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_worker_processes_give_the_same_output_as_one(tmp_path, monkeypatch):
    """Gathering and page jobs split over forked workers (BUILD_WORKERS=2): the same files,
    the same diagnostics, and an incremental build afterwards still equals a clean one."""
    serial = Workspace(tmp_path / "serial")
    parallel = Workspace(tmp_path / "parallel")
    for ws in (serial, parallel):
        for n in range(6):
            shutil.copytree(ws.path(PROJECT_DIR), ws.path(f"budget_data/projects/2026/copy-{n}"))
            ws.replace(f"budget_data/projects/2026/copy-{n}/budget_items.csv", ",650000,", f",{640000 + n},")
    monkeypatch.setenv("BUILD_WORKERS", "1")
    expected = serial.build()
    assert expected.code == 0, expected.stderr
    monkeypatch.setenv("BUILD_WORKERS", "2")
    monkeypatch.setenv("BUILD_WORKERS_THRESHOLD", "1")
    import os

    from generator import workers

    result = parallel.build()
    assert (result.code, result.stderr) == (expected.code, expected.stderr)
    assert workers.last_workers and os.getpid() not in workers.last_workers  # the work did leave this process
    assert _outputs(parallel) == _outputs(serial)
    # What the workers stored (each in its own pack) was adopted: as many entries as one process
    # stores (keys name each workspace's own paths, so they differ).
    assert len(_records(parallel)) == len(_records(serial)) >= 14  # 7 models, 7 downloads, at least
    assert len(list(parallel.path(".cache/generator").glob("store-*/packs/*.pack"))) >= 2
    parallel.replace("budget_data/projects/2026/copy-3/budget_items.csv", ",640003,", ",640033,")
    assert parallel.build().code == 0
    clean, again = _clean_build(parallel, tmp_path / "clean")
    assert again.code == 0 and _outputs(parallel) == _outputs(clean)


def test_a_new_build_date_rewrites_the_home_page_only(workspace, monkeypatch):
    """`make site` sets SOURCE_DATE_EPOCH from the last data commit, so it changes with every
    commit; only the home page shows it, so only the home page is written again."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert workspace.build().code == 0
    before = workspace.snapshot()
    from generator import pipeline

    views = []
    real = pipeline.project_view
    monkeypatch.setattr(pipeline, "project_view", lambda *a: views.append(a) or real(*a))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767312000")
    result = workspace.build()
    assert result.code == 0
    assert views == []  # no project page was rendered again
    after = workspace.snapshot()
    assert [path for path in after if after[path] != before[path]] == ["index.md"]
    assert "2026年1月2日" in workspace.read("docs_src/index.md")
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_one_changed_project_rewrites_the_records_delta_only(workspace):
    """The per-project records are kept in 16 slots by key, and what builds made since in a
    delta: a change saves the delta, not a slot of 1/16 of every project's record."""
    for n in range(12):
        shutil.copytree(workspace.path(PROJECT_DIR), workspace.path(f"budget_data/projects/2026/copy-{n}"))
    assert workspace.build().code == 0
    slots = sorted(workspace.path(".cache/generator").glob("store-*/records-*.slot"))
    delta = [slot for slot in slots if slot.name == "records-delta.slot"]
    assert len(slots) >= 6 and len(delta) == 1  # 13 projects spread over several slots, the units', the delta
    before = {slot: slot.stat().st_mtime_ns for slot in slots}
    workspace.replace("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    rewritten = [slot for slot in slots if slot.stat().st_mtime_ns != before[slot]]
    assert rewritten == delta
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def _delta(workspace) -> tuple:
    from generator import state

    return _store(workspace).get(state.DELTA_SLOT)


def test_the_records_delta_is_folded_into_the_slots_when_it_grows(workspace, monkeypatch):
    """A delta of more than FOLD_AFTER entries is written into the slots its entries fall in and
    starts again empty; the output equals a clean build's all along."""
    from generator import state

    monkeypatch.setattr(state, "FOLD_AFTER", 6)
    _settled_copies(workspace, monkeypatch)
    _, projects, rows = _delta(workspace)
    assert (len(projects), len(rows)) == (1, 1)  # copy-1 changed (record and lines)
    slots = sorted(workspace.path(".cache/generator").glob("store-*/records-[0-9a-f].slot"))
    before = {slot: slot.stat().st_mtime_ns for slot in slots}
    for n in (2, 3):
        workspace.replace(f"budget_data/projects/2026/copy-{n}/project.yaml", "- 2、开展", "- 2、开展（改）")
        assert workspace.build().code == 0
    _, projects, rows = _delta(workspace)
    assert (len(projects), len(rows)) == (3, 3) and all(slot.stat().st_mtime_ns == before[slot] for slot in slots)
    workspace.replace("budget_data/projects/2026/copy-5/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert _delta(workspace)[1:] == ({}, {})
    assert any(slot.stat().st_mtime_ns != before[slot] for slot in slots)
    records = state.load_records(_store(workspace), state.load(_store(workspace)))
    assert len(records.projects) >= 13 and len(records.digests) >= 13 and records.rows == {}  # lines not read
    assert len(state.load_rows(_store(workspace), records)) >= 13
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


@pytest.mark.parametrize("damage", ["lost", "garbage", "truncated", "of-another-state"])
def test_a_lost_damaged_or_stale_records_delta_never_changes_the_output(workspace, monkeypatch, damage):
    """The slots' data package lines of a unit's projects are older than its new name, which
    only the delta holds: without a delta saved with the state, no line is reused."""
    from generator import state

    _settled_copies(workspace, monkeypatch)
    workspace.replace(UNIT_FILE, "name: 昆明市呈贡区", "name: 昆明市呈贡区改")
    assert workspace.build().code == 0
    store = _store(workspace)
    scanned_ns, projects, rows = store.get(state.DELTA_SLOT)
    assert len(rows) == 13  # every project's lines made again with the unit's new name
    path = store.folder / "records-delta.slot"
    if damage == "lost":
        path.unlink()
    elif damage == "garbage":
        flip_byte(path, path.stat().st_size // 2, 0x40)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-10])
    else:
        store.put(state.DELTA_SLOT, (scanned_ns - 1, projects, rows))
    records = state.load_records(store, state.load(store))
    assert (records.rows, records.digests) == ({}, {}) and state.load_rows(store, records) == {}
    workspace.replace("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_templates_are_compiled_once_until_they_change(workspace, monkeypatch):
    """Compiled templates come from the store; a changed template is compiled again and its
    page shows the change (Jinja's checksum of the source is part of the key)."""
    from jinja2 import Environment

    assert workspace.build().code == 0
    compiled = []
    real = Environment.compile
    monkeypatch.setattr(Environment, "compile",
                        lambda self, source, name=None, *a, **k: compiled.append(name) or real(self, source, name, *a, **k))
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert compiled == []
    workspace.replace("site_templates/project.md.j2", "\n", "\n<!-- 模板已改 -->\n")
    assert workspace.build().code == 0
    assert compiled == ["project.md.j2"]
    assert "<!-- 模板已改 -->" in workspace.read("docs_src/projects/2026/talent-service-funds.md")
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_library_versions_are_those_importlib_metadata_gives():
    """The code version names the libraries' versions without importing importlib.metadata
    (read from the dist-info folder names); the answer must be the same."""
    import importlib.metadata

    from generator import cache

    found = cache._library_versions()
    assert found == {name: importlib.metadata.version(name) for name in cache._LIBRARIES}


@settings(max_examples=300, deadline=None)
@given(files=st.sets(st.text(min_size=1, max_size=12)))
def test_the_manifest_is_what_json_dumps_writes(files):
    """The manifest is made without json's pure-Python encoder (``indent`` selects it): the bytes
    must be exactly the ones it wrote, whatever the names."""
    import json

    from generator.output import manifest_bytes

    expected = (json.dumps({"files": sorted(files)}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    assert manifest_bytes(files) == expected


@settings(max_examples=500, deadline=None)
@given(parts=st.lists(st.sampled_from(["a", ".", "..", "", "b.md", "...", "x\\y", "n\0", "中"]), max_size=5),
       lead=st.sampled_from(["", "/"]))
def test_a_manifest_path_is_well_formed_exactly_when_its_parts_are(parts, lead):
    from generator.output import _well_formed

    relative = lead + "/".join(parts)
    expected = bool(relative) and not relative.startswith("/") and "\\" not in relative and "\0" not in relative \
        and not any(part in ("", ".", "..") for part in relative.split("/"))
    assert _well_formed(relative) == expected


def test_a_template_edit_makes_no_download_again(workspace, monkeypatch):
    """Downloads are a job of their own, keyed by the project and its unit: editing a template
    re-renders the pages and neither makes the downloads again nor reads the store's copy; a
    change to the project's data still does."""
    from generator import exports
    assert workspace.build().code == 0
    calls: list[str] = []
    for name in ("project_downloads", "unpacked_downloads"):
        real = getattr(exports, name)
        monkeypatch.setattr(exports, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    downloads = workspace.snapshot("docs_src/downloads")
    page = "docs_src/projects/2026/talent-service-funds.md"
    template = "site_templates/project.md.j2"
    workspace.write(template, workspace.read(template) + "\n<!-- 模板已改 -->\n")
    assert workspace.build().code == 0
    assert "模板已改" in workspace.read(page)
    assert calls == []
    assert workspace.snapshot("docs_src/downloads") == downloads
    workspace.replace(f"{PROJECT_DIR}/budget_items.csv", ",650000,", ",640000,")
    assert workspace.build().code == 0
    assert "project_downloads" in calls
    assert workspace.snapshot("docs_src/downloads") != downloads


def _settled_copies(workspace, monkeypatch, count: int = 12) -> None:
    """``count`` copies of the shipped project, built once, every file taken as settled."""
    from generator import output, state

    monkeypatch.setattr(state, "SETTLE_NS", 0)
    monkeypatch.setattr(output, "SPARE_SETTLE_NS", 0)
    for n in range(count):
        shutil.copytree(workspace.path(PROJECT_DIR), workspace.path(f"budget_data/projects/2026/copy-{n}"))
    assert workspace.build().code == 0
    workspace.replace("budget_data/projects/2026/copy-1/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0  # a build after a change: the next one may reuse folders


def _edit_copy_and_build(workspace, monkeypatch) -> list[str]:
    """Edits copy-4 and builds; the project folders load_tree listed and read (their names), once
    the output is checked against a clean build's."""
    from generator import load

    loaded = []
    real = load._load_project
    monkeypatch.setattr(load, "_load_project", lambda reader, year, folder: loaded.append(Path(folder).name) or
                        real(reader, year, folder))
    workspace.replace("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    listed = list(loaded)  # before the clean build, which lists them all
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)
    return listed


def test_after_one_change_only_the_changed_project_folder_is_listed_and_read(workspace, monkeypatch):
    """A project folder none of whose files changed keeps the key the last build gave it: it is
    neither listed nor read (load.ReusedProject), and the output equals a clean build's."""
    _settled_copies(workspace, monkeypatch)
    assert _edit_copy_and_build(workspace, monkeypatch) == ["copy-4"]


@pytest.mark.parametrize("lost", ["records", "models"])
def test_a_reused_project_whose_work_is_lost_is_read_again(workspace, monkeypatch, lost):
    """The folder keys name work the store may no longer hold: the project's record (then it is
    listed, read and checked again), or its model (then a page made again reads it)."""
    _settled_copies(workspace, monkeypatch)
    store = _store(workspace).folder
    if lost == "records":
        for slot in store.glob("records-*.slot"):
            slot.unlink()
    else:
        shutil.rmtree(store / "packs")
        workspace.replace("site_templates/project.md.j2", "\n", "\n\n")  # every project page again
    workspace.replace("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_folder_keys_saved_with_another_state_are_not_used(workspace, monkeypatch):
    """The folder keys count only with the state they were saved with: with an older state, a
    folder whose files that state shows unchanged may have another key now."""
    from generator import pipeline

    _settled_copies(workspace, monkeypatch)
    store = _store(workspace)
    scanned_ns, keys = store.get(pipeline.FOLDER_KEYS_SLOT)
    store.put(pipeline.FOLDER_KEYS_SLOT, (scanned_ns - 1, keys))
    store.close(prune=False)
    # Every project folder: the 12 copies and the shipped project.
    assert len(_edit_copy_and_build(workspace, monkeypatch)) == 13


def test_a_build_keeps_every_projects_downloads_copy_from_pruning(workspace, monkeypatch):
    """A build after a change makes no download again but keeps every project's copy in the
    store: a download deleted by hand later is restored from it, not made again."""
    from generator import exports

    _settled_copies(workspace, monkeypatch, count=3)
    entries = _store(workspace)._entries()
    keys = {exports.downloads_key(*keys) for keys in _project_and_unit_keys(workspace)}
    assert len(keys) == 4 and keys <= entries.keys()
    made = []
    monkeypatch.setattr(exports, "project_downloads", lambda *a, **k: made.append(a) or None)
    workspace.path("docs_src/downloads/2026/copy-2/indicators.csv").unlink()
    assert workspace.build().code == 0
    assert made == [] and workspace.path("docs_src/downloads/2026/copy-2/indicators.csv").is_file()


@pytest.mark.parametrize("fold", [False, True])
def test_a_build_after_one_change_journals_the_index(workspace, monkeypatch, fold):
    """A build after one change writes what it added to and dropped from the index in a small
    journal, read back with the index; past JOURNAL_FOLD changes the index is written whole."""
    from generator import cache

    _settled_copies(workspace, monkeypatch)
    if fold:
        monkeypatch.setattr(cache, "JOURNAL_FOLD", 0)
    folder = _store(workspace).folder
    before = (folder / "index.slot").stat().st_mtime_ns
    old = set(_store(workspace)._entries())
    _edit_copy_and_build(workspace, monkeypatch)
    store = _store(workspace)
    entries = store._entries()
    added, dropped = store._added, store._dropped
    assert set(entries) != old and all(key in entries for key in added) and not dropped & set(entries)
    if fold:
        assert (folder / "index.slot").stat().st_mtime_ns != before and (added, dropped) == ({}, set())
    else:
        assert (folder / "index.slot").stat().st_mtime_ns == before
        assert set(entries) - old <= set(added) and old - set(entries) <= dropped  # since the index was written
    assert _records(workspace).keys() == entries.keys()  # every entry reads back whole


def test_a_lost_index_journal_never_changes_the_output(workspace, monkeypatch):
    """Without its journal the index names the entries of the build before: a miss each for
    what that build added (made again), never another value."""
    _settled_copies(workspace, monkeypatch)
    _store(workspace).folder.joinpath("index-journal.slot").unlink()
    _edit_copy_and_build(workspace, monkeypatch)  # the output checked against a clean build's
    workspace.path("docs_src/downloads/2026/copy-2/indicators.csv").unlink()
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_a_slot_keeps_its_buffers_apart_and_checked(tmp_path):
    """Bytes given as pickle.PickleBuffer are written after a slot's pickle and read back as views
    of the slot's bytes, with the same value; a byte of them flipped, or the slot cut short, and the
    slot is dropped."""
    import pickle

    from generator import cache

    store = cache.Store(tmp_path / "store")
    lines = b"".join(f"line {n}\n".encode() for n in range(5000))
    assert store.put("slot:test", ("head", pickle.PickleBuffer(lines), pickle.PickleBuffer(b"tail")))
    head, found, tail = cache.Store(tmp_path / "store").get("slot:test")
    assert (head, bytes(found), bytes(tail)) == ("head", lines, b"tail")
    path = tmp_path / "store" / "test.slot"
    good = path.read_bytes()
    huge = (1 << 62).to_bytes(8, "big")
    header = len(cache.MAGIC) + 12
    for damaged in (good[:-1] + bytes([good[-1] ^ 1]), good[:-3], good[:len(good) // 2], good + b"\0",
                    good[:len(cache.MAGIC)] + huge + good[len(cache.MAGIC) + 8:],  # lengths past the file's
                    good[:header] + huge + good[header + 8:], good[:-12] + huge + good[-4:]):
        path.write_bytes(damaged)
        assert cache.Store(tmp_path / "store").get("slot:test") is None and not path.exists()


def _edit_a_budget_line_and_build(workspace) -> None:
    """An edit that makes the data package's table again (so the slots' lines are read); the
    output checked against a clean build's."""
    workspace.replace("budget_data/projects/2026/copy-4/budget_items.csv", "流动人员人事档案邮政快递费用",
                      "流动人员人事档案邮寄费用")
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_damaged_package_line_slots_never_change_the_output(workspace, monkeypatch):
    """The package lines are in slots of their own: a byte flipped there drops the slot, and
    the lines it held are made again from the projects' models."""
    _settled_copies(workspace, monkeypatch)
    slots = list(_store(workspace).folder.glob("rows-[0-9a-f].slot"))
    assert slots
    for slot in slots:
        flip_byte(slot, -2, 0x20)
    _edit_a_budget_line_and_build(workspace)


def test_package_lines_of_another_digest_are_never_used(workspace, monkeypatch):
    """Lines and digests that a failed write left apart (well-formed slots that disagree) never
    mix: a line is used only with the digest its record gives."""
    from generator import exports, state

    _settled_copies(workspace, monkeypatch)
    store = _store(workspace)
    made = []
    real = exports.package_rows
    monkeypatch.setattr(exports, "package_rows", lambda view: made.append(view.project.id) or real(view))
    for bucket in "0123456789abcdef":
        found = store.get(f"slot:rows-{bucket}")
        if found is None:
            continue
        keys, ends, lines = found
        other = bytes(lines).replace("人事档案".encode(), "人事资料".encode())
        assert other != bytes(lines)
        store.put(f"slot:rows-{bucket}", (keys, ends, pickle.PickleBuffer(other)))
    store.close()
    records = state.load_records(_store(workspace), state.load(_store(workspace)))
    assert len(records.digests) >= 13 and state.load_rows(_store(workspace), records) == records.rows
    assert len(records.rows) <= 1  # the delta's line only: every slot line disagrees with its digest
    _edit_a_budget_line_and_build(workspace)
    assert len(made) >= 12  # the other projects' lines made again from their models


def _project_and_unit_keys(workspace) -> list[tuple[str, str]]:
    """(project key, unit key) of every project budget, from the folder keys and the records."""
    from generator import pipeline, state

    store = _store(workspace)
    _, folder_keys = store.get(pipeline.FOLDER_KEYS_SLOT)
    records = state.load_records(store, state.load(store))
    unit_keys = {record.unit.id: key for key, record in records.units.items() if record.unit is not None}
    return [(key, unit_keys[records.projects[key].head.unit.value]) for key in folder_keys.values()
            if not records.projects[key].head.is_unit_target]


def test_a_model_made_again_from_files_edited_meanwhile_is_not_stored_under_the_old_key(workspace, monkeypatch):
    """A page made again reads a project whose model the store lost; a file edited since the build
    looked at it is read as it is now, but that content never goes into the store under the key
    of what the build saw, and the next build sees the edit."""
    from generator import pipeline

    _settled_copies(workspace, monkeypatch)
    store = _store(workspace).folder
    shutil.rmtree(store / "packs")
    workspace.replace("site_templates/project.md.j2", "\n", "\n\n")  # every project page again
    edited = []
    real = pipeline._gather_project

    def edit_then_gather(data_dir, root, raw_project):
        if raw_project.project_id == "copy-7" and not edited:
            edited.append(1)
            path = workspace.path("budget_data/projects/2026/copy-7/project.yaml")
            path.write_text(path.read_text(encoding="utf-8").replace("- 2、开展", "- 2、开展（后改）", 1),
                            encoding="utf-8")
            raw_project.files = {}  # read again, as the model's way back does
            pipeline.read_skipped(root, data_dir, raw_project)
        return real(data_dir, root, raw_project)
    monkeypatch.setattr(pipeline, "_gather_project", edit_then_gather)
    assert workspace.build().code == 0 and edited
    _, folder_keys = _store(workspace).get(pipeline.FOLDER_KEYS_SLOT)
    old_key = folder_keys["budget_data/projects/2026/copy-7"]
    assert _store(workspace).get(old_key) is None
    monkeypatch.setattr(pipeline, "_gather_project", real)
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def _read_paths(monkeypatch) -> list[str]:
    """Every file the build's readers read, by the path they show."""
    from generator import load

    read = []
    real = load._Reader.read_bytes
    monkeypatch.setattr(load._Reader, "read_bytes", lambda reader, path: read.append(reader.display(path)) or
                        real(reader, path))
    return read


def test_after_one_change_no_unchanged_unit_file_is_read(workspace, monkeypatch):
    """A unit file with the stats the last build recorded keeps its key by its recorded digest:
    not read after a change to a project (1,000 unit files at 10,000 projects)."""
    _settled_copies(workspace, monkeypatch)
    read = _read_paths(monkeypatch)
    workspace.replace("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert [path for path in read if "/units/" in path] == []
    assert "budget_data/projects/2026/copy-4/project.yaml" in read
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_a_unit_whose_record_is_lost_is_read_again(workspace, monkeypatch):
    """The units' records slot gone: the unchanged unit file is read and checked after all."""
    _settled_copies(workspace, monkeypatch)
    (_store(workspace).folder / "records-units.slot").unlink()
    read = _read_paths(monkeypatch)
    workspace.replace("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert UNIT_FILE in read
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_a_unit_edited_after_a_change_is_read_and_shown(workspace, monkeypatch):
    _settled_copies(workspace, monkeypatch)
    unit = workspace.path(UNIT_FILE).read_text(encoding="utf-8")
    name = next(line for line in unit.splitlines() if line.startswith("name:"))
    workspace.replace(UNIT_FILE, name, name + "（改）")
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)
    assert "（改）" in workspace.path(f"docs_src/units/{UNIT_ID}.md").read_text(encoding="utf-8")


def test_a_project_folder_missing_a_required_file_is_listed_and_reported_every_build(workspace, monkeypatch):
    """Only folders whose listing was complete are reused by folder key: one missing its
    indicators is listed again, and its finding is reported by every build, not only the first."""
    _settled_copies(workspace, monkeypatch)
    workspace.path("budget_data/projects/2026/copy-3/indicators.csv").unlink()
    for _ in range(2):
        result = workspace.build()
        assert result.code == 1
        assert "budget_data/projects/2026/copy-3: S214" in result.stderr
    shutil.copy2(workspace.path(f"{PROJECT_DIR}/indicators.csv"), workspace.path("budget_data/projects/2026/copy-3"))
    assert workspace.build().code == 0
    clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
    assert expected.code == 0 and _outputs(workspace) == _outputs(clean)


def test_the_package_table_is_made_again_only_when_a_row_may_differ(workspace, monkeypatch):
    """The data package's table (13 MB at 10,000 projects) is a job keyed by each row's project
    and unit: a narrative edit keeps it, an edited budget line or a renamed unit makes it again,
    and every build's output equals a clean build's."""
    from generator import exports

    _settled_copies(workspace, monkeypatch)
    made = []
    real = exports.package_table
    monkeypatch.setattr(exports, "package_table", lambda rows: made.append(len(rows)) or real(rows))
    table = "docs_src/data/budget_items.csv"
    edits = [
        ("budget_data/projects/2026/copy-4/project.yaml", "- 2、开展", "- 2、开展（改）", False),
        ("budget_data/projects/2026/copy-4/budget_items.csv", "流动人员人事档案邮政快递费用", "流动人员人事档案邮寄费用", True),
        (UNIT_FILE, "name: 昆明市呈贡区公共就业和人才服务中心", "name: 昆明市呈贡区公共就业和人才服务中心（改）", True),
    ]
    for path, old, new, remade in edits:
        made.clear()
        workspace.replace(path, old, new)
        assert workspace.build().code == 0
        assert bool(made) == remade, path
        clean, expected = _clean_build(workspace, workspace.root.parent / "clean")
        assert expected.code == 0 and _outputs(workspace) == _outputs(clean)
        text = workspace.read(table)
        rows = text.count("\n") - 1  # every row names its unit; the edited line is one project's
        assert text.count(new.removeprefix("name: ")) == (rows if path == UNIT_FILE else int(remade))


def _point_class():
    import dataclasses

    @dataclasses.dataclass(frozen=True, slots=True, order=True)
    class Point:
        x: int
        y: int = 2
    return Point


def _compiles(monkeypatch) -> list[str]:
    import builtins

    from generator import classcode

    compiled = []
    monkeypatch.setattr(classcode, "compile", lambda source, *rest, **options: compiled.append(source) or
                        builtins.compile(source, *rest, **options), raising=False)
    return compiled


@pytest.mark.parametrize("stored", ["kept", "damaged", "another interpreter"])
def test_dataclass_methods_are_compiled_once_per_store(tmp_path, monkeypatch, stored):
    """The methods dataclasses writes are compiled once and taken from the store after that; a
    damaged entry, or one of another interpreter, is compiled again. The classes behave alike."""
    import dataclasses

    from generator import cache, classcode

    compiled = _compiles(monkeypatch)
    store = cache.Store(tmp_path / "store")
    with classcode.kept(store):
        first = _point_class()
    store.close()
    made = list(compiled)
    assert made and not hasattr(dataclasses, "exec")  # the builtin again once the block ends
    store = cache.Store(tmp_path / "store")
    if stored == "damaged":
        tag, entries = store.get(classcode.SLOT)
        store.put(classcode.SLOT, (tag, {source: b"\x00not code" for source in entries}))
    elif stored == "another interpreter":
        store.put(classcode.SLOT, ("cpython-0 0.0", store.get(classcode.SLOT)[1]))
    compiled.clear()
    with classcode.kept(store):
        second = _point_class()
    assert compiled == ([] if stored == "kept" else made)
    for point in (first, second):
        a, b = point(1), point(1, 2)
        assert (a.x, a.y, a == b, hash(a) == hash(b), a < point(2), repr(a)) == \
            (1, 2, True, True, True, "_point_class.<locals>.Point(x=1, y=2)")
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.x = 3


def test_slot_inits_are_compiled_once_per_store_too(tmp_path, monkeypatch):
    """diagnostics.slot_init writes an __init__ as dataclasses writes its methods: while the
    pipeline is imported it is compiled once per store, and the class behaves the same."""
    import dataclasses

    from generator import cache, classcode
    from generator.diagnostics import slot_init

    def make():
        @slot_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class Pair:
            a: int
            b: tuple = ()
        return Pair

    compiled = _compiles(monkeypatch)
    store = cache.Store(tmp_path / "store")
    with classcode.kept(store):
        first = make()
    store.close()
    assert any(source.startswith("def __init__(self, a, b=default_1)") for source in compiled)
    compiled.clear()
    with classcode.kept(cache.Store(tmp_path / "store")):
        second = make()
    assert compiled == []
    for pair in (first, second):
        assert (pair(1).a, pair(1).b, pair(1, (2,)).b) == (1, (), (2,))
        with pytest.raises(dataclasses.FrozenInstanceError):
            pair(1).a = 2
