"""Compare: two or more named administrations side by side on the same measure or topic."""

from __future__ import annotations

import dataclasses

from retrieval.answering.compose import Composed, Context, Refusal
from retrieval.answering.composers.position import position_lines
from retrieval.answering.plan import QuestionPlan


class CompareComposer:
    shape = "compare"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        cites = ctx.cites()
        parts: list[str] = []
        summary: list[str] = []
        pinned = _pinned(plan, ctx)
        for admin in plan.scope.administrations:
            # The others named are the closest text by design: no gap against them.
            on = pinned if pinned is not None and plan.topic.measures[0] in ctx.addressed(admin) \
                else plan
            lines = position_lines(on, ctx, admin, cites, gap=False)
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


def _pinned(plan: QuestionPlan, ctx: Context) -> QuestionPlan | None:
    """A measure found by meaning that two or more of the named administrations address is
    the one they are compared on: each is shown on it, not on its own closest text."""
    if plan.topic.measures_by != "meaning" or len(plan.topic.measures) != 1:
        return None
    key = plan.topic.measures[0]
    if sum(key in ctx.addressed(a) for a in plan.scope.administrations) < 2:
        return None
    if plan.topic.annex_measure not in (None, key):
        # Across the annex the question means another measure ("praktikbanken", 6.3.3):
        # the closest the named ones address is no reason to show their stances on it.
        return None
    topic = dataclasses.replace(plan.topic, measures_by="title")
    return dataclasses.replace(plan, topic=topic)
