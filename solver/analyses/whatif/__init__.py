"""What would change it: the cheapest sets of changes to a case's facts that make it eligible.

`candidates` (which values to try, per choice of the changeable dates) and `search` (clingo
optimisation over them, each alternative decided again).
"""

from .candidates import Candidate, Choice, Context, contexts
from .search import (
    ADVERSE,
    WHATIF,
    Alternative,
    Blocker,
    Change,
    Considered,
    InputUse,
    WhatIf,
    WhatIfError,
    what_if,
)

__all__ = ["what_if", "contexts", "WhatIf", "Alternative", "Change", "Blocker", "InputUse", "Considered", "WhatIfError",
           "Candidate", "Choice", "Context", "ADVERSE", "WHATIF"]  # fmt: skip
