"""Helpers shared by checks that read the narrative."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Location
from ..model import Project, Text


def narrative(project: Project) -> Iterator[Text]:
    """Every paragraph of the project's own prose, in page order."""
    for section in (project.overview, project.implementation_content, project.funding_arrangement,
                    project.implementation_plan, project.expected_results, project.unit_functions,
                    project.annual_tasks):
        yield from section
    for target in (project.medium_term_target, project.annual_target):
        if target is not None:
            yield from target.paragraphs


# How many sections of the 申报文书 a project needs before its prose can be searched for an
# indicator's words. A table's one-line 项目概况 is too little: every indicator looks foreign.
MIN_APPLICATION_SECTIONS = 3


def has_application_text(project: Project) -> bool:
    """Whether the project has the prose of a 申报文书, not just a table and a line or two.

    Rules that look for an indicator's words in the project's text need this much text to
    be meaningful. A whole-unit target never qualifies: its indicators span all the unit's
    duties, which no project text describes.
    """
    if project.is_unit_target:
        return False
    sections = (project.overview, project.implementation_content, project.funding_arrangement,
                project.implementation_plan, project.expected_results)
    return sum(1 for section in sections if section) >= MIN_APPLICATION_SECTIONS


def at(text: Text, offset: int) -> Location:
    """Location of a character inside a one-line paragraph."""
    loc = text.location
    if loc.column is None:
        return loc
    return Location(loc.path, loc.line, loc.column + offset)
