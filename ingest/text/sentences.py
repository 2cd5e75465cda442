"""Swedish sentences: where one ends, as character spans of the source text.

The segmenter is `sentencex` (language "sv"), with two documented rules on top, because
on this annex it cuts after abbreviations ("t.ex. inom", "s.k. Community Schools"):

- an abbreviation that never ends a Swedish sentence ("s.k.", "t.ex.", "bl.a.", "ca",
  "d.v.s.", …) is not a boundary, whatever follows it;
- a boundary followed by a lower-case letter is not one either: a Swedish sentence starts
  with a capital, a digit, a quote or a bullet.

Bullets ("•") start a sentence of their own: the annex lists measures and arguments as
bullets without a full stop before them. Line breaks inside a sentence (the annex wraps
its lines) are not boundaries.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sentencex

# Abbreviations that stand inside a sentence, never at its end (lower case, as written).
NON_FINAL_ABBREVIATIONS: frozenset[str] = frozenset({
    "s.k.", "t.ex.", "bl.a.", "ca", "ca.", "d.v.s.", "dvs.", "t.o.m.", "fr.o.m.", "p.g.a.",
    "pga.", "m.fl.", "enl.", "inkl.", "exkl.", "resp.", "jfr.", "ang.", "nr.", "kap.", "st.",
    "kl.", "f.d.", "o.d.", "mnkr.", "tkr.",
})
_LAST_WORD = re.compile(r"(\S+)\s*$")
# A bullet at a line's start, the first line included: sentencex cuts no sentence in a
# piece that starts with "•" ("• I rapporten föreslås … (åtgärd 6.2.1). I enlighet …").
_BULLET = re.compile(r"(?m)^[ \t]*•[ \t]*")
_LEAD_BULLET = re.compile(r"[ \t]*•[ \t]*")
# "6.3.3." or "(4.1.2.)" end with a dot that is part of a number; sentencex sees a
# boundary there only if a capital follows, which the lower-case rule does not catch.
# A citation marker ("… bra. [1]") is not a start either: it belongs to what it follows.
_STARTS_SENTENCE = re.compile(r"[\"”“'«(•*A-ZÅÄÖÉÜ0-9–-]")


def sentence_spans(text: str, start: int = 0, end: int | None = None, *,
                   keep_bullets: bool = False) -> list[tuple[int, int]]:
    """[start, end) spans of the sentences in text[start:end], trimmed of whitespace and
    (unless `keep_bullets`, for cutting text rather than quoting it) of a leading bullet;
    offsets are the text's own."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor, bullet = start, None
    # A piece that starts at its bullet mid-line (" • Genomför …", the segment after the
    # indent) has it where no line starts.
    lead = _LEAD_BULLET.match(text, start, end)
    if lead:
        cursor, bullet = lead.end(), text.index("•", start)
    for m in [*_BULLET.finditer(text, start, end), None]:
        found = _segment(text, cursor, m.start() if m else end)
        if found and bullet is not None and keep_bullets:
            found[0] = (bullet, found[0][1])  # the cut goes before the bullet
        spans += found
        if m:
            cursor, bullet = m.end(), text.index("•", m.start())
    return spans


_ANSWER_LABEL = re.compile(r"^(Kommentar|Svar|Hantering)\s*:\s*")


def quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end] as they are quoted: a leading answer label is not
    part of the first one ("Kommentar: Nämnden …" quotes "Nämnden …")."""
    label = _ANSWER_LABEL.match(text[start:end])
    return sentence_spans(text, start + label.end() if label else start, end)


def sentences(text: str) -> list[str]:
    """The sentences of a text, verbatim."""
    return [text[a:b] for a, b in sentence_spans(text)]


def ends_sentence(text: str) -> bool:
    """Whether a line stops where a sentence or a clause may end (".", ":", "!", "?", a
    closing quote), rather than mid-sentence; an abbreviation ("t.ex.") does not."""
    stripped = text.rstrip()
    if not stripped or stripped[-1] not in ".:!?”\"":
        return False
    last = _LAST_WORD.search(stripped)
    return not (last and last.group(1).lower() in NON_FINAL_ABBREVIATIONS)


# sentencex leaves some full stops uncut: after a word it takes for an abbreviation
# ("i kontakt med. Stadsdelsnämnden …", "föreningsliv, etc. Det bör …") and, in some
# paragraphs, after a plain word ("… den nya översiktsplanen. Samarbetet kommer …"). A
# lower-case word of two letters or more without an inner dot, a full stop, and a capital
# starting a word is a boundary too, except inside a quoted title ("Uppväxt och
# utbildning. En skola där alla ska lyckas").
_MISSED_STOP = re.compile(r"(?<![\w.])([a-zåäöé]{2,})\.\s+(?=[A-ZÅÄÖÉ][a-zåäöé])")
_QUOTES = re.compile(r"[\"”“]")


def _missed(piece: str) -> list[int]:
    return [m.end() for m in _MISSED_STOP.finditer(piece)
            if m.group(1) not in NON_FINAL_ABBREVIATIONS
            and f"{m.group(1)}." not in NON_FINAL_ABBREVIATIONS
            and len(_QUOTES.findall(piece, 0, m.start())) % 2 == 0]


def _segment(text: str, start: int, end: int) -> list[tuple[int, int]]:
    piece = text[start:end]
    if not piece.strip():
        return []
    cuts = sorted({c for c in _boundaries(piece) if _is_boundary(piece, c)}
                  | set(_missed(piece)))
    out: list[tuple[int, int]] = []
    prev = 0
    for c in [*cuts, len(piece)]:
        a, b = _trim(piece, prev, c)
        if a < b:
            out.append((start + a, start + b))
        prev = c
    return out


@lru_cache(maxsize=4096)
def _boundaries(piece: str) -> tuple[int, ...]:
    """Where sentencex ends its sentences (offsets inside `piece`, before the next one)."""
    found = sentencex.get_sentence_boundaries("sv", piece)
    return tuple(b["end_index"] for b in found[:-1])


def _is_boundary(piece: str, cut: int) -> bool:
    before = piece[:cut].rstrip()
    after = piece[cut:].lstrip()
    if not before or not after:
        return False
    last = _LAST_WORD.search(before)
    if last and last.group(1).lower().lstrip("(") in NON_FINAL_ABBREVIATIONS:
        return False
    return bool(_STARTS_SENTENCE.match(after))


def _trim(piece: str, a: int, b: int) -> tuple[int, int]:
    while a < b and piece[a].isspace():
        a += 1
    while b > a and piece[b - 1].isspace():
        b -= 1
    return a, b
