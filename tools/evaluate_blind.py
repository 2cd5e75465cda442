"""Score the product's answers to the blind question set (issue 14, item 7).

    python -m tools.evaluate_blind [--set 1|2|3] [--half dev|test|all] [--index DIR] [--json]
                                   [--show-failures] [--save-answers FILE] [--answers FILE]

The set (`data/eval/blind_questions/`) was written by four writers who never saw the
product; `split.json` holds its seeded dev/test halves. Tune only on `dev`; the test half
is measured once per round by the lead. `--set 2` takes the second set
(`data/eval/blind_set2/`, writers E–H, the same rules and its own split), `--set 3` the
third (`data/eval/blind_set3/`, writers I–L).

Asking and scoring are apart: `ask_all` puts every question to the product (a follow-up
is resolved against the question it follows with `retrieval.followup.rewrite`, as the
app does) and keeps the `Answer.as_dict(layouts)` JSON; `score_answer` reads only that
plain dict, so the scorer keeps working when the answerer is rewritten.
`--save-answers` keeps the asked answers; `--answers` scores saved ones without asking
(a change to the scorer is then re-measured on the same answers).

Metrics (per question, then averaged per shape and overall; `None` = does not apply):
- `evidence_cited` (answerable questions with evidence): some citation holds some
  evidence item. A citation holds an item when it is of the item's administration and
  its passage span covers at least half of the snippet's span in the annex (the same
  rule as `tools.evaluate.holds`). The passage span is found by locating the
  citation's `passage_text` in its administration's section (whole, or by its first and
  last 60 characters), else by its line range.
- `evidence_recall` (list_by_stance, count, measure_overview, compare, profile, inverse):
  the share of evidence items some citation holds.
- `fact_stated` (answerable): the answer is not a refusal and its text (lowercase,
  whitespace folded, markdown stars dropped, Swedish letters kept) holds every
  `fact_words` item (the phrase itself, or each of its words as a token of the same
  stem allowing a short inflection ending; numbers only as written), the key's `count`
  (digits or a Swedish number word), the key's stance family, and names every
  `must_contain.administrations` item (canonical name, annex heading or committee).
  The stance is read outside quotation marks (a quote is the annex's words, not the
  answer's claim). With one administration the family must be stated; with several,
  each administration is tied to the first family stated after it on its own line,
  else the last one stated before it (a heading), and each must be tied to the key's
  family. Families are exact; "positiv med förbehåll" passes for "positiv" only where
  the key's notes say so. Where the notes say the right answer is "no" ("Är X emot
  något?"), the answer must not claim the family without a negation before it.
- `false_refusal` (answerable): the answer is not grounded, or says "Det framgår inte
  av bilagan" and cites nothing.
- `correct_refusal` (not_in_annex): a refusal that cites nothing and claims no stance.
- `no_statement_ok` (no_statement): not a refusal, names the administration and says in
  the same paragraph that it has not submitted a statement ("har inte lämnat någon
  skrivelse", "skrivelse saknas", …).
- `shape_ok`: list_by_stance/count: every key administration named and the key's count
  stated; compare and measure_overview: every key administration named; profile:
  evidence_recall ≥ 0.9.

How each check is computed and its blind spots: `data/eval/blind_questions/SCORING.md`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.errors import NamndsvarError
from ingest.models import Annex
from ingest.registry import KNOWN_ADMINISTRATIONS, aliases_for, find_known
from ingest.settings import PROJECT_ROOT, Settings
from ingest.text.words import STOPWORDS, stems, words
from retrieval.stance import AVVISANDE, FORBEHALL, NEUTRAL, POSITIV, TVEKSAM
from tools.evaluate import holds

BLIND_DIR = PROJECT_ROOT / "data" / "eval" / "blind_questions"
# The second blind set (writers E–H, written later by the same rules), its own split.
BLIND_SETS = {"1": BLIND_DIR, "2": PROJECT_ROOT / "data" / "eval" / "blind_set2",
              "3": PROJECT_ROOT / "data" / "eval" / "blind_set3"}
HALVES = ("dev", "test")
# Shapes whose key has one evidence item per administration or measure in the answer.
RECALL_SHAPES = frozenset({"list_by_stance", "count", "measure_overview", "compare", "profile",
                           "inverse"})
LIST_SHAPES = frozenset({"list_by_stance", "count"})
PROFILE_COVERAGE = 0.9
REFUSAL = "det framgår inte av bilagan"


# -- the question set ---------------------------------------------------------------------
@dataclass(frozen=True)
class BlindEvidence:
    administration: str  # as the writer wrote it (heading or "X stadsdelsförvaltning")
    snippet: str


@dataclass(frozen=True)
class BlindQuestion:
    id: str
    question: str
    shape: str
    answerable: bool
    plain_language: bool
    evidence: tuple[BlindEvidence, ...]
    administrations: tuple[str, ...]
    count: int | None
    stance: str | None
    fact_words: tuple[str, ...]
    followup_of: str | None
    notes: str


def load_questions(directory: Path = BLIND_DIR) -> list[BlindQuestion]:
    out = []
    for path in sorted(directory.glob("writer_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            mc = d.get("must_contain") or {}
            out.append(BlindQuestion(
                d["id"], d["question"], d["shape"], bool(d["answerable"]),
                bool(d.get("plain_language")),
                tuple(BlindEvidence(e["administration"], e["snippet"])
                      for e in d.get("evidence") or []),
                tuple(mc.get("administrations") or []), mc.get("count"), mc.get("stance"),
                tuple(mc.get("fact_words") or []), d.get("followup_of"), d.get("notes") or "",
            ))
    return out


def load_split(directory: Path = BLIND_DIR) -> dict[str, str]:
    return json.loads((directory / "split.json").read_text(encoding="utf-8"))


def select(questions: Sequence[BlindQuestion], split: dict[str, str], half: str
           ) -> list[BlindQuestion]:
    if half == "all":
        return list(questions)
    return [q for q in questions if split.get(q.id) == half]


# -- names --------------------------------------------------------------------------------
def _norm(text: str, *, lines: bool = False) -> str:
    """Lowercase NFC, markdown stars dropped, whitespace folded (within each line when
    `lines`); hyphens, quotes and Swedish letters kept (unlike ingest's
    normalize_for_match, which drops dashes and would split "Enskede-Årsta-Vantör")."""
    text = unicodedata.normalize("NFC", text).lower().replace("*", "")
    if lines:
        return "\n".join(" ".join(line.split()) for line in text.splitlines())
    return " ".join(text.split())


class Names:
    """The keys' two ways of naming a section (and the annex's misspelt heading) mapped to
    the product's canonical names through ingest's own registry."""

    def __init__(self, annex: Annex) -> None:
        self._canonical: dict[str, str] = {}
        for known in KNOWN_ADMINISTRATIONS:
            for form in (known.name, *aliases_for(known)):
                self._canonical.setdefault(_norm(form), known.name)
        headings = {a.name: a.heading for a in annex.administrations}
        for name, heading in headings.items():
            self._canonical.setdefault(_norm(heading), name)
        # A committee two administrations share ("kulturnämnden" for Kulturförvaltningen
        # and Stadsarkivet) would name both: it names neither.
        committees: dict[str, list[str]] = {}
        for known in KNOWN_ADMINISTRATIONS:
            committees.setdefault(_norm(known.committee.split(" (")[0]), []).append(known.name)
        self._forms: dict[str, list[str]] = {}
        for known in KNOWN_ADMINISTRATIONS:
            committee = _norm(known.committee.split(" (")[0])
            forms = [_norm(known.name), _norm(headings.get(known.name, known.name))]
            if len(committees[committee]) == 1:
                forms.append(committee)
            self._forms[known.name] = list(dict.fromkeys(forms))
        self._patterns = {
            name: re.compile("|".join(rf"(?<!\w){re.escape(f)}s?(?!\w)" for f in forms))
            for name, forms in self._forms.items()
        }

    def canonical(self, name: str) -> str:
        found = self._canonical.get(_norm(name))
        if found:
            return found
        known = find_known(name)  # "Idrottförvaltningen", as the heading is misspelt
        if known is None:
            raise KeyError(f"Unknown administration in the key: {name}")
        return known.name

    def forms(self, name: str) -> list[str]:
        return self._forms[self.canonical(name)]

    def mentions(self, name: str, text_norm: str) -> list[int]:
        """Where a normalised text names the administration (start offsets)."""
        return [m.start() for m in self._patterns[self.canonical(name)].finditer(text_norm)]


# -- locating text in the annex -----------------------------------------------------------
# How a snippet was found: as written (whitespace folded, as tools.evaluate's
# EvidenceLocator does), with every whitespace removed (a writer joined a line break
# without a space, or with one where the annex has none), or also with a hyphen that ends
# a line dropped (a writer joined a word split across lines).
STAGES = ("exact", "joined", "dehyphenated")
_QUOTE_FOLD = str.maketrans({"“": "”", "\"": "”", "’": "'", "‘": "'"})


def _stream(raw: str, stage: str) -> tuple[str, list[int]]:
    """`raw` as compared at a stage, with each kept character's offset in `raw`."""
    chars: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(raw):
        if ch.isspace():
            if stage == "exact" and not in_space and chars:
                chars.append(" ")
                index.append(i)
            in_space = True
            continue
        if stage == "dehyphenated" and ch in "-\u00ad" and "\n" in raw[i + 1:i + 3]:
            continue
        in_space = False
        chars.append(ch.translate(_QUOTE_FOLD))
        index.append(i)
    return "".join(chars), index


