"""The channel around the episodes: a cover always, podcast:locked, a remembered config, local times."""

from __future__ import annotations

import io
import re
from datetime import datetime, timezone
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from bulletin.assets import artwork_bytes
from bulletin.errors import BulletinError
from bulletin.pipeline import publish_file
from bulletin.publish.channel import load_channel
from bulletin.publish.episodes import publish
from bulletin.publish.rss import NS_PODCAST

from helpers import make_bulletin, make_channel

BASE = "https://example.org/podcast"
T0 = datetime(2026, 11, 25, 7, 0, tzinfo=timezone.utc)
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": NS_PODCAST}
CHANNEL_TOML = """[channel]
title = "Le journal de RHC"
description = "Les nouvelles du jour."
author = "Radio Havane Cuba"
owner_email = "podcast@example.org"
artwork = "cover.png"
base_url = "https://example.org/podcast"
{extra}
"""


def read_feed(feed_dir: Path):
    """(feedparser result, podcastparser result, lxml channel element) of DIR/feed.xml."""
    podcastparser.Namespace.NAMESPACES.setdefault(NS_PODCAST, "podcast")
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    with open(feed_dir / "feed.xml", "rb") as handle:
        gpodder = podcastparser.parse(f"{BASE}/feed.xml", handle)
    return parsed, gpodder, etree.parse(str(feed_dir / "feed.xml")).getroot().find("channel")


def write_config(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    cover = Image.new("RGB", (1400, 1400), (200, 30, 30))
    cover.save(folder / "cover.png")
    config = folder / "podcast.toml"
    config.write_text(CHANNEL_TOML.format(extra=extra), encoding="utf-8")
    return config


def test_a_channel_without_artwork_gets_the_bundled_1400_px_cover(tmp_path):
    feed_dir = tmp_path / "public"
    publish(make_bulletin(tmp_path / "src"), feed_dir, make_channel(), now=T0)
    parsed, gpodder, channel = read_feed(feed_dir)
    assert channel.find("itunes:image", NS).get("href") == f"{BASE}/artwork.png"
    assert parsed.feed.image.href == f"{BASE}/artwork.png" and gpodder["cover_url"] == f"{BASE}/artwork.png"
    assert (feed_dir / "artwork.png").read_bytes() == artwork_bytes()
    assert Image.open(io.BytesIO(artwork_bytes())).size == (1400, 1400)
    page = (feed_dir / "index.html").read_text(encoding="utf-8")
    assert '<img class="art" src="https://example.org/podcast/artwork.png"' in page


@pytest.mark.parametrize(("locked", "expected"), [(None, "yes"), (True, "yes"), (False, "no")])
def test_podcast_locked_defaults_to_yes_with_the_owner(tmp_path, locked, expected):
    extra = "" if locked is None else f"locked = {'true' if locked else 'false'}"
    feed_dir = tmp_path / "public"
    publish(make_bulletin(tmp_path / "src"), feed_dir, load_channel(write_config(tmp_path / "conf", extra)), now=T0)
    _, _, channel = read_feed(feed_dir)
    element = channel.find("podcast:locked", NS)
    assert element.text == expected and element.get("owner") == "podcast@example.org"


def test_publish_remembers_the_channel_it_was_first_given(tmp_path, monkeypatch):
    config = write_config(tmp_path / "conf")
    feed_dir = tmp_path / "public"
    first = publish_file(make_bulletin(tmp_path / "src"), feed_dir, config, now=T0)
    remembered = feed_dir / "podcast.toml"
    assert remembered.is_file()
    config.unlink()  # the original is gone, and the next publish runs from elsewhere without --config
    (tmp_path / "conf" / "cover.png").unlink()
    monkeypatch.chdir(tmp_path)
    second = publish_file(make_bulletin(tmp_path / "src", "2026-11-26-la-recolte", freq_hz=330), feed_dir, now=T0)
    assert second.status == "added" and first.audio_url.startswith(BASE)
    parsed, _, channel = read_feed(feed_dir)
    assert parsed.feed.title == "Le journal de RHC" and parsed.feed.author == "Radio Havane Cuba"
    assert channel.find("itunes:image", NS).get("href") == f"{BASE}/artwork.png"
    assert Image.open(feed_dir / "artwork.png").getpixel((0, 0)) == (200, 30, 30)  # their cover, still
    assert len(parsed.entries) == 2
    other = tmp_path / "other.toml"
    other.write_text(
        CHANNEL_TOML.format(extra="").replace("Le journal de RHC", "Autre").replace('artwork = "cover.png"\n', ""),
        encoding="utf-8",
    )
    before = remembered.read_bytes()
    publish_file(make_bulletin(tmp_path / "src", "2026-11-27-autre"), feed_dir, other, now=T0)
    assert remembered.read_bytes() == before  # the first channel stays the remembered one


@pytest.mark.parametrize(
    ("zone", "shown", "offset"),
    [(None, "2026-11-25 08:00 CET", "+01:00"), ('"America/Havana"', "2026-11-25 02:00 CST", "-05:00")],
)
def test_the_page_shows_times_in_the_channel_zone_with_iso_datetime(tmp_path, zone, shown, offset):
    extra = "" if zone is None else f"timezone = {zone}"
    feed_dir = tmp_path / "public"
    publish(make_bulletin(tmp_path / "src"), feed_dir, load_channel(write_config(tmp_path / "c", extra)), now=T0)
    page = (feed_dir / "index.html").read_text(encoding="utf-8")
    (value, text) = re.search(r'<time datetime="([^"]+)">([^<]+)</time>', page).groups()
    moment = datetime.fromisoformat(value)  # ISO 8601, not an RFC 2822 date
    assert moment == T0 and value.endswith(offset) and text == shown


def test_an_unknown_time_zone_is_one_clear_error(tmp_path):
    config = write_config(tmp_path, 'timezone = "Europe/Atlantis"')
    with pytest.raises(BulletinError, match=r"podcast.toml: timezone 'Europe/Atlantis' is not an IANA time zone"):
        load_channel(config)


@pytest.mark.parametrize(
    ("artwork", "kept"), [("cover.jpeg", "artwork.jpg"), ("Cover.JPEG", "artwork.jpg"), ("logo.PNG", "artwork.png")]
)
def test_local_artwork_is_kept_under_one_name_per_kind(artwork, kept):
    from bulletin.publish.channel import artwork_name

    assert artwork_name(f"/srv/radio/{artwork}") == kept


@pytest.mark.parametrize(
    ("stem", "title"),
    [
        ("2026-11-25_la_recolte-de-cafe", "La recolte de cafe"),
        ("journal-de-8h", "Journal de 8h"),
        ("2026-11-25", "2026-11-25"),  # nothing but a date: the stem itself
    ],
)
def test_an_untitled_mp3_is_titled_from_its_file_name(tmp_path, stem, title):
    from bulletin.publish.episodes import publish

    audio = make_bulletin(tmp_path / "src", stem, title=None)
    assert publish(audio, tmp_path / "public", make_channel()).title == title


TOP_LEVEL_KEYS = CHANNEL_TOML.format(extra="").replace("[channel]\n", "")  # the header may be left out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "channel file (see examples/podcast.toml) not found"),
        ("channel = 3\n", "[channel] must be a table"),
        (
            TOP_LEVEL_KEYS.replace('author = "Radio Havane Cuba"', "author = 3"),
            "author must be a string",  # a required key too
        ),
        (
            TOP_LEVEL_KEYS + 'colour = "red"\n',
            "unknown key(s) colour; known keys: artwork, author, base_url, category, description, explicit, "
            "language, link, locked, owner_email, owner_name, timezone, title",
        ),
    ],
)
def test_a_bad_channel_file_is_one_line_naming_it(tmp_path, text, message):
    path = tmp_path / "podcast.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(BulletinError) as raised:
        load_channel(path)
    assert str(raised.value) == f"{path}: {message}"


