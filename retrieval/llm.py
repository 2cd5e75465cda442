"""The LLM answer mode: a chat model writes the answer from numbered passages, and every
citation it makes is checked against the passages it was given.

The model is never trusted: markers that point nowhere are removed, an answer without a
valid citation (the sign of an invented answer or an obeyed injected instruction) is
replaced by the offline answer, and any failure of the model (timeout, no connection,
HTTP error, unreadable output) falls back to the offline answer with a notice, logged with
its cause. answer() never raises for a model failure; a programming error (TypeError,
AttributeError, …) is not a model failure and is raised.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ingest.errors import LLMError
from ingest.settings import Settings
from ingest.text import normalize_for_match, normalize_lines, normalize_ws
from ingest.text.sentences import sentences
from ingest.text.words import stems
from retrieval.answer import NOT_IN_ANNEX, Answer, Citation, Quote
from retrieval.answering import OfflineAnswerer
from retrieval.guard import clean_question
from retrieval.langchain_adapters import NamndsvarRetriever, passages_from_documents
from retrieval.prompts import render
from retrieval.search import Filters, Passage
from retrieval.statements import Sentence

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

FALLBACK_MODE = "offline (reserv)"
SEARCH_K = 6
# List questions search one passage per administration; more than this would not fit
# the context window of small local models.
MAX_PASSAGES = 12
# The client's own timeout should fire first (it closes the connection cleanly); the
# guard thread bounds models whose client has no timeout.
TIMEOUT_GRACE_S = 0.25
OLLAMA_NUM_CTX = 8192

NO_VALID_CITATIONS = ("Språkmodellens svar saknade giltiga källhänvisningar; "
                      "offline-svaret visas i stället.")
_INSTEAD = "; offline-svaret visas i stället."

# "[1]", "[1, 2]", "[1–3]"; "[1][2]" is two matches. "[4.1.1]" is not a marker.
_MARKER = re.compile(r"[ \t]*\[\s*(\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*)\s*\]")
_RENUMBERED = re.compile(r"\[(\d+)\]")
_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_QUOTE = re.compile(r"[”“\"«»]([^”“\"«»]{8,})[”“\"«»]")
_BULLET = re.compile(r"^\s*(?:[•\-–*]|\d+(?:\.\d+)*\s)")


class _Unreadable(Exception):
    """The model answered, but with nothing that can be read as text."""


# -- building the chat model ------------------------------------------------------------
def chat_model_from_settings(settings: Settings) -> BaseChatModel:
    """The configured chat model; LLMError (Swedish) says what to set when none is."""
    provider, model = settings.llm_provider, settings.llm_model.strip()
    if provider == "none" or not model:
        raise LLMError(
            "Ingen språkmodell är inställd. Sätt NAMNDSVAR_LLM_PROVIDER (ollama eller openai) "
            "och NAMNDSVAR_LLM_MODEL, vid behov även NAMNDSVAR_LLM_BASE_URL och "
            "NAMNDSVAR_LLM_API_KEY (och NAMNDSVAR_LLM_TIMEOUT_S) – eller använd offline-läget "
            "(NAMNDSVAR_ANSWER_MODE=offline)."
        )
    try:
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            kwargs: dict[str, Any] = {
                "model": model, "temperature": 0.0, "num_ctx": OLLAMA_NUM_CTX,
                "client_kwargs": {"timeout": settings.llm_timeout_s},
            }
            if settings.llm_base_url:
                kwargs["base_url"] = settings.llm_base_url
            return ChatOllama(**kwargs)
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=model, base_url=settings.llm_base_url,
                          api_key=settings.llm_api_key, timeout=settings.llm_timeout_s,
                          max_retries=0)
    except ImportError as exc:
        package = "langchain-ollama" if provider == "ollama" else "langchain-openai"
        raise LLMError(f"Paketet {package} saknas ({exc}). Installera projektet igen med "
                       "`make setup`.") from exc
    except ValueError as exc:  # the client's own (pydantic) validation, e.g. a malformed URL
        raise LLMError(f"Språkmodellen ({provider}, {model}) kunde inte skapas: {exc}. "
                       "Kontrollera NAMNDSVAR_LLM_*-variablerna.") from exc


# -- prompt text ------------------------------------------------------------------------
def _defang(text: str) -> str:
    """Data must not be able to close the prompt's <<<…>>> delimiters."""
    return text.replace("<<<", "‹‹‹").replace(">>>", "›››")


