"""Lists over a group: who takes which stance on a measure (list_by_stance), and how
many do (count). Both list every administration the stance matrix has on the measure,
under a heading per stance; each count stated is the length of the list it counts (the
asked stance's headings, or all who take the measure up)."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.text.groups import group_noun
from retrieval.answering.compose import (
    LABEL_HEADINGS,
    LABEL_ORDER,
    NO_STATEMENT_TEXT,
    Cites,
    Composed,
    Context,
    Refusal,
)
from retrieval.answering.plan import QuestionPlan
from retrieval.stance import FORBEHALL, NEUTRAL, POSITIV, Stance, classify
from retrieval.statements import MeasureKey, Sentence

# A topic no measure names: an administration is on the list when one of its sentences
# holds this share of the question's topic words.
TOPIC_COVERAGE = 0.5


@dataclass
class Entry:
    admin: str
    stance: Stance
    sentence: Sentence


def entries(plan: QuestionPlan, ctx: Context) -> list[Entry]:
    """Every administration in scope that addresses the plan's measure(s), or its report,
    or (no measure) its topic, with the stance and the sentence that sets it."""
    measures = plan.topic.measures
    out = []
    for admin in ctx.in_scope(plan):
        if admin in ctx.statements.silent:
            continue
        addressed = ctx.addressed(admin)
        if measures:
            keys = [k for k in measures if k in addressed]
        elif plan.topic.reports:
            keys = [k for k in addressed if k[0] in plan.topic.reports]
        else:
            keys = []
        if keys:
            entry = _on_measures(plan, ctx, admin, keys)
        elif measures or plan.topic.reports:
            continue
        else:
            entry = _on_topic(plan, ctx, admin)
        if entry is not None:
            out.append(entry)
    return out


def _on_measures(plan: QuestionPlan, ctx: Context, admin: str, keys: list[MeasureKey]
                 ) -> Entry | None:
    stances = [ctx.stance(admin, k) for k in keys]
    # The stance asked for, if it has one; else its first non-neutral; else the first.
    chosen = next((s for s in stances if _family(s.label) == plan.stance_wanted), None) \
        or next((s for s in stances if s.label != NEUTRAL), stances[0])
    key = (chosen.report, chosen.number)
    own = ctx.statements.on_measure(admin, *key)
    # The sentence that set the label (it may stand outside the text on the measure).
    sentence = chosen.sentence if chosen.label != NEUTRAL or chosen.sentence in own else None
    if sentence is None and own:
        sentence = ctx.rank(plan, own, [key])[0].sentence
    return Entry(admin, chosen, sentence) if sentence is not None else None


def _on_topic(plan: QuestionPlan, ctx: Context, admin: str) -> Entry | None:
    own = ctx.statements.of_administration(admin)
    relevant = [s for s in own if ctx.wording.coverage(plan.topic.words, s.text)
                >= TOPIC_COVERAGE]
    if not relevant:
        return None
    label, trigger, reservation, sentence = classify(relevant)
    return Entry(admin, Stance(admin, None, None, label, trigger, reservation, sentence),
                 sentence or relevant[0])


def entries_or_refusal(plan: QuestionPlan, ctx: Context) -> list[Entry] | Refusal:
    """The entries, or the refusal that none in scope takes the topic up."""
    return entries(plan, ctx) or Refusal(
        f"ingen av {group_noun(plan.scope.kinds, definite=True)} tar upp {subject(plan, ctx)}")


def _family(label: str) -> str:
    return POSITIV if label == FORBEHALL else label


def subject(plan: QuestionPlan, ctx: Context) -> str:
    if plan.topic.measures:
        return " och ".join(ctx.measure_label(k) for k in plan.topic.measures)
    if plan.topic.reports:
        return "delrapporten " + " och ".join(f"”{r}”" for r in plan.topic.reports)
    return "frågan"


def render(found: list[Entry], ctx: Context, cites: Cites, first: list[str] | None = None
           ) -> list[str]:
    """Entries under a heading per stance, in a fixed order; the asked one first."""
    order = list(LABEL_ORDER)
    if first:
        order = [x for x in first if x in order] + [x for x in order if x not in first]
    lines = []
    for label in order:
        group = [e for e in found if e.stance.label == label]
        if not group:
            continue
        lines.append(f"\n**{LABEL_HEADINGS[label]} ({len(group)}):**")
        for e in group:
            claim = cites.stance(e.stance)
            quote = cites.quote(e.sentence)
            lines.append(f"- **{e.admin}**: {claim.markdown}: {quote.markdown}")
    return lines


def _wanted_labels(wanted: str | None) -> list[str]:
    if wanted == POSITIV:
        return [POSITIV, FORBEHALL]
    return [wanted] if wanted else []


class ListByStanceComposer:
    shape = "list_by_stance"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        found = entries_or_refusal(plan, ctx)
        if isinstance(found, Refusal):
            return found
        cites = ctx.cites()
        wanted = _wanted_labels(plan.stance_wanted)
        hits = [e for e in found if e.stance.label in wanted]
        total = len(ctx.in_scope(plan))
        noun = group_noun(plan.scope.kinds)
        family = plan.stance_wanted or "positiv"
        plural = {"positiv": "positiva", "tveksam": "tveksamma", "avvisande": "avvisande",
                  "neutral/beskrivande": "neutrala"}.get(family, family)
        reserved = sum(e.stance.label == FORBEHALL for e in hits)
        extra = f" (varav {reserved} med förbehåll)" if reserved and family == POSITIV else ""
        silent = sum(a in ctx.statements.silent for a in ctx.in_scope(plan))
        rest = f"{len(found)} tar upp den; {silent} har inte lämnat någon skrivelse."
        head = (f"{len(hits)} av {total} {noun} är {plural}{extra} till {subject(plan, ctx)}; "
                + rest)
        if not hits:
            head = (f"Ingen av {group_noun(plan.scope.kinds, definite=True)} är {plural} till "
                    f"{subject(plan, ctx)}; " + rest)
        lines = [head, *render(found, ctx, cites, wanted)]
        return Composed("\n".join(lines), plain_head(head), cites)


class CountComposer:
    shape = "count"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        cites = ctx.cites()
        scope = ctx.in_scope(plan)
        noun = group_noun(plan.scope.kinds)
        if plan.about_silence and plan.topic.measures:
            lines = silent_on_measures(plan, ctx, cites)
            return Composed("\n".join(lines), lines[0], cites)
        if plan.about_silence:
            silent = [a for a in scope if a in ctx.statements.silent]
            head = f"{len(silent)} av {len(scope)} {noun} {NO_STATEMENT_TEXT}."
            lines = [head]
            for admin in silent:
                quote = cites.quote(ctx.statements.silent[admin][0])
                lines.append(f"- **{admin}** (”{quote.text}”) [{quote.n}]")
            return Composed("\n".join(lines), head, cites)
        if not plan.topic.measures and not plan.topic.reports and not plan.topic.words:
            # "Hur många stadsdelar har svarat?": those with a statement.
            speaking = [a for a in scope if a not in ctx.statements.silent]
            head = f"{len(speaking)} av {len(scope)} {noun} har lämnat en skrivelse i bilagan."
            lines = [head]
            for admin in speaking:
                own = ctx.statements.of_administration(admin)
                if own:
                    quote = cites.quote(own[0])
                    lines.append(f"- **{admin}**: {quote.markdown}")
            return Composed("\n".join(lines), head, cites)
        found = entries_or_refusal(plan, ctx)
        if isinstance(found, Refusal):
            return found
        wanted = _wanted_labels(plan.stance_wanted)
        counted = [e for e in found if e.stance.label in wanted] if wanted else found
        if wanted:
            head = (f"{len(counted)} av {len(scope)} {noun} är {' eller '.join(wanted)} "
                    f"till {subject(plan, ctx)} ({len(found)} tar upp den).")
        else:
            head = f"{len(found)} av {len(scope)} {noun} tar upp {subject(plan, ctx)}."
        lines = [head, *render(found, ctx, cites, wanted)]
        return Composed("\n".join(lines), plain_head(head), cites)


def silent_on_measures(plan: QuestionPlan, ctx: Context, cites: Cites) -> list[str]:
    """Who in scope does not take the plan's measures up: those whose statement is about
    other measures (with what it is about, and its first sentence), and those without a
    statement (their "Skrivelse saknas.")."""
    scope = ctx.in_scope(plan)
    measures = plan.topic.measures
    quiet = [a for a in scope if not any(k in ctx.addressed(a) for k in measures)]
    head = (f"{len(quiet)} av {len(scope)} {group_noun(plan.scope.kinds)} tar inte upp "
            f"{subject(plan, ctx).replace('*', '')}.")
    lines = [head]
    for admin in quiet:
        if admin in ctx.statements.silent:
            quote = cites.quote(ctx.statements.silent[admin][0])
            lines.append(f"- **{admin}** {NO_STATEMENT_TEXT} (”{quote.text}”) [{quote.n}]")
            continue
        own = ctx.statements.of_administration(admin)
        others = ", ".join(n for _, n in ctx.addressed(admin)) or "inga enskilda åtgärder"
        quote = cites.quote(own[0])
        lines.append(f"- **{admin}** tar upp andra åtgärder ({others}): {quote.markdown}")
    return lines


def plain_head(head: str) -> str:
    return head.replace("*", "")
