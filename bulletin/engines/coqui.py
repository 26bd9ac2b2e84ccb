"""The Coqui TTS engine: a preset's model name (fetched on first use) or a local model directory.

torch and TTS are imported only when a Coqui voice first speaks, never at ``import bulletin``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from bulletin.engines.base import VoiceOptions, VoicePreset, alphabet_with_capitals, model_checkpoint, release_memory
from bulletin.errors import VoiceError
from bulletin.files import sha256_file


def coqui_model_dir(model_name: str) -> Path | None:
    """Return where Coqui's model manager keeps ``model_name``, or None if it is not downloaded."""
    # Coqui's rule (trainer.io.get_user_data_dir), restated: importing it would import torch.
    if os.environ.get("TTS_HOME"):
        root = Path(os.environ["TTS_HOME"]).expanduser() / "tts"
    elif os.environ.get("XDG_DATA_HOME"):
        root = Path(os.environ["XDG_DATA_HOME"]).expanduser() / "tts"
    elif sys.platform == "darwin":
        root = Path("~/Library/Application Support/tts").expanduser()
    else:
        from platformdirs import user_data_dir

        root = (
            Path(user_data_dir("tts", appauthor=False)) if sys.platform == "win32" else Path.home() / ".local/share/tts"
        )
    directory = root / model_name.replace("/", "--")
    return directory if (directory / "config.json").is_file() else None


def read_coqui_config(config_path: Path) -> dict:
    """Return a Coqui model's config.json as a dict; VoiceError naming the file if it is not one."""
    import json

    config_path = Path(config_path)
    fix = "re-download the model, or rebuild the model directory (model .pth + the config.json it was trained with)"
    try:
        config = json.loads(config_path.read_bytes().decode("utf-8"))
    except OSError as error:
        raise VoiceError(f"{config_path}: cannot read the model config ({error.strerror}); {fix}") from None
    except (UnicodeDecodeError, ValueError) as error:
        reason = "empty" if not config_path.stat().st_size else f"not valid JSON: {str(error)[:80]}"
        raise VoiceError(f"{config_path}: damaged model config ({reason}); {fix}") from None
    if not isinstance(config, dict):
        raise VoiceError(f"{config_path}: damaged model config (a {type(config).__name__}, not an object); {fix}")
    return config


def coqui_alphabet_from_config(config_path: Path) -> frozenset[str]:
    """Return the characters a Coqui model accepts, read from its config.json (no torch).

    VoiceError when the config is damaged or declares no characters: such a voice would speak nothing.
    """
    config = read_coqui_config(config_path)
    if config.get("use_phonemes"):
        from bulletin.text.normalize import FRENCH_ALPHABET  # a phonemiser reads ordinary French

        return FRENCH_ALPHABET
    characters = config.get("characters") or {}
    if not isinstance(characters, dict):
        characters = {}
    vocab = "".join(str(characters.get(key) or "") for key in ("characters", "punctuations"))
    if not vocab.strip(" "):
        raise VoiceError(
            f"{config_path}: the model config declares no characters (characters.characters is empty), so "
            "this voice would speak nothing; use the config.json the model was trained with"
        )
    return alphabet_with_capitals(vocab)


