"""The annex's "no statement" placeholder, and questions that ask about it.

An administration that sent nothing has a section holding only "Skrivelse saknas." (or
"Skrivning saknas.").
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"^Skriv(?:ning|else) saknas\.?$")
# A question asking who has not commented ("Vilka har inte lämnat någon skrivelse?").
_ASKS = re.compile(
    r"(inte|ej|aldrig)\s+(har\s+)?(lämnat|yttrat|skrivit|kommenterat|svarat|inkommit)"
    r"|saknar\s+(skrivelse|skrivning|yttrande|svar)|ingen\s+(skrivelse|skrivning|kommentar)"
    r"|utan\s+(skrivelse|skrivning|yttrande)|(skrivelse|skrivning)\s+saknas"
    r"|no\s+statement|not\s+(comment|respond|submit)|did\s*n.?t\s+(comment|respond|submit)"
    r"|inget\s+(yttrande|svar)|yttrat\s+sig|lämnat\s+(n[åa]go[nt]|en|ett)\s+"
    r"(skrivelse|skrivning|yttrande|svar)"
)


def is_placeholder(text: str) -> bool:
    """A unit that is only "Skrivelse saknas." / "Skrivning saknas."."""
    return bool(_PLACEHOLDER.match(text.strip()))


def asks_about_no_statement(question: str) -> bool:
    """Whether a (normalised) question asks who has not commented."""
    return bool(_ASKS.search(question))
