"""Voices: presets from ``voices/*.toml`` and the engines that speak them.

A ``Voice`` turns one segment of speakable text into mono float32 samples. The
Coqui engine (``CoquiVoice``) is the default; torch and TTS are imported only
when a Coqui voice is opened, never at ``import bulletin``.
"""

from __future__ import annotations

import logging
import os
import string
import sys
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
import tomllib

from bulletin.errors import VoiceError
from bulletin.files import sha256_file

DEFAULT_PRESET = "fr-css10"
EXTRA_CANDIDATES = string.punctuation + "«»“”‘’„…—–\u00a0\u202f"


@dataclass(frozen=True)
class VoicePreset:
    """A named voice from ``voices/NAME.toml``."""

    name: str
    """Preset name, e.g. "fr-css10" (the file name without .toml)."""
    engine: str
    """Which engine speaks it: "coqui" or "kokoro"."""
    model: str
    """The engine's model: a Coqui model name ("tts_models/fr/css10/vits") or a model file name."""
    description: str = ""
    """One line shown by ``bulletin voices``."""
    language: str = "fr"
    """Language code passed to multilingual models."""
    speaker: str = ""
    """Speaker or voice id inside the model (Kokoro "ff_siwis"); empty for single-speaker models."""
    needs_speaker_wav: bool = False
    """True when the model clones a voice from ``--speaker-wav`` (XTTS)."""
    licence: str = ""
    """Licence of the model weights."""
    licence_must_agree: bool = False
    """True when the user must agree to the licence before first use (XTTS's CPML)."""
    speed: float = 1.0
    """Speaking rate multiplier, where the engine supports it."""
    alphabet: str = ""
    """Characters the model accepts, used before the model is loaded (``bulletin script``)."""


class Voice(Protocol):
    """What the pipeline needs from any engine."""

    name: str
    """Shown to the user: preset name or model directory."""
    identity: str
    """Stable identity for the cache: engine, model file hash, speaker, settings."""
    sample_rate: int
    """Rate of the samples ``synthesize`` returns, in Hz."""
    alphabet: frozenset[str]
    """Characters the voice says without dropping them (the normaliser's target)."""

    def synthesize(self, text: str) -> np.ndarray:
        """Return mono float32 samples of ``text`` spoken, at ``sample_rate``."""
        ...

    def dropped_characters(self, text: str) -> Counter[str]:
        """Return the characters of ``text`` the model would silently drop, with counts."""
        ...

    def close(self) -> None:
        """Free the model (the bulletin is mixed after the last segment is spoken)."""
        ...


def release_memory(collect: bool = True) -> None:
    """Hand freed heap pages back to the OS (glibc keeps them otherwise), after a garbage collection.

    Called after loading a model (its checkpoint was read into memory and copied into
    the weights), after each segment (``collect=False``: a few ms; the sentences' varying
    lengths fragment the heap) and after the last segment, so the peak RSS of a bulletin
    is the larger of synthesis and mixing, not their sum.
    """
    import ctypes
    import gc

    if collect:
        gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to hand back this way
        pass


