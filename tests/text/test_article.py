"""Article parsing: the reference format, plain text, markdown, and every unusable file."""

from __future__ import annotations

import pytest

from bulletin.errors import ArticleError
from bulletin.text.article import parse_article, read_article, split_dateline


def test_reference_article_parts(example_article):
    article = read_article(example_article)
    assert article.title == "Le président kazakh confirme que son pays a fait face à une tentative de coup d'État"
    assert article.dateline == "Astana, 10 janvier"
    assert article.agency == "RHC"
    assert article.lead.startswith("Le président du Kazakhstan, Kasim-Yomart Tokáev, a assuré ce lundi")
    assert len(article.paragraphs) == 8
    assert article.paragraphs[-1].startswith("Des manifestations massives ont d'abord éclaté")
    assert article.source == "RT"
    assert article.url.startswith("https://www.radiohc.cu/fr/noticias/")
    assert article.site == "Radio Habana Cuba"


def test_reference_article_drops_link_footer_and_decoration(example_article):
    article = read_article(example_article)
    text = " ".join((article.title, *article.paragraphs))
    for unwanted in ("http", "radiohc", "Radio Habana Cuba", "**", "---", "(RT)", "# "):
        assert unwanted not in text


def test_plain_text_first_line_is_title(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text(
        "Grève à la SNCF\n\nLes trains ne circulent pas ce mardi.\nLa direction appelle au calme.\n\nSuite demain.\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.title == "Grève à la SNCF"
    # hard-wrapped lines of one paragraph are joined
    assert article.paragraphs == (
        "Les trains ne circulent pas ce mardi. La direction appelle au calme.",
        "Suite demain.",
    )
    assert article.dateline == ""


def test_markdown_links_emphasis_and_headings(tmp_path):
    path = tmp_path / "story.md"
    path.write_text(
        "# **Séisme** au *Japon*\n\n![photo](img.png)\n\n"
        "Tokyo (AFP) - Un séisme a frappé [le nord](https://x.jp) du pays.\n\n"
        "## Les secours\n\nLes _secours_ sont sur place.\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.title == "Séisme au Japon"
    assert article.dateline == "Tokyo"
    assert article.agency == "AFP"
    assert article.paragraphs == ("Un séisme a frappé le nord du pays.", "Les secours sont sur place.")


@pytest.mark.parametrize(
    ("lead", "dateline", "agency", "rest"),
    [
        ("Astana, 10 janvier (RHC) Le président a parlé.", "Astana, 10 janvier", "RHC", "Le président a parlé."),
        (
            "PARIS, 3 mai 2024 (AFP) - Le gouvernement a annoncé.",
            "PARIS, 3 mai 2024",
            "AFP",
            "Le gouvernement a annoncé.",
        ),
        (
            "La Havane, 1er mai (PL) Des milliers de personnes.",
            "La Havane, 1er mai",
            "PL",
            "Des milliers de personnes.",
        ),
        ("Genève (ATS) - Les négociations reprennent.", "Genève", "ATS", "Les négociations reprennent."),
        ("Le président a parlé lundi.", "", "", "Le président a parlé lundi."),
        ("Selon la police, trois blessés.", "", "", "Selon la police, trois blessés."),
    ],
)
def test_split_dateline(lead, dateline, agency, rest):
    assert split_dateline(lead) == (dateline, agency, rest)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"   \n\n \n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"# Un titre seul\n", "no body text"),
        (b"---\n\n<https://example.org/a>\n", "no text to read"),
    ],
)
def test_unusable_files_give_one_clear_error(tmp_path, content, message):
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=message) as caught:
        read_article(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ArticleError, match="no such file"):
        read_article(tmp_path / "missing.txt")
    with pytest.raises(ArticleError, match="directory"):
        read_article(tmp_path)


