"""Segmentation: broadcast-sized segments, never cut mid-sentence, abbreviations respected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.text.article import Article, read_article
from bulletin.text.segment import build_script, split_paragraph, split_sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Il pleut. Il vente.", ["Il pleut.", "Il vente."]),
        ("M. Dupont est arrivé. Il parle.", ["M. Dupont est arrivé.", "Il parle."]),
        ("Le Dr Martin et Mme Roux. Fin.", ["Le Dr Martin et Mme Roux.", "Fin."]),
        ("Le Dr. Martin soigne. Fin.", ["Le Dr. Martin soigne.", "Fin."]),
        ("Pommes, poires, etc. Ensuite on part.", ["Pommes, poires, etc. Ensuite on part."]),
        ("J. Martin a signé. Bravo !", ["J. Martin a signé.", "Bravo !"]),
        ("Vraiment ? Oui ! D'accord… Alors.", ["Vraiment ?", "Oui !", "D'accord…", "Alors."]),
        ("« Nous partons. » Il a dit cela.", ["« Nous partons. »", "Il a dit cela."]),
        ('"Nous partons." Il a dit cela.', ['"Nous partons."', "Il a dit cela."]),
        ("Le numéro 3. Puis le 4.", ["Le numéro 3.", "Puis le 4."]),
    ],
)
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_short_paragraph_is_one_segment():
    assert split_paragraph("Une phrase courte. Une autre.", 250) == ["Une phrase courte. Une autre."]


def test_long_paragraph_split_at_sentence_ends_only():
    sentences = [
        f"Voici la phrase numéro {word} qui dit quelque chose d'utile."
        for word in ("un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit")
    ]
    pieces = split_paragraph(" ".join(sentences), 130)
    assert all(len(piece) <= 130 for piece in pieces)
    assert all(piece.endswith(".") for piece in pieces)
    assert " ".join(pieces) == " ".join(sentences)


def test_over_long_sentence_split_at_clause_punctuation():
    sentence = (
        "Les manifestants, venus de toutes les provinces du pays, ont défilé pendant des heures ; "
        "la police, présente en nombre, a procédé à plusieurs interpellations : une vingtaine au total, "
        "selon les autorités locales qui ont communiqué dans la soirée."
    )
    pieces = split_paragraph(sentence, 100)
    assert len(pieces) > 1 and all(len(piece) <= 100 for piece in pieces)
    assert all(piece[-1] in ",;:." for piece in pieces)
    assert " ".join(pieces) == sentence


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefghij éèà,;:", min_size=1, max_size=80).map(str.strip).filter(bool),
        min_size=1,
        max_size=12,
    ),
    st.integers(40, 300),
)
def test_split_keeps_every_word_and_the_limit(sentences, limit):
    text = " ".join(sentence + "." for sentence in sentences)
    pieces = split_paragraph(text, limit)
    assert " ".join(pieces).split() == text.split()
    assert all(len(piece) <= limit or " " not in piece for piece in pieces)  # a word longer than a segment: whole


def test_script_roles_and_order(example_article):
    script = build_script(read_article(example_article))
    roles = [segment.role for segment in script.segments]
    assert roles[0] == "headline" and roles[-1] == "source"
    assert roles[1] == "lead" and set(roles[1:-1]) <= {"lead", "body"}
    assert script.segments[1].text.startswith("Astana, 10 janvier. Le président du Kazakhstan")
    assert {segment.paragraph for segment in script.segments if segment.role in ("lead", "body")} == set(range(8))
    assert all(len(segment.text) <= 250 for segment in script.segments)


def test_script_uses_speak_function_before_cutting():
    article = Article(title="Titre", paragraphs=("Il y a 16 agents.",), source="RT")
    script = build_script(article, speak=lambda text: text.replace("16", "seize"))
    assert [s.text for s in script.segments] == ["Titre.", "Il y a seize agents.", "Source : RT."]


def test_max_chars_lower_bound():
    with pytest.raises(ValueError):
        build_script(Article(title="T", paragraphs=("p",)), max_chars=10)
