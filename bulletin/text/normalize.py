"""Written French -> spoken French that a voice can say without dropping a character.

``speakable(text, alphabet, lexicon)`` is the entry point: pure, never raises, and its
output only holds characters of ``alphabet``. The rules run in this order: Unicode
clean-up, web addresses, the pronunciation lexicon, foreign letters, abbreviations,
numbers (``numerals``), sigles, symbols, punctuation, then the alphabet itself.
``load_lexicon`` is the one function here that reads a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

from bulletin.text.capitals import UPPER, say_capitals
from bulletin.text.letters_fr import FRENCH_LETTERS, LETTER_NAMES, french_letters
from bulletin.text.lexicon import lexicon_rule, load_lexicon
from bulletin.text.numerals import say_numbers_in
from bulletin.text.pauses import collapse_pauses, fit, punctuation
from bulletin.text.spans import Plain, Rewrite, Tracked
from bulletin.text.web import say_web

__all__ = [
    "FRENCH_ALPHABET",
    "Rewrite",
    "load_lexicon",
    "outside",
    "removed_characters",
    "speakable",
    "speakable_report",
    "speakable_spans",
]

FRENCH_ALPHABET = frozenset(FRENCH_LETTERS + FRENCH_LETTERS.upper() + " .,;:!?'-")
"""What an ordinary French voice accepts: letters, accents, space and basic punctuation."""

_UPPER = UPPER
_PUNCTUATION = set(".,;:!?…'’-«»()\"")
_KEPT_SYMBOLS = set("%‰€$£¥°&+=×§@#/–—‐‑‒―“”„‟‹›«»()[]{}…'’‘ʼ`´\"!?.,;:-")

# Abbreviations: (pattern, spoken form, may end a sentence). Dots never survive an expansion.
_NAME = rf"(?=\s*(?:[{_UPPER}]|d['’]\s?[{_UPPER}]|de [{_UPPER}]))"  # before a name ("Gén. de Gaulle")
_ABBREVIATIONS: list[tuple[str, str, bool]] = [
    (r"\bav\.\s*J\.-C\.", "avant Jésus-Christ", True),
    (r"\bapr\.\s*J\.-C\.", "après Jésus-Christ", True),
    (r"\bJ\.-C\.", "Jésus-Christ", True),
    (r"\bc\.-à-d\.", "c'est-à-dire", False),
    (r"\bp\.\s?ex\.", "par exemple", False),
    (r"\bpar ex\.", "par exemple", False),
    (r"\betc\.", "et cétéra", True),
    (r"\betc\b", "et cétéra", False),
    (r"\bet al\.", "et collaborateurs", True),
    (r"\b[Ee]nv\.", "environ", False),
    (r"\bcf\.", "voir", False),
    (r"\bvs\.?(?=\s)", "contre", False),
    (r"\bhab\.", "habitants", True),
    (r"\btél\.", "téléphone", False),
    (r"\bmax\.", "maximum", True),
    (r"\bapprox\.", "approximativement", False),
    (r"\bresp\.", "respectivement", True),
    (r"\bpp\.\s?(?=\d)", "pages ", False),
    (r"\bp\.\s?(?=\d)", "page ", False),
    (r"\b[Aa]rt\.\s?(?=\d)", "article ", False),
    (r"\bal\.\s?(?=\d)", "alinéa ", False),
    (r"\b[Vv]ol\.\s?(?=\d)", "volume ", False),
    (r"\b[Cc]hap\.\s?(?=\d)", "chapitre ", False),
    (r"\b[Ff]ig\.\s?(?=\d)", "figure ", False),
    (r"\b[Nn]°s?\s?(?=\d)", "numéro ", False),
    (r"(?<=\d )bd\b\.?", "boulevard", False),
    (r"(?<=\d )av\.", "avenue", False),
    (r"\bMM\." + _NAME, "messieurs", False),
    (r"\bM\." + rf"(?=\s*(?:[{_UPPER}]|et\s+Mmes?\b))", "monsieur", False),
    (r"\bMmes\b\.?", "mesdames", False),
    (r"\bMme\b\.?", "madame", False),
    (r"\bMlles\b\.?", "mesdemoiselles", False),
    (r"\bMlle\b\.?", "mademoiselle", False),
    (r"\bMgr\b\.?", "monseigneur", False),
    (r"\bDrs?\b\.?" + _NAME, "docteur", False),
    (r"\bPr\b\.?" + _NAME, "professeur", False),
    (r"\bMe\b" + _NAME, "maître", False),
    (r"\b[Gg]én\.?" + _NAME, "général", False),
    (r"\bCol\." + _NAME, "colonel", False),
    (r"\bCdt\b\.?" + _NAME, "commandant", False),
    (r"\bLt\b\.?" + _NAME, "lieutenant", False),
    (r"\bSgt\b\.?" + _NAME, "sergent", False),
    (r"\bSte\b\.?(?=[\s-]*[" + _UPPER + "])", "Sainte", False),
    (r"\bSt\b\.?(?=[\s-]*[" + _UPPER + "])", "Saint", False),
    (r"\bCie\b\.?", "compagnie", False),
]
_ABBREVIATION_RULES = [(re.compile(p), spoken, can_end) for p, spoken, can_end in _ABBREVIATIONS]
_INITIAL = re.compile(rf"(?<![\w.'’-])([A-LN-Z])\.\s*(?=[{_UPPER}](?:[a-zà-ÿ]|\.))")
_DOTTED_SIGLE = re.compile(rf"(?<![\w.])((?:[{_UPPER}]\.){{2,}})(?:(?=\s+[{_UPPER}])|(?=\s*$)|(?![\w]))")
_BARE_UNITS = {  # a unit with no number: plural ("une vingtaine de km"), singular after "le", "du", "par"...
    "km": ("kilomètre", "kilomètres"),
    "km/h": ("kilomètre-heure", "kilomètres-heure"),
    "km²": ("kilomètre carré", "kilomètres carrés"),
    "kg": ("kilo", "kilos"),
    "°C": ("degré Celsius", "degrés Celsius"),
    "kWh": ("kilowattheure", "kilowattheures"),
    "MWh": ("mégawattheure", "mégawattheures"),
    "GWh": ("gigawattheure", "gigawattheures"),
    "hPa": ("hectopascal", "hectopascals"),
}
_SINGULAR_BEFORE = re.compile(r"(?:^|\s)(?:le|du|au|par|un|ce|chaque|l['’])\s*$", re.IGNORECASE)
_BARE_UNIT = re.compile(r"(?<![\w°])(?:km/h|km²|km|kg|°C|kWh|MWh|GWh|hPa)(?![\w/²])")  # "une vingtaine de km"
# A lower-case letter opening a sentence ("... d'euros. monsieur Le Maire"): capital, so the segmenter sees the end.
_SENTENCE_START = re.compile(r"(?<=[.!?] )[a-zà-ÿ]|(?<=[.!?] « )[a-zà-ÿ]")
_SYMBOLS = {
    "%": " pour cent ",
    "‰": " pour mille ",
    "€": " euros ",
    "$": " dollars ",
    "£": " livres ",
    "¥": " yens ",
    "°": " degrés ",
    "&": " et ",
    "+": " plus ",
    "=": " égale ",
    "×": " fois ",
    "§": " paragraphe ",
    "@": " ",
    "#": " ",
    "/": " ",
}


_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
"""Terminal escape sequences ("\\x1b[31m"): removed whole, or "[31m" would be read as "trente et un mètres"."""
_NUMERO = re.compile(r"[nN][º°]|№")
_GRAPHEME = re.compile(r".[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*", re.DOTALL)
_DOTS = re.compile(r"\.{3,}")
_FRACTION_SLASH = re.compile("⁄")


def speakable(
    text: str,
    alphabet: frozenset[str] = FRENCH_ALPHABET,
    lexicon: Mapping[str, str] | None = None,
    *,
    say_urls: bool = True,
) -> str:
    """Return ``text`` as a French newsreader would say it, using only characters of ``alphabet``.

    ``lexicon`` maps written words or sigles (case-sensitive) to spoken forms and wins
    over every other rule. Web addresses, e-mail addresses and handles are said as a
    newsreader says them ("radiohc point cu", "arobase franceinfo"); ``say_urls=False``
    leaves addresses out instead.
    """
    return _settle(Plain(text), alphabet, lexicon or {}, say_urls).text


def speakable_spans(
    text: str,
    alphabet: frozenset[str] = FRENCH_ALPHABET,
    lexicon: Mapping[str, str] | None = None,
    *,
    say_urls: bool = True,
) -> tuple[str, tuple[Rewrite, ...]]:
    """Return (the same spoken text as ``speakable``, the ``Rewrite`` spans mapping ``text`` to it).

    Outside the rewrites, ``text`` and the spoken text hold the same characters.
    """
    spoken, rewrites, _ = speakable_report(text, alphabet, lexicon, say_urls=say_urls)
    return spoken, rewrites


def speakable_report(
    text: str,
    alphabet: frozenset[str] = FRENCH_ALPHABET,
    lexicon: Mapping[str, str] | None = None,
    *,
    say_urls: bool = True,
) -> tuple[str, tuple[Rewrite, ...], Counter[str]]:
    """Return ``speakable_spans``'s (spoken, rewrites) and the characters left unsaid (``removed_characters``)."""
    tracked = _settle(Tracked(text), alphabet, lexicon or {}, say_urls)
    return tracked.text, tracked.rewrites(), tracked.removed


