"""Proving a list of obligations: results from the cache where their slice is unchanged, the rest
proved each in a process of its own (`parallel`), `jobs` at a time, and reported in order.

Every result is for cases with at most `max_items` items per list, under the domain assumptions
it names, and depends on its obligation alone: not on the order, the number of processes, the
machine or its load (the resource limit decides `unknown`; see `budget`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

from ....dsl import ir
from .cache import Fingerprints, ResultCache, obligation_key
from .known import KnownCase, known_witness
from .obligations import Obligation
from .parallel import run_each
from .replay import redecide
from .results import WALL_CLOCK, Limits, Result, result_from_json, result_to_json
from .solve import prove_one

__all__ = ["prove", "Progress"]

Progress = Callable[[Result], None]  # called with each result, in the obligations' order


def prove(
    policy: ir.Policy,
    obligations: tuple[Obligation, ...],
    limits: Limits = Limits(),
    jobs: int = 1,
    cache: ResultCache | None = None,
    on_result: Progress | None = None,
    known: tuple[KnownCase, ...] = (),
) -> tuple[Result, ...]:
    """Each obligation's result, in order. A claim that some case exists is first read on the
    `known` cases (`known.known_witness`): one that makes it true is its witness, with no Z3 query."""
    keys: list[str] = []
    if cache is not None:
        prints = Fingerprints()
        keys = [obligation_key(policy, ob, limits, prints) for ob in obligations]
    results: list[Result | None] = [None] * len(obligations)
    todo = []
    for i, ob in enumerate(obligations):
        hit = known_witness(policy, ob, known, limits.max_items) if known else None
        if hit is None and cache is not None:
            hit = _cached(policy, ob, cache.get(keys[i]))
        if hit is None:
            todo.append(i)
        results[i] = hit
    shown = 0

    def report() -> None:  # every result up to the first one still being proved, in order
        nonlocal shown
        while shown < len(results) and results[shown] is not None:
            if on_result is not None:
                on_result(results[shown])  # type: ignore[arg-type]
            shown += 1

    report()
    work = functools.partial(_prove_task, policy, tuple(obligations[i] for i in todo), limits)
    for j, data in run_each(len(todo), work, jobs):
        i = todo[j]
        results[i] = result = result_from_json(obligations[i], data)
        if cache is not None and not result.bug and result.limit != WALL_CLOCK:
            cache.put(keys[i], data)
        report()
    return tuple(r for r in results if r is not None)


def _prove_task(policy: ir.Policy, todo: tuple[Obligation, ...], limits: Limits, j: int) -> dict:
    return result_to_json(prove_one(policy, todo[j], limits))


def _cached(policy: ir.Policy, ob: Obligation, data: dict | None) -> Result | None:
    """A stored result, its example decided again under the policy as it is; None if it no longer fits."""
    if data is None:
        return None
    try:
        result = result_from_json(ob, data, cached=True)
    except (KeyError, TypeError, ValueError):
        return None  # written by another version of the format
    if result.example is None:
        return result
    # a counterexample makes a forall claim false; a witness makes an exists claim true
    example, problem = redecide(policy, ob, result.example, expect=ob.claim == "exists")
    if problem:
        return None
    return dataclasses.replace(result, example=example)
