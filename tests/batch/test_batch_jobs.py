"""Planning a batch without running it: sources and manifests into jobs, names, input hashes, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bulletin.batch import Job, plan_jobs
from bulletin.errors import RequestError

from helpers import run_bulletin

ARTICLE = "# Titre\n\nParis, 1er mars (RHC) Le conseil a voté le budget.\n"


def articles(directory: Path, *names: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = directory / name
        path.write_text(ARTICLE.replace("Titre", name), encoding="utf-8")
        paths.append(path)
    return paths


def test_a_directory_makes_one_job_per_article_in_name_order(tmp_path):
    articles(tmp_path / "in", "b-second.txt", "a-first.md", "notes.pdf")
    jobs = plan_jobs([tmp_path / "in"])
    assert [job.name for job in jobs] == ["a-first", "b-second"]
    assert [job.output_name for job in jobs] == ["a-first.mp3", "b-second.mp3"]
    assert jobs[0].sources == (tmp_path / "in" / "a-first.md",)


def test_names_are_slugs_of_the_article_file_names(tmp_path):
    [path] = articles(tmp_path, "Coup d'État à Almaty.txt")
    assert plan_jobs([path])[0].name == "coup-d-etat-a-almaty"


def test_a_toml_manifest_sets_defaults_and_per_job_options(tmp_path):
    articles(tmp_path / "nord", "budget.txt", "meteo.txt")
    manifest = tmp_path / "stations.toml"
    manifest.write_text(
        'station = "Radio Nord"\nloudness_preset = "ebu-r128"\n\n'
        '[[job]]\nname = "nord-08h"\nsources = ["nord/budget.txt", "nord/meteo.txt"]\ndate = 2026-12-01\n\n'
        '[[job]]\nsources = "nord/meteo.txt"\nstation = "Radio Sud"\nvoice = "fr-siwis"\n',
        encoding="utf-8",
    )
    first, second = plan_jobs([manifest], Job(sources=(), voice="fr-css10", show="Le journal"))
    assert first.name == "nord-08h" and first.sources == (tmp_path / "nord/budget.txt", tmp_path / "nord/meteo.txt")
    assert (first.station, first.loudness_preset, first.voice, first.show) == (
        "Radio Nord",
        "ebu-r128",
        "fr-css10",
        "Le journal",
    )
    assert first.broadcast_date().isoformat() == "2026-12-01"
    assert (second.name, second.station, second.voice, second.loudness_preset) == (
        "meteo",
        "Radio Sud",
        "fr-siwis",
        "ebu-r128",
    )


def test_a_jsonl_manifest_is_one_job_a_line(tmp_path):
    articles(tmp_path, "a.txt", "b.txt")
    manifest = tmp_path / "jobs.jsonl"
    lines = [{"sources": ["a.txt"], "name": "one"}, {"sources": ["a.txt", "b.txt"], "loudness_preset": "atsc"}]
    manifest.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")
    jobs = plan_jobs([manifest])
    assert [(job.name, job.loudness_preset) for job in jobs] == [("one", "podcast"), ("a-b", "atsc")]


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        ('[[job]]\nsources = ["a.txt"]\nvoix = "x"\n', ".toml", "job 1: unknown key(s) voix"),
        ('[[job]]\nname = "x"\n', ".toml", "job 1: missing key(s) sources"),
        ('[[job]]\nsources = ["a.txt"]\nname = "../escape"\n', ".toml", "must be a file stem"),
        ('[[job]]\nsources = ["a.txt"]\nloudness_preset = "loud"\n', ".toml", "unknown loudness_preset 'loud'"),
        ('[[job]]\nsources = ["a.txt"]\ndate = "demain"\n', ".toml", "date 'demain' must be YYYY-MM-DD"),
        ('[[job]]\nsources = ["a.txt"]\nstation = 3\n', ".toml", "station must be a string"),
        ('speed = 2\n[[job]]\nsources = ["a.txt"]\n', ".toml", "unknown top-level key(s) speed"),
        ("[[job]\n", ".toml", "cannot read batch manifest"),
        ('{"sources": ["a.txt"]}\nnot json\n', ".jsonl", "line 2: not JSON"),
        ('["a.txt"]\n', ".jsonl", "line 1: a job must be a JSON object"),
        ("\n", ".jsonl", "the manifest has no job"),
    ],
)
def test_a_bad_manifest_names_the_file_the_entry_and_the_key(tmp_path, text, suffix, message):
    articles(tmp_path, "a.txt")
    manifest = tmp_path / f"m{suffix}"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(RequestError, match=re.escape(message)) as caught:
        plan_jobs([manifest])
    assert str(manifest) in str(caught.value)


def test_two_jobs_with_one_output_name_are_refused(tmp_path):
    first = articles(tmp_path / "x", "budget.txt")
    second = articles(tmp_path / "y", "budget.txt")
    with pytest.raises(RequestError, match=r"two jobs would write budget\.mp3 .*give them distinct names"):
        plan_jobs([*first, *second])


def test_a_missing_source_on_the_command_line_is_refused_but_one_in_a_manifest_is_the_job_s_own_failure(tmp_path):
    with pytest.raises(RequestError, match="absent.txt: no such file or directory"):
        plan_jobs([tmp_path / "absent.txt"])
    manifest = tmp_path / "m.jsonl"
    manifest.write_text('{"sources": ["absent.txt"]}\n', encoding="utf-8")
    assert plan_jobs([manifest])[0].sources == (tmp_path / "absent.txt",)  # the worker records its error


def test_the_input_hash_follows_the_article_bytes_and_the_options_only(tmp_path):
    [path] = articles(tmp_path, "a.txt")
    first = plan_jobs([path])[0].input_hash
    assert plan_jobs([path])[0].input_hash == first
    assert plan_jobs([path], Job(sources=(), station="Radio Nord"))[0].input_hash != first
    assert plan_jobs([path], Job(sources=(), loudness_preset="ebu-r128"))[0].input_hash != first
    assert plan_jobs([path], Job(sources=(), voice="fr-siwis"))[0].input_hash != first
    path.write_text(ARTICLE + "\nUn paragraphe de plus.\n", encoding="utf-8")
    assert plan_jobs([path])[0].input_hash != first


def test_several_workers_without_ray_say_to_install_the_dist_extra(tmp_path):
    """Ray is made unimportable (a ``ray`` package that raises ImportError first on the path)."""
    blocker = tmp_path / "no-ray" / "ray"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n", encoding="utf-8")
    [path] = articles(tmp_path / "in", "a.txt")
    out = tmp_path / "out"
    result = run_bulletin("batch", path, "--out", out, "--workers", "2", env={"PYTHONPATH": str(blocker.parent)})
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: several workers or --ray-address need Ray: pip install 'bulletin[dist]' (or use --workers 1)"
    )
    assert not (tmp_path / "out" / "a.mp3").exists()


def test_an_empty_directory_and_an_unknown_preset_fail_before_any_work(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_bulletin("batch", tmp_path / "empty", "--out", tmp_path / "out", "--workers", "1")
    assert result.returncode == 1 and "no .txt or .md article in this directory" in result.stderr
    [path] = articles(tmp_path / "in", "a.txt")
    result = run_bulletin("batch", path, "--out", tmp_path / "out", "--loudness-preset", "loud")
    assert result.returncode == 1 and "unknown loudness preset 'loud'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_second_batch_into_the_same_directory_is_refused_while_one_runs(tmp_path):
    import fcntl

    [path] = articles(tmp_path / "in", "a.txt")
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".batch.lock", "a") as held:  # what a running batch holds
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run_bulletin("batch", path, "--out", out, "--workers", "1")
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {out}: another batch is writing this directory; wait for it"
    assert sorted(p.name for p in out.iterdir()) == [".batch.lock"]