def removed_characters(
    text: str,
    alphabet: frozenset[str] = FRENCH_ALPHABET,
    lexicon: Mapping[str, str] | None = None,
    *,
    say_urls: bool = True,
) -> Counter[str]:
    """Return the characters of ``text`` the normaliser left unsaid (emoji, CJK, Arabic, control codes), with counts."""
    return _settle(Plain(text), alphabet, lexicon or {}, say_urls).removed


def _settle(text: Plain, alphabet: frozenset[str], lexicon: Mapping[str, str], say_urls: bool) -> Plain:
    """Return ``text`` through every rule, repeated until it no longer changes (at most four times)."""
    _speak_once(text, alphabet, lexicon, say_urls)
    for _ in range(3):  # tidying the output can make a new context for a rule: settle it
        before = text.text
        _speak_once(text, alphabet, lexicon, say_urls)
        if text.text == before:
            break
    return text


def _speak_once(text: Plain, alphabet: frozenset[str], lexicon: Mapping[str, str], say_urls: bool) -> None:
    """Put ``text`` through every rule once (``_settle`` repeats it until the text settles)."""
    _clean_unicode(text)
    say_web(text, say_urls)
    lexicon_rule(text, lexicon)
    text.edit(_foreign_letters(text), "letters")
    _abbreviations(text)
    collapse_pauses(text)
    text.sub(_INITIAL, lambda m: LETTER_NAMES[m.group(1).lower()] + " ", "abbreviation")
    say_numbers_in(text)
    say_capitals(text)
    text.sub(_BARE_UNIT, _bare_unit, "unit")
    text.map_chars(lambda char: _SYMBOLS.get(char, char), "symbol")
    punctuation(text, alphabet)
    text.sub(_SENTENCE_START, lambda m: m.group().upper(), "case")
    fit(text, alphabet)


