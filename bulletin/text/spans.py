"""The written <-> spoken span map: which words of the article each piece of spoken text says.

The normaliser rewrites text through many regular-expression passes. It runs them on a
``Tracked`` text, whose every character remembers the span of the *written* text it came
from, or on a ``Plain`` one (same rules, no bookkeeping). At the end ``Tracked.rewrites()``
gives the map as ``Rewrite`` spans: outside them, written and spoken text are the same
characters, exactly (no whitespace is glossed over: a collapsed space is a rewrite too).

A replacement keeps the characters it leaves unchanged at its ends, at word boundaries
("1959-2006" -> "de 1959 à 2006" keeps "2006" and rewrites "1959-" only); what changes
takes the whole span of what it replaced.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

COSMETIC_RULES = frozenset({"space", "punctuation", "case", "unicode"})
"""Rules that only tidy; a span also touched by a rule that says something takes that rule's name."""


@dataclass(frozen=True)
class Rewrite:
    """One place where the spoken text differs from the written one ("16" -> "seize")."""

    written: str
    """The written characters, e.g. "16", "OTSC", "3,5 %", "M."; empty for an insertion."""
    spoken: str
    """What is said instead, e.g. "seize"; empty when the written characters are not said."""
    rule: str
    """Short stable name of the rule: "number", "sigle", "abbreviation", "punctuation", "removed"..."""
    written_start: int
    """Offset of ``written`` in the written text."""
    written_end: int
    spoken_start: int
    """Offset of ``spoken`` in the spoken text."""
    spoken_end: int


Replacement = str | Callable[[re.Match[str]], str]


