"""Spoken normalisation, rule by rule: written French in, what a French newsreader says out."""

from __future__ import annotations

import pytest

from bulletin.errors import BulletinError
from bulletin.text.normalize import (
    FRENCH_ALPHABET,
    load_lexicon,
    outside,
    removed_characters,
    speakable,
    speakable_spans,
)

LEXICON = load_lexicon()
LOWER = "abcdefghijklmnopqrstuvwxyz"
COQUI_ALPHABET = frozenset(
    "abcdefghijklmnopqrstuvwxyzàâæçèéêëîïôœùûüÿ"
    + "abcdefghijklmnopqrstuvwxyzàâæçèéêëîïôœùûüÿ".upper()
    + " !'(),-.:;?«»’…\""
)

CARDINALS = [
    ("0", "zéro"),
    ("7", "sept"),
    ("17", "dix-sept"),
    ("21", "vingt et un"),
    ("71", "soixante et onze"),
    ("80", "quatre-vingts"),
    ("81", "quatre-vingt-un"),
    ("99", "quatre-vingt-dix-neuf"),
    ("101", "cent un"),
    ("180", "cent quatre-vingts"),
    ("200", "deux cents"),
    ("1001", "mille un"),
    ("007", "zéro zéro sept"),
    # Thousands separators: space, no-break space, narrow no-break space, dot.
    ("50 000", "cinquante mille"),
    ("50\u00a0000", "cinquante mille"),
    ("50\u202f000", "cinquante mille"),
    ("3 000 000", "trois millions"),
    ("3 000 000 000", "trois milliards"),
    ("1 500 000", "un million cinq cent mille"),
    ("1.500 soldats", "mille cinq cents soldats"),
    ("50 000 habitants", "cinquante mille habitants"),
    ("200 000", "deux cent mille"),
    # Decimals, negatives, signs.
    ("2,5", "deux virgule cinq"),
    ("0,05", "zéro virgule zéro cinq"),
    ("3,14159", "trois virgule un quatre un cinq neuf"),
    ("12 345,67", "douze mille trois cent quarante-cinq virgule soixante-sept"),
    ("-12", "moins douze"),
    ("+3 %", "plus trois pour cent"),
    ("la version 2.0", "la version deux point zéro"),
    # Large amounts in words.
    ("2,5 milliards", "deux virgule cinq milliards"),
    ("30 millions d'euros", "trente millions d'euros"),
    ("1,2 million d'habitants", "un virgule deux million d'habitants"),
    ("1 million de personnes", "un million de personnes"),
]

GENDER = [
    ("21 personnes", "vingt et une personnes"),
    ("1 personne", "une personne"),
    ("21 victimes", "vingt et une victimes"),
    ("31 femmes", "trente et une femmes"),
    ("41 fois", "quarante et une fois"),
    ("61 semaines", "soixante et une semaines"),
    ("81 minutes", "quatre-vingt-une minutes"),
    ("101 années", "cent une années"),
    ("1 001 nuits", "mille une nuits"),
    ("1 tonne", "une tonne"),
    ("21 autres personnes", "vingt et une autres personnes"),
    ("21 nouvelles victimes", "vingt et une nouvelles victimes"),
    ("21 000 personnes", "vingt et un mille personnes"),  # "un" before "mille" stays masculine
    ("21 ans", "vingt et un ans"),
    ("1 heure", "une heure"),
    ("16 agents", "seize agents"),
]

YEARS_AND_RANGES = [
    ("en 1961", "en mille neuf cent soixante et un"),
    ("en 2006", "en deux mille six"),
    ("1959-2006", "de mille neuf cent cinquante-neuf à deux mille six"),
    ("de 1914-1918", "de mille neuf cent quatorze à mille neuf cent dix-huit"),
    ("1914-18", "de mille neuf cent quatorze à mille neuf cent dix-huit"),
    ("entre 1939-1945", "entre mille neuf cent trente-neuf et mille neuf cent quarante-cinq"),
    ("(1959–2006)", "de mille neuf cent cinquante-neuf à deux mille six"),
    ("10-15 personnes", "dix à quinze personnes"),
    ("le score est de 3-1", "le score est de trois à un"),
    ("les années 80", "les années quatre-vingt"),
    ("page 200", "page deux cent"),
    ("24/7", "vingt-quatre sur sept"),
]

