"""Follow-up questions: "Och Skärholmen?" after "Vad tycker Farsta om lotsar?" becomes
"Vad tycker Skärholmen om lotsar?".

A follow-up names an administration (or a group of them) or a measure and nothing else;
it takes the previous question and swaps in what it names. A complete question is left
as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.registry import genitive, report_spans
from ingest.text import nfc
from ingest.text.groups import GROUP_WORD, same_definiteness
from ingest.text.measures import mentions_in
from ingest.text.names import name_pattern
from ingest.text.words import STOPWORDS, content_words
from retrieval.understand import Vocabulary, understand

# Words that carry no topic: what is left of "Och hur är det med Skärholmen då?".
_FILLER = frozenset("""
och men samt också även då sen sedan istället stället i hur är det med vad gäller gäller
om för till på av sig tycker tänker anser säger skriver ser menar svarar den det de dem
där här samma fråga frågan nämnden nämnd stadsdelsnämnden stadsdelsnämnd förvaltningen
förvaltning stadsdelen stadsdel kontoret åtgärd åtgärden åtgärderna punkt punkten
rekommendation rekommendationen motsvarande likadant detsamma dess deras sin sitt sina
and what about how for the same then
""".split())
# Words that point back at what the previous question was about; only in a short question
# (at most ANAPHORA_CONTENT content words): "det", "de", "den" are articles too, and a
# question with a topic of its own is complete ("Vilka är positiva till det civila …?").
ANAPHORA_CONTENT = 3
_ANAPHORA = re.compile(r"\b(det|den|dem|de|deras|dess|detta|dessa|denna|där|dit|man|sådan\w*)\b")
_CONNECTOR = re.compile(r"(\s*,\s*|\s+(och|samt|eller|and)\s+)$", re.IGNORECASE)
# "de" as the subject of a verb ("Har de provat …", "vem måste de samarbeta med", "där de
# är …"), and "dem"/"deras", point at who the previous question asked about. "de" before
# an adjective or a participle is an article ("Vad tycker de boende …", "får de nyanlända
# eleverna", "för de skoltrötta"), and "dem som …" is "those who".
_DE = re.compile(r"\b(de|dom|dem|deras)\b", re.IGNORECASE)
_PREPOSITIONS = frozenset("för till med av om på hos bland från åt under efter mot kring i".split())
_AUX = frozenset("har hade är var kan kunde ska skulle vill måste brukar planerar tänker "
                 "behöver borde bör".split())
_AFTER_DE = frozenset("om till på med fram ut in upp av för att inte något några själva då "
                      "nu också redan ännu mer så är har var hade kan ska vill måste gör får "
                      "fick tycker anser ser".split())
# "den åtgärden", "det förslaget": the measure the previous question named.
_MEASURE_BACK = re.compile(
    r"\b(?:den|denna|samma|det|detta) (?:åtgärden|åtgärd|förslaget|rekommendationen)\b",
    re.IGNORECASE)
_TOPIC_BACK = re.compile(r"\b(det|den|detta|dessa|denna|där|dit|sådan\w*)\b")
# "Och det där med X?", "Hur är det med X då?": a new topic for the previous question's
# subjects, asked the way it was asked. Not a question of its own ("Och vem …?").
_NEW_TOPIC = re.compile(
    r"^(?:och|men|hur är det med|än)\s+(?P<marked>det där med\s+|när det gäller\s+"
    r"|vad gäller\s+|frågan om\s+)?(?P<topic>.+?)(?:\s+då)?\s*\??$", re.IGNORECASE)
# A topic does not start with a question word, a verb of a yes/no question ("Och blir det
# dyrt?", "Men stämmer det?") or a courtesy ("Och tack!").
_NOT_A_TOPIC = re.compile(
    r"^(vad|vem|vilk\w*|hur|när|var|varför|finns|har|hade|är|var|kan|kunde|ska|skulle|vill"
    r"|måste|bör|borde|får|fick|blir|blev|behövs|behöver|stämmer|gäller|innebär|kostar|menar"
    r"|betyder|handlar|räcker|fungerar|ingår|tycker|gillar|anser|säger|skriver|gör|ser|tar"
    r"|kommer|planerar|tänker|brukar|tack|okej|ok|bra|hej|toppen|perfekt)\b", re.IGNORECASE)
_FRAME_END = re.compile(r"\s(om|till|på|kring)\s")
FRAME_REACH = 3  # words after the subject within which the topic's preposition stands
_LEAD = re.compile(r"^(?:och|men)\s+", re.IGNORECASE)
_HOW_MANY = re.compile(r"\bhur många\b", re.IGNORECASE)
_THEN = re.compile(r"\bdå\s*\??\s*$", re.IGNORECASE)  # "Varför då?", "Och mentorerna då?"


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str  # the words to put in (as the user wrote them, or the canonical name)
    kind: str = "admin"  # "admin", "group" (a plural group word) or "measure"
    name: str = ""  # an administration's canonical name

    @property
    def base(self) -> str:
        """The name to put in another sentence: as written, unless written in the
        genitive ("Farstas åtgärder"), then the canonical name."""
        genitive_form = self.text.lower().endswith("s") and not self.name.lower().endswith("s")
        return self.name if self.name and genitive_form else self.text


def subject_mentions(text: str, vocab: Vocabulary) -> list[Mention]:
    """Where a question names administrations (longest alias first) or a group of them."""
    taken = [False] * len(text)
    found: list[Mention] = []
    for alias, name in vocab.aliases:
        for m in name_pattern(alias).finditer(text):
            if any(taken[m.start():m.end()]):
                continue
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
            written = m.group(0)
            found.append(Mention(m.start(), m.end(),
                                 name if written.lower() == name.lower() else written,
                                 name=name))
    for m in GROUP_WORD.finditer(text):
        if not any(taken[m.start():m.end()]):
            found.append(Mention(m.start(), m.end(), m.group(0), "group"))
    return sorted(found, key=lambda x: x.start)


def measure_mentions(text: str) -> list[Mention]:
    return [Mention(m.start, m.end, m.number, "measure") for m in mentions_in(text)]


def _rest_words(text: str, spans: Sequence[Mention]) -> list[str]:
    return content_words(_rest_text(text, spans))


def _rest_text(text: str, spans: Sequence[Mention]) -> str:
    """The text with the spans blanked out."""
    chars = list(text)
    for s in spans:
        if s.start >= 0:
            chars[s.start:s.end] = [" "] * (s.end - s.start)
    return "".join(chars)


def _join(items: Sequence[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " och " + items[-1]


def _apply(text: str, groups: Sequence[tuple[Sequence[Mention], str]]) -> str:
    """Put each group's new words where its first span stands; drop its other spans
    with the "och" or comma before them. Right to left, so offsets stay valid."""
    edits: list[tuple[Mention, str | None]] = []
    for spans, new in groups:
        edits.append((spans[0], new))
        edits += [(s, None) for s in spans[1:]]
    out = text
    for span, new in sorted(edits, key=lambda e: -e[0].start):
        if new is None:
            out = _CONNECTOR.sub("", out[:span.start]) + out[span.end:]
        else:
            out = out[:span.start] + new + out[span.end:]
    return out


def _suffix(base: str, addition: str) -> str:
    return f"{base.rstrip().rstrip('?').rstrip()} – {addition}?"


CONTEXT_MARK = " (föregående fråga: "


def with_context(question: str, previous: str) -> str:
    """A follow-up whose pronoun the previous question explains, asked with it."""
    return f"{question}{CONTEXT_MARK}{previous})"


def own_part(question: str) -> str:
    """The follow-up itself, without the previous question `with_context` added: what it
    asks for (a number, a place, a stance) is its own, not the previous question's."""
    at = question.find(CONTEXT_MARK)
    return question[:at] if at >= 0 and question.endswith(")") else question


