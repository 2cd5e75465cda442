"""The meeting-room pages' data: positions, summaries, the commission's text, chart
frames, the measure's export and the shareable links, on the hash-embedded annex."""

from __future__ import annotations

import csv
import io

import pytest

from ingest.models import Measure
from retrieval.export import measure_key, split_direct
from retrieval.links import (
    ADMIN_VIEW,
    CHAT,
    DOCUMENT,
    MATRIX,
    MEASURE_VIEW,
    Link,
    link_params,
    read_link,
    resolve_administration,
    resolve_measure,
)
from retrieval.positions import (
    NO_COMMISSION_TEXT,
    administration_chart_frame,
    administration_positions,
    administrations_with,
    by_report,
    commission_text,
    measure_chart_frame,
    measure_csv,
    measure_markdown,
    measure_overview,
    measure_summary,
    position_summary,
    short_title,
)
from retrieval.stance import FORBEHALL, INGEN, NEUTRAL, POSITIV, TVEKSAM


@pytest.fixture(scope="module")
def data(fake_service):
    names = list(dict.fromkeys(a.name for a in fake_service.administrations()))
    kinds = {a.name: a.kind for a in fake_service.administrations()}
    return fake_service, fake_service.stances(), fake_service.measures(), names, kinds


def _measure(measures, report: str, number: str) -> Measure:
    return next(m for m in measures if m.report == report and m.number == number)


# -- summaries --------------------------------------------------------------------------
def test_position_summary_counts_each_label_over_the_measures() -> None:
    labels = [POSITIV] * 5 + [FORBEHALL] * 3 + [TVEKSAM]
    assert position_summary(labels) == ("positiv till 5, med förbehåll till 3, tveksam till 1 "
                                        "av 9 åtgärder")
    assert position_summary([NEUTRAL]) == "beskrivande (utan värdering) om 1 av 1 åtgärd"
    assert position_summary([]) == "tar inte upp någon av kommissionens åtgärder"
    assert position_summary([INGEN]) == "tar inte upp någon av kommissionens åtgärder"


def test_measure_summary_counts_administrations() -> None:
    assert measure_summary([FORBEHALL] * 6 + [NEUTRAL] * 2) == (
        "8 förvaltningar tar upp åtgärden: positiv med förbehåll 6, neutral/beskrivande 2")
    assert measure_summary([POSITIV]) == "1 förvaltning tar upp åtgärden: positiv 1"
    assert measure_summary([]) == "Ingen förvaltning tar upp åtgärden"


def test_split_direct_takes_the_first_line_as_the_direct_answer() -> None:
    direct, rest = split_direct("**Farsta** om åtgärd 4.1.1: **positiv**.\n- ”A.” [1]\n- ”B.” [1]")
    assert direct == "**Farsta** om åtgärd 4.1.1: **positiv**."
    assert rest == "- ”A.” [1]\n- ”B.” [1]"
    assert split_direct("Det framgår inte av bilagan.") == ("Det framgår inte av bilagan.", "")


# -- one administration -----------------------------------------------------------------
def test_administration_positions_grouped_by_report_with_quotes_and_places(data) -> None:
    service, stances, measures, _, kinds = data
    positions = administration_positions(stances, service.index, measures, "Skärholmen",
                                         kinds["Skärholmen"])
    assert position_summary([p.label for p in positions]) == (
        "tveksam till 1, beskrivande (utan värdering) om 16 av 17 åtgärder")
    tveksam = next(p for p in positions if p.number == "6.5.3")
    assert tveksam.label == TVEKSAM and tveksam.trigger == "blir kostsamt"
    assert "blir kostsamt om vi etablerar medborgarkontor" in tveksam.quote
    assert tveksam.title == "Etablera fler lokala Community Center"
    assert tveksam.where.startswith("ca s. ") and "rad " in tveksam.where
    # The passage to highlight is one of Skärholmen's own.
    assert tveksam.group in {c.group for c in service.section_chunks("Skärholmen")}
    groups = by_report(positions)
    assert [r for r, _ in groups] == sorted({p.report for p in positions})
    order = [measure_key(m.report, m.number) for m in measures]
    assert [p.key for p in positions] == sorted((p.key for p in positions), key=order.index)