ORDINALS = [
    ("1er", "premier"),
    ("1re", "première"),
    ("1ère", "première"),
    ("1ers", "premiers"),
    ("2e", "deuxième"),
    ("2ème", "deuxième"),
    ("2nde", "seconde"),
    ("3es", "troisièmes"),
    ("10e", "dixième"),
    ("21e", "vingt et unième"),
    ("80e", "quatre-vingtième"),
    ("200e", "deux centième"),
    ("la 1re fois", "la première fois"),
    ("le 2e tour", "le deuxième tour"),
    ("1ᵉʳ", "premier"),
]

ROMAN = [
    ("XXe siècle", "vingtième siècle"),
    ("XXIe siècle", "vingt et unième siècle"),
    ("XIXe siècle", "dix-neuvième siècle"),
    ("XIXᵉ siècle", "dix-neuvième siècle"),
    ("IIIe millénaire", "troisième millénaire"),
    ("la Ve République", "la cinquième République"),
    ("le XVIe arrondissement", "le seizième arrondissement"),
    ("Louis XIV", "Louis quatorze"),
    ("Jean-Paul II", "Jean-Paul deux"),
    ("Napoléon III", "Napoléon trois"),
    ("Benoît XVI", "Benoît seize"),
    ("Pie XII", "Pie douze"),
    ("Elizabeth II", "Elizabeth deux"),
    ("Vatican II", "Vatican deux"),
    ("Charles X", "Charles dix"),
    ("Charles V", "Charles cinq"),
    ("François Ier", "François premier"),
    ("acte III", "acte trois"),
    # Capital I, V, X, C, L, D, M in ordinary words are not numerals.
    ("Iran et Irak", "Iran et Irak"),
    ("Ivan le Terrible", "Ivan le Terrible"),
    ("Victor Hugo", "Victor Hugo"),
    ("la lettre V", "la lettre V"),
    ("Malcolm X", "Malcolm X"),
    ("Le Monde", "Le Monde"),
    ("Ce matin", "Ce matin"),
    ("De Gaulle", "De Gaulle"),
    ("Les Misérables", "Les Misérables"),
    ("Vive la France", "Vive la France"),
]

TIMES_AND_DATES = [
    ("22h29", "vingt-deux heures vingt-neuf"),
    ("22 h 29", "vingt-deux heures vingt-neuf"),
    ("6 h", "six heures"),
    ("14h", "quatorze heures"),
    ("14h00", "quatorze heures"),
    ("0h30", "minuit trente"),
    ("1h05", "une heure cinq"),
    ("21h21", "vingt et une heures vingt et une"),
    ("12:15", "midi quinze"),
    ("10h50 du matin", "dix heures cinquante du matin"),
    ("à 1 h du matin", "à une heure du matin"),
    ("24 heures", "vingt-quatre heures"),
    ("10 janvier 2022", "dix janvier deux mille vingt-deux"),
    ("1er mai 1961", "premier mai mille neuf cent soixante et un"),
    ("le 31 décembre 1999", "le trente et un décembre mille neuf cent quatre-vingt-dix-neuf"),
    ("1er janvier 2000", "premier janvier deux mille"),
    ("10/01/2022", "dix janvier deux mille vingt-deux"),
    ("1/5/2022", "premier mai deux mille vingt-deux"),
    ("25.12.2021", "vingt-cinq décembre deux mille vingt et un"),
    ("2022-01-10", "dix janvier deux mille vingt-deux"),
    ("10/01/22", "dix janvier deux mille vingt-deux"),
]

