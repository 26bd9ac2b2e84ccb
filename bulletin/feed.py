"""Publish bulletins to a podcast feed directory: episodes/, feed.xml, index.html.

The feed is RSS 2.0 with the ``itunes:`` and Podcasting 2.0 ``podcast:`` namespaces,
built with lxml. ``DIR/episodes.json`` is the record of every published episode (GUID
and pubDate are fixed there at first publish and never change); feed.xml and
index.html are rendered from it, deterministically, so republishing the same episode
leaves them byte-identical. Every write is temp file + fsync + rename, under an
exclusive lock on ``DIR/.lock``, so concurrent publishes all land in a valid feed.
"""

from __future__ import annotations

import email.utils
import fcntl
import hashlib
import json
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import tomllib

from bulletin.errors import AudioError, BulletinError, OutputError
from bulletin.files import copy_atomic, fsync_dir, sha256_file, write_atomic

NS_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
NS_PODCAST = "https://podcastindex.org/namespace/1.0"
NS_ATOM = "http://www.w3.org/2005/Atom"
NS_PSC = "http://podlove.org/simple-chapters"  # inline chapters, read by gPodder and AntennaPod
#: Podcasting 2.0 namespace for podcast:guid (UUIDv5 of the feed URL).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")

STATE_FILE = "episodes.json"
LOCK_FILE = ".lock"
LOCK_TIMEOUT_S = 30.0
#: Sidecar suffixes published beside the MP3 (same stem), with the MIME type they are served as.
SIDECARS = {".vtt": "text/vtt", ".srt": "application/x-subrip", ".chapters.json": "application/json+chapters"}
REQUIRED_KEYS = ("title", "description", "author", "owner_email")

# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates and U+FFFE/FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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


@dataclass(frozen=True)
class Chapter:
    """A chapter mark: start time in seconds and title."""

    start_s: float
    title: str


@dataclass(frozen=True)
class Episode:
    """One published episode, as it appears in the feed."""

    guid: str
    """Stable identifier (isPermaLink="false"); fixed at first publish."""
    slug: str
    """File stem under DIR/episodes/."""
    title: str
    description: str
    pub_date: str
    """RFC 2822 date, fixed at first publish."""
    duration_s: float
    audio_url: str
    length_bytes: int
    files: dict = field(default_factory=dict)
    """Published files relative to the feed dir, by kind: audio, vtt, srt, chapters, image."""
    chapters: tuple = ()
    status: str = "added"
    """What this publish did: "added", "unchanged", "updated" (a sidecar added) or "replaced"."""
    feed_path: str = ""

    def summary(self) -> dict:
        """Return a JSON-ready dict of this episode."""
        return {
            "status": self.status,
            "guid": self.guid,
            "slug": self.slug,
            "title": self.title,
            "pub_date": self.pub_date,
            "duration_s": round(self.duration_s, 3),
            "audio_url": self.audio_url,
            "length_bytes": self.length_bytes,
            "files": dict(self.files),
            "feed": self.feed_path,
            "chapters": [{"start_s": c.start_s, "title": c.title} for c in self.chapters],
        }


# ---------------------------------------------------------------------------- channel


def load_channel(path: Path | str) -> Channel:
    """Return the Channel described by the TOML file at ``path`` (a ``[channel]`` table or top-level keys)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BulletinError(f"{path}: channel file not found (see examples/podcast.toml)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BulletinError(f"{path}: cannot read channel TOML: {error}") from None
    table = data.get("channel", data)
    if not isinstance(table, dict):
        raise BulletinError(f"{path}: [channel] must be a table")
    known = {f.name for f in fields(Channel)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise BulletinError(f"{path}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
    missing = [key for key in REQUIRED_KEYS if not str(table.get(key, "")).strip()]
    if missing:
        raise BulletinError(f"{path}: missing required key(s) {', '.join(missing)} in [channel]")
    values = {}
    for key, value in table.items():
        if key == "explicit":
            if not isinstance(value, bool):
                raise BulletinError(f"{path}: explicit must be true or false")
            values[key] = value
        elif not isinstance(value, str):
            raise BulletinError(f"{path}: {key} must be a string")
        else:
            values[key] = value.strip()
    artwork = values.get("artwork", "")
    if artwork and not _is_http_url(artwork):
        values["artwork"] = str((path.parent / artwork).resolve())
    return Channel(**values)


def podcast_guid(feed_url: str) -> str:
    """Return the Podcasting 2.0 podcast:guid: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


