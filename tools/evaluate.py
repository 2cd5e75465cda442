"""Measured retrieval quality on the project's gold questions, beside a naive baseline.

    python -m tools.evaluate [--index DIR] [--json] [--grid]

hit@5 and MRR@10 over answerable questions with evidence; list recall@10 of the expected
administrations for list questions; overall and per category. The baseline is the whole
annex split by LangChain's RecursiveCharacterTextSplitter (1000/200), dense search only.
Then the offline answers, and the stance matrix against the hand-labelled sets:
- first development labels (`stance_gold.jsonl`): the rules' first round was developed on
  them; they predate the labelling guide and differ from it in places;
- held-out (`stance_heldout.jsonl`): 54 matrix rows labelled blind by a second annotator;
  the rules were tuned on it afterwards, so it is development data now;
- blind (`stance_blind.jsonl`, `stance_blind_c.jsonl`, `stance_blind_d.jsonl`): every pair
  of the 21 administrations with a statement that either the matrix or a reader of their
  whole sections found, labelled three times by annotators who followed `STANCE_GUIDE.md`
  and never saw the rules' output; the gold is the majority label. Split by
  administration: the rules' second round was developed on one half and the other was
  measured once as the test set; the third round used all pairs (`STANCE_TEST.md`).
- sections (`stance_sections.jsonl`): the pairs a reader of each whole section found,
  which measures how many of them the linking of prose to measures finds (recall).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.errors import NamndsvarError
from ingest.models import Annex
from ingest.parse import parse_file
from ingest.settings import PROJECT_ROOT, Settings
from ingest.text import normalize_ws
from retrieval.index import open_index
from retrieval.search import Searcher, Weights
from retrieval.statements import Statements

GOLD_PATH = PROJECT_ROOT / "data" / "eval" / "gold_questions.jsonl"
STANCE_GOLD = PROJECT_ROOT / "data" / "eval" / "stance_gold.jsonl"
STANCE_HELDOUT = PROJECT_ROOT / "data" / "eval" / "stance_heldout.jsonl"
STANCE_BLIND = PROJECT_ROOT / "data" / "eval" / "stance_blind.jsonl"
# The same pairs labelled again by two further annotators (see STANCE_TEST.md).
STANCE_BLIND_MORE = tuple(PROJECT_ROOT / "data" / "eval" / f"stance_blind_{c}.jsonl"
                          for c in "cd")
STANCE_SECTIONS = PROJECT_ROOT / "data" / "eval" / "stance_sections.jsonl"
# The blind set's test half, drawn once at random by administration before the second
# round of rule changes, which was developed on the other half (STANCE_TEST.md).
TEST_ADMINISTRATIONS = frozenset({
    "Arbetsmarknadsförvaltningen", "Enskede-Årsta-Vantör", "Idrottsförvaltningen", "Norrmalm",
    "Rinkeby-Kista", "Skarpnäck", "Skärholmen", "Stadsbyggnadskontoret", "Trafikkontoret",
    "Älvsjö"})
OFF_TOPIC = "ej om åtgärden"  # the pair's text is not about the measure: a wrong link
MISSING = "(saknas)"
THRESHOLDS = {"hit@5": 0.95, "mrr@10": 0.85, "list_recall@10": 0.90}


@dataclass(frozen=True)
class Evidence:
    administration: str
    snippet: str


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    category: str
    evidence: tuple[Evidence, ...]
    expected_administrations: tuple[str, ...]
    report: str | None
    measure: str | None
    answerable: bool


def load_gold(path: Path = GOLD_PATH) -> list[GoldQuestion]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        questions.append(GoldQuestion(
            d["id"], d["question"], d["category"],
            tuple(Evidence(e["administration"], e["snippet"]) for e in d.get("evidence", [])),
            tuple(d.get("expected_administrations") or []), d.get("report"), d.get("measure"),
            bool(d.get("answerable", True)),
        ))
    return questions


class EvidenceLocator:
    """Finds each gold snippet's character span in its administration's section."""

    def __init__(self, annex: Annex) -> None:
        self.annex = annex
        self._sections = {a.name: (a.start, a.end) for a in annex.administrations}

    def span(self, evidence: Evidence) -> tuple[int, int]:
        start, end = self._sections[evidence.administration]
        raw = self.annex.text[start:end]
        norm_chars: list[str] = []
        index: list[int] = []
        in_space = False
        for i, ch in enumerate(raw):
            if ch.isspace():
                if not in_space and norm_chars:
                    norm_chars.append(" ")
                    index.append(i)
                in_space = True
                continue
            in_space = False
            norm_chars.append(ch)
            index.append(i)
        norm = "".join(norm_chars)
        target = normalize_ws(evidence.snippet)
        pos = norm.find(target)
        if pos < 0:
            raise ValueError(f"Gold snippet not in {evidence.administration}: {target[:60]}")
        return start + index[pos], start + index[pos + len(target) - 1] + 1

    def administration_at(self, offset: int) -> str | None:
        for name, (start, end) in self._sections.items():
            if start <= offset < end:
                return name
        return None


def holds(span: tuple[int, int], start: int, end: int) -> bool:
    """A passage holds evidence when it covers at least half of the snippet."""
    overlap = min(span[1], end) - max(span[0], start)
    return overlap >= 0.5 * (span[1] - span[0])


@dataclass
class Scores:
    hits5: list[float] = field(default_factory=list)
    rr10: list[float] = field(default_factory=list)
    list_recall: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float | int | None]:
        def mean(xs: list[float]) -> float | None:
            return round(float(np.mean(xs)), 4) if xs else None

        return {"hit@5": mean(self.hits5), "mrr@10": mean(self.rr10),
                "list_recall@10": mean(self.list_recall), "n": len(self.hits5) or
                len(self.list_recall)}


def _score(results: list[list[tuple[str, int, int]]], gold: list[GoldQuestion],
           locator: EvidenceLocator) -> dict:
    """results[i]: ranked (administration, start, end) for gold[i]."""
    overall = Scores()
    per: dict[str, Scores] = {}
    failures = []
    for q, ranked in zip(gold, results, strict=True):
        cat = per.setdefault(q.category, Scores())
        if q.category == "list" and q.expected_administrations:
            top_admins = []
            for admin, _, _ in ranked:
                if admin not in top_admins:
                    top_admins.append(admin)
            top_admins = top_admins[:10]
            recall = len(set(q.expected_administrations) & set(top_admins)) / len(
                q.expected_administrations)
            overall.list_recall.append(recall)
            cat.list_recall.append(recall)
        if not q.evidence:
            continue
        spans = [(e.administration, locator.span(e)) for e in q.evidence]
        rank = next((r for r, (admin, s, e) in enumerate(ranked[:10], start=1)
                     if any(admin == ea and holds(sp, s, e) for ea, sp in spans)), None)
        hit5 = 1.0 if rank is not None and rank <= 5 else 0.0
        rr = 1.0 / rank if rank else 0.0
        for target in (overall, cat):
            target.hits5.append(hit5)
            target.rr10.append(rr)
        if not hit5:
            failures.append({"id": q.id, "question": q.question, "rank": rank})
    return {"overall": overall.summary(),
            "per_category": {c: s.summary() for c, s in sorted(per.items())},
            "misses": failures}


def evaluate_searcher(searcher: Searcher, gold: list[GoldQuestion], locator: EvidenceLocator,
                      weights: Weights | None = None) -> dict:
    results, latencies = [], []
    for q in gold:
        t = time.perf_counter()
        found = searcher.search(q.question, k=10, weights=weights)
        latencies.append((time.perf_counter() - t) * 1000)
        results.append([(p.administration, p.start, p.end)
                        for p in found.passages if p.source == locator.annex.source])
    report = _score(results, gold, locator)
    report["latency_ms_p50"] = round(float(np.percentile(latencies, 50)), 2)
    return report


def evaluate_baseline(annex: Annex, embedder, gold: list[GoldQuestion],
                      locator: EvidenceLocator) -> dict:
    """Whole text, RecursiveCharacterTextSplitter(1000/200), dense cosine only."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200,
                                              add_start_index=True)
    docs = splitter.create_documents([annex.text])
    spans = [(d.metadata["start_index"], d.metadata["start_index"] + len(d.page_content))
             for d in docs]
    matrix = np.array(embedder.embed_passages([d.page_content for d in docs]))
    results, latencies = [], []
    for q in gold:
        t = time.perf_counter()
        scores = matrix @ np.array(embedder.embed_query(q.question))
        order = np.argsort(-scores)[:10]
        latencies.append((time.perf_counter() - t) * 1000)
        ranked = []
        for i in order:
            start, end = spans[int(i)]
            admin = locator.administration_at(start) or locator.administration_at(end - 1)
            ranked.append((admin or "", start, end))
        results.append(ranked)
    report = _score(results, gold, locator)
    report["chunks"] = len(docs)
    report["latency_ms_p50"] = round(float(np.percentile(latencies, 50)), 2)
    return report


