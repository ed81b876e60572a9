"""The installed layout: every package of the stages is listed in pyproject.toml (a folder left
out would be missing from a fresh install), and no module imports another's private name."""

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = {"visarules": ROOT / "visarules", "visarules.dsl": ROOT / "dsl", "visarules.solver": ROOT / "solver"}


def _packages_on_disk() -> set[str]:
    found = set()
    for name, folder in STAGES.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            found.add(".".join([name, *rel.parts]) if rel.parts else name)
    return found


def test_every_package_is_installed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    missing = _packages_on_disk() - listed
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def _python_files():
    for folder in (ROOT / "visarules", ROOT / "dsl", ROOT / "solver", ROOT / "tests", ROOT / "bench"):
        yield from folder.rglob("*.py")


def test_no_module_imports_a_private_name_of_another():
    """Stages talk through public names (`__all__`); a module's `_private` names are its own."""
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module != "__future__":
                for alias in node.names:
                    if re.match(r"_[^_]", alias.name):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {alias.name}")
            elif isinstance(node, ast.Attribute) and re.match(r"_[^_]", node.attr):
                base = node.value
                if isinstance(base, ast.Name) and base.id not in ("self", "cls") and base.id[0].islower():
                    # module.attribute: a private name reached through another module
                    if base.id in _imported_modules(tree):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: uses {base.id}.{node.attr}")
    assert not offenders, "\n".join(offenders)


def _imported_modules(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def test_every_stage_package_declares_its_public_names():
    stages = ["dsl", "dsl/ir", "dsl/check", "solver", "solver/backends", "solver/case", "solver/report"]
    stages += ["solver/analyses/explain", "solver/analyses/prove", "solver/analyses/whatif", "visarules"]
    for name in stages:
        init = ROOT / name / "__init__.py"
        assert "__all__" in init.read_text(encoding="utf-8"), f"{init.relative_to(ROOT)} has no __all__"


def test_the_dsl_imports_nothing_from_the_solver():
    for path in (ROOT / "dsl").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if "solver" in m.split(".")], f"{path.relative_to(ROOT)} imports the solver"
