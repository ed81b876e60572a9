"""A proofs folder (`*.props`) read with its policy: the properties, checked, with the policy's names in scope."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from ..dsl import Diagnostic, PolicyError, UserError, default_policy_dir, ir
from ..dsl.check import check_with_properties
from ..dsl.parse import parse_module


@dataclass(frozen=True)
class Proofs:
    policy: ir.Policy
    properties: tuple[ir.Property, ...]
    policy_dir: Path
    proofs_dir: Path


def default_proofs_dir() -> Path:
    """The properties shipped with the package (the repository's proofs/ folder)."""
    return Path(str(files("visarules.proofs")))


def load_proofs(policy_dir: str | Path | None = None, proofs_dir: str | Path | None = None) -> Proofs:
    """Parse and check a policy and a proofs folder together; every problem is reported at once."""
    policy_root = Path(policy_dir) if policy_dir is not None else default_policy_dir()
    proofs_root = Path(proofs_dir) if proofs_dir is not None else default_proofs_dir()
    policy_files = _files(policy_root, "*.rules", "policy")
    proof_files = _files(proofs_root, "*.props", "proofs")
    sources: dict[str, str] = {}
    modules: dict[str, list] = {"rules": [], "props": []}
    problems: list[Diagnostic] = []
    for kind, paths in (("rules", policy_files), ("props", proof_files)):
        for path in paths:
            name = _display_name(path)
            sources[name] = path.read_text(encoding="utf-8")
            try:
                modules[kind].append(parse_module(sources[name], name))
            except PolicyError as err:
                problems.extend(err.diagnostics)
    try:
        if problems:
            raise PolicyError(problems, sources)
        policy, properties = check_with_properties(modules["rules"], modules["props"], sources)
    except PolicyError as err:
        if any(d.span.file.endswith(".props") for d in err.diagnostics):
            raise ProofsError(err.diagnostics, err.sources) from None
        raise
    return Proofs(policy, properties, policy_root, proofs_root)


class ProofsError(PolicyError):
    """Diagnostics that include errors in the properties; rendered as policy errors are."""

    def render(self) -> str:
        parts = [d.render(self.sources) for d in self.diagnostics]
        n = len(self.diagnostics)
        parts.append(f"{n} error{'s' if n != 1 else ''} in the policy and its properties.")
        return "\n\n".join(parts)


def _files(root: Path, pattern: str, what: str) -> list[Path]:
    if not root.is_dir():
        raise UserError(f"{root}: no such {what} folder")
    paths = sorted(root.rglob(pattern))
    if not paths:
        raise UserError(f"{root}: no {pattern} files in this folder")
    return paths


def _display_name(path: Path) -> str:
    """Relative to where the user stands when that is shorter, as for policy files."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
