"""Audio in and out of numpy: decoding any file ffmpeg reads, resampling, pydub wired to a pip ffmpeg."""

from __future__ import annotations

import warnings
from math import gcd
from pathlib import Path

import numpy as np

from bulletin.errors import AudioError

RATE_HZ = 44100
"""The rate every bulletin is mixed, mastered and encoded at."""


def resample(samples: np.ndarray, rate_hz: int, target_hz: int = RATE_HZ) -> np.ndarray:
    """Return ``samples`` at ``target_hz`` (polyphase filter, no aliasing)."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate_hz == target_hz:
        return samples
    from scipy.signal import resample_poly

    divisor = gcd(rate_hz, target_hz)
    return resample_poly(samples, target_hz // divisor, rate_hz // divisor).astype(np.float32)


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


def to_pydub(samples: np.ndarray, audio_segment_class):
    pcm = np.round(np.clip(samples.astype(np.float64), -1.0, (2**31 - 1) / 2**31) * 2**31).astype(np.int32)
    return audio_segment_class(data=pcm.tobytes(), sample_width=4, frame_rate=RATE_HZ, channels=1)
