"""The Kokoro French voice (fr-siwis) on the real int8 model, assembled by scripts/assemble_assets.py."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from bulletin import locations
from bulletin.engines.base import VoiceOptions
from bulletin.engines.factory import open_voice
from bulletin.engines.presets import get_preset
from bulletin.errors import VoiceError
from bulletin.locations import data_dirs

from helpers import ROOT, kokoro_assets_or_skip

SENTENCE = "Le président a annoncé mardi une réforme de la constitution."


@pytest.fixture(scope="session")
def siwis():
    kokoro_assets_or_skip()
    return open_voice(get_preset("fr-siwis"), VoiceOptions())


@pytest.fixture(scope="session")
def spoken(siwis):
    return siwis.synthesize(SENTENCE)


def test_preset_names_the_kokoro_engine_and_french_voice():
    preset = get_preset("fr-siwis")
    assert (preset.engine, preset.speaker, preset.language, preset.licence) == (
        "kokoro",
        "ff_siwis",
        "fr-fr",
        "Apache-2.0",
    )
    assert set("éèàçœ' -.,") <= set(preset.alphabet)


def test_speaks_a_french_sentence_at_24_khz_with_plausible_duration(siwis, spoken):
    assert siwis.sample_rate == 24000
    assert spoken.dtype == np.float32 and spoken.ndim == 1
    duration_s = len(spoken) / siwis.sample_rate
    # A newsreader says about 12-20 characters a second; 60 characters -> 3-5 s.
    assert 2.0 < duration_s < 7.0
    rms = float(np.sqrt(np.mean(spoken**2)))
    assert rms > 0.02, "the voice produced (near) silence"
    assert float(np.abs(spoken).max()) <= 1.0


def test_identity_names_model_hash_voice_and_speed_and_changes_with_speed(siwis):
    assert siwis.identity.startswith("kokoro|6e742170d309016e|ff_siwis|")
    assert "speed=1" in siwis.identity
    faster = open_voice(dataclasses.replace(get_preset("fr-siwis"), speed=1.25), VoiceOptions())
    assert faster.identity != siwis.identity
    assert "speed=1.25" in faster.identity
    assert open_voice(get_preset("fr-siwis"), VoiceOptions()).identity == siwis.identity


def test_faster_speed_gives_shorter_audio(siwis, spoken):
    faster = open_voice(dataclasses.replace(get_preset("fr-siwis"), speed=1.5), VoiceOptions(threads=2))
    assert len(faster.synthesize(SENTENCE)) < 0.85 * len(spoken)


def test_only_typographic_characters_are_dropped(siwis):
    dropped = siwis.dropped_characters("« Tokáev » – 15 % [à] Zürich / ø")
    assert dropped == {"«": 1, "»": 1, "–": 1, "[": 1, "]": 1, "/": 1}


def test_text_without_letters_is_a_voice_error(siwis):
    with pytest.raises(VoiceError, match="nothing to say"):
        siwis.synthesize(" … ")


def test_missing_files_offline_name_the_files_and_the_ways_out(tmp_path, monkeypatch):
    monkeypatch.setattr(locations, "data_dirs", lambda: [tmp_path])
    monkeypatch.setenv("BULLETIN_OFFLINE", "1")
    with pytest.raises(VoiceError) as raised:
        open_voice(get_preset("fr-siwis"), VoiceOptions())
    message = str(raised.value)
    assert "kokoro/kokoro-v1.0.int8.onnx" in message and "ff_siwis.npz" in message
    assert "scripts/assemble_assets.py" in message and "--voice" in message and str(tmp_path) in message
    assert "\n" not in message


def test_data_dirs_put_the_environment_first(tmp_path, monkeypatch):
    monkeypatch.setenv("BULLETIN_DATA_DIR", str(tmp_path))
    assert data_dirs()[0] == tmp_path


def test_data_dirs_lookup_order_and_the_first_directory_holding_a_file_wins(tmp_path, monkeypatch):
    """README: $BULLETIN_DATA_DIR, then the user data dir (~/.local/share/bulletin), then .assets/ (checkout, cwd)."""
    from bulletin.locations import find_data_file

    env_dir, xdg, cwd = tmp_path / "env", tmp_path / "xdg", tmp_path / "cwd"
    monkeypatch.setenv("BULLETIN_DATA_DIR", str(env_dir))
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))  # where platformdirs puts the user data dir on Linux
    (cwd / ".assets").mkdir(parents=True)
    monkeypatch.chdir(cwd)
    checkout = [ROOT / ".assets"] if (ROOT / ".assets").is_dir() else []
    assert data_dirs() == [env_dir, xdg / "bulletin", *checkout, cwd / ".assets"]
    name = "kokoro/only-here.onnx"
    assert find_data_file(name) is None
    for directory in (cwd / ".assets", xdg / "bulletin", env_dir):  # each new holder is earlier in the order
        (directory / "kokoro").mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(b"x")
        assert find_data_file(name) == directory / name
    monkeypatch.setenv("BULLETIN_DATA_DIR", "")
    assert data_dirs()[0] == xdg / "bulletin"  # an empty variable is no directory


def test_voices_reports_the_kokoro_files_from_the_first_data_dir(tmp_path, cli):
    """Through the CLI: $BULLETIN_DATA_DIR wins over the checkout's .assets/ when both hold the files."""
    preset = get_preset("fr-siwis")
    kokoro = tmp_path / "kokoro"
    kokoro.mkdir()
    (kokoro / preset.model).write_bytes(b"placeholder")
    (kokoro / f"{preset.speaker}.npz").write_bytes(b"placeholder")
    result = cli("voices", "--json", env={"BULLETIN_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    siwis = next(row for row in json.loads(result.stdout) if row["name"] == "fr-siwis")
    assert siwis["offline"] and siwis["status"] == f"model in {kokoro}"


def test_the_onnx_session_opens_only_when_the_voice_speaks():
    """A fully cached bulletin needs the voice's identity, not its model: opening stays cheap."""
    kokoro_assets_or_skip()
    voice = open_voice(get_preset("fr-siwis"), VoiceOptions())
    identity = voice.identity
    assert voice._kokoro is None
    assert voice.synthesize("Bonjour.").size > 0 and voice._kokoro is not None
    voice.close()
    assert voice._kokoro is None and voice.identity == identity
    assert voice.synthesize("Bonjour.").size > 0  # reopened on demand


def test_ssml_phonemes_reach_the_model_as_given(siwis):
    from bulletin.text.ssml import phoneme_mark

    assert siwis.takes_phonemes
    plain = siwis.phonemes("Le président Tokaïev arrive.")
    given = siwis.phonemes(f"Le président {phoneme_mark('Tokaïev', 'zyʁik')} arrive.")
    assert "zyʁik" in given and "zyʁik" not in plain
    assert given.startswith(siwis.phonemes("Le président")) and given.endswith(siwis.phonemes("arrive."))
    assert not siwis.dropped_characters(f"Le {phoneme_mark('mot', 'mo')} ici.")
    samples = siwis.synthesize(f"Le président {phoneme_mark('Tokaïev', 'zyʁik')} arrive.")
    assert samples.size > 0.5 * siwis.sample_rate
