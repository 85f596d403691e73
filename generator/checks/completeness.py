"""Completeness: which parts of the official layout a project's source does not print.

One info finding per project, for the reviewer. The public page simply leaves absent
parts out; nothing is ever filled in.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import rules
from ..diagnostics import Diagnostic
from ..model import Project

PROJECT_SECTIONS = (
    ("立项依据", lambda p: p.legal_bases),
    ("项目基本概况", lambda p: p.overview),
    ("项目实施内容", lambda p: p.implementation_content),
    ("资金安排情况", lambda p: p.funding_arrangement),
    ("资金测算明细", lambda p: p.budget_items),
    ("项目实施计划", lambda p: p.implementation_plan),
    ("项目实施成效", lambda p: p.expected_results),
    ("中长期绩效目标", lambda p: p.medium_term_target),
    ("年度绩效目标", lambda p: p.annual_target),
)
UNIT_TARGET_SECTIONS = (
    ("部门职能", lambda p: p.unit_functions),
    ("年度主要任务", lambda p: p.annual_tasks),
    ("年度绩效目标", lambda p: p.annual_target),
)


def missing_sections(project: Project) -> list[str]:
    sections = UNIT_TARGET_SECTIONS if project.is_unit_target else PROJECT_SECTIONS
    return [title for title, get in sections if not get(project)]


def check_sections_present(project: Project) -> Iterator[Diagnostic]:
    missing = missing_sections(project)
    if missing:
        yield rules.make("K001", project.name.location, sections="、".join(missing))
