"""The words of a radio newscast: greeting with the time, headlines, sign-off, from a station TOML.

    "Il est huit heures, voici le journal de Radio Havane Cuba."   greeting (story 0, with the headlines)
    "Le port du Havre accueille un navire record."                  one headline per story
    ... the stories, a stinger between them ...
    "C'était le journal de huit heures. Prochain journal à neuf heures."   sign-off (its own story)

Times are said as a newsreader says them: 00:00 "minuit", 12:00 "midi", 01:00 "une heure",
18:30 "dix-huit heures trente", 21:01 "vingt et une heures une". Pure text, no audio.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from bulletin import defaults
from bulletin.config import check_keys, check_types, read_toml
from bulletin.errors import RequestError
from bulletin.text.article import Article
from bulletin.text.segment import Script, Segment, Speak, build_script, paragraph_segments, split_sentences
from bulletin.text.spans import cut

GREETING = "Il est {time}, voici le journal {de_station}."
"""Default greeting; placeholders: {time}, {station}, {de_station} ("de Radio X", "d'Europe 1" or nothing)."""
SIGNOFF = "C'était le journal {de_time}. Prochain journal à {next}."
"""Default sign-off; placeholders: {time}, {de_time} ("de huit heures", "d'une heure"), {next}, {station}."""
OPENER_TITLE = "Les titres"
"""Chapter title of the greeting and headlines."""
SIGNOFF_TITLE = "Fin du journal"
"""Chapter title of the sign-off."""
SHORT_SENTENCE_WORDS = 5
"""A sentence this short ("Astana, dix janvier.", the dateline) stays with the next one in its segment."""
_ELIDES = re.compile(r"^(?!onze\b|huit\b)[aeiouyàâäéèêëîïôöùûüœæ]", re.IGNORECASE)


@dataclass(frozen=True)
class Station:
    """How a station's newscast sounds (station TOML, ``[station]`` table); every field has a French default."""

    name: str = ""
    """Station name said in the greeting, e.g. "Radio Havane Cuba"; also the ID3 artist."""
    greeting: str = GREETING
    """Greeting template."""
    headlines_intro: str = ""
    """Said before the headlines (e.g. "Les titres de l'actualité."); nothing by default."""
    signoff: str = SIGNOFF
    """Sign-off template."""
    stories: int = defaults.RUNDOWN_STORIES
    """Stories in a newscast when --stories is not given."""
    slot_s: float = 0.0
    """Slot length in seconds when --slot is not given; 0: no slot, the newscast lasts what it lasts."""
    every_min: int = defaults.RUNDOWN_EVERY_MIN
    """Minutes between newscasts: the sign-off announces the next one, and the default air time is the next."""


@dataclass(frozen=True)
class Rundown:
    """A newscast asked for: the station's wording and the air time said in it."""

    station: Station = Station()
    """Wording and defaults."""
    at: dt.time | None = None
    """Air time said in the greeting; None: the next full newscast time (``air_time``)."""


def load_station(path: Path) -> Station:
    """Return the Station of a station TOML (its ``[station]`` table); RequestError naming the file and key."""
    data = read_toml(path, "station file", RequestError)
    table = data.get("station", data)
    if not isinstance(table, dict):
        raise RequestError(f"{path}: [station] must be a table")
    check_keys(table, Station, f"{path} [station]", error=RequestError)
    check_types(table, Station, f"{path} [station]", error=RequestError)
    station = Station(**table)
    for key in ("greeting", "signoff"):
        try:
            fill(getattr(station, key), dt.time(8, 0), station)
        except (KeyError, IndexError, ValueError) as problem:
            raise RequestError(f"{path} [station]: {key} has an unknown placeholder {problem}") from None
    if station.stories < 1 or station.every_min < 1 or station.slot_s < 0:
        raise RequestError(f"{path} [station]: stories and every_min must be at least 1, slot_s 0 or more")
    return station


def spoken_time(at: dt.time) -> str:
    """Return the time as said on air: "minuit", "midi", "une heure", "dix-huit heures trente"."""
    from num2words import num2words

    def feminine(number: int) -> str:  # "vingt et un" -> "vingt et une" (une heure, une minute)
        return re.sub(r"\bun$", "une", num2words(number, lang="fr"))

    hour = {0: "minuit", 12: "midi"}.get(at.hour) or f"{feminine(at.hour)} heure{'s' if at.hour > 1 else ''}"
    return hour if at.minute == 0 else f"{hour} {feminine(at.minute)}"


