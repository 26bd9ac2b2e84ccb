"""The written <-> spoken span map: every rewrite points at the right characters on both sides."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.text.article import Article, read_article
from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable, speakable_spans
from bulletin.text.segment import build_script

from helpers import EXAMPLE, assert_span_map, examples

LEXICON = load_lexicon()
LETTERS = "abcdefghijklmnopqrstuvwxyzàâæçèéêëîïôœùûüÿ"
ALPHABETS = {
    "french": FRENCH_ALPHABET,
    "coqui": frozenset(LETTERS + LETTERS.upper() + " !'(),-.:;?«»’…\""),
    "minimal": frozenset("abcdefghijklmnopqrstuvwxyz "),
    "no-space": frozenset("abcdefghijklmnopqrstuvwxyz"),
}
PIECES = (
    "1 21 0 000 ,5 . , - – h h30 e er XIV XXI I M. Mme Dr etc. J.-C. n° OTSC ONU RHC COVID-19 G7 % € $ M€ km "
    "km/h °C m² ( ) [ \" « » “ ” … ... ' ’ Louis Tokáev Almatý ß ж 東 🙂 \u00a0 \u0301 / : ; ! ? ² ᵉ Le "
    "personnes janvier www.rfi.fr a@b.fr https://x.cu/a 1er ÉTAT PARIS LE U.S.A. & + # ٣ Ⅻ ½ № \x1b[31m"
).split(" ") + [" ", "\n", "\u202f", "  "]
TEXTS = st.one_of(
    st.text(max_size=120),
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=20).map("".join),
)


@pytest.mark.parametrize("name", sorted(ALPHABETS))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, with_lexicon=st.booleans(), say_urls=st.booleans())
def test_span_map_is_exact_and_speaks_as_speakable(name, text, with_lexicon, say_urls):
    alphabet = ALPHABETS[name]
    lexicon = LEXICON if with_lexicon else None
    spoken, rewrites = speakable_spans(text, alphabet, lexicon, say_urls=say_urls)
    assert spoken == speakable(text, alphabet, lexicon, say_urls=say_urls)
    assert_span_map(text, spoken, rewrites)


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(TEXTS.filter(lambda t: t.strip()), min_size=1, max_size=4),
    max_chars=st.integers(40, 200),
)
def test_every_segment_maps_its_written_text_to_its_spoken_text(paragraphs, max_chars):
    article = Article(title="Le 16 mai, l'OTSC", paragraphs=tuple(paragraphs), source="RT")
    script = build_script(article, lambda text: speakable_spans(text, FRENCH_ALPHABET, LEXICON), max_chars)
    for segment in script.segments:
        assert_span_map(segment.written, segment.text, segment.rewrites)


def test_example_segments_keep_the_written_words(example_article):
    script = build_script(read_article(example_article), lambda t: speakable_spans(t, FRENCH_ALPHABET, LEXICON))
    written = " ".join(segment.written for segment in script.segments)
    for words in ("10 janvier", "(OTSC)", "16 agents", "Tokáev", "Almatý", "Source : RT"):
        assert words in written
    spoken = " ".join(segment.text for segment in script.segments)
    assert "o té esse cé" in spoken and "OTSC" not in spoken
    for segment in script.segments:
        assert_span_map(segment.written, segment.text, segment.rewrites)
    # the written pieces, in order, are the article's own text: nothing invented, nothing repeated
    article_text = EXAMPLE.read_text(encoding="utf-8")
    for segment in script.segments:
        if segment.role in ("lead", "body"):
            tail = segment.written.removeprefix("Astana, 10 janvier. ")
            assert tail in " ".join(article_text.split())


@pytest.mark.parametrize(
    ("written", "rule", "said", "spoken"),
    [
        ("la SNCF est là", "sigle", "SNCF", "esse enne cé effe"),
        ("une hausse de 3,5 % hier", "unit", "3,5 %", "trois virgule cinq pour cent"),
        ("M. Dupont arrive", "abbreviation", "M.", "monsieur"),
        ("les 16 agents", "number", "16", "seize"),
        ("le 1er mai", "ordinal", "1er", "premier"),
        ("le XXIe siècle", "roman", "XXIe", "vingt et unième"),
        ("à 22h30 précises", "time", "22h30", "vingt-deux heures trente"),
        ("le 10/01/2022 au soir", "date", "10/01/2022", "dix janvier deux mille vingt-deux"),
        ("M. Tokáev parle", "lexicon", "Tokáev", "Tokaïev"),
        ("l'OTSC agit", "lexicon", "OTSC", "o té esse cé"),
        ("coût : 2,5 M€ en tout", "currency", "2,5 M€", "deux virgule cinq millions d'euros"),
    ],
)
def test_rewrite_names_its_rule_and_both_texts(written, rule, said, spoken):
    text, rewrites = speakable_spans(written, FRENCH_ALPHABET, LEXICON)
    found = [r for r in rewrites if r.written == said]
    assert found, rewrites
    assert found[0].rule == rule and found[0].spoken == spoken
    assert text[found[0].spoken_start : found[0].spoken_end] == spoken


def test_unchanged_text_has_no_rewrite():
    assert speakable_spans("Le président a parlé.", FRENCH_ALPHABET, LEXICON) == ("Le président a parlé.", ())


def test_a_cut_keeps_each_rewrite_whole_in_one_segment():
    sentence = "Le chef de l'OTSC, venu de loin avec 16 agents, a dit que la SNCF, la RATP et l'ONU, " * 4
    article = Article(title="T", paragraphs=(sentence.strip().rstrip(",") + ".",))
    script = build_script(article, lambda t: speakable_spans(t, FRENCH_ALPHABET, LEXICON), 60)
    segments = [s for s in script.segments if s.role == "lead"]
    assert len(segments) > 3
    written = " ".join(s.written for s in segments)
    assert written.count("OTSC") == 4 and written.count("16 agents") == 4
    for segment in segments:
        assert_span_map(segment.written, segment.text, segment.rewrites)


def test_align_guesses_the_smallest_rewrites_for_a_speaker_that_keeps_no_map():
    from bulletin.text.spans import Rewrite, align

    assert align("Il y a 16 agents.", "Il y a seize agents.") == (Rewrite("16", "seize", "rewrite", 7, 9, 7, 12),)
    assert align("Bonjour.", "Bonjour.") == ()
    rewrites = align("L'OTSC et 3,5 %.", "L'O T S C et trois virgule cinq pour cent.", "number")
    assert rewrites and all(rewrite.rule == "number" for rewrite in rewrites)
    assert_span_map("L'OTSC et 3,5 %.", "L'O T S C et trois virgule cinq pour cent.", rewrites)


def test_a_placeholder_a_rule_swallowed_still_leaves_an_exact_map():
    """The defensive path of splice: the paragraph is said without it, and the captions still map."""
    from bulletin.text.spans import Hole, align, splice

    source = "Bonjour zqxja et zqxjb monde"
    holes = [
        Hole(8, 13, "ONU", "Organisation des Nations unies", "sub"),
        Hole(17, 22, "OMS", "Organisation mondiale de la santé", "sub"),
    ]
    spoken = "Bonjour zqxja et monde"  # the second placeholder is gone
    written, said, rewrites = splice(source, spoken, align(source, spoken), holes)
    assert written == "Bonjour ONU et OMS monde"
    assert said == "Bonjour Organisation des Nations unies et monde"
    assert rewrites == align(written, said)
    assert_span_map(written, said, rewrites)


def test_a_dozen_substitutions_in_one_paragraph_each_keep_their_place():
    from bulletin.text.article import parse_article

    names = "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima".split()
    markup = " ".join(f'<sub alias="{name}">X{number}</sub>' for number, name in enumerate(names))
    article = parse_article(f"Titre\n\nIci {markup} fin.")
    script = build_script(article, lambda text: speakable_spans(text, FRENCH_ALPHABET, LEXICON), 2000)
    lead = next(segment for segment in script.segments if segment.role == "lead")
    assert lead.text == f"Ici {' '.join(names)} fin."
    assert lead.written == "Ici " + " ".join(f"X{number}" for number in range(12)) + " fin."
    assert_span_map(lead.written, lead.text, lead.rewrites)


def _corpus(count: int, seed: int) -> list[str]:
    """A fixed corpus of hostile texts from PIECES: the property tests' cases, always the same ones."""
    import random

    draw = random.Random(seed)
    return ["".join(draw.choice(PIECES) for _ in range(draw.randint(1, 30))) for _ in range(count)]


@pytest.mark.parametrize("name", sorted(ALPHABETS))
def test_a_fixed_corpus_maps_exactly_under_every_alphabet(name):
    for text in _corpus(40, 7):
        for lexicon in (None, LEXICON):
            spoken, rewrites = speakable_spans(text, ALPHABETS[name], lexicon)
            assert_span_map(text, spoken, rewrites)


@pytest.mark.parametrize("max_chars", [40, 47, 61, 83, 120])
def test_a_fixed_corpus_cut_into_segments_maps_every_segment(max_chars):
    paragraphs = tuple(text for text in _corpus(24, 11) if text.strip())
    article = Article(title="Le 16 mai, l'OTSC", paragraphs=paragraphs, source="RT")
    script = build_script(article, lambda text: speakable_spans(text, FRENCH_ALPHABET, LEXICON), max_chars)
    for segment in script.segments:
        assert_span_map(segment.written, segment.text, segment.rewrites)
        assert len(segment.text) <= max_chars
