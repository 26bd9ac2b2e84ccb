"""Voices: presets, model directories, and the random-weight test voice through Coqui's real loader."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from bulletin.engines.base import VoiceOptions
from bulletin.engines.coqui import CoquiVoice
from bulletin.engines.factory import open_voice, preset_status
from bulletin.engines.presets import get_preset, list_presets, resolve_voice_spec
from bulletin.errors import VoiceError


def test_bundled_presets():
    names = {preset.name for preset in list_presets()}
    assert {"fr-css10", "fr-mai", "fr-xtts"} <= names
    css10 = get_preset("fr-css10")
    assert css10.engine == "coqui" and css10.model == "tts_models/fr/css10/vits"
    xtts = get_preset("fr-xtts")
    assert xtts.needs_speaker_wav and xtts.licence_must_agree and "CPML" in xtts.licence


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(VoiceError, match="unknown voice preset 'fr-nope'.*fr-css10"):
        get_preset("fr-nope")


def test_model_dir_needs_config_and_checkpoint(tmp_path, tiny_voice_dir):
    with pytest.raises(VoiceError, match="no such model directory"):
        resolve_voice_spec(str(tmp_path / "absent"))
    no_config = tmp_path / "no-config"
    no_config.mkdir()
    shutil.copy(tiny_voice_dir / "model.pth", no_config)
    with pytest.raises(VoiceError, match="no config.json"):
        resolve_voice_spec(str(no_config))
    no_checkpoint = tmp_path / "no-pth"
    no_checkpoint.mkdir()
    shutil.copy(tiny_voice_dir / "config.json", no_checkpoint)
    with pytest.raises(VoiceError, match="no .pth"):
        resolve_voice_spec(str(no_checkpoint))


def test_xtts_needs_speaker_wav_and_licence_agreement(tmp_path, monkeypatch):
    monkeypatch.delenv("COQUI_TOS_AGREED", raising=False)
    preset = get_preset("fr-xtts")
    with pytest.raises(VoiceError, match="--speaker-wav"):
        CoquiVoice(preset, VoiceOptions())
    wav = tmp_path / "me.wav"
    wav.write_bytes(b"RIFF")
    with pytest.raises(VoiceError, match="CPML.*--agree-licence"):
        CoquiVoice(preset, VoiceOptions(speaker_wav=wav))


def test_cuda_without_gpu_is_a_clear_error(tiny_voice_dir):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present")
    voice = open_voice(resolve_voice_spec(str(tiny_voice_dir)), VoiceOptions(device="cuda"))
    with pytest.raises(VoiceError, match="no CUDA GPU"):
        voice.synthesize("Bonjour.")


def test_unknown_device():
    with pytest.raises(VoiceError, match="unknown device"):
        CoquiVoice(get_preset("fr-css10"), VoiceOptions(device="tpu"))


def test_offline_preset_not_downloaded_is_one_clear_error(tmp_path, monkeypatch):
    # An empty model home and no network: Coqui's manager cannot fetch; the error names the ways out.
    monkeypatch.setenv("TTS_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # nothing listens: any download fails fast
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    assert preset_status(get_preset("fr-css10")) == (False, "downloaded on first use")
    with pytest.raises(VoiceError, match=r"tts_models/fr/css10/vits.*--voice DIR"):
        CoquiVoice(get_preset("fr-css10"), VoiceOptions())


def test_tiny_voice_speaks_through_coqui_loader(tiny_voice_dir):
    """The torch engine says what Coqui's own API says for the same model (noise off: deterministic)."""
    from TTS.api import TTS

    text = "Le président a parlé ce lundi. Il reviendra demain !"
    voice = open_voice(resolve_voice_spec(str(tiny_voice_dir)), VoiceOptions(engine="torch")).without_noise()
    samples = voice.synthesize(text)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert voice.sample_rate == 22050
    coqui = TTS(
        model_path=str(tiny_voice_dir / "model.pth"),
        config_path=str(tiny_voice_dir / "config.json"),
        progress_bar=False,
    )
    coqui.synthesizer.tts_model.inference_noise_scale = coqui.synthesizer.tts_model.inference_noise_scale_dp = 0.0
    expected = np.asarray(coqui.tts(text, split_sentences=True), dtype=np.float32)
    assert samples.size == expected.size  # same durations, sentence pauses included
    np.testing.assert_allclose(samples, expected, atol=1e-4)


