"""Shared test helpers, in one module (test files never import each other).

- the checkout's paths and the real command line (``run_bulletin``);
- the test voice builder from ``scripts/testvoice.py``;
- a voiced-speech stand-in signal (``speech_like``);
- bulletin-shaped MP3s plus sidecars for the feed, serve and playback tests (``make_bulletin``);
- ``kokoro_assets_or_skip``;
- a real full file system (``full_filesystem``: a small tmpfs, mounted as root) and a short article.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bulletin.publish.channel import Channel

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "rhc-kazakhstan.txt"
sys.path.insert(0, str(ROOT / "scripts"))
from testvoice import build_test_voice  # noqa: E402  (scripts/ is not a package)

__all__ = ["build_test_voice"]

RATE_HZ = 44100


def make_channel(**overrides) -> Channel:
    """Return a complete test Channel."""
    values = dict(
        title="Le journal de test",
        description="Bulletins générés pour les tests.",
        author="Radio Test",
        owner_email="test@example.org",
        base_url="https://example.org/podcast",
    )
    values.update(overrides)
    return Channel(**values)


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def make_bulletin(
    directory: Path,
    stem: str = "2026-11-25-le-president-kazakh",
    seconds: float = 3.0,
    title: str | None = "Le président kazakh en visite",
    description: str | None = "Le président du Kazakhstan, Kassym-Jomart Tokaïev, est arrivé à La Havane.",
    freq_hz: float = 440.0,
    sidecars: tuple = ("vtt", "srt", "chapters", "script"),
    chapters: list | None = None,
    id3_chapters: bool = False,
) -> Path:
    """Write ``directory/<stem>.mp3`` (a tone) with tags and the requested sidecars; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    audio = directory / f"{stem}.mp3"
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    samples = (0.3 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    soundfile.write(
        audio,
        samples,
        RATE_HZ,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=0.6667,
        bitrate_mode="CONSTANT",
    )
    if chapters is None:
        chapters = [(0.0, "Titre"), (round(seconds / 2, 3), "Le récit")]

    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TLAN, TPE1, CTOCFlags

    tags = ID3()
    if title is not None:
        tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text="Radio Test"))
    tags.add(TALB(encoding=3, text="Le journal de test"))
    tags.add(TDRC(encoding=3, text=stem[:10] if stem[:4].isdigit() else "2026-11-25"))
    tags.add(TLAN(encoding=3, text="fra"))
    if description is not None:
        tags.add(COMM(encoding=3, lang="fra", desc="", text=description))
    if id3_chapters:
        ids = []
        for number, (start_s, chapter_title) in enumerate(chapters):
            end_s = chapters[number + 1][0] if number + 1 < len(chapters) else seconds
            ids.append(f"ch{number}")
            tags.add(
                CHAP(
                    element_id=f"ch{number}",
                    start_time=int(start_s * 1000),
                    end_time=int(end_s * 1000),
                    sub_frames=[TIT2(encoding=3, text=chapter_title)],
                )
            )
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids))
    tags.save(audio, v2_version=4)

    cues = [
        (start, chapters[i + 1][0] if i + 1 < len(chapters) else seconds, text)
        for i, (start, text) in enumerate(chapters)
    ]
    if "vtt" in sidecars:
        body = "".join(f"{_vtt_time(a)} --> {_vtt_time(b)}\n{text}\n\n" for a, b, text in cues)
        (directory / f"{stem}.vtt").write_text("WEBVTT\n\n" + body, encoding="utf-8")
    if "srt" in sidecars:
        body = "".join(
            f"{n}\n{_vtt_time(a).replace('.', ',')} --> {_vtt_time(b).replace('.', ',')}\n{text}\n\n"
            for n, (a, b, text) in enumerate(cues, 1)
        )
        (directory / f"{stem}.srt").write_text(body, encoding="utf-8")
    if "chapters" in sidecars:
        payload = {"version": "1.2.0", "chapters": [{"startTime": s, "title": c} for s, c in chapters]}
        (directory / f"{stem}.chapters.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    if "script" in sidecars:
        payload = {
            "title": title or "",
            "segments": [{"role": "body", "text": c, "start_s": a, "end_s": b} for a, b, c in cues],
        }
        (directory / f"{stem}.script.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return audio


def run_bulletin(
    *args: str, cwd: Path | None = None, env: dict | None = None, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run the real command line (``python -m bulletin``) and capture its output."""
    environment = dict(os.environ, **(env or {}))
    environment.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "bulletin", *map(str, args)],
        cwd=cwd or ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def speech_like(seconds: float, seed: int = 0, rate: int = RATE_HZ) -> np.ndarray:
    """A voiced-speech stand-in: a 120-180 Hz harmonic buzz, syllable-rate amplitude modulation."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = 150 + 30 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    buzz = sum(np.sin(k * phase) / k for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    return (0.2 * buzz * syllables).astype(np.float32)


def kokoro_assets_or_skip() -> None:
    """Skip (never download) unless the model and the voice are in a data directory."""
    from bulletin.engines.presets import get_preset
    from bulletin.locations import data_dirs, find_data_file

    preset = get_preset("fr-siwis")
    model = find_data_file(f"kokoro/{preset.model}")
    voice = find_data_file(f"kokoro/{preset.speaker}.npz") or find_data_file("kokoro/voices-v1.0.bin")
    if model is None or voice is None:
        looked = ", ".join(str(d) for d in data_dirs())
        pytest.skip(f"Kokoro assets not found in {looked}: run `python scripts/assemble_assets.py` to build them")


SHORT_ARTICLE = """# Le président kazakh confirme une tentative de coup d'État

Astana, 10 janvier (RHC) Le président du Kazakhstan a assuré ce lundi que son pays était confronté à une tentative.

Selon le président, les préparatifs des troubles ont duré longtemps.

Source : RHC
"""
"""Four segments, about 30 s with the tiny voice: the drills' article (the example takes minutes here)."""


def write_short_article(directory: Path, name: str = "court.txt") -> Path:
    """Write SHORT_ARTICLE into ``directory``; return its path."""
    path = Path(directory) / name
    path.write_text(SHORT_ARTICLE, encoding="utf-8")
    return path


@contextlib.contextmanager
def full_filesystem(directory: Path, size: str = "2m", leave_bytes: int = 0) -> Iterator[Path]:
    """Mount a real tmpfs of ``size`` on ``directory``, fill it to ``leave_bytes`` free; unmount after.

    Needs root (CI runs as root): skipped otherwise, with the reason. A mount that fails as root is
    an error, not a skip, so a CI that cannot mount says so.
    """
    if os.geteuid() != 0:
        pytest.skip("a real full file system needs root to mount a tmpfs (run the tests as root, as CI does)")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], check=True)
    try:
        if leave_bytes is not None:
            stats = os.statvfs(directory)
            filler = stats.f_bavail * stats.f_frsize - leave_bytes
            if filler > 0:
                with open(directory / "filler", "wb") as handle:
                    handle.write(b"\0" * filler)
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def free_bytes(directory: Path) -> int:
    """Return the bytes free on the file system of ``directory``."""
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize
