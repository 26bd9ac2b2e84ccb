"""Transcript cues people read: the article's written words, cut by clause, timed to when they are said.

Each placement's written text ("la SNCF", "3,5 %", "(OTSC)") is cut into cues of at most
``MAX_CUE_S`` seconds and ``MAX_LINES`` lines of ``MAX_LINE_CHARS`` characters (the usual
caption limits, which Apple Podcasts and the WebVTT practice follow), preferably after a
sentence or a clause. A cue's times come from the spoken text it stands for, read through the
segment's span map and spread in proportion to spoken length over the placement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bulletin.audio.timeline import Placement

MAX_CUE_S = 7.0
"""Longest a cue stays on screen."""
MAX_LINE_CHARS = 42
"""Longest caption line."""
MAX_LINES = 2
"""Lines per cue."""
_SENTENCE_END = re.compile(r"[.!?…][»\"”)]*$")
_CLAUSE_END = re.compile(r"[,;:)»\"”–—]$")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Cue:
    """One caption: written text on at most two lines, and when it is said."""

    start_s: float
    end_s: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The caption on one line."""
        return " ".join(self.lines)


def transcript_cues(
    placements: Sequence[Placement],
    max_s: float = MAX_CUE_S,
    line_chars: int = MAX_LINE_CHARS,
    max_lines: int = MAX_LINES,
) -> list[Cue]:
    """Return the cues of every placement, in order: written words, timed in proportion to spoken length."""
    cues: list[Cue] = []
    for placement in placements:
        cues += _placement_cues(placement, max_s, line_chars, max_lines)
    return cues


def wrap(words: Sequence[str], line_chars: int = MAX_LINE_CHARS) -> list[str]:
    """Return ``words`` as the fewest lines of at most ``line_chars``, balanced when there are two."""
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= line_chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) == 2:  # two lines of similar length read better than a full one and a stub
        best = lines
        for cut in range(1, len(words)):
            first, second = " ".join(words[:cut]), " ".join(words[cut:])
            if len(first) <= line_chars and len(second) <= line_chars:
                if max(len(first), len(second)) < max(len(line) for line in best):
                    best = [first, second]
        lines = best
    return lines


def _placement_cues(placement: Placement, max_s: float, line_chars: int, max_lines: int) -> list[Cue]:
    """Return the cues of one placement."""
    written = placement.written or placement.text
    words = []  # (word, written start, written end); a word longer than a line is cut
    for match in _WORD.finditer(written):
        for offset in range(0, len(match.group()), line_chars):
            piece = match.group()[offset : offset + line_chars]
            words.append((piece, match.start() + offset, match.start() + offset + len(piece)))
    if not words:
        return []
    clock = _Clock(placement)

    def span(first: int, last: int) -> tuple[float, float]:
        """Return when words[first:last] are on screen: from the first one said to the next one."""
        start_s = placement.start_s if first == 0 else clock.at(words[first][1])
        end_s = placement.end_s if last == len(words) else clock.at(words[last][1])
        return start_s, max(start_s, end_s)

    def fits(first: int, last: int) -> bool:
        if len(wrap([word for word, _, _ in words[first:last]], line_chars)) > max_lines:
            return False
        start_s, end_s = span(first, last)
        return end_s - start_s <= max_s

    # Fewest badly cut or half-empty cues: dynamic programming over the places a cue may end.
    capacity = line_chars * max_lines
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * len(words)
    for last in range(1, len(words) + 1):
        for first in range(last - 1, -1, -1):
            if last - first > 1 and not fits(first, last):
                break
            chars = len(" ".join(word for word, _, _ in words[first:last]))
            cost = best[first][0] + (max(0, capacity - chars) / 12) ** 2 + _cut_penalty(words, last)
            if cost < best[last][0]:
                best[last] = (cost, first)
    ends, last = [], len(words)
    while last:
        ends.append(last)
        last = best[last][1]
    cues, first = [], 0
    for last in reversed(ends):
        lines = wrap([word for word, _, _ in words[first:last]], line_chars)
        cues.append(Cue(*span(first, last), tuple(lines)))
        first = last
    return cues


def _cut_penalty(words, end: int) -> float:
    """Return the cost of ending a cue after words[end - 1]: none after a sentence, some after a clause."""
    if end >= len(words):
        return 0.0
    word, following = words[end - 1][0], words[end][0]
    if _SENTENCE_END.search(word):
        return 0.0
    if _CLAUSE_END.search(word) or following[:1] in '(«"“–—':
        return 10.0
    return 60.0


class _Clock:
    """When a written offset of a placement is said: through its span map, in proportion to spoken length."""

    def __init__(self, placement: Placement) -> None:
        self.placement = placement
        self.spoken_chars = max(1, len(placement.text))

    def spoken_offset(self, written_offset: int) -> float:
        """Return the spoken offset of ``written_offset`` (inside a rewrite: in proportion to its length)."""
        shift = 0
        for rewrite in self.placement.rewrites:
            if written_offset <= rewrite.written_start:
                break
            if written_offset < rewrite.written_end:
                share = (written_offset - rewrite.written_start) / (rewrite.written_end - rewrite.written_start)
                return rewrite.spoken_start + share * (rewrite.spoken_end - rewrite.spoken_start)
            shift = rewrite.spoken_end - rewrite.written_end
        return min(written_offset + shift, self.spoken_chars)

    def at(self, written_offset: int) -> float:
        """Return the time in seconds at which ``written_offset`` is said."""
        placement = self.placement
        share = self.spoken_offset(written_offset) / self.spoken_chars
        return placement.start_s + share * (placement.end_s - placement.start_s)
