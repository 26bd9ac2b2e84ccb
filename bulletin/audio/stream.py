"""Audio on disk, read a chunk at a time: a bulletin's memory stays the same whatever its length.

The mix is appended to a raw float32 file as each segment is spoken (``MixFile``), in a
private scratch directory that is removed whatever happens (``scratch_dir``). Mastering
reads it back in chunks: one analysis pass keeps the loudness meter's block sums and
the true-peak envelope's 16-sample maxima (on disk too), and each try of the gain
search re-reads the mix. A 60-minute mix is 635 MB on disk and about 4 MB per chunk
in memory. Plain reads and writes, not ``numpy.memmap``: mapped pages a process has
touched count in its resident memory until they are unmapped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bulletin.audio.loudness import LoudnessMeter, PeakEnvelope
from bulletin.errors import OutputError
from bulletin.files import ABANDONED_TEMP_S, STALE_TEMP_S

CHUNK = 1 << 20
"""Samples per chunk read or written (about 24 s at 44.1 kHz, 4 MB of float32)."""
BLOCK = 16
"""Samples per true-peak block kept for the limiter (``bulletin.audio.master.limiter_gain``)."""
SCRATCH_PREFIX = "mix-"
"""Scratch directories are named mix-PID-XXXX, so a later run can sweep those of dead processes."""


class MixFile:
    """Mono float32 samples in a raw file: appended to while mixing, then read and rewritten in chunks."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = open(self.path, "w+b", buffering=0)  # noqa: SIM115 (closed by close())
        self.size = 0
        """Samples in the file."""

    def append(self, samples: np.ndarray) -> None:
        """Add ``samples`` at the end."""
        self.write_at(self.size, samples)

    def write_at(self, start: int, samples: np.ndarray) -> None:
        """Write ``samples`` from sample ``start`` on (at most up to the end)."""
        data = memoryview(np.ascontiguousarray(samples, dtype=np.float32)).cast("B")
        try:
            self._file.seek(start * 4)
            while data:
                written = self._file.write(data)
                data = data[written:]
        except OSError as error:  # most often a full disk
            raise room_error(self.path.parent, error) from None
        self.size = max(self.size, start + len(samples))

    def keep(self, samples: np.ndarray) -> Clip:
        """Append ``samples``; return the Clip that reads them back."""
        start = self.size
        self.append(samples)
        return Clip(self, start, len(samples))

    def read(self, start: int, stop: int) -> np.ndarray:
        """Return samples ``start`` to ``stop`` (a new, writable array)."""
        out = np.empty(max(0, min(stop, self.size) - start), dtype=np.float32)
        self._file.seek(start * 4)
        view, done = memoryview(out).cast("B"), 0
        while done < len(view):
            got = self._file.readinto(view[done:])
            if not got:
                raise OSError(f"{self.path}: ends early")
            done += got
        return out

    def close(self) -> None:
        """Close the file (the scratch directory removes it)."""
        self._file.close()


@dataclass(frozen=True)
class Clip:
    """Samples kept in a MixFile: one prepared segment waiting on disk to be laid out."""

    file: MixFile
    start: int
    """First sample in the file."""
    size: int
    """Samples."""

    def load(self) -> np.ndarray:
        """Return the samples."""
        return self.file.read(self.start, self.start + self.size)


class ArraySink:
    """Samples kept in memory, in the shape of a ``MixFile`` being appended to (short mixes, tests)."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.size = 0

    def append(self, samples: np.ndarray) -> None:
        """Add ``samples`` at the end."""
        self.parts.append(np.asarray(samples, dtype=np.float32))
        self.size += len(samples)

    def array(self) -> np.ndarray:
        """Return everything appended, as one array."""
        return np.concatenate(self.parts) if self.parts else np.zeros(0, dtype=np.float32)


class ArraySource:
    """An array read like a ``MixFile``."""

    def __init__(self, samples: np.ndarray) -> None:
        self.samples = np.asarray(samples, dtype=np.float32)
        self.size = self.samples.size

    def read(self, start: int, stop: int) -> np.ndarray:
        """Return samples ``start`` to ``stop`` (a view)."""
        return self.samples[start:stop]


def chunks(source, chunk: int = CHUNK) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (first sample, samples) of ``source`` (a MixFile or ArraySource) in consecutive chunks."""
    for start in range(0, source.size, chunk):
        yield start, source.read(start, min(start + chunk, source.size))