class CoquiVoice:
    """A Coqui TTS model: a preset's model name (fetched on first use) or a local model dir.

    Opening it is cheap (config and checksum only); torch and the model load on the
    first ``synthesize``, so a re-run served from the cache never imports torch.
    ``options.engine`` picks how a VITS model runs (``bulletin.engines.fastvits``):
    "bf16" (default: HiFi-GAN decoder in bfloat16 on CPUs with native bf16, else torch),
    "torch" (Coqui as is, float32) or "onnx" (ONNX Runtime, float32, same samples as torch).
    """

    def __init__(self, preset: VoicePreset, options: VoiceOptions) -> None:
        self.name = preset.name
        self.preset = preset
        self.options = options
        if options.device not in ("cpu", "cuda"):
            raise VoiceError(f"unknown device {options.device!r}; use --device cpu or --device cuda")
        if preset.needs_speaker_wav and not options.speaker_wav:
            raise VoiceError(
                f"voice {preset.name} clones a speaker: give --speaker-wav FILE (a few seconds of clean speech)"
            )
        if options.speaker_wav and not Path(options.speaker_wav).is_file():
            raise VoiceError(f"{options.speaker_wav}: no such speaker recording; give an existing .wav file")
        if preset.licence_must_agree and not (options.agree_licence or os.environ.get("COQUI_TOS_AGREED") == "1"):
            raise VoiceError(
                f"voice {preset.name} is under the {preset.licence} licence (non-commercial use only); "
                "read it, then pass --agree-licence (or set COQUI_TOS_AGREED=1) to use it"
            )
        if preset.licence_must_agree:
            os.environ["COQUI_TOS_AGREED"] = "1"  # agreed above; stops Coqui's [y/n] prompt when it downloads
        directory = Path(preset.model) if Path(preset.model).is_dir() else coqui_model_dir(preset.model)
        if directory is None:
            directory = _download_coqui_model(preset.model)
        self._directory = directory
        self._checkpoint = _checkpoint_in(directory)
        self.alphabet = coqui_alphabet_from_config(directory / "config.json")
        self.speed = options.speed_for(preset)
        """Speaking rate: VITS durations are scaled by it (``fastvits.scaled_durations``), XTTS takes it as is."""
        model_type = _model_type(directory / "config.json")
        if self.speed != 1.0 and model_type not in SPEED_MODELS:
            raise VoiceError(
                f"voice {preset.name}: a Coqui {model_type or 'unknown'} model has no speaking-rate control; "
                "leave out --speed, or use a VITS voice (fr-css10, --voice DIR) or fr-siwis"
            )
        from bulletin.engines.fastvits import resolve_engine

        self.engine = resolve_engine(options.engine, directory / "config.json", options.device)
        """The engine that will run: "bf16", "torch" or "onnx" (see bulletin.engines.fastvits)."""
        if self.engine == "onnx" and self.speed != 1.0:  # the exported graph rounds durations up, unscaled
            logging.getLogger(__name__).warning("engine onnx has no exact speaking rate; using torch for --speed")
            self.engine = "torch"
        # Everything that changes the sound: the weights, the config (length_scale, noise scales, rate...),
        # speaker, language, speed, the cloned recording, and bf16 (~0.3 dB log-mel from float32; onnx and
        # torch give the same samples and share entries).
        self.identity = "|".join(
            [
                "coqui",
                sha256_file(self._checkpoint)[:16],
                "config=" + sha256_file(directory / "config.json")[:16],
                preset.speaker,
                preset.language,
                f"speed={self.speed:g}",
                sha256_file(options.speaker_wav)[:16] if options.speaker_wav else "",
            ]
        )
        if self.engine == "bf16":
            self.identity += "|bf16"
        self._tts = None
        self._fast = None
        self.loads = 0
        """How many times the model was loaded (1 for a voice kept open across bulletins)."""

    @property
    def sample_rate(self) -> int:
        """Rate of the samples ``synthesize`` returns, in Hz (loads the model)."""
        self._model()
        return self._rate

    def _model(self):
        if self._tts is None and self._fast is None:
            self.loads += 1
            if self.engine == "onnx":
                self._fast = self._load_onnx()
            if self._fast is None:
                self._tts = self._load()
        return self._tts

    def _load_onnx(self):
        """Return the ONNX engine, or None (logged) when this model cannot run on it."""
        from bulletin.engines.fastvits import FastVits

        logging.getLogger("TTS").setLevel(logging.ERROR)
        cache_dir = self.options.cache_dir
        if cache_dir is None:
            from bulletin.locations import default_cache_dir

            cache_dir = default_cache_dir()
        try:
            fast = FastVits(self._directory, Path(cache_dir), threads=self.options.threads, device=self.options.device)
        except Exception as error:  # export or runtime failure: torch still speaks this model
            logging.getLogger(__name__).warning(
                "ONNX engine unavailable for %s (%s: %s); using torch", self.name, type(error).__name__, error
            )
            self.engine = "torch"
            return None
        tokenizer = fast.tokenizer
        self._cleaner = tokenizer.text_cleaner
        self._vocab = frozenset(tokenizer.characters.vocab)
        self._rate = fast.sample_rate
        return fast

    def _load(self):
        # oneDNN caches compiled kernels per input shape, and every sentence has its own length:
        # uncapped, the cache grows by ~60 MB a paragraph; 16 entries cost no measurable speed
        os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "16")
        import torch

        logging.getLogger("TTS").setLevel(logging.ERROR)
        if self.options.device == "cuda" and not torch.cuda.is_available():
            raise VoiceError("--device cuda: no CUDA GPU is available here; use --device cpu")
        if self.options.threads:
            torch.set_num_threads(self.options.threads)
        if self.preset.licence_must_agree:
            os.environ["COQUI_TOS_AGREED"] = "1"  # agreed above; stops Coqui's interactive prompt
        from TTS.api import TTS

        try:
            if Path(self.preset.model).is_dir():
                tts = TTS(
                    model_path=str(self._checkpoint),
                    config_path=str(self._directory / "config.json"),
                    progress_bar=False,
                )
            else:  # by name, so Coqui also wires the model's default vocoder
                tts = TTS(model_name=self.preset.model, progress_bar=False)
        except Exception as error:  # a damaged or mismatched model file: Coqui/torch raise anything here
            raise VoiceError(
                f"{self._directory}: cannot load this Coqui model ({type(error).__name__}: {str(error)[:100]}); "
                f"{self._checkpoint.name} or config.json is damaged or they do not belong together: "
                "re-download the model, or rebuild the model directory"
            ) from None
        tts = tts.to(self.options.device)
        model = tts.synthesizer.tts_model
        if self.engine == "bf16":
            from bulletin.engines.fastvits import bf16_decoder

            bf16_decoder(model)
        elif type(model).__name__ == "Vits" and hasattr(model.waveform_decoder, "ups"):
            from bulletin.engines.fastvits import chunked_decoder

            chunked_decoder(model)
        if self.speed != 1.0 and type(model).__name__ == "Vits":
            from bulletin.engines.fastvits import scaled_durations

            scaled_durations(model, self.speed)
        if hasattr(model, "posterior_encoder"):  # a VITS's training-only half (~20 % of it)
            model.posterior_encoder = None
        release_memory()
        tokenizer = tts.synthesizer.tts_model.tokenizer
        self._cleaner = tokenizer.text_cleaner
        self._vocab = frozenset(tokenizer.characters.vocab)
        self._rate = int(tts.synthesizer.output_sample_rate)
        return tts

    def close(self) -> None:
        """Free the model and its engine; the next ``synthesize`` loads it again."""
        if self._tts is None and self._fast is None:  # never loaded (every segment cached): nothing to free
            return
        self._tts = self._fast = None
        release_memory()

    def without_noise(self) -> CoquiVoice:
        """Set the model's noise scales to 0 so synthesis is deterministic (to compare engines); return self."""
        self._model()
        if self._fast is not None:
            self._fast.scales[[0, 2]] = 0.0
        else:
            model = self._tts.synthesizer.tts_model
            model.inference_noise_scale = model.inference_noise_scale_dp = 0.0
        return self

    def dropped_characters(self, text: str) -> Counter[str]:
        """Return the characters of ``text`` this model would drop after its own cleaner (loads the model)."""
        self._model()
        cleaned = self._cleaner(text) if self._cleaner else text
        return Counter(c for c in cleaned if c not in self._vocab)

    def synthesize(self, text: str) -> np.ndarray:
        """Return ``text`` spoken, mono float32 at ``sample_rate``."""
        tts = self._model()
        if self._fast is not None:
            return self._fast.synthesize(text)
        import torch

        kwargs = {}
        if self.preset.needs_speaker_wav:
            kwargs = {"speaker_wav": str(self.options.speaker_wav), "language": self.preset.language}
            if self.speed != 1.0:
                kwargs["speed"] = self.speed  # XTTS's own rate control
        elif self.preset.speaker:
            kwargs = {"speaker": self.preset.speaker}
        with torch.inference_mode():
            samples = tts.tts(text, split_sentences=True, **kwargs)
        release_memory(collect=False)
        return np.asarray(samples, dtype=np.float32).reshape(-1)


