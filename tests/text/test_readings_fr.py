"""French readings that newsreaders get right and the normaliser used to get wrong (issue 17), one table per class.

Where a number is read, the expected words come from num2words, an independent oracle
(the code under test only calls it for plain cardinals; grouping, units and agreement are ours).
"""

from __future__ import annotations

import pytest
from num2words import num2words

from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable

LEXICON = load_lexicon()


def n(number: int) -> str:
    """The French cardinal of ``number``, by num2words."""
    return num2words(number, lang="fr")


def say(text: str) -> str:
    return speakable(text, FRENCH_ALPHABET, LEXICON)


THOUSANDS = [
    ("780'000 habitants", f"{n(780000)} habitants"),
    ("1'250'000 francs", f"{n(1250000)} francs"),
    ("12’500 manifestants", f"{n(12500)} manifestants"),
    ("un budget de 3'400 francs", f"un budget de {n(3400)} francs"),
    ("2.500 euros", f"{n(2500)} euros"),
    ("1.234.567 personnes", f"{n(1234567)} personnes"),
    ("10.000 manifestants", f"{n(10000)} manifestants"),
    ("780'000 km²", f"{n(780000)} kilomètres carrés"),
    ("2.500 €", f"{n(2500)} euros"),
    ("25 000 000 d'euros", f"{n(25000000)} d'euros"),
]


