"""Loudness (ITU-R BS.1770-4 integrated, EBU Tech 3342 range) and true peak, vectorised."""

from __future__ import annotations

import numpy as np

from bulletin.audio.io import RATE_HZ

GUARD = 1e-15
"""Amplitude of the alternating signal (-300 dBFS) added before the IIR filters, so no state goes subnormal."""


def guarded(samples: np.ndarray, first: int = 0) -> np.ndarray:
    """Return ``samples`` (float32) plus +-GUARD alternating from sample ``first``'s parity on.

    Exact zeros (the pauses of a mix) drive an IIR filter's state down into subnormal
    floats, which the CPU computes ~30x slower; the K-weighting of a bulletin with long
    silences took seconds per minute. -300 dBFS changes no figure we measure.
    """
    out = np.array(samples, dtype=np.float32)
    out[first % 2 :: 2] += np.float32(GUARD)
    out[1 - first % 2 :: 2] -= np.float32(GUARD)
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
    weighted = sosfilt(sos.astype(np.float32), guarded(samples))  # float32: half the memory
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
    return _range(_block_loudness(padded, rate_hz, 3.0, 0.97))


def loudness_lufs(samples: np.ndarray, rate_hz: int = RATE_HZ) -> float:
    """Return integrated loudness (ITU-R BS.1770-4, pyloudnorm's filters) in LUFS; -inf for silence or < 0.4 s."""
    if samples.size < int(0.4 * rate_hz):
        rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0
        return 20 * np.log10(rms) - 0.691 if rms > 0 else float("-inf")
    return _gated(_block_loudness(samples, rate_hz, 0.4, 0.75))


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


class _Hops:
    """Sums of a stream of values over consecutive hops of ``hop`` samples (the last one partial)."""

    def __init__(self, hop: int) -> None:
        self.hop = hop
        self.filled = 0
        self.partial = 0.0
        self.sums: list[np.ndarray] = []

    def add(self, values: np.ndarray) -> None:
        if self.filled % self.hop:
            need = self.hop - self.filled % self.hop
            head = values[:need]
            self.partial += float(head.sum(dtype=np.float64))
            self.filled += head.size
            values = values[need:]
            if self.filled % self.hop:
                return
            self.sums.append(np.array([self.partial]))
            self.partial = 0.0
        full = values.size // self.hop
        if full:
            self.sums.append(values[: full * self.hop].reshape(full, self.hop).sum(axis=1, dtype=np.float64))
        self.partial += float(values[full * self.hop :].sum(dtype=np.float64))
        self.filled += values.size

    def totals(self, count: int) -> np.ndarray:
        """Return the sum over each hop, zeros appended up to ``count`` hops."""
        sums = np.concatenate([*self.sums, [self.partial] if self.filled % self.hop else []])
        return np.concatenate([sums, np.zeros(max(0, count - sums.size))])


class LoudnessMeter:
    """Integrated loudness and loudness range of a signal fed in consecutive chunks, in one pass.

    BS.1770 gating needs only the power of each block, so the K-weighted squares are
    summed per hop (100 ms for the 400 ms blocks of integrated loudness, 30 ms for the
    3 s blocks every 90 ms of the loudness range) and the blocks read off those sums;
    no sample is kept. Same filters and gates as ``loudness_lufs`` and
    ``loudness_range_lu`` (block edges fall on whole hops: within 0.01 LU of them).
    """

    def __init__(self, rate_hz: int = RATE_HZ) -> None:
        import pyloudnorm

        self.rate_hz = rate_hz
        stages = pyloudnorm.Meter(rate_hz)._filters.values()
        self._sos = np.array([np.concatenate([stage.b, stage.a]) for stage in stages]).astype(np.float32)
        self._state = np.zeros((self._sos.shape[0], 2), dtype=np.float32)
        self._short = _Hops(round(0.1 * rate_hz))
        self._long = _Hops(round(0.03 * rate_hz))
        self._plain = 0.0  # unweighted energy, for a signal shorter than one block
        self.count = 0

    def feed(self, samples: np.ndarray) -> None:
        """Add the next ``samples`` (mono) of the signal."""
        from scipy.signal import sosfilt

        samples = np.asarray(samples, dtype=np.float32)
        self._plain += float(np.square(samples, dtype=np.float64).sum())
        weighted, self._state = sosfilt(self._sos, guarded(samples, self.count), zi=self._state)
        np.square(weighted, out=weighted)
        self._short.add(weighted)
        self._long.add(weighted)
        self.count += samples.size

    def _blocks_lufs(self, hops: _Hops, block_hops: int, step_hops: int, total: int, block_s: float) -> np.ndarray:
        step_s = block_s * step_hops / block_hops
        count = int(np.round((total / self.rate_hz - block_s) / step_s)) + 1
        sums = hops.totals((count - 1) * step_hops + block_hops)
        running = np.concatenate([[0.0], np.cumsum(sums)])
        starts = np.arange(count) * step_hops
        power = (running[starts + block_hops] - running[starts]) / (block_s * self.rate_hz)
        with np.errstate(divide="ignore"):
            return -0.691 + 10.0 * np.log10(np.maximum(power, 0.0))

    def integrated_lufs(self) -> float:
        """Return the integrated loudness of everything fed (as ``loudness_lufs``)."""
        if self.count < int(0.4 * self.rate_hz):
            rms = (self._plain / self.count) ** 0.5 if self.count else 0.0
            return 20 * np.log10(rms) - 0.691 if rms > 0 else float("-inf")
        blocks = self._blocks_lufs(self._short, 4, 1, self.count, 0.4)
        return _gated(blocks)

    def range_lu(self) -> float:
        """Return the loudness range of everything fed (as ``loudness_range_lu``)."""
        if self.count < 3 * self.rate_hz:
            return 0.0
        return _range(self._blocks_lufs(self._long, 100, 3, self.count + int(1.5 * self.rate_hz), 3.0))


