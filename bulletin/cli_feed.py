"""The publishing commands ``bulletin publish`` and ``play`` (registered by bulletin.cli; ``serve`` is the studio's)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from bulletin import defaults
from bulletin.cli_options import JsonOption
from bulletin.console import fail, ranged
from bulletin.errors import BulletinError


def publish(
    audio: Path = typer.Argument(
        ..., help="Bulletin MP3 (its .vtt, .srt and .chapters.json beside it are published too)."
    ),
    feed_dir: Path = typer.Option(
        defaults.FEED_DIR, "--feed-dir", help="Feed directory (feed.xml, index.html, episodes/)."
    ),
    config: Optional[Path] = typer.Option(
        None,
        "--config",
        help="Channel TOML (default: DIR/podcast.toml, which the first publish into DIR keeps; then ./podcast.toml).",
    ),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="Public URL of the feed directory (overrides base_url)."
    ),
    replace: bool = typer.Option(
        False, "--replace", help="Replace an episode published with different content (keeps its GUID)."
    ),
    keep: int = ranged(
        defaults.FEED_KEEP,
        "--keep",
        bounds=defaults.FEED_KEEP_RANGE,
        help="Newest episodes listed in the feed (older audio stays on disk)",
    ),
    prune: bool = typer.Option(False, "--prune", help="Delete the files of episodes beyond --keep."),
    as_json: JsonOption = False,
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


def play(
    file: Path = typer.Argument(..., help="Audio file to play (MP3; chapters from .chapters.json or ID3)."),
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
