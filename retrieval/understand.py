"""Question understanding: which administrations, measures and reports a question names,
and what kind of answer it wants."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from ingest.models import Chunk
from ingest.registry import KNOWN_ADMINISTRATIONS, aliases_for, reports_mentioned
from ingest.text import nfc, normalize_for_match
from ingest.text.groups import ANY_GROUP_WORD, kinds_named
from ingest.text.measures import mentions_in
from ingest.text.names import closest, name_candidates, name_pattern, typed_threshold
from ingest.text.placeholders import asks_about_no_statement

Intent = Literal["position", "fact", "list", "no_statement"]

_AREA_CUES = {
    "uppväxt och utbildning": "En skola där alla ska lyckas",
    "boende och stadsmiljö": "Från delad till enad stad",
    "översiktsplanering för social hållbarhet": "Från delad till enad stad",
    "arbete och försörjning": "Allas rätt till kunskap",
    "kortutbildade": "Allas rätt till kunskap",
    "vuxenutbildning": "Allas rätt till kunskap",
}
_GROUP = ANY_GROUP_WORD
_LIST = re.compile(rf"\b(vilka|which|hur många|how many|lista|list|alla)\b.*\b{_GROUP}\b"
                   rf"|\b{_GROUP}\b.*\b(vilka|är positiva|är negativa)\b|^vilka\b|^which\b")
_POSITION = re.compile(
    r"vad (tycker|anser|säger|skriver|menar|tänker)|hur (ser|ställer|förhåller)|inställning"
    r"|ståndpunkt|positiv|negativ|tveksam|stödjer|stöder|ställning|syn på|åsikt"
    r"|what does|think|position|view|stance|support"
)


@dataclass
class Detected:
    administrations: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    measures: list[tuple[str, str]] = field(default_factory=list)  # (report, number)
    measure_numbers: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    intent: Intent = "fact"
    ambiguous_measures: list[str] = field(default_factory=list)  # numbers in two reports
    misspelt: list[str] = field(default_factory=list)  # the words read as misspelt names

    def as_dict(self) -> dict:
        return asdict(self)


class Vocabulary:
    """The names a question can use, from the registry and the index's own measures."""

    def __init__(self, chunks: list[Chunk]) -> None:
        present = {c.administration for c in chunks}
        self.aliases: list[tuple[str, str]] = []  # (alias, canonical)
        self.kind_of: dict[str, str] = {}
        for known in KNOWN_ADMINISTRATIONS:
            if known.name not in present:
                continue
            self.kind_of[known.name] = known.kind
            for alias in aliases_for(known):
                self.aliases.append((normalize_for_match(alias), known.name))
        # Longest first, so "skärholmens stadsdelsnämnd" wins over "skärholmen".
        self.aliases.sort(key=lambda a: -len(a[0]))
        self._single = [(a, n) for a, n in self.aliases if " " not in a and len(a) >= 5]
        self.measures: dict[str, list[str]] = {}  # number -> reports
        self.titles: dict[tuple[str, str], str] = {}
        for chunk in chunks:
            for link in chunk.measures:
                reports = self.measures.setdefault(link.number, [])
                if link.report not in reports:
                    reports.append(link.report)
                if link.number in chunk.measure_titles:
                    self.titles[(link.report, link.number)] = chunk.measure_titles[link.number]
        # Two-word proper names the annex writes with a name as their second word
        # ("Fokus Skärholmen", "Tyngdpunkt Farsta"), lowercased.
        self.proper_names: set[tuple[str, str]] = {
            (m.group(1).lower(), m.group(2).lower())
            for c in chunks for m in _PROPER_NAME.finditer(c.text)}


def understand(question: str, vocab: Vocabulary) -> Detected:
    q = normalize_for_match(question)
    detected = Detected()
    taken = [False] * len(q)
    # "Fokus Skärholmen", "Tyngdpunkt Farsta": a project's name the annex uses, not the
    # administration ("Stadsdelsförvaltningen Skärholmen" is no name the annex has).
    scan = q
    for first, second in _PROPER_NAME.findall(nfc(question)):
        if (first.lower(), second.lower()) in vocab.proper_names:
            scan = re.sub(rf"(?<=\b{re.escape(first.lower())} ){re.escape(second.lower())}\b",
                          " " * len(second), scan)
    for alias, name in vocab.aliases:
        for m in name_pattern(alias).finditer(scan):
            if any(taken[m.start():m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            if name not in detected.administrations:
                detected.administrations.append(name)
    if not detected.administrations:
        # Small typos in one-word names ("Skärholmn", "arbetsmarknadsnämden").
        fuzzy = fuzzy_names(scan, vocab)
        detected.administrations = list(dict.fromkeys(fuzzy.values()))
        detected.misspelt = list(fuzzy)

    for report in reports_mentioned(q):
        detected.reports.append(report.name)
    for cue, name in _AREA_CUES.items():
        if cue in q and name not in detected.reports:
            detected.reports.append(name)

    numbers = [m.number for m in mentions_in(q)]
    for number in dict.fromkeys(numbers):
        detected.measure_numbers.append(number)
        reports = vocab.measures.get(number, [])
        named = [r for r in reports if r in detected.reports]
        chosen = named or reports
        if len(chosen) > 1:
            detected.ambiguous_measures.append(number)
        detected.measures.extend((r, number) for r in chosen)

    # Plural group words only: "Skärholmens stadsdelsnämnd" names one district.
    detected.kinds.extend(kinds_named(q))

    if asks_about_no_statement(q):
        detected.intent = "no_statement"
    elif _LIST.search(q) and len(detected.administrations) != 1:
        detected.intent = "list"
    elif detected.administrations and _POSITION.search(q):
        detected.intent = "position"
    elif detected.administrations and not _LIST.search(q):
        detected.intent = "position" if detected.measures else "fact"
    return detected


# A capitalised word inside a sentence (not its first) and the capitalised word after it.
_PROPER_NAME = re.compile(r"(?<=[^\s.!?:;])\s+([A-ZÅÄÖ][a-zåäö]{2,})\s+(?=([A-ZÅÄÖ][\w-]+))")


def fuzzy_names(q: str, vocab: Vocabulary) -> dict[str, str]:
    """The question's words that are misspelt one-word names, with the name each means."""
    found: dict[str, str] = {}
    for token in name_candidates(q):
        best = closest(token, vocab._single, typed_threshold(token), max_length_gap=2)
        if best:
            found.setdefault(token, best)
    return found