def _flow(text: str) -> str:
    """Undo the annex's hard line wraps (paragraphs and bullets stay); the words are the
    source's, so the model can quote them verbatim."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            if out and out[-1] != "":
                out.append("")
        elif not out or out[-1] == "" or _BULLET.match(line):
            out.append(line)
        else:
            out[-1] = f"{out[-1]} {line}"
    return normalize_lines("\n".join(out))


def passage_heading(n: int, passage: Passage) -> str:
    """"[n] Förvaltning (nämnd) – delrapport – åtgärd N titel": who speaks about what."""
    c = passage.first
    parts = [f"[{n}] {c.administration} ({c.committee})"]
    if c.report:
        parts.append(c.report)
    measures = list(dict.fromkeys(m.number for m in c.measures))[:3]
    if measures:
        parts.append("; ".join(f"åtgärd {num} {c.measure_titles.get(num, '')}".rstrip()
                               for num in measures))
    return " – ".join(parts)


def format_passages(passages: list[Passage]) -> str:
    return "\n\n".join(f"{passage_heading(n, p)}\n{_defang(_flow(p.text))}"
                       for n, p in enumerate(passages, start=1))


def build_messages(question: str, passages: list[Passage], plan: str = "") -> list:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=render("answer_system")),
            HumanMessage(content=render("answer_user", question=_defang(question),
                                        passages=format_passages(passages),
                                        plan=_defang(plan) or "(ingen plan)"))]


# -- reading the model's answer ---------------------------------------------------------
def _text_of(message: object) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, str):
        text = content
    elif isinstance(content, list):  # content blocks: keep the text ones
        text = "".join(
            b if isinstance(b, str) else str(b.get("text", ""))
            for b in content
            if isinstance(b, str) or (isinstance(b, dict) and b.get("type") in (None, "text"))
        )
    else:
        raise _Unreadable(f"oväntad typ {type(content).__name__}")
    text = _THINK.sub("", text).strip()
    if not text:
        raise _Unreadable("tomt svar")
    return text


def _numbers(group: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        bounds = [int(x) for x in re.split(r"\s*[–-]\s*", part) if x]
        if len(bounds) == 2 and bounds[0] <= bounds[1] <= bounds[0] + 20:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def resolve_markers(text: str, n_passages: int) -> tuple[str, list[int], list[int]]:
    """Keep markers that point at a given passage, renumbered 1..m by first use.

    Returns the new text, the original passage numbers in citation order (new number i+1
    is order[i]) and the invalid numbers that were removed.
    """
    order: list[int] = []
    invalid: list[int] = []

    def replace(m: re.Match[str]) -> str:
        valid: list[int] = []
        for x in _numbers(m.group(1)):
            if 1 <= x <= n_passages:
                if x not in order:
                    order.append(x)
                if x not in valid:
                    valid.append(x)
            elif x not in invalid:
                invalid.append(x)
        if not valid:
            return ""
        lead = m.group(0)[: len(m.group(0)) - len(m.group(0).lstrip(" \t"))]
        return lead + "".join(f"[{order.index(x) + 1}]" for x in valid)

    new = _MARKER.sub(replace, text)
    if invalid:  # tidy what a removed marker leaves behind
        new = re.sub(r"[ \t]+([.,;:!?])", r"\1", new)
        new = re.sub(r"[ \t]{2,}", " ", new)
        new = re.sub(r"^[ \t]+", "", new, flags=re.MULTILINE)
    return new.strip(), order, invalid


def _is_not_in_annex(text: str) -> bool:
    lead = text.lstrip(" \t\n*_#>\"”“'-–")
    return normalize_for_match(lead).startswith(normalize_for_match(NOT_IN_ANNEX))


def _mentions_not_in_annex(text: str) -> bool:
    return normalize_for_match(NOT_IN_ANNEX) in normalize_for_match(text)


def _units(text: str) -> list[tuple[str, list[int]]]:
    """The answer's sentences with the (renumbered) citations each carries; a marker
    standing alone belongs to the sentence before it."""
    units: list[tuple[str, list[int]]] = []
    # Answer units: the sentences of each line (a marker after the full stop stays with
    # its sentence).
    for raw in (s for line in text.splitlines() for s in sentences(line)):
        cited = [int(x) for x in _RENUMBERED.findall(raw)]
        bare = _RENUMBERED.sub("", raw).strip()
        if not re.search(r"\w", bare) and units:
            units[-1][1].extend(cited)
        elif bare or cited:
            units.append((bare, cited))
    return units


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _best_sentences(claims: list[str], own: list[Sentence]) -> list[Sentence]:
    """The passage's own sentences that the citing claims quote or paraphrase best."""
    own_stems = [set(stems(s.text)) for s in own]
    own_flat = [normalize_for_match(s.flat) for s in own]
    picked: list[Sentence] = []
    for claim in claims:
        quotes = [normalize_for_match(q) for q in _QUOTE.findall(claim)]
        # A verbatim quote decides: every own sentence it holds, or the one holding it.
        quoted = [s for s, flat in zip(own, own_flat, strict=True) for q in quotes
                  if len(flat) >= 12 and (flat in q or q in flat)]
        if quoted:
            picked.extend(quoted)
            continue
        target = set(stems(" ".join(quotes) if quotes else claim))
        scores = [_overlap(target, s) for s in own_stems]
        best = max(range(len(own)), key=lambda i: scores[i], default=None)
        if best is not None and scores[best] > 0:
            picked.append(own[best])
    if not picked:  # at least one: the sentence nearest to all claims, else the first
        target = set(stems(" ".join(claims)))
        scores = [_overlap(target, s) for s in own_stems]
        picked.append(own[max(range(len(own)), key=lambda i: scores[i])])
    return sorted(dict.fromkeys(picked), key=lambda s: s.start)