DOWNLOAD_TIMEOUT_S = (15.0, 60.0)
"""(connect, read) timeouts of a model download: Coqui's own ``requests.get`` has none, so a dead network hung."""
SPEED_MODELS = ("vits", "xtts")
"""Coqui model types whose speaking rate can be set (VITS: length scale; XTTS: its speed argument)."""
QUIET_LOGGERS = ("TTS", "urllib3", "requests", "huggingface_hub")
"""Loggers silenced while a model downloads: a failure is reported by our one line, not their tracebacks."""


def _download_coqui_model(model_name: str) -> Path:
    """Fetch ``model_name`` with Coqui's model manager; VoiceError naming the ways out on failure."""
    if os.environ.get("BULLETIN_OFFLINE") == "1":
        raise VoiceError(_no_model(model_name, "BULLETIN_OFFLINE=1 forbids downloads"))
    if sys.stderr.isatty():  # someone waits: say why (a script gets only the one line of a failure)
        print(f"bulletin: downloading the Coqui model {model_name} (once; kept for offline use)", file=sys.stderr)
    try:
        with _quiet_download():
            from TTS.utils.manage import ModelManager

            ModelManager(progress_bar=False).download_model(model_name)
    except Exception as error:  # network, disk or hub failure: the user can act on it
        raise VoiceError(_no_model(model_name, _download_failure(error))) from None
    directory = coqui_model_dir(model_name)
    if directory is None:
        raise VoiceError(f"Coqui model {model_name} was fetched but has no config.json; delete it and retry")
    return directory


