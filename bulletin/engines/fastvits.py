"""Faster synthesis of Coqui VITS models, and a log-mel distance to check the audio stays the same.

Engines (``CoquiVoice`` picks one from ``VoiceOptions.engine``; measured in bench/):
- "bf16" (default): Coqui's torch model with its HiFi-GAN decoder (~90 % of inference time) in
  bfloat16, on CPUs with native bf16 (avx512_bf16 / amx_bf16); about 0.3 dB log-mel from
  float32, so it has its own cache entries. Elsewhere it falls back to "torch".
- "torch": Coqui's model, float32.
- "onnx": ``FastVits`` below, the model exported to ONNX and run by ONNX Runtime, float32.
The two torch engines decode sentences longer than DECODER_CHUNK_FRAMES in overlapping chunks,
to bound memory.

    engine = FastVits(Path("model_dir"), cache_dir=Path("~/.cache/bulletin"))
    samples = engine.synthesize("Bonjour.")  # float32 at engine.sample_rate

The text goes through Coqui's own pipeline, rebuilt from the model's config.json
without loading the torch weights: Coqui's sentence splitter (pysbd), the model's
tokenizer and cleaner (``TTSTokenizer.init_from_config``), Coqui's end-of-sentence
silence trim and its 10000-sample pause after each sentence. With the noise scales set
to zero, the ONNX graph gives the torch model's samples to within 1e-7, so an ONNX
segment can share the torch cache entry. The export (Coqui's ``Vits.export_onnx``,
about 15 s for a css10-size model) is done once and kept in the cache directory under
the model's hash. Models the export does not cover (multi-speaker, multilingual,
Fairseq/MMS checkpoints, non-VITS) raise ``OnnxUnsupported``; ``CoquiVoice`` then
falls back to torch and logs why.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from bulletin import defaults

log = logging.getLogger(__name__)

ENGINES = defaults.ENGINES
"""Synthesis engines for Coqui VITS voices."""
DEFAULT_ENGINE = defaults.ENGINE
"""The fastest engine that passed the equivalence check on this project's benchmark machine."""
EXPORT_VERSION = 1
"""Bump when the export changes, so stale ONNX files in the cache are not reused."""
DECODER_CHUNK_FRAMES = 1000
"""The torch engines decode latent sequences longer than this (~11.6 s at 22.05 kHz) in chunks
(``chunked_decoder``), so one long sentence cannot blow up the peak RSS."""
DECODER_CONTEXT_FRAMES = 24
"""Frames of context decoded on each side of a chunk and dropped: more than HiFi-GAN's receptive
field (chunked float32 decoding matches whole decoding to 2e-8 from 16 frames)."""
LOG_MEL_THRESHOLD_DB = 1.0
"""Largest log-mel distance (mean absolute dB) at which two renderings count as the same audio."""


class OnnxUnsupported(Exception):
    """This model cannot run on the ONNX engine (the caller falls back to torch)."""


def resolve_engine(requested: str | None, config_path: Path, device: str = "cpu") -> str:
    """Return the engine that will run a Coqui model: ``requested`` (default DEFAULT_ENGINE), or "torch"
    when bf16 cannot help here (GPU, no native bf16 on this CPU, not a VITS). Cheap: no torch import."""
    from bulletin.errors import VoiceError

    engine = requested or DEFAULT_ENGINE
    if engine not in ENGINES:
        raise VoiceError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if engine == "bf16":
        import json

        reason = ""
        if device != "cpu":
            reason = f"device {device}"
        elif not cpu_has_bf16():
            reason = "this CPU has no native bfloat16 (avx512_bf16 or amx_bf16)"
        elif json.loads(Path(config_path).read_text(encoding="utf-8")).get("model") != "vits":
            reason = "not a VITS model"
        if reason:
            (log.warning if requested else log.info)("engine bf16 not used (%s); using torch", reason)
            return "torch"
    return engine


