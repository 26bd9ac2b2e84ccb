"""Units and currencies after a number, with their French names ("km²" -> "kilomètres carrés").

Pure data for ``bulletin.text.numerals``: each unit's singular, plural and gender, each
currency's names and its form after "millions" ("d'euros"), the multipliers between a
number and a currency ("2,5 M€").
"""

from __future__ import annotations

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
    "hPa": ("hectopascal", "hectopascals", False),
    "mbar": ("millibar", "millibars", False),
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
CENTS = {"€": "centimes", "EUR": "centimes", "$": "cents", "US$": "cents", "$US": "cents", "USD": "cents"}
# Multipliers written between a number and a currency ("2,5 M€", "3 Mds $", "30 millions €").
MULTIPLIERS = {
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
