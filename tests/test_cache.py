"""The segment cache: content-addressed, exact, atomic."""

from __future__ import annotations

import numpy as np

from bulletin.cache import SegmentCache


def test_key_depends_on_voice_text_and_settings():
    key = SegmentCache.key("coqui|abc", "Bonjour.")
    assert key == SegmentCache.key("coqui|abc", "Bonjour.")
    assert key != SegmentCache.key("coqui|abd", "Bonjour.")
    assert key != SegmentCache.key("coqui|abc", "Bonjour !")
    assert key != SegmentCache.key("coqui|abc", "Bonjour.", {"speed": 1.1})


def test_round_trip_is_exact_and_counted(tmp_path):
    cache = SegmentCache(tmp_path)
    samples = np.random.default_rng(0).standard_normal(22050).astype(np.float32) * 0.3
    key = SegmentCache.key("v", "t")
    assert cache.get(key) is None and cache.misses == 1
    cache.put(key, samples, 22050)
    restored, rate = cache.get(key)
    assert rate == 22050 and cache.hits == 1
    np.testing.assert_array_equal(restored, samples)
    assert not [path for path in tmp_path.rglob("*") if path.name.startswith(".tmp")]


def test_env_var_sets_default_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("BULLETIN_CACHE_DIR", str(tmp_path / "c"))
    cache = SegmentCache()
    cache.put("ab" * 32, np.zeros(10, dtype=np.float32), 8000)
    assert (tmp_path / "c" / "segments" / "ab").is_dir()
