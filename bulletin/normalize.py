"""Written French -> spoken French that a voice can say without dropping a character.

Pure functions, no I/O. ``speakable(text, alphabet)`` is the one entry point; its
output only holds characters of ``alphabet``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

from num2words import num2words

FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâæçèéêëîïôœùûüÿ"
FRENCH_ALPHABET = frozenset(FRENCH_LETTERS + FRENCH_LETTERS.upper() + " .,;:!?'-")
"""What an ordinary French voice accepts: letters, accents, space and basic punctuation."""

# Letters NFKD cannot take apart ("ø" is not "o" + a mark).
_LETTER_FALLBACKS = {
    "ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th",
    "ð": "d", "ı": "i", "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "’": "'", "‘": "'", "ʼ": "'",
}
_URL = re.compile(r"<?(?:https?://|www\.)\S+>?|\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_QUOTES = re.compile(r"[«»“”„\"]")
_NUMBER = re.compile(r"\d+")


def speakable(text: str, alphabet: frozenset[str] = FRENCH_ALPHABET, lexicon: Mapping[str, str] | None = None) -> str:
    """Return ``text`` as a French newsreader would say it, using only characters of ``alphabet``."""
    text = unicodedata.normalize("NFC", text)
    text = _URL.sub(" ", text)
    for written, spoken in (lexicon or {}).items():
        text = re.sub(rf"(?<!\w){re.escape(written)}(?!\w)", spoken, text)
    text = _QUOTES.sub(" ", text)
    text = _NUMBER.sub(lambda match: num2words(int(match.group()), lang="fr"), text)
    text = "".join(_in_alphabet(c, alphabet) for c in text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def outside(text: str, alphabet: frozenset[str]) -> Counter[str]:
    """Return the characters of ``text`` that are not in ``alphabet``, with counts."""
    return Counter(c for c in text if c not in alphabet)


def _in_alphabet(char: str, alphabet: frozenset[str]) -> str:
    """Return ``char`` or its closest spelling within ``alphabet`` ("á" -> "a"); a space if none."""
    if char in alphabet:
        return char
    if char.isspace():
        return " "
    if char.lower() in alphabet:
        return char.lower()
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    for candidate in (decomposed, _LETTER_FALLBACKS.get(char, "")):
        if candidate and all(c in alphabet for c in candidate):
            return candidate
        if candidate and all(c.lower() in alphabet for c in candidate):
            return candidate.lower()
    return " "
