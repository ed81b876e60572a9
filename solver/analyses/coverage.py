"""Which SOP steps the policy covers, and how: a pure function of the IR.

Status of a step:
- `encoded`: rules cite it (their ids are listed);
- `inferred`: only rules marked `inferred` cite it (its text was lost in extraction);
- `input`: it is an officer process or an SOP outside the seeds, taken as the listed case inputs;
- `outcome`: it records the assessment's result, which the decision itself gives (outcome,
  concerns for RFI/PPI);
- `missing`: nothing covers it yet.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...dsl.ir import Policy

STATUSES = ("encoded", "inferred", "input", "outcome", "missing")


@dataclass(frozen=True)
class StepCoverage:
    sop: str
    source: str
    step: str
    title: str
    status: str
    rules: tuple[str, ...]
    inputs: tuple[str, ...]
    note: str

    def to_json(self) -> dict:
        out = {"sop": self.sop, "step": self.step, "title": self.title, "status": self.status}
        if self.rules:
            out["rules"] = list(self.rules)
        if self.inputs:
            out["inputs"] = list(self.inputs)
        if self.note:
            out["note"] = self.note
        return out


def coverage(policy: Policy) -> tuple[StepCoverage, ...]:
    citing: dict[tuple[str, str], list] = {}
    for rule in policy.rules:
        for c in rule.cites:
            if c.kind == "sop" and c.sop:
                citing.setdefault((c.sop, c.step), []).append(rule)
    rows = []
    for sop in policy.sops:
        for step in sop.steps:
            rules = citing.get((sop.name, step.id), [])
            if rules:
                status = "inferred" if all(r.inferred for r in rules) else "encoded"
            elif step.status == "input":
                status = "input"
            elif step.status == "outcome":
                status = "outcome"
            else:
                status = "missing"
            rows.append(
                StepCoverage(
                    sop.name,
                    sop.source,
                    step.id,
                    step.title,
                    status,
                    tuple(r.id for r in rules),
                    step.inputs,
                    step.note,
                )  # fmt: skip
            )
    return tuple(rows)


def coverage_json(policy: Policy) -> dict:
    rows = coverage(policy)
    sops = []
    for sop in policy.sops:
        steps = [r.to_json() for r in rows if r.sop == sop.name]
        sops.append({"sop": sop.name, "title": sop.title, "source": sop.source,
                     "published": sop.published.isoformat(), "steps": steps})  # fmt: skip
    totals = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    return {"sops": sops, "totals": totals}
