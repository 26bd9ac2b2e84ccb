"""Publishing to a podcast feed: read back with feedparser, podcastparser, lxml and mutagen."""

from __future__ import annotations

import json
import multiprocessing
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.mp3 import MP3

from bulletin.errors import AudioError, BulletinError, OutputError
from bulletin.files import slugify
from bulletin.publish.channel import load_channel, podcast_guid
from bulletin.publish.episodes import publish
from bulletin.publish.rss import NS_PODCAST, xml_text

from helpers import ROOT, make_bulletin, make_channel

BASE = "https://example.org/podcast"
T0 = datetime(2026, 11, 25, 7, 0, tzinfo=timezone.utc)
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": NS_PODCAST}


def parse_with_podcastparser(feed: Path) -> dict:
    """Parse ``feed`` as gPodder does.

    podcastparser 0.6.11 maps only the legacy GitHub URI of the Podcasting 2.0
    namespace to ``podcast:``; the spec makes https://podcastindex.org/namespace/1.0
    the namespace and says clients must treat both as identical. Teach it the alias.
    """
    aliases = podcastparser.Namespace.NAMESPACES
    aliases.setdefault(NS_PODCAST, "podcast")
    with open(feed, "rb") as handle:
        return podcastparser.parse(f"{BASE}/feed.xml", handle)


@pytest.fixture
def two_episodes(tmp_path):
    """Two bulletins published an hour apart; returns (feed_dir, [source mp3s], [episodes])."""
    source = tmp_path / "audio_out"
    first = make_bulletin(source, "2026-11-25-le-president-kazakh", seconds=3.0)
    second = make_bulletin(
        source,
        "2026-11-25-la-recolte-de-cafe",
        seconds=4.6,
        freq_hz=330,
        title="La récolte de café",
        description="Le café cubain « de montagne » repart.",
    )
    feed_dir = tmp_path / "public"
    channel = make_channel()
    episodes = [
        publish(first, feed_dir, channel, now=T0),
        publish(second, feed_dir, channel, now=T0 + timedelta(hours=1)),
    ]
    return feed_dir, [first, second], episodes


def test_two_episodes_read_back_by_feedparser(two_episodes):
    feed_dir, sources, _ = two_episodes
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Le journal de test"
    assert len(parsed.entries) == 2
    newest_first = list(reversed(sources))
    for entry, source in zip(parsed.entries, newest_first):
        published = feed_dir / "episodes" / source.name
        (enclosure,) = entry.enclosures
        assert enclosure.href == f"{BASE}/episodes/{source.name}"
        assert int(enclosure.length) == published.stat().st_size == source.stat().st_size
        assert enclosure.type == "audio/mpeg"
        assert abs(int(entry.itunes_duration) - MP3(published).info.length) <= 0.5
        assert entry.id and entry.guidislink is False
        assert entry.podcast_chapters["url"] == f"{BASE}/episodes/{source.stem}.chapters.json"
        assert entry.podcast_transcript["url"].startswith(f"{BASE}/episodes/{source.stem}.")
    assert parsed.entries[0].title == "La récolte de café"
    assert parsed.entries[0].summary == "Le café cubain « de montagne » repart."


def test_two_episodes_read_back_by_podcastparser(two_episodes):
    feed_dir, sources, _ = two_episodes
    podcast = parse_with_podcastparser(feed_dir / "feed.xml")
    assert podcast["title"] == "Le journal de test"
    episodes = podcast["episodes"]
    assert len(episodes) == 2
    for episode, source in zip(episodes, reversed(sources)):
        published = feed_dir / "episodes" / source.name
        (enclosure,) = episode["enclosures"]
        assert enclosure["url"] == f"{BASE}/episodes/{source.name}"
        assert enclosure["file_size"] == published.stat().st_size
        assert enclosure["mime_type"] == "audio/mpeg"
        assert abs(episode["total_time"] - MP3(published).info.length) <= 0.5
        assert episode["transcript_url"].startswith(f"{BASE}/episodes/{source.stem}.")
        assert episode["chapters_json_url"] == f"{BASE}/episodes/{source.stem}.chapters.json"
        # Inline Podlove chapters: what gPodder itself displays.
        assert [c["title"] for c in episode["chapters"]] == ["Titre", "Le récit"]
    assert episodes[0]["published"] > episodes[1]["published"]


def test_feed_carries_both_transcripts_chapters_and_channel_tags(two_episodes):
    feed_dir, sources, episodes = two_episodes
    root = etree.parse(str(feed_dir / "feed.xml")).getroot()
    channel = root.find("channel")
    assert channel.findtext("podcast:guid", namespaces=NS) == podcast_guid(f"{BASE}/feed.xml")
    assert channel.find("itunes:category", NS).get("text") == "News"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("language") == "fr"
    assert channel.find("itunes:owner/itunes:email", NS).text == "test@example.org"
    for item, source in zip(channel.findall("item"), reversed(sources)):
        transcripts = {t.get("type"): t.get("url") for t in item.findall("podcast:transcript", NS)}
        assert transcripts == {
            "text/vtt": f"{BASE}/episodes/{source.stem}.vtt",
            "application/x-subrip": f"{BASE}/episodes/{source.stem}.srt",
            "application/json": f"{BASE}/episodes/{source.stem}.transcript.json",
        }
        captions = {t.get("type"): t.get("rel") for t in item.findall("podcast:transcript", NS)}
        assert captions == {"text/vtt": "captions", "application/x-subrip": "captions", "application/json": None}
        assert item.find("podcast:chapters", NS).get("type") == "application/json+chapters"
        assert item.find("guid").get("isPermaLink") == "false"
        assert item.findtext("itunes:episodeType", namespaces=NS) == "full"
        for kind in ("vtt", "srt", "transcript.json", "chapters.json"):
            assert (feed_dir / "episodes" / f"{source.stem}.{kind}").read_bytes() == source.with_name(
                f"{source.stem}.{kind}"
            ).read_bytes()
    assert [i.findtext("pubDate") for i in channel.findall("item")] == [
        "Wed, 25 Nov 2026 08:00:00 GMT",
        "Wed, 25 Nov 2026 07:00:00 GMT",
    ]
    assert not (feed_dir / "episodes" / f"{sources[0].stem}.script.json").exists()


