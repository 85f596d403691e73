"""Indicator values as real tables print them: units, satisfaction, cost, time, benefit.

These rules read the printed 指标值 through its parsed form (comparison, number, unit),
so they hold for the national layout (``≥95%`` in one cell) as well as for the 10-column
export with separate 指标性质 and 度量单位. None of them needs the project's prose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal

from .. import money, rules
from ..compute import project_total
from ..diagnostics import Diagnostic
from ..model import Indicator, Project
from .indicators import PLACEHOLDER_NATURES, QUANTITATIVE, _canonical

# Capitalised or otherwise wrong forms of legal unit symbols (GB 3100–3102 are case-sensitive),
# with the legal form. Only forms that are unambiguously wrong: "M" is the prefix mega, not metre.
ILLEGAL_SYMBOLS = {
    "M": "m 或 米", "KM": "km 或 千米", "Km": "km 或 千米", "KG": "kg 或 千克", "Kg": "kg 或 千克",
    "H": "h 或 小时", "Hr": "h 或 小时", "HR": "h 或 小时", "T": "t 或 吨", "MM": "mm 或 毫米",
    "CM": "cm 或 厘米", "M2": "m² 或 平方米", "M²": "m² 或 平方米", "m2": "m² 或 平方米",
    "M3": "m³ 或 立方米", "M³": "m³ 或 立方米", "m3": "m³ 或 立方米", "KW": "kW 或 千瓦", "Kw": "kW 或 千瓦",
    "KWH": "kW·h 或 千瓦时", "Kwh": "kW·h 或 千瓦时", "kwh": "kW·h 或 千瓦时", "MIN": "min 或 分钟",
    "Min": "min 或 分钟", "S": "s 或 秒", "D": "d 或 天", "G": "g 或 克",
}
MONEY_UNITS = {"元", "万元", "亿元", "万", "千元", "百万元"}
_MONEY_FACTOR = {"元": Decimal(1), "千元": Decimal(1000), "万元": money.TEN_THOUSAND, "万": money.TEN_THOUSAND,
                 "百万元": Decimal(1000000), "亿元": Decimal(100000000)}
# Spellings of one unit that mean the same thing.
_SAME_UNIT = {"日": "天", "个月": "月", "月份": "月", "人次": "人次", "％": "%"}
_VAGUE_BENEFIT = re.compile(r"提升|提高|改善|增强|加强|好转|增加|优化|减少|降低|明显|逐步|稳步|有所|不断|进一步|显著|持续|巩固")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_DIGIT = re.compile(r"\d")


def _nature(ind: Indicator) -> str:
    return ind.nature.strip()


def _is_placeholder(ind: Indicator) -> bool:
    return "nature" in ind.cells and _nature(ind) in PLACEHOLDER_NATURES


def _units_in_column(ind: Indicator) -> list[str]:
    return ind.unit.split()


def _same(a: str, b: str) -> bool:
    return _SAME_UNIT.get(a, a) == _SAME_UNIT.get(b, b)


# The indicator measures satisfaction itself (…满意度, …满意率, …满意程度, maybe with a bracketed note),
# not something about it such as 满意度调查覆盖率.
_SATISFACTION = re.compile(r"满意(度|率|程度)?\s*([（(][^（()）]*[)）])?[。.]?\Z")


def _is_satisfaction(ind: Indicator) -> bool:
    return bool(_SATISFACTION.search(unicodedata.normalize("NFKC", ind.level3).strip()))


def _in_satisfaction_category(ind: Indicator) -> bool:
    # 满意度指标 as a first level, or (2015 layout) 社会公众或服务对象满意度指标 under 效益指标.
    return _canonical(ind.level1) == "满意度指标" or "满意度" in ind.level2


def _is_cost(ind: Indicator) -> bool:
    return _canonical(ind.level1) == "成本指标" or "成本" in _canonical(ind.level2)




def check_placeholder_nature(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if _is_placeholder(ind):
            yield rules.make("I513", ind.cells["nature"], nature=ind.nature, value=ind.value)


def check_value_without_unit(project: Project) -> Iterator[Diagnostic]:
    """A number with no unit anywhere. The 10-column layout with a real 指标性质 is I503's."""
    for ind in project.indicators:
        if _nature(ind) in QUANTITATIVE or _nature(ind) == "定性":
            continue
        parsed = ind.parsed
        # "28.40/株": a rate with nothing before the slash has lost its unit too.
        if parsed and parsed.readable and (not parsed.unit or parsed.unit.startswith("/")) and not ind.unit.strip():
            yield rules.make("I515", ind.cells["value"], value=ind.value)