ANSWER_THRESHOLD = 0.9
ANSWER_METRICS = ("cited_evidence", "names_administration", "answerable_answered",
                  "unanswerable_correct", "no_statement_correct")


def evaluate_answers(answerer, gold: list[GoldQuestion], locator: EvidenceLocator) -> dict:
    """Answer checks: cited evidence, right administration, "no statement" and "does not
    appear" answers, and no false "does not appear" for answerable questions."""
    from retrieval.answer import NO_STATEMENT_TEXT

    cited, named, no_statement, unanswerable, answered, latencies = [], [], [], [], [], []
    failures = []
    # The same checks per gold category (position, fact, list, …).
    per: dict[str, dict[str, list[float]]] = {}
    for q in gold:
        mark = len(cited), len(named), len(answered), len(unanswerable), len(no_statement)
        t = time.perf_counter()
        a = answerer.answer(q.question)
        latencies.append((time.perf_counter() - t) * 1000)
        ok = True
        if not q.answerable:
            good = not a.grounded and not a.citations
            unanswerable.append(float(good))
            ok = good
        else:
            answered.append(float(a.grounded))
            ok = a.grounded
            if q.evidence:
                spans = [(e.administration, locator.span(e)) for e in q.evidence]
                hit = any(c.passage.administration == admin and holds(sp, c.passage.start,
                                                                      c.passage.end)
                          for c in a.citations for admin, sp in spans)
                cited.append(float(hit))
                ok = ok and hit
            expected = list(q.expected_administrations) or sorted(
                {e.administration for e in q.evidence})
            if expected:
                share = sum(name in a.answer for name in expected) / len(expected)
                named.append(share)
                ok = ok and share >= 0.99
            if q.category == "no_statement":
                good = NO_STATEMENT_TEXT in a.answer and all(n in a.answer for n in expected)
                no_statement.append(float(good))
                ok = ok and good
        if not ok:
            failures.append({"id": q.id, "question": q.question, "answer": a.answer[:300]})
        cat = per.setdefault(q.category, {m: [] for m in ANSWER_METRICS})
        for metric, values, start in zip(
                ANSWER_METRICS, (cited, named, answered, unanswerable, no_statement), mark,
                strict=True):
            cat[metric].extend(values[start:])

    def mean(xs: list[float]) -> float | None:
        return round(float(np.mean(xs)), 4) if xs else None

    return {
        "cited_evidence": mean(cited), "names_administration": mean(named),
        "no_statement_correct": mean(no_statement),
        "unanswerable_correct": mean(unanswerable),
        "answerable_answered": mean(answered),
        "n": {"cited": len(cited), "named": len(named), "no_statement": len(no_statement),
              "unanswerable": len(unanswerable), "answerable": len(answered)},
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2),
        "per_category": {c: {m: mean(v) for m, v in d.items()} | {"n": sum(
            1 for q in gold if q.category == c)} for c, d in sorted(per.items())},
        "failures": failures,
    }


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def blind_annotations() -> list[list[dict]]:
    """The blind set's annotations: the first labels, then the further ones."""
    return [load_jsonl(p) for p in (STANCE_BLIND, *STANCE_BLIND_MORE)]


