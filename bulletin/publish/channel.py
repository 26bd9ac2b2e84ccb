"""The show: a podcast channel described in a TOML file, and the rules for finding that file."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

from bulletin import defaults
from bulletin.config import check_keys, check_types, read_toml
from bulletin.errors import BulletinError

#: Podcasting 2.0 namespace for podcast:guid (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
REQUIRED_KEYS = ("title", "description", "author", "owner_email")


@dataclass(frozen=True)
class Channel:
    """The show: one podcast channel, loaded from a TOML file (``load_channel``)."""

    title: str
    """Show name, e.g. "Le journal de RHC"."""
    description: str
    """One or two sentences describing the show."""
    author: str
    """Station or presenter, shown as the artist (itunes:author)."""
    owner_email: str
    """Contact e-mail for directories (itunes:owner)."""
    owner_name: str = ""
    """Owner's name (default: author)."""
    language: str = "fr"
    """RSS language code."""
    category: str = "News"
    """Apple Podcasts category."""
    explicit: bool = False
    """Whether the show is marked explicit."""
    artwork: str = ""
    """Cover art: an http(s) URL, or an image file (relative to the TOML) copied into the feed dir."""
    link: str = ""
    """The show's web page (default: the feed directory's index.html)."""
    base_url: str = ""
    """Public URL of the feed directory; enclosure URLs are built on it (``--base-url`` overrides)."""
    locked: bool = defaults.FEED_LOCKED
    """podcast:locked: true ("yes") asks other hosting platforms not to import the feed (owner: owner_email)."""
    timezone: str = defaults.FEED_TIMEZONE
    """IANA time zone the feed's page shows publication times in ("Europe/Paris")."""

    def zone(self):
        """Return the channel's time zone as a ``zoneinfo.ZoneInfo``."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)


def load_channel(path: Path | str) -> Channel:
    """Return the Channel described by the TOML file at ``path`` (a ``[channel]`` table or top-level keys)."""
    path = Path(path)
    data = read_toml(path, "channel file (see examples/podcast.toml)")
    table = data.get("channel", data)
    if not isinstance(table, dict):
        raise BulletinError(f"{path}: [channel] must be a table")
    check_keys(table, Channel, str(path))
    missing = [key for key in REQUIRED_KEYS if not str(table.get(key, "")).strip()]
    if missing:
        raise BulletinError(f"{path}: missing required key(s) {', '.join(missing)} in [channel]")
    check_types(table, Channel, str(path))
    values = {key: value.strip() if isinstance(value, str) else value for key, value in table.items()}
    artwork = values.get("artwork", "")
    if artwork and not is_http_url(artwork):
        values["artwork"] = str((path.parent / artwork).resolve())
    channel = Channel(**values)
    try:
        channel.zone()
    except (ValueError, LookupError):  # zoneinfo: unknown name, or a name that is a path
        raise BulletinError(
            f'{path}: timezone {channel.timezone!r} is not an IANA time zone; write one like "Europe/Paris"'
        ) from None
    return channel


def podcast_guid(feed_url: str) -> str:
    """Return the Podcasting 2.0 podcast:guid: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def is_http_url(value: str) -> bool:
    """Return True for an absolute http(s) URL with a host."""
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def find_channel_config(feed_dir: Path, config: Path | None = None) -> Path:
    """Return the channel TOML to publish with: ``config``, else FEED_DIR/podcast.toml, else ./podcast.toml.

    FEED_DIR/podcast.toml is the one the feed remembers: ``remember_channel`` writes it at the
    first publish given a ``config``.
    """
    if config is not None:
        return Path(config)
    candidates = [Path(feed_dir) / defaults.CHANNEL_FILE, Path(defaults.CHANNEL_FILE)]
    found = next((candidate for candidate in candidates if candidate.is_file()), None)
    if found is None:
        raise BulletinError("no channel file: pass --config podcast.toml (see examples/podcast.toml)")
    return found


def remember_channel(feed_dir: Path, channel: Channel, source: Path) -> Path | None:
    """Keep ``channel`` as FEED_DIR/podcast.toml unless the feed already has one; return it if written.

    Written from the loaded Channel, not copied: an artwork path relative to ``source`` would
    not resolve from the feed directory, so it names the copy publish keeps there.
    """
    import json

    from bulletin.files import write_atomic

    target = Path(feed_dir) / defaults.CHANNEL_FILE
    if target.exists():
        return None
    lines = [
        f"# The channel of this feed, kept by `bulletin publish` from {Path(source).resolve()} at its first",
        "# publish; later publishes into this directory use it when no --config is given. Edit it freely.",
        "[channel]",
    ]
    for field in fields(Channel):
        value = getattr(channel, field.name)
        if field.name == "artwork" and value and not is_http_url(value):
            value = artwork_name(value)
        if isinstance(value, bool):
            lines.append(f"{field.name} = {'true' if value else 'false'}")
        elif value != "":
            lines.append(f"{field.name} = {json.dumps(value, ensure_ascii=False)}")  # a JSON string is TOML
    write_atomic(target, ("\n".join(lines) + "\n").encode("utf-8"))
    return target


def artwork_name(path: str) -> str:
    """Return the name a local artwork file is kept under in the feed directory ("artwork.png")."""
    suffix = Path(path).suffix.lower()
    return "artwork" + (".jpg" if suffix == ".jpeg" else suffix)