def cpu_has_bf16() -> bool:
    """Return True if this CPU computes bfloat16 natively (Linux /proc/cpuinfo flags)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def bf16_decoder(model) -> None:
    """Make ``model`` (a Coqui Vits) run its HiFi-GAN decoder in bfloat16, float32 in and out, chunked.

    Weight norm is folded into the weights first, so each call does not recompute it in bf16.
    """
    import torch
    from torch.nn.utils import parametrize

    decoder = model.waveform_decoder
    for module in decoder.modules():
        if parametrize.is_parametrized(module, "weight"):
            # deepcopy shares the injected Parametrized* class between copies: give this module
            # its own, or removing the parametrization here would break every copy (as Coqui's export does)
            cls = type(module)
            module.__class__ = type(cls.__name__, cls.__bases__, dict(vars(cls)))
            parametrize.remove_parametrizations(module, "weight")
    chunked_decoder(model, torch.bfloat16)


def chunked_decoder(model, dtype=None) -> None:
    """Make ``model`` (a Coqui Vits) decode latents longer than DECODER_CHUNK_FRAMES in overlapping chunks.

    The decoder's activations grow with the sentence (~0.2 MB a frame in bf16, twice that in
    float32): a 25-second sentence would add ~1 GB to the peak. ``dtype`` also converts the
    decoder (float32 in and out either way).
    """
    import torch

    class ChunkedDecoder(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner if dtype is None else inner.to(dtype)
            self.hop = int(np.prod([layer.stride[0] for layer in inner.ups]))

        def forward(self, z, g=None):
            if dtype is not None:
                z = z.to(dtype)
                g = None if g is None else g.to(dtype)
            frames = z.shape[-1]
            if frames <= DECODER_CHUNK_FRAMES:
                return self.inner(z, g=g).float()
            pieces = []  # context on both sides of each chunk, dropped: the seams are inaudible
            for start in range(0, frames, DECODER_CHUNK_FRAMES):
                low = max(0, start - DECODER_CONTEXT_FRAMES)
                high = min(frames, start + DECODER_CHUNK_FRAMES + DECODER_CONTEXT_FRAMES)
                keep = min(DECODER_CHUNK_FRAMES, frames - start)
                wave = self.inner(z[..., low:high], g=g)
                pieces.append(wave[..., (start - low) * self.hop : (start - low + keep) * self.hop].float())
            return torch.cat(pieces, dim=-1)

    model.waveform_decoder = ChunkedDecoder(model.waveform_decoder)


def scaled_durations(model, speed: float) -> None:
    """Make ``model`` (a Coqui Vits) speak ``speed`` times faster, with every token's length scaled exactly.

    A bare length scale does not do it: Coqui rounds each token's duration up (``ceil``), a
    whole frame for a blank token of 0.3 frames, so 0.8x came out 0.76x and 1.25x 1.16x on
    the test voice. Here the frames Coqui would use at speed 1 are spread over the new total
    by cumulative rounding (the length changes by ``1 / speed`` to within a frame), then handed
    to Coqui's ``ceil`` as durations it keeps unchanged. At speed 1 nothing changes.
    """
    import torch

    base = float(model.length_scale)
    scale = base / speed

    class ScaledDurations(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x, x_mask, *args, **kwargs):
            logw = self.inner(x, x_mask, *args, **kwargs)
            frames = torch.ceil(torch.exp(logw) * x_mask * base)  # what Coqui would use at speed 1
            ends = torch.round(torch.cumsum(frames, dim=-1) / speed)
            target = torch.diff(ends, dim=-1, prepend=torch.zeros_like(ends[..., :1]))
            # exp(logw) * scale = target - 0.5, which Coqui's ceil turns back into target; 0 stays 0
            exact = torch.log(torch.clamp(target - 0.5, min=0.5) / scale)
            return torch.where(target > 0, exact, torch.full_like(logw, -1e4))

    model.duration_predictor = ScaledDurations(model.duration_predictor)
    model.length_scale = scale


def model_hash(model_dir: Path) -> str:
    """Return a short hash of a model dir's checkpoint and config.json (names the ONNX export)."""
    from bulletin.files import sha256_file

    return sha256_file(_checkpoint(model_dir), Path(model_dir) / "config.json")[:20]


def onnx_path(model_dir: Path, cache_dir: Path) -> Path:
    """Return where the ONNX export of ``model_dir`` is kept in ``cache_dir``."""
    return Path(cache_dir) / "onnx" / f"vits-{model_hash(model_dir)}-v{EXPORT_VERSION}.onnx"


def check_supported(config) -> None:
    """Raise OnnxUnsupported unless ``config`` is a single-speaker, single-language Coqui VITS."""
    if config.get("model") != "vits":
        raise OnnxUnsupported(f"model type {config.get('model')!r} is not VITS")
    args = config.model_args
    if args.get("use_speaker_embedding") or args.get("use_d_vector_file") or config.get("num_speakers", 0) > 1:
        raise OnnxUnsupported("multi-speaker VITS")
    if args.get("use_language_embedding"):
        raise OnnxUnsupported("multilingual VITS")


def export_onnx(model_dir: Path, target: Path) -> Path:
    """Export the VITS in ``model_dir`` to ``target`` with Coqui's ``Vits.export_onnx``; return ``target``."""
    from TTS.api import TTS

    model_dir = Path(model_dir)
    tts = TTS(model_path=str(_checkpoint(model_dir)), config_path=str(model_dir / "config.json"), progress_bar=False)
    model = tts.synthesizer.tts_model
    if type(model).__name__ != "Vits" or (model_dir / "vocab.txt").is_file():
        raise OnnxUnsupported(f"{type(model).__name__} checkpoint")
    import warnings

    from bulletin.files import atomic_path

    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temp, warnings.catch_warnings():  # atomic: a concurrent run never reads half a file
        warnings.simplefilter("ignore")  # torch's tracer warns about VITS's data-dependent lengths: expected
        model.export_onnx(str(temp), verbose=False)
    return target


