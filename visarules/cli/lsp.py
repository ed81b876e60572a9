"""`visa-rules lsp` (work in progress)."""


def lsp_cmd() -> None:
    """Language server."""
    raise NotImplementedError
