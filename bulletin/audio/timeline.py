"""Where things sit in a finished mix: each spoken segment and each chapter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    """Where one spoken segment sits in the mix."""

    role: str
    """Segment role: headline, lead, body, source."""
    text: str
    """What is said: the speakable text the voice was given."""
    start_s: float
    """First sample of speech, in seconds from the start of the mix."""
    end_s: float
    """Last sample of speech, in seconds."""
    paragraph: int = -1
    """Article paragraph index; -1 for headline and source."""
    written: str = ""
    """The same words as the article wrote them, for transcripts; empty means ``text``."""
    rewrites: tuple = ()
    """The segment's span map (``bulletin.text.spans.Rewrite``), offsets into ``written`` and ``text``."""
    cut: str = "sentence"
    """How the segment ends: "sentence", or "clause"/"word" when cut inside a long sentence."""


@dataclass(frozen=True)
class Chapter:
    """A chapter mark."""

    start_s: float
    """Start, in seconds from the start of the audio."""
    title: str
    """Title shown by players."""
