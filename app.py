"""Nämndsvar: the Streamlit app (`streamlit run app.py`).

It only renders: answering, follow-ups, stances, positions, charts' data, links, export and
feedback live in retrieval/*.
Settings come from NAMNDSVAR_* environment variables; tests call main() with their own
settings and embedder. Document, question and model text is always shown escaped.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import altair as alt
import streamlit as st

from ingest.build import build_index, current_build
from ingest.embed import Embedder
from ingest.embed import load_embedder as model_from_settings
from ingest.errors import (
    BuildInProgressError,
    IndexStateError,
    ModelError,
    NamndsvarError,
    SettingsError,
)
from ingest.logs import configure_logging
from ingest.registry import FACK, STADSDEL
from ingest.settings import Settings, load_settings
from retrieval.export import (
    DocBlock,
    answer_markdown,
    conversation_markdown,
    document_blocks,
    escape_markdown,
    group_window,
    inline_markdown,
    measure_key,
    not_commented,
    page_text,
    paragraphs_markdown,
    source_line,
    split_direct,
    split_key,
    stance_record,
    stance_table,
    stances_csv,
)
from retrieval.feedback import record
from retrieval.followup import points_back, rewrite
from retrieval.guard import QuestionError
from retrieval.index import BUILD_HINT, read_manifest
from retrieval.links import (
    ADMIN_VIEW,
    CHAT,
    DOCUMENT,
    MATRIX,
    MEASURE_VIEW,
    Link,
    link_params,
    read_link,
)
from retrieval.positions import (
    NO_COMMISSION_TEXT,
    STATEMENT_LABELS,
    Position,
    administration_chart_frame,
    administration_positions,
    administrations_with,
    by_report,
    has_statement,
    measure_chart_frame,
    measure_csv,
    measure_markdown,
    measure_overview,
    measure_summary,
    position_summary,
)
from retrieval.search import Filters
from retrieval.service import Service
from retrieval.stance import AVVISANDE, FORBEHALL, INGEN, MEANINGS, NEUTRAL, POSITIV, TVEKSAM

log = logging.getLogger("namndsvar.app")

EmbedderFactory = Callable[[Settings], Embedder]
ChatModelFactory = Callable[[Settings], object]

EXAMPLES = (
    "Vad tycker arbetsmarknadsnämnden om en praktikbank?",
    "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?",
    "Vilka nämnder har inte lämnat någon skrivelse?",
    "Vad säger Skärholmens stadsdelsnämnd om åtgärd 6.5.3?",
)
TABS = ("Fråga", "Förvaltning", "Åtgärd", "Ställningstaganden", "Dokumentet")
# Which link view each tab is (retrieval/links.py), in TABS' order.
TAB_VIEWS = MappingProxyType(dict(zip(TABS, (CHAT, ADMIN_VIEW, MEASURE_VIEW, MATRIX, DOCUMENT),
                                      strict=True)))
VIEW_TABS = MappingProxyType({view: tab for tab, view in TAB_VIEWS.items()})
MODE_LABELS = MappingProxyType({"offline": "Offline – citat ur bilagan",
                                "llm": "Språkmodell (LLM)"})
MODE_CAPTIONS = MappingProxyType({
    "offline": "offline, citat ur bilagan", "llm": "språkmodell, citat kontrollerade",
    "offline (reserv)": "offline (reserv för språkmodellen), citat ur bilagan"})
KIND_LABELS = MappingProxyType({FACK: "fackförvaltning", STADSDEL: "stadsdelsnämnd"})
# Cell colours of the position matrix (background, text).
LABEL_COLOURS = MappingProxyType({
    POSITIV: ("#c8e6c9", "#1b5e20"),
    FORBEHALL: ("#f0f4c3", "#33691e"),
    TVEKSAM: ("#ffe0b2", "#8a4b00"),
    AVVISANDE: ("#ffcdd2", "#b71c1c"),
    NEUTRAL: ("#e3e8ec", "#37474f"),
    INGEN: ("#cfd2d4", "#424242"),
})
LABEL_DIRECTIVE = MappingProxyType({POSITIV: "green", FORBEHALL: "green", TVEKSAM: "orange",
                                    AVVISANDE: "red", NEUTRAL: "gray", INGEN: "gray"})
_PROGRESS = re.compile(r"(\d+)\s*/\s*(\d+)")
_EMBEDDING_FIELDS = ("embedding_model", "query_prefix", "passage_prefix",
                     "allow_model_download", "embedding_batch_size", "embedding_threads",
                     "query_threads")


@dataclass
class Controls:
    filters: Filters
    filter_text: str
    mode: str


# -- heavy objects, built once per process ----------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=2)
def load_embedder(embedding_json: str, factory_key: str,
                  _factory: EmbedderFactory | None) -> Embedder:
    """The embedding model, built from (and keyed by) the settings fields that choose it:
    one model for every index directory."""
    settings = Settings.model_validate_json(embedding_json)
    return (_factory or model_from_settings)(settings)


@st.cache_resource(show_spinner=False, max_entries=2)
def load_service(settings_json: str, build_id: str, factory_key: str,
                 _factory: EmbedderFactory | None, chat_key: str = "",
                 _chat_factory: ChatModelFactory | None = None) -> tuple[Service, str]:
    """The service over one build of the index, and why the LLM is off ("" when on or
    not configured). A new build id (a rebuild) opens a new service."""
    settings = Settings.model_validate_json(settings_json)
    embedder = load_embedder(_embedding_json(settings), factory_key, _factory)
    chat_model, problem = None, ""
    if settings.llm_provider != "none":
        try:
            if _chat_factory is None:
                from retrieval.llm import chat_model_from_settings

                _chat_factory = chat_model_from_settings
            chat_model = _chat_factory(settings)
        except Exception as exc:  # a missing module or a bad configuration: stay offline
            log.warning("Språkmodellen kunde inte startas: %s", exc)
            problem = f"Språkmodellen kunde inte startas ({exc}); svaren ges offline."
    return Service.from_settings(settings, embedder=embedder, chat_model=chat_model), problem


def _embedding_json(settings: Settings) -> str:
    return settings.model_dump_json(include=set(_EMBEDDING_FIELDS))


def _factory_key(factory: Callable | None) -> str:
    if factory is None:
        return "default"
    return f"{getattr(factory, '__module__', '')}.{getattr(factory, '__qualname__', factory)}"


def _auto_build_default(settings: Settings) -> bool:
    return settings.auto_build


# -- index ------------------------------------------------------------------------------
def _build_with_progress(settings: Settings, factory: EmbedderFactory | None) -> None:
    """First start: build the missing index, showing each step."""
    with st.status("Sökindexet saknas och byggs nu (första start) …", expanded=True) as status:
        bar = st.progress(0.0, text="Laddar embeddingmodellen …")
        embedder = load_embedder(_embedding_json(settings), _factory_key(factory), factory)
        done = [0.0]

        def progress(message: str) -> None:
            if m := _PROGRESS.search(message):
                done[0] = min(1.0, int(m.group(1)) / max(1, int(m.group(2))))
            bar.progress(done[0], text=message)

        try:
            summary = build_index(settings.annex_paths, settings, embedder=embedder,
                                  progress=progress)
        except BuildInProgressError:
            _wait_for_other_build(settings, bar)
            status.update(label="Sökindexet är klart.", state="complete", expanded=False)
            return
        except OSError as exc:
            raise IndexStateError(
                f"Sökindexet kunde inte skapas i {settings.index_dir} ({exc.strerror or exc}). "
                f"Ange en skrivbar katalog i NAMNDSVAR_INDEX_DIR eller bygg med: {BUILD_HINT}"
            ) from exc
        bar.progress(1.0, text="Klart.")
        status.update(label=summary.describe(), state="complete", expanded=False)


def _wait_for_other_build(settings: Settings, bar, limit_s: float = 900.0) -> None:
    started = time.monotonic()
    while current_build(settings.index_dir) is None:
        if time.monotonic() - started > limit_s:
            raise IndexStateError("Indexbygget i en annan session blev inte klart. "
                                  "Ladda om sidan eller bygg med: " + BUILD_HINT)
        bar.progress(0.5, text="Indexet byggs i en annan session; väntar …")
        time.sleep(2)


def _open(settings: Settings, factory: EmbedderFactory | None, auto_build: bool,
          chat_factory: ChatModelFactory | None = None) -> tuple[Service, str]:
    try:
        build_id, _, _ = read_manifest(settings)
    except IndexStateError:
        if not auto_build or current_build(settings.index_dir) is not None:
            raise  # wrong model or format: the message says how to rebuild
        _build_with_progress(settings, factory)
        build_id, _, _ = read_manifest(settings)
    with st.spinner("Laddar sökindex och modell …"):
        return load_service(settings.model_dump_json(), build_id, _factory_key(factory),
                            factory, _factory_key(chat_factory), chat_factory)


def _show_error(exc: Exception) -> None:
    if isinstance(exc, IndexStateError):
        title = "Sökindexet kan inte användas"
        fix = (f"Bygg indexet med `{BUILD_HINT}` (eller `make index`) i projektkatalogen "
               "och ladda sedan om sidan.")
    elif isinstance(exc, ModelError):
        title = "Embeddingmodellen kunde inte laddas"
        fix = ("Kontrollera `NAMNDSVAR_EMBEDDING_MODEL`, eller använd standardmodellen "
               "(`make setup` installerar den).")
    elif isinstance(exc, SettingsError):
        title = "En inställning är ogiltig"
        fix = "Rätta variabeln i miljön där appen startas och starta om den."
    else:
        title = "Något gick fel"
        fix = "Åtgärda felet ovan och ladda om sidan."
    st.error(f"**{title}.** {inline_markdown(str(exc))}\n\n{fix}", icon=":material/error:")


# -- session ----------------------------------------------------------------------------
def _init_state() -> None:
    st.session_state.setdefault("turns", [])
    st.session_state.setdefault("next_turn", 1)
    st.session_state.setdefault("pending", None)


def _new_conversation() -> None:
    st.session_state["turns"] = []
    st.session_state["pending"] = None


def _ask_example(question: str) -> None:
    st.session_state["pending"] = question
    st.session_state["tab"] = TABS[0]


# -- sidebar ----------------------------------------------------------------------------
def _sidebar(service: Service, settings: Settings, llm_problem: str) -> Controls:
    sb = st.sidebar
    sb.header("Nämndsvar")
    sb.button("Ny konversation", on_click=_new_conversation, icon=":material/refresh:",
              width="stretch")
    sb.subheader("Exempelfrågor")
    for i, question in enumerate(EXAMPLES):
        sb.button(question, key=f"example_{i}", on_click=_ask_example, args=(question,),
                  width="stretch")

    sb.subheader("Filter")
    admins = service.administrations()
    fack = sorted({a.name for a in admins if a.kind == FACK})
    districts = sorted({a.name for a in admins if a.kind == STADSDEL})
    chosen = sb.multiselect("Fackförvaltningar", fack, key="f_fack",
                            placeholder="Alla fackförvaltningar")
    chosen += sb.multiselect("Stadsdelsnämnder", districts, key="f_district",
                             placeholder="Alla stadsdelsnämnder")
    measures = service.measures()
    reports = list(dict.fromkeys(m.report for m in measures))
    chosen_reports = sb.multiselect("Delrapport", reports, key="f_report",
                                    placeholder="Alla delrapporter")
    titles = {measure_key(m.report, m.number): f"{m.number} {m.title} ({m.report})"
              for m in measures if not chosen_reports or m.report in chosen_reports}
    chosen_measures = sb.multiselect("Åtgärd", list(titles), key="f_measure",
                                     format_func=lambda k: titles.get(k, k),
                                     placeholder="Alla åtgärder")
    sources: list[str] = []
    if len(service.sources) > 1:
        sources = sb.multiselect("Källa", service.sources, key="f_source",
                                 placeholder="Alla källor")
    filters = Filters(administrations=chosen, reports=chosen_reports,
                      measures=list(dict.fromkeys(split_key(k)[1] for k in chosen_measures)),
                      sources=sources)
    parts = [", ".join(chosen), ", ".join(chosen_reports),
             ", ".join("åtgärd " + split_key(k)[1] for k in chosen_measures),
             ", ".join(sources)]
    filter_text = "; ".join(p for p in parts if p)

    sb.subheader("Svarsläge")
    llm_on = settings.llm_provider != "none" and service.chat_model is not None
    modes = ["offline", "llm"] if llm_on else ["offline"]
    default = settings.answer_mode if settings.answer_mode in modes else "offline"
    mode = sb.radio("Svarsläge", modes, index=modes.index(default), key="mode",
                    format_func=MODE_LABELS.get, label_visibility="collapsed")
    if llm_problem:
        sb.caption(inline_markdown(llm_problem))
    elif not llm_on:
        sb.caption("Ingen språkmodell är konfigurerad (NAMNDSVAR\\_LLM\\_PROVIDER); "
                   "svaren citerar bilagan direkt.")
    return Controls(filters, filter_text, mode or "offline")


# -- chat -------------------------------------------------------------------------------
def _ask(service: Service, question: str, controls: Controls) -> dict:
    turns: list[dict] = st.session_state["turns"]
    history = [t["searched"] or t["question"] for t in turns]
    previous_answer = (turns[-1]["answer"] or {}) if turns else {}
    last = previous_answer.get("citations", [])
    searched = rewrite(question, history, service.vocab, previous_answer.get("about", []))
    turn = {"id": st.session_state["next_turn"], "question": question,
            "searched": searched if searched != question else None, "answer": None,
            "error": None, "filters": controls.filter_text, "rating": None}
    st.session_state["next_turn"] += 1
    # A follow-up that points back ("När ska det vara på plats?") also gets the passages
    # the previous answer cited.
    previous = [c["id"] for c in last] if turns and points_back(question) else []
    try:
        answer = service.ask(searched, filters=controls.filters, mode=controls.mode,
                             previous=previous)
        data = service.answer_dict(answer)
        data.pop("passages", None)  # all searched passages: not shown, kept out of the session
        turn["answer"] = data
    except QuestionError as exc:
        turn["error"] = str(exc)
    turns.append(turn)
    return turn


def _on_feedback(turn_id: int, path: str) -> None:
    turn = next((t for t in st.session_state["turns"] if t["id"] == turn_id), None)
    value = st.session_state.get(f"feedback_{turn_id}")
    if turn is None or turn["answer"] is None or value is None:
        return
    rating = "up" if value == 1 else "down"
    try:
        record(path, turn["question"], turn["answer"], rating)
        turn["rating"] = rating
        turn["feedback_error"] = None
    except NamndsvarError as exc:
        turn["feedback_error"] = str(exc)


def _on_comment(turn_id: int, path: str) -> None:
    turn = next((t for t in st.session_state["turns"] if t["id"] == turn_id), None)
    comment = (st.session_state.get(f"comment_{turn_id}") or "").strip()
    if turn is None or turn["answer"] is None or not comment or not turn.get("rating"):
        return
    try:
        record(path, turn["question"], turn["answer"], turn["rating"], comment)
        turn["commented"] = True
    except NamndsvarError as exc:
        turn["feedback_error"] = str(exc)


def _render_turn(service: Service, turn: dict, feedback_path: str) -> None:
    with st.chat_message("user"):
        st.markdown(inline_markdown(turn["question"]))
        if turn["searched"]:
            st.caption("Kompletterad fråga: " + inline_markdown(turn["searched"]))
        if turn.get("filters"):
            st.caption("Filter: " + inline_markdown(turn["filters"]))
    with st.chat_message("assistant"):
        data = turn["answer"]
        if data is None:
            st.warning(inline_markdown(turn["error"] or "Frågan kunde inte besvaras."))
            return
        for notice in data["notices"]:
            st.info(inline_markdown(notice), icon=":material/info:")
        if data.get("searched_for"):
            # The plan: who, what and which shape of answer the question was read as.
            st.caption(inline_markdown(data["searched_for"]))
        _render_answer_text(data)
        if data["citations"]:
            st.markdown("**Källor**")
            for c in data["citations"]:
                _render_citation(service, turn["id"], c)
        elif data["nearby"]:
            st.caption("Närliggande avsnitt – de stöder inget svar:")
            for i, p in enumerate(data["nearby"], start=1):
                label = f"Närliggande {i}: {source_line(p)} (stöder inget svar)"
                with st.expander(inline_markdown(label)):
                    st.markdown(paragraphs_markdown(p["text"]))
        mode = MODE_CAPTIONS.get(data["mode"], data["mode"])
        st.caption("Svarsläge: " + inline_markdown(mode))
        _render_feedback(turn, feedback_path)


def _render_answer_text(data: dict) -> None:
    """The direct answer (the first line: the count, the stance, the fact, "Det framgår
    inte av bilagan") in its own box above the quotes, so it reads from across a room.
    Only this function knows where the direct answer comes from (split_direct today, a
    structured field once the answer object has one)."""
    direct, rest = split_direct(data["answer"])
    if data["grounded"]:
        with st.container(border=True):
            st.markdown("### " + answer_markdown(direct))
    else:
        st.warning(answer_markdown(direct), icon=":material/warning:")
    if rest:
        st.markdown(answer_markdown(rest))


def _render_citation(service: Service, turn_id: int, c: dict) -> None:
    label = f"[{c['n']}] {source_line(c)}"
    with st.expander(inline_markdown(label)):
        st.markdown("**Citat**")
        st.markdown("> ”" + inline_markdown(c["text"]) + "”")
        st.markdown("**Hela avsnittet**")
        st.markdown(paragraphs_markdown(c["passage_text"]))
        st.caption("Källa: " + inline_markdown(f"{c['source']}, {source_line(c)}"))
        if st.toggle("Visa i dokumentet", key=f"doc_{turn_id}_{c['n']}"):
            _render_context(service, turn_id, c)


def _render_context(service: Service, turn_id: int, c: dict) -> None:
    blocks = document_blocks(service.section_chunks(c["administration"], c["source"]),
                             service.index.layouts)
    whole = st.toggle("Hela förvaltningens avsnitt", key=f"whole_{turn_id}_{c['n']}")
    shown = blocks if whole else group_window(blocks, c["id"])
    st.caption(inline_markdown(f"{c['administration']}s avsnitt i bilagan"
                               + ("" if whole else " (utdrag kring det citerade avsnittet)")))
    with st.container(height=480, border=True):
        _render_blocks(shown, highlight=c["id"], label=f"Citerat avsnitt {c['n']}")


def _render_blocks(blocks: Sequence[DocBlock], highlight: str | None = None,
                   label: str = "") -> None:
    for group, items in itertools.groupby(blocks, key=lambda b: b.group):
        marked = group == highlight
        box = st.container(border=True) if marked else st.container()
        with box:
            if marked:
                st.markdown(f":orange-background[**{escape_markdown(label)}**]")
            for b in items:
                if b.role == "report_heading":
                    st.markdown("### " + inline_markdown(b.text))
                elif b.role == "heading":
                    st.markdown("#### " + inline_markdown(b.text))
                elif b.role == "no_statement":
                    st.markdown("*" + inline_markdown(b.text) + "*")
                else:
                    if b.role == "description":
                        st.caption("Kommissionens beskrivning")
                    st.markdown(paragraphs_markdown(b.text))


def _render_feedback(turn: dict, feedback_path: str) -> None:
    tid = turn["id"]
    st.feedback("thumbs", key=f"feedback_{tid}", on_change=_on_feedback,
                args=(tid, feedback_path))
    if turn.get("feedback_error"):
        st.warning(inline_markdown(turn["feedback_error"]))
    elif turn.get("rating") and not turn.get("commented"):
        st.caption("Tack! Omdömet är sparat.")
        cols = st.columns([4, 1], vertical_alignment="bottom")
        cols[0].text_input("Kommentar (valfritt)", key=f"comment_{tid}", max_chars=2000)
        cols[1].button("Skicka", key=f"send_{tid}", on_click=_on_comment,
                       args=(tid, feedback_path))
    elif turn.get("commented"):
        st.caption("Tack för kommentaren!")


def _chat_tab(service: Service, settings: Settings, controls: Controls) -> None:
    history = st.container()
    # Longer questions are cut by the answerer, with a notice; this only bounds the payload.
    prompt = st.chat_input("Ställ en fråga om bilagan, t.ex. Vad tycker Farsta om lotsar?",
                           key="question", max_chars=5 * settings.max_question_chars)
    pending = st.session_state.get("pending")
    st.session_state["pending"] = None
    question = prompt or pending
    with history:
        if not st.session_state["turns"] and not question:
            st.info("Ställ en fråga om vad stadens nämnder och förvaltningar skriver om "
                    "Hållbarhetskommissionens åtgärder, eller välj en exempelfråga i "
                    "sidopanelen. Varje svar citerar bilagan med källa.")
        for turn in st.session_state["turns"]:
            _render_turn(service, turn, str(settings.feedback_path))
        if question:
            with st.spinner("Söker i bilagan …"):
                turn = _ask(service, question, controls)
            _render_turn(service, turn, str(settings.feedback_path))


# -- positions --------------------------------------------------------------------------
def _cell_style(value: str) -> str:
    colours = LABEL_COLOURS.get(value)
    if not colours:
        return ""
    return f"background-color: {colours[0]}; color: {colours[1]}"


def _label_chip(label: str) -> str:
    return f":{LABEL_DIRECTIVE.get(label, 'gray')}-background[{escape_markdown(label)}]"


def _matrix_tab(service: Service) -> None:
    st.header("Ställningstaganden per åtgärd och förvaltning")
    st.caption("Etiketterna sätts av regler på bilagans formuleringar och visar den "
               "formulering som avgjorde dem; kontrollera alltid mot citatet. "
               "Tom cell: förvaltningen tar inte upp åtgärden.")
    st.markdown(" ".join(_label_chip(label) for label in LABEL_COLOURS))
    with st.expander("Vad betyder etiketterna?"):
        st.markdown("\n".join(f"- {_label_chip(label)}: {MEANINGS[label]}"
                               for label in LABEL_COLOURS))
    stances = service.stances()
    measures = service.measures()
    admins = [a.name for a in service.administrations()]
    admins = list(dict.fromkeys(admins))
    reports = list(dict.fromkeys(m.report for m in measures))
    titles = {measure_key(m.report, m.number): f"{m.number} {m.title}" for m in measures}

    left, right = st.columns(2)
    report = left.selectbox("Filtrera på delrapport", [None, *reports], key="mx_report",
                            format_func=lambda r: "Alla delrapporter" if r is None else r,
                            persist_state="session")
    keys = [k for k in titles if report is None or split_key(k)[0] == report]
    only = right.selectbox("Filtrera på åtgärd", [None, *keys], key="mx_measure",
                           format_func=lambda k: "Alla åtgärder" if k is None else titles[k])
    _measures_chart(service, report)
    st.markdown("### Tabell: förvaltning för förvaltning")
    table = stance_table(stances, measures, admins, report, only)
    frame = table.frame()
    styled = frame.style.map(_cell_style, subset=admins)
    event = st.dataframe(
        styled, key="mx_table", on_select="rerun", selection_mode="single-cell",
        hide_index=True, height=min(620, 38 + 35 * max(1, len(frame))),
        column_config={
            "Delrapport": st.column_config.TextColumn("Delrapport", pinned=True,
                                                      width="small"),
            "Åtgärd": st.column_config.TextColumn("Åtgärd", pinned=True, width="medium"),
        },
    )
    cells = list(getattr(getattr(event, "selection", None), "cells", []) or [])
    if cells:
        row, column = cells[0]
        picked = (column, table.keys[row]) if column in admins and row < len(table.keys) \
            else None
        if picked and picked != st.session_state.get("mx_last_cell"):
            st.session_state["mx_last_cell"] = picked
            st.session_state["mx_cell_admin"], st.session_state["mx_cell_measure"] = picked

    st.markdown("**Visa en cell** – klicka i tabellen eller välj här:")
    left, right = st.columns(2)
    admin = left.selectbox("Förvaltning", [None, *admins], key="mx_cell_admin",
                           format_func=lambda a: "Välj förvaltning" if a is None else a)
    key = right.selectbox("Åtgärd", [None, *titles], key="mx_cell_measure",
                          format_func=lambda k: "Välj åtgärd" if k is None else titles[k])
    if admin and key:
        _render_cell(service, stances, admin, key, titles[key])
    focus = key or only
    if focus:
        silent, quiet = not_commented(stances, admins, focus)
        with st.expander(inline_markdown(f"Vilka har inte yttrat sig om åtgärd "
                                         f"{titles[focus]}?")):
            st.markdown("**Har inte lämnat någon skrivelse:** "
                        + (inline_markdown(", ".join(silent)) or "–"))
            st.markdown("**Tar inte upp åtgärden i sin skrivelse:** "
                        + (inline_markdown(", ".join(quiet)) or "–"))
    records = [stance_record(s, service.index) for s in stances]
    st.download_button("Ladda ned alla ställningstaganden (CSV)",
                       data=stances_csv(records).encode("utf-8-sig"),
                       file_name="namndsvar-stallningstaganden.csv", mime="text/csv",
                       icon=":material/download:", on_click="ignore")


def _render_cell(service: Service, stances, admin: str, key: str, title: str) -> None:
    report, number = split_key(key)
    found = next((s for s in stances if s.administration == admin and s.label == INGEN), None)
    found = found or next((s for s in stances if s.administration == admin
                           and s.report == report and s.number == number), None)
    with st.container(border=True):
        st.markdown(f"**{inline_markdown(admin)}** om åtgärd {inline_markdown(title)} "
                    f"({inline_markdown(report)})")
        if found is None:
            st.info(inline_markdown(f"{admin} tar inte upp åtgärd {number} i sin skrivelse "
                                    "i bilagan."))
            return
        st.markdown("Ställningstagande: " + _label_chip(found.label))
        if found.label == INGEN:
            st.markdown(inline_markdown(f"{admin} har inte lämnat någon skrivelse "
                                        "(”Skrivelse saknas.”)."))
            return
        data = stance_record(found, service.index)
        _render_evidence(found.trigger, found.reservation, data["quote"])
        where = [page_text(data["page"], data["page_approx"])]
        if data["line_start"]:
            where.append(f"rad {data['line_start']}–{data['line_end']}")
        st.caption("Källa: " + inline_markdown(", ".join(
            [data["source"], *[w for w in where if w]])))


# -- charts -----------------------------------------------------------------------------
def _stance_chart(frame, y: str, y_order: Sequence[str], listed: str, key: str,
                  description: str, x_title: str = "Antal förvaltningar") -> list[dict]:
    """Stacked horizontal bars, one per `y`, a segment per label in the matrix's colours
    (fill) with the label's text colour as outline and the count written on it, so no
    segment is told by colour alone. Returns the clicked segments ({y, label})."""
    fills = alt.Scale(domain=list(STATEMENT_LABELS),
                      range=[LABEL_COLOURS[label][0] for label in STATEMENT_LABELS])
    strokes = alt.Scale(domain=list(STATEMENT_LABELS),
                        range=[LABEL_COLOURS[label][1] for label in STATEMENT_LABELS])
    pick = alt.selection_point(name="segment", fields=[y, "Ställningstagande"])
    base = alt.Chart(frame).transform_stack(
        stack="Antal", groupby=[y], sort=[alt.SortField("ordning")], as_=["x0", "x1"],
    ).transform_calculate(mitt="(datum.x0 + datum.x1) / 2")
    y_axis = alt.Y(f"{y}:N", sort=list(y_order), title=None,
                   axis=alt.Axis(labelLimit=420, labelFontSize=13))
    bars = base.mark_bar(strokeWidth=1.5, height={"band": 0.8}).encode(
        x=alt.X("x0:Q", title=x_title, axis=alt.Axis(tickMinStep=1)),
        x2="x1:Q", y=y_axis,
        color=alt.Color("Ställningstagande:N", scale=fills,
                        legend=alt.Legend(title="Ställningstagande", orient="top",
                                          labelFontSize=13, symbolStrokeWidth=1.5)),
        stroke=alt.Stroke("Ställningstagande:N", scale=strokes, legend=None),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
        tooltip=[alt.Tooltip(f"{y}:N"), alt.Tooltip("Ställningstagande:N"),
                 alt.Tooltip("Antal:Q"), alt.Tooltip(f"{listed}:N")],
    ).add_params(pick)
    counts = base.mark_text(fontSize=13, fontWeight="bold", color="#1f1f1f").encode(
        x="mitt:Q", y=y_axis, text="Antal:Q")
    # A fixed step per bar: the chart grows with the bars (and a projector can read them).
    chart = (bars + counts).properties(height=alt.Step(32)).configure_axis(
        labelColor="#1f1f1f", titleColor="#1f1f1f").configure_legend(
        labelColor="#1f1f1f", titleColor="#1f1f1f")
    event = st.altair_chart(chart, key=key, on_select="rerun", selection_mode="segment",
                            alt=description)
    return _selected(event, "segment")


def _selected(event, name: str) -> list[dict]:
    """The points of selection `name` in a chart event (an attribute dictionary when the
    browser sends it, a plain dict when a test sets the state)."""
    def part(obj, key: str):
        return obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)

    return list(part(part(event, "selection") or {}, name) or [])


def _follow_pick(picked: list[dict], fields: dict[str, str], last_key: str) -> None:
    """A click on a segment sets the selectboxes below the chart (widget key per field),
    once per new click, so the boxes can still be changed by hand afterwards."""
    if not picked:
        return
    chosen = tuple(picked[0].get(f) for f in fields)
    if chosen != st.session_state.get(last_key):
        st.session_state[last_key] = chosen
        for widget, value in zip(fields.values(), chosen, strict=True):
            st.session_state[widget] = value


def _measures_chart(service: Service, report: str | None) -> None:
    stances = service.stances()
    measures = [m for m in service.measures() if report is None or m.report == report]
    frame = measure_chart_frame(stances, measures)
    st.markdown("### Fördelning per åtgärd")
    st.caption("En stapel per åtgärd: hur många förvaltningar som har varje "
               "ställningstagande (siffran i fältet). Förvaltningar utan skrivelse och de som "
               "inte tar upp åtgärden räknas inte. Klicka på ett fält, eller välj nedan, för "
               "att se vilka förvaltningar det gäller.")
    if frame.empty:
        st.info("Inga ställningstaganden i den valda delrapporten.")
        return
    labels = dict(zip(frame["nyckel"], frame["Åtgärd"], strict=True))
    order = list(dict.fromkeys(frame["Åtgärd"]))
    picked = _stance_chart(frame, "Åtgärd", order, "Förvaltningar", "mx_chart",
                           "Staplat stapeldiagram: ställningstaganden per åtgärd")
    by_label = {v: k for k, v in labels.items()}
    _follow_pick([{"nyckel": by_label.get(p.get("Åtgärd")), **p} for p in picked],
                 {"nyckel": "mx_bar_measure", "Ställningstagande": "mx_bar_label"},
                 "mx_last_bar")
    left, right = st.columns(2)
    key = left.selectbox("Åtgärd i diagrammet", [None, *labels], key="mx_bar_measure",
                         format_func=lambda k: "Välj åtgärd" if k is None else labels[k])
    label = right.selectbox("Ställningstagande i diagrammet", [None, *STATEMENT_LABELS],
                            key="mx_bar_label",
                            format_func=lambda v: "Välj ställningstagande" if v is None else v)
    if key and label:
        names = administrations_with(stances, key, label)
        st.markdown(inline_markdown(f"{labels[key]} – {label} ({len(names)}): ")
                    + (inline_markdown(", ".join(names)) or "ingen förvaltning"))


# -- the administration's page ------------------------------------------------------------
def _admin_names(service: Service) -> list[str]:
    """Fackförvaltningar first, then stadsdelsnämnder, each alphabetical."""
    infos = service.administrations()
    fack = sorted({a.name for a in infos if a.kind == FACK})
    rest = sorted({a.name for a in infos if a.kind != FACK} - set(fack))
    return fack + rest


def _admin_infos(service: Service) -> dict:
    infos: dict = {}
    for a in service.administrations():
        infos.setdefault(a.name, a)
    return infos


def _open_in_document(administration: str, group: str) -> None:
    st.session_state["doc_admin"] = administration
    st.session_state["doc_focus"] = group
    st.session_state["doc_whole"] = False
    st.session_state["tab"] = "Dokumentet"


def _render_evidence(trigger: str, reservation: str, quote: str | None) -> None:
    """What a stance rests on: the deciding phrase, a reservation, the quote."""
    if trigger:
        st.markdown("Avgörande formulering: ”" + inline_markdown(trigger) + "”")
    else:
        st.markdown("Ingen värderande formulering; texten beskriver arbetet.")
    if reservation:
        st.markdown("Förbehåll: ”" + inline_markdown(reservation) + "”")
    if quote:
        st.markdown("> ”" + inline_markdown(quote) + "”")


def _render_position(p: Position, title: str, key: str) -> None:
    """One stance: label (colour and text), the deciding phrase, the quote, where it
    stands, and a button that opens the passage highlighted in the document."""
    with st.container(border=True):
        st.markdown(f"**{inline_markdown(title)}** – {_label_chip(p.label)}")
        _render_evidence(p.trigger, p.reservation, p.quote)
        cols = st.columns([3, 1], vertical_alignment="center")
        cols[0].caption("Källa: " + inline_markdown(", ".join(
            x for x in (p.administration, p.where) if x)))
        cols[1].button("Visa i dokumentet", key=key, on_click=_open_in_document,
                       args=(p.administration, p.group), icon=":material/description:",
                       help=f"Öppnar {p.administration}s avsnitt med citatet markerat")


def _describe_admin(infos: dict, name: str) -> str:
    info = infos[name]
    group = "Fackförvaltningar" if info.kind == FACK else "Stadsdelsnämnder"
    return f"{group} › {name} ({info.committee})"


def _admin_tab(service: Service) -> None:
    st.header("Förvaltningens ställningstaganden")
    infos = _admin_infos(service)
    names = _admin_names(service)
    name = st.selectbox("Förvaltning (skriv för att söka)", names, index=None, key="adm_name",
                        format_func=lambda n: _describe_admin(infos, n),
                        placeholder="Välj eller sök en förvaltning", persist_state="session")
    if name is None:
        st.info("Välj en förvaltning för att se dess ställningstagande till varje åtgärd "
                "den tar upp.")
        return
    info = infos[name]
    st.caption(inline_markdown(f"{KIND_LABELS.get(info.kind, info.kind)}, {info.committee}"))
    stances = service.stances()
    if not has_statement(stances, name):
        with st.container(border=True):
            st.markdown("### " + inline_markdown(f"{name} har inte lämnat någon skrivelse "
                                                 "till bilagan"))
        st.markdown("Bilagan säger bara ”Skrivelse saknas.”; därför visas inga "
                    "ställningstaganden.")
        return
    positions = administration_positions(stances, service.index, service.measures(), name,
                                         info.kind)
    with st.container(border=True):
        st.markdown("### " + inline_markdown(
            f"{name}: {position_summary([p.label for p in positions])}"))
    if not positions:
        return
    frame = administration_chart_frame(positions)
    reports = list(dict.fromkeys(frame["Delrapport"]))
    picked = _stance_chart(frame, "Delrapport", reports, "Åtgärder", "adm_chart",
                           f"Staplat stapeldiagram: {name}s ställningstaganden per delrapport",
                           x_title="Antal åtgärder")
    _follow_pick(picked, {"Delrapport": "adm_report", "Ställningstagande": "adm_label"},
                 "adm_last_bar")
    left, right = st.columns(2)
    report = left.selectbox("Visa delrapport", [None, *reports], key="adm_report",
                            format_func=lambda r: "Alla delrapporter" if r is None else r)
    label = right.selectbox("Visa ställningstagande", [None, *STATEMENT_LABELS],
                            key="adm_label",
                            format_func=lambda v: "Alla ställningstaganden" if v is None else v)
    shown = [p for p in positions if (report is None or p.report == report)
             and (label is None or p.label == label)]
    if len(shown) < len(positions):
        st.caption(f"Visar {len(shown)} av {len(positions)} åtgärder.")
    for report_name, items in by_report(shown):
        st.markdown("### " + inline_markdown(report_name))
        for p in items:
            _render_position(p, f"{p.number} {p.title}", f"adm_open_{p.key}")


# -- the measure's page -------------------------------------------------------------------
def _measure_tab(service: Service) -> None:
    st.header("Åtgärden och förvaltningarnas ställningstaganden")
    measures = service.measures()
    by_key = {measure_key(m.report, m.number): m for m in measures}
    name = st.selectbox("Åtgärd (skriv för att söka)", list(by_key), index=None, key="atg_key",
                        format_func=lambda k: (f"{by_key[k].report} › {by_key[k].number} "
                                               f"{by_key[k].title}"),
                        placeholder="Välj eller sök en åtgärd", persist_state="session")
    if name is None:
        st.info("Välj en åtgärd för att se kommissionens förslag och varje förvaltnings "
                "ställningstagande.")
        return
    infos = _admin_infos(service)
    overview = measure_overview(service.stances(), service.index, by_key[name],
                                _admin_names(service), {n: i.kind for n, i in infos.items()})
    m, c = overview.measure, overview.commission
    st.markdown("### " + inline_markdown(f"Åtgärd {m.number} {m.title}"))
    st.caption("Delrapport: " + inline_markdown(m.report))
    with st.expander("Kommissionens förslag och ”Ansvarig” (kommissionens text)",
                     expanded=True):
        st.caption("Kommissionens egen text som den återges i bilagan – inte en "
                   "förvaltnings ställningstagande.")
        if c.description:
            st.markdown(paragraphs_markdown(c.description))
        if c.responsible:
            st.markdown("**Ansvarig enligt kommissionen:** " + inline_markdown(c.responsible))
        if c.administration:
            st.caption(inline_markdown(f"Återgiven i {c.administration}s avsnitt, {c.where}."))
        if not (c.description or c.responsible):
            st.markdown(inline_markdown(NO_COMMISSION_TEXT))
    with st.container(border=True):
        st.markdown("#### " + inline_markdown(
            measure_summary([p.label for p in overview.positions])))
    for p in overview.positions:
        title = f"{p.administration} ({KIND_LABELS.get(p.kind, p.kind)})"
        _render_position(p, title, f"atg_open_{p.administration}")
    st.markdown("#### Har inte yttrat sig")
    st.markdown("**Har inte lämnat någon skrivelse:** "
                + (inline_markdown(", ".join(overview.silent)) or "–"))
    st.markdown("**Tar inte upp åtgärden i sin skrivelse:** "
                + (inline_markdown(", ".join(overview.quiet)) or "–"))
    left, right = st.columns(2)
    stem = f"namndsvar-atgard-{m.number}"
    left.download_button("Ladda ned åtgärden (Markdown)",
                         data=measure_markdown(overview).encode("utf-8"),
                         file_name=f"{stem}.md", mime="text/markdown",
                         icon=":material/download:", on_click="ignore", key="atg_md")
    right.download_button("Ladda ned åtgärden (CSV)",
                          data=measure_csv(overview).encode("utf-8-sig"),
                          file_name=f"{stem}.csv", mime="text/csv",
                          icon=":material/download:", on_click="ignore", key="atg_csv")


# -- links ------------------------------------------------------------------------------
def _apply_link(service: Service, settings: Settings) -> None:
    """Once per session: open what the address asks for (?q=, ?forvaltning=, ?atgard=,
    ?vy=); a reload starts a new session and so reads it again."""
    if st.session_state.get("link_read"):
        return
    st.session_state["link_read"] = True
    params = {k: st.query_params.get(k) or "" for k in st.query_params}
    link = read_link(params, _admin_names(service), service.measures(),
                     service.vocab.aliases, 5 * settings.max_question_chars)
    st.session_state["link_problems"] = list(link.problems)
    st.session_state["tab"] = VIEW_TABS[link.view]
    if link.question:
        st.session_state["pending"] = link.question
    if link.administration:
        st.session_state["adm_name"] = link.administration
        st.session_state["doc_admin"] = link.administration
        st.session_state["doc_focus"] = link.passage
    if link.measure:
        st.session_state["atg_key"] = link.measure
    if link.report:
        st.session_state["mx_report"] = link.report


def _shown_link() -> Link:
    """What the open tab shows, as a link (the address bar follows it)."""
    state = st.session_state
    view = TAB_VIEWS.get(state.get("tab") or TABS[0], CHAT)
    turns = state["turns"]
    question = (turns[-1]["searched"] or turns[-1]["question"]) if turns else ""
    admin = state.get("adm_name") if view == ADMIN_VIEW else state.get("doc_admin")
    return Link(view, question, admin or "", state.get("atg_key") or "",
                state.get("mx_report") or "",
                "" if state.get("doc_whole") else state.get("doc_focus") or "")


def _follow_in_address_bar(service: Service) -> None:
    params = link_params(_shown_link(), service.measures())
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


# -- the document -----------------------------------------------------------------------
def _document_tab(service: Service) -> None:
    st.header("Bilagan per förvaltning")
    infos = service.administrations()
    sources = service.sources
    source = None
    if len(sources) > 1:
        source = st.selectbox("Källa", sources, key="doc_source")
        infos = [a for a in infos if a.source == source]
    by_name = {a.name: a for a in infos}
    names = [a.name for a in infos if a.kind == FACK] + \
        [a.name for a in infos if a.kind != FACK]
    names = list(dict.fromkeys(names))
    if not names:
        st.info("Bilagan innehåller inga förvaltningar.")
        return

    def describe(name: str) -> str:
        info = by_name[name]
        group = "Fackförvaltningar" if info.kind == FACK else "Stadsdelsnämnder"
        return f"{group} › {name} ({info.committee})"

    if st.session_state.get("doc_admin") not in (None, *names):
        st.session_state["doc_admin"] = None  # a link or another source named someone else
    name = st.selectbox("Förvaltning", names, key="doc_admin", format_func=describe,
                        persist_state="session") or names[0]
    info = by_name[name]
    st.caption(inline_markdown(f"{KIND_LABELS.get(info.kind, info.kind)}, {info.committee}"
                               + ("" if info.has_statement else " – har inte lämnat skrivelse")))
    blocks = document_blocks(service.section_chunks(name, source or info.source),
                             service.index.layouts)
    focus = st.session_state.get("doc_focus")
    if focus and any(b.group == focus for b in blocks):
        # Opened from a position or a link: the cited passage, marked, with its neighbours.
        whole = st.toggle("Hela förvaltningens avsnitt", key="doc_whole")
        if not whole:
            st.caption("Utdrag kring det markerade avsnittet.")
        _render_blocks(blocks if whole else group_window(blocks, focus), highlight=focus,
                       label="Markerat avsnitt")
    else:
        _render_blocks(blocks)


# -- entry point ------------------------------------------------------------------------
def main(settings: Settings | None = None, embedder_factory: EmbedderFactory | None = None,
         auto_build: bool | None = None,
         chat_model_factory: ChatModelFactory | None = None) -> None:
    """Render the app. Tests pass their settings, a fast embedder and a fake chat model;
    `streamlit run` reads the settings from NAMNDSVAR_* environment variables and builds
    a missing index unless NAMNDSVAR_AUTO_BUILD=false."""
    st.set_page_config(page_title="Nämndsvar", page_icon="📑", layout="wide")
    _init_state()
    st.title("Nämndsvar")
    st.caption("Frågor och svar om bilagan där stadens nämnder och förvaltningar kommenterar "
               "Kommissionen för ett socialt hållbart Stockholms åtgärder. Varje svar "
               "citerar bilagan.")
    try:
        settings = settings or load_settings()
        st.sidebar.caption(f"Loggfil: `{configure_logging(settings)}`")
        build = _auto_build_default(settings) if auto_build is None else auto_build
        service, llm_problem = _open(settings, embedder_factory, build, chat_model_factory)
    except NamndsvarError as exc:
        _show_error(exc)
        return
    except Exception as exc:  # never a stack trace on the page
        log.exception("Appen kunde inte starta")
        _show_error(exc)
        return
    try:
        controls = _sidebar(service, settings, llm_problem)
        export_slot = st.sidebar.container()
        _apply_link(service, settings)
        # Shown once, on the page the link opened; the next click clears them.
        for problem in st.session_state.pop("link_problems", []):
            st.warning(inline_markdown(problem), icon=":material/link_off:")
        # Stateful tabs: only the open one runs (.open is None if the tabs do not track).
        renderers = (lambda: _chat_tab(service, settings, controls),
                     lambda: _admin_tab(service), lambda: _measure_tab(service),
                     lambda: _matrix_tab(service), lambda: _document_tab(service))
        for tab, render in zip(st.tabs(TABS, key="tab", on_change="rerun"), renderers,
                               strict=True):
            with tab:
                if tab.open is not False:
                    render()
        with export_slot:
            st.subheader("Exportera")
            turns = st.session_state["turns"]
            st.download_button("Ladda ned samtalet (Markdown)",
                               data=conversation_markdown(turns).encode("utf-8"),
                               file_name="namndsvar-samtal.md", mime="text/markdown",
                               disabled=not turns, icon=":material/download:", width="stretch",
                               on_click="ignore")
        _follow_in_address_bar(service)
    except NamndsvarError as exc:
        _show_error(exc)
    except Exception as exc:
        log.exception("Oväntat fel i appen")
        _show_error(exc)


if __name__ == "__main__":
    main()
