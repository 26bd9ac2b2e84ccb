"""The ``bulletin`` command: thin, it turns options into library calls and prints.

User mistakes (BulletinError) become one line on stderr and exit code 1; typer's
usage errors exit 2. Heavy modules (torch, TTS) are imported only by the commands
that synthesise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from bulletin import cli_options as opts
from bulletin import defaults
from bulletin.console import (
    RANGES,
    Command,
    Group,
    click_exceptions,
    fail,
    print_report,
    progress_bar,
    ranged,
    summary_line,
    usage_line,
    warn,
)
from bulletin.errors import BulletinError

app = typer.Typer(
    name="bulletin",
    help="Turn French news articles into broadcast-ready radio bulletins.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=Group,
)
# Every command is declared with cls=Command: readable value labels in its help (bulletin.console).


@app.callback()
def main_options(version: opts.Version = False) -> None:
    """Turn French news articles into broadcast-ready radio bulletins."""


@app.command(cls=Command)
def generate(
    articles: opts.Articles,
    output: opts.Output = None,
    name: opts.Name = None,
    force: opts.Force = False,
    voice: opts.Voice = defaults.VOICE,
    speed: opts.Speed = None,
    no_jingles: opts.NoJingles = False,
    intro: opts.Intro = None,
    outro: opts.Outro = None,
    stinger: opts.Stinger = None,
    bed: opts.Bed = None,
    duck_db: opts.DuckDb = defaults.DUCK_DB,
    overlap_ms: opts.OverlapMs = 0,
    pause: opts.Pause = [],  # noqa: B006  (typer's way to default a repeatable option; never mutated)
    loudness_preset: opts.Preset = defaults.LOUDNESS_PRESET,
    loudness: opts.Loudness = None,
    true_peak: opts.TruePeak = None,
    audio_format: opts.Format = defaults.AUDIO_FORMAT,
    bitrate: opts.Bitrate = defaults.BITRATE_KBPS,
    station: opts.Station = defaults.STATION,
    show: opts.Show = defaults.SHOW,
    artwork: opts.Artwork = None,
    cache_dir: opts.CacheDir = None,
    device: opts.DeviceChoice = defaults.DEVICE,
    threads: opts.Threads = None,
    engine: opts.EngineChoice = defaults.ENGINE,
    speaker_wav: opts.SpeakerWav = None,
    agree_licence: opts.AgreeLicence = False,
    lexicon: opts.Lexicon = None,
    max_chars: opts.MaxChars = defaults.MAX_CHARS,
    publish_dir: opts.PublishDir = None,
    feed_config: opts.FeedConfig = None,
    play_after: opts.Play = False,
    check_after: opts.Check = False,
    max_wer: opts.MaxWer = defaults.MAX_WER,
    as_json: opts.Json = False,
) -> None:
    """Speak ARTICLES with a French voice and write a jingled, mastered bulletin."""
    from bulletin.audio.layout import MixSettings
    from bulletin.engines.base import VoiceOptions
    from bulletin.pipeline import GenerateRequest, deliver, loudness_targets, notices, parse_pauses, produce

    try:
        target_lufs, ceiling_db = loudness_targets(loudness_preset, loudness, true_peak)
        request = GenerateRequest(
            articles=tuple(articles),
            output=output,
            name=name,
            force=force,
            voice=voice,
            voice_options=VoiceOptions(
                device=device,
                threads=threads,
                speaker_wav=speaker_wav,
                agree_licence=agree_licence,
                engine=engine,
                cache_dir=cache_dir,
                speed=speed,
            ),
            cache_dir=cache_dir,
            lexicon=lexicon,
            max_chars=max_chars,
            jingles=not no_jingles,
            intro=intro,
            outro=outro,
            stinger=stinger,
            bed=bed,
            mix=MixSettings(pauses_ms=parse_pauses(pause), overlap_ms=overlap_ms, bed_duck_db=duck_db),
            target_lufs=target_lufs,
            true_peak_db=ceiling_db,
            audio_format=audio_format.lower(),
            bitrate_kbps=bitrate,
            station=station,
            show=show,
            artwork=artwork,
        )
        for notice in notices(request):
            warn(notice)
        with progress_bar(enabled=not as_json and sys.stderr.isatty()) as progress:
            result = produce(request, progress=progress)
        delivery = deliver(result, check=check_after, max_wer=max_wer, publish_dir=publish_dir, feed_config=feed_config)
    except BulletinError as error:
        fail(error, as_json)
    summary = result.summary()
    report = delivery.report
    if report is not None:
        summary["check"] = report.to_dict()
    if delivery.episode is not None:
        summary["published"] = delivery.episode.summary()
    failure = None
    if not delivery.passed:
        failure = (
            f"listen-back word error rate {report.overall_wer:.2f} (limit {max_wer:.2f}) or "
            f"{len(report.flagged)} unintelligible segment(s); not published"
        )
        summary["error"] = failure
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        typer.echo(summary_line(summary))
        if report is not None:
            print_report(report)
        if "published" in summary:
            typer.echo(f"published: {summary['published'].get('audio_url', publish_dir)}")
    if failure:
        typer.echo(f"error: {failure}", err=True)
        raise typer.Exit(1)
    if play_after:
        play(result.output)


@app.command(cls=Command)
def script(
    article: Path = typer.Argument(..., metavar="ARTICLE", help="Article file (.txt or .md)."),
    voice: opts.Voice = defaults.VOICE,
    lexicon: opts.Lexicon = None,
    max_chars: opts.MaxChars = defaults.MAX_CHARS,
    check: bool = typer.Option(False, "--check", help="Also report characters the voice would drop (exit 1 if any)."),
    as_json: opts.Json = False,
) -> None:
    """Print the spoken script of ARTICLE, segment by segment, without loading a model."""
    from bulletin.pipeline import spoken_script

    try:
        result = spoken_script(article, voice=voice, lexicon=lexicon, max_chars=max_chars)
    except BulletinError as error:
        fail(error, as_json)
    dropped = result.dropped
    if as_json:
        payload = {
            "title": result.script.title,
            "voice": result.voice,
            "segments": [{"role": s.role, "text": s.text} for s in result.script.segments],
            "dropped_characters": sum(dropped.values()),
            "dropped": dict(dropped),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for number, segment in enumerate(result.script.segments, 1):
            typer.echo(f"[{number:02d} {segment.role}]\n{segment.text}\n")
        if check:
            typer.echo(
                f"characters the voice would drop: {sum(dropped.values())}"
                + (f" ({''.join(sorted(dropped))})" if dropped else "")
            )
    if check and dropped:
        raise typer.Exit(1)


@app.command(cls=Command)
def voices(as_json: opts.Json = False) -> None:
    """List voice presets and whether each can be used offline now."""
    from bulletin.engines.factory import preset_status
    from bulletin.engines.presets import list_presets

    rows = [(preset, preset_status(preset)) for preset in list_presets()]
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "name": p.name,
                        "engine": p.engine,
                        "model": p.model,
                        "offline": ok,
                        "status": why,
                        "description": p.description,
                    }
                    for p, (ok, why) in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("preset", "engine", "offline now", "description")
    for preset, (ok, why) in rows:
        table.add_row(preset.name, preset.engine, ("yes" if ok else "no") + f" ({why})", preset.description)
    Console().print(table)


@app.command(cls=Command)
def check(
    audio: Path = typer.Argument(..., metavar="AUDIO", help="Bulletin audio to listen to."),
    script_file: Optional[Path] = typer.Option(
        None, "--script", metavar="FILE", help="Its script JSON (default: AUDIO's .script.json)."
    ),
    max_wer: opts.MaxWer = defaults.MAX_WER,
    as_json: opts.Json = False,
) -> None:
    """Listen back to AUDIO with speech recognition and flag segments a listener would not understand."""
    from bulletin.qa.listen import check_file

    try:
        report = check_file(audio, script_file, max_wer)
    except BulletinError as error:
        fail(error, as_json)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_report(report)
    if not report.passed:
        raise typer.Exit(1)


# --- publishing commands (feed, serve, play) ---


@app.command(cls=Command)
def publish(
    audio: Path = typer.Argument(
        ..., metavar="AUDIO", help="Bulletin MP3 (its .vtt, .srt and .chapters.json beside it are published too)."
    ),
    feed_dir: Path = typer.Option(
        defaults.FEED_DIR, "--feed-dir", metavar="DIR", help="Feed directory (feed.xml, index.html, episodes/)."
    ),
    config: Optional[Path] = typer.Option(
        None,
        "--config",
        metavar="FILE",
        help="Channel TOML (default: the one DIR remembers from its first publish, DIR/podcast.toml; "
        "then ./podcast.toml; see examples/podcast.toml).",
    ),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", metavar="URL", help="Public URL of the feed directory (overrides base_url)."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace an episode published with different content (keeps its GUID)."
    ),
    keep: int = ranged(
        defaults.FEED_KEEP,
        "--keep",
        metavar="N",
        bounds=defaults.FEED_KEEP_RANGE,
        help="Newest episodes listed in the feed (older audio stays on disk)",
    ),
    prune: bool = typer.Option(False, "--prune", help="Delete the files of episodes beyond --keep."),
    as_json: opts.Json = False,
) -> None:
    """Publish AUDIO into a podcast feed directory and update feed.xml and index.html."""
    from bulletin.pipeline import publish_file

    try:
        episode = publish_file(audio, feed_dir, config, base_url=base_url, replace=replace, keep=keep, prune=prune)
    except BulletinError as error:
        fail(error, as_json)
    if as_json:
        typer.echo(json.dumps(episode.summary(), ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{episode.status}: {episode.title} ({episode.duration_s:.1f} s) -> {episode.audio_url}; "
            f"feed {episode.feed_path}"
        )


@app.command(cls=Command)
def serve(
    directory: Path = typer.Argument(
        ..., metavar="DIR", help="Feed directory to serve (as written by `bulletin publish`)."
    ),
    host: str = typer.Option(
        defaults.SERVE_HOST, "--host", metavar="ADDRESS", help="Address to listen on (localhost by default)."
    ),
    port: int = ranged(
        defaults.SERVE_PORT, "--port", metavar="PORT", bounds=defaults.PORT_RANGE, help="Port, 0 picks a free one"
    ),
) -> None:
    """Serve a feed directory over HTTP, with byte ranges, for browsers and podcast apps."""
    from bulletin.publish.serve import serve as serve_directory

    def ready(url: str) -> None:
        typer.echo(f"serving {directory} at {url} (Ctrl-C to stop)", err=True)

    try:
        serve_directory(directory, host=host, port=port, on_ready=ready)
    except BulletinError as error:
        fail(error)


@app.command(cls=Command)
def play(
    file: Path = typer.Argument(
        ..., metavar="FILE", help="Audio file to play (MP3; chapters from .chapters.json or ID3)."
    ),
) -> None:
    """Play FILE on the sound device, showing elapsed time and the current chapter."""
    from bulletin.publish.playback import play as play_file
    from bulletin.timecode import format_duration

    interactive = sys.stdout.isatty()
    shown = {"chapter": None}

    def progress(elapsed_s: float, duration_s: float, chapter: str) -> None:
        if interactive:
            line = f"{format_duration(elapsed_s)} / {format_duration(duration_s)}  {chapter}"
            typer.echo(f"\r{line[:78]:<78}", nl=False)
        elif chapter != shown["chapter"]:
            typer.echo(f"{format_duration(elapsed_s)}  {chapter}".rstrip())
        shown["chapter"] = chapter

    try:
        play_file(file, on_progress=progress)
    except BulletinError as error:
        if interactive and shown["chapter"] is not None:
            typer.echo("")
        fail(error)
    if interactive:
        typer.echo("")


def main() -> None:
    """Console-script entry point: every error, usage errors included, is one line on stderr.

    Usage errors (an unknown option, a value out of range) exit 2, without typer's box: the line
    names the option and what it accepts.
    """
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
    except (exceptions.Abort, typer.Abort):
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
