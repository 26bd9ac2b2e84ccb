"""What a batch is made of: jobs (one bulletin each), read from article files, directories and manifests.

A manifest is TOML (top-level keys are defaults for every job, each ``[[job]]`` table one
job) or JSONL (one job object a line)::

    voice = "fr-css10"
    [[job]]
    name = "radio-nord-08h"
    sources = ["nord/budget.txt", "nord/meteo.txt"]
    station = "Radio Nord"
    loudness_preset = "ebu-r128"

Each job gets a stable output name (its ``name``, else the slug of its article file names)
and an input hash: the bytes of its articles, its options and the voice model, so
``--resume`` knows whether an existing output is still the one this job would make.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bulletin import defaults
from bulletin.config import check_keys, check_types, read_toml
from bulletin.errors import RequestError
from bulletin.files import sha256_file, slugify

MANIFEST_SUFFIXES = (".toml", ".jsonl")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A job name is a file stem: letters, digits, dot, dash, underscore; never a path."""


@dataclass(frozen=True)
class Job:
    """One bulletin of a batch: its articles, its options and the name of the file it makes."""

    sources: tuple[Path, ...]
    """Article files, one story each, read in this order."""
    name: str = ""
    """Output stem in the batch directory (NAME.mp3 and its sidecars); unique in the batch."""
    voice: str = defaults.VOICE
    """Preset name or Coqui model directory."""
    loudness_preset: str = defaults.LOUDNESS_PRESET
    """Delivery standard (bulletin.defaults.LOUDNESS_PRESETS)."""
    station: str = defaults.STATION
    """Station or author (ID3 TPE1)."""
    show: str = defaults.SHOW
    """Show name (ID3 TALB)."""
    date: str = ""
    """Broadcast date YYYY-MM-DD (tags, multi-story title); empty is the day it runs."""
    input_hash: str = ""
    """sha256 of everything that shapes the output (set by ``plan_jobs``)."""

    @property
    def output_name(self) -> str:
        """Return the audio file's name in the batch directory."""
        return f"{self.name}.{defaults.AUDIO_FORMAT}"

    def broadcast_date(self) -> dt.date | None:
        """Return ``date`` as a date, or None for the day it runs."""
        return dt.date.fromisoformat(self.date) if self.date else None


OPTION_KEYS = ("voice", "loudness_preset", "station", "show", "date")
"""The keys a manifest may set for every job at once (TOML top level) or per job."""


def plan_jobs(sources: list[Path], template: Job | None = None) -> list[Job]:
    """Return the jobs of ``sources`` (articles, directories, manifests) with names and input hashes.

    ``template`` carries the options of jobs that set none (the command line's). Raises
    RequestError for a missing source, a malformed manifest or two jobs with one name.
    """
    template = template or Job(sources=())
    jobs: list[Job] = []
    for source in sources:
        source = Path(source)
        if source.is_dir():
            articles = sorted(p for p in source.iterdir() if p.suffix.lower() in defaults.BATCH_ARTICLE_SUFFIXES)
            if not articles:
                suffixes = " or ".join(defaults.BATCH_ARTICLE_SUFFIXES)
                raise RequestError(f"{source}: no {suffixes} article in this directory")
            jobs.extend(dataclasses.replace(template, sources=(article,)) for article in articles)
        elif source.suffix.lower() in MANIFEST_SUFFIXES:
            jobs.extend(read_manifest(source, template))
        elif source.is_file():
            jobs.append(dataclasses.replace(template, sources=(source,)))
        else:
            raise RequestError(f"{source}: no such file or directory; give article files, directories or a manifest")
    if not jobs:
        raise RequestError("no job to run; give article files, a directory of them or a manifest")
    jobs = [_absolute(job) for job in jobs]  # a worker may run in another directory, or on another node
    named = [dataclasses.replace(job, name=job.name or default_name(job)) for job in jobs]
    _refuse_duplicate_names(named)
    return [dataclasses.replace(job, input_hash=input_hash(job)) for job in named]


def read_manifest(path: Path, template: Job) -> list[Job]:
    """Return the jobs of a TOML or JSONL manifest; sources are relative to the manifest's directory."""
    if path.suffix.lower() == ".toml":
        data = read_toml(path, "batch manifest", RequestError)
        entries = data.pop("job", [])
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise RequestError(f"{path}: job must be an array of tables ([[job]])")
        unknown = sorted(set(data) - set(OPTION_KEYS))
        if unknown:
            raise RequestError(
                f"{path}: unknown top-level key(s) {', '.join(unknown)}; known: {', '.join(OPTION_KEYS)}, [[job]]"
            )
        template = _with_options(template, data, f"{path}")
        where = [f"{path}: job {number}" for number in range(1, len(entries) + 1)]
    else:
        entries, where = _read_jsonl(path)
    if not entries:
        raise RequestError(f"{path}: the manifest has no job")
    return [_job_from_entry(entry, template, path.parent, place) for entry, place in zip(entries, where)]


