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

from bulletin import defaults
from bulletin.cli_options import (
    SOURCES_HELP,
    AtOption,
    CheckOption,
    DeviceOption,
    EngineOption,
    ForceOption,
    FormatOption,
    JsonOption,
    LexiconOption,
    MaxCharsOption,
    NameOption,
    PresetOption,
    RundownOption,
    SlotOption,
    SpeedOption,
    StationNameOption,
    StationOption,
    StoriesOption,
    VersionOption,
    VoiceOption,
)
from bulletin.console import (
    Command,
    Group,
    fail,
    print_report,
    print_warnings,
    progress_bar,
    ranged,
    run_app,
    shown,
    slot_line,
    summary_line,
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
    cls=Group,  # and every command cls=Command: value labels in the help, not Python types (bulletin.console)
)


@app.callback()
def main_options(version: VersionOption = False) -> None:
    """Turn French news articles into broadcast-ready radio bulletins."""


@app.command(cls=Command)
def generate(
    articles: list[str] = typer.Argument(
        ..., metavar="SOURCE", help=f"SOURCE(s): {SOURCES_HELP}; several make a multi-story bulletin."
    ),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", metavar="FILE", help=f"File to write (default: in {defaults.OUTPUT_DIR}/, --name)."
    ),
    name: NameOption = None,
    force: ForceOption = False,
    voice: VoiceOption = defaults.VOICE,
    speed: SpeedOption = None,
    no_jingles: bool = typer.Option(False, "--no-jingles", help="No intro, outro or stinger."),
    intro: Optional[Path] = typer.Option(None, "--intro", help="Your intro jingle (any format ffmpeg reads)."),
    outro: Optional[Path] = typer.Option(None, "--outro", help="Your outro jingle."),
    stinger: Optional[Path] = typer.Option(None, "--stinger", help="Your stinger, played between stories."),
    bed: Optional[Path] = typer.Option(None, "--bed", help="Music bed looped under the speech and ducked."),
    duck_db: float = ranged(
        defaults.DUCK_DB, "--duck-db", metavar="DB", bounds=defaults.DUCK_RANGE_DB, help="Bed gain under speech, in dB"
    ),
    overlap_ms: int = ranged(
        0,
        "--overlap-ms",
        metavar="MS",
        bounds=defaults.OVERLAP_RANGE_MS,
        help="Start speaking this long before the intro ends, in ms",
    ),
    pause: list[str] = typer.Option(
        [], "--pause", metavar="ROLE=MS", help="Pause after a role, e.g. --pause headline=1200 (ms); repeatable."
    ),
    loudness_preset: PresetOption = defaults.LOUDNESS_PRESET,
    loudness: Optional[float] = ranged(
        None,
        "--loudness",
        metavar="LUFS",
        bounds=defaults.LOUDNESS_RANGE_LUFS,
        help="Loudness target in LUFS, overriding the preset",
    ),
    true_peak: Optional[float] = ranged(
        None,
        "--true-peak",
        metavar="DBTP",
        bounds=defaults.TRUE_PEAK_RANGE_DB,
        help="True-peak ceiling in dBTP, overriding the preset",
    ),
    audio_format: FormatOption = defaults.AUDIO_FORMAT,
    bitrate: int = ranged(
        defaults.BITRATE_KBPS,
        "--bitrate",
        metavar="KBPS",
        bounds=defaults.BITRATE_RANGE_KBPS,
        help="MP3 bitrate in kbps",
    ),
    station: StationNameOption = defaults.STATION,
    show: str = typer.Option(defaults.SHOW, "--show", help="Show name written in the tags."),
    artwork: Optional[Path] = typer.Option(
        None, "--artwork", help="Cover image (PNG or JPEG); default the bundled one."
    ),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", envvar="BULLETIN_CACHE_DIR", help="Segment audio cache (default: the user cache dir)."
    ),
    device: DeviceOption = defaults.DEVICE,
    threads: Optional[int] = ranged(
        None, "--threads", bounds=defaults.THREADS_RANGE, help="Synthesis threads (default: all cores)"
    ),
    engine: EngineOption = defaults.ENGINE,
    speaker_wav: Optional[Path] = typer.Option(None, "--speaker-wav", help="Reference voice recording (XTTS)."),
    agree_licence: bool = typer.Option(
        False, "--agree-licence", help="Agree to the voice model's licence (XTTS: CPML)."
    ),
    lexicon: LexiconOption = None,
    max_chars: MaxCharsOption = defaults.MAX_CHARS,
    max_minutes: float = ranged(
        defaults.MAX_MINUTES,
        "--max-minutes",
        bounds=defaults.MAX_MINUTES_RANGE,
        help="Refuse articles longer than this many minutes of estimated speech",
    ),
    publish_dir: Optional[Path] = typer.Option(
        None, "--publish", help="Then publish the bulletin into this feed directory."
    ),
    feed_config: Optional[Path] = typer.Option(None, "--feed-config", help="Channel TOML for --publish."),
    play_after: bool = typer.Option(False, "--play", help="Then play the bulletin on the sound device."),
    check_after: CheckOption = False,
    max_wer: float = ranged(
        defaults.MAX_WER,
        "--max-wer",
        metavar="RATE",
        bounds=defaults.MAX_WER_RANGE,
        help="With --check: highest acceptable word error rate",
    ),
    stories: StoriesOption = None,
    rundown: RundownOption = False,
    at: AtOption = None,
    slot: SlotOption = None,
    station_config: StationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Speak SOURCES (articles, pages, feeds) with a French voice and write a jingled, mastered bulletin."""
    from bulletin.audio.layout import MixSettings
    from bulletin.engines.base import VoiceOptions
    from bulletin.pipeline import GenerateRequest, deliver, loudness_targets, notices, parse_pauses, produce
    from bulletin.text.rundown import rundown_from_options

    try:
        target_lufs, ceiling_db = loudness_targets(loudness_preset, loudness, true_peak)
        newscast = rundown_from_options(rundown, at, station_config)
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
            max_minutes=max_minutes,
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
            stories=stories,
            rundown=newscast,
            slot_s=slot,
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
        print_warnings(result.script)
        typer.echo(summary_line(summary))
        if "slot" in summary:
            typer.echo(slot_line(summary["slot"]))
        if report is not None:
            print_report(report)
        if "published" in summary:
            typer.echo(f"published: {summary['published'].get('audio_url', publish_dir)}")
    if failure:
        typer.echo(f"error: {failure}", err=True)
        raise typer.Exit(1)
    if play_after:
        from bulletin.cli_feed import play

        play(result.output)


@app.command(cls=Command)
def script(
    article: str = typer.Argument(..., help=f"SOURCE: {SOURCES_HELP}."),
    voice: VoiceOption = defaults.VOICE,
    lexicon: LexiconOption = None,
    max_chars: MaxCharsOption = defaults.MAX_CHARS,
    check: bool = typer.Option(
        False,
        "--check",
        help="Also report characters the normaliser removed and those the voice would drop (exit 1 if any).",
    ),
    stories: StoriesOption = None,
    rundown: RundownOption = False,
    at: AtOption = None,
    station_config: StationOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print the spoken script of SOURCE, segment by segment, without loading a model."""
    from bulletin.pipeline import spoken_script
    from bulletin.text.rundown import rundown_from_options

    try:
        frame = rundown_from_options(rundown, at, station_config)
        result = spoken_script(article, voice, lexicon, max_chars, stories=stories, rundown=frame)
    except BulletinError as error:
        fail(error, as_json)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_warnings(result.script, removed=False)
        for number, segment in enumerate(result.script.segments, 1):
            typer.echo(f"[{number:02d} {segment.role}]\n{segment.text}\n")
        if check:
            typer.echo(f"characters the normaliser removed: {sum(result.removed.values())}" + shown(result.removed))
            typer.echo(f"characters the voice would drop: {sum(result.dropped.values())}" + shown(result.dropped))
    if check and (result.dropped or result.removed):
        raise typer.Exit(1)


@app.command(cls=Command)
def voices(as_json: JsonOption = False) -> None:
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
    audio: Path = typer.Argument(..., help="Bulletin audio to listen to."),
    script_file: Optional[Path] = typer.Option(
        None, "--script", help="Its script JSON (default: AUDIO's .script.json)."
    ),
    max_wer: float = ranged(
        defaults.MAX_WER, "--max-wer", bounds=defaults.MAX_WER_RANGE, help="Highest acceptable overall word error rate"
    ),
    as_json: JsonOption = False,
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


def _register_commands() -> None:
    from bulletin.batch.command import batch
    from bulletin.cli_feed import play, publish
    from bulletin.cli_watch import watch
    from bulletin.studio.command import serve, studio  # the two commands that run a web server

    for command in (publish, serve, play, watch, batch, studio):
        app.command(cls=Command)(command)


_register_commands()


def main() -> None:
    """Console-script entry point: every error, usage errors included, is one line on stderr."""
    run_app(app)