UNITS_AND_MONEY = [
    ("23,6 %", "vingt-trois virgule six pour cent"),
    ("5 %", "cinq pour cent"),
    ("5%", "cinq pour cent"),
    ("0,5 %", "zéro virgule cinq pour cent"),
    ("2 ‰", "deux pour mille"),
    ("100 km", "cent kilomètres"),
    ("1 km", "un kilomètre"),
    ("1,5 km", "un virgule cinq kilomètre"),
    ("3 m", "trois mètres"),
    ("3m", "trois mètres"),
    ("2 m²", "deux mètres carrés"),
    ("20 km²", "vingt kilomètres carrés"),
    ("500 m3", "cinq cents mètres cubes"),
    ("10 kg", "dix kilogrammes"),
    ("1 t", "une tonne"),
    ("21 t", "vingt et une tonnes"),
    ("20 °C", "vingt degrés Celsius"),
    ("20 ℃", "vingt degrés Celsius"),
    ("-5 °C", "moins cinq degrés Celsius"),
    ("-3,5 °C", "moins trois virgule cinq degrés Celsius"),
    ("40°", "quarante degrés"),
    ("50 km/h", "cinquante kilomètres-heure"),
    ("300 MW", "trois cents mégawatts"),
    ("10 min", "dix minutes"),
    ("30 €", "trente euros"),
    ("1 €", "un euro"),
    ("1,50 €", "un euro cinquante"),
    ("0,50 €", "cinquante centimes"),
    ("2,5 M€", "deux virgule cinq millions d'euros"),
    ("3 Md$", "trois milliards de dollars"),
    ("30 millions €", "trente millions d'euros"),
    ("€ 20", "vingt euros"),
    ("$30", "trente dollars"),
    ("$ 4,5 millions", "quatre virgule cinq millions de dollars"),
    ("100 $", "cent dollars"),
    ("50 £", "cinquante livres"),
    ("1 £", "une livre"),
    ("10 k€", "dix mille euros"),
    ("5 000 CHF", "cinq mille francs suisses"),
    ("le prix en €", "le prix en euros"),
]

ABBREVIATIONS = [
    ("M. Dupont", "monsieur Dupont"),
    ("M. Tokáev", "monsieur Tokaïev"),
    ("MM. Dupont et Durand", "messieurs Dupont et Durand"),
    ("M. et Mme Dupont", "monsieur et madame Dupont"),
    ("Mme Dupont", "madame Dupont"),
    ("Mmes Martin", "mesdames Martin"),
    ("Mlle Durand", "mademoiselle Durand"),
    ("Dr Martin", "docteur Martin"),
    ("Pr Raoult", "professeur Raoult"),
    ("Me Dupond-Moretti", "maître Dupond-Moretti"),
    ("Mgr Lustiger", "monseigneur Lustiger"),
    ("Gén. de Gaulle", "général de Gaulle"),
    ("St-Denis", "Saint-Denis"),
    ("Ste-Foy", "Sainte-Foy"),
    ("n° 5", "numéro cinq"),
    ("nº 12", "numéro douze"),
    ("N° 3", "numéro trois"),
    ("Tome 3, p. 25", "Tome trois, page vingt-cinq"),
    ("art. 49", "article quarante-neuf"),
    ("etc. Puis", "et cétéra. Puis"),
    ("des pommes, des poires, etc., dit-il", "des pommes, des poires, et cétéra, dit-il"),
    ("en 52 av. J.-C. César", "en cinquante-deux avant Jésus-Christ. César"),
    ("vers 400 apr. J.-C., Rome", "vers quatre cents après Jésus-Christ, Rome"),
    ("au IVe siècle av. J.-C.", "au quatrième siècle avant Jésus-Christ."),
    ("env. 300 personnes", "environ trois cents personnes"),
    ("p. ex. les Alpes", "par exemple les Alpes"),
    ("c.-à-d. demain", "c'est-à-dire demain"),
    ("J. K. Rowling", "ji ka Rowling"),
    ("les U.S.A. et l'U.R.S.S. ont", "les u esse a et l'u erre esse esse ont"),
]