def majority_gold(annotations: list[list[dict]]) -> tuple[list[dict], list[dict]]:
    """Per pair, the label more than half of its annotators give (two of three), as the
    first annotation that gives it; and apart, the pairs with no such label."""
    by_pair: dict[tuple, list[dict]] = {}
    for annotation in annotations:
        for g in annotation:
            by_pair.setdefault(_pair(g), []).append(g)
    gold, undecided = [], []
    for rows in by_pair.values():
        label, n = Counter(g["label"] for g in rows).most_common(1)[0]
        if 2 * n > len(rows):
            gold.append(next(g for g in rows if g["label"] == label))
        else:
            undecided.append(rows[0])
    return gold, undecided


def _pair(g: dict) -> tuple:
    return g["administration"], g.get("report"), g.get("measure")


def evaluate_stances(statements: Statements, development: list[dict],
                     held_out: list[dict] | None = None,
                     blind: list[list[dict]] | None = None,
                     sections: list[dict] | None = None) -> dict:
    """Stance labels of the matrix against hand labels; a labelled pair the matrix lacks
    counts as wrong. Pairs labelled "ej om åtgärden" measure the linking instead: how many
    of those wrong ties the matrix holds. `blind` holds the blind set's annotations (one
    list per annotator, same pairs); its gold is their majority (STANCE_TEST.md).
    `sections` (pairs found by reading whole sections) measures how many true pairs the
    matrix finds."""
    from retrieval.stance import stance_matrix

    rows = stance_matrix(statements)
    predicted = {(r.administration, r.report, r.number): r.label for r in rows}

    def score(labelled: list[dict]) -> dict:
        confusion = Counter((g["label"], predicted.get(_pair(g), MISSING)) for g in labelled)
        correct = sum(n for (want, got), n in confusion.items() if want == got)
        return {"n": len(labelled), "correct": correct,
                "accuracy": round(correct / len(labelled), 4) if labelled else None,
                "missing": sum(n for (_, got), n in confusion.items() if got == MISSING),
                "confusion": [[want, got, n] for (want, got), n in sorted(confusion.items())]}

    def with_links(labelled: list[dict]) -> dict:
        off = [g for g in labelled if g["label"] == OFF_TOPIC]
        judged = sum(_pair(g) in predicted for g in labelled)
        wrong = sum(_pair(g) in predicted for g in off)
        return {**score([g for g in labelled if g["label"] != OFF_TOPIC]),
                "labelled": len(labelled), "off_topic_labelled": len(off),
                "off_topic_in_matrix": wrong, "matrix_rows_judged": judged,
                "link_precision": round(1 - wrong / judged, 4) if judged else None}

    out = {"matrix_rows": len(rows), "development": score(development)}
    if held_out is not None:
        out["held_out"] = with_links(held_out)
    if blind:
        gold, undecided = majority_gold(blind)
        part = with_links(gold)
        with_undecided = part["n"] + len(undecided)
        out["blind"] = {**part, "annotators": len(blind), "undecided": len(undecided),
                        "strict_accuracy": round(part["correct"] / with_undecided, 4)
                        if with_undecided else None}
        out["blind_single"] = [{k: v for k, v in with_links(a).items()
                                if k in ("correct", "n", "accuracy")} for a in blind]
        out["blind_one_against_two"] = one_against_two(blind, predicted) if len(blind) == 3 else []
        for name, in_test in (("blind_development", False), ("blind_test", True)):
            half = [g for g in gold if (g["administration"] in TEST_ADMINISTRATIONS) == in_test]
            if half:  # another annex's set has no halves drawn
                out[name] = with_links(half)
    if sections is not None:
        found = sum(_pair(g) in predicted for g in sections)
        out["sections"] = {"pairs": len(sections), "in_matrix": found,
                           "recall": round(found / len(sections), 4) if sections else None}
    return out


