"""Compare: two or more named administrations side by side on the same measure or topic."""

from __future__ import annotations

from retrieval.answering.compose import Composed, Context, Refusal
from retrieval.answering.composers.position import position_lines
from retrieval.answering.plan import QuestionPlan


class CompareComposer:
    shape = "compare"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        cites = ctx.cites()
        parts: list[str] = []
        summary: list[str] = []
        for admin in plan.scope.administrations:
            # The others named are the closest text by design: no gap against them.
            lines = position_lines(plan, ctx, admin, cites, gap=False)
            if isinstance(lines, Refusal):
                parts.append(f"**{admin}**: {lines.reason}.")
                summary.append(f"{admin}: tar inte upp frågan")
                continue
            parts.append("\n".join(lines))
            claim = next((c for c in reversed(cites.stances) if c.administration == admin), None)
            if admin in ctx.statements.silent:
                summary.append(f"{admin}: ingen skrivelse")
            else:
                summary.append(f"{admin}: {claim.label}" if claim else admin)
        if not cites.items:
            return Refusal("ingen av förvaltningarna tar upp frågan")
        direct = "; ".join(summary) + "."
        return Composed("Jämförelse: " + direct + "\n\n" + "\n\n".join(parts), direct, cites)
