"""The SSML subset: breaks, sub, say-as, phoneme, p/s; unknown tags warned about; malformed markup one error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.errors import ArticleError
from bulletin.text import ssml
from bulletin.text.article import parse_article, read_article
from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable_spans
from bulletin.text.segment import build_script

from helpers import assert_span_map, examples

LEXICON = load_lexicon()
Y2022 = "deux mille vingt-deux"


def speak(text):
    return speakable_spans(text, FRENCH_ALPHABET, LEXICON)


def script_of(text: str, takes_phonemes: bool = False, name: str = "a.txt", tmp_path=None):
    return build_script(parse_article(text), speak, 250, takes_phonemes=takes_phonemes)


@pytest.mark.parametrize(
    ("tag", "ms"),
    [
        ('<break time="500ms"/>', 500),
        ('<break time="1s"/>', 1000),
        ('<break time="1.5s"/>', 1500),
        ('<break time=" 250 ms "/>', 250),
        ('<break strength="none"/>', 0),
        ('<break strength="weak"/>', ssml.STRENGTH_MS["weak"]),
        ('<break strength="x-strong"/>', ssml.STRENGTH_MS["x-strong"]),
        ("<break/>", ssml.STRENGTH_MS["medium"]),
        ('<break time="99999s"/>', 10_000),
    ],
)
def test_a_break_ends_the_segment_and_asks_for_its_silence(tag, ms):
    script = script_of(f"Titre\n\nBonjour à tous. {tag} Voici les nouvelles.")
    lead = [s for s in script.segments if s.role == "lead"]
    assert [s.text for s in lead] == ["Bonjour à tous.", "Voici les nouvelles."]
    assert lead[0].pause_after_ms == ms and lead[1].pause_after_ms is None
    assert "break" not in " ".join(s.text for s in script.segments)  # never read aloud


def test_a_break_mid_sentence_and_one_at_a_paragraph_start():
    script = script_of('Titre\n\nIl a dit <break time="700ms"/> non.\n\n<break time="2s"/>Ensuite, rien.')
    lead = [s for s in script.segments if s.role == "lead"]
    assert [s.text for s in lead] == ["Il a dit", "non."]
    assert lead[0].pause_after_ms == 700
    assert lead[1].pause_after_ms == 2000  # the break opening the next paragraph lengthens the pause before it


def test_a_break_closing_a_paragraph_still_lets_its_sentence_end():
    script = script_of('Titre\n\nIl a dit <break time="1s"/> non <break time="2s"/>\n\nSuite.')
    assert [(s.text, s.pause_after_ms) for s in script.segments[1:]] == [
        ("Il a dit", 1000),
        ("non.", 2000),
        ("Suite.", None),
    ]


@pytest.mark.parametrize(
    ("markup", "written", "spoken"),
    [
        ('<sub alias="Organisation des Nations unies">ONU</sub>', "ONU", "Organisation des Nations unies"),
        ('<sub alias="deux mille vingt-quatre">2024</sub>', "2024", "deux mille vingt-quatre"),
        ('<sub alias="les 3 pays">L3P</sub>', "L3P", "les trois pays"),
        ('<say-as interpret-as="characters">RDC</say-as>', "RDC", "erre dé cé"),
        ('<say-as interpret-as="spell-out">A320</say-as>', "A320", "a trois deux zéro"),
        ('<say-as interpret-as="cardinal">1 234</say-as>', "1 234", "mille deux cent trente-quatre"),
        ('<say-as interpret-as="ordinal">3</say-as>', "3", "troisième"),
        ('<say-as interpret-as="date" format="dmy">10/01/2022</say-as>', "10/01/2022", f"dix janvier {Y2022}"),
        ('<say-as interpret-as="date" format="ymd">2022-01-01</say-as>', "2022-01-01", f"premier janvier {Y2022}"),
        ('<say-as interpret-as="date" format="my">05/1968</say-as>', "05/1968", "mai mille neuf cent soixante-huit"),
        (
            '<say-as interpret-as="telephone">01 23 45 67 89</say-as>',
            "01 23 45 67 89",
            "zéro un vingt-trois quarante-cinq soixante-sept quatre-vingt-neuf",
        ),
        (
            '<say-as interpret-as="telephone">+33 1 23 45 67 89</say-as>',
            "+33 1 23 45 67 89",
            "plus trente-trois zéro un vingt-trois quarante-cinq soixante-sept quatre-vingt-neuf",
        ),
        (
            '<say-as interpret-as="telephone">+33123456789</say-as>',
            "+33123456789",
            "plus trente-trois zéro un vingt-trois quarante-cinq soixante-sept quatre-vingt-neuf",
        ),
        (
            '<say-as interpret-as="telephone">+44 20 7946 0958</say-as>',
            "+44 20 7946 0958",
            "plus quarante-quatre vingt soixante-dix-neuf quarante-six zéro neuf cinquante-huit",
        ),
        (
            '<say-as interpret-as="telephone">+1 212 555 0100</say-as>',
            "+1 212 555 0100",
            "plus un vingt et un vingt-cinq cinquante-cinq zéro un zéro zéro",
        ),
        (
            '<say-as interpret-as="telephone">+225 07 12 34 56</say-as>',
            "+225 07 12 34 56",
            "plus deux cent vingt-cinq zéro sept douze trente-quatre cinquante-six",
        ),
        ('<say-as interpret-as="verbatim">RDC</say-as>', "RDC", "erre dé cé"),
        ('<say-as interpret-as="number">42</say-as>', "42", "quarante-deux"),
        (
            '<say-as interpret-as="cardinal">123456789012345</say-as>',
            "123456789012345",
            "cent vingt-trois billions quatre cent cinquante-six milliards sept cent quatre-vingt-neuf millions "
            "douze mille trois cent quarante-cinq",
        ),
        (
            '<say-as interpret-as="cardinal">1234567890123456</say-as>',
            "1234567890123456",
            "un deux trois quatre cinq six sept huit neuf zéro un deux trois quatre cinq six",
        ),
        ('<say-as interpret-as="date">10/01/2022</say-as>', "10/01/2022", f"dix janvier {Y2022}"),
        ('<say-as interpret-as="date" format="my">12/2022</say-as>', "12/2022", f"décembre {Y2022}"),
        ('<say-as interpret-as="date" format="dm">31/12</say-as>', "31/12", "trente et un décembre"),
        ('<say-as interpret-as="date" format="m">5</say-as>', "5", "mai"),
        ('<say-as interpret-as="date" format="m">12</say-as>', "12", "décembre"),
        ('<say-as interpret-as="date" format="y">2022</say-as>', "2022", Y2022),
    ],
)
def test_sub_and_say_as_are_said_as_asked_and_shown_as_written(markup, written, spoken):
    script = script_of(f"Titre\n\nIci {markup} et la suite.")
    lead = next(s for s in script.segments if s.role == "lead")
    assert lead.text == f"Ici {spoken} et la suite."
    assert lead.written == f"Ici {written} et la suite."
    rewrite = next(r for r in lead.rewrites if r.written == written)
    assert rewrite.spoken == spoken and rewrite.rule in ("sub", "say-as")
    assert not script.warnings


def test_phoneme_goes_to_a_voice_that_takes_phonemes_and_is_read_elsewhere():
    text = 'Titre\n\nLe président <phoneme alphabet="ipa" ph="tɔkaˈjɛf">Tokáev</phoneme> arrive.'
    kokoro = next(s for s in script_of(text, takes_phonemes=True).segments if s.role == "lead")
    assert "tɔkaˈjɛf" in kokoro.text and ssml.without_phonemes(kokoro.text) == "Le président Tokaïev arrive."
    assert kokoro.written == "Le président Tokáev arrive."
    other = script_of(text)
    lead = next(s for s in other.segments if s.role == "lead")
    assert lead.text == "Le président Tokaïev arrive."
    assert any("phoneme" in w and "takes no phonemes" in w for w in other.warnings)


def test_s_and_p_close_sentences_and_unknown_tags_are_read_with_a_warning():
    script = script_of(
        "Titre\n\n<s>Une phrase sans point</s><s>Une autre</s> <emphasis>vraiment</emphasis> <foo>bar</foo>."
    )
    lead = next(s for s in script.segments if s.role == "lead")
    assert lead.text == "Une phrase sans point. Une autre. Vraiment bar."
    assert any("<emphasis>" in w for w in script.warnings) and any("<foo>" in w for w in script.warnings)


def test_script_and_style_inside_ssml_are_never_read():
    script = script_of('Titre\n\nBonjour <break time="1s"/> <script>var x = 1;</script><style>p{}</style> fin.')
    spoken = " ".join(s.text for s in script.segments)
    assert "var" not in spoken and "p{" not in spoken and "fin" in spoken


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("Titre\n\nBonjour <break time='1s'> à tous.\n", 3, None),
        ('Titre\n\nUn <sub alias="x">deux</say-as> trois.\n', 3, 23),
        ('Titre\n\nUn\ndeux <say-as interpret-as="cardinal>3</say-as>.\n', 4, None),
        ('<sub alias="x">Titre\n\nsuite', None, None),
    ],
)
def test_malformed_markup_is_one_error_naming_line_and_column(text, line, column):
    with pytest.raises(ArticleError) as caught:
        parse_article(text)
    message = str(caught.value)
    assert "\n" not in message and "SSML" in message
    if line is not None:
        assert f"line {line}," in message
    if column is not None:
        assert f"column {column}" in message


def test_an_ssml_document_gives_title_paragraphs_and_breaks(tmp_path):
    path = tmp_path / "flash.ssml"
    path.write_text(
        '<?xml version="1.0"?>\n<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="fr-FR">\n'
        '<meta name="title" content="Flash de 8 heures"/>\n'
        '<p>Le <sub alias="Fonds monétaire international">FMI</sub> revoit sa prévision.</p>\n'
        '<p><s>La croissance serait de 1,2 %</s><break time="800ms"/><s>Fin du flash</s></p>\n</speak>\n',
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.ssml and article.title == "Flash de 8 heures" and len(article.paragraphs) == 2
    script = build_script(article, speak, 250)
    texts = [s.text for s in script.segments]
    assert texts[0] == "Flash de huit heures."
    assert "Le Fonds monétaire international revoit sa prévision." in texts
    cut = next(s for s in script.segments if s.pause_after_ms == 800)
    assert cut.text == "La croissance serait de un virgule deux pour cent."


def test_a_malformed_ssml_document_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "bad.ssml"
    path.write_text("<speak>\n<p>Un titre</p>\n<p>Un <break time='1s'> paragraphe.</p>\n</speak>\n", encoding="utf-8")
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    message = str(caught.value)
    assert str(path) in message and "line 3" in message and "column" in message and "\n" not in message


def test_text_without_ssml_tags_is_plain_text():
    article = parse_article("Titre\n\nLe score : 3 < 4 & 5 > 2, R&D <3.\n")
    assert not article.ssml
    assert "trois" in " ".join(s.text for s in build_script(article, speak).segments)


TAGS = [
    '<break time="300ms"/>',
    "<break/>",
    '<sub alias="Organisation des Nations unies">ONU</sub>',
    '<sub alias="le 16 mai">16/5</sub>',
    '<say-as interpret-as="characters">AB1</say-as>',
    '<say-as interpret-as="cardinal">1 234</say-as>',
    '<say-as interpret-as="date">10/01/2022</say-as>',
    '<phoneme alphabet="ipa" ph="tɔkajɛf">Tokáev</phoneme>',
    "<s>Une phrase</s>",
    "<emphasis>fort</emphasis>",
]
WORDS = ["Le", "président", "16", "agents", "l'", "OTSC", ",", ".", "3,5 %", "M.", "Dupont", " ", "(", ")", "«", "»"]
MARKED = st.lists(st.sampled_from(TAGS + WORDS + [" "] * 4), min_size=1, max_size=25).map("".join)


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(MARKED, min_size=1, max_size=3), takes_phonemes=st.booleans(), max_chars=st.integers(40, 120)
)
def test_marked_up_segments_keep_an_exact_span_map(paragraphs, takes_phonemes, max_chars):
    text = "Titre <break/> du jour\n\n" + "\n\n".join(p for p in paragraphs if p.strip()) + "\n\nFin."
    article = parse_article(text)
    script = build_script(article, speak, max_chars, takes_phonemes=takes_phonemes)
    for segment in script.segments:
        assert_span_map(segment.written, segment.text, segment.rewrites)
        assert "<" not in segment.text and "zqxj" not in segment.text.lower()


@pytest.mark.parametrize(
    "markup",
    [
        '<say-as interpret-as="date" format="my">13/2022</say-as>',
        '<say-as interpret-as="date" format="dm">32/01</say-as>',
        '<say-as interpret-as="date" format="dmy">1/2</say-as>',
    ],
)
def test_a_date_that_is_not_one_is_read_as_written_with_a_warning(markup):
    script = script_of(f"Titre\n\nIci {markup} et la suite.")
    lead = next(s for s in script.segments if s.role == "lead")
    assert not any(month in lead.text for month in ("janvier", "décembre"))
    assert any("not understood; its text is read" in warning for warning in script.warnings)


def test_an_ssml_document_keeps_loose_text_and_inline_markup_as_paragraphs_in_order():
    document = (
        '<speak>Texte libre <!-- note --> suite. <meta name="author" content="X"/> encore'
        " <p>Premier   paragraphe.</p> entre <emphasis>fort</emphasis> deux <p>Second.</p> fin.</speak>"
    )
    assert ssml.document_paragraphs(document) == (
        "Texte libre suite. encore",
        ["Premier paragraphe.", "entre <emphasis>fort</emphasis> deux", "Second.", "fin."],
    )


def test_an_ssml_title_is_its_meta_title_else_its_first_paragraph():
    titled = '<speak><meta name="title" content="  Le   titre  "/><p>Un.</p></speak>'
    assert ssml.document_paragraphs(titled) == ("Le titre", ["Un."])
    untitled = '<speak><meta name="title"/><p>Un.</p><p>Deux.</p></speak>'
    assert ssml.document_paragraphs(untitled) == ("Un.", ["Deux."])


def test_a_malformed_ssml_document_is_named_in_its_error():
    with pytest.raises(ArticleError) as caught:
        ssml.document_paragraphs("<speak><p>Un.</speak>", "flash.ssml")
    assert str(caught.value).startswith("flash.ssml: line 1, column 14: malformed SSML")


def test_every_markup_problem_is_one_warning_and_the_text_is_still_read():
    text = (
        'Titre\n\nUn <break time="99999s"/> deux <break time="abc"/> trois <break strength="huge"/> quatre '
        '<break time="10s"/> cinq <break/> six <sub>ONU</sub> sept <say-as interpret-as="foo">x</say-as> huit '
        '<phoneme ph="">Paris</phoneme> neuf <phoneme alphabet="x-sampa" ph="pa\'Ri">Paris</phoneme> dix '
        "<emphasis><script>var</script> onze <s>douze <sub>OMS</sub></s></emphasis> treize."
    )
    script = script_of(text)
    assert script.warnings == (
        '<break time="99999s"/>: longer than 10000 ms; 10000 ms used',
        '<break time="abc"/>: not a time like "500ms" or "1.5s"; a medium pause used',
        '<break strength="huge"/>: use one of none, x-weak, weak, medium, strong, x-strong; medium used',
        "<sub>ONU</sub> has no alias; its text is read",
        '<say-as interpret-as="foo">x</say-as>: not understood; its text is read',
        '<phoneme ph="">Paris</phoneme>: no ph given; its text is read',
        "<phoneme ph=\"pa'Ri\">Paris</phoneme>: alphabet 'x-sampa'; its text is read",
        "<emphasis> is not part of the SSML subset; ignored, its text is read",
        "<script> is not text to read; left out",
        "<sub>OMS</sub> has no alias; its text is read",
    )
    medium = ssml.STRENGTH_MS["medium"]
    lead = [(s.text, s.pause_after_ms) for s in script.segments if s.role == "lead"]
    assert lead == [
        ("Un", 10_000),
        ("deux", medium),
        ("trois", medium),
        ("quatre", 10_000),  # exactly the longest pause: no warning
        ("cinq", medium),
        ("six Onu sept x huit Paris neuf Paris dix onze douze o emme esse. Treize.", None),
    ]


def test_a_phoneme_inside_nested_markup_still_reaches_a_voice_that_takes_phonemes():
    phoneme = '<phoneme alphabet="ipa" ph="tɔkaˈjɛf">Tokáev</phoneme>'
    text = f"Titre\n\n<emphasis><s>Le président {phoneme} arrive</s></emphasis>."
    script = script_of(text, takes_phonemes=True)
    assert [s.text for s in script.segments] == ["Titre.", "Le président ⟪Tokaïev|tɔkaˈjɛf⟫ arrive."]
    assert script.warnings == ("<emphasis> is not part of the SSML subset; ignored, its text is read",)


def test_ssml_that_declares_entities_is_refused_and_never_reads_a_local_file(tmp_path):
    """An external entity (XXE) would read any file on the station's machine into the bulletin."""
    secret = tmp_path / "secret.txt"
    secret.write_text("MOT-DE-PASSE", encoding="utf-8")
    path = tmp_path / "flash.ssml"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE speak [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        "<speak><p>Titre</p><p>Texte &x;.</p></speak>\n",
        encoding="utf-8",
    )
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    assert str(caught.value) == (
        f"{path}: the SSML declares entities (<!DOCTYPE ... [...]>); remove them and write the text"
    )


