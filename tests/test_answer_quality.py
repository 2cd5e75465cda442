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
