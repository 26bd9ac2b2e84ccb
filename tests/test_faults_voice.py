"""Fault drills on voices and speechless bulletins (issue 13, items 3 and 6): one line, exit 1, no file."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from helpers import write_short_article


def one_line_failure(result) -> str:
    """Return the single stderr line of a failed run (asserting there is one, and no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def emptied_characters(config: dict) -> dict:
    config["characters"]["characters"] = ""
    config["characters"]["punctuations"] = ""
    return config


@pytest.mark.parametrize(
    "change",
    [lambda config: {}, emptied_characters],
    ids=["empty-object", "empty-alphabet"],
)
def test_a_voice_that_can_say_nothing_is_refused_not_a_jingles_only_file(tmp_path, cli, tiny_voice_dir, change):
    voice = shutil.copytree(tiny_voice_dir, tmp_path / "voice")
    config = json.loads((voice / "config.json").read_text(encoding="utf-8"))
    (voice / "config.json").write_text(json.dumps(change(config)), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()

    result = cli(
        "generate", write_short_article(tmp_path), "--voice", voice, "-o", out / "b.mp3", "--cache-dir", tmp_path / "c"
    )

    line = one_line_failure(result)
    assert "config.json" in line and "no characters" in line
    assert not list(out.iterdir())


@pytest.mark.parametrize("text", ["# !!!\n\n???\n", "# ...\n\n— « » …\n"], ids=["punctuation", "quotes-and-dashes"])
def test_a_bulletin_with_no_speech_is_refused(tmp_path, cli, tiny_voice_dir, text):
    article = tmp_path / "rien.txt"
    article.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()

    result = cli("generate", article, "--voice", tiny_voice_dir, "-o", out / "b.mp3", "--cache-dir", tmp_path / "c")

    assert result.returncode == 1
    assert "nothing to say" in one_line_failure(result)
    assert not list(out.iterdir())


CORRUPTIONS = {
    "truncated": lambda data: data[:1000],
    "empty": lambda data: b"",
    "random": lambda data: os.urandom(600),
    "list": lambda data: b"[]",
}


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_a_damaged_config_is_one_line_naming_the_file(tmp_path, cli, tiny_voice_dir, how):
    voice = shutil.copytree(tiny_voice_dir, tmp_path / "voice")
    config = voice / "config.json"
    config.write_bytes(CORRUPTIONS[how](config.read_bytes()))

    for command in (
        ("generate", write_short_article(tmp_path), "--voice", voice, "-o", tmp_path / "b.mp3"),
        ("script", write_short_article(tmp_path), "--voice", voice),
    ):
        line = one_line_failure(cli(*command, *(("--cache-dir", tmp_path / "c") if command[0] == "generate" else ())))
        assert str(config) in line and "damaged model config" in line and "re-download" in line
    assert not list(tmp_path.glob("b*"))


def test_a_truncated_checkpoint_is_one_line_naming_the_model(tmp_path, cli, tiny_voice_dir):
    voice = shutil.copytree(tiny_voice_dir, tmp_path / "voice")
    checkpoint = voice / "model.pth"
    checkpoint.write_bytes(checkpoint.read_bytes()[: checkpoint.stat().st_size // 2])

    result = cli(
        "generate", write_short_article(tmp_path), "--voice", voice, "-o", tmp_path / "b.mp3", "--cache-dir", tmp_path
    )

    line = one_line_failure(result)
    assert str(voice) in line and "model.pth" in line and "damaged" in line
    assert not list(tmp_path.glob("b*"))
