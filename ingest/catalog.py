"""Measure numbers and titles: headings, references in prose, and matching by wording."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from ingest.models import Measure
from ingest.text.measures import LEVEL, family, number_key, references_in
from ingest.text.measures import NUMBER as _NUM
from ingest.text.words import DOMAIN_STOPWORDS, STOPWORDS, stem_matches, stems

__all__ = ["MEASURE_HEADING", "RECOMMENDATION_HEADING", "HeadingMatch", "TitleIndex",
           "family", "match_measure_heading", "number_key", "references_in"]
# "6.4.1 Åtgärd: …", "1.1 Åtgärd: …", "4.1.1 Etablera lotsar …", "4.3.1 / 4.3.2 Omvärld…"
MEASURE_HEADING = re.compile(
    rf"^[ \t]*(?P<nums>{_NUM}(?:[ \t]*/[ \t]*{_NUM})*)\.?[ \t]+(?P<atg>Åtgärd[ \t]*:[ \t]*)?"
    r"(?P<rest>\S.*)$"
)
# "6.3 Stärk studiemotivationen …", "1. Få fler kortutbildade …"
RECOMMENDATION_HEADING = re.compile(rf"^[ \t]*(?P<num>{LEVEL}(?:\.{LEVEL})?)\.?[ \t]+[A-ZÅÄÖ]")


@dataclass(frozen=True)
class HeadingMatch:
    numbers: tuple[str, ...]
    has_atgard: bool
    rest: str  # text after the number (and "Åtgärd:")
    rest_offset: int  # offset of `rest` within the matched line


def match_measure_heading(line: str) -> HeadingMatch | None:
    """A line that opens a measure: three-level numbers, or two-level with "Åtgärd:"."""
    m = MEASURE_HEADING.match(line)
    if not m:
        return None
    numbers = tuple(n.strip() for n in m.group("nums").split("/"))
    has_atgard = m.group("atg") is not None
    rest = m.group("rest")
    depth = numbers[0].count(".") + 1
    if depth == 2 and not has_atgard:
        return None
    if not has_atgard and not rest[:1].isupper():
        return None
    return HeadingMatch(numbers, has_atgard, rest, m.start("rest"))


_NONE: frozenset[str] = frozenset()  # shared, so cached misses cost no memory


class TitleIndex:
    """Weighted stem overlap between a text and measure titles (IDF over all titles)."""

    def __init__(self, measures: Iterable[Measure],
                 drop: frozenset[str] = STOPWORDS | DOMAIN_STOPWORDS,
                 match: Callable[[str, str], bool] = stem_matches) -> None:
        self._drop = drop
        self._match = match
        # A corpus repeats its tokens far more than there are titles: each token is
        # compared with all title stems once, or linking would dominate loading at scale.
        self._title_stems_of = lru_cache(maxsize=1 << 16)(self._title_stems_matching)
        self._titles: list[tuple[Measure, list[str]]] = [
            (m, sorted(set(stems(m.title, drop=drop)))) for m in measures
        ]
        self._stems_by_key: dict = {}
        for m, title_stems in self._titles:
            self._stems_by_key.setdefault(m.key, title_stems)
        self._all_stems = sorted({s for _, title_stems in self._titles for s in title_stems})
        df: dict[str, int] = {}
        for _, title_stems in self._titles:
            for s in title_stems:
                df[s] = df.get(s, 0) + 1
        self._df = df
        n = max(1, len(self._titles))
        self._idf = {s: math.log(1 + n / c) for s, c in df.items()}
        self._max_idf = math.log(1 + n)

    def score(self, measure: Measure, text: str) -> float:
        """Share of the title's (IDF-weighted) stems present in the text, 0..1."""
        title_stems = self._stems_by_key.get(measure.key)
        if title_stems is None:
            return 0.0
        tokens = set(stems(text))
        # The held stems through the per-token cache: one question is scored against
        # every title.
        return self._weighted(title_stems, tokens, self._found(tokens))

    def holds_distinctive(self, measure: Measure, text: str, max_df: int) -> bool:
        """The text holds a word of the measure's title that at most `max_df` titles use."""
        found = self._found(set(stems(text)))
        return any(s in found and self._df[s] <= max_df
                   for s in self._stems_by_key.get(measure.key, ()))

    def similarity(self, measure: Measure, title: str) -> float:
        """How alike two titles are, whichever is the shorter form of the other."""
        other = sorted(set(stems(title, drop=self._drop)))
        mine = self._stems_by_key.get(measure.key, [])
        return max(self._weighted(mine, set(other)), self._weighted(other, set(mine)))

    def _weighted(self, title_stems: list[str], tokens: set[str],
                  found: set[str] | None = None) -> float:
        idf = [self._idf.get(s, self._max_idf) for s in title_stems]
        total = sum(idf)
        if not total:
            return 0.0
        if found is None:
            found = {s for s in title_stems if any(self._match(s, t) for t in tokens)}
        hit = sum(w for s, w in zip(title_stems, idf, strict=True) if s in found)
        return hit / total

    def _found(self, tokens: set[str]) -> set[str]:
        """The stems of this index's titles that the text holds."""
        held: set[str] = set()
        for t in tokens:
            held |= self._title_stems_of(t)
        return held

    def _title_stems_matching(self, token: str) -> frozenset[str]:
        return frozenset(s for s in self._all_stems if self._match(s, token)) or _NONE

    def best(
        self, text: str, *, report: str | None = None, threshold: float = 0.6
    ) -> list[tuple[Measure, float]]:
        """Measures whose title the text clearly matches, best first."""
        tokens = set(stems(text))
        titles = [(m, title_stems) for m, title_stems in self._titles
                  if (report is None or m.report == report) and len(title_stems) >= 2]
        found = self._found(tokens)
        scored = [(m, self._weighted(title_stems, tokens, found)) for m, title_stems in titles]
        return sorted(
            [(m, s) for m, s in scored if s >= threshold], key=lambda x: (-x[1], x[0].number)
        )