def test_an_administration_without_statement_has_no_positions(data) -> None:
    service, stances, measures, _, _ = data
    assert administration_positions(stances, service.index, measures, "Valnämnden") == []


# -- one measure ------------------------------------------------------------------------
def test_commission_text_is_the_fullest_reprint_with_its_ansvarig(data) -> None:
    service, *_ = data
    text = commission_text(service.index, "En skola där alla ska lyckas", "6.5.3")
    assert text.description.startswith("Lokala Community Centers ska bildas")
    assert text.responsible.startswith("Stadsdelsnämnderna i samverkan med "
                                       "arbetsmarknadsnämnden")
    assert text.administration and text.where.startswith("rad ")
    assert commission_text(service.index, "Stad i samverkan", "4.1.1").description == ""


def test_measure_overview_lists_every_stance_and_who_did_not_comment(data) -> None:
    service, stances, measures, names, kinds = data
    measure = _measure(measures, "Stad i samverkan", "4.1.1")
    overview = measure_overview(stances, service.index, measure, names, kinds)
    spoke = [p.administration for p in overview.positions]
    assert "Skärholmen" in spoke and "Enskede-Årsta-Vantör" in spoke
    assert "Valnämnden" in overview.silent and "Valnämnden" not in spoke
    assert set(spoke) | set(overview.silent) | set(overview.quiet) == set(names)
    assert not set(spoke) & (set(overview.silent) | set(overview.quiet))
    assert all(p.label != INGEN for p in overview.positions)

    markdown = measure_markdown(overview)
    assert markdown.startswith("# Åtgärd 4\\.1\\.1 Etablera lotsar")
    assert NO_COMMISSION_TEXT in markdown.replace("\\", "")
    assert "- **Skärholmen**: neutral/beskrivande – ”Föreningssamordnare" in markdown
    assert "**Har inte lämnat någon skrivelse:**" in markdown

    rows = list(csv.reader(io.StringIO(measure_csv(overview))))
    assert rows[0][:6] == ["förvaltning", "typ", "delrapport", "åtgärd", "åtgärdens titel",
                           "ställningstagande"]
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == set(names)
    assert by_name["Valnämnden"][5] == INGEN
    assert by_name["Skärholmen"][8].startswith("Föreningssamordnare")
    assert any(r[5] == "tar inte upp åtgärden" for r in rows[1:])


def test_measure_markdown_labels_the_commission_text_and_escapes_it(data) -> None:
    service, stances, measures, names, kinds = data
    measure = _measure(measures, "En skola där alla ska lyckas", "6.5.3")
    markdown = measure_markdown(measure_overview(stances, service.index, measure, names,
                                                 kinds))
    assert "## Kommissionens förslag (kommissionens text, inte en förvaltnings)" in markdown
    assert "> Lokala Community Centers ska bildas" in markdown
    assert "**Ansvarig enligt kommissionen:** Stadsdelsnämnderna" in markdown
    assert "- **Skärholmen**: tveksam (”blir kostsamt”)" in markdown


# -- charts -----------------------------------------------------------------------------
def test_measure_chart_frame_counts_stances_per_measure(data) -> None:
    _, stances, measures, _, _ = data
    frame = measure_chart_frame(stances, measures)
    row = frame[(frame["nyckel"] == "Stad i samverkan|4.1.1")
                & (frame["Ställningstagande"] == FORBEHALL)].iloc[0]
    assert row["Antal"] == 6
    assert row["Förvaltningar"].split(", ") == administrations_with(
        stances, "Stad i samverkan|4.1.1", FORBEHALL)
    assert INGEN not in set(frame["Ställningstagande"])
    spoken = [s for s in stances if s.label != INGEN and s.number]
    assert frame["Antal"].sum() == len(spoken)
    one = measure_chart_frame(stances, measures, report="Stad i samverkan")
    assert set(one["Delrapport"]) == {"Stad i samverkan"}
    assert short_title("4.1.1", "Ett " + "mycket " * 20 + "långt namn").endswith(" …")