def _chunk_sentence(passage: Passage) -> Sentence:
    """A passage without own sentences ("Skrivelse saknas.", the commission's text) is
    cited as its first chunk."""
    c = passage.first
    return Sentence(c.text, c.start, c.end, c.source, c.administration, passage.id, c.id,
                    c.segments[0].role if c.segments else "prose",
                    tuple((m.report, m.number) for m in c.measures))


# -- failures -----------------------------------------------------------------------------
def _error_types() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """Timeout and connection exception types of whichever clients are installed."""
    timeouts: list[type[BaseException]] = [TimeoutError]
    connects: list[type[BaseException]] = [ConnectionError]
    try:
        import httpx

        timeouts.append(httpx.TimeoutException)
        connects += [httpx.ConnectError, httpx.NetworkError]
    except ImportError:
        pass
    try:
        import openai

        timeouts.append(openai.APITimeoutError)
        connects.append(openai.APIConnectionError)
    except ImportError:
        pass
    try:
        from langchain_core import exceptions as lc

        for name, bucket in (("ModelTimeoutError", timeouts),
                             ("ModelConnectionError", connects)):
            if hasattr(lc, name):
                bucket.append(getattr(lc, name))
    except ImportError:
        pass
    return tuple(timeouts), tuple(connects)


def _model_failures() -> tuple[type[BaseException], ...]:
    """What a chat model call raises when the model, not this code, fails: timeouts,
    connections, HTTP and API errors, unreadable output (ValueError covers JSON)."""
    timeouts, connects = _error_types()
    kinds: list[type[BaseException]] = [*timeouts, *connects, OSError, ValueError,
                                        _Unreadable, LLMError]
    for module, name in (("httpx", "HTTPError"), ("openai", "OpenAIError"),
                         ("ollama", "ResponseError"),
                         ("langchain_core.exceptions", "LangChainException")):
        try:
            kinds.append(getattr(__import__(module, fromlist=[name]), name))
        except (ImportError, AttributeError):
            continue
    return tuple(kinds)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _short(exc: BaseException) -> str:
    text = normalize_ws(str(exc)) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def failure_reason(exc: BaseException, settings: Settings) -> str:
    """Why the model gave no answer, in Swedish, for the user."""
    timeouts, connects = _error_types()
    chain = _chain(exc)
    if any(isinstance(e, timeouts) for e in chain):
        return f"Språkmodellen svarade inte inom {settings.llm_timeout_s:g} s"
    if any(isinstance(e, connects) for e in chain):
        where = f" ({settings.llm_base_url})" if settings.llm_base_url else ""
        return f"Kunde inte nå språkmodellen{where}: {_short(chain[-1])}"
    status = next((s for e in chain if isinstance(s := getattr(e, "status_code", None), int)
                   and s > 0), None)
    if status is not None:
        hint = {401: " – kontrollera NAMNDSVAR_LLM_API_KEY",
                403: " – kontrollera NAMNDSVAR_LLM_API_KEY",
                404: " – kontrollera NAMNDSVAR_LLM_MODEL och NAMNDSVAR_LLM_BASE_URL"}
        return (f"Språkmodellen svarade med ett fel (HTTP {status}){hint.get(status, '')}: "
                f"{_short(exc)}")
    if isinstance(exc, _Unreadable):
        return f"Språkmodellens svar gick inte att läsa ({exc})"
    if any(isinstance(e, json.JSONDecodeError) for e in chain):
        return f"Språkmodellens svar gick inte att läsa (inte JSON: {_short(exc)})"
    return (f"Språkmodellen gav ett fel eller ett oläsbart svar "
            f"({type(exc).__name__}: {_short(exc)})")