def _bare_unit(match: re.Match[str]) -> str:
    """ "des kWh" -> "des kilowattheures", "le prix du kWh" -> "le prix du kilowattheure"."""
    singular, plural = _BARE_UNITS[match.group()]
    return singular if _SINGULAR_BEFORE.search(match.string[max(0, match.start() - 8) : match.start()]) else plural


def outside(text: str, alphabet: frozenset[str]) -> Counter[str]:
    """Return the characters of ``text`` that are not in ``alphabet``, with counts."""
    return Counter(c for c in text if c not in alphabet)


def _clean_unicode(text: Plain) -> None:
    """Put ``text`` in NFKC ("ᵉ" -> "e", no-break spaces -> spaces) with ASCII digits and no stray marks."""
    text.sub(_ESCAPE, lambda m: _removed(text, m.group()[0]), "removed")
    text.sub(_NUMERO, "n°", "unicode")
    _nfkc(text)
    text.sub(_FRACTION_SLASH, "/", "unicode")  # NFKC writes "½" as "1⁄2"
    edits = []
    for index, char in enumerate(text.text):
        category = unicodedata.category(char)
        if char.isdigit() and not char.isascii():
            value = unicodedata.decimal(char, None)
            edits.append((index, index + 1, str(value) if value is not None else " ", "number"))
        elif char in "\n\t\r" or category == "Zs":
            if char not in " \n":
                edits.append((index, index + 1, " ", "space"))
        elif category.startswith(("M", "C")):  # lone combining marks, controls, unassigned
            if category.startswith("C") and category != "Cf" and not char.isspace():
                text.removed[char] += 1
            edits.append((index, index + 1, "" if category.startswith("M") or category == "Cf" else " ", "removed"))
        elif category.startswith(("L", "N")) or char in _KEPT_SYMBOLS or char.isspace():
            continue
        elif category.startswith("P"):
            edits.append((index, index + 1, ",", "punctuation"))  # other punctuation: a pause
        else:
            text.removed[char] += 1
            edits.append((index, index + 1, " ", "removed"))  # emoji, arrows, other symbols
    text.edit(edits, "unicode")
    text.sub(_DOTS, "…", "punctuation")


