"""Measure overview: every administration in scope on one measure, with its stance and
its words, and who in scope says nothing about it."""

from __future__ import annotations

from ingest.text.groups import group_noun
from retrieval.answering.compose import LABEL_ORDER, Composed, Context, Refusal
from retrieval.answering.composers.lists import entries_or_refusal, render, subject
from retrieval.answering.plan import QuestionPlan


class MeasureOverviewComposer:
    shape = "measure_overview"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        found = entries_or_refusal(plan, ctx)
        if isinstance(found, Refusal):
            return found
        cites = ctx.cites()
        scope = ctx.in_scope(plan)
        counts = {}
        for e in found:
            counts[e.stance.label] = counts.get(e.stance.label, 0) + 1
        spread = ", ".join(f"{counts[label]} {label}" for label in LABEL_ORDER if label in counts)
        head = (f"{len(found)} av {len(scope)} {group_noun(plan.scope.kinds)} tar upp "
                f"{subject(plan, ctx)} ({spread}).")
        lines = [head, *render(found, ctx, cites)]
        speaking = {e.admin for e in found}
        silent = [a for a in scope if a in ctx.statements.silent]
        quiet = [a for a in scope if a not in speaking and a not in ctx.statements.silent]
        if quiet:
            lines.append(f"\nTar inte upp åtgärden ({len(quiet)}): " + ", ".join(quiet) + ".")
        if silent:
            lines.append(f"\nHar inte lämnat någon skrivelse ({len(silent)}): "
                         + ", ".join(silent) + ".")
        return Composed("\n".join(lines), head.replace("*", ""), cites)
