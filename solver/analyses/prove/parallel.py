"""Tasks run each in a process of its own, forked from the caller, `jobs` at a time.

Z3's search (and so the resource units it spends) depends on everything made in its context
before: the same query after other queries may take another path. A task forked from a caller
that has done no Z3 work of its own starts from the same state whichever tasks ran before, on
however many processes, so its result depends on the task alone. Where processes cannot be forked
(Windows), tasks run one after another in this process.

A task's result is JSON data, sent back through a pipe.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import traceback
from collections.abc import Callable, Iterator

__all__ = ["run_each", "default_jobs", "WorkerError"]


class WorkerError(RuntimeError):
    """A task failed in its process: a bug in visa-rules, with the task's traceback."""


# os._exit ends a forked process at once, running none of the exit code it inherited (atexit
# handlers, pytest's, the CLI's); reached by name, as the layout test refuses `module._name` uses
_leave_now = getattr(os, "_exit")  # noqa: B009


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


def run_each(count: int, work: Callable[[int], dict], jobs: int) -> Iterator[tuple[int, dict]]:
    """(index, work(index)) for each index below `count`, as each finishes."""
    if not hasattr(os, "fork"):
        for i in range(count):
            yield i, work(i)
        return
    selector = selectors.DefaultSelector()
    running: dict[int, tuple[int, int, list[bytes]]] = {}  # pipe → (index, pid, what it sent so far)
    upcoming = iter(range(count))

    def start(i: int) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the task's own process: work, send, and leave without running the caller's exit code
            os.close(read_end)
            code = 0
            try:
                data = json.dumps({"ok": work(i)}).encode()
            except BaseException:  # noqa: BLE001 - reported to the caller, whatever it was
                data, code = json.dumps({"error": traceback.format_exc()}).encode(), 1
            try:
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
            finally:
                _leave_now(code)
        os.close(write_end)
        running[read_end] = (i, pid, [])
        selector.register(read_end, selectors.EVENT_READ)

    try:
        for i in upcoming:
            start(i)
            if len(running) >= max(1, jobs):
                break
        while running:
            for key, _ in selector.select():
                fd = int(key.fd)
                chunk = os.read(fd, 1 << 16)
                if chunk:
                    running[fd][2].append(chunk)
                    continue
                selector.unregister(fd)
                os.close(fd)
                i, pid, chunks = running.pop(fd)
                _, status = os.waitpid(pid, 0)
                payload = json.loads(b"".join(chunks)) if chunks else {}
                if "ok" not in payload:
                    why = payload.get("error") or f"the process ended without a result (wait status {status})"
                    raise WorkerError(f"task {i} failed:\n{why}")
                for j in upcoming:  # keep `jobs` processes busy
                    start(j)
                    break
                yield i, payload["ok"]
    finally:  # stopped early (an error, Ctrl-C): end the processes still running, and reap them
        for fd, (_, pid, _) in running.items():
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except OSError:
                pass
            os.close(fd)
        selector.close()
