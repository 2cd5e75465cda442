"""Measured answer quality of the offline answerer on the gold questions (real index)."""

from __future__ import annotations

import pytest

from ingest.settings import Settings
from tools.evaluate import ANSWER_THRESHOLD, run

METRICS = ("cited_evidence", "names_administration", "no_statement_correct",
           "unanswerable_correct", "answerable_answered")


@pytest.fixture(scope="module")
def answers(real_index: Settings) -> dict:
    report = run(real_index, baseline=False, answers=True)
    assert "baseline" not in report and "grid" not in report
    a = report["answers"]
    print("\nanswer quality (offline answerer, gold questions):")
    for metric in METRICS:
        print(f"  {metric:<22} {a[metric]}  (threshold {ANSWER_THRESHOLD})")
    print(f"  n = {a['n']}, latency p50 {a['latency_ms_p50']} ms")
    for f in a["failures"]:
        print(f"  ! {f['id']}: {f['question']}")
    return a


@pytest.mark.slow
def test_every_metric_is_measured(answers: dict) -> None:
    n = answers["n"]
    assert n["cited"] >= 80 and n["named"] >= 80 and n["answerable"] >= 80
    assert n["no_statement"] >= 5 and n["unanswerable"] >= 5
    for metric in METRICS:
        assert answers[metric] is not None, metric


@pytest.mark.slow
@pytest.mark.parametrize("metric", METRICS)
def test_answer_metric_meets_threshold(answers: dict, metric: str) -> None:
    failures = "\n".join(f"{f['id']}: {f['question']} -> {f['answer'][:120]}"
                         for f in answers["failures"])
    value = answers[metric]
    print(f"{metric} = {value}")
    assert value is not None and value >= ANSWER_THRESHOLD, (
        f"{metric} {value} < {ANSWER_THRESHOLD}\n{failures}")


# Per gold category, just below the figure measured on the real index (default model).
# IN-SAMPLE: the answerer was developed on these questions, so the floors say that nothing
# regressed; the blind set (tools.evaluate_blind, test_blind_quality.py, README) says how
# it does on new ones. Measured with the plan and per-shape composers (issue 14): every
# check 1.00 on position, fact, no statement and English; list cited 0.929 (13/14: "Vilka
# stadsdelsnämnder har eller planerar medborgarvärdar?" is read as measure 6.5.3, not as
# the term); number in two reports named 0.933; paraphrase cited 0.727, named and
# answered 1.00 (before: 0.364 / 0.455 / 0.455); 8/8 unanswerable refused.
_ALL_RIGHT = {"cited_evidence": 0.99, "names_administration": 0.99,
              "answerable_answered": 0.99}
ANSWER_CATEGORY_MINIMUMS: dict[str, dict[str, float]] = {
    "position": _ALL_RIGHT,
    "fact": _ALL_RIGHT,
    "list": {"cited_evidence": 0.92, "names_administration": 0.99,
             "answerable_answered": 0.99},
    "no_statement": {"cited_evidence": 0.99, "no_statement_correct": 0.99},
    "ambiguous_number": {"cited_evidence": 0.99, "names_administration": 0.93,
                         "answerable_answered": 0.99},
    "english": _ALL_RIGHT,
    "paraphrase": {"cited_evidence": 0.72, "names_administration": 0.99,
                   "answerable_answered": 0.99},
    "unanswerable": {"unanswerable_correct": 0.99},
}


@pytest.mark.slow
@pytest.mark.parametrize("category", sorted(ANSWER_CATEGORY_MINIMUMS))
def test_answer_category_meets_its_in_sample_floor(answers: dict, category: str) -> None:
    scores = answers["per_category"][category]
    assert scores["n"] >= 5, (category, scores)
    for metric, minimum in ANSWER_CATEGORY_MINIMUMS[category].items():
        assert scores[metric] is not None and scores[metric] >= minimum, (
            f"{category} {metric} {scores[metric]} < {minimum} (in-sample)")
