"""Local sources: text and markdown as before, JSON articles, HTML files, and stdin ("-")."""

from __future__ import annotations

import io
import json

import pytest

from bulletin.errors import ArticleError
from bulletin.sources import load, load_stories

from helpers import EXAMPLE, FIXTURES, run_bulletin


def test_a_text_article_reads_as_it_always_did():
    from bulletin.text.article import read_article

    assert load(EXAMPLE) == [read_article(EXAMPLE)]
    assert load(str(EXAMPLE)) == [read_article(EXAMPLE)]


def test_a_json_article_gives_title_paragraphs_source_and_date(tmp_path):
    path = tmp_path / "depeche.json"
    payload = {
        "title": "Le Tour de France partira de Caen",
        "paragraphs": [
            "Caen, 3 mars (CDN) Le Tour de France 2028 partira de Caen.",
            "Trois étapes auront lieu en Normandie.",
        ],
        "source": "CDN",
        "date": "2026-03-03T10:00:00+01:00",
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    (story,) = load_stories(path)
    assert story.article.title == "Le Tour de France partira de Caen"
    assert story.article.dateline == "Caen, 3 mars" and story.article.source == "CDN"
    assert story.article.paragraphs[0] == "Le Tour de France 2028 partira de Caen."
    assert story.article.paragraphs[1] == "Trois étapes auront lieu en Normandie."
    assert story.published == "2026-03-03T10:00:00+01:00"


def test_a_json_list_gives_several_stories(tmp_path):
    path = tmp_path / "fil.json"
    items = [{"title": f"Titre {n}", "paragraphs": [f"Texte numéro {n}."], "id": f"n{n}"} for n in range(3)]
    path.write_text(json.dumps(items), encoding="utf-8")
    assert [s.guid for s in load_stories(path)] == ["n0", "n1", "n2"]


@pytest.mark.parametrize(
    "payload, message",
    [
        ("{not json", "is not valid JSON"),
        ('{"title": "T"}', "paragraphs must be a list of strings"),
        ('{"title": "", "paragraphs": ["x"]}', "title must be a non-empty string"),
        ('{"title": "T", "paragraphs": ["x"], "auteur": "moi"}', "unknown key"),
        ('{"title": "T", "paragraphs": ["  "]}', "no paragraphs"),
    ],
)
def test_a_bad_json_article_names_the_file_and_the_fault(tmp_path, payload, message):
    path = tmp_path / "bad.json"
    path.write_text(payload, encoding="utf-8")
    with pytest.raises(ArticleError, match=message) as caught:
        load(path)
    assert str(caught.value).startswith(str(path))


def test_stdin_is_read_for_a_dash_whatever_it_holds():
    text = EXAMPLE.read_bytes()
    assert load("-", stdin=io.BytesIO(text))[0].title.startswith("Le président kazakh")
    html = (FIXTURES / "article-latin1.html").read_bytes()
    assert load("-", stdin=io.BytesIO(html))[0].dateline == "Paris, 29 novembre"
    feed = (FIXTURES / "feed-atom.xml").read_bytes()
    assert load("-", stdin=io.BytesIO(feed), limit=2)[1].title == "Le marché de Noël de Bayeux ouvre vendredi"


def test_the_script_command_reads_stdin():
    import subprocess
    import sys

    from helpers import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "script", "-", "--voice", "fr-siwis"],
        input=(FIXTURES / "article-utf8.html").read_bytes(),
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "[01 headline]\nLe port du Havre accueille un navire record." in result.stdout.decode()


def test_a_missing_source_says_what_a_source_can_be():
    result = run_bulletin("script", "nowhere/article.txt")
    assert result.returncode == 1
    assert "no such file" in result.stderr and "http(s) URL" in result.stderr and result.stderr.count("\n") == 1
