"""Deciding a caseload: rows in, one output row per input row, in input order.

Rows are decided in chunks. With reasons (the default) a chunk is decided by clingo, many cases in
one Control (`asp.solve_many`), and every decision is built as `decide` builds it. With
`verdicts_only` the columnar reading decides it, and clingo decides a sample of every chunk again:
a disagreement is a bug in visa-rules, reported loudly (`Disagreement`) and never hidden.

Chunks are decided in this process, across local processes (`jobs`) or on a Dask cluster
(`cluster`); whichever, the output is the same. Output rows go to a journal (JSON Lines) as each
chunk is done, so an interrupted run loses at most the chunks in flight: `resume` reads the
journal, drops a half-written last line, and decides only the rows it lacks. A Parquet output is
written from the journal at the end.
"""

from __future__ import annotations

import json
import os
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from ...dsl import ir
from ...dsl.diagnostics import CaseError, UserError
from ..backends.asp import solve_many
from ..case import CaseData, load_case
from ..decision import build_decision
from .read import Row

CHUNK_CLINGO = 200
CHUNK_COLUMNAR = 5_000
SAMPLE_EVERY = 100  # in verdicts-only mode, clingo decides every 100th row again (and each chunk's first)


@dataclass(frozen=True)
class Disagreement:
    """The columnar reading and clingo decided a row differently: a bug in visa-rules."""

    row: int
    id: str
    columnar: str
    clingo: str


@dataclass
class ChunkResult:
    rows: list[dict]
    disagreements: list[Disagreement] = field(default_factory=list)
    rechecked: int = 0


# ---------------------------------------------------------------- deciding one chunk


def _error_row(row: Row, message: str) -> dict:
    return {"row": row.index, "id": row.id, "outcome": None, "category": None, "version": None, "points": None,
            "points_by_category": None, "failing": None, "error": message}  # fmt: skip


def _load(policy: ir.Policy, rows: list[Row]) -> tuple[list[dict | None], list[tuple[int, CaseData]]]:
    out: list[dict | None] = [None] * len(rows)
    loaded = []
    for k, row in enumerate(rows):
        if row.data is None:
            out[k] = _error_row(row, row.error)
            continue
        try:
            loaded.append((k, load_case(policy, row.data, row.id)))
        except CaseError as err:
            out[k] = _error_row(row, err.render())
    return out, loaded


def _decided_row(row: Row, outcome: str, category: str, version: str, points: dict[str, int],
                 failing: list[str]) -> dict:  # fmt: skip
    return {"row": row.index, "id": row.id, "outcome": outcome, "category": category, "version": version,
            "points": sum(points.values()), "points_by_category": dict(points), "failing": failing,
            "error": None}  # fmt: skip


def decide_chunk(policy: ir.Policy, rows: list[Row], verdicts_only: bool = False, reasons: bool = False) -> ChunkResult:
    """One output row per input row, in the same order."""
    out, loaded = _load(policy, rows)
    result = ChunkResult([])
    cases = [case for _, case in loaded]
    categories = policy.category_enum.members
    if verdicts_only:
        from ..backends.columnar import STATUSES, Columns, decide_columns

        decided = decide_columns(policy, Columns.from_cases(policy, cases), reasons=False)
        adverse = {STATUSES.index(s) for s in ir.ADVERSE_RESULTS}
        for i, (k, case) in enumerate(loaded):
            failing = [r.id for r in policy.rules if int(decided.status[r.id][i]) in adverse]
            out[k] = _decided_row(
                rows[k], ir.OUTCOMES[int(decided.outcome[i])], categories[case.scalars[ir.CATEGORY]],
                policy.versions[int(decided.version[i])].name, {c: int(p[i]) for c, p in decided.points.items()},
                failing,
            )  # fmt: skip
        sample = [i for i, (k, _) in enumerate(loaded) if i == 0 or rows[k].index % SAMPLE_EVERY == 0]
        again = solve_many(policy, [cases[i] for i in sample])
        for i, by_clingo in zip(sample, again):
            by_columns = decided.verdict(policy, i)
            if by_columns.comparable()[:-1] != by_clingo.comparable()[:-1]:  # all but the reason values
                k = loaded[i][0]
                result.disagreements.append(
                    Disagreement(rows[k].index, rows[k].id, _summary(by_columns), _summary(by_clingo))
                )
        result.rechecked = len(sample)
    else:
        for (k, case), verdict in zip(loaded, solve_many(policy, cases)):
            decision = build_decision(policy, case, verdict, "clingo")
            failing = [r.rule for r in decision.reasons if r.effect in ir.ADVERSE_RESULTS]
            row = _decided_row(rows[k], decision.outcome, decision.category, decision.version, decision.points, failing)
            if reasons:
                full = decision.to_json()
                for key in ("reasons", "concerns", "not_assessed", "not_applicable"):
                    row[key] = full[key]
            out[k] = row
    result.rows = [r for r in out if r is not None]
    return result


def _summary(v: ir.Verdict) -> str:
    adverse = [rid for rid, r in v.results.items() if r in ir.ADVERSE_RESULTS]
    return f"{v.outcome}, {sum(v.points.values())} points, failing {', '.join(adverse) or 'nothing'}"


# ---------------------------------------------------------------- the journal (resume)


