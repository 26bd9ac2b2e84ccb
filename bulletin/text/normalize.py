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
from importlib import resources
from pathlib import Path

import tomllib

from bulletin.errors import BulletinError
from bulletin.text.letters_fr import FRENCH_LETTERS, LETTER_NAMES, french_letters, read_sigle, reads_as_word
from bulletin.text.numerals import say_numbers

FRENCH_ALPHABET = frozenset(FRENCH_LETTERS + FRENCH_LETTERS.upper() + " .,;:!?'-")
"""What an ordinary French voice accepts: letters, accents, space and basic punctuation."""

_UPPER = "A-ZÀ-ÖØ-Þ"
_PUNCTUATION = set(".,;:!?…'’-«»()\"")
_KEPT_SYMBOLS = set("%‰€$£¥°&+=×§@#/–—‐‑‒―“”„‟‹›«»()[]{}…'’‘ʼ`´\"!?.,;:-")
_URL = re.compile(r"<?\b(?:https?://|www\.)[^\s<>]+>?", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@([\w-]+(?:\.[\w-]+)+)\b")
_BARE_DOMAIN = re.compile(r"\b([a-z0-9-]+(?:\.[a-z0-9-]+)*)\.(com|fr|org|net|cu|info|eu|int|gov|be|ch|ca|ru|io)\b")

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
_SHOUTED = re.compile(rf"(?<![\w'’-])[{_UPPER}]+(?:[\s,'’-]+[{_UPPER}]+(?![\w])){{2,}}")
_SIGLE = re.compile(rf"(?<![\w])[{_UPPER}]{{2,}}(?![\w])")
_BARE_UNITS = {
    "km": "kilomètres",
    "km/h": "kilomètres-heure",
    "km²": "kilomètres carrés",
    "kg": "kilos",
    "°C": "degrés Celsius",
}
_BARE_UNIT = re.compile(r"(?<![\w°])(?:km/h|km²|km|kg|°C)(?![\w/²])")  # "une vingtaine de km"
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
_QUOTE_MARKS = '"“”„‟«»‹›'
_APOSTROPHES = "'’‘ʼ`´"


def speakable(
    text: str,
    alphabet: frozenset[str] = FRENCH_ALPHABET,
    lexicon: Mapping[str, str] | None = None,
    *,
    say_urls: bool = False,
) -> str:
    """Return ``text`` as a French newsreader would say it, using only characters of ``alphabet``.

    ``lexicon`` maps written words or sigles (case-sensitive) to spoken forms and wins
    over every other rule; ``say_urls`` says web addresses ("radiohc point cu") instead
    of leaving them out.
    """
    spoken = _speak_once(text, alphabet, lexicon or {}, say_urls)
    for _ in range(3):  # tidying the output can make a new context for a rule: settle it
        again = _speak_once(spoken, alphabet, lexicon or {}, say_urls)
        if again == spoken:
            break
        spoken = again
    return spoken


def _speak_once(text: str, alphabet: frozenset[str], lexicon: Mapping[str, str], say_urls: bool) -> str:
    """Return ``text`` through every rule once (``speakable`` repeats it until the text settles)."""
    text = _clean_unicode(text)
    text = _web(text, say_urls)
    text = apply_lexicon(text, lexicon)
    text = "".join(french_letters(char) for char in text)
    text = _abbreviations(text)
    text = _collapse_pauses(text)
    text = _INITIAL.sub(lambda m: LETTER_NAMES[m.group(1).lower()] + " ", text)
    text = say_numbers(text)
    text = _sigles(text)
    text = _BARE_UNIT.sub(lambda m: _BARE_UNITS[m.group()], text)
    text = "".join(_SYMBOLS.get(char, char) for char in text)
    text = _punctuation(text, alphabet)
    text = _SENTENCE_START.sub(lambda m: m.group().upper(), text)
    return _fit(text, alphabet)


def outside(text: str, alphabet: frozenset[str]) -> Counter[str]:
    """Return the characters of ``text`` that are not in ``alphabet``, with counts."""
    return Counter(c for c in text if c not in alphabet)


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Return ``text`` with each whole word or sigle of ``lexicon`` replaced by its spoken form."""
    entries = {unicodedata.normalize("NFKC", k): v for k, v in lexicon.items() if k.strip()}
    if not entries:
        return text
    # A written form may touch digits ("COP21" -> "Cop 21"), never letters ("ONU" is not in "ONUSIDA").
    alternation = "|".join(re.escape(k) for k in sorted(entries, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W\d_])")

    def spoken(match: re.Match[str]) -> str:
        following = match.string[match.end() : match.end() + 1]
        return entries[match.group()] + (" " if following.isdigit() else "")

    return pattern.sub(spoken, text)


def load_lexicon(user_path: Path | None = None) -> dict[str, str]:
    """Return the bundled pronunciation lexicon, overridden entry by entry by ``user_path`` if given.

    Files are TOML: ``"written" = "spoken"`` pairs, at top level or in tables (only for
    grouping). A bad user file raises BulletinError naming the file and the problem.
    """
    bundled = resources.files("bulletin.voices") / "lexicon-fr.toml"
    lexicon = _parse_lexicon(bundled.read_text(encoding="utf-8"), "lexicon-fr.toml (bundled)")
    if user_path is not None:
        path = Path(user_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BulletinError(
                f'{path}: no such lexicon file; give a TOML file of "written" = "spoken" lines'
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise BulletinError(f"{path}: cannot read the lexicon ({error}); give a UTF-8 TOML file") from None
        lexicon.update(_parse_lexicon(text, str(path)))
    _check_chains(lexicon, str(user_path) if user_path is not None else "lexicon-fr.toml (bundled)")
    return lexicon


def _check_chains(lexicon: Mapping[str, str], name: str) -> None:
    """Raise BulletinError when a spoken form holds another written form: the text would change on every pass."""
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k) for k in lexicon) + r")(?![\w])")
    for written, spoken in lexicon.items():
        found = pattern.search(spoken)
        if found and spoken != written and lexicon.get(found.group()) != found.group():
            raise BulletinError(
                f"{name}: {written!r} = {spoken!r} contains {found.group()!r}, itself an entry; "
                "spell it the way it is said"
            )


def _parse_lexicon(text: str, name: str) -> dict[str, str]:
    """Return the entries of one lexicon file; BulletinError naming ``name`` when one is unusable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BulletinError(f'{name}: not valid TOML ({error}); write lines like "ONU" = "onu"') from None
    entries: dict[str, str] = {}
    tables = [("", data)]
    while tables:
        prefix, table = tables.pop()
        for key, value in table.items():
            if isinstance(value, dict):
                tables.append((f"{prefix}{key}.", value))
                continue
            if not isinstance(value, str):
                raise BulletinError(f"{name}: {prefix}{key} must be a string (the spoken form), not {value!r}")
            if not key.strip() or not value.strip():
                raise BulletinError(f"{name}: {prefix}{key!r} has an empty written or spoken form")
            if re.search(r"\d", value):
                raise BulletinError(f"{name}: {prefix}{key!r} = {value!r}: write numbers in words in a spoken form")
            if key != value and re.search(rf"(?<![\w]){re.escape(key)}(?![\w])", value):
                raise BulletinError(
                    f"{name}: {prefix}{key!r} = {value!r}: the spoken form must not contain the written one"
                )
            entries[key] = value
    return entries


def _clean_unicode(text: str) -> str:
    """Return ``text`` in NFKC ("ᵉ" -> "e", no-break spaces -> spaces) with ASCII digits and no stray marks."""
    text = re.sub(r"[nN][º°]|№", "n°", text)
    text = unicodedata.normalize("NFKC", text)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char.isdigit() and not char.isascii():
            value = unicodedata.decimal(char, None)
            out.append(str(value) if value is not None else " ")
        elif char in "\n\t\r" or category == "Zs":
            out.append(" " if char != "\n" else "\n")
        elif category.startswith(("M", "C")):  # lone combining marks, controls, unassigned
            out.append("" if category.startswith("M") or category == "Cf" else " ")
        elif category.startswith(("L", "N")) or char in _KEPT_SYMBOLS or char.isspace():
            out.append(char)
        elif category.startswith("P"):
            out.append(",")  # other punctuation: a pause
        else:
            out.append(" ")  # emoji, arrows, other symbols
    return re.sub(r"\.{3,}", "…", "".join(out).replace("⁄", "/"))


def _web(text: str, say_urls: bool) -> str:
    """Return ``text`` without web and e-mail addresses, or with them said ("radiohc point cu")."""
    if not say_urls:
        text = _URL.sub(" ", text)
        text = _EMAIL.sub(" ", text)
    else:
        text = _URL.sub(lambda m: " " + _say_domain(re.sub(r"^<?(?:https?://)?(?:www\.)?", "", m.group())) + " ", text)
        text = _EMAIL.sub(
            lambda m: m.group().split("@")[0].replace(".", " point ") + " arobase " + _say_domain(m.group(1)), text
        )
    return _BARE_DOMAIN.sub(lambda m: _say_domain(m.group()), text)


def _say_domain(address: str) -> str:
    """Return the host of ``address`` said aloud: "radiohc.cu/fr/x" -> "radiohc point cu"."""
    host = re.split(r"[/?#>:]", address, maxsplit=1)[0].strip(".")
    return " point ".join(part for part in host.lower().split(".") if part)


def _abbreviations(text: str) -> str:
    """Return ``text`` with abbreviations and dotted sigles said in full ("M. Dupont" -> "monsieur Dupont")."""
    for pattern, spoken, can_end in _ABBREVIATION_RULES:
        text = pattern.sub(lambda m, s=spoken, e=can_end: s + _sentence_end(m, e), text)
    return _DOTTED_SIGLE.sub(lambda m: m.group(1).replace(".", "") + _sentence_end(m, True), text)


def _sentence_end(match: re.Match[str], can_end: bool) -> str:
    """Return "." when an abbreviation's dot also ends the sentence ("... av. J.-C. Puis")."""
    if not can_end or not match.group().endswith("."):
        return ""
    after = match.string[match.end() :]
    return "." if re.match(rf"\s*$|\s+[{_UPPER}«\"]", after) else ""


def _sigles(text: str) -> str:
    """Return ``text`` with all-caps words said: shouted headlines in lower case, sigles spelled or read."""

    def lower_shouted(match: re.Match[str]) -> str:
        words = re.findall(r"\w+", match.group())
        return match.group().lower() if any(len(w) >= 4 and reads_as_word(w) for w in words) else match.group()

    text = _SHOUTED.sub(lower_shouted, text)
    return _SIGLE.sub(lambda m: read_sigle(m.group()), text)


def _punctuation(text: str, alphabet: frozenset[str]) -> str:
    """Return ``text`` with quotes, dashes, brackets and ellipses turned into pauses the voice has."""
    pause = "," if "," in alphabet else ("." if "." in alphabet else " ")
    text = re.sub(r"[(\[]\s*(?:…|\.\.\.)\s*[)\]]", " ", text)  # "(…)" marks a cut in a quote
    if "…" not in alphabet:  # an ellipsis mid-sentence is a pause, at the end a full stop
        text = re.sub(r"…(?=\s*[a-zà-ÿ])", f" {pause} ", text).replace("…", ".")
    text = re.sub(r"[–—―‒]|(?<=\s)-(?=\s)|^-(?=\s)", f" {pause} ", text)
    text = re.sub(r"[‐‑]", "-", text)
    text = re.sub(r"(?<![\w])-+|-+(?![\w])", " ", text)  # stray hyphens
    if "(" in alphabet and ")" in alphabet and "," not in alphabet:
        text = text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
    else:
        text = re.sub(r"[(\[{]", f" {pause} ", text)
        text = re.sub(r"[)\]}]", f" {pause} ", text)
    text = _quotes(text, alphabet)
    apostrophe = "'" if "'" in alphabet else ("’" if "’" in alphabet else "")
    text = re.sub(f"[{_APOSTROPHES}]", apostrophe, text)
    fallbacks_of = {";": ",. ", ":": ",. ", "!": ". ", "?": ". ", "…": ". ", ",": " ", ".": " "}
    for mark, fallbacks in fallbacks_of.items():
        if mark not in alphabet:
            text = text.replace(mark, next(c for c in fallbacks if c in alphabet or c == " "))
    return text


def _quotes(text: str, alphabet: frozenset[str]) -> str:
    """Return ``text`` with its quotation marks as « » if the voice has them, else '"', else nothing.

    Straight quotes open or close by the spaces around them ("a "b" c" -> "a « b » c").
    """
    if "«" in alphabet and "»" in alphabet:
        opening, closing = "«", "»"
    elif '"' in alphabet:
        opening = closing = '"'
    else:
        opening = closing = ""
    out, is_open = [], False
    for index, char in enumerate(text):
        if char not in _QUOTE_MARKS:
            out.append(char)
            continue
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if char in "«‹“„" or (char in '"‟' and before.isspace() and not after.isspace()):
            is_open = True
        elif char in "»›”" or (char in '"‟' and after in " .,;:!?…)" and not before.isspace()):
            is_open = False
        else:
            is_open = not is_open
        out.append(f" {opening} " if is_open else f" {closing} ")
    return "".join(out)


def _fit(text: str, alphabet: frozenset[str]) -> str:
    """Return ``text`` with every character inside ``alphabet`` and tidy spacing and pauses."""
    out = []
    for char in text:
        if char in alphabet:
            out.append(char)
        elif char.isspace():
            out.append(" ")
        else:
            out.append(_closest(char, alphabet))
    text = "".join(out)
    for _ in range(4):  # tidying can expose new neighbours: repeat until stable
        tidy = _tidy(text)
        if tidy == text:
            break
        text = tidy
    if " " not in alphabet:
        text = text.replace(" ", "")
    return text


def _collapse_pauses(text: str) -> str:
    """Return ``text`` with runs of pause marks made one (", ." -> ".", "?!" -> "?")."""
    text = re.sub(r"([,;:])[ ,;:]*([.!?…])", r"\2", text)
    text = re.sub(r"([,;:])[ ,;:]*[,;:]", r"\1", text)
    text = re.sub(r"([.!?…])[ ,;:]*[,;:]", r"\1", text)
    return re.sub(r"([.!?…])(?:[ ]*[.!?…])+", r"\1", text)


def _tidy(text: str) -> str:
    """Return ``text`` with single spaces, no space before a pause mark, and no doubled pauses."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ([,.;:!?…\"])(?=[\s,.;:!?…»]|$)", r"\1", text)
    text = re.sub(r"«\s*", "« ", text)
    text = re.sub(r"\s*»", " »", text)
    text = _collapse_pauses(text)
    text = re.sub(r"([,;:.!?…])(?=[^\s,;:.!?…»\"'’-])", r"\1 ", text)
    text = re.sub(r"^[\s,;:.!?…]+", "", text)
    text = re.sub(r"[\s,;:]+$", "", text)
    return text.strip()


def _closest(char: str, alphabet: frozenset[str]) -> str:
    """Return ``char`` spelled within ``alphabet`` ("É" -> "é" or "E" or "e", "œ" -> "oe"); a space if impossible."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    for candidate in (char.lower(), base, base.lower(), {"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"}.get(char, "")):
        if candidate and all(c in alphabet for c in candidate):
            return candidate
        if candidate and all(c.lower() in alphabet for c in candidate):
            return candidate.lower()
    return " "
