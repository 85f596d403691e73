"""The 绩效目标表: framework, value/unit hygiene, completeness, copied targets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .. import rules
from ..diagnostics import Diagnostic
from ..model import Indicator, Project

# The framework of 财政部 performance indicators, with the variants people write.
FRAMEWORK: dict[str, set[str]] = {
    "产出指标": {"数量指标", "质量指标", "时效指标", "成本指标"},
    "成本指标": {"经济成本指标", "社会成本指标", "生态环境成本指标"},
    # The 2015 template (财预〔2015〕88号) puts satisfaction under 效益指标 as a second level.
    "效益指标": {"经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标", "社会公众或服务对象满意度指标"},
    "满意度指标": {"服务对象满意度指标"},
}
NATURES = {"=", "≥", "≤", ">=", "<=", "定性"}
QUANTITATIVE = NATURES - {"定性"}
# Words put into 指标性质 when a table has nothing to say there. Reported by I513; the
# value's own comparison is used instead, so these never switch the checks off.
PLACEHOLDER_NATURES = {"无", "/", "／", "-", "—", "--", "——", "空", "暂无", "0"}
_NUMBER = re.compile(r"\d")
_NUMERIC_UNITS = {"%", "‰", "元", "万元", "个", "人", "次", "场", "份", "天", "月", "年", "人次", "户", "项"}
# Words that restate a comparison already given by 指标性质.
_OPERATOR_WORDS = ("以上", "以下", "以内", "以前", "之前", "以后", "之后", "不低于", "不少于", "不高于",
                   "不超过", "不多于", "大于", "小于", "高于", "低于", "达到", "≥", "≤", ">=", "<=", ">", "<")
_TIME_UNITS = {"日", "天", "月", "年", "季度", "周", "工作日", "小时", "月份", "日期", "时间"}


def _canonical(level: str) -> str:
    """"社会效益" → "社会效益指标": people drop or keep the trailing 指标."""
    text = level.strip()
    return text if text.endswith("指标") else f"{text}指标"


def check_framework(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        level1, level2 = _canonical(ind.level1), _canonical(ind.level2)
        if level2 not in FRAMEWORK.get(level1, set()):
            yield rules.make("I501", ind.cells["level2"], level1=ind.level1, level2=ind.level2)


def check_nature(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        nature = ind.nature.strip()
        if "nature" not in ind.cells or nature in PLACEHOLDER_NATURES:
            continue  # no 指标性质 column (national layout), or a placeholder (I513)
        if nature not in NATURES:
            yield rules.make("I502", ind.cells["nature"], nature=ind.nature)


def _quantitative(ind: Indicator) -> bool:
    """A real comparison in 指标性质, or (no column, or a placeholder there) one printed in the value."""
    nature = ind.nature.strip()
    if nature in QUANTITATIVE:
        return True
    if nature and nature not in PLACEHOLDER_NATURES:
        return False
    return bool(ind.parsed and ind.parsed.comparison)


def check_quantitative_values(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if not _quantitative(ind) or not ind.value.strip():
            continue  # a blank value is I526's
        if not _NUMBER.search(unicodedata.normalize("NFKC", ind.value)):
            yield rules.make("I503", ind.cells["value"], indicator=ind.level3,
                             nature=ind.nature.strip() or ind.parsed.comparison, value=ind.value, detail="不是数字")
        elif "unit" in ind.cells and not ind.unit.strip() and ind.nature.strip() in QUANTITATIVE:
            # Without a real 指标性质 the value's own unit counts; I515 reports a bare number.
            yield rules.make("I503", ind.cells["unit"], indicator=ind.level3, nature=ind.nature,
                             value=ind.value, detail="没有度量单位")


def check_qualitative_units(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if ind.nature.strip() == "定性" and ind.unit.strip() in _NUMERIC_UNITS:
            yield rules.make("I504", ind.cells["unit"], indicator=ind.level3, unit=ind.unit)


def check_value_repeats_operator(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if ind.nature.strip() not in QUANTITATIVE:
            continue
        for word in _OPERATOR_WORDS:
            if word in ind.value:
                yield rules.make("I505", ind.cells["value"], value=ind.value, word=word, nature=ind.nature)
                break


def check_value_repeats_unit(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        for unit in ind.unit.split():
            if _NUMBER.search(ind.value) and unit in ind.value:
                yield rules.make("I506", ind.cells["value"], value=ind.value, unit=unit)
                break


def _is_rate(ind: Indicator) -> bool:
    return ind.level3.strip().endswith("率")


def check_time_units(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if _canonical(ind.level2) != "时效指标" or _is_rate(ind):
            continue
        if ind.unit.strip() and ind.unit.strip() not in _TIME_UNITS:
            yield rules.make("I507", ind.cells["unit"], indicator=ind.level3, unit=ind.unit)


def check_multiple_units(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if len(ind.unit.split()) > 1:
            yield rules.make("I512", ind.cells["unit"], indicator=ind.level3, unit=ind.unit)


def check_categories(project: Project) -> Iterator[Diagnostic]:
    if not project.indicators:
        return
    present = {_canonical(ind.level1) for ind in project.indicators}
    second = {_canonical(ind.level2) for ind in project.indicators}
    if any("满意度" in level for level in second):
        present.add("满意度指标")  # the 2015 layout: satisfaction as a second level under 效益指标
    where = project.indicators[0].location
    for required in ("产出指标", "效益指标", "满意度指标"):
        if required not in present:
            yield rules.make("I508", where, category=f"“{required}”")
    if "成本指标" not in present and "成本指标" not in second:
        yield rules.make("I509", where)


def check_placeholder_columns(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        texts = {ind.scoring.strip(), ind.content.strip(), ind.basis.strip()}
        if len(texts) == 1 and (text := texts.pop()):
            yield rules.make("I510", ind.cells["scoring"], indicator=ind.level3, text=text)


_PUNCTUATION = re.compile(r"[\s。，、；：,.;:！!？?]+")


def check_identical_targets(project: Project) -> Iterator[Diagnostic]:
    if project.medium_term_target is None or project.annual_target is None:
        return  # one target (or none) printed: nothing to compare

    def squash(paragraphs) -> str:
        return _PUNCTUATION.sub("", unicodedata.normalize("NFKC", "".join(p.value for p in paragraphs)))

    medium, annual = project.medium_term_target, project.annual_target
    if squash(medium.paragraphs) == squash(annual.paragraphs):
        yield rules.make("I511", annual.paragraphs[0].location)