def air_time(now: dt.datetime, every_min: int = defaults.RUNDOWN_EVERY_MIN) -> dt.datetime:
    """Return the next newscast time at or after ``now``: a multiple of ``every_min`` from midnight (23:58 -> 0:00)."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed_s = (now - midnight).total_seconds()
    step_s = every_min * 60
    slots = -(-elapsed_s // step_s)  # ceiling
    return midnight + dt.timedelta(seconds=slots * step_s)


def fill(template: str, at: dt.time, station: Station) -> str:
    """Return ``template`` with its placeholders said for air time ``at``."""
    said = spoken_time(at)
    following = (dt.datetime.combine(dt.date(2000, 1, 1), at) + dt.timedelta(minutes=station.every_min)).time()
    text = template.format(
        time=said,
        de_time=_de(said),
        next=spoken_time(following),
        station=station.name,
        de_station=_de(station.name) if station.name else "",
    )
    return re.sub(r"\s+([.,!?])", r"\1", " ".join(text.split()))


def newscast_script(
    articles: list[Article],
    rundown: Rundown,
    at: dt.time,
    speak: Speak = lambda text: text,
    max_chars: int = 250,
    takes_phonemes: bool = False,
) -> Script:
    """Return the newscast's Script: greeting and headlines (story 0), the stories (1..N), the sign-off (N+1).

    ``takes_phonemes``: the voice says SSML ``<phoneme>`` IPA in the stories (Kokoro).
    """
    station = rundown.station

    def said(written: str, role: str, story: int = 0) -> list[Segment]:
        return paragraph_segments(written, speak, max_chars, role, -1, story)

    segments = said(fill(station.greeting, at, station), "greeting")
    if station.headlines_intro.strip():
        segments += said(fill(station.headlines_intro, at, station), "greeting")
    for article in articles:
        segments += said(article.title, "headlines")
    for story, article in enumerate(articles, 1):
        segments += build_script(article, speak, max_chars, story, takes_phonemes).segments
    segments += said(fill(station.signoff, at, station), "signoff", len(articles) + 1)
    return Script(newscast_title(at), tuple(s for s in segments if s.text.strip(" .")))


def newscast_title(at: dt.time) -> str:
    """Return the written title of a newscast: "Journal de 8 h", "Journal de 18 h 30"."""
    return f"Journal de {at.hour} h" + (f" {at.minute:02d}" if at.minute else "")


def chapter_titles(articles: list[Article]) -> list[str]:
    """Return one chapter title per story of a newscast script: opener, each story's title, sign-off."""
    return [OPENER_TITLE, *(article.title for article in articles), SIGNOFF_TITLE]


def sentence_segments(script: Script) -> Script:
    """Return ``script`` with one sentence per segment, so a slot can be fitted by dropping whole sentences.

    A very short sentence (the dateline "Le Havre, trente novembre.") is kept with the sentence
    after it. Each piece keeps its part of the written text and of the span map.
    """
    segments = []
    for segment in script.segments:
        ranges = _sentence_ranges(segment.text)
        if len(ranges) < 2:
            segments.append(segment)
            continue
        pieces = cut(segment.written, segment.text, segment.rewrites, ranges)
        for number, piece in enumerate(pieces):
            last = number == len(pieces) - 1
            segments.append(
                dataclasses.replace(
                    segment,
                    text=piece.spoken,
                    written=piece.written,
                    rewrites=piece.rewrites,
                    cut=segment.cut if last else "sentence",
                    pause_after_ms=segment.pause_after_ms if last else None,
                )
            )
    return dataclasses.replace(script, segments=tuple(segments))


def _sentence_ranges(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each sentence of ``text``, a very short one joined to the next."""
    ranges: list[tuple[int, int]] = []
    position = 0
    for sentence in split_sentences(text):
        start = text.find(sentence, position)
        if start < 0:
            return [(0, len(text))]
        end = start + len(sentence)
        if ranges and len(text[ranges[-1][0] : ranges[-1][1]].split()) <= SHORT_SENTENCE_WORDS:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
        position = end
    return ranges


def _de(words: str) -> str:
    """Return "de X", elided before a vowel ("d'une heure", "d'Europe 1") but not before "onze" or "huit"."""
    return f"d'{words}" if _ELIDES.match(words) else f"de {words}"


def parse_air_time(text: str) -> dt.time:
    """Return the time of ``--at HH:MM`` ("8:00", "18:30"); RequestError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,2})[:h](\d{2})\s*", text or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise RequestError(f"--at {text!r}: write the air time as HH:MM, e.g. --at 18:30")
    return dt.time(int(match.group(1)), int(match.group(2)))


def rundown_from_options(enabled: bool, at: str | None = None, station_file: Path | None = None) -> Rundown | None:
    """Return the Rundown asked by ``--rundown [--at HH:MM] [--station-config FILE]``; None without --rundown."""
    if not enabled:
        if at is not None or station_file is not None:
            raise RequestError("--at and --station-config frame a newscast: add --rundown")
        return None
    station = load_station(station_file) if station_file is not None else Station()
    return Rundown(station=station, at=parse_air_time(at) if at is not None else None)
