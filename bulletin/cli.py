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

from bulletin.errors import BulletinError

app = typer.Typer(
    name="bulletin",
    help="Turn French news articles into broadcast-ready radio bulletins.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

VOICE_HELP = "Voice preset name (see `bulletin voices`) or a Coqui model directory (model .pth + config.json)."


def fail(error: BulletinError) -> None:
    """Print ``error`` as one line on stderr and exit 1."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


LOUDNESS_PRESETS_HELP = "podcast (-16 LUFS, -1 dBTP), ebu-r128 (-23, -1), atsc (-24, -2), smart-speaker (-14, -2)."


@app.command()
def generate(
    articles: list[Path] = typer.Argument(
        ..., help="Article file(s) (.txt or .md); several make a multi-story bulletin."
    ),
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="File to write (default audio_out/DATE-SLUG.mp3)."
    ),
    voice: str = typer.Option("fr-css10", "--voice", help=VOICE_HELP),
    no_jingles: bool = typer.Option(False, "--no-jingles", help="No intro, outro or stinger."),
    intro: Optional[Path] = typer.Option(None, "--intro", help="Your intro jingle (any format ffmpeg reads)."),
    outro: Optional[Path] = typer.Option(None, "--outro", help="Your outro jingle."),
    stinger: Optional[Path] = typer.Option(None, "--stinger", help="Your stinger, played between stories."),
    bed: Optional[Path] = typer.Option(None, "--bed", help="Music bed looped under the speech and ducked."),
    duck_db: float = typer.Option(-18.0, "--duck-db", help="Bed gain under speech, in dB."),
    overlap_ms: int = typer.Option(
        0, "--overlap-ms", min=0, max=5000, help="Start speaking this long before the intro ends."
    ),
    pause: list[str] = typer.Option(
        [], "--pause", help="Pause after a role, e.g. --pause headline=1200 (ms); repeatable."
    ),
    loudness_preset: str = typer.Option("podcast", "--loudness-preset", help=LOUDNESS_PRESETS_HELP),
    loudness: Optional[float] = typer.Option(
        None, "--loudness", help="Integrated loudness target in LUFS (overrides the preset)."
    ),
    true_peak: Optional[float] = typer.Option(
        None, "--true-peak", help="True-peak ceiling in dBTP (overrides the preset)."
    ),
    audio_format: str = typer.Option("mp3", "--format", help="mp3, wav, flac or ogg."),
    bitrate: int = typer.Option(128, "--bitrate", help="MP3 bitrate in kbps (64 to 192)."),
    station: str = typer.Option("bulletin", "--station", help="Station or author written in the tags."),
    show: str = typer.Option("Bulletin d'information", "--show", help="Show name written in the tags."),
    artwork: Optional[Path] = typer.Option(
        None, "--artwork", help="Cover image (PNG or JPEG); default the bundled one."
    ),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", envvar="BULLETIN_CACHE_DIR", help="Segment audio cache (default: the user cache dir)."
    ),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="Torch threads (default: all cores)."),
    engine: str = typer.Option(
        "bf16",
        "--engine",
        help="Coqui VITS engine: bf16 (default; float32 torch where the CPU lacks bf16), torch or onnx.",
    ),
    speaker_wav: Optional[Path] = typer.Option(None, "--speaker-wav", help="Reference voice recording (XTTS)."),
    agree_licence: bool = typer.Option(
        False, "--agree-licence", help="Agree to the voice model's licence (XTTS: CPML)."
    ),
    lexicon: Optional[Path] = typer.Option(
        None, "--lexicon", help="Pronunciation lexicon TOML overriding the bundled one."
    ),
    max_chars: int = typer.Option(250, "--max-chars", min=40, help="Longest segment, in spoken characters."),
    publish_dir: Optional[Path] = typer.Option(
        None, "--publish", help="Then publish the bulletin into this feed directory."
    ),
    feed_config: Optional[Path] = typer.Option(None, "--feed-config", help="Channel TOML for --publish."),
    play_after: bool = typer.Option(False, "--play", help="Then play the bulletin on the sound device."),
    check_after: bool = typer.Option(
        False, "--check", help="Then listen back with speech recognition (needs bulletin[qa])."
    ),
    max_wer: float = typer.Option(0.25, "--max-wer", min=0.0, help="With --check: highest acceptable word error rate."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of text."),
) -> None:
    """Speak ARTICLES with a French voice and write a jingled, mastered bulletin."""
    from bulletin.mix import LOUDNESS_PRESETS, MixSettings
    from bulletin.pipeline import GenerateRequest, produce
    from bulletin.voice import VoiceOptions

    try:
        if loudness_preset not in LOUDNESS_PRESETS:
            raise BulletinError(
                f"unknown loudness preset {loudness_preset!r}; use one of {', '.join(LOUDNESS_PRESETS)}"
            )
        preset_lufs, preset_peak = LOUDNESS_PRESETS[loudness_preset]
        pauses = MixSettings().pauses_ms
        for item in pause:
            role, _, value = item.partition("=")
            if role not in pauses or not value.isdigit():
                raise BulletinError(f"--pause {item!r}: write ROLE=MS with ROLE one of {', '.join(pauses)}")
            pauses[role] = int(value)
        request = GenerateRequest(
            articles=tuple(articles),
            output=output,
            voice=voice,
            voice_options=VoiceOptions(
                device=device,
                threads=threads,
                speaker_wav=speaker_wav,
                agree_licence=agree_licence,
                extra={"engine": engine, "cache_dir": cache_dir},
            ),
            cache_dir=cache_dir,
            lexicon=lexicon,
            max_chars=max_chars,
            jingles=not no_jingles,
            intro=intro,
            outro=outro,
            stinger=stinger,
            bed=bed,
            mix=MixSettings(pauses_ms=pauses, overlap_ms=overlap_ms, bed_duck_db=duck_db),
            target_lufs=preset_lufs if loudness is None else loudness,
            true_peak_db=preset_peak if true_peak is None else true_peak,
            audio_format=audio_format.lower(),
            bitrate_kbps=bitrate,
            station=station,
            show=show,
            artwork=artwork,
        )
        with _progress(enabled=not as_json and sys.stderr.isatty()) as progress:
            result = produce(request, progress=progress)
        summary = result.summary()
        report = _listen_back(result.output, result.sidecars["script"], max_wer) if check_after else None
        if report is not None:
            summary["check"] = report.to_dict()
        if publish_dir is not None and (report is None or report.passed):
            summary["published"] = _publish(result.output, publish_dir, feed_config).summary()
    except BulletinError as error:
        fail(error)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{summary['output']}: {summary['duration_s']:.1f} s, {summary['segments']} segments, "
            f"voice {summary['voice']}, cache {summary['cache_hits']} hit(s) / {summary['cache_misses']} miss(es), "
            f"{summary['loudness_lufs']:.1f} LUFS, {summary['true_peak_db']:.1f} dBTP, "
            f"LRA {summary['loudness_range_lu']:.1f} LU"
        )
        if report is not None:
            _print_report(report)
        if "published" in summary:
            typer.echo(f"published: {summary['published'].get('audio_url', publish_dir)}")
    if report is not None and not report.passed:
        typer.echo(
            f"error: listen-back word error rate {report.overall_wer:.2f} (limit {max_wer:.2f}) or "
            f"{len(report.flagged)} unintelligible segment(s); not published",
            err=True,
        )
        raise typer.Exit(1)
    if play_after:
        play(result.output)


def _listen_back(audio: Path, script_path: Path, max_wer: float):
    """Return the listen-back CheckReport of ``audio`` against its script JSON."""
    from bulletin.listen import check_bulletin, load_script_json

    _, segments = load_script_json(script_path)
    return check_bulletin(audio, segments, max_wer=max_wer)


def _print_report(report) -> None:
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


def _publish(audio: Path, feed_dir: Path, config: Path | None, **options):
    """Publish ``audio`` into ``feed_dir`` with the channel TOML ``config`` (or one found beside the feed)."""
    from bulletin.feed import load_channel
    from bulletin.feed import publish as publish_episode

    if config is None:
        candidates = [feed_dir / "podcast.toml", Path("podcast.toml")]
        config = next((candidate for candidate in candidates if candidate.is_file()), None)
        if config is None:
            raise BulletinError("no channel file: pass --config podcast.toml (see examples/podcast.toml)")
    return publish_episode(audio, feed_dir, load_channel(config), **options)


@app.command()
def script(
    article: Path = typer.Argument(..., help="Article file (.txt or .md)."),
    voice: str = typer.Option("fr-css10", "--voice", help=VOICE_HELP),
    lexicon: Optional[Path] = typer.Option(
        None, "--lexicon", help="Pronunciation lexicon TOML overriding the bundled one."
    ),
    max_chars: int = typer.Option(250, "--max-chars", min=40, help="Longest segment, in spoken characters."),
    check: bool = typer.Option(False, "--check", help="Also report characters the voice would drop (exit 1 if any)."),
    as_json: bool = typer.Option(False, "--json", help="Print the script as JSON."),
) -> None:
    """Print the spoken script of ARTICLE, segment by segment, without loading a model."""
    from bulletin.pipeline import spoken_script

    try:
        result = spoken_script(article, voice=voice, lexicon=lexicon, max_chars=max_chars)
    except BulletinError as error:
        fail(error)
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


@app.command()
def voices(as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """List voice presets and whether each can be used offline now."""
    from bulletin.voice import list_presets, preset_status

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


def _progress(enabled: bool):
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


@app.command()
def check(
    audio: Path = typer.Argument(..., help="Bulletin audio to listen to."),
    script_file: Optional[Path] = typer.Option(
        None, "--script", help="Its script JSON (default: AUDIO's .script.json)."
    ),
    max_wer: float = typer.Option(0.25, "--max-wer", min=0.0, help="Highest acceptable overall word error rate."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Listen back to AUDIO with speech recognition and flag segments a listener would not understand."""
    from bulletin.listen import default_script_path

    try:
        if not audio.is_file():
            raise BulletinError(f"{audio}: no such audio file; give a bulletin written by bulletin generate")
        report = _listen_back(audio, script_file or default_script_path(audio), max_wer)
    except BulletinError as error:
        fail(error)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report)
    if not report.passed:
        raise typer.Exit(1)


