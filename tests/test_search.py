"""Hybrid search over the real index (packaged MiniLM model, built once per session)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.build import current_build
from ingest.models import Annex
from ingest.records import read_chunks
from ingest.registry import FACK, KNOWN_ADMINISTRATIONS, STADSDEL, genitive
from ingest.settings import DEFAULT_ANNEX, PROJECT_ROOT, Settings
from ingest.text import normalize_ws
from retrieval.search import Filters, Passage, Searcher

DELAD = "Från delad till enad stad"
SKOLA = "En skola där alla ska lyckas"
KNOWN = {k.name: k for k in KNOWN_ADMINISTRATIONS}


def _aliases(name: str) -> list[str]:
    """How a user names the administration: its committee, or the district's forms."""
    known = KNOWN[name]
    if known.kind == FACK:
        committee = known.committee.split(" (")[0]
        if name == "Stadsarkivet":  # its committee is kulturnämnden, which means Kultur…
            return ["arkivmyndigheten"]
        return [committee]
    return [f"{genitive(name)} stadsdelsnämnd", f"stadsdelen {name}",
            f"stadsdelsförvaltningen i {name}"]


def _measures(passage: Passage) -> set[tuple[str, str]]:
    return {(m.report, m.number) for c in passage.parts for m in c.measures}


def _named_block(admins: list[str], name: str) -> str | None:
    """Why `admins` (in rank order) fails "the named one first, none of it after another"."""
    if not admins or admins[0] != name:
        return f"first is {admins[:1]}"
    first_other = next((i for i, a in enumerate(admins) if a != name), len(admins))
    late = [i for i, a in enumerate(admins) if a == name and i > first_other]
    return f"{name} at ranks {late} after {admins[first_other]}" if late else None


@pytest.mark.slow
def test_named_administration_comes_first(real_searcher: Searcher, annex: Annex) -> None:
    with_statement = [a.name for a in annex.administrations if a.has_statement]
    assert len(with_statement) == 21
    failures = []
    for name in with_statement:
        for alias in _aliases(name):
            for template in ("Vad tycker {} om civilsamhället?",
                             "Hur ser {} på samverkan med föreningar?"):
                question = template.format(alias)
                result = real_searcher.search(question, k=10)
                admins = [p.administration for p in result.passages]
                problem = _named_block(admins, name)
                if problem or result.detected.administrations != [name]:
                    failures.append(f"{question!r}: {problem or result.detected}")
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_named_administration_gets_all_its_passages_first(real_searcher: Searcher) -> None:
    # Bromma has few passages: all of them come before any other administration's.
    index = real_searcher.index
    groups = {c.group or c.id for c in index.chunks if c.administration == "Bromma"}
    result = real_searcher.search("Vad tycker Brommas stadsdelsnämnd om lotsar?", k=30)
    admins = [p.administration for p in result.passages]
    assert admins[:len(groups)] == ["Bromma"] * len(groups)
    assert {p.id for p in result.passages[:len(groups)]} == groups


@pytest.mark.slow
def test_list_question_one_passage_per_district(real_searcher: Searcher, annex: Annex) -> None:
    result = real_searcher.search(
        "Vilka stadsdelsnämnder är positiva till lotsar för civilsamhället?")
    assert result.detected.intent == "list"
    admins = [p.administration for p in result.passages]
    assert len(admins) == len(set(admins)), f"duplicates: {admins}"
    assert {p.first.kind for p in result.passages} == {STADSDEL}
    districts = {a.name for a in annex.administrations
                 if a.kind == STADSDEL and a.has_statement}
    assert len(districts) == 12
    assert districts <= set(admins), f"missing: {districts - set(admins)}"


