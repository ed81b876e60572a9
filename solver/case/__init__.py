"""Case files: the JSON Schema generated from a policy (`schema`) and the case data the back ends
read (`data`): every value an integer or a string, never missing."""

from .data import CaseData, Item, case_to_json, load_case, read_case_file
from .schema import MONEY_PATTERN, RESERVED_KEYS, case_schema, field_schema, schema_problems

__all__ = ["CaseData", "Item", "load_case", "read_case_file", "case_to_json", "case_schema", "field_schema",
           "schema_problems", "RESERVED_KEYS", "MONEY_PATTERN"]  # fmt: skip
