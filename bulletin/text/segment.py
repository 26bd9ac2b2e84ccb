"""Cut an article into broadcast-sized segments: the ``Script`` a voice reads.

Pure functions: text in, text out. Segments never end mid-sentence unless one
sentence alone is longer than the limit (then it is cut at ``;`` ``:`` or ``,``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass

from bulletin import defaults
from bulletin.text import ssml
from bulletin.text.article import Article
from bulletin.text.spans import Piece, Rewrite, align, cut

ROLES = ("headline", "lead", "body", "source", "greeting", "headlines", "signoff")
"""Segment roles, in broadcast order (the last three frame a newscast); the mixer pauses differently after each."""


# Words that end with a period without ending a sentence ("M. Tokáev", "av. J.-C.").
ABBREVIATIONS = frozenset(
    """m mm mme mmes mlle mlles dr drs pr me st ste sts stes n no nos vol
    p pp ex env etc av apr j.-c jc c cf éd ed fig chap art al gén gal col cdt lt
    sgt cap adj vs min max tél tel hab av.-j dép bd boul inc ltd cie co""".split()
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])(?:\s?[»\"”’)])*\s+(?=[«\"“(\[]?\s*[A-ZÀ-ÖØ-Þ0-9«\"“])")
_CLAUSE_END = re.compile(r"(?<=[;:,])\s+")
CUTS = ("sentence", "clause", "word")
"""Where a segment ends: at a sentence end, inside a sentence at ; : or , or (last resort) between words."""
Speak = Callable[[str], "str | tuple[str, tuple[Rewrite, ...]]"]
"""Written text -> spoken text, with or without the span map between them (``speakable_spans``)."""


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
    written: str = ""
    """The same words as the article wrote them ("16 agents", "(OTSC)"); empty means ``text``."""
    rewrites: tuple[Rewrite, ...] = ()
    """Where ``text`` differs from ``written`` (offsets into each); outside them both are the same."""
    cut: str = "sentence"
    """How the segment ends, one of CUTS: the mixer pauses less after a cut inside a sentence."""
    pause_after_ms: int | None = None
    """Silence asked for after this segment (an SSML break), instead of the role's pause."""

    def __post_init__(self) -> None:
        if not self.written and not self.rewrites:
            object.__setattr__(self, "written", self.text)


@dataclass(frozen=True)
class Script:
    """The whole bulletin as the voice will read it, in order."""

    title: str
    """The headline as written, for tags and file names."""
    segments: tuple[Segment, ...]
    """The segments, in broadcast order."""
    warnings: tuple[str, ...] = ()
    """What the reader should know: SSML tags ignored, phonemes the voice cannot take."""
    removed: str = ""
    """Characters of the article the normaliser left unsaid (emoji, CJK, control codes...), in order."""

    @property
    def text(self) -> str:
        """All spoken text, one segment per line."""
        return "\n".join(segment.text for segment in self.segments)


def build_script(
    article: Article,
    speak: Speak = lambda text: text,
    max_chars: int = defaults.MAX_CHARS,
    story: int = 0,
    takes_phonemes: bool = False,
) -> Script:
    """Return the Script of ``article``: headline, dateline + lead, body, source.

    ``speak`` turns written text into what the voice can say (the normaliser), with the
    span map between them if it keeps one; sentences are cut after it, so the limit
    counts spoken characters. SSML in the article (``article.ssml``) is followed; phonemes
    are passed on only when ``takes_phonemes``.
    """
    if max_chars < 40:
        raise ValueError("max_chars must be at least 40")
    warnings: list[str] = []
    options = dict(story=story, markup=article.ssml, takes_phonemes=takes_phonemes, warnings=warnings)
    title = article.title_markup or article.title
    # --max-chars bounds every segment: a long headline or source line is cut like a paragraph
    segments = [] if article.flash else paragraph_segments(title, speak, max_chars, "headline", -1, **options)
    for index, paragraph in enumerate(article.paragraphs):
        role = "lead" if index == 0 else "body"
        if index == 0 and article.dateline:
            paragraph = f"{article.dateline}. {paragraph}"
        segments += paragraph_segments(paragraph, speak, max_chars, role, index, before=segments, **options)
    if article.source:
        segments += paragraph_segments(f"Source : {article.source}", speak, max_chars, "source", -1, story=story)
    kept = tuple(s for s in segments if s.text.strip(" ."))
    return Script(article.title, kept, tuple(dict.fromkeys(warnings)))


def paragraph_segments(
    written: str,
    speak: Speak,
    max_chars: int,
    role: str,
    paragraph: int,
    story: int = 0,
    *,
    markup: bool = False,
    takes_phonemes: bool = False,
    warnings: list[str] | None = None,
    before: list[Segment] | None = None,
) -> list[Segment]:
    """Return the segments of one written paragraph: spoken, cut at sentence ends (clauses if need be).

    With ``markup`` the paragraph holds inline SSML: each ``<break>`` ends a segment that
    asks for exactly that silence after it (one at the very start lengthens ``before[-1]``).
    """
    if not markup:
        return _segments(*_spoken(written, speak), max_chars, role, paragraph, story, close=True)
    runs, found = ssml.runs(written, takes_phonemes)
    if warnings is not None:
        warnings.extend(found)
    segments: list[Segment] = []
    groups = ssml.between_breaks(runs)
    spoken_groups = [ssml.speak_runs(group, lambda text: spoken_with_map(speak, text)) for group, _ in groups]
    last = max((n for n, (_, spoken, _) in enumerate(spoken_groups) if spoken.strip()), default=-1)
    for number, ((written_text, spoken, rewrites), (_, pause_ms)) in enumerate(zip(spoken_groups, groups)):
        pieces = _segments(written_text, spoken, rewrites, max_chars, role, paragraph, story, close=number == last)
        if pieces and pause_ms is not None:
            pieces[-1] = dataclasses.replace(pieces[-1], pause_after_ms=pause_ms)
        elif pause_ms is not None and (segments or before):
            target = segments if segments else before
            target[-1] = dataclasses.replace(target[-1], pause_after_ms=(target[-1].pause_after_ms or 0) + pause_ms)
        segments += pieces
    return segments


