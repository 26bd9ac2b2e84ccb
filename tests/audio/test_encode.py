"""Export: a real CBR MP3 read back by mutagen and soundfile, tags and chapters, transcripts, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode

from bulletin.audio import encode, io, loudness, master, sidecars, timeline
from bulletin.errors import OutputError

from helpers import ffmpeg_loudness, speech_like


@pytest.fixture
def mastered():
    return master.master(speech_like(12.0, 4), -16.0, -1.0)


def test_mp3_is_cbr_44k_mono_tagged_and_on_target(tmp_path, mastered):
    path = tmp_path / "b.mp3"
    chapters = [
        timeline.Chapter(s, t) for s, t in [(0.0, "Générique"), (3.0, "Titre"), (6.5, "Chapeau"), (10.0, "Fin")]
    ]
    tags = encode.Tags(title="Coup d'État & crise", station="Radio Test", date="2026-11-25", description="Le chapeau.")
    measured = encode.write_mp3(path, mastered, tags, chapters, target_lufs=-16.0, bitrate_kbps=96)
    info = MP3(path).info
    assert (info.sample_rate, info.channels, info.bitrate, info.bitrate_mode) == (44100, 1, 96000, BitrateMode.CBR)
    assert info.length == pytest.approx(12.0, abs=0.05)
    assert abs(measured.loudness_lufs + 16.0) < 0.3 and measured.true_peak_db <= -1.0
    id3 = ID3(path)
    assert id3.version[:2] == (2, 4)
    assert str(id3["TIT2"]) == "Coup d'État & crise" and str(id3["TPE1"]) == "Radio Test"
    assert str(id3["TDRC"]) == "2026-11-25" and str(id3["TLAN"]) == "fra"
    assert id3.getall("COMM")[0].text == ["Le chapeau."]
    chaps = sorted(id3.getall("CHAP"), key=lambda frame: frame.start_time)
    assert [(c.start_time, str(c.sub_frames["TIT2"])) for c in chaps] == [
        (0, "Générique"),
        (3000, "Titre"),
        (6500, "Chapeau"),
        (10000, "Fin"),
    ]
    assert chaps[-1].end_time == pytest.approx(12000, abs=60)
    toc = id3.getall("CTOC")[0]
    assert toc.child_element_ids == [c.element_id for c in chaps]


def test_failed_write_leaves_nothing(tmp_path, mastered, monkeypatch):
    path = tmp_path / "b.mp3"

    def broken(*args, **kwargs):
        raise RuntimeError("encoder crashed")

    monkeypatch.setattr(encode, "tag_mp3", broken)
    with pytest.raises(RuntimeError):
        encode.write_mp3(path, mastered, encode.Tags(title="t"), [], -16.0)
    assert list(tmp_path.iterdir()) == []


def test_missing_output_directory(tmp_path, mastered):
    with pytest.raises(OutputError, match="no such directory"):
        encode.write_mp3(tmp_path / "nope" / "b.mp3", mastered, encode.Tags(title="t"), [], -16.0)


def test_transcripts_and_chapters_files():
    placements = [
        timeline.Placement("headline", "Titre du jour.", 3.55, 5.2),
        timeline.Placement("lead", "Astana, dix janvier.", 6.1, 3661.25),
    ]
    vtt = sidecars.vtt_text(placements)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:03.550 --> 00:00:05.200\nTitre du jour.\n")
    assert "01:01:01.250" in vtt
    srt = sidecars.srt_text(placements)
    assert srt.startswith("1\n00:00:03,550 --> 00:00:05,200\nTitre du jour.\n")
    chapters = json.loads(sidecars.chapters_json([timeline.Chapter(0.0, "Générique"), timeline.Chapter(3.55, "Titre")]))
    assert chapters == {
        "version": "1.2.0",
        "chapters": [{"startTime": 0.0, "title": "Générique"}, {"startTime": 3.55, "title": "Titre"}],
    }
    script = json.loads(sidecars.script_json("T", placements))
    assert script["segments"][1] == {
        "role": "lead",
        "text": "Astana, dix janvier.",
        "written": "Astana, dix janvier.",
        "start_s": 6.1,
        "end_s": 3661.25,
        "paragraph": -1,
        "cut": "sentence",
    }


@pytest.mark.parametrize("bitrate_kbps", [64, 128, 192])
def test_encoder_prescale_is_compensated(tmp_path, mastered, bitrate_kbps):
    """The decoded MP3 keeps the master's loudness and peak (LAME's 0.95 pre-scale undone), as ffmpeg measures it."""
    path = tmp_path / "raw.mp3"
    encode.encode_mp3(path, mastered, bitrate_kbps)
    decoded = encode.measure_file(path)
    ffmpeg_lufs, ffmpeg_peak = ffmpeg_loudness(path)
    assert decoded.loudness_lufs == pytest.approx(loudness.loudness_lufs(mastered), abs=0.3)
    assert ffmpeg_lufs == pytest.approx(loudness.loudness_lufs(mastered), abs=0.3)  # not 0.45 dB quieter
    assert decoded.true_peak_db == pytest.approx(ffmpeg_peak, abs=0.3)  # our true peak is ffmpeg's
    assert decoded.true_peak_db == pytest.approx(loudness.true_peak_db(mastered), abs=0.5)
    assert MP3(path).info.bitrate == pytest.approx(bitrate_kbps * 1000, abs=1000)


@pytest.mark.parametrize("audio_format", ["mp3", "flac"])
def test_a_silent_master_is_refused_and_nothing_is_written(tmp_path, audio_format):
    from bulletin.errors import AudioError

    path = tmp_path / f"b.{audio_format}"
    with pytest.raises(AudioError, match="empty or silent; nothing was written"):
        encode.write_audio(path, np.zeros(5 * io.RATE_HZ, np.float32), audio_format, encode.Tags(title="T"), [], -16.0)
    assert list(tmp_path.iterdir()) == []  # not even a temp file


def test_a_four_minute_ogg_is_written_whole_with_its_chapters(tmp_path):
    """libsndfile's Vorbis writer segfaulted on > ~40 s given in one call: run it in a child so a crash fails here."""
    import subprocess
    import sys
    import textwrap

    path = tmp_path / "b.ogg"
    child = textwrap.dedent(
        f"""
        import numpy as np
        from bulletin.audio import encode, timeline
        from helpers import speech_like

        samples = np.tile(speech_like(10.0, 5), 24)  # 240 s
        chapters = [timeline.Chapter(0.0, "Générique"), timeline.Chapter(120.0, "Grève à la SNCF")]
        encode.write_audio({str(path)!r}, samples, "ogg", encode.Tags(title="Journal"), chapters, -16.0)
        """
    )
    tests_dir = str(Path(__file__).resolve().parent.parent)
    result = subprocess.run(
        [sys.executable, "-c", child],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": tests_dir},
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr[-2000:]}"
    import soundfile
    from mutagen.oggvorbis import OggVorbis

    info = soundfile.info(str(path))
    assert (info.format, info.subtype, info.samplerate) == ("OGG", "VORBIS", 44100)
    assert info.duration == pytest.approx(240.0, abs=0.05)
    tags = OggVorbis(path)
    assert tags["CHAPTER002"] == ["00:02:00.000"] and tags["CHAPTER002NAME"] == ["Grève à la SNCF"]
    assert [p.name for p in tmp_path.iterdir()] == ["b.ogg"]  # no temp file left beside it
