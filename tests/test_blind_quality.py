"""Answer quality on the blind development half (real index): the tests fail when a
figure falls below what was measured on that half less a small margin.

IN-SAMPLE for tuning: the answerer's thresholds were chosen on this half, so these floors
say that nothing regressed. The test half (measured once per round, README) says how the
answerer does on questions it was not tuned on; it is never run here.
"""

from __future__ import annotations

import pytest

from ingest.settings import Settings
from tools.evaluate_blind import run

MARGIN = 0.03
# Measured on the dev half with the plan and per-shape composers (round 5, data/eval/
# blind_questions/results/round5_dev.txt). Lower is better for false refusals.
DEV_OVERALL = {"evidence_cited": 0.958, "evidence_recall": 0.854, "fact_stated": 0.716,
               "correct_refusal": 0.875, "no_statement_ok": 1.0, "shape_ok": 0.919}
DEV_FALSE_REFUSALS = 0.011
# Per shape, the dev figures (n = 7-16 questions a shape, so one question is 0.06-0.14:
# the floor is one question below the measured value).
DEV_PER_SHAPE = {
    "position": {"evidence_cited": 1.0, "fact_stated": 0.8},
    "fact": {"evidence_cited": 0.929, "fact_stated": 0.857},
    "list_by_stance": {"evidence_cited": 1.0, "shape_ok": 0.667},
    "count": {"fact_stated": 1.0, "shape_ok": 1.0},
    "compare": {"evidence_cited": 0.857, "shape_ok": 1.0},
    "profile": {"evidence_recall": 1.0, "shape_ok": 1.0},
    "inverse": {"evidence_cited": 1.0, "fact_stated": 1.0},
    "measure_overview": {"evidence_cited": 1.0, "shape_ok": 1.0},
    "no_statement": {"no_statement_ok": 1.0},
    "commission_text": {"evidence_cited": 1.0, "fact_stated": 1.0},
    "followup": {"evidence_cited": 0.909},
    "not_in_annex": {"correct_refusal": 0.875},
}


@pytest.fixture(scope="module")
def dev(real_index: Settings) -> dict:
    out, _, _ = run(real_index, "dev")
    assert out["errors"] == 0
    return out


@pytest.mark.slow
@pytest.mark.parametrize("metric", sorted(DEV_OVERALL))
def test_dev_overall_metric_holds(dev: dict, metric: str) -> None:
    value = dev["overall"]["metrics"][metric]
    assert value is not None and value >= DEV_OVERALL[metric] - MARGIN, (
        f"{metric} {value} < {DEV_OVERALL[metric]} - {MARGIN} (dev, in-sample)")


@pytest.mark.slow
def test_dev_false_refusals_stay_rare(dev: dict) -> None:
    value = dev["overall"]["metrics"]["false_refusal"]
    assert value is not None and value <= DEV_FALSE_REFUSALS + MARGIN, value


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(DEV_PER_SHAPE))
def test_dev_shape_holds(dev: dict, shape: str) -> None:
    summary = dev["per_shape"][shape]
    n = summary["n"]
    assert n >= 4, (shape, n)
    for metric, measured in DEV_PER_SHAPE[shape].items():
        value = summary["metrics"][metric]
        one_question = 1 / summary["counts"][metric]
        assert value is not None and value >= measured - one_question - 1e-9, (
            f"{shape} {metric} {value} < {measured} less one question (dev, in-sample)")
