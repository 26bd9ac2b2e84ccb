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


def _stored(tmp_path, samples=None):
    cache = SegmentCache(tmp_path)
    key = SegmentCache.key("v", "t")
    samples = np.linspace(-0.5, 0.5, 800, dtype=np.float32) if samples is None else samples
    cache.put(key, samples, 8000)
    return cache, key


def test_every_hit_miss_and_repair_is_counted(tmp_path):
    """The counts the CLI reports ("3 cached, 2 synthesised, 1 repaired") add up, call by call."""
    cache = SegmentCache(tmp_path)
    assert (cache.hits, cache.misses, cache.repaired) == (0, 0, 0)
    key = SegmentCache.key("v", "t")
    cache.get(key), cache.get(key)
    assert (cache.hits, cache.misses, cache.repaired) == (0, 2, 0)
    samples = np.linspace(-0.5, 0.5, 800, dtype=np.float32)
    cache.put(key, samples, 8000)
    for _ in range(2):
        restored, rate = cache.get(key)
        assert restored.dtype == np.float32 and restored.shape == (800,) and rate == 8000
    assert (cache.hits, cache.misses, cache.repaired) == (2, 2, 0)
    data = bytearray(cache.path(key).read_bytes())
    data[-1] ^= 0x55  # same length, one sample altered
    cache.path(key).write_bytes(bytes(data))
    assert cache.get(key) is None and cache.get(key) is None
    assert (cache.hits, cache.misses, cache.repaired) == (2, 4, 2)


def test_a_float64_input_is_stored_as_float32(tmp_path):
    samples = np.linspace(-0.5, 0.5, 801)  # float64, as numpy makes it
    cache, key = _stored(tmp_path, samples)
    restored, _ = cache.get(key)
    np.testing.assert_array_equal(restored, samples.astype(np.float32))


@pytest.mark.parametrize("record", ["[]", '"text"', "{}", '{"bytes": 1, "sha256": "0"}'])
def test_a_record_that_does_not_describe_the_entry_makes_it_damaged(tmp_path, record):
    cache, key = _stored(tmp_path)
    cache.path(key).with_suffix(".json").write_text(record, encoding="utf-8")
    assert cache.get(key) is None and (cache.misses, cache.repaired) == (1, 1)


def test_an_entry_without_its_record_is_not_stored(tmp_path):
    """The record is written last: audio without it is an interrupted put, neither contained nor read."""
    cache, key = _stored(tmp_path)
    cache.path(key).with_suffix(".json").unlink()
    assert not cache.contains(key)
    assert cache.get(key) is None and (cache.misses, cache.repaired) == (1, 0)
    cache.put(key, np.zeros(4, dtype=np.float32), 8000)
    cache.path(key).unlink()
    assert not cache.contains(key)


def test_keys_sharing_a_prefix_live_side_by_side(tmp_path):
    cache = SegmentCache(tmp_path)
    first, second = "ab" + "0" * 62, "ab" + "1" * 62
    cache.put(first, np.full(4, 0.25, dtype=np.float32), 8000)
    cache.put(second, np.full(4, -0.25, dtype=np.float32), 8000)
    cache.put(first, np.full(4, 0.5, dtype=np.float32), 8000)  # replaced in place
    assert cache.get(first)[0].tolist() == [0.5] * 4 and cache.get(second)[0].tolist() == [-0.25] * 4


