"""`python -m ingest inspect|build|cache`: check a parse, build the index, refresh the
shipped embedding cache."""

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
from ingest.settings import SHIPPED_EMBEDDING_CACHE, load_settings


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
    sub.add_parser("cache", help=f"bygg om vektorcachen för den medföljande bilagan "
                                 f"({SHIPPED_EMBEDDING_CACHE.relative_to(SHIPPED_EMBEDDING_CACHE.parents[1])})")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        configure_logging(settings)
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

        if args.command == "cache":
            return _refresh_shipped_cache(settings)
        if args.index:
            settings = settings.model_copy(update={"index_dir": args.index})
        summary = build_index(args.paths or settings.annex_paths, settings,
                              progress=lambda msg: print(msg, file=sys.stderr, flush=True))
        print(summary.describe())
        return 0
    except NamndsvarError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2


def _refresh_shipped_cache(settings) -> int:
    """Build the bundled annex into a throwaway index with the shipped cache as the cache:
    what the build uses is kept there, anything else dropped, missing vectors computed."""
    import tempfile

    from ingest.build import build_index

    with tempfile.TemporaryDirectory() as tmp:
        summary = build_index(
            settings.annex_paths,
            settings.model_copy(update={"index_dir": Path(tmp) / "index",
                                        "embedding_cache_dir": SHIPPED_EMBEDDING_CACHE,
                                        "shipped_embedding_cache": None}),
            progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(f"Vektorcachen i {SHIPPED_EMBEDDING_CACHE} är aktuell för {settings.embedding_model}: "
          f"{summary.timings.get('embedded', 0):.0f} nya vektorer beräknade.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
