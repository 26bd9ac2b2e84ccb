"""Mastering: gain to the loudness target under a true-peak ceiling, with a gentle look-ahead limiter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from bulletin.audio.encode import Measurement, Tags, write_audio
from bulletin.audio.io import RATE_HZ
from bulletin.audio.loudness import LoudnessMeter, loudness_lufs, peak_envelope
from bulletin.audio.stream import BLOCK, CHUNK, Analysis, analyse, as_source, chunks
from bulletin.audio.timeline import Chapter
from bulletin.errors import AudioError

STATE_GUARD = 1e-30
"""Added to the release filter's input: without it, a minute unlimited decays its state into subnormal floats
(5x slower), and 1 - 1e-30 is still exactly 1."""


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
    window, coefficient = _limiter_settings(lookahead_ms, release_ms, block)
    held = minimum_filter1d(needed, size=2 * window + 1)  # reach the reduction before the peak
    released = 1.0 - lfilter([1 - coefficient], [1, -coefficient], 1.0 - held + STATE_GUARD)  # no subnormal state
    smooth = uniform_filter1d(np.minimum(held, released), size=window)  # ramps, never hard steps
    centres = np.arange(blocks) * block + (block - 1) / 2
    gain = np.empty(count, dtype=np.float32)
    step = 1 << 20
    for start in range(0, count, step):  # np.interp works in float64: a chunk at a time
        gain[start : start + step] = np.interp(np.arange(start, min(start + step, count)), centres, smooth)
    return gain


def _limiter_settings(lookahead_ms: float, release_ms: float, block: int) -> tuple[int, float]:
    """Return (look-ahead window in blocks, release coefficient per block) of ``limiter_gain``."""
    window = max(2, -(-int(RATE_HZ * lookahead_ms / 1000) // block))  # in blocks, rounded up
    return window, float(np.exp(-block / (RATE_HZ * release_ms / 1000)))


def limiter_gain_chunks(
    block_peaks: Callable[[int, int], np.ndarray],
    count: int,
    loudest_peak: float,
    scale: np.float32,
    ceiling_db: float,
    chunk_blocks: int = 1 << 16,
    lookahead_ms: float = 5.0,
    release_ms: float = 80.0,
    block: int = 16,
) -> Iterator[np.ndarray]:
    """Yield ``limiter_gain``'s curve for ``count`` samples in consecutive chunks, never holding all of it.

    ``block_peaks(lo, hi)`` returns the largest envelope value of blocks ``lo``..``hi`` of
    ``block`` samples (before ``scale``); ``loudest_peak`` is the largest of them all. Each
    step of ``limiter_gain`` reads only a few blocks either side (the look-ahead minimum,
    the smoothing), so each chunk is computed with that much overlap, and the release
    filter's state is carried from chunk to chunk: the curve is the one ``limiter_gain``
    computes on the whole signal (to float rounding).
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    from scipy.signal import lfilter

    blocks = -(-count // block)
    ceiling = np.float32(10 ** (ceiling_db / 20))

    def needed(peaks: np.ndarray) -> np.ndarray:
        values = np.atleast_1d(np.asarray(peaks, dtype=np.float32) * scale)
        np.divide(ceiling, np.maximum(values, np.float32(1e-12)), out=values)
        return np.minimum(values, np.float32(1.0), out=values)

    if not count or needed(loudest_peak).min() >= 1.0:  # nothing to limit: unity gain, no filtering
        for start in range(0, count, chunk_blocks * block):
            yield np.ones(min(chunk_blocks * block, count - start), dtype=np.float32)
        return
    window, coefficient = _limiter_settings(lookahead_ms, release_ms, block)
    state = np.zeros(1)
    levels = np.zeros(0, dtype=np.float32)  # min(held, released) for blocks [first, done)
    first = done = 0
    for lo in range(0, blocks, chunk_blocks):
        hi = min(lo + chunk_blocks, blocks)
        want = min(blocks, hi + 1 + window)  # the smoothing reads this far ahead
        if want > done:
            a, b = max(0, done - window), min(blocks, want + window)
            held = minimum_filter1d(needed(block_peaks(a, b)), size=2 * window + 1)[done - a : want - a]
            released, state = lfilter([1 - coefficient], [1, -coefficient], 1.0 - held + STATE_GUARD, zi=state)
            levels = np.concatenate([levels, np.minimum(held, 1.0 - released)])
            done = want
        a = max(0, lo - 1 - window)
        smooth = uniform_filter1d(levels[a - first :], size=window)  # ramps, never hard steps
        s0, s1 = max(0, lo - 1), min(blocks, hi + 1)
        centres = np.arange(s0, s1) * block + (block - 1) / 2
        positions = np.arange(lo * block, min(hi * block, count))
        yield np.interp(positions, centres, smooth[s0 - a : s1 - a]).astype(np.float32)
        keep = max(0, hi - 1 - window)  # the next chunk reads from here on
        levels, first = levels[keep - first :], keep


def _search_gain(loudness_at: Callable[[float], float], level_lufs: float, target_lufs: float) -> tuple[float, float]:
    """Return (gain dB, loudness reached): the input gain whose limited signal lands on ``target_lufs``.

    Secant method on gain -> loudness error; the last gain tried is the one returned.
    """
    gains = [target_lufs - level_lufs]
    reached = loudness_at(gains[0])
    errors = [target_lufs - reached]
    for _ in range(8):
        if abs(errors[-1]) < 0.05:
            break
        if len(gains) == 1 or errors[-1] == errors[-2]:
            step = errors[-1] * 1.5
        else:  # secant step on gain -> loudness error
            step = -errors[-1] * (gains[-1] - gains[-2]) / (errors[-1] - errors[-2])
        gains.append(min(gains[-1] + step, gains[0] + 24))
        reached = loudness_at(gains[-1])
        errors.append(target_lufs - reached)
    return gains[-1], reached


def _unreachable(target_lufs: float, ceiling_db: float, reached: float) -> AudioError:
    return AudioError(
        f"cannot reach {target_lufs:.1f} LUFS under a {ceiling_db:.1f} dBTP ceiling (reached {reached:.1f}); "
        "choose a lower loudness target or a higher true-peak ceiling"
    )


def master(samples: np.ndarray, target_lufs: float, ceiling_db: float, headroom_db: float = 0.5) -> np.ndarray:
    """Return ``samples`` at ``target_lufs`` integrated, true peak under ``ceiling_db`` (gentle limiter).

    The whole signal in memory: the reference ``StreamedMaster`` is checked against.
    """
    internal_ceiling = ceiling_db - headroom_db  # room for the encoder's overshoot
    samples = np.asarray(samples, dtype=np.float32)  # read only: no copy
    level = loudness_lufs(samples)
    if not np.isfinite(level):
        raise AudioError("the bulletin is silent; nothing to master")
    peaks = peak_envelope(samples)
    out = None

    def loudness_at(gain_db: float) -> float:
        nonlocal out
        out = None  # free the previous try before rendering the next
        gain = np.float32(10 ** (gain_db / 20))
        out = limiter_gain(peaks * gain, internal_ceiling)  # in place from here: a long bulletin is ~35 MB a copy
        out *= samples
        out *= gain
        return loudness_lufs(out)

    _, reached = _search_gain(loudness_at, level, target_lufs)
    if abs(target_lufs - reached) > 0.5:
        raise _unreachable(target_lufs, ceiling_db, reached)
    return out


class StreamedMaster:
    """``master`` a chunk at a time: the same gain search and limiter, the mix read from disk at each try.

    ``blocks()`` yields the mastered signal (the last try re-rendered), for the encoder.
    """

    def __init__(self, source, analysis: Analysis, target_lufs: float, ceiling_db: float, headroom_db: float = 0.5):
        if not np.isfinite(analysis.level_lufs):
            raise AudioError("the bulletin is silent; nothing to master")
        self.source = source
        self.analysis = analysis
        self.internal_ceiling_db = ceiling_db - headroom_db  # room for the encoder's overshoot

        def loudness_at(gain_db: float) -> float:
            meter = LoudnessMeter()
            for block in self._render(gain_db):
                meter.feed(block)
            return meter.integrated_lufs()

        self.gain_db, self.reached_lufs = _search_gain(loudness_at, analysis.level_lufs, target_lufs)
        if abs(target_lufs - self.reached_lufs) > 0.5:
            raise _unreachable(target_lufs, ceiling_db, self.reached_lufs)

    def _render(self, gain_db: float) -> Iterator[np.ndarray]:
        gain = np.float32(10 ** (gain_db / 20))
        peaks = self.analysis.block_peaks
        curve = limiter_gain_chunks(
            peaks.read, self.source.size, self.analysis.loudest_peak, gain, self.internal_ceiling_db, CHUNK // BLOCK
        )
        for (_, samples), out in zip(chunks(self.source, CHUNK), curve):
            out *= samples
            out *= gain
            yield out

    def blocks(self) -> Iterator[np.ndarray]:
        """Yield the mastered signal in consecutive chunks."""
        return self._render(self.gain_db)


def master_to_file(
    path: Path,
    samples,
    audio_format: str,
    tags: Tags,
    chapters: list[Chapter],
    target_lufs: float,
    ceiling_db: float,
    bitrate_kbps: int,
    artwork: bytes | None,
    tries: int = 3,
    scratch: Path | None = None,
) -> Measurement:
    """Master ``samples`` (an array or a ``MixFile``) and write them to ``path``; return the decoded file's measurement.

    Streamed: the mix is read a chunk at a time (its true-peak blocks kept in ``scratch``,
    memory otherwise) and the encoder fed blocks. The true-peak gate: what the listener
    decodes must stay under the ceiling, so when the encoder overshoots, the master is
    redone with that much more headroom (up to ``tries``). AudioError, with nothing left
    at ``path``, if it still overshoots.
    """
    source = as_source(samples)
    analysis = analyse(source, scratch)
    headroom_db = 0.5
    for _ in range(tries):
        mastered = StreamedMaster(source, analysis, target_lufs, ceiling_db, headroom_db)
        measured = write_audio(path, mastered.blocks, audio_format, tags, chapters, target_lufs, bitrate_kbps, artwork)
        overshoot_db = measured.true_peak_db - ceiling_db
        if overshoot_db <= 0:
            return measured
        headroom_db += overshoot_db + 0.2
    path.unlink()
    raise AudioError(
        f"the encoded file peaks at {measured.true_peak_db:.1f} dBTP, over the "
        f"{ceiling_db:.1f} dBTP ceiling; lower the loudness target or raise --true-peak"
    )