class Plain:
    """A text the rules rewrite without keeping track of where its characters came from."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.removed: Counter[str] = Counter()
        """Characters a rule removed because nothing could say them (emoji, CJK, control codes)."""

    def sub(self, pattern: re.Pattern[str], replacement: Replacement, rule: str) -> None:
        """Replace every match of ``pattern`` (as ``re.sub`` does), under ``rule``."""
        self.text = pattern.sub(replacement, self.text)

    def edit(self, edits: Iterable[tuple[int, int, str]], rule: str) -> None:
        """Replace each ``(start, end, new)`` span (sorted, not overlapping); an edit may add its own rule."""
        out, position = [], 0
        for start, end, new, *_ in edits:
            out += [self.text[position:start], new]
            position = end
        out.append(self.text[position:])
        self.text = "".join(out)

    def map_chars(self, spoken: Callable[[str], str], rule: str) -> None:
        """Replace each character by ``spoken(char)``."""
        edits = []
        for index, char in enumerate(self.text):
            said = spoken(char)
            if said != char:
                edits.append((index, index + 1, said))
        self.edit(edits, rule)


class Tracked(Plain):
    """A text whose characters each remember the written span they say, and the rule that rewrote them."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.written = text
        self.starts = list(range(len(text)))
        self.ends = list(range(1, len(text) + 1))
        self.rules: list[str | None] = [None] * len(text)  # None: the written character, copied unchanged
        self._deleted: list[tuple[int, int, str]] = []

    def sub(self, pattern: re.Pattern[str], replacement: Replacement, rule: str) -> None:
        """Replace every match of ``pattern`` (the same text as ``re.sub``), keeping the span map."""
        if isinstance(replacement, str) and "\\" not in replacement:  # a literal: no template to expand
            edits = [(m.start(), m.end(), replacement) for m in pattern.finditer(self.text)]
        elif isinstance(replacement, str):
            template = replacement
            edits = [(m.start(), m.end(), m.expand(template)) for m in pattern.finditer(self.text)]
        else:
            edits = [(m.start(), m.end(), replacement(m)) for m in pattern.finditer(self.text)]
        self.edit(edits, rule)

    def edit(self, edits: Iterable[tuple[int, int, str]], rule: str) -> None:
        """Replace each ``(start, end, new)`` span; what changes points at the written span it replaced."""
        text, starts, ends, rules = self.text, self.starts, self.ends, self.rules
        out_text: list[str] = []
        out_starts: list[int] = []
        out_ends: list[int] = []
        out_rules: list[str | None] = []

        def keep(lo: int, hi: int) -> None:
            out_text.append(text[lo:hi])
            out_starts.extend(starts[lo:hi])
            out_ends.extend(ends[lo:hi])
            out_rules.extend(rules[lo:hi])

        position = 0
        for start, end, new, *own_rule in edits:
            old = text[start:end]
            here = own_rule[0] if own_rule else rule
            if new == old:
                continue
            keep(position, start)
            prefix, suffix = _common_ends(old, new)
            keep(start, start + prefix)
            lo, hi = start + prefix, end - suffix
            middle = new[prefix : len(new) - suffix]
            if hi > lo:
                first, last = min(starts[lo:hi]), max(ends[lo:hi])
                said = _pick_rule([r for r in rules[lo:hi] if r] + [here])
                if not middle:
                    self._deleted.append((first, last, said))
            else:  # a pure insertion sits where the previous character ends
                first = last = ends[lo - 1] if lo > 0 else (starts[lo] if lo < len(text) else len(self.written))
                said = here
            out_text.append(middle)
            out_starts.extend([first] * len(middle))
            out_ends.extend([last] * len(middle))
            out_rules.extend([said] * len(middle))
            keep(hi, end)
            position = end
        if position == 0 and not out_text:
            return  # nothing changed
        keep(position, len(text))
        self.text = "".join(out_text)
        self.starts, self.ends, self.rules = out_starts, out_ends, out_rules

    def rewrites(self) -> tuple[Rewrite, ...]:
        """Return the span map from the written text to the text as it is now, in order."""
        written, text = self.written, self.text
        out: list[Rewrite] = []
        previous_s, previous_w = -1, -1
        anchors = [(j, self.starts[j]) for j, rule in enumerate(self.rules) if rule is None]
        for s, w in [*anchors, (len(text), len(written))]:
            if w <= previous_w:  # never happens when every rule keeps the order; then it is just rewritten
                continue
            if s > previous_s + 1 or w > previous_w + 1:
                out += self._gap(previous_w + 1, w, previous_s + 1, s)
            previous_s, previous_w = s, w
        return tuple(out)

    def _gap(self, w_lo: int, w_hi: int, s_lo: int, s_hi: int) -> list[Rewrite]:
        """Return the rewrites between two copied characters: written[w_lo:w_hi] became text[s_lo:s_hi]."""
        clusters: list[list] = []  # [written lo, written hi, spoken lo, spoken hi, rules]
        for j in range(s_lo, s_hi):
            a = min(max(self.starts[j], w_lo), w_hi)
            b = max(min(self.ends[j], w_hi), a)
            rule = self.rules[j] or "space"
            if clusters:
                current = clusters[-1]
                inserted_here = a == b == current[1]
                if a < current[1] or inserted_here or (a, b) == (current[0], current[1]):
                    current[0], current[1] = min(current[0], a), max(current[1], b)
                    current[3] = j + 1
                    current[4].append(rule)
                    continue
            clusters.append([a, b, j, j + 1, [rule]])
        merged: list[list] = []
        for cluster in clusters:  # a rule that looked back over its neighbours: merge what overlaps
            while merged and cluster[0] < merged[-1][1]:
                before = merged.pop()
                cluster = [
                    min(before[0], cluster[0]),
                    max(before[1], cluster[1]),
                    before[2],
                    cluster[3],
                    before[4] + cluster[4],
                ]
            merged.append(cluster)
        out: list[Rewrite] = []
        position_w = w_lo
        for index, (lo, hi, first, last, rules) in enumerate([*merged, [w_hi, w_hi, s_hi, s_hi, []]]):
            if lo > position_w:  # written characters nothing says
                unsaid = self.written[position_w:lo]
                deleted = self._deleted_rules(position_w, lo)
                if unsaid.isspace() and index < len(merged):
                    lo = position_w  # a dropped space goes with the rewrite after it
                    rules = rules + deleted
                elif unsaid.isspace() and out and out[-1].written_end == position_w:
                    previous = out.pop()
                    out.append(
                        Rewrite(
                            self.written[previous.written_start : lo],
                            previous.spoken,
                            previous.rule,
                            previous.written_start,
                            lo,
                            previous.spoken_start,
                            previous.spoken_end,
                        )
                    )
                else:
                    out.append(Rewrite(unsaid, "", _pick_rule(deleted or ["space"]), position_w, lo, first, first))
            if index < len(merged):
                out.append(Rewrite(self.written[lo:hi], self.text[first:last], _pick_rule(rules), lo, hi, first, last))
            position_w = hi
        return out

    def _deleted_rules(self, lo: int, hi: int) -> list[str]:
        """Return the rules that deleted written characters in [lo, hi)."""
        return [rule for a, b, rule in self._deleted if a < hi and b > lo]


