"""The command line's edges, as a new user meets them: offline default voice, help texts, errors as JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from helpers import EXAMPLE, ROOT


def test_default_voice_offline_is_one_whole_line_naming_the_model_and_the_ways_out(tmp_path):
    """fr-css10 not downloaded, no network: no Coqui/requests traceback, one line that is not cut."""
    env = dict(
        os.environ,
        TTS_HOME=str(tmp_path / "tts-home"),  # an empty model home
        HTTPS_PROXY="http://127.0.0.1:9",  # nothing listens there: the download fails at once, for real
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
        HF_HUB_OFFLINE="1",
    )
    env.pop("BULLETIN_OFFLINE", None)
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "generate", str(EXAMPLE), "-o", str(tmp_path / "b.mp3")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # Coqui's own download has no timeout: a hang fails here instead of stalling the suite
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "urllib3" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    line = errors[0]
    assert "tts_models/fr/css10/vits" in line and "github.com" in line
    assert "--voice fr-siwis" in line and "--voice DIR" in line
    assert line.rstrip().endswith("directory")  # whole, not cut mid-word
    assert not (tmp_path / "b.mp3").exists()
    assert not any((tmp_path / "tts-home").rglob("*.pth"))  # nothing half-downloaded kept


def help_text(*command: str) -> str:
    """The help of ``bulletin COMMAND``, wide enough that no line wraps."""
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", *command, "--help"],
        cwd=ROOT,
        env=dict(os.environ, COLUMNS="250", TERMINAL_WIDTH="250", NO_COLOR="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_check_help_names_the_qa_extra():
    assert "(needs bulletin[qa])" in help_text("generate")


def test_generate_help_lists_the_choices_from_the_defaults():
    from bulletin import defaults

    text = help_text("generate")
    for option, choices in (
        ("--format", defaults.AUDIO_FORMATS),
        ("--device", defaults.DEVICES),
        ("--engine", defaults.ENGINES),
        ("--loudness-preset", tuple(defaults.LOUDNESS_PRESETS)),
    ):
        line = next(line for line in text.splitlines() if f" {option} " in line)
        assert "|".join(choices) in line, line


@pytest.mark.parametrize("command", ["", "generate", "script", "voices", "check", "publish", "serve", "play"])
def test_help_names_values_instead_of_python_types(command):
    text = help_text(*filter(None, [command]))
    for python_type in ("<str>", "<path>", "<bool>", "<int", "<float", "<list[", "<text>"):
        assert python_type not in text, (command, python_type)


def test_generate_help_labels_values_by_what_they_are():
    text = help_text("generate")
    for option, label in (("--output", "FILE"), ("--loudness", "LUFS"), ("--overlap-ms", "MS"), ("--name", "TEMPLATE")):
        line = next(line for line in text.splitlines() if f" {option} " in line)
        assert f" {label}" in line, line


def test_version_and_short_help(cli):
    from bulletin import __version__

    version = cli("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"bulletin {__version__}"
    for command in ((), ("generate",), ("publish",)):
        short, long = cli(*command, "-h"), cli(*command, "--help")
        assert short.returncode == long.returncode == 0 and short.stdout == long.stdout and "Usage:" in short.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("generate", "missing.txt"),
        ("script", "missing.txt"),
        ("check", "absent.mp3"),
        ("publish", "absent.mp3", "--base-url", "https://example.org/p"),
    ],
)
def test_with_json_an_error_is_a_json_object_on_stdout_too(cli, tmp_path, args):
    result = cli(*args, "--json", cwd=tmp_path)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert set(payload) == {"error"} and payload["error"]
    assert result.stderr.strip() == f"error: {payload['error']}"


def test_an_unknown_choice_is_a_usage_error_naming_the_choices(cli):
    result = cli("generate", "a.txt", "--format", "aac")
    assert result.returncode == 2
    words = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stderr).split())  # with or without typer's error box
    assert "'aac' is not one of 'mp3', 'wav', 'flac', 'ogg'" in words


def test_an_existing_output_is_one_line_and_kept(cli, tmp_path, tiny_voice_dir):
    article = tmp_path / "a.txt"
    article.write_text("Titre\n\nUn paragraphe.\n", encoding="utf-8")
    existing = tmp_path / "b.mp3"
    existing.write_bytes(b"the 8 o'clock journal")
    result = cli("generate", article, "--voice", tiny_voice_dir, "-o", existing, "--cache-dir", tmp_path / "c")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {existing}: already exists; pass --force to replace it, or choose another name (--name, -o)"
    ]
    assert existing.read_bytes() == b"the 8 o'clock journal"


ONE_SENTENCE_PARAGRAPHS = """Le conseil municipal vote le budget

Le conseil municipal de Lyon a voté mardi soir un budget de douze millions d'euros pour l'an prochain.

Les élus de l'opposition ont voté contre ce budget qu'ils jugent bien trop prudent pour la ville.
"""


def test_speed_changes_the_speech_by_the_ratio_and_overlap_without_jingles_warns(cli, tmp_path, tiny_voice_dir):
    article = tmp_path / "budget.txt"
    article.write_text(ONE_SENTENCE_PARAGRAPHS, encoding="utf-8")
    common = ("generate", article, "--voice", tiny_voice_dir, "--cache-dir", tmp_path / "cache", "--json")
    normal = cli(*common, "-o", tmp_path / "normal.mp3", "--no-jingles")
    slow = cli(*common, "-o", tmp_path / "slow.mp3", "--speed", "0.8", "--no-jingles", "--overlap-ms", "300")
    assert normal.returncode == 0 and slow.returncode == 0, slow.stderr
    normal_s, slow_s = json.loads(normal.stdout), json.loads(slow.stdout)
    assert slow_s["cache_misses"] == slow_s["segments"]  # another speed is another voice for the cache
    assert slow_s["speech_s"] / normal_s["speech_s"] == pytest.approx(1.25, rel=0.03)
    notice = "--overlap-ms 300 has no effect with --no-jingles (there is no intro)"
    assert f"warning: {notice}" in slow.stderr and slow_s["warnings"] == [notice]
    assert normal_s["warnings"] == [] and "warning" not in normal.stderr
