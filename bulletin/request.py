"""What a bulletin is asked to be and what it came out as, and the rules on the values asked.

Every front end (CLI, web service, batch runner) builds a ``GenerateRequest`` with
``loudness_targets`` and ``parse_pauses`` and gets a ``Bulletin`` back from
``bulletin.pipeline.produce``; ``validate`` refuses out-of-range values before any work.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from bulletin import defaults
from bulletin.audio.fit import SlotFit
from bulletin.audio.layout import MixSettings
from bulletin.engines.base import VoiceOptions
from bulletin.errors import ArticleError, OutputError, RequestError
from bulletin.files import slugify
from bulletin.text.article import Article
from bulletin.text.numbers_fr import MONTHS
from bulletin.text.rundown import Rundown
from bulletin.text.segment import Script


@dataclass(frozen=True)
class GenerateRequest:
    """Everything ``produce`` needs; every default is bulletin.defaults'."""

    articles: tuple[Path | str | Article, ...]
    """The sources, read in this order: article files, URLs, feeds, "-" (stdin), or Articles (bulletin.sources)."""
    output: Path | None = None
    """Audio file to write; default audio_out/ and a name from ``name``."""
    name: str | None = None
    """File name template in audio_out/ ({date}, {time}, {slug}, {station}); default NAME_STORY or NAME_JOURNAL."""
    force: bool = False
    """Replace an existing output file (without it, an existing file is an OutputError, never overwritten)."""
    voice: str = defaults.VOICE
    """Preset name or Coqui model directory."""
    voice_options: VoiceOptions = field(default_factory=VoiceOptions)
    """Device, threads, engine, speaker wav, licence agreement."""
    cache_dir: Path | None = None
    """Segment cache; default the user cache dir."""
    lexicon: Path | None = None
    """User pronunciation lexicon overriding the bundled one."""
    max_chars: int = defaults.MAX_CHARS
    """Longest segment in spoken characters."""
    jingles: bool = True
    """Intro and outro jingles (and the stinger between stories)."""
    intro: Path | None = None
    """User intro jingle (any format ffmpeg reads); default the bundled one."""
    outro: Path | None = None
    """User outro jingle; default the bundled one."""
    stinger: Path | None = None
    """User stinger between stories; default the bundled one."""
    bed: Path | None = None
    """Music bed looped under the speech and ducked; none by default."""
    mix: MixSettings = field(default_factory=MixSettings)
    """Pauses, overlap and ducking."""
    target_lufs: float = defaults.LOUDNESS_PRESETS[defaults.LOUDNESS_PRESET][0]
    """Integrated loudness of the master."""
    true_peak_db: float = defaults.LOUDNESS_PRESETS[defaults.LOUDNESS_PRESET][1]
    """True-peak ceiling of the master."""
    audio_format: str = defaults.AUDIO_FORMAT
    """mp3, wav, flac or ogg."""
    bitrate_kbps: int = defaults.BITRATE_KBPS
    """MP3 CBR bitrate (bulletin.defaults.BITRATE_RANGE_KBPS)."""
    station: str = defaults.STATION
    """Station or author (ID3 TPE1; the show name when empty)."""
    show: str = defaults.SHOW
    """Show name (ID3 TALB)."""
    artwork: Path | None = None
    """Cover image (PNG or JPEG); default the bundled one."""
    date: dt.date | None = None
    """Broadcast date (tags, default file name); default today."""
    max_minutes: float = defaults.MAX_MINUTES
    """Longest programme accepted, in minutes of estimated speech; longer ones are refused before any model loads."""
    stories: int | None = None
    """Most stories in the bulletin; a feed gives its newest items up to it (default 1, a newscast's station's)."""
    rundown: Rundown | None = None
    """Frame the stories as a newscast: greeting with the air time, headlines, sign-off."""
    slot_s: float | None = None
    """Fit the bulletin into this many seconds (never longer, at most SLOT_UNDER_S shorter with material enough)."""
    allow_private: bool = True
    """Fetch URLs on loopback and private addresses; False where sources come from other people (a web form)."""
    time: dt.time | None = None
    """Broadcast time (title and file name of a bulletin of several stories); default now."""