def _common_ends(old: str, new: str) -> tuple[int, int]:
    """Return how many characters ``old`` and ``new`` share at their start and end, cut at word boundaries."""
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    while prefix and not (_boundary(old, prefix) and _boundary(new, prefix)):
        prefix -= 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    while suffix and not (_boundary(old, len(old) - suffix) and _boundary(new, len(new) - suffix)):
        suffix -= 1
    return prefix, suffix


def _boundary(text: str, index: int) -> bool:
    """Return True when ``index`` does not fall inside a word of ``text``."""
    return index <= 0 or index >= len(text) or not (text[index - 1].isalnum() and text[index].isalnum())


def _pick_rule(rules: list[str]) -> str:
    """Return the first rule that says something, else the first tidying one."""
    return next((rule for rule in rules if rule not in COSMETIC_RULES), rules[0] if rules else "space")


def align(written: str, spoken: str, rule: str = "rewrite") -> tuple[Rewrite, ...]:
    """Return a span map guessed by comparing ``written`` and ``spoken`` (for a speaker that keeps none)."""
    out = []
    matcher = difflib.SequenceMatcher(None, written, spoken, autojunk=False)
    for tag, w0, w1, s0, s1 in matcher.get_opcodes():
        if tag != "equal":
            out.append(Rewrite(written[w0:w1], spoken[s0:s1], rule, w0, w1, s0, s1))
    return tuple(out)


@dataclass(frozen=True)
class Piece:
    """A stretch of spoken text with the written text it says and the rewrites inside (offsets relative)."""

    written: str
    spoken: str
    rewrites: tuple[Rewrite, ...]


def cut(written: str, spoken: str, rewrites: tuple[Rewrite, ...], ranges: list[tuple[int, int]]) -> list[Piece]:
    """Return the ``Piece`` of each spoken ``(start, end)`` range (ordered, not overlapping).

    A rewrite cut by a range's end gives its written text to the first piece that holds
    any of it; the next one holds the rest of its spoken text under an empty written span.
    """
    chunks = _chunks(written, spoken, rewrites)
    pieces = []
    given: set[int] = set()
    for s0, s1 in ranges:
        inside = []
        for index, (kind, w_lo, w_hi, c_lo, c_hi, *_) in enumerate(chunks):
            if c_hi <= s0 and not (c_lo == c_hi == s0 and kind == "rewrite"):
                continue
            if c_lo >= s1 and not (c_lo == c_hi == s1 == len(spoken) and kind == "rewrite"):
                break
            lo, hi = max(c_lo, s0), min(c_hi, s1)
            if kind == "copy":
                inside.append((w_lo + lo - c_lo, w_hi - (c_hi - hi), lo, hi, None))
            elif index not in given:
                given.add(index)
                inside.append((w_lo, w_hi, lo, hi, index))
            else:
                inside.append((w_hi, w_hi, lo, hi, index))
        if not inside:
            pieces.append(Piece("", spoken[s0:s1], ()))
            continue
        base = inside[0][0]
        local = tuple(
            Rewrite(written[a:b], spoken[lo:hi], rewrites[chunks[index][5]].rule, a - base, b - base, lo - s0, hi - s0)
            for a, b, lo, hi, index in inside
            if index is not None
        )
        pieces.append(Piece(written[base : inside[-1][1]], spoken[s0:s1], local))
    return pieces


def _chunks(written: str, spoken: str, rewrites: tuple[Rewrite, ...]) -> list[tuple]:
    """Return copy and rewrite chunks covering both texts: (kind, w_lo, w_hi, s_lo, s_hi[, rewrite index])."""
    chunks: list[tuple] = []
    w, s = 0, 0
    for number, rewrite in enumerate(rewrites):
        if rewrite.written_start > w:
            chunks.append(("copy", w, rewrite.written_start, s, rewrite.spoken_start))
        chunks.append(
            ("rewrite", rewrite.written_start, rewrite.written_end, rewrite.spoken_start, rewrite.spoken_end, number)
        )
        w, s = rewrite.written_end, rewrite.spoken_end
    if w < len(written) or s < len(spoken):
        chunks.append(("copy", w, len(written), s, len(spoken)))
    return chunks


