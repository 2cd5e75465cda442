"""Sentences in an administration's prose that report what the commission or its reports
say ("Kommissionen föreslår att …", "I rapporten föreslås …", "Rekommendationerna
innefattar …") rather than what the administration thinks: the commission's words
retold, not a position. A sentence with the administration as a subject ("…, vilket
förvaltningen ser positivt på") is its own."""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.text.normalize import normalize_for_match

_REPORTED = re.compile(
    r"^(?:(?:hållbarhets)?kommissionen(?: för ett socialt hållbart stockholm)?"
    r"|(?:del)?rapport(?:en|erna)|rekommendation(?:en|erna)"
    r"|(?:i|enligt) (?:(?:kommissionens|hållbarhetskommissionens) )?(?:del)?rapport(?:en|erna)?"
    r"(?: [^,]{0,80}?)?|därför|det|vidare)\s+(?:\w+ ){0,2}?"
    r"(?:föreslår|föreslås|pekar|lyfter|lyfts|beskriver|beskrivs|framhåller|framhålls"
    r"|konstaterar|konstateras|menar|rekommenderar|rekommenderas|anger|anges|redovisar"
    r"|redovisas|innefattar|betonar|understryker)\b")
_OWN_SUBJECT = re.compile(
    r"\b(förvaltningen|nämnden|stadsdelsnämnden|stadsdelsförvaltningen|kontoret|vi|vår|våra"
    r"|styrelsen)\b")


@lru_cache(maxsize=1 << 14)  # every question ranks the same sentences
def reports_the_commission(text: str) -> bool:
    """The sentence retells the commission's text and says nothing of its own."""
    t = normalize_for_match(text)
    return bool(_REPORTED.search(t)) and not _OWN_SUBJECT.search(t)