def as_source(samples):
    """Return ``samples`` as something ``chunks`` reads: a MixFile or ArraySource as is, an array wrapped."""
    return samples if hasattr(samples, "read") else ArraySource(samples)


# --- scratch space -----------------------------------------------------------------------------


@contextmanager
def scratch_dir(parent: Path) -> Iterator[Path]:
    """Yield a new private directory under ``parent``/tmp, removed afterwards whatever happens.

    Directories left by killed runs (their process is gone) are swept first.
    """
    base = Path(parent) / "tmp"
    try:
        base.mkdir(parents=True, exist_ok=True)
        sweep_stale(base)
        path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=base))
    except OSError as error:
        raise OutputError(
            f"cannot make a mixing directory in {base}: {error.strerror}; use --cache-dir DIR with a writable directory"
        ) from None
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def sweep_stale(base: Path, now: float | None = None) -> list[Path]:
    """Remove the scratch directories in ``base`` that killed runs left; return them.

    The temp-file rule of ``bulletin.files.sweep_temps``: a directory goes when its writer
    (the pid in its name) is gone and nothing in it changed for STALE_TEMP_S, or when
    nothing changed for ABANDONED_TEMP_S; a running bulletin's is never touched.
    """
    now = time.time() if now is None else now
    removed = []
    for entry in base.glob(f"{SCRATCH_PREFIX}*-*"):
        pid = entry.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            age_s = now - max(path.stat().st_mtime for path in [entry, *entry.iterdir()])
        except OSError:
            continue
        if (age_s > STALE_TEMP_S and not _running(int(pid))) or age_s > ABANDONED_TEMP_S:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _running(pid: int) -> bool:
    if os.name != "posix":
        return True  # no cheap way to ask: only the age rule applies
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's, or not ours to judge
    return True


def room_error(directory: Path, error: OSError) -> OutputError:
    """Return the one-line error for a scratch write that failed (most often a full disk)."""
    return OutputError(
        f"cannot write the mix in the segment cache ({directory}): {error.strerror or error}; free some space "
        "there or use --cache-dir DIR on a disk with room (about 1 GB per hour of speech while it is made)"
    )


# --- analysis ------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """What mastering needs to know about a mix, from one pass over it."""

    size: int
    """Samples in the mix."""
    level_lufs: float
    """Integrated loudness."""
    block_peaks: MixFile | ArraySource
    """The largest 4x-oversampled magnitude in each BLOCK of samples."""
    loudest_peak: float
    """The largest of them all."""


def analyse(source, scratch: Path | None = None) -> Analysis:
    """Return the loudness and true-peak blocks of ``source`` in one pass (blocks on disk in ``scratch``)."""
    meter = LoudnessMeter()
    envelope = PeakEnvelope()
    sink = MixFile(Path(scratch) / "peaks.f32") if scratch is not None else ArraySink()
    rest = np.zeros(0, dtype=np.float32)

    def add(peaks: np.ndarray, final: bool = False) -> np.ndarray:
        pending = np.concatenate([rest, peaks])
        whole = pending.size // BLOCK * BLOCK
        if whole:
            sink.append(pending[:whole].reshape(-1, BLOCK).max(axis=1))
        if final and pending.size > whole:
            sink.append(pending[whole:].max(keepdims=True))
        return pending[whole:]

    for _, chunk in chunks(source):
        meter.feed(chunk)
        for start in range(0, chunk.size, 1 << 18):  # the 4x oversampling a quarter chunk at a time
            rest = add(envelope.feed(chunk[start : start + (1 << 18)]))
    add(envelope.finish(), final=True)
    blocks = sink if isinstance(sink, MixFile) else ArraySource(sink.array())
    return Analysis(source.size, meter.integrated_lufs(), blocks, envelope.peak)