SIGLES = [
    ("l'ONU", "l'Onu"),
    ("l'OTAN", "l'Otan"),
    ("l'UNESCO, l'UNICEF et la NASA", "l'Unesco, l'Unicef et la Nasa"),
    ("le MININT et le MINSAP", "le Minint et le Minsap"),
    ("RHC", "erre ache cé"),
    ("l'OTSC", "l'o té esse cé"),
    ("la SNCF", "la esse enne cé effe"),
    ("la RATP", "la erre a té pé"),
    ("le CNRS", "le cé enne erre esse"),
    ("l'OCDE", "l'o cé dé eu"),
    ("le PIB", "le pé i bé"),
    ("la CIA et le FBI", "la cé i a et le effe bé i"),
    ("la BBC", "la bé bé cé"),
    ("l'AFP", "l'a effe pé"),
    ("UNHCR", "u enne ache cé erre"),
    ("les FARC", "les Farc"),
    ("COVID-19", "Covid dix-neuf"),
    ("le G20", "le gé vingt"),
    ("la 5G", "la cinq gé"),
    ("le vol MH17", "le vol emme ache dix-sept"),
    ("un F-16", "un effe seize"),
    ("le CO2", "le cé o deux"),
    ("H1N1", "ache un enne un"),
    ("PARIS, 3 mai", "paris, trois mai"),
    ("LE PRÉSIDENT KAZAKH CONFIRME", "le président kazakh confirme"),
]

LETTERS_AND_PUNCTUATION = [
    ("Tokáev", "Tokaïev"),
    ("Almatý", "Almati"),
    ("Aktobé", "Aktobé"),
    ("Noursoultan", "Noursoultane"),
    ("Kasim-Yomart Tokáev", "Kassym-Jomart Tokaïev"),
    ("São Paulo", "Sao Paulo"),
    ("Gdańsk", "Gdansk"),
    ("Łódź", "Lodz"),
    ("Dvořák", "Dvorak"),
    ("Erdoğan", "Erdogan"),
    ("Straße", "Strasse"),
    ("Søren", "Soren"),
    ("Ñandú", "Nandu"),
    ("Путин", "Poutin"),
    ("Αθήνα", "Athina"),
    ("«Bonjour», dit-il.", "Bonjour, dit-il."),
    ("Il a dit : « C'est fini ».", "Il a dit: C'est fini."),
    ("Le chef — un homme discret — a parlé.", "Le chef, un homme discret, a parlé."),
    ("Le chef - un homme discret - a parlé.", "Le chef, un homme discret, a parlé."),
    ("Il hésite... puis part.", "Il hésite, puis part."),
    ("Il hésite… Puis il part.", "Il hésite. Puis il part."),
    ("Il part (enfin).", "Il part, enfin."),
    ("« Je pars (…) demain »", "Je pars demain"),
    ("C’est l’heure", "C'est l'heure"),
    ("A&B", "A et B"),
    ("Canal+", "Canal plus"),
    ("#Kazakhstan", "hashtag Kazakhstan"),
    ("Bonjour 🙂 à tous", "Bonjour à tous"),
]

WEB = [
    ("voir https://www.radiohc.cu/fr/noticias et la suite", "voir radiohc point cu et la suite"),
    ("<https://www.radiohc.cu/fr/noticias>", "radiohc point cu"),
    ("écrivez à contact@rfi.fr demain", "écrivez à contact arobase rfi point fr demain"),
    ("sur le site radiohc.cu", "sur le site radiohc point cu"),
]

ALL_CASES = (
    CARDINALS
    + GENDER
    + YEARS_AND_RANGES
    + ORDINALS
    + ROMAN
    + TIMES_AND_DATES
    + UNITS_AND_MONEY
    + ABBREVIATIONS
    + SIGLES
    + LETTERS_AND_PUNCTUATION
    + WEB
)


@pytest.mark.parametrize(("written", "spoken"), ALL_CASES)
def test_spoken_form(written, spoken):
    assert speakable(written, FRENCH_ALPHABET, LEXICON) == spoken


@pytest.mark.parametrize(("written", "spoken"), ALL_CASES)
def test_spoken_form_is_settled(written, spoken):
    assert speakable(spoken, FRENCH_ALPHABET, LEXICON) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("« Bonjour », dit-il.", "« Bonjour », dit-il."),
        ('à "une tentative de coup d\'État" et que', "à « une tentative de coup d'État » et que"),
        ('" Pendant des jours. Elle est", a-t-il dit', "« Pendant des jours. Elle est », a-t-il dit"),
        ("Il hésite... puis part.", "Il hésite… puis part."),
        ("C’est l’heure", "C'est l'heure"),
    ],
)
def test_voice_with_french_quotes_and_ellipsis_keeps_them(written, spoken):
    assert speakable(written, COQUI_ALPHABET, LEXICON) == spoken