@pytest.mark.slow
def test_no_statement_question(real_searcher: Searcher, annex: Annex) -> None:
    expected = {a.name for a in annex.administrations if not a.has_statement}
    assert len(expected) == 10
    result = real_searcher.search("Vilka nämnder har inte lämnat någon skrivelse?")
    assert result.detected.intent == "no_statement"
    admins = [p.administration for p in result.passages]
    assert len(admins) == 10 and set(admins) == expected
    for p in result.passages:
        assert "no_statement" in p.roles
        assert "saknas" in p.text.lower()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "kind"),
    [("Vilka fackförvaltningar har inte lämnat någon skrivelse?", FACK),
     ("Vilka stadsdelsnämnder saknar skrivelse?", STADSDEL)],
)
def test_no_statement_within_a_group(real_searcher: Searcher, annex: Annex, question: str,
                                     kind: str) -> None:
    expected = {a.name for a in annex.administrations if not a.has_statement and a.kind == kind}
    admins = [p.administration for p in real_searcher.search(question, k=3).passages]
    assert len(admins) == len(expected) and set(admins) == expected  # all, even past k


@pytest.mark.slow
def test_no_statement_of_one_administration(real_searcher: Searcher) -> None:
    result = real_searcher.search("Har Kungsholmen yttrat sig?")
    assert result.passages[0].administration == "Kungsholmen"
    assert "no_statement" in result.passages[0].roles


@pytest.mark.slow
def test_ambiguous_measure_returns_both_reports(real_searcher: Searcher) -> None:
    result = real_searcher.search("Vad säger exploateringsnämnden om åtgärd 6.2.1?")
    assert result.detected.ambiguous_measures == ["6.2.1"]
    top3 = result.passages[:3]
    assert {p.administration for p in top3} == {"Exploateringskontoret"}
    found = set().union(*(_measures(p) for p in top3))
    assert {(DELAD, "6.2.1"), (SKOLA, "6.2.1")} <= found, found


@pytest.mark.slow
def test_named_report_puts_its_measure_first(real_searcher: Searcher) -> None:
    result = real_searcher.search(
        f"Vad säger exploateringsnämnden om åtgärd 6.2.1 i {DELAD}?")
    first = result.passages[0]
    assert first.administration == "Exploateringskontoret"
    assert (DELAD, "6.2.1") in _measures(first)
    assert (SKOLA, "6.2.1") not in _measures(first)


# -- passages ---------------------------------------------------------------------------
def _annex_without_markers(annex: Annex) -> str:
    """The annex text as passages show it: page-marker lines ("4 (44)") dropped."""
    lines = annex.text.split("\n")
    kept = [line for n, line in enumerate(lines, start=1) if n not in annex.marker_lines]
    return normalize_ws("\n".join(kept))


QUESTIONS = [
    "Vad tycker Skärholmen om lotsar?",
    "Vad säger arbetsmarknadsnämnden om studie- och yrkesvägledning?",
    "Hur ser stadsbyggnadsnämnden på sociala stadsrumsanalyser?",
    "Vilka stadsdelsnämnder vill etablera Community Centers?",
    "Vad innebär åtgärd 6.3.2?",
    "Vad tycker nämnderna om praktikplatser?",
]


@pytest.mark.slow
def test_passages_are_whole_groups_and_verbatim(real_searcher: Searcher, real_index: Settings,
                                                annex: Annex) -> None:
    build = real_index.index_dir / "builds" / current_build(real_index.index_dir)
    on_disk = read_chunks(build / "chunks.jsonl")  # document order
    by_group: dict[str, list] = {}
    for c in on_disk:
        by_group.setdefault(c.group or c.id, []).append(c)
    full = _annex_without_markers(annex)
    for question in QUESTIONS:
        result = real_searcher.search(question, k=10)
        assert result.passages, question
        ids = [p.id for p in result.passages]
        assert len(ids) == len(set(ids)), f"a group twice for {question!r}"
        for p in result.passages:
            group = by_group[p.id]
            assert [c.id for c in p.parts] == [c.id for c in group]
            assert p.text == "\n".join(c.text for c in group)
            assert {c.administration for c in p.parts} == {p.administration}
            assert normalize_ws(p.text) in full, f"not verbatim: {p.text[:120]!r}"
            assert p.start == group[0].start and p.end == group[-1].end