def one_against_two(annotations: list[list[dict]], predicted: dict[tuple, str]) -> list[dict]:
    """How one annotator does against the other two where those two agree, beside the
    matrix on the same pairs: what agreeing with the gold can be expected to reach."""
    labels = [{_pair(g): g["label"] for g in a} for a in annotations]
    out = []
    for i, own in enumerate(labels):
        y, z = (labels[j] for j in range(len(labels)) if j != i)
        agreed = {k: y[k] for k in own if k in y and k in z and y[k] == z[k]
                  and y[k] != OFF_TOPIC}
        out.append({"pairs": len(agreed),
                    "annotator": sum(own[k] == v for k, v in agreed.items()),
                    "matrix": sum(predicted.get(k) == v for k, v in agreed.items())})
    return out


GRID = [Weights(d, w, n) for d in (0.0, 0.5, 1.0, 1.5) for w in (0.0, 0.5, 1.0, 1.5)
        for n in (0.0, 0.5, 1.0) if d or w or n]


def run(settings: Settings, *, grid: bool = False, baseline: bool = True,
        answers: bool = True) -> dict:
    index = open_index(settings)
    searcher = Searcher(index, settings)
    annex = parse_file(settings.annex_paths[0], chunk_max_chars=settings.chunk_max_chars)
    locator = EvidenceLocator(annex)
    gold = load_gold()
    weights = Weights.from_settings(settings)
    out: dict = {
        "gold_questions": len(gold),
        "weights": weights.__dict__,
        "system": evaluate_searcher(searcher, gold, locator),
        "thresholds": THRESHOLDS,
    }
    if answers:
        from retrieval.answering import OfflineAnswerer

        statements = Statements(index)
        answerer = OfflineAnswerer(searcher, statements)
        out["answers"] = evaluate_answers(answerer, gold, locator)
        out["stances"] = evaluate_stances(
            statements, load_jsonl(STANCE_GOLD), load_jsonl(STANCE_HELDOUT),
            blind_annotations(), load_jsonl(STANCE_SECTIONS))
    if baseline:
        out["baseline"] = evaluate_baseline(annex, index.embedder, gold, locator)
    if grid:
        rows = []
        for w in GRID:
            r = evaluate_searcher(searcher, gold, locator, weights=w)["overall"]
            rows.append({**w.__dict__, **r})
        out["grid"] = sorted(rows, key=lambda r: (-(r["mrr@10"] or 0), -(r["hit@5"] or 0)))
    return out


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def _print(report: dict) -> None:
    def line(name: str, s: dict) -> str:
        def f(v: float | None) -> str:
            return "  -  " if v is None else f"{v:.3f}"

        return (f"{name:<18} hit@5 {f(s['hit@5'])}  MRR@10 {f(s['mrr@10'])}  "
                f"listrecall@10 {f(s['list_recall@10'])}  (n={s['n']})")

    sys_r, base = report["system"], report.get("baseline")
    print(f"Guldfrågor: {report['gold_questions']}, vikter: {report['weights']}")
    print("\nSystem (hybrid: dense + BM25 ord + BM25 n-gram, RRF, frågeförståelse)")
    print(line("totalt", sys_r["overall"]))
    for cat, s in sys_r["per_category"].items():
        print(line(f"  {cat}", s))
    if base:
        print("\nBaslinje (RecursiveCharacterTextSplitter 1000/200, bara dense)")
        print(line("totalt", base["overall"]))
        for cat, s in base["per_category"].items():
            print(line(f"  {cat}", s))
    if "answers" in report:
        a = report["answers"]
        print("\nSvar (offline-svararen)")
        for key, name in (("cited_evidence", "citerar guldbeläggen"),
                          ("names_administration", "nämner rätt förvaltning"),
                          ("no_statement_correct", "rätt 'ingen skrivelse'"),
                          ("unanswerable_correct", "rätt 'framgår inte'"),
                          ("answerable_answered", "besvarar besvarbara")):
            v = a[key]
            print(f"  {name:<26} {'-' if v is None else f'{v:.3f}'}")
        for f in a["failures"]:
            print(f"  ! {f['id']}: {f['question']}")
    if "stances" in report:
        st = report["stances"]
        print(f"\nStällningstaganden ({st['matrix_rows']} rader i matrisen)")
        for name, part in (("första etiketter", st["development"]),
                           ("hållen utanför", st.get("held_out")),
                           ("blind, hela", st.get("blind")),
                           ("blind, första halva", st.get("blind_development")),
                           ("blind, testhalva", st.get("blind_test"))):
            if not part or not part["n"]:
                continue
            print(f"  {name:<20} träffsäkerhet {_share(part['correct'], part['n'])} "
                  f"({part['correct']}/{part['n']}), saknas i matrisen {part['missing']}")
            for want, got, n in part["confusion"]:
                if want != got:
                    print(f"    {want:<22} -> {got:<22} {n:>3}")
            if judged := part.get("matrix_rows_judged"):
                wrong = part["off_topic_in_matrix"]
                print(f"    felaktiga kopplingar: {wrong} av {judged} bedömda rader i "
                      f"matrisen (precision {_share(judged - wrong, judged)})")
            if "undecided" in part:
                print(f"    guld: majoriteten av {part['annotators']} annotatörer; "
                      f"{part['undecided']} par utan majoritet")
                if part["undecided"]:
                    print(f"    med dem räknade som fel: {part['strict_accuracy']:.3f}")
                singles = ", ".join(_share(a["correct"], a["n"]) for a in st["blind_single"])
                print(f"    mot varje annotatör för sig: {singles}")
                for i, p in enumerate(st["blind_one_against_two"], 1):
                    if p["pairs"]:
                        print(f"    där de andra två är överens ({p['pairs']} par): annotatör "
                              f"{i} {_share(p['annotator'], p['pairs'])}, matrisen "
                              f"{_share(p['matrix'], p['pairs'])}")
        if sec := st.get("sections"):
            print(f"  kopplingarnas täckning: {sec['in_matrix']} av {sec['pairs']} par som en "
                  f"läsare av hela avsnitten fann (recall {sec['recall']:.3f})")
    if sys_r["misses"]:
        print("\nMissar (inte i topp 5):")
        for m in sys_r["misses"]:
            print(f"  {m['id']} rank={m['rank']}: {m['question']}")
    if "grid" in report:
        print("\nViktsökning (bäst först):")
        for r in report["grid"][:12]:
            print(f"  dense={r['dense']} ord={r['words']} ngram={r['ngrams']}: "
                  f"hit@5 {r['hit@5']:.3f} MRR@10 {r['mrr@10']:.3f} "
                  f"listrecall {r['list_recall@10']:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.evaluate")
    parser.add_argument("--index", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--grid", action="store_true", help="mät även andra fusionsvikter")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.index:
        settings = settings.model_copy(update={"index_dir": args.index})
    try:
        report = run(settings, grid=args.grid)
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
