"""Crash drills with a real kill -9 (issue 13, items 11-12).

A run is stopped at an exact point with the test hook ``BULLETIN_TEST_PAUSE_AT=<point>``
(``bulletin.files.pause_point``: it prints "paused at <point>" and sleeps), then SIGKILLed.
After any kill the outputs are all old, all new, or detectably mismatched (the sidecars record
the audio's sha256; publish and check refuse a mismatch), and the temps a killed run left are
swept by the next run once stale (writer gone, untouched for ``STALE_TEMP_S``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3

from bulletin.audio.sidecars import sidecar_paths
from bulletin.files import STALE_TEMP_S, sha256_file

from helpers import ROOT, SHORT_ARTICLE, make_bulletin, run_bulletin, write_short_article

CHANNEL = (
    'title = "T"\ndescription = "D"\nauthor = "A"\nowner_email = "a@example.org"\nbase_url = "https://example.org/p"\n'
)


def kill_at(point: str, *args) -> None:
    """Run ``bulletin ARGS`` until it reaches the pause point ``point``, then kill -9 it."""
    env = dict(os.environ, BULLETIN_TEST_PAUSE_AT=point, PYTHONIOENCODING="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = []
    try:
        for line in process.stderr:
            seen.append(line)
            if f"paused at {point}" in line:
                process.kill()  # SIGKILL: no cleanup runs
                return
        pytest.fail(f"the run ended (exit {process.wait()}) before {point}: {''.join(seen)[-500:]}")
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def temps_in(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(".tmp"))


def age(paths, seconds: float) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


def dead_pid() -> int:
    """Return the pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture(scope="module")
def generated(tmp_path_factory, tiny_voice_dir):
    """The short article generated once: (work dir, article, cache); renders are cached."""
    work = tmp_path_factory.mktemp("crash")
    article = write_short_article(work)
    result = run_bulletin(
        "generate", article, "--voice", tiny_voice_dir, "-o", work / "first.mp3", "--cache-dir", work / "cache"
    )
    assert result.returncode == 0, result.stderr
    return work, article, work / "cache"


def test_kill_during_mp3_encoding_leaves_a_temp_the_next_run_sweeps(tmp_path, tiny_voice_dir, generated):
    _, article, cache = generated
    out = tmp_path / "out"
    out.mkdir()
    args = ("generate", article, "--voice", tiny_voice_dir, "--cache-dir", cache)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin", *map(str, args), "-o", str(out / "b.mp3"), "--station", "Encodage"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:  # the encoder writing its temp file: that is when the drill kills
        while process.poll() is None and not any(p.stat().st_size for p in temps_in(out)):
            time.sleep(0.005)
    finally:
        process.kill()
        process.wait()
    left = temps_in(out)
    assert left, "killed while encoding: its temps are still there"
    assert not (out / "b.mp3").exists()
    live = out / f".b~{os.getpid()}~abcdefgh.mp3.tmp"  # a concurrent run's temp: never swept
    fresh = out / f".b~{dead_pid()}~ijklmnop.mp3.tmp"  # a dead writer's, but just written: kept for now
    live.write_bytes(b"x")
    fresh.write_bytes(b"x")
    age([*left, live], STALE_TEMP_S + 60)

    result = run_bulletin(*args, "-o", out / "b.mp3")  # the render is cached: a quick run

    assert result.returncode == 0, result.stderr
    assert temps_in(out) == sorted([live, fresh])
    bulletin = out / "b.mp3"
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".tmp")) == sorted(
        [bulletin.name] + [path.name for path in sidecar_paths(bulletin).values()]
    )


def test_kill_during_publish_leaves_the_feed_as_it_was_and_the_next_publish_sweeps(tmp_path):
    source = make_bulletin(tmp_path / "src", seconds=5.0)
    config = tmp_path / "podcast.toml"
    config.write_text(CHANNEL, encoding="utf-8")
    feed = tmp_path / "feed"

    kill_at("publish-staged", "publish", source, "--feed-dir", feed, "--config", config)

    left = temps_in(feed / "episodes") + temps_in(feed)
    assert left, "killed with everything staged: the temps are there"
    assert not (feed / "feed.xml").exists() and not (feed / "episodes.json").exists()
    assert not [p for p in (feed / "episodes").iterdir() if not p.name.endswith(".tmp")]
    age(left, STALE_TEMP_S + 60)

    result = run_bulletin("publish", source, "--feed-dir", feed, "--config", config)

    assert result.returncode == 0, result.stderr
    assert temps_in(feed / "episodes") == [] and temps_in(feed) == []
    parsed = feedparser.parse(str(feed / "feed.xml"))
    assert not parsed.bozo and len(parsed.entries) == 1


EDITED = SHORT_ARTICLE.replace("# Le président kazakh", "# Édition corrigée : le président kazakh")


def describes(audio: Path) -> bool:
    """Return True if the sidecars beside ``audio`` describe it: same title and chapters as its ID3 tag."""
    tags = ID3(audio)
    script = json.loads(audio.with_suffix(".script.json").read_text(encoding="utf-8"))
    chapters = json.loads(audio.with_suffix(".chapters.json").read_text(encoding="utf-8"))["chapters"]
    id3_titles = [frame.sub_frames["TIT2"].text[0] for frame in sorted(tags.getall("CHAP"), key=lambda f: f.start_time)]
    return script["title"] == str(tags["TIT2"].text[0]) and [c["title"] for c in chapters] == id3_titles


@pytest.mark.parametrize("point", ["before-audio-rename", "after-audio-rename"])
def test_kill_while_placing_a_new_bulletin_leaves_a_set_that_is_consistent_or_refused(
    tmp_path, tiny_voice_dir, generated, point
):
    _, article, cache = generated
    out = tmp_path / "out"
    out.mkdir()
    audio = out / "b.mp3"
    args = ("--voice", tiny_voice_dir, "-o", audio, "--cache-dir", cache)
    assert run_bulletin("generate", article, *args).returncode == 0
    edited = tmp_path / "edited.txt"
    edited.write_text(EDITED, encoding="utf-8")
    config = tmp_path / "podcast.toml"
    config.write_text(CHANNEL, encoding="utf-8")

    kill_at(point, "generate", edited, *args, "--force")  # replacing a bulletin takes --force

    published = run_bulletin("publish", audio, "--feed-dir", tmp_path / "feed", "--config", config)
    if describes(audio):
        assert point == "after-audio-rename"
        assert published.returncode == 0, published.stderr
        assert json.loads(audio.with_suffix(".script.json").read_text())["audio_sha256"] == sha256_file(audio)
    else:  # the new sidecars beside the old audio: both commands refuse, on one line
        for result in (published, run_bulletin("check", audio)):
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 1 and len(lines) == 1, result.stderr
            assert "audio_sha256" in lines[0] and "generate the bulletin again" in lines[0]
        assert not (tmp_path / "feed" / "episodes.json").exists()
