"""Policy and proofs folders read from disk: every file parsed, then checked together.

All problems of all files are reported at once; nothing is decided on a policy with errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from . import ast, ir
from .check import DataFile, DataFiles, check, check_with_properties
from .diagnostics import Diagnostic, PolicyError, UserError
from .parse import parse_module


def default_policy_dir() -> Path:
    """The policy shipped with the package (the repository's policy/ folder)."""
    return Path(str(files("visarules.policy")))


def default_proofs_dir() -> Path:
    """The properties shipped with the package (the repository's proofs/ folder)."""
    return Path(str(files("visarules.proofs")))


def load_policy(directory: str | Path | None = None) -> ir.Policy:
    """Parse and check every *.rules file under a folder; all problems are reported together."""
    root = Path(directory) if directory is not None else default_policy_dir()
    paths = _files(root, "*.rules", "policy")
    sources, modules = _parse_all(paths)
    data = read_data_files(root, paths, modules)
    sources.update({f.name: f.text for f in data.values() if f.text is not None})
    return check(modules, sources, data)


def read_data_files(root: Path, paths: list[Path], modules: list[ast.Module]) -> DataFiles:
    """The files the policy's tables are read from, each named relative to its policy file and
    required to lie inside the policy folder (so that it ships, and is cached, with the policy)."""
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
    sources: dict[str, str] = {}
    modules = []
    problems: list[Diagnostic] = []
    for path in paths:
        name = display_name(path)
        text = path.read_text(encoding="utf-8")
        sources[name] = text
        try:
            modules.append(parse_module(text, name))
        except PolicyError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise PolicyError(problems, sources)
    return sources, modules


def _files(root: Path, pattern: str, what: str) -> list[Path]:
    if not root.is_dir():
        raise UserError(f"{root}: no such {what} folder")
    paths = sorted(root.rglob(pattern))
    if not paths:
        raise UserError(f"{root}: no {pattern} files in this folder")
    return paths


def display_name(path: Path) -> str:
    """A path relative to where the user stands when that is shorter, so errors read naturally."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
