"""Fit a bulletin into a fixed slot: drop trailing whole sentences of the last stories, then stretch pauses.

The rules of the newsroom: the finished file is never longer than the slot, and no more than
``under_s`` shorter when there is material enough; stories keep their order (the first is the
most important) and each keeps its headline and first sentence; what goes first is the end of
the last story, then the end of the one before...; pauses then grow by at most ``stretch``
(+50 %). Lengths are the prepared speech already synthesised (through the segment cache), so
fitting costs no second synthesis. ``planned_samples`` computes a layout's length exactly as
``layout.assemble`` lays it out (a test holds the two together).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bulletin import defaults
from bulletin.audio.io import RATE_HZ
from bulletin.audio.layout import MixSettings, pause_after_ms
from bulletin.errors import RequestError

FIXED_ROLES = frozenset({"headline", "greeting", "headlines", "signoff"})
"""Roles never dropped to fit a slot."""
ENCODE_MARGIN_S = 0.15
"""Kept under the slot for the encoder's last frame."""


@dataclass(frozen=True)
class SlotFit:
    """How a bulletin was fitted into its slot."""

    slot_s: float
    """The slot asked for."""
    planned_s: float
    """Length of the laid-out mix (the encoded file matches it within a few ms)."""
    stretch: float
    """Factor applied to every pause (1.0 to 1 + SLOT_STRETCH)."""
    dropped: tuple[tuple[int, str], ...] = ()
    """(story index, sentence) of each sentence dropped, in script order."""
    dropped_s: float = 0.0
    """Speech dropped, in seconds."""
    enough_material: bool = True
    """False when even every sentence at the longest pauses falls short of ``slot_s - under_s``."""

    def summary(self) -> dict:
        """Return a JSON-ready summary."""
        return {
            "slot_s": self.slot_s,
            "planned_s": round(self.planned_s, 3),
            "stretch": round(self.stretch, 3),
            "dropped_sentences": len(self.dropped),
            "dropped_s": round(self.dropped_s, 2),
            "dropped": [{"story": story, "text": text} for story, text in self.dropped],
            "enough_material": self.enough_material,
        }


def scale_pauses(settings: MixSettings, factor: float) -> MixSettings:
    """Return ``settings`` with every silence (role pauses, paragraph pause, jingle gap) times ``factor``."""
    return dataclasses.replace(
        settings,
        pauses_ms=MappingProxyType({role: round(ms * factor) for role, ms in settings.pauses_ms.items()}),
        paragraph_pause_ms=round(settings.paragraph_pause_ms * factor),
        jingle_gap_ms=round(settings.jingle_gap_ms * factor),
    )


