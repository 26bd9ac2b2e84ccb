"""Options of the ``bulletin`` commands, defined once (typer ``Annotated`` types): names, value labels, choices.

Every default, range and list of choices comes from ``bulletin.defaults``. Value labels
(``metavar``) name what a value is (FILE, LUFS, MS), so the help never shows Python types;
``bulletin.console.readable_labels`` labels whatever is left by its type.
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


def _print_version(value: bool) -> None:
    if value:
        from bulletin import __version__

        typer.echo(f"bulletin {__version__}")
        raise typer.Exit()


VersionOption = Annotated[
    bool, typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and exit.")
]

# Options shared by several commands, defined once.
VoiceOption = Annotated[
    str,
    typer.Option(
        "--voice",
        metavar="NAME|DIR",
        help="Voice preset name (see `bulletin voices`) or a Coqui model directory (model .pth + config.json).",
    ),
]
LexiconOption = Annotated[
    Optional[Path],
    typer.Option("--lexicon", metavar="FILE", help="Pronunciation lexicon TOML overriding the bundled one."),
]
MaxCharsOption = Annotated[
    int,
    ranged("--max-chars", metavar="N", bounds=defaults.MAX_CHARS_RANGE, help="Longest segment, in spoken characters"),
]
JsonOption = Annotated[bool, typer.Option("--json", help='Print JSON instead of text (an error too: {"error": ...}).')]
SOURCES_HELP = "file (.txt, .md, .html, .json), http(s) URL, RSS/Atom feed, or - for stdin"
StoriesOption = Annotated[
    Optional[int],
    typer.Option(
        "--stories",
        metavar="N",
        min=1,
        help="Most stories; a feed gives its newest N (default 1; newscast: station's).",
    ),
]
RundownOption = Annotated[
    bool, typer.Option("--rundown", help="Frame the stories as a newscast: greeting, headlines, sign-off.")
]
AtOption = Annotated[
    Optional[str],
    typer.Option("--at", metavar="HH:MM", help="With --rundown: air time said, HH:MM (default: the next full hour)."),
]
StationOption = Annotated[
    Optional[Path],
    typer.Option("--station-config", metavar="FILE", help="Station TOML for --rundown (see examples/station.toml)."),
]
SlotOption = Annotated[
    Optional[float],
    ranged(
        "--slot",
        metavar="SECONDS",
        bounds=defaults.SLOT_RANGE_S,
        help="Fit into SECONDS: trailing sentences dropped, pauses stretched",
    ),
]

# bulletin generate (names, rate, choices)
NameOption = Annotated[
    Optional[str],
    typer.Option(
        "--name",
        metavar="TEMPLATE",
        help=f"File name in {defaults.OUTPUT_DIR}/ from {NAME_FIELDS_HELP} (default {defaults.NAME_STORY}; "
        f"{defaults.NAME_JOURNAL} for several stories or a newscast).",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Replace the output file if it exists (never replaced otherwise).")
]
SpeedOption = Annotated[
    Optional[float],
    ranged(
        "--speed",
        metavar="RATE",
        bounds=defaults.SPEED_RANGE,
        help="Speaking rate, 1 the voice's own (default: the preset's)",
    ),
]
FormatOption = Annotated[AudioFormat, typer.Option("--format", case_sensitive=False, help="Audio file format.")]
PresetOption = Annotated[LoudnessPreset, typer.Option("--loudness-preset", help=LOUDNESS_PRESETS_HELP)]
DeviceOption = Annotated[Device, typer.Option("--device", help="Where the voice model runs.")]
EngineOption = Annotated[
    Engine,
    typer.Option("--engine", help="Coqui VITS engine: bf16 (float32 torch where the CPU lacks bf16), torch or onnx."),
]
StationNameOption = Annotated[
    str,
    typer.Option(
        "--station",
        metavar="NAME",
        envvar="BULLETIN_STATION",
        show_default=False,
        help="Station written in the tags as the artist, and {station} of --name (default: the show name).",
    ),
]
# "\[" keeps rich markup from eating "[qa]" (the help said "needs bulletin")
CheckOption = Annotated[
    bool, typer.Option("--check", help="Then listen back with speech recognition (needs bulletin\\[qa]).")
]
