"""What the API does, without HTTP: read a case from a request body, decide it, explain it, decide
a batch, summarise the policy at a date. The app (`app`) only routes requests here.

A request body is read exactly as a case file is (`solver.case`): decimals kept exact, the same
checks and the same messages, so a case the CLI rejects the API rejects with the same words.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from ..dsl import CaseError, ir
from ..dsl.units import date_code, format_value
from ..solver.case import load_case, parse_case_json
from ..solver.decision import decide
from ..solver.report import Context, Report, context_for

__all__ = ["Service", "parse_case", "parse_lines", "problems", "BatchLimit"]


class BatchLimit(ValueError):
    """A batch with more rows than the server takes at once."""


def parse_case(body: bytes, source: str) -> dict:
    """A request body as a case file's JSON object; a CaseError names what is wrong and where
    (not UTF-8, not JSON, nested too deeply, NaN, …: exactly as for a case file)."""
    return parse_case_json(body, source)


def parse_lines(body: bytes, max_rows: int) -> list[tuple[int, bytes]]:
    """The case lines of a JSON Lines body, with their line numbers; blank lines hold no case."""
    rows = [(n, line) for n, line in enumerate(body.split(b"\n"), 1) if line.strip()]
    if len(rows) > max_rows:
        raise BatchLimit(f"the batch has {len(rows)} cases; this server takes at most {max_rows} at once")
    return rows


@dataclass
class Service:
    """One checked policy and what the API computes with it."""

    policy: ir.Policy
    tool_version: str

    def __post_init__(self) -> None:
        self.context: Context = context_for(self.policy, self.tool_version)
        # Z3's solver object is cached per policy and is not safe to share between threads
        self._z3 = threading.Lock()

    def case(self, body: bytes, source: str):
        return load_case(self.policy, parse_case(body, source), source)

    def decide(self, body: bytes, engine: str, source: str = "request body") -> dict:
        case = self.case(body, source)
        if engine == "z3":
            with self._z3:
                return decide(self.policy, case, engine).to_json()
        return decide(self.policy, case, engine).to_json()

    def report(self, body: bytes, sections: tuple[str, ...], max_alternatives: int, source: str) -> Report:
        from ..solver.analyses.explain import explain
        from ..solver.analyses.whatif import what_if
        from ..solver.decision import verdict

        case = self.case(body, source)
        decided = verdict(self.policy, case, "clingo")
        alternatives = what_if(self.policy, case, max_alternatives, current=decided) if "what_if" in sections else None
        return Report(explain(self.policy, case, decided, source), sections, alternatives, self.context)

    def batch(self, body: bytes, engine: str, max_rows: int) -> list[dict]:
        """One row per case line, in order: its decision, or what is wrong with it."""
        rows = []
        for n, line in parse_lines(body, max_rows):
            source = f"line {n}"
            try:
                rows.append({"line": n, "ok": True, "decision": self.decide(line, engine, source)})
            except CaseError as err:
                rows.append({"line": n, "ok": False, "error": problems(err)})
        return rows

    def policy_at(self, day: dt.date) -> dict:
        p = self.policy
        members = p.category_enum.members
        current = {m: p.version_at(day, k) for k, m in enumerate(members)}
        versions = [_version(v, members, [m for m, c in current.items() if c is v]) for v in p.versions]
        code = date_code(day)
        return {
            "title": p.title,
            "digest": self.context.policy_digest,
            "tool_version": self.tool_version,
            "date": day.isoformat(),
            "version_in_force": {m: (v.name if v else None) for m, v in current.items()},
            "versions": versions,
            "categories": [{"category": m, "label": lab} for m, lab in zip(members, p.category_enum.labels)],
            "rules": [
                {
                    "rule": r.id,
                    "title": r.title,
                    "kind": r.kind,
                    "stage": r.stage,
                    "categories": [members[c] for c in r.categories] if r.categories else list(members),
                    "in_force": {
                        "from": r.start.isoformat() if r.start else None,
                        "until": r.until.isoformat() if r.until else None,
                    },
                    "in_force_on_date": (r.start is None or r.start <= day) and (r.until is None or day <= r.until),
                    "cites": [str(c) for c in r.cites],
                }
                for r in p.rules
            ],
            "parameters": [_parameter(p, param, code) for param in p.params],
            "tables": [{"table": t.name, "doc": t.doc, "rows": len(t.rows)} for t in p.tables],
            "sops": [
                {
                    "sop": s.name,
                    "title": s.title,
                    "published": s.published.isoformat(),
                    "source": s.source,
                    "steps": [{"step": st.id, "title": st.title} for st in s.steps],
                }
                for s in p.sops
            ],
        }


def problems(err: CaseError) -> dict:
    return {"error": "invalid_case", "source": err.source, "problems": list(err.problems), "message": err.render()}


def _version(v: ir.Version, members: tuple[str, ...], in_force_for: list[str]) -> dict:
    return {
        "name": v.name,
        "from": v.start.isoformat(),
        "cites": [str(c) for c in v.cites],
        "categories": [members[c] for c in v.categories] if v.categories else list(members),
        "in_force_for": in_force_for,
    }


def _parameter(p: ir.Policy, param: ir.Param, code: int) -> dict[str, Any]:
    entry = param.entry_at(code)
    labels = p.enum_by_name[param.type.enum].labels if param.type.kind == "enum" else ()
    return {
        "parameter": param.name,
        "doc": param.doc,
        "type": param.type.kind,
        "value": format_value(param.type.kind, entry.value, labels=labels),
        "in_force_from": entry.start.isoformat(),
        "cites": [str(c) for c in entry.cites],
    }
