"""Deterministic synthetic budget_data/ corpus for benchmarks.

    python benchmarks/corpus.py OUT_DIR --units 100 --projects 10 --years 2 --seed 1

writes OUT_DIR/budget_data/ with units × projects-per-unit × years projects: realistic
Chinese text and sizes, internally consistent figures, and indicators from the official
framework, so that `python -m generator check` finds no errors. For benchmarks only:
it never writes into the repository's own budget_data/.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

DISTRICTS = ["呈贡区", "官渡区", "五华区", "盘龙区", "西山区", "晋宁区"]
BODIES = ["教育体育局", "卫生健康局", "人力资源和社会保障局", "民政局", "农业农村局", "住房和城乡建设局",
          "交通运输局", "文化和旅游局", "生态环境分局", "市场监督管理局", "公共就业和人才服务中心", "社会保险中心",
          "图书馆", "疾病预防控制中心", "林业和草原局", "水务局", "退役军人事务局", "医疗保障局"]
TOPICS = [("公共服务能力提升经费", "服务"), ("信息化运行维护经费", "系统"), ("人员培训经费", "培训"),
          ("设备购置经费", "设备"), ("宣传教育经费", "宣传"), ("专项检查经费", "检查"),
          ("困难群众救助经费", "救助"), ("档案管理经费", "档案"), ("基层站所运转经费", "站所"),
          ("公共卫生服务经费", "卫生")]
ITEMS = [("培训费", "人次", (200, 800)), ("印刷费", "份", (5, 40)), ("差旅费", "人次", (300, 1500)),
         ("专家咨询费", "人次", (500, 2000)), ("委托业务费", "项", (10000, 80000)), ("设备购置费", "台", (3000, 20000)),
         ("邮寄费", "件", (10, 30)), ("劳务费", "人月", (3000, 6000)), ("会议费", "场", (2000, 10000)),
         ("维护费", "次", (1000, 8000)), ("宣传材料费", "套", (50, 300)), ("检测费", "批次", (800, 5000))]
FUNCTIONS = [("2010101", "行政运行"), ("2050803", "培训支出"), ("2080101", "行政运行"),
             ("2100408", "基本公共卫生服务"), ("2130101", "行政运行"), ("2070109", "群众文化")]


def _credit_code(rng: random.Random) -> str:
    charset = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "12" + "5301" + "14" + "".join(rng.choice("0123456789") for _ in range(9))
    total = sum(charset.index(c) * pow(3, i, 31) for i, c in enumerate(body))
    check = 31 - total % 31
    return body + charset[0 if check == 31 else check]


def _unit(rng: random.Random, index: int) -> tuple[str, str]:
    name = f"昆明市{rng.choice(DISTRICTS)}{BODIES[index % len(BODIES)]}"
    duties = "\n".join(f"  - 负责{rng.choice(['全区', '辖区'])}{topic[1]}相关工作的组织实施和监督管理。"
                       for topic in rng.sample(TOPICS, 6))
    text = f"""name: {name}（{index + 1}）
credit_code:
  label: 统一社会信用代码
  value: "{_credit_code(rng)}"
