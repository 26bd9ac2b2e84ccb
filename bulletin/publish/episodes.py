"""Publish bulletins into a podcast feed directory: episodes/, episodes.json, feed.xml, index.html.

``DIR/episodes.json`` is the record of every published episode (GUID and pubDate are
fixed there at first publish and never change); feed.xml and index.html are rendered
from it, deterministically, so republishing the same episode leaves them byte-identical.
Every write is temp file + fsync + rename, under an exclusive lock on ``DIR/.lock``, so
concurrent publishes all land in a valid feed.
"""

from __future__ import annotations

import email.utils
import fcntl
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bulletin import defaults
from bulletin.audio.sidecars import SIDECARS, chapters_from_id3, chapters_from_json, check_audio_matches, sidecar_paths
from bulletin.audio.timeline import Chapter
from bulletin.errors import AudioError, BulletinError, OutputError, RequestError
from bulletin.files import StagedFiles, fsync_dir, pause_point, sha256_file, slugify, sweep_temps
from bulletin.publish.channel import PODCAST_GUID_NAMESPACE, Channel, artwork_name, is_http_url
from bulletin.publish.page import render_index
from bulletin.publish.rss import feed_url, render_feed, xml_text

STATE_FILE = "episodes.json"
LOCK_FILE = ".lock"
LOCK_TIMEOUT_S = 30.0
PUBLISHED_SIDECARS = ("vtt", "srt", "transcript", "chapters")
"""The sidecars a feed carries beside the audio (the script is for the listen-back check)."""


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
    check_audio_matches(audio)  # new sidecars beside old audio: a generate was killed mid-way
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
    for kind, sidecar in sidecar_paths(audio).items():
        if kind in PUBLISHED_SIDECARS and sidecar.is_file():
            files[kind] = sidecar
    chapters = chapters_from_json(files["chapters"]) if "chapters" in files else chapters_from_id3(audio)
    return _Source(title, description, duration_s, files, image, chapters)


_TARGET_SUFFIX = {"audio": ".mp3", **{kind: SIDECARS[kind] for kind in PUBLISHED_SIDECARS}}


def publish(
    audio: Path | str,
    feed_dir: Path | str,
    channel: Channel,
    base_url: str | None = None,
    replace: bool = False,
    keep: int = defaults.FEED_KEEP,
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
    if not is_http_url(base_url):
        raise BulletinError(
            "no public base URL for the feed: set base_url in the channel TOML or pass --base-url https://…"
            + (f" (got {base_url!r})" if base_url else "")
        )
    low, high = defaults.FEED_KEEP_RANGE
    if not low <= keep <= high:
        raise RequestError(f"--keep {keep} is out of range; use {defaults.span(defaults.FEED_KEEP_RANGE)}")
    source = _read_source(audio)
    feed_dir = Path(feed_dir)
    episodes_dir = feed_dir / "episodes"
    try:
        episodes_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{feed_dir}: cannot create the feed directory ({error.strerror})") from None
    slug = slugify(audio.name[: -len(audio.suffix)] if audio.suffix else audio.name, max_length=96, fallback="episode")
    root = episodes_dir.resolve()

    with _FeedLock(feed_dir):
        for directory in (feed_dir, episodes_dir):
            sweep_temps(directory)  # what a killed publish left (its pid gone, untouched for 10 minutes)
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
                "length_bytes": source.files["audio"].stat().st_size,  # the same bytes as the copy
                "files": wanted,
                "sha256": hashes,
                "chapters": [[c.start_s, c.title] for c in source.chapters],
                "episode_type": "full",
            }
        )
        entries.sort(key=_sort_key, reverse=True)
        pruned = [relative for old in entries[keep:] for relative in old["files"].values()] if prune else []
        if prune:
            del entries[keep:]

        # Everything is written under temp names first and renamed only once all of it is on disk:
        # a full disk or a kill leaves the feed as it was (temps a killed run left are swept above).
        with StagedFiles() as staged:
            for kind, relative in wanted.items():
                target = feed_dir / relative
                if target.exists() and relative not in conflicts:
                    continue
                if kind == "image":
                    staged.write(target, source.image[0])
                else:
                    staged.copy(source.files[kind], target)
            artwork_url = _publish_artwork(channel, feed_dir, base_url, staged)
            state_bytes = (json.dumps(state, ensure_ascii=False, indent=1) + "\n").encode()
            _stage_if_changed(staged, feed_dir / STATE_FILE, state_bytes)
            _stage_if_changed(staged, feed_dir / "feed.xml", render_feed(channel, entries, base_url, keep, artwork_url))
            _stage_if_changed(staged, feed_dir / "index.html", render_index(channel, entries, keep, artwork_url))
            pause_point("publish-staged")
            staged.commit()
        for relative in dropped + pruned:
            (feed_dir / relative).unlink(missing_ok=True)
        fsync_dir(episodes_dir)

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
        audio_url=feed_url(base_url, entry["files"]["audio"]),
        length_bytes=entry["length_bytes"],
        files=dict(entry["files"]),
        chapters=tuple(Chapter(s, t) for s, t in entry["chapters"]),
        status=status,
        feed_path=str(feed_path),
    )


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


def _stage_if_changed(staged: StagedFiles, path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        pass
    staged.write(path, data)


def _publish_artwork(channel: Channel, feed_dir: Path, base_url: str, staged: StagedFiles) -> str:
    """Return the artwork URL, staging a local artwork file (or the bundled 1400x1400 cover) into the feed dir."""
    if is_http_url(channel.artwork):
        return channel.artwork
    if not channel.artwork:  # Apple rejects a feed without a cover: the bundled one, never none
        from bulletin.assets import artwork_bytes

        _stage_if_changed(staged, feed_dir / "artwork.png", artwork_bytes())
        return feed_url(base_url, "artwork.png")
    source = Path(channel.artwork)
    suffix = source.suffix.lower()
    if suffix not in (".jpg", ".jpeg", ".png") or not source.is_file():
        raise BulletinError(f"{source}: artwork must be an existing .jpg or .png file, or an https URL")
    name = artwork_name(channel.artwork)
    _stage_if_changed(staged, feed_dir / name, source.read_bytes())
    return feed_url(base_url, name)
