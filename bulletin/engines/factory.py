"""Open the engine a preset names, and say whether a preset can be used offline now."""

from __future__ import annotations

from pathlib import Path

from bulletin.engines.base import Voice, VoiceOptions, VoicePreset
from bulletin.engines.coqui import CoquiVoice, coqui_model_dir
from bulletin.errors import VoiceError


def open_voice(preset: VoicePreset, options: VoiceOptions | None = None) -> Voice:
    """Return a ready-to-speak Voice for ``preset`` (the model itself loads when it first speaks)."""
    options = options or VoiceOptions()
    if preset.engine == "coqui":
        return CoquiVoice(preset, options)
    if preset.engine == "kokoro":
        from bulletin.engines.kokoro import KokoroVoice

        return KokoroVoice(preset, options)
    raise VoiceError(f"voice preset {preset.name!r}: unknown engine {preset.engine!r}; use coqui or kokoro")


def preset_status(preset: VoicePreset) -> tuple[bool, str]:
    """Return (usable offline now, why) for ``preset``, without loading anything heavy."""
    if preset.engine == "coqui":
        if Path(preset.model).is_dir():
            return True, "local model directory"
        if coqui_model_dir(preset.model):
            return True, "downloaded"
        return False, "downloaded on first use"
    if preset.engine == "kokoro":
        from bulletin.engines.kokoro import KOKORO_SUBDIR
        from bulletin.locations import find_data_file

        model = find_data_file(f"{KOKORO_SUBDIR}/{preset.model}")
        voice = find_data_file(f"{KOKORO_SUBDIR}/{preset.speaker}.npz")
        if model and voice:
            return True, f"model in {model.parent}"
        return False, "fetched on first use, or run scripts/assemble_assets.py"
    return False, f"unknown engine {preset.engine}"
