"""Mixing and mastering: trimmed, click-free joins, role pauses, loudness on target under the ceiling."""

from __future__ import annotations

import numpy as np
import pytest

from bulletin import defaults
from bulletin.audio import io, layout, loudness, master
from bulletin.errors import AudioError
from bulletin.text.segment import Segment

from helpers import speech_like

RATE = io.RATE_HZ


def padded(samples: np.ndarray, before_s: float, after_s: float, rate: int = RATE) -> np.ndarray:
    return np.concatenate(
        [np.zeros(int(before_s * rate), np.float32), samples, np.zeros(int(after_s * rate), np.float32)]
    )


def test_trim_removes_leading_and_trailing_silence():
    speech = speech_like(1.0)
    trimmed = layout.trim_silence(padded(speech, 0.5, 0.45))
    assert abs(trimmed.size / RATE - 1.0) < 0.15


def test_prepared_speech_is_resampled_levelled_and_faded():
    prepared = layout.prepare_speech(padded(speech_like(2.0, rate=22050) * 0.05, 0.3, 0.45, 22050), 22050)
    assert abs(prepared.size / RATE - 2.0) < 0.2
    assert abs(loudness.loudness_lufs(prepared) - layout.SPEECH_LEVEL_LUFS) < 0.5
    assert abs(prepared[0]) < 1e-3 and abs(prepared[-1]) < 1e-3  # no click at the joins


def test_silent_segment_is_refused():
    with pytest.raises(AudioError, match="segment 3 came out silent"):
        layout.prepare_speech(np.zeros(22050, np.float32), 22050, index=2)


