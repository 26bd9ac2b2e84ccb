"""Every default a user can see and every range a user value is checked against, defined once.

The library's dataclasses take their defaults from here, the validation in
``bulletin.pipeline`` checks against these ranges, and the CLI's options and help texts
read them. Standard library only: ``bulletin --help`` imports this module.
"""

from __future__ import annotations

from pathlib import Path

VOICE = "fr-css10"
"""Voice preset used when none is given."""
ENGINES = ("bf16", "torch", "onnx")
"""How a Coqui VITS model can run (``bulletin.engines.fastvits``)."""
ENGINE = "bf16"
"""Default engine: bf16 decoder where the CPU has native bf16, else float32 torch."""
DEVICES = ("cpu", "cuda")
"""Where a model can run."""
DEVICE = "cpu"
THREADS_RANGE = (1, 512)
"""Fewest and most synthesis threads accepted (more than the cores only slows synthesis down)."""

MAX_CHARS = 250
"""Longest segment, in spoken characters."""
MAX_CHARS_RANGE = (40, 2000)
"""Shortest and longest ``max_chars`` accepted."""

MAX_MINUTES = 60.0
"""Longest programme ``generate`` makes, in minutes of estimated speech (spoken characters / the voice's rate)."""
MAX_MINUTES_RANGE = (1.0, 600.0)
"""Lowest and highest ``max_minutes`` accepted (memory does not grow with length; time and disk do)."""
CHARS_PER_S = 14.1
"""Speaking rate (spoken characters per second of speech) of a voice whose preset names none.

Measured by ``bench/memory.py --rates`` on the example article: tiny and css10-size random
VITS 14.1 (their durations are biased to a newsreader's pace), Kokoro ff_siwis in its preset.
"""

AUDIO_FORMATS = ("mp3", "wav", "flac", "ogg")
AUDIO_FORMAT = "mp3"
BITRATE_KBPS = 128
"""MP3 CBR bitrate."""
BITRATE_RANGE_KBPS = (64, 192)
"""MP3 bitrates offered (a spoken-word podcast needs no more than 192)."""

LOUDNESS_PRESETS = {
    "podcast": (-16.0, -1.0),
    "ebu-r128": (-23.0, -1.0),
    "atsc": (-24.0, -2.0),
    "smart-speaker": (-14.0, -2.0),
}
"""(integrated LUFS, true-peak dBTP) per delivery standard."""
LOUDNESS_PRESET = "podcast"
LOUDNESS_RANGE_LUFS = (-40.0, -5.0)
TRUE_PEAK_RANGE_DB = (-10.0, 0.0)

PAUSE_AFTER_MS = {
    "headline": 900,
    "lead": 500,
    "body": 450,
    "source": 400,
    "greeting": 700,
    "headlines": 600,
    "signoff": 400,
}
"""Silence after a segment of each role, when the next segment starts the same paragraph."""
CLAUSE_PAUSE_MS = 200
"""Silence after a segment cut inside a long sentence (at a comma): a breath, not a full stop."""
PAUSE_RANGE_MS = (0, 10_000)
"""Shortest and longest pause a user may ask for."""
OVERLAP_RANGE_MS = (0, 5000)
"""How far the first words may start before the intro ends."""
DUCK_DB = -18.0
"""Music bed gain under speech."""
DUCK_RANGE_DB = (-60.0, 0.0)

STATION = ""
"""No station named: the ID3 artist (TPE1) is then the show name (``--station`` or $BULLETIN_STATION name one)."""
SHOW = "Bulletin d'information"
"""ID3 album (TALB) when no show is named."""

SPEED = 1.0
"""Speaking rate multiplier (1 = the voice's own rate)."""
SPEED_RANGE = (0.8, 1.25)
"""Slowest and fastest speaking rate offered (beyond it, voices slur or drawl)."""

NAME_FIELDS = ("date", "time", "slug", "station")
"""Placeholders of a ``--name`` template: ISO date, HHhMM, the headline's slug, the station's slug."""
NAME_STORY = "{date}-{slug}"
"""File name (before the extension) of a one-story bulletin: 2026-12-01-greve-a-la-sncf."""
NAME_JOURNAL = "{date}-{time}-{slug}"
"""File name of a bulletin of several stories: 2026-12-01-08h00-journal (one file per hour, never the same)."""
JOURNAL_SLUG = "journal"
"""{slug} of a bulletin of several stories (its title already carries the date)."""