def test_podcast_guid_matches_the_spec_example():
    # Podcasting 2.0 guid.md: "podnews.net/rss" -> 9b024349-ccf0-5f69-a609-6b82873eab3c
    assert podcast_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_republish_leaves_every_file_byte_identical_and_keeps_guid_and_pubdate(two_episodes):
    feed_dir, sources, episodes = two_episodes
    before = {p: p.read_bytes() for p in feed_dir.rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in before}
    again = publish(sources[0], feed_dir, make_channel(), now=T0 + timedelta(days=3))
    assert again.status == "unchanged"
    assert (again.guid, again.pub_date) == (episodes[0].guid, episodes[0].pub_date)
    after = {p: p.read_bytes() for p in feed_dir.rglob("*") if p.is_file()}
    assert after == before
    assert {p: p.stat().st_mtime_ns for p in after} == mtimes
    assert len(feedparser.parse(str(feed_dir / "feed.xml")).entries) == 2


def test_different_content_under_the_same_name_is_refused(two_episodes, tmp_path):
    feed_dir, sources, _ = two_episodes
    published = feed_dir / "episodes" / sources[0].name
    original = published.read_bytes()
    feed_before = (feed_dir / "feed.xml").read_bytes()
    changed = make_bulletin(tmp_path / "other", sources[0].stem, seconds=2.0, freq_hz=880)
    with pytest.raises(OutputError, match="--replace"):
        publish(changed, feed_dir, make_channel())
    assert published.read_bytes() == original
    assert (feed_dir / "feed.xml").read_bytes() == feed_before


