"""What a question's words say: its topic words, how much of them a sentence holds, and
what kind of answer it wants (a number, a time, an actor).

Topic matching is lexical on purpose: it complements the sentence vectors (which read
meaning) with the words the annex uses, compounds included ("praktikbank" is found in
"bank med praktikplatser")."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Literal, NamedTuple

from ingest.registry import REPORTS_BY_NAME, report_spans
from ingest.text import normalize_for_match
from ingest.text.groups import BODY_WORDS, GROUP_WORDS
from ingest.text.names import closest, typed_threshold
from ingest.text.words import STOPWORDS, content_words, stem_matches, stems, words
from retrieval.followup import own_part

AnswerType = Literal["money", "number", "time", "actor", "place", "any"]

# Words that say what kind of answer is wanted, not what it is about (and the words for
# the bodies and groups of them, which name who, not what).
QUESTION_WORDS = GROUP_WORDS.keys() | BODY_WORDS | frozenset(normalize_for_match(w) for w in """
vad hur vilka vilken vilket varför när var vem vilkas tycker anser säger skriver menar tänker
ser ställer ställa sig syn inställning ståndpunkt positiv positiva positivt negativ negativa
tveksam tveksamma stödjer stöder om till på för med och att det den de är har kan ska vill
gör göra något några många mycket finns fanns enligt bilagan bilaga kommissionen kommissionens
hållbarhetskommissionen förslag förslaget förslagen åtgärd åtgärden åtgärder åtgärderna
rekommendation rekommendationen sina sin sitt egen eget egna också även
lämnat yttrat yttrande skrivelse skrivning kommenterat kommenterar tar upp nämner frågan
yttrar yttra uttalar uttala ställning tagit tar hållbarhetskommissionens rekommendationer
rekommendationerna förbehåll förbehållen villkor sammanfatta svar svaret svarar jämför
gillar emot nej tycka skeptisk skeptiska tanken idén tanke idé delar del arbetet arbete
skriv ignorera berätta förklara beskriv lista ange nämn svara faktiskt egentligen alls ens
svarat skickat inkommit skrivit kommentera kommentarer synpunkter
what does do did the a an of to in on for about how which who view think say says position
committee committees district districts administration administrations council councils
""".split())
# Markup and addresses pasted into a question are not what it is about.
_MARKUP = re.compile(r"<script.*?</script>|<[^>]*>|!\[[^\]]*\]\([^)]*\)|https?://\S+",
                     re.IGNORECASE | re.DOTALL)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # a Markdown link: its text is kept
# The commission's name says what all of the annex is about, not what a question is.
_COMMISSION_NAME = re.compile(r"((kommissionen|kommission) för )?(ett )?socialt hållbart stockholm")
_ENGLISH = frozenset("""the what which how does do did is are of to about for with and who
when where their its any council committee administration district view think""".split())
# "Hur mycket pengar …", "Vad kostar …": an amount of money, not just any number.
_MONEY_Q = re.compile(r"\b(hur mycket (pengar|kostar|medel)|vad kostar|hur stor (är )?budget"
                      r"|how much money|what does .* cost)\b")
_MONEY = re.compile(r"\b(kr|kronor|mnkr|tkr|mkr|miljon\w* kronor|pengar|medel|budget\w*"
                    r"|finansiering\w*|bidrag\w*)\b")
_NUMBER_Q = re.compile(r"\b(hur (mycket|många|stor|stora|lång|ofta)|vad kostar|how (much|many)"
                       r"|antal|hur stor (andel|del))\b")
# "När …?" asks for a time; "… när förslagen genomförs" does not.
# "Hur många elever …", "hur mycket pengar …": the thing counted.
_COUNTED = re.compile(r"\b(?:hur (?:många|mycket)|hur stor (?:andel|del) av(?: de| alla)?)"
                      r" (?P<noun>[a-zåäö]{4,})")
_TIME_Q = re.compile(r"^(när|vilket år|vilken tidpunkt|when)\b|\bnär (ska|antogs|öppnade|startade"
                     r"|började|infördes|blev)\b")
_ACTOR_Q = re.compile(r"^(vem|vilka samarbetar|who)\b|\bvem (ska|är|har|vill)\b|\bansvar(ig|et)\b")
_PLACE_Q = re.compile(r"^(var|i vilka områden|i vilken stadsdel|where)\b")
# A quantity: a number that is not a year, or a number word ("hälften", "tio").
# A quantity: digits (not a year), a Swedish numeral, also as an approximate "-tal" ("ett
# femtontal områden", "ett hundratal"), a fraction or share, or a single one said so.
_NUMERAL = (r"(två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tretton|fjorton|femton|sexton"
            r"|sjutton|arton|nitton|tjugo|trettio|fyrtio|femtio|sextio|sjuttio|åttio|nittio"
            r"|hundra|tusen|dussin)")
_NUMBER = re.compile(r"(?<![\d])(?!(19|20)\d\d(?!\d))\d+|\b(" + _NUMERAL + r"(tal)?"
                     r"|miljon\w*|miljard\w*|hälften|halva"
                     r"|(tredje|fjärde|femte|sjätte|tionde|hundra)del(en|ar|arna)?"
                     r"|procent|dubbelt|vart \w+ år|endast en|en enda)\b|%")
# What one part of an asked compound found in a text counts for ("medborgarbudget" against
# "budget").
PARTIAL = 0.45
# Words that qualify a number ("cirka hälften", "drygt 300") and the preposition of a
# source ("enligt kommissionens definition") the stop list lacks: no content words, so
# they do not push the counted thing out of a number's reach.
_NOT_CONTENT = frozenset({"cirka", "ca", "drygt", "knappt", "omkring", "ungefär", "nästan",
                          "runt", "närmare", "minst", "högst", "enligt"})
_ONE = re.compile(r"\b(?:en|ett)\s+([a-zåäö]{4,})")
_MEASURE_NUMBER = re.compile(r"\b\d+(\.\d+)+\b")
_DATE = re.compile(r"\b(19|20)\d\d\b|\b(januari|februari|mars|april|maj|juni|juli|augusti"
                   r"|september|oktober|november|december|våren|hösten|vintern|sommaren)\b")
_ORGANISATION = re.compile(
    r"\b([a-zåäö]+(nämnden|styrelsen|förvaltningen|kontoret|fullmäktige))\b"
    r"|\b([a-zåäö]+) (stad|kommun|region)\b"
)


def answer_type(question: str) -> AnswerType:
    q = normalize_for_match(question)
    if _TIME_Q.search(q):
        return "time"
    if _MONEY_Q.search(q):
        return "money"
    if _NUMBER_Q.search(q):
        return "number"
    if _ACTOR_Q.search(q):
        return "actor"
    if _PLACE_Q.search(q):
        return "place"
    return "any"


def is_english(question: str) -> bool:
    found = content_words(question)
    return bool(found) and sum(w in _ENGLISH for w in found) / len(found) >= 0.2


def unknown_organisation(question: str, known_words: set[str]) -> bool:
    """The question is about a body the annex does not hold ("kommunstyrelsen", "Solna stad")."""
    for m in _ORGANISATION.finditer(normalize_for_match(question)):
        word = m.group(1) or m.group(3)
        if word and word not in known_words and word not in {"stockholms", "stockholm"}:
            return True
    return False


def match_tokens(text: str) -> set[str]:
    """A text's stems, plus its words whose stem is too short to search by ("lots" → "lot")."""
    out = set(stems(text))
    out.update(w for w in words(text) if len(w) >= 4 and w not in STOPWORDS
               and len(next(iter(stems(w)), "")) < 4)
    return out