def test_clipping_segment_is_refused():
    """The quality gate: a voice driven to full scale on more than 0.1 % of a segment's samples is refused."""
    speech = speech_like(2.0, rate=22050)
    clipped = speech / np.abs(speech).max()
    clipped[: clipped.size // 500] = 1.0  # 0.2 % of the samples at full scale
    with pytest.raises(AudioError, match=rf"segment 2 clips \({np.count_nonzero(np.abs(clipped) >= 0.999)} samples"):
        layout.prepare_speech(clipped, 22050, index=1)
    barely = speech / np.abs(speech).max() * 0.99
    barely[:10] = -1.0  # a few full-scale samples are a peak, not clipping
    assert layout.prepare_speech(barely, 22050).size > 0


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
    result = layout.assemble(list(zip(segments, speech)), intro, outro, story_titles=["Grève à la SNCF : 3,5 %"])
    assert abs(result.duration_s - (result.intro_s + result.speech_s + result.pauses_s + result.outro_s)) < 1e-3
    starts = [p.start_s for p in result.placements]
    gaps = [starts[i + 1] - result.placements[i].end_s for i in range(len(starts) - 1)]
    assert gaps[0] == pytest.approx(defaults.PAUSE_AFTER_MS["headline"] / 1000, abs=1e-3)
    assert gaps[1] == pytest.approx(defaults.PAUSE_AFTER_MS["lead"] / 1000, abs=1e-3)  # same paragraph
    assert gaps[2] == pytest.approx(layout.PARAGRAPH_PAUSE_MS / 1000, abs=1e-3)  # new paragraph
    assert starts[0] == pytest.approx(2.0 + layout.JINGLE_GAP_MS / 1000, abs=1e-3)
    # one story: intro, the story under its written title (not one chapter per paragraph), outro
    assert [(c.start_s, c.title) for c in result.chapters] == [
        (0.0, "Générique"),
        (pytest.approx(starts[0], abs=1e-6), "Grève à la SNCF : 3,5 %"),
        (pytest.approx(result.placements[-1].end_s + layout.JINGLE_GAP_MS / 1000, abs=1e-3), "Fin"),
    ]
    # the speech really sits where the placements say
    first = result.placements[0]
    inside = result.samples[int(first.start_s * RATE) : int(first.end_s * RATE)]
    assert np.sqrt(np.mean(inside**2)) > 0.05


@pytest.mark.parametrize(("target", "ceiling"), [(-16, -1), (-23, -1), (-24, -2), (-14, -2)])
def test_master_reaches_target_under_ceiling(target, ceiling):
    signal = np.concatenate([speech_like(8.0, 1) * 0.3, speech_like(8.0, 2) * 0.02, speech_like(8.0, 3)])
    signal[RATE * 3] = 0.99  # a transient the limiter must catch
    mastered = master.master(signal, target, ceiling)
    assert abs(loudness.loudness_lufs(mastered) - target) < 0.1
    assert loudness.true_peak_db(mastered) <= ceiling - 0.4


def test_master_refuses_silence():
    with pytest.raises(AudioError, match="silent"):
        master.master(np.zeros(RATE * 2, np.float32), -16, -1)


def test_limiter_gain_is_smooth():
    peaks = np.full(RATE, 0.1)
    peaks[RATE // 2] = 2.0
    gain = master.limiter_gain(peaks, -1.0)
    assert gain.min() <= 10 ** (-1 / 20) / 2.0 + 1e-6
    assert np.max(np.abs(np.diff(gain))) < 0.05  # ramps, never a hard step


def test_loudness_and_loudness_range_agree_with_pyloudnorm():
    """The vectorised meter gives pyloudnorm's figures (same filters, blocks and gates), far faster."""
    import warnings

    import pyloudnorm

    rng = np.random.default_rng(3)
    bulletin_like = np.concatenate(
        [padded(speech_like(4.0, seed) * gain, 0.0, 0.6) for seed, gain in enumerate((1.0, 0.3, 0.7, 0.05, 1.2))]
    )
    signals = {
        "speech with pauses": bulletin_like,
        "noise": (rng.standard_normal(3 * RATE) * 0.1).astype(np.float32),
        "just over a block": speech_like(0.45),
        "quiet": speech_like(5.0) * 1e-4,
    }
    meter = pyloudnorm.Meter(RATE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, signal in signals.items():
            expected = meter.integrated_loudness(signal.astype(np.float64))
            assert loudness.loudness_lufs(signal) == pytest.approx(expected, abs=0.01), name
            if signal.size >= 3 * RATE:
                expected_lra = meter.loudness_range(signal.astype(np.float64))
                if np.isnan(expected_lra):  # all under the -70 LUFS gate: no range (0, where pyloudnorm says NaN)
                    expected_lra = 0.0
                assert loudness.loudness_range_lu(signal) == pytest.approx(expected_lra, abs=0.01), name
    assert loudness.loudness_range_lu(bulletin_like) > 5  # the five levels span more than 20 dB
    assert loudness.loudness_lufs(np.zeros(RATE, np.float32)) == float("-inf")


def test_peak_envelope_is_the_same_chunked_and_whole():
    """Chunking the 4x oversampling (to bound memory) changes no value, even at the chunk edges."""
    signal = speech_like(1.0) * 3.0  # inter-sample peaks over full scale
    whole = np.abs(loudness.oversample4(signal)).reshape(-1, 4).max(axis=1)
    chunked = loudness.peak_envelope(signal, chunk=1000)
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-6)
    assert loudness.true_peak_db(signal) == pytest.approx(20 * np.log10(whole.max()), abs=1e-4)
    assert whole.max() > np.abs(signal).max()  # the oversampling does find peaks between samples


def test_limiter_holds_the_ceiling_on_every_sample_with_smooth_gain():
    """Computed on 16-sample blocks, the gain must still cover each sample's own peak, and never jump."""
    rng = np.random.default_rng(7)
    signal = speech_like(3.0) * 4.0
    signal[rng.integers(0, signal.size, 40)] = 1.9  # isolated spikes land anywhere inside a block
    peaks = loudness.peak_envelope(signal)
    gain = master.limiter_gain(peaks, -1.0)
    assert gain.size == signal.size and gain.dtype == np.float32
    assert np.max(peaks * gain) <= 10 ** (-1.0 / 20) * 1.0001
    assert np.max(np.abs(np.diff(gain))) < 0.01  # ramps, no clicks
    quiet = speech_like(1.0) * 0.1
    assert np.all(master.limiter_gain(loudness.peak_envelope(quiet), -1.0) == 1.0)  # nothing to limit: untouched


def test_three_stories_get_one_chapter_each_opened_by_the_stinger():
    segments = [
        Segment(role, f"{role} {story}.", paragraph, story)
        for story in range(3)
        for role, paragraph in (("headline", -1), ("lead", 0), ("body", 1), ("body", 2), ("source", -1))
    ]
    speech = [speech_like(0.6, i) for i in range(len(segments))]
    stinger = speech_like(0.8, 7) * 0.5
    titles = ["Le président kazakh à La Havane", "Grève à la SNCF", "Météo : 12 °C"]
    result = layout.assemble(
        list(zip(segments, speech)), speech_like(2.0, 9), speech_like(1.5, 8), stinger, story_titles=titles
    )
    assert [c.title for c in result.chapters] == ["Générique", *titles, "Fin"]
    headlines = [p for p in result.placements if p.role == "headline"]
    first, second, third = result.chapters[1:4]
    assert first.start_s == pytest.approx(headlines[0].start_s, abs=1e-6)
    for chapter, headline in ((second, headlines[1]), (third, headlines[2])):
        # the chapter starts on the stinger, which ends one jingle gap before the headline
        gap_s = layout.JINGLE_GAP_MS / 1000
        assert headline.start_s - chapter.start_s == pytest.approx(stinger.size / RATE + gap_s, abs=1e-3)
    without_jingles = layout.assemble(list(zip(segments, speech)), story_titles=titles)
    assert [c.title for c in without_jingles.chapters] == titles


def test_a_cut_inside_a_sentence_gets_a_clause_pause_and_a_break_its_own_length():
    segments = [
        Segment("lead", "Les manifestants, venus de loin,", 0, cut="clause"),
        Segment("lead", "ont défilé. Puis", 0, cut="word"),
        Segment("lead", "la police a parlé.", 0, pause_after_ms=1500),
        Segment("lead", "Une phrase entière.", 0),
        Segment("lead", "Fin du paragraphe.", 0, pause_after_ms=0),
        Segment("body", "Autre paragraphe.", 1),
    ]
    speech = [speech_like(1.0, i) for i in range(len(segments))]
    result = layout.assemble(list(zip(segments, speech)))
    gaps = [b.start_s - a.end_s for a, b in zip(result.placements, result.placements[1:])]
    assert gaps[0] == pytest.approx(defaults.CLAUSE_PAUSE_MS / 1000, abs=1e-3)
    assert gaps[1] == pytest.approx(defaults.CLAUSE_PAUSE_MS / 1000, abs=1e-3)
    assert gaps[2] == pytest.approx(1.5, abs=1e-3)  # an SSML break is exactly its time
    assert gaps[3] == pytest.approx(defaults.PAUSE_AFTER_MS["lead"] / 1000, abs=1e-3)  # a sentence end
    assert gaps[4] == pytest.approx(0.0, abs=1e-3)  # even across paragraphs, the break wins
    assert defaults.CLAUSE_PAUSE_MS < min(defaults.PAUSE_AFTER_MS.values())