@contextlib.contextmanager
def _quiet_download():
    """Silence Coqui's and requests' logging, and give Coqui's downloads a timeout, for the block's duration."""
    import requests
    from TTS.utils import manage

    class TimedRequests:  # Coqui calls requests.get(url, stream=True) without a timeout
        def __getattr__(self, name):
            return getattr(requests, name)

        @staticmethod
        def get(*args, **kwargs):
            kwargs.setdefault("timeout", DOWNLOAD_TIMEOUT_S)
            return requests.get(*args, **kwargs)

    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    original = manage.requests
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    manage.requests = TimedRequests()
    try:
        yield
    finally:
        manage.requests = original
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _no_model(model_name: str, reason: str) -> str:
    """Return the one line saying ``model_name`` could not be fetched, why, and the ways out."""
    return (
        f"cannot fetch Coqui model {model_name} ({reason}): it is downloaded once, on first use; "
        "connect to the internet once, or use --voice fr-siwis (Kokoro, offline once scripts/assemble_assets.py "
        "has run), or --voice DIR with a local Coqui model directory"
    )


def _download_failure(error: BaseException) -> str:
    """Return what went wrong with a download, in a few whole words ("no connection to github.com")."""
    import requests

    host = urlsplit(getattr(getattr(error, "request", None), "url", "") or "").hostname
    if isinstance(error, requests.Timeout):
        return f"no answer from {host or 'the server'} in time"
    if isinstance(error, requests.ConnectionError):
        return f"no connection to {host or 'the server'}"
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} from {host or 'the server'}"
    if os.environ.get("HF_HUB_OFFLINE") == "1":  # the Hugging Face hub was told not to download
        return "HF_HUB_OFFLINE=1 forbids downloads"
    words = " ".join(str(error).split()) or type(error).__name__
    return words if len(words) <= 100 else words[:100].rsplit(" ", 1)[0] + "…"


def _model_type(config_path: Path) -> str:
    """Return the "model" of a Coqui config.json ("vits", "xtts", "tacotron2"...), "" if unreadable."""
    import json

    try:
        return str(json.loads(Path(config_path).read_text(encoding="utf-8")).get("model", ""))
    except (OSError, ValueError, AttributeError):
        return ""


def _checkpoint_in(directory: Path) -> Path:
    checkpoint = model_checkpoint(directory)
    if checkpoint is None:
        raise VoiceError(f"{directory}: no .pth checkpoint in this model directory")
    return checkpoint
