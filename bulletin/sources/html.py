"""A news page (HTML) into an ``Article``: trafilatura finds the title, the date and the body.

trafilatura drops what a listener must never hear: menus, cookie banners, share bars, related
links, comments, scripts. The bytes are decoded here first, by the charset the server declared,
else the page's own ``<meta charset>``, else UTF-8, else Windows-1252 (what browsers do with
"iso-8859-1"). trafilatura is imported on first use.
"""

from __future__ import annotations

import codecs
import re

from bulletin.errors import SourceError
from bulletin.text.article import Article, split_dateline

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii", "l1", "cp819"}
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE | re.DOTALL)
MIN_BODY_CHARS = 120
"""Less body text than this (a menu, a teaser) is not an article."""
_SOURCE = re.compile(r"^\(\s*(?:source\s*:\s*)?([^()]{1,60}?)\s*\)\s*\.?$", re.IGNORECASE)


def looks_like_html(content: bytes) -> bool:
    """Return True if ``content`` starts like an HTML document."""
    return bool(_HTML_START.match(content.lstrip(b"\xef\xbb\xbf")[:2048]))


def decode_html(content: bytes, charset: str | None = None) -> str:
    """Return the text of an HTML page: declared ``charset``, else ``<meta charset>``, else UTF-8, else cp1252."""
    if content.startswith(codecs.BOM_UTF8):
        return content[3:].decode("utf-8", errors="replace")
    for label in (charset, _meta_charset(content)):
        codec = _codec(label)
        if codec:
            try:
                return content.decode(codec)
            except UnicodeDecodeError:
                if codec == "cp1252":
                    return content.decode("latin-1")
                continue
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def article_from_html(html: str, url: str = "", where: str = "") -> Article:
    """Return the Article of a news page; SourceError naming ``where`` (or ``url``) if it holds no article text."""
    import trafilatura

    where = where or url or "the page"
    document = trafilatura.bare_extraction(
        html,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    text = getattr(document, "text", None) or ""
    title = " ".join((getattr(document, "title", None) or "").split())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [line for line in lines if line]
    if paragraphs and title and paragraphs[0].rstrip(".").casefold() == title.rstrip(".").casefold():
        paragraphs.pop(0)  # the <h1> inside <article> is the title, already read as the headline
    if not title and paragraphs:
        title = paragraphs.pop(0)
    if sum(len(paragraph) for paragraph in paragraphs) < MIN_BODY_CHARS:
        raise SourceError(
            f"{where}: no article text found on the page; give the address of one article, not a home or list page"
        )
    return build_article(title, paragraphs, url=url, site=getattr(document, "sitename", None) or "")


def build_article(title: str, paragraphs: list[str], url: str = "", site: str = "", source: str = "") -> Article:
    """Return an Article from extracted text: dateline split off the lead, a trailing "(Source : X)" as its source."""
    paragraphs = [paragraph for paragraph in paragraphs if paragraph.strip()]
    if paragraphs and not source:
        credit = _SOURCE.match(paragraphs[-1])
        if credit and len(paragraphs) > 1:
            source = credit.group(1).strip()
            paragraphs.pop()
    dateline, agency, lead = split_dateline(paragraphs[0])
    return Article(
        title=title,
        paragraphs=(lead, *paragraphs[1:]),
        dateline=dateline,
        agency=agency,
        source=source,
        url=url,
        site=site,
    )


def _meta_charset(content: bytes) -> str | None:
    match = _META_CHARSET.search(content[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _codec(label: str | None) -> str | None:
    """Return a Python codec for a charset label, cp1252 for the Latin-1 family (as browsers do), or None."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _LATIN1_LABELS or label in ("windows-1252", "cp1252"):
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None
