"""feed.xml: RSS 2.0 with the ``itunes:``, Podcasting 2.0 ``podcast:`` and Podlove chapters namespaces (lxml)."""

from __future__ import annotations

import re
from urllib.parse import quote

from bulletin import defaults
from bulletin.audio.sidecars import MIME_TYPES
from bulletin.publish.channel import Channel, podcast_guid
from bulletin.timecode import timestamp

NS_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
NS_PODCAST = "https://podcastindex.org/namespace/1.0"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_PSC = "http://podlove.org/simple-chapters"  # inline chapters, read by gPodder and AntennaPod

# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/FFFF; it
# discourages DEL and the C1 controls (U+007F-U+009F), which podcast apps show as garbage.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str, single_line: bool = False) -> str:
    """Return ``value`` without characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    value = _XML_ILLEGAL.sub("", str(value))
    if single_line:
        value = " ".join(value.split())
    return value


def feed_url(base_url: str, relative: str) -> str:
    """Return the public URL of ``relative`` (a path inside the feed directory)."""
    return f"{base_url}/{quote(relative)}"


def render_feed(
    channel: Channel, entries: list[dict], base_url: str, keep: int = defaults.FEED_KEEP, artwork_url: str = ""
) -> bytes:
    """Return feed.xml for ``entries`` (newest first; only the first ``keep``) as UTF-8 bytes."""
    from lxml import etree

    it, pc, atom, psc = (f"{{{ns}}}" for ns in (NS_ITUNES, NS_PODCAST, NS_ATOM, NS_PSC))

    def add(parent, tag, content=None, **attributes):
        element = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
        if content is not None:
            element.text = xml_text(content)
        return element

    self_url = feed_url(base_url, "feed.xml")
    explicit = "true" if channel.explicit else "false"
    rss = etree.Element("rss", nsmap={"itunes": NS_ITUNES, "podcast": NS_PODCAST, "atom": NS_ATOM, "psc": NS_PSC})
    rss.set("version", "2.0")
    ch = add(rss, "channel")
    add(ch, "title", xml_text(channel.title, single_line=True))
    add(ch, "link", channel.link or feed_url(base_url, "index.html"))
    add(ch, "description", channel.description)
    add(ch, "language", channel.language)
    add(ch, "generator", "bulletin")
    if entries:
        add(ch, "lastBuildDate", entries[0]["pub_date"])  # the newest item: stable across republishes
    add(ch, f"{atom}link", href=self_url, rel="self", type="application/rss+xml")
    add(ch, f"{it}author", channel.author)
    owner = add(ch, f"{it}owner")
    add(owner, f"{it}name", channel.owner_name or channel.author)
    add(owner, f"{it}email", channel.owner_email)
    if artwork_url:
        add(ch, f"{it}image", href=artwork_url)
        image = add(ch, "image")
        add(image, "url", artwork_url)
        add(image, "title", xml_text(channel.title, single_line=True))
        add(image, "link", channel.link or feed_url(base_url, "index.html"))
    add(ch, f"{it}category", text=channel.category)
    add(ch, f"{it}explicit", explicit)
    add(ch, f"{it}type", "episodic")
    add(ch, f"{pc}guid", podcast_guid(self_url))
    add(ch, f"{pc}locked", "yes" if channel.locked else "no", owner=channel.owner_email)
    for entry in entries[:keep]:
        item = add(ch, "item")
        add(item, "title", entry["title"])
        add(item, "description", entry["description"])
        add(item, "link", feed_url(base_url, "index.html") + "#" + entry["slug"])
        add(item, "guid", entry["guid"], isPermaLink="false")
        add(item, "pubDate", entry["pub_date"])
        files = entry["files"]
        add(
            item,
            "enclosure",
            url=feed_url(base_url, files["audio"]),
            length=str(entry["length_bytes"]),
            type="audio/mpeg",
        )
        add(item, f"{it}duration", str(round(entry["duration_s"])))
        add(item, f"{it}episodeType", entry.get("episode_type", "full"))
        add(item, f"{it}explicit", explicit)
        if "image" in files:
            add(item, f"{it}image", href=feed_url(base_url, files["image"]))
        for kind in ("vtt", "srt", "transcript"):
            if kind in files:
                captions = {"rel": "captions"} if kind != "transcript" else {}  # JSON: a transcript, not captions
                add(
                    item,
                    f"{pc}transcript",
                    url=feed_url(base_url, files[kind]),
                    type=MIME_TYPES[kind],
                    language=channel.language,
                    **captions,
                )
        if "chapters" in files:
            add(item, f"{pc}chapters", url=feed_url(base_url, files["chapters"]), type=MIME_TYPES["chapters"])
        if entry["chapters"]:
            marks = add(item, f"{psc}chapters", version="1.2")
            for start_s, title in entry["chapters"]:
                add(marks, f"{psc}chapter", start=timestamp(start_s), title=xml_text(title, single_line=True))
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
