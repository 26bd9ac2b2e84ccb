"""The options of the ``bulletin`` commands, declared once: names, value labels, choices, ranges, help.

Every default, range and list of choices comes from ``bulletin.defaults``; ``bulletin.cli``
only puts these in its commands' signatures. Value labels (``metavar``) name what a value
is (FILE, LUFS, MS), so the help never shows Python types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from bulletin import defaults
from bulletin.console import ranged

LOUDNESS_PRESETS_HELP = ", ".join(
    f"{name} ({lufs:g} LUFS, {peak:g} dBTP)" for name, (lufs, peak) in defaults.LOUDNESS_PRESETS.items()
)
NAME_FIELDS_HELP = ", ".join("{" + field + "}" for field in defaults.NAME_FIELDS)

# Choices, listed by --help and checked by typer, built from the one list in bulletin.defaults.
AudioFormat = Literal[defaults.AUDIO_FORMATS]
Device = Literal[defaults.DEVICES]
Engine = Literal[defaults.ENGINES]
LoudnessPreset = Literal[tuple(defaults.LOUDNESS_PRESETS)]


def _option(kind, *names: str, **settings):
    return Annotated[kind, typer.Option(*names, **settings)]


def _ranged(kind, *names: str, bounds: tuple, help: str, **settings):
    """An option checked against ``bounds`` by typer; its usage error and help name the range (console.ranged)."""
    return Annotated[kind, ranged(*names, bounds=bounds, help=help, **settings)]


def _file(*names: str, help: str, metavar: str = "FILE"):
    return _option(Optional[Path], *names, metavar=metavar, help=help)


# Shared by several commands.
Voice = _option(
    str,
    "--voice",
    metavar="NAME|DIR",
    help="Voice preset name (see `bulletin voices`) or a Coqui model directory (model .pth + config.json).",
)
Lexicon = _file("--lexicon", help="Pronunciation lexicon TOML overriding the bundled one.")
MaxChars = _ranged(
    int, "--max-chars", metavar="N", bounds=defaults.MAX_CHARS_RANGE, help="Longest segment, in spoken characters"
)
Json = _option(bool, "--json", help='Print JSON instead of text (an error too: {"error": ...}).')
MaxWer = _ranged(
    float, "--max-wer", metavar="RATE", bounds=defaults.MAX_WER_RANGE, help="Highest acceptable word error rate"
)


def _print_version(value: bool) -> None:
    if value:
        from bulletin import __version__

        typer.echo(f"bulletin {__version__}")
        raise typer.Exit()


Version = _option(bool, "--version", is_eager=True, callback=_print_version, help="Print the version and exit.")

# bulletin generate
Articles = Annotated[
    list[Path],
    typer.Argument(metavar="ARTICLE", help="Article file(s) (.txt or .md); several make a multi-story bulletin."),
]
Output = _file("-o", "--output", help=f"File to write (default: in {defaults.OUTPUT_DIR}/, named by --name).")
Name = _option(
    Optional[str],
    "--name",
    metavar="TEMPLATE",
    help=f"File name in {defaults.OUTPUT_DIR}/ from {NAME_FIELDS_HELP} (default {defaults.NAME_STORY}; "
    f"{defaults.NAME_JOURNAL} for several stories).",
)
Force = _option(bool, "--force", help="Replace the output file if it exists (never replaced otherwise).")
Speed = _ranged(
    Optional[float],
    "--speed",
    metavar="RATE",
    bounds=defaults.SPEED_RANGE,
    help="Speaking rate, 1 the voice's own (default: the preset's)",
)
NoJingles = _option(bool, "--no-jingles", help="No intro, outro or stinger.")
Intro = _file("--intro", help="Your intro jingle (any format ffmpeg reads).")
Outro = _file("--outro", help="Your outro jingle.")
Stinger = _file("--stinger", help="Your stinger, played between stories.")
Bed = _file("--bed", help="Music bed looped under the speech and ducked.")
DuckDb = _ranged(float, "--duck-db", metavar="DB", bounds=defaults.DUCK_RANGE_DB, help="Bed gain under speech, in dB")
OverlapMs = _ranged(
    int,
    "--overlap-ms",
    metavar="MS",
    bounds=defaults.OVERLAP_RANGE_MS,
    help="Start speaking this long before the intro ends, in ms",
)
Pause = _option(
    list[str], "--pause", metavar="ROLE=MS", help="Pause after a role, e.g. --pause headline=1200 (ms); repeatable."
)
Preset = _option(LoudnessPreset, "--loudness-preset", help=LOUDNESS_PRESETS_HELP)
Loudness = _ranged(
    Optional[float],
    "--loudness",
    metavar="LUFS",
    bounds=defaults.LOUDNESS_RANGE_LUFS,
    help="Loudness target in LUFS, overriding the preset",
)
TruePeak = _ranged(
    Optional[float],
    "--true-peak",
    metavar="DBTP",
    bounds=defaults.TRUE_PEAK_RANGE_DB,
    help="True-peak ceiling in dBTP, overriding the preset",
)
Format = _option(AudioFormat, "--format", case_sensitive=False, help="Audio file format.")
Bitrate = _ranged(int, "--bitrate", metavar="KBPS", bounds=defaults.BITRATE_RANGE_KBPS, help="MP3 bitrate in kbps")
Station = _option(
    str,
    "--station",
    metavar="NAME",
    envvar="BULLETIN_STATION",
    show_default=False,
    help="Station written in the tags as the artist, and {station} of --name (default: the show name).",
)
Show = _option(str, "--show", metavar="NAME", help="Show name written in the tags.")
Artwork = _file("--artwork", help="Cover image (PNG or JPEG); default the bundled one.")
CacheDir = _option(
    Optional[Path],
    "--cache-dir",
    metavar="DIR",
    envvar="BULLETIN_CACHE_DIR",
    help="Segment audio cache (default: the user cache dir).",
)
DeviceChoice = _option(Device, "--device", help="Where the voice model runs.")
Threads = _ranged(
    Optional[int],
    "--threads",
    metavar="N",
    bounds=defaults.THREADS_RANGE,
    help="Synthesis threads (default: all cores)",
)
EngineChoice = _option(
    Engine, "--engine", help="Coqui VITS engine: bf16 (float32 torch where the CPU lacks bf16), torch or onnx."
)
SpeakerWav = _file("--speaker-wav", help="Reference voice recording (XTTS).")
AgreeLicence = _option(bool, "--agree-licence", help="Agree to the voice model's licence (XTTS: CPML).")
PublishDir = _file("--publish", metavar="DIR", help="Then publish the bulletin into this feed directory.")
FeedConfig = _file("--feed-config", help="Channel TOML for --publish.")
Play = _option(bool, "--play", help="Then play the bulletin on the sound device.")
# "\[" keeps rich markup from eating "[qa]" (the help said "needs bulletin")
Check = _option(bool, "--check", help="Then listen back with speech recognition (needs bulletin\\[qa]).")
