"""Rules: stage, citations, window, categories, one effect, a reason text for each outcome, and
points read only after every rule awarding them has run."""

from __future__ import annotations

from .. import ast, ir
from .declarations import cite
from .expressions import ExpressionChecker
from .scope import Diagnostics, Failed, Reporter, Scope, suggest


def check_rules(scope: Scope, exprs: ExpressionChecker, diags: Diagnostics) -> tuple[ir.Rule, ...]:
    """Every rule, ordered by stage (file order within a stage)."""
    return RuleChecker(scope, exprs, diags).rules()


class RuleChecker(Reporter):
    def __init__(self, scope: Scope, exprs: ExpressionChecker, diags: Diagnostics):
        self.scope = scope
        self.exprs = exprs
        self.diags = diags

    def rules(self) -> tuple[ir.Rule, ...]:
        out = []
        category_enum = self.scope.enums["Category"]
        point_stages: dict[str, list[int]] = {}
        for r in self.scope.of(ast.RuleDecl):
            for eff in r.effects:
                if eff.kind == "points" and r.stage is not None:
                    point_stages.setdefault(eff.category, []).append(r.stage)
        for r in self.scope.of(ast.RuleDecl):
            rule = self._rule(r, category_enum, point_stages)
            if rule is not None:
                out.append(rule)
        order = {id(r): i for i, r in enumerate(out)}
        return tuple(sorted(out, key=lambda r: (r.stage, order[id(r)])))

    def _rule(self, r: ast.RuleDecl, category_enum: ir.Enum, point_stages) -> ir.Rule | None:
        ok = True
        if r.stage is None:
            self.error(
                r.span, f"rule {r.id} has no stage", "add: stage N (the step of the overall assessment it belongs to)"
            )
            ok = False
        if not r.cites:
            self.error(r.span, f"rule {r.id} cites no source", 'add: cites SR3.10(b)(i), SOP "…" step 2')
            ok = False
        if len(r.effects) != 1:
            self.error(
                r.span,
                f"rule {r.id} must have exactly one effect (require, concern, stop or points); it has {len(r.effects)}",
            )
            return None
        if r.start and r.until and r.until < r.start:
            self.error(r.span, f"rule {r.id} ends ({r.until}) before it starts ({r.start})")
        categories = []
        for name in r.categories or category_enum.members:
            if name not in category_enum.members:
                self.error(
                    r.span, f"rule {r.id}: '{name}' is not a Category", "members: " + ", ".join(category_enum.members)
                )
                ok = False
            else:
                categories.append(category_enum.members.index(name))
        eff = r.effects[0]
        allowed = ir.EFFECT_OUTCOMES[eff.kind]
        texts = []
        for t in r.texts:
            if t.outcome not in allowed:
                self.error(
                    t.span,
                    f"a '{eff.kind}' rule has no '{t.outcome.replace('_', ' ')}' outcome",
                    "its outcomes: " + ", ".join(o.replace("_", " ") for o in allowed),
                )
                ok = False
                continue
            try:
                parts = tuple(p if isinstance(p, str) else self.exprs.value(p, {}) for p in t.parts)
                texts.append((t.outcome, parts))
            except Failed:
                ok = False
        missing = [o for o in allowed if o not in {t.outcome for t in r.texts}]
        if missing:
            self.error(
                r.span,
                f"rule {r.id} has no reason text for: " + ", ".join(m.replace("_", " ") for m in missing),
                f'add e.g. {missing[0].replace("_", " ")}: "…"',
            )
            ok = False
        if eff.kind == "points" and eff.category not in {c.name for c in self.scope.categories}:
            self.error(
                eff.span,
                f"'{eff.category}' is not a points category",
                suggest(eff.category, [c.name for c in self.scope.categories]),
            )
            ok = False
        try:
            applies = self.exprs.typed(r.applies, {}, "bool") if r.applies is not None else None
        except Failed:
            ok, applies = False, None
        try:
            kinds = ("int",) if eff.kind == "points" else ("bool",)
            expr = self.exprs.typed(eff.expr, {}, *kinds)
        except Failed:
            return None
        if not ok or r.stage is None:  # a rule without a stage was reported above
            return None
        for e in [expr] + ([applies] if applies is not None else []):
            for node in ir.walk(e):
                if isinstance(node, ir.PointsOf) and any(s >= r.stage for s in point_stages.get(node.category, [])):
                    self.error(
                        eff.span,
                        f"rule {r.id} (stage {r.stage}) reads points({node.category}) before every rule "
                        "awarding them has run",
                        "points may only be read by rules at a later stage than the rules that award them",
                    )
                    return None
        cites = tuple(cite(c, self.scope.sops, self.diags) for c in r.cites)
        return ir.Rule(
            id=r.id, title=r.title, stage=r.stage, cites=cites, start=r.start, until=r.until,
            categories=tuple(categories), applies=applies, kind=eff.kind, expr=expr,
            points_category=eff.category, texts=tuple(texts), span=r.span,
            inferred=any(c.kind == "inferred" for c in cites),
        )  # fmt: skip