@pytest.mark.parametrize(("written", "spoken"), THOUSANDS)
def test_thousands_grouped_by_apostrophe_dot_or_space(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("1/3 des voix", "un tiers des voix"),
        ("2/3 des députés", "deux tiers des députés"),
        ("3/4 des élèves", "trois quarts des élèves"),
        ("1/4 des sièges", "un quart des sièges"),
        ("1/2 litre", "un demi litre"),
        ("1/2 heure", "une demie heure"),
        ("½ journée", "une demie journée"),
        ("1 ½ heure", "une heure et demie"),
        ("2 ½ ans", "deux ans et demi"),
        ("il en reste 3 ½.", "il en reste trois et demi."),
        ("2/5 des votes", "deux cinquièmes des votes"),
        ("3/10 du budget", "trois dixièmes du budget"),
        ("24/7", "vingt-quatre sur sept"),
        ("une note de 15/20", "une note de quinze sur vingt"),
        ("7/10", "sept sur dix"),
    ],
)
def test_vulgar_fractions(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("1 013 hPa", f"{n(1013)} hectopascals"),
        ("une pression de 985 hPa", f"une pression de {n(985)} hectopascals"),
        ("1 hPa", "un hectopascal"),
        ("12 mm de pluie", f"{n(12)} millimètres de pluie"),
        ("0,5 mm", "zéro virgule cinq millimètre"),
        ("50 m²", f"{n(50)} mètres carrés"),
        ("1,5 m²", "un virgule cinq mètre carré"),
        ("3 km²", f"{n(3)} kilomètres carrés"),
        ("200 kWh", f"{n(200)} kilowattheures"),
        ("1,2 kWh", "un virgule deux kilowattheure"),
        ("le prix du kWh", "le prix du kilowattheure"),
        ("des centaines de kWh", "des centaines de kilowattheures"),
        ("30 MW", f"{n(30)} mégawatts"),
        ("1 MW", "un mégawatt"),
        ("2 Md€", f"{n(2)} milliards d'euros"),
        ("1,5 Md€", "un virgule cinq milliard d'euros"),
        ("3 Mds €", f"{n(3)} milliards d'euros"),
    ],
)
def test_units(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("le 4x100 m", f"le {n(4)} fois {n(100)} mètres"),
        ("le relais 4 x 400 m", f"le relais {n(4)} fois {n(400)} mètres"),
        ("un 4x4", "un quatre-quatre"),
        ("trois 4x4 garés", "trois quatre-quatre garés"),
        ("3x2 voies", f"{n(3)} fois {n(2)} voies"),
        ("4×100 m", f"{n(4)} fois {n(100)} mètres"),
    ],
)
def test_times_sign_between_numbers(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("1 000 000 $", f"{n(1000000)} de dollars"),
        ("1 000 000 000 €", f"{n(1000000000)} d'euros"),
        ("2 000 000 €", f"{n(2000000)} d'euros"),
        ("1 000 000 personnes", f"{n(1000000)} de personnes"),
        ("3 000 000 habitants", f"{n(3000000)} d'habitants"),
        ("1 000 000 km²", f"{n(1000000)} de kilomètres carrés"),
        ("2 500 000 personnes", f"{n(2500000)} personnes"),
        ("1 000 000 d'habitants", f"{n(1000000)} d'habitants"),
        ("1 000 000 et demi", f"{n(1000000)} et demi"),
    ],
)
def test_de_after_million_and_milliard_before_a_noun(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("les XIXe Jeux olympiques", "les dix-neuvièmes Jeux olympiques"),
        ("des XXe Rencontres", "des vingtièmes Rencontres"),
        ("les 3e Jeux", "les troisièmes Jeux"),
        ("aux 24e Assises", "aux vingt-quatrièmes Assises"),
        ("le XIXe siècle", "le dix-neuvième siècle"),
        ("les XIXe et XXe siècles", "les dix-neuvième et vingtième siècles"),
        ("les 3es places", "les troisièmes places"),
    ],
)
def test_plural_ordinals(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("M. Bruno LE MAIRE a dit", "monsieur Bruno Le Maire a dit"),
        ("Mme Élisabeth BORNE", "madame Élisabeth Borne"),
        ("M. Manuel VALLS", "monsieur Manuel Valls"),
        ("Mme BORNE, Première ministre", "madame Borne, Première ministre"),
        ("le général DE GAULLE", "le général De Gaulle"),
        ("Bruno LE MAIRE, ministre", "Bruno Le Maire, ministre"),
        ("Jean D'ORMESSON", "Jean D'Ormesson"),
        ("Marine LE PEN a parlé", "Marine Le Pen a parlé"),  # a one-syllable name after a particle
        ("Jean DUPONT a parlé", "Jean dupont a parlé"),  # no particle: said as a word, not as a Name
        # capitals that are not names stay sigles
        ("Agence AFP", "Agence a effe pé"),
        ("Banque BNP", "Banque bé enne pé"),
        ("LA POLICE ARRÊTE UN SUSPECT", "la police arrête un suspect"),
    ],
)
def test_surnames_in_capitals_are_read_as_names(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("SUD-Rail appelle à la grève", "Sud-Rail appelle à la grève"),
        ("SUD-Éducation", "Sud-Éducation"),
        ("la CFE-CGC", "la cé effe eu cé gé cé"),
        ("FO-Cheminots", "effe o Cheminots"),
        ("SNCF-Réseau", "esse enne cé effe Réseau"),
        ("CGT-Cheminots", "cé gé té Cheminots"),
    ],
)
def test_hyphenated_sigle_compounds(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("sur www.radiofrance.fr", "sur radiofrance point fr"),
        ("sur https://www.radiohc.cu/fr/noticias", "sur radiohc point cu"),
        ("sur radio.fr", "sur radio point fr"),
        ("écrivez à contact@rfi.fr", "écrivez à contact arobase rfi point fr"),
        ("suivez @franceinfo", "suivez arobase franceinfo"),
        ("selon @EmmanuelMacron", "selon arobase Emmanuel Macron"),
        ("avec #BalanceTonPorc", "avec hashtag Balance Ton Porc"),
        ("le mot-clé #JO2024", f"le mot-clé hashtag ji o {n(2024)}"),
    ],
)
def test_web_addresses_and_handles_are_said_not_dropped(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("à 12h", "à midi"),
        ("à 12 h 30", "à midi trente"),
        ("à 12:15", "à midi quinze"),
        ("à 0h", "à minuit"),
        ("à 0h15", "à minuit quinze"),
        ("00:30", "minuit trente"),
        ("de 12h à 14h", "de midi à quatorze heures"),
        ("pendant 12h", "pendant douze heures"),
        ("12h de route", "douze heures de route"),
        ("en 12h", "en douze heures"),
        ("24h sur 24", "vingt-quatre heures sur vingt-quatre"),
    ],
)
def test_noon_and_midnight(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("le 2022-01-01", "le premier janvier deux mille vingt-deux"),
        ("le 2022-12-31", "le trente et un décembre deux mille vingt-deux"),
        ("le 2021-06-15", "le quinze juin deux mille vingt et un"),
    ],
)
def test_iso_dates_are_said_as_dates(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize("written", ["le 2022-02-32", "le 2022-13-05", "le 2022-00-05", "le 2022-05-00"])
def test_what_only_looks_like_an_iso_date_is_not_given_a_month(written):
    spoken = say(written)
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre")
    assert not any(month in spoken for month in (*months, "novembre", "décembre")), spoken


@pytest.mark.parametrize(
    "written",
    [
        "il a dormi pendant 12h.",
        "durant 12h, la route est fermée.",
        "il l'a fait en 12h.",
        "plus de 12h.",
        "moins de 12h.",
        "près de 12h.",
        "environ 12h.",
        "toutes les 12h.",
        "un train des 12h.",
        "les 12h sont passées.",
        "des 12h.",
        "en 12h.",
        "12h de route.",
        "12h sur la route.",
    ],
)
def test_twelve_hours_of_duration_are_not_noon(written):
    assert "douze heures" in say(written) and "midi" not in say(written)


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("il arrive à 12h.", "il arrive à midi."),
        ("rendez-vous à 0h15.", "rendez-vous à minuit quinze."),
    ],
)
def test_noon_and_midnight_as_times_of_day(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("le 31/12/2022", "le trente et un décembre deux mille vingt-deux"),
        ("le 01/01/49", "le premier janvier deux mille quarante-neuf"),
        ("le 01/01/50", "le premier janvier mille neuf cent cinquante"),
        ("le 15/06/99", "le quinze juin mille neuf cent quatre-vingt-dix-neuf"),
    ],
)
def test_numeric_dates_and_their_two_digit_years(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize("written", ["le 32/01/2022", "le 10/13/2022", "le 00/05/2022", "le 10/00/2022"])
def test_what_only_looks_like_a_numeric_date_is_not_given_a_month(written):
    spoken = say(written)
    assert not any(month in spoken for month in ("janvier", "mai", "octobre", "décembre")), spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("le Ier siècle", "le premier siècle"),
        ("la Ire République", "la première République"),
        ("la Ière armée", "la première armée"),
        ("la IIe République", "la deuxième République"),
        ("les IIes Jeux", "les deuxièmes Jeux"),
        ("les XIXes siècles", "les dix-neuvièmes siècles"),
    ],
)
def test_roman_ordinals_agree_in_gender_and_number(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize("written", ["le IIer", "la IIre", "la IIèr", "la IIère"])
def test_a_first_suffix_on_another_number_is_not_an_ordinal(written):
    assert say(written) == written


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("de 1914-18", f"de {n(1914)} à {n(1918)}"),
        ("du 1914-1918", f"du {n(1914)} à {n(1918)}"),
        ("depuis 1914-1918", f"depuis {n(1914)} à {n(1918)}"),
        ("entre 1914-1918", f"entre {n(1914)} et {n(1918)}"),
        ("la guerre 1914-1918", f"la guerre de {n(1914)} à {n(1918)}"),
    ],
)
def test_year_ranges_take_the_preposition_already_there(written, spoken):
    assert say(written) == spoken.replace("dix-neuf cent", "mille neuf cent")


