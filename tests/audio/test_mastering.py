"""Broadcast mastering end to end: loudness per preset measured by ffmpeg's ebur128, tags, chapters,
transcripts that agree with the mix, the quality gate, beds, user jingles and other formats."""

from __future__ import annotations

import json
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile
import webvtt
from mutagen.id3 import ID3

from bulletin.assets import jingle_path
from bulletin.audio import encode, io, layout, master
from bulletin.errors import AudioError
from bulletin.text.segment import Segment

from helpers import ffmpeg_duration_s, ffmpeg_loudness, speech_like

SHORT_ARTICLE = """# Grève des contrôleurs aériens ce jeudi

Paris, 25 novembre (AFP) La direction de l'aviation civile demande aux compagnies
de réduire leurs vols de 30 % jeudi à Orly.

Le mouvement, lancé par le premier syndicat de la profession, porte sur les salaires
et les effectifs. Les négociations reprendront lundi à 10h30.

Des perturbations sont attendues jusqu'au week-end.

(AFP)
"""


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    path = tmp_path_factory.mktemp("article") / "greve.txt"
    path.write_text(SHORT_ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def hot_intro(tmp_path_factory):
    """An intro of 1 ms bursts, one per 400 ms: levelled by its loudness, their peaks are ~29 dB over it."""
    path = tmp_path_factory.mktemp("hot") / "intro.wav"
    t = np.arange(2 * io.RATE_HZ) / io.RATE_HZ
    samples = np.zeros(t.size)
    for start in range(0, t.size, int(0.4 * io.RATE_HZ)):
        burst = slice(start, start + int(0.001 * io.RATE_HZ))
        samples[burst] = np.sin(2 * np.pi * 4000 * t[burst])
    soundfile.write(path, samples.astype(np.float32), io.RATE_HZ)
    return path


@pytest.mark.parametrize(
    ("preset", "target", "ceiling"),
    [("podcast", -16, -1), ("ebu-r128", -23, -1), ("atsc", -24, -2), ("smart-speaker", -14, -2)],
)
def test_loudness_preset_measured_by_ffmpeg(
    tmp_path, cli, article, cache, tiny_voice_dir, hot_intro, preset, target, ceiling
):
    """Each preset's target and ceiling, as the standards set them; the bursts make the ceiling the limit."""
    out = tmp_path / f"{preset}.mp3"
    result = cli(
        "generate",
        article,
        "--voice",
        tiny_voice_dir,
        "-o",
        out,
        "--cache-dir",
        cache,
        "--loudness-preset",
        preset,
        "--intro",
        hot_intro,
        "--json",
    )
    assert result.returncode == 0, result.stderr
    integrated, peak = ffmpeg_loudness(out)
    assert abs(integrated - target) <= 0.5
    assert ceiling - 1.2 <= peak <= ceiling  # limited to the ceiling, not under some other one
    summary = json.loads(result.stdout)
    assert summary["loudness_range_lu"] >= 0


def test_overrides_and_bitrate(tmp_path, cli, article, cache, tiny_voice_dir):
    out = tmp_path / "b.mp3"
    result = cli(
        "generate",
        article,
        "--voice",
        tiny_voice_dir,
        "-o",
        out,
        "--cache-dir",
        cache,
        "--loudness",
        "-19",
        "--true-peak",
        "-3",
        "--bitrate",
        "64",
    )
    assert result.returncode == 0, result.stderr
    integrated, peak = ffmpeg_loudness(out)
    assert abs(integrated + 19) <= 0.5 and peak <= -3
    from mutagen.mp3 import MP3

    assert MP3(out).info.bitrate == 64000


def test_tags_artwork_chapters_and_transcripts_agree(tmp_path, cli, article, cache, tiny_voice_dir):
    import datetime as dt

    out = tmp_path / "b.mp3"
    days_of_the_run = {dt.date.today()}  # the broadcast date is today's (the run may cross midnight)
    result = cli(
        "generate",
        article,
        "--voice",
        tiny_voice_dir,
        "-o",
        out,
        "--cache-dir",
        cache,
        "--station",
        "Radio Test",
        "--show",
        "Le journal",
    )
    days_of_the_run.add(dt.date.today())
    assert result.returncode == 0, result.stderr
    id3 = ID3(out)
    assert str(id3["TPE1"]) == "Radio Test" and str(id3["TALB"]) == "Le journal"
    assert str(id3["TLAN"]) == "fra" and str(id3["TDRC"]) in {str(day) for day in days_of_the_run}
    cover = id3.getall("APIC")[0]
    assert cover.mime == "image/png" and cover.data[:4] == b"\x89PNG"
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(cover.data)).size == (1400, 1400)
    chaps = sorted(id3.getall("CHAP"), key=lambda frame: frame.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chaps]  # one chapter per story, between the jingles'
    assert titles == ["Générique", "Grève des contrôleurs aériens ce jeudi", "Fin"]
    cues = list(webvtt.read(str(out.with_suffix(".vtt"))))
    cue_starts_ms = {_ms(cue.start) for cue in cues}
    story_chaps = [c for c in chaps if str(c.sub_frames["TIT2"]) not in ("Générique", "Fin")]
    for chap in story_chaps:  # every story chapter starts exactly where its first cue starts
        assert min(abs(chap.start_time - start) for start in cue_starts_ms) <= 1
    # the cues show exactly the script's written words, in order
    spoken = json.loads(cli("script", article, "--voice", tiny_voice_dir, "--json").stdout)
    assert " ".join(cue.text.replace("\n", " ") for cue in cues) == " ".join(s["written"] for s in spoken["segments"])
    srt = out.with_suffix(".srt").read_text(encoding="utf-8")
    assert srt.count(" --> ") == len(cues)
    chapters = json.loads(out.with_name("b.chapters.json").read_text(encoding="utf-8"))["chapters"]
    assert [round(c["startTime"] * 1000) for c in chapters] == [c.start_time for c in chaps]


