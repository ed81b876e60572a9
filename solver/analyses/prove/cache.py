"""Proof results kept on disk, each under a hash of exactly what it depends on.

An obligation's result depends on its claim, the rules in its slice (`slicing`) and what they read
(parameters, tables, definitions: all inside the rules' IR), the lists of the slice, the policy's
inputs, enumerations, categories and versions, the limits, and the tool (visa-rules' version and
the digest of its own code, Z3's and clingo's versions). Spans, titles, citations and reason texts
are not part of it: moving a rule or rewording its reasons proves nothing again. After a one-rule
change only the obligations whose slice holds that rule are proved again.

The cache lives in the user's cache folder (`$XDG_CACHE_HOME/visa-rules`, else
`~/.cache/visa-rules`), never inside the package.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from functools import cache
from pathlib import Path

from ....dsl import ir
from .obligations import Obligation
from .results import Limits
from .slicing import slice_of

__all__ = ["ResultCache", "default_cache_dir", "tool_version", "Fingerprints", "obligation_key"]

_SKIPPED = frozenset({"span", "doc", "title", "cites", "texts", "sources", "inferred"})  # what no proof reads


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "visa-rules"


@cache
def tool_version() -> str:
    """visa-rules' version and a digest of its code, with the solvers' versions."""
    import clingo
    import z3

    from .... import dsl, solver

    digest = hashlib.sha256()
    for package in (dsl, solver):
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".lark") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        from importlib.metadata import version

        own = version("visa-rules")
    except Exception:  # noqa: BLE001 - not installed as a distribution: the code digest still tells
        own = "unknown"
    return f"visa-rules {own} ({digest.hexdigest()[:16]}), z3 {z3.get_version_string()}, clingo {clingo.__version__}"


class Fingerprints:
    """Digests of IR objects, each shared object (a definition, a parameter) digested once."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, bytes]] = {}

    def of(self, value: object) -> bytes:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            hit = self._memo.get(id(value))
            if hit is None:
                h = hashlib.sha256(type(value).__name__.encode())
                for f in dataclasses.fields(value):
                    if f.name not in _SKIPPED:
                        h.update(f.name.encode() + b"=" + self.of(getattr(value, f.name)))
                hit = self._memo[id(value)] = (value, h.digest())
            return hit[1]
        if isinstance(value, (tuple, list)):
            h = hashlib.sha256(b"(")
            for v in value:
                h.update(self.of(v))
            return h.digest()
        if isinstance(value, dict):
            h = hashlib.sha256(b"{")
            for k in sorted(value, key=repr):
                h.update(self.of(k) + self.of(value[k]))
            return h.digest()
        if value is None or isinstance(value, (bool, int, str, dt.date)):
            return hashlib.sha256(f"{type(value).__name__}:{value!r}".encode()).digest()
        raise TypeError(f"cannot fingerprint a {type(value).__name__}")


def obligation_key(policy: ir.Policy, ob: Obligation, limits: Limits, prints: Fingerprints) -> str:
    sl = slice_of(policy, ob.formula, ob.same_except)
    h = hashlib.sha256(tool_version().encode())
    h.update(repr(limits.key()).encode())
    h.update(prints.of((ob.claim, ob.cases, ob.values, ob.same_except, ob.formula)))
    h.update(prints.of(tuple(policy.rule_by_id[rid] for rid in sl.rules)))
    h.update(prints.of(tuple(lst for lst in policy.lists if lst.name in sl.lists)))
    h.update(prints.of((policy.inputs, policy.enums, policy.categories, policy.versions)))
    return h.hexdigest()


class ResultCache:
    """One JSON file per result, under `root/prove/`; a file that cannot be read is a miss."""

    def __init__(self, root: Path | None = None):
        self.root = (root or default_cache_dir()) / "prove"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, data: dict) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data), encoding="utf-8")
            temporary.replace(path)  # whole files only, even with two runs at once
        except OSError:
            pass  # a read-only or full disk costs a proof next time, nothing more