def test_a_range_of_one_year_is_not_a_from_to():
    assert " de " not in say("en 1914-1914")


@pytest.mark.parametrize(
    ("sigle", "word"),
    [
        ("ATTA", True),  # a doubled consonant between vowels
        ("ALTA", True),  # l, m, n, r, s close a syllable
        ("ARPA", True),
        ("ABRA", True),  # an onset opens the next one
        ("ACTA", True),  # ct, pt, ks: French has them inside a word
        ("APTA", True),
        ("AKSA", True),
        ("ACDA", False),
        ("ABDA", False),
        ("ASTRA", True),  # s + the onset tr
        ("ALTTA", True),
        ("ATSCA", False),  # t cannot close a syllable before sc
        ("ANTSA", False),
        ("ANSTRA", False),  # four consonants in a row
        ("ASSSSA", False),
        ("STOA", True),  # two runs: an onset, then two vowels
        ("TSAR", False),  # ts opens no French syllable
        ("BOUAB", False),  # three vowels in a row
        ("SPART", True),  # rt closes a word
        ("SPARB", False),
        ("ABCD", False),
    ],
)
def test_a_sigle_is_read_as_a_word_only_when_its_consonants_fall_between_syllables(sigle, word):
    from bulletin.text.letters_fr import reads_as_word

    assert reads_as_word(sigle) is word


@pytest.mark.parametrize(
    ("number", "masculine", "feminine", "plural"),
    [
        (1, "premier", "première", "premiers"),
        (2, "deuxième", "deuxième", "deuxièmes"),
        (21, "vingt et unième", "vingt et unième", "vingt et unièmes"),
        (80, "quatre-vingtième", "quatre-vingtième", "quatre-vingtièmes"),
        (1000, "millième", "millième", "millièmes"),
        (10**6, "millionième", "millionième", "millionièmes"),
        (10**9, "milliardième", "milliardième", "milliardièmes"),
        (10**12, "billionième", "billionième", "billionièmes"),
        (2 * 10**6, "deux millionième", "deux millionième", "deux millionièmes"),
        (10**7, "dix millionième", "dix millionième", "dix millionièmes"),
    ],
)
def test_ordinals_of_round_numbers_lose_their_un(number, masculine, feminine, plural):
    from bulletin.text.numbers_fr import ordinal

    assert ordinal(number) == masculine
    assert ordinal(number, feminine=True) == feminine
    assert ordinal(number, plural=True) == plural


