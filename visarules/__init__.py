"""visa-rules: a policy model of New Zealand skilled-residence instructions."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# In a source checkout the sub-packages (dsl/, solver/, policy/, proofs/) sit beside this folder
# rather than inside it; installed, they are inside. Let imports find them in both layouts.
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "dsl" / "grammar.lark").is_file():
    __path__.append(str(_checkout))  # type: ignore[name-defined]  # noqa: F821
