"""A subset of SSML 1.1 in articles: breaks, substitutions, say-as, phonemes, paragraphs and sentences.

In ``.ssml``/``.xml`` articles, and in plain text as soon as an SSML tag appears:

- ``<break time="500ms"/>`` or ``strength="strong"``: real silence of that length (the
  segment ends there and the mixer pauses exactly that long);
- ``<sub alias="Organisation des Nations unies">ONU</sub>``: say the alias, show the text;
- ``<say-as interpret-as="characters|spell-out|cardinal|ordinal|date|telephone">``;
- ``<phoneme alphabet="ipa" ph="...">``: the phonemes go to engines that take them (Kokoro),
  elsewhere the content is said and a warning given;
- ``<p>``, ``<s>``: paragraphs and sentences; ``<speak>`` is the root.

Other tags are ignored (their text is read) with a warning; malformed markup is one
ArticleError naming the line and column. ``runs`` turns a paragraph into ``Run`` pieces
that ``bulletin.text.segment`` speaks through the normaliser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bulletin import defaults
from bulletin.errors import ArticleError
from bulletin.text.letters_fr import spell
from bulletin.text.numbers_fr import MONTHS, cardinal, date, digits, ordinal
from bulletin.text.spans import Hole, Rewrite, splice

if TYPE_CHECKING:
    from lxml.etree import _Element

KNOWN_TAGS = frozenset({"speak", "break", "sub", "say-as", "phoneme", "p", "s"})
"""The tags this subset understands; any other is ignored with a warning."""
STRENGTH_MS = {"none": 0, "x-weak": 150, "weak": 300, "medium": 500, "strong": 800, "x-strong": 1200}
"""Silence of a ``<break strength>`` (SSML leaves the lengths to the processor)."""
_SSML_TAG = re.compile(r"<\s*/?\s*(?:speak|break|sub|say-as|phoneme|emphasis|prosody|audio|mark|lang|voice|s)\b[^<>]*>")
_ANY_TAG = re.compile(r"</?\s*([A-Za-z][\w:-]*)[^<>]*?>")
_CONTROLS = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Escape sequences and control characters: XML cannot carry them, and they are never text to read."""
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")
PHONEME_MARK = re.compile("\u27ea([^|\u27eb]*)\\|([^\u27eb]*)\u27eb")
"""Phonemes inside spoken text, for engines that take them: ⟪word|ipa⟫ (spaces in ipa as "_")."""


@dataclass(frozen=True)
class Run:
    """A piece of a marked-up paragraph."""

    written: str
    """The text as the article shows it (the content of ``<sub>``, ``<say-as>``, ``<phoneme>``)."""
    spoken: str | None = None
    """What to say instead, already speakable; None: the normaliser says ``written``."""
    rule: str = "text"
    """"text", "sub", "say-as", "phoneme", "break"."""
    pause_ms: int | None = None
    """For a break: the silence asked for."""
    phonemes: str = ""
    """For a phoneme the voice takes: the IPA to say ``written`` with."""


def has_ssml(text: str) -> bool:
    """Return True when ``text`` holds an SSML tag of this subset (``<p>``/``<s>`` alone are not enough)."""
    return bool(_SSML_TAG.search(text))


def has_markup(text: str) -> bool:
    """Return True when ``text`` holds any tag-like markup."""
    return bool(_ANY_TAG.search(text))


