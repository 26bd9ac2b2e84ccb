"""Options shared by several ``bulletin`` commands, defined once (typer ``Annotated`` types)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from bulletin import defaults
from bulletin.console import ranged

# Options shared by several commands, defined once.
VoiceOption = Annotated[
    str,
    typer.Option(
        "--voice",
        help="Voice preset name (see `bulletin voices`) or a Coqui model directory (model .pth + config.json).",
    ),
]
LexiconOption = Annotated[
    Optional[Path], typer.Option("--lexicon", help="Pronunciation lexicon TOML overriding the bundled one.")
]
MaxCharsOption = Annotated[
    int,
    ranged("--max-chars", bounds=defaults.MAX_CHARS_RANGE, help="Longest segment, in spoken characters"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
SOURCES_HELP = "file (.txt, .md, .html, .json), http(s) URL, RSS/Atom feed, or - for stdin"
StoriesOption = Annotated[
    Optional[int],
    typer.Option("--stories", min=1, help="Most stories; a feed gives its newest N (default 1; newscast: station's)."),
]
RundownOption = Annotated[
    bool, typer.Option("--rundown", help="Frame the stories as a newscast: greeting, headlines, sign-off.")
]
AtOption = Annotated[
    Optional[str], typer.Option("--at", help="With --rundown: air time said, HH:MM (default: the next full hour).")
]
StationOption = Annotated[
    Optional[Path], typer.Option("--station-config", help="Station TOML for --rundown (see examples/station.toml).")
]
SlotOption = Annotated[
    Optional[float],
    ranged(
        "--slot", bounds=defaults.SLOT_RANGE_S, help="Fit into SECONDS: trailing sentences dropped, pauses stretched"
    ),
]
