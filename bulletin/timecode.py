"""Times written for people and for subtitle, chapter and feed formats."""

from __future__ import annotations


def timestamp(seconds: float, separator: str = ".") -> str:
    """Return "HH:MM:SS.mmm" (WebVTT, Vorbis chapters, Podlove NPT); ``separator`` "," gives SubRip's form."""
    milliseconds = int(round(seconds * 1000))
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def format_duration(seconds: float) -> str:
    """Return "H:MM:SS" or "M:SS", as a player shows elapsed time and chapter starts."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
