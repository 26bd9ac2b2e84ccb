"""The feed directory on the web: an ASGI app (Starlette) with byte ranges, run alone or inside the studio.

Serves the files under the directory and nothing else: no directory listings, no dot
files (the feed lock, temp files), no ``episodes.json`` or channel TOML, no symlinks that
lead outside. ``feed.xml`` is served with its URLs pointing at the address the request
reached (or at ``base_url`` when given), so a podcast app on the local network can
subscribe to a feed published for another host. Needs the ``[server]`` extra (Starlette, uvicorn):
``bulletin.publish.httpd.require_server_extra`` says so in one line before this module is imported.
"""

from __future__ import annotations

import email.utils
import logging
import mimetypes
import os
import re
from pathlib import Path

from starlette.responses import Response

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
NOT_SERVED = frozenset({"episodes.json", defaults.CHANNEL_FILE})
"""Files of the feed directory that are records or settings, not things to publish."""
BLOCK_BYTES = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_MAX_POSITION_DIGITS = 19
"""A byte position longer than this is beyond any file (and beyond int64): refused with 416."""
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")
LOG = logging.getLogger("bulletin.http")


class RangeNotSatisfiable(Exception):
    """The Range header asks for bytes the file does not have (answer 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Return the (first, last) byte positions a single-range ``header`` asks of a ``size``-byte file.

    None means "send the whole file": no header, several ranges, another unit, or a
    syntactically invalid range (RFC 9110 14.1.1: ignored). RangeNotSatisfiable for a
    range past the end, an empty suffix ("bytes=-0") or an absurdly long position.
    """
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        return None
    first, last = match.groups()
    if len(first) > _MAX_POSITION_DIGITS or len(last) > _MAX_POSITION_DIGITS:
        raise RangeNotSatisfiable
    if not first and not last:
        return None
    if first and last and int(last) < int(first):
        return None
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:  # suffix range: the last N bytes
        if int(last) == 0:
            raise RangeNotSatisfiable
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable
    return start, end


