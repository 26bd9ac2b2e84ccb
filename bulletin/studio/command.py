"""The commands that run a web server: ``bulletin serve`` (a feed directory) and ``bulletin studio``.

Registered by bulletin.cli; nothing here imports the web stack until a command runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from bulletin import defaults
from bulletin.console import fail, ranged
from bulletin.errors import BulletinError


def serve(
    directory: Path = typer.Argument(..., help="Feed directory to serve (as written by `bulletin publish`)."),
    host: str = typer.Option(defaults.SERVE_HOST, "--host", help="Address to listen on (localhost by default)."),
    port: int = ranged(defaults.SERVE_PORT, "--port", bounds=defaults.PORT_RANGE, help="Port, 0 picks a free one"),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="URL feed.xml's links point at (default: the address each request reached)."
    ),
) -> None:
    """Serve a feed directory over HTTP, with byte ranges, for browsers and podcast apps (needs the server extra)."""
    from bulletin.publish.httpd import require_server_extra

    def ready(url: str) -> None:
        typer.echo(f"serving {directory} at {url} (Ctrl-C to stop)", err=True)

    try:
        require_server_extra("bulletin serve")
        from bulletin.publish.serve import serve as serve_directory

        serve_directory(directory, host=host, port=port, on_ready=ready, base_url=base_url)
    except BulletinError as error:
        fail(error)


def studio(
    host: str = typer.Option(
        defaults.SERVE_HOST, "--host", help="Address to listen on; another than loopback needs --token."
    ),
    port: int = ranged(defaults.STUDIO_PORT, "--port", bounds=defaults.PORT_RANGE, help="Port, 0 picks a free one"),
    token: Optional[str] = typer.Option(
        None, "--token", envvar="BULLETIN_STUDIO_TOKEN", help="Bearer token every API route asks for."
    ),
    feed_dir: Path = typer.Option(
        defaults.FEED_DIR, "--feed-dir", help="Where Publier puts episodes (served at /feed/)."
    ),
    feed_config: Optional[Path] = typer.Option(None, "--feed-config", help="Channel TOML for publishing."),
    voice: str = typer.Option(
        defaults.VOICE, "--voice", help="Default voice: a preset name or a Coqui model directory."
    ),
    state_dir: Path = typer.Option(defaults.STUDIO_STATE_DIR, "--state-dir", help="Job records and their audio."),
    lexicon: Optional[Path] = typer.Option(
        None, "--lexicon", help="The station's pronunciation lexicon TOML (default: STATE_DIR/lexicon.toml)."
    ),
    cache_dir: Optional[Path] = typer.Option(
        None, "--cache-dir", envvar="BULLETIN_CACHE_DIR", help="Segment audio cache (default: the user cache dir)."
    ),
    station_config: Optional[Path] = typer.Option(
        None, "--station-config", help="Station TOML for newscasts (see examples/station.toml)."
    ),
    max_queue: int = ranged(
        defaults.STUDIO_QUEUE, "--max-queue", bounds=defaults.STUDIO_QUEUE_RANGE, help="Jobs waiting at most (then 429)"
    ),
    allow_private_urls: bool = typer.Option(
        False, "--allow-private-urls", help="Let URL sources reach loopback and private addresses."
    ),
    verbose: bool = typer.Option(False, "--verbose", help="Log every request."),
) -> None:
    """Run the newsroom studio: the editor's page, the job API, OpenAI-compatible speech (needs the server extra)."""
    from bulletin.publish.httpd import require_server_extra

    try:
        require_server_extra("bulletin studio")
        from bulletin.publish.httpd import AppServer, log_to_stderr
        from bulletin.studio.app import create_app
        from bulletin.studio.settings import StudioSettings

        settings = StudioSettings(
            host=host,
            port=port,
            token=token,
            state_dir=state_dir,
            feed_dir=feed_dir,
            feed_config=feed_config,
            voice=voice,
            cache_dir=cache_dir,
            lexicon=lexicon,
            station_config=station_config,
            allow_private_urls=allow_private_urls,
            queue_size=max_queue,
        )
        app = create_app(settings)
        server = AppServer(app, host, port, verbose=verbose, on_exit=app.state.studio.hang_up)
    except BulletinError as error:
        fail(error)
    log_to_stderr(verbose)
    typer.echo(f"studio at {server.url} (API docs at {server.url}docs; Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled: stopping is the normal end
        pass
    finally:
        server.server_close()
    if app.state.studio.worker.alive:  # still inside a segment (its job is recorded interrupted): do not
        sys.stderr.flush()  # let the interpreter tear down under native code (torch aborts then)
        os._exit(0)