def test_alphabet_and_dropped_characters(tiny_voice_dir):
    voice = open_voice(resolve_voice_spec(str(tiny_voice_dir)))
    assert set("abcdeéèàçôœ É,.'") <= voice.alphabet
    assert not set("0123456789%€á") & voice.alphabet
    assert voice.dropped_characters("Tokáev : 16 agents") == {"á": 1, "1": 1, "6": 1}
    assert sum(voice.dropped_characters("Tokaev, seize agents.").values()) == 0


def test_identity_follows_the_model_file(tiny_voice_dir, tmp_path):
    first = open_voice(resolve_voice_spec(str(tiny_voice_dir))).identity
    other = tmp_path / "other"
    from helpers import build_test_voice

    build_test_voice(other, "tiny", seed=1)
    assert open_voice(resolve_voice_spec(str(other))).identity != first
    assert open_voice(resolve_voice_spec(str(tiny_voice_dir))).identity == first


def test_closing_a_voice_frees_the_model_and_it_loads_again_on_demand(tiny_voice_dir):
    """The pipeline closes the voice before mixing; the same voice object must still work afterwards."""
    voice = open_voice(resolve_voice_spec(str(tiny_voice_dir)), VoiceOptions(engine="torch"))
    before = voice.without_noise().synthesize("Bonjour à tous.")
    voice.close()
    assert voice._tts is None and voice._fast is None
    after = voice.without_noise().synthesize("Bonjour à tous.")  # loads the model again
    np.testing.assert_array_equal(after, before)


OFFLINE = {"HF_HUB_OFFLINE": "1", "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
"""No network: any download goes to a local port where nothing listens, and fails at once."""


def test_xtts_options_on_the_command_line(tmp_path, cli):
    """--speaker-wav and --agree-licence each move the run past their check (here, to the offline download)."""
    article = tmp_path / "a.txt"
    article.write_text("Titre\n\nUn paragraphe.\n", encoding="utf-8")
    wav = tmp_path / "me.wav"
    wav.write_bytes(b"RIFF")
    env = {**OFFLINE, "TTS_HOME": str(tmp_path / "models"), "COQUI_TOS_AGREED": ""}
    base = ("generate", article, "--voice", "fr-xtts", "-o", tmp_path / "b.mp3", "--cache-dir", tmp_path / "cache")
    steps = [
        ((), "voice fr-xtts clones a speaker: give --speaker-wav FILE"),
        (("--speaker-wav", tmp_path / "absent.wav"), "absent.wav: no such speaker recording"),
        (("--speaker-wav", wav), "under the CPML (Coqui Public Model Licence, non-commercial) licence"),
        (("--speaker-wav", wav, "--agree-licence"), "cannot fetch Coqui model tts_models/multilingual"),
    ]
    for options, message in steps:
        result = cli(*base, *options, env=env)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert message in result.stderr, result.stderr
        assert "[y/n]" not in result.stdout  # agreed: Coqui never prompts
    assert not list(tmp_path.glob("*.mp3"))


def test_device_option_reaches_the_voice(tmp_path, cli, tiny_voice_dir):
    import torch

    article = tmp_path / "a.txt"
    article.write_text("Titre\n\nUn paragraphe.\n", encoding="utf-8")
    base = ("generate", article, "--voice", tiny_voice_dir, "-o", tmp_path / "b.mp3", "--cache-dir", tmp_path / "c")
    unknown = cli(*base, "--device", "tpu")  # a choice the command line checks (its help lists them)
    assert unknown.returncode == 2 and len(unknown.stderr.strip().splitlines()) == 1
    assert "'tpu' is not one of 'cpu', 'cuda'" in unknown.stderr
    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present: the no-GPU error cannot be shown here")
    cuda = cli(*base, "--device", "cuda")
    assert cuda.returncode == 1
    assert (
        cuda.stderr.strip().splitlines()[-1] == "error: --device cuda: no CUDA GPU is available here; use --device cpu"
    )
    assert not (tmp_path / "b.mp3").exists()


def test_bulletin_offline_refuses_a_coqui_download_without_trying(tmp_path, monkeypatch):
    monkeypatch.setenv("TTS_HOME", str(tmp_path))
    monkeypatch.setenv("BULLETIN_OFFLINE", "1")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # were it to try, it would fail another way
    with pytest.raises(VoiceError) as raised:
        CoquiVoice(get_preset("fr-css10"), VoiceOptions())
    message = str(raised.value)
    assert "tts_models/fr/css10/vits (BULLETIN_OFFLINE=1 forbids downloads)" in message
    assert "--voice fr-siwis" in message and "--voice DIR" in message and "\n" not in message
