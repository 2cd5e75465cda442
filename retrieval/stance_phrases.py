"""The stance rules' phrases, as data: retrieval/stance_phrases.json.

Each phrase is a regular-expression alternative with where it fires in the bundled annex
(how many of the administrations' own sentences it matches, and the first few places), so
a reader can see which phrase was written for which sentence and which ones never fire.
`python scripts/stance_phrases.py` recounts them after a change; a test checks the counts.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingest.models import OWN_ROLES, Annex
from ingest.text import normalize_for_match
from ingest.text.sentences import sentence_spans

PHRASES_PATH = Path(__file__).resolve().parent / "stance_phrases.json"
SHOWN_PLACES = 3  # places listed per phrase


@dataclass(frozen=True)
class Phrase:
    pattern: str  # one alternative; "{subject}" stands for the subject words
    fires: int  # own sentences of the bundled annex it matches
    found_at: tuple[str, ...]  # "Administration, rad N" of the first few of them
    note: str = ""  # why it is there, where that is not obvious


@dataclass(frozen=True)
class PhraseList:
    name: str
    label: str  # the stance it sets (or qualifies)
    word_end: bool  # the phrase must end at a word boundary
    phrases: tuple[Phrase, ...]

    def regex(self, subject: str) -> re.Pattern[str]:
        """All the list's phrases as one alternation, as the rules use them."""
        return self._compile(self.phrases, subject)

    def phrase_regex(self, phrase: Phrase, subject: str) -> re.Pattern[str]:
        """One phrase alone, bounded the same way (for counting where it fires)."""
        return self._compile((phrase,), subject)

    def _compile(self, phrases: tuple[Phrase, ...], subject: str) -> re.Pattern[str]:
        body = "|".join(p.pattern.replace("{subject}", subject) for p in phrases)
        return re.compile(rf"\b({body})" + (r"\b" if self.word_end else ""))


@dataclass(frozen=True)
class StancePhrases:
    subject: str
    lists: dict[str, PhraseList]

    def regex(self, name: str) -> re.Pattern[str]:
        return self.lists[name].regex(self.subject)


def load_phrases(path: Path = PHRASES_PATH) -> StancePhrases:
    data = json.loads(path.read_text(encoding="utf-8"))
    lists = {
        name: PhraseList(name, c["label"], c["word_end"], tuple(
            Phrase(p["pattern"], p["fires"], tuple(p["found_at"]), p.get("note", ""))
            for p in c["phrases"]))
        for name, c in data["categories"].items()
    }
    return StancePhrases(data["subject"], lists)


@dataclass(frozen=True)
class OwnSentence:
    administration: str
    line: int
    text: str  # normalised for matching, as the rules see it


def own_sentences(annex: Annex) -> list[OwnSentence]:
    """The administrations' own sentences (answers and prose) of a parsed annex."""
    seen: set[tuple[int, int]] = set()
    out: list[OwnSentence] = []
    for chunk in annex.chunks:
        for seg in chunk.segments:
            if seg.role not in OWN_ROLES:
                continue
            for a, b in sentence_spans(annex.text, seg.start, seg.end):
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                line = bisect.bisect_right(annex.line_offsets, a)
                out.append(OwnSentence(chunk.administration, line,
                                       normalize_for_match(annex.text[a:b])))
    return out


def where_fires(regex: re.Pattern[str], sentences: Iterable[OwnSentence]
                ) -> list[OwnSentence]:
    return [s for s in sentences if regex.search(s.text)]


def recount(phrases: StancePhrases, sentences: list[OwnSentence]) -> dict:
    """The phrase file's content with fresh counts and places (notes kept)."""
    categories = {}
    for name, pl in phrases.lists.items():
        rows = []
        for p in pl.phrases:
            hits = where_fires(pl.phrase_regex(p, phrases.subject), sentences)
            row = {"pattern": p.pattern, "fires": len(hits),
                   "found_at": [f"{s.administration}, rad {s.line}"
                                for s in hits[:SHOWN_PLACES]]}
            if p.note:
                row["note"] = p.note
            rows.append(row)
        categories[name] = {"label": pl.label, "word_end": pl.word_end, "phrases": rows}
    return {"subject": phrases.subject, "categories": categories}