def test_an_ssml_document_with_the_w3c_doctype_is_read(tmp_path):
    path = tmp_path / "flash.ssml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE speak PUBLIC "-//W3C//DTD SYNTHESIS 1.0//EN"\n'
        '  "http://www.w3.org/TR/speech-synthesis/synthesis.dtd">\n'
        '<speak version="1.0"><p>Titre</p><p>Texte.</p></speak>\n',
        encoding="utf-8",
    )
    article = read_article(path)
    assert (article.title, article.paragraphs, article.ssml) == ("Titre", ("Texte.",), True)


def test_a_malformed_fragment_says_where_and_what():
    with pytest.raises(ArticleError) as caught:
        parse_article('Titre\n\nUn <sub alias="x">deux</say-as> trois.\n')
    assert str(caught.value) == (
        "line 3, column 23: malformed SSML (Opening and ending tag mismatch: sub line 3 and say-as); "
        "close or fix the tag"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('Titre\n\nUn <sub alias="x">deux\ntrois</say-as> quatre.', "line 4, column 6"),  # the wrong closing tag
        ('Titre\n\nUn <sub alias="x">deux trois.', "line 3, column 4"),  # never closed: where it opens
        ('Titre <sub alias="x">deux</say-as>\n\nTexte.', "line 1, column 26"),  # the first line, as typed
        ('Titre\n\n  <sub alias="y">a</say-as>', "line 3, column 19"),
    ],
)
def test_a_markup_error_points_at_the_line_and_column_a_user_typed(text, where):
    with pytest.raises(ArticleError) as caught:
        parse_article(text)
    assert str(caught.value).startswith(f"{where}: malformed SSML (Opening and ending tag mismatch: sub line ")


def test_ampersands_in_marked_up_text_are_text():
    sub = '<sub alias="A T et T">AT&T</sub>'
    script = script_of(f'Titre\n\nProcter & Gamble <break time="1s"/> et R&D &amp; {sub} fin.')
    assert [(s.text, s.written) for s in script.segments if s.role == "lead"] == [
        ("Procter et Gamble", "Procter & Gamble"),
        ("et R et D et A T et T fin.", "et R&D & AT&T fin."),
    ]
    assert not script.warnings
