"""The ``bulletin watch`` command: options in, ``bulletin.watch.watch`` called, one line (or JSON event) per cycle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from bulletin import defaults
from bulletin.cli_options import (
    SOURCES_HELP,
    JsonOption,
    LexiconOption,
    SlotOption,
    StationOption,
    StoriesOption,
    VoiceOption,
)
from bulletin.console import fail, ranged
from bulletin.errors import BulletinError

EXIT_NOTHING_NEW = 3
"""``--once`` exit status when the cycle found no new story (nothing delivered, nothing wrong)."""


def watch(
    sources: list[str] = typer.Argument(..., help=f"SOURCE(s) read each cycle, most important first: {SOURCES_HELP}."),
    drop: Path = typer.Option(..., "--drop", help="The playout system's watch folder, where the newscast is put."),
    name: str = typer.Option(defaults.WATCH_NAME, "--name", help="File name delivered there, replaced by rename."),
    every: Optional[int] = ranged(
        None,
        "--every",
        bounds=defaults.WATCH_EVERY_RANGE_MIN,
        help=f"A cycle every MIN minutes, the first at once (default {defaults.WATCH_EVERY_MIN})",
    ),
    at: Optional[str] = typer.Option(None, "--at", help="A cycle at minute :MM of every hour instead, e.g. :58."),
    once: bool = typer.Option(False, "--once", help="One cycle, then exit: 0 delivered, 3 nothing new, 1 failed."),
    keep: int = ranged(
        defaults.WATCH_KEEP, "--keep-copies", bounds=defaults.WATCH_KEEP_RANGE, help="Dated copies kept beside the file"
    ),
    state_dir: Optional[Path] = typer.Option(
        None, "--state-dir", envvar="BULLETIN_STATE_DIR", help="State JSON and work files (default: user state dir)."
    ),
    voice: VoiceOption = defaults.VOICE,
    stories: StoriesOption = None,
    slot: SlotOption = None,
    station_config: StationOption = None,
    lexicon: LexiconOption = None,
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", envvar="BULLETIN_CACHE_DIR", help="Segment audio cache (default: the user cache dir)."
    ),
    no_jingles: bool = typer.Option(False, "--no-jingles", help="No intro, outro or stinger."),
    publish_dir: Optional[Path] = typer.Option(None, "--publish", help="Also publish each newscast into this feed."),
    feed_config: Optional[Path] = typer.Option(None, "--feed-config", help="Channel TOML for --publish."),
    check: bool = typer.Option(False, "--check", help="Listen back first; a failed check keeps the previous file."),
    max_wer: float = ranged(
        defaults.MAX_WER, "--max-wer", bounds=defaults.MAX_WER_RANGE, help="With --check: highest WER accepted"
    ),
    as_json: JsonOption = False,
) -> None:
    """Deliver a newscast of SOURCES to a drop folder every cycle, replaced atomically (for playout systems)."""
    from bulletin.engines.base import VoiceOptions
    from bulletin.request import GenerateRequest
    from bulletin.text.rundown import rundown_from_options
    from bulletin.watch import WatchConfig, parse_schedule
    from bulletin.watch import watch as run_watch

    try:
        schedule = parse_schedule(every, at)
        request = GenerateRequest(
            articles=(),
            voice=voice,
            voice_options=VoiceOptions(cache_dir=cache_dir),
            cache_dir=cache_dir,
            lexicon=lexicon,
            jingles=not no_jingles,
            stories=stories,
            rundown=rundown_from_options(True, None, station_config),
            slot_s=slot,
        )
        config = WatchConfig(
            sources=tuple(sources),
            drop_dir=drop,
            request=request,
            name=name,
            keep=keep,
            state_dir=state_dir,
            check=check,
            max_wer=max_wer,
            publish_dir=publish_dir,
            feed_config=feed_config,
        )

        def report(event) -> None:
            typer.echo(json.dumps(event.to_dict(), ensure_ascii=False) if as_json else event.line())

        last = run_watch(config, schedule, once=once, on_event=report, on_note=lambda n: typer.echo(n, err=True))
    except BulletinError as error:
        fail(error, as_json)
    if once and (last is None or not last.delivered_ok):
        raise typer.Exit(EXIT_NOTHING_NEW if last is not None and last.status == "nothing-new" else 1)