def _target(snippet: str, stage: str) -> str:
    text = snippet.translate(_QUOTE_FOLD)
    if stage == "exact":
        return " ".join(text.split())
    return "".join(text.split())


@dataclass(frozen=True)
class Located:
    start: int
    end: int
    stage: str


class Locator:
    """Finds snippets (the keys') and passage texts (the answers') in an administration's
    section of the annex."""

    def __init__(self, annex: Annex, names: Names) -> None:
        self.annex = annex
        self.names = names
        self._sections = {a.name: (a.start, a.end) for a in annex.administrations}
        self._streams: dict[tuple[str, str], tuple[str, list[int]]] = {}

    def section(self, administration: str) -> tuple[int, int]:
        return self._sections[self.names.canonical(administration)]

    def _section_stream(self, name: str, stage: str) -> tuple[str, list[int]]:
        key = (name, stage)
        if key not in self._streams:
            start, end = self._sections[name]
            self._streams[key] = _stream(self.annex.text[start:end], stage)
        return self._streams[key]

    def find(self, administration: str, text: str, stages: Sequence[str] = STAGES
             ) -> Located | None:
        name = self.names.canonical(administration)
        start, _ = self._sections[name]
        for stage in stages:
            target = _target(text, stage)
            if not target:
                return None
            norm, index = self._section_stream(name, stage)
            pos = norm.find(target)
            if pos >= 0:
                return Located(start + index[pos], start + index[pos + len(target) - 1] + 1,
                               stage)
        return None

    def evidence_span(self, evidence: BlindEvidence) -> Located:
        found = self.find(evidence.administration, evidence.snippet)
        if found is None:
            raise ValueError(f"Snippet not in {evidence.administration}: "
                             f"{evidence.snippet[:60]}")
        return found

    def citation_span(self, citation: dict) -> tuple[str, int, int] | None:
        """(canonical administration, start, end) of a cited passage, or None when the
        citation is of another annex or its administration is unknown."""
        if citation.get("source") not in (None, self.annex.source):
            return None
        try:
            name = self.names.canonical(citation.get("administration") or "")
        except KeyError:
            return None
        text = citation.get("passage_text") or citation.get("text") or ""
        whole = self.find(name, text, ("exact",)) if text.strip() else None
        if whole:
            return name, whole.start, whole.end
        # Passage texts join chunks and leave out page-marker lines: locate its ends.
        flat = " ".join(text.split())
        if len(flat) > 120:
            head = self.find(name, flat[:60], ("exact",))
            tail = self.find(name, flat[-60:], ("exact",))
            if head and tail and head.start < tail.end:
                return name, head.start, tail.end
        first, last = citation.get("line_start"), citation.get("line_end")
        offsets = self.annex.line_offsets
        if isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= len(offsets):
            end = offsets[last] if last < len(offsets) else len(self.annex.text)
            return name, offsets[first - 1], end
        return None


