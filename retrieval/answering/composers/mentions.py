"""Mentions: which administrations of a group write of a thing ("Vilka stadsdelsnämnder
har redan ett medborgarkontor?", "Hur många förvaltningar nämner Fokus Skärholmen?"), each
with the sentence that names it; a fact about who, not a position on a measure.

The thing is a name the question capitalises ("KTH", "Fokus Skärholmen") or one of its
topic words: the one whose holders' sentences are closest in meaning to the question.
The answer says how many name it, not that they hold a view on it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text import normalize_for_match
from ingest.text.groups import group_noun
from ingest.text.words import words
from retrieval.answering.compose import Composed, Context, Refusal
from retrieval.answering.plan import QuestionPlan
from retrieval.statements import Sentence

# A run of capitalised words after the question's first word: a name ("Fokus Skärholmen",
# "Tekniska", "KTH").
_NAME = re.compile(r"(?<=\s)[A-ZÅÄÖ][\wåäöÅÄÖ-]*(?:\s+[A-ZÅÄÖ][\wåäöÅÄÖ-]*)*")


@dataclass(frozen=True)
class Term:
    shown: str  # as the question writes it
    phrase: str  # a name, matched as normalised words in order ("" for a topic word)
    stem: str  # a topic word, matched as the coverage does ("" for a name)


def terms(plan: QuestionPlan) -> list[Term]:
    """The names the question capitalises, then its topic words (as it writes them)."""
    out = [Term(m.group(0), normalize_for_match(m.group(0)), "")
           for m in _NAME.finditer(plan.question)]
    written = words(plan.question)
    for stem in plan.topic.words:
        shown = next((w for w in written if w.startswith(stem[:4])), stem)
        out.append(Term(shown, "", stem))
    return out


def holds(term: Term, sentence: Sentence, ctx: Context) -> bool:
    if term.phrase:
        return re.search(rf"\b{re.escape(term.phrase)}\b",
                         normalize_for_match(sentence.text)) is not None
    return ctx.wording.coverage([term.stem], sentence.text) >= 0.99


class MentionsComposer:
    shape = "fact"  # dispatched by the fact composer for a group's question

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        scope = ctx.in_scope(plan)
        own = {a: ctx.statements.of_administration(a) for a in scope}
        best: tuple[float, Term, dict[str, list[Sentence]]] | None = None
        for term in terms(plan):
            found = {a: [s for s in ss if holds(term, s, ctx)] for a, ss in own.items()}
            found = {a: ss for a, ss in found.items() if ss}
            if not found:
                continue
            # The term the question is about: where its holders write of it, they are
            # closest in meaning to the question (each holder's closest sentence, averaged,
            # so that a word many use is no likelier to win).
            closeness = sum(float(ctx.ranker.meaning.cosines(ss, ctx.query).max())
                            for ss in found.values()) / len(found)
            if best is None or closeness > best[0]:
                best = (closeness, term, found)
        if best is None:
            return Refusal(f"ingen av {group_noun(plan.scope.kinds, definite=True)} skriver "
                           "om det frågan gäller")
        _, term, found = best
        cites = ctx.cites()
        head = (f"{len(found)} av {len(scope)} {group_noun(plan.scope.kinds)} nämner "
                f"”{term.shown}” i sina skrivelser:")
        lines = [head]
        for admin, sentences in found.items():
            ranked = ctx.rank(plan, sentences, broad=True)
            quote = cites.quote(ranked[0].sentence)
            lines.append(f"- **{admin}**: {quote.markdown}")
        return Composed("\n".join(lines), head.rstrip(":") + ".", cites)