@dataclass(frozen=True)
class VoiceOptions:
    """How to run a voice, from the command line."""

    device: str = "cpu"
    """"cpu" or "cuda"."""
    threads: int | None = None
    """Torch intra-op threads; None keeps torch's default (all cores)."""
    speaker_wav: Path | None = None
    """Reference recording for voice-cloning models (XTTS)."""
    agree_licence: bool = False
    """The user agreed to the model's licence (needed for XTTS)."""
    extra: dict = field(default_factory=dict)
    """Engine-specific settings."""


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
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise VoiceError(f"voices/{name}.toml: {error}") from None
    known = set(VoicePreset.__dataclass_fields__) - {"name"}
    unknown = set(data) - known
    if unknown:
        raise VoiceError(f"voices/{name}.toml: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("engine", "model"):
        if key not in data:
            raise VoiceError(f"voices/{name}.toml: missing key {key!r}")
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
    if preset.alphabet:
        return _with_upper_case(preset.alphabet)
    from bulletin.normalize import FRENCH_ALPHABET

    return FRENCH_ALPHABET


def open_voice(preset: VoicePreset, options: VoiceOptions | None = None) -> Voice:
    """Return a ready-to-speak Voice for ``preset`` (loads the model: slow, do it once)."""
    options = options or VoiceOptions()
    if preset.engine == "coqui":
        return CoquiVoice(preset, options)
    if preset.engine == "kokoro":
        from bulletin.kokoro import KokoroVoice

        return KokoroVoice(preset, options)
    raise VoiceError(f"voice preset {preset.name!r}: unknown engine {preset.engine!r}; use coqui or kokoro")


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


def coqui_alphabet_from_config(config_path: Path) -> frozenset[str]:
    """Return the characters a Coqui model accepts, read from its config.json (no torch)."""
    import json

    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    characters = config.get("characters") or {}
    vocab = "".join(str(characters.get(key) or "") for key in ("characters", "punctuations"))
    if config.get("use_phonemes"):
        from bulletin.normalize import FRENCH_ALPHABET  # a phonemiser reads ordinary French

        return FRENCH_ALPHABET
    return _with_upper_case(vocab)


def _with_upper_case(vocab: str) -> frozenset[str]:
    # Coqui's cleaners lower-case the text first, so capitals of known letters are fine.
    return frozenset(vocab) | frozenset(c.upper() for c in vocab if len(c.upper()) == 1)


class CoquiVoice:
    """A Coqui TTS model: a preset's model name (fetched on first use) or a local model dir.

    Opening it is cheap (config and checksum only); torch and the model load on the
    first ``synthesize``, so a re-run served from the cache never imports torch.
    ``options.extra["engine"]`` picks how a VITS model runs (``bulletin.fastvits``):
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
        directory = Path(preset.model) if Path(preset.model).is_dir() else coqui_model_dir(preset.model)
        if directory is None:
            directory = _download_coqui_model(preset.model)
        self._directory = directory
        self._checkpoint = _checkpoint_in(directory)
        self.alphabet = coqui_alphabet_from_config(directory / "config.json")
        from bulletin.fastvits import resolve_engine

        self.engine = resolve_engine(options.extra.get("engine"), directory / "config.json", options.device)
        """The engine that will run: "bf16", "torch" or "onnx" (see bulletin.fastvits)."""
        self.identity = "|".join(
            [
                "coqui",
                sha256_file(self._checkpoint)[:16],
                preset.speaker,
                preset.language,
                sha256_file(options.speaker_wav)[:16] if options.speaker_wav else "",
            ]
        )
        if self.engine == "bf16":  # different samples (~0.3 dB log-mel): its own cache entries
            self.identity += "|bf16"
        self._tts = None
        self._fast = None

    @property
    def sample_rate(self) -> int:
        """Rate of the samples ``synthesize`` returns, in Hz (loads the model)."""
        self._model()
        return self._rate

    def _model(self):
        if self._tts is None and self._fast is None:
            if self.engine == "onnx":
                self._fast = self._load_onnx()
            if self._fast is None:
                self._tts = self._load()
        return self._tts

    def _load_onnx(self):
        """Return the ONNX engine, or None (logged) when this model cannot run on it."""
        from bulletin.fastvits import FastVits

        logging.getLogger("TTS").setLevel(logging.ERROR)
        cache_dir = self.options.extra.get("cache_dir")
        if cache_dir is None:
            from bulletin.cache import default_cache_dir

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

        if Path(self.preset.model).is_dir():
            tts = TTS(
                model_path=str(self._checkpoint), config_path=str(self._directory / "config.json"), progress_bar=False
            )
        else:  # by name, so Coqui also wires the model's default vocoder
            tts = TTS(model_name=self.preset.model, progress_bar=False)
        tts = tts.to(self.options.device)
        model = tts.synthesizer.tts_model
        if self.engine == "bf16":
            from bulletin.fastvits import bf16_decoder

            bf16_decoder(model)
        elif type(model).__name__ == "Vits" and hasattr(model.waveform_decoder, "ups"):
            from bulletin.fastvits import chunked_decoder

            chunked_decoder(model)
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
        elif self.preset.speaker:
            kwargs = {"speaker": self.preset.speaker}
        with torch.inference_mode():
            samples = tts.tts(text, split_sentences=True, **kwargs)
        release_memory(collect=False)
        return np.asarray(samples, dtype=np.float32).reshape(-1)


def preset_status(preset: VoicePreset) -> tuple[bool, str]:
    """Return (usable offline now, why) for ``preset``, without loading anything heavy."""
    if preset.engine == "coqui":
        if coqui_model_dir(preset.model):
            return True, "downloaded"
        return False, "downloaded on first use"
    if preset.engine == "kokoro":
        from bulletin.kokoro import KOKORO_SUBDIR, find_data_file

        model = find_data_file(f"{KOKORO_SUBDIR}/{preset.model}")
        voice = find_data_file(f"{KOKORO_SUBDIR}/{preset.speaker}.npz")
        if model and voice:
            return True, f"model in {model.parent}"
        return False, "fetched on first use, or run scripts/assemble_assets.py"
    return False, f"unknown engine {preset.engine}"


def _download_coqui_model(model_name: str) -> Path:
    """Fetch ``model_name`` with Coqui's model manager; VoiceError naming the ways out on failure."""
    logging.getLogger("TTS").setLevel(logging.ERROR)
    try:
        from TTS.utils.manage import ModelManager

        ModelManager(progress_bar=False).download_model(model_name)
    except Exception as error:  # network, disk or hub failure: the user can act on it
        raise VoiceError(
            f"cannot fetch Coqui model {model_name} ({type(error).__name__}: {str(error)[:100]}); it is "
            "downloaded once on first use, so connect to the internet once, or use --voice DIR with a local "
            "model directory, or another preset (bulletin voices)"
        ) from None
    directory = coqui_model_dir(model_name)
    if directory is None:
        raise VoiceError(f"Coqui model {model_name} was fetched but has no config.json; delete it and retry")
    return directory


def _checkpoint_in(directory: Path) -> Path:
    checkpoints = sorted(directory.glob("*.pth"), key=lambda path: (path.name != "model.pth", path.name))
    if not checkpoints:
        raise VoiceError(f"{directory}: no .pth checkpoint in this model directory")
    return checkpoints[0]
