"""Mentions: which administrations of a group write of a thing ("Vilka stadsdelsnämnder
har redan ett medborgarkontor?", "Hur många förvaltningar nämner Fokus Skärholmen?"), each
with the sentence that names it; a fact about who, not a position on a measure.

The thing, in order: a name the question capitalises ("KTH", "Fokus Skärholmen"; of
several, the one the fewest administrations use); else what follows the verb of
mentioning or having ("nämner sociala medier", "har redan lotsar"), as a phrase or its
last word; else the topic word whose holders' sentences are closest in meaning to the
question. The answer says how many name it, not that they hold a view on it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text import normalize_for_match
from ingest.text.groups import group_noun
from ingest.text.words import STOPWORDS, words
from retrieval.answering.compose import Composed, Context, Refusal
from retrieval.answering.plan import MENTIONS, QuestionPlan
from retrieval.answering.wording import QUESTION_WORDS
from retrieval.statements import Sentence

# A run of capitalised words after the question's first word: a name ("Fokus Skärholmen",
# "Tekniska", "KTH").
_NAME = re.compile(r"(?<=\s)[A-ZÅÄÖ][\wåäöÅÄÖ-]*(?:\s+[A-ZÅÄÖ][\wåäöÅÄÖ-]*)*")
# Words between the verb and its object that are not the object ("har redan ett …").
_BEFORE_OBJECT = frozenset({"redan", "idag", "dag", "i", "ett", "en", "sina", "sin", "sitt",
                            "några", "något", "någon", "att", "de", "med", "om"})


@dataclass(frozen=True)
class Term:
    shown: str  # as the question writes it
    phrase: str  # matched as normalised words in order ("" for a topic word)
    stem: str  # a topic word, matched as the coverage does ("" for a phrase)


def names(plan: QuestionPlan) -> list[Term]:
    return [Term(m.group(0), normalize_for_match(m.group(0)), "")
            for m in _NAME.finditer(plan.question)]


def objects(plan: QuestionPlan) -> list[Term]:
    """What follows the verb of mentioning or having: the words up to the next function
    word, as a phrase, then its last word (the head of a Swedish noun phrase)."""
    q = normalize_for_match(plan.question)
    m = MENTIONS.search(q)
    if m is None:
        return []
    after = words(q[m.end():])
    while after and after[0] in _BEFORE_OBJECT:
        after = after[1:]
    kept: list[str] = []
    for w in after:
        if w in STOPWORDS or w in QUESTION_WORDS:
            break
        kept.append(w)
    if not kept:
        return []
    head = kept[-1]
    out = [Term(" ".join(kept), " ".join(kept), "")] if len(kept) > 1 else []
    return out + [Term(head, "", stem) for stem in plan.topic.words if head.startswith(stem)]


def topic_terms(plan: QuestionPlan) -> list[Term]:
    written = words(plan.question)
    return [Term(next((w for w in written if w.startswith(stem[:4])), stem), "", stem)
            for stem in plan.topic.words]


def holds(term: Term, sentence: Sentence, ctx: Context) -> bool:
    if term.phrase:  # its last word inflected too ("sociala medierna")
        return re.search(rf"\b{re.escape(term.phrase)}\w{{0,4}}\b",
                         ctx.statements.match_text(sentence)) is not None
    return ctx.wording.coverage([term.stem], sentence.text) >= 0.99


Found = dict[str, list[Sentence]]


class MentionsComposer:
    shape = "fact"  # dispatched by the fact composer for a group's question

    def run(self, plan: QuestionPlan, ctx: Context) -> Composed | Refusal:
        scope = ctx.in_scope(plan)
        own = {a: ctx.statements.of_administration(a) for a in scope}

        def holders(term: Term) -> Found:
            found = {a: [s for s in ss if holds(term, s, ctx)] for a, ss in own.items()}
            return {a: ss for a, ss in found.items() if ss}

        chosen = self._first_held(names(plan), holders, fewest=True) \
            or self._first_held(objects(plan), holders) \
            or self._closest(topic_terms(plan), holders, ctx)
        if chosen is None:
            return Refusal(f"ingen av {group_noun(plan.scope.kinds, definite=True)} skriver "
                           "om det frågan gäller")
        term, found = chosen
        cites = ctx.cites()
        head = (f"{len(found)} av {len(scope)} {group_noun(plan.scope.kinds)} nämner "
                f"”{term.shown}” i sina skrivelser:")
        lines = [head]
        for admin, sentences in found.items():
            ranked = ctx.rank(plan, sentences, broad=True)
            quote = cites.quote(ranked[0].sentence)
            lines.append(f"- **{admin}**: {quote.markdown}")
        return Composed("\n".join(lines), head.rstrip(":") + ".", cites)

    @staticmethod
    def _first_held(terms: list[Term], holders, fewest: bool = False
                    ) -> tuple[Term, Found] | None:
        """The first term some administration uses (or, `fewest`, the one the fewest use:
        "KTH" before "Tekniska")."""
        held = [(term, found) for term in terms if (found := holders(term))]
        if not held:
            return None
        return min(held, key=lambda x: len(x[1])) if fewest else held[0]

    @staticmethod
    def _closest(terms: list[Term], holders, ctx: Context) -> tuple[Term, Found] | None:
        """The term whose holders write closest to the question in meaning (each holder's
        closest sentence, averaged, so that a word many use is no likelier to win)."""
        best: tuple[float, Term, Found] | None = None
        for term in terms:
            found = holders(term)
            if not found:
                continue
            closeness = sum(float(ctx.ranker.meaning.cosines(ss, ctx.query).max())
                            for ss in found.values()) / len(found)
            if best is None or closeness > best[0]:
                best = (closeness, term, found)
        return (best[1], best[2]) if best else None
