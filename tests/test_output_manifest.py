"""The manifest (docs_src/.generated.json) read and written without json's encoder and parser on
the usual path (issue 11): the names, the bytes and the decisions must be exactly those the
json module gives, whatever the file holds."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import PROJECT_DIR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import output

# Names like the generator's, and names that need json's escapes or are not well-formed.
NAME = st.one_of(
    st.lists(st.sampled_from(["projects", "2026", "a.md", ".", "..", "", "中文", "x y", ".hidden", "b\\c",
                              'q"t', "n\nl", "t\tb", "\0", "\x7f", "\u2028", "e\x1f"]),
             min_size=1, max_size=4).map("/".join),
    st.text(max_size=8))
NAMES = st.sets(NAME, max_size=12)
TMP = {"suppress_health_check": [HealthCheck.function_scoped_fixture]}


def _reference(text: str) -> set[str]:
    """read_manifest as it was: json.loads and _well_formed of each entry (and, new, no traceback
    for a "files" that is not a list)."""
    try:
        data = json.loads(text)
        return {p for p in data.get("files", []) if isinstance(p, str) and output._well_formed(p)}
    except (ValueError, AttributeError, TypeError):
        return set()


def _json_bytes(names) -> bytes:
    return (json.dumps({"files": sorted(names)}, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _load(folder: Path, data: bytes, vouched: bool = False) -> output.Manifest:
    (folder / output.MANIFEST).write_bytes(data)
    identity = output._manifest_identity(folder) if vouched else None
    return output.load_manifest(folder, identity)


@settings(max_examples=400, deadline=None, **TMP)
@given(names=NAMES)
def test_a_written_manifest_reads_back_as_json_reads_it(tmp_path, names):
    data = output.manifest_bytes(names)
    assert data == _json_bytes(names)
    found = _load(tmp_path, data)
    assert found.names == _reference(data.decode("utf-8"))
    # Known to be exactly manifest_bytes' text when every name is well-formed and json leaves it
    # as it is (escaped names are read with json, and the text made again to compare).
    plain = all(output._well_formed(n) and json.dumps(n, ensure_ascii=False) == f'"{n}"' for n in names)
    if plain:
        assert found.ordered is not None
    if found.ordered is not None:
        assert found.ordered == sorted(names)
        assert output.manifest_bytes(found.names, found.ordered) == data
    if all(output._well_formed(n) for n in names):  # what a publish lists: the record may vouch for it
        vouched = _load(tmp_path, data, vouched=True)
        assert (vouched.names, vouched.ordered) == (found.names, found.ordered)


@settings(max_examples=400, deadline=None, **TMP)
@given(names=st.lists(NAME, max_size=8), indent=st.sampled_from([None, 1, 2]), unsorted=st.booleans(),
       extra=st.sampled_from(["", " ", "\n", "x", '{"files": 1}', "[]"]))
def test_any_manifest_text_reads_as_json_reads_it(tmp_path, names, indent, unsorted, extra):
    """Repeats, another order, another layout, escapes, junk: the names json and _well_formed give;
    the text is taken as manifest_bytes' own only when it is byte for byte what it writes."""
    listed = names if unsorted else sorted(names)
    text = json.dumps({"files": listed}, ensure_ascii=False, indent=indent) + "\n"
    text = extra if extra.startswith(("{", "[")) else text + extra
    data = text.encode("utf-8")
    found = _load(tmp_path, data)
    assert found.names == _reference(text)
    if found.ordered is not None:
        assert output.manifest_bytes(found.names, found.ordered) == data
        assert found.seen == output._manifest_identity(tmp_path)


@settings(max_examples=300, deadline=None)
@given(previous=st.sets(st.text(max_size=6), max_size=20), added=st.sets(st.text(max_size=6), max_size=8),
       gone=st.integers(min_value=0, max_value=20))
def test_a_patched_order_is_the_sorted_names(previous, added, gone):
    listed = (previous - set(sorted(previous)[:gone])) | added
    patched = output._patched_order(sorted(previous), previous, listed)
    assert patched == sorted(listed)
    assert output.manifest_bytes(listed, patched) == _json_bytes(listed)


def test_a_vouched_manifest_is_trusted_only_while_the_file_is_unchanged(tmp_path):
    names = {"index.md", "projects/2026/a.md"}
    data = output.manifest_bytes(names)
    assert _load(tmp_path, data, vouched=True).names == names
    vouched = output._manifest_identity(tmp_path)
    # Rewritten in the same form with a name that leaves the folder: the identity moved, so every
    # name is checked again.
    tampered = output.manifest_bytes(names | {"../../victim.md"})
    (tmp_path / output.MANIFEST).write_bytes(tampered)
    assert output._manifest_identity(tmp_path) != vouched
    assert output.load_manifest(tmp_path, vouched).names == names


def test_a_canonical_tampered_manifest_cannot_delete_outside(workspace):
    """The manifest edited by hand in the generator's own form (sorted, same layout): the record
    of the spare vouches for the file it saw, not for this one."""
    assert workspace.build().code == 0
    victim = workspace.root.parent / "victim.md"
    from generator.render import GENERATED_MARKER
    victim.write_text(GENERATED_MARKER + "---\n# 别人的文件\n", encoding="utf-8")
    manifest = workspace.path("docs_src/.generated.json")
    names = set(json.loads(manifest.read_text(encoding="utf-8"))["files"])
    manifest.write_bytes(output.manifest_bytes(names | {"../../victim.md", "about.md"}))
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（一）")
    assert workspace.build().code == 0
    assert victim.exists() and workspace.path("docs_src/about.md").exists()
    assert manifest.read_bytes() == _json_bytes(names)


def test_an_unchanged_manifest_is_not_made_again(workspace, monkeypatch):
    """A build that changes a page but not the list of files compares the manifest by the record
    of the spare, without making its text; the file stays as it was (same inode)."""
    assert workspace.build().code == 0
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展", "- 2、开展（一）")
    assert workspace.build().code == 0
    manifest = workspace.path("docs_src/.generated.json")
    before = os.stat(manifest).st_ino, manifest.read_bytes()
    made = []
    real = output.manifest_bytes
    monkeypatch.setattr(output, "manifest_bytes", lambda *a, **k: made.append(1) or real(*a, **k))
    workspace.replace(f"{PROJECT_DIR}/project.yaml", "- 2、开展（一）", "- 2、开展（二）")
    assert workspace.build().code == 0
    assert made == []
    assert (os.stat(manifest).st_ino, manifest.read_bytes()) == before