def test_an_unwritable_cache_names_the_system_reason(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as raised:
        SegmentCache(blocker).put("ab" * 32, np.zeros(4, dtype=np.float32), 8000)
    assert str(raised.value) == (
        f"cannot write the segment cache in {blocker}: Not a directory; "
        "free some space or use --cache-dir DIR with a writable directory"
    )


def test_a_full_cache_disk_is_one_line_and_leaves_no_entry(tmp_path):
    from helpers import full_filesystem

    with full_filesystem(tmp_path / "disk", size="1m") as disk:
        cache = SegmentCache(disk)
        key = SegmentCache.key("v", "t")
        cache.path(key).parent.mkdir(parents=True)
        with pytest.raises(OutputError) as raised:
            cache.put(key, np.zeros(44100, dtype=np.float32), 44100)
        assert str(raised.value) == (
            f"cannot write the segment cache in {disk}: No space left on device; "
            "free some space or use --cache-dir DIR with a writable directory"
        )
        assert list(cache.path(key).parent.iterdir()) == []


def test_a_put_sweeps_the_temps_a_killed_writer_left(tmp_path):
    import os
    import subprocess
    import sys
    import time

    cache, key = _stored(tmp_path)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = cache.path(key).parent / f".{key}.wav~{int(gone.stdout)}~abcd1234.tmp"
    stale.write_bytes(b"half a sentence")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    cache.put(key, np.zeros(4, dtype=np.float32), 8000)
    assert not stale.exists()


def _render(tmp_path, audio: bytes, name="made"):
    made = tmp_path / name
    made.mkdir()
    output = made / "b.mp3"
    output.write_bytes(audio)
    sidecars = {"vtt": made / "b.vtt", "script": made / "b.script.json"}
    sidecars["vtt"].write_text("WEBVTT\n", encoding="utf-8")
    sidecars["script"].write_text("{}", encoding="utf-8")
    return output, sidecars


def _targets(directory):
    directory.mkdir(exist_ok=True)
    return directory / "c.mp3", {"vtt": directory / "c.vtt", "script": directory / "c.script.json"}


def test_a_reused_render_places_its_audio_last(tmp_path, monkeypatch):
    """A run killed at the pause point leaves the sidecars of the new render and no audio yet."""
    import bulletin.cache

    cache = SegmentCache(tmp_path / "cache")
    cache.store_render("k" * 64, *_render(tmp_path, b"ID3 audio"), {"duration_s": 1.0})
    output, targets = _targets(tmp_path / "again")
    seen = []
    monkeypatch.setattr(
        bulletin.cache,
        "pause_point",
        lambda name: seen.append((name, output.exists(), all(path.exists() for path in targets.values()))),
    )
    assert cache.reuse_render("k" * 64, output, targets) is not None
    assert seen == [("before-audio-rename", False, True)] and output.read_bytes() == b"ID3 audio"


@pytest.mark.parametrize("kind", ["audio", "vtt"])
def test_a_render_altered_in_place_is_damaged_and_changes_no_file(tmp_path, kind):
    cache = SegmentCache(tmp_path / "cache")
    cache.store_render("k" * 64, *_render(tmp_path, b"ID3 audio"), {"duration_s": 1.0})
    stored = cache.render_dir("k" * 64) / kind
    data = bytearray(stored.read_bytes())
    data[0] ^= 0x20  # same length
    stored.write_bytes(bytes(data))
    output, targets = _targets(tmp_path / "again")
    assert cache.reuse_render("k" * 64, output, targets) is None and cache.repaired == 1
    assert list((tmp_path / "again").iterdir()) == []


def test_a_render_of_several_megabytes_comes_back_whole(tmp_path):
    audio = np.random.default_rng(3).bytes(5 * (1 << 20) // 2)  # 2.5 MiB: read in 1 MiB blocks
    cache = SegmentCache(tmp_path / "cache")
    cache.store_render("k" * 64, *_render(tmp_path, audio), {"duration_s": 1.0})
    output, targets = _targets(tmp_path / "again")
    assert cache.reuse_render("k" * 64, output, targets) is not None and output.read_bytes() == audio


def test_storing_a_render_again_replaces_it(tmp_path):
    cache = SegmentCache(tmp_path / "cache")
    cache.store_render("k" * 64, *_render(tmp_path, b"first"), {"duration_s": 1.0})
    cache.store_render("k" * 64, *_render(tmp_path, b"second", "made2"), {"duration_s": 2.0})
    output, targets = _targets(tmp_path / "again")
    assert cache.reuse_render("k" * 64, output, targets)["duration_s"] == 2.0 and output.read_bytes() == b"second"


def test_a_render_that_fails_midway_leaves_no_partial_copy(tmp_path):
    cache = SegmentCache(tmp_path / "cache")
    output, sidecars = _render(tmp_path, b"audio")
    sidecars["vtt"].unlink()  # the audio is copied, then a sidecar is missing
    cache.store_render("k" * 64, output, sidecars, {"duration_s": 1.0})
    assert not cache.render_dir("k" * 64).exists()


@pytest.mark.parametrize("size", [100, 3 << 20])
def test_reusing_a_render_onto_a_full_disk_is_one_line_naming_the_target(tmp_path, size):
    """A small file fails when flushed or closed, a large one when written: both name the file asked for."""
    from helpers import full_filesystem

    cache = SegmentCache(tmp_path / "cache")
    audio = tmp_path / "b.mp3"
    audio.write_bytes(b"a" * size)
    cache.store_render("k" * 64, audio, {}, {"duration_s": 1.0})
    with full_filesystem(tmp_path / "disk", size="1m") as disk:
        output = disk / "c.mp3"
        with pytest.raises(OutputError) as raised:
            cache.reuse_render("k" * 64, output, {})
        assert (
            str(raised.value)
            == f"cannot write {output}: No space left on device; free some space or choose another path"
        )
        assert sorted(path.name for path in disk.iterdir()) == ["filler"]