class FastVits:
    """A Coqui VITS model dir run by ONNX Runtime, with Coqui's text pipeline."""

    def __init__(self, model_dir: Path, cache_dir: Path, threads: int | None = None, device: str = "cpu") -> None:
        from TTS.config import load_config
        from TTS.tts.utils.languages import LanguageManager, normalize_language
        from TTS.tts.utils.text.tokenizer import TTSTokenizer
        from TTS.utils.audio import AudioProcessor

        model_dir = Path(model_dir)
        config = load_config(str(model_dir / "config.json"))
        check_supported(config)
        if (model_dir / "vocab.txt").is_file():
            raise OnnxUnsupported("Fairseq/MMS checkpoint (its own vocabulary)")
        self.tokenizer, config = TTSTokenizer.init_from_config(config)
        languages = LanguageManager.init_from_config(config).language_names
        self.language = languages[0] if len(languages) == 1 else None
        import pysbd

        self._segmenter = pysbd.Segmenter(language=normalize_language(self.language) or "en", clean=True)
        self._audio = AudioProcessor(config.audio)
        self._trim = bool(config.audio.get("do_trim_silence"))
        self.sample_rate = int(config.audio.sample_rate)
        args = config.model_args
        self.scales = np.array(
            [args.inference_noise_scale, args.length_scale, args.inference_noise_scale_dp], dtype=np.float32
        )
        """Noise scale, length scale, duration-predictor noise scale (Coqui's defaults from the config)."""
        self.onnx_file = onnx_path(model_dir, cache_dir)
        if not self.onnx_file.is_file():
            log.info("exporting %s to ONNX (once per model): %s", model_dir, self.onnx_file)
            export_onnx(model_dir, self.onnx_file)
        self._session = _session(self.onnx_file, threads, device)

    def sentences(self, text: str) -> list[str]:
        """Return ``text`` split into sentences exactly as Coqui's ``tts(split_sentences=True)`` does."""
        return self._segmenter.segment(text)

    def synthesize(self, text: str) -> np.ndarray:
        """Return ``text`` spoken, mono float32 at ``sample_rate`` (Coqui's trim and pauses included)."""
        from TTS.utils.synthesizer import PAD_SILENCE_SAMPLES

        pieces = []
        for sentence in self.sentences(text):
            waveform = self.infer(self.tokenizer.text_to_ids(sentence, language=self.language))
            if self._trim:
                waveform = waveform[: self._audio.find_endpoint(waveform)]
            pieces += [waveform, np.zeros(PAD_SILENCE_SAMPLES, dtype=np.float32)]
        return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)

    def infer(self, token_ids: list[int], scales: np.ndarray | None = None) -> np.ndarray:
        """Return the waveform of one tokenised sentence (``scales`` overrides the noise/length scales)."""
        ids = np.asarray([token_ids], dtype=np.int64)
        feeds = {
            "input": ids,
            "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
            "scales": self.scales if scales is None else np.asarray(scales, dtype=np.float32),
        }
        return self._session.run(["output"], feeds)[0].reshape(-1)


def _session(path: Path, threads: int | None, device: str):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    providers = ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
            raise OnnxUnsupported("this onnxruntime has no CUDA provider")
        providers.insert(0, "CUDAExecutionProvider")
    return onnxruntime.InferenceSession(str(path), options, providers=providers)


def _checkpoint(model_dir: Path) -> Path:
    from bulletin.engines.base import model_checkpoint

    checkpoint = model_checkpoint(model_dir)
    if checkpoint is None:
        raise OnnxUnsupported(f"{model_dir}: no .pth checkpoint")
    return checkpoint


def log_mel_distance(
    reference: np.ndarray,
    candidate: np.ndarray,
    sample_rate: int,
    n_fft: int = 1024,
    hop: int = 256,
    n_mels: int = 80,
    floor_db: float = 80.0,
) -> float:
    """Return the mean absolute difference in dB between the log-mel spectrograms of two waveforms.

    Compared over the shorter length; both spectrograms are floored ``floor_db`` under the
    reference's peak so silence does not dominate. 0 means identical.
    """
    length = min(len(reference), len(candidate))
    if length < n_fft:
        raise ValueError("waveforms shorter than one analysis frame")
    fbank = _mel_filterbank(sample_rate, n_fft, n_mels)
    ref_db, cand_db = (
        _power_db(_stft_power(np.asarray(x[:length], dtype=np.float64), n_fft, hop), fbank)
        for x in (reference, candidate)
    )
    floor = ref_db.max() - floor_db
    return float(np.mean(np.abs(np.maximum(ref_db, floor) - np.maximum(cand_db, floor))))


def _stft_power(samples: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    padded = np.pad(samples, n_fft // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    return np.abs(np.fft.rfft(frames * np.hanning(n_fft), axis=1)) ** 2


def _power_db(power: np.ndarray, fbank: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power @ fbank.T, 1e-12))


def _mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> np.ndarray:
    """Return HTK-style triangular mel filters, shape (n_mels, n_fft // 2 + 1)."""
    mels = np.linspace(0.0, 2595.0 * np.log10(1.0 + sample_rate / 2 / 700.0), n_mels + 2)
    edges = 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    bins = np.fft.rfftfreq(n_fft, 1.0 / sample_rate)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0.0, np.minimum((bins - lower) / (centre - lower), (upper - bins) / (upper - centre)))
