"""Fault drills on the caches (issue 13, items 1-2): a damaged entry is a miss, never reused; the voice
identity covers everything that changes the sound."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import soundfile

from bulletin import GenerateRequest, produce

from helpers import write_short_article


def decoded_s(path: Path) -> float:
    """Return the duration of ``path`` decoded to the last frame (not what a header says)."""
    samples, rate = soundfile.read(path, dtype="float32")
    return len(samples) / rate


@pytest.fixture(scope="module")
def article(tmp_path_factory) -> Path:
    return write_short_article(tmp_path_factory.mktemp("article"))


def request(article, voice, out, cache_dir, **changes) -> GenerateRequest:
    return GenerateRequest(articles=(article,), voice=str(voice), output=out, cache_dir=cache_dir, **changes)


def test_a_truncated_cached_segment_is_synthesised_again_and_replaced(tmp_path, article, tiny_voice_dir):
    cache = tmp_path / "cache"
    first = produce(request(article, tiny_voice_dir, tmp_path / "a.mp3", cache))
    wavs = sorted((cache / "segments").rglob("*.wav"), key=lambda path: path.stat().st_size)
    longest = wavs[-1]
    size = longest.stat().st_size
    assert size > 300_000, "the drill needs a segment longer than 300 kB"
    with open(longest, "r+b") as handle:  # the drill: a cached WAV cut to 300 kB (a crash, a full disk)
        handle.truncate(300_000)

    # another station: the same segments, but not the same finished render
    again = produce(request(article, tiny_voice_dir, tmp_path / "b.mp3", cache, station="Radio Drill"))

    assert (again.cache_hits, again.cache_misses) == (len(wavs) - 1, 1)
    assert again.speech_s == pytest.approx(first.speech_s, abs=0.01)
    assert decoded_s(again.output) == pytest.approx(decoded_s(first.output), abs=0.05)
    assert longest.stat().st_size == size, "the damaged entry is replaced by a whole one"
    third = produce(request(article, tiny_voice_dir, tmp_path / "c.mp3", cache, station="Radio Trois"))
    assert (third.cache_hits, third.cache_misses) == (len(wavs), 0)


@pytest.mark.parametrize("kind", ["audio", "script"])
def test_a_damaged_render_is_rendered_again_not_copied(tmp_path, article, tiny_voice_dir, kind):
    cache = tmp_path / "cache"
    first = produce(request(article, tiny_voice_dir, tmp_path / "a.mp3", cache))
    stored = next((cache / "renders").rglob(kind))
    size = stored.stat().st_size
    with open(stored, "r+b") as handle:
        handle.truncate(size // 8)

    again = produce(request(article, tiny_voice_dir, tmp_path / "b.mp3", cache))

    assert decoded_s(again.output) == pytest.approx(decoded_s(first.output), abs=0.05)
    assert again.duration_s == pytest.approx(decoded_s(again.output), abs=0.05), "what is reported is what decodes"
    assert again.output.read_bytes() == first.output.read_bytes()
    script = json.loads(again.sidecars["script"].read_text(encoding="utf-8"))
    assert len(script["segments"]) == len(first.script.segments)
    assert stored.stat().st_size == size, "the render in the cache is repaired"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_changing_the_model_config_synthesises_every_segment_again(tmp_path, article, tiny_voice_dir):
    voice = shutil.copytree(tiny_voice_dir, tmp_path / "voice")
    cache = tmp_path / "cache"
    first = produce(request(article, voice, tmp_path / "a.mp3", cache))
    config = json.loads((voice / "config.json").read_text(encoding="utf-8"))
    assert config["model_args"]["length_scale"] == 1
    config["model_args"]["length_scale"] = 2.0  # the drill: speak twice as slowly
    (voice / "config.json").write_text(json.dumps(config), encoding="utf-8")

    slower = produce(request(article, voice, tmp_path / "b.mp3", cache))

    assert (slower.cache_hits, slower.cache_misses) == (0, len(first.script.segments))
    assert slower.speech_s > 1.6 * first.speech_s
