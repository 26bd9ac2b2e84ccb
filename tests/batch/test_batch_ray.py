"""``bulletin batch`` on a real local Ray: failures isolated, resume, a worker killed mid-batch.

One Ray instance is started for the module (the runs join it with ``--ray-address`` or, in
process, by finding it initialised); the first run starts and stops its own, as a user's does.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path

import pytest
import ray
from mutagen.mp3 import MP3

from bulletin.audio.sidecars import sidecar_paths
from bulletin.batch import Job, read_results, run_batch

from helpers import run_bulletin

STORY = "# {title}\n\nParis, 1er mars (RHC) {body} La séance a duré quatre heures.\n"
BODIES = [
    "Le conseil municipal a voté le budget mardi soir.",
    "Les agriculteurs manifestent devant la préfecture.",
    "Le train de nuit reprend du service vers Nice.",
    "La bibliothèque ouvre le dimanche dès janvier.",
]


@pytest.fixture(scope="module")
def ray_address():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def write_articles(directory: Path, count: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, body in enumerate(BODIES[:count], 1):
        path = directory / f"article-{number}.txt"
        path.write_text(STORY.format(title=f"Nouvelle numéro {number}", body=body), encoding="utf-8")
        paths.append(path)
    return paths


def leftovers(directory: Path) -> list[str]:
    """Temp or staging files a crash could leave: none may remain."""
    return sorted(p.name for p in directory.rglob("*") if p.name.endswith(".tmp") or p.name == ".partial")


def stamps(paths) -> dict[str, int]:
    return {str(path): path.stat().st_mtime_ns for path in paths}


def test_four_articles_on_two_workers_one_bad_then_resume_synthesises_nothing(tmp_path, tiny_voice_dir, ray_address):
    sources = tmp_path / "in"
    good = write_articles(sources, 3)
    bad = sources / "bad.txt"
    bad.write_text("# Un titre sans texte\n", encoding="utf-8")
    out, cache = tmp_path / "out", tmp_path / "cache"
    common = ("--out", out, "--voice", tiny_voice_dir, "--cache-dir", cache)

    first = run_bulletin("batch", sources, *common, "--workers", "2")  # its own local Ray, started and stopped

    assert first.returncode == 1, first.stderr
    assert first.stderr.strip().splitlines()[-1] == "error: 1 of 4 job(s) failed: bad"
    assert "3 done, 1 failed, 0 skipped of 4 job(s)" in first.stdout and "(ray)" in first.stdout
    records = read_results(out / "results.jsonl")
    assert sorted(records) == ["article-1", "article-2", "article-3", "bad"]
    assert records["bad"]["error"] == f"{bad}: the article has a title but no body text; add at least one paragraph"
    assert not (out / "bad.mp3").exists()
    for path in good:
        audio = out / f"{path.stem}.mp3"
        record = records[path.stem]
        assert record["error"] is None and record["sources"] == [str(path)]
        assert MP3(audio).info.length == pytest.approx(record["duration_s"], abs=0.05)
        assert record["cache_misses"] > 0 and record["model_loads"] == 1  # one model load per worker
        for sidecar in sidecar_paths(audio).values():  # every sidecar a bulletin has
            assert sidecar.is_file()
    assert len({record["worker_pid"] for record in records.values()}) == 2  # two worker processes shared the jobs
    assert leftovers(out) == []
    outputs = sorted(out.glob("*.mp3"))
    before, cached = stamps(outputs), sorted(cache.rglob("*.wav"))

    joined = ("--ray-address", ray_address)  # the module's instance, as a cluster is joined
    again = run_bulletin("batch", sources, *common, "--workers", "2", "--resume", "--json", *joined)

    assert again.returncode == 1
    summary = json.loads(again.stdout)  # nothing but the JSON on stdout: Ray's notices stay off it
    assert (summary["ran"], summary["skipped"], summary["failed"]) == (1, 3, 1)
    assert stamps(outputs) == before and sorted(cache.rglob("*.wav")) == cached  # nothing synthesised
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 4

    good[0].write_text(STORY.format(title="Nouvelle corrigée", body=BODIES[0]), encoding="utf-8")
    edited = run_bulletin("batch", sources, *common, "--workers", "1", "--resume", "--json")  # in-process

    summary = json.loads(edited.stdout)
    assert (summary["runner"], summary["ran"], summary["skipped"]) == ("in-process", 2, 2)
    changed = {path for path, stamp in stamps(outputs).items() if stamp != before[path]}
    assert changed == {str(out / "article-1.mp3")}


def test_a_worker_killed_mid_batch_loses_no_job_and_leaves_no_partial_file(tmp_path, tiny_voice_dir, ray_address):
    sources, out = tmp_path / "in", tmp_path / "out"
    write_articles(sources, 4)
    killed: list[int] = []
    notices: list[str] = []

    def kill_the_first_worker_that_reports(record: dict) -> None:
        if not killed:  # that worker has already been handed its next job: it dies in the middle of it
            killed.append(record["worker_pid"])
            os.kill(record["worker_pid"], signal.SIGKILL)

    report = run_batch(
        [sources],
        out,
        Job(sources=(), voice=str(tiny_voice_dir)),
        workers=2,
        cache_dir=tmp_path / "cache",
        on_result=kill_the_first_worker_that_reports,
        on_notice=notices.append,
    )

    assert report.runner == "ray" and report.failed == [] and len(report.records) == 4
    assert any(f"worker pid {killed[0]} died; Ray restarted it" in line for line in notices), notices
    in_killed_process = [record for record in report.records if record["worker_pid"] == killed[0]]
    assert len(in_killed_process) == 1  # only the job it had finished: the one it died on ran again elsewhere
    assert sorted(p.name for p in out.glob("*.mp3")) == [f"article-{n}.mp3" for n in range(1, 5)]
    for record in report.records:
        assert MP3(record["output"]).info.length == pytest.approx(record["duration_s"], abs=0.05)
    assert leftovers(out) == []
    expected = [out / f"article-{n}.mp3" for n in range(1, 5)]
    expected += [sidecar for audio in list(expected) for sidecar in sidecar_paths(audio).values()]
    assert len(expected) == 4 * 6  # the audio and its vtt, srt, transcript, chapters and script
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
        [path.name for path in expected] + ["results.jsonl"]
    )
