"""The feed directory on the web: its index.html page, and a local HTTP server with byte ranges.

``render_index`` writes the page publish saves as DIR/index.html: each episode with an
``<audio>`` player, its VTT as a captions track and its chapters as buttons that seek.
The server is standard library only (http.server). Serves files under the directory and nothing
else: no directory listings, no dot files (the feed lock, temp files), no symlinks
that lead outside. Binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import email.utils
import os
import re
import shutil
from functools import partial
from html import escape
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

from bulletin.errors import BulletinError
from bulletin.feed import Channel, format_duration, xml_text

MIME_TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class FeedRequestHandler(SimpleHTTPRequestHandler):
    """GET/HEAD for files under ``directory`` with single byte-range support (RFC 9110 §14)."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    server_version = "bulletin"
    sys_version = ""

    def send_head(self):
        """Send status and headers; return the open file positioned at the first byte to send, or None."""
        self._remaining = None
        path = self.translate_path(self.path)
        root = os.path.realpath(self.directory)
        if os.path.isdir(path):
            if not self.path.split("?", 1)[0].endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", self.path.split("?", 1)[0] + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            path = os.path.join(path, "index.html")
        real = os.path.realpath(path)
        relative = os.path.relpath(real, root)
        hidden = any(part.startswith(".") for part in Path(relative).parts)
        if relative.startswith("..") or os.path.isabs(relative) or hidden or not os.path.isfile(real):
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            handle = open(real, "rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            stat = os.fstat(handle.fileno())
            size = stat.st_size
            start, end = 0, size - 1
            header = self.headers.get("Range")
            partial_content = False
            if header is not None:
                match = _RANGE.match(header.strip())
                first, last = match.groups() if match else ("", "")
                if first and last and int(last) < int(first):
                    first = last = ""  # syntactically invalid: ignore the header (RFC 9110 14.1.1)
                if first or last:  # multi-range or other units: send it all
                    if first:
                        start = int(first)
                        end = min(int(last), size - 1) if last else size - 1
                    else:  # suffix range: the last N bytes
                        start, end = max(size - int(last), 0), size - 1
                    if start >= size or start > end or (not first and int(last) == 0):
                        handle.close()
                        self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                    partial_content = True
            if partial_content:
                self.send_response(HTTPStatus.PARTIAL_CONTENT)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            else:
                self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", self.guess_type(real))
            self.send_header("Content-Length", str(end - start + 1))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            handle.seek(start)
            self._remaining = end - start + 1
            return handle
        except BaseException:
            handle.close()
            raise

    def copyfile(self, source, outputfile):
        """Copy only the requested range of ``source``."""
        remaining = self._remaining
        if remaining is None:
            shutil.copyfileobj(source, outputfile)
            return
        while remaining > 0:
            block = source.read(min(remaining, 64 * 1024))
            if not block:
                break
            outputfile.write(block)
            remaining -= len(block)

    def list_directory(self, path):  # never list directories
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None

    def log_message(self, format, *args):  # quiet unless asked: the CLI prints its own line
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def make_server(
    directory: Path | str, host: str = "127.0.0.1", port: int = 8000, verbose: bool = False
) -> ThreadingHTTPServer:
    """Return a bound (not yet serving) threading HTTP server for ``directory``; port 0 picks a free port."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BulletinError(f"{directory}: no such directory to serve (publish an episode into it first)")
    handler = partial(FeedRequestHandler, directory=str(directory.resolve()))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as error:
        raise BulletinError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    server.daemon_threads = True
    server.verbose = verbose
    return server


def serve(
    directory: Path | str, host: str = "127.0.0.1", port: int = 8000, verbose: bool = True, on_ready=None
) -> None:
    """Serve ``directory`` until interrupted; ``on_ready(url)`` is called once listening."""
    server = make_server(directory, host, port, verbose=verbose)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    if on_ready is not None:
        on_ready(f"http://{shown}:{bound_port}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def render_index(channel: Channel, entries: list[dict], keep: int = 100, artwork_url: str = "") -> bytes:
    """Return index.html: the show and its newest ``keep`` episodes, each with a player, captions and chapters.

    ``entries`` are episode records from the feed directory (newest first). Links are
    relative, so the page works from any host, ``bulletin serve`` included.
    """

    def h(value: str) -> str:
        return escape(xml_text(value), quote=True)

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{h(channel.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(channel.title)}</title>",
        f'<link rel="alternate" type="application/rss+xml" title="{h(channel.title)}" href="feed.xml">',
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
    ]
    if artwork_url:
        parts.append(f'<img class="art" src="{h(artwork_url)}" alt="">')
    parts += [
        f"<div><h1>{h(channel.title)}</h1>",
        f'<p class="by">{h(channel.author)}</p>',
        f"<p>{h(channel.description)}</p>",
        '<p><a class="feed" href="feed.xml">Flux RSS du podcast</a></p></div>',
        "</header>",
        "<main>",
    ]
    if not entries:
        parts.append("<p>Aucun épisode publié.</p>")
    for entry in entries[:keep]:
        files = entry["files"]
        when = email.utils.parsedate_to_datetime(entry["pub_date"]).strftime("%Y-%m-%d %H:%M UTC")
        parts += [
            f'<article class="episode" id="{h(entry["slug"])}">',
            f"<h2>{h(entry['title'])}</h2>",
            f'<p class="meta"><time datetime="{h(entry["pub_date"])}">{h(when)}</time> · '
            f"{h(format_duration(entry['duration_s']))}</p>",
            f"<p>{h(entry['description'])}</p>",
            f'<audio controls preload="metadata" src="{h(quote(files["audio"]))}">',
        ]
        if "vtt" in files:
            parts.append(
                f'<track kind="captions" srclang="{h(channel.language)}" label="Transcription" '
                f'src="{h(quote(files["vtt"]))}" default>'
            )
        parts.append("</audio>")
        if "vtt" in files:
            parts.append('<p class="caption" aria-live="polite"></p>')
        if entry["chapters"]:
            parts.append('<ol class="chapters">')
            for start_s, title in entry["chapters"]:
                parts.append(
                    f'<li><button type="button" data-start="{start_s:g}">'
                    f"{h(format_duration(start_s))}</button> {h(title)}</li>"
                )
            parts.append("</ol>")
        links = [
            f'<a href="{h(quote(files[k]))}">{label}</a>'
            for k, label in (
                ("vtt", "Transcription (VTT)"),
                ("srt", "Sous-titres (SRT)"),
                ("chapters", "Chapitres (JSON)"),
                ("audio", "MP3"),
            )
            if k in files
        ]
        parts.append(f'<p class="links">{" · ".join(links)}</p>')
        parts.append("</article>")
    parts += ["</main>", f"<script>{_JS}</script>", "</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")


_CSS = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2430;"
    "background:#f6f7f9}header{display:flex;gap:1.2rem;align-items:center;margin-bottom:1.5rem}"
    ".art{width:120px;height:120px;border-radius:8px;object-fit:cover}h1{margin:0;font-size:1.7rem}"
    ".by{margin:0;color:#5b6575}.episode{background:#fff;border-radius:10px;padding:1rem 1.2rem;"
    "margin:0 0 1.2rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}.episode h2{margin:.1rem 0;font-size:1.25rem}"
    ".meta{margin:0 0 .5rem;color:#5b6575;font-size:.9rem}audio{width:100%;margin:.4rem 0}"
    ".chapters{padding-left:1.2rem;margin:.4rem 0}.chapters button{font:inherit;font-variant-numeric:tabular-nums;"
    "border:1px solid #c7ced9;background:#eef2f7;border-radius:4px;padding:0 .4rem;cursor:pointer}"
    ".caption{min-height:1.5em;margin:.2rem 0;font-style:italic;color:#36404f}"
    ".chapters button:hover{background:#dde6f2}.links{font-size:.9rem}a{color:#1f5fb4}"
)

_JS = (
    "document.querySelectorAll('.chapters button').forEach(function(b){b.addEventListener('click',function(){"
    "var a=b.closest('article').querySelector('audio');a.currentTime=parseFloat(b.dataset.start);a.play();});});"
    # Audio elements draw no captions: show the active cue under the player instead.
    "document.querySelectorAll('article.episode').forEach(function(e){var t=e.querySelector('track'),"
    "p=e.querySelector('.caption');if(!t||!p)return;t.track.mode='hidden';t.track.addEventListener('cuechange',"
    "function(){var c=t.track.activeCues;p.textContent=c&&c.length?c[0].text:'';});});"
)