def test_replace_updates_files_and_keeps_guid_and_pubdate(two_episodes, tmp_path):
    feed_dir, sources, episodes = two_episodes
    changed = make_bulletin(tmp_path / "other", sources[0].stem, seconds=2.0, freq_hz=880, title="Titre corrigé")
    replaced = publish(changed, feed_dir, make_channel(), replace=True, now=T0 + timedelta(days=1))
    assert replaced.status == "replaced"
    assert (replaced.guid, replaced.pub_date) == (episodes[0].guid, episodes[0].pub_date)
    published = feed_dir / "episodes" / sources[0].name
    assert published.read_bytes() == changed.read_bytes()
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert not parsed.bozo
    assert len(parsed.entries) == 2
    entry = next(e for e in parsed.entries if e.id == episodes[0].guid)
    assert entry.title == "Titre corrigé"
    assert int(entry.enclosures[0].length) == changed.stat().st_size
    assert abs(int(entry.itunes_duration) - 2.0) <= 0.5


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        (
            'Tom & Jerry <script>alert("x")</script> "quotes" \'single\'',
            'Tom & Jerry <script>alert("x")</script> "quotes" \'single\'',
        ),
        ("Contrôle\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f fin", "Contrôle fin"),
        ("CDATA ]]> end & <![CDATA[ x ]]>", "CDATA ]]> end & <![CDATA[ x ]]>"),
        ("Ligne\nnouvelle\ttab\r retour", "Ligne nouvelle tab retour"),
        ("Emoji 📻 et « guillemets » — tiret", "Emoji 📻 et « guillemets » — tiret"),
    ],
)
def test_hostile_titles_give_valid_xml_and_escaped_html(tmp_path, title, shown):
    """What a podcast app shows: the title's text, on one line, without control characters."""
    audio = make_bulletin(tmp_path / "src", "2026-11-25-hostile", title=title, description=title + " (lead)")
    feed_dir = tmp_path / "public"
    episode = publish(audio, feed_dir, make_channel(title="Show & <Tell>"))
    etree.parse(str(feed_dir / "feed.xml"))  # well-formed, or this raises
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].title == episode.title == shown
    assert parsed.feed.title == "Show & <Tell>"
    page = (feed_dir / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<Tell>" not in page
    assert page.count("<script>") == 1  # only the chapter-seeking script
    html = etree.fromstring(page.encode(), etree.HTMLParser(recover=False))
    assert [h.text for h in html.iter("h2")] == [shown] and html.find(".//h1").text == "Show & <Tell>"


@pytest.mark.parametrize(
    "name, slug",
    [
        ("2026-11-25 Le président kazakh", "2026-11-25-le-president-kazakh"),
        ("../../etc/passwd", "etc-passwd"),
        ("..", "episode"),
        ("/absolute/path", "absolute-path"),
        ("a\\..\\b", "a-b"),
        ("%2e%2e%2f", "2e-2e-2f"),
        ("\x00\x1f", "episode"),
        ("Été ☃ — Ça", "ete-ca"),
    ],
)
def test_slugify_table(name, slug):
    assert slugify(name, max_length=96, fallback="episode") == slug


def test_xml_text_drops_what_xml_cannot_carry():
    assert xml_text("a\x00b\x1bc\ud800d\ufffe\tok\n") == "abcd\tok\n"
    assert xml_text(" a \n b\r\n", single_line=True) == "a b"


# 235 characters: with ".transcript.json" the longest sidecar name still fits in 255
@pytest.mark.parametrize("stem", ["..", "...", ".hidden", "-rf --no-preserve-root", "a" * 235, "Été"])
def test_published_files_never_leave_the_episodes_directory(tmp_path, stem):
    audio = make_bulletin(tmp_path / "src", stem)
    feed_dir = tmp_path / "public"
    episode = publish(audio, feed_dir, make_channel())
    root = (feed_dir / "episodes").resolve()
    for relative in episode.files.values():
        target = (feed_dir / relative).resolve()
        assert target.parent == root and not target.name.startswith((".", "-"))
    assert sorted(p.name for p in feed_dir.iterdir() if not p.name.startswith(".")) == [
        "artwork.png",  # the bundled cover: this channel names none
        "episodes",
        "episodes.json",
        "feed.xml",
        "index.html",
    ]


def _publish_in_child(args) -> str:
    audio, feed_dir, barrier = args
    barrier.wait()
    return publish(Path(audio), Path(feed_dir), make_channel()).guid


def test_concurrent_publishes_from_two_processes_both_land_in_a_valid_feed(tmp_path):
    sources = [
        make_bulletin(tmp_path / "src", f"2026-11-25-bulletin-{n}", seconds=1.0 + n / 4, freq_hz=300 + 50 * n)
        for n in range(6)
    ]
    feed_dir = tmp_path / "public"
    context = multiprocessing.get_context("spawn")
    guids = []
    with context.Manager() as manager, context.Pool(2) as pool:
        barrier = manager.Barrier(2)
        # Three rounds; in each, both processes wait at the barrier, then publish at once.
        for pair in zip(sources[0::2], sources[1::2]):
            guids += pool.map(_publish_in_child, [(str(a), str(feed_dir), barrier) for a in pair], chunksize=1)
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert not parsed.bozo
    assert sorted(e.id for e in parsed.entries) == sorted(guids)
    assert len(parsed.entries) == 6
    assert {Path(e.enclosures[0].href).name for e in parsed.entries} == {s.name for s in sources}
    state = json.loads((feed_dir / "episodes.json").read_text())
    assert len(state["episodes"]) == 6
    assert not [p for p in feed_dir.iterdir() if p.name.endswith(".tmp")]


def test_keep_lists_only_the_newest_items_and_keeps_older_audio(tmp_path):
    feed_dir = tmp_path / "public"
    sources = [make_bulletin(tmp_path / "src", f"2026-11-2{n}-jour-{n}", seconds=1.0) for n in range(3)]
    for n, source in enumerate(sources):
        publish(source, feed_dir, make_channel(), keep=2, now=T0 + timedelta(days=n))
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert [Path(e.enclosures[0].href).stem for e in parsed.entries] == [sources[2].stem, sources[1].stem]
    assert (feed_dir / "episodes" / sources[0].name).exists()


def test_prune_deletes_the_files_of_episodes_beyond_keep(tmp_path):
    feed_dir = tmp_path / "public"
    sources = [make_bulletin(tmp_path / "src", f"2026-11-2{n}-jour-{n}", seconds=1.0) for n in range(3)]
    for n, source in enumerate(sources):
        publish(source, feed_dir, make_channel(), keep=2, now=T0 + timedelta(days=n), prune=True)
    parsed = feedparser.parse(str(feed_dir / "feed.xml"))
    assert [Path(e.enclosures[0].href).stem for e in parsed.entries] == [sources[2].stem, sources[1].stem]
    assert not list((feed_dir / "episodes").glob(f"{sources[0].stem}.*"))
    assert (feed_dir / "episodes" / sources[1].name).exists()


def test_metadata_falls_back_to_the_file_name_and_id3_chapters(tmp_path):
    audio = make_bulletin(
        tmp_path / "src",
        "2026-11-25-le-president-kazakh",
        title=None,
        description=None,
        sidecars=(),
        id3_chapters=True,
        chapters=[(0.0, "Ouverture"), (1.25, "Récit")],
    )
    episode = publish(audio, tmp_path / "public", make_channel())
    assert episode.title == episode.description == "Le president kazakh"
    assert [(c.start_s, c.title) for c in episode.chapters] == [(0.0, "Ouverture"), (1.25, "Récit")]
    assert set(episode.files) == {"audio"}
    item = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot().find("channel/item")
    assert item.find("podcast:transcript", NS) is None and item.find("podcast:chapters", NS) is None


def test_not_an_mp3_is_a_clear_error(tmp_path):
    bogus = tmp_path / "bogus.mp3"
    bogus.write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioError, match="bogus.mp3"):
        publish(bogus, tmp_path / "public", make_channel())
    with pytest.raises(AudioError, match="no such audio file"):
        publish(tmp_path / "missing.mp3", tmp_path / "public", make_channel())


