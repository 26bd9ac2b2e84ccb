"""All-caps words: shouted headlines, sigles, and surnames written in capitals.

Official texts write surnames in capitals ("M. Bruno LE MAIRE", "Mme Élisabeth BORNE"):
after a civil title, or after a first name when the capitals read as words, they are
names, said as names ("Le Maire"), not spelled ("elle eu"). Hyphenated compounds keep a
pronounceable sigle as a word ("SUD-Rail" -> "Sud-Rail") and spell the others letter by
letter ("CFE-CGC" -> "cé effe eu cé gé cé"). The rest is ``letters_fr.read_sigle``.
"""

from __future__ import annotations

import re

from bulletin.text.letters_fr import read_sigle, reads_as_word
from bulletin.text.spans import Plain

UPPER = "A-ZÀ-ÖØ-Þ"
"""Capital letters of written French, for character classes."""
_LOWER = "a-zß-öø-ÿ"
_TITLES = (
    "monsieur madame mademoiselle messieurs mesdames docteur professeur maître monseigneur "
    "général colonel commandant lieutenant sergent capitaine amiral préfet préfète"
).split()
_PARTICLES = frozenset("LE LA LES DE DU DES D VAN VON DER DEN DI DA DEL DELLA DOS MAC MC EL AL BEN BIN".split())
_CAPS_RUN = rf"(?:[{UPPER}]+['’ -])*[{UPPER}]{{2,}}"
_FIRST_NAME = rf"[{UPPER}][{_LOWER}]+(?:-[{UPPER}][{_LOWER}]+)?"
_AFTER_TITLE = re.compile(rf"(?<![\w])((?i:{'|'.join(_TITLES)})\s+(?:{_FIRST_NAME}\s+)?)({_CAPS_RUN})(?![\w'’-])")
_AFTER_FIRST_NAME = re.compile(rf"(?<![\w'’-])({_FIRST_NAME}\s+)({_CAPS_RUN})(?![\w'’-])")
_SHOUTED = re.compile(rf"(?<![\w'’-])[{UPPER}]+(?:[\s,'’-]+[{UPPER}]+(?![\w])){{2,}}")
_SIGLE_CHAIN = re.compile(rf"(?<![\w'’-])[{UPPER}]{{2,}}(?:-[{UPPER}]{{2,}})+(?![\w'’-])")
_SIGLE_THEN_WORD = re.compile(rf"(?<![\w'’-])([{UPPER}]{{2,}})-(?=[{UPPER}]?[{_LOWER}])")
_SIGLE = re.compile(rf"(?<![\w])[{UPPER}]{{2,}}(?![\w])")
_VOWELS = "AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŸ"


def say_capitals(text: Plain) -> None:
    """Say the all-caps words of ``text``: names as names, shouted headlines in lower case, sigles."""
    text.sub(_AFTER_TITLE, lambda m: m.group(1) + _as_name(m.group(2)), "name")
    text.sub(_AFTER_FIRST_NAME, _first_name_then_capitals, "name")

    def lower_shouted(match: re.Match[str]) -> str:
        words = re.findall(r"\w+", match.group())
        return match.group().lower() if any(len(w) >= 4 and reads_as_word(w) for w in words) else match.group()

    text.sub(_SHOUTED, lower_shouted, "case")
    text.sub(_SIGLE_CHAIN, lambda m: " ".join(read_sigle(part) for part in m.group().split("-")), "sigle")
    text.sub(_SIGLE_THEN_WORD, _sigle_then_word, "sigle")
    text.sub(_SIGLE, lambda m: read_sigle(m.group()), "sigle")


def _as_name(capitals: str) -> str:
    """Return a surname in capitals written as a name: "LE MAIRE" -> "Le Maire", "D'ORMESSON" -> "D'Ormesson"."""
    return re.sub(rf"[{UPPER}]+", lambda m: m.group().capitalize(), capitals)


def _first_name_then_capitals(match: re.Match[str]) -> str:
    """ "Bruno LE MAIRE" -> "Bruno Le Maire" when the capitals are particles and words; else unchanged."""
    words = re.findall(rf"[{UPPER}]+", match.group(2))
    particles = [w for w in words if w in _PARTICLES]
    names = [w for w in words if w not in _PARTICLES]
    if particles and names and all(reads_as_word(w) or _syllable(w) for w in names):
        return match.group(1) + _as_name(match.group(2))
    return match.group()


def _syllable(word: str) -> bool:
    """Return True for a three-letter word of one syllable, consonant-vowel-consonant ("PEN", "SUD")."""
    return len(word) == 3 and word[1] in _VOWELS and word[0] not in _VOWELS and word[2] not in _VOWELS


def _sigle_then_word(match: re.Match[str]) -> str:
    """ "SUD-Rail" -> "Sud-Rail" (a sigle said as a word), "FO-Cheminots" -> "effe o Cheminots"."""
    sigle = match.group(1)
    if reads_as_word(sigle) or _syllable(sigle):
        return sigle.capitalize() + "-"
    return read_sigle(sigle) + " "