# -- the answerer -------------------------------------------------------------------------
class LLMAnswerer:
    mode = "llm"

    def __init__(self, offline: OfflineAnswerer, chat_model: Any, settings: Settings) -> None:
        self.offline = offline
        self.chat_model = chat_model
        self.settings = settings

    def answer(self, question: str, filters: Filters | None = None,
               previous: Sequence[str] = ()) -> Answer:
        t0 = time.perf_counter()
        q, notices = clean_question(question, self.settings.max_question_chars)
        # The plan and its evidence come from the offline answerer: the model answers the
        # same reading of the question, from the passages the plan's composer cited first,
        # then the LangChain retriever's (the one a user's own chain would use).
        offline = self.offline.answer(q, filters=filters, previous=previous)
        plan_ms = _ms(t0)
        if not offline.grounded:
            offline.notices.insert(0, "Planen hittade inget i bilagan som besvarar frågan; "
                                      "språkmodellen anropades inte.")
            return offline
        searcher = self.offline.searcher
        retriever = NamndsvarRetriever(searcher=searcher, k=SEARCH_K, filters=filters)
        found = passages_from_documents(retriever.invoke(q), searcher.index)
        detected = offline.detected
        search_ms = _ms(t0)
        passages = _plan_first([c.passage for c in offline.citations], found)
        t1 = time.perf_counter()
        try:
            messages = build_messages(q, passages, offline.plan.describe() if offline.plan
                                      else "")
            text = _text_of(self._invoke(messages))
        except _model_failures() as exc:  # the offline answer, never an error
            reason = failure_reason(exc, self.settings)
            log.warning("LLM failed, offline fallback: %s", reason, exc_info=exc)
            return self._fallback(question, filters, reason + _INSTEAD, _ms(t1), offline)
        llm_ms = _ms(t1)
        t2 = time.perf_counter()

        # "plan": the offline answer the model's passages and plan come from.
        timings = {"plan": plan_ms, "search": round(search_ms - plan_ms, 2), "llm": llm_ms}
        new_text, order, invalid = resolve_markers(text, len(passages))
        if _is_not_in_annex(text) or (_mentions_not_in_annex(text) and not order):
            # No support claimed: nothing is cited, the passages are only shown as nearby.
            bare = re.sub(r"[ \t]{2,}", " ", _MARKER.sub("", text)).strip()
            timings["answer"] = _ms(t2)
            timings["total"] = _ms(t0)
            return Answer(q, bare, self.mode, False, [], found, detected, passages[:3],
                          notices, timings, shape="not_in_annex", direct=NOT_IN_ANNEX,
                          plan=offline.plan)

        if not order:
            log.warning("LLM answer without a valid citation, offline fallback "
                        "(invalid markers: %s)", invalid)
            return self._fallback(question, filters, NO_VALID_CITATIONS, llm_ms, offline)
        if invalid:
            notices.append("Källhänvisningar som inte pekar på något givet avsnitt togs bort: "
                           + ", ".join(f"[{x}]" for x in invalid))
        citations = self._citations(new_text, [passages[x - 1] for x in order])
        timings["answer"] = _ms(t2)
        timings["total"] = _ms(t0)
        # The model's own text is the answer; its quotes are the cited passages' sentences.
        return Answer(q, new_text, self.mode, True, citations, found, detected, [], notices,
                      timings, shape="llm", direct=next(iter(new_text.splitlines()), ""),
                      quotes=[Quote.of(c) for c in citations], plan=offline.plan)

    def _citations(self, text: str, cited: list[Passage]) -> list[Citation]:
        units = _units(text)
        out: list[Citation] = []
        for n, passage in enumerate(cited, start=1):
            claims = [bare for bare, nums in units if n in nums and bare] or [text]
            own = self.offline.statements.of_group(passage.id)
            sentences = _best_sentences(claims, own) if own else [_chunk_sentence(passage)]
            out.append(Citation(n, passage, sentences))
        return out

    def _invoke(self, messages: list) -> object:
        """Call the model in a daemon thread so that a client without a working timeout
        cannot hold the answer (or the process's exit) longer than the set limit."""
        box: dict[str, Any] = {}
        context = contextvars.copy_context()

        def run() -> None:
            try:
                box["result"] = context.run(self.chat_model.invoke, messages)
            except BaseException as exc:  # handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=run, name="namndsvar-llm", daemon=True)
        worker.start()
        worker.join(self.settings.llm_timeout_s + TIMEOUT_GRACE_S)
        if worker.is_alive():
            raise TimeoutError(f"no answer within {self.settings.llm_timeout_s} s")
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def _fallback(self, question: str, filters: Filters | None, notice: str,
                  llm_ms: float, offline: Answer | None = None) -> Answer:
        answer = offline or self.offline.answer(question, filters=filters)
        answer.mode = FALLBACK_MODE
        answer.notices.insert(0, notice)
        answer.timings_ms["llm"] = llm_ms
        return answer


def _plan_first(planned: list[Passage], found: list[Passage]) -> list[Passage]:
    """The plan's cited passages, then the retriever's others, up to MAX_PASSAGES."""
    out: list[Passage] = []
    seen: set[str] = set()
    for p in [*planned, *found]:
        if p.id not in seen:
            seen.add(p.id)
            out.append(p)
    return out[:MAX_PASSAGES]


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
