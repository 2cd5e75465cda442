"""Shareable links: what the address bar says, and what a link asks the app to show.

    ?q=Vad tycker Farsta om lotsar?            the question, asked and answered
    ?forvaltning=Skärholmen                     the administration's page
    ?atgard=4.1.1                               the measure's page (a number in two
    ?atgard=6.2.1&delrapport=Stad i samverkan   reports needs its report)
    ?vy=stallningstaganden[&delrapport=…]       the matrix and charts
    ?vy=dokument&forvaltning=…[&avsnitt=…]      the document, a passage highlighted

A trainer writes these by hand, so names are matched loosely (case, "stadsdelsnämnd",
the committee's name) and a name the annex lacks is reported, not silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ingest.models import Measure
from ingest.text import normalize_for_match
from retrieval.export import MeasureKey, measure_key, split_key

Q, ADMIN, MEASURE, REPORT, VIEW, PASSAGE = ("q", "forvaltning", "atgard", "delrapport", "vy",
                                           "avsnitt")
CHAT, ADMIN_VIEW, MEASURE_VIEW, MATRIX, DOCUMENT = ("fraga", "forvaltning", "atgard",
                                                    "stallningstaganden", "dokument")
VIEWS: tuple[str, ...] = (CHAT, ADMIN_VIEW, MEASURE_VIEW, MATRIX, DOCUMENT)


@dataclass(frozen=True)
class Link:
    """What one address shows. Empty strings: nothing chosen."""

    view: str = CHAT
    question: str = ""
    administration: str = ""
    measure: MeasureKey = ""
    report: str = ""  # the matrix's report filter
    passage: str = ""  # the document view's highlighted passage (a chunk group)
    problems: tuple[str, ...] = field(default=(), compare=False)


def resolve_administration(value: str, names: Sequence[str],
                           aliases: Iterable[tuple[str, str]] = ()) -> str | None:
    """A canonical administration name for what a link says: the name itself in any case,
    or a known alias ("skärholmens stadsdelsnämnd"); None when nothing matches."""
    wanted = normalize_for_match(value).strip()
    if not wanted:
        return None
    for name in names:
        if normalize_for_match(name) == wanted:
            return name
    for alias, name in aliases:
        if alias == wanted and name in names:
            return name
    return None


def resolve_measure(value: str, report: str, measures: Sequence[Measure]) -> MeasureKey | None:
    """The measure a link names: "4.1.1" (with `report` when the number occurs in two
    reports), or the app's own "report|number" key; None when unknown or ambiguous."""
    value = value.strip()
    if "|" in value:
        report, value = split_key(value)
    numbers = [m for m in measures if m.number == value.removeprefix("åtgärd ").strip()]
    if report:
        wanted = normalize_for_match(report)
        numbers = [m for m in numbers if normalize_for_match(m.report) == wanted]
    if len(numbers) != 1:
        return None
    return measure_key(numbers[0].report, numbers[0].number)


def _report(value: str, reports: Sequence[str]) -> str | None:
    wanted = normalize_for_match(value)
    return next((r for r in reports if normalize_for_match(r) == wanted), None)


def read_link(params: Mapping[str, str], names: Sequence[str], measures: Sequence[Measure],
              aliases: Iterable[tuple[str, str]] = (), max_question_chars: int = 2000) -> Link:
    """The view an address asks for. Without `vy`, the parameter given decides: a question
    opens the chat, an administration its page, a measure its page."""
    problems: list[str] = []
    question = (params.get(Q) or "").strip()[:max_question_chars]
    admin = ""
    if raw := (params.get(ADMIN) or "").strip():
        admin = resolve_administration(raw, names, aliases) or ""
        if not admin:
            problems.append(f"Länken nämner en förvaltning som bilagan inte har: {raw}.")
    reports = list(dict.fromkeys(m.report for m in measures))
    report = ""
    if raw := (params.get(REPORT) or "").strip():
        report = _report(raw, reports) or ""
        if not report:
            problems.append(f"Länken nämner en delrapport som bilagan inte har: {raw}.")
    measure = ""
    if raw := (params.get(MEASURE) or "").strip():
        measure = resolve_measure(raw, report, measures) or ""
        if not measure:
            in_reports = [m.report for m in measures if m.number == raw]
            problems.append(
                f"Åtgärd {raw} finns i flera delrapporter ({', '.join(in_reports)}); "
                "ange delrapport= i länken." if len(in_reports) > 1 and not report
                else f"Länken nämner en åtgärd som bilagan inte har: {raw}.")
    view = (params.get(VIEW) or "").strip().lower()
    if view and view not in VIEWS:
        problems.append(f"Okänd vy i länken: {view}.")
        view = ""
    if not view:
        view = (CHAT if question else MEASURE_VIEW if params.get(MEASURE)
                else ADMIN_VIEW if params.get(ADMIN) else MATRIX if report else CHAT)
    # With a measure, delrapport= only picks between its reports; it filters the matrix
    # only when the matrix is what the link opens.
    return Link(view, question, admin, measure, report if view == MATRIX else "",
                (params.get(PASSAGE) or "").strip(), tuple(problems))


def link_params(link: Link, measures: Sequence[Measure]) -> dict[str, str]:
    """The address-bar parameters for what is shown (the inverse of read_link): the short
    form where it is unambiguous, so a link stays readable."""
    if link.view == CHAT:
        return {Q: link.question} if link.question else {}
    if link.view == ADMIN_VIEW:
        return {ADMIN: link.administration} if link.administration else {VIEW: ADMIN_VIEW}
    if link.view == MEASURE_VIEW:
        if not link.measure:
            return {VIEW: MEASURE_VIEW}
        report, number = split_key(link.measure)
        if sum(m.number == number for m in measures) > 1:
            return {MEASURE: number, REPORT: report}
        return {MEASURE: number}
    if link.view == MATRIX:
        return {VIEW: MATRIX, **({REPORT: link.report} if link.report else {})}
    params = {VIEW: DOCUMENT}
    if link.administration:
        params[ADMIN] = link.administration
        if link.passage:
            params[PASSAGE] = link.passage
    return params
