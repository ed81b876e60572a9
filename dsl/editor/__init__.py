"""Editor support: what the language server answers (`workspace`) and the TextMate grammar for
highlighting (`textmate`, generated from the Lark grammar's keywords and terminals)."""

from .workspace import PolicyWorkspace, Symbol, policy_root, word_at

__all__ = ["PolicyWorkspace", "Symbol", "policy_root", "word_at"]
