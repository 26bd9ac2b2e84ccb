"""Lay spoken segments out between jingles, with role pauses and an optional ducked music bed.

Each segment is resampled to 44.1 kHz (scipy's polyphase resampler, not pydub's),
its leading and trailing silence trimmed, edges faded so no click is heard, and
levelled to the same loudness. Pauses come only from the role rules here. pydub
does the stitching.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

import numpy as np

from bulletin import defaults
from bulletin.audio.io import RATE_HZ, pydub_audio_segment, resample, to_pydub
from bulletin.audio.loudness import loudness_lufs
from bulletin.audio.timeline import Chapter, Placement
from bulletin.errors import AudioError

SPEECH_LEVEL_LUFS = -20.0
"""Each segment is levelled to this before mixing; the master then goes to the target."""
PARAGRAPH_PAUSE_MS = 700
"""Silence between paragraphs (and before the source line)."""
JINGLE_GAP_MS = 350
"""Silence between a jingle and the speech next to it."""


@dataclass
class Mix:
    """A stitched bulletin before mastering."""

    samples: np.ndarray
    """Mono float32 at RATE_HZ."""
    placements: list[Placement]
    """Each speech segment, in order."""
    intro_s: float = 0.0
    """Length of the intro jingle (0 without jingles)."""
    outro_s: float = 0.0
    """Length of the outro jingle."""
    speech_s: float = 0.0
    """Total length of trimmed speech."""
    pauses_s: float = 0.0
    """Total silence added between parts."""
    chapters: list[Chapter] = field(default_factory=list)
    """Chapter marks: the intro ("Générique"), each story under its written title, the outro ("Fin")."""
    stingers_s: float = 0.0
    """Total length of the stingers between stories."""

    @property
    def duration_s(self) -> float:
        """Length of the mix in seconds."""
        return self.samples.size / RATE_HZ


def high_pass(samples: np.ndarray, cutoff_hz: float = 70.0) -> np.ndarray:
    """Return ``samples`` without DC and rumble below ``cutoff_hz`` (the usual voice-processing high-pass)."""
    from scipy.signal import butter, sosfilt

    sos = butter(2, cutoff_hz, "highpass", fs=RATE_HZ, output="sos")
    return sosfilt(sos, samples).astype(np.float32)


def trim_silence(samples: np.ndarray, threshold_db: float = -45.0, margin_ms: tuple[int, int] = (30, 60)) -> np.ndarray:
    """Return ``samples`` without leading/trailing silence (below ``threshold_db`` re its peak)."""
    frame = int(RATE_HZ * 0.010)
    if samples.size < frame:
        return samples
    frames = samples[: samples.size // frame * frame].reshape(-1, frame)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    peak = rms.max()
    if peak <= 0:
        return samples[:0]
    loud = np.nonzero(rms > peak * 10 ** (threshold_db / 20))[0]
    start = max(0, loud[0] * frame - int(RATE_HZ * margin_ms[0] / 1000))
    end = min(samples.size, (loud[-1] + 1) * frame + int(RATE_HZ * margin_ms[1] / 1000))
    return samples[start:end]


def _raised_cosine(length: int) -> np.ndarray:
    return (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, length))).astype(np.float32)


def fade_edges(samples: np.ndarray, fade_in_ms: int = 10, fade_out_ms: int = 30) -> np.ndarray:
    """Return ``samples`` with raised-cosine fades at both ends (no clicks at joins)."""
    out = samples.astype(np.float32, copy=True)
    fade_in = min(int(RATE_HZ * fade_in_ms / 1000), out.size // 2)
    fade_out = min(int(RATE_HZ * fade_out_ms / 1000), out.size // 2)
    if fade_in:
        out[:fade_in] *= _raised_cosine(fade_in)
    if fade_out:
        out[-fade_out:] *= _raised_cosine(fade_out)[::-1]
    return out


def prepare_speech(samples: np.ndarray, rate_hz: int, index: int = 0) -> np.ndarray:
    """Return one TTS segment ready to mix: 44.1 kHz, trimmed, faded, levelled."""
    clipped = np.count_nonzero(np.abs(samples) >= 0.999)
    if clipped > max(10, samples.size // 1000):
        raise AudioError(
            f"segment {index + 1} clips ({clipped} samples at full scale): the voice model is "
            "overdriven; try another voice, or report this text (bulletin script) as a bug"
        )
    speech = trim_silence(high_pass(resample(samples, rate_hz)))
    level = loudness_lufs(speech)
    if speech.size < int(0.05 * RATE_HZ) or not np.isfinite(level) or level < -70:
        raise AudioError(
            f"segment {index + 1} came out silent from the voice; check the voice model "
            "(bulletin voices) or the segment's text (bulletin script)"
        )
    speech = speech * np.float32(10 ** ((SPEECH_LEVEL_LUFS - level) / 20))
    return fade_edges(speech)


def level_jingle(samples: np.ndarray, relative_db: float = -2.0) -> np.ndarray:
    """Return a user jingle levelled to sit ``relative_db`` around the speech level, faded at both ends."""
    level = loudness_lufs(samples)
    if not np.isfinite(level) or level < -70:
        raise AudioError("a jingle file is silent; give one with sound, or use --no-jingles")
    return fade_edges(samples * np.float32(10 ** ((SPEECH_LEVEL_LUFS + relative_db - level) / 20)), 5, 50)


@dataclass(frozen=True)
class MixSettings:
    """How parts are laid out and what plays under them."""

    pauses_ms: Mapping[str, int] = field(default_factory=lambda: MappingProxyType(dict(defaults.PAUSE_AFTER_MS)))
    """Silence after a segment of each role, inside a paragraph."""
    paragraph_pause_ms: int = PARAGRAPH_PAUSE_MS
    """Silence between paragraphs."""
    clause_pause_ms: int = defaults.CLAUSE_PAUSE_MS
    """Silence after a segment cut inside a sentence (at a comma), instead of the role's pause."""
    jingle_gap_ms: int = JINGLE_GAP_MS
    """Silence between a jingle (or stinger) and the speech next to it."""
    overlap_ms: int = 0
    """The first words start this long before the intro ends (its tail fades under them)."""
    bed_level_db: float = -14.0
    """Music bed loudness in the gaps, relative to the speech level."""
    bed_duck_db: float = defaults.DUCK_DB
    """Extra gain on the bed while someone speaks."""
    duck_attack_ms: int = 120
    """Ramp down before speech starts."""
    duck_release_ms: int = 500
    """Ramp back up after speech ends."""

    def identity(self) -> dict:
        """Return every setting as JSON-ready data (part of a render's cache key)."""
        return {
            f.name: dict(getattr(self, f.name)) if f.name == "pauses_ms" else getattr(self, f.name)
            for f in fields(self)
        }