address: 云南省昆明市{rng.choice(DISTRICTS)}示例路{index + 1}号
phone: "0871-6{rng.randint(1000000, 9999999)}"
legal_representative: 示例{index + 1}
funding_source: 区级财政预算
duties:
{duties}
"""
    return f"unit-{index + 1:04d}", text


def _project(rng: random.Random, unit_id: str, topic: tuple[str, str], year: int) -> dict[str, str]:
    chosen = rng.sample(ITEMS, rng.randint(4, 9))
    rows, total = [], 0
    groups = [chosen[: len(chosen) // 2], chosen[len(chosen) // 2:]]
    for group_index, group in enumerate(groups, start=1):
        parent = f"{topic[1]}{'业务' if group_index == 1 else '保障'}支出"
        children, subtotal = [], 0
        for name, unit, (low, high) in group:
            quantity, price = rng.randint(2, 300), rng.randint(low, high)
            subtotal += quantity * price
            children.append(f"{name},{parent},{quantity},{unit},{price},{quantity * price},"
                            f"{quantity}{unit}×{price}元/{unit}")
        rows.append(f"{parent},,,,,{subtotal},按下级明细汇总")
        rows += children
        total += subtotal
    name = topic[0]
    output = topic[1]
    indicators = [
        f"产出指标,数量指标,{output}任务完成数,≥,{rng.randint(5, 200)},个,正向指标,完成得满分,全年完成的{output}任务数,工作计划",
        f"产出指标,质量指标,{output}验收合格率,≥,{rng.randint(90, 99)},%,正向指标,每低1个百分点扣1分,{output}验收合格的比例,验收记录",
        f"产出指标,时效指标,{output}任务完成时间,≤,{rng.randint(10, 12)},月,反向指标,逾期不得分,全年任务完成月份,工作计划",
        f"成本指标,经济成本指标,{output}项目总成本,≤,{total},元,反向指标,超出不得分,项目总成本,资金测算明细",
        f"效益指标,社会效益指标,{output}服务保障水平,定性,持续提升,,正向指标,按服务对象反映评定,{output}服务保障水平,工作总结",
        f"满意度指标,服务对象满意度指标,{output}服务对象满意度,≥,{rng.randint(85, 95)},%,正向指标,每低1个百分点扣1分,服务对象满意程度,满意度调查",
    ]
    code, function = rng.choice(FUNCTIONS)
    yaml = f"""name: {name}
unit: {unit_id}
functional_classification:
  code: "{code}"
  name: {function}
legal_bases:
  - number: 昆财预〔{year - 1}〕{rng.randint(1, 200)}号
    title: 关于做好{year}年部门预算编制工作的通知
overview:
  - 为保障{output}工作正常开展，申请{year}年{name}。
implementation_content:
  - 1、开展{output}相关工作，按计划完成年度任务。
  - 2、加强{output}工作的监督管理，提高资金使用效益。
funding_arrangement:
  - 区级财政经费安排{total}元。
implementation_plan:
  - 1、{year}年上半年完成{output}工作方案。
  - 2、{year}年下半年组织实施并开展绩效自评。
expected_results:
  - 按期完成{output}任务并通过验收，{output}服务项目总成本控制在预算内，{output}服务保障水平持续提升，服务对象满意度达到预期。
performance_targets:
  medium_term:
    period: {year}年-{year + 2}年
    text:
      - 三年内持续提升{output}工作水平。
  annual:
    period: {year}年
    text:
      - {year}年完成{output}年度任务。
"""
    header = "明细项目,上级项目,数量,计量单位,单价（元）,金额（元）,测算依据\n"
    ind_header = "一级指标,二级指标,三级指标,指标性质,指标值,度量单位,指标属性,评（扣）分标准,指标内容,指标值设定依据及数据来源\n"
    return {"project.yaml": yaml, "budget_items.csv": header + "\n".join(rows) + "\n",
            "indicators.csv": ind_header + "\n".join(indicators) + "\n"}


def generate(out: Path, units: int, projects: int, years: int, seed: int, first_year: int = 2026) -> int:
    data = out / "budget_data"
    if data.exists():
        shutil.rmtree(data)
    (data / "units").mkdir(parents=True)
    (data / "portal.yaml").write_text("title: 基准测试门户\npublisher: 基准测试\ncontact: 0871-60000000\n",
                                      encoding="utf-8")
    rng = random.Random(seed)
    count = 0
    for u in range(units):
        unit_id, text = _unit(rng, u)
        (data / "units" / f"{unit_id}.yaml").write_text(text, encoding="utf-8")
        topics = [TOPICS[(u + p) % len(TOPICS)] for p in range(projects)]
        for p, topic in enumerate(topics):
            for y in range(years):
                year = first_year + y
                folder = data / "projects" / str(year) / f"{unit_id}-p{p + 1:03d}"
                folder.mkdir(parents=True)
                for name, content in _project(rng, unit_id, topic, year).items():
                    (folder / name).write_text(content, encoding="utf-8")
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument("--projects", type=int, default=10, help="projects per unit and year")
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    count = generate(args.out, args.units, args.projects, args.years, args.seed)
    print(f"{count} projects in {args.out / 'budget_data'}")


if __name__ == "__main__":
    main()
