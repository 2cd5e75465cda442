"""What the parser knows about Stockholm's administrations and the commission's reports.

The annex names administrations only by a heading line and reports in a dozen ways; users
speak of committees ("nämnder"). This registry is the city's organisation, not the text:
a new annex with the same administrations parses without edits here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ingest.text import normalize_for_match
from ingest.text.groups import FACK, STADSDEL
from ingest.text.names import HEADING_SIMILARITY, closest
from ingest.text.words import stems

__all__ = ["FACK", "GROUP_HEADINGS", "KNOWN_ADMINISTRATIONS", "KNOWN_REPORTS",
           "REPORTS_BY_NAME", "STADSDEL", "KnownAdministration", "KnownReport",
           "aliases_for", "find_known", "genitive", "report_spans", "reports_mentioned"]


@dataclass(frozen=True)
class KnownAdministration:
    name: str
    kind: str
    committee: str
    extra_aliases: tuple[str, ...] = ()


def _fack(name: str, committee: str, *aliases: str) -> KnownAdministration:
    return KnownAdministration(name, FACK, committee, aliases)


def _district(name: str, committee: str, *aliases: str) -> KnownAdministration:
    return KnownAdministration(name, STADSDEL, committee, aliases)


KNOWN_ADMINISTRATIONS: tuple[KnownAdministration, ...] = (
    _fack("Arbetsmarknadsförvaltningen", "arbetsmarknadsnämnden", "jobbtorg stockholm",
          "labour market administration", "labor market administration",
          "labour market committee", "labor market committee"),
    _fack("Exploateringskontoret", "exploateringsnämnden", "development administration"),
    _fack("Fastighetskontoret", "fastighetsnämnden"),
    _fack("Idrottsförvaltningen", "idrottsnämnden", "sports administration"),
    _fack("Kulturförvaltningen", "kulturnämnden", "stadsbiblioteket", "cultural administration",
          "culture committee"),
    _fack("Kyrkogårdsförvaltningen", "kyrkogårdsnämnden"),
    _fack("Miljöförvaltningen", "miljö- och hälsoskyddsnämnden", "miljönämnden",
          "miljö och hälsoskyddsnämnden", "environment and health administration"),
    _fack("Revisionskontoret", "revisorskollegiet", "stadsrevisionen", "audit office"),
    _fack("Serviceförvaltningen", "servicenämnden"),
    _fack("Socialförvaltningen", "socialnämnden"),
    # Stadsarkivet answers to kulturnämnden; "kulturnämnden" still means Kulturförvaltningen.
    _fack("Stadsarkivet", "kulturnämnden (arkivmyndighet)", "arkivmyndigheten",
          "stadens arkivmyndighet", "city archives"),
    _fack("Stadsbyggnadskontoret", "stadsbyggnadsnämnden", "city planning administration",
          "city planning committee"),
    _fack("Trafikkontoret", "trafiknämnden", "transport administration", "traffic committee"),
    _fack("Utbildningsförvaltningen", "utbildningsnämnden", "education administration",
          "education committee"),
    _fack("Valnämnden", "valnämnden", "valkansliet"),
    _fack("Äldreförvaltningen", "äldrenämnden"),
    _fack("Överförmyndarförvaltningen", "överförmyndarnämnden"),
    _district("Bromma", "Bromma stadsdelsnämnd"),
    _district("Enskede-Årsta-Vantör", "Enskede-Årsta-Vantörs stadsdelsnämnd"),
    _district("Farsta", "Farsta stadsdelsnämnd"),
    _district("Hägersten-Liljeholmen", "Hägersten-Liljeholmens stadsdelsnämnd"),
    _district("Hässelby-Vällingby", "Hässelby-Vällingby stadsdelsnämnd"),
    _district("Kungsholmen", "Kungsholmens stadsdelsnämnd"),
    _district("Norrmalm", "Norrmalms stadsdelsnämnd"),
    _district("Rinkeby-Kista", "Rinkeby-Kista stadsdelsnämnd"),
    _district("Skarpnäck", "Skarpnäcks stadsdelsnämnd"),
    _district("Skärholmen", "Skärholmens stadsdelsnämnd"),
    _district("Spånga-Tensta", "Spånga-Tensta stadsdelsnämnd"),
    _district("Södermalm", "Södermalms stadsdelsnämnd"),
    _district("Älvsjö", "Älvsjö stadsdelsnämnd"),
    _district("Östermalm", "Östermalms stadsdelsnämnd"),
)

GROUP_HEADINGS = {"fackförvaltningar": FACK, "stadsdelsförvaltningar": STADSDEL}


def genitive(word: str) -> str:
    """Swedish genitive: add -s unless the word already ends in s, x or z."""
    return word if word[-1:].lower() in "sxz" else word + "s"


def aliases_for(known: KnownAdministration) -> tuple[str, ...]:
    """Every way users write this administration, lowercased, most specific first."""
    name = known.name.lower()
    forms: list[str] = [name, genitive(name)]
    committee = known.committee.split(" (")[0].lower()
    if known.kind == FACK:
        forms += [committee, genitive(committee)]
        # "arbetsmarknadsnämnd", "arbetsmarknadsförvaltning": indefinite forms
        for definite in (name, committee):
            if definite.endswith("en"):
                forms.append(definite[:-2])
    else:
        g = genitive(name)
        forms += [
            committee, f"{g} stadsdelsnämnd", f"{name} stadsdelsnämnd",
            f"{g} stadsdelsförvaltning", f"{name} stadsdelsförvaltning",
            f"stadsdelsnämnden i {name}", f"stadsdelsförvaltningen i {name}",
            f"stadsdelen {name}", f"stadsdelsområdet {name}",
        ]
        # The parts of double names ("Rinkeby", "Kista") are what people say.
        parts = name.split("-")
        if len(parts) > 1:
            forms += parts + [genitive(p) for p in parts]
    forms += [a.lower() for a in known.extra_aliases]
    seen: dict[str, None] = {}
    for form in forms:
        seen.setdefault(form, None)
    return tuple(seen)


def find_known(heading: str) -> KnownAdministration | None:
    """The administration a heading line names, tolerating the source's misspellings."""
    key = normalize_for_match(heading)
    if not key or len(key) > 40:
        return None
    return closest(key, _HEADING_KEYS, HEADING_SIMILARITY)