def _gated(blocks: np.ndarray) -> float:
    """Return the gated mean loudness of 400 ms blocks (BS.1770-4: -70 LUFS absolute, -10 LU relative)."""
    power = 10 ** ((blocks + 0.691) / 10)
    gated = blocks >= -70.0
    if not gated.any():
        return float("-inf")
    relative = -0.691 + 10 * np.log10(np.mean(power[gated])) - 10.0
    gated = (blocks > relative) & (blocks > -70.0)
    if not gated.any():
        return float("-inf")
    return float(-0.691 + 10 * np.log10(np.mean(power[gated])))


def _range(short_term: np.ndarray) -> float:
    """Return the loudness range of 3 s blocks (EBU Tech 3342: -70 LUFS absolute, -20 LU relative, 10-95 %)."""
    short_term = short_term[short_term >= -70.0]
    if not short_term.size:
        return 0.0
    relative = 10 * np.log10(np.mean(10 ** (short_term / 10))) - 20.0
    short_term = short_term[short_term >= relative]
    return float(np.percentile(short_term, 95) - np.percentile(short_term, 10))


class PeakEnvelope:
    """The 4x-oversampled peak envelope (as ``peak_envelope``) of a signal fed in consecutive chunks.

    Each ``feed`` returns the envelope of the samples it completes: the last ``MARGIN``
    samples wait for the next chunk (the filter needs their neighbours); ``finish``
    returns the rest.
    """

    MARGIN = 16  # input samples; the 48-tap filter spans 12

    def __init__(self) -> None:
        self._carry = np.zeros(0, dtype=np.float32)
        self._first = True
        self.peak = 0.0
        """Largest value returned so far."""

    def _envelope(self, window: np.ndarray, start: int, stop: int) -> np.ndarray:
        phases = np.abs(oversample4(window)).reshape(-1, 4)[start:stop]
        peaks = np.maximum(np.maximum(phases[:, 0], phases[:, 1]), np.maximum(phases[:, 2], phases[:, 3]))
        if peaks.size:
            self.peak = max(self.peak, float(peaks.max()))
        return peaks

    def feed(self, samples: np.ndarray) -> np.ndarray:
        """Add the next ``samples``; return the envelope of the samples now complete."""
        margin = self.MARGIN
        window = np.concatenate([self._carry, np.asarray(samples, dtype=np.float32)])
        if window.size <= 2 * margin:
            self._carry = window
            return np.zeros(0, dtype=np.float32)
        stop = window.size - margin
        peaks = self._envelope(window, 0 if self._first else margin, stop)
        self._carry = window[stop - margin :]
        self._first = False
        return peaks

    def finish(self) -> np.ndarray:
        """Return the envelope of the last samples."""
        peaks = self._envelope(self._carry, 0 if self._first else self.MARGIN, self._carry.size)
        self._carry = np.zeros(0, dtype=np.float32)
        return peaks
