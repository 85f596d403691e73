"""YAML to located nodes.

The parser only composes a node graph (no object construction, so nothing can be
instantiated from a tag), and every node keeps the 1-based line and column of its
start mark so that later stages can point at the exact place in the file. Scalars
keep their raw text: the schema decides how to read them, which avoids YAML 1.1's
silent rewrites (``0871`` → 871, ``yes`` → True, ``2026-03-01`` → date).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from . import rules
from .diagnostics import Diagnostic, Location

try:  # libyaml is much faster; both produce the same node graph and marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - wheels ship libyaml
    _Loader = yaml.SafeLoader

_CORE = "tag:yaml.org,2002:"
SCALAR_KINDS = {
    _CORE + "str": "str",
    _CORE + "int": "int",
    _CORE + "float": "float",
    _CORE + "bool": "bool",
    _CORE + "null": "null",
    _CORE + "timestamp": "timestamp",
}
MAP_TAG = _CORE + "map"
_SCALAR = yaml.ScalarNode
SEQ_TAG = _CORE + "seq"


@dataclass(slots=True)
class YNode:
    line: int
    column: int

    def location(self, path: str) -> Location:
        return Location(path, self.line, self.column)


@dataclass(slots=True)
class YScalar(YNode):
    raw: str
    kind: str  # one of SCALAR_KINDS' values, as YAML would resolve it
    plain: bool  # unquoted, so YAML's implicit typing applied
    literal: bool = False  # a "|" block: one source line per text line

    @property
    def is_null(self) -> bool:
        return self.plain and self.kind == "null"


@dataclass(slots=True)
class YMap(YNode):
    entries: dict[str, tuple[YScalar, YNode]] = field(default_factory=dict)


@dataclass(slots=True)
class YSeq(YNode):
    items: list[YNode] = field(default_factory=list)


def describe(node: YNode) -> str:
    if isinstance(node, YMap):
        return "键值映射"
    if isinstance(node, YSeq):
        return "列表"
    if isinstance(node, YScalar) and node.is_null:
        return "空值"
    return "文字"


_PROBLEMS = [
    ("mapping values are not allowed", "此处不能出现“冒号+空格”；如果文字中含有冒号，请给整段文字加引号"),
    ("could not find expected ':'", "缺少“: ”（冒号加空格），或上一行的引号没有闭合"),
    ("found unexpected end of stream", "文件意外结束，可能有引号没有闭合"),
    ("expected <block end>", "缩进不一致：同一层级的行必须对齐"),
    ("did not find expected key", "缩进不一致：同一层级的行必须对齐"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
    ("found unknown escape character", "双引号中的反斜杠（\\）转义无效；请改用单引号或把 \\ 写成 \\\\"),
    ("special characters are not allowed", "文件中含有不可打印的控制字符"),
    ("found unexpected ':'", "冒号的位置不对，请给含有冒号的文字加引号"),
    ("found undefined tag handle", "不认识的标签（!）；如果文字以 ! 开头，请给它加引号"),
    ("did not find expected node content", "此处缺少内容；如果文字以特殊字符开头，请加引号"),
    ("did not find expected comment or line break", "引号结束后还有多余的文字"),
]


class _Unsupported(Exception):
    def __init__(self, detail: str, line: int, column: int):
        super().__init__(detail)
        self.detail, self.line, self.column = detail, line, column


def _mark(mark) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if 0 < line <= len(lines) and 0 < column <= len(lines[line - 1]):
        return lines[line - 1][column - 1]
    return ""


def _diagnose_yaml_error(error: yaml.YAMLError, text: str, path: str) -> Diagnostic:
    if isinstance(error, yaml.reader.ReaderError):
        # libyaml counts bytes of the UTF-8 input; the pure-Python reader counts characters.
        if _Loader is getattr(yaml, "CSafeLoader", None):
            before = text.encode("utf-8")[: error.position].decode("utf-8", errors="ignore")
        else:
            before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        return rules.make("F104", Location(path, line, column),
                          detail=f"文件中含有不可打印的控制字符（U+{error.character:04X}）"
                          if isinstance(error.character, int) else "文件中含有不可打印的控制字符")
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line, column = _mark(mark) if mark is not None else (1, 1)
    problem = str(getattr(error, "problem", None) or error)
    context = str(getattr(error, "context", None) or "")
    # libyaml does not name the offending character; look it up.
    offending = _char_at(text, line, column)
    if offending == "\t" or "tab character" in problem:
        return rules.make("F105", Location(path, line, column))
    if "cannot start any token" in problem and offending:
        return rules.make("F104", Location(path, line, column),
                          detail=f"“{offending}”不能作为值的开头，请给该值加引号")
    if "expected a single document" in problem + context:
        return rules.make("F107", Location(path, line, column), detail="一个文件只能有一个文档（不能用 --- 分隔多个）")
    if "found undefined alias" in problem or "found duplicate anchor" in problem:
        return rules.make("F107", Location(path, line, column), detail="锚点与别名（& 和 *）")
    for needle, detail in _PROBLEMS:
        if needle in problem or needle in context:
            return rules.make("F104", Location(path, line, column), detail=detail)
    return rules.make("F104", Location(path, line, column), detail=f"无法解析（{problem}）")


def _convert(node: yaml.Node, path: str, seen: set[int], diagnostics: list[Diagnostic]) -> YNode:
    mark = node.start_mark
    line, column = mark.line + 1, mark.column + 1
    if id(node) in seen:
        raise _Unsupported("锚点与别名（& 和 *）", line, column)
    seen.add(id(node))
    if type(node) is _SCALAR or isinstance(node, yaml.ScalarNode):
        kind = SCALAR_KINDS.get(node.tag)
        if kind is None:
            raise _Unsupported(f"标签 {node.tag.replace(_CORE, '!!')}", line, column)
        style = node.style
        return YScalar(line, column, node.value, kind, not style, style == "|")
    if isinstance(node, yaml.SequenceNode):
        if node.tag != SEQ_TAG:
            raise _Unsupported(f"标签 {node.tag.replace(_CORE, '!!')}", line, column)
        return YSeq(line, column, [_convert(child, path, seen, diagnostics) for child in node.value])
    if isinstance(node, yaml.MappingNode):
        if node.tag != MAP_TAG:
            raise _Unsupported(f"标签 {node.tag.replace(_CORE, '!!')}", line, column)
        mapping = YMap(line, column)
        for key_node, value_node in node.value:
            key = _convert(key_node, path, seen, diagnostics)
            if not isinstance(key, YScalar) or key.is_null:
                raise _Unsupported("键必须是一段文字", key.line, key.column)
            if key_node.tag == _CORE + "merge" or (key.plain and key.raw == "<<"):
                raise _Unsupported("合并键 <<", key.line, key.column)
            value = _convert(value_node, path, seen, diagnostics)
            if key.raw in mapping.entries:
                first = mapping.entries[key.raw][0]
                diagnostics.append(rules.make(
                    "F106", key.location(path), key=key.raw, first_line=first.line))
                continue  # keep the first value; the file fails anyway
            mapping.entries[key.raw] = (key, value)
        return mapping
    raise _Unsupported("未知的节点类型", line, column)  # pragma: no cover


def parse_yaml(text: str, path: str) -> tuple[YNode | None, list[Diagnostic]]:
    """Compose ``text``; return the located root node (None if unusable) and diagnostics."""
    if not text.strip():
        return None, [rules.make("F103", Location(path))]
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        return None, [_diagnose_yaml_error(error, text, path)]
    except RecursionError:
        return None, [rules.make("F107", Location(path, 1, 1), detail="嵌套层级过深")]
    if root is None:  # only comments
        return None, [rules.make("F103", Location(path))]
    diagnostics: list[Diagnostic] = []
    try:
        return _convert(root, path, set(), diagnostics), diagnostics
    except _Unsupported as unsupported:
        diagnostics.append(rules.make(
            "F107", Location(path, unsupported.line, unsupported.column), detail=unsupported.detail))
        return None, diagnostics
    except RecursionError:
        return None, [rules.make("F107", Location(path, 1, 1), detail="嵌套层级过深")]