def context_part(question: str) -> str:
    """The previous question `with_context` added, without its label ('' if none)."""
    own = own_part(question)
    return question[len(own) + len(CONTEXT_MARK):-1] if own != question else ""


def points_back(question: str) -> bool:
    """The user's own follow-up (before `rewrite`) points back at what the previous answer
    said: it holds a word for its topic ("När ska det vara på plats?", "allt det här",
    "en sådan bank"). "Och Skärholmen?" does not, whatever its rewritten form copies."""
    return bool(_TOPIC_BACK.search(nfc(question).lower()))


def rewrite(question: str, history_questions: Sequence[str], vocab: Vocabulary,
            answered: Sequence[str] = ()) -> str:
    """The question to search for: a follow-up completed from the latest question in
    `history_questions` (oldest first), anything else unchanged. `answered`: the
    administrations the latest answer cited; where they are one and that question named
    none, "de" in the follow-up is that administration ("Finns det något annat förslag
    som de tvivlar på?" after "Är det någon förvaltning som tvivlar på …?")."""
    if not history_questions or not question.strip():
        return question
    q = nfc(question.strip())
    previous = nfc(history_questions[-1].strip())
    subjects = subject_mentions(q, vocab)
    measures = measure_mentions(q)
    # "Och 6.2.1 i rapporten om översiktsplanering?": the report says which 6.2.1; its
    # words are no topic of their own.
    reports = [Mention(a, b, r.name, "report") for a, b, r in report_spans(q)]
    rest = _rest_words(q, [*subjects, *measures, *reports])
    # A misspelt name ("Skärholmn") is a subject too, in its canonical form.
    for word in list(rest):
        if word in _FILLER or len(word) < 5:
            continue
        fuzzy = understand(word, vocab).administrations
        if fuzzy:
            subjects.append(Mention(-1, -1, fuzzy[0], "admin"))
            rest.remove(word)
    content = [w for w in rest if w not in _FILLER and not w.isdigit()]
    topical = [w for w in content if w not in STOPWORDS]
    if not (subjects or measures):
        resolved = _resolve_pronouns(q, previous, vocab, answered)
        if resolved is not None:
            # "Kan de göra något åt det själva?": "det" still points at the previous
            # question's topic, which a short question does not name.
            rest_of_q = _MEASURE_BACK.sub(" ", _DE.sub(" ", q)).lower()
            if len(topical) <= ANAPHORA_CONTENT and _TOPIC_BACK.search(rest_of_q):
                return with_context(resolved, previous)
            return resolved
        swapped = _new_topic(q, previous, vocab) if topical else None
        if swapped is not None:
            return swapped
    asks = not q.endswith(("!", "."))  # "Och tack så mycket!" asks nothing
    if not (subjects or measures) and len(topical) <= ANAPHORA_CONTENT and (
            _ANAPHORA.search(q.lower())
            or (asks and (not topical or _LEAD.match(q) or _THEN.search(q)))):
        # "Vad vill man få reda på med det?", "Varför då?", "Och efter 2016?": a pronoun,
        # or nothing of its own to be about, points at the previous question's subject
        # and topic, which the search needs to find it.
        if subject_mentions(previous, vocab) or measure_mentions(previous) \
                or understand(previous, vocab).administrations:
            return with_context(q, previous)
        return question
    if subjects and not measures and _LEAD.match(q) and len(topical) <= ANAPHORA_CONTENT \
            and content and _ANAPHORA.search(_rest_text(q, subjects).lower()):
        # "Och Hägersten-Liljeholmen – har de folk till det?": the previous question put
        # to the new subject says what "det" is; the follow-up says what is asked of it.
        core = f"Och {_join([m.text for m in subjects])}?"
        put = rewrite(core, history_questions, vocab)
        if put != core:
            return with_context(q, put)
    # "Och hur många fackförvaltningar?" asks the previous count of another group.
    own = [w for w in content if w != "många"] if _HOW_MANY.search(q) else content
    if own or not (subjects or measures) or (subjects and measures):
        return question  # a complete question, or nothing to carry over

    prev_subjects = subject_mentions(previous, vocab)
    prev_admins = [m for m in prev_subjects if m.kind == "admin"]
    prev_groups = [m for m in prev_subjects if m.kind == "group"]
    prev_measures = measure_mentions(previous)
    admins = [m.text for m in subjects if m.kind == "admin"]
    groups_named = [m.text for m in subjects if m.kind == "group"]
    edits: list[tuple[Sequence[Mention], str]] = []
    if measures and prev_measures:
        edits.append((prev_measures, _join([m.text for m in measures])))
    if admins and prev_admins:
        edits.append((prev_admins, _join(admins + groups_named)))
    elif groups_named and not admins and prev_groups:
        edits.append((prev_groups, same_definiteness(groups_named[0], prev_groups[0].text)))
    elif groups_named and not admins and prev_admins:
        edits.append((prev_admins, groups_named[0]))
    out = _apply(previous, edits)
    if reports and (prev_measures or report_spans(previous)):
        out = _with_report(out, reports[0].text)

    if measures and not prev_measures:
        numbers = _join([m.text for m in measures])
        where = f" i {reports[0].text}" if reports else ""
        who = _join([m.base for m in prev_admins])
        if who:
            return f"Vad säger {who} om åtgärd {numbers}{where}?"
        return _suffix(out, f"åtgärd {numbers}{where}")
    if admins and not prev_admins and prev_measures and not measures:
        # "Och vad svarar utbildningsförvaltningen på den?" after a question on the
        # commission's 6.5.2: the administration on that measure.
        numbers = _join([m.text for m in prev_measures])
        prev_reports = understand(previous, vocab).reports
        where = f" i {prev_reports[0]}" if len(prev_reports) == 1 else ""
        return f"Vad säger {_join(admins)} om åtgärd {numbers}{where}?"
    if subjects and not edits:
        return _suffix(out, _join(admins + groups_named))
    return out


