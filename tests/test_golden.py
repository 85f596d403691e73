"""Golden files pin the rendered Markdown of the shipped data.

After an intended change to templates or data, regenerate them with `make golden`
(UPDATE_GOLDEN=1 pytest tests/test_golden.py) and review the diff before committing.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from conftest import Workspace

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def rendered(tmp_path, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # fixed, so the footer date is pinned too
    workspace = Workspace(tmp_path / "repo")
    result = workspace.build()
    assert result.code == 0, result.stderr
    manifest_files = sorted(p.relative_to(workspace.path("docs_src")).as_posix()
                            for p in workspace.path("docs_src").rglob("*.md"))
    return {name: workspace.read(f"docs_src/{name}") for name in manifest_files if name != "about.md"}


def test_golden_pages(rendered):
    if os.environ.get("UPDATE_GOLDEN"):
        if GOLDEN.exists():
            for old in GOLDEN.rglob("*.md"):
                old.unlink()
        for name, text in rendered.items():
            target = GOLDEN / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        pytest.skip("golden files regenerated; review `git diff tests/golden`")
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*.md")}
    assert sorted(rendered) == sorted(expected), "set of generated pages changed; run `make golden`"
    problems = []
    for name in sorted(expected):
        if rendered[name] != expected[name]:
            diff = difflib.unified_diff(expected[name].splitlines(), rendered[name].splitlines(),
                                        f"golden/{name}", f"rendered/{name}", lineterm="")
            problems.append("\n".join(diff))
    assert not problems, "rendered Markdown differs from tests/golden (run `make golden` if intended):\n" + \
        "\n\n".join(problems)
