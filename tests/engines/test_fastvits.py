"""The fast engines (bulletin.fastvits) against Coqui's float32 torch path, on the tiny random VITS.

VITS samples noise twice (the prior, scale 0.667, and the stochastic duration predictor);
torch and ONNX Runtime draw from different generators, so no seed makes them agree. The
equivalence tests therefore set both noise scales to 0 on both sides: then the model is a
deterministic function of the text and the engines must give the same samples.
"""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from bulletin.engines.base import VoiceOptions
from bulletin.engines.factory import open_voice
from bulletin.engines.fastvits import LOG_MEL_THRESHOLD_DB, FastVits, log_mel_distance, onnx_path, resolve_engine
from bulletin.engines.presets import resolve_voice_spec

TEXT = (
    "Le président du Kazakhstan a assuré ce lundi que son pays était confronté à « une tentative de coup "
    "d'État ». Selon lui, les préparatifs ont duré longtemps !"
)


def quiet(voice):
    """Set the noise scales of an opened Coqui voice (any engine) to 0; return it."""
    return voice.without_noise()


def open_engine(model_dir, engine, cache_dir, **options):
    return open_voice(resolve_voice_spec(str(model_dir)), VoiceOptions(engine=engine, cache_dir=cache_dir, **options))


@pytest.fixture(scope="module")
def torch_samples(tiny_voice_dir):
    return quiet(open_engine(tiny_voice_dir, "torch", None)).synthesize(TEXT)


def test_onnx_engine_gives_the_torch_samples(tiny_voice_dir, tmp_path, torch_samples):
    voice = quiet(open_engine(tiny_voice_dir, "onnx", tmp_path))
    samples = voice.synthesize(TEXT)
    assert voice.engine == "onnx" and voice._fast is not None
    assert samples.dtype == np.float32 and voice.sample_rate == 22050
    assert abs(len(samples) / len(torch_samples) - 1) < 0.01
    assert log_mel_distance(torch_samples, samples, 22050) < LOG_MEL_THRESHOLD_DB
    assert np.allclose(samples, torch_samples, atol=1e-4)  # same graph, same ops: equal to float rounding


def test_onnx_engine_uses_coqui_sentence_split_and_tokenizer(tiny_voice_dir, tmp_path):
    from TTS.api import TTS

    tts = TTS(
        model_path=str(tiny_voice_dir / "model.pth"),
        config_path=str(tiny_voice_dir / "config.json"),
        progress_bar=False,
    )
    fast = FastVits(tiny_voice_dir, tmp_path)
    assert fast.sentences(TEXT) == tts.synthesizer.split_into_sentences(TEXT)
    for sentence in fast.sentences(TEXT):
        assert fast.tokenizer.text_to_ids(
            sentence, language=fast.language
        ) == tts.synthesizer.tts_model.tokenizer.text_to_ids(sentence, language="fr-fr")


def test_onnx_export_is_cached_by_model_hash_and_reused(tiny_voice_dir, tmp_path, caplog):
    first = FastVits(tiny_voice_dir, tmp_path)
    path = onnx_path(tiny_voice_dir, tmp_path)
    assert first.onnx_file == path and path.is_file()
    stamp = path.stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="bulletin.fastvits"):
        FastVits(tiny_voice_dir, tmp_path)
    assert path.stat().st_mtime_ns == stamp and "exporting" not in caplog.text
    other = tmp_path / "other"
    shutil.copytree(tiny_voice_dir, other)
    config = json.loads((other / "config.json").read_text())
    config["model_args"]["length_scale"] = 1.1  # a different model: a different export
    (other / "config.json").write_text(json.dumps(config))
    assert onnx_path(other, tmp_path) != path


def test_onnx_engine_falls_back_to_torch_when_the_export_fails(tiny_voice_dir, tmp_path, caplog, monkeypatch):
    import bulletin.engines.fastvits as fastvits

    def failing_export(model_dir, target):
        raise RuntimeError("Unsupported: ONNX export of operator xyz")

    monkeypatch.setattr(fastvits, "export_onnx", failing_export)
    voice = open_engine(tiny_voice_dir, "onnx", tmp_path)
    with caplog.at_level(logging.WARNING):
        samples = voice.synthesize("Bonjour.")
    assert voice.engine == "torch" and voice._fast is None and len(samples) > 0
    assert "ONNX engine unavailable" in caplog.text and "using torch" in caplog.text


def test_models_the_export_does_not_cover_are_refused_before_exporting():
    from TTS.config import load_config  # noqa: F401  (Coqpit configs, as FastVits reads them)
    from TTS.tts.configs.tacotron2_config import Tacotron2Config
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig

    from bulletin.engines.fastvits import OnnxUnsupported, check_supported

    with pytest.raises(OnnxUnsupported, match="not VITS"):
        check_supported(Tacotron2Config())
    with pytest.raises(OnnxUnsupported, match="multi-speaker"):
        check_supported(VitsConfig(model_args=VitsArgs(use_speaker_embedding=True)))
    check_supported(VitsConfig())


def test_onnx_and_torch_share_cache_entries_but_bf16_does_not(tiny_voice_dir, tmp_path):
    torch_voice = open_engine(tiny_voice_dir, "torch", tmp_path)
    onnx_voice = open_engine(tiny_voice_dir, "onnx", tmp_path)
    assert torch_voice.identity == onnx_voice.identity
    bf16 = open_engine(tiny_voice_dir, "bf16", tmp_path)
    assert bf16.identity != torch_voice.identity if bf16.engine == "bf16" else bf16.identity == torch_voice.identity