def _resolve_pronouns(q: str, previous: str, vocab: Vocabulary,
                      answered: Sequence[str] = ()) -> str | None:
    """A question that names nobody but says "de"/"dem"/"deras" of the administrations
    the previous question named, or "den åtgärden" of its measure, is about them: the
    words are put in ("Har de provat mentorskap?" after a question on Hässelby-Vällingby
    becomes "Har Hässelby-Vällingby provat mentorskap?"). None when neither applies."""
    admins = [m.base for m in subject_mentions(previous, vocab) if m.kind == "admin"]
    if not admins and len(set(answered)) == 1:
        admins = [answered[0]]  # the one administration the answer was about
    numbers = [m.text for m in measure_mentions(previous)]
    out = q
    if admins:
        who = _join(admins)
        for m in reversed([m for m in _DE.finditer(out) if _points_back(out, m)]):
            put = genitive(who) if m.group(0).lower() == "deras" else who
            out = out[:m.start()] + put + out[m.end():]
    if numbers and _MEASURE_BACK.search(out):
        reports = understand(previous, vocab).reports  # (with the areas' names)
        # Not where the question says which report itself ("… i den andra rapporten").
        named = bool(report_spans(q)) or "rapport" in q.lower()
        where = f" i {reports[0]}" if len(reports) == 1 and not named else ""
        out = _MEASURE_BACK.sub(f"åtgärd {_join(numbers)}{where}", out)
    if out == q:
        return None
    out = _LEAD.sub("", out)
    return out[0].upper() + out[1:]