def check_value_unit_contradiction(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        parsed = ind.parsed
        column = _units_in_column(ind)
        if not (parsed and parsed.readable and parsed.unit and column):
            continue
        if not any(_same(parsed.unit, unit) for unit in column):
            yield rules.make("I514", ind.cells["value"], value=ind.value, own=parsed.unit, unit=ind.unit)


def check_unit_symbols(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        seen = set()
        if ind.parsed and ind.parsed.unit in ILLEGAL_SYMBOLS:
            seen.add(ind.parsed.unit)
            yield rules.make("I516", ind.cells["value"], symbol=ind.parsed.unit, legal=ILLEGAL_SYMBOLS[ind.parsed.unit])
        for unit in _units_in_column(ind):
            if unit in ILLEGAL_SYMBOLS and unit not in seen:
                yield rules.make("I516", ind.cells["unit"], symbol=unit, legal=ILLEGAL_SYMBOLS[unit])


def check_satisfaction_category(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if _is_satisfaction(ind) and not _in_satisfaction_category(ind):
            yield rules.make("I517", ind.cells["level3"], indicator=ind.level3, level1=ind.level1, level2=ind.level2)


def _subject(name: str) -> str:
    """Whose satisfaction: 市民对空气质量改善的满意程度 → 市民; 学生家长满意度 → 学生家长."""
    head = unicodedata.normalize("NFKC", name).split("满意", 1)[0].split("对", 1)[0]
    return re.split(r"[,，、;；]", head)[-1].strip()  # "服务周期内,市民" → "市民"


def check_satisfaction_agreement(project: Project) -> Iterator[Diagnostic]:
    seen: dict[str, Indicator] = {}
    for ind in project.indicators:
        if not (_is_satisfaction(ind) and ind.parsed and ind.parsed.readable):
            continue
        subject = _subject(ind.level3)
        if not subject:
            continue
        first = seen.setdefault(subject, ind)
        if first is not ind and (first.parsed.number, first.parsed.comparison) != (ind.parsed.number,
                                                                                    ind.parsed.comparison):
            yield rules.make("I518", ind.cells["value"], indicator=ind.level3, value=ind.value,
                             other_line=first.location.line, other=first.level3, other_value=first.value)


def _money_value(ind: Indicator) -> Decimal | None:
    parsed = ind.parsed
    if not (parsed and parsed.readable):
        return None
    unit = parsed.unit or ind.unit.strip()
    factor = _MONEY_FACTOR.get(unit)
    return None if factor is None else parsed.number * factor


def check_cost_indicators(project: Project) -> Iterator[Diagnostic]:
    total = project_total(project)  # the one figure the page shows
    for ind in project.indicators:
        if not _is_cost(ind) or not ind.value.strip():
            continue
        if not _DIGIT.search(unicodedata.normalize("NFKC", ind.value)):
            yield rules.make("I520", ind.cells["value"], indicator=ind.level3, value=ind.value)
            continue
        amount = _money_value(ind)
        if amount is not None and amount == total:
            yield rules.make("I519", ind.cells["value"], indicator=ind.level3, value=ind.value,
                             total=money.format_yuan(total))


def check_money_under_quantity(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if _canonical(ind.level2) != "数量指标":
            continue
        unit = ind.parsed.unit if ind.parsed and ind.parsed.readable else ""
        if unit in MONEY_UNITS or any(u in MONEY_UNITS for u in _units_in_column(ind)):
            yield rules.make("I521", ind.cells["value"], indicator=ind.level3, value=ind.value)


def check_time_indicators(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if _canonical(ind.level2) != "时效指标" or not ind.value.strip():
            continue
        value = unicodedata.normalize("NFKC", ind.value)
        if not _DIGIT.search(value):
            yield rules.make("I522", ind.cells["value"], indicator=ind.level3, value=ind.value)
            continue
        years = sorted({int(y) for y in _YEAR.findall(value)} - {project.year})
        if years:
            yield rules.make("I523", ind.cells["value"], indicator=ind.level3, value=ind.value,
                             years="、".join(str(y) for y in years), year=project.year)


def check_vague_benefits(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if _canonical(ind.level1) != "效益指标" or _is_satisfaction(ind):
            continue
        if not _DIGIT.search(unicodedata.normalize("NFKC", ind.value)) and _VAGUE_BENEFIT.search(ind.value):
            yield rules.make("I524", ind.cells["value"], indicator=ind.level3, value=ind.value)


# Template placeholders left in a table: "项目总成本（≤**万元）", "≥××%", "XX人".
_PLACEHOLDER = re.compile(r"\*\*|××|＊＊|XX|xx")


def check_template_placeholders(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        for key in ("level3", "value"):
            match = _PLACEHOLDER.search(getattr(ind, key))
            if match:
                yield rules.make("I525", ind.cells[key], text=getattr(ind, key), placeholder=match.group(0))
                break


def check_missing_values(project: Project) -> Iterator[Diagnostic]:
    for ind in project.indicators:
        if not ind.value.strip():
            yield rules.make("I526", ind.cells["value"], indicator=ind.level3)
