"""Policy and proofs folders read from disk: every file parsed, then checked together.

All problems of all files are reported at once; nothing is decided on a policy with errors.

A checked policy is cached on disk (`policy_cache`), so a process that decides one case does not
parse and check the whole policy again: the entry is keyed by a hash of every file under the
policy folder (tables read from CSV files included), the names errors show them by, the tool's
version and the source of this package (the IR's own classes). A corrupt or stale entry is
ignored and rebuilt. The cache lives under `$XDG_CACHE_HOME/visa-rules` (default
`~/.cache/visa-rules`); `VISA_RULES_NO_CACHE=1` bypasses it.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from . import ir
from .diagnostics import Diagnostic, PolicyError, Span, UserError

if TYPE_CHECKING:
    from . import ast
    from .check import DataFiles

NO_CACHE_ENV = "VISA_RULES_NO_CACHE"


def default_policy_dir() -> Path:
    """The policy shipped with the package (the repository's policy/ folder)."""
    return Path(str(files("visarules.policy")))


def default_proofs_dir() -> Path:
    """The properties shipped with the package (the repository's proofs/ folder)."""
    return Path(str(files("visarules.proofs")))


def load_policy(directory: str | Path | None = None, *, cache: bool = True) -> ir.Policy:
    """Parse and check every *.rules file under a folder; all problems are reported together.

    With `cache` (and unless `VISA_RULES_NO_CACHE` is set) a checked policy is read from, or
    written to, the on-disk cache; a policy with errors is never cached."""
    root = Path(directory) if directory is not None else default_policy_dir()
    paths = _files(root, "*.rules", "policy")
    entry = policy_cache().entry(root, paths) if cache and cache_enabled() else None
    if entry is not None:
        cached = entry.read()
        if cached is not None:
            _KEYS[id(cached)] = (cached, entry.key)
            return cached
    from .check import check  # only when the policy is not cached: the checker and Lark cost time

    sources, modules = _parse_all(paths)
    data = read_data_files(root, paths, modules)
    sources.update({f.name: f.text for f in data.values() if f.text is not None})
    policy = check(modules, sources, data)
    if entry is not None:
        entry.write(policy)
        _KEYS[id(policy)] = (policy, entry.key)
    return policy


_KEYS: dict[int, tuple[ir.Policy, str]] = {}


def cache_key(policy: ir.Policy) -> str | None:
    """The cache key of a policy this process read from the cache or stored in it, else None: what
    is derived from a policy (its ASP program) can be cached under it."""
    hit = _KEYS.get(id(policy))
    return hit[1] if hit is not None and hit[0] is policy else None


# ---------------------------------------------------------------- the on-disk cache of checked policies


def cache_enabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() in ("", "0", "false", "no")


def cache_dir() -> Path:
    """Where visa-rules keeps its caches: `$XDG_CACHE_HOME/visa-rules`, else `~/.cache/visa-rules`."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "visa-rules"


@dataclass(frozen=True)
class CacheEntry:
    """One checked policy's place in the cache; reading never fails, writing never raises."""

    path: Path

    @property
    def key(self) -> str:
        return self.path.stem

    def read(self) -> ir.Policy | None:
        """The cached policy, or None when there is none or it cannot be read (then it is rebuilt)."""
        try:
            with self.path.open("rb") as f:
                policy = pickle.load(f)
        except Exception:  # noqa: BLE001 - a corrupt or incompatible entry is rebuilt, never an error
            return None
        return policy if isinstance(policy, ir.Policy) else None

    def write(self, policy: ir.Policy) -> None:
        store(self.path, pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL))