def is_document(text: str) -> bool:
    """Return True when ``text`` is a whole SSML document (``<speak>``, maybe after a declaration and doctype)."""
    return bool(re.match(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE\s[^>]*>\s*)?<speak\b", text))


def parse_fragment(text: str, name: str = "") -> _Element:
    """Return ``text`` parsed as SSML under a ``<speak>`` root; ArticleError naming line and column if malformed."""
    from lxml import etree

    text = _CONTROLS.sub(" ", text)
    body = text.strip()
    where = f"{name}: " if name else ""
    if re.search(r"<!DOCTYPE[^>\[]*\[", body, re.IGNORECASE):
        raise ArticleError(f"{where}the SSML declares entities (<!DOCTYPE ... [...]>); remove them and write the text")
    wrapped = not is_document(body)
    source = f"<speak>{_escape(text)}</speak>" if wrapped else body
    try:
        root = etree.fromstring(source.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        line, column = _where(error, source, text if wrapped else None)
        message = re.sub(r",? line \d+, column \d+", "", str(error.msg or error))
        raise ArticleError(
            f"{where}line {line}, column {max(column, 1)}: malformed SSML ({message}); close or fix the tag"
        ) from None
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]  # <speak xmlns="http://www.w3.org/2001/10/synthesis">
    return root


def _where(error, source: str, text: str | None) -> tuple[int, int]:
    """Return the (line, column) of an XML error in the user's text: an unclosed tag where it opens.

    ``text`` is the user's text when ``source`` wraps it in ``<speak>`` (None when it is the document).
    """
    line, column = error.position
    lines = source.split("\n")
    mismatch = re.search(r"tag mismatch: ([\w:-]+) line (\d+) and ([\w:-]+)", str(error.msg or ""))
    if mismatch:
        opened, opened_line, closing = mismatch.group(1), int(mismatch.group(2)), mismatch.group(3)
        if text is not None and closing == "speak" or line > len(text.split("\n") if text is not None else lines):
            line = opened_line  # the tag never closed: point at it
            column = lines[line - 1].find(f"<{opened}") + 1
        else:  # a closing tag that closes nothing open: point at its start
            column = lines[line - 1].rfind(f"</{closing}", 0, max(column, 1)) + 1 or column
    if text is not None and line == 1:
        column -= len("<speak>")
    return line, max(column, 1)


def document_paragraphs(text: str, name: str = "") -> tuple[str, list[str]]:
    """Return (title, paragraphs), both with their inline markup, of an SSML document.

    The title is ``<meta name="title" content="..."/>`` if given, else the first paragraph.
    Each ``<p>`` is a paragraph; text directly under ``<speak>`` between them is one too.
    """
    from lxml import etree

    root = parse_fragment(text, name)
    title = ""
    paragraphs: list[str] = []
    loose: list[str] = [_text(root.text)]
    for child in root:
        if not isinstance(child.tag, str):
            loose.append(_text(child.tail))
            continue
        if child.tag == "meta":
            if child.get("name") == "title":
                title = " ".join(_text(child.get("content", "")).split())
            loose.append(_text(child.tail))
        elif child.tag == "p":
            paragraphs.append("".join(loose).strip())
            loose = []
            paragraphs.append(_inner(child))
            loose.append(_text(child.tail))
        else:
            loose.append(etree.tostring(child, encoding="unicode", with_tail=True))
    paragraphs.append("".join(loose).strip())
    paragraphs = [" ".join(p.split()) for p in paragraphs if _plain_text(p).strip()]
    if not title and paragraphs:
        title = paragraphs.pop(0)
    return title, paragraphs


def runs(paragraph: str, takes_phonemes: bool = False) -> tuple[list[Run], list[str]]:
    """Return the runs of one marked-up paragraph and the warnings it raised."""
    root = parse_fragment(paragraph)
    out: list[Run] = []
    warnings: list[str] = []
    _walk(root, out, warnings, takes_phonemes)
    return [run for run in out if run.written or run.spoken or run.pause_ms is not None], warnings


def between_breaks(runs_: list[Run]) -> list[tuple[list[Run], int | None]]:
    """Return the runs cut at each break: (runs, the break's silence after them; None after the last)."""
    groups: list[tuple[list[Run], int | None]] = []
    current: list[Run] = []
    for run in runs_:
        if run.rule == "break":
            groups.append((current, run.pause_ms))
            current = []
        else:
            current.append(run)
    groups.append((current, None))
    return groups


def speak_runs(runs_: list[Run], speak) -> tuple[str, str, tuple[Rewrite, ...]]:
    """Return (written, spoken, rewrites) of runs: plain text through ``speak``, the rest as marked up.

    ``speak(text) -> (spoken, rewrites)`` is the normaliser. A run said another way (a
    ``<sub>``, ``<say-as>``, ``<phoneme>``) reaches it as a placeholder word, so that the
    rules still see a word there (agreement, sentence starts), and is put back afterwards.
    """
    source, holes = "", []
    for run in runs_:
        if run.spoken is None:
            text = re.sub(r"\s+", " ", run.written)
            if text.startswith(" ") and (not source or source.endswith(" ")):
                text = text[1:]
            source += text
            continue
        token = "zqxj" + "".join(chr(ord("a") + int(d)) for d in str(len(holes)))
        said = speak(run.spoken)[0]
        if run.rule == "phoneme":  # the engine says the phonemes; the word is there for listen-back
            said = phoneme_mark(said, run.phonemes)
        holes.append(Hole(len(source), len(source) + len(token), " ".join(run.written.split()), said, run.rule))
        source += token
    source = source.rstrip()
    spoken, rewrites = speak(source)
    return splice(source, spoken, rewrites, holes)


def plain_text(paragraph: str) -> str:
    """Return the text a marked-up paragraph shows, tags removed."""
    return _plain_text(paragraph)


def without_phonemes(spoken: str) -> str:
    """Return ``spoken`` with each phoneme mark replaced by the word it stands for (for listen-back)."""
    return PHONEME_MARK.sub(lambda m: m.group(1), spoken)


def phoneme_mark(word: str, ipa: str) -> str:
    """Return the mark carrying ``ipa`` for ``word`` through the text to an engine that takes phonemes."""
    clean = lambda text: re.sub(r"[\u27ea\u27eb|]", "", text)  # noqa: E731
    return f"\u27ea{clean(word)}|{clean(' '.join(ipa.split())).replace(' ', '_')}\u27eb"


def break_ms(element: _Element, warnings: list[str]) -> int:
    """Return the silence of a ``<break>``: its time (bounded), else its strength, else medium."""
    low, high = defaults.PAUSE_RANGE_MS
    time = element.get("time")
    if time is not None:
        match = _TIME.match(time)
        if match:
            value = float(match.group(1)) * (1000 if match.group(2) == "s" else 1)
            if value > high:
                warnings.append(f'<break time="{time}"/>: longer than {high} ms; {high} ms used')
            return int(round(min(max(value, low), high)))
        warnings.append(f'<break time="{time}"/>: not a time like "500ms" or "1.5s"; a medium pause used')
    strength = element.get("strength", "medium")
    if strength not in STRENGTH_MS:
        warnings.append(f'<break strength="{strength}"/>: use one of {", ".join(STRENGTH_MS)}; medium used')
    return STRENGTH_MS.get(strength, STRENGTH_MS["medium"])


def say_as(content: str, interpret_as: str, format_: str | None) -> str | None:
    """Return ``content`` said as ``interpret_as`` ("characters", "cardinal"...), or None if it cannot be."""
    text = " ".join(content.split())
    numbers = re.sub(r"[^\d]", "", text)
    if interpret_as in ("characters", "spell-out", "verbatim"):
        letters = [spell(c) if c.isalpha() else digits(c) for c in text if c.isalnum()]
        return " ".join(letters) or None
    if interpret_as in ("cardinal", "number") and numbers:
        return cardinal(int(numbers)) if len(numbers) <= 15 else digits(numbers)
    if interpret_as == "ordinal" and numbers:
        return ordinal(int(numbers))
    if interpret_as == "telephone" and numbers:
        return _telephone(text)
    if interpret_as == "date":
        return _date(text, format_ or "dmy")
    return None


def _walk(element: _Element, out: list[Run], warnings: list[str], takes_phonemes: bool) -> None:
    """Append the runs of ``element``'s content (its text, children and their tails) to ``out``."""
    if element.text:
        out.append(Run(element.text))
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction: only its tail is text
            pass
        elif child.tag == "break":
            out.append(Run("", rule="break", pause_ms=break_ms(child, warnings)))
        elif child.tag == "sub":
            alias = child.get("alias")
            content = _plain_text(_inner(child))
            if alias is None:
                warnings.append(f"<sub>{content}</sub> has no alias; its text is read")
                out.append(Run(content))
            else:
                out.append(Run(content, alias, "sub"))
        elif child.tag == "say-as":
            content = _plain_text(_inner(child))
            kind = child.get("interpret-as", "")
            said = say_as(content, kind, child.get("format"))
            if said is None:
                warnings.append(f'<say-as interpret-as="{kind}">{content}</say-as>: not understood; its text is read')
                out.append(Run(content))
            else:
                out.append(Run(content, said, "say-as"))
        elif child.tag == "phoneme":
            content = _plain_text(_inner(child))
            ipa, alphabet = child.get("ph", ""), child.get("alphabet", "ipa")
            if takes_phonemes and ipa and alphabet == "ipa":
                out.append(Run(content, content, "phoneme", phonemes=ipa))
            else:
                if not ipa:
                    reason = "no ph given"
                elif alphabet != "ipa":
                    reason = f"alphabet {alphabet!r}"
                else:
                    reason = "the voice takes no phonemes"
                warnings.append(f'<phoneme ph="{ipa}">{content}</phoneme>: {reason}; its text is read')
                out.append(Run(content))
        elif child.tag in ("p", "s"):
            _walk(child, out, warnings, takes_phonemes)
            _end_sentence(out)
        elif child.tag in ("script", "style", "noscript", "template"):
            warnings.append(f"<{child.tag}> is not text to read; left out")
        else:
            if child.tag not in KNOWN_TAGS:
                warnings.append(f"<{child.tag}> is not part of the SSML subset; ignored, its text is read")
            _walk(child, out, warnings, takes_phonemes)
        if child.tail:
            out.append(Run(child.tail))


def _end_sentence(out: list[Run]) -> None:
    """Close the sentence an ``<s>`` or ``<p>`` ended with a full stop, unless it already ends with one."""
    written = "".join(run.written for run in out if run.rule != "break").rstrip()
    if written and not re.search(r"[.!?…][»\"”)]*$", written):
        out.append(Run("."))
    out.append(Run(" "))


def _escape(text: str) -> str:
    """Return plain text with its stray & and < escaped, so that only real tags are markup."""
    text = re.sub(r"&(?!#?\w+;)", "&amp;", text)
    return re.sub(r"<(?![A-Za-z/!?])", "&lt;", text)


def _inner(element: _Element) -> str:
    """Return the markup inside ``element`` (its text and children, not its own tag)."""
    from lxml import etree

    parts = [_text(element.text)]
    parts += [etree.tostring(child, encoding="unicode", with_tail=True) for child in element]
    return "".join(parts)


def _text(text: str | None) -> str:
    """Return ``text`` escaped back for XML (None -> "")."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_text(markup: str) -> str:
    """Return the text of a piece of inline markup."""
    from lxml import etree

    try:
        root = etree.fromstring(f"<speak>{_escape(markup)}</speak>".encode())
    except etree.XMLSyntaxError:
        return re.sub(r"<[^<>]*>", " ", markup)
    return "".join(root.itertext())


def _telephone(text: str) -> str:
    """Return a French phone number said by pairs ("01 23 45 67 89" -> "zéro un vingt-trois ...")."""
    number = re.sub(r"[^\d+]", "", text)
    words = []
    if number.startswith("+"):
        grouped = re.match(r"\s*\+\s*(\d{1,3})(?!\d)", text)  # "+44 20 ...": the code is the first group
        code = grouped.group(1) if grouped else number[1:3] if number[1:3] == "33" else number[1:4]
        words.append("plus " + cardinal(int(code)))
        number = number[1 + len(code) :]
        if number and code == "33":
            number = "0" + number if len(number) == 9 else number
    pairs = [number[i : i + 2] for i in range(0, len(number), 2)]
    for pair in pairs:
        words.append(digits(pair) if pair.startswith("0") or len(pair) == 1 else cardinal(int(pair)))
    return " ".join(words)


def _date(text: str, format_: str) -> str | None:
    """Return a date said on air, its numbers in ``format_`` order ("dmy", "mdy", "ymd", "dm", "my", "y")."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if len(numbers) != len(format_):
        return None
    parts = dict(zip(format_, numbers))
    day, month, year = parts.get("d"), parts.get("m"), parts.get("y")
    if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
        return None
    if day is not None and month is not None:
        return date(day, month, year)
    if month is not None:
        return f"{MONTHS[month - 1]} {cardinal(year)}" if year is not None else MONTHS[month - 1]
    return cardinal(year) if year is not None else None