def rewrite_feed(data: bytes, base_url: str) -> bytes:
    """Return feed.xml ``data`` with every URL under the feed's own base (its atom:link self) moved to ``base_url``."""
    from lxml import etree

    from bulletin.publish.rss import NS_ATOM

    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    found = root.find(f".//{{{NS_ATOM}}}link[@rel='self']")
    old = found.get("href", "") if found is not None else ""
    if not old.endswith("/feed.xml"):
        return data
    old, new = old[: -len("feed.xml")], base_url.rstrip("/") + "/"
    if old == new:
        return data
    for element in root.iter():
        for name in ("url", "href"):
            value = element.get(name)
            if value and value.startswith(old):
                element.set(name, new + value[len(old) :])
        if isinstance(element.tag, str) and element.text and element.text.startswith(old):
            element.text = new + element.text[len(old) :]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def feed_app(directory: Path | str, base_url: str | None = None):
    """Return the ASGI app serving ``directory`` (GET and HEAD); ``base_url`` fixes the URLs in feed.xml."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse, RedirectResponse
    from starlette.routing import Route

    directory = Path(directory)
    if not directory.is_dir():
        raise BulletinError(f"{directory}: no such directory to serve (publish an episode into it first)")
    root = os.path.realpath(directory)

    def not_found():
        return PlainTextResponse("not found", status_code=404)

    async def endpoint(request):
        relative = request.path_params.get("path", "")
        if "\x00" in relative:
            return PlainTextResponse("bad request: NUL in the path", status_code=400)
        candidate = os.path.join(root, relative.lstrip("/"))
        if os.path.isdir(candidate):
            if relative and not relative.endswith("/"):
                return RedirectResponse(request.url.path + "/", status_code=301)
            candidate = os.path.join(candidate, "index.html")
        real = os.path.realpath(candidate)
        inside = os.path.relpath(real, root)
        parts = Path(inside).parts
        hidden = any(part.startswith(".") for part in parts)
        if inside.startswith("..") or os.path.isabs(inside) or hidden or not os.path.isfile(real):
            return not_found()
        if len(parts) == 1 and (parts[0] in NOT_SERVED or parts[0].endswith(".toml")):
            return not_found()
        if parts == ("feed.xml",):
            try:
                data = Path(real).read_bytes()
            except OSError:
                return not_found()
            return ranged_response(request, real, rewrite_feed(data, base_url or _request_base(request)))
        return ranged_response(request, real, None)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=["GET", "HEAD"])])


def _request_base(request) -> str:
    """Return the URL this app was reached at (scheme, Host header, mount point)."""
    host = request.headers.get("host", "")
    if not _HOST.match(host):
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"[{server[0]}]:{server[1]}" if ":" in str(server[0]) else f"{server[0]}:{server[1]}"
    return f"{request.url.scheme}://{host}{request.scope.get('root_path', '')}/"


def ranged_response(request, path: str | Path, data: bytes | None = None):
    """Return the response for the file at ``path`` (or its rewritten ``data``), honouring a Range header."""
    path = str(path)
    try:
        stat = os.stat(path)
    except OSError:
        return Response("not found", status_code=404, media_type="text/plain")
    size = len(data) if data is not None else stat.st_size
    try:
        wanted = byte_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(b"", status_code=416, headers={"Content-Range": f"bytes */{size}"})
    start, end = wanted if wanted else (0, size - 1)
    suffix = os.path.splitext(path)[1].lower()
    headers = {
        "Content-Type": MIME_TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream",
        "Content-Length": str(end - start + 1),
        "Accept-Ranges": "bytes",
        "Last-Modified": email.utils.formatdate(stat.st_mtime, usegmt=True),
        "Cache-Control": "no-cache",
    }
    if wanted:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return _FileRange(path, data, start, end, 206 if wanted else 200, headers, request.method == "HEAD")


class _FileRange(Response):
    """A response sending bytes ``start``..``end`` of a file in blocks; a client gone is one log line."""

    def __init__(self, path: str, data: bytes | None, start: int, end: int, status: int, headers: dict, head: bool):
        super().__init__(status_code=status, headers=headers)
        self.path, self.data, self.start, self.end, self.head = path, data, start, end, head

    async def __call__(self, scope, receive, send) -> None:
        import anyio

        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if self.head:
            await send({"type": "http.response.body", "body": b""})
            return
        self.remaining = self.end - self.start + 1
        state = {"finished": False, "gone": False}
        async with anyio.create_task_group() as group:

            async def watch() -> None:  # uvicorn (ASGI 2.3) drops sends to a closed socket silently
                while (await receive())["type"] != "http.disconnect":
                    pass
                if not state["finished"]:
                    state["gone"] = True
                    group.cancel_scope.cancel()

            group.start_soon(watch)
            try:
                await self._send_body(send)
            except OSError:
                state["gone"] = True
            state["finished"] = True
            group.cancel_scope.cancel()
        if state["gone"]:
            client = scope.get("client") or ("a client", 0)
            LOG.info(
                "%s:%s went away during %s (%d bytes unsent)", client[0], client[1], scope.get("path"), self.remaining
            )

    async def _send_body(self, send) -> None:
        from anyio import to_thread

        if self.data is not None:
            await send({"type": "http.response.body", "body": self.data[self.start : self.end + 1]})
            self.remaining = 0
            return
        with open(self.path, "rb") as handle:
            handle.seek(self.start)
            while self.remaining > 0:
                block = await to_thread.run_sync(handle.read, min(self.remaining, BLOCK_BYTES))
                if not block:
                    break
                self.remaining -= len(block)
                await send({"type": "http.response.body", "body": block, "more_body": self.remaining > 0})
        if self.remaining > 0:  # the file shrank under us: end the body as it is
            await send({"type": "http.response.body", "body": b""})


def make_server(
    directory: Path | str,
    host: str = defaults.SERVE_HOST,
    port: int = defaults.SERVE_PORT,
    verbose: bool = False,
    base_url: str | None = None,
):
    """Return a bound, not yet serving, server for ``directory`` (``serve_forever``/``shutdown``); port 0 picks one."""
    from bulletin.publish.httpd import AppServer, require_server_extra

    require_server_extra("bulletin serve")
    return AppServer(feed_app(directory, base_url), host, port, verbose=verbose)


def serve(
    directory: Path | str,
    host: str = defaults.SERVE_HOST,
    port: int = defaults.SERVE_PORT,
    verbose: bool = True,
    on_ready=None,
    base_url: str | None = None,
) -> None:
    """Serve ``directory`` until interrupted; ``on_ready(url)`` is called once listening."""
    from bulletin.publish.httpd import log_to_stderr

    server = make_server(directory, host, port, verbose=verbose, base_url=base_url)
    log_to_stderr(verbose)
    if on_ready is not None:
        on_ready(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