@dataclass(frozen=True)
class Hole:
    """A placeholder the normaliser was given in place of text said another way (an SSML ``<sub>``)."""

    source_start: int
    """Where the placeholder sits in the text given to the normaliser."""
    source_end: int
    written: str
    """What the article shows there."""
    spoken: str
    """What is said there instead of the placeholder."""
    rule: str


def splice(source: str, spoken: str, rewrites: tuple[Rewrite, ...], holes: list[Hole]) -> tuple[str, str, tuple]:
    """Return (written, spoken, rewrites) with each placeholder of ``source`` put back as its hole says.

    ``spoken, rewrites`` are the normaliser's output for ``source``; a placeholder is a word of
    lower-case letters no rule changes but for its case, found again in ``spoken`` in order.
    """
    found, position, lowered = [], 0, spoken.lower()
    for hole in holes:
        token = source[hole.source_start : hole.source_end]
        at = lowered.find(token, position)
        if at < 0:  # a rule swallowed it (it never should): say what is left, guess the map
            written = _fill(source, [(h.source_start, h.source_end, h.written) for h in holes])
            said = _fill(spoken, [(m[0], m[1], h.spoken) for m, h in zip(found, holes)])
            return written, said, align(written, said)
        found.append((at, at + len(token)))
        position = at + len(token)
    written = _fill(source, [(h.source_start, h.source_end, h.written) for h in holes])
    capital = [spoken[a].isupper() and h.spoken[:1].islower() for (a, _), h in zip(found, holes)]  # a sentence start
    said = _fill(
        spoken,
        [
            (a, b, h.spoken[:1].upper() + h.spoken[1:] if up else h.spoken)
            for (a, b), h, up in zip(found, holes, capital)
        ],
    )
    to_written = _shifter([(h.source_start, h.source_end, len(h.written)) for h in holes])
    to_said = _shifter([(a, b, len(h.spoken)) for (a, b), h in zip(found, holes)])
    copies = []  # copied stretches outside the placeholders, in the new coordinates
    for kind, w_lo, w_hi, s_lo, *_ in _chunks(source, spoken, rewrites):
        if kind != "copy":
            continue
        cuts = sorted({w_lo, w_hi, *(x for h in holes for x in (h.source_start, h.source_end) if w_lo < x < w_hi)})
        for lo, hi in zip(cuts, cuts[1:]):
            if any(h.source_start <= lo and hi <= h.source_end for h in holes):
                continue
            copies.append(
                (
                    to_written(lo),
                    to_written(lo) + hi - lo,
                    to_said(s_lo + lo - w_lo),
                    to_said(s_lo + lo - w_lo) + hi - lo,
                )
            )
    rules = [(to_written(r.written_start), to_written(r.written_end), r.rule) for r in rewrites]
    holes_at = [(to_written(h.source_start), to_written(h.source_start) + len(h.written), h.rule) for h in holes]
    out, w, s = [], 0, 0
    for w_lo, w_hi, s_lo, s_hi in [*copies, (len(written), len(written), len(said), len(said))]:
        if w_lo > w or s_lo > s:
            rule = next((r for a, b, r in holes_at if a < w_lo and b > w), None)
            rule = rule or next((r for a, b, r in rules if a <= w_lo and b >= w), "text")
            out.append(Rewrite(written[w:w_lo], said[s:s_lo], rule, w, w_lo, s, s_lo))
        w, s = w_hi, s_hi
    return written, said, tuple(out)


def _fill(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Return ``text`` with each (start, end) span replaced by its string."""
    out, position = [], 0
    for start, end, new in spans:
        out += [text[position:start], new]
        position = end
    return "".join([*out, text[position:]])


def _shifter(spans: list[tuple[int, int, int]]) -> Callable[[int], int]:
    """Return the map of an offset outside ``spans`` once each (start, end) is replaced by a text of its length."""

    def shift(offset: int) -> int:
        moved = 0
        for start, end, length in spans:
            if offset >= end:
                moved += length - (end - start)
            elif offset > start:
                return start + moved + length
        return offset + moved

    return shift
