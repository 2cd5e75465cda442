"""The commission's own text on a measure: its proposal, who it makes responsible
("Ansvarig:"), the work it says is going on ("Pågående arbete:"). Labelled as the
commission's, never shown as an administration's position."""

from __future__ import annotations

import re

from ingest.text import normalize_for_match
from retrieval.answering.compose import Cites, Composed, Context, Refusal, pick
from retrieval.answering.plan import QuestionPlan
from retrieval.followup import own_part
from retrieval.statements import MeasureKey, Sentence

QUOTES = 3
# The annex reprints a line of the commission's in every section that comments on the
# measure; up to this many copies are each cited, more are counted.
COPIES_CITED = 3
_ROLE_ASKED = (
    ("responsible", re.compile(r"\b(vem|vilka|ansvar\w*)\b.*\bansvar|\bansvarig")),
    ("ongoing", re.compile(r"\bpågående\b|\bredan (görs|pågår)\b")),
)


class CommissionTextComposer:
    shape = "commission_text"

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        commission = ctx.statements.commission
        keys = [k for k in plan.topic.measures if k in commission]
        if not keys and plan.topic.words and plan.topic.measures_by != "number":
            # No measure named or resolved: the commission's sentence in the annex that
            # best answers the question says which measure it is.
            every = [s for v in commission.values() for s in v if s.role != "heading"]
            ranked = [e for e in ctx.rank(plan, every, []) if e.sentence.measures]
            keys = [ranked[0].sentence.measures[0]] if ranked else []
        if not keys:
            return Refusal("bilagan återger inte kommissionens text om den åtgärden")
        q = normalize_for_match(own_part(plan.question))  # a follow-up's own ask
        role = next((r for r, pattern in _ROLE_ASKED if pattern.search(q)), None)
        cites = ctx.cites()
        lines: list[str] = []
        direct = ""
        # Two measures only where one number is in two reports: each is shown.
        for key in keys[:2]:
            # The proposal's text; where the annex reprints only the heading, the heading.
            sentences = [s for s in commission[key] if s.role != "heading"] or [
                s for s in commission[key] if s.flat.startswith(key[1] + " ")]
            ranked = ctx.rank(plan, sentences, [key])
            if role is not None:
                ranked = [e for e in ranked if e.sentence.role == role]
                if not ranked:
                    continue  # the asked part (Ansvarig, Pågående arbete) is not there
            limit = 1 if role == "responsible" else QUOTES
            # The commission's text on the measure the question names is the answer there
            # is; without a sentence of the asked kind (a number, a date), its best ones.
            picked = pick(ranked, limit=limit,
                          need_fit=plan.answer_type not in ("any", "actor")) \
                or pick(ranked, limit=limit, need_fit=False)
            if not picked:
                continue
            if lines:
                lines.append("")
            lines.append(f"**Kommissionens text** om {ctx.measure_label(key)}, som bilagan "
                         "återger den (kommissionens förslag, inte en förvaltnings ställning):")
            lines.extend(_quoted(ctx, cites, key, s)
                         for s in sorted(picked, key=lambda s: (s.source, s.start)))
            direct = direct or f"Kommissionen: {picked[0].flat}"
        if not lines:
            part = {"responsible": "”Ansvarig:”", "ongoing": "”Pågående arbete:”"}.get(
                role or "", "det som efterfrågas")
            nums = " och ".join(k[1] for k in keys[:2])
            return Refusal(f"bilagan återger inget {part} för åtgärd {nums}")
        return Composed("\n".join(lines), direct, cites)


def _quoted(ctx: Context, cites: Cites, key: MeasureKey, sentence: Sentence) -> str:
    """One of the commission's sentences, cited in each section that reprints it."""
    copies = [c for c in ctx.statements.copies_of(key, sentence) if c is not sentence]
    copies = [sentence, *copies]
    first = cites.quote(sentence)
    shown = copies[:COPIES_CITED]
    marks = [first.n, *(cites.cite(ctx.passage_of(c), [c]) for c in shown[1:])]
    named = list(dict.fromkeys(f"{c.administration}s" for c in shown))
    rest = {c.administration for c in copies[COPIES_CITED:]} - {c.administration for c in shown}
    where = f"{', '.join(named)} och {len(rest)} till" if rest else _and(named)
    markers = "".join(f"[{n}]" for n in dict.fromkeys(marks))
    return f"- ”{first.text}” {markers} (återgiven i {where} avsnitt)"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]