OUTPUT_DIR = Path("audio_out")
"""Where bulletins go when no output is given."""
FEED_DIR = OUTPUT_DIR / "feed"
"""Where ``bulletin publish`` writes a feed when no directory is given."""
FEED_KEEP = 100
"""Newest episodes listed in a feed."""
FEED_KEEP_RANGE = (1, 100_000)
"""Fewest and most episodes a feed may list."""
CHANNEL_FILE = "podcast.toml"
"""Channel TOML looked for in the feed directory, then in the current directory."""
FEED_TIMEZONE = "Europe/Paris"
"""Time zone the feed's page shows times in (channel key ``timezone``, an IANA name)."""
FEED_LOCKED = True
"""podcast:locked: "yes" (other hosts must not import the feed without the owner), as Podcasting 2.0 advises."""

MAX_WER = 0.25
"""Highest acceptable overall word error rate of a listen-back check."""
MAX_WER_RANGE = (0.0, 1.0)
"""Limits a user may set on that rate (1 accepts any bulletin in which a word was heard right)."""
MAX_SEGMENT_WER = 0.5
"""A segment above this word error rate (with enough errors) is flagged."""

FETCH_TIMEOUT_S = 15.0
"""Longest wait for a web page or feed, start to last byte."""
FETCH_MAX_BYTES = 5_000_000
"""Largest page or feed fetched (a news page is ~100-500 kB)."""
FETCH_MAX_REDIRECTS = 5
"""Redirects followed before giving up."""
STORIES = 1
"""Newest items a feed gives when no story count is asked."""

RUNDOWN_STORIES = 5
"""Stories in a newscast when neither --stories nor the station TOML says."""
RUNDOWN_EVERY_MIN = 60
"""Minutes between two newscasts (the sign-off announces the next)."""
SLOT_RANGE_S = (20.0, 3600.0)
"""Shortest and longest newscast slot accepted."""
SLOT_UNDER_S = 3.0
"""A slot-fitted newscast is at most this much shorter than its slot, when there is enough material."""
SLOT_STRETCH = 0.5
"""Pauses may grow by at most this fraction to fill a slot."""

WATCH_NAME = "bulletin.mp3"
"""File name a playout system picks up in the drop folder."""
WATCH_KEEP = 24
"""Dated copies kept beside the drop file (a day of hourly newscasts)."""
WATCH_KEEP_RANGE = (0, 10_000)
WATCH_EVERY_MIN = 60
"""Minutes between two watch cycles when neither --every nor --at is given."""
WATCH_EVERY_RANGE_MIN = (1, 1440)

BATCH_RESULTS = "results.jsonl"
"""One line per job of ``bulletin batch``, in its output directory."""
BATCH_THREADS_PER_WORKER = 2
"""Cores each batch worker gets when ``--workers`` is not given (workers = cores / this)."""
BATCH_RETRIES = 2
"""Times a job whose worker crashed is retried on a fresh worker before it is recorded as failed."""
BATCH_VOICES_PER_WORKER = 2
"""Voices a batch worker keeps loaded at once (a manifest may name several); the least used is closed."""
BATCH_ARTICLE_SUFFIXES = (".txt", ".md")
"""Files taken from a directory given to ``bulletin batch``."""

SERVE_HOST = "127.0.0.1"
SERVE_PORT = 8000
PORT_RANGE = (0, 65535)
"""TCP ports (0 picks a free one)."""

STUDIO_PORT = 8765
"""Port ``bulletin studio`` listens on."""
STUDIO_STATE_DIR = OUTPUT_DIR / "studio"
"""Where the studio keeps its job records, their audio and the station lexicon (``lexicon.toml``)."""
STUDIO_QUEUE = 8
"""Jobs that may wait behind the one being made; one more is answered 429."""
STUDIO_QUEUE_RANGE = (1, 1000)
STUDIO_VOICES_KEPT = 2
"""Voices the studio keeps loaded between jobs (least recently used freed first)."""
STUDIO_MIN_FREE_MB = 1024
"""Below this much available memory, the studio frees the voices it keeps before the next job."""
STUDIO_MAX_BODY_BYTES = 2 * 1024 * 1024
"""Largest request body the studio reads (an article is a few kB)."""
STUDIO_MAX_SOURCES = 20
"""Most stories in one bulletin asked of the studio."""
SPEECH_MAX_CHARS = 4096
"""Longest ``input`` of /v1/audio/speech (OpenAI's own limit)."""


def span(values: tuple) -> str:
    """Return "A to B" for a (low, high) range, as help texts and errors say it."""
    low, high = values
    return f"{low:g} to {high:g}"