def test_bf16_engine_keeps_durations_and_stays_close(tiny_voice_dir, tmp_path, torch_samples):
    voice = open_engine(tiny_voice_dir, "bf16", tmp_path)
    if voice.engine != "bf16":
        pytest.skip("this CPU has no native bfloat16: the bf16 engine runs float32 torch here")
    samples = quiet(voice).synthesize(TEXT)
    # durations come from the float32 text encoder and duration predictor: identical lengths
    assert len(samples) == len(torch_samples)
    # The tiny model's 32-channel random decoder cancels large terms, which magnifies bf16
    # rounding: 2.09 dB here, against 0.17 dB for the css10-size random model on this machine
    # (bench/run.py: ~0.3 dB) and LOG_MEL_THRESHOLD_DB = 1.0. The bound is that measurement plus
    # a margin; test_bf16_engine_differs_from_torch_only_by_its_number_format checks the rest exactly.
    assert log_mel_distance(torch_samples, samples, 22050) < 2.5


def test_bf16_engine_differs_from_torch_only_by_its_number_format(tiny_voice_dir, tmp_path, torch_samples, monkeypatch):
    """Run the bf16 engine's decoder (weight norm folded, chunked) in float32: it must give torch's samples."""
    import torch

    import bulletin.engines.fastvits as fastvits

    chunked = fastvits.chunked_decoder

    def in_float32(model, dtype=None):
        return chunked(model, torch.float32 if dtype is torch.bfloat16 else dtype)

    monkeypatch.setattr(fastvits, "chunked_decoder", in_float32)
    voice = open_engine(tiny_voice_dir, "bf16", tmp_path)
    if voice.engine != "bf16":
        pytest.skip("this CPU has no native bfloat16: the bf16 engine runs float32 torch here")
    samples = quiet(voice).synthesize(TEXT)
    assert len(samples) == len(torch_samples)
    np.testing.assert_allclose(samples, torch_samples, atol=1e-4)


def test_unknown_engine_is_a_voice_error(tiny_voice_dir, tmp_path):
    from bulletin.errors import VoiceError

    with pytest.raises(VoiceError, match="unknown engine 'tensorrt'"):
        open_engine(tiny_voice_dir, "tensorrt", tmp_path)


def test_bf16_falls_back_to_torch_on_gpu_or_without_native_bf16(tiny_voice_dir, monkeypatch):
    import bulletin.engines.fastvits as fastvits

    assert resolve_engine("bf16", tiny_voice_dir / "config.json", "cuda") == "torch"
    monkeypatch.setattr(fastvits, "cpu_has_bf16", lambda: False)
    assert resolve_engine(None, tiny_voice_dir / "config.json") == "torch"
    assert resolve_engine("onnx", tiny_voice_dir / "config.json") == "onnx"


def test_log_mel_distance_is_zero_for_equal_and_large_for_different_audio():
    rng = np.random.default_rng(0)
    tone = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050).astype(np.float32)
    assert log_mel_distance(tone, tone, 22050) == 0.0
    assert log_mel_distance(tone, tone * 1.001, 22050) < 0.05
    assert log_mel_distance(tone, rng.normal(0, 0.1, 22050).astype(np.float32), 22050) > 10


def test_cuda_device_synthesizes_on_the_gpu(tiny_voice_dir, tmp_path):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU here")
    voice = open_engine(tiny_voice_dir, None, tmp_path, device="cuda")
    samples = voice.synthesize(TEXT)
    assert voice.engine == "torch"
    assert next(voice._tts.synthesizer.tts_model.parameters()).is_cuda
    assert samples.dtype == np.float32 and len(samples) > 22050


def test_bf16_decoder_decodes_long_sentences_in_chunks_to_the_same_audio(tiny_voice_dir, tmp_path, monkeypatch):
    """Chunks overlap by more than HiFi-GAN's receptive field, so chunking only bounds memory."""
    import bulletin.engines.fastvits as fastvits

    voice = quiet(open_engine(tiny_voice_dir, "bf16", tmp_path))
    if voice.engine != "bf16":
        pytest.skip("this CPU has no native bfloat16: the bf16 engine runs float32 torch here")
    whole = voice.synthesize(TEXT)
    monkeypatch.setattr(fastvits, "DECODER_CHUNK_FRAMES", 40)  # the tiny voice's sentences are ~100-300 frames
    chunked = voice.synthesize(TEXT)
    assert len(chunked) == len(whole)
    assert log_mel_distance(whole, chunked, 22050) < 0.5, "chunk seams changed the audio"


def test_torch_engine_decodes_long_sentences_in_chunks_to_the_same_samples(
    tiny_voice_dir, tmp_path, monkeypatch, torch_samples
):
    """In float32 the chunk seams are exact: chunking bounds memory and changes nothing audible."""
    import bulletin.engines.fastvits as fastvits

    monkeypatch.setattr(fastvits, "DECODER_CHUNK_FRAMES", 40)  # the tiny voice's sentences are ~100-300 frames
    chunked = quiet(open_engine(tiny_voice_dir, "torch", tmp_path)).synthesize(TEXT)
    assert len(chunked) == len(torch_samples)
    np.testing.assert_allclose(chunked, torch_samples, atol=1e-5)
