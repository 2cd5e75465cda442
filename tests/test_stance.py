"""Stance rules: classify() on hand-made sentences, the stance matrix over the annex, the
`stances` command, and the accuracy against the hand-labelled set."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from ingest.models import Annex
from ingest.settings import PROJECT_ROOT, Settings
from ingest.text import normalize_for_match
from retrieval.stance import (
    AVVISANDE,
    FORBEHALL,
    INGEN,
    LABELS,
    NEUTRAL,
    POSITIV,
    RESERVATION_WINDOW,
    TVEKSAM,
    Stance,
    classify,
    stance_matrix,
    stance_of,
)
from retrieval.statements import Sentence, Statements

STANCE_GOLD = PROJECT_ROOT / "data" / "eval" / "stance_gold.jsonl"
ACCURACY_TARGET = 0.85  # the requirement
ACCURACY_FLOOR = 0.78  # regression floor, below today's measured 0.81
MATRIX_COLUMNS = ["administration", "report", "measure", "label", "trigger", "reservation",
                  "quote", "passage_id"]


def sentence(text: str, i: int = 0, role: str = "answer") -> Sentence:
    return Sentence(text, 100 * i, 100 * i + len(text), "test.txt", "Farsta", "g1", "c1", role,
                    (("Stad i samverkan", "4.1.1"),))


def sentences(*texts: str) -> list[Sentence]:
    return [sentence(t, i) for i, t in enumerate(texts)]


NEUTRAL_TEXT = "Förvaltningen arbetar sedan 2015 med lokala utvecklingsprogram i tre områden."


# -- classify() ------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "label", "trigger", "reservation"), [
    ("Nämnden delar kommissionens bedömning om vikten av stöd på modersmål.",
     POSITIV, "delar kommissionens bedömning", ""),
    ("Stadsdelsnämnden ser positivt på förslaget med lokala lotsar förutsatt att centrala "
     "medel för detta skulle tilldelas.", FORBEHALL, "ser positivt", "förutsatt"),
    ("Nämnden ställer sig dock tveksam till förslaget mot bakgrund av vuxenutbildningens "
     "uppdrag som inte omfattar hälsoinsatser.", TVEKSAM, "tveksam", ""),
    ("Nämnden avstyrker förslaget om en gemensam bank med praktikplatser.",
     AVVISANDE, "avstyrker", ""),
    (NEUTRAL_TEXT, NEUTRAL, "", ""),
])
def test_classify_one_sentence(text: str, label: str, trigger: str, reservation: str) -> None:
    s = sentence(text)
    got = classify([s])
    assert got == (label, trigger, reservation, s)
    if trigger:
        assert trigger in normalize_for_match(text)
    if reservation:
        assert reservation in normalize_for_match(text)


def test_classify_records_the_sentence_holding_the_trigger() -> None:
    ss = sentences(NEUTRAL_TEXT, "Förvaltningen ser mycket positivt på att en lotsfunktion "
                   "inrättas lokalt.", "Arbetet sker i samverkan med föreningslivet.")
    label, trigger, reservation, where = classify(ss)
    assert (label, trigger, reservation) == (POSITIV, "ser mycket positivt", "")
    assert where is ss[1]


def test_classify_empty_and_neutral() -> None:
    assert classify([]) == (NEUTRAL, "", "", None)
    ss = sentences(NEUTRAL_TEXT, "Arbetet sker i samverkan med föreningslivet.")
    assert classify(ss) == (NEUTRAL, "", "", ss[0])


def test_classify_rejection_and_doubt_outrank_praise() -> None:
    praise = "Nämnden delar kommissionens bedömning."
    doubt = "Nämnden är dock tveksam till just en ”praktikbank”."
    reject = "Förvaltningen ser inget behov av en ny funktion."
    assert classify(sentences(praise, doubt))[:2] == (TVEKSAM, "tveksam")
    assert classify(sentences(praise, doubt, reject))[:2] == (AVVISANDE, "ser inget behov")


def test_classify_reservation_window() -> None:
    praise = "Förvaltningen ställer sig positiv till förslaget."
    later = "Det kräver ytterligare resurser."
    filler = [f"Arbetet pågår i område nummer {i}." for i in range(RESERVATION_WINDOW)]
    within = classify(sentences(praise, *filler[:-1], later))
    assert within[:3] == (FORBEHALL, "ställer sig positiv", "ytterligare resurser")
    beyond = classify(sentences(praise, *filler, later))
    assert beyond[:3] == (POSITIV, "ställer sig positiv", "")


def test_classify_ignores_case_and_line_breaks() -> None:
    s = sentence("FÖRVALTNINGEN STÄLLER SIG\nPOSITIV till förslaget.")
    assert classify([s])[:2] == (POSITIV, "ställer sig positiv")


# -- the matrix over the annex ---------------------------------------------------------------
@pytest.fixture(scope="module")
def fake_statements(fake_service) -> Statements:
    return fake_service.statements


@pytest.fixture(scope="module")
def matrix(fake_statements: Statements) -> list[Stance]:
    return stance_matrix(fake_statements)


def test_matrix_one_row_per_addressed_measure(fake_statements: Statements,
                                              matrix: list[Stance], annex: Annex) -> None:
    keys = [(r.administration, r.report, r.number) for r in matrix]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    expected = {(a.name, report, number) for a in annex.administrations if a.has_statement
                for report, number in fake_statements.measures_of(a.name)}
    assert {k for k in keys if k[1] is not None} == expected
    # every administration with a statement addresses at least one measure
    assert {a for a, _, _ in expected} == {a.name for a in annex.administrations
                                           if a.has_statement}
    assert {r.label for r in matrix} <= set(LABELS)
    for r in matrix:
        if r.label != INGEN:
            assert r == stance_of(fake_statements, r.administration, r.report, r.number)


def test_matrix_has_ten_no_statement_rows(matrix: list[Stance], annex: Annex) -> None:
    ingen = [r for r in matrix if r.label == INGEN]
    assert len(ingen) == 10
    assert {r.administration for r in ingen} == {a.name for a in annex.administrations
                                                 if not a.has_statement}
    assert all(r.report is None and r.number is None for r in ingen)
    assert not [r for r in matrix if r.report is None and r.label != INGEN]


def test_matrix_triggers_stand_in_their_quotes(matrix: list[Stance]) -> None:
    rows = [r for r in matrix if r.label != INGEN]
    assert Counter(r.label for r in rows)[NEUTRAL] < len(rows)
    for r in rows:
        d = r.as_dict()
        assert r.sentence is not None and d["quote"] and d["passage_id"], d
        assert r.sentence.administration == r.administration
        assert r.sentence.role in {"answer", "prose"}
        if r.label == NEUTRAL:
            assert r.trigger == "" and r.reservation == ""
            continue
        assert r.trigger, d
        assert r.trigger in normalize_for_match(d["quote"]), d
        if r.label == FORBEHALL:
            assert r.reservation, d
        else:
            assert r.reservation == "", d


def test_no_statement_rows_cite_their_placeholder(matrix: list[Stance]) -> None:
    for r in [r for r in matrix if r.label == INGEN]:
        d = r.as_dict()
        assert d["passage_id"], d
        assert d["quote"].startswith(("Skrivelse saknas", "Skrivning saknas")), d
        assert r.trigger in d["quote"], d


# -- the command line ------------------------------------------------------------------------
def _cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMNDSVAR_")}
    env["HF_HUB_OFFLINE"] = "1"
    return subprocess.run([sys.executable, "-m", "retrieval", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def _check_rows(rows: list[dict]) -> None:
    assert rows
    for r in rows:
        assert set(MATRIX_COLUMNS) <= set(r), set(MATRIX_COLUMNS) - set(r)
        assert r["label"] in LABELS
    assert sum(r["label"] == INGEN for r in rows) == 10
    amf = {(r["report"], r["measure"]): r for r in rows
           if r["administration"] == "Arbetsmarknadsförvaltningen"}
    row = amf[("En skola där alla ska lyckas", "6.3.3")]
    assert (row["label"], row["trigger"]) == (TVEKSAM, "tveksam")
    assert "praktikbank" in row["quote"] and row["passage_id"]


@pytest.mark.slow
def test_cli_stances_csv_and_json(real_index: Settings) -> None:
    out_csv = _cli("stances", "--csv", "--index", str(real_index.index_dir))
    assert out_csv.returncode == 0, out_csv.stderr
    reader = csv.DictReader(io.StringIO(out_csv.stdout))
    assert reader.fieldnames[:len(MATRIX_COLUMNS)] == MATRIX_COLUMNS
    csv_rows = list(reader)
    _check_rows(csv_rows)

    out_json = _cli("stances", "--json", "--index", str(real_index.index_dir))
    assert out_json.returncode == 0, out_json.stderr
    json_rows = json.loads(out_json.stdout)
    _check_rows(json_rows)
    assert len(json_rows) == len(csv_rows)
    assert [r["label"] for r in json_rows] == [r["label"] for r in csv_rows]


# -- accuracy against the hand-labelled set --------------------------------------------------
def _load_gold(path: Path = STANCE_GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def test_stance_gold_is_well_formed(annex: Annex) -> None:
    gold = _load_gold()
    assert len(gold) == 145
    names = {a.name for a in annex.administrations}
    keys = [(g["administration"], g.get("report"), g.get("measure")) for g in gold]
    assert len(set(keys)) == len(keys)
    for g in gold:
        assert g["administration"] in names, g
        assert g["label"] in LABELS, g
        assert (g.get("measure") is None) == (g["label"] == INGEN), g
    assert sum(g["label"] == INGEN for g in gold) == 10


@pytest.fixture(scope="module")
def measured(real_searcher) -> dict:
    """Accuracy of the real index's stance matrix on the gold pairs; a pair the matrix
    lacks counts as wrong. Prints the figures and the confusion (gold -> predicted)."""
    rows = stance_matrix(Statements(real_searcher.index))
    predicted = {(r.administration, r.report, r.number): r.label for r in rows}
    gold = _load_gold()
    confusion: Counter[tuple[str, str]] = Counter()
    for g in gold:
        label = predicted.get((g["administration"], g.get("report"), g.get("measure")),
                              "(saknas)")
        confusion[(g["label"], label)] += 1
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    accuracy = correct / len(gold)
    missing = sum(n for (_, got), n in confusion.items() if got == "(saknas)")
    print(f"\nstance accuracy {accuracy:.4f} ({correct}/{len(gold)}), "
          f"{missing} gold pairs not in the matrix ({len(rows)} matrix rows)")
    print("confusion (gold -> predicted):")
    for (want, got), n in sorted(confusion.items()):
        print(f"  {want:<22} -> {got:<22} {n:>3}{'' if want == got else '  *'}")
    return {"accuracy": accuracy, "confusion": confusion, "missing": missing}


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="measured stance accuracy 0.81 < 0.85 (rules miss "
                   "implicit stances and reservation scope); see closing note")
def test_stance_accuracy(measured: dict) -> None:
    assert measured["accuracy"] >= ACCURACY_TARGET, measured["accuracy"]


@pytest.mark.slow
def test_stance_accuracy_regression_floor(measured: dict) -> None:
    assert measured["accuracy"] >= ACCURACY_FLOOR, measured["accuracy"]
    confusion = measured["confusion"]
    assert confusion[(INGEN, INGEN)] == 10
    assert confusion[(TVEKSAM, TVEKSAM)] == sum(n for (w, _), n in confusion.items()
                                                if w == TVEKSAM)