# A word of at most this many sections is particular to them (31 administrations).
PARTICULAR = 3


class Wording:
    """IDF-weighted topic coverage over a corpus of sentences."""

    def __init__(self, texts: list[str], extra_stopwords: set[str],
                 sections: Mapping[str, Iterable[str]] | None = None) -> None:
        df: Counter[str] = Counter()
        self._tokens: dict[str, set[str]] = {}
        for text in texts:
            tokens = self.tokens(text)
            df.update(tokens)
        n = max(1, len(texts))
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self.max_idf = math.log(1 + n)
        self._n = n
        self._extra = extra_stopwords
        # In how many sections (administrations) each token occurs: a word most of them
        # use ("förvaltningen", "kommissionens arbete") says nothing particular to one.
        self.spread: Counter[str] = Counter()
        for texts_of_one in (sections or {}).values():
            self.spread.update(set().union(*(self.tokens(t) for t in texts_of_one)))
        # A topic word against one text gives the same answer for every question that
        # asks it: measures are scored against every question, twice for a compare.
        self._held = lru_cache(maxsize=1 << 18)(self._held_uncached)

    def tokens(self, text: str) -> set[str]:
        """The text's match tokens, less the commission's name ("… för ett socialt
        hållbart Stockholm" says nothing about what a sentence is about)."""
        found = self._tokens.get(text)
        if found is None:
            found = self._tokens[text] = match_tokens(
                _COMMISSION_NAME.sub(" ", normalize_for_match(text)))
        return found

    def without_reports(self, question: str, reports: list[str]) -> str:
        """The normalised question less the names of the reports it mentions ("Från delad
        till enad stad" names no city, "Stad i samverkan" no organisation)."""
        q = _COMMISSION_NAME.sub(" ", normalize_for_match(
            _LINK.sub(r"\1", _MARKUP.sub(" ", question))))
        for report in reports:
            for cue in (*REPORTS_BY_NAME[report].cues, normalize_for_match(report)):
                q = q.replace(cue, " ")
        # "rapporten om översiktsplanering" names a report, not a topic.
        for start, end, _ in reversed(report_spans(q)):
            q = q[:start] + " " + q[end:]
        return q

    def topic(self, question: str, reports: list[str], leave_out: Iterable[str] = ()
              ) -> list[str]:
        """What the question is about: its words less question words, names of
        administrations (and `leave_out`: misspelt ones) and the names of the reports it
        mentions."""
        q = self.without_reports(question, reports)
        drop = set(leave_out)
        # Measure numbers and abbreviations ("6.3.3", "t.ex") are not topic words; a year is.
        kept = [w for w in words(q) if "." not in w and w not in QUESTION_WORDS
                and w not in self._extra and w not in STOPWORDS and w not in drop]
        items = []
        for word in kept:
            stem = next(iter(stems(word)), "")
            # Snowball cuts "lots" to "lot": too short to find "lotsfunktion" by.
            items.append(stem if len(stem) >= 4 else (word if len(word) >= 4 else stem))
        return list(dict.fromkeys(i for i in items if i))

    def coverage(self, topic: list[str], text: str, partial: float = PARTIAL) -> float:
        """IDF-weighted share of the topic words the text holds. A compound is found whole
        when the text has the word, holds it inside a compound, or has both its parts; only
        partly when it has just one part."""
        weights = [self.idf.get(t, self.max_idf) for t in topic]
        if not weights:
            return 0.0
        hit = sum(w * self._held(t, text, partial) for t, w in zip(topic, weights, strict=True))
        return hit / sum(weights)

    def _held_uncached(self, word: str, text: str, partial: float) -> float:
        return _found(word, self.tokens(text), partial)

    def shares_rare(self, a: str, b: str, max_df: int) -> bool:
        """The two texts share a word that at most `max_df` texts of the corpus use."""
        floor = math.log(1 + self._n / max_df)
        return any(self.idf.get(t, self.max_idf) >= floor
                   for t in self.tokens(a) & self.tokens(b))

    def information(self, text: str) -> float:
        """How much a sentence says that few others say: the IDF mass of its words that
        at most PARTICULAR sections use (names, numbers, posts and projects of its own).
        A summary quotes the sentences that say most; one that only restates what most
        administrations write ("Delrapport från Kommissionen …") scores 0. Without sections,
        every word counts. On the blind sets' development halves (17 profile questions)
        the profiles stated the key's facts for 7 with every word counted; with at most
        2, 3, 4, 5, 6 sections for 11, 12, 9, 10, 9; with the IDF over sections instead
        of sentences for 9."""
        tokens = self.tokens(text)
        if self.spread:
            tokens = {t for t in tokens if self.spread[t] <= PARTICULAR}
        return sum(self.idf.get(t, self.max_idf) for t in tokens)

    def number_near_topic(self, text: str, topic: list[str], reach: int = 4) -> bool:
        """Some number in the text stands within `reach` content words of a topic word:
        the number is a quantity of what is asked ("5 miljoner … besökare om året" for
        "Hur många … varje år"; "hälften av alla deltagare på sfi"), not of something
        else ("Två av förslagen …"). Function words ("av alla … på") do not count."""
        if not topic:
            return True
        t = self._quantities(text)
        tokens = t.split()
        starts = []
        pos = 0
        for tok in tokens:
            pos = t.index(tok, pos)
            starts.append(pos)
            pos += len(tok)
        content = [k for k, tok in enumerate(tokens)
                   if tok not in STOPWORDS and tok not in _NOT_CONTENT]
        for m in _NUMBER.finditer(t):
            i = next((k for k, s in enumerate(starts) if s + len(tokens[k]) > m.start()),
                     len(tokens) - 1)
            near = sorted({*content, i})  # the number itself may be a stopword ("en")
            at = near.index(i)
            window = " ".join(tokens[k] for k in near[max(0, at - reach):at + reach + 1])
            # Not through the caches: a window is a one-off text.
            held = match_tokens(_COMMISSION_NAME.sub(" ", window))
            if any(_found(t, held, PARTIAL) > 0 for t in topic):
                return True
        return False

    def counted(self, question: str) -> str | None:
        """The stem of what a number question counts ("elever" in "Hur många elever …")."""
        m = _COUNTED.search(normalize_for_match(question))
        found = stems(m.group("noun")) if m else []
        return found[0] if found else None

    def one_counted(self, text: str, question: str) -> bool:
        """The text says "en"/"ett" of what the question counts: "en handläggare" answers
        "Hur många handläggare …" (the article is the numeral there, nowhere else)."""
        counted = self.counted(own_part(question)) if question else None  # not the context's
        if not counted:
            return False
        return any(self.names_counted(m.group(1), counted)
                   for m in _ONE.finditer(normalize_for_match(text)))

    def names_counted(self, text: str, counted: str) -> bool:
        return any(stem_matches(counted, t) or stem_matches(t, counted)
                   for t in self.tokens(text))

    def known_share(self, topic: list[str]) -> float:
        """IDF-weighted share of the topic words that occur in the annex at all (1.0 for
        no words); a word the annex lacks weighs as its rarest."""
        if not topic:
            return 1.0
        weights = [self.idf.get(t, self.max_idf) for t in topic]
        return sum(w for t, w in zip(topic, weights, strict=True)
                   if self.is_known(t)) / sum(weights)

    def is_known(self, word: str) -> bool:
        """The annex has the word, or a compound's first or last part of it
        ("forskningsbiten": "forskning")."""
        if word in self.idf:
            return True
        return any(word[:c] in self.idf for c in range(5, len(word) - 2)) or any(
            word[c:] in self.idf for c in range(2, len(word) - 4))

    def misspelt_known(self, word: str) -> str | None:
        """The annex's word that a word of five letters or more is with a typo's difference
        ("sysselsätning": "sysselsättning"). Slow (every word of the annex): for rare checks."""
        if len(word) < 5:
            return None
        return closest(word, ((t, t) for t in self.idf), typed_threshold(word),
                       max_length_gap=2)

    def known(self, topic: list[str]) -> list[str]:
        return [t for t in topic if self.is_known(t)]

    @staticmethod
    def _quantities(text: str) -> str:
        """The normalised text less measure numbers ("4.2.1" counts nothing)."""
        return _MEASURE_NUMBER.sub(" ", normalize_for_match(text))

    def fits(self, text: str, wanted: AnswerType, question: str) -> bool:
        """A number question needs a quantity in the sentence (or "en"/"ett" before the
        counted noun: `one_counted`), a time question a date. (The asked noun is a topic
        word, so the ranking already prefers sentences that have it.)"""
        t = self._quantities(text)
        if wanted == "number":
            return bool(_NUMBER.search(t)) or self.one_counted(text, question)
        if wanted == "money":
            return bool(_NUMBER.search(t)) and bool(_MONEY.search(t))
        if wanted == "time":
            return bool(_DATE.search(t))
        return True


