"""`bulletin play`: a clear, quick failure without a sound device; progress and chapters with one."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bulletin.audio.timeline import Chapter
from bulletin.errors import AudioError
from bulletin.publish.playback import chapter_at, play

from helpers import ROOT, make_bulletin

REPO = ROOT


def has_sound_device() -> bool:
    """True where miniaudio can open a real output device (then the no-device tests do not apply)."""
    code = (
        "import miniaudio, os\nos.dup2(os.open(os.devnull, os.O_WRONLY), 2)\n"
        "try:\n    miniaudio.PlaybackDevice().close()\nexcept Exception:\n    raise SystemExit(1)\n"
    )
    try:
        return subprocess.run([sys.executable, "-c", code], timeout=10).returncode == 0
    except subprocess.TimeoutExpired:
        return False


no_device_only = pytest.mark.skipif(has_sound_device(), reason="this machine has a sound device")


def run_cli(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", "from bulletin.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    return result, time.monotonic() - started


@no_device_only
def test_play_without_a_sound_device_fails_in_one_line_within_5_s(tmp_path):
    audio = make_bulletin(tmp_path, seconds=2.0)
    result, elapsed_s = run_cli("play", str(audio))
    assert result.returncode == 1
    assert elapsed_s < 5.0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # ALSA's own chatter is kept out
    assert lines[0].startswith("error: no sound device")
    assert result.stdout == ""


def test_play_a_missing_or_broken_file_fails_in_one_line(tmp_path):
    result, _ = run_cli("play", str(tmp_path / "missing.mp3"))
    assert result.returncode == 1 and result.stderr.splitlines() == [
        f"error: {tmp_path / 'missing.mp3'}: no such audio file"
    ]
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\0garbage" * 100)
    result, _ = run_cli("play", str(broken))
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "cannot decode" in result.stderr


def test_a_device_that_never_opens_is_a_timeout_not_a_hang(tmp_path, monkeypatch):
    import miniaudio

    def wedged(*args, **kwargs):
        time.sleep(30)

    monkeypatch.setattr(miniaudio, "PlaybackDevice", wedged)
    audio = make_bulletin(tmp_path, seconds=1.0)
    started = time.monotonic()
    with pytest.raises(AudioError, match="did not open within 0.5 s"):
        play(audio, open_timeout_s=0.5)
    assert time.monotonic() - started < 2.0


def test_play_reports_elapsed_time_and_current_chapter(tmp_path):
    import miniaudio

    audio = make_bulletin(tmp_path, seconds=1.2, chapters=[(0.0, "Titre"), (0.6, "Le récit")])
    seen = []
    played_s = play(
        audio, on_progress=lambda e, d, c: seen.append((e, d, c)), backends=[miniaudio.Backend.NULL]
    )  # miniaudio's null device keeps real time
    assert played_s == pytest.approx(1.2, abs=0.05)
    elapsed = [e for e, _, _ in seen]
    assert elapsed == sorted(elapsed) and elapsed[-1] == pytest.approx(1.2, abs=0.05)
    assert all(d == pytest.approx(1.2, abs=0.05) for _, d, _ in seen)
    titles = [c for _, _, c in seen]
    assert titles[0] == "Titre" and titles[-1] == "Le récit"
    assert all(title == ("Titre" if e < 0.6 else "Le récit") for e, _, title in seen)


def test_chapters_come_from_id3_when_there_is_no_json(tmp_path):
    import miniaudio

    audio = make_bulletin(
        tmp_path, seconds=0.8, sidecars=(), id3_chapters=True, chapters=[(0.0, "Ouverture"), (0.4, "Récit")]
    )
    seen = []
    play(audio, on_progress=lambda e, d, c: seen.append(c), backends=[miniaudio.Backend.NULL])
    assert seen[-1] == "Récit"


@pytest.mark.parametrize("elapsed_s, title", [(0.0, "A"), (0.99, "A"), (1.0, "B"), (5.0, "C"), (99.0, "C")])
def test_chapter_at(elapsed_s, title):
    chapters = [Chapter(0.0, "A"), Chapter(1.0, "B"), Chapter(5.0, "C")]
    assert chapter_at(chapters, elapsed_s) == title
    assert chapter_at([], elapsed_s) == ""


@no_device_only
def test_generate_play_makes_the_bulletin_then_fails_in_one_line_without_a_device(tmp_path, tiny_voice_dir):
    """--play after generate: the bulletin is written, then playback says there is no sound device (exit 1)."""
    from helpers import run_bulletin

    article = tmp_path / "a.txt"
    article.write_text("Titre\n\nUn paragraphe.\n", encoding="utf-8")
    out = tmp_path / "b.mp3"
    args = ("generate", article, "--voice", tiny_voice_dir, "-o", out, "--cache-dir", tmp_path / "cache")
    result = run_bulletin(*args, "--play")
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: no sound device")
    assert result.stdout.startswith(f"{out}: ") and out.is_file()  # made first, then the playback failed
    silent = run_bulletin(*args, "--force")  # the same output again: replacing it takes --force
    assert silent.returncode == 0 and silent.stderr == ""  # without --play nothing tries the device
