"""Encode the master: MP3 (ID3v2.4 tags, artwork, CHAP/CTOC chapters), WAV, FLAC or OGG, read back and measured.

Every file is written to a temp file in the target directory and renamed into
place, so a failure never leaves a half-written output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bulletin import defaults
from bulletin.audio.io import RATE_HZ
from bulletin.audio.loudness import LoudnessMeter, PeakEnvelope
from bulletin.audio.stream import CHUNK
from bulletin.audio.timeline import Chapter
from bulletin.errors import AudioError, OutputError
from bulletin.files import atomic_path
from bulletin.timecode import timestamp

MP3_PRESCALE = 0.95
"""LAME (inside libsndfile and ffmpeg) scales CBR input below 320 kbps by 0.95; we compensate."""


@dataclass(frozen=True)
class Measurement:
    """What a listener's player sees in an encoded file, decoded and measured."""

    duration_s: float
    """Decoded duration."""
    loudness_lufs: float
    """Integrated loudness (BS.1770-4)."""
    true_peak_db: float
    """True peak, 4x oversampled."""
    loudness_range_lu: float
    """Loudness range (EBU Tech 3342)."""


@dataclass(frozen=True)
class Tags:
    """What the ID3 tags say about a bulletin."""

    title: str
    """TIT2: the headline."""
    station: str = defaults.STATION
    """TPE1: station or author; empty writes the show name there."""
    show: str = defaults.SHOW
    """TALB: the show."""
    date: str = ""
    """TDRC: ISO date, YYYY-MM-DD."""
    description: str = ""
    """COMM: the lead, as written."""
    language: str = "fra"
    """TLAN: ISO 639-2 language."""


Blocks = Callable[[], Iterable[np.ndarray]]
"""Called once per encoding: yields the master in consecutive chunks (mono float32 at RATE_HZ)."""


def _blocks_of(samples) -> Blocks:
    """Return ``samples`` as Blocks: a Blocks callable as is, an array a chunk at a time."""
    if callable(samples):
        return samples
    samples = np.asarray(samples, dtype=np.float32)
    return lambda: (samples[start : start + CHUNK] for start in range(0, samples.size, CHUNK))


def encode_mp3(path: Path, samples, bitrate_kbps: int = defaults.BITRATE_KBPS, gain: float = 1.0) -> None:
    """Encode mono float32 ``samples`` (an array or Blocks) at 44.1 kHz as CBR MP3 (libsndfile's LAME) into ``path``.

    Chosen by measurement over ffmpeg's LAME (imageio-ffmpeg): ffmpeg encodes faster
    (1.0 s against 3.0 s for 254 s of speech) but its decoded true peak overshot the
    master by 1.8 dB where libsndfile's overshot by 0.2 dB. libsndfile writes a Xing/LAME
    header, so players read the exact duration. The input is divided by the encoder's
    0.95 pre-scale so the decoded file has the loudness that was mastered; ``gain``
    (linear) is applied first. The encoder is fed a block at a time.
    """
    low, high = defaults.BITRATE_RANGE_KBPS
    if not low <= bitrate_kbps <= high:
        raise OutputError(
            f"bitrate {bitrate_kbps} kbps is out of range; use {defaults.span(defaults.BITRATE_RANGE_KBPS)}"
        )
    level = (320 - bitrate_kbps) / 288  # libsndfile maps compression_level 0..1 to 320..32 kbps CBR
    prescale = np.float32(MP3_PRESCALE if bitrate_kbps < 320 else 1.0)
    settings = dict(format="MP3", subtype="MPEG_LAYER_III", compression_level=level, bitrate_mode="CONSTANT")
    _write_blocks(path, _blocks_of(samples), settings, gain, prescale)


def _write_blocks(path: Path, blocks: Blocks, settings: dict, gain: float = 1.0, prescale=None) -> None:
    """Write ``blocks`` to ``path`` with soundfile, a block at a time, clipped to full scale."""
    import soundfile

    with soundfile.SoundFile(path, "w", RATE_HZ, 1, **settings) as encoder:
        for block in blocks():
            scaled = block * np.float32(gain) if gain != 1.0 else np.array(block, dtype=np.float32)
            if prescale is not None:
                scaled /= prescale
            encoder.write(np.clip(scaled, -1.0, 1.0, out=scaled))


def measure_file(path: Path) -> Measurement:
    """Return what a listener's player sees: decoded duration, loudness and true peak (decoded a block at a time)."""
    import soundfile

    with soundfile.SoundFile(path) as decoded:
        rate = decoded.samplerate
        meter = LoudnessMeter(rate)
        envelope = PeakEnvelope()
        for block in decoded.blocks(blocksize=CHUNK, dtype="float32", always_2d=True):
            mono = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
            meter.feed(mono)
            envelope.feed(mono)
        envelope.finish()
    peak = envelope.peak
    return Measurement(
        duration_s=meter.count / rate,
        loudness_lufs=meter.integrated_lufs(),
        true_peak_db=20 * np.log10(peak) if peak > 0 else float("-inf"),
        loudness_range_lu=meter.range_lu(),
    )


def refuse_empty(measured: Measurement, what: str) -> Measurement:
    """Return ``measured`` (from ``measure_file``), or raise AudioError if the file is empty or silent."""
    if measured.duration_s < 0.5 or not np.isfinite(measured.loudness_lufs):
        raise AudioError(f"the encoded {what} is empty or silent; nothing was written")
    return measured


def tag_mp3(path: Path, tags: Tags, chapters: list[Chapter], duration_s: float, artwork: bytes | None = None) -> None:
    """Write ID3v2.4 tags to ``path``: text frames, artwork and CHAP/CTOC chapters."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TLAN, TPE1, CTOCFlags

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.station or tags.show))
    id3.add(TALB(encoding=3, text=tags.show))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(TLAN(encoding=3, text=tags.language))
    if tags.description:
        id3.add(COMM(encoding=3, lang="fra", desc="", text=tags.description))
    if artwork:
        mime = "image/png" if artwork[:4] == b"\x89PNG" else "image/jpeg"
        id3.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=artwork))
    ids = [f"chp{number}" for number in range(len(chapters))]
    for number, chapter in enumerate(chapters):
        end_s = chapters[number + 1].start_s if number + 1 < len(chapters) else duration_s
        id3.add(
            CHAP(
                element_id=ids[number],
                start_time=int(round(chapter.start_s * 1000)),
                end_time=int(round(end_s * 1000)),
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    if chapters:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=3, text=tags.title)],
            )
        )
    id3.save(path, v2_version=4)


def write_mp3(
    path: Path,
    samples,
    tags: Tags,
    chapters: list[Chapter],
    target_lufs: float,
    bitrate_kbps: int = defaults.BITRATE_KBPS,
    artwork: bytes | None = None,
) -> Measurement:
    """Encode ``samples`` (an array or Blocks), tag, check and atomically place the MP3; return its measurements.

    If the decoded loudness misses the target by more than 0.2 LU (the encoder's
    low-pass takes some energy), the gain is corrected once and the file re-encoded.
    """
    blocks = _blocks_of(samples)
    with atomic_path(path) as temp:
        encode_mp3(temp, blocks, bitrate_kbps)
        measured = measure_file(temp)
        error_lu = target_lufs - measured.loudness_lufs
        if np.isfinite(error_lu) and 0.2 < abs(error_lu) < 2.0:
            encode_mp3(temp, blocks, bitrate_kbps, gain=10 ** (error_lu / 20))
            measured = measure_file(temp)
        refuse_empty(measured, "MP3")
        tag_mp3(temp, tags, chapters, measured.duration_s, artwork)
    return measured


def write_audio(
    path: Path,
    samples,
    audio_format: str,
    tags: Tags,
    chapters: list[Chapter],
    target_lufs: float,
    bitrate_kbps: int = defaults.BITRATE_KBPS,
    artwork: bytes | None = None,
) -> Measurement:
    """Write the master (an array or Blocks) as mp3 (tagged, chaptered), wav (24-bit), flac (24-bit) or ogg (Vorbis).

    Returns the decoded file's measurements. Every format is written a block at a time
    (libsndfile's Vorbis writer also crashes on one long write).
    """
    if audio_format == "mp3":
        return write_mp3(path, samples, tags, chapters, target_lufs, bitrate_kbps, artwork)
    formats = {"wav": ("WAV", "PCM_24"), "flac": ("FLAC", "PCM_24"), "ogg": ("OGG", "VORBIS")}
    if audio_format not in formats:
        raise OutputError(f"unknown format {audio_format!r}; use mp3, wav, flac or ogg")
    container, subtype = formats[audio_format]
    with atomic_path(path) as temp:
        # in blocks (2^20 frames): libsndfile's Vorbis writer overflows the stack (a segfault, no
        # exception) when handed more than ~40 s in one call (python-soundfile #426, libsndfile #1095)
        _write_blocks(temp, _blocks_of(samples), dict(format=container, subtype=subtype))
        measured = refuse_empty(measure_file(temp), f"{audio_format} file")
        if audio_format in ("flac", "ogg"):
            tag_vorbis(temp, audio_format, tags, chapters, artwork)
    return measured


def tag_vorbis(path: Path, audio_format: str, tags: Tags, chapters: list[Chapter], artwork: bytes | None) -> None:
    """Write Vorbis comments (title, artist, album, date, language, description, chapters, cover) to FLAC/OGG."""
    import base64

    from mutagen.flac import FLAC, Picture
    from mutagen.oggvorbis import OggVorbis

    audio = FLAC(path) if audio_format == "flac" else OggVorbis(path)
    audio.update(
        {
            "TITLE": tags.title,
            "ARTIST": tags.station or tags.show,
            "ALBUM": tags.show,
            "DATE": tags.date,
            "LANGUAGE": tags.language,
            "DESCRIPTION": tags.description,
        }
    )
    for number, chapter in enumerate(chapters, 1):  # the Vorbis chapter convention
        audio[f"CHAPTER{number:03d}"] = timestamp(chapter.start_s)
        audio[f"CHAPTER{number:03d}NAME"] = chapter.title
    if artwork:
        picture = Picture()
        picture.type, picture.data = 3, artwork
        picture.mime = "image/png" if artwork[:4] == b"\x89PNG" else "image/jpeg"
        if audio_format == "flac":
            audio.add_picture(picture)
        else:
            audio["METADATA_BLOCK_PICTURE"] = base64.b64encode(picture.write()).decode("ascii")
    audio.save()
