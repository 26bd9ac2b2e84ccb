"""index.html of a feed directory: each episode with an ``<audio>`` player, its VTT as a captions
track and its chapters as buttons that seek. Its style and script are package data (``templates/``)."""

from __future__ import annotations

import email.utils
from functools import cache
from html import escape
from importlib import resources
from urllib.parse import quote

from bulletin import defaults
from bulletin.publish.channel import Channel
from bulletin.publish.rss import xml_text
from bulletin.timecode import format_duration


@cache
def _template(name: str) -> str:
    return (resources.files("bulletin.publish") / "templates" / name).read_text(encoding="utf-8").strip()


def render_index(channel: Channel, entries: list[dict], keep: int = defaults.FEED_KEEP, artwork_url: str = "") -> bytes:
    """Return index.html: the show and its newest ``keep`` episodes, each with a player, captions and chapters.

    ``entries`` are episode records from the feed directory (newest first). Links are
    relative, so the page works from any host, ``bulletin serve`` included. Times are shown
    in the channel's time zone; ``<time datetime>`` carries them in ISO 8601 with their offset.
    """

    def h(value: str) -> str:
        return escape(xml_text(value), quote=True)

    zone = channel.zone()

    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{h(channel.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(channel.title)}</title>",
        f'<link rel="alternate" type="application/rss+xml" title="{h(channel.title)}" href="feed.xml">',
        f"<style>{_template('index.css')}</style>",
        "</head>",
        "<body>",
        "<header>",
    ]
    if artwork_url:
        parts.append(f'<img class="art" src="{h(artwork_url)}" alt="">')
    parts += [
        f"<div><h1>{h(channel.title)}</h1>",
        f'<p class="by">{h(channel.author)}</p>',
        f"<p>{h(channel.description)}</p>",
        '<p><a class="feed" href="feed.xml">Flux RSS du podcast</a></p></div>',
        "</header>",
        "<main>",
    ]
    if not entries:
        parts.append("<p>Aucun épisode publié.</p>")
    for entry in entries[:keep]:
        files = entry["files"]
        published = email.utils.parsedate_to_datetime(entry["pub_date"]).astimezone(zone)
        when = published.strftime("%Y-%m-%d %H:%M %Z")  # in the channel's time zone: "2026-12-01 09:00 CET"
        parts += [
            f'<article class="episode" id="{h(entry["slug"])}">',
            f"<h2>{h(entry['title'])}</h2>",
            f'<p class="meta"><time datetime="{h(published.isoformat())}">{h(when)}</time> · '
            f"{h(format_duration(entry['duration_s']))}</p>",
            f"<p>{h(entry['description'])}</p>",
            f'<audio controls preload="metadata" src="{h(quote(files["audio"]))}">',
        ]
        if "vtt" in files:
            parts.append(
                f'<track kind="captions" srclang="{h(channel.language)}" label="Transcription" '
                f'src="{h(quote(files["vtt"]))}" default>'
            )
        parts.append("</audio>")
        if "vtt" in files:
            parts.append('<p class="caption" aria-live="polite"></p>')
        if entry["chapters"]:
            parts.append('<ol class="chapters">')
            for start_s, title in entry["chapters"]:
                parts.append(
                    f'<li><button type="button" data-start="{start_s:g}">'
                    f"{h(format_duration(start_s))}</button> {h(title)}</li>"
                )
            parts.append("</ol>")
        links = [
            f'<a href="{h(quote(files[k]))}">{label}</a>'
            for k, label in (
                ("vtt", "Transcription (VTT)"),
                ("srt", "Sous-titres (SRT)"),
                ("chapters", "Chapitres (JSON)"),
                ("audio", "MP3"),
            )
            if k in files
        ]
        parts.append(f'<p class="links">{" · ".join(links)}</p>')
        parts.append("</article>")
    parts += ["</main>", f"<script>{_template('index.js')}</script>", "</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")
