"""News pages over HTTP (and saved to disk) into articles: the body, never the boilerplate, any charset."""

from __future__ import annotations

import pytest

from bulletin.sources import load, load_stories

from helpers import FIXTURES, LocalSite, Page, fixture_page, run_bulletin

BOILERPLATE = [
    "cookies",  # banner
    "Tout accepter",
    "Partager",  # share bar
    "Facebook",
    "À lire aussi",  # related
    "Grève des dockers à Rouen",
    "Voir aussi",
    "commentaire",  # comments
    "Jean-Pierre76",
    "Enfin une bonne nouvelle pour la ville",
    "trinquent",
    "gtag",  # inline scripts
    "googletag",
    "_paq",
    "Publicité",
    "Mentions légales",  # footer
    "Tous droits réservés",
    "S'abonner",  # navigation
    "Les plus lus",
    "Un sanglier dans le centre commercial",
]


@pytest.fixture(scope="module")
def site():
    routes = {
        "/economie/navire-record.html": fixture_page("article-utf8.html"),
        # Latin-1 said by the HTTP header only: the page's own <meta> says it too, but the header wins.
        "/region/greve.html": fixture_page("article-latin1.html", "text/html; charset=ISO-8859-1"),
        # Latin-1 said by nothing but the page's <meta http-equiv>.
        "/region/greve-sans-entete.html": fixture_page("article-latin1.html", "text/html"),
        "/redirect": Page(b"", status=301, headers={"Location": "/economie/navire-record.html"}),
    }
    with LocalSite(routes) as running:
        yield running


@pytest.mark.parametrize(
    "path, title, body",
    [
        (
            "/economie/navire-record.html",
            "Le port du Havre accueille un navire record",
            ["Long de 400 mètres", "une quarantaine de dockers", "Une réunion avec la direction est prévue"],
        ),
        (
            "/region/greve.html",
            "Grève à la SNCF : trafic très perturbé mardi en Île-de-France",
            ["préavis de grève", "« suppressions de postes déguisées »", "privilégier le télétravail"],
        ),
        (
            "/region/greve-sans-entete.html",
            "Grève à la SNCF : trafic très perturbé mardi en Île-de-France",
            ["réorganisation des ateliers", "Île-de-France"],
        ),
    ],
)
def test_a_news_page_gives_its_title_and_body_and_none_of_the_boilerplate(site, path, title, body):
    (article,) = load(site.url(path))
    text = " ".join((article.title, article.dateline, *article.paragraphs, article.source))
    assert article.title == title
    for sentence in body:
        assert sentence in text
    for junk in BOILERPLATE:
        assert junk not in text, junk
    assert "\ufffd" not in text and "Ã©" not in text  # decoded with the right charset, no mojibake


def test_the_dateline_and_the_source_credit_are_read_as_such(site):
    (article,) = load(site.url("/economie/navire-record.html"))
    assert (article.dateline, article.agency, article.source) == ("Le Havre, 30 novembre", "CDN", "CDN")
    assert article.paragraphs[0].startswith("Le plus grand porte-conteneurs")
    assert article.site == "Le Courrier de Normandie"


def test_a_redirect_is_followed_and_the_story_is_named_by_its_final_address(site):
    (story,) = load_stories(site.url("/redirect"))
    assert story.guid == site.url("/economie/navire-record.html")
    assert story.article.title == "Le port du Havre accueille un navire record"


def test_a_saved_page_reads_the_same_as_the_served_one(site):
    served = load(site.url("/region/greve.html"))
    saved = load(FIXTURES / "article-latin1.html")
    assert saved[0].paragraphs == served[0].paragraphs


def test_the_script_of_a_url_holds_the_spoken_body_and_no_boilerplate(site):
    result = run_bulletin("script", site.url("/economie/navire-record.html"), "--voice", "fr-siwis", "--json")
    assert result.returncode == 0, result.stderr
    import json

    segments = json.loads(result.stdout)["segments"]
    spoken = " ".join(segment["text"] for segment in segments)
    first = segments[0]
    assert (first["role"], first["story"]) == ("headline", 0)
    assert first["text"] == "Le port du Havre accueille un navire record."
    assert "quatre cents mètres" in spoken and "vingt-quatre mille conteneurs" in spoken  # body, made speakable
    for junk in ("cookies", "Partager", "lire aussi", "Jean-Pierre", "pollution", "Mentions"):
        assert junk not in spoken
