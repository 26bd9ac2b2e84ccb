"""Where stories come from: a file, a web page, an RSS/Atom feed or stdin, read into ``Article``s.

    from bulletin.sources import load, load_stories
    articles = load("https://example.org/fil-info/rss.xml", limit=3)   # the newest three items
    articles = load("article.html") + load("-")                        # a saved page, then stdin

A SOURCE is ``-`` (stdin), an ``http(s)://`` URL, or a file path. What it holds is told by its
content: an RSS 2.0 or Atom feed (any name), an HTML page, JSON (``.json``: an object, or a list of
objects, with title, paragraphs and optionally source, dateline, url, date), else a text or
markdown article in the reference format. A feed gives its newest items (``limit``, default 1).
Every failure is a ``SourceError`` (an ``ArticleError``) naming the source, in one line.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from collections.abc import Callable, Container
from pathlib import Path

from bulletin import defaults
from bulletin.errors import ArticleError, SourceError
from bulletin.sources.feed import Story, looks_like_feed, stories_from_feed
from bulletin.sources.fetch import Fetched, check_address, fetch_url, is_url
from bulletin.sources.html import article_from_html, decode_html, looks_like_html
from bulletin.sources.local import decode_text, read_source_file, stories_from_json
from bulletin.text.article import Article, parse_article

__all__ = ["Fetched", "SourceError", "Story", "check_address", "fetch_url", "load", "load_stories"]

Fetcher = Callable[[str], Fetched]
"""Reads one URL: ``fetch_url`` by default; a front end may pass its own (timeouts, a shared client)."""
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml")


def load(
    source: str | Path,
    *,
    allow_private: bool = True,
    fetcher: Fetcher | None = None,
    limit: int | None = None,
    stdin=None,
) -> list[Article]:
    """Return the Articles of one SOURCE (a feed gives its newest ``limit`` items, default 1)."""
    return [
        story.article
        for story in load_stories(source, allow_private=allow_private, fetcher=fetcher, limit=limit, stdin=stdin)
    ]


def load_stories(
    source: str | Path,
    *,
    allow_private: bool = True,
    fetcher: Fetcher | None = None,
    limit: int | None = None,
    exclude: Container[str] = (),
    stdin=None,
) -> list[Story]:
    """Return the Stories of one SOURCE, with their GUIDs; feed items whose GUID is in ``exclude`` are skipped.

    ``allow_private=False`` refuses URLs (and redirects, and feed links) that point at loopback or
    private addresses: set it where the SOURCE comes from someone else (a web form). ``stdin`` is a
    binary file to read for ``-`` (default ``sys.stdin.buffer``).
    """
    limit = defaults.STORIES if limit is None else limit
    if limit < 1:
        raise ArticleError(f"--stories {limit}: ask for at least one story")
    fetch = _guarded(fetcher, allow_private)
    if isinstance(source, Path):
        return _from_file(source, limit, exclude, fetch)
    text = str(source).strip()
    if text == "-":
        content = (stdin if stdin is not None else sys.stdin.buffer).read()
        return _from_bytes(content, "stdin", "-", limit, exclude, fetch)
    if is_url(text):
        page = fetch(text)
        return _from_page(page, text, limit, exclude, fetch)
    return _from_file(Path(text), limit, exclude, fetch)


def _guarded(fetcher: Fetcher | None, allow_private: bool) -> Fetcher:
    if fetcher is None:
        return functools.partial(fetch_url, allow_private=allow_private)
    if allow_private:
        return fetcher

    def guarded(url: str) -> Fetched:
        check_address(url, allow_private=False)
        return fetcher(url)

    return guarded


def _from_page(page: Fetched, source: str, limit: int, exclude: Container[str], fetch: Fetcher) -> list[Story]:
    """Stories of a fetched URL: a feed by its content, else an HTML page, else a clear refusal."""
    if looks_like_feed(page.content):
        headers = {"content-type": page.headers.get("content-type", "application/xml"), "content-location": page.url}
        return stories_from_feed(page.content, source, fetch, limit, exclude, headers)
    if page.content_type in _HTML_TYPES or (not page.content_type and looks_like_html(page.content)):
        article = article_from_html(decode_html(page.content, page.charset), page.final_url, where=source)
        return [] if page.final_url in exclude else [Story(article, page.final_url, source)]
    if page.content_type in _FEED_TYPES or page.content_type.startswith("text/"):
        raise SourceError(f"{source}: is {page.content_type}, neither a web page nor an RSS/Atom feed")
    kind = page.content_type or "of unknown type"
    raise SourceError(f"{source}: is {kind}, not a web page or a feed; give the address of an article or a feed")


def _from_file(path: Path, limit: int, exclude: Container[str], fetch: Fetcher) -> list[Story]:
    content = read_source_file(path)
    suffix = path.suffix.lower()
    return _from_bytes(content, str(path), str(path), limit, exclude, fetch, suffix)


def _from_bytes(
    content: bytes, where: str, source: str, limit: int, exclude: Container[str], fetch: Fetcher, suffix: str = ""
) -> list[Story]:
    """Stories of local bytes (a file or stdin), told apart by content, then by the file's suffix."""
    guid = "sha256:" + hashlib.sha256(content).hexdigest()[:32]
    if looks_like_feed(content):
        return stories_from_feed(content, where, fetch, limit, exclude)
    if suffix == ".json" or (not suffix and content.lstrip()[:1] in (b"{", b"[")):
        return stories_from_json(content, where, source, guid, exclude)
    if suffix in (".html", ".htm", ".xhtml") or looks_like_html(content):
        article = article_from_html(decode_html(content), where=where)
        return [] if guid in exclude else [Story(article, guid, source)]
    try:
        article = parse_article(decode_text(content, where))
    except ArticleError as error:
        raise ArticleError(f"{where}: {error}") from None
    return [] if guid in exclude else [Story(article, guid, source)]
