"""Segmentation: broadcast-sized segments, never cut mid-sentence, abbreviations respected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.text.article import Article, read_article
from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable_spans
from bulletin.text.segment import build_script, split_paragraph, split_sentences

from helpers import examples

LEXICON = load_lexicon()


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


WORDS = st.text(alphabet="abcdefghijéèàç", min_size=1, max_size=9)
# A sentence: capitalised like a real one, so that the sentence-end rule can fire; its last word is
# never an abbreviation or an initial ("etc.", "J."), and clause punctuation may sit inside it.
SENTENCES = st.builds(
    lambda words, clauses, last, end: (
        " ".join(w + clause for w, clause in zip([words[0].capitalize(), *words[1:]], clauses + [""] * len(words)))
        + f" {last}{end}"
    ),
    st.lists(WORDS, min_size=1, max_size=14),
    st.lists(st.sampled_from(["", "", "", ",", ";", ":"]), max_size=14),
    st.sampled_from(["demain", "hier", "ici", "encore", "aussi"]),
    st.sampled_from([".", ".", "!", "?", "…"]),
)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(SENTENCES, min_size=1, max_size=12), st.integers(40, 300))
def test_split_keeps_every_word_and_the_limit(sentences, limit):
    text = " ".join(sentences)
    assert split_sentences(text) == sentences  # the generated text does reach the sentence rule
    pieces = split_paragraph(text, limit)
    assert " ".join(pieces).split() == text.split()
    assert all(len(piece) <= limit or " " not in piece for piece in pieces)  # a word longer than a segment: whole


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(SENTENCES, min_size=1, max_size=12), st.integers(40, 300))
def test_pieces_are_whole_sentences_packed_up_to_the_limit(sentences, limit):
    """When every sentence fits the limit, a piece is a run of whole sentences and takes the next one if it fits."""
    sentences = [sentence for sentence in sentences if len(sentence) <= limit] or ["Court."]
    pieces = split_paragraph(" ".join(sentences), limit)
    runs, start = [], 0
    for piece in pieces:  # each piece must be the next sentences, whole
        for end in range(start + 1, len(sentences) + 1):
            if " ".join(sentences[start:end]) == piece:
                runs.append((start, end))
                start = end
                break
        else:
            raise AssertionError(f"{piece!r} is not a run of whole sentences from {sentences[start:]!r}")
    assert start == len(sentences)
    for piece, (_, end) in zip(pieces, runs[:-1]):  # greedy: a piece ends only where the next sentence won't fit
        assert len(piece) + 1 + len(sentences[end]) > limit


@settings(max_examples=examples(150), deadline=None)
@given(
    st.lists(SENTENCES, min_size=1, max_size=4).map(" ".join),
    st.lists(st.lists(SENTENCES, min_size=1, max_size=8).map(" ".join).map(str.rstrip), min_size=1, max_size=4),
    st.booleans(),
    st.integers(40, 120),
)
def test_no_segment_is_longer_than_max_chars_not_even_the_headline(title, paragraphs, open_ended, limit):
    """--max-chars bounds every segment, the closing period included; every paragraph ends closed."""
    if open_ended:  # paragraphs whose last sentence lacks its punctuation: the script adds a period
        paragraphs = [paragraph.rstrip(".!?…") for paragraph in paragraphs]
    script = build_script(Article(title=title, paragraphs=tuple(paragraphs), source="Agence"), max_chars=limit)
    assert all(len(segment.text) <= limit for segment in script.segments)
    ends = [
        s
        for s, after in zip(script.segments, script.segments[1:] + (None,))
        if not after or after.paragraph != s.paragraph
    ]
    assert all(segment.text.endswith((".", "!", "?", "…")) for segment in ends)


def test_a_long_headline_is_cut_like_a_paragraph():
    title = "Le président kazakh confirme que son pays a fait face à une tentative de coup d'État"
    headline = [s.text for s in build_script(Article(title=title, paragraphs=("Texte.",)), max_chars=60).segments][:2]
    assert headline == ["Le président kazakh confirme que son pays a fait face à une", "tentative de coup d'État."]


def test_script_roles_and_order(example_article):
    script = build_script(read_article(example_article))
    roles = [segment.role for segment in script.segments]
    assert roles[0] == "headline" and roles[-1] == "source"
    assert roles[1] == "lead" and set(roles[1:-1]) <= {"lead", "body"}
    assert script.segments[1].text.startswith("Astana, 10 janvier. Le président du Kazakhstan")
    assert {segment.paragraph for segment in script.segments if segment.role in ("lead", "body")} == set(range(8))
    assert all(len(segment.text) <= 250 for segment in script.segments)


def test_only_the_first_paragraph_is_the_lead():
    article = Article(
        title="Le titre",
        paragraphs=(
            "Premier paragraphe sans point",
            "Deuxième paragraphe ! Encore une phrase",
            "Une phrase assez longue pour dépasser la limite de cinquante. Puis une autre, plus courte",
        ),
        source="AFP",
        dateline="Paris, 3 mars",
    )
    script = build_script(article, max_chars=70)
    assert [(s.role, s.paragraph, s.text) for s in script.segments] == [
        ("headline", -1, "Le titre."),
        ("lead", 0, "Paris, 3 mars. Premier paragraphe sans point."),
        ("body", 1, "Deuxième paragraphe ! Encore une phrase."),
        ("body", 2, "Une phrase assez longue pour dépasser la limite de cinquante."),
        ("body", 2, "Puis une autre, plus courte."),
        ("source", -1, "Source : AFP."),
    ]


@pytest.mark.parametrize(
    ("paragraph", "last"),
    [
        ("Il pleut", "Il pleut."),
        ("Il pleut !", "Il pleut !"),
        ("Vraiment ?", "Vraiment ?"),
        ("Et puis…", "Et puis…"),
        ("Une phrase assez longue pour remplir la limite. Une autre qui ne finit pas", "Une autre qui ne finit pas."),
    ],
)
def test_the_last_segment_of_a_paragraph_closes_its_sentence(paragraph, last):
    """The voice's intonation falls only on sentence punctuation: a paragraph never ends open."""
    script = build_script(Article(title="T", paragraphs=(paragraph, "Suite.")), max_chars=50)
    pieces = [s.text for s in script.segments if s.paragraph == 0]
    assert pieces[-1] == last
    if len(pieces) > 1:
        assert pieces[0] == "Une phrase assez longue pour remplir la limite."


