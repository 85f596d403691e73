"""Relevance: an indicator whose key terms the project never mentions was probably copied."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from .. import rules
from ..diagnostics import Diagnostic
from ..model import Project
from ._text import has_application_text, narrative

# Words every indicator uses; they say nothing about which project it belongs to.
GENERIC_TERMS = frozenset("""
管理 服务 工作 经费 资金 项目 指标 时间 完成 情况 及时 及时率 准确率 满意度 合理性 覆盖率 达标率 完成率
合格率 知晓率 数量 质量 效益 成本 社会 经济 影响 对象 提升 开展 按时 程度 水平 有效 有效性 个数 次数
""".split())


@lru_cache(maxsize=1)
def _jieba():
    import logging  # with jieba only: a build that needs no segmentation imports neither

    import jieba  # deferred: loading the dictionary takes a second

    jieba.setLogLevel(logging.WARNING)
    return jieba


# Segmentations are kept in the build cache (generator/cache.py; its key holds jieba's version),
# so a rebuild whose changed projects use indicator names seen before never loads jieba's
# dictionary. The pipeline sets the store; without one (tests, `check`) jieba runs.
segment_store = None


def use_store(store) -> None:
    """Segment through ``store`` from now on. The in-process caches are cleared so that each
    build reads (or writes) every name it needs in its own store."""
    global segment_store
    segment_store = store
    segments.cache_clear()
    key_terms.cache_clear()


@lru_cache(maxsize=4096)
def segments(name: str) -> list[str]:
    from .. import cache

    store = segment_store
    key = cache.key("segments", name) if store is not None else None
    if store is not None:
        words = store.get(key)
        if isinstance(words, list) and all(isinstance(w, str) for w in words) and "".join(words) == name:
            return words
    words = _jieba().lcut(name)
    if store is not None:
        store.put(key, words)
    return words


@lru_cache(maxsize=4096)
def key_terms(name: str) -> tuple[str, ...]:
    return tuple(w for w in segments(name) if len(w) >= 2 and w not in GENERIC_TERMS)


def project_text(project: Project) -> str:
    parts = [project.name.value, *(t.value for t in narrative(project))]
    parts += [f"{b.number.value if b.number else ''}{b.title.value}" for b in project.legal_bases]
    parts += [f"{i.name}{i.basis}" for i in project.budget_items]
    return "".join(parts)


def check_indicator_relevance(project: Project) -> Iterator[Diagnostic]:
    if not has_application_text(project):
        return  # nothing to compare with: a table alone would make every indicator look copied
    text = project_text(project)
    for ind in project.indicators:
        terms = key_terms(ind.level3)
        found = [term for term in terms if term in text]
        if terms and len(found) * 2 < len(terms):
            missing = "、".join(f"“{t}”" for t in terms if t not in found)
            yield rules.make("R601", ind.cells["level3"], indicator=ind.level3, missing=missing)
