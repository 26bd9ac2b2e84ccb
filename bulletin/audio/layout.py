"""Lay spoken segments out between jingles, with role pauses and an optional ducked music bed.

Each segment is resampled to 44.1 kHz (scipy's polyphase resampler, not pydub's),
its leading and trailing silence trimmed, edges faded so no click is heard, and
levelled to the same loudness. Pauses come only from the role rules here. The
``Stitcher`` appends each part to a sink as it comes (float32 throughout), so a
bulletin is laid out without holding its samples: in ``produce`` the sink is a file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

import numpy as np

from bulletin import defaults
from bulletin.audio.io import RATE_HZ, resample
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


class Stitcher:
    """Lays a bulletin out one segment at a time into a sink: intro, speech with role pauses, stingers, outro.

    The sink is a ``MixFile`` on disk (a bulletin of any length) or an ``ArraySink``; only
    the placements and chapters are kept here, never the samples. ``finish`` adds the
    outro and returns the ``Mix``.
    """

    def __init__(
        self,
        sink,
        intro: np.ndarray | None = None,
        stinger: np.ndarray | None = None,
        settings: MixSettings | None = None,
        story_titles: list[str] | None = None,
    ) -> None:
        self.sink = sink
        self.intro = intro
        self.stinger = stinger
        self.settings = settings or MixSettings()
        self.story_titles = story_titles
        self.placements: list[Placement] = []
        self.chapters: list[Chapter] = []
        self.pauses = self.stingers = self.speech = 0
        self.previous = None
        self.overlap = 0
        self.pending_tail = None
        if intro is not None:
            self.chapters.append(Chapter(0.0, "Générique"))
            self.overlap = min(int(RATE_HZ * self.settings.overlap_ms / 1000), intro.size // 2)
            if self.overlap:
                tail = np.linspace(1.0, 0.0, self.overlap, dtype=np.float32) ** 2  # the jingle fades under the voice
                self._add(intro[: intro.size - self.overlap])
                self.pending_tail = intro[intro.size - self.overlap :] * tail
            else:
                self._add(intro)
                self._silence(self.settings.jingle_gap_ms)

    @property
    def position(self) -> int:
        """Samples laid out so far."""
        return self.sink.size

    def _add(self, samples: np.ndarray) -> None:
        self.sink.append(np.asarray(samples, dtype=np.float32))

    def _silence(self, ms: int) -> None:
        length = int(RATE_HZ * ms / 1000)
        self.pauses += length
        self._add(np.zeros(length, dtype=np.float32))

    def story_title(self, story: int) -> str:
        """Return the chapter title of story ``story``: its written title, "Sujet N" when none is given."""
        titles = self.story_titles
        return titles[story] if titles and story < len(titles) else f"Sujet {story + 1}"

    def add(self, segment, speech) -> None:
        """Lay out a Segment and its prepared speech (an array, or a Clip on disk), after its pause or stinger."""
        speech = speech.load() if hasattr(speech, "load") else speech
        settings, previous = self.settings, self.previous
        story = getattr(segment, "story", 0)
        if previous is not None:
            if story != getattr(previous, "story", 0):
                self._silence(settings.jingle_gap_ms)
                self.chapters.append(Chapter(self.position / RATE_HZ, self.story_title(story)))  # the stinger opens it
                if self.stinger is not None:
                    self._add(self.stinger)
                    self.stingers += self.stinger.size
                    self._silence(settings.jingle_gap_ms)
            else:
                self._silence(pause_after_ms(previous, segment, settings))
        else:
            self.chapters.append(Chapter(self.position / RATE_HZ, self.story_title(story)))
        if self.pending_tail is not None:
            speech = np.array(speech, dtype=np.float32)
            speech[: self.overlap] += self.pending_tail[: speech.size]
            self.pending_tail = None
        start = self.position
        self.placements.append(
            Placement(
                segment.role,
                segment.text,
                start / RATE_HZ,
                (start + speech.size) / RATE_HZ,
                segment.paragraph,
                getattr(segment, "written", "") or segment.text,
                getattr(segment, "rewrites", ()),
                getattr(segment, "cut", "sentence"),
            )
        )
        self._add(speech)
        self.speech += speech.size
        self.previous = segment

    def finish(self, outro: np.ndarray | None = None, bed: np.ndarray | None = None) -> Mix:
        """Add the outro, then the bed under everything between the jingles; return the Mix.

        The Mix's samples are the sink's array, or the sink itself for a ``MixFile`` (its
        bed added a chunk at a time).
        """
        from bulletin.audio.stream import chunks

        speech_end = self.position
        if outro is not None:
            self._silence(self.settings.jingle_gap_ms)
            self.chapters.append(Chapter(self.position / RATE_HZ, "Fin"))
            self._add(outro)
        if not self.position:
            raise AudioError("nothing to mix: no speech and no jingle")
        intro = self.intro
        samples = self.sink.array() if hasattr(self.sink, "array") else self.sink
        if bed is not None:
            bed_start = intro.size - self.overlap if intro is not None else 0
            music = Bed(bed, self.placements, bed_start, speech_end, self.settings)
            if isinstance(samples, np.ndarray):
                samples += music.piece(0, samples.size)
            else:
                for start, chunk in chunks(samples):
                    samples.write_at(start, chunk + music.piece(start, start + chunk.size))
        return Mix(
            samples=samples,
            placements=self.placements,
            intro_s=0.0 if intro is None else (intro.size - self.overlap) / RATE_HZ,
            outro_s=0.0 if outro is None else outro.size / RATE_HZ,
            speech_s=self.speech / RATE_HZ,
            pauses_s=self.pauses / RATE_HZ,
            chapters=self.chapters,
            stingers_s=self.stingers / RATE_HZ,
        )


def assemble(
    segments: list[tuple[object, np.ndarray]],
    intro: np.ndarray | None = None,
    outro: np.ndarray | None = None,
    stinger: np.ndarray | None = None,
    bed: np.ndarray | None = None,
    settings: MixSettings | None = None,
    story_titles: list[str] | None = None,
) -> Mix:
    """Return the stitched bulletin in memory: intro, each (Segment, prepared speech) with role pauses, outro.

    A stinger plays between stories; a bed, if given, loops under everything between
    the jingles and ducks under speech. One chapter per story, titled with
    ``story_titles[story]`` (the article's written title; "Sujet N" when none is given),
    between the "Générique" and "Fin" chapters of the jingles. (``produce`` stitches into
    a ``MixFile`` instead, with the same ``Stitcher``.)
    """
    from bulletin.audio.stream import ArraySink

    stitcher = Stitcher(ArraySink(), intro, stinger, settings, story_titles)
    for segment, speech in segments:
        stitcher.add(segment, speech)
    return stitcher.finish(outro, bed)


class Bed:
    """A music bed looped from ``start`` to ``end`` (samples), ducked under each placement with ramps.

    ``piece(lo, hi)`` returns any stretch of it, so a long mix gets its bed a chunk at a time.
    """

    def __init__(self, bed: np.ndarray, placements: list[Placement], start: int, end: int, settings: MixSettings):
        self.bed = np.asarray(bed, dtype=np.float32)
        self.start, self.end, self.settings = start, end, settings
        level = loudness_lufs(self.bed) if self.bed.size else float("-inf")
        gain = 10 ** ((SPEECH_LEVEL_LUFS + settings.bed_level_db - level) / 20) if np.isfinite(level) else 0.0
        self.gain = np.float32(gain)
        self.spans = [(int(p.start_s * RATE_HZ) - start, int(p.end_s * RATE_HZ) - start) for p in placements]
        span = end - start
        self.fade = min(span // 2, RATE_HZ)
        self.fade_in = np.linspace(0, 1, self.fade)
        self.fade_out = np.linspace(1, 0, self.fade)

    def piece(self, lo: int, hi: int) -> np.ndarray:
        """Return the bed's samples ``lo`` to ``hi`` of the mix (zeros outside start..end)."""
        out = np.zeros(hi - lo, dtype=np.float32)
        span = self.end - self.start
        first, last = max(lo, self.start) - self.start, min(hi, self.end) - self.start  # in bed time
        if span <= 0 or self.bed.size == 0 or first >= last:
            return out
        looped = self.bed[np.arange(first, last) % self.bed.size] * self.gain
        duck = np.zeros(last - first, dtype=np.float64)
        attack = int(RATE_HZ * self.settings.duck_attack_ms / 1000)
        release = int(RATE_HZ * self.settings.duck_release_ms / 1000)

        def raise_to(a: int, b: int, values) -> None:  # duck = max of every placement's 1-with-ramps
            a2, b2 = max(a, first), min(b, last)
            if a2 < b2:
                part = values[a2 - a : b2 - a] if not np.isscalar(values) else values
                duck[a2 - first : b2 - first] = np.maximum(duck[a2 - first : b2 - first], part)

        for begin, stop in self.spans:  # 1 while speaking, ramping over attack/release
            if stop + release <= first or begin - attack >= last:
                continue
            raise_to(max(0, begin), max(0, stop), 1.0)
            if attack and begin > 0:
                a = max(0, begin - attack)
                raise_to(a, begin, np.linspace(0, 1, begin - a + 1)[1:])
            if release and stop < span:
                b = min(span, stop + release)
                raise_to(stop, b, np.linspace(1, 0, b - stop + 1)[:-1])
        envelope = 10 ** (self.settings.bed_duck_db * duck / 20)  # linear in dB: a smooth duck, not a hard step
        edges = np.ones(last - first)
        index = np.arange(first, last)
        head, tail = index < self.fade, index >= span - self.fade
        edges[head] = self.fade_in[index[head]]
        edges[tail] = self.fade_out[index[tail] - (span - self.fade)]
        out[first + self.start - lo : last + self.start - lo] = looped * (envelope * edges).astype(np.float32)
        return out


def bed_under(
    bed: np.ndarray, placements: list[Placement], start: int, end: int, length: int, settings: MixSettings
) -> np.ndarray:
    """Return the bed looped from ``start`` to ``end`` (samples), ducked under each placement with ramps."""
    return Bed(bed, placements, start, end, settings).piece(0, length)