def test_administration_chart_frame_has_a_bar_per_report(data) -> None:
    service, stances, measures, _, _ = data
    positions = administration_positions(stances, service.index, measures, "Skärholmen")
    frame = administration_chart_frame(positions)
    assert frame["Antal"].sum() == len(positions)
    tveksam = frame[frame["Ställningstagande"] == TVEKSAM].iloc[0]
    assert tveksam["Delrapport"] == "En skola där alla ska lyckas"
    assert tveksam["Åtgärder"] == "6.5.3"


# -- links ------------------------------------------------------------------------------
def test_links_resolve_names_loosely_and_report_unknown_ones(data) -> None:
    service, _, measures, names, _ = data
    aliases = service.vocab.aliases
    assert resolve_administration("skärholmen", names) == "Skärholmen"
    assert resolve_administration("Skärholmens stadsdelsnämnd", names, aliases) == "Skärholmen"
    assert resolve_administration("Solna stad", names, aliases) is None
    assert resolve_measure("4.1.1", "", measures) == "Stad i samverkan|4.1.1"
    assert resolve_measure("6.2.1", "", measures) is None  # in two reports
    assert resolve_measure("6.2.1", "från delad till enad stad", measures) == \
        "Från delad till enad stad|6.2.1"
    assert resolve_measure("Stad i samverkan|4.1.1", "", measures) == "Stad i samverkan|4.1.1"

    link = read_link({"forvaltning": "Solna", "atgard": "6.2.1"}, names, measures, aliases)
    assert link.view == MEASURE_VIEW and not link.measure and not link.administration
    assert any("Solna" in p for p in link.problems)
    assert any("flera delrapporter" in p for p in link.problems)


def test_read_link_picks_the_view_from_the_parameters(data) -> None:
    _, _, measures, names, _ = data
    assert read_link({"q": " Vad tycker Farsta? "}, names, measures) == Link(
        CHAT, question="Vad tycker Farsta?")
    assert read_link({"forvaltning": "Farsta"}, names, measures).view == ADMIN_VIEW
    assert read_link({"atgard": "4.1.1"}, names, measures).measure == "Stad i samverkan|4.1.1"
    assert read_link({"vy": "stallningstaganden", "delrapport": "Stad i samverkan"}, names,
                     measures) == Link(MATRIX, report="Stad i samverkan")
    doc = read_link({"vy": "dokument", "forvaltning": "Farsta", "avsnitt": "abc"}, names,
                    measures)
    assert (doc.view, doc.administration, doc.passage) == (DOCUMENT, "Farsta", "abc")
    assert read_link({}, names, measures) == Link(CHAT)
    assert read_link({"q": "x" * 50}, names, measures, max_question_chars=10).question == "x" * 10
    assert read_link({"vy": "okänd"}, names, measures).problems


@pytest.mark.parametrize("link", [
    Link(CHAT, question="Vad tycker Farsta om lotsar?"),
    Link(ADMIN_VIEW, administration="Skärholmen"),
    Link(MEASURE_VIEW, measure="Stad i samverkan|4.1.1"),
    Link(MEASURE_VIEW, measure="Från delad till enad stad|6.2.1"),
    Link(MATRIX, report="Stad i samverkan"),
    Link(DOCUMENT, administration="Farsta", passage="abc"),
])
def test_link_params_round_trip(data, link: Link) -> None:
    _, _, measures, names, _ = data
    params = link_params(link, measures)
    assert read_link(params, names, measures) == link
    if link.measure.endswith("4.1.1"):
        assert params == {"atgard": "4.1.1"}  # the short form where it is unambiguous
    if link.measure.endswith("6.2.1"):
        assert params == {"atgard": "6.2.1", "delrapport": "Från delad till enad stad"}