def test_a_base_url_is_required(tmp_path):
    audio = make_bulletin(tmp_path / "src")
    with pytest.raises(BulletinError, match="--base-url"):
        publish(audio, tmp_path / "public", make_channel(base_url=""))
    episode = publish(audio, tmp_path / "public", make_channel(base_url=""), base_url="https://cdn.example.net/x/")
    assert episode.audio_url == f"https://cdn.example.net/x/episodes/{audio.name}"


def test_missing_required_keys_are_listed_with_the_file(tmp_path):
    config = tmp_path / "podcast.toml"
    config.write_text('[channel]\ntitle = "Le journal"\ndescription = ""\n', encoding="utf-8")
    with pytest.raises(BulletinError) as caught:
        load_channel(config)
    message = str(caught.value)
    assert str(config) in message and "\n" not in message
    assert "description, author, owner_email" in message


def test_unknown_keys_and_bad_toml_are_clear_errors(tmp_path):
    config = tmp_path / "podcast.toml"
    config.write_text('[channel]\ntitel = "x"\n', encoding="utf-8")
    with pytest.raises(BulletinError, match="unknown key.*titel"):
        load_channel(config)
    config.write_text("[channel\n", encoding="utf-8")
    with pytest.raises(BulletinError, match="podcast.toml"):
        load_channel(config)
    with pytest.raises(BulletinError, match="not found"):
        load_channel(tmp_path / "nope.toml")


def test_example_channel_loads_and_local_artwork_is_published(tmp_path):
    channel = load_channel(ROOT / "examples" / "podcast.toml")
    assert (channel.language, channel.category, channel.explicit) == ("fr", "News", False)
    art = tmp_path / "cover.png"
    art.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    config = tmp_path / "podcast.toml"
    config.write_text(
        '[channel]\ntitle = "T"\ndescription = "D"\nauthor = "A"\nowner_email = "a@example.org"\n'
        'artwork = "cover.png"\nbase_url = "https://example.org/p"\n',
        encoding="utf-8",
    )
    feed_dir = tmp_path / "public"
    publish(make_bulletin(tmp_path / "src"), feed_dir, load_channel(config))
    assert (feed_dir / "artwork.png").read_bytes() == art.read_bytes()
    channel_el = etree.parse(str(feed_dir / "feed.xml")).getroot().find("channel")
    assert channel_el.find("itunes:image", NS).get("href") == "https://example.org/p/artwork.png"


