"""`visa-rules fmt`: one canonical layout for .rules and .props files (work in progress)."""


def fmt_cmd() -> None:
    """Format policy files."""
    raise NotImplementedError
