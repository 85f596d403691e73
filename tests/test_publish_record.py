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
