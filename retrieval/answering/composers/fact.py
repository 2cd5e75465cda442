"""Fact: what the annex says on a question of fact (a number, a time, who, where), quoted
from the sentences that hold it; no stance label, since no position was asked."""

from __future__ import annotations

from retrieval.answering.compose import Composed, Context, Refusal, pick, quote_lines
from retrieval.answering.composers.mentions import MentionsComposer
from retrieval.answering.composers.position import QUOTES, position_lines
from retrieval.answering.plan import QuestionPlan
from retrieval.followup import own_part

PASSAGES = 6  # without a named administration: the sentences of the best passages
# Without a named administration or measure nothing narrows the scope, so a sentence
# answers only when it holds at least this share of the question's topic words (on the
# development half such not-in-annex questions' best fitting sentence held 0.28 at most).
GENERAL_COVERAGE = 0.35


class FactComposer:
    shape = "fact"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        if plan.scope.group:  # who of a group writes of it
            return MentionsComposer().run(plan, ctx)
        cites = ctx.cites()
        if plan.scope.administrations:
            admin = plan.scope.administrations[0]
            lines = position_lines(plan, ctx, admin, cites, with_stance=False)
            if isinstance(lines, Refusal):
                return lines
            # The direct answer is the best sentence itself, verbatim and attributed.
            return Composed("\n".join(lines), f"Enligt {admin}: {cites.quotes[0].text}", cites)
        candidates = [s for p in ctx.passages[:PASSAGES]
                      for s in ctx.statements.of_group(p.id)]
        ranked = ctx.rank(plan, candidates, broad=True)
        counted = ctx.wording.counted(own_part(plan.question)) \
            if plan.answer_type in ("number", "money") else None
        if counted:
            # Over the whole annex, a number answers only when it counts the asked thing
            # ("Hur många elever …" is not answered by "hälften av alla deltagare").
            ranked = [e for e in ranked if ctx.wording.names_counted(e.sentence.text, counted)]
        if not plan.topic.measures:
            ranked = [e for e in ranked if e.wording >= GENERAL_COVERAGE]
        picked = pick(ranked, limit=QUOTES, need_fit=plan.answer_type != "any")
        if not picked:
            return Refusal("ingen mening i de närmaste avsnitten innehåller det som efterfrågas")
        lines: list[str] = []
        for s in picked:
            quote = cites.quote(s)
            lines.append(f"- **{s.administration}**: {quote.markdown}")
        return Composed("\n".join(lines), f"Enligt {picked[0].administration}: {picked[0].flat}",
                        cites)


__all__ = ["FactComposer", "quote_lines"]
