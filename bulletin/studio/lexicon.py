"""The station's pronunciation lexicon: a TOML file of ``"written" = "spoken"`` lines the editors keep.

It overrides the bundled lexicon entry by entry (``bulletin.text.normalize.load_lexicon``
reads it the same way ``--lexicon FILE`` does). A new version is checked with exactly
those rules before it replaces the file, atomically: a bad entry is refused with the
loader's message, naming the entry, and the file is left as it was.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import tomllib

from bulletin.errors import BulletinError
from bulletin.files import write_atomic

MAX_ENTRIES = 10_000
MAX_FORM_CHARS = 200
HEADER = (
    '# The station\'s pronunciation lexicon, kept by bulletin studio: "written" = "spoken".\n'
    "# Whole words, case-sensitive; spoken forms in letters (no digits). Overrides the bundled lexicon.\n"
)


class LexiconError(BulletinError):
    """A lexicon entry that cannot be used (the message names it)."""


def read_entries(path: Path) -> dict[str, str]:
    """Return the entries of the station lexicon at ``path`` ({} when there is none yet)."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise LexiconError(f"{path}: cannot read the lexicon ({error}); fix or remove the file") from None
    entries: dict[str, str] = {}
    tables = [data]
    while tables:  # tables only group entries
        for key, value in tables.pop().items():
            if isinstance(value, dict):
                tables.append(value)
            else:
                entries[key] = value
    return entries


def lexicon_text(entries: dict[str, str]) -> str:
    """Return the TOML file holding ``entries``, sorted (JSON strings are valid TOML basic strings)."""
    lines = [
        f"{json.dumps(written, ensure_ascii=False)} = {json.dumps(spoken, ensure_ascii=False)}"
        for written, spoken in sorted(entries.items())
    ]
    return HEADER + "\n".join(lines) + ("\n" if lines else "")


def check_entries(entries: dict[str, str], path: Path) -> None:
    """Raise LexiconError naming the first entry the loader would refuse (written exactly as a file at ``path``)."""
    from bulletin.text.normalize import load_lexicon

    if len(entries) > MAX_ENTRIES:
        raise LexiconError(f"{len(entries)} entries: a station lexicon holds at most {MAX_ENTRIES}")
    for written, spoken in entries.items():
        if len(written) > MAX_FORM_CHARS or len(spoken) > MAX_FORM_CHARS:
            raise LexiconError(f"{written[:40]!r}: a written or spoken form holds at most {MAX_FORM_CHARS} characters")
        if "\n" in written or "\n" in spoken:
            raise LexiconError(f"{written!r}: a written or spoken form is one line")
    path = Path(path)
    trial = path.parent / f".{path.name}.check-{secrets.token_hex(4)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    trial.write_text(lexicon_text(entries), encoding="utf-8")
    try:
        load_lexicon(trial)
    except BulletinError as error:
        raise LexiconError(str(error).replace(str(trial), path.name)) from None
    finally:
        os.unlink(trial)


def save_entries(path: Path, entries: dict[str, str]) -> None:
    """Check ``entries`` and write them as the station lexicon at ``path``, atomically."""
    check_entries(entries, path)
    write_atomic(path, lexicon_text(entries).encode("utf-8"))
