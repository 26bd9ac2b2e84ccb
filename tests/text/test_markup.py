"""Markup and control codes in a text article are never spoken; what the normaliser drops is known (issue 13, 4-5)."""

from __future__ import annotations

import pytest

from bulletin.text.article import parse_article
from bulletin.text.html_text import html_to_text, looks_like_html
from bulletin.text.normalize import FRENCH_ALPHABET, removed_characters, speakable, speakable_spans


@pytest.mark.parametrize(
    "text",
    [
        "<p>Un paragraphe.</p>",
        "<div class='x'>Texte</div>",
        "<!DOCTYPE html><html></html>",
        "Bonjour <script>alert(1)</script>",
        "<!-- commentaire --> texte",
        "Un <b>gras</b> ici",
    ],
)
def test_html_markup_is_recognised(text):
    assert looks_like_html(text)


@pytest.mark.parametrize("text", ["3 < 4 et 5 > 2", "R&D à Paris", "<3 les fans", "a <= b", "«Paris»", "<Paris>"])
def test_plain_text_is_not_taken_for_html(text):
    assert not looks_like_html(text)


def test_html_to_text_keeps_blocks_and_drops_scripts_styles_and_noscript():
    html = (
        "<html><head><title>Le titre</title><style>p{color:red}</style><script>var a=1;</script></head>"
        "<body><nav>Menu Accueil</nav><h1>Le titre</h1><p>Premier <i>paragraphe</i>.</p>"
        "<noscript>Activez JS</noscript><div>Second paragraphe.</div><!-- note -->"
        "<script>track()</script></body></html>"
    )
    text = html_to_text(html)
    for gone in ("color", "var a", "Activez", "track", "note", "Menu", "<"):
        assert gone not in text
    article = parse_article(text)
    assert article.title == "Le titre"
    assert article.paragraphs == ("Premier paragraphe.", "Second paragraphe.")


def test_an_html_fragment_in_a_text_article_is_stripped():
    article = parse_article("Titre\n\nLe <b>maire</b> a <a href='x'>parlé</a>.<br>Fin.\n\n<script>x()</script>Suite.")
    spoken = " ".join(article.paragraphs)
    assert "<" not in spoken and "x()" not in spoken and "href" not in spoken
    assert "Le maire a parlé." in spoken and "Suite." in spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("Le \x1b[31mrouge\x1b[0m vif", "Le rouge vif"),
        ("Un \x1b[1;32;40mtexte\x1b[m", "Un texte"),
        ("Titre\x1b]0;fenêtre\x07 suite", "Titre suite"),
        ("Bip\x07 et\x00 nul\x7f", "Bip et nul"),
        ("tab\tet\x0bvertical\x0cpage", "tab et vertical page"),
    ],
)
def test_control_codes_and_escape_sequences_are_removed_never_read(written, spoken):
    assert speakable(written, FRENCH_ALPHABET) == spoken


@pytest.mark.parametrize(
    ("written", "removed"),
    [
        ("Il a dit 東京 hier", {"東": 1, "京": 1}),
        ("salam مرحبا", {c: 1 for c in "مرحبا"}),
        ("shalom שלום", {c: 1 for c in "שלום"}),
        ("bravo 🙂🙂 !", {"🙂": 2}),
        ("rouge \x1b[31m ici", {"\x1b": 1}),
        ("Tokáev à Almatý, Σ et ж", {}),  # letters with a French reading are said, not removed
        ("le 1er mai, 3,5 %", {}),
    ],
)
def test_what_the_normaliser_removes_is_counted(written, removed):
    assert dict(removed_characters(written, FRENCH_ALPHABET)) == removed


def test_removed_text_shows_in_the_span_map_as_a_removed_rewrite():
    spoken, rewrites = speakable_spans("Il a dit 東京 hier.", FRENCH_ALPHABET)
    assert spoken == "Il a dit hier."
    gone = [r for r in rewrites if r.rule == "removed"]
    assert gone and "東京" in gone[0].written and gone[0].spoken == ""


def test_an_html_page_title_becomes_the_title_and_an_empty_one_is_ignored():
    page = "<html><head><title> Le  Titre </title></head><body><p>Texte.</p><br><br><br><p>Suite.</p></body></html>"
    assert html_to_text(page) == "# Le Titre\n\nTexte.\n\nSuite.\n"
    assert html_to_text("<head><title></title></head><body><p>Texte.</p></body>") == "Texte.\n"


def test_markup_lxml_cannot_parse_still_loses_its_tags():
    assert html_to_text("<!-- rien -->") == " "