def _points_back(text: str, m: re.Match) -> bool:
    """Whether this "de"/"dem"/"deras" is a pronoun for the previous subjects."""
    word = m.group(0).lower()
    before = re.findall(r"\w+", text[:m.start()].lower())
    after = re.findall(r"\w+", text[m.end():].lower())
    prev, nxt = (before[-1] if before else ""), (after[0] if after else "")
    if word == "deras":
        return True
    if word == "dem":
        return nxt != "som"
    if prev in _PREPOSITIONS or not nxt:
        return False
    if nxt in _AFTER_DE:
        return True
    if nxt.endswith("nde"):
        return False  # a participle: "de boende"
    if re.search(r"(ar|er|ir|or|ur|de|te|tt|at|it)$", nxt):
        return True  # a finite verb or a supine: "där de arbetar", "har de provat"
    return prev in _AUX and nxt.endswith("a")  # an infinitive: "måste de samarbeta"


def _new_topic(q: str, previous: str, vocab: Vocabulary) -> str | None:
    """"Och det där med att analysera stadsrummet?" after "Hur ser förvaltningarna på
    att …?" is "Hur ser förvaltningarna på att analysera stadsrummet?": the previous
    question's frame up to the word that introduces its topic, with the new topic. None
    when the follow-up asks a question of its own or the previous names no one."""
    if q.rstrip().endswith(("!", ".")):
        return None
    m = _NEW_TOPIC.match(q)
    subjects = subject_mentions(previous, vocab)
    if m is None or not subjects:
        return None
    topic = m.group("topic").rstrip(" ?")
    if not m.group("marked") and _NOT_A_TOPIC.match(topic):
        return None
    frame = _FRAME_END.search(previous, subjects[-1].end)
    between = previous[subjects[-1].end:frame.start()].split() if frame else []
    if frame and len(between) <= FRAME_REACH:
        head = previous[:frame.end()]
    else:
        admins = [s.base for s in subjects if s.kind == "admin"] or [subjects[-1].text]
        head = f"Vad tycker {_join(admins)} om "
    return f"{head}{topic}?"


def _with_report(question: str, report: str) -> str:
    """The question with its report replaced by `report`, or `report` added after its
    last measure number when it names none."""
    spans = report_spans(question)
    if spans:
        start, end = spans[0][0], max(b for a, b, _ in spans if a < spans[0][1] + 1)
        return question[:start] + report + question[end:]
    loose = re.search(r"\b(?:i|ur) (?:den |sin |samma )?\w*rapport\w*", question,
                      re.IGNORECASE)
    if loose:  # "i skolrapporten": a report the registry does not know by that word
        return question[:loose.start()] + f"i {report}" + question[loose.end():]
    last = measure_mentions(question)
    if not last:
        return question
    return f"{question[:last[-1].end]} i {report}{question[last[-1].end:]}"