# -- reading an answer's text -------------------------------------------------------------
_FAMILY = re.compile(
    r"(?<!\w)(?:(?P<f>positiv(?:a|t)? med förbehåll)|(?P<p>positiv(?:a|t)?)"
    r"|(?P<t>tveksam(?:ma|t)?)|(?P<a>avvisande|avvisar)"
    r"|(?P<n>neutral(?:/beskrivande)?|beskrivande|utan att ta ställning))(?!\w)")
_FAMILY_OF = {"f": FORBEHALL, "p": POSITIV, "t": TVEKSAM, "a": AVVISANDE, "n": NEUTRAL}
# A quotation on one line: the annex's words, not what the answer claims.
_QUOTED = re.compile(r"[”“\"][^”“\"\n]*[”“\"]")
_ACCEPTS_RESERVATION = re.compile(
    r"positiv med förbehåll'? (är|is) (också|also) (rätt|right|correct)|oavsett förbehåll"
    r"|acceptable if (the )?reservation", re.IGNORECASE)
# A key whose right answer is "no": its stance is the family asked about ("Är X emot
# något?" – avvisande), which a right answer denies rather than states.
_NEGATIVE_KEY = re.compile(r"\bright answer: no\b|\brätt svar: nej\b", re.IGNORECASE)
_NEGATION = re.compile(r"(?<!\w)(nej|inte|ej|inget|ingen|inga|aldrig)(?!\w)")
_NO_STATEMENT = re.compile(
    r"inte (har )?(lämnat|skickat in|inkommit med|gett|givit) (någon|något|en|ett) "
    r"(skrivelse|skrivning|yttrande|svar|kommentar)|(skrivelse|skrivning) saknas"
    r"|saknar (egen )?(skrivelse|skrivning|yttrande)|ingen (egen )?(skrivelse|skrivning)"
    r"|inget (eget )?yttrande|har inte yttrat sig")
