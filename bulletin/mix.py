"""Stitch spoken segments between jingles (pydub) and master the result to a loudness target.

Each segment is resampled to 44.1 kHz (scipy's polyphase resampler, not pydub's),
its leading and trailing silence trimmed, edges faded so no click is heard, and
levelled to the same loudness. Pauses come only from the role rules here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from math import gcd
from pathlib import Path

import numpy as np

from bulletin.errors import AudioError

RATE_HZ = 44100
LOUDNESS_PRESETS = {
    "podcast": (-16.0, -1.0),
    "ebu-r128": (-23.0, -1.0),
    "atsc": (-24.0, -2.0),
    "smart-speaker": (-14.0, -2.0),
}
"""(integrated LUFS, true-peak dBTP) per delivery standard."""
SPEECH_LEVEL_LUFS = -20.0
"""Each segment is levelled to this before mixing; the master then goes to the target."""

PAUSE_AFTER_MS = {"headline": 900, "lead": 500, "body": 450, "source": 400}
"""Silence after a segment of each role, when the next segment starts the same paragraph."""
PARAGRAPH_PAUSE_MS = 700
"""Silence between paragraphs (and before the source line)."""
JINGLE_GAP_MS = 350
"""Silence between a jingle and the speech next to it."""


@dataclass(frozen=True)
class Placement:
    """Where one segment sits in the mix."""

    role: str
    """Segment role."""
    text: str
    """What is said."""
    start_s: float
    """First sample of speech, in seconds from the start of the mix."""
    end_s: float
    """Last sample of speech, in seconds."""
    paragraph: int = -1
    """Article paragraph index; -1 for headline and source."""


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
    chapters: list[tuple[float, str]] = field(default_factory=list)
    """(start_s, title) for the intro, the headline, each paragraph and the outro."""
    stingers_s: float = 0.0
    """Total length of the stingers between stories."""

    @property
    def duration_s(self) -> float:
        """Length of the mix in seconds."""
        return self.samples.size / RATE_HZ


def resample(samples: np.ndarray, rate_hz: int, target_hz: int = RATE_HZ) -> np.ndarray:
    """Return ``samples`` at ``target_hz`` (polyphase filter, no aliasing)."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate_hz == target_hz:
        return samples
    from scipy.signal import resample_poly

    divisor = gcd(rate_hz, target_hz)
    return resample_poly(samples, target_hz // divisor, rate_hz // divisor).astype(np.float32)


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


def _block_loudness(samples: np.ndarray, rate_hz: int, block_s: float, overlap: float) -> np.ndarray:
    """Return the loudness (LUFS) of each gating block of the K-weighted ``samples`` (ITU-R BS.1770-4).

    The K-weighting biquads and the block boundaries are pyloudnorm's. The filtering
    and block sums are vectorised here: pyloudnorm's per-block Python loop takes ~0.7 s
    to measure a 3-minute bulletin, and mastering measures several times. Blocks overlap,
    so each stretch between two block edges is summed once and the blocks are read off
    the running total at their edges.
    """
    import pyloudnorm
    from scipy.signal import sosfilt

    sos = np.array([np.concatenate([stage.b, stage.a]) for stage in pyloudnorm.Meter(rate_hz)._filters.values()])
    weighted = sosfilt(sos.astype(np.float32), np.asarray(samples, dtype=np.float32))  # float32: half the memory
    np.square(weighted, out=weighted)
    step = 1.0 - overlap
    count = int(np.round((weighted.size / rate_hz - block_s) / (block_s * step))) + 1
    index = np.arange(count)
    lower = np.minimum((block_s * (index * step) * rate_hz).astype(np.int64), weighted.size)
    upper = np.minimum((block_s * (index * step + 1) * rate_hz).astype(np.int64), weighted.size)
    edges = np.unique(np.concatenate([[0], lower, upper]))
    starts = edges[edges < weighted.size]
    running = np.concatenate([[0.0], np.cumsum(np.add.reduceat(weighted, starts, dtype=np.float64))])
    positions = np.append(starts, weighted.size)
    power = (running[np.searchsorted(positions, upper)] - running[np.searchsorted(positions, lower)]) / (
        block_s * rate_hz
    )
    with np.errstate(divide="ignore"):
        return -0.691 + 10.0 * np.log10(np.maximum(power, 0.0))


def loudness_range_lu(samples: np.ndarray, rate_hz: int = RATE_HZ) -> float:
    """Return the loudness range (EBU Tech 3342, LRA) in LU; 0 for audio shorter than 3 s.

    Same blocks and gates as pyloudnorm's ``loudness_range`` (3 s blocks every 0.09 s,
    1.5 s of silence appended), vectorised.
    """
    if samples.size < 3 * rate_hz:
        return 0.0
    padded = np.concatenate([np.asarray(samples, dtype=np.float32), np.zeros(int(1.5 * rate_hz), dtype=np.float32)])
    short_term = _block_loudness(padded, rate_hz, 3.0, 0.97)
    short_term = short_term[short_term >= -70.0]
    if not short_term.size:
        return 0.0
    relative = 10 * np.log10(np.mean(10 ** (short_term / 10))) - 20.0
    short_term = short_term[short_term >= relative]
    return float(np.percentile(short_term, 95) - np.percentile(short_term, 10))


def loudness_lufs(samples: np.ndarray, rate_hz: int = RATE_HZ) -> float:
    """Return integrated loudness (ITU-R BS.1770-4, pyloudnorm's filters) in LUFS; -inf for silence or < 0.4 s."""
    if samples.size < int(0.4 * rate_hz):
        rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
        return 20 * np.log10(rms) - 0.691 if rms > 0 else float("-inf")
    blocks = _block_loudness(samples, rate_hz, 0.4, 0.75)
    power = 10 ** ((blocks + 0.691) / 10)
    gated = blocks >= -70.0
    if not gated.any():
        return float("-inf")
    relative = -0.691 + 10 * np.log10(np.mean(power[gated])) - 10.0
    gated = (blocks > relative) & (blocks > -70.0)
    if not gated.any():
        return float("-inf")
    return float(-0.691 + 10 * np.log10(np.mean(power[gated])))


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


def load_audio(path: Path) -> np.ndarray:
    """Return an audio file in any format ffmpeg reads as mono float32 at RATE_HZ.

    soundfile (libsndfile) reads WAV, FLAC, OGG and MP3 in-process; anything else
    (M4A, AAC, Opus in MP4...) goes through the ffmpeg binary of the imageio-ffmpeg wheel.
    """
    import soundfile

    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file; give the path of a WAV, FLAC, OGG, MP3 or M4A file")
    try:
        samples, rate = soundfile.read(path, dtype="float32", always_2d=True)
        return resample(samples.mean(axis=1), rate)
    except (soundfile.LibsndfileError, RuntimeError):
        pass
    import subprocess

    import imageio_ffmpeg

    decoded = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-nostdin",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(RATE_HZ),
            "-f",
            "f32le",
            "-",
        ],
        capture_output=True,
        check=False,
    )
    if decoded.returncode != 0 or not decoded.stdout:
        reason = decoded.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no audio stream"]
        raise AudioError(f"{path}: cannot decode this audio file ({reason[0][:120]}); give a WAV, FLAC, OGG or MP3")
    return np.frombuffer(decoded.stdout, dtype=np.float32).copy()