def _ms(timestamp: str) -> int:
    hours, minutes, seconds = timestamp.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


@pytest.fixture(scope="module")
def silent_voice_dir(tmp_path_factory):
    """A tiny VITS whose waveform decoder outputs silence (its last layer zeroed)."""
    import torch

    from helpers import build_test_voice

    directory = build_test_voice(tmp_path_factory.mktemp("silent") / "voice", "tiny")
    checkpoint = torch.load(directory / "model.pth", map_location="cpu", weights_only=False)
    for name, tensor in checkpoint["model"].items():
        if name.startswith("waveform_decoder.conv_post"):
            tensor.zero_()
    torch.save(checkpoint, directory / "model.pth")
    return directory


def test_silent_voice_is_refused_and_nothing_written(tmp_path, cli, article, silent_voice_dir):
    out = tmp_path / "b.mp3"
    result = cli("generate", article, "--voice", silent_voice_dir, "-o", out, "--cache-dir", tmp_path / "cache")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "came out silent" in result.stderr
    assert not list(tmp_path.glob("b*"))


@pytest.fixture(scope="module")
def clipping_voice_dir(tmp_path_factory):
    """A tiny VITS whose waveform decoder is overdriven (last layer x1000): its tanh output sits at full scale."""
    import torch

    from helpers import build_test_voice

    directory = build_test_voice(tmp_path_factory.mktemp("clipping") / "voice", "tiny")
    checkpoint = torch.load(directory / "model.pth", map_location="cpu", weights_only=False)
    for name, tensor in checkpoint["model"].items():
        if name.startswith("waveform_decoder.conv_post"):
            tensor.mul_(1000.0)
    torch.save(checkpoint, directory / "model.pth")
    return directory


def test_clipping_voice_is_refused_and_nothing_written(tmp_path, cli, article, clipping_voice_dir):
    out = tmp_path / "b.mp3"
    result = cli("generate", article, "--voice", clipping_voice_dir, "-o", out, "--cache-dir", tmp_path / "cache")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "segment 1 clips (" in result.stderr
    assert "samples at full scale)" in result.stderr
    assert not list(tmp_path.glob("b*"))


def test_unreachable_loudness_is_refused():
    with pytest.raises(AudioError, match=r"cannot reach -3.0 LUFS under a -9.0 dBTP ceiling \(reached -[\d.]+\); "):
        master.master(speech_like(6.0) * 0.1, -3.0, -9.0)


