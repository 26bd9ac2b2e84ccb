"""RSS 2.0 and Atom feeds into stories, with feedparser: newest first, full text where the feed has it.

An item's text is its ``content:encoded`` (or Atom ``<content>``) when present; when the item
carries only a summary, the linked page is fetched and read like any article page; when that
fails, the summary is read. A feed is recognised by its content (the first element is ``<rss>``,
``<feed>`` or ``<rdf:RDF>``), never by its name.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Container
from dataclasses import dataclass

from bulletin.errors import SourceError
from bulletin.sources.html import article_from_html, build_article, decode_html
from bulletin.text.article import Article

_FIRST_TAG = re.compile(rb"<([!?]?)([A-Za-z_][\w:.-]*)")
_FEED_ROOTS = {b"rss", b"feed", b"rdf:rdf", b"rss:rss", b"atom:feed"}
_BLOCKS = ("p", "li", "blockquote", "h2", "h3", "h4")


@dataclass(frozen=True)
class Story:
    """One story to broadcast and where it came from."""

    article: Article
    """The text."""
    guid: str
    """Stable identity: the feed item's GUID, else its link; a page's final URL; a file's content hash."""
    source: str
    """The SOURCE it was read from (file, URL, feed, "-")."""
    published: str = ""
    """Publication time (ISO 8601, UTC) when the feed or page gives one."""


def looks_like_feed(content: bytes) -> bool:
    """Return True if the first element of ``content`` is an RSS or Atom root."""
    head = content.lstrip(b"\xef\xbb\xbf")[:4096]
    for match in _FIRST_TAG.finditer(head):
        if match.group(1):  # <?xml ...?>, <!-- ... -->, <!DOCTYPE ...>
            continue
        return match.group(2).lower() in _FEED_ROOTS
    return False


def stories_from_feed(
    content: bytes,
    where: str,
    fetch: Callable[[str], object] | None,
    limit: int,
    exclude: Container[str] = (),
    headers: dict[str, str] | None = None,
) -> list[Story]:
    """Return the newest ``limit`` stories of a feed whose GUID is not in ``exclude``.

    ``fetch(url) -> Fetched`` reads the linked page of an item that has no full text (None: the
    summary is read). SourceError naming ``where`` if the feed is malformed or none has text.
    """
    import feedparser

    parsed = feedparser.parse(content, response_headers=headers or {"content-type": "application/xml"})
    if parsed.get("bozo") and not _harmless(parsed.get("bozo_exception")):
        problem = " ".join(str(parsed.get("bozo_exception", "")).split())[:100]
        raise SourceError(f"{where}: not a well-formed feed ({problem}); check the feed address or try again later")
    entries = list(parsed.entries)
    if not entries:
        raise SourceError(f"{where}: the feed has no items; nothing to broadcast")
    site = " ".join(parsed.feed.get("title", "").split())
    order = sorted(range(len(entries)), key=lambda i: (-(_timestamp(entries[i]) or 0), i))  # newest first, stable
    stories: list[Story] = []
    problems: list[str] = []
    for index in order:
        if len(stories) >= limit:
            break
        entry = entries[index]
        guid = entry.get("id") or entry.get("link") or _digest(entry.get("title", ""), entry.get("summary", ""))
        if guid in exclude:
            continue
        try:
            article = _entry_article(entry, site, fetch)
        except SourceError as error:
            problems.append(str(error))
            continue
        stamp = _timestamp(entry)
        published = dt.datetime.fromtimestamp(stamp, dt.timezone.utc).isoformat() if stamp else ""
        stories.append(Story(article, guid, where, published))
    if not stories and problems:
        raise SourceError(f"{where}: no item of the feed has text to read (first: {problems[0]})")
    return stories


def _entry_article(entry, site: str, fetch) -> Article:
    """Return an item's Article: its full content, else its linked page, else its summary."""
    title = _plain(entry.get("title", ""))
    link = entry.get("link", "")
    where = link or title or "a feed item"
    if not title:
        raise SourceError(f"{where}: the item has no title")
    contents = [item.get("value", "") for item in entry.get("content", []) if item.get("value", "").strip()]
    if contents:
        paragraphs = html_paragraphs(max(contents, key=len))
        if paragraphs:
            return build_article(title, paragraphs, url=link, site=site)
    summary = html_paragraphs(entry.get("summary", ""))
    if link and fetch is not None:
        try:
            page = fetch(link)
            article = article_from_html(decode_html(page.content, page.charset), page.final_url, where=link)
            return dataclasses.replace(article, title=title, url=link, site=site or article.site)
        except SourceError:
            if not summary:
                raise
    if not summary:
        raise SourceError(f"{where}: the item has a title but no text, and no page to read it from")
    return build_article(title, summary, url=link, site=site)


def html_paragraphs(fragment: str) -> list[str]:
    """Return the paragraphs of an HTML fragment (``<p>``, list items...; else its lines), scripts dropped."""
    if not fragment or not fragment.strip():
        return []
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return [" ".join(fragment.split())]
    for junk in root.xpath("//script|//style|//iframe|//figcaption|//noscript"):
        junk.drop_tree()
    blocks = [element for element in root.iter(*_BLOCKS) if not any(a.tag in _BLOCKS for a in element.iterancestors())]
    if not blocks:
        for br in root.iter("br"):
            br.tail = "\n" + (br.tail or "")
        return [" ".join(line.split()) for line in root.text_content().splitlines() if line.strip()]
    return [text for text in (" ".join(block.text_content().split()) for block in blocks) if text]


def _plain(text: str) -> str:
    return " ".join(html_paragraphs(text)) if "<" in text else " ".join(text.split())


def _timestamp(entry) -> int | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return calendar.timegm(value)
    return None


def _digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:32]


def _harmless(problem) -> bool:
    """Return True for feedparser complaints that do not garble the items (a charset label off, a media type)."""
    import feedparser

    return isinstance(problem, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType))