def level_jingle(samples: np.ndarray, relative_db: float = -2.0) -> np.ndarray:
    """Return a user jingle levelled to sit ``relative_db`` around the speech level, faded at both ends."""
    level = loudness_lufs(samples)
    if not np.isfinite(level) or level < -70:
        raise AudioError("a jingle file is silent; give one with sound, or use --no-jingles")
    return fade_edges(samples * np.float32(10 ** ((SPEECH_LEVEL_LUFS + relative_db - level) / 20)), 5, 50)


@dataclass(frozen=True)
class MixSettings:
    """How parts are laid out and what plays under them."""

    pauses_ms: dict = field(default_factory=lambda: dict(PAUSE_AFTER_MS))
    """Silence after a segment of each role, inside a paragraph."""
    paragraph_pause_ms: int = PARAGRAPH_PAUSE_MS
    """Silence between paragraphs."""
    jingle_gap_ms: int = JINGLE_GAP_MS
    """Silence between a jingle (or stinger) and the speech next to it."""
    overlap_ms: int = 0
    """The first words start this long before the intro ends (its tail fades under them)."""
    bed_level_db: float = -14.0
    """Music bed loudness in the gaps, relative to the speech level."""
    bed_duck_db: float = -18.0
    """Extra gain on the bed while someone speaks."""
    duck_attack_ms: int = 120
    """Ramp down before speech starts."""
    duck_release_ms: int = 500
    """Ramp back up after speech ends."""


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
    the jingles and ducks under speech.
    """
    settings = settings or MixSettings()
    AudioSegment = pydub_audio_segment()
    parts: list[np.ndarray] = []
    placements: list[Placement] = []
    chapters: list[tuple[float, str]] = []
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

    overlap = 0
    if intro is not None:
        chapters.append((0.0, "Générique"))
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
                if stinger is not None:
                    chapters.append((position / RATE_HZ, "Virgule"))
                    add(stinger)
                    stingers += stinger.size
                    silence(settings.jingle_gap_ms)
            elif segment.paragraph == previous.paragraph and segment.role == previous.role:
                silence(settings.pauses_ms[previous.role])
            else:
                silence(max(settings.paragraph_pause_ms, settings.pauses_ms[previous.role]))
        if (
            previous is None
            or segment.paragraph != previous.paragraph
            or segment.role != previous.role
            or story != getattr(previous, "story", 0)
        ):
            title = story_titles[story] if story_titles and segment.role == "headline" else _chapter_title(segment)
            chapters.append((position / RATE_HZ, title))
        if overlap and previous is None:
            speech = speech.copy()
            speech[:overlap] += pending_tail[: speech.size]
        placements.append(
            Placement(
                segment.role, segment.text, position / RATE_HZ, (position + speech.size) / RATE_HZ, segment.paragraph
            )
        )
        add(speech)
        previous = segment
    speech_end = position
    if outro is not None:
        silence(settings.jingle_gap_ms)
        chapters.append((position / RATE_HZ, "Fin"))
        add(outro)

    # pydub does the stitching; numpy arrays go in and out as 32-bit PCM.
    pieces = [_to_pydub(part, AudioSegment) for part in parts]  # one join: pydub's + copies the whole mix each time
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


def pydub_audio_segment():
    """Return pydub's AudioSegment, wired to the ffmpeg binary of the imageio-ffmpeg wheel (no apt)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydub warns at import: no system ffmpeg, audioop deprecated
        from pydub import AudioSegment
    if not getattr(AudioSegment, "_bulletin_wired", False):
        import imageio_ffmpeg

        AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
        AudioSegment._bulletin_wired = True
    return AudioSegment


