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

from bulletin import defaults
from bulletin.assets import jingle_path as bundled_path
from bulletin.audio import layout
from bulletin.files import STALE_TEMP_S


def expected_pauses_s(segments: list[dict]) -> float:
    """The silences the mix rules promise between consecutive segments."""
    total = 0.0
    for before, after in zip(segments, segments[1:]):
        same = before["paragraph"] == after["paragraph"] and before["role"] == after["role"]
        pause = (
            defaults.PAUSE_AFTER_MS[before["role"]]
            if same
            else max(layout.PARAGRAPH_PAUSE_MS, defaults.PAUSE_AFTER_MS[before["role"]])
        )
        total += pause / 1000
    return total


@pytest.fixture(scope="module")
def generated(tmp_path_factory, tiny_voice_dir):
    """The example article generated once (cold), then again (warm), with their JSON summaries."""
    from helpers import EXAMPLE, run_bulletin

    work = tmp_path_factory.mktemp("generate")
    out = work / "b.mp3"
    args = ("generate", EXAMPLE, "--voice", tiny_voice_dir, "-o", out, "--cache-dir", work / "cache", "--json")
    cold = run_bulletin(*args)
    assert cold.returncode == 0, cold.stderr
    warm = run_bulletin(*args, "--force", python_flags=("-X", "importtime"))
    assert warm.returncode == 0, warm.stderr
    return work, out, json.loads(cold.stdout), json.loads(warm.stdout), warm.stderr


def test_generate_writes_a_44k_mono_mp3_of_the_right_length(generated):
    work, out, cold, _, _ = generated
    info = MP3(out).info
    assert (info.sample_rate, info.channels) == (44100, 1)
    script = json.loads((work / "b.script.json").read_text(encoding="utf-8"))["segments"]
    speech_s = sum(segment["end_s"] - segment["start_s"] for segment in script)
    jingles_s = sum(soundfile.info(str(bundled_path(name))).duration for name in ("intro", "outro"))
    expected = jingles_s + 2 * layout.JINGLE_GAP_MS / 1000 + speech_s + expected_pauses_s(script)
    assert info.length == pytest.approx(expected, abs=0.5)
    assert cold["cache_misses"] == cold["segments"] == len(script) and cold["cache_hits"] == 0
    assert cold["dropped_characters"] == 0
    assert abs(cold["loudness_lufs"] + 16) < 0.5 and cold["true_peak_db"] <= -1.0


def test_generate_tags_chapters_and_sidecars(generated):
    work, out, _, _, _ = generated
    id3 = ID3(out)
    assert str(id3["TIT2"]).startswith("Le président kazakh confirme")
    assert id3.getall("COMM")[0].text[0].startswith("Astana, 10 janvier – Le président du Kazakhstan")
    chapters = json.loads((work / "b.chapters.json").read_text(encoding="utf-8"))["chapters"]
    assert len(id3.getall("CHAP")) == len(chapters) == 3  # intro, the story, outro
    vtt = (work / "b.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "seize agents" in vtt
    assert (work / "b.srt").is_file()


def test_rerun_comes_from_the_cache_without_loading_the_model(generated):
    _, _, cold, warm, importtime = generated
    assert warm["cache_hits"] == cold["segments"] and warm["cache_misses"] == 0
    assert warm["duration_s"] == cold["duration_s"]
    assert not re.search(r"\| (torch|TTS)$", importtime, re.MULTILINE)  # no model was loaded


def test_editing_one_paragraph_resynthesises_only_its_segments(generated, tmp_path, tiny_voice_dir, cli):
    work, _, cold, _, _ = generated
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
    changed = [s for s in json.loads((tmp_path / "e.script.json").read_text())["segments"] if s["paragraph"] == 5]
    # only segments of the edited paragraph are spoken again (its untouched sentences stay cached)
    assert 1 <= summary["cache_misses"] <= len(changed)
    assert summary["cache_hits"] == summary["segments"] - summary["cache_misses"]
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
    ],
)
def test_bad_input_is_one_line_no_traceback_no_file(tmp_path, cli, tiny_voice_dir, setup, args, message):
    article = tmp_path / "a.txt"
    contents = {
        "empty": b"",
        "binary": b"\x00\x01\x02\xff" * 10,
        "title-only": b"# Titre\n",
        "ok": b"Titre\n\nUn paragraphe.\n",
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


def test_help_lists_commands(cli):
    result = cli("--help")
    assert result.returncode == 0
    for command in ("generate", "script", "voices"):
        assert command in result.stdout


def test_a_four_minute_bulletin_comes_out_as_ogg(generated, tmp_path, tiny_voice_dir, cli):
    """libsndfile's Vorbis writer segfaulted (exit 139) past ~40 s; the example is over 4 minutes here."""
    from mutagen.oggvorbis import OggVorbis

    from helpers import EXAMPLE

    work, _, cold, _, _ = generated
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
        ["b.ogg", "b.vtt", "b.srt", "b.chapters.json", "b.script.json"]
    )  # the stale temp of the crashed run is swept, and this run left none
