"""Fault drills on the text (issue 13, items 4 and 5): markup and control codes never spoken, lost text reported."""

from __future__ import annotations

import json

import pytest

from helpers import run_bulletin

HTML_ARTICLE = """<!DOCTYPE html>
<html><head><title>Le conseil vote le budget</title>
<script>var x = 1; fetch("/t"); document.cookie = "a=b";</script>
<style>body { color: red; }</style></head>
<body>

<h1>Le conseil vote le budget</h1>

<p>Lyon, 3 mars (AFP) Le conseil a voté un budget de 12 millions d'euros.</p>

<p>Les élus de l'opposition ont dénoncé une hausse des dépenses de fonctionnement.</p>

<noscript>Activez JavaScript</noscript>
<p>La séance a duré <b>quatre heures</b>.</p>
<script>alert("publicité")</script>
</body></html>
"""
MARKUP_WORDS = ("var", "fetch", "document", "cookie", "script", "style", "color", "alert", "javascript", "div", "html")


def spoken_words(payload: dict) -> str:
    return " ".join(s["text"] for s in payload["segments"]).lower()


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_html_in_a_text_article_is_stripped_and_its_scripts_never_spoken(tmp_path, suffix):
    article = tmp_path / f"page{suffix}"
    article.write_text(HTML_ARTICLE, encoding="utf-8")
    result = run_bulletin("script", article, "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    spoken = spoken_words(payload)
    assert not [word for word in MARKUP_WORDS if word in spoken], spoken
    assert payload["title"] == "Le conseil vote le budget"
    assert "douze millions d'euros" in spoken and "quatre heures" in spoken


def test_generate_never_speaks_the_javascript_of_an_html_file(tmp_path, tiny_voice_dir):
    article = tmp_path / "page.txt"
    article.write_text(HTML_ARTICLE, encoding="utf-8")
    out = tmp_path / "b.mp3"
    result = run_bulletin("generate", article, "--voice", tiny_voice_dir, "-o", out, "--no-jingles", "--json")
    assert result.returncode == 0, result.stderr
    script = json.loads(out.with_suffix(".script.json").read_text(encoding="utf-8"))
    spoken = spoken_words(script)
    assert not [word for word in MARKUP_WORDS if word in spoken], spoken
    assert "<" not in out.with_suffix(".vtt").read_text(encoding="utf-8")


def test_escape_sequences_are_removed_never_spoken_and_reported(tmp_path):
    article = tmp_path / "ansi.txt"
    article.write_text("Titre\n\nLe \x1b[31mprésident\x1b[0m a parlé \x1b]0;titre\x07hier.\n", encoding="utf-8")
    result = run_bulletin("script", article, "--json", "--check")
    payload = json.loads(result.stdout)
    spoken = spoken_words(payload)
    # the digits and letters of "[31m" and "]0;titre" must not be read
    assert "trente et un" not in spoken and "mètre" not in spoken and "zéro" not in spoken
    assert spoken.endswith("le président a parlé hier.")
    assert payload["removed"].get("\x1b") == 3 and result.returncode == 1


@pytest.mark.parametrize(
    "foreign",
    ["東京", "مرحبا", "שלום", "🙂", "🇫🇷"],
)
def test_what_the_normaliser_removes_is_reported_by_script_check(tmp_path, foreign):
    article = tmp_path / "foreign.txt"
    article.write_text(f"Titre\n\nIl a dit {foreign} puis il est parti.\n", encoding="utf-8")
    result = run_bulletin("script", article, "--check")
    assert result.returncode == 1
    assert "characters the normaliser removed: " in result.stdout
    assert all(char in result.stdout for char in foreign)
    payload = json.loads(run_bulletin("script", article, "--json").stdout)
    assert payload["removed_characters"] == len(foreign)
    assert set(payload["removed"]) == set(foreign)
    clean = tmp_path / "clean.txt"
    clean.write_text("Titre\n\nIl a dit bonjour puis il est parti.\n", encoding="utf-8")
    assert run_bulletin("script", clean, "--check").returncode == 0
