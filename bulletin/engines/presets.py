"""Voice presets: the bundled ``voices/*.toml`` files, and a model directory given as ``--voice DIR``."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from bulletin import defaults
from bulletin.config import check_keys, check_types, parse_toml
from bulletin.engines.base import VoicePreset, declared_alphabet
from bulletin.engines.coqui import coqui_alphabet_from_config, coqui_model_dir
from bulletin.errors import VoiceError


def presets_dir():
    """Return the directory of bundled presets (``voices/`` in the source tree)."""
    return resources.files("bulletin.voices")


def list_presets() -> list[VoicePreset]:
    """Return every bundled preset, sorted by name."""
    found = []
    for entry in presets_dir().iterdir():
        if entry.name.endswith(".toml") and not entry.name.startswith("lexicon"):
            found.append(_load_preset(entry.name[: -len(".toml")], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda preset: preset.name)


def get_preset(name: str) -> VoicePreset:
    """Return the preset called ``name``; VoiceError naming the known ones if there is none."""
    entry = presets_dir() / f"{name}.toml"
    if name.startswith("lexicon") or not entry.is_file():
        known = ", ".join(preset.name for preset in list_presets())
        raise VoiceError(f"unknown voice preset {name!r}; use one of {known}, or --voice DIR for a model directory")
    return _load_preset(name, entry.read_text(encoding="utf-8"))


def _load_preset(name: str, text: str) -> VoicePreset:
    where = f"voices/{name}.toml"
    data = parse_toml(text, where, VoiceError)
    check_keys(data, VoicePreset, where, required=("engine", "model"), ignore=("name",), error=VoiceError)
    check_types(data, VoicePreset, where, VoiceError)
    low, high = defaults.SPEED_RANGE
    if not low <= data.get("speed", defaults.SPEED) <= high:
        raise VoiceError(f"{where}: speed {data['speed']:g} is out of range; use {defaults.span(defaults.SPEED_RANGE)}")
    return VoicePreset(name=name, **data)


def resolve_voice_spec(spec: str) -> VoicePreset:
    """Return the preset named ``spec``, or a preset for the Coqui model directory ``spec``."""
    path = Path(spec).expanduser()
    if path.is_dir() or os.sep in spec or spec.startswith("."):
        if not path.is_dir():
            raise VoiceError(f"{spec}: no such model directory; give a directory with model.pth and config.json")
        if not (path / "config.json").is_file():
            raise VoiceError(
                f"{spec}: no config.json in this model directory; a Coqui model dir needs config.json and a .pth"
            )
        if not list(path.glob("*.pth")):
            raise VoiceError(f"{spec}: no .pth checkpoint in this model directory; a Coqui model dir needs one")
        return VoicePreset(name=str(path), engine="coqui", model=str(path.resolve()), description="local Coqui model")
    return get_preset(spec)


def preset_alphabet(preset: VoicePreset) -> frozenset[str]:
    """Return the characters ``preset`` accepts, without loading its model (cheap)."""
    if preset.engine == "coqui":
        directory = Path(preset.model) if Path(preset.model).is_dir() else coqui_model_dir(preset.model)
        if directory is not None and (directory / "config.json").is_file():
            return coqui_alphabet_from_config(directory / "config.json")
    return declared_alphabet(preset)
