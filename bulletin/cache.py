"""Content-addressed cache of synthesised segments, and of finished renders.

Key = voice identity (engine, model and config hashes, speaker, settings) + the exact spoken
text + synthesis settings. Values are float32 WAV files (lossless), written atomically, each
with a small JSON record beside it (its byte length and sha256): an entry is used only when
its bytes match the record, so a truncated or damaged file is a miss, synthesised again and
replaced, never a cut sentence. A re-run synthesises nothing and editing one paragraph
re-synthesises only its segments. Default location: the platform user cache dir;
``--cache-dir`` or ``BULLETIN_CACHE_DIR`` override it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import soundfile

from bulletin.errors import OutputError
from bulletin.files import (
    StagedFiles,
    WriteError,
    cannot_write,
    copy_atomic,
    pause_point,
    sha256_file,
    sweep_temps,
    write_atomic,
)
from bulletin.locations import default_cache_dir

CACHE_VERSION = 2
"""Bump when the stored format changes, so old entries are ignored (2: verified entries)."""


class _Damaged(Exception):
    """A cached file does not match its record."""


def _record(data: bytes) -> dict:
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


class SegmentCache:
    """Synthesised audio per (voice, text, settings), and finished bulletins per render key, on disk."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else default_cache_dir()
        self.hits = 0
        self.misses = 0
        self.repaired = 0
        """Entries found damaged (truncated, altered) and treated as misses."""

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
        """Return where the audio of ``key`` lives (its record is the same name with .json)."""
        return self.directory / "segments" / key[:2] / f"{key}.wav"

    def get(self, key: str) -> tuple[np.ndarray, int] | None:
        """Return (samples, sample_rate) for ``key``, or None (counted as a miss) if absent or damaged."""
        path = self.path(key)
        try:
            record = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            data = path.read_bytes()
        except (OSError, ValueError):
            self.misses += 1
            return None
        try:
            if not isinstance(record, dict) or _record(data) != {k: record.get(k) for k in ("bytes", "sha256")}:
                raise _Damaged
            samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=False)
        except (_Damaged, RuntimeError, soundfile.LibsndfileError):
            self.misses += 1
            self.repaired += 1
            return None
        self.hits += 1
        return samples, rate

    def contains(self, key: str) -> bool:
        """Return True if ``key`` is stored (no hit or miss is counted; its bytes are not checked)."""
        path = self.path(key)
        return path.is_file() and path.with_suffix(".json").is_file()

    def put(self, key: str, samples: np.ndarray, sample_rate: int) -> None:
        """Store ``samples`` under ``key`` atomically (temp file + rename), then its record."""
        path = self.path(key)
        buffer = io.BytesIO()
        soundfile.write(buffer, np.asarray(samples, dtype=np.float32), sample_rate, subtype="FLOAT", format="WAV")
        data = buffer.getvalue()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._unwritable(error.strerror or str(error)) from None
        sweep_temps(path.parent)
        try:
            write_atomic(path, data)
            write_atomic(path.with_suffix(".json"), json.dumps(_record(data)).encode())  # last: marks it valid
        except WriteError as error:
            raise self._unwritable(error.reason) from None
        except OutputError as error:
            raise self._unwritable(str(error)) from None

    def _unwritable(self, reason: str) -> OutputError:
        return OutputError(
            f"cannot write the segment cache in {self.directory}: {reason}; "
            "free some space or use --cache-dir DIR with a writable directory"
        )

    def render_dir(self, key: str) -> Path:
        """Return the directory holding a finished bulletin (MP3 + sidecars) for a render ``key``."""
        return self.directory / "renders" / key[:2] / key

    def reuse_render(self, key: str, output: Path, sidecars: dict[str, Path]) -> dict | None:
        """Copy a stored render to ``output`` and its sidecars; return its figures, or None if absent or damaged.

        Every copy is checked against the length and sha256 recorded when the render was stored,
        before anything is renamed into place: a damaged render changes no file and means a full render.
        The sidecars are placed first and the audio last, as a fresh render does.
        """
        directory = self.render_dir(key)
        try:
            figures = json.loads((directory / "figures.json").read_text(encoding="utf-8"))
            records = figures["files"]
            if set(records) != {"audio", *sidecars}:
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        try:
            with StagedFiles() as audio_stage, StagedFiles() as sidecar_stage:
                for kind, target in [*sidecars.items(), ("audio", output)]:
                    stage = audio_stage if kind == "audio" else sidecar_stage
                    _copy_verified(directory / kind, stage.path_for(target), records[kind], target)
                sidecar_stage.commit()
                pause_point("before-audio-rename")
                audio_stage.commit()
        except _Damaged:
            self.repaired += 1
            return None
        return figures

    def store_render(self, key: str, output: Path, sidecars: dict[str, Path], figures: dict) -> None:
        """Keep a copy of a finished bulletin so an identical re-run is a file copy (best effort)."""
        directory = self.render_dir(key)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            records = {}
            for kind, source in [("audio", output), *sidecars.items()]:
                copy_atomic(source, directory / kind)
                records[kind] = {"bytes": (directory / kind).stat().st_size, "sha256": sha256_file(directory / kind)}
            payload = json.dumps(dict(figures, files=records)).encode()
            write_atomic(directory / "figures.json", payload)  # last: marks the render complete
        except (OSError, OutputError):
            shutil.rmtree(directory, ignore_errors=True)  # a cache that cannot be written only costs time


def _copy_verified(source: Path, temp: Path, record: dict, target: Path) -> None:
    """Copy ``source`` into ``temp`` while hashing it; _Damaged unless it matches ``record``.

    A read error means a damaged render (_Damaged); a write error (a full disk, even when the
    file is only created or closed) is the one-line error naming ``target``.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        reader = open(source, "rb")
    except OSError:
        raise _Damaged from None
    with reader:
        try:
            with open(temp, "wb") as writer:
                while block := _read_block(reader):
                    digest.update(block)
                    size += len(block)
                    writer.write(block)
                writer.flush()
                os.fsync(writer.fileno())
        except OSError as error:
            raise cannot_write(target, error) from None
    if not isinstance(record, dict) or record.get("bytes") != size or record.get("sha256") != digest.hexdigest():
        raise _Damaged


def _read_block(reader) -> bytes:
    try:
        return reader.read(1 << 20)
    except OSError:
        raise _Damaged from None
