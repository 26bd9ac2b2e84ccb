"""French number words: cardinals with gender, ordinals, decimals, Roman numerals, clock times, dates.

Pure functions on numbers already parsed from the text; ``normalize`` finds them. num2words
writes the cardinals; its French ordinals are wrong past a few cases ("200e" comes out
"deux centsième", "80e" "quatre-vingtsième") and it has no feminine, so both are built here.
"""

from __future__ import annotations

import re

from num2words import num2words

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
"""Month names, January first."""
MONTH_SPELLINGS = MONTHS + ("fevrier", "aout", "decembre")
"""Month names as articles write them, with the accent-less spellings a keyboard produces."""

DIGIT_NAMES = ("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")

_MAX_DIGITS = 15  # past a billiard nobody says the number: read the digits
_ROMAN = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def cardinal(number: int, feminine: bool = False) -> str:
    """Return ``number`` in French words; ``feminine`` gives "une" for a final "un".

    "21" feminine -> "vingt et une", "81" -> "quatre-vingt-une"; "21 000" stays
    "vingt et un mille" (the "un" does not end the number).
    """
    if number < 0:
        return "moins " + cardinal(-number, feminine)
    if len(str(number)) > _MAX_DIGITS:
        return digits(str(number))
    words = num2words(number, lang="fr")
    if feminine and re.search(r"(?:^|[ -])un$", words):
        words += "e"
    return words


def digits(text: str) -> str:
    """Return the digits of ``text`` read one by one ("007" -> "zéro zéro sept")."""
    return " ".join(DIGIT_NAMES[int(d)] for d in text if d.isdigit())


def ordinal(number: int, feminine: bool = False, plural: bool = False) -> str:
    """Return the ordinal of ``number`` ("1" -> "premier", "21" -> "vingt et unième", "200" -> "deux centième")."""
    if number == 1:
        words = "première" if feminine else "premier"
    else:
        words = cardinal(number)
        if number in (10**6, 10**9, 10**12):
            words = words.removeprefix("un ")
        head, last = _split_last(words)
        last = re.sub(r"(vingt|cent|million|milliard|billion)s$", r"\1", last)  # "deux cents" -> "deux centième"
        if last == "cinq":
            last = "cinquième"
        elif last == "neuf":
            last = "neuvième"
        elif last.endswith("e"):
            last = last[:-1] + "ième"
        else:
            last += "ième"
        words = head + last
    return words + "s" if plural else words


def decimal(integer: str, fraction: str, feminine: bool = False) -> str:
    """Return a decimal number said with "virgule" ("2", "5" -> "deux virgule cinq").

    Up to three fraction digits are read as a number after their leading zeros
    ("0,05" -> "zéro virgule zéro cinq"); longer fractions digit by digit.
    """
    words = cardinal(int(integer), feminine) if integer else "zéro"
    if not fraction:
        return words
    if len(fraction) > 3:
        return f"{words} virgule {digits(fraction)}"
    zeros = len(fraction) - len(fraction.lstrip("0"))
    rest = fraction.lstrip("0")
    spoken = ["zéro"] * zeros + ([cardinal(int(rest))] if rest else [])
    return f"{words} virgule {' '.join(spoken)}"


def integer_text(text: str, feminine: bool = False) -> str:
    """Return a run of digits said as a number; leading zeros are said ("07" -> "zéro sept")."""
    if len(text) > _MAX_DIGITS:
        return digits(text)
    stripped = text.lstrip("0")
    if not stripped:
        return digits(text)
    zeros = len(text) - len(stripped)
    return " ".join(["zéro"] * zeros + [cardinal(int(stripped), feminine)])


def roman_value(text: str) -> int | None:
    """Return the value of a well-formed Roman numeral ("XIV" -> 14), else None."""
    if not text or not _ROMAN.fullmatch(text):
        return None
    total = 0
    for char, following in zip(text, text[1:] + " "):
        value = _ROMAN_VALUES[char]
        total += -value if following != " " and _ROMAN_VALUES[following] > value else value
    return total or None


def clock(hours: int, minutes: int | None = None) -> str:
    """Return a time of day or a duration in hours and minutes ("22", "29" -> "vingt-deux heures vingt-neuf").

    Minutes agree with the feminine "minute": "21h21" -> "vingt et une heures vingt et une".
    """
    words = f"{cardinal(hours, feminine=True)} {'heure' if hours < 2 else 'heures'}"
    if minutes:
        words += " " + cardinal(minutes, feminine=True)
    return words


def date(day: int, month: int, year: int | None = None) -> str:
    """Return a date as said on air ("1", "5", "1961" -> "premier mai mille neuf cent soixante et un")."""
    words = f"{ordinal(1) if day == 1 else cardinal(day)} {MONTHS[month - 1]}"
    return f"{words} {cardinal(year)}" if year is not None else words


def _split_last(words: str) -> tuple[str, str]:
    """Split words before the last number word, keeping the separator in the head."""
    match = re.search(r"[^ -]+$", words)
    assert match is not None
    return words[: match.start()], match.group()


# --- Finding numbers in text -------------------------------------------------------------

# Nouns that make a number before them feminine ("21 personnes" -> "vingt et une personnes").
FEMININE_NOUNS = frozenset(
    """personne victime heure tonne année fois femme semaine minute seconde journée nuit fille voix
    vie ville région province commune famille entreprise école maison voiture arme bombe frappe
    attaque roquette victoire défaite saison médaille place page ligne étape édition élection nation
    manifestation balle mesure loi réunion séance enquête affaire question proposition partie manche
    course chance dose infection île route rue église mosquée pièce vidéo photo chambre équipe
    armée troupe tentative explosion secousse vague maladie décennie génération localité
    organisation association société banque agence source mère sœur usine centrale université classe
    division brigade compagnie unité opération peine plainte candidate députée élue blessée morte
    calorie espèce étoile lettre langue idée raison décision réforme""".split()
)
# Adjectives that may sit between the number and its noun ("21 autres personnes").
_EPICENE_ADJECTIVES = frozenset("autres jeunes seules simples pauvres".split())
_FEMININE_ADJECTIVES = frozenset(
    "nouvelles premières dernières grandes petites anciennes vieilles longues courtes bonnes mauvaises".split()
)


def is_feminine_noun(word: str) -> bool:
    """Return True when ``word`` (singular or plural) is one of the feminine nouns numbers agree with."""
    word = word.lower()
    return word in FEMININE_NOUNS or (word.endswith(("s", "x")) and word[:-1] in FEMININE_NOUNS)


def feminine_after(following: str) -> bool:
    """Return True when the text right after a number starts with a feminine noun (maybe after an adjective)."""
    words = re.findall(r"[^\W\d_]+", following[:60])
    if not words or not re.match(r"\s*[^\W\d_]", following):
        return False
    first = words[0].lower()
    if first in _FEMININE_ADJECTIVES:
        return True
    if first in _EPICENE_ADJECTIVES and len(words) > 1:
        return is_feminine_noun(words[1])
    return is_feminine_noun(first)