def _found(word: str, tokens: set[str], partial: float) -> float:
    relations = [_relation(word, t) for t in tokens]
    if any(r.whole for r in relations):
        return 1.0
    # Both parts of a compound, in different words ("bank med praktikplatser").
    heads = {c for r in relations for c in r.heads}
    if heads and heads & {c for r in relations for c in r.tails}:
        return 1.0
    # One part of the asked compound: the last part (a compound ends in its head: a
    # "medborgarbudget" is a budget) counts more than the first.
    if any(r.ends for r in relations):
        return partial
    if any(r.inside for r in relations):
        return partial * 0.4
    return 0.0


class _Relation(NamedTuple):
    whole: bool
    heads: frozenset[int]
    tails: frozenset[int]
    ends: bool
    inside: bool


_NO_CUTS: frozenset[int] = frozenset()


# A question word against a text token does not change between questions, and a corpus
# has few distinct tokens. Bounded: one question's words against a corpus vocabulary fit.
@lru_cache(maxsize=1 << 18)
def _relation(word: str, token: str) -> _Relation:
    cuts = range(4, len(word) - 2)
    return _Relation(
        whole=word == token or stem_matches(word, token),
        heads=frozenset(c for c in cuts if token.startswith(word[:c])) or _NO_CUTS,
        tails=frozenset(c for c in cuts if token.startswith(word[c:])) or _NO_CUTS,
        # The last part of a compound, after a first part of three letters or more:
        # "medborgar|budget", not "bo|städ" ("bostäder" is no kind of "städer").
        ends=len(token) >= 4 and word.endswith(token) and len(word) - len(token) >= 3,
        inside=stem_matches(token, word),
    )
