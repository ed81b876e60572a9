"""Case files: the JSON Schema generated from a policy (`schema`) and the case data the back ends
read (`data`): every value an integer or a string, never missing."""

from .data import (
    MAX_CASE_BYTES,
    MAX_NESTING,
    CaseData,
    Item,
    broken_constraints,
    case_to_json,
    constraint_problems,
    load_case,
    parse_case_json,
    read_case_file,
)
from .schema import MONEY_PATTERN, RESERVED_KEYS, bounds_table, case_schema, field_schema, range_text, schema_problems

__all__ = [
    "CaseData",
    "Item",
    "load_case",
    "read_case_file",
    "parse_case_json",
    "case_to_json",
    "case_schema",
    "field_schema",
    "schema_problems",
    "bounds_table",
    "constraint_problems",
    "broken_constraints",
    "range_text",
    "RESERVED_KEYS",
    "MONEY_PATTERN",
    "MAX_CASE_BYTES",
    "MAX_NESTING",
]