def test_latin1_file_is_read(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Météo\n\nIl fera beau à Besançon.".encode("cp1252"))
    assert read_article(path).paragraphs == ("Il fera beau à Besançon.",)


def test_source_line_forms():
    article = parse_article("Titre\n\nUn paragraphe.\n\nSource : Reuters\n")
    assert article.source == "Reuters"
    assert article.paragraphs == ("Un paragraphe.",)


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_one_clear_error(tmp_path):
    path = tmp_path / "article.txt"
    path.write_bytes(b"Titre\n\nUn caract\x81re inconnu et \xe9 seul.")
    with pytest.raises(ArticleError) as raised:
        read_article(path)
    assert str(raised.value) == f"{path}: is not UTF-8 text; save the article as UTF-8 and retry"


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Titre seul", {"title": "Titre seul", "paragraphs": ("Titre seul",), "flash": True}),  # a flash said once
        ("Titre\nsa phrase unique.", {"title": "Titre", "paragraphs": ("sa phrase unique.",), "flash": False}),
        ("Titre\nligne deux\nligne trois", {"title": "Titre", "paragraphs": ("ligne deux ligne trois",)}),
        (
            "# Titre\n\n## Sous-titre\n\nTexte un.\n\n**Radio Test**",
            {"title": "Titre", "paragraphs": ("Texte un.",), "site": "Radio Test", "flash": False},
        ),
        ("Titre\n\nTexte.\n\nSource : AFP", {"title": "Titre", "paragraphs": ("Texte.",), "source": "AFP"}),
    ],
)
def test_the_parts_of_a_plain_or_markdown_article(text, fields):
    article = parse_article(text)
    assert {name: getattr(article, name) for name in fields} == fields


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the article is empty: it has no text to read; give a file with a title and a paragraph"),
        ("  \n\n", "the article is empty: it has no text to read; give a file with a title and a paragraph"),
        ("# Titre", "the article has a title but no body text; add at least one paragraph"),
    ],
)
def test_an_article_without_text_is_one_clear_error(text, message):
    with pytest.raises(ArticleError) as raised:
        parse_article(text)
    assert str(raised.value) == message


def test_an_ssml_document_given_as_text_is_read_as_one():
    """`bulletin generate -` with an SSML document on stdin: the same article as the .ssml file."""
    article = parse_article('<?xml version="1.0"?>\n<speak><p>Titre</p><p>Texte.</p></speak>')
    assert (article.title, article.paragraphs, article.ssml) == ("Titre", ("Texte.",), True)
    with pytest.raises(ArticleError) as raised:
        parse_article('<speak><meta name="x"/></speak>')
    assert str(raised.value) == "the SSML document has no text to read; give it a <p> title and a <p> paragraph"


def test_windows_and_old_mac_line_ends_markdown_bullets_quotes_and_emphasis():
    article = parse_article("# Titre\r\n\r\n- une puce\r\rSuite\n\n> une citation\n\n***Gras*** et _fin_.")
    assert article.title == "Titre"
    assert article.paragraphs == ("une puce", "Suite", "une citation", "Gras et fin.")


def test_a_title_with_markup_keeps_it_for_the_voice_and_shows_plain_text():
    article = parse_article('Le <sub alias="titre">TITRE</sub>  du jour\n\nTexte.')
    assert (article.title, article.title_markup) == ("Le TITRE du jour", 'Le <sub alias="titre">TITRE</sub> du jour')


def test_a_tag_spanning_a_blank_line_names_its_paragraph():
    with pytest.raises(ArticleError) as raised:
        parse_article('Titre\n\nUn.\n\nUn <sub alias="x">deux\n\ntrois</sub>.')
    assert str(raised.value) == "paragraph 3: an SSML tag spans a blank line; open and close it in one paragraph"


def test_a_dateline_without_agency_has_none():
    article = parse_article("Titre\n\nParis, 25 novembre – Texte.")
    assert (article.dateline, article.agency, article.paragraphs[0]) == ("Paris, 25 novembre", "", "Texte.")
