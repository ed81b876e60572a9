"""What proving gives: limits in, results out, and results as plain JSON data (for the cache on disk
and for the worker processes that send them back)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ....dsl import ir
from .obligations import Obligation

__all__ = ["HOLDS", "FAILS", "UNKNOWN", "RESOURCE", "WALL_CLOCK", "DEFAULT_RLIMIT", "Limits", "Example", "Result",
           "Summary", "summarise", "exit_code", "EXIT_HOLDS", "EXIT_FAILS", "EXIT_UNKNOWN", "EXIT_BUG",
           "result_to_json", "result_from_json"]  # fmt: skip

HOLDS, FAILS, UNKNOWN = "holds", "fails", "unknown"
RESOURCE, WALL_CLOCK = "resource", "wall-clock"  # which limit made a result unknown

# Z3 resource units per obligation. Deterministic: the same query spends the same units on any
# machine under any load. The shipped policy's most expensive obligation needs about a tenth.
DEFAULT_RLIMIT = 60_000_000


@dataclass(frozen=True)
class Limits:
    max_items: int = 4
    rlimit: int = DEFAULT_RLIMIT  # Z3 resource units per obligation: what decides `unknown`
    timeout: float = 900.0  # wall-clock seconds per obligation: a safety net only, reported as such
    minimise_share: float = 0.5  # of the units left, what minimising a counterexample may spend
    smtlib_dir: Path | None = None

    def key(self) -> tuple:
        """What a result depends on (the safety net and the SMT-LIB folder do not change it)."""
        return (self.max_items, self.rlimit, self.minimise_share)


@dataclass(frozen=True)
class Example:
    """A counterexample (a forall claim fails) or a witness (an exists claim holds)."""

    cases: dict[str, dict]  # case name → case file
    values: dict[str, str]  # quantified value → as written in a policy
    verdicts: dict[str, ir.Verdict]  # case name → its decision (clingo's, when replayed in full)
    minimised: bool


@dataclass(frozen=True)
class Result:
    obligation: Obligation
    status: str  # holds | fails | unknown
    max_items: int
    seconds: float  # CPU seconds spent proving it (in the process that proved it)
    relied_on: tuple[str, ...] = ()  # rules in the unsat core
    assumptions: tuple[str, ...] = ()  # domain assumptions in the unsat core (all of them for a model)
    example: Example | None = None
    reason: str = ""  # why unknown; or, for an exists claim that fails, what could not be found
    bug: str = ""  # the readings disagree: a fault in visa-rules
    limit: str = ""  # for unknown: RESOURCE (deterministic) or WALL_CLOCK (the safety net)
    units: int = 0  # Z3 resource units spent
    rules: int = 0  # rules in the obligation's slice
    cached: bool = False  # read from the result cache, not proved in this run


# ---------------------------------------------------------------- summary and exit codes


@dataclass(frozen=True)
class Summary:
    held: int
    failed: int
    unknown: int  # never counted as holding
    bugs: int


def summarise(results: tuple[Result, ...]) -> Summary:
    count = lambda status: sum(1 for r in results if r.status == status)  # noqa: E731
    return Summary(count(HOLDS), count(FAILS), count(UNKNOWN), sum(1 for r in results if r.bug))


EXIT_HOLDS, EXIT_FAILS, EXIT_UNKNOWN, EXIT_BUG = 0, 1, 3, 4


def exit_code(results: tuple[Result, ...]) -> int:
    """0 all hold; 1 some fail; 3 some unknown (none fail); 4 the readings disagree (a visa-rules bug)."""
    if any(r.bug for r in results):
        return EXIT_BUG
    if any(r.status == FAILS for r in results):
        return EXIT_FAILS
    if any(r.status == UNKNOWN for r in results):
        return EXIT_UNKNOWN
    return EXIT_HOLDS


# ---------------------------------------------------------------- as JSON data


def _verdict_to_json(v: ir.Verdict) -> dict:
    return dataclasses.asdict(v)


def _verdict_from_json(d: dict) -> ir.Verdict:
    return ir.Verdict(
        outcome=d["outcome"],
        version=d["version"],
        points=dict(d["points"]),
        results=dict(d["results"]),
        awarded=dict(d["awarded"]),
        not_assessed=tuple(d["not_assessed"]),
        not_applicable=tuple(d["not_applicable"]),
        values={k: tuple(v) for k, v in d["values"].items()},
    )


def result_to_json(r: Result) -> dict:
    """Everything but the obligation (the reader has it) as JSON data."""
    ex = r.example
    return {
        "status": r.status,
        "max_items": r.max_items,
        "seconds": r.seconds,
        "relied_on": list(r.relied_on),
        "assumptions": list(r.assumptions),
        "example": None
        if ex is None
        else {
            "cases": ex.cases,
            "values": ex.values,
            "verdicts": {n: _verdict_to_json(v) for n, v in ex.verdicts.items()},
            "minimised": ex.minimised,
        },
        "reason": r.reason,
        "bug": r.bug,
        "limit": r.limit,
        "units": r.units,
        "rules": r.rules,
    }


def result_from_json(ob: Obligation, d: dict, cached: bool = False) -> Result:
    ex = d["example"]
    example = (
        None
        if ex is None
        else Example(
            cases=ex["cases"],
            values=ex["values"],
            verdicts={n: _verdict_from_json(v) for n, v in ex["verdicts"].items()},
            minimised=ex["minimised"],
        )
    )
    return Result(
        obligation=ob,
        status=d["status"],
        max_items=d["max_items"],
        seconds=d["seconds"],
        relied_on=tuple(d["relied_on"]),
        assumptions=tuple(d["assumptions"]),
        example=example,
        reason=d["reason"],
        bug=d["bug"],
        limit=d["limit"],
        units=d["units"],
        rules=d["rules"],
        cached=cached,
    )
