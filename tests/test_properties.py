"""Property tests: whatever bytes or structures reach a loader, it answers with diagnostics, never a crash."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import schema
from generator.csvsource import CsvSyntaxError, parse_csv, split_records
from generator.diagnostics import Diagnostic
from generator.sources import decode
from generator.yamlsource import parse_yaml

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _well_formed(diagnostics) -> None:
    for d in diagnostics:
        assert isinstance(d, Diagnostic)
        assert d.code and d.message
        assert d.location.line is None or d.location.line >= 1
        assert d.location.column is None or d.location.column >= 1


def _yaml_pipeline(data: bytes) -> None:
    decoded = decode(data, "x.yaml", allow_legacy_chinese=False)
    _well_formed(decoded.diagnostics)
    if decoded.text is None:
        assert decoded.diagnostics
        return
    node, diagnostics = parse_yaml(decoded.text, "x.yaml")
    _well_formed(diagnostics)
    for reader in (schema.read_portal, lambda n, p: schema.read_unit(n, p, "u"),
                   lambda n, p: schema.read_project_yaml(n, p)[::2]):
        result, found = reader(node, "x.yaml")
        _well_formed(found)


def _csv_pipeline(data: bytes) -> None:
    decoded = decode(data, "x.csv", allow_legacy_chinese=True)
    _well_formed(decoded.diagnostics)
    if decoded.text is None:
        return
    table, diagnostics = parse_csv(decoded.text, "x.csv")
    _well_formed(diagnostics)
    for reader in (schema.read_budget_items, schema.read_indicators):
        result, found = reader(table, "x.csv")
        _well_formed(found)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_to_yaml_loader(data):
    _yaml_pipeline(data)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_to_csv_loader(data):
    _csv_pipeline(data)


_YAML_ALPHABET = st.sampled_from(list("abc: -\n\t\"'#&*!|>[]{},?%@`0123456789.名称〔〕\\") + ["\r\n", "  "])


@SETTINGS
@given(st.lists(_YAML_ALPHABET, max_size=120).map("".join))
def test_yaml_shaped_text(text):
    _yaml_pipeline(text.encode("utf-8"))


_CSV_ALPHABET = st.sampled_from(list(',"\n\r#a1.-万元６ ') + ["明细项目", "金额（元）", "一级指标", "\r\n"])


@SETTINGS
@given(st.lists(_CSV_ALPHABET, max_size=120).map("".join))
def test_csv_shaped_text(text):
    _csv_pipeline(text.encode("utf-8"))
    try:
        records = split_records(text)
    except CsvSyntaxError as error:  # the documented way split_records reports bad quoting
        assert error.line >= 1 and error.column >= 1
        return
    for record in records:
        for cell in record.cells:
            assert cell.line >= 1 and cell.column >= 1


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                     st.dates(), st.decimals(allow_nan=False).map(str))
_keys = st.sampled_from(list(schema.PROJECT_KEYS + schema.UNIT_KEYS + schema.PORTAL_KEYS)
                        + ["number", "title", "period", "text", "label", "value", "medium_term", "annual", "x"])
_structures = st.recursive(_scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=6)), max_leaves=25)


@SETTINGS
@given(st.dictionaries(_keys, _structures, max_size=10))
def test_random_structures_to_schema_readers(structure):
    text = yaml.safe_dump(structure, allow_unicode=True)
    _yaml_pipeline(text.encode("utf-8"))


@SETTINGS
@given(st.lists(st.lists(st.text(max_size=8), min_size=0, max_size=12), max_size=8))
def test_random_tables_to_table_readers(rows):
    header = list(schema.INDICATOR_COLUMNS.values())
    lines = [",".join(header)] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    _csv_pipeline("\n".join(lines).encode("utf-8"))
    header = list(schema.BUDGET_COLUMNS.values())
    lines = [",".join(header)] + [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in rows]
    _csv_pipeline("\n".join(lines).encode("utf-8"))
