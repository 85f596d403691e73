"""The spare tree's record (output.spare_record) patched after each publish instead of made
again (issue 11): it must hold, for every folder of the output folder and of the spare, the
times the folder has, so that the next publish compares exactly the folders that may differ;
hand edits of every kind still reach the published tree, build after build."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import PROJECT_DIR, Workspace

from generator import cache, output


def _folder_times(top: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for folder, _, _ in os.walk(top):
        info = os.stat(folder, follow_symlinks=False)
        relative = os.path.relpath(folder, top)
        found["" if relative == "." else Path(relative).as_posix()] = (info.st_mtime_ns, info.st_ctime_ns)
    return found


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): 0 if p.is_dir() and not p.is_symlink() else p.lstat().st_ino
            for p in folder.rglob("*")}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _record(ws: Workspace):
    [folder] = ws.path(".cache/generator").glob("store-*")
    return cache.Store(folder).get("slot:spare")


def _hand_edit(ws: Workspace, round_: int) -> None:
    docs = ws.path("docs_src")
    if round_ == 0:
        (docs / "assets/n0.md").write_text("手写 0\n", encoding="utf-8")
    elif round_ == 1:  # a new folder inside the folder of 10,000 pages at scale
        (docs / "projects/2026/handmade").mkdir()
        (docs / "projects/2026/handmade/note.md").write_text("手写 1\n", encoding="utf-8")
    elif round_ == 2:
        replacement = docs / "about.md.new"
        replacement.write_text("# 关于本站（第三轮）\n", encoding="utf-8")
        replacement.replace(docs / "about.md")
    elif round_ == 3:
        (docs / "assets/n0.md").unlink()
        (docs / "projects/2026/handmade/deeper").mkdir()
        (docs / "projects/2026/handmade/deeper/x.md").write_text("手写 3\n", encoding="utf-8")
    elif round_ == 4:
        shutil.rmtree(docs / "projects/2026/handmade")
        (docs / "units/hand.md").write_text("手写 4\n", encoding="utf-8")
    elif round_ == 5:
        with (docs / "units/hand.md").open("a", encoding="utf-8") as handle:  # in place: a shared file
            handle.write("追加\n")


def test_the_patched_record_has_every_folders_times_after_each_publish(workspace, monkeypatch):
    monkeypatch.setattr(output, "SPARE_SETTLE_NS", 0)  # only moved times count: the record must be exact
    assert workspace.build().code == 0
    docs = workspace.path("docs_src")
    [spare] = workspace.path(".cache/generator").glob("spare-*")
    text = "- 2、开展"
    for round_ in range(6):
        time.sleep(0.05)  # past the file system's clock tick: the edits move the folders' times
        _hand_edit(workspace, round_)
        expected_hand = {p: b for p, b in _tree(docs).items()
                         if p in ("about.md", "units/hand.md") or p.startswith(("assets/", "projects/2026/handmade"))}
        workspace.replace(f"{PROJECT_DIR}/project.yaml", text, text + "（改）")
        text += "（改）"
        assert workspace.build().code == 0, round_
        after = _tree(docs)
        for path, content in expected_hand.items():
            assert after.get(path) == content, (round_, path)
        assert set(p for p in after if p.startswith(("assets/", "projects/2026/handmade", "units/hand"))) \
            == set(p for p in expected_hand if not p == "about.md"), round_
        assert _inodes(spare) == _inodes(docs), round_
        _, _, live_table, kept_table = output._tables(_record(workspace))
        live, kept = output.table_times(live_table), output.table_times(kept_table)
        # Every folder there, with the times it has now (entries of folders gone are allowed: a
        # folder that comes back is new, so its times differ).
        assert {k: v for k, v in live.items() if k in _folder_times(docs)} == _folder_times(docs), round_
        assert {k: v for k, v in kept.items() if k in _folder_times(spare)} == _folder_times(spare), round_
    clean = Workspace(workspace.root.parent / "clean")
    for folder in ("budget_data", "site_templates"):
        shutil.rmtree(clean.path(folder))
        shutil.copytree(workspace.path(folder), clean.path(folder))
    assert clean.build().code == 0
    generated = {p: b for p, b in _tree(docs).items()
                 if p != "about.md" and not p.startswith(("assets/", "projects/2026/handmade", "units/hand"))}
    assert generated == {p: b for p, b in _tree(clean.path("docs_src")).items()
                         if p != "about.md" and not p.startswith("assets/")}


def test_folders_written_before_the_file_system_clock_reading_are_not_synced_again(workspace, monkeypatch):
    """The record's "too recent to tell" bound is the file system's clock, read before the times
    are taken (output._unsure_from): after a build, the next publish looks again only at the folders
    that moved, not at every folder the build wrote in its last two seconds (SPARE_SETTLE_NS, the
    bound without that clock). At 10,000 projects that was the folder of 10,000 pages and hundreds
    of others, listed again by the first change after every full build."""
    assert workspace.build().code == 0
    time.sleep(0.05)  # past the file system's clock tick
    synced = []
    real = output._sync
    monkeypatch.setattr(output, "_sync", lambda source, target, relative="", *args, **kwargs:
                        synced.append(relative) or real(source, target, relative, *args, **kwargs))
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    _, _, live_table, _ = output._tables(_record(workspace))
    assert set(synced) <= {""} and len(output.table_times(live_table)) > 10  # none of the build's folders
    assert _inodes(workspace.path(".cache/generator").glob("spare-*").__next__()) == _inodes(workspace.path("docs_src"))


def test_a_hand_edit_right_after_a_build_reaches_the_next_publish(workspace):
    """No sleep: a file added by hand within the clock tick of the build's record is still seen
    (its folder is too recent to tell, or its times moved), and kept by the next publish."""
    assert workspace.build().code == 0
    docs = workspace.path("docs_src")
    (docs / "projects/2026/hand.md").write_text("手写\n", encoding="utf-8")
    (docs / "assets/hand.md").write_text("手写\n", encoding="utf-8")
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert (docs / "projects/2026/hand.md").read_text(encoding="utf-8") == "手写\n"
    assert (docs / "assets/hand.md").read_text(encoding="utf-8") == "手写\n"
    [spare] = workspace.path(".cache/generator").glob("spare-*")
    assert _inodes(spare) == _inodes(docs)


def test_the_file_system_clock_falls_back_to_the_wall_clocks_bound(tmp_path):
    """A clock file that cannot be used (a link planted in its place, a missing folder) gives the
    bound without it; a usable one gives the file system's time, at or after every folder time
    taken before it."""
    tree = tmp_path / "tree"
    tree.mkdir()
    before = os.stat(tree).st_mtime_ns
    found = output._unsure_from(tree, tmp_path / "clock-spare")
    assert found >= before and found > time.time_ns() - output.SPARE_SETTLE_NS
    (tmp_path / "elsewhere").write_text("x", encoding="utf-8")
    (tmp_path / "clock-link").symlink_to(tmp_path / "elsewhere")
    linked_times = os.stat(tmp_path / "elsewhere").st_mtime_ns
    wall = time.time_ns() - output.SPARE_SETTLE_NS
    assert wall <= output._unsure_from(tree, tmp_path / "clock-link") <= time.time_ns() - output.SPARE_SETTLE_NS
    assert os.stat(tmp_path / "elsewhere").st_mtime_ns == linked_times  # not touched through the link
    assert output._unsure_from(tree, tmp_path / "missing" / "clock") <= time.time_ns() - output.SPARE_SETTLE_NS


def test_a_first_build_records_the_spare_trees_times_too(workspace, monkeypatch):
    """The build that writes the whole tree also records its spare's folders, so the first change
    after it patches both tables instead of taking the times of every folder again."""
    monkeypatch.setattr(output, "SPARE_SETTLE_NS", 0)  # only moved times count: the record must be exact
    assert workspace.build().code == 0
    [spare] = workspace.path(".cache/generator").glob("spare-*")
    _, _, live_table, kept_table = output._tables(_record(workspace))
    assert kept_table is not None
    assert output.table_times(kept_table) == _folder_times(spare)
    assert output.table_times(live_table) == _folder_times(workspace.path("docs_src"))
    looked = []
    real = output._table
    monkeypatch.setattr(output, "_table", lambda *args, **kwargs: looked.append(args[0]) or real(*args, **kwargs))
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（改）")
    assert workspace.build().code == 0
    assert looked == []  # both tables patched