@pytest.mark.parametrize(
    ("written", "alphabet", "spoken"),
    [
        ("L'État a dit : « Non ! » (vraiment)", frozenset(LOWER + "éèàç "), "létat a dit non vraiment"),
        ("Le 1er mai, 21 personnes.", frozenset(LOWER + " ."), "le premier mai vingt et une personnes."),
        ("Vraiment ? Oui ; non : peut-être !", frozenset(LOWER + " .,"), "vraiment. oui, non, peut etre."),
        ("Élodie (la sœur)", frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ()"), "Elodie (la soeur)"),
    ],
)
def test_degrades_to_what_the_alphabet_has(written, alphabet, spoken):
    result = speakable(written, alphabet)
    assert result == spoken
    assert not outside(result, alphabet)


def test_say_urls_option_says_the_host():
    text = "Lire sur https://www.radiohc.cu/fr/noticias/282355 ou écrire à info@rfi.fr."
    spoken = "Lire sur radiohc point cu ou écrire à info arobase rfi point fr."
    assert speakable(text, FRENCH_ALPHABET, say_urls=True) == spoken


def test_without_lexicon_sigles_are_still_said():
    assert speakable("L'OTSC et la NASA") == "L'o té esse cé et la nasa"


def test_lexicon_wins_over_the_other_rules_and_is_case_sensitive():
    lexicon = {"ONU": "Onu", "G7": "gé sept pays"}
    assert speakable("l'ONU, le G7 et Onuville", lexicon=lexicon) == "l'Onu, le gé sept pays et Onuville"


def test_outside_counts_characters_missing_from_the_alphabet():
    assert outside("a1é€", frozenset("aé")) == {"1": 1, "€": 1}


def test_bundled_lexicon_has_the_example_names_and_sigles():
    for written in (
        "Almatý",
        "Aktobé",
        "Noursoultan",
        "Tokáev",
        "Kasim-Yomart",
        "ONU",
        "OTAN",
        "UNESCO",
        "MININT",
        "MINSAP",
        "UNICEF",
        "NASA",
    ):
        assert written in LEXICON
    assert all(not any(c.isdigit() for c in spoken) for spoken in LEXICON.values())


def test_user_lexicon_overrides_the_bundled_one(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('"ONU" = "o enne u"\n[noms]\n"Tokáev" = "Tokaïeff"\n', encoding="utf-8")
    lexicon = load_lexicon(user)
    assert lexicon["ONU"] == "o enne u" and lexicon["Tokáev"] == "Tokaïeff"
    assert lexicon["OTAN"] == "Otan"
    assert speakable("M. Tokáev à l'ONU", lexicon=lexicon) == "monsieur Tokaïeff à l'o enne u"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('"ONU" = \n', "not valid TOML"),
        ('"ONU" = 3\n', "must be a string"),
        ('"ONU" = ""\n', "empty"),
        ('"ONG" = "o enne gé"\n"X" = "les ONG"\n', "contains"),
        ('"A320" = "a 320"\n', "numbers in words"),
        ('"Paris" = "Paris centre"\n', "must not contain"),
    ],
)
def test_bad_user_lexicon_is_one_line_naming_the_file(tmp_path, content, problem):
    user = tmp_path / "bad.toml"
    user.write_text(content, encoding="utf-8")
    with pytest.raises(BulletinError) as error:
        load_lexicon(user)
    message = str(error.value)
    assert "bad.toml" in message and problem in message and "\n" not in message


def test_missing_user_lexicon_is_a_bulletin_error(tmp_path):
    with pytest.raises(BulletinError, match="no such lexicon file"):
        load_lexicon(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"ONU" = 3\n', "ONU must be a string (the spoken form), not 3"),
        ('[noms]\n"ONU" = 3\n', "noms.ONU must be a string (the spoken form), not 3"),
        (
            '"ONG" = "o enne gé"\n"X" = "les ONG"\n',
            "'X' = 'les ONG' contains 'ONG', itself an entry; spell it the way it is said",
        ),
    ],
)
def test_a_bad_user_lexicon_says_which_entry_and_why(tmp_path, content, message):
    user = tmp_path / "bad.toml"
    user.write_text(content, encoding="utf-8")
    with pytest.raises(BulletinError) as error:
        load_lexicon(user)
    assert str(error.value) == f"{user}: {message}"


