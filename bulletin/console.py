"""What the ``bulletin`` command prints: one-line errors, the summary line, reports, the progress bar."""

from __future__ import annotations

import typer

from bulletin.errors import BulletinError


def fail(error: BulletinError) -> None:
    """Print ``error`` as one line on stderr and exit 1."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def summary_line(summary: dict) -> str:
    """Return the one line ``bulletin generate`` prints about the file it wrote."""
    return (
        f"{summary['output']}: {summary['duration_s']:.1f} s, {summary['segments']} segments, "
        f"voice {summary['voice']}, cache {summary['cache_hits']} hit(s) / {summary['cache_misses']} miss(es), "
        f"{summary['loudness_lufs']:.1f} LUFS, {summary['true_peak_db']:.1f} dBTP, "
        f"LRA {summary['loudness_range_lu']:.1f} LU"
    )


def slot_line(slot: dict) -> str:
    """Return the line saying how a bulletin was fitted into its slot: what was dropped, how far pauses grew."""
    line = f"slot {slot['slot_s']:g} s: {slot['planned_s']:.1f} s laid out, pauses x{slot['stretch']:.2f}"
    if slot["dropped_sentences"]:
        stories = sorted({item["story"] for item in slot["dropped"]})
        line += (
            f"; dropped {slot['dropped_sentences']} sentence(s), {slot['dropped_s']:.1f} s of speech, "
            f"from story {', '.join(str(s) for s in stories)}"
        )
    if not slot["enough_material"]:
        line += "; not enough material to fill it"
    return line


def print_report(report) -> None:
    """Print a listen-back report: overall WER, then each flagged segment with what was heard."""
    typer.echo(
        f"listen-back: word error rate {report.overall_wer:.3f} (limit {report.max_wer:.2f}), "
        f"{len(report.flagged)} segment(s) flagged: {'passed' if report.passed else 'FAILED'}"
    )
    for row in report.segments:
        if row.flagged:
            typer.echo(
                f"  [{row.index + 1:02d} {row.role}] WER {row.wer:.2f}\n    said:  {row.expected}\n"
                f"    heard: {row.heard}"
            )


def progress_bar(enabled: bool):
    """Return a context manager yielding a progress callback (segment done, total) or None."""
    from contextlib import contextmanager

    @contextmanager
    def manager():
        if not enabled:
            yield None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True
        ) as bar:
            task = bar.add_task("speaking", total=None)

            def advance(done: int, total: int, label: str = "speaking") -> None:
                bar.update(task, completed=done, total=total, description=label)

            yield advance

    return manager()