def overshooting_encoder(monkeypatch, first_calls: int) -> list[float]:
    """Make the encoder's first ``first_calls`` files overshoot: a 20 ms burst at -0.3 dBFS lands in each.

    Returns the headroom of every mastering try, as master_to_file asked for it.
    """
    real_write, real_master = master.write_audio, master.StreamedMaster
    headrooms: list[float] = []

    def write_audio(path, samples, *args, **kwargs):
        if len(headrooms) <= first_calls:
            samples = np.concatenate(list(samples()))  # the master, fed to the encoder in blocks
            t = np.arange(int(0.02 * io.RATE_HZ)) / io.RATE_HZ
            samples[io.RATE_HZ : io.RATE_HZ + t.size] = 10 ** (-0.3 / 20) * np.sin(2 * np.pi * 1000 * t)
        return real_write(path, samples, *args, **kwargs)

    class Mastering(real_master):
        def __init__(self, source, analysis, target_lufs, ceiling_db, headroom_db=0.5):
            headrooms.append(headroom_db)
            super().__init__(source, analysis, target_lufs, ceiling_db, headroom_db)

    monkeypatch.setattr(master, "write_audio", write_audio)
    monkeypatch.setattr(master, "StreamedMaster", Mastering)
    return headrooms


def test_an_encoder_overshoot_is_mastered_again_with_more_headroom(tmp_path, monkeypatch):
    """The true-peak gate: the first file decodes over the ceiling, so the master is redone and re-encoded."""
    headrooms = overshooting_encoder(monkeypatch, first_calls=1)
    out = tmp_path / "b.mp3"
    measured = master.master_to_file(out, speech_like(6.0), "mp3", encode.Tags(title="T"), [], -16.0, -1.0, 128, None)
    integrated, peak = ffmpeg_loudness(out)
    assert peak <= -1.0 and measured.true_peak_db <= -1.0  # the burst is gone: the second try was kept
    assert integrated == pytest.approx(-16.0, abs=0.5)
    assert len(headrooms) == 2 and headrooms[1] > headrooms[0] + 0.2  # more headroom by the overshoot


def test_an_overshoot_that_persists_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    headrooms = overshooting_encoder(monkeypatch, first_calls=99)
    out = tmp_path / "b.mp3"
    with pytest.raises(AudioError, match=r"the encoded file peaks at -0.\d dBTP, over the -1.0 dBTP ceiling"):
        master.master_to_file(out, speech_like(6.0), "mp3", encode.Tags(title="T"), [], -16.0, -1.0, 128, None)
    assert len(headrooms) == 3 and list(tmp_path.iterdir()) == []


def test_bed_is_ducked_under_speech():
    segments = [
        (Segment("headline", "A."), speech_like(2.0, 1)),
        (Segment("lead", "B.", 0), speech_like(3.0, 2)),
        (Segment("body", "C.", 1), speech_like(2.5, 3)),
    ]
    prepared = [(segment, layout.prepare_speech(samples, io.RATE_HZ)) for segment, samples in segments]
    t = np.arange(io.RATE_HZ * 4) / io.RATE_HZ
    bed = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    intro = speech_like(2.0, 5) * 0.3
    dry = layout.assemble(prepared, intro, intro)
    wet = layout.assemble(prepared, intro, intro, bed=bed)
    bed_only = wet.samples - dry.samples  # exactly what the bed added
    rate = io.RATE_HZ

    def level_db(start_s, end_s):
        part = bed_only[int(start_s * rate) : int(end_s * rate)]
        return 20 * np.log10(np.sqrt(np.mean(part.astype(np.float64) ** 2)))

    placements = wet.placements
    under_speech = np.mean([level_db(p.start_s + 0.3, p.end_s - 0.3) for p in placements])
    gap = level_db(placements[1].end_s + 0.55, placements[2].start_s - 0.13)  # past the release, before the attack
    assert gap - under_speech >= 15
    assert np.max(np.abs(np.diff(bed_only))) < 0.05  # ramps, no hard steps