def test_every_paragraph_of_the_example_has_its_role(example_article):
    """The example's 8 paragraphs: the first is the lead (with the dateline), the other 7 are body."""
    script = build_script(read_article(example_article))
    by_paragraph = {}
    for segment in script.segments:
        by_paragraph.setdefault(segment.paragraph, set()).add(segment.role)
    assert by_paragraph == {-1: {"headline", "source"}, 0: {"lead"}, **{n: {"body"} for n in range(1, 8)}}
    assert [s.role for s in script.segments].count("headline") == 1
    assert script.segments[0].role == "headline" and script.segments[-1].role == "source"


def test_script_uses_speak_function_before_cutting():
    article = Article(title="Titre", paragraphs=("Il y a 16 agents.",), source="RT")
    script = build_script(article, speak=lambda text: text.replace("16", "seize"))
    assert [s.text for s in script.segments] == ["Titre.", "Il y a seize agents.", "Source : RT."]


def test_max_chars_lower_bound():
    with pytest.raises(ValueError):
        build_script(Article(title="T", paragraphs=("p",)), max_chars=10)


def test_stories_joined_keep_their_order_one_copy_of_each_warning_and_what_each_left_out():
    from bulletin.text.segment import Script, Segment, join_scripts

    first = Script("Un", (Segment("headline", "Un.", -1, 0),), ("<emphasis> ignored", "<foo> read"), "🙂")
    second = Script("Deux", (Segment("headline", "Deux.", -1, 1),), ("<foo> read",), "東")
    joined = join_scripts([first, second], "Journal")
    assert joined.title == "Journal"
    assert [segment.text for segment in joined.segments] == ["Un.", "Deux."]
    assert joined.warnings == ("<emphasis> ignored", "<foo> read") and joined.removed == "🙂東"


@pytest.mark.parametrize(
    ("sentence", "max_chars", "parts"),
    [
        (
            "Le président a parlé longuement ce matin, devant les députés réunis, "
            "puis il est reparti vers le palais sans un mot de plus.",
            60,
            [
                ("Le président a parlé longuement ce matin,", "clause"),
                ("devant les députés réunis,", "clause"),
                ("puis il est reparti vers le palais sans un mot de plus.", "sentence"),
            ],
        ),
        (  # a clause with no punctuation: cut between words, each piece as long as it may be
            "un deux trois quatre cinq six sept huit",
            13,
            [("un deux trois", "word"), ("quatre cinq", "word"), ("six sept huit", "sentence")],
        ),
        ("abc, def", 8, [("abc, def", "sentence")]),  # exactly the limit: one piece
        ("abc, def", 7, [("abc,", "clause"), ("def", "sentence")]),
        ("Anticonstitutionnellement dit-il", 10, [("Anticonstitutionnellement", "word"), ("dit-il", "sentence")]),
        ("Supercalifragilistique", 10, [("Supercalifragilistique", "sentence")]),  # one word: said whole
        (  # no space within the limit: the first space after it
            "Anticonstitutionnellement dit-il bas",
            10,
            [("Anticonstitutionnellement", "word"), ("dit-il bas", "sentence")],
        ),
        ("a bcdefghijklmnop", 5, [("a", "word"), ("bcdefghijklmnop", "sentence")]),
    ],
)
def test_an_over_long_sentence_is_cut_at_clauses_then_words_and_each_cut_is_named(sentence, max_chars, parts):
    from bulletin.text.segment import _split_long

    assert _split_long(sentence, max_chars) == parts


