"""Streaming the mix through disk: the streamed master is the in-memory one, meters fed in chunks agree with
the whole-signal ones, and the scratch space is always cleaned up."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from bulletin.audio import encode, io, layout, loudness, master, stream
from bulletin.errors import OutputError
from bulletin.text.segment import Segment

from helpers import full_filesystem, speech_like

RATE = io.RATE_HZ


def three_minutes() -> np.ndarray:
    """A 3-minute bulletin-like signal: loud, quiet and hot stretches, pauses and a transient."""
    parts = []
    for seed, gain in enumerate((0.3, 1.0, 0.05, 2.5, 0.6, 1.4)):
        parts += [speech_like(29.0, seed) * gain, np.zeros(RATE, np.float32)]
    signal = np.concatenate(parts)
    signal[RATE * 7] = 0.99  # the limiter must catch it
    return signal


def mix_file(tmp_path, samples: np.ndarray, piece: int = 300_007) -> stream.MixFile:
    """Return ``samples`` appended to a MixFile in uneven pieces, as the stitcher does."""
    mix = stream.MixFile(tmp_path / "mix.f32")
    for start in range(0, samples.size, piece):
        mix.append(samples[start : start + piece])
    return mix


def test_streamed_master_is_the_in_memory_master(tmp_path):
    """On a normal 3-minute bulletin the disk-backed, chunked master lands where the whole-array one does."""
    signal = three_minutes()
    whole = master.master(signal, -16.0, -1.0)
    mix = mix_file(tmp_path, signal)
    streamed = master.StreamedMaster(mix, stream.analyse(mix, tmp_path), -16.0, -1.0)
    chunked = np.concatenate(list(streamed.blocks()))
    assert chunked.size == whole.size == signal.size
    assert loudness.loudness_lufs(chunked) == pytest.approx(loudness.loudness_lufs(whole), abs=0.05)
    assert loudness.true_peak_db(chunked) == pytest.approx(loudness.true_peak_db(whole), abs=0.05)
    assert loudness.true_peak_db(chunked) <= -1.0 - 0.4
    assert np.max(np.abs(chunked - whole)) < 1e-4


def test_streamed_file_measures_as_the_in_memory_file(tmp_path):
    """The encoded file from the MixFile (blocks into the encoder) decodes like today's whole-array file."""
    signal = three_minutes()
    tags = encode.Tags(title="Journal")
    before = encode.write_audio(tmp_path / "before.mp3", master.master(signal, -16.0, -1.0), "mp3", tags, [], -16.0)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    mix = mix_file(scratch, signal)
    after = master.master_to_file(tmp_path / "after.mp3", mix, "mp3", tags, [], -16.0, -1.0, 128, None, scratch=scratch)
    assert after.duration_s == before.duration_s
    assert after.loudness_lufs == pytest.approx(before.loudness_lufs, abs=0.05)
    assert after.true_peak_db == pytest.approx(before.true_peak_db, abs=0.05)
    assert after.true_peak_db <= -1.0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["after.mp3", "before.mp3", "scratch"]


@pytest.mark.parametrize("chunk", [1000, 4410, 12_345, 1 << 20])
def test_meters_fed_in_chunks_agree_with_the_whole_signal(chunk):
    signal = np.concatenate([speech_like(9.0, 1) * 0.3, np.zeros(RATE, np.float32), speech_like(6.0, 2) * 2.0])
    meter = loudness.LoudnessMeter()
    envelope = loudness.PeakEnvelope()
    pieces = []
    for start in range(0, signal.size, chunk):
        meter.feed(signal[start : start + chunk])
        pieces.append(envelope.feed(signal[start : start + chunk]))
    pieces.append(envelope.finish())
    assert meter.integrated_lufs() == pytest.approx(loudness.loudness_lufs(signal), abs=0.01)
    assert meter.range_lu() == pytest.approx(loudness.loudness_range_lu(signal), abs=0.01)
    assert meter.range_lu() > 5
    whole = loudness.peak_envelope(signal)
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=0, atol=1e-6)
    assert 20 * np.log10(envelope.peak) == pytest.approx(loudness.true_peak_db(signal), abs=1e-4)