def _removed(text: Plain, char: str) -> str:
    """Count ``char`` as removed from ``text``; return the space that replaces it."""
    text.removed[char] += 1
    return " "


def _nfkc(text: Plain) -> None:
    """Put ``text`` in Unicode NFKC, one character (with its combining marks) at a time where that is the same."""
    whole = unicodedata.normalize("NFKC", text.text)
    if whole == text.text:
        return
    edits = []
    for match in _GRAPHEME.finditer(text.text):
        composed = unicodedata.normalize("NFKC", match.group())
        if composed != match.group():
            edits.append((match.start(), match.end(), composed))
    trial = Plain(text.text)
    trial.edit(edits, "unicode")
    if trial.text == whole:
        text.edit(edits, "unicode")
    else:  # a composition across characters (Hangul jamo...): one rewrite for all of it
        text.edit([(0, len(text.text), whole)], "unicode")


def _foreign_letters(text: Plain) -> list[tuple]:
    """Return the edits writing each letter with French letters ("á" -> "a"); a letter nothing reads is removed."""
    edits = []
    for index, char in enumerate(text.text):
        french = french_letters(char)
        if french != char:
            if not french:
                text.removed[char] += 1
            edits.append((index, index + 1, french, "letters" if french else "removed"))
    return edits


def _abbreviations(text: Plain) -> None:
    """Say abbreviations and dotted sigles in full ("M. Dupont" -> "monsieur Dupont")."""
    for pattern, spoken, can_end in _ABBREVIATION_RULES:
        text.sub(pattern, lambda m, s=spoken, e=can_end: s + _sentence_end(m, e), "abbreviation")
    text.sub(_DOTTED_SIGLE, lambda m: m.group(1).replace(".", "") + _sentence_end(m, True), "sigle")


def _sentence_end(match: re.Match[str], can_end: bool) -> str:
    """Return "." when an abbreviation's dot also ends the sentence ("... av. J.-C. Puis")."""
    if not can_end or not match.group().endswith("."):
        return ""
    after = match.string[match.end() :]
    return "." if re.match(rf"\s*$|\s+[{_UPPER}«\"]", after) else ""
