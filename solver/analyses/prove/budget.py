"""What a proof may spend on Z3: resource units, the limit that decides `unknown`, and wall-clock
seconds, a safety net only.

Z3 counts resource units as it works (`rlimit`); the same query spends the same units on any
machine under any load, so a result that runs out of them is `unknown` everywhere. Every check of
one obligation draws on one budget. The safety net stops a query that runs far longer than any
budget should allow; a result it makes unknown says so, and is never cached.
"""

from __future__ import annotations

import time

import z3

from .results import RESOURCE, WALL_CLOCK

__all__ = ["Budget", "spent_units"]

_MAX_RLIMIT = 2**32 - 1  # Z3 takes the limit as an unsigned 32-bit number


def spent_units(solver: z3.Solver | z3.Optimize) -> int:
    """Z3's resource counter (one per context, read through any solver of it)."""
    stats = solver.statistics()
    for key in stats.keys():
        if key == "rlimit count":
            return int(stats.get_key_value(key))
    return 0


class Budget:
    def __init__(self, units: int, seconds: float, deadline: float | None = None):
        self.units = units
        self.spent = 0
        self.deadline = time.perf_counter() + seconds if deadline is None else deadline
        self.limit = ""  # which limit stopped the last check that gave up: RESOURCE or WALL_CLOCK
        self.reason = ""  # and Z3's words for it

    @property
    def left(self) -> int:
        return max(0, self.units - self.spent)

    def part(self, share: float) -> Budget:
        """A budget of a share of the units left (and the same safety net); `absorb` it afterwards."""
        return Budget(int(self.left * share), 0.0, deadline=self.deadline)

    def absorb(self, part: Budget) -> None:
        self.spent += part.spent

    def check(self, solver: z3.Solver | z3.Optimize, *assumptions: z3.BoolRef) -> z3.CheckSatResult:
        seconds = self.deadline - time.perf_counter()
        if self.left <= 0 or seconds <= 0:
            self.limit = RESOURCE if self.left <= 0 else WALL_CLOCK
            self.reason = "the resource limit is spent" if self.left <= 0 else "the wall-clock safety net ran out"
            return z3.unknown
        solver.set("rlimit", min(self.left, _MAX_RLIMIT))  # counted from where the counter stands now
        solver.set("timeout", max(1, int(seconds * 1000)))
        before = spent_units(solver)
        answer = solver.check(*assumptions)
        self.spent += spent_units(solver) - before
        if answer == z3.unknown:
            reason = solver.reason_unknown()
            if self.spent >= self.units or "resource" in reason:
                self.limit, self.reason = RESOURCE, f"the resource limit of {self.units:,} units was reached"
            elif "timeout" in reason or "canceled" in reason:
                self.limit, self.reason = WALL_CLOCK, f"the wall-clock safety net ran out ({reason})"
            else:  # Z3 gives up for reasons of its own: as deterministic as the resource limit
                self.limit, self.reason = RESOURCE, f"Z3 gave up: {reason}"
        return answer
