"""An explanation as JSON, schema `visa-rules/explanation/1`: stable keys, nothing unordered."""

from __future__ import annotations

import json

import orjson

from ..analyses.explain import SCHEMA, Action, Explanation, RuleExplanation, Shortfall
from ..analyses.whatif import WhatIf
from .lines import Report


def to_json(report: Report) -> dict:
    e = report.explanation
    return {
        "schema": SCHEMA,
        "source": e.source,
        "outcome": e.outcome,
        "category": e.category,
        "lodgement_date": e.lodgement,
        "instruction_version": {"name": e.version, "from": e.version_from, "cites": list(e.version_cites)},
        "points": {"total": sum(e.points.values()), "by_category": dict(e.points), "possible": dict(e.possible)},
        "engine": "clingo",
        "cross_checked_with": "python",
        "sections": list(report.sections),
        "why": _why_json(e) if "why" in report.sections else None,
        "why_not": [_shortfall_json(s) for s in e.shortfalls] if "why_not" in report.sections else None,
        "what_if": _what_if_json(report.what_if) if report.what_if is not None else None,
    }


def _why_json(e: Explanation) -> dict:
    return {"rules": [_rule_json(r, e) for r in e.rules], "actions": [_action_json(a) for a in e.actions]}


def _rule_json(r: RuleExplanation, e: Explanation) -> dict:
    return {
        "rule": r.rule,
        "title": r.title,
        "kind": r.kind,
        "stage": r.stage,
        "effect": r.effect,
        "text": r.text,
        "points": r.points,
        "max_points": r.max_points,
        "cites": list(r.cites),
        "clauses": list(r.clauses),
        "sop_steps": list(r.sop_steps),
        "version": {"name": e.version, "from": e.version_from},
        "in_force": {"from": r.window[0] or None, "until": r.window[1] or None},
        "blocked_by": r.blocked_by or None,
        "applies": r.applies.to_json() if r.applies else None,
        "tree": r.tree.to_json() if r.tree else None,
        "facts": [f.to_json() for f in r.facts],
        "parameters": [p.to_json() for p in r.parameters],
        "tables": [t.to_json() for t in r.tables],
    }


def _action_json(a: Action) -> dict:
    return {
        "rule": a.rule,
        "title": a.title,
        "action": a.kind,
        "finding": a.finding,
        "ask": a.ask,
        "evidence": [f.to_json() for f in a.evidence],
        "cites": list(a.cites),
    }


def _shortfall_json(s: Shortfall) -> dict:
    return {
        "rule": s.rule,
        "title": s.title,
        "effect": s.effect,
        "summary": s.summary,
        "cites": list(s.cites),
        "gaps": [g.to_json() for g in s.gaps],
    }


def _what_if_json(w: WhatIf) -> dict:
    return {
        "status": w.status,
        "outcome": w.outcome,
        "note": w.note,
        "considered": [
            {"input": c.input, "cost": c.cost, "later_only": c.later_only, "values": c.values} for c in w.considered
        ],
        "alternatives": [
            {
                "rank": k + 1,
                "cost": a.cost,
                "changes": [
                    {
                        "input": c.input,
                        "from": c.old,
                        "to": c.new,
                        "from_value": c.old_json,
                        "to_value": c.new_json,
                        "cost": c.cost,
                    }
                    for c in a.changes
                ],
                "outcome": a.outcome,
                "python_outcome": a.python_outcome,
                "points": dict(a.points),
                "case": a.case,
            }
            for k, a in enumerate(w.alternatives)
        ],
        "blockers": [
            {
                "rule": b.rule,
                "title": b.title,
                "effect": b.effect,
                "text": b.text,
                "inputs": [{"input": i.input, "changeable": i.changeable, "note": i.note} for i in b.inputs],
            }
            for b in w.blockers
        ],
    }


def render_json(report: Report) -> str:
    """The explanation as JSON, indented by two spaces, non-ASCII characters as themselves.

    orjson writes it: an explanation runs to a megabyte, and the standard library's encoder is pure
    Python when it indents (a quarter of a second a case). The bytes are those `json.dumps(…,
    indent=2, ensure_ascii=False)` gives, except a float under 1e-4 written without an exponent.
    What orjson refuses (a key that is not a string, an integer past 64 bits) goes to `json`."""
    data = to_json(report)
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(data, indent=2, ensure_ascii=False)
