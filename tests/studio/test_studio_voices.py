"""The voices the studio keeps loaded: same voice again without a reload, least recently used freed, memory pressure."""

from __future__ import annotations

import shutil

from bulletin.engines.base import VoiceOptions
from bulletin.studio.voices import VoicePool, available_mb


def test_a_kept_voice_is_handed_back_loaded_and_the_least_recent_is_freed(tmp_path, tiny_voice_dir):
    copies = []
    for name in ("a", "b"):
        copy = tmp_path / name
        shutil.copytree(tiny_voice_dir, copy)
        copies.append(str(copy))
    pool = VoicePool(kept=2, min_free_mb=0)
    first = pool.get(str(tiny_voice_dir), VoiceOptions())
    first.synthesize("Bonjour.")
    assert pool.get(str(tiny_voice_dir), VoiceOptions()) is first and first.loads == 1
    second = pool.get(copies[0], VoiceOptions())
    second.synthesize("Bonjour.")
    pool.get(str(tiny_voice_dir), VoiceOptions())  # the first is now the most recently used
    third = pool.get(copies[1], VoiceOptions())
    assert len(pool) == 2
    assert second._tts is None and first._tts is not None  # the least recently used was closed, not the first
    assert pool.get(str(tiny_voice_dir), VoiceOptions()) is first and pool.get(copies[1], VoiceOptions()) is third
    other_options = pool.get(str(tiny_voice_dir), VoiceOptions(threads=1))
    assert other_options is not first  # options are part of what is kept
    pool.close()
    assert len(pool) == 0 and first._tts is None


def test_memory_pressure_frees_every_kept_voice(tiny_voice_dir):
    assert available_mb() is not None and available_mb() > 0
    relaxed = VoicePool(kept=2, min_free_mb=0)
    voice = relaxed.get(str(tiny_voice_dir), VoiceOptions())
    voice.synthesize("Bonjour.")
    assert relaxed.relieve() == 0 and voice._tts is not None
    pressed = VoicePool(kept=2, min_free_mb=10**9)  # more than any machine has: always under pressure
    held = pressed.get(str(tiny_voice_dir), VoiceOptions())
    held.synthesize("Bonjour.")
    assert pressed.relieve() == 1 and held._tts is None and len(pressed) == 0
    assert pressed.get(str(tiny_voice_dir), VoiceOptions()) is not held  # opened again when next asked
