"""The stance phrases as data: each with where it fires in the annex, and the ones that
never do listed by name."""

from __future__ import annotations

import re

import pytest

from ingest.models import Annex
from retrieval.stance_phrases import (
    PHRASES_PATH,
    load_phrases,
    own_sentences,
    recount,
    where_fires,
)


@pytest.fixture(scope="module")
def sentences(annex: Annex):
    return own_sentences(annex)


def test_recorded_counts_and_places_are_current(sentences) -> None:
    """The file says how often each phrase fires; a changed phrase or parser must recount
    (python scripts/stance_phrases.py)."""
    phrases = load_phrases()
    fresh = recount(phrases, sentences)
    for name, pl in phrases.lists.items():
        for p, row in zip(pl.phrases, fresh["categories"][name]["phrases"], strict=True):
            assert (p.fires, list(p.found_at)) == (row["fires"], row["found_at"]), (
                f"{PHRASES_PATH.name}: {name} ”{p.pattern}” now fires {row['fires']} times")


def test_phrases_that_never_fire_in_the_annex(sentences) -> None:
    phrases = load_phrases()
    never = sorted(f"{name}: {p.pattern}" for name, pl in phrases.lists.items()
                   for p in pl.phrases if not p.fires)
    print("\nstance phrases that never fire in the annex:\n  " + "\n  ".join(never))
    # Rejection has no phrase that fires: the annex rejects no measure outright.
    assert all(not p.fires for p in phrases.lists["reject"].phrases)
    assert "reject: avstyrker" in never and "positive: välkomnar" in never
    # Everything else in the rules is there for a sentence of the annex.
    for name in ("positive", "reservation"):
        firing = [p for p in phrases.lists[name].phrases if p.fires]
        assert len(firing) >= len(phrases.lists[name].phrases) * 2 // 3, name
    fired = {f"{name}: {p.pattern}" for name, pl in phrases.lists.items()
             for p in pl.phrases if p.fires}
    assert not fired & set(never)


def test_a_firing_phrase_fires_where_the_file_says(sentences) -> None:
    phrases = load_phrases()
    pl = phrases.lists["doubt"]
    tveksam = next(p for p in pl.phrases if p.pattern == r"tveksam\w*")
    hits = where_fires(pl.phrase_regex(tveksam, phrases.subject), sentences)
    assert tveksam.fires == len(hits) > 0
    admin, line = tveksam.found_at[0].rsplit(", rad ", 1)
    assert (hits[0].administration, hits[0].line) == (admin, int(line))
    assert re.search(r"tveksam", hits[0].text)


def test_every_phrase_compiles_alone() -> None:
    phrases = load_phrases()
    for pl in phrases.lists.values():
        for p in pl.phrases:
            pl.phrase_regex(p, phrases.subject)
