"""What ``bulletin studio`` was started with, and the rules on it (another host than this machine needs a token)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from bulletin import defaults
from bulletin.engines.base import VoiceOptions
from bulletin.errors import RequestError


@dataclass(frozen=True)
class StudioSettings:
    """The service's settings; every default is bulletin.defaults'."""

    host: str = defaults.SERVE_HOST
    """Address to listen on; anything but loopback needs ``token``."""
    port: int = defaults.STUDIO_PORT
    """Port to listen on (0 picks a free one)."""
    token: str | None = None
    """Bearer token every API route asks for (``Authorization: Bearer TOKEN``); None: no auth (loopback only)."""
    state_dir: Path = defaults.STUDIO_STATE_DIR
    """Job records and their files (``jobs/ID/``), and the default lexicon file."""
    feed_dir: Path = defaults.FEED_DIR
    """Where Publier puts episodes; served under /feed/."""
    feed_config: Path | None = None
    """Channel TOML for publishing (default: FEED_DIR/podcast.toml, then ./podcast.toml)."""
    voice: str = defaults.VOICE
    """Default voice: a preset name or a Coqui model directory (requests may name only presets or this)."""
    voice_options: VoiceOptions = field(default_factory=VoiceOptions)
    """Device, threads, engine for every voice the service opens."""
    cache_dir: Path | None = None
    """Segment cache; default the user cache dir."""
    lexicon: Path | None = None
    """The station's pronunciation lexicon (TOML); default STATE_DIR/lexicon.toml."""
    station_config: Path | None = None
    """Station TOML for newscasts (greeting, sign-off wording); default the French wording."""
    allow_private_urls: bool = False
    """Let URL sources reach private and loopback addresses (off: a request cannot probe the local network)."""
    queue_size: int = defaults.STUDIO_QUEUE
    """Jobs that may wait behind the running one."""
    voices_kept: int = defaults.STUDIO_VOICES_KEPT
    """Voices kept loaded between jobs."""
    min_free_mb: int = defaults.STUDIO_MIN_FREE_MB
    """Below this available memory, kept voices are freed before a job."""
    max_body_bytes: int = defaults.STUDIO_MAX_BODY_BYTES
    """Largest request body read."""

    @property
    def lexicon_path(self) -> Path:
        """Return the station lexicon's file (it may not exist yet: then only the bundled lexicon applies)."""
        return Path(self.lexicon) if self.lexicon else Path(self.state_dir) / "lexicon.toml"


def is_loopback(host: str) -> bool:
    """Return True when ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_settings(settings: StudioSettings) -> None:
    """Raise RequestError naming the first setting the service cannot start with."""
    if not is_loopback(settings.host) and not settings.token:
        raise RequestError(
            f"--host {settings.host} is reachable from other machines: give --token SECRET as well "
            "(clients then send Authorization: Bearer SECRET)"
        )
    if settings.token is not None and len(settings.token) < 8:
        raise RequestError("--token is too short to protect anything; use at least 8 characters")
    low, high = defaults.STUDIO_QUEUE_RANGE
    if not low <= settings.queue_size <= high:
        raise RequestError(f"--max-queue {settings.queue_size} is out of range; use {low} to {high}")
