"""The segment cache: content-addressed, exact, atomic."""

from __future__ import annotations

import numpy as np
import pytest

from bulletin.cache import SegmentCache
from bulletin.errors import OutputError


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
    left = sorted(path.name for path in tmp_path.rglob("*") if path.is_file())
    assert left == [f"{key}.json", f"{key}.wav"]  # the entry and its checksum record; no temp file left


def test_a_key_is_the_sha256_of_its_exact_inputs():
    """Keys are content hashes: stable across runs and machines (a change here would orphan every cache)."""
    import hashlib
    import json

    from bulletin.cache import CACHE_VERSION

    payload = json.dumps(
        {"v": CACHE_VERSION, "voice": "v", "text": "é", "settings": {}}, sort_keys=True, ensure_ascii=False
    )
    assert SegmentCache.key("v", "é") == hashlib.sha256(payload.encode("utf-8")).hexdigest()
    assert SegmentCache.key("v", "é", {}) == SegmentCache.key("v", "é", None)


def test_entries_live_under_segments_by_key_prefix(tmp_path):
    cache = SegmentCache(tmp_path)
    key = "ab" + "c" * 62
    assert cache.path(key) == tmp_path / "segments" / "ab" / f"{key}.wav"
    assert not cache.contains(key)
    cache.put(key, np.ones(8, dtype=np.float32), 8000)
    assert cache.contains(key) and (cache.hits, cache.misses) == (0, 0)  # contains() counts nothing
    assert cache.render_dir(key) == tmp_path / "renders" / "ab" / key


def test_a_damaged_entry_is_a_miss_not_an_error(tmp_path):
    cache = SegmentCache(tmp_path)
    key = SegmentCache.key("v", "t")
    cache.path(key).parent.mkdir(parents=True)
    cache.path(key).write_bytes(b"RIFF not a wav")
    assert cache.get(key) is None and (cache.hits, cache.misses) == (0, 1)


def test_an_unwritable_cache_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = SegmentCache(blocker)  # a file where the directory should be
    with pytest.raises(OutputError) as raised:
        cache.put("ab" * 32, np.zeros(4, dtype=np.float32), 8000)
    assert str(raised.value).startswith(f"cannot write the segment cache in {blocker}: ")
    assert str(raised.value).endswith("; free some space or use --cache-dir DIR with a writable directory")


def test_a_stored_render_comes_back_byte_for_byte_with_its_figures(tmp_path):
    cache = SegmentCache(tmp_path / "cache")
    made = tmp_path / "made"
    made.mkdir()
    output = made / "b.mp3"
    output.write_bytes(b"ID3 audio bytes")
    sidecars = {"vtt": made / "b.vtt", "script": made / "b.script.json"}
    sidecars["vtt"].write_text("WEBVTT\n", encoding="utf-8")
    sidecars["script"].write_text("{}", encoding="utf-8")
    assert cache.reuse_render("k" * 64, tmp_path / "x.mp3", {}) is None  # nothing stored yet
    cache.store_render("k" * 64, output, sidecars, {"duration_s": 1.5})
    again = tmp_path / "again"
    again.mkdir()
    targets = {"vtt": again / "c.vtt", "script": again / "c.script.json"}
    figures = cache.reuse_render("k" * 64, again / "c.mp3", targets)
    assert figures["duration_s"] == 1.5 and set(figures["files"]) == {"audio", "vtt", "script"}
    assert (again / "c.mp3").read_bytes() == output.read_bytes()
    assert {kind: path.read_bytes() for kind, path in targets.items()} == {
        kind: path.read_bytes() for kind, path in sidecars.items()
    }


def test_a_render_without_its_figures_is_incomplete_and_not_reused(tmp_path):
    cache = SegmentCache(tmp_path / "cache")
    output = tmp_path / "b.mp3"
    output.write_bytes(b"audio")
    cache.store_render("k" * 64, output, {}, {"duration_s": 1.0})
    (cache.render_dir("k" * 64) / "figures.json").unlink()  # a copy interrupted before its last step
    assert cache.reuse_render("k" * 64, tmp_path / "c.mp3", {}) is None
    assert not (tmp_path / "c.mp3").exists()


def test_a_render_that_cannot_be_stored_costs_only_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    output = tmp_path / "b.mp3"
    output.write_bytes(b"audio")
    SegmentCache(blocker).store_render("k" * 64, output, {}, {"duration_s": 1.0})  # no exception
    assert output.read_bytes() == b"audio"