@dataclass(frozen=True)
class Bulletin:
    """What ``produce`` made."""

    output: Path
    """The audio file written."""
    sidecars: dict[str, Path]
    """Transcript (vtt, srt), chapters and script JSON beside it."""
    script: Script
    """What was said."""
    voice: str
    """Voice used."""
    duration_s: float
    """Decoded duration of the file."""
    speech_s: float
    """Trimmed speech in it."""
    jingles_s: float
    """Intro + outro."""
    pauses_s: float
    """Silence between parts."""
    loudness_lufs: float
    """Integrated loudness of the decoded file."""
    true_peak_db: float
    """True peak of the decoded file (4x oversampled)."""
    loudness_range_lu: float
    """Loudness range (EBU Tech 3342) of the decoded file."""
    cache_hits: int
    """Segments taken from the cache."""
    cache_misses: int
    """Segments synthesised."""
    dropped_characters: int
    """Characters the voice dropped in the segments synthesised (always 0 when the normaliser did its job)."""
    seconds: float
    """Wall time of the run."""
    slot_fit: SlotFit | None = None
    """How the bulletin was fitted into its slot, when one was asked."""
    warnings: tuple[str, ...] = ()
    """Options of the request that had no effect (``notices``); the script's own are ``script.warnings``."""

    def summary(self) -> dict:
        """Return a JSON-ready summary."""
        return {
            "output": str(self.output),
            "duration_s": round(self.duration_s, 3),
            "speech_s": round(self.speech_s, 3),
            "jingles_s": round(self.jingles_s, 3),
            "pauses_s": round(self.pauses_s, 3),
            "segments": len(self.script.segments),
            "voice": self.voice,
            "cache_hits": self.cache_hits,
            "cache_misses": self.cache_misses,
            "dropped_characters": self.dropped_characters,
            "removed_characters": len(self.script.removed),
            "warnings": [*self.script.warnings, *self.warnings],
            "loudness_lufs": round(self.loudness_lufs, 2),
            "true_peak_db": round(self.true_peak_db, 2),
            "loudness_range_lu": round(self.loudness_range_lu, 2),
            "seconds": round(self.seconds, 2),
            "files": {kind: str(path) for kind, path in self.sidecars.items()},
            **({"slot": self.slot_fit.summary()} if self.slot_fit else {}),
        }


@dataclass(frozen=True)
class SpokenScript:
    """The script as a voice would read it, what it would still drop, and what the normaliser left out."""

    script: Script
    voice: str
    dropped: Counter
    """Characters of the spoken script the voice would drop."""
    removed: Counter = field(default_factory=Counter)
    """Characters of the article the normaliser left unsaid (emoji, CJK, Arabic, control codes)."""

    def to_dict(self) -> dict:
        """Return a JSON-ready report: each segment spoken and written, what is dropped or removed, warnings."""
        return {
            "title": self.script.title,
            "voice": self.voice,
            "segments": [
                {"role": s.role, "story": s.story, "text": s.text, "written": s.written} for s in self.script.segments
            ],
            "dropped_characters": sum(self.dropped.values()),
            "dropped": dict(self.dropped),
            "removed_characters": sum(self.removed.values()),
            "removed": dict(self.removed),
            "warnings": list(self.script.warnings),
        }


# --- rules shared by every front end -----------------------------------------------------------


def loudness_targets(
    preset: str = defaults.LOUDNESS_PRESET, loudness_lufs: float | None = None, true_peak_db: float | None = None
) -> tuple[float, float]:
    """Return (integrated LUFS, true-peak dBTP): the named preset's, each overridden when given."""
    if preset not in defaults.LOUDNESS_PRESETS:
        raise RequestError(f"unknown loudness preset {preset!r}; use one of {', '.join(defaults.LOUDNESS_PRESETS)}")
    preset_lufs, preset_peak = defaults.LOUDNESS_PRESETS[preset]
    return (
        preset_lufs if loudness_lufs is None else loudness_lufs,
        preset_peak if true_peak_db is None else true_peak_db,
    )


def parse_pauses(items: Iterable[str]) -> Mapping[str, int]:
    """Return the pause after each role, from the defaults and ``ROLE=MS`` items ("headline=1200")."""
    pauses = dict(defaults.PAUSE_AFTER_MS)
    low, high = defaults.PAUSE_RANGE_MS
    for item in items:
        role, _, value = item.partition("=")
        if role not in pauses or not value.isdigit():
            raise RequestError(f"--pause {item!r}: write ROLE=MS with ROLE one of {', '.join(pauses)}")
        if not low <= int(value) <= high:
            raise RequestError(f"--pause {item!r}: a pause must be {defaults.span(defaults.PAUSE_RANGE_MS)} ms")
        pauses[role] = int(value)
    return MappingProxyType(pauses)


