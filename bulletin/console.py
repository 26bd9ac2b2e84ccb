"""What the ``bulletin`` command prints: one-line errors, the summary line, reports, the progress bar."""

from __future__ import annotations

import json

import typer
import typer.core

from bulletin.errors import BulletinError


def fail(error: BulletinError | str, as_json: bool = False) -> None:
    """Print ``error`` as one line on stderr (and, with ``as_json``, as {"error": ...} on stdout); exit 1."""
    if as_json:
        typer.echo(json.dumps({"error": str(error)}, ensure_ascii=False))
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


def warn(message: str) -> None:
    """Print a warning as one line on stderr."""
    typer.echo(f"warning: {message}", err=True)


def readable_labels(params: list) -> list:
    """Return ``params`` relabelled for a help text: values named, not typed.

    typer labels values with Python types (``<list[Path]>``, ``<str>``, ``<bool>``). Here an
    argument is labelled by its name alone (ARTICLE), a flag by nothing, a choice by its values
    (mp3|wav|flac|ogg); an option without a ``metavar`` of its own (FILE, LUFS) by what it holds:
    DIR, FILE, TEXT, N or NUMBER.
    """
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if isinstance(param, typer.core.TyperArgument):
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            param.display_type_rich = lambda ctx: None
        elif getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif param.metavar is None and descriptor is not None:
            param.metavar = _label(param, descriptor)
    return params


def _label(param, descriptor) -> str:
    """Return the value label of an option typer would label by its Python type."""
    if descriptor.is_choice:
        return "|".join(str(choice) for choice in descriptor.choices)
    if descriptor.is_path:
        said = (param.help or "").lower().split(".")[0]
        return "DIR" if (param.name or "").endswith("dir") or "directory" in said or "folder" in said else "FILE"
    annotation = str(getattr(descriptor, "annotation", ""))
    if "int" in annotation:
        return "N"
    if "float" in annotation:
        return "NUMBER"
    return "TEXT"


class Command(typer.core.TyperCommand):
    """A typer command whose help names values instead of typing them (``readable_labels``)."""

    def get_params(self, ctx):
        """Return the command's parameters (and --help), relabelled for the help text."""
        return readable_labels(super().get_params(ctx))


class Group(typer.core.TyperGroup):
    """The ``bulletin`` group, with the same readable labels for --version and --help."""

    def get_params(self, ctx):
        """Return the group's parameters, relabelled for the help text."""
        return readable_labels(super().get_params(ctx))


RANGES: dict[str, tuple] = {}
"""Each bounded option's (low, high), from bulletin.defaults: its usage error names the range."""


def ranged(*args, bounds: tuple, help: str, **kwargs):
    """Return a typer.Option bounded to ``bounds`` (low, high), its help ending with the range; remember it."""
    from bulletin.defaults import span

    for name in args:
        if isinstance(name, str) and name.startswith("--"):
            RANGES[name] = bounds
    return typer.Option(*args, min=bounds[0], max=bounds[1], help=f"{help} ({span(bounds)}).", **kwargs)


def click_exceptions():
    """Return the click exceptions module typer raises (typer >= 0.2x vendors click as typer._click)."""
    try:
        from typer._click import exceptions
    except ImportError:  # an older typer, on click itself
        from click import exceptions
    return exceptions


def usage_line(error, ranges: dict[str, tuple]) -> str:
    """Return a usage error as one line: what is wrong, the allowed range when the option has one, where to look.

    "error: Invalid value for '--max-chars': Input should be greater than or equal to 40; use 40 to 2000
    (see bulletin generate --help)".
    """
    from bulletin.defaults import span

    message = " ".join(error.format_message().split()).rstrip(".")
    names = getattr(getattr(error, "param", None), "opts", None) or []
    bounds = next((ranges[name] for name in names if name in ranges), None)
    if bounds is not None:
        message += f"; use {span(bounds)}"
    context = getattr(error, "ctx", None)
    hint = f" (see {context.command_path} --help)" if context is not None else ""
    return f"error: {message}{hint}"


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
            task = bar.add_task("loading voice", total=None)  # the first stage that takes time

            def advance(done: int, total: int, label: str = "speaking") -> None:
                bar.update(task, completed=done, total=total, description=label)

            yield advance

    return manager()


def run_app(app) -> None:
    """Run the typer ``app`` and exit; usage errors (unknown option, value out of range) are one line, exit 2.

    The line names the option and what it accepts, without typer's box.
    """
    import sys

    exceptions = click_exceptions()
    try:
        code = app(standalone_mode=False)
    except exceptions.NoArgsIsHelpError as error:  # `bulletin` alone: the help, as before
        error.show()
        sys.exit(error.exit_code)
    except exceptions.ClickException as error:  # UsageError, BadParameter, NoSuchOption, MissingParameter...
        line = usage_line(error, RANGES)
        if "--json" in sys.argv[1:]:  # asked for JSON: the error is a JSON object on stdout too
            typer.echo(json.dumps({"error": line.removeprefix("error: ")}, ensure_ascii=False))
        typer.echo(line, err=True)
        sys.exit(error.exit_code)
    except (getattr(exceptions, "Abort", typer.Abort), typer.Abort):  # typer's vendored click may have no Abort
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def shown(characters) -> str:
    """Return " (abc)" listing ``characters`` (control codes escaped), or "" when there are none."""
    return f" ({''.join(c if c.isprintable() else ascii(c)[1:-1] for c in sorted(characters))})" if characters else ""


def print_warnings(script, removed: bool = True) -> None:
    """Print the script's warnings (SSML tags ignored...) on stderr, and what the normaliser left out."""
    for warning in script.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if removed and script.removed:
        typer.echo(f"warning: characters no voice can say were left out{shown(set(script.removed))}", err=True)
