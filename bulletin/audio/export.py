"""Encode a master to bytes in the formats a speech API client asks for: mp3, wav, flac, opus, aac, pcm.

MP3, WAV and FLAC go through ``encode.write_audio`` (the same encoders and checks as a
bulletin); Opus (in Ogg) and AAC (ADTS) through the ffmpeg binary of the imageio-ffmpeg
wheel; pcm is what OpenAI's API sends: raw signed 16-bit little-endian mono at 24 kHz.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bulletin import defaults
from bulletin.audio.encode import Tags, write_audio
from bulletin.audio.io import RATE_HZ, resample
from bulletin.errors import AudioError

MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "opus": "audio/ogg; codecs=opus",
    "aac": "audio/aac",
    "pcm": "audio/pcm",
}
"""What each format is sent as (Content-Type)."""
PCM_RATE_HZ = 24000
"""OpenAI's pcm format: 24 kHz, 16-bit signed little-endian, mono."""
_FFMPEG = {
    "opus": ["-c:a", "libopus", "-b:a", "64k", "-f", "ogg"],
    "aac": ["-c:a", "aac", "-b:a", "128k", "-f", "adts"],
}


def encode_bytes(samples: np.ndarray, audio_format: str, tags: Tags, target_lufs: float) -> bytes:
    """Return mastered mono float32 ``samples`` (44.1 kHz) encoded as ``audio_format`` (a key of MEDIA_TYPES)."""
    if audio_format not in MEDIA_TYPES:
        raise AudioError(f"unknown format {audio_format!r}; use one of {', '.join(MEDIA_TYPES)}")
    samples = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    if audio_format == "pcm":
        pcm = np.round(resample(samples, RATE_HZ, PCM_RATE_HZ).clip(-1.0, 32767 / 32768) * 32768)
        return pcm.astype("<i2").tobytes()
    if audio_format in _FFMPEG:
        return _ffmpeg(samples, _FFMPEG[audio_format])
    with tempfile.TemporaryDirectory(prefix="bulletin-speech-") as folder:
        path = Path(folder) / f"speech.{audio_format}"
        write_audio(path, samples, audio_format, tags, [], target_lufs, defaults.BITRATE_KBPS, None)
        return path.read_bytes()


def _ffmpeg(samples: np.ndarray, arguments: list[str]) -> bytes:
    """Return ``samples`` encoded by ffmpeg with ``arguments`` (codec, bitrate, container)."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "f32le", "-ar", str(RATE_HZ)]
    command += ["-ac", "1", "-i", "-", *arguments, "-"]
    done = subprocess.run(command, input=samples.tobytes(), capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise AudioError(f"cannot encode the speech ({reason[0][:120]})")
    return done.stdout