def validate(request: GenerateRequest) -> None:
    """Raise a BulletinError subclass naming the first value of ``request`` outside its range."""
    if not request.articles:
        raise ArticleError("no article given; name at least one article file, URL, feed or - for stdin")
    if request.stories is not None and request.stories < 1:
        raise RequestError(f"--stories {request.stories}: ask for at least one story")
    if request.slot_s is not None and not defaults.SLOT_RANGE_S[0] <= request.slot_s <= defaults.SLOT_RANGE_S[1]:
        raise RequestError(f"--slot {request.slot_s:g} s is out of range; use {defaults.span(defaults.SLOT_RANGE_S)} s")
    checks = [
        ("--max-chars", request.max_chars, defaults.MAX_CHARS_RANGE, ""),
        ("--loudness", request.target_lufs, defaults.LOUDNESS_RANGE_LUFS, " LUFS"),
        ("--true-peak", request.true_peak_db, defaults.TRUE_PEAK_RANGE_DB, " dBTP"),
        ("--overlap-ms", request.mix.overlap_ms, defaults.OVERLAP_RANGE_MS, " ms"),
        ("--duck-db", request.mix.bed_duck_db, defaults.DUCK_RANGE_DB, " dB"),
        ("--max-minutes", request.max_minutes, defaults.MAX_MINUTES_RANGE, " min"),
    ]
    if request.voice_options.threads is not None:
        checks.append(("--threads", request.voice_options.threads, defaults.THREADS_RANGE, ""))
    if request.audio_format == "mp3":
        checks.append(("--bitrate", request.bitrate_kbps, defaults.BITRATE_RANGE_KBPS, " kbps"))
    for option, value, (low, high), unit in checks:
        if not low <= value <= high:
            raise RequestError(f"{option} {value:g}{unit} is out of range; use {low:g} to {high:g}{unit}")
    if request.audio_format not in defaults.AUDIO_FORMATS:
        raise RequestError(f"unknown format {request.audio_format!r}; use one of {', '.join(defaults.AUDIO_FORMATS)}")
    speed = request.voice_options.speed
    if speed is not None and not defaults.SPEED_RANGE[0] <= speed <= defaults.SPEED_RANGE[1]:
        raise RequestError(f"--speed {speed:g} is out of range; use {defaults.span(defaults.SPEED_RANGE)}")
    if request.output is not None and request.name is not None:
        raise RequestError("give either -o/--output (a path) or --name (a template in audio_out/), not both")
    if request.name is not None:
        file_stem(request.name, "titre", dt.datetime(2026, 1, 1), "station")  # refuses a bad template now


class SpeechBudget:
    """Counts the spoken characters a script is made of; RequestError as soon as they pass ``max_minutes``.

    The estimate is spoken characters / the voice's rate (``VoicePreset.chars_per_s``).
    Counting as the normaliser goes, an absurd input (a 20 MB article) is refused after
    the first hour's worth of text, not after normalising all of it; the error
    extrapolates from the written characters to say how long it would have been.
    """

    def __init__(self, max_minutes: float, chars_per_s: float, articles: Iterable[Article] = ()) -> None:
        self.max_minutes = max_minutes
        self.chars_per_s = chars_per_s or defaults.CHARS_PER_S
        articles = list(articles)
        self.what = "the article would" if len(articles) == 1 else "the articles would"
        self.written_total = sum(
            len(a.title) + len(a.dateline) + len(a.source) + sum(map(len, a.paragraphs)) for a in articles
        )
        self.written = 0
        self.spoken = 0

    def count(self, written: str, spoken: str) -> str:
        """Return ``spoken`` (what the normaliser made of ``written``), once counted; RequestError past the limit."""
        self.written += len(written)
        self.spoken += len(spoken)
        if self.spoken > self.max_minutes * 60 * self.chars_per_s:
            raise self.refusal()
        return spoken

    def refusal(self) -> RequestError:
        """Return the one-line error naming the estimate, the limit and how to raise it."""
        scale = max(1.0, self.written_total / self.written) if self.written else 1.0
        spoken = self.spoken * scale
        minutes = spoken / self.chars_per_s / 60
        high = defaults.MAX_MINUTES_RANGE[1]
        remedy = (
            f"raise the limit with --max-minutes {math.ceil(minutes)} or shorten the articles"
            if minutes < high
            else f"shorten the articles (--max-minutes goes up to {high:g})"
        )
        return RequestError(
            f"{self.what} make about {minutes:,.0f} minutes of speech ({spoken:,.0f} spoken characters "
            f"at {self.chars_per_s:g} a second), over the {self.max_minutes:g}-minute limit; {remedy}"
        )


