"""Voices kept loaded between jobs: a small least-recently-used set, freed when memory runs short.

Opening a voice is cheap; its model loads on the first segment it speaks (seconds for a
Coqui VITS, with the torch import). The pool hands the worker the same open Voice for the
same (voice, options), so the second bulletin pays no import or model load. Used by the
worker thread only.
"""

from __future__ import annotations

import collections
import logging

from bulletin.engines.base import Voice, VoiceOptions
from bulletin.engines.factory import open_voice
from bulletin.engines.presets import resolve_voice_spec

LOG = logging.getLogger("bulletin.studio")


def available_mb() -> float | None:
    """Return the memory available to new allocations (MemAvailable, in MB), or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


class VoicePool:
    """Open voices by (spec, options), at most ``kept`` of them; the least recently used is closed first."""

    def __init__(self, kept: int = 2, min_free_mb: float = 1024) -> None:
        self.kept = max(1, kept)
        self.min_free_mb = min_free_mb
        self._voices: collections.OrderedDict[tuple[str, VoiceOptions], Voice] = collections.OrderedDict()

    def get(self, spec: str, options: VoiceOptions) -> Voice:
        """Return the open Voice for ``spec`` with ``options`` (opened now if it is not kept)."""
        key = (spec, options)
        if key in self._voices:
            self._voices.move_to_end(key)
            return self._voices[key]
        voice = open_voice(resolve_voice_spec(spec), options)
        self._voices[key] = voice
        while len(self._voices) > self.kept:
            _, oldest = self._voices.popitem(last=False)
            oldest.close()
        return voice

    def relieve(self) -> int:
        """Close every kept voice when available memory is under ``min_free_mb``; return how many were closed."""
        free_mb = available_mb()
        if free_mb is None or free_mb >= self.min_free_mb or not self._voices:
            return 0
        count = len(self._voices)
        LOG.info("%.0f MB available (under %.0f MB): freeing %d kept voice(s)", free_mb, self.min_free_mb, count)
        self.close()
        return count

    def close(self) -> None:
        """Close every voice (their models are freed)."""
        while self._voices:
            _, voice = self._voices.popitem()
            voice.close()

    def __len__(self) -> int:
        return len(self._voices)
