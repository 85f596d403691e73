"""Review checks: what a finance reviewer looks for beyond the schema.

Each check is a small generator function with one concern, yielding diagnostics.
Checks read the validated model; they compare figures but never produce the
figures that get published (that is compute's job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..diagnostics import Diagnostic
from ..model import Project, Unit
from . import arithmetic, completeness, identifiers, indicator_values, indicators, references, relevance, text

ProjectCheck = Callable[[Project], Iterator[Diagnostic]]
UnitCheck = Callable[[Unit], Iterator[Diagnostic]]

PROJECT_CHECKS: tuple[ProjectCheck, ...] = (
    arithmetic.check_children_sum,
    arithmetic.check_quantity_times_price,
    arithmetic.check_items_have_calculation,
    arithmetic.check_narrative_amounts,
    arithmetic.check_narrative_rates,
    arithmetic.check_narrative_equations,
    arithmetic.check_indicator_counts,
    arithmetic.check_stated_amount,
    indicators.check_framework,
    indicators.check_nature,
    indicators.check_quantitative_values,
    indicators.check_qualitative_units,
    indicators.check_value_repeats_operator,
    indicators.check_value_repeats_unit,
    indicators.check_time_units,
    indicators.check_multiple_units,
    indicators.check_categories,
    indicators.check_placeholder_columns,
    indicators.check_identical_targets,
    indicator_values.check_placeholder_nature,
    indicator_values.check_value_without_unit,
    indicator_values.check_value_unit_contradiction,
    indicator_values.check_unit_symbols,
    indicator_values.check_satisfaction_category,
    indicator_values.check_satisfaction_agreement,
    indicator_values.check_cost_indicators,
    indicator_values.check_money_under_quantity,
    indicator_values.check_time_indicators,
    indicator_values.check_vague_benefits,
    indicator_values.check_template_placeholders,
    indicator_values.check_missing_values,
    completeness.check_sections_present,
    relevance.check_indicator_relevance,
    references.check_doc_number_format,
    references.check_cited_documents_listed,
    references.check_duplicate_legal_bases,
    text.check_project_brackets,
)

UNIT_CHECKS: tuple[UnitCheck, ...] = (
    identifiers.check_credit_code,
    identifiers.check_credit_code_label,
    identifiers.check_phone_area_code,
    text.check_unit_brackets,
)


def run_project_checks(project: Project) -> Iterator[Diagnostic]:
    for check in PROJECT_CHECKS:
        yield from check(project)


def run_unit_checks(unit: Unit) -> Iterator[Diagnostic]:
    for check in UNIT_CHECKS:
        yield from check(unit)


__all__ = ["PROJECT_CHECKS", "UNIT_CHECKS", "run_project_checks", "run_unit_checks"]
