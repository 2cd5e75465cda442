"""Answer quality on the development halves of the blind sets (real index): the tests
fail when a figure falls below what was measured on that half less a small margin.

IN-SAMPLE for tuning: the answerer's thresholds were chosen on these halves, so these
floors say that nothing regressed. The test halves (measured once per round, README) say
how the answerer does on questions it was not tuned on; they are never run here.
"""

from __future__ import annotations

import pytest

from ingest.settings import Settings
from tools.evaluate_blind import BLIND_SETS, run

MARGIN = 0.03
# Measured on each dev half at the final code (set 1: round 29, set 2: round 23, set 3: round 16;
# data/eval/*/results/). Lower is better for false refusals.
DEV_OVERALL = {
    "1": {"evidence_cited": 0.958, "evidence_recall": 0.873, "fact_stated": 0.779,
          "correct_refusal": 0.938, "no_statement_ok": 1.0, "shape_ok": 0.919},
    "2": {"evidence_cited": 0.876, "evidence_recall": 0.875, "fact_stated": 0.663,
          "correct_refusal": 0.833, "no_statement_ok": 1.0, "shape_ok": 0.893},
    "3": {"evidence_cited": 0.901, "evidence_recall": 0.879, "fact_stated": 0.654,
          "correct_refusal": 0.85, "no_statement_ok": 1.0, "shape_ok": 0.895},
}
DEV_FALSE_REFUSALS = {"1": 0.011, "2": 0.011, "3": 0.025}
# Per shape, the dev figures (n = 2-21 questions a shape, so one question is 0.05-0.5:
# the floor is one question below the measured value).
DEV_PER_SHAPE = {
    "1": {
        "position": {"evidence_cited": 1.0, "fact_stated": 0.933},
        "fact": {"evidence_cited": 0.929, "fact_stated": 0.929},
        "list_by_stance": {"evidence_cited": 1.0, "shape_ok": 0.778},
        "count": {"fact_stated": 0.857, "shape_ok": 0.857},
        "compare": {"evidence_cited": 0.857, "shape_ok": 1.0},
        "profile": {"evidence_recall": 1.0, "shape_ok": 1.0, "fact_stated": 0.429},
        "inverse": {"evidence_cited": 1.0, "fact_stated": 1.0},
        "measure_overview": {"evidence_cited": 1.0, "shape_ok": 1.0},
        "no_statement": {"no_statement_ok": 1.0},
        "commission_text": {"evidence_cited": 1.0, "fact_stated": 1.0},
        "followup": {"evidence_cited": 0.909, "fact_stated": 0.727},
        "not_in_annex": {"correct_refusal": 0.938},
    },
    "2": {
        "position": {"evidence_cited": 0.6, "fact_stated": 0.5},
        "fact": {"evidence_cited": 0.867, "fact_stated": 0.667},
        "list_by_stance": {"evidence_cited": 1.0, "shape_ok": 0.667},
        "count": {"fact_stated": 0.8, "shape_ok": 0.8},
        "compare": {"evidence_cited": 1.0, "shape_ok": 1.0},
        "profile": {"evidence_recall": 1.0, "shape_ok": 1.0, "fact_stated": 1.0},
        "inverse": {"evidence_cited": 1.0, "fact_stated": 0.8},
        "measure_overview": {"evidence_cited": 1.0, "shape_ok": 1.0},
        "no_statement": {"no_statement_ok": 1.0},
        "commission_text": {"evidence_cited": 1.0, "fact_stated": 1.0},
        "followup": {"evidence_cited": 0.81, "fact_stated": 0.524},
        "not_in_annex": {"correct_refusal": 0.833},
    },
    "3": {
        "position": {"evidence_cited": 0.692, "fact_stated": 0.385},
        "fact": {"evidence_cited": 1.0, "fact_stated": 0.786},
        "list_by_stance": {"evidence_cited": 1.0, "shape_ok": 1.0},
        "count": {"fact_stated": 0.667, "shape_ok": 0.667},
        "compare": {"evidence_cited": 1.0, "shape_ok": 1.0},
        "profile": {"evidence_recall": 0.792, "shape_ok": 0.75, "fact_stated": 0.75},
        "inverse": {"evidence_cited": 1.0, "fact_stated": 0.75},
        "measure_overview": {"evidence_cited": 1.0, "shape_ok": 1.0},
        "no_statement": {"no_statement_ok": 1.0},
        "commission_text": {"evidence_cited": 1.0, "fact_stated": 1.0},
        "followup": {"evidence_cited": 0.88, "fact_stated": 0.64},
        "not_in_annex": {"correct_refusal": 0.85},
    },
}


@pytest.fixture(scope="module", params=sorted(BLIND_SETS))
def dev(request, real_index: Settings) -> tuple[str, dict]:
    out, _, _ = run(real_index, "dev", BLIND_SETS[request.param])
    assert out["errors"] == 0
    return request.param, out


@pytest.mark.slow
def test_dev_overall_metrics_hold(dev: tuple[str, dict]) -> None:
    blind_set, out = dev
    low = []
    for metric, measured in DEV_OVERALL[blind_set].items():
        value = out["overall"]["metrics"][metric]
        if value is None or value < measured - MARGIN:
            low.append(f"{metric} {value} < {measured} - {MARGIN}")
    assert not low, f"set {blind_set} (dev, in-sample): " + "; ".join(low)


@pytest.mark.slow
def test_dev_false_refusals_stay_rare(dev: tuple[str, dict]) -> None:
    blind_set, out = dev
    value = out["overall"]["metrics"]["false_refusal"]
    assert value is not None and value <= DEV_FALSE_REFUSALS[blind_set] + MARGIN, value


@pytest.mark.slow
def test_dev_shapes_hold(dev: tuple[str, dict]) -> None:
    blind_set, out = dev
    low = []
    for shape, floors in DEV_PER_SHAPE[blind_set].items():
        summary = out["per_shape"][shape]
        assert summary["n"] >= 2, (blind_set, shape, summary["n"])
        for metric, measured in floors.items():
            value = summary["metrics"][metric]
            one_question = 1 / summary["counts"][metric]
            # (figures are rounded to three decimals)
            if value is None or value < measured - one_question - 1e-3:
                low.append(f"{shape} {metric} {value} < {measured} less one question")
    assert not low, f"set {blind_set} (dev, in-sample): " + "; ".join(low)
