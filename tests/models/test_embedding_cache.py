"""Embedding cache: only new content is embedded, results equal the encoder's, erasure works."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import pytest

from models.embedding_cache import EmbeddingCache, content_hash
from models.encoders import TextEncoder


class CountingEncoder:
    """Deterministic fake encoder (vector from the text's hash) that counts its work."""

    def __init__(self, name: str = "fake:v1", dim: int = 8) -> None:
        self._name = name
        self._dim = dim
        self.encoded: list[str] = []
        self.dim_reads = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        self.dim_reads += 1
        return self._dim

    def encode(
        self, texts: Sequence[str], *, batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        self.encoded.extend(texts)
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows.append(np.random.default_rng(seed).standard_normal(self._dim))
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self._dim)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


SECTORS = ["zorg", "bouw", "horeca", "logistiek", "groen"] * 4
TEXTS = [f"kandidaat {i} zoekt werk in de {sector}" for i, sector in enumerate(SECTORS)]


def test_second_encode_of_same_texts_embeds_nothing(tmp_path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder, tmp_path, chunk_size=6)
    first = cache.encode(TEXTS)
    assert (cache.hits, cache.misses) == (0, len(TEXTS))
    np.testing.assert_array_equal(first, encoder.encode(TEXTS))
    encoder.encoded.clear()

    cache.reset_counters()
    encoder.dim_reads = 0
    second = cache.encode(TEXTS)
    assert (cache.hits, cache.misses) == (len(TEXTS), 0)
    assert encoder.encoded == [] and encoder.dim_reads == 0, "a full hit must not touch the encoder"
    np.testing.assert_array_equal(first, second)


def test_changed_text_is_one_miss(tmp_path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder, tmp_path)
    cache.encode(TEXTS)
    cache.reset_counters()
    changed = list(TEXTS)
    changed[7] = changed[7] + " en wil een werkervaringsplaats"
    vectors = cache.encode(changed)
    assert (cache.hits, cache.misses) == (len(TEXTS) - 1, 1)
    assert encoder.encoded[-1] == changed[7]
    np.testing.assert_array_equal(vectors[7], encoder.encode([changed[7]])[0])


def test_cache_survives_reopening(tmp_path) -> None:
    with EmbeddingCache(CountingEncoder(), tmp_path) as cache:
        cache.encode(TEXTS)
    encoder = CountingEncoder()
    with EmbeddingCache(encoder, tmp_path) as reopened:
        reopened.encode(TEXTS)
        assert reopened.misses == 0 and not encoder.encoded and len(reopened) == len(TEXTS)


def test_duplicates_are_embedded_once_and_returned_in_order() -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder)
    texts = ["a", "b", "a", "c", "b"]
    vectors = cache.encode(texts)
    assert sorted(encoder.encoded) == ["a", "b", "c"] and cache.misses == 3
    np.testing.assert_array_equal(vectors, encoder.encode(texts))


def test_cache_is_a_text_encoder() -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder)
    assert isinstance(cache, TextEncoder)
    assert cache.name == encoder.name and cache.dim == encoder.dim


def test_progress_reports_batches() -> None:
    calls: list[tuple[int, int]] = []
    cache = EmbeddingCache(CountingEncoder(), chunk_size=8)
    cache.encode(TEXTS, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(8, 20), (16, 20), (20, 20)]
    calls.clear()
    cache.encode(TEXTS, progress=lambda done, total: calls.append((done, total)))
    assert calls == []


def test_key_includes_encoder_name(tmp_path) -> None:
    EmbeddingCache(CountingEncoder("fake:v1"), tmp_path).encode(TEXTS)
    other = EmbeddingCache(CountingEncoder("fake:v2"), tmp_path)
    other.encode(TEXTS)
    assert other.misses == len(TEXTS)
    assert other.key("x") == content_hash("fake:v2", "x") != content_hash("fake:v1", "x")
    assert other.prune() == len(TEXTS) and len(other) == len(TEXTS)


def test_remove_erases_and_is_repeatable(tmp_path) -> None:
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder, tmp_path)
    cache.encode(TEXTS)
    assert cache.remove(cache.keys(TEXTS[:3])) == 3
    assert cache.remove(cache.keys(TEXTS[:3])) == 0
    assert TEXTS[0] not in cache and TEXTS[3] in cache
    assert cache.remove_texts([TEXTS[3]]) == 1
    cache.reset_counters()
    cache.encode(TEXTS)
    assert cache.misses == 4


def test_removed_vector_bytes_leave_the_file(tmp_path) -> None:
    encoder = CountingEncoder(dim=16)
    cache = EmbeddingCache(encoder, tmp_path)
    cache.encode(TEXTS)
    secret = "persoonlijk verhaal van kandidaat 42"
    vector = cache.encode([secret])[0]
    key = cache.key(secret)
    cache.remove([key])
    cache.close()
    raw = cache.path.read_bytes()
    assert vector.astype("<f4").tobytes() not in raw and key.encode() not in raw


def test_purge_empties_everything(tmp_path) -> None:
    cache = EmbeddingCache(CountingEncoder(), tmp_path)
    cache.encode(TEXTS)
    EmbeddingCache(CountingEncoder("fake:v2"), tmp_path).encode(TEXTS[:2])
    assert cache.purge() == len(TEXTS) + 2
    assert len(cache) == 0


def test_bad_input_and_bad_encoder() -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        EmbeddingCache(CountingEncoder(), chunk_size=0)
    cache = EmbeddingCache(CountingEncoder())
    with pytest.raises(TypeError, match="single string"):
        cache.encode("kok")
    with pytest.raises(TypeError, match="single string"):
        cache.remove(cache.key("kok"))
    assert cache.encode([]).shape == (0, 8)

    class Broken(CountingEncoder):
        def encode(self, texts, **kwargs):
            return np.zeros((len(texts), 3), dtype=np.float32)

    with pytest.raises(ValueError, match="returned shape"):
        EmbeddingCache(Broken()).encode(["kok"])
