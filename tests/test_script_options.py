"""``bulletin script FEED --rundown``: --stories picks how many stories are said, --at the hour the greeting says."""

from __future__ import annotations

import json

import pytest

from helpers import newscast_feed_site, run_bulletin

TITLES = ["Rouen : la cathédrale rouvre après deux ans de travaux", "Le port du Havre accueille un navire record"]


@pytest.fixture(scope="module")
def feed():
    with newscast_feed_site() as site:
        yield site.url("/rss.xml")


def said(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["segments"]


def test_script_stories_and_at_change_the_stories_and_the_hour_said(feed):
    two = said(run_bulletin("script", feed, "--rundown", "--stories", "2", "--at", "08:00", "--json"))
    assert [s["role"] for s in two].count("headline") == 2
    assert [s["written"] for s in two if s["role"] == "headlines"] == TITLES
    assert two[0]["text"] == "Il est huit heures, voici le journal."
    assert two[-1]["text"] == "C'était le journal de huit heures. Prochain journal à neuf heures."

    one = said(run_bulletin("script", feed, "--rundown", "--stories", "1", "--at", "18:30", "--json"))
    assert [s["role"] for s in one].count("headline") == 1
    assert [s["written"] for s in one if s["role"] == "headlines"] == TITLES[:1]
    assert one[0]["text"] == "Il est dix-huit heures trente, voici le journal."
    assert "dix-neuf heures trente" in one[-1]["text"]


def test_script_text_output_shows_the_stories_and_the_hour(feed):
    result = run_bulletin("script", feed, "--rundown", "--stories", "2", "--at", "08:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(" headline]\n") == 2 and "Il est huit heures" in result.stdout
    assert "Grève à la" not in result.stdout  # the third story of the feed is left out


def test_script_at_refuses_a_time_that_is_not_one(feed):
    result = run_bulletin("script", feed, "--rundown", "--at", "25:00")
    assert result.returncode == 1 and result.stderr.startswith("error: --at '25:00'") and not result.stdout