def test_meters_on_short_and_silent_signals():
    for samples in (speech_like(0.2), np.zeros(RATE, np.float32), speech_like(2.0)):
        meter = loudness.LoudnessMeter()
        meter.feed(samples[: samples.size // 3])
        meter.feed(samples[samples.size // 3 :])
        assert meter.integrated_lufs() == pytest.approx(loudness.loudness_lufs(samples), abs=0.01)
        assert meter.range_lu() == 0.0


@pytest.mark.parametrize("chunk_blocks", [1, 7, 500])
def test_limiter_gain_in_chunks_is_the_whole_curve(chunk_blocks):
    rng = np.random.default_rng(7)
    signal = np.concatenate([speech_like(1.5) * 4.0, speech_like(1.0, 2) * 0.1, speech_like(1.2, 3) * 3.0])[:-5]
    signal[rng.integers(0, signal.size, 40)] = 1.9
    peaks = loudness.peak_envelope(signal)
    blocks = -(-peaks.size // 16)
    padded = np.zeros(blocks * 16, np.float32)
    padded[: peaks.size] = peaks
    block_peaks = padded.reshape(blocks, 16).max(axis=1)
    for scale in (np.float32(1.0), np.float32(0.05)):  # limiting, and nothing to limit
        whole = master.limiter_gain(peaks * scale, -1.0)
        curve = master.limiter_gain_chunks(
            lambda lo, hi: block_peaks[lo:hi], peaks.size, float(block_peaks.max()), scale, -1.0, chunk_blocks
        )
        chunked = np.concatenate(list(curve))
        assert chunked.size == whole.size
        np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-6)
    assert whole.min() == 1.0 and chunked.min() == 1.0


def test_a_bed_laid_in_pieces_is_the_whole_bed():
    segments = [(Segment("headline", "A."), speech_like(2.0, 1)), (Segment("body", "B.", 1), speech_like(3.0, 2))]
    prepared = [(segment, layout.prepare_speech(samples, RATE)) for segment, samples in segments]
    mix = layout.assemble(prepared, speech_like(2.0, 5) * 0.3, speech_like(1.0, 6) * 0.3)
    t = np.arange(RATE * 2) / RATE
    bed = layout.Bed(
        (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), mix.placements, RATE, 8 * RATE, layout.MixSettings()
    )
    whole = bed.piece(0, mix.samples.size)
    for step in (999, 44_100, 123_457):
        pieces = [bed.piece(lo, min(lo + step, mix.samples.size)) for lo in range(0, mix.samples.size, step)]
        np.testing.assert_array_equal(np.concatenate(pieces), whole)
    assert np.any(whole) and not np.any(whole[: RATE - 1]) and not np.any(whole[8 * RATE :])


def test_stitching_into_a_file_is_stitching_in_memory(tmp_path):
    """Stories, a stinger, an overlapping intro and a bed: the MixFile holds the very samples assemble returns."""
    segments = [
        Segment("headline", "Titre.", story=0),
        Segment("lead", "Un.", 0, 0),
        Segment("body", "Deux.", 1, 0),
        Segment("headline", "Autre titre.", story=1),
        Segment("body", "Trois.", 0, 1),
    ]
    speech = [layout.prepare_speech(speech_like(1.0 + 0.2 * i, i), RATE) for i in range(len(segments))]
    intro, stinger = speech_like(2.0, 8) * 0.4, speech_like(0.7, 9) * 0.4
    bed = speech_like(1.3, 10) * 0.2
    settings = layout.MixSettings(overlap_ms=400)
    titles = ["Titre", "Autre titre"]
    expected = layout.assemble(list(zip(segments, speech)), intro, intro, stinger, bed, settings, titles)
    mix = stream.MixFile(tmp_path / "mix.f32")
    stitcher = layout.Stitcher(mix, intro, stinger, settings, titles)
    for segment, samples in zip(segments, speech):
        stitcher.add(segment, samples)
    on_disk = stitcher.finish(intro, bed)
    assert on_disk.samples is mix and mix.size == expected.samples.size
    np.testing.assert_array_equal(mix.read(0, mix.size), expected.samples)
    assert on_disk.placements == expected.placements and on_disk.chapters == expected.chapters
    assert [c.title for c in on_disk.chapters] == ["Générique", "Titre", "Autre titre", "Fin"]
    assert on_disk.duration_s == pytest.approx(expected.duration_s)


def test_scratch_is_removed_after_success_and_after_an_error(tmp_path):
    with stream.scratch_dir(tmp_path) as scratch:
        stream.MixFile(scratch / "mix.f32").append(np.ones(1000, np.float32))
        assert scratch.parent == tmp_path / "tmp" and scratch.is_dir()
    assert not scratch.exists()
    with pytest.raises(RuntimeError), stream.scratch_dir(tmp_path) as scratch:
        raise RuntimeError("the voice crashed")
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="stale scratch is recognised by its dead process id (posix)")
def test_scratch_left_by_a_killed_run_is_swept_and_a_running_ones_kept(tmp_path):
    base = tmp_path / "tmp"
    base.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = dead.stdout.strip()
    stale, fresh = base / f"mix-{dead_pid}-abc123", base / f"mix-{dead_pid}-ghi789"
    alive = base / f"mix-{os.getppid()}-def456"  # our parent runs
    an_hour_ago = time.time() - 3600
    for directory in (stale, fresh, alive):
        directory.mkdir()
        (directory / "mix.f32").write_bytes(b"\0" * 4096)
        if directory is not fresh:  # a dead writer's scratch may still be in use by a namesake: wait a while
            os.utime(directory / "mix.f32", (an_hour_ago, an_hour_ago))
            os.utime(directory, (an_hour_ago, an_hour_ago))
    with stream.scratch_dir(tmp_path) as scratch:
        assert not stale.exists() and fresh.is_dir() and alive.is_dir()
    assert not scratch.exists() and alive.is_dir()


def test_an_unwritable_cache_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache dir should be", encoding="utf-8")
    with (
        pytest.raises(OutputError, match="cannot make a mixing directory in .*--cache-dir DIR"),
        stream.scratch_dir(blocker),
    ):
        pass


def test_a_full_disk_while_mixing_is_one_clear_line(tmp_path):
    with full_filesystem(tmp_path / "full", size="1m") as full:
        mix = stream.MixFile(full / "mix.f32")
        message = r"cannot write the mix in the segment cache \(.*full\): No space left on device; free some"
        with pytest.raises(OutputError, match=message):
            for _ in range(10):
                mix.append(np.ones(RATE, np.float32))  # 176 kB a second of audio
        mix.close()
