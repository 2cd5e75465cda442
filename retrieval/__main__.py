"""`python -m retrieval search|ask|stances`: the product from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.errors import NamndsvarError
from ingest.logs import configure_logging
from ingest.settings import load_settings
from ingest.text import normalize_ws
from retrieval.search import Filters
from retrieval.service import Service


def _questions(args: argparse.Namespace) -> list[str]:
    if args.batch:
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip()]
    if not args.question:
        raise SystemExit("Ange en fråga eller --batch FIL.")
    return [args.question]


def _filters(args: argparse.Namespace) -> Filters:
    return Filters(administrations=args.administration or [], reports=args.report or [],
                   measures=args.measure or [], sources=args.source or [])


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("question", nargs="?")
    p.add_argument("--batch", help="en fråga per rad; skriver JSON Lines")
    p.add_argument("--json", action="store_true")
    p.add_argument("--index", type=Path, help="indexkatalog")
    p.add_argument("--administration", action="append", help="filtrera på förvaltning")
    p.add_argument("--report", action="append", help="filtrera på delrapport")
    p.add_argument("--measure", action="append", help="filtrera på åtgärdsnummer")
    p.add_argument("--source", action="append", help="filtrera på källfil")


def _print_search(result) -> None:
    print(f"Fråga: {result.question}")
    d = result.detected
    print(f"Tolkning: avsikt={d.intent}, förvaltningar={d.administrations or '-'}, "
          f"åtgärder={[n for _, n in d.measures] or '-'}")
    for n, p in enumerate(result.passages, start=1):
        c = p.first
        measure = ", ".join(f"{m.number}" for m in c.measures) or "-"
        page = f"s. {p.page}" if p.page else (f"ca s. {c.page_approx}" if c.page_approx else "")
        print(f"\n[{n}] {c.administration} ({c.committee}) – {c.report or 'ingen delrapport'}"
              f" – åtgärd {measure} – rad {c.line_start}-{p.parts[-1].line_end} {page}"
              f" – poäng {p.score:.4f}")
        print("    " + normalize_ws(p.text)[:400])


def _print_answer(service: Service, answer) -> None:
    data = service.answer_dict(answer)
    print(f"Fråga: {data['question']}\n")
    for notice in data["notices"]:
        print(f"OBS: {notice}")
    print(data["answer"])
    if data["citations"]:
        print("\nKällor:")
        for c in data["citations"]:
            page = f"s. {c['page']}" if c["page"] else f"ca s. {c['page_approx']}"
            measure = f"åtgärd {c['measure']} – " if c["measure"] else ""
            print(f"[{c['n']}] {c['administration']} ({c['committee']}) – {c['report'] or '-'} – "
                  f"{measure}rad {c['line_start']}-{c['line_end']}, {page} ({c['source']})")
            print(f"    ”{c['text']}”")
    elif data["nearby"]:
        print("\nNärliggande avsnitt (stöder inget svar):")
        for p in data["nearby"]:
            print(f"  - {p['administration']}: {normalize_ws(p['text'])[:160]} …")


def _print_stances(rows: list[dict], as_csv: bool) -> None:
    import csv

    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
        return
    for r in rows:
        measure = f"{r['report']} {r['measure']}" if r["measure"] else "-"
        print(f"{r['administration']:<28} {measure:<40} {r['label']:<22} {r['trigger']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m retrieval")
    sub = parser.add_subparsers(dest="command", required=True)
    p_search = sub.add_parser("search", help="sök avsnitt")
    _add_common(p_search)
    p_search.add_argument("--k", type=int, default=10)
    p_ask = sub.add_parser("ask", help="svar med källhänvisningar")
    _add_common(p_ask)
    p_ask.add_argument("--mode", choices=["offline", "llm"], default=None)
    p_stances = sub.add_parser("stances", help="ställningstaganden per förvaltning och åtgärd")
    p_stances.add_argument("--json", action="store_true")
    p_stances.add_argument("--csv", action="store_true")
    p_stances.add_argument("--index", type=Path, help="indexkatalog")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
        if args.index:
            settings = settings.model_copy(update={"index_dir": args.index})
        chat_model = None
        if args.command == "ask" and (args.mode or settings.answer_mode) == "llm":
            from retrieval.llm import chat_model_from_settings
            from retrieval.prompts import check_prompts

            check_prompts()  # a broken prompt file fails here, not in the middle of answering
            chat_model = chat_model_from_settings(settings)
        service = Service.from_settings(settings, chat_model=chat_model)
        if args.command == "stances":
            rows = [s.as_dict() for s in service.stances()]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            else:
                _print_stances(rows, args.csv)
            return 0
        for question in _questions(args):
            if args.command == "search":
                result = service.search(question, k=args.k, filters=_filters(args))
                if args.json or args.batch:
                    print(json.dumps(result.as_dict(), ensure_ascii=False,
                                     indent=None if args.batch else 2))
                else:
                    _print_search(result)
                continue
            answer = service.ask(question, filters=_filters(args),
                                 mode=args.mode or settings.answer_mode)
            if args.json or args.batch:
                print(json.dumps(service.answer_dict(answer), ensure_ascii=False,
                                 indent=None if args.batch else 2))
            else:
                _print_answer(service, answer)
        return 0
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
