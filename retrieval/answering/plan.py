"""The question plan: who the question is about (scope), what (topic), and what shape of
answer it wants. Typed, shown to the user ("Sökte på …") and in `ask --json` as `plan`.

The shape is read from the question's structure: how many administrations it names, a
group word ("stadsdelsnämnderna"), a measure, an asked stance, a question word. The
measure a question means without naming it is resolved by meaning (MeasureResolver)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from ingest.registry import FACK, STADSDEL
from ingest.text import normalize_for_match
from ingest.text.groups import group_noun
from retrieval.answering.measures import MeasureKey, MeasureResolver, Resolved
from retrieval.answering.wording import AnswerType, Wording, answer_type
from retrieval.followup import context_part, own_part, subject_mentions
from retrieval.stance import AVVISANDE, FORBEHALL, NEUTRAL, POSITIV, TVEKSAM
from retrieval.statements import Statements
from retrieval.understand import Detected, Vocabulary, understand

PlanShape = Literal[
    "position", "fact", "list_by_stance", "count", "compare", "profile", "inverse",
    "measure_overview", "no_statement", "commission_text", "not_in_annex",
]
ALL_SHAPES: tuple[str, ...] = PlanShape.__args__  # type: ignore[attr-defined]

# Stance families a question asks about, by the words it uses ("Vilka är för …",
# "Är X emot något?"). Order matters: the first family found wins.
_ASKED_STANCE = (
    (AVVISANDE, re.compile(r"\b((?<!tar )emot|mot något|nej till|avvisa\w*|avstyrk\w*|säger nej"
                           r"|negativ\w*|motsätter)\b")),
    (TVEKSAM, re.compile(r"\b(tveksam\w*|skeptisk\w*|kritisk\w*|tvivl\w*|invändning\w*)\b")),
    (FORBEHALL, re.compile(r"\b(förbehåll\w*|villkor\w*|dyr[at]?|kostsam\w*|kräver (mycket|mer)"
                           r"|resurser|extra pengar|mer pengar|centralt)\b")),
    (POSITIV, re.compile(r"\b(positiv\w*|är för|gillar|gilla|stödjer|stöder|bra idé"
                         r"|välkomnar|ställer sig bakom|ser positivt|tycker om)\b")),
    # "neutral" of the administration, not of the topic ("neutrala medlare").
    (NEUTRAL, re.compile(r"\b(konkreta planer|utan att ta ställning|neutral/beskrivande"
                         r"|neutral\w* (till|i frågan|inför)|(är|var|förhåller sig|ställer sig"
                         r"|håller sig|förblir) neutral\w*)\b")),
)
# Words that make a question about the commission's own text: its proposal, who it makes
# responsible, the work it says is going on.
_COMMISSION = re.compile(
    r"\b(vill|har|föreslår|tycker|menar|anser|nämner|skriver|tänkt|rekommenderar|säger) "
    r"(hållbarhets)?kommissionen\b|\b(hållbarhets)?kommissionen (vill|föreslår|tycker|menar"
    r"|anser|nämner|skriver|har tänkt|rekommenderar|säger)\b|\bvem (är|blir) ansvarig\b"
    r"|\bvem ansvarar\b|\bansvarig(a)? för (åtgärd|förslag)|\bpågående arbete\b"
    r"|\benligt (hållbarhets)?kommissionen(s)?\b|\bvad (innebär|går ut på"
    r"|gäller|handlar) (åtgärd|förslaget)\b|\bvad föreslås\b")
_COMPARE = re.compile(r"\b(jämför\w*|skillnad\w*|skiljer|likheter)\b")
_PROFILE = re.compile(
    r"^(sammanfatta|vad (tycker|skriver|säger|anser|tar) \S+( \S+)?( upp)?\??$)|\bsammanfatt\w*"
    r"|\bvilka frågor\b|\bvad tar \S+( \S+)? upp\b|\bi sitt svar\b|\bskrivelse(n)?\??$")
# The object is the proposals themselves ("Vilka av förslagen …", "… något av det
# kommissionen föreslår", "Vad gillar X i kommissionens rapporter?", "Finns det något
# annat förslag som X tvivlar på?").
_OF_PROPOSALS = re.compile(
    r"\b(vilka (av )?(förslag|åtgärd|delar|rekommendation)\w*|några av\b|något (av|i)\b"
    r"|\bnågot\??$|vilka (av )?(kommissionens )?(förslag|åtgärder)|vad gillar"
    r"|vilka delar|vilka åtgärder|(något|några|fler) (annat |andra )?(förslag|åtgärd)\w*"
    r"|\bandra (förslag|åtgärder))")
# "Vilka stadsdelsnämnder har redan ett medborgarkontor?", "Hur många förvaltningar nämner
# Fokus Skärholmen?": who of a group writes of a thing, not who holds a view on a measure.
MENTIONS = re.compile(r"\b(nämner|nämns|berättar att|säger att de (har|samarbetar)|har redan"
                      r"|redan har|vid namn)\b")
_COUNT = re.compile(r"\bhur många\b|\bantal(et)?\b")
_COUNTS_MEASURES = re.compile(r"\bhur många (av )?(\w+ )?(åtgärd|förslag|rekommendation)\w*")
_GROUP_ANY = re.compile(r"\b(förvaltning\w*|nämnd\w*|stadsdel\w*|facknämnd\w*|fackförvaltning\w*"
                        r"|vilka har|vem har)\b")
_LIST_Q = re.compile(r"^(vilka|vilken|which)\b|\bvilka (stadsdel|förvaltning|nämnd|fack)\w*"
                     r"|\bvilka har\b|\blista\b")
_SILENCE = re.compile(r"\b(inte (skickat|lämnat|svarat|kommenterat|yttrat)"
                      r"|saknar (skrivelse|skrivning|text)|(skrivelse|skrivning) saknas"
                      r"|inget svar|inga (svar|kommentarer))\b")
# What a question on silence says of the missing text itself ("… inte skickat in någon
# text alls", "saknar skrivning"): no topic of its own, so no measure to resolve.
_SILENCE_WORDS = frozenset({"text", "texter", "sakn", "skrivning", "alls"})
# Words before a district's name that make it a place, not the one asked.
# ("i Skärholmen", "t.ex. Husby och Skärholmen": one more place may come before it).
_PLACE_BEFORE = re.compile(r"(\bi|\bt\.?\s?ex\.?|\bbl\.?\s?a\.?|\bexempelvis|\bsåsom|\bsom)"
                           r"(\s+[\w-]+(\s+och|\s*,))?\s*$")
_NEGATION = re.compile(r"\b(inte|ej|aldrig|saknar|saknas|ingen|inget|utan|no|not|didn)\b")
_ANSWERED = re.compile(r"\b(svarat|kommenterat|kommenterar|yttrat|yttrar|lämnat|tar upp|tagit upp"
                       r"|skrivit)\b")


@dataclass
class Scope:
    administrations: list[str] = field(default_factory=list)  # named, in question order
    kinds: list[str] = field(default_factory=list)  # a group word's restriction
    group: bool = False  # the question is over a group of administrations
    only: list[str] = field(default_factory=list)  # a filter's administrations (the user's)

    def describe(self) -> str:
        if self.administrations:
            return ", ".join(self.administrations)
        if self.group and self.only:
            return ", ".join(self.only) + " (filter)"
        if self.group:
            return "alla " + group_noun(self.kinds)
        if self.only:
            return ", ".join(self.only) + " (filter)"
        return "hela bilagan"


@dataclass
class Topic:
    measures: list[MeasureKey] = field(default_factory=list)
    measures_by: Literal["number", "title", "meaning", "none"] = "none"
    reports: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # topic stems
    confidence: float = 0.0  # for a measure found by meaning: its lead over the next
    # By meaning, the next measures when that lead is small (the reading is unsure).
    runners_up: list[MeasureKey] = field(default_factory=list)
    # The measure the question means among all of the annex's, whoever addresses it: a
    # named administration that does not address it has not written about the topic.
    annex_measure: tuple[str, str] | None = None
    annex_measure_by: Literal["title", "meaning", "none"] = "none"
    # By meaning, per named administration: how far the annex-wide measure leads the best
    # one that administration addresses (0 when it addresses it, 1 when it addresses
    # none); a small lead is no evidence the topic is elsewhere.
    annex_lead: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        parts = []
        if self.measures:
            how = {"number": "", "title": " (efter titeln)", "meaning": " (efter innebörd)"}
            numbers = list(dict.fromkeys(n for _, n in self.measures))
            twice = " (i två delrapporter)" if len(numbers) < len(self.measures) else ""
            parts.append("åtgärd " + ", ".join(numbers) + twice + how.get(self.measures_by, ""))
            if self.runners_up and self.measures_by == "meaning":
                parts.append("osäkert, därefter närmast åtgärd "
                             + ", ".join(n for _, n in self.runners_up))
        if self.annex_measure and self.annex_measure not in self.measures:
            parts.append(f"i hela bilagan närmast åtgärd {self.annex_measure[1]}")
        elif self.reports:
            parts.append("delrapporten " + ", ".join(f"”{r}”" for r in self.reports))
        if self.words and not self.measures:
            parts.append("orden " + ", ".join(self.words[:6]))
        return "; ".join(parts) or "allt i skrivelsen"


_SHAPE_NAMES = {
    "position": "ståndpunkt", "fact": "faktauppgift", "list_by_stance": "lista efter ställning",
    "count": "antal", "compare": "jämförelse", "profile": "sammanfattning av en skrivelse",
    "inverse": "åtgärder efter ställning", "measure_overview": "alla om en åtgärd",
    "no_statement": "saknad skrivelse", "commission_text": "kommissionens egen text",
    "not_in_annex": "utanför bilagan",
}


@dataclass
class QuestionPlan:
    question: str
    shape: PlanShape
    scope: Scope
    topic: Topic
    answer_type: AnswerType = "any"
    stance_wanted: str | None = None  # the family a list or an inverse question asks for
    about_silence: bool = False  # asks who has not submitted anything
    english: bool = False
    reason: str = ""  # why the plan is not_in_annex, for the user

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """One line for the user: what was searched for, and how it was read."""
        extra = f"; ställning: {self.stance_wanted}" if self.stance_wanted else ""
        return (f"Sökte på {self.scope.describe()} · {self.topic.describe()} · "
                f"svarstyp: {_SHAPE_NAMES[self.shape]}{extra}")


class Planner:
    """Question → QuestionPlan, from what `understand` detected plus structure and meaning."""

    def __init__(self, statements: Statements, wording: Wording, resolver: MeasureResolver,
                 vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.statements = statements
        self.wording = wording
        self.resolver = resolver
        self.kind_of = vocab.kind_of
        self._alias = dict(vocab.aliases)  # normalised alias -> canonical name

    def run(self, question: str, detected: Detected, query_vector, passage_measures: dict,
            english: bool = False, kinds_filter: list[str] | None = None) -> QuestionPlan:
        # A follow-up asked with the previous question: what it asks for (a number, a
        # list, a stance) is read from the follow-up alone; who and what it is about
        # from both.
        own = own_part(question)
        q = normalize_for_match(own)
        admins = self._subjects(question, list(detected.administrations))
        kinds = list(detected.kinds) or list(kinds_filter or [])
        # A misspelt name ("utbildningsnämden") is a name, not a topic word.
        words = self.wording.topic(own + " " + context_part(question), detected.reports,
                                   detected.misspelt)
        topic = Topic(reports=list(detected.reports), words=words)
        if detected.measures:
            topic.measures, topic.measures_by = list(detected.measures), "number"
        stance = _asked_stance(q)
        wanted = answer_type(own)
        scope = Scope(admins, kinds)
        plan = QuestionPlan(question, "fact", scope, topic, wanted, english=english)
        silent = [a for a in admins if a in self.statements.silent]

        unknown = [n for n in detected.measure_numbers
                   if not any(k[1] == n or k[1].startswith(n + ".")
                              for k in self.statements.measures)]
        if unknown and not detected.measures:
            plan.shape = "not_in_annex"
            plan.reason = f"bilagan har ingen åtgärd {', '.join(unknown)}"
            return plan
        # "Vilka har yttrat sig om …" asks who spoke; only a negation asks who did not.
        if _SILENCE.search(q) or (detected.intent == "no_statement" and _NEGATION.search(q)):
            plan.about_silence = True
            topic.words = [w for w in topic.words if w not in _SILENCE_WORDS]
        if admins and (len(silent) == len(admins) or detected.intent == "no_statement"):
            # "Har Farsta lämnat någon skrivelse?": yes or no, and what it takes up.
            plan.shape = "no_statement"
        elif plan.about_silence and not admins:
            scope.group = True
            plan.shape = "count" if _COUNT.search(q) else "no_statement"
        elif plan.about_silence:
            plan.shape = "no_statement"
        elif _COMMISSION.search(q) and not (admins and not re.search(r"\bansvar", q)):
            plan.shape = "commission_text"
        elif len(admins) >= 2:
            plan.shape = "compare"
        elif len(admins) == 1:
            plan.shape = self._one_administration(q, topic, stance, wanted, english)
            if plan.shape == "not_in_annex":
                plan.reason = "bilagan använder inte något av frågans ord"
            if plan.shape == "inverse":
                plan.stance_wanted = stance or POSITIV
        elif MENTIONS.search(q) and not stance and (kinds or _LIST_Q.search(q)
                                                      or _GROUP_ANY.search(q)):
            scope.group = True
            plan.shape = "fact"
        elif _COUNT.search(q) and (kinds or _GROUP_ANY.search(q)) and not _counts_a_thing(q):
            scope.group = True
            plan.shape = "count"
            plan.stance_wanted = stance
        elif wanted in ("time", "money") and not _LIST_Q.search(q):
            # "När kommer … att besluta om …?": a fact, whatever group it mentions.
            plan.shape = "fact"
        elif kinds or _LIST_Q.search(q) or _GROUP_ANY.search(q):
            scope.group = True
            if stance and stance != NEUTRAL:
                plan.shape, plan.stance_wanted = "list_by_stance", stance
            else:
                plan.shape = "measure_overview"
        else:
            plan.shape = "fact"

        about_report = bool(topic.reports) and plan.shape in ("count", "measure_overview") \
            and bool(_ANSWERED.search(q))
        # "Vilka stadsdelsnämnder har inte kommenterat lotsarna?": silence on a topic is
        # silence on the measure it means.
        silent_on = plan.shape == "no_statement" and scope.group and bool(topic.words)
        if not topic.measures and (plan.shape in _NEEDS_MEASURE or silent_on) \
                and not about_report:
            self._resolve(plan, question, query_vector, passage_measures)
        if ((plan.shape in ("position", "fact") and len(admins) == 1)
                or plan.shape == "compare") and topic.measures_by not in ("number", "title"):
            found = self.resolver.run(question, topic.words, query_vector, passage_measures,
                                      set(self.statements.measures))
            if found.measures:
                topic.annex_measure, topic.annex_measure_by = found.measures[0], found.by
                if found.by == "meaning":
                    best = found.scores[found.measures[0]]
                    for admin in admins:
                        own = [found.scores[k] for k in self.statements.measures_of(admin)
                               if k in found.scores]
                        topic.annex_lead[admin] = round(best - max(own), 4) if own else 1.0
            if found.by == "title" and plan.shape != "compare":
                # The question quotes a measure's title: that is its topic, whoever
                # addresses it (the composer says so when the administration does not).
                topic.measures, topic.measures_by = list(found.measures), "title"
        return plan

    def _subjects(self, question: str, admins: list[str]) -> list[str]:
        """The administrations a question asks about, less districts it names as places
        ("… profilprojekten i t.ex. Husby och Skärholmen" is not asking Skärholmen)."""
        if len(admins) < 2:
            return admins
        places: set[str] = set()
        previous_place = False
        order: list[str] = []
        for m in subject_mentions(question, self.vocab):
            if m.kind != "admin":
                continue
            name = [self._alias.get(normalize_for_match(m.text))
                    or (understand(m.text, self.vocab).administrations or [None])[0]]
            name = [n for n in name if n]
            order += [n for n in name if n in admins and n not in order]
            before = normalize_for_match(question[:m.start])[-40:]
            place = bool(_PLACE_BEFORE.search(before)) or (
                previous_place and bool(re.search(r"(\boch|,)\s*$", before)))
            if place and name and self.kind_of.get(name[0]) == STADSDEL:
                places.add(name[0])
            previous_place = place
        # In the order the question names them.
        admins = order + [a for a in admins if a not in order]
        kept = [a for a in admins if a not in places]
        return kept or admins

    def _one_administration(self, q: str, topic: Topic, stance: str | None,
                            wanted: AnswerType, english: bool = False) -> PlanShape:
        if topic.measures:
            return "position"
        if _OF_PROPOSALS.search(q) and (stance or re.search(r"\bgillar\b|planer", q)):
            return "inverse"
        if _COUNTS_MEASURES.search(q):
            # "Hur många av åtgärderna berör miljönämnden?": the measures it addresses,
            # which its profile counts and lists.
            return "profile"
        if topic.words and not self.wording.known(topic.words) and not english:
            return "not_in_annex"  # "Vad tycker Skärholmen om dikter?"
        if not topic.words or _PROFILE.search(q):
            return "profile" if wanted == "any" else "fact"
        if wanted != "any":
            return "fact"
        return "position"

    def _resolve(self, plan: QuestionPlan, question: str, query_vector,
                 passage_measures: dict) -> None:
        """The measure a question means, by title words or meaning, among those its scope
        addresses."""
        allowed = self._addressed(plan.scope)
        if plan.topic.reports:
            allowed = {k for k in allowed if k[0] in plan.topic.reports} or allowed
        found: Resolved = self.resolver.run(question, plan.topic.words, query_vector,
                                            passage_measures, allowed,
                                            tuple(plan.scope.administrations))
        if found.measures:
            plan.topic.measures = found.measures
            plan.topic.measures_by = found.by
            plan.topic.confidence = found.confidence
            plan.topic.runners_up = found.runners_up

    def _addressed(self, scope: Scope) -> set[MeasureKey]:
        admins = scope.administrations or [
            a for a in self.kind_of if not scope.kinds or self.kind_of[a] in scope.kinds]
        return {k for a in admins for k in self.statements.measures_of(a)}


# Shapes answered on one measure: its meaning is resolved when no number names it.
_NEEDS_MEASURE = frozenset({"position", "list_by_stance", "measure_overview", "compare",
                            "commission_text", "count"})


def _asked_stance(q: str) -> str | None:
    for family, pattern in _ASKED_STANCE:
        if pattern.search(q):
            return family
    return None


def _counts_a_thing(q: str) -> bool:
    """"Hur många föreningar …" counts things, "hur många stadsdelar …" administrations."""
    m = re.search(r"\bhur många (av )?(de |alla )?(\w+)", q)
    return bool(m) and not re.match(r"(förvaltning|nämnd|stadsdel|fack)", m.group(3))


__all__ = ["ALL_SHAPES", "FACK", "STADSDEL", "PlanShape", "Planner", "QuestionPlan", "Scope",
           "Topic"]
