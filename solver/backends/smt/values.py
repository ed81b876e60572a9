"""Z3 values: how IR values become terms (bools, strings, integers in `units` codes) and back."""

from __future__ import annotations

import ctypes

import z3

from ....dsl import ir
from ....dsl.units import UNITS_PER_MONTH


def text_val(s: str) -> z3.SeqRef:
    """A Z3 string of exactly these characters (z3.StringVal would read a backslash-u as an escape)."""
    ctx = z3.main_ctx()
    codes = (ctypes.c_uint * max(len(s), 1))(*map(ord, s))
    return z3.SeqRef(z3.Z3_mk_u32string(ctx.ref(), len(s), codes), ctx)


def text_of(v: z3.SeqRef) -> str:
    """The characters of a Z3 string value (as_string() escapes some of them, ambiguously)."""
    n = z3.Z3_get_string_length(v.ctx_ref(), v.as_ast())
    codes = (ctypes.c_uint * max(n, 1))()
    z3.Z3_get_string_contents(v.ctx_ref(), v.as_ast(), n, codes)
    return "".join(map(chr, codes[:n]))


def literal(t: ir.Type, value: int | str) -> z3.ExprRef:
    if t.kind == "bool":
        return z3.BoolVal(bool(value))
    if t.kind == "text":
        return text_val(str(value))
    return z3.IntVal(value)


def variable(name: str, t: ir.Type) -> z3.ExprRef:
    if t.kind == "bool":
        return z3.Bool(name)
    if t.kind == "text":
        return z3.String(name)
    return z3.Int(name)


def py_value(v: z3.ExprRef) -> int | str:
    """A model value the way the Python evaluator gives it: bools as 0/1, text as str, the rest as int."""
    if z3.is_bool(v):
        return int(z3.is_true(v))
    if z3.is_string_value(v):
        return text_of(v)
    return v.as_long()


def any_of(terms) -> z3.BoolRef:
    terms = list(terms)
    return z3.Or(terms) if terms else z3.BoolVal(False)


def sum_of(terms) -> z3.ArithRef:
    terms = list(terms)
    return z3.Sum(terms) if terms else z3.IntVal(0)


def is_calendar_day(code: z3.ArithRef) -> z3.BoolRef:
    """The code is a real day (no 30 February), like `units.is_exact_date`."""
    day = code % UNITS_PER_MONTH
    months = code / UNITS_PER_MONTH
    month0, year = months % 12, months / 12
    leap = z3.And(year % 4 == 0, z3.Or(year % 100 != 0, year % 400 == 0))
    last = z3.If(month0 == 1, z3.If(leap, 29, 28), z3.If(z3.Or([month0 == m for m in (3, 5, 8, 10)]), 30, 31))
    return z3.And(day >= 1, day <= last)
