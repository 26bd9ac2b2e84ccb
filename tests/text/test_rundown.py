"""The words of a newscast: times said right, greeting and sign-off from a station TOML, the script's frame."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin.errors import RequestError
from bulletin.text.article import Article
from bulletin.text.rundown import (
    Rundown,
    Station,
    air_time,
    fill,
    load_station,
    newscast_script,
    parse_air_time,
    sentence_segments,
    spoken_time,
)
from bulletin.text.segment import Script, Segment

from helpers import ROOT


@pytest.mark.parametrize(
    "hour, minute, said",
    [
        (0, 0, "minuit"),
        (8, 0, "huit heures"),
        (12, 0, "midi"),
        (18, 30, "dix-huit heures trente"),
        (1, 0, "une heure"),
        (21, 1, "vingt et une heures une"),
        (12, 15, "midi quinze"),
        (0, 45, "minuit quarante-cinq"),
        (23, 58, "vingt-trois heures cinquante-huit"),
    ],
)
def test_times_are_said_as_on_air(hour, minute, said):
    assert spoken_time(dt.time(hour, minute)) == said


@pytest.mark.parametrize(
    "now, air",
    [
        ("2026-12-01 23:58", "2026-12-02 00:00"),  # two minutes to midnight: the next newscast is midnight's
        ("2026-12-01 07:58", "2026-12-01 08:00"),
        ("2026-12-01 08:00", "2026-12-01 08:00"),
        ("2026-12-01 11:31", "2026-12-01 12:00"),
        ("2026-12-01 18:05", "2026-12-01 19:00"),
    ],
)
def test_the_air_time_is_the_next_full_hour(now, air):
    assert air_time(dt.datetime.fromisoformat(now)) == dt.datetime.fromisoformat(air)


def test_the_air_time_follows_the_station_rhythm():
    assert air_time(dt.datetime(2026, 12, 1, 18, 5), every_min=30) == dt.datetime(2026, 12, 1, 18, 30)


@pytest.mark.parametrize(
    "at, greeting, signoff",
    [
        (
            (0, 0),
            "Il est minuit, voici le journal de Radio Havane Cuba.",
            "C'était le journal de minuit. Prochain journal à une heure.",
        ),
        (
            (8, 0),
            "Il est huit heures, voici le journal de Radio Havane Cuba.",
            "C'était le journal de huit heures. Prochain journal à neuf heures.",
        ),
        (
            (12, 0),
            "Il est midi, voici le journal de Radio Havane Cuba.",
            "C'était le journal de midi. Prochain journal à treize heures.",
        ),
        (
            (18, 30),
            "Il est dix-huit heures trente, voici le journal de Radio Havane Cuba.",
            "C'était le journal de dix-huit heures trente. Prochain journal à dix-neuf heures trente.",
        ),
        (
            (23, 0),
            "Il est vingt-trois heures, voici le journal de Radio Havane Cuba.",
            "C'était le journal de vingt-trois heures. Prochain journal à minuit.",
        ),
        (
            (1, 0),
            "Il est une heure, voici le journal de Radio Havane Cuba.",
            "C'était le journal d'une heure. Prochain journal à deux heures.",
        ),
    ],
)
def test_greeting_and_sign_off_say_the_time(at, greeting, signoff):
    station = Station(name="Radio Havane Cuba")
    assert fill(station.greeting, dt.time(*at), station) == greeting
    assert fill(station.signoff, dt.time(*at), station) == signoff


def test_two_minutes_to_midnight_the_greeting_says_minuit():
    station = Station(name="Radio Test")
    air = air_time(dt.datetime(2026, 12, 1, 23, 58)).time()
    assert fill(station.greeting, air, station) == "Il est minuit, voici le journal de Radio Test."


@pytest.mark.parametrize(
    "name, greeting",
    [
        ("", "Il est onze heures, voici le journal."),
        ("Europe Normandie", "Il est onze heures, voici le journal d'Europe Normandie."),
        ("RCF", "Il est onze heures, voici le journal de RCF."),
    ],
)
def test_the_station_name_is_elided_or_left_out(name, greeting):
    station = Station(name=name)
    assert fill(station.greeting, dt.time(11, 0), station) == greeting
    assert fill(station.signoff, dt.time(11, 0), station).startswith("C'était le journal de onze heures.")


def test_the_example_station_file_loads():
    station = load_station(ROOT / "examples" / "station.toml")
    assert station.name == "Radio Havane Cuba" and station.stories == 3
    greeting = fill(station.greeting, dt.time(8, 0), station)
    assert greeting == "Il est huit heures, voici le journal de Radio Havane Cuba."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[station]\nnom = 'x'\n",
            " [station]: unknown key(s) nom; known keys: every_min, greeting, headlines_intro, name, signoff, "
            "slot_s, stories",
        ),
        ("[station]\nstories = 'trois'\n", " [station]: stories must be an integer"),
        ("[station]\ngreeting = 'Il est {heure}'\n", " [station]: greeting has an unknown placeholder 'heure'"),
        ("[station]\nstories = 0\n", " [station]: stories and every_min must be at least 1, slot_s 0 or more"),
        ("[station]\nslot_s = -1.0\n", " [station]: stories and every_min must be at least 1, slot_s 0 or more"),
        ("station = 3\n", ": [station] must be a table"),
        (
            "[station\n",
            ": cannot read station file: Expected ']' at the end of a table declaration (at line 1, column 9)",
        ),
    ],
)
def test_a_bad_station_file_is_one_line_naming_the_file_and_the_key(tmp_path, text, message):
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RequestError) as caught:
        load_station(path)
    assert str(caught.value) == f"{path}{message}"


@pytest.mark.parametrize("text", ["8", "25:00", "8:61", "huit heures", ""])
def test_a_bad_air_time_is_refused(text):
    with pytest.raises(RequestError, match="HH:MM"):
        parse_air_time(text)


def test_parse_air_time_reads_both_spellings():
    assert parse_air_time("8:00") == dt.time(8, 0) == parse_air_time("08h00")
    assert parse_air_time("18:30") == dt.time(18, 30)


def test_the_newscast_script_frames_the_stories():
    articles = [
        Article("Le port du Havre accueille un navire record", ("Le navire mesure quatre cents mètres.",)),
        Article("La cathédrale de Rouen rouvre", ("Mille visiteurs sont venus.", "Les visites reprendront.")),
    ]
    script = newscast_script(articles, Rundown(Station(name="Radio Test")), dt.time(8, 0))
    rows = [(s.role, s.story, s.text) for s in script.segments]
    assert rows[0] == ("greeting", 0, "Il est huit heures, voici le journal de Radio Test.")
    assert rows[1:3] == [
        ("headlines", 0, "Le port du Havre accueille un navire record."),
        ("headlines", 0, "La cathédrale de Rouen rouvre."),
    ]
    assert rows[3] == ("headline", 1, "Le port du Havre accueille un navire record.")
    assert [r[1] for r in rows[3:-1]] == [1, 1, 2, 2, 2]
    assert rows[-1] == ("signoff", 3, "C'était le journal de huit heures. Prochain journal à neuf heures.")
    assert script.title == "Journal de 8 h"


def test_sentence_segments_keep_the_dateline_with_the_first_sentence():
    script = Script(
        "t",
        (
            Segment("headline", "Titre."),
            Segment("lead", "Rouen, trente novembre. La cathédrale a rouvert lundi. Mille visiteurs sont venus.", 0),
        ),
    )
    assert [s.text for s in sentence_segments(script).segments] == [
        "Titre.",
        "Rouen, trente novembre. La cathédrale a rouvert lundi.",
        "Mille visiteurs sont venus.",
    ]


def test_a_newscast_passes_phonemes_to_a_voice_that_takes_them():
    from bulletin.text.article import parse_article
    from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable_spans

    lexicon = load_lexicon()
    article = parse_article('Titre\n\nLe président <phoneme alphabet="ipa" ph="tɔkaˈjɛf">Tokáev</phoneme> arrive.')

    def speak(text):
        return speakable_spans(text, FRENCH_ALPHABET, lexicon)

    kokoro = newscast_script([article], Rundown(), dt.time(8, 0), speak, 250, takes_phonemes=True)
    other = newscast_script([article], Rundown(), dt.time(8, 0), speak, 250)
    assert "tɔkaˈjɛf" in next(s.text for s in kokoro.segments if s.role == "lead")
    assert next(s.text for s in other.segments if s.role == "lead") == "Le président Tokaïev arrive."


def test_rundown_options_frame_a_newscast_only_with_rundown(tmp_path):
    from bulletin.text.rundown import Rundown, Station, rundown_from_options

    assert rundown_from_options(False) is None
    for stray in ({"at": "8:00"}, {"station_file": tmp_path / "station.toml"}):
        with pytest.raises(RequestError) as raised:
            rundown_from_options(False, **stray)
        assert str(raised.value) == "--at and --station-config frame a newscast: add --rundown"
    assert rundown_from_options(True) == Rundown(Station(), None)
    assert rundown_from_options(True, "18h30") == Rundown(Station(), dt.time(18, 30))
    config = tmp_path / "station.toml"
    config.write_text('[station]\nname = "Radio Test"\nstories = 2\n', encoding="utf-8")
    assert rundown_from_options(True, None, config) == Rundown(Station(name="Radio Test", stories=2), None)


@pytest.mark.parametrize(
    ("now", "every_min", "air"),
    [
        ("2026-12-01T08:07:00", 25, "2026-12-01T08:20:00"),  # multiples of 25 min from midnight, not from 8:00
        ("2026-12-01T08:00:30", 60, "2026-12-01T09:00:00"),  # a second late is the next hour
        ("2026-12-01T08:00:00.500000", 60, "2026-12-01T09:00:00"),
        ("2026-12-01T00:40:00", 50, "2026-12-01T00:50:00"),
    ],
)
def test_the_next_newscast_counts_from_midnight(now, every_min, air):
    assert air_time(dt.datetime.fromisoformat(now), every_min) == dt.datetime.fromisoformat(air)


def test_the_last_minute_of_the_day_is_an_air_time():
    assert parse_air_time("23:59") == dt.time(23, 59)
    for text in ("24:00", "23:60"):
        with pytest.raises(RequestError, match="HH:MM"):
            parse_air_time(text)


def test_a_station_file_may_leave_out_the_station_header(tmp_path):
    path = tmp_path / "station.toml"
    path.write_text('name = "Radio Test"\nstories = 1\nevery_min = 1\n', encoding="utf-8")
    assert load_station(path) == Station(name="Radio Test", stories=1, every_min=1)


def test_each_sentence_piece_keeps_its_written_words_and_only_the_last_its_cut_and_pause():
    from bulletin.text.spans import Rewrite

    spoken = "Il y a seize agents en poste. Le port est fermé ce matin. Il rouvre demain."
    written = "Il y a 16 agents en poste. Le port est fermé ce matin. Il rouvre demain."
    rewrite = Rewrite("16", "seize", "number", 7, 9, 7, 12)
    segment = Segment("lead", spoken, 0, 0, written, (rewrite,), cut="paragraph", pause_after_ms=900)
    pieces = sentence_segments(Script("t", (segment,))).segments
    assert [(p.text, p.written, p.cut, p.pause_after_ms) for p in pieces] == [
        ("Il y a seize agents en poste.", "Il y a 16 agents en poste.", "sentence", None),
        ("Le port est fermé ce matin.", "Le port est fermé ce matin.", "sentence", None),
        ("Il rouvre demain.", "Il rouvre demain.", "paragraph", 900),
    ]
    assert pieces[0].rewrites == (rewrite,) and pieces[1].rewrites == () and pieces[2].rewrites == ()


def test_a_sentence_of_five_words_is_kept_with_the_next_and_repeated_sentences_each_count():
    five = Segment("lead", "Un deux trois quatre cinq. Puis une phrase de sept mots.", 0)
    assert [s.text for s in sentence_segments(Script("t", (five,))).segments] == [five.text]
    six = Segment("lead", "Un deux trois quatre cinq six. Puis une phrase de sept mots.", 0)
    assert len(sentence_segments(Script("t", (six,))).segments) == 2
    again = "Le navire arrive au port ce matin."
    repeated = Segment("lead", f"{again} {again} Les dockers attendent depuis hier soir.", 0)
    assert [s.text for s in sentence_segments(Script("t", (repeated,))).segments] == [
        again,
        again,
        "Les dockers attendent depuis hier soir.",
    ]


def test_a_headlines_intro_follows_the_greeting_and_every_frame_line_is_outside_the_paragraphs():
    station = Station(name="Radio Test", headlines_intro="Voici les titres.")
    articles = [Article("Le port rouvre", ("Les dockers reprennent le travail.",))]
    script = newscast_script(articles, Rundown(station), dt.time(8, 0))
    rows = [(s.role, s.story, s.paragraph, s.text) for s in script.segments]
    assert rows[:3] == [
        ("greeting", 0, -1, "Il est huit heures, voici le journal de Radio Test."),
        ("greeting", 0, -1, "Voici les titres."),
        ("headlines", 0, -1, "Le port rouvre."),
    ]
    assert rows[-1][:3] == ("signoff", 2, -1)


def test_a_long_greeting_is_cut_at_max_chars_like_any_segment():
    station = Station(greeting="Bonjour à toutes et à tous, il est {time}, et voici sans plus attendre le journal.")
    script = newscast_script([Article("Titre", ("Texte.",))], Rundown(station), dt.time(8, 0), max_chars=40)
    greeting = [s.text for s in script.segments if s.role == "greeting"]
    assert len(greeting) > 1 and all(len(text) <= 40 for text in greeting)


def test_every_placeholder_of_a_station_template_is_said():
    station = Station(name="Europe 1", every_min=30)
    template = "{station} : il est {time}, le journal {de_time}, prochain à {next} , {de_station} ."
    assert fill(template, dt.time(23, 45), station) == (
        "Europe 1 : il est vingt-trois heures quarante-cinq, le journal de vingt-trois heures quarante-cinq, "
        "prochain à minuit quinze, d'Europe 1."
    )
    assert fill("Journal {de_station}.", dt.time(8, 0), Station()) == "Journal."  # a nameless station
