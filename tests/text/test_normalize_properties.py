"""Properties of the normaliser on any text: it never raises, stays in the alphabet, and settles in one pass."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, outside, speakable

from helpers import examples

LEXICON = load_lexicon()
LETTERS = "abcdefghijklmnopqrstuvwxyzàâæçèéêëîïôœùûüÿ"
ALPHABETS = {
    "french": FRENCH_ALPHABET,
    "coqui": frozenset(LETTERS + LETTERS.upper() + " !'(),-.:;?«»’…\""),
    "minimal": frozenset("abcdefghijklmnopqrstuvwxyz "),
    "no-space": frozenset("abcdefghijklmnopqrstuvwxyz"),
    "upper-only": frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ .,"),
}
# Pieces that trigger the rules, so that random texts reach them and their borders.
PIECES = [
    "1",
    "21",
    "0",
    "000",
    " 000",
    ",5",
    ".",
    ",",
    "-",
    "–",
    "—",
    "h",
    "h30",
    "e",
    "er",
    "re",
    "es",
    "XIV",
    "XXI",
    "I",
    "V",
    "X",
    "M.",
    "Mme",
    "Dr",
    "etc.",
    "J.-C.",
    "av.",
    "n°",
    "OTSC",
    "ONU",
    "RHC",
    "COVID-19",
    "G7",
    "%",
    "€",
    "$",
    "M€",
    "km",
    "km/h",
    "°C",
    "m²",
    "t",
    "(",
    ")",
    "[",
    '"',
    "«",
    "»",
    "“",
    "”",
    "…",
    "...",
    "'",
    "’",
    "Louis",
    "Tokáev",
    "Almatý",
    "ß",
    "Σ",
    "ж",
    "東",
    "🙂",
    "\u00a0",
    "\u202f",
    "\u0301",
    "/",
    ":",
    ";",
    "!",
    "?",
    "²",
    "ᵉ",
    "Le",
    "personnes",
    "janvier",
    "A",
    "www.rfi.fr",
    "a@b.fr",
    "https://x.cu/a",
    "\n",
    " ",
    " ",
    "1er",
    "ÉTAT",
    "PARIS",
    "LE",
    "DE",
    "U.S.A.",
    "siècle",
    "&",
    "+",
    "#",
    "٣",
    "Ⅻ",
    "½",
    "№",
]
TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=20).map("".join),
)


@pytest.mark.parametrize("name", sorted(ALPHABETS))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, with_lexicon=st.booleans())
def test_output_is_within_the_alphabet_and_never_raises(name, text, with_lexicon):
    alphabet = ALPHABETS[name]
    spoken = speakable(text, alphabet, LEXICON if with_lexicon else None)
    assert not outside(spoken, alphabet)


@pytest.mark.parametrize("name", sorted(ALPHABETS))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, with_lexicon=st.booleans(), say_urls=st.booleans())
def test_normalising_twice_changes_nothing(name, text, with_lexicon, say_urls):
    alphabet = ALPHABETS[name]
    lexicon = LEXICON if with_lexicon else None
    once = speakable(text, alphabet, lexicon, say_urls=say_urls)
    assert speakable(once, alphabet, lexicon, say_urls=say_urls) == once


@settings(max_examples=examples(200), deadline=None)
@given(text=TEXTS)
def test_no_digit_is_ever_left(text):
    digits_alphabet = FRENCH_ALPHABET | frozenset("0123456789")
    assert not any(c.isdigit() for c in speakable(text, digits_alphabet, LEXICON))


@settings(max_examples=examples(300), deadline=None)
@given(number=st.one_of(st.integers(-(10**15) + 1, 10**15 - 1), st.integers(-2100, 2100)))
def test_any_integer_is_said_as_num2words_says_it(number):
    """An independent reading (num2words' French) for any integer up to 15 digits; the tables check the rest."""
    from num2words import num2words

    assert speakable(str(number)) == num2words(number, lang="fr")
