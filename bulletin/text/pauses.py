"""Pauses and the voice's alphabet: punctuation said as pauses, characters fitted, spacing tidied.

The normaliser's last rules (``bulletin.text.normalize``): quotes, dashes, brackets and
ellipses become pauses the voice has, every character is brought inside its alphabet,
and spaces and pause marks are tidied. They work on a ``Plain`` or ``Tracked`` text.
"""

from __future__ import annotations

import re
import unicodedata

from bulletin.text.spans import Plain

_APOSTROPHES = "'’‘ʼ`´"
_QUOTE_MARKS = '"“”„‟«»‹›'
_CUT_MARK = re.compile(r"[(\[]\s*(?:…|\.\.\.)\s*[)\]]")
_INNER_ELLIPSIS = re.compile(r"…(?=\s*[a-zà-ÿ])")
_ELLIPSIS = re.compile("…")
_DASH = re.compile(r"[–—―‒]|(?<=\s)-(?=\s)|^-(?=\s)")
_HYPHENS = re.compile(r"[‐‑]")
_STRAY_HYPHENS = re.compile(r"(?<![\w])-+|-+(?![\w])")
_BRACKETS = {"[": "(", "]": ")", "{": "(", "}": ")"}
_OPENING = re.compile(r"[(\[{]")
_CLOSING = re.compile(r"[)\]}]")
_APOSTROPHE = re.compile(f"[{_APOSTROPHES}]")
_SPACE = re.compile(" ")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PAUSE = re.compile(r" ([,.;:!?…\"])(?=[\s,.;:!?…»]|$)")
_AFTER_OPENING = re.compile(r"«\s*")
_BEFORE_CLOSING = re.compile(r"\s*»")
_NO_SPACE_AFTER_PAUSE = re.compile(r"([,;:.!?…])(?=[^\s,;:.!?…»\"'’-])")
_LEADING_PAUSES = re.compile(r"^[\s,;:.!?…]+")
_TRAILING_PAUSES = re.compile(r"[\s,;:]+$")
_OUTER_SPACE = re.compile(r"^\s+|\s+$")
_PAUSE_RUNS = [
    (re.compile(r"([,;:])[ ,;:]*([.!?…])"), r"\2"),
    (re.compile(r"([,;:])[ ,;:]*[,;:]"), r"\1"),
    (re.compile(r"([.!?…])[ ,;:]*[,;:]"), r"\1"),
    (re.compile(r"([.!?…])(?:[ ]*[.!?…])+"), r"\1"),
]


def punctuation(text: Plain, alphabet: frozenset[str]) -> None:
    """Turn quotes, dashes, brackets and ellipses into pauses the voice has."""
    pause = "," if "," in alphabet else ("." if "." in alphabet else " ")
    rule = "punctuation"
    text.sub(_CUT_MARK, " ", rule)  # "(…)" marks a cut in a quote
    if "…" not in alphabet:  # an ellipsis mid-sentence is a pause, at the end a full stop
        text.sub(_INNER_ELLIPSIS, f" {pause} ", rule)
        text.sub(_ELLIPSIS, ".", rule)
    text.sub(_DASH, f" {pause} ", rule)
    text.sub(_HYPHENS, "-", rule)
    text.sub(_STRAY_HYPHENS, " ", rule)
    if "(" in alphabet and ")" in alphabet and "," not in alphabet:
        text.map_chars(lambda char: _BRACKETS.get(char, char), rule)
    else:
        text.sub(_OPENING, f" {pause} ", rule)
        text.sub(_CLOSING, f" {pause} ", rule)
    _quotes(text, alphabet)
    apostrophe = "'" if "'" in alphabet else ("’" if "’" in alphabet else "")
    text.sub(_APOSTROPHE, lambda m: apostrophe, rule)
    fallbacks_of = {";": ",. ", ":": ",. ", "!": ". ", "?": ". ", "…": ". ", ",": " ", ".": " "}
    for mark, fallbacks in fallbacks_of.items():
        if mark not in alphabet:
            fallback = next(c for c in fallbacks if c in alphabet or c == " ")
            text.sub(re.compile(re.escape(mark)), lambda m, f=fallback: f, rule)


def _quotes(text: Plain, alphabet: frozenset[str]) -> None:
    """Write the quotation marks of ``text`` as « » if the voice has them, else '"', else nothing.

    Straight quotes open or close by the spaces around them ("a "b" c" -> "a « b » c").
    """
    if "«" in alphabet and "»" in alphabet:
        opening, closing = "«", "»"
    elif '"' in alphabet:
        opening = closing = '"'
    else:
        opening = closing = ""
    edits, is_open = [], False
    written = text.text
    for index, char in enumerate(written):
        if char not in _QUOTE_MARKS:
            continue
        before = written[index - 1] if index else " "
        after = written[index + 1] if index + 1 < len(written) else " "
        if char in "«‹“„" or (char in '"‟' and before.isspace() and not after.isspace()):
            is_open = True
        elif char in "»›”" or (char in '"‟' and after in " .,;:!?…)" and not before.isspace()):
            is_open = False
        else:
            is_open = not is_open
        edits.append((index, index + 1, f" {opening} " if is_open else f" {closing} "))
    text.edit(edits, "punctuation")


def fit(text: Plain, alphabet: frozenset[str]) -> None:
    """Bring every character of ``text`` inside ``alphabet`` and tidy spacing and pauses."""
    edits = []
    for index, char in enumerate(text.text):
        if char in alphabet:
            continue
        if char.isspace():
            if char != " ":
                edits.append((index, index + 1, " ", "space"))
            continue
        closest = _closest(char, alphabet)
        if closest == " " and unicodedata.category(char)[0] in "LNS":
            text.removed[char] += 1
        edits.append((index, index + 1, closest, "letters"))
    text.edit(edits, "letters")
    for _ in range(4):  # tidying can expose new neighbours: repeat until stable
        before = text.text
        _tidy(text)
        if text.text == before:
            break
    if " " not in alphabet:
        text.sub(_SPACE, "", "space")


def collapse_pauses(text: Plain) -> None:
    """Make runs of pause marks one (", ." -> ".", "?!" -> "?")."""
    for pattern, replacement in _PAUSE_RUNS:
        text.sub(pattern, replacement, "punctuation")


def _tidy(text: Plain) -> None:
    """Leave single spaces, no space before a pause mark, and no doubled pauses."""
    text.sub(_SPACES, " ", "space")
    text.sub(_SPACE_BEFORE_PAUSE, r"\1", "space")
    text.sub(_AFTER_OPENING, "« ", "space")
    text.sub(_BEFORE_CLOSING, " »", "space")
    collapse_pauses(text)
    text.sub(_NO_SPACE_AFTER_PAUSE, r"\1 ", "space")
    text.sub(_LEADING_PAUSES, "", "punctuation")
    text.sub(_TRAILING_PAUSES, "", "punctuation")
    text.sub(_OUTER_SPACE, "", "space")


def _closest(char: str, alphabet: frozenset[str]) -> str:
    """Return ``char`` spelled within ``alphabet`` ("É" -> "é" or "E" or "e", "œ" -> "oe"); a space if impossible."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    for candidate in (char.lower(), base, base.lower(), {"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"}.get(char, "")):
        if candidate and all(c in alphabet for c in candidate):
            return candidate
        if candidate and all(c.lower() in alphabet for c in candidate):
            return candidate.lower()
    return " "
