"""Fault drills on options and on files that are not audio (issue 13, items 8-10): every value bounded,
usage errors on one line (exit 2), `bulletin check` on a non-audio file is one line."""

from __future__ import annotations

import json
import math
import os

import pytest

from bulletin import GenerateRequest, RequestError, defaults, produce
from bulletin.engines.base import VoiceOptions

from helpers import make_channel, write_short_article

# (command, option, value, the range the line must show)
OUT_OF_RANGE = [
    ("generate", "--max-chars", "1", defaults.MAX_CHARS_RANGE),
    ("generate", "--threads", "100000", defaults.THREADS_RANGE),
    ("generate", "--threads", "0", defaults.THREADS_RANGE),
    ("generate", "--max-wer", "1e9", defaults.MAX_WER_RANGE),
    ("generate", "--overlap-ms", "99999999", defaults.OVERLAP_RANGE_MS),
    ("generate", "--duck-db", "-1e9", defaults.DUCK_RANGE_DB),
    ("generate", "--bitrate", "8", defaults.BITRATE_RANGE_KBPS),
    ("generate", "--loudness", "3", defaults.LOUDNESS_RANGE_LUFS),
    ("generate", "--true-peak", "6", defaults.TRUE_PEAK_RANGE_DB),
    ("publish", "--keep", str(10**30), defaults.FEED_KEEP_RANGE),
    ("check", "--max-wer", "-1", defaults.MAX_WER_RANGE),
    ("serve", "--port", "70000", defaults.PORT_RANGE),
]


def range_text(bounds) -> str:
    """The range as the line must give it ("use 40 to 2000")."""
    return f"use {defaults.span(bounds)}"


@pytest.mark.parametrize(
    "command, option, value, bounds", OUT_OF_RANGE, ids=[f"{c}{o}={v}" for c, o, v, _ in OUT_OF_RANGE]
)
def test_an_out_of_range_option_is_one_usage_line_naming_it_and_its_range(
    tmp_path, cli, tiny_voice_dir, command, option, value, bounds
):
    target = write_short_article(tmp_path) if command in ("generate", "check", "publish") else tmp_path
    extra = ("--voice", tiny_voice_dir, "-o", tmp_path / "b.mp3") if command == "generate" else ()

    result = cli(command, target, *extra, option, value)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert option in lines[0] and range_text(bounds) in lines[0], lines[0]
    assert not list(tmp_path.glob("b*"))


def test_an_unknown_option_and_a_missing_argument_are_one_usage_line_too(cli):
    for args, words in [(("generate", "a.txt", "--bogus"), "--bogus"), (("generate",), "SOURCE")]:
        result = cli(*args)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "--help" in lines[0], result.stderr


def test_the_library_bounds_what_the_command_line_bounds(tmp_path, tiny_voice_dir):
    article = write_short_article(tmp_path)
    base = dict(articles=(article,), voice=str(tiny_voice_dir), output=tmp_path / "b.mp3", cache_dir=tmp_path)
    for options in (VoiceOptions(threads=10**6), VoiceOptions(threads=0)):
        with pytest.raises(RequestError, match="--threads"):
            produce(GenerateRequest(**base, voice_options=options))
    from bulletin.audio.layout import MixSettings

    with pytest.raises(RequestError, match="--duck-db"):
        produce(GenerateRequest(**base, mix=MixSettings(bed_duck_db=math.nan)))
    from bulletin.publish.episodes import publish

    with pytest.raises(RequestError, match="--keep"):
        publish(tmp_path / "b.mp3", tmp_path / "feed", make_channel(), keep=10**9)
    from bulletin.qa.listen import check_file

    with pytest.raises(RequestError, match="--max-wer"):
        check_file(article, max_wer=math.nan)
    assert not list(tmp_path.glob("b*"))


SCRIPT = {"title": "T", "segments": [{"role": "body", "text": "Bonjour.", "start_s": 0.0, "end_s": 1.0}]}


@pytest.mark.parametrize(
    "content",
    [b"bonjour, ceci est un texte et non un son\n" * 200, os.urandom(200_000), b""],
    ids=["text-renamed-mp3", "random-bytes", "empty"],
)
def test_check_on_a_file_that_is_not_audio_is_one_line(tmp_path, cli, content):
    audio = tmp_path / "b.mp3"
    audio.write_bytes(content)
    (tmp_path / "b.script.json").write_text(json.dumps(SCRIPT), encoding="utf-8")

    result = cli("check", audio)

    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert str(audio) in lines[0] and ("not a readable audio file" in lines[0] or "holds no audio" in lines[0])
