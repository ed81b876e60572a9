"""The policy language: grammar, parser, checks and the IR the back ends read."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .check import check
from .diagnostics import CaseError, Diagnostic, PolicyError, Span, UserError
from .ir import Policy
from .parse import parse_module

__all__ = ["load_policy", "default_policy_dir", "Policy", "PolicyError", "CaseError", "UserError", "Diagnostic", "Span"]


def default_policy_dir() -> Path:
    """The policy shipped with the package (the repository's policy/ folder)."""
    return Path(str(files("visarules.policy")))


def load_policy(directory: str | Path | None = None) -> Policy:
    """Parse and check every *.rules file under a folder; all problems are reported together."""
    root = Path(directory) if directory is not None else default_policy_dir()
    if not root.is_dir():
        raise UserError(f"{root}: no such policy folder")
    paths = sorted(root.rglob("*.rules"))
    if not paths:
        raise UserError(f"{root}: no *.rules files in this folder")
    sources: dict[str, str] = {}
    modules = []
    problems: list[Diagnostic] = []
    for path in paths:
        name = _display_name(path)
        text = path.read_text(encoding="utf-8")
        sources[name] = text
        try:
            modules.append(parse_module(text, name))
        except PolicyError as err:
            problems.extend(err.diagnostics)
    if problems:
        raise PolicyError(problems, sources)
    return check(modules, sources)


def _display_name(path: Path) -> str:
    """A path relative to where the user stands when that is shorter, so errors read naturally."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
