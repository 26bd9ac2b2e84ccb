"""RSS 2.0 and Atom feeds (by content, not by name): newest first, full text from content:encoded or the linked page."""

from __future__ import annotations

import pytest

from bulletin.errors import ArticleError, SourceError
from bulletin.sources import load, load_stories

from helpers import FIXTURES, LocalSite, Page, fixture_page


@pytest.fixture(scope="module")
def site():
    routes = {
        "/rss.xml": fixture_page("feed-rss.xml"),
        "/fil/atom": fixture_page("feed-atom.xml", "application/atom+xml"),
        "/served-as-html": fixture_page("feed-rss.xml", "text/html; charset=utf-8"),
        "/article-utf8.html": fixture_page("article-utf8.html"),
        "/article-latin1.html": fixture_page("article-latin1.html", "text/html; charset=iso-8859-1"),
    }
    with LocalSite(routes) as running:
        yield running


def test_a_feed_gives_its_newest_item_by_default(site):
    (story,) = load_stories(site.url("/rss.xml"))
    assert story.article.title == "Rouen : la cathédrale rouvre après deux ans de travaux"
    assert story.guid == "cdn-2026-11-30-cathedrale"
    assert story.published == "2026-11-30T07:30:00+00:00"


def test_content_encoded_is_read_without_its_figure_or_script(site):
    (story,) = load_stories(site.url("/rss.xml"))
    article = story.article
    assert article.dateline == "Rouen, 30 novembre" and article.agency == "CDN"
    assert article.paragraphs == (
        "La cathédrale Notre-Dame de Rouen a rouvert ses portes lundi matin, après deux ans de travaux de "
        "restauration de sa flèche et de ses vitraux.",
        "Près de mille visiteurs se sont pressés dès l'ouverture. Le chantier a coûté 12 millions d'euros, "
        "financés pour moitié par l'État.",
        "Les visites guidées de la flèche reprendront au printemps, a annoncé le diocèse.",
    )


def test_an_item_with_only_a_summary_is_read_from_its_linked_page(site):
    stories = load_stories(site.url("/rss.xml"), limit=3)
    assert [s.guid for s in stories] == [
        "cdn-2026-11-30-cathedrale",
        "cdn-2026-11-30-navire-record",
        "cdn-2026-11-29-greve-sncf",
    ]
    navire, greve = stories[1].article, stories[2].article
    assert len(navire.paragraphs) == 4 and "Long de 400 mètres" in navire.paragraphs[1]  # the page, not the summary
    assert "Lire la suite" not in " ".join(greve.paragraphs)
    assert "« suppressions de postes déguisées »" in greve.paragraphs[2]  # the Latin-1 page, decoded right
    assert {path for path, _ in site.requests} >= {"/article-utf8.html", "/article-latin1.html"}


def test_an_atom_feed_gives_its_entries_with_plain_titles(site):
    stories = load_stories(site.url("/fil/atom"), limit=5)
    assert [s.article.title for s in stories] == [
        "Météo : vigilance orange aux vents violents sur la Manche",
        "Le marché de Noël de Bayeux ouvre vendredi",
    ]
    assert stories[1].article.paragraphs == (
        "Le marché de Noël de Bayeux ouvrira vendredi avec soixante chalets, un record pour la ville.",
        "Il restera ouvert jusqu'au 24 décembre.",
    )


def test_a_feed_is_known_by_its_content_whatever_its_name_or_media_type(site, tmp_path):
    assert load(site.url("/served-as-html"))[0].title.startswith("Rouen")
    disguised = tmp_path / "fil.txt"
    disguised.write_bytes((FIXTURES / "feed-atom.xml").read_bytes())
    assert load(disguised)[0].title.startswith("Météo")


def test_items_already_seen_are_skipped_before_any_page_is_fetched(site):
    site.requests.clear()
    stories = load_stories(
        site.url("/rss.xml"), limit=2, exclude={"cdn-2026-11-30-cathedrale", "cdn-2026-11-30-navire-record"}
    )
    assert [s.guid for s in stories] == ["cdn-2026-11-29-greve-sncf", "cdn-2026-11-27-tramway"]
    assert "/article-utf8.html" not in {path for path, _ in site.requests}


RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Fil</title>{items}</channel></rss>'


@pytest.mark.parametrize(
    "body, message",
    [
        (RSS.format(items=""), "the feed has no items"),
        (RSS.format(items="<item><title>Un titre seul</title></item>"), "no item of the feed has text"),
        (RSS.format(items="<item><title>Coupé</title><description>Texte</des"), "not a well-formed feed"),
        (RSS.format(items="<item><title>x</title><link>{base}/gone.html</link></item>"), "404"),
    ],
)
def test_a_feed_without_anything_to_read_is_one_clear_error(body, message):
    with LocalSite({"/feed.xml": Page(body, content_type="application/rss+xml")}) as site:
        with pytest.raises(SourceError, match=message) as caught:
            load(site.url("/feed.xml"))
    assert site.url("/feed.xml") in str(caught.value) and "\n" not in str(caught.value)


def test_asking_for_no_story_is_refused():
    with pytest.raises(ArticleError, match="at least one story"):
        load(FIXTURES / "feed-rss.xml", limit=0)


@pytest.mark.parametrize(
    "body, message",
    [
        (RSS.format(items=""), "the feed has no items"),
        (RSS.format(items="<item><title>Un titre seul</title></item>"), "no item of the feed has text"),
    ],
)
def test_the_cli_refuses_an_empty_feed_in_one_line_and_writes_nothing(body, message, tmp_path):
    from helpers import run_bulletin

    with LocalSite({"/feed.xml": Page(body, content_type="application/rss+xml")}) as site:
        result = run_bulletin("generate", site.url("/feed.xml"), "--rundown", "-o", tmp_path / "j.mp3")
    assert result.returncode == 1 and message in result.stderr and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