def assemble(
    segments: list[tuple[object, np.ndarray]],
    intro: np.ndarray | None = None,
    outro: np.ndarray | None = None,
    stinger: np.ndarray | None = None,
    bed: np.ndarray | None = None,
    settings: MixSettings | None = None,
    story_titles: list[str] | None = None,
) -> Mix:
    """Return the stitched bulletin: intro, each (Segment, prepared speech) with role pauses, outro.

    A stinger plays between stories; a bed, if given, loops under everything between
    the jingles and ducks under speech. One chapter per story, titled with
    ``story_titles[story]`` (the article's written title; "Sujet N" when none is given),
    between the "Générique" and "Fin" chapters of the jingles.
    """
    settings = settings or MixSettings()
    AudioSegment = pydub_audio_segment()
    parts: list[np.ndarray] = []
    placements: list[Placement] = []
    chapters: list[Chapter] = []
    position = 0
    pauses = 0
    stingers = 0

    def add(samples: np.ndarray) -> None:
        nonlocal position
        parts.append(samples.astype(np.float32))
        position += samples.size

    def silence(ms: int) -> None:
        nonlocal pauses
        pauses += int(RATE_HZ * ms / 1000)
        add(np.zeros(int(RATE_HZ * ms / 1000), dtype=np.float32))

    def story_title(story: int) -> str:
        return story_titles[story] if story_titles and story < len(story_titles) else f"Sujet {story + 1}"

    overlap = 0
    if intro is not None:
        chapters.append(Chapter(0.0, "Générique"))
        overlap = min(int(RATE_HZ * settings.overlap_ms / 1000), intro.size // 2)
        if overlap:
            tail = np.linspace(1.0, 0.0, overlap, dtype=np.float32) ** 2  # the jingle fades under the voice
            add(intro[: intro.size - overlap])
            pending_tail = intro[intro.size - overlap :] * tail
        else:
            add(intro)
            silence(settings.jingle_gap_ms)
    previous = None
    for segment, speech in segments:
        story = getattr(segment, "story", 0)
        if previous is not None:
            if story != getattr(previous, "story", 0):
                silence(settings.jingle_gap_ms)
                chapters.append(Chapter(position / RATE_HZ, story_title(story)))  # the stinger opens the story
                if stinger is not None:
                    add(stinger)
                    stingers += stinger.size
                    silence(settings.jingle_gap_ms)
            else:
                silence(pause_after_ms(previous, segment, settings))
        if previous is None:
            chapters.append(Chapter(position / RATE_HZ, story_title(story)))
        if overlap and previous is None:
            speech = speech.copy()
            speech[:overlap] += pending_tail[: speech.size]
        placements.append(
            Placement(
                segment.role,
                segment.text,
                position / RATE_HZ,
                (position + speech.size) / RATE_HZ,
                segment.paragraph,
                getattr(segment, "written", "") or segment.text,
                getattr(segment, "rewrites", ()),
                getattr(segment, "cut", "sentence"),
            )
        )
        add(speech)
        previous = segment
    speech_end = position
    if outro is not None:
        silence(settings.jingle_gap_ms)
        chapters.append(Chapter(position / RATE_HZ, "Fin"))
        add(outro)

    # pydub does the stitching; numpy arrays go in and out as 32-bit PCM.
    pieces = [to_pydub(part, AudioSegment) for part in parts]  # one join: pydub's + copies the whole mix each time
    if not pieces:
        raise AudioError("nothing to mix: no speech and no jingle")
    parts.clear()
    stitched = pieces[0]._spawn(b"".join(piece.raw_data for piece in pieces))
    del pieces
    samples = np.frombuffer(stitched.raw_data, dtype=np.int32).astype(np.float32)
    samples /= np.float32(2**31)
    del stitched
    bed_start = intro.size - overlap if intro is not None else 0
    if bed is not None:
        samples = samples + bed_under(bed, placements, bed_start, speech_end, samples.size, settings)
    return Mix(
        samples=samples,
        placements=placements,
        intro_s=0.0 if intro is None else (intro.size - overlap) / RATE_HZ,
        outro_s=0.0 if outro is None else outro.size / RATE_HZ,
        speech_s=sum(speech.size for _, speech in segments) / RATE_HZ,
        pauses_s=pauses / RATE_HZ,
        chapters=chapters,
        stingers_s=stingers / RATE_HZ,
    )


def pause_after_ms(previous, following, settings: MixSettings) -> int:
    """Return the silence between two segments of one story, in ms.

    An explicit pause (an SSML ``<break>``) is exactly that long; inside a paragraph a
    segment cut at a comma gets a clause pause and one cut at a sentence end the role's
    pause; between paragraphs the paragraph pause (or the role's, if longer).
    """
    asked = getattr(previous, "pause_after_ms", None)
    if asked is not None:
        return asked
    if following.paragraph == previous.paragraph and following.role == previous.role:
        if getattr(previous, "cut", "sentence") in ("clause", "word"):
            return settings.clause_pause_ms
        return settings.pauses_ms[previous.role]
    return max(settings.paragraph_pause_ms, settings.pauses_ms[previous.role])


def bed_under(
    bed: np.ndarray, placements: list[Placement], start: int, end: int, length: int, settings: MixSettings
) -> np.ndarray:
    """Return the bed looped from ``start`` to ``end`` (samples), ducked under each placement with ramps."""
    out = np.zeros(length, dtype=np.float32)
    if end <= start or bed.size == 0:
        return out
    level = loudness_lufs(bed)
    gain = 10 ** ((SPEECH_LEVEL_LUFS + settings.bed_level_db - level) / 20) if np.isfinite(level) else 0.0
    span = end - start
    looped = np.tile(bed, span // bed.size + 1)[:span] * np.float32(gain)
    duck = np.zeros(span, dtype=np.float64)
    attack = int(RATE_HZ * settings.duck_attack_ms / 1000)
    release = int(RATE_HZ * settings.duck_release_ms / 1000)
    for placement in placements:  # 1 while speaking, ramping over attack/release
        first = int(placement.start_s * RATE_HZ) - start
        last = int(placement.end_s * RATE_HZ) - start
        duck[max(0, first) : max(0, last)] = 1.0
        if attack and first > 0:
            lo = max(0, first - attack)
            duck[lo:first] = np.maximum(duck[lo:first], np.linspace(0, 1, first - lo + 1)[1:])
        if release and last < span:
            hi = min(span, last + release)
            duck[last:hi] = np.maximum(duck[last:hi], np.linspace(1, 0, hi - last + 1)[:-1])
    envelope = 10 ** (settings.bed_duck_db * duck / 20)  # linear in dB: a smooth duck, not a hard step
    fade = min(span // 2, RATE_HZ)
    edges = np.ones(span)
    edges[:fade] = np.linspace(0, 1, fade)
    edges[span - fade :] = np.linspace(1, 0, fade)
    out[start:end] = looped * (envelope * edges).astype(np.float32)
    return out
