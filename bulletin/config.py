"""TOML files into frozen dataclasses, in one place: the error names the file and the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, TypeVar

import tomllib

from bulletin.errors import BulletinError

T = TypeVar("T")


def read_toml(path: Path, what: str, error: type[BulletinError] = BulletinError) -> dict[str, Any]:
    """Return the parsed TOML file at ``path``; ``error`` naming the file if it is missing or malformed."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise error(f"{path}: cannot read {what}: {problem}") from None


def parse_toml(text: str, where: str, error: type[BulletinError] = BulletinError) -> dict[str, Any]:
    """Return parsed TOML ``text``; ``error`` naming ``where`` if it is malformed."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{where}: {problem}") from None


def check_keys(
    table: dict[str, Any],
    cls: type,
    where: str,
    required: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
    error: type[BulletinError] = BulletinError,
) -> None:
    """Raise ``error`` naming ``where`` if ``table`` has keys ``cls`` lacks, or lacks a ``required`` one."""
    known = {field.name for field in dataclasses.fields(cls)} - set(ignore)
    unknown = sorted(set(table) - known)
    if unknown:
        raise error(f"{where}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
    missing = [key for key in required if key not in table or table[key] in ("", None)]
    if missing:
        raise error(f"{where}: missing key(s) {', '.join(missing)}")


def check_types(table: dict[str, Any], cls: type, where: str, error: type[BulletinError] = BulletinError) -> None:
    """Raise ``error`` if a value's type disagrees with the field's default (str, bool, int, float)."""
    simple = {"str": str, "bool": bool, "int": int, "float": float}
    for field in dataclasses.fields(cls):
        if field.name not in table:
            continue
        if field.default is not dataclasses.MISSING:
            expected = type(field.default)
        else:  # a required key: its annotation says what it must be
            expected = simple.get(field.type if isinstance(field.type, str) else getattr(field.type, "__name__", ""))
            if expected is None:
                continue
        value = table[field.name]
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if (
            expected in (str, bool, int, float)
            and not isinstance(value, expected)
            or (expected is int and isinstance(value, bool))
        ):
            raise error(f"{where}: {field.name} must be {_kind(expected)}")


def _kind(expected: type) -> str:
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number"}[expected]