def test_a_lexicon_that_is_not_utf8_is_one_line(tmp_path):
    user = tmp_path / "latin1.toml"
    user.write_bytes('"Besançon" = "Bezançon"\n'.encode("latin-1"))
    with pytest.raises(BulletinError) as error:
        load_lexicon(user)
    assert str(error.value).startswith(f"{user}: cannot read the lexicon (")
    assert str(error.value).endswith("); give a UTF-8 TOML file")


LOWER_ONLY = frozenset("abcdefghijklmnopqrstuvwxyz .,'-")
UPPER_ONLY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ .,'-")


@pytest.mark.parametrize(
    ("char", "alphabet", "closest"),
    [
        ("É", frozenset("é .,"), "é"),  # its own lower case
        ("É", UPPER_ONLY, "E"),  # its base letter
        ("É", LOWER_ONLY, "e"),  # its base letter, lowered
        ("Ô", UPPER_ONLY, "O"),
        ("œ", LOWER_ONLY, "oe"),
        ("Œ", LOWER_ONLY, "oe"),
        ("Œ", frozenset("Oe .,"), "Oe"),
        ("æ", LOWER_ONLY, "ae"),
        ("Æ", LOWER_ONLY, "ae"),
        ("Æ", frozenset("Ae .,"), "Ae"),
        ("東", LOWER_ONLY, " "),  # nothing close: a space (and counted as removed)
    ],
)
def test_a_letter_outside_the_voice_alphabet_becomes_the_closest_it_has(char, alphabet, closest):
    from bulletin.text.pauses import _closest

    assert _closest(char, alphabet) == closest


@pytest.mark.parametrize(
    ("written", "spoken", "rewrites", "removed"),
    [
        ("Il a ٣ ans.", "Il a trois ans.", [("٣", "trois", "number")], {}),  # an Arabic-Indic digit
        ("Il\u00a0part\u2003demain.", "Il part demain.", [("\u00a0", " ", "unicode"), ("\u2003", " ", "unicode")], {}),
        ("e\u0301té", "été", [("e\u0301", "é", "unicode")], {}),  # a combining accent joined to its letter
        ("A\u200db.", "Ab.", [("\u200d", "", "removed")], {}),  # a format character: nothing said, nothing lost
        ("Un\x07deux.", "Un deux.", [("\x07", " ", "removed")], {"\x07": 1}),  # a control code: counted
        ("Un¡deux.", "Un, deux.", [("¡", ", ", "punctuation")], {}),
        ("J. Martin", "ji Martin", [("J.", "ji", "abbreviation")], {}),
        ("Il fait 3 km.", "Il fait trois kilomètres.", [("3 km", "trois kilomètres", "unit")], {}),
        ("En km.", "En kilomètres.", [("km", "kilomètres", "unit")], {}),
        (
            "Le n° 5 ½",
            "Le numéro cinq et demi",
            [("n°", "numéro", "abbreviation"), ("5 ½", "cinq et demi", "fraction")],
            {},
        ),
        ("Il y a 5 $.", "Il y a cinq dollars.", [("5 $", "cinq dollars", "currency")], {}),
        (
            "l'OTAN à 10 %.",
            "l'Otan à dix pour cent.",
            [("OTAN", "Otan", "lexicon"), ("10 %", "dix pour cent", "unit")],
            {},
        ),
        ("Bonjour. il part.", "Bonjour. Il part.", [("i", "I", "case")], {}),
        ("\x1b[31mRouge\x1b[0m", "Rouge", [("\x1b[31m", "", "removed"), ("\x1b[0m", "", "removed")], {"\x1b": 2}),
    ],
)
def test_each_rewrite_names_the_rule_that_made_it(written, spoken, rewrites, removed):
    """The span map (script.json, the studio's highlighting) says which rule changed what."""
    said, found = speakable_spans(written, FRENCH_ALPHABET, LEXICON)
    assert said == spoken
    assert [(r.written, r.spoken, r.rule) for r in found] == rewrites
    assert dict(removed_characters(written, FRENCH_ALPHABET, LEXICON)) == removed
