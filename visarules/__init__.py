"""visa-rules: a policy model of New Zealand skilled-residence instructions.

The public API, stage by stage:

    from visarules import load_policy, load_case, read_case_file, decide, explain
    policy = load_policy()                                   # the shipped policy, checked
    case = load_case(policy, read_case_file("examples/smc-eligible.json"))
    decision = decide(policy, case)                          # clingo by default
    print(decision.outcome, [r.text for r in decision.reasons])
"""

from pathlib import Path as _Path

__version__ = "0.1.0"

# In a source checkout the sub-packages (dsl/, solver/, policy/, proofs/) sit beside this folder
# rather than inside it; installed, they are inside. Let imports find them in both layouts.
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "dsl" / "grammar.lark").is_file():
    __path__.append(str(_checkout))  # type: ignore[name-defined]  # noqa: F821

from .dsl import CaseError, PolicyError, UserError, ir, load_policy, load_proofs  # noqa: E402
from .solver import ENGINES, Decision, case_schema, decide, load_case, read_case_file, verdict  # noqa: E402


def explain(policy, case, source: str = ""):
    """The justification of clingo's decision on a case (see `visarules.solver.analyses.explain`)."""
    from .solver.analyses import explain as explanation  # imported when first used: it is the slow part

    return explanation.explain(policy, case, verdict(policy, case, "clingo"), source)


def what_if(policy, case, max_alternatives: int = 3):
    """The smallest sets of changes that make a case eligible (see `visarules.solver.analyses.whatif`)."""
    from .solver.analyses import whatif

    return whatif.what_if(policy, case, max_alternatives)


__all__ = [
    "__version__",
    "ir",
    "load_policy",
    "load_proofs",
    "load_case",
    "read_case_file",
    "case_schema",
    "decide",
    "verdict",
    "explain",
    "what_if",
    "Decision",
    "ENGINES",
    "PolicyError",
    "CaseError",
    "UserError",
]
