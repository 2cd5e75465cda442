"""Group words: how a text names the administrations as a group rather than one of them.

"stadsdelsnämnderna" asks about the districts, "fackförvaltningarna" about the specialist
administrations, "förvaltningarna" about all. Singular forms ("Skärholmens
stadsdelsnämnd") name one administration and are not group words.
"""

from __future__ import annotations

import re

FACK = "fackförvaltning"
STADSDEL = "stadsdelsförvaltning"

# Plural group word -> the kind it restricts to (None: every administration).
GROUP_WORDS: dict[str, str | None] = {
    "nämnder": None, "nämnderna": None, "förvaltningar": None, "förvaltningarna": None,
    "stadsdelsnämnder": STADSDEL, "stadsdelsnämnderna": STADSDEL,
    "stadsdelar": STADSDEL, "stadsdelarna": STADSDEL,
    "stadsdelsförvaltningar": STADSDEL, "stadsdelsförvaltningarna": STADSDEL,
    "fackförvaltningar": FACK, "fackförvaltningarna": FACK,
    "facknämnder": FACK, "facknämnderna": FACK,
}
ENGLISH_GROUP_WORDS: dict[str, str | None] = {
    "administrations": None, "committees": None, "districts": STADSDEL,
    "district councils": STADSDEL, "district committees": STADSDEL,
    "district administrations": STADSDEL,
}
# The singular words for one body: they say nothing about a topic either.
BODY_WORDS: frozenset[str] = frozenset({
    "nämnd", "nämnden", "förvaltning", "förvaltningen", "stadsdelsnämnd", "stadsdelsnämnden",
    "stadsdelsförvaltning", "stadsdelsförvaltningen", "stadsdel", "stadsdelen", "kontoret",
})
_NOT_WORD = r"[\wåäö-]"


def _alternation(words) -> str:
    # Longest first, so "stadsdelsnämnderna" is not read as "stadsdelsnämnder" + "na".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


GROUP_WORD = re.compile(
    rf"(?<!{_NOT_WORD})({_alternation(GROUP_WORDS)})(?!{_NOT_WORD})", re.IGNORECASE)
ANY_GROUP_WORD = rf"({_alternation({**GROUP_WORDS, **ENGLISH_GROUP_WORDS})})"
_KIND_WORD = re.compile(
    rf"(?<!{_NOT_WORD})({_alternation({**GROUP_WORDS, **ENGLISH_GROUP_WORDS})})(?!{_NOT_WORD})")


def kinds_named(text: str) -> list[str]:
    """The kinds a (normalised) text restricts a group question to, in a fixed order."""
    named = {({**GROUP_WORDS, **ENGLISH_GROUP_WORDS})[m.group(1)]
             for m in _KIND_WORD.finditer(text)}
    return [k for k in (STADSDEL, FACK) if k in named]


def group_noun(kinds: list[str], definite: bool = False) -> str:
    """How to name a group of the given kinds in an answer ("stadsdelsnämnderna")."""
    if kinds == [STADSDEL]:
        return "stadsdelsnämnderna" if definite else "stadsdelsnämnder"
    if kinds == [FACK]:
        return "fackförvaltningarna" if definite else "fackförvaltningar"
    return "förvaltningarna" if definite else "förvaltningar"


def same_definiteness(word: str, like: str) -> str:
    """A group word in the definiteness of the word it replaces: "fackförvaltningarna"
    for "stadsdelsnämnder" gives "fackförvaltningar"."""
    bare = word[:-2] if word.lower().endswith("na") else word
    return bare + "na" if like.lower().endswith("na") else bare
