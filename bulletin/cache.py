"""Content-addressed cache of synthesised segments.

Key = voice identity (engine, model file hash, speaker) + the exact spoken text +
synthesis settings. Values are float32 WAV files (lossless), written atomically, so
a re-run synthesises nothing and editing one paragraph re-synthesises only its
segments. Default location: the platform user cache dir; ``--cache-dir`` or
``BULLETIN_CACHE_DIR`` override it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import soundfile

from bulletin.errors import OutputError
from bulletin.files import atomic_path, copy_atomic, write_atomic
from bulletin.locations import default_cache_dir

CACHE_VERSION = 1
"""Bump when the stored format changes, so old entries are ignored."""


class SegmentCache:
    """Synthesised audio per (voice, text, settings), and finished bulletins per render key, on disk."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else default_cache_dir()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(voice_identity: str, text: str, settings: dict | None = None) -> str:
        """Return the hex key of one segment's audio."""
        payload = json.dumps(
            {"v": CACHE_VERSION, "voice": voice_identity, "text": text, "settings": settings or {}},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        """Return where the audio of ``key`` lives."""
        return self.directory / "segments" / key[:2] / f"{key}.wav"

    def get(self, key: str) -> tuple[np.ndarray, int] | None:
        """Return (samples, sample_rate) for ``key``, or None (counted as a miss)."""
        path = self.path(key)
        try:
            samples, rate = soundfile.read(path, dtype="float32", always_2d=False)
        except (OSError, RuntimeError, soundfile.LibsndfileError):
            self.misses += 1
            return None
        self.hits += 1
        return samples, rate

    def contains(self, key: str) -> bool:
        """Return True if ``key`` is stored (no hit or miss is counted)."""
        return self.path(key).is_file()

    def put(self, key: str, samples: np.ndarray, sample_rate: int) -> None:
        """Store ``samples`` under ``key`` atomically (temp file + rename)."""
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as temp:
                soundfile.write(temp, np.asarray(samples, dtype=np.float32), sample_rate, subtype="FLOAT", format="WAV")
        except OSError as error:
            raise OutputError(
                f"cannot write the segment cache in {self.directory}: {error.strerror}; "
                "use --cache-dir DIR with a writable directory"
            ) from None

    def render_dir(self, key: str) -> Path:
        """Return the directory holding a finished bulletin (MP3 + sidecars) for a render ``key``."""
        return self.directory / "renders" / key[:2] / key

    def reuse_render(self, key: str, output: Path, sidecars: dict[str, Path]) -> dict | None:
        """Copy a stored render to ``output`` and its sidecars; return its figures, or None if absent."""
        directory = self.render_dir(key)
        try:
            figures = json.loads((directory / "figures.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        for kind, target in [("audio", output), *sidecars.items()]:
            copy_atomic(directory / kind, target)
        return figures

    def store_render(self, key: str, output: Path, sidecars: dict[str, Path], figures: dict) -> None:
        """Keep a copy of a finished bulletin so an identical re-run is a file copy (best effort)."""
        directory = self.render_dir(key)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            for kind, source in [("audio", output), *sidecars.items()]:
                copy_atomic(source, directory / kind)
            write_atomic(directory / "figures.json", json.dumps(figures).encode())  # last: marks the render complete
        except (OSError, OutputError):
            pass  # a cache that cannot be written only costs time on the next run
