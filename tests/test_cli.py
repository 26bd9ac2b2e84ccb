"""The command line end to end, as a newsroom runs it: real CLI, tiny Coqui voice, real MP3s read back."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
import soundfile
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from bulletin.assets import jingle_path as bundled_path
from bulletin.audio.sidecars import sidecar_paths
from bulletin.files import STALE_TEMP_S


@pytest.fixture(scope="module")
def generated(tmp_path_factory, tiny_voice_dir):
    """The example article generated once (cold), then again (warm, into warm.mp3), with their JSON summaries.

    Also returns the warm run's ``-X importtime`` log and the cache's segment files (name -> mtime)
    before the warm run.
    """
    from helpers import EXAMPLE, run_bulletin

    work = tmp_path_factory.mktemp("generate")
    out = work / "b.mp3"
    common = ("--voice", tiny_voice_dir, "--cache-dir", work / "cache", "--json")
    cold = run_bulletin("generate", EXAMPLE, "-o", out, *common)
    assert cold.returncode == 0, cold.stderr
    cached = {path.name: path.stat().st_mtime_ns for path in (work / "cache" / "segments").rglob("*.wav")}
    warm = run_bulletin("generate", EXAMPLE, "-o", work / "warm.mp3", *common, python_flags=("-X", "importtime"))
    assert warm.returncode == 0, warm.stderr
    return work, out, json.loads(cold.stdout), json.loads(warm.stdout), warm.stderr, cached


def imported_modules(importtime_log: str) -> set[str]:
    """Return every module named in a ``-X importtime`` log, at any nesting depth."""
    return {
        line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines() if line.startswith("import time:")
    } - {"package"}


def test_generate_writes_a_44k_mono_mp3_of_the_right_length(generated):
    """The file's length is its parts' as measured independently: ffmpeg decodes it, soundfile reads the jingles."""
    from helpers import ffmpeg_duration_s, ffmpeg_loudness

    work, out, cold, _, _, _ = generated
    info = MP3(out).info
    assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 128000)
    decoded_s = ffmpeg_duration_s(out)
    assert info.length == pytest.approx(decoded_s, abs=0.05)
    assert cold["duration_s"] == pytest.approx(decoded_s, abs=0.05)
    chapters = json.loads((work / "b.chapters.json").read_text(encoding="utf-8"))["chapters"]
    outro_s = soundfile.info(str(bundled_path("outro"))).duration
    assert chapters[-1]["title"] == "Fin"
    assert chapters[-1]["startTime"] + outro_s == pytest.approx(decoded_s, abs=0.05)  # the outro ends the file
    intro_s = soundfile.info(str(bundled_path("intro"))).duration
    script = json.loads((work / "b.script.json").read_text(encoding="utf-8"))["segments"]
    assert intro_s < script[0]["start_s"] < intro_s + 1.0  # the headline follows the intro
    assert script[-1]["end_s"] < chapters[-1]["startTime"]
    assert cold["cache_misses"] == cold["segments"] == len(script) and cold["cache_hits"] == 0
    assert cold["dropped_characters"] == 0
    integrated, peak = ffmpeg_loudness(out)
    assert integrated == pytest.approx(-16.0, abs=0.5) and peak <= -1.0


def test_generate_tags_chapters_and_sidecars(generated):
    work, out, _, _, _, _ = generated
    id3 = ID3(out)
    assert str(id3["TIT2"]).startswith("Le président kazakh confirme")
    assert id3.getall("COMM")[0].text[0].startswith("Astana, 10 janvier – Le président du Kazakhstan")
    chapters = json.loads((work / "b.chapters.json").read_text(encoding="utf-8"))["chapters"]
    # one story: intro, the story under its written title, outro (issue 17: chapters per story)
    assert [c["title"] for c in chapters] == ["Générique", str(id3["TIT2"]), "Fin"]
    assert len(id3.getall("CHAP")) == len(chapters)
    vtt = (work / "b.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "16 agents" in vtt  # the reader's captions: the written words
    assert (work / "b.srt").is_file()


def test_transcripts_show_the_written_words_in_short_cues(generated):
    import webvtt

    work, _, _, _, _, _ = generated
    cues = list(webvtt.read(str(work / "b.vtt")))
    text = " ".join(cue.text.replace("\n", " ") for cue in cues)
    for written in ("10 janvier", "(OTSC)", "16 agents", "Tokáev", "Almatý", "Source : RT"):
        assert written in text, written
    for spoken in ("o té esse cé", "seize agents", "dix janvier", "Tokaïev"):
        assert spoken not in text, spoken
    starts = [webvtt_seconds(cue.start) for cue in cues]
    ends = [webvtt_seconds(cue.end) for cue in cues]
    assert all(end - start <= 7.0 + 1e-3 for start, end in zip(starts, ends))
    assert all(end <= following + 1e-3 for end, following in zip(ends, starts[1:]))  # in order, never overlapping
    for cue in cues:
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= 2 and all(len(line) <= 42 for line in lines), lines
    srt = webvtt.from_srt(str(work / "b.srt"))
    assert [cue.text for cue in srt] == [cue.text for cue in cues]
    transcript = json.loads((work / "b.transcript.json").read_text(encoding="utf-8"))
    assert transcript["version"] == "1.0.0"
    assert [s["body"] for s in transcript["segments"]] == [cue.text.replace("\n", " ") for cue in cues]
    assert all(s["startTime"] < s["endTime"] for s in transcript["segments"])
    # the spoken form stays in the script: the listen-back check compares speech with it
    script = json.loads((work / "b.script.json").read_text(encoding="utf-8"))["segments"]
    assert any("o té esse cé" in s["text"] and "OTSC" in s["written"] for s in script)


def webvtt_seconds(timestamp: str) -> float:
    hours, minutes, seconds = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def test_rerun_comes_from_the_cache_without_loading_the_model(generated):
    work, out, cold, warm, importtime, cached = generated
    loaded = imported_modules(importtime)
    assert "bulletin.pipeline" in loaded  # the log is read right
    assert not {name for name in loaded if name.split(".")[0] in ("torch", "TTS")}  # at any depth: no model
    assert (work / "warm.mp3").read_bytes() == out.read_bytes()
    for kind in ("vtt", "srt", "chapters.json", "script.json"):
        assert (work / f"warm.{kind}").read_text(encoding="utf-8") == (work / f"b.{kind}").read_text(encoding="utf-8")
    after = {path.name: path.stat().st_mtime_ns for path in (work / "cache" / "segments").rglob("*.wav")}
    assert after == cached  # nothing synthesised, nothing rewritten
    assert warm["duration_s"] == cold["duration_s"] and warm["cache_misses"] == 0


def test_generate_leaves_nothing_in_its_scratch_space(generated):
    """The mix is streamed through a scratch directory in the cache dir, removed after the run."""
    work = generated[0]
    scratch = work / "cache" / "tmp"
    assert scratch.is_dir() and list(scratch.iterdir()) == []


def test_editing_one_sentence_resynthesises_only_its_segment(generated, tmp_path, tiny_voice_dir, cli):
    work, _, cold, _, _, _ = generated
    from helpers import EXAMPLE

    edited = tmp_path / "edited.txt"
    edited.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "Les manifestations au Kazakhstan ont donné lieu", "Les manifestations au Kazakhstan ont hélas donné lieu"
        ),
        encoding="utf-8",
    )
    result = cli(
        "generate", edited, "--voice", tiny_voice_dir, "-o", tmp_path / "e.mp3", "--cache-dir", work / "cache", "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    before = json.loads((work / "b.script.json").read_text(encoding="utf-8"))["segments"]
    after = json.loads((tmp_path / "e.script.json").read_text(encoding="utf-8"))["segments"]
    changed = [s["text"] for s in after if s["text"] not in {b["text"] for b in before}]
    assert len(changed) == 1 and "hélas" in changed[0]
    assert len([s for s in after if s["paragraph"] == 5]) >= 2  # its paragraph has another, untouched segment
    assert summary["cache_misses"] == 1 and summary["cache_hits"] == summary["segments"] - 1
    assert summary["segments"] == cold["segments"]


def test_script_shows_the_spoken_bulletin(cli, example_article):
    result = cli("script", example_article)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("[01 headline]\nLe président kazakh confirme que son pays a fait face")
    assert "Astana, dix janvier." in text
    assert "seize agents" in text
    assert re.search(r"\[\d+ source\]\nSource", text)
    assert not re.search(r"\d", re.sub(r"\[\d+ \w+\]", "", text))
    for unwanted in ("http", "radiohc", "Radio Habana Cuba", "*", "<", ">"):
        assert unwanted not in text


def test_script_json_lists_every_paragraph(cli, example_article):
    result = cli("script", example_article, "--json", "--check")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    roles = [segment["role"] for segment in payload["segments"]]
    assert roles[0] == "headline" and roles[1] == "lead" and roles[-1] == "source"
    assert payload["dropped_characters"] == 0


def test_script_max_chars_and_voice_shape_the_segments(cli, example_article):
    default = json.loads(cli("script", example_article, "--json").stdout)["segments"]
    result = cli("script", example_article, "--max-chars", "60", "--voice", "fr-siwis", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    short = payload["segments"]
    assert payload["voice"] == "fr-siwis"
    assert all(len(s["text"]) <= 60 for s in short) and max(len(s["text"]) for s in default) > 60
    assert len(short) > len(default)
    assert " ".join(s["text"] for s in short).split() == " ".join(s["text"] for s in default).split()
    refused = cli("script", example_article, "--max-chars", "39")
    assert refused.returncode == 2 and "--max-chars" in refused.stderr


def test_voices_lists_presets(cli):
    result = cli("voices", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert {"fr-css10", "fr-mai", "fr-xtts", "fr-siwis"} <= set(rows)
    assert all(isinstance(row["offline"], bool) and row["status"] for row in rows.values())


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ("generate", "missing.txt"), "no such file"),
        ("empty", ("generate", "{article}"), "empty"),
        ("binary", ("generate", "{article}"), "binary"),
        ("title-only", ("generate", "{article}"), "no body text"),
        ("ok", ("generate", "{article}", "--voice", "fr-nope"), "unknown voice preset"),
        ("ok", ("generate", "{article}", "--voice", "{noconfig}"), "no config.json"),
        ("ok", ("generate", "{article}", "--voice", "{voice}", "-o", "{tmp}/missing/dir/b.mp3"), "no such directory"),
        ("ok", ("generate", "{article}", "--voice", "{voice}", "-o", "{tmp}/b.wav"), ".mp3"),
        ("ok", ("script", "{article}", "--lexicon", "{tmp}/nope.toml"), "nope.toml"),
        ("ok", ("generate", "{article}", "--voice", "{voice}", "--max-minutes", "0"), "'--max-minutes'"),
        ("long", ("generate", "{article}", "--voice", "{voice}", "--max-minutes", "1"), "over the 1-minute limit"),
    ],
)
def test_bad_input_is_one_line_no_traceback_no_file(tmp_path, cli, tiny_voice_dir, setup, args, message):
    article = tmp_path / "a.txt"
    contents = {
        "empty": b"",
        "binary": b"\x00\x01\x02\xff" * 10,
        "title-only": b"# Titre\n",
        "ok": b"Titre\n\nUn paragraphe.\n",
        "long": ("Titre\n\n" + "Un paragraphe de plus, et encore un autre pour la route.\n\n" * 80).encode(),
    }
    if setup:
        article.write_bytes(contents[setup])
    noconfig = tmp_path / "model"
    noconfig.mkdir()
    (noconfig / "model.pth").write_bytes(b"x")
    values = {"article": article, "voice": tiny_voice_dir, "noconfig": noconfig, "tmp": tmp_path}
    result = (
        cli(*(arg.format(**values) for arg in args), "--cache-dir", tmp_path / "cache")
        if args[0] == "generate"
        else cli(*(arg.format(**values) for arg in args))
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.mp3")) and not list(tmp_path.rglob("*.tmp"))


def test_importing_the_cli_loads_neither_torch_nor_tts(cli):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import bulletin.cli"], capture_output=True, text=True, check=True
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "bulletin.cli" in imported
    assert not {name for name in imported if name.split(".")[0] in ("torch", "TTS", "numpy", "scipy")}


@pytest.mark.parametrize(
    "module",
    ["bulletin", "bulletin.pipeline", "bulletin.request", "bulletin.engines.factory", "bulletin.engines.coqui"],
)
def test_importing_the_library_loads_no_model_library(module):
    """torch and Coqui load when a voice speaks, never on import: not even nested under another import."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    )
    imported = imported_modules(result.stderr)
    assert module in imported
    assert not {name for name in imported if name.split(".")[0] in ("torch", "TTS", "torchaudio", "onnxruntime")}


