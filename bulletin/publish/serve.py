"""The feed directory on the web: a local HTTP server with byte ranges.

The server is standard library only (http.server). Serves files under the directory and nothing
else: no directory listings, no dot files (the feed lock, temp files), no symlinks
that lead outside. Binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bulletin import defaults
from bulletin.errors import BulletinError

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
    directory: Path | str, host: str = defaults.SERVE_HOST, port: int = defaults.SERVE_PORT, verbose: bool = False
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
    directory: Path | str,
    host: str = defaults.SERVE_HOST,
    port: int = defaults.SERVE_PORT,
    verbose: bool = True,
    on_ready=None,
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