def _to_pydub(samples: np.ndarray, audio_segment_class):
    pcm = np.round(np.clip(samples.astype(np.float64), -1.0, (2**31 - 1) / 2**31) * 2**31).astype(np.int32)
    return audio_segment_class(data=pcm.tobytes(), sample_width=4, frame_rate=RATE_HZ, channels=1)


def _chapter_title(segment) -> str:
    if segment.role == "source":
        return "Source"
    words = segment.text.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


# --- mastering ---------------------------------------------------------------------------------

MP3_PRESCALE = 0.95
"""LAME (inside libsndfile and ffmpeg) scales CBR input below 320 kbps by 0.95; we compensate."""


def oversample4(samples: np.ndarray) -> np.ndarray:
    """Return ``samples`` interpolated 4x with a 48-tap filter (ITU-R BS.1770-4 Annex 2), delay removed."""
    from scipy.signal import firwin, upfirdn

    taps = (4 * firwin(48, 0.245, window=("kaiser", 5.0))).astype(np.float32)
    upsampled = upfirdn(taps, np.asarray(samples, dtype=np.float32), 4)
    return upsampled[23 : 23 + 4 * samples.size]  # the filter's group delay is 23.5 high-rate samples


def peak_envelope(samples: np.ndarray, chunk: int = 1 << 18) -> np.ndarray:
    """Return, per sample, the largest 4x-oversampled magnitude around it (inter-sample peaks), float32.

    Computed a chunk at a time (each with a margin longer than the filter), so a long
    bulletin never holds its whole 4x-oversampled copy in memory.
    """
    samples = np.asarray(samples, dtype=np.float32)
    envelope = np.empty(samples.size, dtype=np.float32)
    margin = 16  # input samples; the 48-tap filter spans 12
    for start in range(0, samples.size, chunk):
        stop = min(start + chunk, samples.size)
        low, high = max(0, start - margin), min(samples.size, stop + margin)
        phases = np.abs(oversample4(samples[low:high])).reshape(-1, 4)
        peaks = np.maximum(np.maximum(phases[:, 0], phases[:, 1]), np.maximum(phases[:, 2], phases[:, 3]))
        envelope[start:stop] = peaks[start - low : stop - low]  # (numpy's max over axis 1 is 5x slower)
    return envelope


