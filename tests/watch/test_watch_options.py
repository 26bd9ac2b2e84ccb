"""The options of the real ``bulletin watch`` process, each checked by what it changes in the drop folder or the output.

A local RSS site serves two feeds; every test runs the command line (``python -m bulletin watch``)
with the tiny voice and no jingles, each in a fresh drop folder and state dir.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import select
import signal
import subprocess
import sys
import time

import feedparser
import pytest
from mutagen.mp3 import MP3

from helpers import ROOT, LocalSite, Page, rss_feed, whisper_or_skip

CHANNEL = (
    'title = "T"\ndescription = "D"\nauthor = "A"\nowner_email = "a@example.org"\nbase_url = "https://example.org/p"\n'
)


def items(*numbers: int) -> list[tuple[str, str, str]]:
    return [
        (f"o{n}", f"Dépêche {n}", f"Caen, 1er décembre (CDN) La dépêche numéro {n} est tombée ce matin.")
        for n in numbers
    ]


@pytest.fixture(scope="module")
def feeds():
    """Two feeds: the first one's stories, then two new ones."""
    first = Page(rss_feed(items(2, 1)), content_type="application/rss+xml")
    later = Page(rss_feed(items(4, 3)), content_type="application/rss+xml")
    with LocalSite({"/rss.xml": lambda: first, "/later.xml": lambda: later}) as site:
        yield site.url("/rss.xml"), site.url("/later.xml")


@pytest.fixture
def place(tmp_path, tiny_voice_dir, tmp_path_factory):
    """Return ``place(name)``: the watch arguments (no source) of a fresh drop folder and state dir, and the folder."""
    cache = tmp_path_factory.getbasetemp() / "watch-options-cache"

    def make(name: str = "drop"):
        drop = tmp_path / name / "playout"
        drop.mkdir(parents=True)
        args = watch_args(
            "--drop", drop, "--state-dir", tmp_path / name / "state", "--voice", tiny_voice_dir,
            "--cache-dir", cache, "--no-jingles",
        )  # fmt: skip
        return args, drop

    return make


def watch_args(*args) -> list[str]:
    return [str(a) for a in args]


