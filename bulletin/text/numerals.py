"""Find the numbers in written French and write them out as a newsreader says them.

``say_numbers(text)`` runs the rules in order, most specific first: thousands
separators, dates, times, ranges, ordinals, Roman numerals, amounts with units or
currencies, sigles with digits, then plain numbers (with gender agreement). Its
output holds no digit. Pure functions; the words come from ``numbers_fr``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bulletin.text.letters_fr import read_sigle
from bulletin.text.numbers_fr import (
    MONTH_SPELLINGS,
    cardinal,
    clock,
    date,
    decimal,
    feminine_after,
    integer_text,
    ordinal,
    roman_value,
)
from bulletin.text.spans import Plain
from bulletin.text.units_fr import CENTS, CURRENCIES, MULTIPLIERS, UNITS

_INT = r"\d+"
_NUM = r"\d+(?:,\d+)?"  # French decimal comma: "2,5"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Names of kings and popes that a single "V" or "X" after them numbers ("Charles V", "Pie X");
# longer numerals ("Louis XIV") are read anywhere.
REGNAL_NAMES = frozenset(
    """Louis Charles Henri Philippe Jean Pie Léon Grégoire Clément Benoît Innocent Boniface Urbain
    Sixte Paul Alexandre Édouard Georges George Guillaume Jacques Alphonse Ferdinand Frédéric
    Gustave Christian Olav Haakon Carl Nicolas Pierre Ivan Victor-Emmanuel Étienne Martin""".split()
)
_UNIT_ALT = _alternation(UNITS)
_CURRENCY_ALT = _alternation(CURRENCIES)
_MULTIPLIER_ALT = _alternation(MULTIPLIERS)
_MONTH_ALT = "|".join(MONTH_SPELLINGS)

_THOUSANDS_SPACE = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d|,\d{3}\b)")
_THOUSANDS_DOT = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|\.\d)")
_THOUSANDS_APOSTROPHE = re.compile(r"(?<![\d.,'’])\d{1,3}(?:['’]\d{3})+(?![\d]|['’]\d)")  # Swiss "780'000"
_TIMES = re.compile(r"(?<![\w.,])(\d+) ?[x×] ?(?=\d)")  # "4x100 m" -> "4 fois 100 m"
_AND_A_HALF = re.compile(r"(?<![\w.,/])(\d+) ?1/2(?![\d/])(?:(\s+)([^\W\d_]+))?")  # "2 ½ ans"
_FOUR_BY_FOUR = re.compile(r"(?<![\w.,])4 ?[x×] ?4(?![\w.,])")  # the vehicle: "un 4x4"
_DATE_NUMERIC = re.compile(r"(?<![\d.,/])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/]|[.,]\d)")
_DATE_ISO = re.compile(r"(?<![\d.,/-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_FRACTION = re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])")  # "3/4" -> "trois quarts", "24/7" -> "24 sur 7"
_TIME_H = re.compile(r"(?<![\w.,])(\d{1,2}) ?[hH] ?(?:([0-5]\d)(?!\d))?(?![\w])")
_TIME_COLON = re.compile(r"(?<![\d.,:])([01]?\d|2[0-4]):([0-5]\d)(?![\d:])")
_YEAR_RANGE = re.compile(r"(?<![\d.,])(1\d{3}|20\d{2}) ?[-–—] ?(1\d{3}|20\d{2}|\d{2})(?!\d|,\d)")
_RANGE = re.compile(rf"(?<![\w.,-])({_NUM}) ?[-–—] ?({_NUM})(?!\d|,\d)")
_ORDINAL = re.compile(r"(?<![\w.,])(\d+)(ers?|res?|ères?|nde?s?|e|es|è|èmes?|emes?)(?![\w])")
_ROMAN_ORDINAL = re.compile(r"(?<![\w'’-])([IVXLCDM]{2,}|[IVX])(ers?|res?|ères?|e|es|è|èmes?)(?![\w])")
_REGNAL = re.compile(rf"(?<![\w'’-])({_alternation(REGNAL_NAMES)}) ([VX])(?![\w'’-])")
_ROMAN_ALONE = re.compile(r"(?<![\w'’-])([IVX]{2,})(?![\w'’-])")
_CURRENCY_FIRST = re.compile(rf"(?<![\w])({_CURRENCY_ALT}) ?({_NUM})(?: ?({_MULTIPLIER_ALT})(?![\w]))?")
_AMOUNT = re.compile(rf"(?<![\w.,])([-−+]?)({_NUM})(?: ?({_MULTIPLIER_ALT}))? ?({_CURRENCY_ALT})(?![\w])")
_MEASURE = re.compile(rf"(?<![\w.,])([-−+]?)({_NUM}) ?({_UNIT_ALT})(?![\w²³'’]|\.\w)")
_MIXED = re.compile(r"(?<![\w-])(?=[A-Z0-9-]*[A-Z])(?=[A-Z0-9-]*\d)[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\w-])")
_LETTER_DASH_DIGIT = re.compile(r"(?<=[^\W\d_])-(?=\d)")
_NUMBER_SIGN = re.compile(r"(?<![\w.,)\]-])([-−+])(?=\d)")
_PLAIN = re.compile(r"(?<![\w.,])(\d+)(?:,(\d+)|\.(\d+)(?!\.?\d))?(?![\d])")
_DIGITS = re.compile(r"\d+")

_SIGNS = {"-": "moins ", "−": "moins ", "+": "plus ", "": ""}


def say_numbers(text: str) -> str:
    """Return ``text`` with every number, date, time, ordinal and Roman numeral written out in words."""
    plain = Plain(text)
    say_numbers_in(plain)
    return plain.text


def say_numbers_in(text: Plain) -> None:
    """Write out every number of ``text`` in words (a text the normaliser may be tracking)."""
    text.sub(_THOUSANDS_SPACE, lambda m: m.group().replace(" ", ""), "number")
    text.sub(_THOUSANDS_DOT, lambda m: m.group().replace(".", ""), "number")
    text.sub(_THOUSANDS_APOSTROPHE, lambda m: re.sub("['’]", "", m.group()), "number")
    for pattern, say, rule in _RULES:
        text.sub(pattern, say, rule)
    text.sub(_DIGITS, lambda m: integer_text(m.group()), "number")
    text.sub(_ELIDED_OF, "", "number")


_ELIDED_OF = re.compile(r"(?<=\bmillion d') |(?<=\bmillions d') |(?<=\bmilliard d') |(?<=\bmilliards d') ")
"""The space left after "un million d'" before its noun ("un million d'habitants")."""
_NOT_A_NOUN = frozenset(
    """de d des du et ou à au aux sur en pour par environ plus moins selon dans contre avec sans chez entre
    le la les l un une qui que dont ont sont a est était sera soit ni mais virgule zéro deux trois quatre
    cinq six sept huit neuf dix onze douze treize quatorze quinze seize vingt trente quarante cinquante
    soixante cent cents mille million millions milliard milliards""".split()
)
_OF_WORDS = re.compile(r"(?:^|[ -])(?:millions?|milliards?|billions?)$")


def of_noun(words: str, following: str) -> str:
    """Return number ``words`` with "de" (or "d'") when they end in million/milliard before a noun.

    "un million" + " personnes" -> "un million de"; + " habitants" -> "un million d'" (the
    space after it goes later); "deux millions" + " cinq cent mille" stays as it is.
    """
    if not _OF_WORDS.search(words):
        return words
    noun = re.match(r"\s+([^\W\d_]+)", following)
    if not noun or noun.group(1).lower() in _NOT_A_NOUN or not noun.group(1)[0].islower():
        return words
    return words + (" d'" if noun.group(1)[0].lower() in "aeiouyhàâéèêëîïôûù" else " de")


def _fraction(match: re.Match[str]) -> str:
    """ "1/3" -> "un tiers", "3/4" -> "trois quarts", "1/2" -> "un demi" / "une demie"; "24/7" -> "24 sur 7"."""
    numerator, denominator = int(match.group(1)), int(match.group(2))
    after = match.string[match.end() :]
    if not 0 < numerator < denominator or denominator > 1000:
        return f"{match.group(1)} sur {match.group(2)}"
    plural = "s" if numerator > 1 else ""
    if denominator == 2:
        return "une demie" if feminine_after(after) else "un demi"
    if denominator in (3, 4):
        return f"{cardinal(numerator)} {'tiers' if denominator == 3 else 'quart' + plural}"
    # "2/5 des voix" -> "deux cinquièmes"; a mark "7/10" or a ratio stays "sept sur dix"
    if (denominator <= 10 or denominator in (100, 1000)) and re.match(r"\s+(?:de|des|du|d['’])\b", after):
        return f"{cardinal(numerator)} {ordinal(denominator)}{plural}"
    return f"{match.group(1)} sur {match.group(2)}"


def _and_a_half(match: re.Match[str]) -> str:
    """ "1 ½ heure" -> "une heure et demie", "2 ½ ans" -> "deux ans et demi", "3 1/2" -> "trois et demi"."""
    number, space, noun = match.groups()
    if not noun:
        return f"{cardinal(int(number))} et demi"
    feminine = feminine_after(space + noun)
    return f"{cardinal(int(number), feminine)} {noun} et demi{'e' if feminine else ''}"


def _times(match: re.Match[str]) -> str:
    """ "4x100 m" -> "4 fois 100 m" (the relay), "3 x 2" -> "3 fois 2"."""
    return f"{match.group(1)} fois "


def _is_duration(match: re.Match[str]) -> bool:
    """Return True when a time like "12h" is a duration ("pendant 12h", "12h de route"), not a time of day."""
    before = match.string[: match.start()].rstrip().lower()
    after = match.string[match.end() :]
    duration_words = ("pendant", "durant", " en", "plus de", "moins de", "près de", "environ", " les", " des")
    return (
        before.endswith(duration_words)
        or before in ("en", "les", "des")
        or bool(re.match(r"\s+(?:de|d['’]|sur)\b", after))
    )


def _clock(hours: int, minutes: int | None, match: re.Match[str]) -> str:
    """Return a time said on air: "12h" -> "midi", "0h15" -> "minuit quinze", else ``clock``."""
    if hours in (0, 12) and not _is_duration(match):
        words = "midi" if hours == 12 else "minuit"
        return f"{words} {cardinal(minutes, feminine=True)}" if minutes else words
    return clock(hours, minutes)


def _numeric_date(match: re.Match[str]) -> str:
    """ "10/01/2022" -> "dix janvier deux mille vingt-deux"; not a date -> unchanged."""
    day, month, year = int(match.group(1)), int(match.group(3)), match.group(4)
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group()
    full_year = int(year) if len(year) == 4 else (2000 if int(year) < 50 else 1900) + int(year)
    return date(day, month, full_year)


def _iso_date(match: re.Match[str]) -> str:
    """ "2022-01-10" -> "dix janvier deux mille vingt-deux"."""
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group()
    return date(day, month, year)


def _time_h(match: re.Match[str]) -> str:
    """ "22h29" -> "vingt-deux heures vingt-neuf", "6 h" -> "six heures", "12h" -> "midi"."""
    minutes = match.group(2)
    return _clock(int(match.group(1)), int(minutes) if minutes else None, match)


def _time_colon(match: re.Match[str]) -> str:
    """ "22:29" -> "vingt-deux heures vingt-neuf", "00:30" -> "minuit trente"."""
    return _clock(int(match.group(1)), int(match.group(2)), match)


def _year_range(match: re.Match[str]) -> str:
    """ "1959-2006" -> "de 1959 à 2006" (digits said later); "1914-18" -> "de 1914 à 1918"."""
    start, end = match.group(1), match.group(2)
    if len(end) == 2:
        end = start[:2] + end
    if int(end) <= int(start):
        return match.group()
    before = match.string[: match.start()].rstrip().lower()
    if before.endswith(("de", "du", "depuis")):
        return f"{start} à {end}"
    if before.endswith("entre"):
        return f"{start} et {end}"
    return f"de {start} à {end}"


def _range(match: re.Match[str]) -> str:
    """ "10-15 personnes" -> "10 à 15 personnes"; a score "3-1" reads the same way."""
    return f"{match.group(1)} à {match.group(2)}"


_PLURAL_DETERMINER = re.compile(r"(?:^|\s)(?:les|des|aux|ces|ses|leurs|nos|vos|mes|tes)\s+$", re.IGNORECASE)


def _plural_by_context(match: re.Match[str]) -> bool:
    """Return True for an ordinal between a plural determiner and a plural noun ("les XIXe Jeux")."""
    noun = re.match(r"\s+([^\W\d_]+)", match.string[match.end() :])
    before = match.string[max(0, match.start() - 12) : match.start()]
    return bool(noun and noun.group(1).endswith(("s", "x")) and _PLURAL_DETERMINER.search(before))


def _ordinal(match: re.Match[str]) -> str:
    """ "1er" -> "premier", "1re" -> "première", "2e" -> "deuxième", "3es" -> "troisièmes"."""
    number, suffix = int(match.group(1)), match.group(2)
    plural = (suffix.endswith("s") and suffix != "ès") or _plural_by_context(match)
    if suffix.startswith("nd"):
        return ("seconde" if "e" in suffix else "second") + ("s" if plural else "")
    feminine = suffix.startswith(("r", "è")) and suffix not in ("è", "ème", "èmes")
    return ordinal(number, feminine=feminine, plural=plural)


def _roman_ordinal(match: re.Match[str]) -> str:
    """ "XXIe siècle" -> "vingt et unième siècle", "Ier" -> "premier"; "Ce", "Le" are not numerals."""
    value, suffix = roman_value(match.group(1)), match.group(2)
    if value is None or (suffix.startswith(("er", "re", "èr", "ère")) and value != 1):
        return match.group()
    feminine = suffix.startswith(("r", "èr"))
    return ordinal(value, feminine=feminine, plural=suffix.endswith("s") or _plural_by_context(match))


def _regnal(match: re.Match[str]) -> str:
    """ "Charles V" -> "Charles cinq" (only after a sovereign's name: "Malcolm X" stays)."""
    return f"{match.group(1)} {cardinal(roman_value(match.group(2)) or 0)}"


def _roman_alone(match: re.Match[str]) -> str:
    """ "Vatican II" is done by _regnal; here "acte III" -> "acte trois"."""
    value = roman_value(match.group(1))
    return match.group() if value is None else cardinal(value)


def _currency_first(match: re.Match[str]) -> str:
    """ "$30" -> "30 $", "€ 2,5 M" -> "2,5 M €": the amount rule reads it then."""
    multiplier = f" {match.group(3)}" if match.group(3) else ""
    return f"{match.group(2)}{multiplier} {match.group(1)}"


def _amount(match: re.Match[str]) -> str:
    """ "2,5 M€" -> "deux virgule cinq millions d'euros", "1,50 €" -> "un euro cinquante"."""
    sign, number, multiplier, currency = match.groups()
    singular, plural, feminine, of_form = CURRENCIES[currency]
    integer, _, fraction = number.partition(",")
    small = int(integer) < 2
    if multiplier:
        name = MULTIPLIERS[multiplier]
        if name == "mille":
            return f"{_SIGNS[sign]}{decimal(integer, fraction)} mille {plural}"
        return f"{_SIGNS[sign]}{decimal(integer, fraction)} {name}{'' if small else 's'} {of_form}"
    if len(fraction) == 2 and currency in CENTS:
        cents = cardinal(int(fraction)) if int(fraction) else ""
        if int(integer) == 0 and cents:
            return f"{_SIGNS[sign]}{cents} {CENTS[currency]}"
        unit = singular if small else plural
        return f"{_SIGNS[sign]}{cardinal(int(integer), feminine)} {unit} {cents}".rstrip()
    words = decimal(integer, fraction, feminine)
    if not fraction and _OF_WORDS.search(words):  # "1 000 000 $" -> "un million de dollars"
        return f"{_SIGNS[sign]}{words} {of_form}"
    return f"{_SIGNS[sign]}{words} {singular if small else plural}"


def _measure(match: re.Match[str]) -> str:
    """ "23,6 %" -> "vingt-trois virgule six pour cent", "1 t" -> "une tonne", "-5 °C" -> "moins cinq degrés"."""
    sign, number, unit = match.groups()
    singular, plural, feminine = UNITS[unit]
    integer, _, fraction = number.partition(",")
    name = singular if int(integer) < 2 else plural  # "1,5 kilomètre": singular below two
    words = decimal(integer, fraction, feminine and not fraction)
    if not fraction and _OF_WORDS.search(words):  # "1 000 000 km²" -> "un million de kilomètres carrés"
        return f"{_SIGNS[sign]}{words} {'d’' if name[0] in 'aeiouyhé' else 'de '}{name}".replace("d’", "d'")
    return f"{_SIGNS[sign]}{words} {name}"


def _mixed(match: re.Match[str]) -> str:
    """ "G7" -> "gé sept", "A320" -> "a trois cent vingt", "H1N1" -> "ache un enne un"."""
    parts = re.findall(r"[A-Z]+|\d+", match.group())
    return " ".join(read_sigle(part) if part.isalpha() else integer_text(part) for part in parts)


def _sign(match: re.Match[str]) -> str:
    """ "-5" -> "moins 5", "+3" -> "plus 3"."""
    return _SIGNS[match.group(1)]


def _plain(match: re.Match[str]) -> str:
    """ "21 personnes" -> "vingt et une personnes", "2,5" -> "deux virgule cinq", "3.5" -> "trois point cinq"."""
    integer, fraction, dotted = match.groups()
    feminine = not fraction and not dotted and feminine_after(match.string[match.end() :])
    if fraction:
        return decimal(integer, fraction)
    if dotted:
        return f"{integer_text(integer)} point {integer_text(dotted)}"
    before = match.string[: match.start()]
    if re.search(r"\b(?:[Aa]nnées|[Pp]ages?|[Nn]uméros?|[Cc]hambre) $", before):
        return re.sub(r"(vingt|cent)s$", r"\1", integer_text(integer))  # "les années 80": invariable
    return of_noun(integer_text(integer, feminine), match.string[match.end() :])


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], str]] = [
    (_DATE_ISO, _iso_date, "date"),
    (_DATE_NUMERIC, _numeric_date, "date"),
    (_FOUR_BY_FOUR, lambda m: "quatre-quatre", "number"),
    (_TIMES, _times, "number"),
    (_AND_A_HALF, _and_a_half, "fraction"),
    (_FRACTION, _fraction, "fraction"),
    (_TIME_H, _time_h, "time"),
    (_TIME_COLON, _time_colon, "time"),
    (_YEAR_RANGE, _year_range, "range"),
    (_RANGE, _range, "range"),
    (_ORDINAL, _ordinal, "ordinal"),
    (_ROMAN_ORDINAL, _roman_ordinal, "roman"),
    (_REGNAL, _regnal, "roman"),
    (_ROMAN_ALONE, _roman_alone, "roman"),
    (_CURRENCY_FIRST, _currency_first, "currency"),
    (_AMOUNT, _amount, "currency"),
    (_MEASURE, _measure, "unit"),
    (_MIXED, _mixed, "sigle"),
    (_LETTER_DASH_DIGIT, lambda m: " ", "number"),
    (_NUMBER_SIGN, _sign, "number"),
    (_PLAIN, _plain, "number"),
]
"""Each rule: what it finds, how it says it, and its name in the span map."""
