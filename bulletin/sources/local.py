"""Local sources: reading a file's bytes with one-line errors, decoding text, and the JSON article format.

JSON: an object, or a list of objects, each with ``title`` and ``paragraphs`` (a list of strings,
or one string with blank lines between paragraphs) and optionally ``source``, ``dateline``,
``url``, ``site``, ``date`` (ISO 8601) and ``id``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Container
from pathlib import Path

from bulletin.errors import ArticleError
from bulletin.sources.feed import Story
from bulletin.sources.html import build_article
from bulletin.text.article import Article

KINDS = "an article file (.txt, .md, .html, .json), a feed, an http(s) URL or - for stdin"


def read_source_file(path: Path) -> bytes:
    """Return the bytes of a source file; ArticleError if it is missing, a directory, unreadable or binary."""
    if not path.exists():
        raise ArticleError(f"{path}: no such file; give {KINDS}")
    if path.is_dir():
        raise ArticleError(f"{path}: is a directory; give {KINDS}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"{path}: cannot read it ({error.strerror})") from None
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{path}: is a binary file, not an article; give {KINDS}")
    return data


def decode_text(data: bytes, where: str) -> str:
    """Return text from UTF-8 (with or without BOM), else Windows-1252; ArticleError if it is neither."""
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{where}: is binary data, not an article; give UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ArticleError(f"{where}: is not UTF-8 text; save the article as UTF-8 and retry") from None


def stories_from_json(data: bytes, where: str, source: str, guid: str, exclude: Container[str] = ()) -> list[Story]:
    """Return the stories of a JSON article file (one object or a list); ArticleError naming the key at fault."""
    try:
        payload = json.loads(decode_text(data, where))
    except ValueError as error:
        raise ArticleError(f"{where}: is not valid JSON ({error}); see the JSON article format in the README") from None
    items = payload if isinstance(payload, list) else [payload]
    if not items:
        raise ArticleError(f"{where}: the JSON list is empty; nothing to broadcast")
    stories = []
    for number, item in enumerate(items):
        here = where if len(items) == 1 else f"{where}[{number}]"
        story_id = str(item.get("id") or item.get("url") or f"{guid}/{number}") if isinstance(item, dict) else ""
        if story_id in exclude:
            continue
        stories.append(Story(article_from_json(item, here), story_id, source, str(item.get("date", "") or "")))
    return stories


def article_from_json(item: object, where: str) -> Article:
    """Return the Article of one JSON object (title, paragraphs, and optional source/dateline/url/site/date)."""
    if not isinstance(item, dict):
        raise ArticleError(f"{where}: an article must be a JSON object with title and paragraphs")
    known = {"title", "paragraphs", "source", "dateline", "url", "site", "date", "id", "agency"}
    unknown = sorted(set(item) - known)
    if unknown:
        raise ArticleError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
    title = item.get("title")
    paragraphs = item.get("paragraphs")
    if isinstance(paragraphs, str):
        paragraphs = [block for block in paragraphs.split("\n\n")]
    if not isinstance(title, str) or not title.strip():
        raise ArticleError(f"{where}: title must be a non-empty string")
    if not isinstance(paragraphs, list) or not all(isinstance(p, str) for p in paragraphs):
        raise ArticleError(f"{where}: paragraphs must be a list of strings")
    paragraphs = [" ".join(p.split()) for p in paragraphs if p.strip()]
    if not paragraphs:
        raise ArticleError(f"{where}: the article has a title but no paragraphs; add at least one")
    for key in ("source", "dateline", "url", "site", "agency"):
        if not isinstance(item.get(key, ""), str):
            raise ArticleError(f"{where}: {key} must be a string")
    extras = {key: item.get(key, "") for key in ("url", "site", "source")}
    article = build_article(" ".join(title.split()), paragraphs, **extras)
    if item.get("dateline"):  # given explicitly: the lead is left as written
        dateline, agency = item["dateline"].strip(), item.get("agency", "").strip()
        article = dataclasses.replace(article, paragraphs=tuple(paragraphs), dateline=dateline, agency=agency)
    return article
