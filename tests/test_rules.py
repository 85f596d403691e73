"""The rule registry is the single source of truth; every rule is documented, used and exercised."""

from __future__ import annotations

import re

from conftest import REPO, Workspace, run_cli
from test_checks import CASES as REVIEW_CASES
from test_checks import CleanWorkspace
from test_import import import_rule_codes
from test_hostile import CASES as HOSTILE_CASES
from test_malformed import CASES
from test_publish import CASES as PUBLISH_CASES

from generator.diagnostics import Severity
from generator.rules import RULES

_MADE = re.compile(r'rules\.make\(\s*"([A-Z]\d{3})"')


def _codes_made_by_the_generator() -> set[str]:
    found = set()
    for path in (REPO / "generator").rglob("*.py"):
        found |= set(_MADE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_rule_is_fully_described():
    for code, rule in RULES.items():
        assert re.fullmatch(r"[A-Z]\d{3}", code)
        assert rule.code == code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert isinstance(rule.severity, Severity)
        for text in (rule.message, rule.what, rule.why, rule.example, rule.fix):
            assert text.strip(), (code, text)
        assert "\n" not in rule.message


def test_rule_names_are_unique():
    names = [rule.name for rule in RULES.values()]
    assert len(names) == len(set(names))


def test_every_code_the_generator_emits_is_registered_and_every_rule_is_emitted():
    made = _codes_made_by_the_generator()
    assert made <= set(RULES), made - set(RULES)
    live = {code for code, rule in RULES.items() if not rule.retired}
    assert live <= made, f"rules never emitted: {live - made}"


def test_every_rule_has_a_fixture_that_triggers_it(tmp_path):
    """Run the malformed-input catalogue, the review-rule fixtures and two build scenarios;
    every live rule must fire. (The clean fixture, which violates none, is tested in test_checks.)"""
    emitted: set[str] = set()
    for index, case in enumerate(CASES):
        workspace = Workspace(tmp_path / f"case-{index}")
        case.mutate(workspace)
        emitted |= {d["code"] for d in workspace.check().diagnostics}
    for index, case in enumerate(HOSTILE_CASES):
        workspace = Workspace(tmp_path / f"hostile-{index}")
        case.mutate(workspace)
        emitted |= {d["code"] for d in workspace.check().diagnostics}
    outside = Workspace(tmp_path / "outside")
    (tmp_path / "elsewhere").mkdir()
    outside.path("docs_src/projects").symlink_to(tmp_path / "elsewhere")
    emitted |= set(re.findall(r"\b([A-Z]\d{3})\b", outside.build().stderr))
    for index, review_case in enumerate(REVIEW_CASES):
        workspace = CleanWorkspace(tmp_path / f"review-{index}")
        review_case.mutate(workspace)
        emitted |= {d["code"] for d in workspace.check().diagnostics}
    for index, case in enumerate(PUBLISH_CASES):
        workspace = Workspace(tmp_path / f"publish-{index}")
        case.mutate(workspace)
        emitted |= {d["code"] for d in workspace.check().diagnostics}
    collision = Workspace(tmp_path / "collision")
    collision.write("docs_src/index.md", "# 手写\n")
    emitted |= set(re.findall(r"\b([A-Z]\d{3})\b", collision.build().stderr))
    emitted |= {d["code"] for d in run_cli("check", "--root", str(tmp_path / "empty"), "--format", "json").diagnostics}
    emitted |= import_rule_codes(tmp_path / "import")  # M0xx: reported by `import`, not by `check`
    live = {code for code, rule in RULES.items() if not rule.retired}
    assert live <= emitted, f"rules without a fixture: {sorted(live - emitted)}"


def test_every_rule_has_a_documentation_page(tmp_path):
    from generator.render import escape_text as escape

    workspace = Workspace(tmp_path / "repo")
    assert workspace.build().code == 0
    index = workspace.read("docs_src/rules/index.md")
    for code, rule in RULES.items():
        page = workspace.read(f"docs_src/rules/{code}.md")
        assert f"\n# {code} {rule.name}\n" in page
        for text in (rule.what, rule.why, rule.example, rule.fix):
            assert f"<p>{escape(text)}</p>" in page, (code, text)
        assert f"]({code}.md)" in index
