"""Fetch one web page or feed over HTTP(S) with httpx: timeout, size cap, redirects, charset, one-line errors.

Only ``http://`` and ``https://`` are fetched. Redirects are followed by hand, so every hop is
checked like the first (scheme, and with ``allow_private=False`` the address: a page on the
internet cannot redirect the fetcher to 127.0.0.1 or the LAN). The whole answer must arrive
within ``timeout_s`` (a server trickling bytes is cut off too) and stay under ``max_bytes``.
httpx is imported on first use, not when bulletin is imported.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bulletin import __version__, defaults
from bulletin.errors import SourceError

USER_AGENT = f"bulletin/{__version__} (radio bulletin maker; python-httpx)"
"""What bulletin says it is to the servers it fetches from."""
ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"


@dataclass(frozen=True)
class Fetched:
    """One HTTP answer, read whole."""

    url: str
    """The address asked for."""
    final_url: str
    """The address answered from, after redirects."""
    content: bytes
    """The body."""
    content_type: str = ""
    """Media type from the Content-Type header, lowercased, without parameters ("text/html")."""
    charset: str | None = None
    """Charset from the Content-Type header, if any."""
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers, lowercased names."""


def is_url(source: str) -> bool:
    """Return True if ``source`` looks like a URL (has a scheme), not a file path."""
    scheme = urlsplit(str(source)).scheme
    return len(scheme) > 1 and "://" in str(source)  # "C:\\x" is a path, "file:x" is not a web URL either


def check_address(url: str, allow_private: bool = True) -> None:
    """Raise SourceError unless ``url`` is http(s), its host resolves and (unless allowed) is public.

    The check resolves the host itself, so a DNS failure is told apart from a refused connection.
    With ``allow_private=False``, loopback, private, link-local, multicast and reserved addresses
    are refused (a server-side fetcher must not be turned against its own network). The address
    is checked before connecting; a host whose DNS answer changes between the two is not covered.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SourceError(f"{url}: only http:// and https:// addresses can be fetched")
    host = parts.hostname
    if not host:
        raise SourceError(f"{url}: the address has no host name; write it as http://HOST/PATH")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise SourceError(f"{url}: the port is not a number from 1 to 65535") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise SourceError(f"{url}: cannot resolve {host}; check the address and the network") from None
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise SourceError(f"{url}: {host} is a private or local address ({address}); it is not fetched here")


def fetch_url(
    url: str,
    *,
    allow_private: bool = True,
    timeout_s: float = defaults.FETCH_TIMEOUT_S,
    max_bytes: int = defaults.FETCH_MAX_BYTES,
    max_redirects: int = defaults.FETCH_MAX_REDIRECTS,
    accept: str = ACCEPT,
) -> Fetched:
    """Return the answer of ``url``; SourceError naming the URL for any failure (DNS, timeout, 404, too big)."""
    import httpx

    deadline = time.monotonic() + timeout_s
    current = url
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Language": "fr,en;q=0.5"}
    with httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s), follow_redirects=False) as client:
        for _ in range(max_redirects + 1):
            try:
                check_address(current, allow_private)
            except SourceError as error:
                if current == url:
                    raise
                raise SourceError(f"{url}: redirected to {error}") from None
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        reason = response.reason_phrase or "error"
                        raise SourceError(
                            f"{url}: the server answered {response.status_code} {reason}; check the address"
                        )
                    content = _read_capped(response, url, max_bytes, deadline, timeout_s)
                    media, _, _ = response.headers.get("content-type", "").partition(";")
                    return Fetched(
                        url=url,
                        final_url=str(response.url),
                        content=content,
                        content_type=media.strip().lower(),
                        charset=response.charset_encoding,
                        headers={name.lower(): value for name, value in response.headers.items()},
                    )
            except httpx.TimeoutException:
                raise SourceError(f"{url}: no answer within {timeout_s:g} s; try again later") from None
            except httpx.ConnectError as error:
                raise SourceError(f"{url}: cannot connect ({_reason(error)}); check the address") from None
            except (httpx.HTTPError, httpx.InvalidURL) as error:
                raise SourceError(f"{url}: the download failed ({_reason(error)}); try again later") from None
    raise SourceError(f"{url}: more than {max_redirects} redirects; give the article's final address")


def _read_capped(response, url: str, max_bytes: int, deadline: float, timeout_s: float) -> bytes:
    """Return the body of a streamed ``response``, refusing more than ``max_bytes`` or a late finish."""
    too_big = f"{url}: the answer is larger than {max_bytes / 1e6:g} MB; give the address of one article or feed"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(too_big)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(too_big)
        if time.monotonic() > deadline:
            raise SourceError(f"{url}: no complete answer within {timeout_s:g} s; try again later")
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:120]
