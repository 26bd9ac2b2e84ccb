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


WRITER = """
import sys
import numpy as np
from bulletin.cache import SegmentCache

cache = SegmentCache(sys.argv[1])
samples = np.random.default_rng(7).standard_normal(220500).astype(np.float32) * 0.3
print("ready", flush=True)
sys.stdin.readline()  # both writers start together
for _ in range(int(sys.argv[2])):
    cache.put(sys.argv[3], samples, 22050)
"""


def test_two_processes_writing_one_key_at_once_never_expose_a_partial_entry(tmp_path):
    """What two batch workers do when two articles share a sentence: last rename wins, readers see whole files."""
    import subprocess
    import sys

    key = SegmentCache.key("coqui|shared", "Une phrase que deux articles partagent.")
    expected = np.random.default_rng(7).standard_normal(220500).astype(np.float32) * 0.3
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), "40", key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    reader = SegmentCache(tmp_path)
    reads = 0
    while any(writer.poll() is None for writer in writers):
        found = reader.get(key)
        if found is not None:
            reads += 1
            np.testing.assert_array_equal(found[0], expected)  # never a torn or half-written entry
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    restored, rate = reader.get(key)
    np.testing.assert_array_equal(restored, expected)
    assert rate == 22050 and reads > 0
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [f"{key}.wav"]  # no temp file left