def test_cli_publish_prints_json_and_fails_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from bulletin.cli import app

    audio = make_bulletin(tmp_path / "src")
    config = ROOT / "examples" / "podcast.toml"
    runner = CliRunner()
    result = runner.invoke(
        app, ["publish", str(audio), "--feed-dir", str(tmp_path / "public"), "--config", str(config), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "added" and summary["length_bytes"] == audio.stat().st_size
    other = make_bulletin(tmp_path / "other", audio.stem, seconds=1.0)
    result = runner.invoke(
        app, ["publish", str(other), "--feed-dir", str(tmp_path / "public"), "--config", str(config)]
    )
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "--replace" in result.stderr
    assert os.path.getsize(tmp_path / "public" / "episodes" / audio.name) == audio.stat().st_size


def cli_publish(*args: str):
    """Run `bulletin publish ARGS` in-process (typer's runner); return the result."""
    from typer.testing import CliRunner

    from bulletin.cli import app

    return CliRunner().invoke(app, ["publish", *map(str, args)])


def test_cli_base_url_overrides_the_channel_url(tmp_path):
    audio = make_bulletin(tmp_path / "src")
    config = ROOT / "examples" / "podcast.toml"
    result = cli_publish(
        audio, "--feed-dir", tmp_path / "public", "--config", config, "--base-url", "https://radio.test/b/", "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["audio_url"] == f"https://radio.test/b/episodes/{audio.name}"
    parsed = feedparser.parse(str(tmp_path / "public" / "feed.xml"))
    assert parsed.entries[0].enclosures[0].href == f"https://radio.test/b/episodes/{audio.name}"
    bad = cli_publish(audio, "--feed-dir", tmp_path / "other", "--config", config, "--base-url", "ftp://radio.test")
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "(got 'ftp://radio.test')" in bad.stderr


def test_cli_replace_swaps_the_audio_and_keeps_the_guid(tmp_path):
    audio = make_bulletin(tmp_path / "src")
    config = ROOT / "examples" / "podcast.toml"
    feed_dir = tmp_path / "public"
    first = json.loads(cli_publish(audio, "--feed-dir", feed_dir, "--config", config, "--json").stdout)
    changed = make_bulletin(tmp_path / "fixed", audio.stem, seconds=2.0, title="Titre corrigé")
    result = cli_publish(changed, "--feed-dir", feed_dir, "--config", config, "--replace", "--json")
    assert result.exit_code == 0, result.output
    replaced = json.loads(result.stdout)
    assert replaced["status"] == "replaced" and replaced["guid"] == first["guid"]
    assert (feed_dir / "episodes" / audio.name).read_bytes() == changed.read_bytes()
    assert [e.title for e in feedparser.parse(str(feed_dir / "feed.xml")).entries] == ["Titre corrigé"]


def test_cli_keep_and_prune_trim_the_feed_and_the_files(tmp_path):
    config = ROOT / "examples" / "podcast.toml"
    feed_dir = tmp_path / "public"
    sources = [make_bulletin(tmp_path / "src", f"2026-11-2{n}-jour-{n}", seconds=1.0) for n in range(4)]
    for source in sources[:3]:
        result = cli_publish(source, "--feed-dir", feed_dir, "--config", config, "--keep", "2")
        assert result.exit_code == 0, result.output
    entries = feedparser.parse(str(feed_dir / "feed.xml")).entries
    assert len(entries) == 2 and (feed_dir / "episodes" / sources[0].name).exists()  # --keep: listed 2, kept all
    result = cli_publish(sources[3], "--feed-dir", feed_dir, "--config", config, "--keep", "1", "--prune")
    assert result.exit_code == 0, result.output
    entries = feedparser.parse(str(feed_dir / "feed.xml")).entries
    assert [Path(e.enclosures[0].href).stem for e in entries] == [sources[3].stem]
    assert sorted(p.name for p in (feed_dir / "episodes").glob("*.mp3")) == [sources[3].name]  # --prune: deleted
    zero = cli_publish(sources[3], "--feed-dir", feed_dir, "--config", config, "--keep", "0")
    assert zero.exit_code == 2 and "--keep" in zero.stderr


def test_a_publish_summary_names_the_episode_its_files_and_its_chapters(tmp_path):
    """What `bulletin publish --json` prints: a CMS stores the guid and links the audio URL."""
    audio = make_bulletin(tmp_path / "src", "2026-11-25-la-recolte-de-cafe", seconds=4.61234, title="La récolte")
    episode = publish(audio, tmp_path / "public", make_channel(), now=T0 + timedelta(hours=1))
    summary = episode.summary()
    stem = "episodes/2026-11-25-la-recolte-de-cafe"
    assert summary == {
        "status": "added",
        "guid": episode.guid,
        "slug": "2026-11-25-la-recolte-de-cafe",
        "title": "La récolte",
        "pub_date": "Wed, 25 Nov 2026 08:00:00 GMT",
        "duration_s": 4.612,
        "audio_url": f"{BASE}/{stem}.mp3",
        "length_bytes": audio.stat().st_size,
        "files": {
            "audio": f"{stem}.mp3",
            "vtt": f"{stem}.vtt",
            "srt": f"{stem}.srt",
            "transcript": f"{stem}.transcript.json",
            "chapters": f"{stem}.chapters.json",
        },
        "feed": str(tmp_path / "public" / "feed.xml"),
        "chapters": [{"start_s": 0.0, "title": "Titre"}, {"start_s": 2.306, "title": "Le récit"}],
    }
    assert len(episode.guid) == 36 and episode.guid.count("-") == 4  # a UUID, as Podcasting 2.0 asks


def _children(element) -> list[tuple]:
    """(prefixed tag, text, attributes) of each child, as a podcast app reads them."""
    out = []
    for child in element:
        if child.tag == "item":
            continue
        prefix = child.prefix + ":" if child.prefix else ""
        text = (child.text or "").strip()
        out.append((prefix + etree.QName(child).localname, text, dict(child.attrib)))
    return out


def test_the_channel_carries_every_tag_apple_and_podcast_index_read(tmp_path):
    """RSS 2.0, Apple's itunes: tags and Podcasting 2.0's, with the prefixes podcast apps match literally."""
    import uuid

    audio = make_bulletin(tmp_path / "src", "2026-11-25-la-recolte-de-cafe", seconds=2.0)
    publish(audio, tmp_path / "public", make_channel(), now=T0 + timedelta(hours=1))
    rss = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot()
    assert rss.get("version") == "2.0"
    assert rss.nsmap == {
        "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
        "podcast": "https://podcastindex.org/namespace/1.0",
        "atom": "http://www.w3.org/2005/Atom",
        "psc": "http://podlove.org/simple-chapters",
    }
    channel = rss.find("channel")
    guid = uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "example.org/podcast/feed.xml")
    assert _children(channel) == [
        ("title", "Le journal de test", {}),
        ("link", f"{BASE}/index.html", {}),
        ("description", "Bulletins générés pour les tests.", {}),
        ("language", "fr", {}),
        ("generator", "bulletin", {}),
        ("lastBuildDate", "Wed, 25 Nov 2026 08:00:00 GMT", {}),
        ("atom:link", "", {"href": f"{BASE}/feed.xml", "rel": "self", "type": "application/rss+xml"}),
        ("itunes:author", "Radio Test", {}),
        ("itunes:owner", "", {}),
        ("itunes:image", "", {"href": f"{BASE}/artwork.png"}),
        ("image", "", {}),
        ("itunes:category", "", {"text": "News"}),
        ("itunes:explicit", "false", {}),
        ("itunes:type", "episodic", {}),
        ("podcast:guid", str(guid), {}),
        ("podcast:locked", "yes", {"owner": "test@example.org"}),
    ]
    owner = channel.find("itunes:owner", NS)
    assert _children(owner) == [("itunes:name", "Radio Test", {}), ("itunes:email", "test@example.org", {})]
    assert _children(channel.find("image")) == [
        ("url", f"{BASE}/artwork.png", {}),
        ("title", "Le journal de test", {}),
        ("link", f"{BASE}/index.html", {}),
    ]


def test_an_explicit_channel_with_its_own_link_and_owner_says_so(tmp_path):
    audio = make_bulletin(tmp_path / "src")
    channel = make_channel(explicit=True, link="https://radio.example.org/", owner_name="Service info")
    publish(audio, tmp_path / "public", channel, now=T0)
    rss = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot().find("channel")
    assert rss.findtext("itunes:explicit", namespaces=NS) == "true"
    assert rss.findtext("link") == "https://radio.example.org/" == rss.findtext("image/link")
    assert rss.findtext("itunes:owner/itunes:name", namespaces=NS) == "Service info"
    assert rss.findtext("itunes:author", namespaces=NS) == "Radio Test"


def test_the_episode_page_offers_each_episode_with_its_player_captions_chapters_and_files(tmp_path):
    """What a listener without a podcast app sees (index.html), read back as HTML, not as a string."""
    import lxml.html

    audio = make_bulletin(tmp_path / "src", "2026-11-25-la-recolte-de-cafe", seconds=2.0, title="La récolte de café")
    publish(audio, tmp_path / "public", make_channel(), now=T0 + timedelta(hours=1))
    page = lxml.html.parse(str(tmp_path / "public" / "index.html")).getroot()
    assert page.get("lang") == "fr" and page.findtext("head/title") == "Le journal de test"
    alternate = page.find("head/link[@rel='alternate']")
    assert (alternate.get("type"), alternate.get("title"), alternate.get("href")) == (
        "application/rss+xml",
        "Le journal de test",
        "feed.xml",
    )
    header = page.find("body/header")
    assert [p.text_content() for p in header.iter("p")] == [
        "Radio Test",
        "Bulletins générés pour les tests.",
        "Flux RSS du podcast",
    ]
    (episode,) = page.findall("body/main/article")
    stem = "episodes/2026-11-25-la-recolte-de-cafe"
    assert episode.get("id") == "2026-11-25-la-recolte-de-cafe" and episode.findtext("h2") == "La récolte de café"
    assert episode.find("p[@class='meta']").text_content() == "2026-11-25 09:00 CET · 0:02"
    assert "Tokaïev" in episode.findall("p")[1].text_content()
    player = episode.find("audio")
    track = player.find("track")
    assert player.get("src") == f"{stem}.mp3" and "controls" in player.attrib
    assert (track.get("kind"), track.get("srclang"), track.get("src"), "default" in track.attrib) == (
        "captions",
        "fr",
        f"{stem}.vtt",
        True,
    )
    assert episode.find("p[@class='caption']") is not None
    chapters = [(li.find("button").get("data-start"), li.text_content()) for li in episode.iter("li")]
    assert chapters == [("0", "0:00 Titre"), ("1", "0:01 Le récit")]
    links = [(a.get("href"), a.text) for a in episode.find("p[@class='links']").iter("a")]
    assert links == [
        (f"{stem}.vtt", "Transcription (VTT)"),
        (f"{stem}.srt", "Sous-titres (SRT)"),
        (f"{stem}.chapters.json", "Chapitres (JSON)"),
        (f"{stem}.mp3", "MP3"),
    ]
    assert "XX" not in page.text_content()


def test_an_empty_feed_page_says_there_is_no_episode_yet():
    import lxml.html

    from bulletin.publish.page import render_index

    page = lxml.html.fromstring(render_index(make_channel(), []))
    assert page.find("body/main").text_content().strip() == "Aucun épisode publié."


def test_an_episode_without_captions_has_no_track_and_links_only_its_audio(tmp_path):
    import lxml.html

    audio = make_bulletin(tmp_path / "src", "b", seconds=2.0, sidecars=())
    publish(audio, tmp_path / "public", make_channel(), now=T0)
    episode = lxml.html.parse(str(tmp_path / "public" / "index.html")).getroot().find("body/main/article")
    assert episode.find("audio/track") is None and episode.find("p[@class='caption']") is None
    assert [(a.get("href"), a.text) for a in episode.find("p[@class='links']").iter("a")] == [("episodes/b.mp3", "MP3")]


def test_an_item_carries_its_enclosure_transcripts_and_chapters_as_podcast_apps_read_them(tmp_path):
    import uuid

    audio = make_bulletin(tmp_path / "src", "2026-11-25-la-recolte-de-cafe", seconds=2.0, title="La récolte de café")
    publish(audio, tmp_path / "public", make_channel(), now=T0 + timedelta(hours=1))
    raw = (tmp_path / "public" / "feed.xml").read_bytes()
    assert raw.startswith(b"<?xml version='1.0' encoding='UTF-8'?>") and "récolte".encode() in raw
    item = etree.fromstring(raw).find("channel/item")
    url = f"{BASE}/episodes/2026-11-25-la-recolte-de-cafe"
    rows = _children(item)
    guid = rows[3][1]
    assert uuid.UUID(guid).version == 5
    assert rows == [
        ("title", "La récolte de café", {}),
        ("description", "Le président du Kazakhstan, Kassym-Jomart Tokaïev, est arrivé à La Havane.", {}),
        ("link", f"{BASE}/index.html#2026-11-25-la-recolte-de-cafe", {}),
        ("guid", guid, {"isPermaLink": "false"}),
        ("pubDate", "Wed, 25 Nov 2026 08:00:00 GMT", {}),
        ("enclosure", "", {"url": f"{url}.mp3", "length": str(audio.stat().st_size), "type": "audio/mpeg"}),
        ("itunes:duration", "2", {}),
        ("itunes:episodeType", "full", {}),
        ("itunes:explicit", "false", {}),
        ("podcast:transcript", "", {"url": f"{url}.vtt", "type": "text/vtt", "language": "fr", "rel": "captions"}),
        (
            "podcast:transcript",
            "",
            {"url": f"{url}.srt", "type": "application/x-subrip", "language": "fr", "rel": "captions"},
        ),
        ("podcast:transcript", "", {"url": f"{url}.transcript.json", "type": "application/json", "language": "fr"}),
        ("podcast:chapters", "", {"url": f"{url}.chapters.json", "type": "application/json+chapters"}),
        ("psc:chapters", "", {"version": "1.2"}),
    ]
    marks = item.find("psc:chapters", {"psc": "http://podlove.org/simple-chapters"})
    assert [dict(mark.attrib) for mark in marks] == [
        {"start": "00:00:00.000", "title": "Titre"},
        {"start": "00:00:01.000", "title": "Le récit"},
    ]


@pytest.mark.parametrize(
    ("base_url", "said"),
    [
        ("", "no public base URL for the feed: set base_url in the channel TOML or pass --base-url https://…"),
        (
            "ftp://example.org/",
            "no public base URL for the feed: set base_url in the channel TOML or pass --base-url https://… "
            "(got 'ftp://example.org')",
        ),
    ],
)
def test_a_feed_without_a_public_http_base_is_refused_in_one_line(tmp_path, base_url, said):
    with pytest.raises(BulletinError) as raised:
        publish(make_bulletin(tmp_path / "src"), tmp_path / "public", make_channel(base_url=base_url))
    assert str(raised.value) == said and not (tmp_path / "public").exists()


def test_a_base_url_with_a_trailing_slash_gives_clean_urls(tmp_path):
    episode = publish(make_bulletin(tmp_path / "src", "b"), tmp_path / "public", make_channel(base_url=f"{BASE}/"))
    assert episode.audio_url == f"{BASE}/episodes/b.mp3"


@pytest.mark.parametrize("keep", [0, 100_001])
def test_keep_out_of_range_is_refused(tmp_path, keep):
    with pytest.raises(BulletinError) as raised:
        publish(make_bulletin(tmp_path / "src"), tmp_path / "public", make_channel(), keep=keep)
    assert str(raised.value) == f"--keep {keep} is out of range; use 1 to 100000"


def test_the_largest_keep_is_allowed_and_a_long_file_name_gives_a_short_slug(tmp_path):
    audio = make_bulletin(tmp_path / "src", "journal-" + "tres-long-" * 15)
    episode = publish(audio, tmp_path / "public", make_channel(), keep=100_000)
    assert len(episode.slug) <= 96 and episode.slug.startswith("journal-tres-long")


def test_a_feed_directory_that_cannot_be_made_is_one_line(tmp_path):
    blocker = tmp_path / "public"
    blocker.write_text("a file, not a directory", encoding="utf-8")
    with pytest.raises(OutputError) as raised:
        publish(make_bulletin(tmp_path / "src"), blocker, make_channel())
    assert str(raised.value).startswith(f"{blocker}: cannot create the feed directory (")


def test_other_audio_under_a_published_name_names_what_differs(tmp_path):
    publish(make_bulletin(tmp_path / "one", "b", seconds=2.0), tmp_path / "public", make_channel())
    with pytest.raises(OutputError) as raised:
        publish(make_bulletin(tmp_path / "two", "b", seconds=3.0), tmp_path / "public", make_channel())
    assert str(raised.value).startswith("b is already published with different content (episodes/b.mp3")
    assert str(raised.value).endswith("); use --replace to update it (it keeps its GUID and date)")


def test_a_sidecar_added_later_updates_the_episode_and_the_same_files_change_nothing(tmp_path):
    bare = make_bulletin(tmp_path / "one", "b", seconds=2.0, sidecars=())
    assert publish(bare, tmp_path / "public", make_channel()).status == "added"
    assert publish(bare, tmp_path / "public", make_channel()).status == "unchanged"
    (tmp_path / "one" / "b.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour.\n", encoding="utf-8")
    assert publish(bare, tmp_path / "public", make_channel()).status == "updated"
    assert (tmp_path / "public" / "episodes" / "b.vtt").is_file()


def test_a_publish_renames_nothing_until_every_file_is_staged(tmp_path, monkeypatch):
    """A kill at the pause point leaves the feed as it was: the crash drill's point, probed in process."""
    from bulletin.publish import episodes

    publish(make_bulletin(tmp_path / "one", "a"), tmp_path / "public", make_channel(), now=T0)
    before = (tmp_path / "public" / "feed.xml").read_bytes()
    seen = []
    monkeypatch.setattr(
        episodes,
        "pause_point",
        lambda name: seen.append((name, (tmp_path / "public" / "feed.xml").read_bytes() == before)),
    )
    publish(make_bulletin(tmp_path / "two", "b"), tmp_path / "public", make_channel(), now=T0 + timedelta(hours=1))
    assert seen == [("publish-staged", True)]
    assert (tmp_path / "public" / "feed.xml").read_bytes() != before


def _tag(audio, *frames):
    from mutagen.id3 import ID3

    tags = ID3(audio)
    for frame in frames:
        tags.add(frame)
    tags.save(audio)


@pytest.mark.parametrize(("mime", "suffix"), [("image/png", ".png"), ("image/jpeg", ".jpg"), ("IMAGE/JPG", ".jpg")])
def test_the_cover_embedded_in_an_mp3_becomes_the_episode_image(tmp_path, mime, suffix):
    from mutagen.id3 import APIC

    audio = make_bulletin(tmp_path / "src", "b")
    _tag(audio, APIC(encoding=3, mime=mime, type=3, desc="", data=b"\x89PNG fake cover"))
    episode = publish(audio, tmp_path / "public", make_channel(), now=T0)
    assert episode.files["image"] == f"episodes/b{suffix}"
    assert (tmp_path / "public" / "episodes" / f"b{suffix}").read_bytes() == b"\x89PNG fake cover"
    item = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot().find("channel/item")
    assert item.find("itunes:image", NS).get("href") == f"{BASE}/episodes/b{suffix}"


def test_a_cover_of_another_kind_is_not_published_and_the_plain_comment_is_the_description(tmp_path):
    from mutagen.id3 import APIC, COMM

    audio = make_bulletin(tmp_path / "src", "b", description=None)
    _tag(
        audio,
        APIC(encoding=3, mime="image/gif", type=3, desc="", data=b"GIF89a"),
        COMM(encoding=3, lang="fra", desc="note", text="Une note interne."),
        COMM(encoding=3, lang="fra", desc="", text=["Le résumé.", "Sa suite."]),
    )
    episode = publish(audio, tmp_path / "public", make_channel(), now=T0)
    assert "image" not in episode.files and not list((tmp_path / "public" / "episodes").glob("b.gif"))
    item = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot().find("channel/item")
    assert item.findtext("description") == "Le résumé.\nSa suite."


@pytest.mark.parametrize(
    ("record", "problem"), [("{not json", "Expecting property name"), ('{"episodes": 3}', "no episodes list")]
)
def test_a_damaged_episode_record_is_one_line_and_changes_nothing(tmp_path, record, problem):
    feed = tmp_path / "public"
    feed.mkdir()
    (feed / "episodes.json").write_text(record, encoding="utf-8")
    with pytest.raises(OutputError) as raised:
        publish(make_bulletin(tmp_path / "src"), feed, make_channel())
    message = str(raised.value)
    assert message.startswith(f"{feed / 'episodes.json'}: damaged episode record (") and problem in message
    assert message.endswith("); restore it from a backup") and not (feed / "feed.xml").exists()


def test_a_local_artwork_that_is_not_an_image_file_is_refused(tmp_path):
    cover = tmp_path / "cover.gif"
    cover.write_bytes(b"GIF89a")
    with pytest.raises(BulletinError) as raised:
        publish(make_bulletin(tmp_path / "src"), tmp_path / "public", make_channel(artwork=str(cover)))
    assert str(raised.value) == f"{cover}: artwork must be an existing .jpg or .png file, or an https URL"


@pytest.mark.parametrize("name", ["cover.JPG", "cover.jpeg", "cover.png"])
def test_a_local_artwork_is_published_beside_the_feed(tmp_path, name):
    cover = tmp_path / name
    cover.write_bytes(b"\xff\xd8\xff cover")
    publish(make_bulletin(tmp_path / "src"), tmp_path / "public", make_channel(artwork=str(cover)))
    kept = "artwork.png" if name.endswith(".png") else "artwork.jpg"
    assert (tmp_path / "public" / kept).read_bytes() == b"\xff\xd8\xff cover"


def test_a_remote_artwork_is_linked_not_copied(tmp_path):
    publish(make_bulletin(tmp_path / "src"), tmp_path / "public", make_channel(artwork="https://cdn.example.org/c.png"))
    channel = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot().find("channel")
    assert channel.find("itunes:image", NS).get("href") == "https://cdn.example.org/c.png"
    assert not list((tmp_path / "public").glob("artwork.*"))


def test_a_held_feed_lock_times_out_in_one_line(tmp_path):
    import fcntl

    from bulletin.publish.episodes import _FeedLock

    with open(tmp_path / ".lock", "a+b") as holder:
        fcntl.flock(holder.fileno(), fcntl.LOCK_EX)
        with pytest.raises(OutputError) as raised:
            with _FeedLock(tmp_path, timeout_s=0.2):
                pass
    assert str(raised.value) == f"{tmp_path / '.lock'}: another publish holds the feed lock; try again"
    with _FeedLock(tmp_path, timeout_s=0.2) as lock:  # released: taken at once
        assert lock.handle is not None


def test_episodes_published_in_the_same_second_are_listed_newest_first(tmp_path):
    for stem in ("a", "b", "c"):
        publish(make_bulletin(tmp_path / stem, stem), tmp_path / "public", make_channel(), now=T0)
    items = etree.parse(str(tmp_path / "public" / "feed.xml")).getroot().findall("channel/item")
    assert [item.findtext("link").rsplit("#", 1)[1] for item in items] == ["c", "b", "a"]
