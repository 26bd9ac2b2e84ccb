"""``bulletin watch``: a feed whose items change, an injected clock, a drop folder a playout system reads.

Each cycle delivers a new file by rename, announces only new stories, survives a source that
answers 500, hangs past the timeout or serves broken XML, and picks up after a failed cycle.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json

import pytest
from mutagen.mp3 import MP3

from bulletin.request import GenerateRequest
from bulletin.sources import fetch_url
from bulletin.text.rundown import Rundown, Station
from bulletin.watch import WatchConfig, Watcher, parse_schedule
from bulletin.watch.schedule import Schedule

from helpers import LocalSite, Page, rss_feed


def items(*numbers: int) -> list[tuple[str, str, str]]:
    """Feed items (guid, title, text), newest first by number."""
    return [
        (f"n{n}", f"Nouvelle numéro {n}", f"Rouen, 1er décembre (CDN) Il s'est passé la chose numéro {n}.")
        for n in numbers
    ]


class Clock:
    def __init__(self, start: str) -> None:
        self.now = dt.datetime.fromisoformat(start)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture
def setup(tmp_path, tiny_voice_dir, tmp_path_factory):
    feed = {"page": Page(rss_feed(items(3, 2, 1)), content_type="application/rss+xml")}
    drop = tmp_path / "playout"
    drop.mkdir()
    request = GenerateRequest(
        articles=(),
        voice=str(tiny_voice_dir),
        cache_dir=tmp_path_factory.getbasetemp() / "watch-cache",
        jingles=False,
        stories=2,
        rundown=Rundown(Station(name="Radio Test")),
    )
    with LocalSite({"/rss.xml": lambda: feed["page"]}) as site:
        config = WatchConfig(
            sources=(site.url("/rss.xml"),), drop_dir=drop, request=request, keep=2, state_dir=tmp_path / "state"
        )
        yield config, feed, site


def announced(config) -> list[str]:
    state = json.loads(Watcher.state_file(config).read_text(encoding="utf-8"))
    return state["last_delivery"]["stories"]


def test_each_cycle_delivers_a_new_file_with_only_new_stories(setup):
    config, feed, _ = setup
    clock = Clock("2026-12-01T07:58:00")
    watcher = Watcher(config, clock=clock)
    target = config.drop_dir / "bulletin.mp3"

    first = watcher.run_cycle()
    assert first.status == "delivered", first.message
    assert first.stories == ["Nouvelle numéro 3", "Nouvelle numéro 2"] == announced(config)
    assert first.air == "2026-12-01T08:00"
    bytes_first = target.read_bytes()
    assert MP3(target).info.length == pytest.approx(first.duration_s, abs=0.05)

    clock.advance(60)
    feed["page"] = Page(rss_feed(items(5, 4, 3, 2, 1)), content_type="application/rss+xml")
    second = watcher.run_cycle()
    assert second.status == "delivered" and second.stories == ["Nouvelle numéro 5", "Nouvelle numéro 4"]
    assert target.read_bytes() != bytes_first

    clock.advance(60)
    third = watcher.run_cycle()  # only item 1 is new
    assert third.stories == ["Nouvelle numéro 1"]

    clock.advance(60)
    idle = watcher.run_cycle()
    assert idle.status == "nothing-new" and not idle.delivered_ok
    assert "1/1 source(s) ok" in idle.line() and "nothing-new" in idle.line()

    names = sorted(path.name for path in config.drop_dir.iterdir())
    assert names == ["bulletin-20261201-0900.mp3", "bulletin-20261201-1000.mp3", "bulletin.mp3"]  # keep=2 dated copies
    assert (config.drop_dir / "bulletin-20261201-1000.mp3").read_bytes() == target.read_bytes()


def test_a_bad_source_is_logged_and_skipped_and_its_last_good_stories_are_kept(setup):
    config, feed, site = setup
    clock = Clock("2026-12-01T12:58:00")
    target = config.drop_dir / "bulletin.mp3"

    too_short = dataclasses.replace(config, request=dataclasses.replace(config.request, slot_s=20))
    failed = Watcher(too_short, clock=clock).run_cycle()  # fetched fine, but the newscast cannot be made
    assert failed.status == "failed" and "--slot 20 s is too short" in failed.message
    assert not target.exists()

    quick = functools.partial(fetch_url, timeout_s=1.0)
    watcher = Watcher(config, clock=clock, fetcher=quick)
    bad = {
        "500": Page("oops", status=500),
        "hang": Page(rss_feed(items(9)), content_type="application/rss+xml", hang_s=4.0),
        "xml": Page(b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</tit>', content_type="text/xml"),
    }
    feed["page"] = bad["500"]
    kept = watcher.run_cycle()  # the source fails: its last good fetch (never announced) is used
    assert kept.sources[0]["ok"] is False and "500" in kept.sources[0]["error"]
    assert kept.status == "delivered" and kept.stories == ["Nouvelle numéro 3", "Nouvelle numéro 2"]
    delivered = target.read_bytes()

    for name, expected in (("hang", "no answer within 1 s"), ("xml", "not a well-formed feed"), ("500", "500")):
        clock.advance(60)
        feed["page"] = bad[name]
        event = watcher.run_cycle()
        assert event.sources[0]["ok"] is False and expected in event.sources[0]["error"], name
        assert event.status == "failed" and "FAILED" in event.line()
        assert event.message == "every source failed; the previous file stays"
        assert target.read_bytes() == delivered  # the previous file stays on air

    clock.advance(60)
    feed["page"] = Page(rss_feed(items(4, 3, 2, 1)), content_type="application/rss+xml")
    back = watcher.run_cycle()
    assert back.status == "delivered" and back.stories == ["Nouvelle numéro 4", "Nouvelle numéro 1"]
    assert not list(config.drop_dir.glob(".*"))  # no temp file left behind


@pytest.mark.parametrize(
    "every, at, now, last, expected",
    [
        (None, ":58", "08:10", None, "08:58"),
        (None, ":58", "08:58", None, "08:58"),
        (None, ":58", "08:58", "08:58", "09:58"),
        (None, ":58", "09:30", "08:58", "09:58"),
        (15, None, "08:10", None, "08:10"),
        (15, None, "08:12", "08:10", "08:25"),
    ],
)
def test_the_schedule_runs_at_the_minute_or_every_n_minutes(every, at, now, last, expected):
    day = "2026-12-01T"
    schedule = parse_schedule(every, at)
    last_start = dt.datetime.fromisoformat(day + last) if last else None
    assert schedule.next_cycle(dt.datetime.fromisoformat(day + now), last_start) == dt.datetime.fromisoformat(
        day + expected
    )


def test_every_and_at_together_are_refused():
    from bulletin.errors import RequestError

    with pytest.raises(RequestError, match="not both"):
        parse_schedule(15, ":58")
    with pytest.raises(RequestError, match=":MM"):
        parse_schedule(None, "58")
    assert parse_schedule(None, None) == Schedule()


def test_a_newscast_is_published_and_one_failing_its_listen_back_is_neither_delivered_nor_published(setup, tmp_path):
    from bulletin.qa import listen

    try:
        listen.find_whisper_model()
        import faster_whisper  # noqa: F401
    except Exception as error:  # noqa: BLE001 - no recogniser here: this check cannot run
        pytest.skip(f"listen-back unavailable: {error}")
    config, feed, _ = setup
    feed_dir = tmp_path / "feed"
    channel = tmp_path / "podcast.toml"
    channel.write_text(
        '[channel]\ntitle = "Le journal"\ndescription = "Test."\nauthor = "Radio Test"\n'
        'owner_email = "t@example.org"\nbase_url = "https://example.org/podcast"\n',
        encoding="utf-8",
    )
    clock = Clock("2026-12-01T07:58:00")
    published = dataclasses.replace(config, publish_dir=feed_dir, feed_config=channel)
    first = Watcher(published, clock=clock).run_cycle()
    assert first.status == "delivered", first.message
    feed_xml = (feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert feed_xml.count("<item>") == 1 and "Journal de 8 h" in feed_xml
    on_air = (config.drop_dir / "bulletin.mp3").read_bytes()

    clock.advance(60)
    feed["page"] = Page(rss_feed(items(5, 4, 3, 2, 1)), content_type="application/rss+xml")
    checked = dataclasses.replace(published, check=True)
    event = Watcher(checked, clock=clock).run_cycle()  # the tiny voice is noise: no listener understands it
    assert event.status == "check-failed" and "kept the previous bulletin.mp3" in event.message
    assert (config.drop_dir / "bulletin.mp3").read_bytes() == on_air
    assert (feed_dir / "feed.xml").read_text(encoding="utf-8") == feed_xml
    assert announced(config) == ["Nouvelle numéro 3", "Nouvelle numéro 2"]  # items 5 and 4 are still to announce
