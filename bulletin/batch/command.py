"""``bulletin batch``: the command (registered by ``bulletin.cli``); options in, one ``run_batch`` call, lines out.

Module level imports only typer and the defaults, so ``bulletin --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from bulletin import defaults
from bulletin.console import fail, progress_bar
from bulletin.errors import BulletinError


def batch(
    sources: list[Path] = typer.Argument(
        ..., help="Article files, directories of .txt/.md articles, or manifests (.toml, .jsonl): one job each entry."
    ),
    out: Path = typer.Option(..., "--out", help="Directory for the bulletins (NAME.mp3 + sidecars) and results.jsonl."),
    workers: Optional[int] = typer.Option(
        None,
        "--workers",
        min=1,
        help="Worker processes, each with its voice loaded (default: cores / "
        f"{defaults.BATCH_THREADS_PER_WORKER} with Ray installed, else 1); 1 runs in this process without Ray.",
    ),
    ray_address: Optional[str] = typer.Option(
        None, "--ray-address", help="Join a Ray cluster: auto (a `ray start --head` here) or ray://HOST:10001."
    ),
    resume: bool = typer.Option(
        False, "--resume", help="Skip jobs whose output exists and whose recorded input hash matches."
    ),
    voice: str = typer.Option(defaults.VOICE, "--voice", help="Voice of jobs that name none (preset or model dir)."),
    loudness_preset: str = typer.Option(
        defaults.LOUDNESS_PRESET,
        "--loudness-preset",
        help=f"Loudness preset of jobs that name none ({', '.join(defaults.LOUDNESS_PRESETS)}).",
    ),
    station: str = typer.Option(defaults.STATION, "--station", help="Station of jobs that name none (ID3 artist)."),
    show: str = typer.Option(defaults.SHOW, "--show", help="Show of jobs that name none (ID3 album)."),
    cache_dir: Optional[Path] = typer.Option(
        None,
        "--cache-dir",
        envvar="BULLETIN_CACHE_DIR",
        help="Segment cache shared by the workers (on a cluster: a path every node mounts).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object at the end instead of lines."),
) -> None:
    """Make one bulletin per article or manifest entry into --out, on Ray workers; exit 1 if any job failed."""
    from bulletin.batch.jobs import Job
    from bulletin.batch.runner import run_batch
    from bulletin.request import loudness_targets

    def notice(line: str) -> None:
        typer.echo(f"warning: {line}", err=True)

    try:
        loudness_targets(loudness_preset)  # an unknown preset fails here, before any job
        template = Job(sources=(), voice=voice, loudness_preset=loudness_preset, station=station, show=show)
        with progress_bar(enabled=not as_json and sys.stderr.isatty()) as progress:

            def report(record: dict) -> None:
                if not as_json:
                    typer.echo(job_line(record))

            result = run_batch(
                list(sources),
                out,
                template,
                workers=workers,
                ray_address=ray_address,
                resume=resume,
                cache_dir=cache_dir,
                on_result=report,
                on_notice=notice,
                progress=progress,
            )
    except BulletinError as error:
        fail(error, as_json)
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps(dict(summary, results=result.records), ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{summary['done']} done, {summary['failed']} failed, {summary['skipped']} skipped of "
            f"{summary['jobs']} job(s) in {summary['seconds']:.1f} s ({summary['runner']}); "
            f"results in {Path(out) / defaults.BATCH_RESULTS}"
        )
    if result.failed:
        names = ", ".join(record["job"] for record in result.failed[:5])
        more = f" and {len(result.failed) - 5} more" if len(result.failed) > 5 else ""
        typer.echo(f"error: {len(result.failed)} of {summary['jobs']} job(s) failed: {names}{more}", err=True)
        raise typer.Exit(1)


def job_line(record: dict) -> str:
    """Return the line printed when a job finishes."""
    if record["error"]:
        return f"FAILED {record['job']}: {record['error']}"
    return (
        f"done   {record['output']}: {record['duration_s']:.1f} s, "
        f"cache {record['cache_hits']} hit(s) / {record['cache_misses']} miss(es), {record['seconds']:.1f} s"
    )
