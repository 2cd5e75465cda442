"""The Streamlit app through streamlit.testing (AppTest), on the hash-embedded annex.

The app's main() takes settings and an embedder factory, so these tests hand it the
fast fake index without touching any SDK.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import HashEmbedder
from streamlit.testing.v1 import AppTest

from ingest.settings import Settings
from retrieval.export import WORD_JOINER
from retrieval.export import inline_markdown as inline
from retrieval.feedback import read

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60


def _script(root: str, settings, embedder, auto_build: bool, chat_model) -> None:
    import sys

    if root not in sys.path:
        sys.path.insert(0, root)
    import app

    factory = None if embedder is None else (lambda _settings: embedder)
    chat = None if chat_model is None else (lambda _settings: chat_model)
    app.main(settings=settings, embedder_factory=factory, auto_build=auto_build,
             chat_model_factory=chat)


def make_app(settings: Settings, embedder, auto_build: bool = False,
             chat_model=None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_function(
        _script, args=(str(ROOT), settings, embedder, auto_build, chat_model),
        default_timeout=TIMEOUT)
    at.query_params.update(query or {})  # the address the app is opened with
    return at.run()


@pytest.fixture(scope="module")
def shared_index(shared_fake_index) -> tuple[Settings, HashEmbedder]:
    """The session's hash-embedded index: the app's cached service is reused."""
    return shared_fake_index


@pytest.fixture
def app_settings(shared_index) -> tuple[Settings, HashEmbedder]:
    return shared_index


@pytest.fixture
def at(app_settings) -> AppTest:
    settings, embedder = app_settings
    return make_app(settings, embedder)


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="question").set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def last_answer(at: AppTest):
    return [m for m in at.chat_message if m.name == "assistant"][-1]


def citation_labels(block) -> list[str]:
    return [e.label for e in block.expander if e.label.startswith("\\[")]


def all_text(at: AppTest) -> list[str]:
    texts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    texts += [w.value for w in at.warning] + [i.value for i in at.info]
    return texts + [e.label for e in at.expander]


def test_starts_in_swedish_with_tabs_sidebar_and_examples(at: AppTest) -> None:
    assert not at.exception and not at.error
    assert at.title[0].value == "Nämndsvar"
    assert [t.label for t in at.tabs] == ["Fråga", "Förvaltning", "Åtgärd",
                                          "Ställningstaganden", "Dokumentet"]
    labels = [b.label for b in at.sidebar.button]
    assert "Ny konversation" in labels
    assert "Vad tycker arbetsmarknadsnämnden om en praktikbank?" in labels
    assert [m.label for m in at.sidebar.multiselect][:2] == ["Fackförvaltningar",
                                                             "Stadsdelsnämnder"]
    assert "Valnämnden" in at.sidebar.multiselect(key="f_fack").options
    assert "Skärholmen" in at.sidebar.multiselect(key="f_district").options
    assert at.sidebar.radio(key="mode").options == ["Offline – citat ur bilagan"]


def test_question_gets_an_answer_with_sources_and_document_view(at: AppTest) -> None:
    ask(at, "Vad tycker Skärholmen om lotsar för civilsamhället?")
    answer = last_answer(at)
    # The direct answer stands apart, as a heading in its own box; the quotes follow it.
    assert answer.markdown[0].value.startswith("### **Skärholmen**")
    assert "**neutral/beskrivande**" in answer.markdown[0].value
    assert "\\[1\\]" not in answer.markdown[0].value
    assert answer.markdown[1].value.startswith("- ”Föreningssamordnare")
    assert "\\[1\\]" in answer.markdown[1].value
    labels = citation_labels(answer)
    assert labels and all("Skärholmen" in label for label in labels)
    assert "åtgärd 4\\.1\\.1 Etablera lotsar" in labels[0]
    assert re.search(r"ca s\\\. \d+ – rad \d+–\d+", labels[0])
    source = answer.expander[0]
    assert any(m.value.startswith("> ”") for m in source.markdown)  # the quote
    assert any(m.value == "**Hela avsnittet**" for m in source.markdown)
    source.toggle(key="doc_1_1").set_value(True).run()
    context = last_answer(at).expander[0]
    values = [m.value for m in context.markdown]
    assert any("Citerat avsnitt 1" in v for v in values)
    assert any(v.startswith("#### 4\\.1\\.1 Etablera lotsar") for v in values)
    assert at.sidebar.download_button[0].label == "Ladda ned samtalet (Markdown)"
    assert not at.sidebar.download_button[0].proto.disabled


def test_follow_up_is_rewritten_and_answered_about_the_new_administration(at) -> None:
    ask(at, "Vad tycker Farsta om lotsar för civilsamhället?")
    ask(at, "Och Skärholmen?")
    user = [m for m in at.chat_message if m.name == "user"][-1]
    assert user.markdown[0].value == "Och Skärholmen?"
    assert [c.value for c in user.caption] == [
        "Kompletterad fråga: Vad tycker Skärholmen om lotsar för civilsamhället?"]
    plan = [c.value for c in last_answer(at).caption if c.value.startswith("Sökte på")]
    assert plan and "Skärholmen" in plan[0], plan
    labels = citation_labels(last_answer(at))
    assert labels and all("Skärholmen" in label for label in labels)


def test_administration_filter_restricts_the_sources(at: AppTest) -> None:
    question = "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?"
    ask(at, question)
    unfiltered = citation_labels(last_answer(at))
    assert len({label.split(" ")[1] for label in unfiltered}) > 1
    at.sidebar.multiselect(key="f_district").set_value(["Skärholmen", "Älvsjö"]).run()
    ask(at, question)
    labels = citation_labels(last_answer(at))
    assert labels and all(re.match(r"\\\[\d+\\\] (Skärholmen|Älvsjö) ", lab) for lab in labels)
    user = [m for m in at.chat_message if m.name == "user"][-1]
    assert "Filter: Skärholmen, Älvsjö" in [c.value for c in user.caption]


def test_no_answer_is_a_warning_with_nearby_passages_that_support_nothing(at) -> None:
    ask(at, "Vad tycker Solna stad om förslagen?")
    answer = last_answer(at)
    assert answer.warning and "Det framgår inte av bilagan" in answer.warning[0].value
    assert not citation_labels(answer)
    assert "Närliggande avsnitt – de stöder inget svar:" in [c.value for c in answer.caption]
    assert all("stöder inget svar" in e.label for e in answer.expander)
    assert "**Källor**" not in [m.value for m in answer.markdown]


def test_grounded_answer_is_not_a_warning(at: AppTest) -> None:
    ask(at, "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?")
    answer = last_answer(at)
    assert not answer.warning
    assert "tveksam" in answer.markdown[0].value


def test_hostile_question_is_rendered_escaped(at: AppTest) -> None:
    question = "<script>alert(1)</script> ![x](http://example.invalid/x.png) Vad tycker Farsta?"
    ask(at, question)
    user = [m for m in at.chat_message if m.name == "user"][-1]
    shown = user.markdown[0].value
    assert shown.startswith("\\<script\\>alert\\(1\\)\\</script\\> \\!\\[x\\]\\(http")
    # Every character is still there; bare URLs are kept from being linked.
    assert re.sub(r"\\(.)", r"\1", shown).replace(WORD_JOINER, "") == question
    for text in all_text(at):
        assert not re.search(r"(?<!\\)<script", text), text
        assert not re.search(r"(?<!\\)!(?<!\\)\[", text) and "![x](" not in text, text


def test_long_question_notice_is_shown(app_settings) -> None:
    settings, embedder = app_settings
    at = make_app(settings.model_copy(update={"max_question_chars": 60}), embedder)
    ask(at, "Vad tycker Skärholmen om lotsar för civilsamhället " + "och mycket mer " * 10)
    infos = [i.value for i in last_answer(at).info]
    assert any("kortades" in v for v in infos), infos


def test_example_button_asks_and_new_conversation_clears(at: AppTest) -> None:
    at.sidebar.button(key="example_2").click().run()
    assert not at.exception
    answer = last_answer(at)
    assert answer.markdown[0].value.startswith("### 10 av 31 förvaltningar har inte lämnat")
    assert "Valnämnden" in answer.markdown[1].value
    assert len(at.chat_message) == 2
    at.sidebar.button[0].click().run()  # Ny konversation
    assert not at.chat_message
    assert at.sidebar.download_button[0].proto.disabled


def test_feedback_is_recorded(app_settings, tmp_path: Path) -> None:
    settings, embedder = app_settings
    settings = settings.model_copy(update={"feedback_path": tmp_path / "new" / "f.jsonl"})
    at = make_app(settings, embedder)
    ask(at, "Vad tycker Skärholmen om lotsar för civilsamhället?")
    at.feedback[0].set_value(0).run()
    assert "Tack! Omdömet är sparat." in [c.value for c in at.caption]
    at.text_input(key="comment_1").set_value("Citatet saknar sammanhang").run()
    at.button(key="send_1").click().run()
    entries = read(settings.feedback_path)
    assert [e["rating"] for e in entries] == ["down", "down"]
    assert entries[0]["question"] == "Vad tycker Skärholmen om lotsar för civilsamhället?"
    assert entries[0]["citations"][0]["administration"] == "Skärholmen"
    assert entries[1]["comment"] == "Citatet saknar sammanhang"


def open_tab(at: AppTest, label: str) -> AppTest:
    at.session_state["tab"] = label
    at.run()
    assert not at.exception
    return at


def test_only_the_open_tab_runs(at: AppTest) -> None:
    assert not at.dataframe  # the matrix is built when its tab opens
    open_tab(at, "Ställningstaganden")
    assert at.dataframe and not at.chat_input


def test_example_question_switches_to_the_chat_tab(at: AppTest) -> None:
    open_tab(at, "Dokumentet")
    at.sidebar.button(key="example_0").click().run()
    assert at.session_state["tab"] == "Fråga"
    assert "Arbetsmarknadsförvaltningen" in last_answer(at).markdown[0].value
    assert at.query_params == {"q": "Vad tycker arbetsmarknadsnämnden om en praktikbank?"}


def test_matrix_cell_shows_label_trigger_quote_and_source(at: AppTest) -> None:
    open_tab(at, "Ställningstaganden")
    meanings = [e for e in at.expander if e.label == "Vad betyder etiketterna?"]
    assert meanings and "en plan utan värderande ord är ingen åsikt" in \
        meanings[0].markdown[0].value
    frame = at.dataframe[0].value
    assert list(frame.columns[:3]) == ["Delrapport", "Åtgärd", "Arbetsmarknadsförvaltningen"]
    assert set(frame["Valnämnden"]) == {"ingen skrivelse"}
    at.selectbox(key="mx_cell_admin").set_value("Arbetsmarknadsförvaltningen")
    at.selectbox(key="mx_cell_measure").set_value("Allas rätt till kunskap|1.1").run()
    values = [m.value for m in at.markdown]
    assert "Ställningstagande: :green-background[positiv]" in values
    assert "Avgörande formulering: ”delar kommissionens bedömning”" in values
    assert any(v.startswith("> ”Nämnden delar kommissionens bedömning") for v in values)
    assert any(c.value.startswith("Källa: bilaga") and "rad" in c.value for c in at.caption)
    not_said = [e for e in at.expander if e.label.startswith("Vilka har inte yttrat sig")]
    assert not_said and "Valnämnden" in not_said[0].markdown[0].value
    assert [b for b in at.download_button if "CSV" in b.label]


def test_matrix_table_selection_drives_the_cell(at: AppTest) -> None:
    open_tab(at, "Ställningstaganden")
    frame = at.dataframe[0].value
    row = int(frame.index[frame["Åtgärd"].str.startswith("6.5.3")][0])
    at.session_state["mx_table"] = {"selection": {"rows": [], "columns": [],
                                                  "cells": [(row, "Skärholmen")]}}
    at.run()
    assert at.selectbox(key="mx_cell_admin").value == "Skärholmen"
    values = [m.value for m in at.markdown]
    assert "Ställningstagande: :orange-background[tveksam]" in values


def test_matrix_filters_to_one_report(at: AppTest) -> None:
    open_tab(at, "Ställningstaganden")
    at.selectbox(key="mx_report").set_value("Stad i samverkan").run()
    frame = at.dataframe[0].value
    assert set(frame["Delrapport"]) == {"Stad i samverkan"}


def test_document_tab_shows_the_section_with_measure_headings(at: AppTest) -> None:
    open_tab(at, "Dokumentet")
    at.selectbox(key="doc_admin").set_value("Skärholmen").run()
    values = [m.value for m in at.tabs[4].markdown]
    assert "#### 4\\.1\\.1 Etablera lotsar för civilsamhället i stadsdelsnämnderna" in values
    assert any(v.startswith("Föreningssamordnare som har goda kontakter") for v in values)


def test_missing_index_shows_a_swedish_error_not_an_exception(tmp_path: Path,
                                                             hash_embedder) -> None:
    settings = Settings(index_dir=tmp_path / "empty", embedding_model=hash_embedder.name)
    at = make_app(settings, hash_embedder, auto_build=False)
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "Sökindexet kan inte användas" in message
    assert "Inget sökindex finns" in message and "python -m ingest build" in message
    assert not at.tabs


def test_missing_model_shows_a_swedish_error(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "empty", embedding_model=str(tmp_path / "nomodel"))
    at = make_app(settings, None, auto_build=True)
    assert not at.exception
    assert "Embeddingmodellen kunde inte laddas" in at.error[0].value
    assert "NAMNDSVAR\\_EMBEDDING\\_MODEL" in at.error[0].value


def test_missing_index_is_built_on_first_start_with_progress(tmp_path: Path,
                                                            hash_embedder) -> None:
    settings = Settings(index_dir=tmp_path / "new", embedding_model=hash_embedder.name)
    at = make_app(settings, hash_embedder, auto_build=True)
    assert not at.exception and not at.error
    assert at.status and at.status[0].label.startswith("Index klart")
    bars = at.status[0].get("progress")
    assert bars and bars[0].value == 100 and bars[0].text == "Klart."
    assert (tmp_path / "new" / "CURRENT").exists()
    ask(at, "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?")
    assert citation_labels(last_answer(at))


# -- the meeting-room pages ----------------------------------------------------------------
def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))


def chart_spec(chart) -> dict:
    import json

    return json.loads(chart.proto.spec)


def test_administration_page_summary_positions_by_report_and_chart(at: AppTest) -> None:
    open_tab(at, "Förvaltning")
    assert at.selectbox(key="adm_name").value is None
    names = at.selectbox(key="adm_name").options
    # Grouped: every fackförvaltning before the first stadsdelsnämnd.
    assert names[0].startswith("Fackförvaltningar › ") and names[-1].startswith(
        "Stadsdelsnämnder › ")
    at.selectbox(key="adm_name").set_value("Skärholmen").run()
    values = [m.value for m in at.markdown]
    assert values[0] == ("### Skärholmen\\: tveksam till 1, beskrivande \\(utan värdering\\) "
                         "om 16 av 17 åtgärder")
    assert "### En skola där alla ska lyckas" in values and "### Stad i samverkan" in values
    title = "**6\\.5\\.3 Etablera fler lokala Community Center** – :orange-background[tveksam]"
    assert title in values
    assert "Avgörande formulering: ”blir kostsamt”" in values
    assert any(v.startswith("> ”Förvaltningen har ett mycket väl fungerande") for v in values)
    assert at.query_params == {"forvaltning": "Skärholmen"}
    spec = chart_spec(charts(at)[0])
    assert spec["layer"][0]["encoding"]["y"]["field"] == "Delrapport"
    # A click on the "tveksam" segment keeps only those positions.
    at.session_state["adm_chart"] = {"selection": {"segment": [
        {"Delrapport": "En skola där alla ska lyckas", "Ställningstagande": "tveksam"}]}}
    at.run()
    assert at.selectbox(key="adm_label").value == "tveksam"
    assert "Visar 1 av 17 åtgärder." in [c.value for c in at.caption]
    assert [m.value for m in at.markdown if m.value.startswith("**")] == [title]


def test_position_opens_the_passage_highlighted_in_the_document(at: AppTest,
                                                                app_settings) -> None:
    open_tab(at, "Förvaltning")
    at.selectbox(key="adm_name").set_value("Skärholmen").run()
    at.button(key="adm_open_En skola där alla ska lyckas|6.5.3").click().run()
    assert at.session_state["tab"] == "Dokumentet"
    assert at.selectbox(key="doc_admin").value == "Skärholmen"
    document = at.tabs[4]
    marked = [m.value for m in document.markdown]
    assert ":orange-background[**Markerat avsnitt**]" in marked
    assert any("blir kostsamt om vi etablerar" in v for v in marked)
    params = at.query_params
    assert params["vy"] == "dokument" and params["forvaltning"] == "Skärholmen"
    assert params["avsnitt"] == at.session_state["doc_focus"]
    # The same address, opened anew, shows the same passage marked.
    settings, embedder = app_settings
    shared = make_app(settings, embedder, query=dict(params))
    again = [m.value for m in shared.tabs[4].markdown]
    assert ":orange-background[**Markerat avsnitt**]" in again
    assert any("blir kostsamt om vi etablerar" in v for v in again)


def test_administration_without_statement_shows_no_positions(at: AppTest) -> None:
    open_tab(at, "Förvaltning")
    at.selectbox(key="adm_name").set_value("Valnämnden").run()
    values = [m.value for m in at.markdown]
    assert values[0] == "### Valnämnden har inte lämnat någon skrivelse till bilagan"
    assert not any("Avgörande formulering" in v for v in values)
    assert not charts(at)


def test_measure_page_commission_text_stances_silent_and_exports(at: AppTest) -> None:
    open_tab(at, "Åtgärd")
    at.selectbox(key="atg_key").set_value("En skola där alla ska lyckas|6.5.3").run()
    proposal = [e for e in at.expander if e.label.startswith("Kommissionens förslag")]
    assert proposal and "(kommissionens text)" in proposal[0].label
    inside = [m.value for m in proposal[0].markdown]
    assert inside[0].startswith("Lokala Community Centers ska bildas")
    assert any(v.startswith("**Ansvarig enligt kommissionen:** Stadsdelsnämnderna") for v in inside)
    values = [m.value for m in at.markdown]
    assert any(v.startswith("#### ") and "förvaltningar tar upp åtgärden" in v for v in values)
    assert "**Skärholmen \\(stadsdelsnämnd\\)** – :orange-background[tveksam]" in values
    silent = next(v for v in values if v.startswith("**Har inte lämnat någon skrivelse:**"))
    assert "Valnämnden" in silent
    assert any(v.startswith("**Tar inte upp åtgärden i sin skrivelse:**") for v in values)
    labels = [b.label for b in at.download_button]
    assert "Ladda ned åtgärden (Markdown)" in labels and "Ladda ned åtgärden (CSV)" in labels
    assert at.query_params == {"atgard": "6.5.3"}


def test_matrix_chart_has_a_bar_per_measure_in_the_matrix_colours(at: AppTest) -> None:
    open_tab(at, "Ställningstaganden")
    spec = chart_spec(charts(at)[0])
    bars = spec["layer"][0]
    assert bars["mark"]["type"] == "bar" and bars["encoding"]["y"]["field"] == "Åtgärd"
    scale = bars["encoding"]["color"]["scale"]
    assert scale["domain"][:2] == ["positiv", "positiv med förbehåll"]
    assert scale["range"][0] == "#c8e6c9"  # the matrix's "positiv" cell colour
    assert bars["encoding"]["color"]["legend"]["title"] == "Ställningstagande"
    assert spec["layer"][1]["encoding"]["text"]["field"] == "Antal"  # counts, not colour only
    at.selectbox(key="mx_report").set_value("Stad i samverkan").run()
    assert at.query_params == {"vy": "stallningstaganden", "delrapport": "Stad i samverkan"}
    data = next(iter(charts(at)[0].proto.datasets), None)
    assert data is not None
    at.session_state["mx_chart"] = {"selection": {"segment": [
        {"Åtgärd": "4.1.1 Etablera lotsar för civilsamhället i …",
         "Ställningstagande": "positiv med förbehåll"}]}}
    at.run()
    assert at.selectbox(key="mx_bar_measure").value == "Stad i samverkan|4.1.1"
    listed = next(m.value for m in at.markdown if m.value.startswith("4\\.1\\.1 Etablera"))
    assert "positiv med förbehåll \\(6\\)" in listed and "Enskede\\-Årsta\\-Vantör" in listed


def test_chart_selection_can_be_made_below_the_chart(at: AppTest) -> None:
    open_tab(at, "Ställningstaganden")
    at.selectbox(key="mx_bar_measure").set_value("En skola där alla ska lyckas|6.5.3")
    at.selectbox(key="mx_bar_label").set_value("tveksam").run()
    listed = [m.value for m in at.markdown if m.value.startswith("6\\.5\\.3 Etablera")]
    assert listed and "tveksam" in listed[0] and "Skärholmen" in listed[0]


# -- shareable links --------------------------------------------------------------------
def test_q_link_asks_and_answers(app_settings) -> None:
    settings, embedder = app_settings
    question = "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?"
    at = make_app(settings, embedder, query={"q": question})
    assert not at.exception
    user = [m for m in at.chat_message if m.name == "user"]
    assert len(user) == 1 and user[0].markdown[0].value == inline(question)
    assert "**tveksam**" in last_answer(at).markdown[0].value
    at.run()  # a rerun does not ask again
    assert len([m for m in at.chat_message if m.name == "user"]) == 1
    assert at.query_params == {"q": question}
    ask(at, "Vad tycker Farsta om lotsar för civilsamhället?")
    assert at.query_params == {"q": "Vad tycker Farsta om lotsar för civilsamhället?"}


def test_forvaltning_link_opens_the_page_by_any_name(app_settings) -> None:
    settings, embedder = app_settings
    at = make_app(settings, embedder, query={"forvaltning": "skärholmens stadsdelsnämnd"})
    assert at.session_state["tab"] == "Förvaltning"
    assert at.selectbox(key="adm_name").value == "Skärholmen"
    assert at.markdown[0].value.startswith("### Skärholmen\\: tveksam till 1")
    assert at.query_params == {"forvaltning": "Skärholmen"}


def test_atgard_link_opens_the_page_and_asks_for_the_report_when_ambiguous(app_settings):
    settings, embedder = app_settings
    at = make_app(settings, embedder, query={"atgard": "6.2.1",
                                             "delrapport": "Från delad till enad stad"})
    assert at.session_state["tab"] == "Åtgärd"
    assert at.selectbox(key="atg_key").value == "Från delad till enad stad|6.2.1"
    assert at.query_params == {"atgard": "6.2.1", "delrapport": "Från delad till enad stad"}
    at = make_app(settings, embedder, query={"atgard": "6.2.1", "forvaltning": "Solna"})
    warnings = [w.value for w in at.warning]
    assert any("flera delrapporter" in w for w in warnings)
    assert any("Solna" in w for w in warnings)
    assert not at.exception


def test_matrix_and_document_links(app_settings) -> None:
    settings, embedder = app_settings
    at = make_app(settings, embedder, query={"vy": "stallningstaganden",
                                             "delrapport": "Stad i samverkan"})
    assert at.session_state["tab"] == "Ställningstaganden"
    assert set(at.dataframe[0].value["Delrapport"]) == {"Stad i samverkan"}
    at = make_app(settings, embedder, query={"vy": "dokument", "forvaltning": "Farsta"})
    assert at.selectbox(key="doc_admin").value == "Farsta"


# -- the LLM mode, with a fake chat model ------------------------------------------------
ALVSJO = "Vad tycker Älvsjö om lotsar för civilsamhället?"
ALVSJO_QUOTE = ("Stadsdelsnämnden ser positivt på förslaget med lokala lotsar förutsatt att "
                "centrala medel för detta skulle tilldelas")


def llm_app(app_settings, model_name: str, response: str) -> AppTest:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    settings, embedder = app_settings
    # A model name per test: the app caches one service per settings.
    settings = settings.model_copy(update={"llm_provider": "openai", "llm_model": model_name,
                                           "answer_mode": "llm"})
    return make_app(settings, embedder, chat_model=FakeListChatModel(responses=[response]))


def test_llm_mode_is_offered_when_configured_and_answers_with_citations(app_settings) -> None:
    at = llm_app(app_settings, "fake-good", f"Älvsjö stadsdelsnämnd ”{ALVSJO_QUOTE}” [1].")
    radio = at.sidebar.radio(key="mode")
    assert radio.options == ["Offline – citat ur bilagan", "Språkmodell (LLM)"]
    assert radio.value == "llm"
    ask(at, ALVSJO)
    answer = last_answer(at)
    assert not answer.info and not answer.warning
    assert "Svarsläge: språkmodell, citat kontrollerade" in [c.value for c in answer.caption]
    assert citation_labels(answer)[0].startswith("\\[1\\] Älvsjö")
    radio.set_value("offline").run()
    ask(at, ALVSJO)
    assert "Svarsläge: offline, citat ur bilagan" in [c.value for c in last_answer(at).caption]


def test_llm_fallback_shows_its_notice(app_settings) -> None:
    at = llm_app(app_settings, "fake-poem", "Katten sover i solen, mjuk som en vante.")
    ask(at, ALVSJO)
    answer = last_answer(at)
    notices = [i.value for i in answer.info]
    assert notices and "offline\\-svaret visas i stället" in notices[0]
    assert any(c.value.startswith("Svarsläge: offline \\(reserv") for c in answer.caption)
    assert citation_labels(answer)  # the offline answer, with its sources


def test_llm_that_cannot_start_leaves_offline_mode_with_a_reason(app_settings) -> None:
    settings, embedder = app_settings
    settings = settings.model_copy(update={"llm_provider": "ollama", "llm_model": ""})
    at = make_app(settings, embedder)
    assert not at.exception and not at.error
    assert at.sidebar.radio(key="mode").options == ["Offline – citat ur bilagan"]
    assert any("Språkmodellen kunde inte startas" in c.value for c in at.sidebar.caption)


def test_bad_setting_shows_the_variable_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAMNDSVAR_QUERY_THREADS", "noll")
    at = make_app(None, None)  # settings from the environment, as `streamlit run` does
    assert not at.exception
    assert "En inställning är ogiltig" in at.error[0].value
    assert "NAMNDSVAR\\_QUERY\\_THREADS" in at.error[0].value