@pytest.mark.slow
def test_passage_as_dict(real_searcher: Searcher) -> None:
    result = real_searcher.search("Vad tycker Skärholmen om lotsar?")
    d = result.as_dict()
    json.dumps(d, ensure_ascii=False)  # serialisable
    p = d["passages"][0]
    assert p["administration"] == "Skärholmen"
    assert p["kind"] == STADSDEL
    assert p["committee"] == "Skärholmens stadsdelsnämnd"
    assert p["source"] == DEFAULT_ANNEX.name
    assert p["line_start"] <= p["line_end"]
    scores = [q["score"] for q in d["passages"]]
    assert scores == sorted(scores, reverse=True)


# -- filters ----------------------------------------------------------------------------
@pytest.mark.slow
def test_filter_administrations(real_searcher: Searcher) -> None:
    allowed = ["Skärholmen", "Farsta"]
    result = real_searcher.search("Vad tycker nämnderna om lotsar för civilsamhället?",
                                  filters=Filters(administrations=allowed))
    assert result.passages
    assert {p.administration for p in result.passages} <= set(allowed)
    # a filter wins over the administration the question names
    named_other = real_searcher.search("Vad tycker Bromma om lotsar?",
                                       filters=Filters(administrations=["Skärholmen"]))
    assert named_other.passages
    assert {p.administration for p in named_other.passages} == {"Skärholmen"}


@pytest.mark.slow
def test_filter_sources_and_kinds(real_searcher: Searcher) -> None:
    question = "Vad tycker Skärholmen om lotsar?"
    assert real_searcher.search(question, filters=Filters(sources=["nope"])).passages == []
    own = real_searcher.search(question, filters=Filters(sources=[DEFAULT_ANNEX.name]))
    assert own.passages and own.passages[0].administration == "Skärholmen"
    fack = real_searcher.search("Vad tycker nämnderna om skolans placering?",
                                filters=Filters(kinds=[FACK]))
    assert fack.passages and {p.first.kind for p in fack.passages} == {FACK}


@pytest.mark.slow
def test_filter_measure_and_report(real_searcher: Searcher) -> None:
    result = real_searcher.search("Vad säger nämnderna?",
                                  filters=Filters(measures=["6.2.1"], reports=[DELAD]))
    assert result.passages
    for p in result.passages:
        assert (DELAD, "6.2.1") in _measures(p), (p.administration, _measures(p))


# -- command line -----------------------------------------------------------------------
def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run([sys.executable, "-m", "retrieval", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


PASSAGE_KEYS = {"id", "text", "administration", "kind", "committee", "report", "measure",
                "measure_title", "page", "line_start", "line_end", "score"}


@pytest.mark.slow
def test_cli_search_json(real_index: Settings) -> None:
    question = "Vad tycker Skärholmen om lotsar?"
    out = _cli("search", "--json", "--index", str(real_index.index_dir), question)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["question"] == question
    assert data["passages"]
    for p in data["passages"]:
        assert set(p) >= PASSAGE_KEYS, PASSAGE_KEYS - set(p)
    assert data["passages"][0]["administration"] == "Skärholmen"


@pytest.mark.slow
def test_cli_batch(real_index: Settings, tmp_path: Path) -> None:
    questions = ["Vad tycker Skärholmen om lotsar?",
                 "Vilka nämnder har inte lämnat någon skrivelse?",
                 "Vad säger exploateringsnämnden om åtgärd 6.2.1?"]
    batch = tmp_path / "fragor.txt"
    batch.write_text("\n".join(questions) + "\n\n", encoding="utf-8")
    out = _cli("search", "--batch", str(batch), "--index", str(real_index.index_dir))
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 3
    rows = [json.loads(line) for line in lines]
    assert [r["question"] for r in rows] == questions
    assert all(set(r["passages"][0]) >= PASSAGE_KEYS for r in rows)


def test_cli_missing_index(tmp_path: Path) -> None:
    out = _cli("search", "--json", "--index", str(tmp_path / "inget-index"), "Vad tycker Farsta?")
    assert out.returncode == 2
    assert "Fel:" in out.stderr
    assert "python -m ingest build" in out.stderr
    assert out.stdout.strip() == ""
