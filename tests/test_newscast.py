"""The newscast end to end with the tiny voice: a feed in, framed, slots fitted on speech already synthesised."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from mutagen.mp3 import MP3

from bulletin import GenerateRequest, produce
from bulletin.text.rundown import Rundown, Station

from helpers import newscast_feed_site, run_bulletin

TITLES = [
    "Rouen : la cathédrale rouvre après deux ans de travaux",
    "Le port du Havre accueille un navire record",
    "Grève à la SNCF : trafic très perturbé mardi en Île-de-France",
]


@pytest.fixture(scope="module")
def feed():
    with newscast_feed_site() as site:
        yield site.url("/rss.xml")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("newscast-cache")


def newscast(feed, voice, out, cache_dir, **changes) -> GenerateRequest:
    values = dict(
        articles=(feed,),
        voice=str(voice),
        output=out,
        cache_dir=cache_dir,
        stories=3,
        rundown=Rundown(Station(name="Radio Test"), at=dt.time(8, 0)),
    )
    values.update(changes)
    return GenerateRequest(**values)


@pytest.fixture(scope="module")
def full(feed, tiny_voice_dir, cache_dir, tmp_path_factory):
    """The whole newscast at the longest pauses (a slot far too long for it): every sentence synthesised once."""
    out = tmp_path_factory.mktemp("full") / "full.mp3"
    return produce(newscast(feed, tiny_voice_dir, out, cache_dir, slot_s=3600))


def test_the_newscast_is_framed_and_chaptered_per_story(full):
    segments = full.script.segments
    assert segments[0].role == "greeting" and segments[0].text == "Il est huit heures, voici le journal de Radio Test."
    assert [s.written for s in segments if s.role == "headlines"] == TITLES  # one line per story, as written
    assert " ".join(s.text for s in segments if s.role == "signoff") == (
        "C'était le journal de huit heures. Prochain journal à neuf heures."
    )
    chapters = json.loads(full.sidecars["chapters"].read_text(encoding="utf-8"))["chapters"]
    assert [c["title"] for c in chapters] == ["Générique", "Les titres", *TITLES, "Fin du journal", "Fin"]
    assert not full.slot_fit.enough_material and full.slot_fit.stretch == pytest.approx(1.5)
    assert full.script.title == "Journal de 8 h"


@pytest.mark.parametrize("share", [0.55, 0.8])
def test_each_slot_is_filled_to_within_three_seconds_without_a_second_synthesis(
    feed, tiny_voice_dir, cache_dir, full, tmp_path, share
):
    slot_s = round(full.duration_s * share)
    out = tmp_path / f"slot-{slot_s}.mp3"
    result = produce(newscast(feed, tiny_voice_dir, out, cache_dir, slot_s=slot_s))
    length_s = MP3(out).info.length
    assert slot_s - 3 <= length_s <= slot_s, (slot_s, length_s)
    assert result.cache_misses == 0  # fitting reused every sentence already spoken
    fit = result.slot_fit
    assert fit.dropped and fit.enough_material
    assert {story for story, _ in fit.dropped} <= {1, 2, 3}
    placed = json.loads(result.sidecars["script"].read_text(encoding="utf-8"))["segments"]
    roles = [segment["role"] for segment in placed]
    assert roles.count("headline") == 3 and roles.count("headlines") == 3 and "signoff" in roles
    assert [segment["text"] for segment in placed] == [s.text for s in result.script.segments]  # what was said
    assert len(result.script.segments) == len(full.script.segments) - len(fit.dropped)
    said = [s.text for s in full.script.segments]
    for story, text in fit.dropped:  # the dropped sentences are the last ones of their story
        mine = [s.text for s in full.script.segments if s.story == story]
        assert text in said and text in mine[-len([t for st, t in fit.dropped if st == story]) :]


def test_the_cli_fits_a_feed_into_a_slot_and_reports_what_it_dropped(feed, tiny_voice_dir, cache_dir, full, tmp_path):
    slot_s = round(full.duration_s * 0.65)
    out = tmp_path / "journal.mp3"
    result = run_bulletin(
        "generate", feed, "--stories", "3", "--rundown", "--at", "08:00", "--slot", str(slot_s),
        "--voice", tiny_voice_dir, "--cache-dir", cache_dir, "-o", out, "--station-config", STATION(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"slot {slot_s} s: ") and "dropped" in lines[1] and "sentence(s)" in lines[1]
    assert slot_s - 3 <= MP3(out).info.length <= slot_s


def STATION(directory):  # noqa: N802 - reads like the file it writes
    path = directory / "station.toml"
    path.write_text('[station]\nname = "Radio Test"\n', encoding="utf-8")
    return path


def test_a_slot_too_short_is_one_line_and_no_file(feed, tiny_voice_dir, cache_dir, tmp_path):
    out = tmp_path / "short.mp3"
    result = run_bulletin(
        "generate", feed, "--stories", "3", "--rundown", "--slot", "20",
        "--voice", tiny_voice_dir, "--cache-dir", cache_dir, "-o", out,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("error: --slot 20 s is too short") and result.stderr.count("\n") == 1
    assert not out.exists()
