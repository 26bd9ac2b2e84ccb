"""Speaking rate (--speed): every engine, durations scaled by the ratio, its own cache identity."""

from __future__ import annotations

import json
import shutil

import pytest

from bulletin import GenerateRequest, defaults
from bulletin.audio.layout import prepare_speech
from bulletin.engines.base import VoiceOptions
from bulletin.engines.factory import open_voice
from bulletin.engines.presets import get_preset, resolve_voice_spec
from bulletin.errors import RequestError, VoiceError
from bulletin.request import validate

from helpers import kokoro_assets_or_skip

SENTENCE = "Le président du Kazakhstan est arrivé mardi à La Havane pour une visite officielle de trois jours."


def spoken_s(voice, text: str = SENTENCE) -> float:
    """Seconds of speech once trimmed as the mixer trims it."""
    return prepare_speech(voice.synthesize(text), voice.sample_rate).size / 44100


@pytest.mark.parametrize("engine", ["torch", "bf16"])
def test_vits_speed_scales_the_duration_by_the_ratio(tiny_voice_dir, engine):
    durations = {}
    for speed in (0.8, 1.0, 1.25):
        voice = open_voice(resolve_voice_spec(str(tiny_voice_dir)), VoiceOptions(engine=engine, speed=speed))
        durations[speed] = spoken_s(voice)
    assert durations[0.8] / durations[1.0] == pytest.approx(1.25, rel=0.03)
    assert durations[1.0] / durations[1.25] == pytest.approx(1.25, rel=0.03)


def test_speed_is_part_of_the_voice_identity(tiny_voice_dir):
    spec = resolve_voice_spec(str(tiny_voice_dir))
    plain = open_voice(spec, VoiceOptions()).identity
    assert open_voice(spec, VoiceOptions(speed=1.0)).identity == plain  # the preset's own rate is 1
    slower = open_voice(spec, VoiceOptions(speed=0.9)).identity
    assert slower != plain and "speed=0.9" in slower and "speed=0.9" not in plain
    assert open_voice(spec, VoiceOptions(speed=1.1)).identity not in (plain, slower)


def test_onnx_engine_hands_a_speed_to_torch(tiny_voice_dir):
    voice = open_voice(resolve_voice_spec(str(tiny_voice_dir)), VoiceOptions(engine="onnx", speed=1.2))
    assert voice.engine == "torch"
    assert open_voice(resolve_voice_spec(str(tiny_voice_dir)), VoiceOptions(engine="onnx")).engine == "onnx"


def test_a_coqui_model_without_rate_control_refuses_a_speed(tiny_voice_dir, tmp_path):
    tacotron = tmp_path / "tacotron"
    shutil.copytree(tiny_voice_dir, tacotron)
    config = json.loads((tacotron / "config.json").read_text(encoding="utf-8"))
    config["model"] = "tacotron2"
    (tacotron / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(VoiceError, match="tacotron2 model has no speaking-rate control; leave out --speed"):
        open_voice(resolve_voice_spec(str(tacotron)), VoiceOptions(speed=0.9))


@pytest.mark.parametrize("speed", [0.5, 0.79, 1.26, 2.0])
def test_a_speed_outside_the_range_is_refused_before_any_work(speed):
    request = GenerateRequest(articles=("a.txt",), voice_options=VoiceOptions(speed=speed))
    with pytest.raises(RequestError, match=rf"--speed {speed:g} is out of range; use 0.8 to 1.25"):
        validate(request)
    assert defaults.SPEED_RANGE == (0.8, 1.25)


def test_a_preset_may_set_a_speed_and_the_option_overrides_it(monkeypatch, tmp_path):
    from bulletin.engines import presets

    (tmp_path / "fr-lent.toml").write_text('engine = "kokoro"\nmodel = "m.onnx"\nspeaker = "ff_siwis"\nspeed = 0.9\n')
    (tmp_path / "fr-vite.toml").write_text('engine = "kokoro"\nmodel = "m.onnx"\nspeaker = "ff_siwis"\nspeed = 1.6\n')
    monkeypatch.setattr(presets, "presets_dir", lambda: tmp_path)
    slow = get_preset("fr-lent")
    assert VoiceOptions().speed_for(slow) == 0.9 and VoiceOptions(speed=1.1).speed_for(slow) == 1.1
    with pytest.raises(VoiceError, match=r"voices/fr-vite.toml: speed 1.6 is out of range; use 0.8 to 1.25"):
        get_preset("fr-vite")


def test_kokoro_takes_the_speed_option():
    kokoro_assets_or_skip()
    preset = get_preset("fr-siwis")
    normal = open_voice(preset, VoiceOptions(threads=2))
    slower = open_voice(preset, VoiceOptions(threads=2, speed=0.8))
    assert "speed=0.8" in slower.identity and slower.identity != normal.identity
    # Kokoro rounds each phoneme's length itself: measured 1.245 for 0.8 on this sentence
    assert spoken_s(slower) / spoken_s(normal) == pytest.approx(1.25, rel=0.05)
