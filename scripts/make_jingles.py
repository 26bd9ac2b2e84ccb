"""The bundled intro, outro and stinger, synthesised here (no third-party audio).

    python scripts/make_jingles.py [DIR]    # rewrites bulletin/assets/*.flac

A short musical motif per jingle: bell-like voices (a few inharmonic partials with
exponential decay and a soft attack) over a warm pad, with a touch of reverb.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import numpy as np

from bulletin.assets import JINGLES
from bulletin.audio.io import RATE_HZ

# (start_s, midi note, velocity) — intro rises (D major arpeggio, news-like), outro resolves down.
_MOTIFS = {
    "intro": (
        [(0.00, 62, 0.8), (0.18, 66, 0.8), (0.36, 69, 0.85), (0.54, 74, 1.0), (1.10, 78, 0.7), (1.10, 81, 0.6)],
        [50, 57, 62, 66],
        3.2,
    ),
    "outro": (
        [(0.00, 81, 0.8), (0.20, 78, 0.75), (0.40, 74, 0.8), (0.60, 69, 0.85), (1.00, 74, 0.9), (1.00, 62, 0.7)],
        [50, 57, 62, 69],
        3.0,
    ),
    "stinger": ([(0.00, 74, 0.8), (0.14, 81, 0.9)], [], 1.1),
}


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _bell(frequency: float, length_s: float, velocity: float) -> np.ndarray:
    t = np.arange(int(length_s * RATE_HZ)) / RATE_HZ
    # Partials of a soft mallet: fundamental, octave, a slightly sharp twelfth, a faint high partial.
    partials = ((1.0, 1.0, 1.6), (2.0, 0.45, 2.4), (3.01, 0.18, 3.5), (4.2, 0.08, 6.0))
    tone = sum(gain * np.exp(-decay * t) * np.sin(2 * np.pi * frequency * ratio * t) for ratio, gain, decay in partials)
    attack = np.minimum(1.0, t / 0.006)  # 6 ms attack: no click
    return (velocity * attack * tone).astype(np.float32)


def _pad(notes: list[int], length_s: float) -> np.ndarray:
    t = np.arange(int(length_s * RATE_HZ)) / RATE_HZ
    envelope = np.minimum(1.0, t / 0.5) * np.minimum(1.0, (length_s - t) / 1.2).clip(0)
    chord = sum(
        np.sin(2 * np.pi * _hz(n) * t + 0.3 * np.sin(2 * np.pi * 0.8 * t)) * (0.5 if n < 55 else 0.3) for n in notes
    )
    return (0.12 * envelope * chord).astype(np.float32)


def _reverb(signal: np.ndarray, seconds: float = 1.2, mix: float = 0.18) -> np.ndarray:
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    impulse = rng.standard_normal(t.size) * np.exp(-t * 5.0)
    impulse /= np.sqrt(np.sum(impulse**2))
    from scipy.signal import fftconvolve

    wet = fftconvolve(signal, impulse)[: signal.size]
    return (1 - mix) * signal + mix * wet


def render(name: str) -> np.ndarray:
    """Return the jingle ``name`` as mono float32 at RATE_HZ, peak -3 dBFS, faded at both ends."""
    notes, pad_notes, length_s = _MOTIFS[name]
    out = np.zeros(int(length_s * RATE_HZ), dtype=np.float32)
    for start_s, midi, velocity in notes:
        tone = _bell(_hz(midi), length_s - start_s, velocity)
        begin = int(start_s * RATE_HZ)
        out[begin : begin + tone.size] += tone[: out.size - begin]
    if pad_notes:
        out += _pad(pad_notes, length_s)
    out = _reverb(out).astype(np.float32)
    fade = int(0.4 * RATE_HZ)
    out[-fade:] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade))).astype(np.float32)  # no kink, no click
    return (out / np.max(np.abs(out)) * 10 ** (-3 / 20)).astype(np.float32)


def write_all(directory: Path) -> list[Path]:
    """Render every jingle into ``directory`` as 24-bit FLAC; return the paths."""
    import soundfile

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in JINGLES:
        path = directory / f"{name}.flac"
        soundfile.write(path, render(name), RATE_HZ, subtype="PCM_24")
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(str(resources.files("bulletin.assets")))
    for written in write_all(target):
        print(written)
