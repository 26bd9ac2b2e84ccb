"""The pronunciation lexicon: written words or sigles -> how they are said, from TOML files.

``load_lexicon`` is the one function of the text layer that reads a file (besides the
article); ``lexicon_rule`` replaces whole words and sigles on a text the normaliser is tracking.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import tomllib

from bulletin.errors import BulletinError
from bulletin.text.spans import Plain


def lexicon_rule(text: Plain, lexicon: Mapping[str, str]) -> None:
    """Replace each whole word or sigle of ``lexicon`` in ``text`` by its spoken form (rule "lexicon")."""
    entries = {unicodedata.normalize("NFKC", k): v for k, v in lexicon.items() if k.strip()}
    if not entries:
        return
    # A written form may touch digits ("COP21" -> "Cop 21"), never letters ("ONU" is not in "ONUSIDA").
    alternation = "|".join(re.escape(k) for k in sorted(entries, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W\d_])")

    def spoken(match: re.Match[str]) -> str:
        following = match.string[match.end() : match.end() + 1]
        return entries[match.group()] + (" " if following.isdigit() else "")

    text.sub(pattern, spoken, "lexicon")


def load_lexicon(user_path: Path | None = None) -> dict[str, str]:
    """Return the bundled pronunciation lexicon, overridden entry by entry by ``user_path`` if given.

    Files are TOML: ``"written" = "spoken"`` pairs, at top level or in tables (only for
    grouping). A bad user file raises BulletinError naming the file and the problem.
    """
    bundled = resources.files("bulletin.voices") / "lexicon-fr.toml"
    lexicon = _parse_lexicon(bundled.read_text(encoding="utf-8"), "lexicon-fr.toml (bundled)")
    if user_path is not None:
        path = Path(user_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BulletinError(
                f'{path}: no such lexicon file; give a TOML file of "written" = "spoken" lines'
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise BulletinError(f"{path}: cannot read the lexicon ({error}); give a UTF-8 TOML file") from None
        lexicon.update(_parse_lexicon(text, str(path)))
    _check_chains(lexicon, str(user_path) if user_path is not None else "lexicon-fr.toml (bundled)")
    return lexicon


def _check_chains(lexicon: Mapping[str, str], name: str) -> None:
    """Raise BulletinError when a spoken form holds another written form: the text would change on every pass."""
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(k) for k in lexicon) + r")(?![\w])")
    for written, spoken in lexicon.items():
        found = pattern.search(spoken)
        if found and spoken != written and lexicon.get(found.group()) != found.group():
            raise BulletinError(
                f"{name}: {written!r} = {spoken!r} contains {found.group()!r}, itself an entry; "
                "spell it the way it is said"
            )


def _parse_lexicon(text: str, name: str) -> dict[str, str]:
    """Return the entries of one lexicon file; BulletinError naming ``name`` when one is unusable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BulletinError(f'{name}: not valid TOML ({error}); write lines like "ONU" = "onu"') from None
    entries: dict[str, str] = {}
    tables = [("", data)]
    while tables:
        prefix, table = tables.pop()
        for key, value in table.items():
            if isinstance(value, dict):
                tables.append((f"{prefix}{key}.", value))
                continue
            if not isinstance(value, str):
                raise BulletinError(f"{name}: {prefix}{key} must be a string (the spoken form), not {value!r}")
            if not key.strip() or not value.strip():
                raise BulletinError(f"{name}: {prefix}{key!r} has an empty written or spoken form")
            if re.search(r"\d", value):
                raise BulletinError(f"{name}: {prefix}{key!r} = {value!r}: write numbers in words in a spoken form")
            if key != value and re.search(rf"(?<![\w]){re.escape(key)}(?![\w])", value):
                raise BulletinError(
                    f"{name}: {prefix}{key!r} = {value!r}: the spoken form must not contain the written one"
                )
            entries[key] = value
    return entries
