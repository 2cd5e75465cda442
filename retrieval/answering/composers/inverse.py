"""Inverse: the measures one administration supports, doubts or rejects (or describes
without a stance), by its stance on each."""

from __future__ import annotations

from retrieval.answering.compose import LABEL_HEADINGS, Composed, Context, Refusal
from retrieval.answering.plan import QuestionPlan
from retrieval.stance import FORBEHALL, POSITIV

_PLURAL = {"positiv": "positiv till", "positiv med förbehåll": "positiv med förbehåll till",
           "tveksam": "tveksam till", "avvisande": "avvisande till",
           "neutral/beskrivande": "neutral/beskrivande om"}


class InverseComposer:
    shape = "inverse"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        admin = plan.scope.administrations[0]
        measures = ctx.addressed(admin)
        if plan.topic.reports:
            measures = [k for k in measures if k[0] in plan.topic.reports]
        if not measures:
            where = (" i " + " och ".join(f"”{r}”" for r in plan.topic.reports)
                     if plan.topic.reports else "")
            return Refusal(f"{admin} tar inte upp någon av kommissionens åtgärder{where}")
        wanted = plan.stance_wanted or POSITIV
        labels = [POSITIV, FORBEHALL] if wanted == POSITIV else [wanted]
        cites = ctx.cites()
        stances = [ctx.stance(admin, k) for k in measures]
        hits = [s for s in stances if s.label in labels]
        taken = ("den enda åtgärd den tar upp" if len(measures) == 1
                 else f"de {len(measures)} åtgärder den tar upp")
        if hits:
            head = f"{ctx.who(admin)} är {_PLURAL[wanted]} {len(hits)} av {taken}:"
            shown, rest = hits, [s for s in stances if s not in hits]
        else:
            head = (f"Ingen: {ctx.who(admin)} är inte {_PLURAL[wanted]} någon åtgärd. Så här "
                    f"ställer den sig till {taken}:")
            shown, rest = stances, []
        lines = [head]
        for s in shown:
            claim = cites.stance(s)
            quote = cites.quote(s.sentence) if s.sentence is not None else None
            said = f": {quote.markdown}" if quote else ""
            lines.append(f"- {ctx.measure_label((s.report, s.number))}: {claim.markdown}{said}")
        if rest:
            others = {}
            for s in rest:
                others.setdefault(LABEL_HEADINGS.get(s.label, s.label), []).append(s.number)
            lines.append("\nÖvriga åtgärder den tar upp: " + "; ".join(
                f"{h.lower()}: {', '.join(n)}" for h, n in others.items()) + ".")
        return Composed("\n".join(lines), head.replace("*", "").rstrip(":") + ".", cites)
