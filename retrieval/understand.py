"""Question understanding: which administrations, measures and reports a question names,
and what kind of answer it wants."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from ingest.models import Chunk
from ingest.registry import (
    FACK,
    KNOWN_ADMINISTRATIONS,
    STADSDEL,
    aliases_for,
    reports_mentioned,
)
from ingest.text import normalize_for_match

Intent = Literal["position", "fact", "list", "no_statement"]

_AREA_CUES = {
    "uppväxt och utbildning": "En skola där alla ska lyckas",
    "boende och stadsmiljö": "Från delad till enad stad",
    "översiktsplanering för social hållbarhet": "Från delad till enad stad",
    "arbete och försörjning": "Allas rätt till kunskap",
    "kortutbildade": "Allas rätt till kunskap",
    "vuxenutbildning": "Allas rätt till kunskap",
}
_MEASURE = re.compile(r"(?<![\d.])(\d\.\d{1,2}\.\d{1,2})(?![\d])")
_MEASURE_2 = re.compile(r"(?:åtgärd(?:en)?|punkt|measure|rekommendation)\s+(\d\.\d{1,2})(?![\d.])")
_NO_STATEMENT = re.compile(
    r"(inte|ej|aldrig)\s+(har\s+)?(lämnat|yttrat|skrivit|kommenterat|svarat|inkommit)"
    r"|saknar\s+(skrivelse|skrivning|yttrande|svar)|ingen\s+(skrivelse|skrivning|kommentar)"
    r"|utan\s+(skrivelse|skrivning|yttrande)|(skrivelse|skrivning)\s+saknas"
    r"|no\s+statement|not\s+(comment|respond|submit)|did\s*n.?t\s+(comment|respond|submit)"
    r"|inget\s+(yttrande|svar)|yttrat\s+sig|lämnat\s+(n[åa]go[nt]|en|ett)\s+"
    r"(skrivelse|skrivning|yttrande|svar)"
)
_GROUP = (r"(nämnder|nämnderna|stadsdelsnämnder|stadsdelsnämnderna|stadsdelar|stadsdelarna"
          r"|förvaltningar|förvaltningarna|fackförvaltningar|fackförvaltningarna"
          r"|stadsdelsförvaltningar|stadsdelsförvaltningarna|facknämnder|facknämnderna"
          r"|administrations|committees|districts|district councils|district committees)")
_LIST = re.compile(rf"\b(vilka|which|hur många|how many|lista|list|alla)\b.*\b{_GROUP}\b"
                   rf"|\b{_GROUP}\b.*\b(vilka|är positiva|är negativa)\b|^vilka\b|^which\b")
_POSITION = re.compile(
    r"vad (tycker|anser|säger|skriver|menar|tänker)|hur (ser|ställer|förhåller)|inställning"
    r"|ståndpunkt|positiv|negativ|tveksam|stödjer|stöder|ställning|syn på|åsikt"
    r"|what does|think|position|view|stance|support"
)
# Plural group words only: "Skärholmens stadsdelsnämnd" names one district, not the group.
_DISTRICT_WORDS = re.compile(r"\b(stadsdelsnämnder(na)?|stadsdelar(na)?|stadsdelsförvaltningar(na)?"
                             r"|districts|district councils|district committees"
                             r"|district administrations)\b")
_FACK_WORDS = re.compile(r"\b(fackförvaltningar(na)?|facknämnder(na)?)\b")


@dataclass
class Detected:
    administrations: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    measures: list[tuple[str, str]] = field(default_factory=list)  # (report, number)
    measure_numbers: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    intent: Intent = "fact"
    ambiguous_measures: list[str] = field(default_factory=list)  # numbers in two reports

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


def understand(question: str, vocab: Vocabulary) -> Detected:
    q = normalize_for_match(question)
    detected = Detected()
    taken = [False] * len(q)
    for alias, name in vocab.aliases:
        for m in re.finditer(rf"(?<![\wåäö-]){re.escape(alias)}(?![\wåäö-])", q):
            if any(taken[m.start():m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            if name not in detected.administrations:
                detected.administrations.append(name)
    if not detected.administrations:
        detected.administrations = _fuzzy_administrations(q, vocab)

    for report in reports_mentioned(q):
        detected.reports.append(report.name)
    for cue, name in _AREA_CUES.items():
        if cue in q and name not in detected.reports:
            detected.reports.append(name)

    numbers = _MEASURE.findall(q) + _MEASURE_2.findall(q)
    for number in dict.fromkeys(numbers):
        detected.measure_numbers.append(number)
        reports = vocab.measures.get(number, [])
        named = [r for r in reports if r in detected.reports]
        chosen = named or reports
        if len(chosen) > 1:
            detected.ambiguous_measures.append(number)
        detected.measures.extend((r, number) for r in chosen)

    if _DISTRICT_WORDS.search(q):
        detected.kinds.append(STADSDEL)
    if _FACK_WORDS.search(q):
        detected.kinds.append(FACK)

    if _NO_STATEMENT.search(q):
        detected.intent = "no_statement"
    elif _LIST.search(q) and len(detected.administrations) != 1:
        detected.intent = "list"
    elif detected.administrations and _POSITION.search(q):
        detected.intent = "position"
    elif detected.administrations and not _LIST.search(q):
        detected.intent = "position" if detected.measures else "fact"
    return detected


def _fuzzy_administrations(q: str, vocab: Vocabulary) -> list[str]:
    """Small typos in one-word names ("Skärholmn", "arbetsmarknadsnämden")."""
    found: list[str] = []
    for token in set(re.findall(r"[\wåäö-]{5,}", q)):
        best, best_ratio = None, 0.0
        for alias, name in vocab._single:
            if abs(len(alias) - len(token)) > 2:
                continue
            ratio = SequenceMatcher(None, token, alias).ratio()
            if ratio > best_ratio:
                best, best_ratio = name, ratio
        threshold = 0.86 if len(token) < 9 else 0.9
        if best and best_ratio >= threshold and best not in found:
            found.append(best)
    return found

