"""MkDocs hook: our generated raw-HTML blocks skip Python's html.parser; the HTML is unchanged.

A generated page (front matter ``generator: budget-disclosure``) is mostly raw HTML: the
official tables with rowspan/headers, the SVG chart, the 信息公开 list. Plain MkDocs runs
html.parser over every page twice, in Markdown's ``html_block`` preprocessor (which stashes
each raw block and leaves a placeholder) and in MkDocs' ``mkdocs_raw_html`` preprocessor
(which only collects ``id`` attributes for anchor validation); that was 60 % of the Markdown
conversion time of a project page.

This hook adds a Markdown preprocessor that runs before both (and before fenced_code, so a
page with a code fence is not taken) and does what
``html_block`` would do with our blocks, with string searches instead of a tokenizer: each
raw block is put into the same stash with the same text (plus the newline ``html_block``
keeps when a blank line follows) and replaced by the same placeholder layout. Both
html.parser passes then see only the Markdown parts of the page. The ids in the blocks are
collected with a regular expression and given to MkDocs as ``html_block`` would have.

It recognises a page only when every ``<`` outside the blocks it takes is absent, and only
blocks that ``html_block`` provably treats as one raw block: a lower-case block-level tag
at the start of a line, closed by its own end tag (same-name nesting counted) at the end of
a line, with no comment, declaration, processing instruction, script or style anywhere.
Generated pages satisfy this because data reaches them escaped (render.escape_text: a ``<``
in data is always ``&lt;``), so no data value can open or close a block. Anything else (a
hand-written page, a page it cannot prove) goes through plain MkDocs untouched.

After the block parser, the hook also spares Markdown's inline pass the texts whose result is
certain (_InlineShortcuts): plain text, and a text holding one plain link, which is most of
what the Markdown parts of a generated page are (headings, "实施单位：[…](…)", the download
list, the links in the index tables).
tests/test_site.py builds pages with and without this hook and compares the HTML.
"""

from __future__ import annotations

import html
import re

import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.inlinepatterns import LinkInlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

# Written by generator/render.py (GENERATED_MARKER) into the front matter of each page it makes.
GENERATED = "budget-disclosure"

_START = re.compile(r"<([a-z][a-z0-9]*)(?=[\s>])[^>]*>")
# Anything html.parser would treat other than as a plain tag, or that needs its CDATA mode.
# (Tags whose content html.parser reads as text, like <title> in newer Pythons, are harmless:
# that content is stashed as it stands either way, and it holds no "<".)
_UNSAFE = re.compile(r"<[!?]|</>|<(?:script|style|plaintext|xmp)[\s>]", re.I)
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_ID = re.compile(r'\sid="([^"]*)"')
_ANY_ID = re.compile(r"\sid\s*=", re.I)

# markdown.htmlparser.blank_line_re without its "^", which Pattern.match(text, pos) would not
# match at pos.
_BLANK_LINE = re.compile(r"(?:[ ]*\n){2}")

_state: dict = {"generated": False, "ids": set()}


_TAG_PATTERNS: dict[str, re.Pattern] = {}


def _close(text: str, tag: str, start: int) -> int:
    """End of the element opened at ``start`` (after its end tag), or -1. html.parser ends a raw
    block when its outer tag's end tag empties the stack; with no "<" but in tags, counting the
    same-name tags finds that end tag."""
    pattern = _TAG_PATTERNS.get(tag)
    if pattern is None:
        pattern = _TAG_PATTERNS[tag] = re.compile(rf"<{tag}(?=[\s>/])[^>]*>|</{tag}\s*>")
    depth = 0
    for match in pattern.finditer(text, start):
        token = match.group()
        if token.startswith("</"):
            depth -= 1
            if depth == 0:
                return match.end()
        elif not token.endswith("/>"):
            depth += 1
    return -1


def _anchor_ids(block: str) -> set[str] | None:
    """The ids MkDocs' _RawHTMLPreprocessor would collect from ``block``; None if unsure."""
    ids: set[str] = set()
    for tag in _TAG.findall(block):
        low = tag.lower()
        if "id" in low:
            found = _ID.findall(tag)
            if len(_ANY_ID.findall(tag)) != len(found):
                return None
            ids.update(html.unescape(value) for value in found)
        if "name" in low and re.match(r"<a[\s>]", low):
            return None  # <a name=…> anchors: not generated; let MkDocs read them itself
    return ids


