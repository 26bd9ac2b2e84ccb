"""Letters for the ear: sigles spelled with French letter names, foreign letters made French.

Pure functions. Letter names are written the way a French grapheme voice reads them
right ("RHC" -> "erre ache cé"): real words or plain syllables, never a lone consonant.
"""

from __future__ import annotations

import re
import unicodedata

FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâæçèéêëîïôœùûüÿ"
"""Lower-case letters of written French."""

LETTER_NAMES = {
    "a": "a",
    "b": "bé",
    "c": "cé",
    "d": "dé",
    "e": "eu",
    "f": "effe",
    "g": "gé",
    "h": "ache",
    "i": "i",
    "j": "ji",
    "k": "ka",
    "l": "elle",
    "m": "emme",
    "n": "enne",
    "o": "o",
    "p": "pé",
    "q": "ku",
    "r": "erre",
    "s": "esse",
    "t": "té",
    "u": "u",
    "v": "vé",
    "w": "double vé",
    "x": "iks",
    "y": "i grec",
    "z": "zède",
}
"""How each letter is said when a sigle is spelled."""

# Letters NFKD cannot take apart ("ø" is not "o" + a mark), and two common scripts.
_FALLBACKS = {
    "ß": "ss",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "þ": "th",
    "ð": "d",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŋ": "ng",
    "ĸ": "k",
    "ſ": "s",
    "ƒ": "f",
    "ɐ": "a",
    "ə": "e",
    "ɛ": "è",
    "ɔ": "o",
}
_GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω", "a b g d e z i th i k l m n x o p r s s t u f kh ps o".split()))
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e io j z i ï k l m n o p r s t ou f kh ts tch ch chtch _ y _ è iou ia i ï ié g".split(),
    )
)
_CYRILLIC.update({"ъ": "", "ь": ""})
_VOWELS = set("aeiouyàâäéèêëîïôöùûüÿœæ")
_ONSETS = set("bl br ch cl cr dr fl fr gl gn gr ph pl pr ps sc sk sl sm sn sp st th tr vr".split())
_CODAS = set("ct ft ks lt nc nd ng nk ns nt pt rc rd rf rg rk rl rm rn rs rt sk st xt".split())


def spell(sigle: str) -> str:
    """Return ``sigle`` spelled with French letter names ("OTSC" -> "o té esse cé")."""
    names = []
    for char in sigle:
        base = french_letters(char).lower()
        for letter in base:
            if letter in LETTER_NAMES:
                names.append(LETTER_NAMES[letter])
            elif letter == "é":  # "ÉTÉ" is spelled "é té é", not "eu té eu"
                names.append("é")
            elif letter.isalpha():
                stripped = _strip_marks(letter)
                names.append(LETTER_NAMES.get(stripped, letter))
    return " ".join(names)


def reads_as_word(sigle: str) -> bool:
    """Return True when an unknown all-caps ``sigle`` sounds like a French word ("UNICEF", "NASA").

    A guess for sigles missing from the lexicon: four letters or more, vowels and
    consonants alternating the way French syllables do ("OTSC", "RATP", "OCDE" are spelled).
    """
    word = sigle.lower()
    if len(word) < 4 or not all(c.isalpha() for c in word):
        return False
    runs = re.findall(r"[aeiouyàâäéèêëîïôöùûüÿœæ]+|[^aeiouyàâäéèêëîïôöùûüÿœæ]+", word)
    if len(runs) < 2:
        return False
    for index, run in enumerate(runs):
        if run[0] in _VOWELS:
            if len(run) > 2:
                return False
            continue
        first, last = index == 0, index == len(runs) - 1
        if len(run) == 1:
            continue
        if first and run not in _ONSETS:
            return False
        if last and run not in _CODAS:
            return False
        if not first and not last and not _inner_cluster(run):
            return False
    return True


def french_letters(char: str) -> str:
    """Return ``char`` written with French letters ("á" -> "a", "ł" -> "l", "ж" -> "j"); non-letters as they are.

    A letter of a script with no French reading comes back as "".
    """
    lower = char.lower()
    if lower in FRENCH_LETTERS or not char.isalpha():
        return char
    upper = char != lower
    base = _strip_marks(lower)
    for table in (_FALLBACKS, _GREEK, _CYRILLIC):
        spelled = table.get(lower, table.get(base))
        if spelled is not None:
            break
    else:
        spelled = "".join(c for c in base if c in FRENCH_LETTERS)
    spelled = spelled.replace("_", "")
    return spelled[:1].upper() + spelled[1:] if upper else spelled


def _strip_marks(text: str) -> str:
    """Return ``text`` without its accents and other combining marks."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _inner_cluster(run: str) -> bool:
    """Return True for a consonant cluster French has between vowels ("nt", "str", "ss"), not "cd" or "tsc"."""
    if len(run) == 2:
        return run[0] == run[1] or run[0] in "lmnrs" or run in _ONSETS or run in ("ct", "pt", "ks")
    if len(run) == 3:
        return run[0] in "lmnrs" and (run[1:] in _ONSETS or run[1] == run[2])
    return False


def read_sigle(sigle: str) -> str:
    """Return how an unknown all-caps ``sigle`` is said: as a word ("NASA" -> "nasa") or spelled ("RHC")."""
    return sigle.lower() if reads_as_word(sigle) else spell(sigle)