# ---------------------------------------------------------------------------- helpers


def slugify(name: str, max_len: int = 96) -> str:
    """Return a file-name-safe slug of ``name``: lowercase ASCII letters, digits and single dashes.

    "2026-11-25 Le président kazakh" -> "2026-11-25-le-president-kazakh". The result never
    contains "/", "." or "..", so it cannot leave the directory it is joined to.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:max_len].rstrip("-")
    return slug or "episode"


def xml_text(value: str, single_line: bool = False) -> str:
    """Return ``value`` without characters XML 1.0 cannot carry (control characters, lone surrogates)."""
    value = _XML_ILLEGAL.sub("", str(value))
    if single_line:
        value = " ".join(value.split())
    return value


def format_duration(seconds: float) -> str:
    """Return "H:MM:SS" or "M:SS" for a chapter time."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class _FeedLock:
    """Exclusive fcntl lock on DIR/.lock, with a timeout instead of waiting forever."""

    def __init__(self, directory: Path, timeout_s: float = LOCK_TIMEOUT_S):
        self.path = directory / LOCK_FILE
        self.timeout_s = timeout_s
        self.handle = None

    def __enter__(self):
        self.handle = open(self.path, "a+b")
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.handle.close()
                    raise OutputError(f"{self.path}: another publish holds the feed lock; try again") from None
                time.sleep(0.05)

    def __exit__(self, *exc):
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()


# ---------------------------------------------------------------------------- reading an episode


def load_chapters(audio: Path | str) -> list[Chapter]:
    """Return the chapters of ``audio``: from ``<stem>.chapters.json`` if present, else its ID3 CHAP frames."""
    audio = Path(audio)
    sidecar = audio.with_name(audio.stem + ".chapters.json")
    if sidecar.is_file():
        return _chapters_from_json(sidecar)
    return _chapters_from_id3(audio)


