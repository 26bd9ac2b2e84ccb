"""What a bulletin is called and where it goes: titles, --name templates, never overwriting, notices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bulletin import GenerateRequest, MixSettings, defaults
from bulletin.errors import OutputError, RequestError
from bulletin.request import (
    bulletin_title,
    check_output,
    file_stem,
    french_date,
    french_hour,
    notices,
    output_path,
    validate,
)

MORNING = dt.datetime(2026, 12, 1, 8, 0)


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (dt.date(2026, 12, 1), "1er décembre 2026"),
        (dt.date(2026, 11, 25), "25 novembre 2026"),
        (dt.date(2027, 2, 2), "2 février 2027"),
        (dt.date(2026, 8, 1), "1er août 2026"),
    ],
)
def test_a_date_is_written_the_french_way(day, written):
    assert french_date(day) == written


@pytest.mark.parametrize(
    ("clock", "written"), [(dt.time(8, 0), "8 h"), (dt.time(18, 30), "18 h 30"), (dt.time(0, 5), "0 h 05")]
)
def test_an_hour_is_written_the_way_news_write_it(clock, written):
    assert french_hour(clock) == written


def test_one_story_is_titled_by_its_headline_several_by_the_day_and_hour():
    assert bulletin_title(["Grève à la SNCF"], MORNING) == "Grève à la SNCF"
    assert bulletin_title(["A", "B"], MORNING) == "Journal du 1er décembre 2026 à 8 h"
    assert bulletin_title(["A", "B", "C"], dt.datetime(2026, 12, 1, 9, 0)) != bulletin_title(["A", "B"], MORNING)


def default_name(tmp_path, monkeypatch, titles, **changes) -> str:
    monkeypatch.setattr(defaults, "OUTPUT_DIR", tmp_path / "audio_out")
    request = GenerateRequest(articles=tuple(Path(f"{n}.txt") for n in range(len(titles))), **changes)
    return output_path(request, titles, MORNING).name


def test_default_names_carry_the_date_once_and_the_hour_when_several_stories(tmp_path, monkeypatch):
    assert default_name(tmp_path, monkeypatch, ["Grève à la SNCF"]) == "2026-12-01-greve-a-la-sncf.mp3"
    journal = default_name(tmp_path, monkeypatch, ["Grève à la SNCF", "Météo"])
    assert journal == "2026-12-01-08h00-journal.mp3"  # not 2026-12-01-journal-du-1-decembre-2026
    nine = output_path(GenerateRequest(articles=(Path("a"), Path("b"))), ["A", "B"], MORNING.replace(hour=9)).name
    assert nine != journal  # the next hour's journal is another file
    assert (tmp_path / "audio_out").is_dir()


def test_a_name_template_takes_date_time_slug_and_station(tmp_path, monkeypatch):
    name = default_name(
        tmp_path,
        monkeypatch,
        ["Grève"],
        name="{station}_{date}_{time}_{slug}",
        station="Radio Havane Cuba",
        audio_format="ogg",
    )
    assert name == "radio-havane-cuba_2026-12-01_08h00_greve.ogg"
    assert default_name(tmp_path, monkeypatch, ["Grève"], name="journal.mp3") == "journal.mp3"  # no double .mp3
    assert default_name(tmp_path, monkeypatch, ["Grève"], name="{station}") == "bulletin-d-information.mp3"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{heure}", r"unknown placeholder \{heure\}; use \{date\}, \{time\}, \{slug\}, \{station\}"),
        ("{date:%Y}", "unknown placeholder"),
        ("{date", "use the placeholders"),
        ("../{slug}", "a file name, not a path"),
        ("sub/{slug}", "a file name, not a path"),
        (".{slug}", "not hidden"),
        ("", "a file name"),
    ],
)
def test_a_bad_name_template_is_one_clear_error_before_any_work(template, message):
    with pytest.raises(RequestError, match=message):
        validate(GenerateRequest(articles=(Path("a.txt"),), name=template))
    with pytest.raises(RequestError, match=message):
        file_stem(template, "titre", MORNING, "station")


def test_name_and_output_together_are_refused():
    with pytest.raises(RequestError, match="either -o/--output .* or --name"):
        validate(GenerateRequest(articles=(Path("a.txt"),), output=Path("b.mp3"), name="{slug}"))


def test_an_existing_output_is_never_replaced_without_force(tmp_path):
    existing = tmp_path / "b.mp3"
    existing.write_bytes(b"the 8 o'clock journal")
    with pytest.raises(OutputError, match=r"b.mp3: already exists; pass --force to replace it"):
        check_output(existing, "mp3")
    check_output(existing, "mp3", force=True)
    check_output(tmp_path / "new.mp3", "mp3")
    assert existing.read_bytes() == b"the 8 o'clock journal"


def test_overlap_without_jingles_is_noticed():
    plain = GenerateRequest(articles=(Path("a.txt"),))
    assert notices(plain) == []
    assert notices(GenerateRequest(articles=(Path("a.txt"),), mix=MixSettings(overlap_ms=800))) == []
    quiet = GenerateRequest(articles=(Path("a.txt"),), jingles=False, mix=MixSettings(overlap_ms=800))
    assert notices(quiet) == ["--overlap-ms 800 has no effect with --no-jingles (there is no intro)"]