_NUMBER_WORDS = {2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta",
                 9: "nio", 10: "tio", 11: "elva", 12: "tolv", 13: "tretton", 14: "fjorton",
                 15: "femton", 16: "sexton", 17: "sjutton", 18: "arton", 19: "nitton",
                 20: "tjugo"}
# "en"/"ett" are in nearly every sentence: one is only stated with a word that says so.
_ONE = re.compile(r"(?<!\w)(en enda|ett enda|endast en|endast ett|bara en|bara ett|enbart en"
                  r"|enbart ett|en av|ett av|en förvaltning|en stadsdelsnämnd|en nämnd)(?!\w)")
# A short ending on the same stem ("utvecklingsprogram" ~ "utvecklingsprogrammen").
MAX_INFLECTION = 3


def _blank_quotes(text: str) -> str:
    return _QUOTED.sub(lambda m: " " * len(m.group(0)), text)


def stated_families(text_norm: str) -> list[tuple[int, str]]:
    """(offset, family) of every stance family the answer states outside quotations."""
    out = []
    for m in _FAMILY.finditer(_blank_quotes(text_norm)):
        group = next(g for g, v in m.groupdict().items() if v)
        out.append((m.start(), _FAMILY_OF[group]))
    return out


def _family_near(families: list[tuple[int, str]], text_norm: str, pos: int) -> str | None:
    """The family tied to a name at `pos`: the first stated after it on its line, else
    the last stated before it."""
    line_end = text_norm.find("\n", pos)
    line_end = len(text_norm) if line_end < 0 else line_end
    after = [f for at, f in families if pos <= at < line_end]
    if after:
        return after[0]
    before = [f for at, f in families if at < pos]
    return before[-1] if before else None


def states_count(text_norm: str, n: int) -> bool:
    # Citation markers ("[10]") count nothing.
    text_norm = re.sub(r"\[\d+\]", " ", text_norm)
    # A digit on its own: not part of a measure number ("4.2.1") or a year.
    if re.search(rf"(?<![\d.]){n}(?![\d]|\.\d)", text_norm):
        return True
    if n == 1:
        return bool(_ONE.search(text_norm))
    word = _NUMBER_WORDS.get(n)
    return bool(word and re.search(rf"(?<!\w){word}(?!\w)", text_norm))


def _same_stem(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short) and len(long_) - len(short) <= MAX_INFLECTION


def _digits_joined(text: str) -> str:
    """ "4 000" and "4000" alike: the annex writes thousands with a space, answers may not."""
    return re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "", text)


def states_fact(text_norm: str, answer_stems: set[str], fact: str) -> bool:
    phrase = _norm(fact)
    if any(ch.isdigit() for ch in phrase):
        # Numbers, dates and measure numbers only as written (thousands spacing aside),
        # and not inside a longer number ("400" is not in "4000").
        wanted = re.escape(_digits_joined(phrase))
        return bool(re.search(rf"(?<!\d){wanted}(?!\d)", _digits_joined(text_norm)))
    if phrase in text_norm:
        return True
    wanted = [w for w in words(phrase) if w not in STOPWORDS]
    if not wanted:
        return False
    for word in wanted:
        stem = next(iter(stems(word, drop=frozenset())), word)
        if not any(_same_stem(stem, t) for t in answer_stems):
            return False
    return True


