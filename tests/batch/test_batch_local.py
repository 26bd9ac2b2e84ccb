"""``bulletin batch --workers 1`` without Ray: a manifest of 2 stations x 2 hours, voices and loudness per station."""

from __future__ import annotations

import json
from pathlib import Path

import pyloudnorm
import pytest
import soundfile
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from helpers import build_test_voice, run_bulletin

STORIES = {
    "budget": "Le conseil municipal a voté le budget mardi soir.",
    "greve": "Les cheminots sont en grève depuis lundi matin.",
    "meteo": "Il fera beau demain sur toute la région.",
    "sport": "Le club local a gagné son match de samedi.",
}


@pytest.fixture(scope="module")
def second_voice(tmp_path_factory) -> Path:
    """Another random tiny VITS (other weights): a station with its own voice."""
    return build_test_voice(tmp_path_factory.mktemp("voice-b") / "tiny-b", "tiny", seed=1)


def lufs(path: Path) -> float:
    samples, rate = soundfile.read(path, dtype="float64")
    return pyloudnorm.Meter(rate).integrated_loudness(samples)


def test_two_stations_by_two_hours_from_a_manifest_in_process_without_ray(tmp_path, tiny_voice_dir, second_voice):
    stories = tmp_path / "stories"
    stories.mkdir()
    for name, body in STORIES.items():
        (stories / f"{name}.txt").write_text(f"# {name.title()}\n\nLyon, 2 mars (RHC) {body}\n", encoding="utf-8")
    stations = {
        "nord": ("Radio Nord", str(tiny_voice_dir), "podcast", -16.0),
        "sud": ("Radio Sud", str(second_voice), "ebu-r128", -23.0),
    }
    hours = {"08h": ["stories/budget.txt", "stories/meteo.txt"], "09h": ["stories/greve.txt", "stories/sport.txt"]}
    manifest = tmp_path / "stations.jsonl"
    manifest.write_text(
        "".join(
            json.dumps(
                {
                    "name": f"{key}-{hour}",
                    "sources": sources,
                    "station": station,
                    "voice": voice,
                    "loudness_preset": preset,
                    "date": "2026-12-01",
                }
            )
            + "\n"
            for key, (station, voice, preset, _) in stations.items()
            for hour, sources in hours.items()
        ),
        encoding="utf-8",
    )
    blocker = tmp_path / "no-ray" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n", encoding="utf-8")
    out = tmp_path / "out"

    result = run_bulletin(
        "batch", manifest, "--out", out, "--workers", "1", "--cache-dir", tmp_path / "cache", "--json",
        env={"PYTHONPATH": str(blocker.parent)},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["runner"], summary["done"], summary["failed"]) == ("in-process", 4, 0)
    records = {record["job"]: record for record in summary["results"]}
    assert sorted(records) == ["nord-08h", "nord-09h", "sud-08h", "sud-09h"]
    for key, (station, voice, _, target_lufs) in stations.items():
        for hour in hours:
            audio = out / f"{key}-{hour}.mp3"
            tags = ID3(audio)
            assert str(tags["TPE1"]) == station and str(tags["TDRC"]) == "2026-12-01"
            assert len(tags.getall("CHAP")) >= 2  # two stories, one chapter each at least
            assert abs(lufs(audio) - target_lufs) < 1.0, (audio.name, lufs(audio))
            assert MP3(audio).info.length == pytest.approx(records[f"{key}-{hour}"]["duration_s"], abs=0.05)
            assert records[f"{key}-{hour}"]["voice"] == voice
    # one process, two voices, each loaded once and kept for the station's second hour
    assert {record["model_loads"] for record in records.values()} == {1}
    assert len({record["worker_pid"] for record in records.values()}) == 1