def planned_samples(
    segments: Sequence, sizes: Sequence[int], intro: int | None, outro: int | None, stinger: int | None, settings
) -> int:
    """Return the length in samples of ``layout.assemble`` for segments of ``sizes`` between jingles of these sizes."""

    def ms(value: int) -> int:
        return int(RATE_HZ * value / 1000)

    total = 0
    if intro is not None:
        overlap = min(int(RATE_HZ * settings.overlap_ms / 1000), intro // 2)
        total += intro - overlap + (0 if overlap else ms(settings.jingle_gap_ms))
    previous = None
    for segment, size in zip(segments, sizes):
        if previous is not None:
            if segment.story != previous.story:
                total += ms(settings.jingle_gap_ms)
                if stinger is not None:
                    total += stinger + ms(settings.jingle_gap_ms)
            else:
                total += ms(pause_after_ms(previous, segment, settings))
        total += size
        previous = segment
    if outro is not None:
        total += ms(settings.jingle_gap_ms) + outro
    return total


def fit_slot(
    segments: Sequence,
    sizes: Sequence[int],
    intro: int | None,
    outro: int | None,
    stinger: int | None,
    settings: MixSettings,
    slot_s: float,
    under_s: float = defaults.SLOT_UNDER_S,
    stretch: float = defaults.SLOT_STRETCH,
) -> tuple[list[int], MixSettings, SlotFit]:
    """Return (indices of the segments kept, stretched settings, the fit) for a bulletin of ``slot_s`` seconds.

    RequestError when the slot is too short even for the headlines, the first sentence of each
    story and the frame around them.
    """
    high = int((slot_s - ENCODE_MARGIN_S) * RATE_HZ)
    low = int((slot_s - under_s + ENCODE_MARGIN_S) * RATE_HZ)
    widest = scale_pauses(settings, 1 + stretch)
    stories = _units(segments)

    def length(keep: Sequence[int], mix: MixSettings) -> int:
        chosen = [segments[i] for i in keep]
        return planned_samples(chosen, [sizes[i] for i in keep], intro, outro, stinger, mix)

    mandatory = [i for i in range(len(segments)) if not any(i in unit for units in stories.values() for unit in units)]
    base = (length(mandatory, settings), length(mandatory, widest))
    if base[0] > high:
        raise RequestError(
            f"--slot {slot_s:g} s is too short: the headlines, the first sentence of each story and the "
            f"greeting and sign-off alone last {base[0] / RATE_HZ:.1f} s; give a longer slot or fewer --stories"
        )
    # extra[s][k]: samples added by keeping the first k droppable sentences of story s (at both pause settings)
    extra = [[(0, 0)] for _ in stories]
    for row, (story, units) in enumerate(stories.items()):
        for count in range(1, len(units) + 1):
            kept = sorted(set(mandatory) | {i for unit in units[:count] for i in unit})
            only = [i for i in kept if segments[i].story == story]
            alone = [i for i in mandatory if segments[i].story == story]
            extra[row].append(
                (
                    _story_length(only, segments, sizes, settings) - _story_length(alone, segments, sizes, settings),
                    _story_length(only, segments, sizes, widest) - _story_length(alone, segments, sizes, widest),
                )
            )
    choice = _search(extra, base, high, low) or _search(extra, base, high, -(10**12))
    chosen = {i for row, units in enumerate(stories.values()) for unit in units[: choice[row]] for i in unit}
    keep = sorted(set(mandatory) | chosen)
    factor = _widest_factor(lambda mix: length(keep, mix), settings, 1 + stretch, high)
    final = scale_pauses(settings, factor)
    planned = length(keep, final)
    dropped = [i for i in range(len(segments)) if i not in set(keep)]
    fit = SlotFit(
        slot_s=slot_s,
        planned_s=planned / RATE_HZ,
        stretch=factor,
        dropped=tuple((segments[i].story, segments[i].text) for i in dropped),
        dropped_s=sum(sizes[i] for i in dropped) / RATE_HZ,
        enough_material=planned >= low,
    )
    return keep, final, fit


def _units(segments: Sequence) -> dict[int, list[list[int]]]:
    """Return, per story, its droppable units in order: whole sentences after its headline and first sentence."""
    stories: dict[int, list[list[int]]] = {}
    pending: dict[int, list[int]] = {}
    first_done: set[int] = set()
    for index, segment in enumerate(segments):
        if segment.role in FIXED_ROLES:
            continue
        pending.setdefault(segment.story, []).append(index)
        if segment.text.rstrip(' »"”’)').endswith((".", "!", "?", "…")):  # the sentence ends here
            unit = pending.pop(segment.story)
            if segment.story in first_done:
                stories.setdefault(segment.story, []).append(unit)
            first_done.add(segment.story)
    for story, unit in pending.items():  # a story's text that never closed its sentence
        if story in first_done:
            stories.setdefault(story, []).append(unit)
    return stories


def _story_length(indices: list[int], segments: Sequence, sizes: Sequence[int], settings) -> int:
    """Samples of one story's kept segments and the pauses between them."""
    return planned_samples([segments[i] for i in indices], [sizes[i] for i in indices], None, None, None, settings)


def _search(extra: list[list[tuple[int, int]]], base: tuple[int, int], high: int, low: int) -> list[int] | None:
    """Return the sentences kept per story, most for the first stories, with a length in [low, high] (stretched)."""
    most_widest = [sum(row[-1][1] for row in extra[j:]) for j in range(len(extra) + 1)]

    def visit(row: int, short: int, wide: int) -> list[int] | None:
        if row == len(extra):
            return [] if short <= high and wide >= low else None
        for count in range(len(extra[row]) - 1, -1, -1):  # keep as much of this story as the later ones allow
            now_short, now_wide = short + extra[row][count][0], wide + extra[row][count][1]
            if now_short > high:
                continue  # too long even with the later stories cut to their first sentence: cut this one
            if now_wide + most_widest[row + 1] < low:
                return None  # too short even keeping all of the later stories: cutting more only shortens
            rest = visit(row + 1, now_short, now_wide)
            if rest is not None:
                return [count, *rest]
        return None

    return visit(0, *base)


def _widest_factor(length, settings: MixSettings, most: float, high: int) -> float:
    """Return the largest pause factor in [1, ``most``] whose layout still fits under ``high`` samples."""
    if length(scale_pauses(settings, most)) <= high:
        return most
    lo, hi = 1.0, most
    for _ in range(30):
        middle = (lo + hi) / 2
        if length(scale_pauses(settings, middle)) <= high:
            lo = middle
        else:
            hi = middle
    return lo
