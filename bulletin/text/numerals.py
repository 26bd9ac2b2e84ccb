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

_INT = r"\d+"
_NUM = r"\d+(?:,\d+)?"  # French decimal comma: "2,5"

# Unit symbols after a number: symbol -> (singular, plural, feminine).
UNITS: dict[str, tuple[str, str, bool]] = {
    "%": ("pour cent", "pour cent", False),
    "‰": ("pour mille", "pour mille", False),
    "km/h": ("kilomètre-heure", "kilomètres-heure", False),
    "m/s": ("mètre par seconde", "mètres par seconde", False),
    "km²": ("kilomètre carré", "kilomètres carrés", False),
    "km2": ("kilomètre carré", "kilomètres carrés", False),
    "m²": ("mètre carré", "mètres carrés", False),
    "m2": ("mètre carré", "mètres carrés", False),
    "m³": ("mètre cube", "mètres cubes", False),
    "m3": ("mètre cube", "mètres cubes", False),
    "km": ("kilomètre", "kilomètres", False),
    "cm": ("centimètre", "centimètres", False),
    "mm": ("millimètre", "millimètres", False),
    "m": ("mètre", "mètres", False),
    "kg": ("kilogramme", "kilogrammes", False),
    "mg": ("milligramme", "milligrammes", False),
    "g": ("gramme", "grammes", False),
    "t": ("tonne", "tonnes", True),
    "ha": ("hectare", "hectares", False),
    "l": ("litre", "litres", False),
    "L": ("litre", "litres", False),
    "cl": ("centilitre", "centilitres", False),
    "ml": ("millilitre", "millilitres", False),
    "°C": ("degré Celsius", "degrés Celsius", False),
    "°F": ("degré Fahrenheit", "degrés Fahrenheit", False),
    "°": ("degré", "degrés", False),
    "kWh": ("kilowattheure", "kilowattheures", False),
    "MWh": ("mégawattheure", "mégawattheures", False),
    "GWh": ("gigawattheure", "gigawattheures", False),
    "TWh": ("térawattheure", "térawattheures", False),
    "kW": ("kilowatt", "kilowatts", False),
    "MW": ("mégawatt", "mégawatts", False),
    "GW": ("gigawatt", "gigawatts", False),
    "min": ("minute", "minutes", True),
    "mn": ("minute", "minutes", True),
    "Mo": ("mégaoctet", "mégaoctets", False),
    "Go": ("gigaoctet", "gigaoctets", False),
    "Hz": ("hertz", "hertz", False),
    "kHz": ("kilohertz", "kilohertz", False),
    "MHz": ("mégahertz", "mégahertz", False),
    "dB": ("décibel", "décibels", False),
}
# Currencies, symbol or code -> (singular, plural, feminine, "de" form after millions).
CURRENCIES: dict[str, tuple[str, str, bool, str]] = {
    "€": ("euro", "euros", False, "d'euros"),
    "EUR": ("euro", "euros", False, "d'euros"),
    "US$": ("dollar", "dollars", False, "de dollars"),
    "$US": ("dollar", "dollars", False, "de dollars"),
    "$": ("dollar", "dollars", False, "de dollars"),
    "USD": ("dollar", "dollars", False, "de dollars"),
    "£": ("livre", "livres", True, "de livres"),
    "GBP": ("livre", "livres", True, "de livres"),
    "¥": ("yen", "yens", False, "de yens"),
    "CHF": ("franc suisse", "francs suisses", False, "de francs suisses"),
    "FCFA": ("franc CFA", "francs CFA", False, "de francs CFA"),
}
_CENTS = {"€": "centimes", "EUR": "centimes", "$": "cents", "US$": "cents", "$US": "cents", "USD": "cents"}
# Multipliers written between a number and a currency ("2,5 M€", "3 Mds $", "30 millions €").
_MULTIPLIERS = {
    "k": "mille",
    "mille": "mille",
    "M": "million",
    "Mio": "million",
    "million": "million",
    "millions": "million",
    "Md": "milliard",
    "Mds": "milliard",
    "Mrd": "milliard",
    "Mrds": "milliard",
    "milliard": "milliard",
    "milliards": "milliard",
}


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
_MULTIPLIER_ALT = _alternation(_MULTIPLIERS)
_MONTH_ALT = "|".join(MONTH_SPELLINGS)

_THOUSANDS_SPACE = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?!\d|,\d{3}\b)")
_THOUSANDS_DOT = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?![\d]|\.\d)")
_DATE_NUMERIC = re.compile(r"(?<![\d.,/])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/]|[.,]\d)")
_DATE_ISO = re.compile(r"(?<![\d.,/-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_FRACTION = re.compile(r"(?<![\d/])(\d+)/(\d+)(?![\d/])")  # "24/7" -> "vingt-quatre sur sept"
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
    for pattern, say, rule in _RULES:
        text.sub(pattern, say, rule)
    text.sub(_DIGITS, lambda m: integer_text(m.group()), "number")


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
    """ "22h29" -> "vingt-deux heures vingt-neuf", "6 h" -> "six heures"."""
    minutes = match.group(2)
    return clock(int(match.group(1)), int(minutes) if minutes else None)


def _time_colon(match: re.Match[str]) -> str:
    """ "22:29" -> "vingt-deux heures vingt-neuf"."""
    return clock(int(match.group(1)), int(match.group(2)))


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


def _ordinal(match: re.Match[str]) -> str:
    """ "1er" -> "premier", "1re" -> "première", "2e" -> "deuxième", "3es" -> "troisièmes"."""
    number, suffix = int(match.group(1)), match.group(2)
    plural = suffix.endswith("s") and suffix != "ès"
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
    return ordinal(value, feminine=feminine, plural=suffix.endswith("s"))


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
        name = _MULTIPLIERS[multiplier]
        if name == "mille":
            return f"{_SIGNS[sign]}{decimal(integer, fraction)} mille {plural}"
        return f"{_SIGNS[sign]}{decimal(integer, fraction)} {name}{'' if small else 's'} {of_form}"
    if len(fraction) == 2 and currency in _CENTS:
        cents = cardinal(int(fraction)) if int(fraction) else ""
        if int(integer) == 0 and cents:
            return f"{_SIGNS[sign]}{cents} {_CENTS[currency]}"
        unit = singular if small else plural
        return f"{_SIGNS[sign]}{cardinal(int(integer), feminine)} {unit} {cents}".rstrip()
    return f"{_SIGNS[sign]}{decimal(integer, fraction, feminine)} {singular if small else plural}"


def _measure(match: re.Match[str]) -> str:
    """ "23,6 %" -> "vingt-trois virgule six pour cent", "1 t" -> "une tonne", "-5 °C" -> "moins cinq degrés"."""
    sign, number, unit = match.groups()
    singular, plural, feminine = UNITS[unit]
    integer, _, fraction = number.partition(",")
    name = singular if int(integer) < 2 else plural  # "1,5 kilomètre": singular below two
    return f"{_SIGNS[sign]}{decimal(integer, fraction, feminine and not fraction)} {name}"


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
    return integer_text(integer, feminine)


_RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str], str]] = [
    (_DATE_ISO, _iso_date, "date"),
    (_DATE_NUMERIC, _numeric_date, "date"),
    (_FRACTION, lambda m: f"{m.group(1)} sur {m.group(2)}", "fraction"),
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
