"""Tasks run each in a process of its own, `jobs` at a time, every one started from the same clean
state.

Z3's search (and so the resource units it spends, and whether a query ends within its budget)
depends on everything made in its context before: the same query after other queries may take
another path. A process forked from the caller would inherit whatever Z3 work the caller did
(a test runner's earlier tests, say), and forking a process that runs other threads can leave the
child waiting on a lock no thread will release. So each task is started by multiprocessing's fork
server: a fresh interpreter that has done nothing but import the modules named below, and from
which every task is forked. A task's result then depends on the task alone: not on what ran
before it, in which order, or on how many processes. Where there is no fork server (Windows),
tasks run one after another in this process.

`work` must be picklable (a module-level function, or a `functools.partial` of one); it is
pickled once, and each task's result, JSON-like data, comes back through a pipe.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import resource
import traceback
from collections.abc import Callable, Iterator

__all__ = ["run_each", "default_jobs", "WorkerError", "cpu_seconds"]

# imported once in the fork server, so that a task starts without importing them again (each task
# also re-imports the caller's main script, as multiprocessing does; for `visa-rules` that is the CLI)
_PRELOAD = ["z3", "clingo", "visarules.cli", "visarules.solver.analyses.prove", "visarules.solver.analyses.diff"]


_spent = [0.0]  # CPU seconds of every task run so far (the fork server's children are not ours to
# count with RUSAGE_CHILDREN: the server reaps them)


def cpu_seconds() -> float:
    """CPU seconds so far of this process, of the processes it waited for, and of every task
    `run_each` ran for it (what prove, diff and mutate report, and the benchmarks measure)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime + _spent[0]


class WorkerError(RuntimeError):
    """A task failed in its process: a bug in visa-rules, with the task's traceback."""


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


def _context():
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)  # no effect once the server runs
    return ctx


def _task(blob: bytes, i: int, send) -> None:
    """In the task's own process: work, and send the result (or the traceback) back."""
    try:
        message = {"ok": pickle.loads(blob)(i)}
    except BaseException:  # noqa: BLE001 - reported to the caller, whatever it was
        message = {"error": traceback.format_exc()}
    message["cpu"] = sum(os.times()[:2])
    send.send(message)
    send.close()


def run_each(count: int, work: Callable[[int], dict], jobs: int) -> Iterator[tuple[int, dict]]:
    """(index, work(index)) for each index below `count`, as each finishes."""
    ctx = _context() if count else None
    if ctx is None:
        for i in range(count):
            yield i, work(i)
        return
    blob = pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL)
    running: dict = {}  # the pipe a task answers on → (index, process)
    upcoming = iter(range(count))

    def start(i: int) -> None:
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_task, args=(blob, i, send), daemon=True)
        process.start()
        send.close()  # the child holds its own end: the pipe reads as closed if the child dies
        running[receive] = (i, process)

    try:
        for i in upcoming:
            start(i)
            if len(running) >= max(1, jobs):
                break
        while running:
            for receive in multiprocessing.connection.wait(list(running)):
                i, process = running.pop(receive)
                try:
                    payload = receive.recv()
                except EOFError:
                    payload = {}
                receive.close()
                process.join()
                _spent[0] += payload.get("cpu", 0.0)
                if "ok" not in payload:
                    why = payload.get("error") or f"the process ended without a result (exit code {process.exitcode})"
                    raise WorkerError(f"task {i} failed:\n{why}")
                for j in upcoming:  # keep `jobs` processes busy
                    start(j)
                    break
                yield i, payload["ok"]
    finally:  # stopped early (an error, Ctrl-C): end the processes still running, and reap them
        for receive, (_, process) in running.items():
            process.terminate()
            process.join()
            receive.close()