# -- scoring one answer -------------------------------------------------------------------
@dataclass
class QuestionScore:
    id: str
    shape: str
    answerable: bool
    plain_language: bool
    refused: bool
    evidence_cited: bool | None = None
    evidence_recall: float | None = None
    fact_stated: bool | None = None
    false_refusal: bool | None = None
    correct_refusal: bool | None = None
    no_statement_ok: bool | None = None
    shape_ok: bool | None = None
    missing: list[str] = field(default_factory=list)  # what a failed check lacked

    def failed(self) -> bool:
        checks = (self.evidence_cited, self.fact_stated, self.correct_refusal,
                  self.no_statement_ok, self.shape_ok)
        return bool(self.false_refusal) or any(c is False for c in checks)


class Scorer:
    """Scores answer dicts against the keys; needs only the annex (no index, no model)."""

    def __init__(self, annex: Annex) -> None:
        self.names = Names(annex)
        self.locator = Locator(annex, self.names)
        self._spans: dict[BlindEvidence, Located] = {}

    def evidence_span(self, evidence: BlindEvidence) -> Located:
        if evidence not in self._spans:
            self._spans[evidence] = self.locator.evidence_span(evidence)
        return self._spans[evidence]

    def accepted_families(self, q: BlindQuestion) -> set[str]:
        if not q.stance:
            return set()
        if q.stance == POSITIV and _ACCEPTS_RESERVATION.search(q.notes):
            return {POSITIV, FORBEHALL}
        return {q.stance}

    def score(self, q: BlindQuestion, answer: dict) -> QuestionScore:
        text = answer.get("answer") or ""
        text_norm = _norm(text)
        citations = answer.get("citations") or []
        refused = (not answer.get("grounded", True)) or (REFUSAL in text_norm and not citations)
        s = QuestionScore(q.id, q.shape, q.answerable, q.plain_language, refused)
        if not q.answerable:
            claims = stated_families(text_norm)
            s.correct_refusal = refused and not citations and not claims
            if not s.correct_refusal:
                s.missing.append("refusal" if not refused else "cites or claims a position")
            return s
        s.false_refusal = refused
        if refused:
            s.missing.append("refused")
        self._evidence(q, citations, s)
        self._facts(q, text, refused, s)
        if q.shape == "no_statement":
            s.no_statement_ok = not refused and all(
                self._says_no_statement(text, a) for a in q.administrations or
                [e.administration for e in q.evidence])
            if not s.no_statement_ok:
                s.missing.append("no 'has not submitted a statement'")
        self._shape(q, text_norm, refused, s)
        return s

    def _evidence(self, q: BlindQuestion, citations: list[dict], s: QuestionScore) -> None:
        if not q.evidence:
            return
        spans = [span for c in citations if (span := self.locator.citation_span(c))]
        held = []
        for e in q.evidence:
            name, ev = self.names.canonical(e.administration), self.evidence_span(e)
            held.append(any(a == name and holds((ev.start, ev.end), start, end)
                            for a, start, end in spans))
        s.evidence_cited = any(held)
        if not s.evidence_cited:
            s.missing.append("no citation holds the evidence")
        if q.shape in RECALL_SHAPES:
            s.evidence_recall = sum(held) / len(held)

    def _facts(self, q: BlindQuestion, text: str, refused: bool, s: QuestionScore) -> None:
        text_norm, text_lines = _norm(text), _norm(text, lines=True)
        missing = []
        if refused:
            missing.append("refusal")
        answer_stems = set(stems(text_norm, drop=frozenset()))
        missing += [f"fact '{f}'" for f in q.fact_words
                    if not states_fact(text_norm, answer_stems, f)]
        if q.count is not None and not states_count(text_norm, q.count):
            missing.append(f"count {q.count}")
        missing += [f"names {a}" for a in q.administrations
                    if not self.names.mentions(a, text_norm)]
        accepted = self.accepted_families(q)
        if accepted and _NEGATIVE_KEY.search(q.notes):
            # Fails only when the answer claims the family without denying it nearby.
            claimed = [at for at, f in stated_families(text_lines) if f in accepted
                       and not _NEGATION.search(text_lines[max(0, at - 40):at])]
            if claimed:
                missing.append(f"claims {q.stance}, the key's answer is no")
        elif accepted:
            families = stated_families(text_lines)
            if len(q.administrations) >= 2:
                for a in q.administrations:
                    at = self.names.mentions(a, text_lines)
                    tied = _family_near(families, text_lines, at[0]) if at else None
                    if tied not in accepted:
                        missing.append(f"stance of {a}: {tied or '-'} (key {q.stance})")
            elif not accepted & {f for _, f in families}:
                stated = sorted({f for _, f in families}) or ["-"]
                missing.append(f"stance {q.stance} (stated {', '.join(stated)})")
        s.fact_stated = not missing
        s.missing += [m for m in missing if m != "refusal"]

    def _says_no_statement(self, text: str, administration: str) -> bool:
        for paragraph in re.split(r"\n\s*\n", text):
            p = _norm(paragraph)
            if self.names.mentions(administration, p) and _NO_STATEMENT.search(p):
                return True
        return False

    def _shape(self, q: BlindQuestion, text_norm: str, refused: bool, s: QuestionScore) -> None:
        named = all(self.names.mentions(a, text_norm) for a in q.administrations)
        if q.shape in LIST_SHAPES:
            s.shape_ok = not refused and named and (
                q.count is None or states_count(text_norm, q.count))
        elif q.shape in ("compare", "measure_overview"):
            s.shape_ok = not refused and named
        elif q.shape == "profile":
            s.shape_ok = (s.evidence_recall or 0.0) >= PROFILE_COVERAGE
        if s.shape_ok is False:
            s.missing.append("shape incomplete")