def _chapters_from_json(path: Path) -> list[Chapter]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chapters = [Chapter(float(c["startTime"]), str(c.get("title", ""))) for c in data["chapters"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BulletinError(f"{path}: not a Podcasting 2.0 chapters file ({error})") from None
    return sorted(chapters, key=lambda c: c.start_s)


def _chapters_from_id3(audio: Path) -> list[Chapter]:
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(audio)
    except (ID3NoHeaderError, OSError):
        return []
    except Exception:  # a damaged tag is not worth failing playback or publishing over
        return []
    chapters = []
    for frame in tags.getall("CHAP"):
        title = ""
        for sub in frame.sub_frames.values():
            if sub.FrameID == "TIT2" and sub.text:
                title = str(sub.text[0])
        chapters.append(Chapter(frame.start_time / 1000.0, title or frame.element_id))
    return sorted(chapters, key=lambda c: c.start_s)


@dataclass(frozen=True)
class _Source:
    """What publish learns from the MP3 and its sidecars before touching the feed dir."""

    title: str
    description: str
    duration_s: float
    files: dict  # kind -> source path
    image: tuple | None  # (bytes, extension) from APIC
    chapters: list


def _title_from_stem(stem: str) -> str:
    words = re.sub(r"^\d{4}-\d{2}-\d{2}[-_ ]*", "", stem).replace("_", " ").replace("-", " ").strip()
    return (words[:1].upper() + words[1:]) if words else stem


def _read_source(audio: Path) -> _Source:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3, HeaderNotFoundError

    if not audio.is_file():
        raise AudioError(f"{audio}: no such audio file")
    try:
        mp3 = MP3(audio)
    except (HeaderNotFoundError, MutagenError, OSError) as error:
        raise AudioError(f"{audio}: not a readable MP3 ({error})") from None
    duration_s = float(mp3.info.length)
    if duration_s <= 0:
        raise AudioError(f"{audio}: the MP3 has no audio frames")
    tags = mp3.tags
    title = description = ""
    image = None
    if tags is not None:
        if tags.get("TIT2") and tags["TIT2"].text:
            title = str(tags["TIT2"].text[0])
        comments = tags.getall("COMM")
        preferred = [c for c in comments if c.desc == ""] or comments
        if preferred and preferred[0].text:
            description = "\n".join(str(t) for t in preferred[0].text)
        pictures = tags.getall("APIC")
        if pictures:
            mime = pictures[0].mime.lower()
            extension = ".png" if "png" in mime else ".jpg" if ("jpeg" in mime or "jpg" in mime) else None
            if extension:
                image = (bytes(pictures[0].data), extension)
    title = xml_text(title, single_line=True) or _title_from_stem(audio.stem)
    description = xml_text(description).strip() or title
    files = {"audio": audio}
    for suffix, kind in ((".vtt", "vtt"), (".srt", "srt"), (".chapters.json", "chapters")):
        sidecar = audio.with_name(audio.stem + suffix)
        if sidecar.is_file():
            files[kind] = sidecar
    chapters = _chapters_from_json(files["chapters"]) if "chapters" in files else _chapters_from_id3(audio)
    return _Source(title, description, duration_s, files, image, chapters)


_TARGET_SUFFIX = {"audio": ".mp3", "vtt": ".vtt", "srt": ".srt", "chapters": ".chapters.json"}


# ---------------------------------------------------------------------------- publish


def publish(
    audio: Path | str,
    feed_dir: Path | str,
    channel: Channel,
    base_url: str | None = None,
    replace: bool = False,
    keep: int = 100,
    now: datetime | None = None,
    prune: bool = False,
) -> Episode:
    """Publish ``audio`` (an MP3 with optional .vtt/.srt/.chapters.json beside it) into ``feed_dir``.

    Copies the files to ``feed_dir/episodes/<slug>.*``, records the episode and rewrites
    feed.xml (newest ``keep`` items; older audio stays on disk) and index.html.
    Republishing identical files changes nothing. Different content under an existing
    slug raises OutputError unless ``replace``, which keeps the GUID and pubDate.
    ``now`` fixes the pubDate of a new episode (default: the current time, UTC).
    ``prune`` deletes the files of episodes beyond the newest ``keep`` and forgets them.
    """
    audio = Path(audio)
    base_url = (base_url or channel.base_url or "").strip().rstrip("/")
    if not _is_http_url(base_url):
        raise BulletinError(
            "no public base URL for the feed: set base_url in the channel TOML or pass --base-url https://…"
            + (f" (got {base_url!r})" if base_url else "")
        )
    if keep < 1:
        raise BulletinError(f"keep must be at least 1 (got {keep})")
    source = _read_source(audio)
    feed_dir = Path(feed_dir)
    episodes_dir = feed_dir / "episodes"
    try:
        episodes_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{feed_dir}: cannot create the feed directory ({error.strerror})") from None
    slug = slugify(audio.name[: -len(audio.suffix)] if audio.suffix else audio.name)
    root = episodes_dir.resolve()

    with _FeedLock(feed_dir):
        state = _load_state(feed_dir)
        entries = state["episodes"]
        existing = next((e for e in entries if e["slug"] == slug), None)

        wanted = {kind: f"episodes/{slug}{_TARGET_SUFFIX[kind]}" for kind in source.files}
        if source.image:
            wanted["image"] = f"episodes/{slug}{source.image[1]}"
        for relative in wanted.values():
            if (feed_dir / relative).resolve().parent != root:  # belt and braces: slugs cannot do this
                raise OutputError(f"{relative}: refusing to write outside {episodes_dir}")

        hashes = {kind: sha256_file(path) for kind, path in source.files.items()}
        if source.image:
            hashes["image"] = hashlib.sha256(source.image[0]).hexdigest()
        previous = set(existing["files"].values()) if existing else set()
        conflicts = []
        for kind, relative in wanted.items():
            target = feed_dir / relative
            if target.exists() and sha256_file(target) != hashes[kind]:
                conflicts.append(relative)
        # A sidecar dropped since the last publish also makes this a different episode.
        dropped = sorted(previous - set(wanted.values()))
        if (conflicts or dropped) and not replace:
            changed = ", ".join(conflicts + dropped)
            raise OutputError(
                f"{slug} is already published with different content ({changed}); "
                "use --replace to update it (it keeps its GUID and date)"
            )
        for kind, relative in wanted.items():
            target = feed_dir / relative
            if target.exists() and relative not in conflicts:
                continue
            if kind == "image":
                write_atomic(target, source.image[0])
            else:
                copy_atomic(source.files[kind], target)
        for relative in dropped:
            (feed_dir / relative).unlink(missing_ok=True)
        fsync_dir(episodes_dir)

        if existing is None:
            moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
            entry = {
                "slug": slug,
                "guid": str(uuid.uuid5(PODCAST_GUID_NAMESPACE, f"{slug}/{hashes['audio']}")),
                "pub_date": email.utils.format_datetime(moment, usegmt=True),
                "seq": max((e.get("seq", 0) for e in entries), default=0) + 1,
            }
            entries.append(entry)
            status = "added"
        else:
            entry = existing
            if conflicts or dropped:
                status = "replaced"
            else:
                status = "updated" if entry.get("sha256") != hashes else "unchanged"
        entry.update(
            {
                "title": source.title,
                "description": source.description,
                "duration_s": round(source.duration_s, 3),
                "length_bytes": (feed_dir / wanted["audio"]).stat().st_size,
                "files": wanted,
                "sha256": hashes,
                "chapters": [[c.start_s, c.title] for c in source.chapters],
                "episode_type": "full",
            }
        )
        entries.sort(key=_sort_key, reverse=True)
        if prune:
            for old in entries[keep:]:
                for relative in old["files"].values():
                    (feed_dir / relative).unlink(missing_ok=True)
            del entries[keep:]

        artwork_url = _publish_artwork(channel, feed_dir, base_url)
        _write_if_changed(feed_dir / STATE_FILE, (json.dumps(state, ensure_ascii=False, indent=1) + "\n").encode())
        _write_if_changed(feed_dir / "feed.xml", render_feed(channel, entries, base_url, keep, artwork_url))
        from bulletin.serve import render_index

        _write_if_changed(feed_dir / "index.html", render_index(channel, entries, keep, artwork_url))

    return _episode(entry, base_url, status, feed_dir / "feed.xml")


def _sort_key(entry: dict) -> tuple:
    return (email.utils.parsedate_to_datetime(entry["pub_date"]).timestamp(), entry.get("seq", 0))


def _episode(entry: dict, base_url: str, status: str, feed_path: Path) -> Episode:
    return Episode(
        guid=entry["guid"],
        slug=entry["slug"],
        title=entry["title"],
        description=entry["description"],
        pub_date=entry["pub_date"],
        duration_s=entry["duration_s"],
        audio_url=_url(base_url, entry["files"]["audio"]),
        length_bytes=entry["length_bytes"],
        files=dict(entry["files"]),
        chapters=tuple(Chapter(s, t) for s, t in entry["chapters"]),
        status=status,
        feed_path=str(feed_path),
    )


def published_episodes(feed_dir: Path | str, base_url: str = "") -> list[Episode]:
    """Return every episode recorded in ``feed_dir``, newest first (including those trimmed from the feed)."""
    state = _load_state(Path(feed_dir))
    entries = sorted(state["episodes"], key=_sort_key, reverse=True)
    return [_episode(e, base_url.rstrip("/"), "unchanged", Path(feed_dir) / "feed.xml") for e in entries]


def _load_state(feed_dir: Path) -> dict:
    path = feed_dir / STATE_FILE
    if not path.exists():
        return {"version": 1, "episodes": []}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(state.get("episodes"), list):
            raise ValueError("no episodes list")
    except (OSError, ValueError) as error:
        raise OutputError(f"{path}: damaged episode record ({error}); restore it from a backup") from None
    return state


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    write_atomic(path, data)


def _publish_artwork(channel: Channel, feed_dir: Path, base_url: str) -> str:
    """Return the artwork URL, copying a local artwork file into the feed dir first."""
    if not channel.artwork:
        return ""
    if _is_http_url(channel.artwork):
        return channel.artwork
    source = Path(channel.artwork)
    suffix = source.suffix.lower()
    if suffix not in (".jpg", ".jpeg", ".png") or not source.is_file():
        raise BulletinError(f"{source}: artwork must be an existing .jpg or .png file, or an https URL")
    name = "artwork" + (".jpg" if suffix == ".jpeg" else suffix)
    _write_if_changed(feed_dir / name, source.read_bytes())
    return _url(base_url, name)


def _url(base_url: str, relative: str) -> str:
    return f"{base_url}/{quote(relative)}"


# ---------------------------------------------------------------------------- rendering


def render_feed(channel: Channel, entries: list[dict], base_url: str, keep: int = 100, artwork_url: str = "") -> bytes:
    """Return feed.xml for ``entries`` (newest first; only the first ``keep``) as UTF-8 bytes."""
    from lxml import etree

    it, pc, atom, psc = (f"{{{ns}}}" for ns in (NS_ITUNES, NS_PODCAST, NS_ATOM, NS_PSC))

    def add(parent, tag, content=None, **attributes):
        element = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
        if content is not None:
            element.text = xml_text(content)
        return element

    feed_url = _url(base_url, "feed.xml")
    explicit = "true" if channel.explicit else "false"
    rss = etree.Element("rss", nsmap={"itunes": NS_ITUNES, "podcast": NS_PODCAST, "atom": NS_ATOM, "psc": NS_PSC})
    rss.set("version", "2.0")
    ch = add(rss, "channel")
    add(ch, "title", xml_text(channel.title, single_line=True))
    add(ch, "link", channel.link or _url(base_url, "index.html"))
    add(ch, "description", channel.description)
    add(ch, "language", channel.language)
    add(ch, "generator", "bulletin")
    if entries:
        add(ch, "lastBuildDate", entries[0]["pub_date"])  # the newest item: stable across republishes
    add(ch, f"{atom}link", href=feed_url, rel="self", type="application/rss+xml")
    add(ch, f"{it}author", channel.author)
    owner = add(ch, f"{it}owner")
    add(owner, f"{it}name", channel.owner_name or channel.author)
    add(owner, f"{it}email", channel.owner_email)
    if artwork_url:
        add(ch, f"{it}image", href=artwork_url)
        image = add(ch, "image")
        add(image, "url", artwork_url)
        add(image, "title", xml_text(channel.title, single_line=True))
        add(image, "link", channel.link or _url(base_url, "index.html"))
    add(ch, f"{it}category", text=channel.category)
    add(ch, f"{it}explicit", explicit)
    add(ch, f"{it}type", "episodic")
    add(ch, f"{pc}guid", podcast_guid(feed_url))
    for entry in entries[:keep]:
        item = add(ch, "item")
        add(item, "title", entry["title"])
        add(item, "description", entry["description"])
        add(item, "link", _url(base_url, "index.html") + "#" + entry["slug"])
        add(item, "guid", entry["guid"], isPermaLink="false")
        add(item, "pubDate", entry["pub_date"])
        files = entry["files"]
        add(item, "enclosure", url=_url(base_url, files["audio"]), length=str(entry["length_bytes"]), type="audio/mpeg")
        add(item, f"{it}duration", str(round(entry["duration_s"])))
        add(item, f"{it}episodeType", entry.get("episode_type", "full"))
        add(item, f"{it}explicit", explicit)
        if "image" in files:
            add(item, f"{it}image", href=_url(base_url, files["image"]))
        for kind in ("vtt", "srt"):
            if kind in files:
                add(
                    item,
                    f"{pc}transcript",
                    url=_url(base_url, files[kind]),
                    type=SIDECARS["." + kind],
                    language=channel.language,
                    rel="captions",
                )
        if "chapters" in files:
            add(item, f"{pc}chapters", url=_url(base_url, files["chapters"]), type=SIDECARS[".chapters.json"])
        if entry["chapters"]:
            marks = add(item, f"{psc}chapters", version="1.2")
            for start_s, title in entry["chapters"]:
                add(marks, f"{psc}chapter", start=_npt(start_s), title=xml_text(title, single_line=True))
    return etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _npt(seconds: float) -> str:
    """Return Normal Play Time "HH:MM:SS.mmm" (Podlove Simple Chapters)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