def watch_run(*args) -> subprocess.CompletedProcess:
    """Run ``bulletin watch ARGS`` to its end."""
    return subprocess.run(
        [sys.executable, "-m", "bulletin", "watch", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
    )


def watch_once(source, args, *extra) -> tuple[int, dict]:
    """One ``--once --json`` cycle: its exit status and its JSON event (or {"stderr": ...})."""
    result = watch_run(source, *args, "--once", "--json", *extra)
    out = result.stdout.strip()
    return result.returncode, (json.loads(out.splitlines()[-1]) if out else {"stderr": result.stderr})


def watch_start(source, args, *extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bulletin", "watch", source, *args, *extra],
        cwd=ROOT,
        env=dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def dated(drop, stem: str = "bulletin") -> list[str]:
    return sorted(p.name for p in drop.glob(f"{stem}-*.mp3"))


def one_line_error(result: subprocess.CompletedProcess, starts: str) -> None:
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"error: {starts}") and result.stderr.count("\n") == 1, result.stderr


def test_watch_name_and_keep_copies_0_deliver_one_file_under_that_name(feeds, place):
    args, drop = place()
    code, event = watch_once(feeds[0], args, "--name", "journal.mp3", "--keep-copies", "0")
    assert code == 0 and event["delivered"] == str(drop / "journal.mp3")
    assert sorted(p.name for p in drop.iterdir()) == ["journal.mp3"]  # no bulletin.mp3, no dated copy
    assert MP3(drop / "journal.mp3").info.length > 1

    args, drop = place("other")
    one_line_error(watch_run(feeds[0], *args, "--once", "--name", "journal.txt"), "--name 'journal.txt'")
    assert not list(drop.iterdir())


def test_watch_keep_copies_prunes_the_dated_copies_to_the_newest_n(feeds, place):
    args, drop = place()
    for old in ("bulletin-20200101-0800.mp3", "bulletin-20200101-0900.mp3"):
        (drop / old).write_bytes(b"an old newscast")

    code, event = watch_once(feeds[0], args, "--keep-copies", "2")
    assert code == 0, event
    new = f"bulletin-{event['air'][:10].replace('-', '')}-{event['air'][11:16].replace(':', '')}.mp3"
    assert dated(drop) == ["bulletin-20200101-0900.mp3", new]  # the oldest pruned, the new copy kept
    assert (drop / new).read_bytes() == (drop / "bulletin.mp3").read_bytes()

    code, event = watch_once(feeds[1], args, "--keep-copies", "1")  # a second cycle, with new stories
    assert code == 0 and event["stories"] == ["Dépêche 4", "Dépêche 3"]
    assert dated(drop) == [new] and (drop / new).read_bytes() == (drop / "bulletin.mp3").read_bytes()

    result = watch_run(feeds[0], *args, "--once", "--keep-copies", "-1")
    assert result.returncode == 2 and "--keep-copies" in result.stderr  # out of range: a usage error


def test_watch_slot_stretches_the_newscast_to_the_slot_and_refuses_one_too_short(feeds, place):
    args, drop = place("plain")
    code, plain = watch_once(feeds[0], args)
    assert code == 0
    args, drop = place("slot")
    slot_s = max(20, round(plain["duration_s"]) + 6)
    code, event = watch_once(feeds[0], args, "--slot", str(slot_s))
    assert code == 0 and event["stories"] == plain["stories"]
    length_s = MP3(drop / "bulletin.mp3").info.length
    assert plain["duration_s"] + 1 < length_s <= slot_s, (plain["duration_s"], length_s, slot_s)  # pauses stretched

    args, drop = place("short")
    result = watch_run(feeds[0], *args, "--once", "--slot", "3")
    assert result.returncode == 2 and "--slot" in result.stderr  # under the shortest slot: a usage error
    assert not list(drop.iterdir())


def test_watch_station_config_sets_the_stories_of_a_newscast(feeds, place, tmp_path):
    station = tmp_path / "station.toml"
    station.write_text('[station]\nname = "Radio Test"\nstories = 1\n', encoding="utf-8")
    args, drop = place()
    code, event = watch_once(feeds[0], args, "--station-config", station)
    assert code == 0 and event["stories"] == ["Dépêche 2"]  # the station's one story, not the feed's two
    titles = [chapter.title for chapter in chapters(drop / "bulletin.mp3")]
    assert "Dépêche 2" in titles and "Dépêche 1" not in titles

    station.write_text('[station]\nname = "Radio Test"\nstories = 0\n', encoding="utf-8")
    args, drop = place("bad")
    one_line_error(watch_run(feeds[0], *args, "--once", "--station-config", station), f"{station} [station]")


def chapters(audio):
    from bulletin.audio.sidecars import chapters_from_id3

    return chapters_from_id3(audio)


def test_watch_lexicon_changes_what_is_said(feeds, place, tmp_path):
    args, _ = place("plain")
    code, plain = watch_once(feeds[0], args, "--stories", "2")
    assert code == 0
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('"dépêche" = "nouvelle venue de très loin, de très très loin, par le télégraphe"\n', "utf-8")
    args, drop = place("lexicon")
    code, event = watch_once(feeds[0], args, "--stories", "2", "--lexicon", lexicon)
    assert code == 0 and event["stories"] == plain["stories"]
    assert event["duration_s"] > plain["duration_s"] + 2  # each "dépêche" said as a long phrase
    assert MP3(drop / "bulletin.mp3").info.length == pytest.approx(event["duration_s"], abs=0.1)


def test_watch_publish_puts_the_newscast_in_the_feed_of_feed_config(feeds, place, tmp_path):
    channel = tmp_path / "channel.toml"
    channel.write_text(CHANNEL, encoding="utf-8")
    podcast = tmp_path / "podcast"
    args, drop = place()
    code, event = watch_once(feeds[0], args, "--publish", podcast, "--feed-config", channel)
    assert code == 0, event
    parsed = feedparser.parse((podcast / "feed.xml").read_bytes())
    assert parsed.feed.title == "T" and len(parsed.entries) == 1
    enclosure = parsed.entries[0].enclosures[0]
    episode = podcast / "episodes" / enclosure.href.rsplit("/", 1)[-1]
    assert episode.read_bytes() == (drop / "bulletin.mp3").read_bytes()
    # new stories for the same air time: delivered, and the hour's episode made anew (not refused)
    code, event = watch_once(feeds[1], args, "--publish", podcast, "--feed-config", channel)
    assert code == 0, event
    parsed = feedparser.parse((podcast / "feed.xml").read_bytes())
    assert len(parsed.entries) == 1 and episode.read_bytes() == (drop / "bulletin.mp3").read_bytes()
    assert "Dépêche 4" in event["stories"]

    args, _ = place("no-channel")
    code, event = watch_once(feeds[0], args, "--publish", tmp_path / "fresh")
    assert code == 1 and event["status"] == "failed" and not (tmp_path / "fresh" / "feed.xml").exists()


def test_watch_check_keeps_the_previous_file_when_the_listen_back_fails(feeds, place):
    whisper_or_skip()
    args, drop = place()
    code, event = watch_once(feeds[0], args)
    assert code == 0
    before = (drop / "bulletin.mp3").read_bytes()
    copies = dated(drop)

    code, event = watch_once(feeds[1], args, "--check", "--max-wer", "0.9")  # the tiny voice says gibberish
    assert code == 1 and event["status"] == "check-failed", event
    assert "(limit 0.90)" in event["message"] and "kept the previous bulletin.mp3" in event["message"]
    assert (drop / "bulletin.mp3").read_bytes() == before and dated(drop) == copies

    result = watch_run(feeds[1], *args, "--once", "--check", "--max-wer", "1.5")
    assert result.returncode == 2 and result.stderr.count("\n") == 1  # out of 0..1: a one-line usage error
    assert result.stderr.startswith("error: Invalid value for '--max-wer'") and "use 0 to 1" in result.stderr
    assert (drop / "bulletin.mp3").read_bytes() == before


def test_watch_at_and_every_are_refused_together_or_badly_written(feeds, place):
    args, drop = place()
    one_line_error(watch_run(feeds[0], *args, "--at", ":58", "--every", "5"), "give --every MIN or --at :MM")
    one_line_error(watch_run(feeds[0], *args, "--at", "61"), "--at '61'")
    one_line_error(watch_run(feeds[0], *args, "--at", ":61"), "--at ':61'")
    assert not list(drop.iterdir())


def early_in_a_minute() -> dt.datetime:
    """Return now, after waiting for the next minute if this one is nearly over."""
    now = dt.datetime.now()
    if now.second > 40:
        time.sleep(61 - now.second)
    return dt.datetime.now()


def test_watch_at_runs_the_cycle_at_that_minute_only(feeds, place, tmp_path):
    now = early_in_a_minute()
    args, drop = place("later")
    watcher = watch_start(feeds[0], args, "--at", f":{(now.minute + 30) % 60:02d}")
    time.sleep(8)  # long enough for a cycle run at once to have fetched its feed (and saved the state)
    watcher.send_signal(signal.SIGTERM)
    out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0 and out == "", err  # it waited for its minute: no cycle ran
    assert not list(drop.iterdir()) and not list((tmp_path / "later" / "state").glob("*.json"))

    now = early_in_a_minute()
    args, drop = place("now")
    watcher = watch_start(feeds[0], args, "--at", f":{now.minute:02d}")
    try:
        ready, _, _ = select.select([watcher.stdout], [], [], 120)
        line = watcher.stdout.readline() if ready else ""
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0 and " delivered " in line, err  # this minute's cycle ran at once
    assert (drop / "bulletin.mp3").exists()


def test_watch_every_runs_the_next_cycle_that_many_minutes_later(feeds, place):
    args, drop = place()
    watcher = watch_start(feeds[0], args, "--every", "1", "--json")
    started = time.monotonic()
    try:
        first = json.loads(watcher.stdout.readline())
        first_at = time.monotonic()
        second = json.loads(watcher.stdout.readline())  # a minute after the first cycle began
        second_at = time.monotonic()
    finally:
        watcher.send_signal(signal.SIGTERM)
        watcher.communicate(timeout=60)
    assert first["status"] == "delivered" and first_at - started < 50
    assert second["status"] == "nothing-new"
    assert 50 < second_at - started < 90, second_at - started
    begun = [dt.datetime.fromisoformat(event["started"]) for event in (first, second)]
    assert (begun[1] - begun[0]).total_seconds() == pytest.approx(60, abs=2)


def test_watch_json_prints_each_cycle_as_a_json_line_and_plain_as_one_text_line(feeds, place):
    args, drop = place()
    result = watch_run(feeds[0], *args, "--once")
    assert result.returncode == 0 and len(result.stdout.splitlines()) == 1
    line = result.stdout.strip()
    assert "source(s) ok" in line and f"delivered {drop / 'bulletin.mp3'}" in line
    with pytest.raises(ValueError):
        json.loads(line)

    code, event = watch_once(feeds[1], args)  # watch_once adds --json
    assert code == 0 and event["status"] == "delivered" and event["stories"] == ["Dépêche 4", "Dépêche 3"]
    result = watch_run(feeds[1], *args, "--once", "--json")
    assert result.returncode == 3 and json.loads(result.stdout)["status"] == "nothing-new"


def test_watch_voice_is_the_voice_used(feeds, place, tmp_path):
    args, drop = place()
    missing = tmp_path / "no-such-voice"
    voice_at = args.index("--voice") + 1
    args[voice_at] = str(missing)
    result = watch_run(feeds[0], *args, "--once")
    assert result.returncode == 1 and str(missing) in result.stderr + result.stdout
    assert not (drop / "bulletin.mp3").exists()
