"""Slot fitting on lengths alone: the plan matches the real layout, and the newsroom's rules hold."""

from __future__ import annotations

import numpy as np
import pytest

from bulletin.audio.fit import fit_slot, planned_samples, scale_pauses
from bulletin.audio.io import RATE_HZ
from bulletin.audio.layout import MixSettings, assemble
from bulletin.errors import RequestError
from bulletin.text.segment import Segment


def newscast(stories: int = 3, paragraphs: int = 3, sentences: int = 2) -> list[Segment]:
    """Segments shaped like a newscast: greeting + headlines, stories of one sentence per segment, sign-off."""
    segments = [Segment("greeting", "Il est huit heures.")]
    segments += [Segment("headlines", f"Titre {n}.") for n in range(stories)]
    for story in range(1, stories + 1):
        segments.append(Segment("headline", f"Titre {story}.", story=story))
        for paragraph in range(paragraphs):
            for sentence in range(sentences):
                role = "lead" if paragraph == 0 else "body"
                segments.append(Segment(role, f"Phrase {story}.{paragraph}.{sentence}.", paragraph, story))
        segments.append(Segment("source", "Source : CDN.", story=story))
    segments.append(Segment("signoff", "Fin du journal.", story=stories + 1))
    return segments


def sizes_for(segments, seed=0) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(rng.uniform(1.5, 8.0) * RATE_HZ) for _ in segments]


@pytest.mark.parametrize(
    "settings", [MixSettings(), MixSettings(overlap_ms=800), scale_pauses(MixSettings(), 1.37)], ids=str
)
@pytest.mark.parametrize("jingles", [True, False])
def test_the_planned_length_is_the_length_assemble_lays_out(settings, jingles):
    segments = newscast(2, 2, 2)
    sizes = [int(s / 20) for s in sizes_for(segments)]  # short, to keep the real mix cheap
    speech = [np.full(size, 0.01, dtype=np.float32) for size in sizes]
    intro, outro, stinger = (np.full(n, 0.01, np.float32) for n in (30_000, 40_000, 9_000))
    parts = (intro, outro, stinger) if jingles else (None, None, None)
    mix = assemble(list(zip(segments, speech)), *parts, None, settings)
    lengths = [None if part is None else part.size for part in parts]
    assert planned_samples(segments, sizes, *lengths, settings) == mix.samples.size


@pytest.mark.parametrize("slot_s", [120, 150, 180, 210, 240])
def test_a_fitted_newscast_fills_its_slot_without_passing_it(slot_s):
    segments = newscast(4, 4, 3)
    sizes = sizes_for(segments, seed=slot_s)
    full = planned_samples(segments, sizes, 3 * RATE_HZ, 4 * RATE_HZ, RATE_HZ, MixSettings()) / RATE_HZ
    assert full > 240  # more material than any slot here
    keep, settings, fit = fit_slot(segments, sizes, 3 * RATE_HZ, 4 * RATE_HZ, RATE_HZ, MixSettings(), slot_s)
    kept = [segments[i] for i in keep]
    length_s = planned_samples(kept, [sizes[i] for i in keep], 3 * RATE_HZ, 4 * RATE_HZ, RATE_HZ, settings) / RATE_HZ
    assert slot_s - 3 <= length_s <= slot_s
    assert fit.planned_s == pytest.approx(length_s)
    assert 1.0 <= fit.stretch <= 1.5
    # never a headline, a greeting, a headline line or the sign-off; each story keeps its first sentence
    fixed = [s for s in segments if s.role in ("greeting", "headlines", "headline", "signoff")]
    assert all(s in kept for s in fixed)
    for story in range(1, 5):
        assert Segment("lead", f"Phrase {story}.0.0.", 0, story) in kept
    # what goes is the end of stories: each story keeps a prefix of its sentences
    for story in range(1, 5):
        mine = [s for s in segments if s.story == story]
        flags = [s in kept for s in mine]
        assert flags == sorted(flags, reverse=True), story
    assert len(fit.dropped) == len(segments) - len(keep)


def test_the_last_stories_lose_their_end_first():
    segments = newscast(3, 3, 2)
    sizes = [4 * RATE_HZ] * len(segments)
    full_s = planned_samples(segments, sizes, None, None, None, MixSettings()) / RATE_HZ
    keep, _, fit = fit_slot(segments, sizes, None, None, None, MixSettings(), full_s - 10)
    dropped_stories = {story for story, _ in fit.dropped}
    assert dropped_stories == {3}  # a few seconds come off the last story only
    assert fit.dropped[-1][1] == "Source : CDN."


def test_short_material_is_stretched_by_at_most_half_and_said_so():
    segments = newscast(1, 1, 1)
    sizes = [3 * RATE_HZ] * len(segments)
    keep, settings, fit = fit_slot(segments, sizes, None, None, None, MixSettings(), 120)
    assert keep == list(range(len(segments)))
    assert fit.stretch == pytest.approx(1.5) and not fit.enough_material
    assert settings.paragraph_pause_ms == round(MixSettings().paragraph_pause_ms * 1.5)


def test_a_slot_shorter_than_the_headlines_is_refused():
    segments = newscast(5, 2, 2)
    sizes = [5 * RATE_HZ] * len(segments)
    with pytest.raises(RequestError, match="--slot 30 s is too short"):
        fit_slot(segments, sizes, None, None, None, MixSettings(), 30)
