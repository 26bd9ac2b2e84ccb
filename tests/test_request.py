"""The rules every front end shares, without a voice: presets, pauses, ranges, output paths, render keys.

Fast (no model, no audio): these are the tests the mutation run (scripts/mutation.sh) uses
for bulletin/request.py and the rule functions of bulletin/pipeline.py. Expected values
come from the standards (EBU R128, ATSC A/85), the README and French, never from the code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from bulletin import newscast, pipeline
from bulletin import request as request_rules
from bulletin.audio.encode import Tags
from bulletin.audio.layout import MixSettings
from bulletin.errors import ArticleError, BulletinError, OutputError, RequestError
from bulletin.request import Bulletin, GenerateRequest, loudness_targets, parse_pauses, validate
from bulletin.text.article import Article
from bulletin.text.segment import Script, Segment


@pytest.mark.parametrize(
    ("preset", "lufs", "peak"),
    [("podcast", -16.0, -1.0), ("ebu-r128", -23.0, -1.0), ("atsc", -24.0, -2.0), ("smart-speaker", -14.0, -2.0)],
)
def test_loudness_presets_are_the_delivery_standards(preset, lufs, peak):
    assert loudness_targets(preset) == (lufs, peak)
    assert loudness_targets(preset, loudness_lufs=-30.0) == (-30.0, peak)
    assert loudness_targets(preset, true_peak_db=-6.0) == (lufs, -6.0)
    assert loudness_targets(preset, -30.0, -6.0) == (-30.0, -6.0)


def test_the_default_preset_is_podcast_and_an_unknown_one_names_the_known_ones():
    assert loudness_targets() == (-16.0, -1.0)
    with pytest.raises(RequestError) as raised:
        loudness_targets("Podcast")
    assert str(raised.value) == "unknown loudness preset 'Podcast'; use one of podcast, ebu-r128, atsc, smart-speaker"


def test_a_request_defaults_to_what_the_readme_says():
    request = GenerateRequest(articles=(Path("a.txt"),))
    assert (request.target_lufs, request.true_peak_db) == (-16.0, -1.0)
    assert (request.audio_format, request.bitrate_kbps, request.max_chars) == ("mp3", 128, 250)
    assert (request.voice, request.jingles, request.bed, request.output) == ("fr-css10", True, None, None)
    assert request.mix.bed_duck_db == -18.0 and request.mix.overlap_ms == 0


def test_pauses_default_per_role_and_an_item_overrides_only_its_role():
    defaults = {"headline": 900, "lead": 500, "body": 450, "source": 400, "greeting": 700, "headlines": 600}
    defaults["signoff"] = 400  # the last three frame a newscast
    assert dict(parse_pauses([])) == defaults
    pauses = parse_pauses(["body=1500", "headline=0", "source=10000"])
    assert dict(pauses) == {**defaults, "headline": 0, "body": 1500, "source": 10000}
    assert dict(parse_pauses(["lead=700", "lead=800"])) == {**defaults, "lead": 800}
    with pytest.raises(TypeError):
        pauses["body"] = 1  # read-only: a request cannot be changed after it was checked


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("body", "--pause 'body': write ROLE=MS with ROLE one of headline, lead, body, source, greeting"),
        ("body=", "--pause 'body=': write ROLE=MS with ROLE one of headline, lead, body, source, greeting"),
        ("=100", "--pause '=100': write ROLE=MS"),
        ("Body=100", "--pause 'Body=100': write ROLE=MS"),
        ("body=1.5", "--pause 'body=1.5': write ROLE=MS"),
        ("body=10001", "--pause 'body=10001': a pause must be 0 to 10000 ms"),
    ],
)
def test_a_bad_pause_says_what_to_write(item, message):
    with pytest.raises(RequestError) as raised:
        parse_pauses(["lead=600", item])
    assert str(raised.value).startswith(message)


def valid(**changes) -> GenerateRequest:
    """A request with every value in range, changed by ``changes`` (``mix``/``voice`` entries go where they belong)."""
    from bulletin.engines.base import VoiceOptions

    mix = {key: changes.pop(key) for key in ("overlap_ms", "bed_duck_db") if key in changes}
    voice = {key: changes.pop(key) for key in ("threads",) if key in changes}
    return GenerateRequest(
        articles=(Path("a.txt"),), mix=MixSettings(**mix), voice_options=VoiceOptions(**voice), **changes
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"max_chars": 40},
        {"max_chars": 2000},
        {"target_lufs": -40.0},
        {"target_lufs": -5.0},
        {"true_peak_db": -10.0},
        {"true_peak_db": 0.0},
        {"overlap_ms": 0},
        {"overlap_ms": 5000},
        {"bed_duck_db": -60.0},
        {"bed_duck_db": 0.0},
        {"bitrate_kbps": 64},
        {"bitrate_kbps": 192},
        {"audio_format": "wav", "bitrate_kbps": 320},  # a bitrate only matters for MP3
        {"audio_format": "flac"},
        {"audio_format": "ogg"},
        {"threads": 1},
        {"threads": 512},
        {"stories": 1},
        {"slot_s": 20.0},
        {"slot_s": 3600.0},
    ],
)
def test_values_at_the_ends_of_their_ranges_are_accepted(changes):
    validate(valid(**changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_chars": 39}, "--max-chars 39 is out of range; use 40 to 2000"),
        ({"max_chars": 2001}, "--max-chars 2001 is out of range; use 40 to 2000"),
        ({"target_lufs": -40.5}, "--loudness -40.5 LUFS is out of range; use -40 to -5 LUFS"),
        ({"target_lufs": -4.5}, "--loudness -4.5 LUFS is out of range; use -40 to -5 LUFS"),
        ({"true_peak_db": -10.5}, "--true-peak -10.5 dBTP is out of range; use -10 to 0 dBTP"),
        ({"true_peak_db": 0.5}, "--true-peak 0.5 dBTP is out of range; use -10 to 0 dBTP"),
        ({"overlap_ms": -1}, "--overlap-ms -1 ms is out of range; use 0 to 5000 ms"),
        ({"overlap_ms": 5001}, "--overlap-ms 5001 ms is out of range; use 0 to 5000 ms"),
        ({"bed_duck_db": -61.0}, "--duck-db -61 dB is out of range; use -60 to 0 dB"),
        ({"bed_duck_db": 1.0}, "--duck-db 1 dB is out of range; use -60 to 0 dB"),
        ({"bitrate_kbps": 63}, "--bitrate 63 kbps is out of range; use 64 to 192 kbps"),
        ({"bitrate_kbps": 193}, "--bitrate 193 kbps is out of range; use 64 to 192 kbps"),
        ({"audio_format": "MP3"}, "unknown format 'MP3'; use one of mp3, wav, flac, ogg"),
        ({"audio_format": "aiff"}, "unknown format 'aiff'; use one of mp3, wav, flac, ogg"),
        ({"threads": 0}, "--threads 0 is out of range; use 1 to 512"),
        ({"threads": 513}, "--threads 513 is out of range; use 1 to 512"),
        ({"stories": 0}, "--stories 0: ask for at least one story"),
        ({"slot_s": 19.5}, "--slot 19.5 s is out of range; use 20 to 3600 s"),
        ({"slot_s": 3601.0}, "--slot 3601 s is out of range; use 20 to 3600 s"),
    ],
)
def test_a_value_outside_its_range_names_the_option_and_the_range(changes, message):
    with pytest.raises(RequestError) as raised:
        validate(valid(**changes))
    assert str(raised.value) == message


def test_the_first_bad_value_is_the_one_reported_and_no_article_is_an_article_error():
    with pytest.raises(RequestError, match="^--max-chars"):
        validate(valid(max_chars=1, target_lufs=0.0))
    with pytest.raises(ArticleError) as raised:
        validate(GenerateRequest(articles=(), max_chars=1))
    assert str(raised.value) == "no article given; name at least one article file, URL, feed or - for stdin"


def test_bulletin_title_is_the_headline_or_the_journal_of_the_day_and_hour():
    eight = dt.datetime(2026, 11, 25, 8, 0)
    assert request_rules.bulletin_title(["Grève à Orly"], eight) == "Grève à Orly"
    assert request_rules.bulletin_title(["Grève à Orly", "Météo"], eight) == "Journal du 25 novembre 2026 à 8 h"
    new_year = dt.datetime(2027, 1, 1, 18, 30)
    assert request_rules.bulletin_title(["A", "B", "A"], new_year) == "Journal du 1er janvier 2027 à 18 h 30"
    assert request_rules.bulletin_title(["B", "A"], dt.datetime(2026, 8, 15, 7)) == "Journal du 15 août 2026 à 7 h"


def test_default_output_is_audio_out_date_slug(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    request = GenerateRequest(articles=(Path("a.txt"),), audio_format="ogg")
    path = request_rules.output_path(request, ["Coup d'État au Kazakhstan"], dt.datetime(2026, 1, 10, 8, 0))
    assert path == Path("audio_out/2026-01-10-coup-d-etat-au-kazakhstan.ogg")
    assert (tmp_path / "audio_out").is_dir()


def test_check_output_refuses_a_wrong_suffix_a_missing_directory_and_a_directory(tmp_path):
    check_output = request_rules.check_output
    check_output(tmp_path / "b.mp3", "mp3")
    check_output(tmp_path / "B.MP3", "mp3")
    with pytest.raises(OutputError) as raised:
        check_output(tmp_path / "b.wav", "mp3")
    assert str(raised.value) == f"{tmp_path}/b.wav: a mp3 file must end in .mp3; use -o NAME.mp3 or --format wav"
    with pytest.raises(OutputError, match=r"use -o NAME.flac or --format mp3$"):
        check_output(tmp_path / "b", "flac")
    with pytest.raises(OutputError) as raised:
        check_output(tmp_path / "missing" / "b.mp3", "mp3")
    assert str(raised.value) == f"{tmp_path}/missing: no such directory; create it or choose another output path"
    (tmp_path / "d.mp3").mkdir()
    with pytest.raises(OutputError) as raised:
        check_output(tmp_path / "d.mp3", "mp3")
    assert str(raised.value) == f"{tmp_path}/d.mp3: is a directory; give a file name"


def test_artwork_must_be_a_readable_png_or_jpeg(tmp_path):
    png, jpeg, gif = tmp_path / "a.png", tmp_path / "a.jpg", tmp_path / "a.gif"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"rest")
    jpeg.write_bytes(b"\xff\xd8\xff\xe0" + b"rest")
    gif.write_bytes(b"GIF89a" + b"rest")
    assert newscast.read_artwork(png) == png.read_bytes()
    assert newscast.read_artwork(jpeg) == jpeg.read_bytes()
    with pytest.raises(OutputError) as raised:
        newscast.read_artwork(gif)
    assert str(raised.value) == f"{gif}: the artwork must be a PNG or JPEG image"
    with pytest.raises(OutputError) as raised:
        newscast.read_artwork(tmp_path / "absent.png")
    assert str(raised.value) == (
        f"{tmp_path}/absent.png: cannot read the artwork (No such file or directory); give a PNG or JPEG file"
    )


def script(*segments: tuple[str, str, int, int]) -> Script:
    return Script("T", tuple(Segment(role, text, paragraph, story) for role, text, paragraph, story in segments))


RENDER = dict(
    segment_keys=["k1", "k2"],
    script=script(("headline", "T.", -1, 0), ("lead", "Un.", 0, 0)),
    tags=Tags(title="T", date="2026-11-25"),
    request=GenerateRequest(articles=(Path("a.txt"),)),
    parts={"intro": np.ones(4, np.float32), "outro": None, "stinger": None, "bed": None, "artwork": b"png"},
    slot_s=None,
)


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("segment_keys", ["k1", "k3"]),
        ("script", script(("headline", "T.", -1, 0), ("body", "Un.", 0, 0))),
        ("script", script(("headline", "T.", -1, 0), ("lead", "Un.", 1, 0))),
        ("script", script(("headline", "T.", -1, 0), ("lead", "Un.", 0, 1))),
        ("tags", Tags(title="T", date="2026-11-26")),
        ("tags", Tags(title="T", date="2026-11-25", station="Radio")),
        ("request", GenerateRequest(articles=(Path("a.txt"),), target_lufs=-23.0)),
        ("request", GenerateRequest(articles=(Path("a.txt"),), true_peak_db=-2.0)),
        ("request", GenerateRequest(articles=(Path("a.txt"),), audio_format="wav")),
        ("request", GenerateRequest(articles=(Path("a.txt"),), bitrate_kbps=96)),
        ("request", GenerateRequest(articles=(Path("a.txt"),), mix=MixSettings(overlap_ms=500))),
        ("request", GenerateRequest(articles=(Path("a.txt"),), mix=MixSettings(pauses_ms=parse_pauses(["body=9"])))),
        ("parts", {**RENDER["parts"], "intro": np.zeros(4, np.float32)}),
        ("parts", {**RENDER["parts"], "intro": None}),
        ("parts", {**RENDER["parts"], "outro": np.ones(4, np.float32)}),
        ("parts", {**RENDER["parts"], "stinger": np.ones(4, np.float32)}),
        ("parts", {**RENDER["parts"], "bed": np.ones(4, np.float32)}),
        ("parts", {**RENDER["parts"], "artwork": b"jpg"}),
        ("slot_s", 180.0),
    ],
)
def test_the_render_key_changes_with_every_input_that_shapes_the_file(name, changed):
    """A stale finished bulletin must never be copied out of the render cache."""
    key = pipeline._render_key(*RENDER.values())
    assert key == pipeline._render_key(*RENDER.values())
    assert pipeline._render_key(*{**RENDER, name: changed}.values()) != key


def test_the_render_key_ignores_what_does_not_shape_the_file(tmp_path):
    """The output path, cache and voice options are not part of the bytes: the same render is reused."""
    key = pipeline._render_key(*RENDER.values())
    other = dataclasses.replace(RENDER["request"], output=tmp_path / "x.mp3", cache_dir=tmp_path, lexicon=tmp_path)
    assert pipeline._render_key(*{**RENDER, "request": other}.values()) == key


def made(tmp_path, **changes) -> Bulletin:
    values = dict(
        output=tmp_path / "b.mp3",
        sidecars={"vtt": tmp_path / "b.vtt"},
        script=script(("headline", "T.", -1, 0), ("lead", "Un.", 0, 0), ("source", "S.", -1, 0)),
        voice="fr-siwis",
        duration_s=12.3456,
        speech_s=8.12345,
        jingles_s=3.04567,
        pauses_s=1.3449,
        loudness_lufs=-16.127,
        true_peak_db=-1.236,
        loudness_range_lu=4.449,
        cache_hits=2,
        cache_misses=1,
        dropped_characters=0,
        seconds=1.2345,
    )
    return Bulletin(**{**values, **changes})


def test_the_summary_is_rounded_json(tmp_path):
    said = script(("headline", "T.", -1, 0), ("lead", "Un.", 0, 0), ("source", "S.", -1, 0))
    said = dataclasses.replace(said, warnings=("<emphasis> ignored",), removed="🙂東")
    assert made(tmp_path, script=said).summary() == {
        "output": f"{tmp_path}/b.mp3",
        "duration_s": 12.346,
        "speech_s": 8.123,
        "jingles_s": 3.046,
        "pauses_s": 1.345,
        "segments": 3,
        "voice": "fr-siwis",
        "cache_hits": 2,
        "cache_misses": 1,
        "dropped_characters": 0,
        "removed_characters": 2,
        "warnings": ["<emphasis> ignored"],
        "loudness_lufs": -16.13,
        "true_peak_db": -1.24,
        "loudness_range_lu": 4.45,
        "seconds": 1.23,
        "files": {"vtt": f"{tmp_path}/b.vtt"},
    }


def test_deliver_without_check_or_publish_does_nothing_more(tmp_path):
    delivery = pipeline.deliver(made(tmp_path))
    assert delivery.report is None and delivery.episode is None and delivery.passed
    assert list(tmp_path.iterdir()) == []


def test_a_delivery_passes_unless_its_check_failed(tmp_path):
    from bulletin.qa.listen import CheckReport

    def report(passed: bool) -> CheckReport:
        return CheckReport(0.1, (), 0.25, 0.5, passed)

    assert pipeline.Delivery(made(tmp_path)).passed
    assert pipeline.Delivery(made(tmp_path), report(True)).passed
    assert not pipeline.Delivery(made(tmp_path), report(False)).passed


def test_spoken_script_refuses_a_max_chars_out_of_range_before_reading(tmp_path):
    for value in (39, 2001):
        with pytest.raises(RequestError) as raised:
            pipeline.spoken_script(tmp_path / "absent.txt", max_chars=value)
        assert str(raised.value) == f"--max-chars {value} is out of range; use 40 to 2000"


def test_tags_describe_one_story_by_its_lead_and_several_by_their_titles():
    request = GenerateRequest(articles=(Path("a.txt"),), station="Radio Test", show="Le journal")
    lead = Article(title="Grève", paragraphs=("Les vols sont réduits.", "Suite."), dateline="Paris, 25 novembre")
    plain = Article(title="Météo", paragraphs=("Il fera beau.",))
    day = dt.date(2026, 11, 25)
    assert newscast.bulletin_tags([lead], "Grève", day, request) == Tags(
        title="Grève",
        station="Radio Test",
        show="Le journal",
        date="2026-11-25",
        description="Paris, 25 novembre – Les vols sont réduits.",
    )
    assert newscast.bulletin_tags([plain], "Météo", day, request).description == "Il fera beau."
    several = newscast.bulletin_tags([lead, plain], "Journal du 25 novembre 2026", day, request)
    assert (several.title, several.description) == ("Journal du 25 novembre 2026", "Grève / Météo")


def channel_toml(path: Path) -> Path:
    path.write_text(
        'title = "T"\ndescription = "D"\nauthor = "A"\nowner_email = "a@example.org"\n'
        'base_url = "https://example.org/p"\n',
        encoding="utf-8",
    )
    return path


def test_deliver_publishes_what_passed_and_never_what_failed(tmp_path, monkeypatch):
    """The rule "publish only what passed its check": the listen-back itself is stood in for by its report."""
    from bulletin.qa import listen
    from bulletin.qa.listen import CheckReport

    from helpers import make_bulletin

    audio = make_bulletin(tmp_path / "out", "b")
    bulletin = made(tmp_path, output=audio, sidecars={"script": audio.with_suffix(".script.json")})
    config = channel_toml(tmp_path / "channel.toml")
    heard = []

    def check_file(audio_path, script_path, max_wer):
        heard.append((audio_path, script_path, max_wer))
        return CheckReport(0.9, (), max_wer, 0.5, max_wer > 1.0)

    monkeypatch.setattr(listen, "check_file", check_file)
    failed = pipeline.deliver(bulletin, check=True, max_wer=0.3, publish_dir=tmp_path / "feed", feed_config=config)
    assert heard == [(audio, audio.with_suffix(".script.json"), 0.3)]
    assert not failed.passed and failed.episode is None and not (tmp_path / "feed").exists()
    passed = pipeline.deliver(bulletin, check=True, max_wer=2.0, publish_dir=tmp_path / "feed", feed_config=config)
    assert passed.passed and passed.report.max_wer == 2.0 and passed.episode.status == "added"
    assert (tmp_path / "feed" / "episodes" / "b.mp3").read_bytes() == audio.read_bytes()
    unchecked = pipeline.deliver(bulletin, publish_dir=tmp_path / "feed2", feed_config=config)
    assert unchecked.report is None and unchecked.episode.status == "added" and len(heard) == 2


def test_publish_file_finds_the_channel_beside_the_feed_then_in_the_current_directory(tmp_path, monkeypatch):
    from helpers import make_bulletin

    audio = make_bulletin(tmp_path / "out", "b")
    monkeypatch.chdir(tmp_path)
    feed = tmp_path / "feed"
    with pytest.raises(BulletinError, match="^no channel file: pass --config podcast.toml"):
        pipeline.publish_file(audio, feed)
    channel_toml(tmp_path / "podcast.toml")
    assert pipeline.publish_file(audio, feed).audio_url == "https://example.org/p/episodes/b.mp3"
    feed.mkdir(exist_ok=True)
    (feed / "podcast.toml").write_text(
        (tmp_path / "podcast.toml").read_text().replace("example.org/p", "beside.example/q"), encoding="utf-8"
    )
    episode = pipeline.publish_file(audio, tmp_path / "feed", base_url=None, replace=True)
    assert episode.audio_url == "https://beside.example/q/episodes/b.mp3"


# --- what a run says and refuses before any voice is loaded ------------------------------------


def test_the_summary_carries_the_slot_fit_when_a_slot_was_asked(tmp_path):
    from bulletin.audio.fit import SlotFit

    fit = SlotFit(slot_s=60.0, planned_s=59.98765, stretch=1.23456, dropped=((1, "Une phrase."),), dropped_s=2.345)
    assert made(tmp_path, slot_fit=fit).summary()["slot"] == {
        "slot_s": 60.0,
        "planned_s": 59.988,
        "stretch": 1.235,
        "dropped_sentences": 1,
        "dropped_s": 2.35,
        "dropped": [{"story": 1, "text": "Une phrase."}],
        "enough_material": True,
    }
    assert "slot" not in made(tmp_path).summary()


def test_the_script_report_lists_each_segment_and_every_character_left_out():
    from collections import Counter

    from bulletin.request import SpokenScript

    said = dataclasses.replace(
        Script("Titre", (Segment("headline", "Titre.", -1, 0, written="Titre."), Segment("lead", "Un.", 0, 1))),
        warnings=("<emphasis> ignored",),
    )
    report = SpokenScript(said, "fr-siwis", Counter({"ß": 2, "ø": 1}), Counter({"🙂": 3})).to_dict()
    assert report == {
        "title": "Titre",
        "voice": "fr-siwis",
        "segments": [
            {"role": "headline", "story": 0, "text": "Titre.", "written": "Titre."},
            {"role": "lead", "story": 1, "text": "Un.", "written": "Un."},
        ],
        "dropped_characters": 3,
        "dropped": {"ß": 2, "ø": 1},
        "removed_characters": 3,
        "removed": {"🙂": 3},
        "warnings": ["<emphasis> ignored"],
    }


def test_the_speech_budget_refuses_past_the_limit_and_extrapolates_to_the_whole_article():
    from bulletin.request import SpeechBudget

    article = Article(title="Titre", paragraphs=("a" * 1195,))  # 1,200 written characters
    budget = SpeechBudget(1.0, 10.0, [article])  # 1 minute at 10 characters a second: 600 spoken
    assert budget.count("a" * 400, "b" * 400) == "b" * 400
    assert budget.count("", "b" * 200) == "b" * 200  # exactly at the limit: still allowed
    with pytest.raises(RequestError) as raised:
        budget.count("a" * 200, "b")  # 601 spoken for 600 written: about 1,202 for the whole article
    assert str(raised.value) == (
        "the article would make about 2 minutes of speech (1,202 spoken characters at 10 a second), "
        "over the 1-minute limit; raise the limit with --max-minutes 3 or shorten the articles"
    )


def test_the_speech_budget_of_several_articles_and_of_an_absurd_one():
    from bulletin.request import SpeechBudget

    two = [Article(title="Un", paragraphs=("x",)), Article(title="Deux", paragraphs=("y",))]
    budget = SpeechBudget(1.0, 0, two)  # no rate known: the default, 14.1 characters a second
    with pytest.raises(RequestError) as raised:
        budget.count("", "b" * 847)  # 60 s x 14.1 = 846 allowed
    said = "the articles would make about 1 minutes of speech (847 spoken characters at 14.1 a second)"
    assert str(raised.value).startswith(said)
    huge = SpeechBudget(600.0, 10.0, [Article(title="T", paragraphs=("a" * 999,))])
    with pytest.raises(RequestError) as raised:
        huge.count("a" * 10, "b" * 360_001)
    assert str(raised.value).endswith("over the 600-minute limit; shorten the articles (--max-minutes goes up to 600)")
    assert "36,000,100 spoken characters" in str(raised.value)  # 360,001 x 1,000 written / 10 read


def test_a_bulletin_airs_on_its_date_at_its_time_or_the_newscast_hour():
    from bulletin.request import broadcast_moment

    dated = GenerateRequest(articles=(Path("a.txt"),), date=dt.date(2026, 12, 1), time=dt.time(7, 45))
    assert broadcast_moment(dated) == dt.datetime(2026, 12, 1, 7, 45)
    assert broadcast_moment(dated, dt.time(8, 0)) == dt.datetime(2026, 12, 1, 8, 0)
    before = dt.datetime.now().replace(second=0, microsecond=0)
    undated = broadcast_moment(GenerateRequest(articles=(Path("a.txt"),)))
    assert before <= undated <= dt.datetime.now() and undated.second == 0 and undated.microsecond == 0


def test_names_keep_capitals_and_a_nameless_station_is_called_station():
    moment = dt.datetime(2026, 12, 1, 8, 5)
    assert request_rules.file_stem("XINHUA-{date}-{time}", "t", moment, "") == "XINHUA-2026-12-01-08h05"
    assert request_rules.file_stem("{station}-{slug}", "Le Titre", moment, "!!!") == "station-le-titre"
    assert request_rules.file_stem("{station}", "t", moment, "Radio Havane Cuba") == "radio-havane-cuba"


def test_an_explicit_output_is_used_as_given(tmp_path):
    asked = GenerateRequest(articles=(Path("a.txt"),), output=tmp_path / "x" / "Mon Journal.mp3")
    assert request_rules.output_path(asked, ["T"], dt.datetime(2026, 1, 1)) == tmp_path / "x" / "Mon Journal.mp3"


def test_a_wrong_suffix_names_the_format_it_looks_like(tmp_path):
    with pytest.raises(OutputError) as raised:
        request_rules.check_output(tmp_path / "b.XWAV", "mp3")
    assert str(raised.value) == f"{tmp_path}/b.XWAV: a mp3 file must end in .mp3; use -o NAME.mp3 or --format XWAV"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_minutes": 0.5}, "--max-minutes 0.5 min is out of range; use 1 to 600 min"),
        ({"max_minutes": 601.0}, "--max-minutes 601 min is out of range; use 1 to 600 min"),
        ({"speed": 0.79}, "--speed 0.79 is out of range; use 0.8 to 1.25"),
        ({"speed": 1.26}, "--speed 1.26 is out of range; use 0.8 to 1.25"),
        (
            {"output": Path("b.mp3"), "name": "{slug}"},
            "give either -o/--output (a path) or --name (a template in audio_out/), not both",
        ),
    ],
)
def test_out_of_range_values_are_refused_in_one_line(changes, message):
    from bulletin.engines.base import VoiceOptions

    changes = dict(changes)  # the parameter is shared by every run of the test
    speed = changes.pop("speed", None)
    asked = GenerateRequest(articles=(Path("a.txt"),), voice_options=VoiceOptions(speed=speed), **changes)
    with pytest.raises(RequestError) as raised:
        validate(asked)
    assert str(raised.value) == message


@pytest.mark.parametrize(("speed", "minutes"), [(0.8, 1.0), (1.25, 600.0), (None, 5.0)])
def test_the_ends_of_each_range_are_allowed(speed, minutes):
    from bulletin.engines.base import VoiceOptions

    validate(GenerateRequest(articles=(Path("a.txt"),), voice_options=VoiceOptions(speed=speed), max_minutes=minutes))


def test_a_newscast_is_titled_by_its_hour_and_its_chapters_frame_the_stories():
    from bulletin.text.rundown import Rundown

    plain = GenerateRequest(articles=(Path("a.txt"),))
    cast = GenerateRequest(articles=(Path("a.txt"),), rundown=Rundown())
    stories = [Article(title="Un", paragraphs=("x",)), Article(title="Deux", paragraphs=("y",))]
    assert newscast.title_of(plain, None) is None
    assert newscast.title_of(cast, dt.time(18, 5)) == "Journal de 18 h 05"
    assert newscast.story_titles(plain, stories) == ["Un", "Deux"]
    assert newscast.story_titles(cast, stories) == ["Les titres", "Un", "Deux", "Fin du journal"]


def test_the_slot_is_the_requests_else_the_stations_else_none():
    from bulletin.text.rundown import Rundown, Station

    station = Rundown(station=Station(slot_s=180.0))
    assert newscast.slot_of(GenerateRequest(articles=(Path("a.txt"),))) is None
    assert newscast.slot_of(GenerateRequest(articles=(Path("a.txt"),), rundown=Rundown())) is None
    assert newscast.slot_of(GenerateRequest(articles=(Path("a.txt"),), rundown=station)) == 180.0
    assert newscast.slot_of(GenerateRequest(articles=(Path("a.txt"),), rundown=station, slot_s=60.0)) == 60.0


def test_a_delivery_refuses_other_audio_under_a_published_name_unless_asked_to_replace(tmp_path):
    """A second, different bulletin under the same name never silently replaces the episode on air."""
    from helpers import make_bulletin

    config = channel_toml(tmp_path / "channel.toml")
    first = made(tmp_path, output=make_bulletin(tmp_path / "one", "b", seconds=2.0))
    delivered = pipeline.deliver(first, publish_dir=tmp_path / "feed", feed_config=config)
    assert delivered.bulletin is first and delivered.episode.status == "added"
    second = made(tmp_path, output=make_bulletin(tmp_path / "two", "b", seconds=3.0))
    with pytest.raises(OutputError, match="--replace"):
        pipeline.deliver(second, publish_dir=tmp_path / "feed", feed_config=config)
    assert (tmp_path / "feed" / "episodes" / "b.mp3").read_bytes() == first.output.read_bytes()
    replaced = pipeline.deliver(second, publish_dir=tmp_path / "feed", feed_config=config, replace=True)
    assert replaced.episode.status == "replaced"
    assert (tmp_path / "feed" / "episodes" / "b.mp3").read_bytes() == second.output.read_bytes()