def read_journal(path: Path) -> set[int]:
    """The rows a journal already holds; a half-written last line (an interrupted write) is cut off."""
    done: set[int] = set()
    if not path.exists():
        return done
    good = 0
    with path.open("rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                break
            try:
                done.add(int(json.loads(line)["row"]))
            except (ValueError, KeyError, TypeError):
                break
            good += len(line)
    if good != path.stat().st_size:
        with path.open("r+b") as f:
            f.truncate(good)
    return done


# ---------------------------------------------------------------- running a whole caseload


@dataclass
class Totals:
    rows: int = 0
    errors: int = 0
    skipped: int = 0  # already in the journal (resume)
    rechecked: int = 0
    by_group: Counter = field(default_factory=Counter)  # (category, version, outcome) → rows
    disagreements: list[Disagreement] = field(default_factory=list)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


_WORKER_POLICY: ir.Policy | None = None


def _init_worker(policy_bytes: bytes) -> None:
    global _WORKER_POLICY
    _WORKER_POLICY = pickle.loads(policy_bytes)


def _decide_in_worker(rows: list[Row], verdicts_only: bool, reasons: bool) -> ChunkResult:
    assert _WORKER_POLICY is not None
    return decide_chunk(_WORKER_POLICY, rows, verdicts_only, reasons)


def run_batch(
    policy: ir.Policy,
    rows: Iterable[Row],
    journal: Path,
    *,
    verdicts_only: bool = False,
    reasons: bool = False,
    jobs: int = 1,
    cluster: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int], None] = lambda n: None,
) -> Totals:
    """Decide every row not yet in the journal, appending one output row per input row."""
    totals = Totals()
    done = read_journal(journal) if resume else set()
    if not resume and journal.exists():
        journal.unlink()

    def pending() -> Iterator[Row]:
        for row in rows:
            if row.index in done:
                totals.skipped += 1
                progress(1)
                continue
            yield row

    size = chunk_size or (CHUNK_COLUMNAR if verdicts_only else CHUNK_CLINGO)
    chunks = _chunks(pending(), size)
    journal.parent.mkdir(parents=True, exist_ok=True)
    with journal.open("a", encoding="utf-8") as out:

        def record(result: ChunkResult) -> None:
            out.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in result.rows))
            out.flush()
            os.fsync(out.fileno())
            for r in result.rows:
                totals.rows += 1
                if r["error"] is not None:
                    totals.errors += 1
                    totals.by_group[("(error)", "", "error")] += 1
                else:
                    totals.by_group[(r["category"], r["version"], r["outcome"])] += 1
            totals.rechecked += result.rechecked
            totals.disagreements.extend(result.disagreements)
            progress(len(result.rows))

        if cluster is not None:
            _on_dask(policy, chunks, cluster, verdicts_only, reasons, record)
        elif jobs > 1:
            policy_bytes = pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL)
            with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(policy_bytes,)) as pool:
                _in_order(pool, chunks, jobs * 2, verdicts_only, reasons, record)
        else:
            for chunk in chunks:
                record(decide_chunk(policy, chunk, verdicts_only, reasons))
    return totals


def _in_order(pool: Executor, chunks: Iterator[list[Row]], window: int, verdicts_only: bool, reasons: bool,
              record: Callable[[ChunkResult], None]) -> None:  # fmt: skip
    """Keep `window` chunks in flight and record their results in input order."""
    flight: list[Future] = []
    for chunk in chunks:
        flight.append(pool.submit(_decide_in_worker, chunk, verdicts_only, reasons))
        if len(flight) >= window:
            record(flight.pop(0).result())
    for f in flight:
        record(f.result())


def _on_dask(policy: ir.Policy, chunks: Iterator[list[Row]], address: str, verdicts_only: bool, reasons: bool,
             record: Callable[[ChunkResult], None]) -> None:  # fmt: skip
    """Chunks decided by the workers of a Dask cluster, the policy sent to each worker once."""
    try:
        from distributed import Client
    except ImportError:
        raise UserError('--cluster needs Dask: pip install "visa-rules[dask]"') from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as err:
        raise UserError(f"{address}: cannot reach a Dask scheduler there ({err})") from None
    with client:
        workers = max(len(client.scheduler_info().get("workers", {})), 1)
        # a random key: Dask would otherwise hash the whole IR tree by walking it (minutes)
        shared = client.scatter(policy, broadcast=True, hash=False)
        flight: list[Any] = []
        for chunk in chunks:
            flight.append(client.submit(decide_chunk, shared, chunk, verdicts_only, reasons, pure=False))
            if len(flight) >= 2 * workers:
                record(flight.pop(0).result())
        for f in flight:
            record(f.result())


# ---------------------------------------------------------------- the output


def write_parquet(journal: Path, out: Path) -> None:
    """The journal's rows as a Parquet file, sorted by input row (reason lists as JSON text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    with journal.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            for key in ("reasons", "concerns", "not_assessed", "not_applicable", "points_by_category"):
                if key in r:
                    r[key] = None if r[key] is None else json.dumps(r[key], ensure_ascii=False)
            rows.append(r)
    rows.sort(key=lambda r: r["row"])
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(rows), tmp)
    os.replace(tmp, out)


__all__ = ["decide_chunk", "run_batch", "read_journal", "write_parquet", "Totals", "Disagreement", "ChunkResult",
           "CHUNK_CLINGO", "CHUNK_COLUMNAR", "SAMPLE_EVERY"]  # fmt: skip
