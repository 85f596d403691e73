"""Text: paired punctuation that does not pair up."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .. import rules
from ..diagnostics import Diagnostic
from ..model import Project, Text, Unit
from ._text import at, narrative

PAIRS = {"（": "）", "(": ")", "〔": "〕", "【": "】", "《": "》", "〈": "〉", "<": ">", "[": "]", "［": "］", "“": "”"}
CLOSERS = {close: open_ for open_, close in PAIRS.items()}


# Any bracket: a paragraph is scanned in C for them, not character by character in Python.
_BRACKET = re.compile("[" + re.escape("".join(PAIRS) + "".join(CLOSERS)) + "]")


def _brackets(text: Text) -> Iterator[Diagnostic]:
    stack: list[tuple[str, int]] = []
    for found in _BRACKET.finditer(text.value):
        char, index = found.group(), found.start()
        if char in PAIRS:
            stack.append((char, index))
        elif char in CLOSERS:
            if stack and PAIRS[stack[-1][0]] == char:
                stack.pop()
            elif stack:
                opener, start = stack.pop()
                yield rules.make("T101", at(text, start), open=opener, close=char)
            else:
                yield rules.make("T101", at(text, index), open="（缺失）", close=char)
    for opener, start in stack:
        yield rules.make("T101", at(text, start), open=opener, close="（缺失）")


def _all(texts: Iterable[Text]) -> Iterator[Diagnostic]:
    for text in texts:
        yield from _brackets(text)


def check_project_brackets(project: Project) -> Iterator[Diagnostic]:
    yield from _all(narrative(project))
    yield from _all(basis.title for basis in project.legal_bases)


def check_unit_brackets(unit: Unit) -> Iterator[Diagnostic]:
    yield from _all(unit.duties)