def extract(text: str, md) -> tuple[str, set[str]] | None:
    """``text`` with each raw block stashed in ``md.htmlStash``, and the blocks' anchor ids;
    None (and nothing stashed) when the page is not one this hook can prove."""
    if _UNSAFE.search(text) or "```" in text or "~~~" in text:
        return None  # (fences: fenced_code, which runs after this, must see the page whole)
    parts: list[str] = []
    blocks: list[str] = []
    ids: set[str] = set()
    position = 0
    while (start := text.find("<", position)) != -1:
        if start and text[start - 1] != "\n":
            return None
        opened = _START.match(text, start)
        if not opened or opened.group().endswith("/>") or opened.group(1) == "hr" \
                or not md.is_block_level(opened.group(1)):
            return None
        end = _close(text, opened.group(1), start)
        if end == -1 or (end < len(text) and text[end] != "\n"):
            return None
        block = text[start:end]
        found = _anchor_ids(block)
        if found is None:
            return None
        ids |= found
        # What html_block stores: the block, and a newline when a blank line follows it.
        block += "\n" if _BLANK_LINE.match(text, end) else ""
        between = text[position:start]
        if parts and isinstance(parts[-1], int) and not between.strip("\n"):
            # Only line breaks since the previous block: html_block would give two sibling
            # paragraphs holding placeholders, serialised one after the other with "\n"
            # between them. One placeholder for both saves the inline pass over the second.
            blocks[-1] += "\n" + block
        else:
            blocks.append(block)
            parts.append(between)
            parts.append(len(blocks) - 1)
        position = end
    parts.append(text[position:])
    out = []
    for part in parts:
        if isinstance(part, int):
            # The text html_block leaves in place of a raw block.
            out.append("\n" + md.htmlStash.store(blocks[part]) + "\n\n")
        else:
            out.append(part)
    return "".join(out), ids


class _RawBlocks(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not _state["generated"]:
            return lines
        result = extract("\n".join(lines), self.md)
        if result is None:
            return lines
        text, _state["ids"] = result
        return text.split("\n")


# Python-Markdown's inline patterns (3.x) and the characters each needs in a text to match:
# backtick "`", escape "\\", links, images and references "[" (images "!["), autolink,
# automail and inline HTML "<", entity "&", emphasis "*" and "_", line break "  \n". "{" is
# added for attr_list's "{: …}" (a treeprocessor, after the inline pass, but cheap to keep out).
_INLINE_PATTERNS = ("backtick", "escape", "reference", "link", "image_link", "image_reference",
                    "short_reference", "short_image_ref", "autolink", "automail", "linebreak", "html",
                    "entity", "em_strong")
_DELIMITERS = frozenset({"*", "_"})
_INLINE_TRIGGER = re.compile(r"[`\\\[\]!<&*_\n{]")
# A text that is one inline link and plain text around it: "实施单位：[name](../units/a.md)",
# "[绩效目标表（CSV）](../downloads/…/indicators.csv)". The link's target has no space, quote,
# parenthesis, bracket, angle bracket or backslash, so it is taken as it stands (no title).
_PLAIN = r"[^`\\\[\]!<&*_\n{]"
_ONE_LINK = re.compile(rf"({_PLAIN}*)\[({_PLAIN}+)\]\(([^\s()<>\"'`\\\[\]\x02\x03]+)\)({_PLAIN}*)")


class _InlineShortcuts(Treeprocessor):
    """Does the inline pass's work on the texts where its result is certain, and marks them
    atomic so that the pass skips them; the HTML is the same, without trying 14 regular
    expressions on each text (and again on each link's text).

    - a text no inline pattern can match (none of the characters above): a heading such as
      "一、项目名称", plain Chinese, the placeholder of a raw block. The pass would give it back
      unchanged.
    - a text holding exactly one plain link, as above: the pass would give the element the text
      before the link, an <a> with the link's text and its href, and the text after the link as
      that <a>'s tail; which is what is built here.

    Done only when the Markdown instance has exactly the patterns above (an extension adding
    one, or another Markdown version, leaves every text to the inline pass)."""

    def _standard(self) -> bool:
        patterns = self.md.inlinePatterns
        delimiters = getattr(self.md, "delimiters", None)
        return (len(patterns) == len(_INLINE_PATTERNS)
                and all(name in patterns for name in _INLINE_PATTERNS)
                and type(patterns["link"]) is LinkInlineProcessor
                and not any(pattern.ANCESTOR_EXCLUDES for pattern in patterns)
                and delimiters is not None
                and set(getattr(delimiters, "tokens", ("?",))) <= _DELIMITERS)

    def run(self, root):
        if not self._standard():
            return root
        for element in list(root.iter()):
            text = element.text
            if not text or len(element) or isinstance(text, AtomicString):
                continue
            if _INLINE_TRIGGER.search(text) is None:
                element.text = AtomicString(text)
                continue
            link = _ONE_LINK.fullmatch(text)
            if link is not None:
                before, label, href, after = link.groups()
                element.text = AtomicString(before) if before else None
                anchor = etree.SubElement(element, "a")
                anchor.text = AtomicString(label)
                anchor.set("href", href)
                anchor.tail = AtomicString(after) if after else None
        return root


class _RawBlocksExtension(Extension):
    def extendMarkdown(self, md) -> None:
        # After normalize_whitespace (30); before fenced code (25), which then scans only the
        # Markdown parts (a page with a fence is not taken), mkdocs_raw_html (21) and html_block (20).
        md.preprocessors.register(_RawBlocks(md), "budget_raw_blocks", 27)
        # Before the inline pass (20).
        md.treeprocessors.register(_InlineShortcuts(md), "budget_inline_shortcuts", 25)


def on_config(config, **kwargs):
    config.markdown_extensions.append(_RawBlocksExtension())
    return config


def on_page_markdown(markdown, page, **kwargs):
    _state["generated"] = page.meta.get("generator") == GENERATED
    _state["ids"] = set()
    return markdown


def on_page_content(html_text, page, **kwargs):
    if _state["ids"]:
        page.present_anchor_ids = (page.present_anchor_ids or set()) | _state["ids"]
    _state["generated"] = False
    _state["ids"] = set()
    return html_text
