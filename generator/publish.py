"""Publishing as a government website: site address, publication dates, page metadata and
the 信息公开 block.

Government portals put the same facts in every article page: machine-readable metadata for
the national website monitoring and search (SiteName, SiteDomain, SiteIDCode, ColumnName,
ColumnType, ArticleTitle, PubDate, ContentSource, Keywords, Description, as in the
《政府网站网页设计规范》), and a visible 信息公开 block (索引号, 发布机构, 发布日期, 主题分类).
Everything here comes from portal.yaml and the unit and project data; a fact the data does not
give (no publication date for a year, no unit code) is left out, never filled in, and no value
is ever taken from the clock.

索引号 rule (documented in budget_data/README.md):
    <unit code>-<category>/<fiscal year>-<serial>
    unit code  the unit's credit_code value as recorded (统一社会信用代码 or 组织机构代码)
    category   XMYS for a project budget page, DWGK for the unit's own page
    serial     five digits; a unit's projects of one year are numbered from 00001 in the order
               of their project identifiers (folder names); the unit page is 00000 in the
               latest fiscal year the unit has projects for
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import count, repeat
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import rules
from .yamlsource import YMap, YScalar

if TYPE_CHECKING:  # the schema imports this module
    from .compute import ProjectView
    from .model import Dataset, Portal, Unit
    from .schema import MapReader

# 国务院公文主题分类: budgets belong to 财政、金融、审计.
SUBJECT = "财政、金融、审计"
CATEGORY_PROJECT = "XMYS"  # 项目预算
CATEGORY_UNIT = "DWGK"  # 单位概况
CATEGORY_UNIT_TARGET = "BMZT"  # 部门整体支出绩效目标

# Filing systems the footer links to (plain links: nothing is loaded from them).
ICP_SITE = "https://beian.miit.gov.cn/"
POLICE_SITE = "https://beian.mps.gov.cn/#/query/webSearch"

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}))?\Z")
_YEAR_KEY = re.compile(r"(19|20|21)\d\d\Z")


# ---- reading portal.yaml -----------------------------------------------------------------

def read_site_url(reader: MapReader) -> str | None:
    """site_url, normalised to end with "/"; G001 when it is not a usable absolute address."""
    text = reader.optional_text("site_url")
    if text is None:
        return None
    value = text.value
    parts = urlsplit(value)
    detail = None
    if parts.scheme not in ("http", "https"):
        detail = "必须以 http:// 或 https:// 开头"
    elif not parts.hostname or any(c.isspace() for c in value):
        detail = "缺少域名，或含有空格"
    elif parts.query or parts.fragment or "?" in value or "#" in value:
        detail = "不能带查询参数（?）或锚点（#）"
    elif parts.username or parts.password:
        detail = "不能包含用户名或密码"
    if detail:
        reader._report(rules.make("G001", text.location, value=value, detail=detail))
        return None
    return value if value.endswith("/") else value + "/"


def _check_date(raw: str) -> str | None:
    """Why ``raw`` is not a date "YYYY-MM-DD[ HH:MM]", or None when it is one."""
    match = _DATE.match(raw)
    if not match:
        return "日期要写成 YYYY-MM-DD，可加时间 HH:MM"
    year, month, day, hour, minute = match.groups()
    try:
        datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
    except ValueError:
        return "没有这一天（或这个时间）"
    return None


def read_published(reader: MapReader) -> dict[int, str]:
    """published: {fiscal year: date}. The date is kept as written (a date, or a date and time)."""
    entry = reader.node.entries.get("published")
    if entry is None or (isinstance(entry[1], YScalar) and entry[1].is_null):
        return {}
    node = entry[1]
    if not isinstance(node, YMap):
        reader._wrong_type("published", node, "键值映射（每行“年度: 日期”）")
        return {}
    dates: dict[int, str] = {}
    for key, (key_node, value) in node.entries.items():
        raw = value.raw.strip() if isinstance(value, YScalar) else ""
        if not _YEAR_KEY.match(key):
            detail = "键必须是四位预算年度，如 2026"
        elif not isinstance(value, YScalar):
            detail = "值必须是一个日期"
        else:
            detail = _check_date(raw)
        if detail:
            where = (key_node if not _YEAR_KEY.match(key) else value).location(reader.path)
            reader._report(rules.make("G002", where, key=key, value=raw, detail=detail))
            continue
        dates[int(key)] = raw
    return dates


# ---- site-wide facts (footer, canonical links, sitemap) --------------------------------------

def site_domain(portal: Portal) -> str:
    return urlsplit(portal.site_url).netloc if portal.site_url else ""


def police_link(record: str) -> str:
    """The 公安 filing system's query page for the record number written in the record text."""
    digits = "".join(re.findall(r"\d+", record))
    return f"{POLICE_SITE}?code={digits}" if digits else POLICE_SITE


def site_facts(portal: Portal) -> dict[str, str]:
    """Site-level values the theme overrides read from the home page's front matter."""
    return {
        "site_name": portal.title.value,
        "site_url": portal.site_url or "",
        "site_domain": site_domain(portal),
        "organizer": portal.organizer.value if portal.organizer else "",
        "icp_link": ICP_SITE if portal.icp_record else "",
        "police_link": police_link(portal.police_record.value) if portal.police_record else "",
    }


