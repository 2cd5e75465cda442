"""Profile: what one administration's statement covers, measure by measure (with its
stance on each) and its general remarks, each quoted."""

from __future__ import annotations

from collections import Counter

from retrieval.answering.compose import Composed, Context, Refusal, quote_lines
from retrieval.answering.evidence import fragment
from retrieval.answering.plan import QuestionPlan
from retrieval.stance import NEUTRAL

# Sentences quoted per measure (the one that sets the stance, then the one that says most)
# and per passage of general remarks (those that say most).
PER_MEASURE = 2
PER_PASSAGE = 2
LEFT_OUT = 4  # sentences of the quoted passages that the measure lines left out


class ProfileComposer:
    shape = "profile"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        admin = plan.scope.administrations[0]
        statements = ctx.statements
        own = statements.of_administration(admin)
        if not own:
            return Refusal(f"{admin} har inga egna meningar i bilagan")
        cites = ctx.cites()
        lines: list[str] = []
        labels: Counter[str] = Counter()
        measures = statements.measures_of(admin)
        if plan.topic.reports:  # "Sammanfatta vad Norrmalm skriver om Stad i samverkan"
            measures = [k for k in measures if k[0] in plan.topic.reports] or measures
        for key in measures:
            stance = ctx.stance(admin, key)
            on_it = statements.answer_on_measure(admin, *key)
            first = stance.sentence if stance.label != NEUTRAL or stance.sentence in on_it \
                else None
            said = sorted(on_it, key=lambda s: -ctx.wording.information(s.text))
            picked = ([first] if first else []) + [s for s in said if s is not first]
            claim = cites.stance(stance)
            labels[stance.label] += 1
            lines.append(f"- {ctx.measure_label(key)}: {claim.markdown}:")
            lines.extend("  " + line for line in quote_lines(cites, picked[:PER_MEASURE]))
        # Passages about no measure: the administration's general remarks, those that
        # say most. Then what the measure lines left out of the passages they quote: the
        # few sentences that say most (a post, a project, a sum a summary should not
        # drop), capped, so that a long statement's summary stays a summary.
        cited = {c.passage.id for c in cites.items}
        # Not again what the measure lines quote, nor the annex's template text.
        skip = {(s.source, s.start) for c in cites.items for s in c.sentences} \
            | ctx.ranker.template
        says: dict[tuple[str, int], float] = {}  # how much each candidate says
        general, left = [], []
        for group in dict.fromkeys(s.group for s in own):
            # A heading or a list's lead-in says nothing of its own; nor does a sentence
            # with nothing particular to this administration (information 0).
            for s in statements.of_group(group):
                if (s.source, s.start) not in skip and not fragment(s.flat):
                    says[(s.source, s.start)] = ctx.wording.information(s.text)
            said = sorted((s for s in statements.of_group(group)
                           if says.get((s.source, s.start), 0.0) > 0),
                          key=lambda s: -says[(s.source, s.start)])
            if group in cited:
                left.extend(said[:PER_PASSAGE])
            else:
                general.extend(said[:PER_PASSAGE])
        left = sorted(left, key=lambda s: -says[(s.source, s.start)])[:LEFT_OUT]
        spread = ", ".join(f"{n} {label}" for label, n in labels.most_common())
        head = (f"{ctx.who(admin)} tar upp {len(measures)} åtgärder ({spread})"
                if measures else f"{ctx.who(admin)} tar inte upp någon enskild åtgärd")
        head += " och gör allmänna påpekanden." if general else "."
        out = [head]
        if lines:
            out += ["", "**Per åtgärd:**", *lines]
        if general:
            out += ["", f"**Allmänt** ({admin}):", *quote_lines(cites, general)]
        if left:
            out += ["", f"**Mer ur skrivelsen** ({admin}):", *quote_lines(cites, left)]
        return Composed("\n".join(out), head.replace("*", ""), cites)