def true_peak_db(samples: np.ndarray) -> float:
    """Return the true peak in dBTP (4x oversampled, ITU-R BS.1770-4 Annex 2)."""
    peak = float(peak_envelope(samples).max()) if samples.size else 0.0
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def limiter_gain(
    peaks: np.ndarray, ceiling_db: float, lookahead_ms: float = 5.0, release_ms: float = 80.0, block: int = 16
) -> np.ndarray:
    """Return a smooth gain curve keeping ``peaks`` under ``ceiling_db``: look-ahead attack, slow release.

    The curve is computed on ``block``-sample maxima (0.36 ms at 44.1 kHz: 16x less memory
    and time than per sample) and interpolated between block centres. Every block's gain is
    an average of minima taken over a window wider than the interpolation reaches, so each
    sample's gain is at most what its own block needs: the ceiling holds.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    from scipy.signal import lfilter

    count = peaks.size
    blocks = -(-count // block)
    padded = np.zeros(blocks * block, dtype=np.float32)
    padded[:count] = peaks
    needed = padded.reshape(blocks, block).max(axis=1)
    del padded
    np.divide(np.float32(10 ** (ceiling_db / 20)), np.maximum(needed, np.float32(1e-12)), out=needed)
    np.minimum(needed, np.float32(1.0), out=needed)
    if not count or needed.min() >= 1.0:  # nothing to limit: unity gain, no filtering
        return np.ones(count, dtype=np.float32)
    window = max(2, -(-int(RATE_HZ * lookahead_ms / 1000) // block))  # in blocks, rounded up
    held = minimum_filter1d(needed, size=2 * window + 1)  # reach the reduction before the peak
    coefficient = np.exp(-block / (RATE_HZ * release_ms / 1000))
    released = 1.0 - lfilter([1 - coefficient], [1, -coefficient], 1.0 - held)
    smooth = uniform_filter1d(np.minimum(held, released), size=window)  # ramps, never hard steps
    centres = np.arange(blocks) * block + (block - 1) / 2
    gain = np.empty(count, dtype=np.float32)
    step = 1 << 20
    for start in range(0, count, step):  # np.interp works in float64: a chunk at a time
        gain[start : start + step] = np.interp(np.arange(start, min(start + step, count)), centres, smooth)
    return gain


def master(samples: np.ndarray, target_lufs: float, ceiling_db: float, headroom_db: float = 0.5) -> np.ndarray:
    """Return ``samples`` at ``target_lufs`` integrated, true peak under ``ceiling_db`` (gentle limiter).

    The input gain is searched (secant method) so that the limited signal lands on the target.
    """
    internal_ceiling = ceiling_db - headroom_db  # room for the encoder's overshoot
    samples = np.asarray(samples, dtype=np.float32)  # read only: no copy
    level = loudness_lufs(samples)
    if not np.isfinite(level):
        raise AudioError("the bulletin is silent; nothing to master")
    peaks = peak_envelope(samples)

    def render(gain_db: float) -> tuple[np.ndarray, float]:
        gain = np.float32(10 ** (gain_db / 20))
        out = limiter_gain(peaks * gain, internal_ceiling)  # in place from here: a long bulletin is ~35 MB a copy
        out *= samples
        out *= gain
        return out, loudness_lufs(out)

    gains = [target_lufs - level]
    out, reached = render(gains[0])
    errors = [target_lufs - reached]
    for _ in range(8):
        if abs(errors[-1]) < 0.05:
            break
        if len(gains) == 1 or errors[-1] == errors[-2]:
            step = errors[-1] * 1.5
        else:  # secant step on gain -> loudness error
            step = -errors[-1] * (gains[-1] - gains[-2]) / (errors[-1] - errors[-2])
        gains.append(min(gains[-1] + step, gains[0] + 24))
        out = None  # free the previous try before rendering the next
        out, reached = render(gains[-1])
        errors.append(target_lufs - reached)
    if abs(target_lufs - reached) > 0.5:
        raise AudioError(
            f"cannot reach {target_lufs:.1f} LUFS under a {ceiling_db:.1f} dBTP ceiling (reached {reached:.1f}); "
            "choose a lower loudness target or a higher true-peak ceiling"
        )
    return out
