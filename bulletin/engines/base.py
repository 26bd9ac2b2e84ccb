"""What every engine shares: the Voice protocol, a preset, the options a voice runs with.

A ``Voice`` turns one segment of speakable text into mono float32 samples. Engines
(``coqui``, ``kokoro``) implement it; ``factory.open_voice`` picks one for a preset.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class VoicePreset:
    """A named voice from ``voices/NAME.toml``."""

    name: str
    """Preset name, e.g. "fr-css10" (the file name without .toml)."""
    engine: str
    """Which engine speaks it: "coqui" or "kokoro"."""
    model: str
    """The engine's model: a Coqui model name ("tts_models/fr/css10/vits") or a model file name."""
    description: str = ""
    """One line shown by ``bulletin voices``."""
    language: str = "fr"
    """Language code passed to multilingual models."""
    speaker: str = ""
    """Speaker or voice id inside the model (Kokoro "ff_siwis"); empty for single-speaker models."""
    needs_speaker_wav: bool = False
    """True when the model clones a voice from ``--speaker-wav`` (XTTS)."""
    licence: str = ""
    """Licence of the model weights."""
    licence_must_agree: bool = False
    """True when the user must agree to the licence before first use (XTTS's CPML)."""
    speed: float = 1.0
    """Speaking rate multiplier, where the engine supports it."""
    alphabet: str = ""
    """Characters the model accepts, used before the model is loaded (``bulletin script``)."""
    chars_per_s: float = 0.0
    """Speaking rate in spoken characters per second, to estimate a programme's length; 0: defaults.CHARS_PER_S."""


class Voice(Protocol):
    """What the pipeline needs from any engine."""

    name: str
    """Shown to the user: preset name or model directory."""
    identity: str
    """Stable identity for the cache: engine, model file hash, speaker, settings."""
    sample_rate: int
    """Rate of the samples ``synthesize`` returns, in Hz."""
    alphabet: frozenset[str]
    """Characters the voice says without dropping them (the normaliser's target)."""
    loads: int
    """How many times the model was loaded (it loads on the first ``synthesize``, again after ``close``)."""

    def synthesize(self, text: str) -> np.ndarray:
        """Return mono float32 samples of ``text`` spoken, at ``sample_rate``."""
        ...

    def dropped_characters(self, text: str) -> Counter[str]:
        """Return the characters of ``text`` the model would silently drop, with counts."""
        ...

    def close(self) -> None:
        """Free the model (the bulletin is mixed after the last segment is spoken)."""
        ...


def release_memory(collect: bool = True) -> None:
    """Hand freed heap pages back to the OS (glibc keeps them otherwise), after a garbage collection.

    Called after loading a model (its checkpoint was read into memory and copied into
    the weights), after each segment (``collect=False``: a few ms; the sentences' varying
    lengths fragment the heap) and after the last segment, so the peak RSS of a bulletin
    is the larger of synthesis and mixing, not their sum.
    """
    import ctypes
    import gc

    if collect:
        gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        pass


@dataclass(frozen=True)
class VoiceOptions:
    """How to run a voice, from the command line."""

    device: str = "cpu"
    """"cpu" or "cuda"."""
    threads: int | None = None
    """Torch intra-op threads; None keeps torch's default (all cores)."""
    speaker_wav: Path | None = None
    """Reference recording for voice-cloning models (XTTS)."""
    agree_licence: bool = False
    """The user agreed to the model's licence (needed for XTTS)."""
    engine: str | None = None
    """How a Coqui VITS runs: "bf16", "torch" or "onnx"; None is the default (bulletin.defaults.ENGINE)."""
    cache_dir: Path | None = None
    """Where the ONNX export is kept; None is the default cache directory."""
    speed: float | None = None
    """Speaking rate multiplier (bulletin.defaults.SPEED_RANGE); None is the preset's own (1 unless it sets one)."""

    def speed_for(self, preset: VoicePreset) -> float:
        """Return the speaking rate a voice of ``preset`` runs at: this option, else the preset's."""
        return preset.speed if self.speed is None else self.speed


def alphabet_with_capitals(vocab: str) -> frozenset[str]:
    """Return ``vocab`` and the capitals of its letters (Coqui's cleaners lower-case the text first)."""
    return frozenset(vocab) | frozenset(c.upper() for c in vocab if len(c.upper()) == 1)


def declared_alphabet(preset: VoicePreset) -> frozenset[str]:
    """Return the alphabet a preset declares, or ordinary French for a phonemising engine."""
    if preset.alphabet:
        return alphabet_with_capitals(preset.alphabet)
    from bulletin.text.normalize import FRENCH_ALPHABET

    return FRENCH_ALPHABET


def model_checkpoint(directory: Path) -> Path | None:
    """Return a Coqui model directory's checkpoint (``model.pth`` first, else the first ``*.pth``), or None."""
    checkpoints = sorted(Path(directory).glob("*.pth"), key=lambda path: (path.name != "model.pth", path.name))
    return checkpoints[0] if checkpoints else None
