"""Fault drills on a real full file system (issue 13, item 7): a 2 MiB tmpfs under the output, the cache
and the feed. One line, exit 1, nothing half-written; never an MP3 without its sidecars."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import full_filesystem, make_bulletin, write_short_article

CHANNEL = (
    'title = "T"\ndescription = "D"\nauthor = "A"\nowner_email = "a@example.org"\nbase_url = "https://example.org/p"\n'
)


def one_line_failure(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def left_in(directory: Path) -> list[str]:
    """Return what is in ``directory`` besides the filler, as relative paths."""
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.name != "filler")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, tiny_voice_dir):
    """The short article generated once to an ordinary disk: (article, its MP3, the warm cache)."""
    from helpers import run_bulletin

    work = tmp_path_factory.mktemp("rendered")
    article = write_short_article(work)
    result = run_bulletin(
        "generate", article, "--voice", tiny_voice_dir, "-o", work / "b.mp3", "--cache-dir", work / "cache"
    )
    assert result.returncode == 0, result.stderr
    return article, work / "b.mp3", work / "cache"


def test_a_full_output_disk_is_one_line_and_leaves_nothing(tmp_path, cli, tiny_voice_dir, rendered):
    article, _, cache = rendered
    with full_filesystem(tmp_path / "full", leave_bytes=64 * 1024) as full:
        result = cli(
            "generate", article, "--voice", tiny_voice_dir, "-o", full / "b.mp3", "--cache-dir", cache, "--station", "O"
        )
        line = one_line_failure(result)
        assert str(full / "b.mp3") in line and "No space left on device" in line
        assert left_in(full) == []


@pytest.mark.parametrize("reuse", [False, True], ids=["encoded", "copied-from-render-cache"])
def test_room_for_the_mp3_only_leaves_no_mp3_without_its_sidecars(tmp_path, cli, tiny_voice_dir, rendered, reuse):
    article, mp3, cache = rendered
    if not reuse:
        cache = shutil.copytree(cache, tmp_path / "cache", ignore=shutil.ignore_patterns("renders"))
    with full_filesystem(tmp_path / "full", leave_bytes=mp3.stat().st_size + 4096) as full:
        result = cli("generate", article, "--voice", tiny_voice_dir, "-o", full / "b.mp3", "--cache-dir", cache)
        assert "No space left on device" in one_line_failure(result)
        assert left_in(full) == [], "all or nothing: never an MP3 without its transcript, chapters and script"


def test_a_full_cache_disk_is_one_line_and_leaves_no_half_entry(tmp_path, cli, tiny_voice_dir):
    article = write_short_article(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    with full_filesystem(tmp_path / "full", leave_bytes=64 * 1024) as full:
        result = cli("generate", article, "--voice", tiny_voice_dir, "-o", out / "b.mp3", "--cache-dir", full / "cache")
        line = one_line_failure(result)
        assert "segment cache" in line and "No space left on device" in line and "--cache-dir" in line
        entries = [p for p in (full / "cache").rglob("*") if p.is_file()]
        assert not [p for p in entries if p.name.endswith(".tmp")]
        assert all(p.with_suffix(".json").is_file() for p in entries if p.suffix == ".wav"), "no entry without record"
    assert not list(out.iterdir())


@pytest.mark.parametrize("room", ["none", "audio-only"])
def test_publishing_onto_a_full_disk_is_one_line_and_leaves_the_feed_as_it_was(tmp_path, cli, room):
    source = make_bulletin(tmp_path / "src", seconds=40.0)
    config = tmp_path / "podcast.toml"
    config.write_text(CHANNEL, encoding="utf-8")
    leave = 64 * 1024 if room == "none" else source.stat().st_size + 4096
    with full_filesystem(tmp_path / "full", leave_bytes=leave) as full:
        result = cli("publish", source, "--feed-dir", full / "feed", "--config", config)
        assert "No space left on device" in one_line_failure(result)
        assert left_in(full) == ["feed", "feed/.lock", "feed/episodes"], "no episode file, no feed, no temp"
