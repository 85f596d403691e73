"""Helpers shared by checks that read the narrative."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import Location
from ..model import Project, Text


def narrative(project: Project) -> Iterator[Text]:
    """Every paragraph of the project's own prose, in page order."""
    for section in (project.overview, project.implementation_content, project.funding_arrangement,
                    project.implementation_plan, project.expected_results,
                    project.medium_term_target.paragraphs, project.annual_target.paragraphs):
        yield from section


def at(text: Text, offset: int) -> Location:
    """Location of a character inside a one-line paragraph."""
    loc = text.location
    if loc.column is None:
        return loc
    return Location(loc.path, loc.line, loc.column + offset)
