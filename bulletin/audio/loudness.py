"""Loudness (ITU-R BS.1770-4 integrated, EBU Tech 3342 range) and true peak, vectorised."""

from __future__ import annotations

import numpy as np

from bulletin.audio.io import RATE_HZ


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
