"""Mixing and mastering: trimmed, click-free joins, role pauses, loudness on target under the ceiling."""

from __future__ import annotations

import numpy as np
import pytest

from bulletin import mix
from bulletin.errors import AudioError
from bulletin.segment import Segment

RATE = mix.RATE_HZ


def speech_like(seconds: float, seed: int = 0, rate: int = RATE) -> np.ndarray:
    """A voiced-speech stand-in: a 120-180 Hz harmonic buzz, syllable-rate amplitude modulation."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = 150 + 30 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    buzz = sum(np.sin(k * phase) / k for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    return (0.2 * buzz * syllables).astype(np.float32)


def padded(samples: np.ndarray, before_s: float, after_s: float, rate: int = RATE) -> np.ndarray:
    return np.concatenate(
        [np.zeros(int(before_s * rate), np.float32), samples, np.zeros(int(after_s * rate), np.float32)]
    )


def test_trim_removes_leading_and_trailing_silence():
    speech = speech_like(1.0)
    trimmed = mix.trim_silence(padded(speech, 0.5, 0.45))
    assert abs(trimmed.size / RATE - 1.0) < 0.15


def test_prepared_speech_is_resampled_levelled_and_faded():
    prepared = mix.prepare_speech(padded(speech_like(2.0, rate=22050) * 0.05, 0.3, 0.45, 22050), 22050)
    assert abs(prepared.size / RATE - 2.0) < 0.2
    assert abs(mix.loudness_lufs(prepared) - mix.SPEECH_LEVEL_LUFS) < 0.5
    assert abs(prepared[0]) < 1e-3 and abs(prepared[-1]) < 1e-3  # no click at the joins


def test_silent_segment_is_refused():
    with pytest.raises(AudioError, match="segment 3 came out silent"):
        mix.prepare_speech(np.zeros(22050, np.float32), 22050, index=2)


def test_assemble_places_segments_with_role_pauses():
    segments = [
        Segment("headline", "Titre."),
        Segment("lead", "Un.", 0),
        Segment("lead", "Deux.", 0),
        Segment("body", "Trois.", 1),
        Segment("source", "Source."),
    ]
    speech = [speech_like(1.0 + i * 0.1, i) for i in range(len(segments))]
    intro, outro = speech_like(2.0, 9) * 0.5, speech_like(1.5, 8) * 0.5
    result = mix.assemble(list(zip(segments, speech)), intro, outro)
    assert abs(result.duration_s - (result.intro_s + result.speech_s + result.pauses_s + result.outro_s)) < 1e-3
    starts = [p.start_s for p in result.placements]
    gaps = [starts[i + 1] - result.placements[i].end_s for i in range(len(starts) - 1)]
    assert gaps[0] == pytest.approx(mix.PAUSE_AFTER_MS["headline"] / 1000, abs=1e-3)
    assert gaps[1] == pytest.approx(mix.PAUSE_AFTER_MS["lead"] / 1000, abs=1e-3)  # same paragraph
    assert gaps[2] == pytest.approx(mix.PARAGRAPH_PAUSE_MS / 1000, abs=1e-3)  # new paragraph
    assert starts[0] == pytest.approx(2.0 + mix.JINGLE_GAP_MS / 1000, abs=1e-3)
    titles = [title for _, title in result.chapters]
    assert titles[0] == "Générique" and titles[-1] == "Fin" and "Titre." in titles
    # the speech really sits where the placements say
    first = result.placements[0]
    inside = result.samples[int(first.start_s * RATE) : int(first.end_s * RATE)]
    assert np.sqrt(np.mean(inside**2)) > 0.05


@pytest.mark.parametrize(("target", "ceiling"), [(-16, -1), (-23, -1), (-24, -2), (-14, -2)])
def test_master_reaches_target_under_ceiling(target, ceiling):
    signal = np.concatenate([speech_like(8.0, 1) * 0.3, speech_like(8.0, 2) * 0.02, speech_like(8.0, 3)])
    signal[RATE * 3] = 0.99  # a transient the limiter must catch
    mastered = mix.master(signal, target, ceiling)
    assert abs(mix.loudness_lufs(mastered) - target) < 0.1
    assert mix.true_peak_db(mastered) <= ceiling - 0.4


def test_master_refuses_silence():
    with pytest.raises(AudioError, match="silent"):
        mix.master(np.zeros(RATE * 2, np.float32), -16, -1)


def test_limiter_gain_is_smooth():
    peaks = np.full(RATE, 0.1)
    peaks[RATE // 2] = 2.0
    gain = mix.limiter_gain(peaks, -1.0)
    assert gain.min() <= 10 ** (-1 / 20) / 2.0 + 1e-6
    assert np.max(np.abs(np.diff(gain))) < 0.05  # ramps, never a hard step