@pytest.mark.parametrize(
    ("integer", "fraction", "spoken"),
    [
        ("0", "5", "zéro virgule cinq"),
        ("", "5", "zéro virgule cinq"),
        ("3", "05", "trois virgule zéro cinq"),
        ("3", "005", "trois virgule zéro zéro cinq"),
        ("3", "50", "trois virgule cinquante"),
        ("3", "123", "trois virgule cent vingt-trois"),
        ("3", "1234", "trois virgule un deux trois quatre"),  # past three decimals, digit by digit
        ("12", "000", "douze virgule zéro zéro zéro"),
    ],
)
def test_decimals_are_said_as_a_newsreader_says_them(integer, fraction, spoken):
    from bulletin.text.numbers_fr import decimal

    assert decimal(integer, fraction) == spoken


@pytest.mark.parametrize(
    ("hours", "minutes", "spoken"),
    [
        (1, None, "une heure"),
        (2, None, "deux heures"),
        (3, 5, "trois heures cinq"),
        (21, 30, "vingt et une heures trente"),
    ],
)
def test_clock_times_agree_heure_with_the_hour(hours, minutes, spoken):
    from bulletin.text.numbers_fr import clock

    assert clock(hours, minutes) == spoken


@pytest.mark.parametrize(
    ("sigle", "spelled"), [("ÉTÉ", "é té é"), ("ĀB", "a bé"), ("ÇA", "cé a"), ("OTSC", "o té esse cé")]
)
def test_a_sigle_is_spelled_with_french_letter_names(sigle, spelled):
    from bulletin.text.letters_fr import spell

    assert spell(sigle) == spelled


@pytest.mark.parametrize(("text", "value"), [("XIV", 14), ("MMXXVI", 2026), ("", None), ("IIII", None), ("ABC", None)])
def test_roman_numerals_are_read_only_when_well_formed(text, value):
    from bulletin.text.numbers_fr import roman_value

    assert roman_value(text) == value


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("le 2nd tour", "le second tour"),
        ("la 2nde place", "la seconde place"),
        ("les 2nds rôles", "les seconds rôles"),
        ("les 2ndes places", "les secondes places"),
        ("le 3è jour", "le troisième jour"),
        ("le 3ème jour", "le troisième jour"),
        ("les 3èmes places", "les troisièmes places"),
        ("la 1re fois", "la première fois"),
        ("la 1ère fois", "la première fois"),
        ("les 2es", "les deuxièmes"),
    ],
)
def test_ordinal_suffixes_give_gender_and_number(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("à 12h30.", "à midi trente."),
        ("à 0h01.", "à minuit une."),  # minutes agree with "minute"
        ("à 12h21.", "à midi vingt et une."),
    ],
)
def test_minutes_after_noon_and_midnight_are_feminine(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("12,50 €", "douze euros cinquante"),
        ("1,00 €", "un euro"),
        ("0,50 €", "cinquante centimes"),
        ("1 €", "un euro"),
        ("3 €", "trois euros"),
        ("5 M€", "cinq millions d'euros"),  # d' before a vowel
        ("3 M$", "trois millions de dollars"),
        ("5 Md$", "cinq milliards de dollars"),
        ("2,5 M€", "deux virgule cinq millions d'euros"),
        ("1,5 k€", "un virgule cinq mille euros"),
        ("-3 M€", "moins trois millions d'euros"),
    ],
)
def test_amounts_of_money(written, spoken):
    assert say(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("1/1000 de seconde", "un millième de seconde"),
        ("1/100 des voix", "un centième des voix"),
        ("999/1000", "neuf cent quatre-vingt-dix-neuf sur mille"),  # no noun after it: a score
        ("3/3 des voix", "trois sur trois des voix"),  # not a fraction below one
        ("0/5", "zéro sur cinq"),
        ("1/11 des voix", "un sur onze des voix"),  # past tenths only hundredths and thousandths
        ("1/101 des voix", "un sur cent un des voix"),
    ],
)
def test_fractions_only_below_one_and_with_a_noun(written, spoken):
    assert say(written) == spoken


def test_negative_numbers_and_huge_ones():
    from bulletin.text.numbers_fr import cardinal

    assert cardinal(-21, True) == "moins vingt et une"
    assert cardinal(-3) == "moins trois"
    assert cardinal(10**40) == "un " + " ".join(["zéro"] * 40)  # past what num2words says: digit by digit
