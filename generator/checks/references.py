"""Legal bases: 文号 format (GB/T 9704-2012), citations that are not listed, duplicates."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import rules
from ..diagnostics import Diagnostic, Location
from ..model import Project, Text
from ._text import at, narrative

# 机关代字 + 年份 in some bracket + 序号 + 号, e.g. 呈办通〔2024〕18号, 人社部发【2021】112号.
DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*([〔【\[［（(〈<])\s*(\d{4})\s*([〕】\]］）)〉>])\s*(\d+)(\s*)号")
# What every DOC_NUMBER match ends with. DOC_NUMBER tries up to 12 characters at every Chinese
# character of a paragraph; this scans for a digit, and most paragraphs cite nothing.
_DOC_NUMBER_TAIL = re.compile(r"\d\s*[〕】\]］）)〉>]\s*\d+\s*号").search


def _citations(text: Text) -> Iterator[tuple[re.Match, Location]]:
    if _DOC_NUMBER_TAIL(text.value) is None:
        return
    for match in DOC_NUMBER.finditer(text.value):
        yield match, at(text, match.start())


def _format_problems(match: re.Match, location: Location, shown: str) -> Iterator[Diagnostic]:
    brackets = match.group(2) + match.group(4)
    if brackets != "〔〕":
        yield rules.make("L701", location, number=shown, brackets=brackets)
    if match.group(6):
        yield rules.make("L702", location, number=shown)
    if match.group(5).startswith("0"):
        yield rules.make("L703", location, number=shown)


def check_doc_number_format(project: Project) -> Iterator[Diagnostic]:
    for basis in project.legal_bases:
        match = DOC_NUMBER.search(basis.number.value) if basis.number else None
        if match:
            yield from _format_problems(match, basis.number.location, basis.number.value)
    for text in narrative(project):
        for match, location in _citations(text):
            yield from _format_problems(match, location, match.group(0))


def _key(match: re.Match) -> tuple[str, int, int]:
    return match.group(1), int(match.group(3)), int(match.group(5))


def _same_document(cited: tuple[str, int, int], listed: tuple[str, int, int]) -> bool:
    # The regex may take words before the 机关代字 ("依据呈办通"), so compare the tails.
    return cited[1:] == listed[1:] and (cited[0].endswith(listed[0]) or listed[0].endswith(cited[0]))


def check_cited_documents_listed(project: Project) -> Iterator[Diagnostic]:
    listed = [_key(m) for b in project.legal_bases if b.number and (m := DOC_NUMBER.search(b.number.value))]
    reported = set()
    for text in narrative(project):
        for match, location in _citations(text):
            key = _key(match)
            if not any(_same_document(key, other) for other in listed) and key not in reported:
                reported.add(key)
                yield rules.make("L704", location, number=match.group(0).strip())


def check_duplicate_legal_bases(project: Project) -> Iterator[Diagnostic]:
    seen: dict[tuple[str, int, int], int] = {}
    for basis in project.legal_bases:
        match = DOC_NUMBER.search(basis.number.value) if basis.number else None
        if not match:
            continue
        key = _key(match)
        first = next((line for other, line in seen.items() if _same_document(key, other)), None)
        if first is not None:
            yield rules.make("L705", basis.number.location, number=basis.number.value, first_line=first)
        else:
            seen[key] = basis.number.location.line or 0