def test_help_lists_commands(cli):
    result = cli("--help")
    assert result.returncode == 0
    for command in ("generate", "script", "voices"):
        assert command in result.stdout


def test_a_four_minute_bulletin_comes_out_as_ogg(generated, tmp_path, tiny_voice_dir, cli):
    """libsndfile's Vorbis writer segfaulted (exit 139) past ~40 s; the example is over 4 minutes here."""
    from mutagen.oggvorbis import OggVorbis

    from helpers import EXAMPLE

    work, _, cold, _, _, _ = generated
    out = tmp_path / "b.ogg"
    crashed = tmp_path / ".b-k3j9x0qa.ogg.tmp"  # what the segfault left: no handler ran after it
    crashed.write_bytes(b"OggS" + b"\0" * 4096)
    old_s = time.time() - STALE_TEMP_S - 60
    os.utime(crashed, (old_s, old_s))
    args = ("generate", EXAMPLE, "--voice", tiny_voice_dir, "-o", out, "--cache-dir", work / "cache", "--json")
    result = cli(*args, "--format", "OGG")  # choices are case-insensitive
    assert result.returncode == 0, (result.returncode, result.stderr[-500:])
    summary = json.loads(result.stdout)
    assert summary["duration_s"] >= 240 and summary["cache_hits"] == cold["segments"]
    assert soundfile.info(str(out)).duration == pytest.approx(summary["duration_s"], abs=0.05)
    tags = OggVorbis(out)
    assert [tags[f"CHAPTER{n:03d}NAME"][0] for n in (1, 2, 3)] == ["Générique", str(ID3(work / "b.mp3")["TIT2"]), "Fin"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [out.name] + [path.name for path in sidecar_paths(out).values()]
    )  # the stale temp of the crashed run is swept, and this run left none
