"""Read a news article file into a typed ``Article``.

Understands the reference format (``examples/rhc-kazakhstan.txt``): a markdown
title ``# *...*``, ``---`` rules, a dateline opening the lead ("Astana, 10 janvier
(RHC) Le président ..."), body paragraphs, a source line "(RT)", a ``<https://...>``
link line and a bold site footer ("**Radio Habana Cuba**"). Plain text (first
non-empty line is the title) and markdown work too.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from bulletin.errors import ArticleError
from bulletin.text import ssml
from bulletin.text.html_text import html_to_text, looks_like_html
from bulletin.text.numbers_fr import MONTH_SPELLINGS

SSML_SUFFIXES = (".ssml", ".xml")
"""Article files read as SSML documents."""


@dataclass(frozen=True)
class Article:
    """One article as a newsroom wrote it (written text, not yet spoken)."""

    title: str
    """The headline."""
    paragraphs: tuple[str, ...]
    """Body paragraphs; the first is the lead, with its dateline removed."""
    dateline: str = ""
    """Place and date opening the lead, e.g. "Astana, 10 janvier"."""
    agency: str = ""
    """Agency credited in the dateline, e.g. "RHC"."""
    source: str = ""
    """Source credited at the end, e.g. "RT"."""
    url: str = ""
    """Link to the original article, never spoken."""
    site: str = ""
    """Publishing site named in the footer, e.g. "Radio Habana Cuba"; never spoken."""
    ssml: bool = False
    """True when the title and paragraphs hold inline SSML markup (``bulletin.text.ssml``)."""
    flash: bool = False
    """A one-paragraph flash: the title is its own first words, so it is not read apart."""
    title_markup: str = ""
    """The title with its SSML markup, when it has any (``title`` is the text it shows)."""

    @property
    def plain_lead(self) -> str:
        """The lead paragraph as it reads, without SSML markup."""
        return " ".join(ssml.plain_text(self.lead).split()) if self.ssml else self.lead

    @property
    def lead(self) -> str:
        """The lead paragraph."""
        return self.paragraphs[0]


_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$")
_LINK_LINE = re.compile(r"^\s*<?\s*(https?://\S+?)\s*>?\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")
_SOURCE_LINE = re.compile(r"^\s*\(\s*(?:source\s*:\s*)?([^()]{1,60}?)\s*\)\s*\.?\s*$", re.IGNORECASE)
_SOURCE_PREFIX = re.compile(r"^\s*source\s*:\s*(.{1,60}?)\.?\s*$", re.IGNORECASE)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
_DATE = r"\d{1,2}(?:er|ᵉʳ)?\s+(?:" + "|".join(MONTH_SPELLINGS) + r")(?:\s+\d{4})?"
_PLACE = r"[A-ZÀ-ÖØ-Þ][\w'’.\- ]{0,40}?"
# "Astana, 10 janvier (RHC) Le président..." / "PARIS, 3 mai (AFP) - ..." / "Genève (ATS) - ..."
_AGENCY = r"[A-Za-z][\w .&-]{0,20}"
_DATELINE = re.compile(
    rf"^(?P<place>{_PLACE})(?:,\s*(?P<date>{_DATE})(?:\s*\((?P<agency>{_AGENCY})\))?|\s*\((?P<agency_only>{_AGENCY})\))"
    r"\s*[-–—:.]?\s+(?P<rest>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)


def read_article(path: str | Path) -> Article:
    """Return the Article in a text or markdown file; ArticleError if it is unusable."""
    path = Path(path)
    if not path.exists():
        raise ArticleError(f"{path}: no such file; give the path of a .txt or .md article")
    if path.is_dir():
        raise ArticleError(f"{path}: is a directory; give the path of a .txt or .md article")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise ArticleError(f"{path}: is a binary file, not an article; give a UTF-8 .txt or .md file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ArticleError(f"{path}: is not UTF-8 text; save the article as UTF-8 and retry") from None
    try:
        if path.suffix.lower() in SSML_SUFFIXES:
            return ssml_article(text)
        return parse_article(text)
    except ArticleError as error:
        raise ArticleError(f"{path}: {error}") from None


def parse_article(text: str) -> Article:
    """Return the Article in ``text`` (reference format, markdown or plain text).

    Inline SSML tags make an SSML article (malformed markup: ArticleError naming line and
    column); other HTML markup is stripped, scripts and styles with their content.
    """
    if ssml.is_document(text):
        return ssml_article(text)  # a whole SSML document, pasted or piped in
    markup = ssml.has_ssml(text)
    if markup:
        ssml.parse_fragment(text)
    elif looks_like_html(text):
        text = html_to_text(text)
    article = _parse_blocks(text)
    if markup:
        for number, paragraph in enumerate((article.title, *article.paragraphs)):
            try:
                ssml.parse_fragment(paragraph)
            except ArticleError:
                raise ArticleError(
                    f"paragraph {number + 1}: an SSML tag spans a blank line; open and close it in one paragraph"
                ) from None
        title = " ".join(ssml.plain_text(article.title).split())
        article = dataclasses.replace(article, ssml=True, title=title, title_markup=article.title)
    return article


def ssml_article(text: str) -> Article:
    """Return the Article of an SSML document: ``<p>`` paragraphs, titled by ``<meta name="title">`` or the first."""
    markup, paragraphs = ssml.document_paragraphs(text)
    title = " ".join(ssml.plain_text(markup).split())
    if not title:
        raise ArticleError("the SSML document has no text to read; give it a <p> title and a <p> paragraph")
    flash = not paragraphs
    return Article(title=title, paragraphs=tuple(paragraphs) or (markup,), ssml=True, flash=flash, title_markup=markup)


def _parse_blocks(text: str) -> Article:
    """Return the Article in plain or markdown ``text``."""
    lines_of = _block_lines(text)
    blocks = [" ".join(lines) for lines in lines_of]
    if not blocks:
        raise ArticleError("the article is empty: it has no text to read; give a file with a title and a paragraph")
    title, url, site, source = "", "", "", ""
    title_lines: list[str] = []
    paragraphs: list[str] = []
    flash = False
    for block, lines in zip(blocks, lines_of):
        heading = _HEADING.match(block)
        if heading:
            if not title:
                title = _strip_markdown(heading.group(1))
            continue  # later sub-headings are layout, not text to read
        link = _LINK_LINE.match(block)
        if link:
            url = url or link.group(1)
            continue
        bold = _BOLD_LINE.match(block)
        if bold and paragraphs:
            site = _strip_markdown(bold.group(2))  # a bold line after the text is the site footer
            continue
        found_source = _SOURCE_LINE.match(block) or (paragraphs and _SOURCE_PREFIX.match(block))
        if found_source and paragraphs:
            source = found_source.group(1).strip()
            continue
        plain = _strip_markdown(block)
        if not title:
            title, title_lines = plain, lines
        elif plain:
            paragraphs.append(plain)
    if not title:
        raise ArticleError("the article has no text to read; give a file with a title and a paragraph")
    if not paragraphs and title_lines:  # a flash: a title line and its sentence, or one paragraph said once
        if len(title_lines) > 1:
            title, paragraphs = _strip_markdown(title_lines[0]), [_strip_markdown(" ".join(title_lines[1:]))]
        else:
            paragraphs, flash = [title], True
    if not paragraphs or not all(paragraphs):
        raise ArticleError("the article has a title but no body text; add at least one paragraph")
    dateline, agency, lead = split_dateline(paragraphs[0])
    paragraphs[0] = lead
    return Article(
        title=title,
        paragraphs=tuple(paragraphs),
        dateline=dateline,
        agency=agency,
        source=source,
        url=url,
        site=site,
        flash=flash,
    )


def split_dateline(paragraph: str) -> tuple[str, str, str]:
    """Return (dateline, agency, rest) of a lead paragraph; empty dateline if it has none.

    "Astana, 10 janvier (RHC) Le président ..." -> ("Astana, 10 janvier", "RHC", "Le président ...")
    """
    match = _DATELINE.match(paragraph)
    if not match:
        return "", "", paragraph
    dateline = match.group("place").strip()
    if match.group("date"):
        dateline += ", " + match.group("date")
    agency = match.group("agency") or match.group("agency_only") or ""
    return dateline, agency.strip(), match.group("rest").strip()


def _block_lines(text: str) -> list[list[str]]:
    """Return the lines of each paragraph of ``text`` (headings and link lines stand alone, rules dropped)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip() or _RULE.match(line):
            if current:
                blocks.append(current)
                current = []
            continue
        if _HEADING.match(line) or _LINK_LINE.match(line):
            if current:
                blocks.append(current)
                current = []
            blocks.append([line.strip()])
            continue
        current.append(line.strip())
    if current:
        blocks.append(current)
    return [lines for lines in blocks if " ".join(lines).strip()]


def _strip_markdown(text: str) -> str:
    """Return ``text`` without markdown decoration: images, link targets, emphasis markers."""
    text = _IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    for _ in range(3):  # nested emphasis: ***a***, **_a_**
        text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"^\s*(?:[-+*]|>)\s+", "", text)  # list bullets, quotes
    return re.sub(r"\s+", " ", text).strip().strip("*_").strip()