def _speak(text):
    return speakable_spans(text, FRENCH_ALPHABET, LEXICON)


def test_each_segment_knows_its_story_and_paragraph_and_the_script_its_title():
    article = Article(title="Le titre", paragraphs=("Premier.", "Second."), source="AFP")
    script = build_script(article, _speak, 250, story=2)
    assert script.title == "Le titre"
    assert [(s.role, s.paragraph, s.story) for s in script.segments] == [
        ("headline", -1, 2),
        ("lead", 0, 2),
        ("body", 1, 2),
        ("source", -1, 2),
    ]
    assert {s.story for s in build_script(article, _speak, 250).segments} == {0}


def test_a_flash_has_no_headline_and_a_paragraph_of_dots_is_not_a_segment():
    flash = Article(title="Le port rouvre.", paragraphs=("Le port rouvre.",), flash=True)
    assert [s.role for s in build_script(flash, _speak, 250).segments] == ["lead"]
    dotted = Article(title="Titre", paragraphs=("Texte.", ". . ."))
    assert [s.text for s in build_script(dotted, _speak, 250).segments] == ["Titre.", "Texte."]


def test_max_chars_under_40_is_refused():
    with pytest.raises(ValueError, match="^max_chars must be at least 40$"):
        build_script(Article(title="T", paragraphs=("Texte.",)), _speak, 39)


def test_a_last_piece_exactly_max_chars_long_is_cut_again_to_make_room_for_its_full_stop():
    forty = "aaaaa aaaa aaaa aaaa aaaa aaaa aaaa aaaa"  # 40 characters, no punctuation
    script = build_script(Article(title="Titre", paragraphs=(forty,)), lambda text: (text, ()), 40)
    body = [s.text for s in script.segments if s.role == "lead"]
    assert all(len(text) <= 40 for text in body) and body[-1].endswith(".")
    assert " ".join(body) == forty + "."


@pytest.mark.parametrize("end", [".", "!", "?", "…"])
def test_a_closed_sentence_exactly_max_chars_long_stays_one_segment(end):
    sentence = "aaaaa aaaa aaaa aaaa aaaa aaaa aaaa aaa" + end  # 40 characters
    script = build_script(Article(title="Titre", paragraphs=(sentence,)), lambda text: (text, ()), 40)
    assert [s.text for s in script.segments if s.role == "lead"] == [sentence]


def test_the_full_stop_a_segment_is_given_is_in_its_span_map():
    script = build_script(Article(title="Titre", paragraphs=("Il pleut",)), lambda text: (text, ()), 250)
    lead = next(s for s in script.segments if s.role == "lead")
    assert (lead.text, lead.written) == ("Il pleut.", "Il pleut")
    from bulletin.text.spans import Rewrite

    assert lead.rewrites[-1] == Rewrite("", ".", "punctuation", 8, 8, 8, 9)


@pytest.mark.parametrize(
    ("text", "max_chars", "pieces"),
    [
        ("Phrase une ici. Phrase deux là.", 31, [("Phrase une ici. Phrase deux là.", "sentence")]),  # exactly the limit
        ("Phrase une ici. Phrase deux là.", 30, [("Phrase une ici.", "sentence"), ("Phrase deux là.", "sentence")]),
        (
            "Court. Le président a parlé longuement ce matin, devant les députés réunis.",
            45,
            [
                ("Court.", "sentence"),
                ("Le président a parlé longuement ce matin,", "clause"),
                ("devant les députés réunis.", "sentence"),
            ],
        ),
    ],
)
def test_sentences_are_packed_up_to_the_limit_and_each_piece_says_how_it_ends(text, max_chars, pieces):
    from bulletin.text.segment import _pieces

    assert _pieces(text, max_chars) == pieces