def test_channel_values_are_trimmed_and_a_local_artwork_is_found_beside_the_file(tmp_path):
    path = tmp_path / "conf" / "podcast.toml"
    path.parent.mkdir()
    padded = TOP_LEVEL_KEYS.replace('"Le journal de RHC"', '" Le journal de RHC "')
    path.write_text(padded.replace('"cover.png"', '"img/cover.png"'), encoding="utf-8")
    channel = load_channel(path)
    assert channel.title == "Le journal de RHC" and channel.artwork == str(tmp_path / "conf" / "img" / "cover.png")
    path.write_text(padded.replace('"cover.png"', '"https://cdn.example.org/cover.png"'), encoding="utf-8")
    assert load_channel(path).artwork == "https://cdn.example.org/cover.png"


def test_the_remembered_channel_file_is_the_channel_as_toml_with_its_artwork_beside_it(tmp_path):
    import dataclasses

    import tomllib

    from bulletin.publish.channel import remember_channel

    channel = make_channel(title="Le journal « de RHC »", artwork="/srv/radio/Cover.JPEG", explicit=True, locked=False)
    source = tmp_path / "podcast.toml"
    path = remember_channel(tmp_path, channel, source)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:3] == [
        f"# The channel of this feed, kept by `bulletin publish` from {source.resolve()} at its first",
        "# publish; later publishes into this directory use it when no --config is given. Edit it freely.",
        "[channel]",
    ]
    table = tomllib.loads(text)["channel"]
    assert table["title"] == "Le journal « de RHC »" and "\\u00ab" not in text  # written as UTF-8, not escaped
    assert (table["artwork"], table["explicit"], table["locked"]) == ("artwork.jpg", True, False)
    assert "link" not in table  # empty values are left out
    assert remember_channel(tmp_path, channel, source) is None  # the first one stays
    remote = dataclasses.replace(channel, artwork="https://cdn.example.org/c.png")
    (tmp_path / "b").mkdir()
    assert tomllib.loads(remember_channel(tmp_path / "b", remote, source).read_text())["channel"]["artwork"] == (
        "https://cdn.example.org/c.png"
    )
