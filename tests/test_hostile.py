"""Hostile and broken data (issue 8): nothing escapes docs_src/, nothing leaks, nothing wrong
is published, and every data problem is a located exit 1, never a traceback or exit 2.

One section per row of the issue's table; CASES feed tests/test_rules.py as the fixtures of
the rules added for them.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PROJECT_DIR, UNIT_FILE, Workspace, line_of
from test_malformed import Case

from generator import limits, output, pipeline
from generator.compute import portal_view

PROJECT_YAML = f"{PROJECT_DIR}/project.yaml"
BUDGET = f"{PROJECT_DIR}/budget_items.csv"
INDICATORS = f"{PROJECT_DIR}/indicators.csv"
PORTAL = "budget_data/portal.yaml"
README = "budget_data/README.md"
BUDGET_HEADER = "明细项目,上级项目,数量,计量单位,单价（元）,金额（元）,测算依据"
PROJECT_PAGE = "docs_src/projects/2026/talent-service-funds.md"


def _classification(ws: Workspace, code: str, name: str = "就业管理事务") -> None:
    ws.replace(PROJECT_YAML, "\nlegal_bases:", f"\nfunctional_classification:\n  code: {json.dumps(code)}\n"
               f"  name: {json.dumps(name, ensure_ascii=False)}\nlegal_bases:")


def _files_outside(root: Path, out: str = "docs_src") -> dict[str, bytes]:
    """Every file under ``root`` except the output folder and build caches."""
    found = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root).as_posix()
        if f"/{out}/" in f"/{relative}" or "/.cache/" in f"/{relative}" or not path.is_file():
            continue
        found[relative] = path.read_bytes()
    return found


# ---- row 1: a classification code that is a path ---------------------------------------------

def test_row1_classification_code_cannot_leave_docs_src(tmp_path):
    ws = Workspace(tmp_path / "repo")
    _classification(ws, "../../../x")
    before = _files_outside(tmp_path)
    result = ws.build()
    assert result.code == 1
    assert ("S213", PROJECT_YAML, line_of(ws, PROJECT_YAML, "../../../x")) in ws.check().tuples()
    assert _files_outside(tmp_path) == before
    assert not list(tmp_path.rglob("x.md"))


@pytest.mark.parametrize("code", ["index", "../index", "a/b", "2080101-", "A1", "x" * 65])
def test_row1_only_the_identifier_pattern_becomes_a_path(workspace, code):
    _classification(workspace, code)
    tuples = workspace.check().tuples()
    if limits.identifier_problem(code) is None:
        assert not any(c == "S213" for c, _, _ in tuples)
    else:
        assert ("S213", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "code:")) in tuples


def test_row1_identifier_pattern_accepts_real_codes_and_limits_length():
    assert limits.identifier_problem("2080101") is None
    assert limits.identifier_problem("talent-service-funds") is None
    assert limits.identifier_problem("a" * limits.MAX_IDENTIFIER_CHARS) is None
    assert limits.identifier_problem("a" * (limits.MAX_IDENTIFIER_CHARS + 1)) is not None


def test_row1_containment_is_checked_for_every_path(tmp_path):
    out = tmp_path / "docs_src"
    (out / "inside").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (out / "linked").symlink_to(tmp_path / "elsewhere")
    assert output.contained(out, "inside/a.md") == out / "inside" / "a.md"
    for bad in ("../x.md", "/etc/x", "a/../../x", "linked/x.md", "", "a//b", "a\0b", "a\\..\\b"):
        assert output.contained(out, bad) is None, bad
    with pytest.raises(output.OutsideOutput):
        output.write_pages({"linked/x.md": "x"}, out)
    assert list((tmp_path / "elsewhere").iterdir()) == []


_TREE_NAMES = ["a", "b", "c", "lnk", "up", "dead", "y", "new", "x"]


@pytest.fixture(scope="module")
def linked_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tree")
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "x" / "y").mkdir(parents=True)
    (root / "a" / "lnk").symlink_to(root / "x")
    (root / "a" / "b" / "up").symlink_to("../..")
    (root / "a" / "dead").symlink_to("/nonexistent-target")
    return str(root)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(st.sampled_from(_TREE_NAMES), max_size=5), warm=st.integers(0, 5))
def test_row1_folders_resolve_as_realpath_does(linked_tree, parts, warm):
    """contained() resolves a folder from its parent's cached resolution: the same answer as
    os.path.realpath, links on the way included, whatever was resolved before."""
    cache: dict = {}
    for depth in range(min(warm, len(parts))):
        output._resolved(linked_tree, "/".join(parts[:depth]), cache)
    relative = "/".join(parts)
    assert output._resolved(linked_tree, relative, cache) == \
        os.path.realpath(f"{linked_tree}/{relative}" if relative else linked_tree)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.lists(st.lists(st.sampled_from(_TREE_NAMES + ["", ".", "..", "f.md"]), min_size=1, max_size=5)
                      .map("/".join), min_size=1, max_size=6), final=st.booleans())
def test_row1_containment_answers_do_not_depend_on_what_was_asked_before(linked_tree, paths, final):
    """contained() with a cache shared by a pass (folders remembered as resolved, or as missing
    so that nothing in them is looked up) answers as it does with no cache at all, and refuses
    exactly the paths with an empty, "." or ".." part."""
    shared: dict = {}
    for relative in paths:
        alone = output.contained(Path(linked_tree), relative, None, final)
        assert output.contained(Path(linked_tree), relative, shared, final) == alone
        if any(part in ("", ".", "..") for part in relative.split("/")):
            assert alone is None


def test_row1_a_link_in_docs_src_to_elsewhere_is_x306(workspace):
    elsewhere = workspace.root.parent / "elsewhere"
    elsewhere.mkdir()
    (workspace.path("docs_src") / "projects").symlink_to(elsewhere)
    result = workspace.build()
    assert result.code == 1
    assert "X306" in result.stderr
    assert list(elsewhere.iterdir()) == []


def test_row1_a_tampered_manifest_cannot_delete_outside(workspace):
    assert workspace.build().code == 0
    victim = workspace.root.parent / "victim.md"
    from generator.render import GENERATED_MARKER
    victim.write_text(GENERATED_MARKER + "---\n# 别人的文件\n", encoding="utf-8")  # looks like one of ours
    manifest = workspace.path("docs_src/.generated.json")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"].append("../../victim.md")
    manifest.write_text(json.dumps(data), encoding="utf-8")
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才服务管理经费（改）")
    assert workspace.build().code == 0
    assert victim.exists()


# ---- row 2: data reaches HTML only escaped, on every template ---------------------------------

PAYLOAD = ("<script>alert(1)</script><img src=x onerror=alert(2)>[a](javascript:alert(3))"
           "![p](http://evil.example/x.png)|9|{: onclick=alert(4) }*e*_u_`c`<b id=injected>b</b>&amp;")


class _Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _markdown_to_html(text: str) -> str:
    import markdown

    body = text.split("\n---\n", 1)[1]  # front matter off
    config = yaml.safe_load(Path(__file__).resolve().parent.parent.joinpath("mkdocs.yml").read_text("utf-8"))
    extensions = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    return markdown.markdown(body, extensions=extensions)


def _assert_inert(html: str, where: str) -> None:
    tree = _Tree()
    tree.feed(html)
    for tag, attrs in tree.elements:
        assert tag not in ("script", "img", "iframe", "object", "embed"), (where, tag)
        assert attrs.get("id") != "injected", where
        for name, value in attrs.items():
            assert not name.startswith("on"), (where, tag, name)
            if name in ("href", "src"):
                assert not (value or "").lower().startswith(("javascript:", "http://evil", "data:")), (where, value)


def _payload_everywhere(ws: Workspace, payload: str = PAYLOAD) -> None:
    """Every free-text field of the shipped data gets ``payload`` appended."""
    def edit(node, skip=()):
        if isinstance(node, dict):
            return {k: (v if k in skip else edit(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [edit(v) for v in node]
        if isinstance(node, str) and node.strip():
            return node + payload
        return node

    for relative, skip in ((PORTAL, ("website_code", "icp_record", "police_record")),
                           (UNIT_FILE, ("public_fields",)),
                           (PROJECT_YAML, ("unit", "acknowledgements"))):
        data = yaml.safe_load(ws.read(relative))
        data = edit(data, skip)
        ws.write(relative, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    _classification(ws, "2080101", "就业管理" + payload)
    import csv
    for relative, numeric in ((BUDGET, {"数量", "单价（元）", "金额（元）"}), (INDICATORS, set())):
        rows = [r for r in csv.reader(io.StringIO(ws.read(relative))) if r and not r[0].startswith("#")]
        header = rows[0]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows[1:]:
            writer.writerow([cell if (h in numeric or not cell.strip()) else cell + payload
                             for h, cell in zip(header, row)])
        ws.write(relative, out.getvalue())


def test_row2_every_template_escapes_every_field(workspace):
    _payload_everywhere(workspace)
    result = workspace.build("--review")
    assert result.code == 0, result.stderr
    pages = sorted(workspace.path("docs_src").rglob("*.md"))
    kinds = set()
    for page in pages:
        relative = page.relative_to(workspace.path("docs_src")).as_posix()
        text = page.read_text(encoding="utf-8")
        if relative == "about.md":
            continue
        kinds.add(relative.split("/")[0])
        html = _markdown_to_html(text)
        _assert_inert(html, relative)
        front = yaml.safe_load(text.split("\n---\n", 1)[0] + "\n")
        assert front["generator"] == "budget-disclosure"
    assert {"index.md", "units", "projects", "classifications", "rules", "review.md", "data-format.md"} <= kinds
    project = _markdown_to_html(workspace.read(PROJECT_PAGE))
    tree = _Tree()
    tree.feed(project)
    # the payload is shown as the text it is
    assert "<script>alert(1)</script>" in "".join(tree.text)


def test_row2_markdown_table_cells_cannot_be_forged(workspace):
    _classification(workspace, "2080101", "x | 999 | 1,000,000,000.00")
    assert workspace.build().code == 0
    html = _markdown_to_html(workspace.read("docs_src/classifications/index.md"))
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    columns = rows[0].count("<th")
    assert columns == 6  # 科目编码, 科目名称, 预算年度, 项目数, 金额（元）, 金额（万元）
    assert len(rows) > 1 and all(row.count("<td") == columns for row in rows[1:]), rows


@pytest.mark.parametrize("code", ["[a](javascript:alert(1))", "|", "![](http://host/x.png)"])
def test_row2_markup_in_a_classification_code_is_refused(workspace, code):
    _classification(workspace, code)
    result = workspace.check()
    assert result.code == 1
    assert ("S213", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "  code:")) in result.tuples()


def test_row2_escape_text_is_inert_markdown_and_html():
    from generator.render import escape_text

    out = escape_text("<a>*b*[c](d){: e}|#\n")
    assert "<" not in out and "*" not in out and "[" not in out and "{" not in out and "|" not in out
    assert "\n" not in out


# ---- row 3: budget_data/README.md --------------------------------------------------------------

def test_row3_readme_is_rendered_without_raw_html(workspace):
    workspace.write(README, workspace.read(README) + "\n<script>alert(1)</script>\n\n"
                    "<img src=\"http://evil.example/x.png\">\n\n![p](http://evil.example/y.png)\n\n"
                    "[click](javascript:alert(1))\n")
    assert workspace.build().code == 0
    page = workspace.read("docs_src/data-format.md")
    html = _markdown_to_html(page)
    _assert_inert(html, "data-format.md")
    assert "&lt;script&gt;" in page
    assert "## 总体原则" in page  # headings stay Markdown: the page keeps its table of contents


def test_row3_a_linked_readme_is_not_followed(workspace, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    workspace.path(README).unlink()
    workspace.path(README).symlink_to(secret)
    result = workspace.check()
    assert result.code == 1
    assert ("F112", README, None) in result.tuples()
    assert "root:x" not in result.stdout
    assert workspace.build().code == 1


def test_row3_readme_is_scanned_for_personal_data(workspace):
    workspace.write(README, workspace.read(README) + "\n联系人身份证 11010519491231002X\n")
    assert ("P901", README, line_of(workspace, README, "11010519491231002X")) in workspace.check().tuples()


def test_row3_format_document_keeps_only_safe_links():
    from generator.render import format_document

    html = format_document("[a](https://example.org) [b](JavaScript:x) [c](rules/index.md) [d](data:text/html,x)")
    assert 'href="https://example.org"' in html and 'href="rules/index.md"' in html
    assert "JavaScript" not in html and "data:" not in html


# ---- row 4: links anywhere under budget_data/ --------------------------------------------------

def test_row4_a_linked_project_folder_is_an_error(workspace, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    import shutil
    shutil.copytree(workspace.path(PROJECT_DIR), elsewhere)
    workspace.path("budget_data/projects/2026/linked").symlink_to(elsewhere)
    result = workspace.check()
    assert result.code == 1
    assert ("F112", "budget_data/projects/2026/linked", None) in result.tuples()


def test_row4_a_linked_data_file_is_an_error_and_not_echoed(workspace, tmp_path):
    target = tmp_path / "secret.csv"
    target.write_text("SECRET-FIRST-LINE,x\n", encoding="utf-8")
    workspace.path(BUDGET).unlink()
    workspace.path(BUDGET).symlink_to(target)
    result = workspace.check()
    assert result.code == 1
    assert ("F112", BUDGET, None) in result.tuples()
    assert "SECRET" not in result.stdout


def test_row4_a_fifo_is_reported_not_read(workspace):
    workspace.path(BUDGET).unlink()
    os.mkfifo(workspace.path(BUDGET))
    result = workspace.check()  # would block forever if the FIFO were opened for reading
    assert ("F112", BUDGET, None) in result.tuples()


# ---- row 5: personal data on decoded, normalised values (property tests in test_fuzz.py) ------

def _id_number() -> str:
    return _valid_id("530121", "19900101", "123")


DISGUISES = {
    "spaces": lambda n: " ".join([n[:4], n[4:8], n[8:12], n[12:16], n[16:]]),
    "dashes": lambda n: "-".join([n[:6], n[6:14], n[14:]]),
    "full-width": lambda n: n.translate({ord(str(d)): chr(0xFF10 + d) for d in range(10)} | {ord("X"): "Ｘ"}),
    "zero-width": lambda n: "\u200b".join(n),
    "ideographic-space": lambda n: n[:6] + "\u3000" + n[6:],
    "dots": lambda n: n[:6] + "." + n[6:14] + "." + n[14:],
}


@pytest.mark.parametrize("disguise", sorted(DISGUISES))
def test_row5_disguised_id_numbers_block(workspace, disguise):
    written = DISGUISES[disguise](_id_number())
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", f"name: 人才服务管理经费{written}")
    result = workspace.check()
    assert result.code == 1
    assert ("P901", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "name: 人才服务管理经费")) in result.tuples()


def test_row5_yaml_escapes_and_csv_line_breaks_are_decoded(workspace):
    number = _id_number()
    escaped = "".join(f"\\x{ord(c):02x}" for c in number)
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", f'name: "人才服务管理经费{escaped}"')
    lines = workspace.read(BUDGET).split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("人才管理经费,,,,,10000,"))
    lines[index] = f'人才管理经费,,,,,10000,"{number[:9]}\n{number[9:]}"'
    workspace.write(BUDGET, "\n".join(lines))
    result = workspace.check()
    assert ("P901", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "name:")) in result.tuples()
    assert ("P901", BUDGET, index + 1) in result.tuples()


def test_row5_mobiles_and_cards_in_disguise(workspace):
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才服务管理经费 0086 139.1234.5678")
    workspace.replace(UNIT_FILE, "funding_source: 区级财政预算", "funding_source: 区级财政预算 ６２２２０２１２３４５６７８９０１２８")
    tuples = workspace.check().tuples()
    assert ("P902", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "0086")) in tuples
    assert ("P903", UNIT_FILE, line_of(workspace, UNIT_FILE, "６２２２")) in tuples


def _valid_id(region: str, born: str, serial: str) -> str:
    body = region + born + serial
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]


# ---- row 6: downloads never execute -----------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)",
            "＝1+1"]


def test_row6_no_formula_in_any_download(workspace):
    rows = "".join(f'"{f.replace(chr(34), chr(34) * 2)}",,,,,{10 + i},"{f.replace(chr(34), chr(34) * 2)}"\n'
                   for i, f in enumerate(FORMULAS))
    workspace.write(BUDGET, BUDGET_HEADER + "\n呈贡区辅助性岗位人员年度考核绩效奖,,,,,650000,依据\n"
                    f"人才管理经费,,,,,{10000 - sum(10 + i for i in range(len(FORMULAS)))},依据\n" + rows)
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: \"=cmd|' /C calc'!A0\"")
    result = workspace.build()
    assert result.code == 0, result.stderr
    base = workspace.path("docs_src/downloads/2026/talent-service-funds")
    for name in ("budget_items.xlsx", "indicators.xlsx"):
        with zipfile.ZipFile(base / name) as book:
            sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f>" not in sheet and "<f " not in sheet, name
    from openpyxl import load_workbook
    sheet = load_workbook(base / "budget_items.xlsx").active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert all(f in values for f in FORMULAS)  # faithful: the XLSX holds the value as text
    assert all(c.data_type in ("s", "n", "inlineStr") for row in sheet.iter_rows() for c in row if c.value)
    import csv
    for path in (base / "budget_items.csv", workspace.path("docs_src/data/budget_items.csv")):
        cells = [c for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r", "＝")], path
        assert all("'" + f in cells for f in FORMULAS), path


# ---- rows 7 and 8: exact money ------------------------------------------------------------------

def test_row7_huge_amounts_are_refused(workspace):
    rows = "".join(f"项目{i},,,,,9999999999999999,依据\n" for i in range(19))
    workspace.write(BUDGET, BUDGET_HEADER + "\n" + rows)
    result = workspace.check()
    assert result.code == 1
    assert ("S216", BUDGET, 2) in result.tuples() and ("S216", BUDGET, 20) in result.tuples()


def test_row7_aggregates_are_exact_integers_beyond_int64(workspace):
    gathered = pipeline.gather(workspace.path("budget_data"), workspace.root)
    dataset = gathered.dataset
    (project,) = dataset.projects
    big = Decimal("9999999999999999")  # above the input limit: built directly, as a later stage might
    items = tuple(dataclasses.replace(item, amount=big, parent=None, name=f"项目{i}")
                  for i, item in enumerate([project.budget_items[0]] * 19))
    projects = tuple(dataclasses.replace(project, id=f"p{i}", budget_items=items) for i in range(3))
    view = portal_view(dataclasses.replace(dataset, projects=projects))
    # All three are of one fiscal year, so the year total is their sum (no cross-year total exists).
    (year_total,) = view.by_year
    assert year_total.total.value == big * 19 * 3  # 569,999,999,999,999,943 元: 5.7e19 分 > 2**63
    assert year_total.total.yuan == "569,999,999,999,999,943.00"
    assert view.by_year_unit[(project.year, project.unit.value)].total.value == big * 57
    # 5,699,999,999亿 + 9,999万9,943: the count of 亿 is itself written with 亿 and 万 (issue 12).
    assert year_total.total.capitals == ("人民币伍拾陆亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖亿"
                                         "玖仟玖佰玖拾玖万玖仟玖佰肆拾叁元整")


@pytest.mark.parametrize("written", ["660000²", "660000⁰", "½", "٦٦٠٠٠٠", "660000\u2460"])
def test_row8_compatibility_characters_in_numbers_are_errors(workspace, written):
    workspace.replace(BUDGET, ",650000,", f",{written},")
    result = workspace.check()
    assert result.code == 1
    assert ("S208", BUDGET, line_of(workspace, BUDGET, written)) in result.tuples()
    assert "S211" not in {c for c, _, _ in result.tuples()}


def test_row8_full_width_digits_are_still_read(workspace):
    workspace.replace(BUDGET, ",650000,", ",６５００００,")
    assert ("S211", BUDGET, line_of(workspace, BUDGET, "６５００００")) in workspace.check().tuples()


# ---- row 9: exit 1 with a location, never exit 2 -----------------------------------------------

def _line(ws: Workspace, relative: str, needle: str) -> int:
    # Not str.splitlines: it also breaks at \x0b, \x85 and \u2028, which are not line ends in our files.
    return next(n for n, line in enumerate(ws.read(relative).split("\n"), start=1) if needle in line)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x85", "\u202e", "\u2028"])
def test_row9_control_characters_in_a_cell_are_located_errors(workspace, char):
    workspace.replace(BUDGET, "人才管理经费,,,,,10000", f"人才管理{char}经费,,,,,10000")
    result = workspace.check()
    assert result.code == 1
    assert ("F113", BUDGET, _line(workspace, BUDGET, f"人才管理{char}经费")) in result.tuples()
    build = workspace.build()
    assert build.code == 1 and "内部错误" not in build.stderr


def test_row9_amount_of_ten_to_the_sixteen(workspace):
    workspace.replace(BUDGET, ",650000,", ",10000000000000000,")
    result = workspace.build()
    assert result.code == 1 and "S216" in result.stderr and "内部错误" not in result.stderr


def test_row9_long_folder_name(workspace):
    long_name = "a" * 254
    workspace.path(PROJECT_DIR).rename(workspace.path(f"budget_data/projects/2026/{long_name}"))
    result = workspace.build()
    assert result.code == 1 and "内部错误" not in result.stderr
    assert ("S213", f"budget_data/projects/2026/{long_name}", None) in workspace.check().tuples()


# ---- row 10: the front matter stays readable ----------------------------------------------------

def test_row10_c1_control_in_publisher_is_an_error(workspace):
    workspace.replace(PORTAL, "publisher: 昆明市呈贡区公共就业和人才服务中心",
                      'publisher: "昆明市呈贡区公共就业和人才服务中心\\x85"')
    result = workspace.check()
    assert ("F113", PORTAL, line_of(workspace, PORTAL, "publisher:")) in result.tuples()
    assert workspace.build().code == 1


def test_row10_front_matter_json_is_valid_yaml_for_any_text():
    from generator.render import front_matter_json

    value = {"publisher": "a\x85b\u2028c\ufeffd\x7f\"'\\:#-"}
    assert yaml.safe_load(f"portal_footer: {front_matter_json(value)}\n")["portal_footer"] == value


# ---- row 11: limits -----------------------------------------------------------------------------

def test_row11_a_huge_yaml_file_is_refused_before_parsing(workspace):
    workspace.write(PROJECT_YAML, workspace.read(PROJECT_YAML) + "# " + "x" * limits.MAX_FILE_BYTES + "\n")
    assert ("F114", PROJECT_YAML, None) in workspace.check().tuples()


def test_row11_a_long_scalar_and_a_long_cell(workspace):
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才服务管理经费" + "长" * limits.MAX_VALUE_CHARS)
    workspace.replace(BUDGET, "人才管理经费,,,,,10000,", "人才管理经费,,,,,10000," + "x" * limits.MAX_VALUE_CHARS)
    tuples = workspace.check().tuples()
    assert ("F116", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "name:")) in tuples
    assert ("F116", BUDGET, line_of(workspace, BUDGET, "人才管理经费,,,,,10000,")) in tuples


def test_row11_a_long_field(workspace):
    paragraph = "段" * (limits.MAX_VALUE_CHARS - 10)
    count = limits.MAX_FIELD_CHARS // len(paragraph) + 1
    workspace.replace(PROJECT_YAML, "\noverview:\n", "\noverview:\n" + "".join(f"  - {paragraph}\n"
                                                                              for _ in range(count)))
    assert ("F117", PROJECT_YAML, line_of(workspace, PROJECT_YAML, "overview:")) in workspace.check().tuples()


def test_row11_too_many_rows(workspace):
    rows = "".join(f"项目{i},,,,,1,依据\n" for i in range(limits.MAX_TABLE_ROWS + 1))
    workspace.write(BUDGET, BUDGET_HEADER + "\n" + rows)
    assert ("F115", BUDGET, limits.MAX_TABLE_ROWS + 2) in workspace.check().tuples()


def test_row11_the_data_format_page_lists_every_limit():
    text = (Path(__file__).resolve().parent.parent / README).read_text(encoding="utf-8")
    section = text[text.index("## 数据上限"):]
    for figure in (f"{limits.MAX_FILE_BYTES // 2**20} MB", f"{limits.MAX_TABLE_ROWS:,}", f"{limits.MAX_VALUE_CHARS:,}",
                   f"{limits.MAX_FIELD_CHARS:,}", f"{limits.MAX_IDENTIFIER_CHARS}", "一万亿",
                   f"{limits.MAX_IMPORT_FILE_BYTES // 2**20} MB", f"{limits.MAX_IMPORT_UNPACKED_BYTES // 2**20} MB"):
        assert figure in section, figure


# ---- row 12: atomic publish -----------------------------------------------------------------------

class _Killed(BaseException):
    """Stands in for SIGKILL: no except clause and no cleanup runs."""


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_row12_killed_at_any_step_leaves_old_or_new(workspace, monkeypatch):
    assert workspace.build().code == 0
    docs = workspace.path("docs_src")
    old = _tree(docs)
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才服务管理经费（调整）")
    workspace.replace(BUDGET, "人才管理经费,,,,,10000,", "人才管理经费,,,,,10000,调整后")
    # One clean run elsewhere gives the new tree to compare with.
    import shutil
    reference = Workspace(workspace.root.parent / "reference")
    for name in ("budget_data",):
        shutil.rmtree(reference.path(name))
        shutil.copytree(workspace.path(name), reference.path(name))
    assert reference.build().code == 0
    new = _tree(reference.path("docs_src"))
    assert new != old

    steps = {"count": 0, "kill_at": None}
    real = {"link": os.link, "open": os.open, "rename": os.rename, "rmtree": shutil.rmtree,
            "exchange": output._exchange, "unlink": Path.unlink}

    def step():
        steps["count"] += 1
        if steps["kill_at"] is not None and steps["count"] >= steps["kill_at"]:
            raise _Killed()

    def counting(name):
        def wrapper(*args, **kwargs):
            step()
            result = real[name](*args, **kwargs)
            return result
        return wrapper

    monkeypatch.setattr(os, "link", counting("link"))
    monkeypatch.setattr(output.os, "open", counting("open"))
    monkeypatch.setattr(output.os, "rename", counting("rename"))
    monkeypatch.setattr(output.shutil, "rmtree", counting("rmtree"))
    monkeypatch.setattr(output, "_exchange", counting("exchange"))
    monkeypatch.setattr(Path, "unlink", counting("unlink"))

    # Count the steps of one full write, then kill at each of a spread of them.
    saved = workspace.root.parent / "saved"
    shutil.copytree(docs, saved, symlinks=True)
    steps["count"], steps["kill_at"] = 0, None
    assert workspace.build().code == 0
    total = steps["count"]
    assert _tree(docs) == new
    assert total > 10
    for kill_at in sorted({1, 2, 3, total // 4, total // 2, total - 3, total - 2, total - 1, total}):
        shutil.rmtree(docs)
        shutil.copytree(saved, docs, symlinks=True)
        for slot in workspace.build_states():
            real["unlink"](slot)
        steps["count"], steps["kill_at"] = 0, kill_at
        with pytest.raises(_Killed):
            workspace.build()
        state = _tree(docs)
        assert state in (old, new), f"killed at step {kill_at} of {total}: a mix of old and new"
        assert not [p for p in docs.rglob("*") if p.name.startswith(".tmp-")]
        steps["kill_at"] = None
        assert workspace.build().code == 0  # the next run recovers
        assert _tree(docs) == new
        leftovers = [p.name for p in docs.parent.iterdir() if p.name.startswith(".docs_src")]
        assert leftovers == [], leftovers


def test_row12_generated_files_are_0644(workspace):
    old_umask = os.umask(0o077)
    try:
        assert workspace.build().code == 0
    finally:
        os.umask(old_umask)
    page = workspace.path(PROJECT_PAGE)
    assert page.stat().st_mode & 0o777 == 0o644
    assert (workspace.path("docs_src").stat().st_mode & 0o777) == 0o755


def test_row12_sigkill_of_a_real_build_while_it_writes(workspace):
    """A real SIGKILL once the build starts writing (the staging folder appears, or docs_src/
    itself changes), at several delays after that: docs_src is old or new, never mixed."""
    import signal
    import subprocess
    import sys
    import time

    assert workspace.build().code == 0
    docs = workspace.path("docs_src")
    old = _tree(docs)
    workspace.replace(PROJECT_YAML, "name: 人才服务管理经费", "name: 人才服务管理经费（调整）")
    staging = docs.parent / ".docs_src.publishing"
    killed_while_writing = 0
    for delay in (0.0, 0.002, 0.005, 0.01, 0.02, 0.05):
        # back to the old tree and no build state, so the next build has everything to write
        for path in sorted(docs.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
        for relative, content in old.items():
            (docs / relative).parent.mkdir(parents=True, exist_ok=True)
            (docs / relative).write_bytes(content)
        workspace.forget_build_state()
        assert _tree(docs) == old
        before = docs.stat().st_mtime_ns
        process = subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(workspace.root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and not staging.exists() and docs.stat().st_mtime_ns == before:
            time.sleep(0.0005)
        if process.poll() is None:
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            killed_while_writing += process.wait() == -signal.SIGKILL
        process.wait()
        state = _tree(docs)
        assert not [p for p in docs.rglob("*") if p.name.startswith(".tmp-")], delay
        if state != old:
            assert workspace.build().code == 0
            assert state == _tree(docs), f"SIGKILL {delay}s after writing began left a mix"
    assert killed_while_writing >= 3  # the kills did land while the build was writing
    assert workspace.build().code == 0
    assert [p.name for p in docs.parent.iterdir() if p.name.startswith(".docs_src")] == []


# ---- fixtures of the new rules (used by tests/test_rules.py) -------------------------------------

def _symlinked_readme(ws: Workspace) -> None:
    ws.path(README).unlink()
    ws.path(README).symlink_to("/etc/hostname")


CASES = [
    Case("symlinked-readme", _symlinked_readme, lambda ws: {("F112", README, None)}, 1),
    Case("control-character",
         lambda ws: ws.replace(BUDGET, "人才管理经费,,,,,10000", "人才管理\x07经费,,,,,10000"),
         lambda ws: {("F113", BUDGET, _line(ws, BUDGET, "\x07"))}, 1),
    Case("file-too-large",
         lambda ws: ws.write(INDICATORS, ws.read(INDICATORS) + "#" + "x" * limits.MAX_FILE_BYTES + "\n"),
         lambda ws: {("F114", INDICATORS, None)}, 1),
    Case("too-many-rows",
         lambda ws: ws.write(BUDGET, BUDGET_HEADER + "\n" + "a,,,,,1,b\n" * (limits.MAX_TABLE_ROWS + 1)),
         lambda ws: {("F115", BUDGET, limits.MAX_TABLE_ROWS + 2)}, 1),
    Case("value-too-long",
         lambda ws: ws.replace(BUDGET, "人才管理经费,,,,,10000,", "人才管理经费,,,,,10000," + "x" * 20001),
         lambda ws: {("F116", BUDGET, line_of(ws, BUDGET, "xxxx"))}, 1),
    Case("field-too-long",
         lambda ws: ws.replace(PROJECT_YAML, "\noverview:\n",
                               "\noverview:\n" + f"  - {'段' * 19000}\n" * 6),
         lambda ws: {("F117", PROJECT_YAML, line_of(ws, PROJECT_YAML, "overview:"))}, 1),
    Case("amount-too-large",
         lambda ws: ws.replace(BUDGET, ",650000,", ",1000000000000,"),
         lambda ws: {("S216", BUDGET, line_of(ws, BUDGET, "1000000000000"))}, 1),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_new_rule_fixtures(workspace, case):
    case.mutate(workspace)
    result = workspace.check()
    assert result.code == case.exit_code
    assert case.expect(workspace) <= result.tuples()


def test_row2_a_template_cannot_print_data_raw_by_accident(tmp_path):
    """Escaping is the environment's, not each template's: a new template without any filter is safe too."""
    from generator.render import make_environment

    (tmp_path / "new.md.j2").write_text("# {{ value }}\n\n| {{ value }} |\n\n<p>{{ value }}</p>\n", encoding="utf-8")
    page = make_environment(tmp_path).get_template("new.md.j2").render(value=PAYLOAD)
    _assert_inert(_markdown_to_html("---\n---\n" + page), "new.md.j2")
    assert make_environment(tmp_path).from_string("{{ value }}").render(value="a*b|c") == "a&#42;b&#124;c"


def test_row12_a_no_op_rebuild_also_recovers(workspace):
    assert workspace.build().code == 0
    leftover = workspace.path(".docs_src.publishing")
    leftover.mkdir()
    (leftover / "half.md").write_text("x", encoding="utf-8")
    assert workspace.build().code == 0  # answered from the build state
    assert not leftover.exists()


def test_row11_deep_nesting_is_a_located_error(workspace):
    workspace.write(PORTAL, "title: " + "[" * 5000 + "]" * 5000 + "\n")
    result = workspace.check()
    assert result.code == 1 and any(c in ("F104", "F107") for c, _, _ in result.tuples())


def test_row7_quantities_have_bounded_decimals_so_products_stay_exact(workspace):
    workspace.replace(BUDGET, "人才管理经费,,,,,10000,", "人才管理经费,,1.1234567,,,10000,")
    result = workspace.check()
    (diagnostic,) = [d for d in result.diagnostics if d["code"] == "S208"]
    assert "最多保留 6 位小数" in diagnostic["message"]


def test_row1_a_link_inside_docs_src_is_not_written_through(workspace):
    (workspace.path("docs_src") / "real").mkdir()
    (workspace.path("docs_src") / "units").symlink_to(workspace.path("docs_src") / "real")
    result = workspace.build()
    assert result.code == 1 and "X306" in result.stderr and "内部错误" not in result.stderr
    assert list((workspace.path("docs_src") / "real").iterdir()) == []


@settings(max_examples=300)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_row2_escaped_text_reads_back_as_the_original(value):
    """What a reader sees is the data itself: quotes and ampersands included (escaping for HTML
    and then for Markdown once turned a quotation mark into the visible text "&#34;")."""
    import html

    from generator.render import escape_text

    escaped = str(escape_text(value))
    assert html.unescape(escaped) == value
    assert not set(escaped) & set("<>\"'\\`*_[]{}|!~^\n\r")


def test_row2_paged_listings_escape_every_field(workspace, monkeypatch):
    """The later pages of a paged listing (year, classification, unit) show names from the data
    too: with one row a page, each is checked as the first pages are."""
    import shutil

    from generator import render

    _payload_everywhere(workspace)
    shutil.copytree(workspace.path(PROJECT_DIR), workspace.path("budget_data/projects/2026/second-project"))
    monkeypatch.setattr(render, "LIST_PAGE_ROWS", 1)
    result = workspace.build()
    assert result.code == 0, result.stderr
    later = sorted(p.relative_to(workspace.path("docs_src")).as_posix()
                   for p in workspace.path("docs_src").rglob("*_2.md"))
    assert later == ["classifications/2080101_2.md", "projects/2026/list_2.md",
                     f"units/{Path(UNIT_FILE).stem}/list_2.md"]
    for relative in later:
        text = workspace.read(f"docs_src/{relative}")
        assert "&lt;" in text  # the payload is there, escaped
        _assert_inert(_markdown_to_html(text), relative)
