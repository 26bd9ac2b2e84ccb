"""Whole news paragraphs (written for these tests from public facts) and the bundled example, as spoken."""

from __future__ import annotations

import re

import pytest

from bulletin.text.article import read_article
from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, outside, speakable
from bulletin.text.segment import build_script

LEXICON = load_lexicon()

PARAGRAPHS = [
    (
        "Les Jeux olympiques de Paris se sont ouverts le vendredi 26 juillet 2024 par une cérémonie sur "
        "la Seine. Quelque 10 500 athlètes de 206 comités nationaux se disputent 329 épreuves jusqu'au 11"
        " août, 100 ans après les Jeux de 1924.",
        "Les Jeux olympiques de Paris se sont ouverts le vendredi vingt-six juillet deux mille vingt-"
        "quatre par une cérémonie sur la Seine. Quelque dix mille cinq cents athlètes de deux cent six "
        "comités nationaux se disputent trois cent vingt-neuf épreuves jusqu'au onze août, cent ans après"
        " les Jeux de mille neuf cent vingt-quatre.",
    ),
    (
        "La cathédrale Notre-Dame de Paris a rouvert ses portes le 7 décembre 2024, cinq ans et demi "
        "après l'incendie du 15 avril 2019. Le chantier a mobilisé près de 2 000 personnes et quelque 846"
        " M€ de dons venus de 150 pays.",
        "La cathédrale Notre-Dame de Paris a rouvert ses portes le sept décembre deux mille vingt-quatre,"
        " cinq ans et demi après l'incendie du quinze avril deux mille dix-neuf. Le chantier a mobilisé "
        "près de deux mille personnes et quelque huit cent quarante-six millions d'euros de dons venus de"
        " cent cinquante pays.",
    ),
    (
        "Un séisme de magnitude 7,8 a frappé le sud de la Turquie et le nord de la Syrie le 6 février "
        "2023 à 4h17 heure locale. Selon les bilans officiels, plus de 50 000 personnes ont perdu la vie "
        "dans les deux pays.",
        "Un séisme de magnitude sept virgule huit a frappé le sud de la Turquie et le nord de la Syrie le"
        " six février deux mille vingt-trois à quatre heures dix-sept heure locale. Selon les bilans "
        "officiels, plus de cinquante mille personnes ont perdu la vie dans les deux pays.",
    ),
    (
        "Le 21 juillet 1969, à 3h56 heure de Paris, Neil Armstrong est devenu le 1er homme à marcher sur "
        "la Lune. La mission Apollo 11 de la NASA avait décollé le 16 juillet de Cap Canaveral, en "
        "Floride.",
        "Le vingt et un juillet mille neuf cent soixante-neuf, à trois heures cinquante-six heure de "
        "Paris, Neil Armstrong est devenu le premier homme à marcher sur la Lune. La mission Apollo onze "
        "de la Nasa avait décollé le seize juillet de Cap Canaveral, en Floride.",
    ),
    (
        "Louis XIV a régné de 1643 à 1715, soit 72 ans, le plus long règne de l'histoire de France. Le "
        "Roi-Soleil a fait de Versailles, à une vingtaine de km de Paris, le cœur du pouvoir au XVIIe "
        "siècle.",
        "Louis quatorze a régné de mille six cent quarante-trois à mille sept cent quinze, soit soixante-"
        "douze ans, le plus long règne de l'histoire de France. Le Roi-Soleil a fait de Versailles, à une"
        " vingtaine de kilomètres de Paris, le cœur du pouvoir au dix-septième siècle.",
    ),
    (
        "Selon l'INSEE, l'inflation a atteint 5,2 % en moyenne en 2022 en France, après 1,6 % en 2021. "
        "Sur un an, la hausse des prix a culminé à 6,2 % en octobre et en novembre 2022.",
        "Selon l'Insé, l'inflation a atteint cinq virgule deux pour cent en moyenne en deux mille vingt-"
        "deux en France, après un virgule six pour cent en deux mille vingt et un. Sur un an, la hausse "
        "des prix a culminé à six virgule deux pour cent en octobre et en novembre deux mille vingt-deux.",
    ),
    (
        "L'accord de Paris sur le climat a été adopté le 12 décembre 2015 lors de la COP21 par 195 pays. "
        "Il vise à contenir le réchauffement « nettement en dessous de 2 °C » et à poursuivre les efforts"
        " pour le limiter à 1,5 °C.",
        "L'accord de Paris sur le climat a été adopté le douze décembre deux mille quinze lors de la Cop "
        "vingt et un par cent quatre-vingt-quinze pays. Il vise à contenir le réchauffement nettement en "
        "dessous de deux degrés Celsius et à poursuivre les efforts pour le limiter à un virgule cinq "
        "degré Celsius.",
    ),
    (
        "La tempête Ciarán a balayé le nord-ouest de la France dans la nuit du 1er au 2 novembre 2023. "
        "Des rafales de 207 km/h ont été relevées à la pointe du Raz, dans le Finistère, et quelque 1,2 "
        "million de foyers ont été privés d'électricité.",
        "La tempête Ciaran a balayé le nord-ouest de la France dans la nuit du premier au deux novembre "
        "deux mille vingt-trois. Des rafales de deux cent sept kilomètres-heure ont été relevées à la "
        "pointe du Raz, dans le Finistère, et quelque un virgule deux million de foyers ont été privés "
        "d'électricité.",
    ),
    (
        "Les troubles de janvier 2022 au Kazakhstan ont fait au moins 225 morts, selon le parquet "
        "général. L'OTSC a déployé quelque 2 000 soldats à la demande du président Tokáev, avant "
        "d'achever son retrait le 19 janvier.",
        "Les troubles de janvier deux mille vingt-deux au Kazakhstan ont fait au moins deux cent vingt-"
        "cinq morts, selon le parquet général. L'o té esse cé a déployé quelque deux mille soldats à la "
        "demande du président Tokaïev, avant d'achever son retrait le dix-neuf janvier.",
    ),
    (
        "Le ministère cubain de la Santé publique (MINSAP) a indiqué que plus de 90 % de la population "
        "avait reçu au moins une dose des vaccins Abdala et Soberana 02, mis au point à Cuba.",
        "Le ministère cubain de la Santé publique, Minsap, a indiqué que plus de quatre-vingt-dix pour "
        "cent de la population avait reçu au moins une dose des vaccins Abdala et Soberana zéro deux, mis"
        " au point à Cuba.",
    ),
    (
        "Le projet de loi de finances pour 2024 prévoit un déficit public de 4,4 % du PIB, soit environ "
        "144 milliards d'euros. M. Le Maire a présenté le texte le 27 septembre 2023 en Conseil des "
        "ministres.",
        "Le projet de loi de finances pour deux mille vingt-quatre prévoit un déficit public de quatre "
        "virgule quatre pour cent du pé i bé, soit environ cent quarante-quatre milliards d'euros. "
        "Monsieur Le Maire a présenté le texte le vingt-sept septembre deux mille vingt-trois en Conseil "
        "des ministres.",
    ),
    (
        "Kylian Mbappé a inscrit un triplé en finale de la Coupe du monde 2022, le 18 décembre au Qatar, "
        "dont 2 buts en 97 secondes, à la 80e et à la 81e minute. L'Argentine s'est imposée aux tirs au "
        "but (3-3, 4 tirs à 2).",
        "Kylian Mbappé a inscrit un triplé en finale de la Coupe du monde deux mille vingt-deux, le dix-"
        "huit décembre au Qatar, dont deux buts en quatre-vingt-dix-sept secondes, à la quatre-vingtième "
        "et à la quatre-vingt-unième minute. L'Argentine s'est imposée aux tirs au but, trois à trois, "
        "quatre tirs à deux.",
    ),
]


@pytest.mark.parametrize(("written", "spoken"), PARAGRAPHS)
def test_paragraph_is_read_as_a_newsreader_reads_it(written, spoken):
    assert speakable(written, FRENCH_ALPHABET, LEXICON) == spoken


def test_example_article_is_fully_speakable(example_article):
    article = read_article(example_article)
    script = build_script(article, lambda text: speakable(text, FRENCH_ALPHABET, LEXICON))
    spoken = " ".join(segment.text for segment in script.segments)
    assert not re.search(r"\d", spoken)
    assert "seize agents" in spoken
    assert "o té esse cé" in spoken and "OTSC" not in spoken
    assert "Tokaïev" in spoken and "Almati" in spoken
    assert not outside(spoken, FRENCH_ALPHABET)
    for segment in script.segments:
        assert not outside(segment.text, FRENCH_ALPHABET)