def notices(request: GenerateRequest) -> list[str]:
    """Return the warnings a request deserves: options it gives that will have no effect."""
    found = []
    if request.mix.overlap_ms and not request.jingles:
        found.append(f"--overlap-ms {request.mix.overlap_ms} has no effect with --no-jingles (there is no intro)")
    return found


# --- what the bulletin is called ---------------------------------------------------------------


def broadcast_moment(request: GenerateRequest, at: dt.time | None = None) -> dt.datetime:
    """Return when the bulletin airs: the request's date, and ``at`` (a newscast's air time) or its time.

    Each defaults to now, to the minute.
    """
    now = dt.datetime.now().replace(second=0, microsecond=0)
    return dt.datetime.combine(request.date or now.date(), at or request.time or now.time())


def french_date(day: dt.date) -> str:
    """Return a date as a French title writes it: "1er décembre 2026", "25 novembre 2026"."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS[day.month - 1]} {day.year}"


def french_hour(moment: dt.datetime | dt.time) -> str:
    """Return an hour as French news write it: "8 h", "18 h 30"."""
    return f"{moment.hour} h" + (f" {moment.minute:02d}" if moment.minute else "")


def bulletin_title(story_titles: list[str], moment: dt.datetime) -> str:
    """Return the bulletin's title: the headline of one story; "Journal du 1er décembre 2026 à 8 h" for several."""
    if len(story_titles) == 1:
        return story_titles[0]
    return f"Journal du {french_date(moment.date())} à {french_hour(moment)}"


def file_stem(template: str, slug: str, moment: dt.datetime, station: str) -> str:
    """Return the file name (without extension) a ``--name`` template makes; RequestError for a bad template.

    {date} is 2026-12-01, {time} 08h00, {slug} the title's slug, {station} the station's; the
    values are slugs, so only the template's own text can hold anything else, and it may not
    hold a path.
    """
    import string

    values = {
        "date": moment.date().isoformat(),
        "time": f"{moment.hour:02d}h{moment.minute:02d}",
        "slug": slugify(slug),
        "station": slugify(station, fallback="station"),
    }
    fields = ", ".join("{" + name + "}" for name in defaults.NAME_FIELDS)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise RequestError(f"--name {template!r}: {error}; use the placeholders {fields}") from None
    for _, name, spec, conversion in parsed:
        if name is not None and (name not in values or spec or conversion):
            raise RequestError(f"--name {template!r}: unknown placeholder {{{name}}}; use {fields}")
    stem = template.format(**values)
    if not stem.strip() or stem.startswith(".") or any(c in stem for c in "/\\\0"):
        raise RequestError(f"--name {template!r}: a file name, not a path, and not hidden; use -o for a path")
    return stem


def output_path(request: GenerateRequest, story_titles: list[str], moment: dt.datetime) -> Path:
    """Return the file ``request`` writes: its ``output``, else audio_out/ + its name template (created if needed)."""
    if request.output is not None:
        return Path(request.output)
    several = len(story_titles) > 1 or request.rundown is not None  # a newscast is a journal, hourly
    template = request.name or (defaults.NAME_JOURNAL if several else defaults.NAME_STORY)
    slug = defaults.JOURNAL_SLUG if several else story_titles[0]
    stem = file_stem(template, slug, moment, request.station or request.show)
    suffix = f".{request.audio_format}"
    defaults.OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return defaults.OUTPUT_DIR / (stem if stem.lower().endswith(suffix) else stem + suffix)


def check_output(output: Path, audio_format: str, force: bool = False) -> None:
    """Raise OutputError unless ``output`` can be written as ``audio_format`` (and, unless ``force``, is new)."""
    if output.suffix.lower() != f".{audio_format}":
        raise OutputError(
            f"{output}: a {audio_format} file must end in .{audio_format}; "
            f"use -o NAME.{audio_format} or --format {output.suffix.lstrip('.') or 'mp3'}"
        )
    if not output.parent.is_dir():
        raise OutputError(f"{output.parent}: no such directory; create it or choose another output path")
    if output.is_dir():
        raise OutputError(f"{output}: is a directory; give a file name")
    if output.exists() and not force:
        raise OutputError(f"{output}: already exists; pass --force to replace it, or choose another name (--name, -o)")