def score_answer(scorer: Scorer, q: BlindQuestion, answer: dict) -> QuestionScore:
    """One answer dict (`Answer.as_dict(layouts)`, as `python -m retrieval ask --json`
    prints) scored against its key."""
    return scorer.score(q, answer)


# -- asking the product -------------------------------------------------------------------
@dataclass
class Asked:
    id: str
    question: str
    searched: str  # what the product was asked: the follow-up completed from its context
    answer: dict
    error: str | None = None


def ask_all(service, questions: Sequence[BlindQuestion], by_id: dict[str, BlindQuestion]
            ) -> dict[str, Asked]:
    """Ask every question; a follow-up after the question it follows, completed from it
    through the same rewrite the app applies to its chat history."""
    from retrieval.followup import points_back, rewrite

    asked: dict[str, Asked] = {}

    def ask(q: BlindQuestion, history: list[str], cited: Sequence[str] = (),
            answered: Sequence[str] = ()) -> Asked:
        searched = rewrite(q.question, history, service.vocab, answered)
        # As the app does: a follow-up whose own words point back at the previous answer
        # also gets the passages that answer cited.
        previous = cited if history and points_back(q.question) else ()
        try:
            data = service.answer_dict(service.ask(searched, previous=previous))
            return Asked(q.id, q.question, searched, data)
        except NamndsvarError as exc:  # a rejected question is a failed answer, not a crash
            return Asked(q.id, q.question, searched,
                         {"answer": "", "grounded": False, "citations": []}, str(exc))

    for q in questions:
        history: list[str] = []
        cited: list[str] = []
        answered: list[str] = []
        if q.followup_of:
            parent = asked.get(q.followup_of) or ask(by_id[q.followup_of], [])
            history = [parent.searched]
            citations = parent.answer.get("citations") or []
            cited = [c["id"] for c in citations]
            # As the app does: who the answer is about (those with the asked stance).
            answered = parent.answer.get("about") or [
                c["administration"] for c in citations if c.get("administration")]
        asked[q.id] = ask(q, history, cited, answered)
    return asked


# -- the report ---------------------------------------------------------------------------
METRICS = ("evidence_cited", "evidence_recall", "fact_stated", "false_refusal",
           "correct_refusal", "no_statement_ok", "shape_ok")


@dataclass
class Summary:
    n: int
    metrics: dict[str, float | None]
    counts: dict[str, int]  # how many questions each metric was measured on


def summarize(scores: Iterable[QuestionScore]) -> Summary:
    scores = list(scores)
    metrics: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for m in METRICS:
        values = [float(v) for s in scores if (v := getattr(s, m)) is not None]
        counts[m] = len(values)
        metrics[m] = round(sum(values) / len(values), 3) if values else None
    return Summary(len(scores), metrics, counts)


