"""The signals behind the answerer's choices, measured on a half of the blind set.

    python -m tools.measure_signals [--set 1|2|3] [--half dev|test] [--json]

- evidence: where the key's evidence sentence ranks among all of its administration's
  own sentences (first, top 3), for the signals of retrieval.answering.evidence alone and
  combined (position, fact, compare and follow-up questions);
- measures: how often the plan's measure (found by meaning, no number or title in the
  question) is the key's;
- refusal: for questions about one named administration whose topic no number or title
  names, the meaning gap (the best own sentence anywhere in the annex against the
  administration's best) and the share of topic words the annex uses, answerable against
  not-in-annex.

Tune on `dev` only (the default).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from ingest.parse import parse_file
from ingest.settings import DEFAULT_ANNEX, load_settings
from ingest.text import normalize_for_match
from retrieval.answering.evidence import PASSAGE, WORDING
from retrieval.followup import rewrite
from retrieval.service import Service
from tools.evaluate_blind import BLIND_SETS, Names, load_questions, load_split, select

_POSITIONAL = ("position", "fact", "compare", "followup")
# The ranker as the answerer uses it: the three signals plus its structural penalties
# (summaries of the reports, list introductions, heading fragments).
RANKER = "the answerer's ranker"


def _measure_keys(directory: Path) -> dict[str, dict]:
    """The key's measure and report per question (the loader keeps neither)."""
    out = {}
    for path in sorted(directory.glob("writer_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[d["id"]] = {"measure": d.get("measure"), "report": d.get("report")}
    return out


def measure(half: str, directory: Path = BLIND_SETS["1"]) -> dict:
    service = Service.from_settings(load_settings())
    off = service.offline
    statements = off.statements
    questions = select(load_questions(directory), load_split(directory), half)
    by_id = {q.id: q for q in load_questions(directory)}
    keys = _measure_keys(directory)
    names = Names(parse_file(DEFAULT_ANNEX))  # the scorer's mapping of the keys' names
    configs = {"meaning": (1.0, 0.0, 0.0), "wording": (0.0, 1.0, 0.0),
               "meaning+wording": (1.0, WORDING, 0.0),
               "meaning+wording+passage": (1.0, WORDING, PASSAGE)}
    ranks: dict[str, list[int]] = {c: [] for c in [*configs, RANKER]}
    resolved = [0, 0]
    gaps: dict[str, list[float]] = {"answerable": [], "not_in_annex": []}
    shares: dict[str, list[float]] = {"answerable": [], "not_in_annex": []}
    for q in questions:
        text = q.question
        if q.followup_of and q.followup_of in by_id:
            text = rewrite(q.question, [by_id[q.followup_of].question], service.vocab)
        result = off.searcher.search(text)
        plan = off.plan(text, result)
        query = off._query(text)
        ctx = off.context(text, result)
        # Evidence ranking.
        if q.answerable and q.shape in _POSITIONAL:
            for ev in q.evidence:
                admin = names.canonical(ev.administration)
                own = statements.of_administration(admin)
                snippet = normalize_for_match(ev.snippet)
                gold = [i for i, s in enumerate(own)
                        if snippet[:50] in normalize_for_match(s.text)
                        or normalize_for_match(s.text) in snippet]
                if not own or not gold:
                    continue
                cos = off.meaning.cosines(own, query)
                words = np.array([off.wording.coverage(plan.topic.words, s.text) for s in own])
                prior = np.array([1 / (1 + ctx.passage_rank[s.group])
                                  if s.group in ctx.passage_rank else 0.0 for s in own])
                for name, (a, b, c) in configs.items():
                    order = list(np.argsort(-(a * cos + b * words + c * prior), kind="stable"))
                    ranks[name].append(min(order.index(g) for g in gold))
                ranked = [e.sentence for e in ctx.rank(plan, own, [])]
                ranks[RANKER].append(min(ranked.index(own[g]) for g in gold))
                break
        # Measures by meaning.
        key = keys.get(q.id, {})
        if q.answerable and key.get("measure") and not re.search(r"\d\.\d", text) \
                and plan.topic.measures_by == "meaning":
            wanted = [k for k in statements.measures if k[1] == key["measure"]
                      and (not key.get("report") or key["report"].startswith(k[0]))]
            resolved[1] += 1
            resolved[0] += bool(wanted) and plan.topic.measures[:1] == wanted[:1]
        # Refusal features.
        if len(plan.scope.administrations) == 1 and plan.shape in ("position", "fact") \
                and plan.topic.measures_by not in ("number", "title") and plan.topic.words:
            own = statements.of_administration(plan.scope.administrations[0])
            if own:
                best = float(off.meaning.cosines(own, query).max())
                side = "answerable" if q.answerable else "not_in_annex"
                gaps[side].append(round(ctx.best_meaning() - best, 3))
                shares[side].append(round(off.wording.known_share(plan.topic.words), 2))

    def share(values: list[int], within: int) -> float | None:
        return round(sum(v < within for v in values) / len(values), 3) if values else None

    return {
        "half": half,
        "evidence": {name: {"n": len(v), "first": share(v, 1), "top3": share(v, 3)}
                     for name, v in ranks.items()},
        "measures_by_meaning": {"n": resolved[1], "right": round(resolved[0] / resolved[1], 3)
                                if resolved[1] else None},
        "refusal": {side: {"n": len(gaps[side]), "meaning_gap": sorted(gaps[side]),
                           "known_share": sorted(shares[side])} for side in gaps},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.measure_signals",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", choices=["dev", "test"], default="dev")
    parser.add_argument("--set", choices=sorted(BLIND_SETS), default="1", dest="set_")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = measure(args.half, BLIND_SETS[args.set_])
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(f"Half: {report['half']}")
    for name, r in report["evidence"].items():
        print(f"  evidence {name:<32} n={r['n']:<3} first {r['first']}  top3 {r['top3']}")
    m = report["measures_by_meaning"]
    print(f"  measure by meaning right {m['right']} (n={m['n']})")
    for side, r in report["refusal"].items():
        print(f"  refusal {side:<13} n={r['n']:<3} gap {r['meaning_gap']}")
        print(f"  {'':<21} known share {r['known_share']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