# --- publishing commands (feed, serve, play) ---


@app.command()
def publish(
    audio: Path = typer.Argument(
        ..., help="Bulletin MP3 (its .vtt, .srt and .chapters.json beside it are published too)."
    ),
    feed_dir: Path = typer.Option(
        Path("audio_out/feed"), "--feed-dir", help="Feed directory (feed.xml, index.html, episodes/)."
    ),
    config: Optional[Path] = typer.Option(
        None,
        "--config",
        help="Channel TOML (default: DIR/podcast.toml, then ./podcast.toml; see examples/podcast.toml).",
    ),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Public URL of the feed directory (overrides base_url)."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace an episode published with different content (keeps its GUID)."
    ),
    keep: int = typer.Option(
        100, "--keep", min=1, help="Newest episodes listed in the feed (older audio stays on disk)."
    ),
    prune: bool = typer.Option(False, "--prune", help="Delete the files of episodes beyond --keep."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary instead of text."),
) -> None:
    """Publish AUDIO into a podcast feed directory and update feed.xml and index.html."""
    try:
        episode = _publish(audio, feed_dir, config, base_url=base_url, replace=replace, keep=keep, prune=prune)
    except BulletinError as error:
        fail(error)
    if as_json:
        typer.echo(json.dumps(episode.summary(), ensure_ascii=False, indent=2))
    else:
        typer.echo(
            f"{episode.status}: {episode.title} ({episode.duration_s:.1f} s) -> {episode.audio_url}; "
            f"feed {episode.feed_path}"
        )


@app.command()
def serve(
    directory: Path = typer.Argument(..., help="Feed directory to serve (as written by `bulletin publish`)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (localhost by default)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port (0 picks a free one)."),
) -> None:
    """Serve a feed directory over HTTP, with byte ranges, for browsers and podcast apps."""
    from bulletin.serve import serve as serve_directory

    def ready(url: str) -> None:
        typer.echo(f"serving {directory} at {url} (Ctrl-C to stop)", err=True)

    try:
        serve_directory(directory, host=host, port=port, on_ready=ready)
    except BulletinError as error:
        fail(error)


@app.command()
def play(
    file: Path = typer.Argument(..., help="Audio file to play (MP3; chapters from .chapters.json or ID3)."),
) -> None:
    """Play FILE on the sound device, showing elapsed time and the current chapter."""
    from bulletin.feed import format_duration
    from bulletin.playback import play as play_file

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
    """Console-script entry point."""
    app()