def report(scores: Sequence[QuestionScore]) -> dict:
    shapes = sorted({s.shape for s in scores})
    return {
        "overall": asdict(summarize(scores)),
        "per_shape": {sh: asdict(summarize(s for s in scores if s.shape == sh))
                      for sh in shapes},
        "plain_language": {str(flag).lower(): asdict(summarize(
            s for s in scores if s.plain_language == flag)) for flag in (True, False)},
    }


def _print(out: dict, asked: dict[str, Asked], scores: Sequence[QuestionScore],
           show_failures: bool) -> None:
    short = {"evidence_cited": "cited", "evidence_recall": "recall", "fact_stated": "facts",
             "false_refusal": "falseref", "correct_refusal": "corrref",
             "no_statement_ok": "nostmt", "shape_ok": "shape"}
    print(f"Blind set {out.get('set', '')}, half={out['half']}, {out['questions']} questions, "
          f"model {out['embedding_model']}")
    print(f"{'':<18}{'n':>4}" + "".join(f"{short[m]:>10}" for m in METRICS))

    def row(name: str, s: dict) -> str:
        cells = "".join(f"{'-' if s['metrics'][m] is None else format(s['metrics'][m], '.3f'):>10}"
                        for m in METRICS)
        return f"{name:<18}{s['n']:>4}{cells}"

    for shape, s in out["per_shape"].items():
        print(row(shape, s))
    print(row("overall", out["overall"]))
    for flag, s in out["plain_language"].items():
        print(row(f"plain={flag}", s))
    if show_failures:
        print("\nFailures:")
        for s in scores:
            if not s.failed():
                continue
            a = asked[s.id]
            print(f"\n{s.id} [{s.shape}] {a.question}")
            if a.searched != a.question:
                print(f"  searched: {a.searched}")
            print(f"  missing: {'; '.join(s.missing)}")
            print("  answer: " + " ".join((a.error or a.answer.get("answer") or "").split())[:300])


def save_answers(asked: dict[str, Asked], path: Path) -> None:
    with path.open("w", encoding="utf-8") as f:
        for a in asked.values():
            f.write(json.dumps(asdict(a), ensure_ascii=False) + "\n")


def load_answers(path: Path) -> dict[str, Asked]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return {r["id"]: Asked(**r) for r in rows}


def run(settings: Settings, half: str, directory: Path = BLIND_DIR,
        answers: Path | None = None) -> tuple[dict, dict, list]:
    """Ask (or, with `answers`, read the answers an earlier run saved) and score."""
    from ingest.parse import parse_file

    questions = load_questions(directory)
    by_id = {q.id: q for q in questions}
    chosen = select(questions, load_split(directory), half)
    if answers is not None:
        asked = load_answers(answers)
        chosen = [q for q in chosen if q.id in asked]
    else:
        from retrieval.service import Service

        asked = ask_all(Service.from_settings(settings), chosen, by_id)
    scorer = Scorer(parse_file(settings.annex_paths[0], chunk_max_chars=settings.chunk_max_chars))
    scores = [score_answer(scorer, q, asked[q.id].answer) for q in chosen]
    out = {"set": directory.name, "half": half, "questions": len(chosen),
           "embedding_model": settings.embedding_model,
           "errors": sum(a.error is not None for a in asked.values()), **report(scores)}
    return out, asked, scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.evaluate_blind")
    parser.add_argument("--half", choices=[*HALVES, "all"], default="dev")
    parser.add_argument("--set", choices=sorted(BLIND_SETS), default="1", dest="set_",
                        help="frågeuppsättning: 1 (skribent A–D) eller 2 (E–H)")
    parser.add_argument("--index", type=Path, help="indexkatalog")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--save-answers", type=Path, metavar="FIL",
                        help="spara svaren (JSON Lines) för att poängsätta om utan att fråga")
    parser.add_argument("--answers", type=Path, metavar="FIL",
                        help="poängsätt sparade svar i stället för att fråga produkten")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.index:
        settings = settings.model_copy(update={"index_dir": args.index})
    try:
        out, asked, scores = run(settings, args.half, BLIND_SETS[args.set_],
                                 answers=args.answers)
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    if args.save_answers:
        save_answers(asked, args.save_answers)
    if args.json:
        out["per_question"] = [{**asdict(s), "question": asked[s.id].question,
                                "searched": asked[s.id].searched,
                                "answer": asked[s.id].answer.get("answer")} for s in scores]
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        _print(out, asked, scores, args.show_failures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
