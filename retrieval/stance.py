"""Stance of an administration on a measure, by rules on Swedish phrasing.

Each label records the phrase that triggered it and the sentence it stands in, so a
reader can check it against the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.text import normalize_for_match
from retrieval.stance_phrases import load_phrases
from retrieval.statements import Sentence, Statements

POSITIV = "positiv"
FORBEHALL = "positiv med förbehåll"
TVEKSAM = "tveksam"
AVVISANDE = "avvisande"
NEUTRAL = "neutral/beskrivande"
INGEN = "ingen skrivelse"
LABELS = (POSITIV, FORBEHALL, TVEKSAM, AVVISANDE, NEUTRAL, INGEN)
# What each label means, for readers of the matrix; data/eval/STANCE_GUIDE.md says it in
# full, and the hand-labelled sets follow it.
MEANINGS = {
    POSITIV: "förvaltningen värderar åtgärden positivt med egna ord (”delar kommissionens "
             "bedömning”, ”ser positivt på”, ”ser behov av”) utan villkor",
    FORBEHALL: "positiv, men med ett villkor eller förbehåll för just denna åtgärd "
               "(resurser, ”förutsatt att”, att den bör göras centralt)",
    TVEKSAM: "tvivlar på åtgärdens värde, genomförbarhet eller kostnad utan att avvisa den",
    AVVISANDE: "avvisar åtgärden eller ser inget behov av den",
    NEUTRAL: "tar upp åtgärden utan att värdera den: beskriver pågående arbete eller vad "
             "den ska göra; en plan utan värderande ord är ingen åsikt",
    INGEN: "förvaltningen har inte lämnat någon skrivelse till bilagan",
}

# The phrases live in retrieval/stance_phrases.json, each with how often and where it
# fires in the annex (scripts/stance_phrases.py recounts them).
_PHRASES = load_phrases()
_SUBJECT = _PHRASES.subject
_REJECT = _PHRASES.regex("reject")
_DOUBT = _PHRASES.regex("doubt")
_POSITIVE = _PHRASES.regex("positive")
_RESERVATION = _PHRASES.regex("reservation")
# Contrast and emphasis qualify what came before them: in "vill dock understryka att den
# är positiv" the "dock" is not a reservation on the praise that follows it.
_QUALIFIES_BEFORE = re.compile(r"\b(dock|däremot|vill (\w+ )?understryka)\b")
# A condition stated without praise still says "yes, if": "… kommer att krävas ytterligare
# resurser", "… förutsatt finansiering".
_CONDITION_ONLY = _PHRASES.regex("condition_only")
# How far after the praise a reservation still qualifies it (sentences).
RESERVATION_WINDOW = 3


@dataclass(frozen=True)
class Stance:
    administration: str
    report: str | None
    number: str | None
    label: str
    trigger: str  # the phrase that decided the label ("" for neutral)
    reservation: str  # the phrase that made it "med förbehåll", if any
    sentence: Sentence | None  # where the trigger stands (or the first own sentence)

    def as_dict(self) -> dict:
        s = self.sentence
        return {
            "administration": self.administration, "report": self.report,
            "measure": self.number, "label": self.label, "trigger": self.trigger,
            "reservation": self.reservation, "quote": s.flat if s else "",
            "passage_id": s.group if s else "", "chunk_id": s.chunk_id if s else "",
        }


def classify(sentences: list[Sentence]) -> tuple[str, str, str, Sentence | None]:
    """(label, trigger, reservation, sentence) for one administration's words on a measure."""
    if not sentences:
        return NEUTRAL, "", "", None
    texts = [normalize_for_match(s.text) for s in sentences]
    for pattern, label in ((_REJECT, AVVISANDE), (_DOUBT, TVEKSAM)):
        for s, t in zip(sentences, texts, strict=True):
            if m := pattern.search(t):
                return label, m.group(0), "", s
    for i, (s, t) in enumerate(zip(sentences, texts, strict=True)):
        if m := _POSITIVE.search(t):
            # A reservation in the praising sentence or in the next few.
            after = " ".join(texts[i:i + 1 + RESERVATION_WINDOW])
            for r in _RESERVATION.finditer(after):
                # "är dock positiv till att delta": the contrast is part of the praise.
                if r.start() < m.end() and _QUALIFIES_BEFORE.fullmatch(r.group(0)):
                    continue
                return FORBEHALL, m.group(0), r.group(0), s
            return POSITIV, m.group(0), "", s
    for s, t in zip(sentences, texts, strict=True):
        # Only where the sentence itself is tied to the measure (heading, number or a strong
        # title match): one that merely follows it in a paragraph or matches its title
        # weakly ("… arbetet med medborgardialoger … kan omfatta fler satsningar förutsatt
        # finansiering") sets a condition on the administration's own work.
        if s.direct and (m := _CONDITION_ONLY.search(t)):
            return FORBEHALL, m.group(0), m.group(0), s
    return NEUTRAL, "", "", sentences[0]


_PROPOSALS = r" (\w+ )?(förslag|åtgärd|rekommendation)\w*"
_COLLECTIVE = re.compile(
    rf"\b(dessa|de|båda|samtliga|alla|övriga){_PROPOSALS}"
    r"|\b(förslagen|rekommendationerna|åtgärdsförslagen|åtgärderna)\b"
)
# "dessa förslag" points back at the proposals just named, not at every one the paragraph
# named earlier ("Rapporten innehåller även två förslag … Förvaltningen ställer sig positiv
# till dessa förslag" is not a verdict on the lotsar discussed before them).
_ANAPHORIC = re.compile(rf"\b(dessa|de|båda){_PROPOSALS}")
ANAPHORA_REACH = 2  # sentences before the verdict that "dessa" can point back to


def stance_of(statements: Statements, administration: str, report: str,
              number: str) -> Stance:
    own = statements.on_measure(administration, report, number)
    label, trigger, reservation, sentence = classify(own)
    if label == NEUTRAL and own:
        # "Förvaltningen ställer sig positiv till dessa förslag": a verdict on all the
        # proposals a paragraph names covers this one too.
        for group in dict.fromkeys(s.group for s in own):
            paragraph = statements.of_group(group)
            for i, s in enumerate(paragraph):
                text = normalize_for_match(s.text)
                if s in own or not _COLLECTIVE.search(text):
                    continue
                before = paragraph[max(0, i - ANAPHORA_REACH):i]
                if _ANAPHORIC.search(text) and not any(
                        (report, number) in p.measures for p in before):
                    continue
                # The verdict with the sentences after it, where its reservations stand.
                found = classify(paragraph[i:i + 1 + RESERVATION_WINDOW])
                if found[0] != NEUTRAL and found[3] is s:
                    return Stance(administration, report, number, *found)
    return Stance(administration, report, number, label, trigger, reservation, sentence)


def stance_matrix(statements: Statements) -> list[Stance]:
    """One row per (administration, report, measure) it addresses; administrations with
    no statement get one "ingen skrivelse" row citing their "Skrivelse saknas."."""
    rows: list[Stance] = []
    admins: list[str] = []
    for chunk in statements.index.chunks:
        if chunk.administration not in admins:
            admins.append(chunk.administration)
    for admin in admins:
        if admin in statements.silent:
            line = statements.silent[admin][0]
            rows.append(Stance(admin, None, None, INGEN, line.flat, "", line))
            continue
        for report, number in statements.measures_of(admin):
            rows.append(stance_of(statements, admin, report, number))
    return rows