# ---- per-page metadata and the 信息公开 block -------------------------------------------------

@dataclass(frozen=True)
class Disclosure:
    """The 信息公开 block; a field that is None is not shown."""

    index_number: str | None  # 索引号
    publisher: str  # 发布机构
    date: str | None  # 发布日期
    subject: str = SUBJECT  # 主题分类


def _unit_code(unit: Unit) -> str | None:
    code = getattr(unit, "credit_code", None)  # optional once units may omit it
    return code.value.value if code is not None else None


def _index_number(unit: Unit, category: str, year: int, serial: int) -> str | None:
    code = _unit_code(unit)
    return f"{code}-{category}/{year}-{serial:05d}" if code else None


def project_serials(views: Iterable[ProjectView]) -> dict[tuple[int, str], int]:
    """Serial of each project among its unit's projects of the same year, by project id."""
    groups: dict[tuple[str, int], list[str]] = {}
    unit_id = year = ids = None
    for view in views:  # 10,000 on every build, a unit's projects of a year mostly side by side
        project = view.project
        if view.unit.id != unit_id or project.year != year:
            unit_id, year = view.unit.id, project.year
            ids = groups.setdefault((unit_id, year), [])
        ids.append(project.id)
    serials: dict[tuple[int, str], int] = {}
    for (_, year), ids in groups.items():
        ids.sort()
        serials.update(zip(zip(repeat(year), ids), count(1)))
    return serials


def project_disclosure(view: ProjectView, portal: Portal, serial: int) -> Disclosure:
    year = view.project.year
    return Disclosure(_index_number(view.unit, CATEGORY_PROJECT, year, serial), view.unit.name.value,
                      portal.published.get(year))


def unit_target_disclosure(view: ProjectView, portal: Portal, serial: int) -> Disclosure:
    year = view.project.year
    return Disclosure(_index_number(view.unit, CATEGORY_UNIT_TARGET, year, serial), view.unit.name.value,
                      portal.published.get(year))


def unit_disclosure(unit: Unit, years: Iterable[int], portal: Portal) -> Disclosure:
    years = sorted(set(years))
    latest = years[-1] if years else None
    dates = [portal.published[y] for y in years if y in portal.published]
    return Disclosure(_index_number(unit, CATEGORY_UNIT, latest, 0) if latest else None, unit.name.value,
                      max(dates) if dates else None)


def page_meta(*, column: str, column_type: str, title: str, source: str, keywords: Iterable[str],
              description: str, date: str | None = None) -> dict[str, str]:
    """The page-level gov.cn metadata; the site-level part comes from site_facts()."""
    meta = {"ColumnName": column, "ColumnType": column_type, "ArticleTitle": title, "ContentSource": source,
            "Keywords": ",".join(dict.fromkeys(k for k in keywords if k)), "Description": description}
    if date:
        meta["PubDate"] = date
    return meta


def _listing(parts: list[str]) -> str:
    """甲、乙和丙."""
    return parts[0] if len(parts) == 1 else "、".join(parts[:-1]) + "和" + parts[-1]


def project_meta(view: ProjectView, disclosure: Disclosure) -> dict[str, str]:
    project, unit = view.project, view.unit
    classification = project.functional_classification
    # Name only the parts this project publishes: many real tables have no 立项依据 or breakdown.
    parts = [name for name, present in (("立项依据", project.legal_bases), ("资金测算明细", project.budget_items),
                                         ("绩效目标表", project.indicators)) if present]
    description = (f"{unit.name.value}{project.year}年项目预算“{project.name.value}”：项目总额 {view.total.yuan} 元"
                   f"（{view.total.wan} 万元）" + (f"，含{_listing(parts)}。" if parts else "。"))
    return page_meta(column="项目预算", column_type="财政预决算", title=project.name.value, source=unit.name.value,
                     keywords=(unit.name.value, project.name.value, f"{project.year}年项目预算",
                               classification.name.value if classification else "", "绩效目标"),
                     description=description, date=disclosure.date)


def unit_target_meta(view: ProjectView, disclosure: Disclosure) -> dict[str, str]:
    project, unit = view.project, view.unit
    description = (f"{unit.name.value}{project.year}年部门整体支出绩效目标：部门预算总额 {view.total.yuan} 元"
                   f"（{view.total.wan} 万元），含绩效目标表。")
    return page_meta(column="预算单位", column_type="财政预决算", title=project.name.value, source=unit.name.value,
                     keywords=(unit.name.value, project.name.value, f"{project.year}年", "部门整体支出绩效目标"),
                     description=description, date=disclosure.date)


def unit_meta(unit: Unit, disclosure: Disclosure) -> dict[str, str]:
    return page_meta(column="预算单位", column_type="财政预决算", title=unit.name.value, source=unit.name.value,
                     keywords=(unit.name.value, "单位概况", "项目预算"),
                     description=f"{unit.name.value}的基本信息、职能职责和公开的项目预算。", date=disclosure.date)


def site_page_meta(dataset: Dataset, column: str, title: str, description: str,
                   column_type: str = "财政预决算", date: str | None = None) -> dict[str, str]:
    portal = dataset.portal
    return page_meta(column=column, column_type=column_type, title=title, source=portal.publisher.value,
                     keywords=(portal.title.value, title), description=description, date=date)