def test_user_jingles_in_any_ffmpeg_format(tmp_path, cli, article, cache, tiny_voice_dir):
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    jingle = tmp_path / "jingle.m4a"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=660:duration=1.5:sample_rate=48000",
            "-ac",
            "2",
            "-c:a",
            "aac",
            str(jingle),
        ],
        check=True,
    )
    out = tmp_path / "b.mp3"
    result = cli(
        "generate",
        article,
        "--voice",
        tiny_voice_dir,
        "-o",
        out,
        "--cache-dir",
        cache,
        "--intro",
        jingle,
        "--outro",
        jingle,
        "--overlap-ms",
        "500",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["jingles_s"] == pytest.approx(1.5 - 0.5 + 1.5, abs=0.1)
    not_audio = tmp_path / "not-audio.wav"
    not_audio.write_text("ceci n'est pas du son", encoding="utf-8")
    bad = cli(
        "generate",
        article,
        "--voice",
        tiny_voice_dir,
        "-o",
        tmp_path / "c.mp3",
        "--cache-dir",
        cache,
        "--intro",
        not_audio,
    )
    assert bad.returncode == 1 and "cannot decode" in bad.stderr and bad.stderr.count("\n") == 1


@pytest.mark.parametrize("audio_format", ["wav", "flac", "ogg"])
def test_other_formats(tmp_path, cli, article, cache, tiny_voice_dir, audio_format):
    out = tmp_path / f"b.{audio_format}"
    result = cli(
        "generate", article, "--voice", tiny_voice_dir, "-o", out, "--cache-dir", cache, "--format", audio_format
    )
    assert result.returncode == 0, result.stderr
    info = soundfile.info(str(out))
    assert (info.samplerate, info.channels) == (44100, 1)
    assert info.subtype == {"wav": "PCM_24", "flac": "PCM_24", "ogg": "VORBIS"}[audio_format]
    # its length, read by ffmpeg, is where the outro (read by soundfile) ends after the "Fin" chapter
    chapters = json.loads(out.with_suffix(".chapters.json").read_text(encoding="utf-8"))["chapters"]
    outro_s = soundfile.info(str(jingle_path("outro"))).duration
    assert ffmpeg_duration_s(out) == pytest.approx(chapters[-1]["startTime"] + outro_s, abs=0.05)
    integrated, _ = ffmpeg_loudness(out)
    assert abs(integrated + 16) <= 0.5
    if audio_format != "wav":
        import mutagen

        tags = mutagen.File(out)
        assert tags["title"] == ["Grève des contrôleurs aériens ce jeudi"]
        names = [tags[f"chapter{n:03d}name"][0] for n in range(1, len(chapters) + 1)]
        assert names == [chapter["title"] for chapter in chapters]
        assert tags.info.length == pytest.approx(info.duration, abs=0.05)


def test_several_articles_make_one_bulletin_with_a_stinger(tmp_path, cli, article, cache, tiny_voice_dir):
    second = tmp_path / "meteo.txt"
    second.write_text("Météo : un automne doux\n\nIl fera jusqu'à 18 degrés à Marseille jeudi.\n", encoding="utf-8")
    out = tmp_path / "journal.mp3"
    result = cli("generate", article, second, "--voice", tiny_voice_dir, "-o", out, "--cache-dir", cache, "--json")
    assert result.returncode == 0, result.stderr
    id3 = ID3(out)
    assert str(id3["TIT2"]).startswith("Journal du ")
    chaps = sorted(id3.getall("CHAP"), key=lambda frame: frame.start_time)
    titles = [str(c.sub_frames["TIT2"]) for c in chaps]  # one chapter per story; the stinger opens the second
    assert titles == ["Générique", "Grève des contrôleurs aériens ce jeudi", "Météo : un automne doux", "Fin"]
    script = json.loads(out.with_name("journal.script.json").read_text(encoding="utf-8"))["segments"]
    second_starts_s = min(s["start_s"] for s in script if "degrés" in s["text"] or "automne" in s["text"])
    stinger_s = soundfile.info(str(jingle_path("stinger"))).duration
    assert second_starts_s - chaps[2].start_time / 1000 >= stinger_s  # the stinger plays in between
    assert "dix-huit degrés" in script[-1]["text"] or "dix-huit degrés" in script[-2]["text"]