_HEADING_KEYS = [(normalize_for_match(k.name), k) for k in KNOWN_ADMINISTRATIONS]


@dataclass(frozen=True)
class KnownReport:
    key: str
    name: str
    full_title: str
    area: str
    # Phrases (normalised) whose presence means the text speaks of this report.
    cues: tuple[str, ...]


KNOWN_REPORTS: tuple[KnownReport, ...] = (
    KnownReport(
        "stad-i-samverkan", "Stad i samverkan",
        "Stad i samverkan – Stockholms stad och civilsamhället", "Demokrati och trygghet",
        ("stad i samverkan",),
    ),
    KnownReport(
        "en-skola-dar-alla-ska-lyckas", "En skola där alla ska lyckas",
        "En skola där alla ska lyckas", "Uppväxt och utbildning",
        ("en skola där alla", "skola där alla ska lyckas", "skola där alla kan lyckas",
         "skola där alla lyckas"),
    ),
    KnownReport(
        "fran-delad-till-enad-stad", "Från delad till enad stad",
        "Från delad till enad stad – Översiktsplanering för social hållbarhet",
        "Boende och stadsmiljö",
        ("från delad till enad stad", "från delad stad till enad stad",
         "delad till enad stad"),
    ),
    KnownReport(
        "allas-ratt-till-kunskap", "Allas rätt till kunskap",
        "Allas rätt till kunskap – Kortutbildade i vuxenutbildningen", "Arbete och försörjning",
        ("allas rätt till kunskap", "kortutbildade i vuxenutbildning",
         "kortutbildade inom vuxenutbildning", "kortutbildade och vuxenutbildning"),
    ),
)

REPORTS_BY_NAME = {r.name: r for r in KNOWN_REPORTS}


def reports_mentioned(text: str) -> list[KnownReport]:
    """Reports a piece of text names, in order of first mention: by a cue of its title,
    or as "rapporten om <a word of its full title>" ("rapporten om översiktsplanering",
    "delrapporten om kortutbildade")."""
    norm = normalize_for_match(text)
    found: list[tuple[int, KnownReport]] = []
    for report in KNOWN_REPORTS:
        positions = [norm.find(c) for c in report.cues if c in norm]
        positions += [start for start, _ in _about(norm, report)]
        if positions:
            found.append((min(positions), report))
    return [r for _, r in sorted(found, key=lambda x: x[0])]


# "rapporten om översiktsplanering", "delrapporten om kortutbildade": the definite form,
# and the report's word right after the preposition ("en rapport om kunskap om droger" is
# no report of the commission's).
REPORT_ABOUT = re.compile(r"\b(del)?rapporten (om|kring|gällande) (?P<about>\w+)")


def report_spans(text: str) -> list[tuple[int, int, KnownReport]]:
    """Where a (lowercased) text names a report: its cues and "rapporten om …" phrases."""
    low = text.lower()
    spans = []
    for report in KNOWN_REPORTS:
        for cue in report.cues:
            spans += [(m.start(), m.end(), report) for m in re.finditer(re.escape(cue), low)]
        spans += [(start, end, report) for start, end in _about(low, report)]
    return sorted(spans, key=lambda x: x[0])


def _about(text: str, report: KnownReport) -> list[tuple[int, int]]:
    """Spans of "rapporten om <a word of this report's full title>" in a lowercased text."""
    return [(m.start(), m.end()) for m in REPORT_ABOUT.finditer(text)
            if set(stems(m.group("about"))) & _title_stems(report)]


@cache
def _title_stems(report: KnownReport) -> frozenset[str]:
    # Long words only ("stad" and "skola" name a subject, not a report), and none of the
    # commission's name ("… för ett socialt hållbart Stockholm" names every report).
    common = set(stems("social socialt hållbar hållbart hållbarhet Stockholm"))
    return frozenset(st for st in stems(report.full_title) if len(st) >= 6 and st not in common)