def store(path: Path, data: bytes) -> None:
    """Write a cache file atomically (a temporary file renamed into place), so that a reader never
    sees half of it; never raises."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:  # a read-only or full disk only costs speed
        pass


@dataclass(frozen=True)
class PolicyCache:
    root: Path

    def entry(self, policy_root: Path, rule_files: list[Path]) -> CacheEntry:
        return CacheEntry(self.root / "policy" / f"{policy_key(policy_root, rule_files)}.pickle")


def policy_cache() -> PolicyCache:
    return PolicyCache(cache_dir())


def policy_key(policy_root: Path, rule_files: list[Path]) -> str:
    """A hash of everything a checked policy depends on: every file under its folder (by path and
    content), the names diagnostics show the rule files by (they depend on the working folder),
    the tool's version and the source of this package (which defines the IR's classes)."""
    h = hashlib.sha256()
    h.update(f"visa-rules {_tool_version()}\0".encode())
    for path in sorted(Path(__file__).resolve().parent.rglob("*")):
        if path.suffix in (".py", ".lark") and path.is_file():
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in sorted(p for p in policy_root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(path.relative_to(policy_root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for path in rule_files:
        h.update(display_name(path).encode() + b"\0")
    return h.hexdigest()


def _tool_version() -> str:
    import sys

    parent = sys.modules.get(__package__.rpartition(".")[0]) if __package__ else None
    return str(getattr(parent, "__version__", "unknown"))  # visarules, which this package is part of


def read_data_files(root: Path, paths: list[Path], modules: list[ast.Module]) -> DataFiles:
    """The files the policy's tables are read from, each named relative to its policy file and
    required to lie inside the policy folder (so that it ships, and is cached, with the policy)."""
    from . import ast
    from .check import DataFile

    by_name = {display_name(p): p for p in paths}
    out: DataFiles = {}
    for module in modules:
        for d in module.decls:
            if not isinstance(d, ast.TableDecl) or d.source is None:
                continue
            path = by_name[module.file].parent / d.source.path
            name = display_name(path)
            if not path.resolve().is_relative_to(root.resolve()):
                out[(module.file, d.source.path)] = DataFile(name, None, "it is outside the policy folder")
                continue
            try:
                text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is allowed
            except FileNotFoundError:
                out[(module.file, d.source.path)] = DataFile(name, None, "no such file")
            except UnicodeDecodeError as err:
                out[(module.file, d.source.path)] = DataFile(
                    name, None, f"not UTF-8 text ({err.reason} at byte {err.start})"
                )
            except OSError as err:
                out[(module.file, d.source.path)] = DataFile(name, None, err.strerror or str(err))
            else:
                out[(module.file, d.source.path)] = DataFile(name, text)
    return out


@dataclass(frozen=True)
class Proofs:
    policy: ir.Policy
    properties: tuple[ir.Property, ...]
    policy_dir: Path
    proofs_dir: Path


class ProofsError(PolicyError):
    """Diagnostics that include errors in the properties; rendered as policy errors are."""

    def render(self) -> str:
        parts = [d.render(self.sources) for d in self.diagnostics]
        n = len(self.diagnostics)
        parts.append(f"{n} error{'s' if n != 1 else ''} in the policy and its properties.")
        return "\n\n".join(parts)


def load_proofs(policy_dir: str | Path | None = None, proofs_dir: str | Path | None = None) -> Proofs:
    """Parse and check a policy and a proofs folder together; every problem is reported at once."""
    from .check import check_with_properties

    policy_root = Path(policy_dir) if policy_dir is not None else default_policy_dir()
    proofs_root = Path(proofs_dir) if proofs_dir is not None else default_proofs_dir()
    policy_files = _files(policy_root, "*.rules", "policy")
    proof_files = _files(proofs_root, "*.props", "proofs")
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    parsed: dict[str, list[ast.Module]] = {}
    for kind, paths in (("rules", policy_files), ("props", proof_files)):
        try:
            kind_sources, parsed[kind] = _parse_all(paths)
        except PolicyError as err:
            kind_sources, parsed[kind] = err.sources, []
            problems.extend(err.diagnostics)
        sources.update(kind_sources)
    try:
        if problems:
            raise PolicyError(problems, sources)
        data = read_data_files(policy_root, policy_files, parsed["rules"])
        sources.update({f.name: f.text for f in data.values() if f.text is not None})
        policy, properties = check_with_properties(parsed["rules"], parsed["props"], sources, data)
    except PolicyError as err:
        if any(d.span.file.endswith(".props") for d in err.diagnostics):
            raise ProofsError(err.diagnostics, err.sources) from None
        raise
    return Proofs(policy, properties, policy_root, proofs_root)


def _parse_all(paths: list[Path]) -> tuple[dict[str, str], list[ast.Module]]:
    """Every file parsed; the syntax errors of all of them raised together."""
    from .parse import parse_module

    sources: dict[str, str] = {}
    modules = []
    problems: list[Diagnostic] = []
    for path in paths:
        name = display_name(path)
        try:
            text = read_source(path, name)
        except PolicyError as err:
            problems.extend(err.diagnostics)
            sources.update(err.sources)
            continue
        sources[name] = text
        try:
            modules.append(parse_module(text, name))
        except PolicyError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise PolicyError(problems, sources)
    return sources, modules


def read_source(path: Path, name: str) -> str:
    """A policy or proofs file as UTF-8 text (a byte-order mark is accepted); a file that cannot
    be read, or is not UTF-8, is a user error naming it (with the line and column of a bad byte)."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise UserError(f"{name}: cannot read the file: {err.strerror or err}") from None
    for bom, encoding in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                          (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):  # fmt: skip
        if raw.startswith(bom):
            diag = Diagnostic(Span(name, 1, 1), f"this file is {encoding} text", "save it as UTF-8")
            raise PolicyError([diag], {name: ""})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = len(raw[raw.rfind(b"\n", 0, err.start) + 1 : err.start].decode("utf-8", "replace")) + 1
        diag = Diagnostic(
            Span(name, line, column),
            f"this file is not UTF-8 text (byte 0x{raw[err.start]:02X})",
            "save it as UTF-8 (it may be Latin-1 or UTF-16)",
        )
        raise PolicyError([diag], {name: raw.decode("utf-8", "replace")}) from None


def _files(root: Path, pattern: str, what: str) -> list[Path]:
    if not root.is_dir():
        raise UserError(f"{root}: no such {what} folder")
    paths = sorted(root.rglob(pattern))
    if not paths:
        raise UserError(f"{root}: no {pattern} files in this folder")
    for path in paths:  # read before anything else is (the cache hashes every file)
        if not path.is_file():
            raise UserError(f"{display_name(path)}: cannot read the file: it is a folder, not a {pattern} file")
    return paths


def display_name(path: Path) -> str:
    """A path relative to where the user stands when that is shorter, so errors read naturally."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