def _spoken(written: str, speak: Speak) -> tuple[str, str, tuple[Rewrite, ...]]:
    """Return (written, spoken, rewrites) of a plain paragraph, its whitespace tidied first."""
    written = " ".join(written.split())
    return (written, *spoken_with_map(speak, written))


def _segments(
    written: str,
    spoken: str,
    rewrites: tuple[Rewrite, ...],
    max_chars: int,
    role: str,
    paragraph: int,
    story: int,
    close: bool,
) -> list[Segment]:
    """Return ``spoken`` cut into segments, each with its written text and span map."""
    pieces = _pieces(spoken, max_chars)
    if close and pieces and len(pieces[-1][0]) == max_chars and not pieces[-1][0].endswith((".", "!", "?", "…")):
        pieces[-1:] = _pieces(pieces[-1][0], max_chars - 1)  # leave room for the closing full stop
    located = _locate(spoken, [piece for piece, _ in pieces])
    if located is None:  # the speaker left odd spacing: guess the map on the tidied text
        spoken = " ".join(spoken.split())
        rewrites, located = align(written, spoken), _locate(spoken, [piece for piece, _ in pieces])
    segments = []
    for number, (piece, (_, how)) in enumerate(zip(cut(written, spoken, rewrites, located or []), pieces)):
        if close and number == len(pieces) - 1:  # the paragraph's last piece closes its sentence: the intonation falls
            piece = _closed(piece)
        segments.append(Segment(role, piece.spoken, paragraph, story, piece.written, piece.rewrites, how))
    return segments


def spoken_with_map(speak: Speak, written: str) -> tuple[str, tuple[Rewrite, ...]]:
    """Return (spoken, rewrites) of ``written`` through ``speak``; the map is guessed if ``speak`` keeps none."""
    result = speak(written)
    if isinstance(result, str):
        return result, align(written, result)
    return result


def _locate(text: str, pieces: list[str]) -> list[tuple[int, int]] | None:
    """Return the (start, end) of each piece in ``text``, in order; None if one is not there as such."""
    ranges, position = [], 0
    for piece in pieces:
        start = text.find(piece, position)
        if start < 0:
            return None
        ranges.append((start, start + len(piece)))
        position = start + len(piece)
    return ranges


def join_scripts(scripts: list[Script], title: str) -> Script:
    """Return one Script reading ``scripts`` one after the other (a bulletin of several stories)."""
    warnings = tuple(dict.fromkeys(w for script in scripts for w in script.warnings))
    segments = tuple(segment for script in scripts for segment in script.segments)
    return Script(title, segments, warnings, "".join(script.removed for script in scripts))


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


def split_paragraph(text: str, max_chars: int = defaults.MAX_CHARS) -> list[str]:
    """Return ``text`` cut into pieces of at most ``max_chars``, at sentence ends where possible."""
    return [piece for piece, _ in _pieces(text, max_chars)]


def _pieces(text: str, max_chars: int) -> list[tuple[str, str]]:
    """Return (piece, how it ends: one of CUTS) for ``text`` cut into pieces of at most ``max_chars``."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return [(text, "sentence")] if text else []
    pieces: list[tuple[str, str]] = []
    current, how = "", "sentence"
    for sentence in split_sentences(text):
        parts = [(sentence, "sentence")] if len(sentence) <= max_chars else _split_long(sentence, max_chars)
        for part, ends in parts:
            if current and len(current) + 1 + len(part) > max_chars:
                pieces.append((current, how))
                current = part
            else:
                current = f"{current} {part}".strip()
            how = ends
    if current:
        pieces.append((current, how))
    return pieces


def _split_long(sentence: str, max_chars: int) -> list[tuple[str, str]]:
    """Cut one over-long sentence at ; : or , (then at spaces as a last resort); say where each part ends."""
    parts: list[tuple[str, str]] = []
    current = ""
    for clause in _CLAUSE_END.split(sentence):
        if current and len(current) + 1 + len(clause) > max_chars:
            parts.append((current, "clause"))
            current = clause
        else:
            current = f"{current} {clause}".strip()
        while len(current) > max_chars:  # a clause with no punctuation at all: cut between words, never inside one
            cut_at = current.rfind(" ", 0, max_chars + 1)
            cut_at = cut_at if cut_at > 0 else current.find(" ")
            if cut_at <= 0:
                break  # one word longer than a segment: said whole
            parts.append((current[:cut_at].strip(), "word"))
            current = current[cut_at:].strip()
    if current:
        parts.append((current, "sentence"))
    return parts


def _closed(piece: Piece) -> Piece:
    """Return ``piece`` ending with sentence punctuation, so the voice closes its intonation."""
    text = piece.spoken
    if not text or text.endswith((".", "!", "?", "…")):
        return piece
    stop = Rewrite("", ".", "punctuation", len(piece.written), len(piece.written), len(text), len(text) + 1)
    return Piece(piece.written, text + ".", (*piece.rewrites, stop))
