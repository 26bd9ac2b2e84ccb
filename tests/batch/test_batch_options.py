"""``bulletin batch --station/--show``: the station and show of jobs that name none, written in the ID3 tags."""

from __future__ import annotations

import json

from mutagen.id3 import ID3

from helpers import run_bulletin


def test_batch_station_and_show_tag_the_jobs_that_name_none(tmp_path, tiny_voice_dir):
    stories = tmp_path / "stories"
    stories.mkdir()
    for name, body in {"budget": "Le conseil a voté le budget.", "meteo": "Il fera beau demain."}.items():
        (stories / f"{name}.txt").write_text(f"# {name.title()}\n\nLyon, 2 mars (RHC) {body}\n", encoding="utf-8")
    manifest = tmp_path / "jobs.jsonl"
    jobs = [
        {"name": "plain", "sources": ["stories/budget.txt"]},
        {"name": "own", "sources": ["stories/meteo.txt"], "station": "Radio Nord", "show": "Le flash"},
    ]
    manifest.write_text("".join(json.dumps(job) + "\n" for job in jobs), encoding="utf-8")
    out = tmp_path / "out"

    result = run_bulletin(
        "batch", manifest, "--out", out, "--workers", "1", "--voice", tiny_voice_dir, "--cache-dir", tmp_path / "cache",
        "--station", "Radio X", "--show", "Le journal", "--json",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    plain, own = ID3(out / "plain.mp3"), ID3(out / "own.mp3")
    assert (str(plain["TPE1"]), str(plain["TALB"])) == ("Radio X", "Le journal")
    assert (str(own["TPE1"]), str(own["TALB"])) == ("Radio Nord", "Le flash")  # a job's own values win

    default = run_bulletin(
        "batch", manifest, "--out", tmp_path / "default", "--workers", "1", "--voice", tiny_voice_dir,
        "--cache-dir", tmp_path / "cache", "--json",
    )  # fmt: skip
    assert default.returncode == 0, default.stderr
    tags = ID3(tmp_path / "default" / "plain.mp3")
    assert str(tags["TALB"]) == "Bulletin d'information" and str(tags["TPE1"]) == "Bulletin d'information"