def _read_jsonl(path: Path) -> tuple[list[dict], list[str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise RequestError(f"{path}: batch manifest not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise RequestError(f"{path}: cannot read the batch manifest: {error}") from None
    entries, where = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as error:
            raise RequestError(f"{path}: line {number}: not JSON ({error}); write one job object a line") from None
        if not isinstance(entry, dict):
            raise RequestError(f"{path}: line {number}: a job must be a JSON object")
        entries.append(entry)
        where.append(f"{path}: line {number}")
    return entries, where


def _job_from_entry(entry: dict, template: Job, base: Path, where: str) -> Job:
    check_keys(entry, Job, where, required=("sources",), ignore=("input_hash",), error=RequestError)
    sources = entry["sources"]
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(item, str) and item for item in sources):
        raise RequestError(f"{where}: sources must be a file name or a list of them")
    name = entry.get("name", "")
    if name and (not isinstance(name, str) or not NAME_PATTERN.fullmatch(name)):
        raise RequestError(f"{where}: name {name!r} must be a file stem (letters, digits, . _ -), not a path")
    options = {key: value for key, value in entry.items() if key in OPTION_KEYS}
    job = _with_options(template, options, where)
    return dataclasses.replace(job, sources=tuple(base / item for item in sources), name=name)


def _with_options(template: Job, options: dict, where: str) -> Job:
    """Return ``template`` with the manifest ``options`` (voice, loudness_preset, ...) checked and applied."""
    if isinstance(options.get("date"), dt.date):  # TOML has dates of its own
        options = dict(options, date=options["date"].isoformat())
    check_types(options, Job, where, RequestError)
    if "loudness_preset" in options and options["loudness_preset"] not in defaults.LOUDNESS_PRESETS:
        raise RequestError(
            f"{where}: unknown loudness_preset {options['loudness_preset']!r}; "
            f"use one of {', '.join(defaults.LOUDNESS_PRESETS)}"
        )
    if options.get("date"):
        try:
            dt.date.fromisoformat(options["date"])
        except ValueError:
            raise RequestError(f"{where}: date {options['date']!r} must be YYYY-MM-DD") from None
    return dataclasses.replace(template, **options)


def _absolute(job: Job) -> Job:
    """Return ``job`` with absolute article paths, and an absolute voice when it names a model directory."""
    voice = Path(job.voice).expanduser()
    return dataclasses.replace(
        job,
        sources=tuple(source.absolute() for source in job.sources),
        voice=str(voice.absolute()) if voice.is_dir() else job.voice,
    )


def default_name(job: Job) -> str:
    """Return the output stem of a job without a name: the slug of its article file names."""
    return slugify("-".join(source.stem for source in job.sources), max_length=80)


def _refuse_duplicate_names(jobs: list[Job]) -> None:
    seen: dict[str, Job] = {}
    for job in jobs:
        if job.name in seen:
            first, second = seen[job.name].sources[0], job.sources[0]
            raise RequestError(
                f"two jobs would write {job.output_name} ({first} and {second}); "
                "give them distinct names in a manifest (name = ...)"
            )
        seen[job.name] = job


def input_hash(job: Job) -> str:
    """Return the sha256 of what shapes ``job``'s output: article bytes, options, voice model, bulletin version."""
    from bulletin import __version__
    from bulletin.pipeline import RENDER_VERSION

    payload = {
        "version": [__version__, RENDER_VERSION],
        "sources": [_file_digest(source) for source in job.sources],
        "voice": _voice_fingerprint(job.voice),
        "options": [job.loudness_preset, job.station, job.show, job.date],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return f"unreadable:{path}"  # the job fails when it runs, with the reader's own message


def _voice_fingerprint(spec: str) -> list:
    """Return the voice spec, and for a model directory the size and time of each of its files (no hashing)."""
    directory = Path(spec).expanduser()
    if not directory.is_dir():
        return [spec]
    files = sorted(p for p in directory.iterdir() if p.is_file())
    return [str(directory.resolve())] + [[p.name, p.stat().st_size, p.stat().st_mtime_ns] for p in files]
