"""Cut an article into broadcast-sized segments: the ``Script`` a voice reads.

Pure functions: text in, text out. Segments never end mid-sentence unless one
sentence alone is longer than the limit (then it is cut at ``;`` ``:`` or ``,``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bulletin.text.article import Article

ROLES = ("headline", "lead", "body", "source")
"""Segment roles, in broadcast order; the mixer pauses differently after each."""

DEFAULT_MAX_CHARS = 250

# Words that end with a period without ending a sentence ("M. Tokáev", "av. J.-C.").
ABBREVIATIONS = frozenset(
    """m mm mme mmes mlle mlles dr drs pr me st ste sts stes n no nos vol
    p pp ex env etc av apr j.-c jc c cf éd ed fig chap art al gén gal col cdt lt
    sgt cap adj vs min max tél tel hab av.-j dép bd boul inc ltd cie co""".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?:\s?[»\"”’)])*\s+(?=[«\"“(\[]?\s*[A-ZÀ-ÖØ-Þ0-9«\"“])")
_CLAUSE_END = re.compile(r"(?<=[;:,])\s+")


@dataclass(frozen=True)
class Segment:
    """One piece of the bulletin, spoken in one synthesis call."""

    role: str
    """One of ROLES."""
    text: str
    """What the voice says (already made speakable)."""
    paragraph: int = -1
    """Index of the article paragraph it comes from; -1 for headline and source."""
    story: int = 0
    """Index of the story (article) in a bulletin of several."""


@dataclass(frozen=True)
class Script:
    """The whole bulletin as the voice will read it, in order."""

    title: str
    """The headline as written, for tags and file names."""
    segments: tuple[Segment, ...]
    """The segments, in broadcast order."""

    @property
    def text(self) -> str:
        """All spoken text, one segment per line."""
        return "\n".join(segment.text for segment in self.segments)


def build_script(
    article: Article,
    speak: Callable[[str], str] = lambda text: text,
    max_chars: int = DEFAULT_MAX_CHARS,
    story: int = 0,
) -> Script:
    """Return the Script of ``article``: headline, dateline + lead, body, source.

    ``speak`` turns written text into what the voice can say (the normaliser);
    sentences are cut after it, so the limit counts spoken characters.
    """
    if max_chars < 40:
        raise ValueError("max_chars must be at least 40")
    segments = [Segment("headline", piece, story=story) for piece in _pieces(speak(article.title), max_chars)]
    for index, paragraph in enumerate(article.paragraphs):
        role = "lead" if index == 0 else "body"
        if index == 0 and article.dateline:
            paragraph = f"{article.dateline}. {paragraph}"
        segments += [Segment(role, piece, index, story) for piece in _pieces(speak(paragraph), max_chars)]
    if article.source:
        segments += [
            Segment("source", piece, story=story) for piece in _pieces(speak(f"Source : {article.source}"), max_chars)
        ]
    return Script(article.title, tuple(s for s in segments if s.text.strip(" .")))


def _pieces(text: str, max_chars: int) -> list[str]:
    """Return ``text`` cut to ``max_chars`` (``split_paragraph``), its last piece closed as a sentence.

    The last piece always ends with sentence punctuation, so the voice's intonation falls; when
    the closing period would take it over the limit, that piece is cut again a character shorter.
    """
    pieces = split_paragraph(text, max_chars)
    if pieces and len(_closed(pieces[-1])) > max_chars:
        pieces[-1:] = split_paragraph(pieces[-1], max_chars - 1)
    return [*pieces[:-1], _closed(pieces[-1])] if pieces else []


def join_scripts(scripts: list[Script], title: str) -> Script:
    """Return one Script reading ``scripts`` one after the other (a bulletin of several stories)."""
    return Script(title, tuple(segment for script in scripts for segment in script.segments))


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text``; abbreviations ("M.", "Dr.", "etc.") do not end one."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        candidate = text[start : match.start()].rstrip()
        last_word = re.search(r"([\w.\-]+)\.$", candidate)
        if last_word and (last_word.group(1).lower() in ABBREVIATIONS or re.fullmatch(r"[A-Z]", last_word.group(1))):
            continue  # "M. Dupont", "J. Martin": an initial or abbreviation, not a sentence end
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_paragraph(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Return ``text`` cut into pieces of at most ``max_chars``, at sentence ends where possible."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        parts = [sentence] if len(sentence) <= max_chars else _split_long(sentence, max_chars)
        for part in parts:
            if current and len(current) + 1 + len(part) > max_chars:
                pieces.append(current)
                current = part
            else:
                current = f"{current} {part}".strip()
    if current:
        pieces.append(current)
    return pieces


def _split_long(sentence: str, max_chars: int) -> list[str]:
    """Cut one over-long sentence at ; : or , (then at spaces as a last resort)."""
    parts: list[str] = []
    current = ""
    for clause in _CLAUSE_END.split(sentence):
        if current and len(current) + 1 + len(clause) > max_chars:
            parts.append(current)
            current = clause
        else:
            current = f"{current} {clause}".strip()
        while len(current) > max_chars:  # a clause with no punctuation at all
            cut = current.rfind(" ", 0, max_chars)
            cut = cut if cut > 0 else max_chars
            parts.append(current[:cut].strip())
            current = current[cut:].strip()
    if current:
        parts.append(current)
    return parts


def _closed(text: str) -> str:
    """Return ``text`` ending with sentence punctuation, so the voice closes its intonation."""
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."
