"""Swedish word tokens and stems, shared by title matching and the lexical index."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_SWEDISH

from ingest.text.groups import BODY_WORDS, GROUP_WORDS

_WORD = re.compile(r"[0-9a-zåäöéüæø]+(?:[-.][0-9a-zåäöéüæø]+)*", re.IGNORECASE)

STOPWORDS: frozenset[str] = frozenset(STOPWORDS_SWEDISH) | {
    "samt", "även", "t", "ex", "bl", "a", "m", "fl", "mm", "bör", "ska", "kan", "genom",
}
# Words in nearly every measure title or answer: they say nothing about which measure.
DOMAIN_STOPWORDS: frozenset[str] = frozenset(
    {"åtgärd", "stad", "staden", "stadens", "stockholm", "stockholms", "förvaltningen",
     "nämnden", "kommissionen", "för", "om", "inom", "fler", "ett", "en"}
)

# Naming the city's bodies says nothing about which measure a sentence is about either.
# ("ta fram" is what every body is asked to do.)
ORGANISATION_WORDS: frozenset[str] = frozenset({"ta", "fram", *GROUP_WORDS, *BODY_WORDS})


# Inflection endings the Snowball stemmer sometimes leaves on one form and not another.
_ENDINGS = frozenset({"er", "ar", "or", "s", "en", "na", "et", "erna", "arna", "ers", "ens"})


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("swedish")


def words(text: str) -> list[str]:
    """Lowercased word tokens; keeps measure numbers ("6.5.3") and hyphenated names whole."""
    return [w.lower() for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Lowercased words without the digits and measure numbers: what a text is about."""
    return [w for w in words(text) if not any(ch.isdigit() for ch in w)]


def stems(text: str, *, drop: frozenset[str] = STOPWORDS) -> list[str]:
    """Snowball-stemmed content words of a text."""
    kept = [w for w in words(text) if w not in drop and not w.isdigit()]
    return _stemmer().stemWords(kept)


def stem_matches(stem: str, token: str) -> bool:
    """A title stem is present in a text token, also inside Swedish compounds.

    "lots" matches "lotsfunktion"; "bidrag" matches "föreningsbidrag". A short stem must
    be a whole word or the first part of a compound with a word of its own after it
    ("lots|funktion"), so "cent" (from "center") does not match "centralt", nor "rad"
    "samråd".
    """
    if token == stem:
        return True
    short, long_ = sorted((stem, token), key=len)
    if len(short) >= 4 and long_.startswith(short) and long_[len(short):] in _ENDINGS:
        return True  # the stemmer cut "center" to "cent" but kept "centers" as "center"
    if len(stem) >= 4 and token.startswith(stem) and (
        len(stem) >= 6 or len(token) - len(stem) >= 5
    ):
        return True
    return len(stem) >= 6 and stem in token


def derived_matches(stem: str, token: str) -> bool:
    """stem_matches, or two derivations of one root the stemmer keeps apart:
    "informer(a)" ~ "information" share "inform"."""
    if stem_matches(stem, token):
        return True
    n = 0
    for x, y in zip(stem, token, strict=False):
        if x != y:
            break
        n += 1
    return n >= 6 and n >= 0.75 * min(len(stem), len(token))
