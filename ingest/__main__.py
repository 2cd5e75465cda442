"""`python -m ingest inspect|build`: check a parse, build the index."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.errors import NamndsvarError
from ingest.logs import configure_logging
from ingest.models import Annex
from ingest.parse import parse_file
from ingest.registry import FACK
from ingest.settings import Settings


def structure_json(annex: Annex) -> dict:
    return {
        "source": annex.source,
        "administrations": [
            {
                "name": a.name,
                "heading": a.heading,
                "kind": a.kind,
                "committee": a.committee,
                "has_statement": a.has_statement,
                "measures": [
                    {"report": m.report, "number": m.number, "title": m.title}
                    for m in a.measures
                ],
            }
            for a in annex.administrations
        ],
        "reports": [
            {"name": r.name, "full_title": r.full_title, "area": r.area,
             "variants": list(r.variants),
             "measures": [{"number": m.number, "title": m.title}
                          for m in annex.measures if m.report == r.name]}
            for r in annex.reports
        ],
        "chunks": len(annex.chunks),
    }


def _print_table(annex: Annex) -> None:
    print(f"Källa: {annex.source}")
    print(f"{'Förvaltning':<30} {'Typ':<22} {'Skrivelse':<9} Åtgärder")
    for a in annex.administrations:
        measures = ", ".join(m.number for m in a.measures) or "-"
        print(f"{a.name:<30} {a.kind:<22} {'ja' if a.has_statement else 'nej':<9} {measures}")
    print()
    for r in annex.reports:
        numbers = [m.number for m in annex.measures if m.report == r.name]
        print(f"{r.full_title}: {len(numbers)} åtgärder ({', '.join(numbers)})")
    fack = sum(a.kind == FACK for a in annex.administrations)
    print(f"\n{len(annex.administrations)} förvaltningar ({fack} fackförvaltningar, "
          f"{len(annex.administrations) - fack} stadsdelsförvaltningar), "
          f"{sum(not a.has_statement for a in annex.administrations)} utan skrivelse, "
          f"{len(annex.measures)} åtgärder, {len(annex.chunks)} textavsnitt.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_inspect = sub.add_parser("inspect", help="visa bilagans tolkade struktur")
    p_inspect.add_argument("--json", action="store_true")
    p_inspect.add_argument("path", nargs="?", type=Path)
    p_build = sub.add_parser("build", help="bygg sökindexet")
    p_build.add_argument("paths", nargs="*", type=Path)
    p_build.add_argument("--index", type=Path, help="indexkatalog")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(settings)
    try:
        if args.command == "inspect":
            path = args.path or settings.annex_paths[0]
            annex = parse_file(path, chunk_max_chars=settings.chunk_max_chars)
            if args.json:
                json.dump(structure_json(annex), sys.stdout, ensure_ascii=False, indent=2)
                print()
            else:
                _print_table(annex)
            return 0
        from ingest.build import build_index

        if args.index:
            settings = settings.model_copy(update={"index_dir": args.index})
        summary = build_index(args.paths or settings.annex_paths, settings,
                              progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        print(summary.describe())
        return 0
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
