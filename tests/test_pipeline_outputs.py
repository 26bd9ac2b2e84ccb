"""What produce() leaves for people: chapters per story, names and titles, no silent overwrite, stages."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from bulletin import GenerateRequest, defaults, produce
from bulletin.errors import OutputError

STORIES = {
    "sncf.txt": "Grève à la SNCF : 3,5 % de trains en moins\n\nParis, 1er décembre (AFP) La SNCF prévoit 3,5 % de "
    "trains en moins mardi.\n\nLes syndicats SUD-Rail et CGT appellent à la grève.\n\n(Source : AFP)\n",
    "otsc.txt": "L'OTSC envoie 16 agents au Kazakhstan\n\nAstana, 10 janvier (RHC) L'OTSC a envoyé 16 agents.\n",
    "meteo.txt": "Météo : 12 °C à Lyon\n\nIl fera 12 degrés à Lyon jeudi, sous un ciel gris.\n",
}
TITLES = ["Grève à la SNCF : 3,5 % de trains en moins", "L'OTSC envoie 16 agents au Kazakhstan", "Météo : 12 °C à Lyon"]
MORNING = {"date": dt.date(2026, 12, 1), "time": dt.time(8, 0)}


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("stories")
    for name, text in STORIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return [folder / name for name in STORIES]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def audio_out(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(defaults, "OUTPUT_DIR", tmp_path / "audio_out")
    return tmp_path / "audio_out"


def chapters_of(path: Path) -> tuple[list, list]:
    """(ID3 chapters, .chapters.json chapters) as (start ms, title), read back independently."""
    id3 = [
        (c.start_time, str(c.sub_frames["TIT2"])) for c in sorted(ID3(path).getall("CHAP"), key=lambda c: c.start_time)
    ]
    sidecar = json.loads(path.with_suffix(".chapters.json").read_text(encoding="utf-8"))["chapters"]
    return id3, [(round(c["startTime"] * 1000), c["title"]) for c in sidecar]


def test_one_story_has_three_chapters_under_its_written_title(tmp_path, articles, cache, tiny_voice_dir):
    out = tmp_path / "b.mp3"
    produce(GenerateRequest(articles=(articles[0],), voice=str(tiny_voice_dir), output=out, cache_dir=cache))
    id3, sidecar = chapters_of(out)
    assert id3 == sidecar
    assert [title for _, title in id3] == ["Générique", TITLES[0], "Fin"]  # not one chapter per paragraph


def test_three_stories_named_by_hour_one_chapter_each(audio_out, articles, cache, tiny_voice_dir):
    request = GenerateRequest(articles=tuple(articles), voice=str(tiny_voice_dir), cache_dir=cache, **MORNING)
    result = produce(request)
    assert result.output == audio_out / "2026-12-01-08h00-journal.mp3"
    assert str(ID3(result.output)["TIT2"]) == "Journal du 1er décembre 2026 à 8 h"
    id3, sidecar = chapters_of(result.output)
    assert id3 == sidecar
    assert [title for _, title in id3] == ["Générique", *TITLES, "Fin"]
    script = json.loads(result.sidecars["script"].read_text(encoding="utf-8"))["segments"]
    headlines = [round(s["start_s"] * 1000) for s in script if s["role"] == "headline"]
    assert id3[1][0] == headlines[0] and all(a < h for (a, _), h in zip(id3[2:4], headlines[1:]))

    nine = produce(replace(request, time=dt.time(9, 0)))
    assert nine.output.name == "2026-12-01-09h00-journal.mp3" and result.output.is_file()  # the 8 h one is kept


def test_the_same_name_twice_is_refused_unless_forced(audio_out, articles, cache, tiny_voice_dir):
    request = GenerateRequest(articles=(articles[1],), voice=str(tiny_voice_dir), cache_dir=cache, **MORNING)
    first = produce(request)
    before = first.output.read_bytes()
    again = replace(request, station="Radio Test")
    with pytest.raises(OutputError, match="already exists; pass --force"):
        produce(again)
    assert first.output.read_bytes() == before
    forced = produce(replace(again, force=True))
    assert forced.output == first.output and forced.output.read_bytes() != before
    assert str(ID3(forced.output)["TPE1"]) == "Radio Test"


def test_without_a_station_the_artist_is_the_show_not_the_tool(tmp_path, articles, cache, tiny_voice_dir):
    out = tmp_path / "b.mp3"
    produce(GenerateRequest(articles=(articles[2],), voice=str(tiny_voice_dir), output=out, cache_dir=cache))
    assert str(ID3(out)["TPE1"]) == defaults.SHOW == str(ID3(out)["TALB"])
    assert str(ID3(out)["TPE1"]) != "bulletin"


def test_a_model_load_is_its_own_stage_before_speaking(tmp_path, articles, tiny_voice_dir):
    stages = []

    def progress(done: int, total: int, stage: str) -> None:
        if not stages or stages[-1] != stage:
            stages.append(stage)

    request = GenerateRequest(
        articles=(articles[2],), voice=str(tiny_voice_dir), output=tmp_path / "a.mp3", cache_dir=tmp_path / "c"
    )
    produce(request, progress=progress)
    assert stages == ["loading voice", "speaking", "mixing"]
    stages.clear()
    produce(replace(request, output=tmp_path / "b.mp3", show="Autre"), progress=progress)
    assert stages == ["speaking", "mixing"]  # every segment cached: no model to load
