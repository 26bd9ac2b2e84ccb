"""HTML pasted into a .txt/.md article: the text a reader sees, never the markup or the scripts.

Real web pages come through ``bulletin.sources`` (trafilatura); this is the safety net for
a text file that holds markup: tags are dropped, ``<script>``, ``<style>``, ``<noscript>``
and ``<template>`` lose their content too, block elements become paragraphs and the first
``<title>``/``<h1>`` the title. lxml.html does the parsing.
"""

from __future__ import annotations

import re

_HTML_TAG = re.compile(
    r"<!DOCTYPE\s+html|<!--|</?(?:html|head|body|div|span|p|br|hr|script|style|noscript|template|a|b|i|u|em|strong|"
    r"ul|ol|li|table|thead|tbody|tr|td|th|h[1-6]|img|meta|link|iframe|section|article|header|footer|nav|main|aside|"
    r"form|input|button|figure|figcaption|blockquote|pre|code|small|sup|sub|title|svg)\b[^<>]*>",
    re.IGNORECASE,
)
_DROPPED = frozenset({"script", "style", "noscript", "template", "iframe", "svg", "head", "form", "button", "nav"})
_BLOCKS = frozenset(
    """p div li ul ol table thead tbody tr td th h1 h2 h3 h4 h5 h6 section article header footer main aside
    blockquote pre figure figcaption dd dt dl hr br title body html""".split()
)
_HEADINGS = frozenset({"title", "h1", "h2", "h3"})


def looks_like_html(text: str) -> bool:
    """Return True when ``text`` holds HTML markup (a known HTML tag, a doctype or a comment)."""
    return bool(_HTML_TAG.search(text))


def html_to_text(text: str) -> str:
    """Return the readable text of HTML: headings as "# ..." lines, blocks as paragraphs, scripts dropped."""
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^<>]*>", " ", text)
    out: list[str] = []
    title = root.find(".//head/title")
    if title is not None and (title.text or "").strip():
        out.append(f"\n\n# {' '.join(title.text.split())}\n\n")
    _emit(root, out)
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip() + "\n"


def _emit(element, out: list[str]) -> None:
    """Append the text of ``element`` and its children to ``out``, blocks apart."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag.lower() in _DROPPED or not tag:  # dropped element or comment: only the text after it
        if element.tail:
            out.append(element.tail)
        return
    block = tag.lower() in _BLOCKS
    if block:
        out.append("\n\n")
    if tag.lower() in _HEADINGS:
        out.append("# ")
    if element.text:
        out.append(element.text)
    for child in element:
        _emit(child, out)
    if block:
        out.append("\n\n")
    if element.tail:
        out.append(element.tail)
