"""Listen-back QA: Whisper base (assembled) hears the Kokoro voice; check_bulletin flags garbled segments."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from bulletin import locations
from bulletin.audio.sidecars import load_script_json
from bulletin.audio.timeline import Placement
from bulletin.engines.base import VoiceOptions
from bulletin.engines.factory import open_voice
from bulletin.engines.presets import get_preset
from bulletin.errors import BulletinError
from bulletin.qa import listen
from bulletin.qa.listen import HeardWord, check_bulletin, normalise_for_wer

from helpers import kokoro_assets_or_skip, skip_or_fail

SCRIPT = [
    ("headline", "Le président a annoncé mardi une réforme de la constitution."),
    ("body", "Les marchés européens ont ouvert en légère hausse ce matin, portés par le secteur bancaire."),
    ("sign-off", "C'était le journal de sept heures, merci de votre écoute."),
]
PAUSE_S = 0.6


@pytest.fixture(scope="session")
def recogniser():
    try:
        model_dir = listen.find_whisper_model()
    except BulletinError as error:
        skip_or_fail(f"{error}")
    try:
        import faster_whisper  # noqa: F401
        import jiwer  # noqa: F401
    except ImportError:
        skip_or_fail("faster-whisper/jiwer not installed: pip install -e '.[qa]'")
    return listen.load_recogniser(model_dir)


@pytest.fixture(scope="session")
def bulletin_audio(tmp_path_factory):
    """A small bulletin spoken by fr-siwis: (samples, rate, segments with their times)."""
    kokoro_assets_or_skip()
    preset = get_preset("fr-siwis")
    voice = open_voice(preset, VoiceOptions())
    rate = voice.sample_rate
    pause = np.zeros(int(PAUSE_S * rate), dtype=np.float32)
    parts, segments, at_s = [pause], [], PAUSE_S
    for role, text in SCRIPT:
        speech = voice.synthesize(text)
        segments.append(Placement(role, text, at_s, at_s + len(speech) / rate))
        parts += [speech, pause]
        at_s += (len(speech) + len(pause)) / rate
    return np.concatenate(parts), rate, segments


@pytest.fixture(scope="session")
def clean_mp3(bulletin_audio, tmp_path_factory):
    samples, rate, _ = bulletin_audio
    path = tmp_path_factory.mktemp("listen") / "clean.mp3"
    soundfile.write(path, samples, rate, format="MP3")
    return path


def test_whisper_hears_the_kokoro_voice_with_low_word_error_rate(recogniser, bulletin_audio, clean_mp3):
    words = listen.transcribe(clean_mp3, recogniser=recogniser)
    assert words and all(w.start_s <= w.end_s for w in words)
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    expected = normalise_for_wer(" ".join(text for _, text in SCRIPT))
    heard = normalise_for_wer(" ".join(w.text for w in words))
    assert listen.word_error_rate(expected, heard) <= 0.25, heard


def test_clean_bulletin_passes_with_no_segment_flagged(recogniser, bulletin_audio, clean_mp3):
    _, _, segments = bulletin_audio
    report = check_bulletin(clean_mp3, segments, recogniser=recogniser)
    assert report.passed, report
    assert report.overall_wer <= 0.25
    assert [row.role for row in report.segments] == ["headline", "body", "sign-off"]
    assert not report.flagged
    assert json.loads(json.dumps(report.to_dict()))["segments"][0]["expected"].startswith("le président")


def test_segment_replaced_by_reversed_speech_is_flagged_and_fails(recogniser, bulletin_audio, tmp_path):
    samples, rate, segments = bulletin_audio
    garbled = samples.copy()
    start, end = int(segments[1].start_s * rate), int(segments[1].end_s * rate)
    garbled[start:end] = garbled[start:end][::-1]
    path = tmp_path / "garbled.wav"
    soundfile.write(path, garbled, rate)
    report = check_bulletin(path, [(s.role, s.text, s.start_s, s.end_s) for s in segments], recogniser=recogniser)
    assert not report.passed
    assert [row.index for row in report.flagged] == [1]
    assert report.segments[1].wer > 0.5
    assert report.segments[0].wer <= 0.25


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("L'État, aujourd’hui !", "l état aujourd hui"),  # elisions split, punctuation gone, accents kept
        ("vingt-deux agents", "vingt deux agents"),  # hyphens split the same on both sides
        ("22 agents", "vingt deux agents"),  # Whisper writes digits; the script spells them out
        ("1 200 € soit 3,5 %", "mille deux cents euros soit trois virgule cinq pour cent"),
        ("à 14h30", "à quatorze heures trente"),
        ("le 1er mai", "le premier mai"),
        ("Œuvre « majeure »", "oeuvre majeure"),
        ("Source : R.T.", "source rt"),  # Whisper dots the sigles the script writes plain
        ("l'O.T.S.C. a-t-il", "l otsc a t il"),
        ("l'o té esse cé et l'u eu", "l otsc et l ue"),  # sigles the normaliser spelled out
        ("Source : erre té.", "source rt"),
        ("elle a eu un dé", "elle a eu un dé"),  # letter names that are also words stay words
        ("le double vé i grec", "le wy"),
    ],
)
def test_normalise_for_wer(written, normalised):
    assert normalise_for_wer(written) == normalised


def test_words_go_to_the_segment_playing_or_the_nearest_one_within_a_pause():
    script = [Placement("headline", "a", 1.0, 2.0), Placement("body", "b", 3.0, 5.0)]
    words = [
        HeardWord("un", 1.1, 1.5),
        HeardWord("deux", 2.1, 2.3),
        HeardWord("trois", 4.0, 4.2),
        HeardWord("jingle", 9.0, 9.5),
    ]
    assert [[w.text for w in group] for group in listen.assign_words(words, script)] == [["un", "deux"], ["trois"]]


def test_transcribe_joins_the_pieces_whisper_splits_a_word_into(tmp_path):
    from types import SimpleNamespace as Word

    class FakeRecogniser:
        def transcribe(self, path, **options):
            assert options["language"] == "fr" and options["word_timestamps"]
            words = [
                Word(word=" Source", start=0.0, end=0.4, probability=0.9),
                Word(word=" R", start=0.4, end=0.6, probability=0.8),
                Word(word=".T.", start=0.6, end=0.9, probability=0.7),
            ]
            return iter([Word(words=words)]), None

    audio = tmp_path / "a.wav"
    soundfile.write(audio, np.zeros(2400, dtype=np.float32), 24000)
    heard = listen.transcribe(audio, recogniser=FakeRecogniser())
    assert heard == [HeardWord("Source", 0.0, 0.4, 0.9), HeardWord("R.T.", 0.4, 0.9, 0.7)]


def test_one_misheard_word_in_a_short_segment_is_not_flagged(tmp_path, monkeypatch):
    words = [HeardWord("Source", 0.1, 0.4), HeardWord("R.T.", 0.5, 0.9), HeardWord("Bon", 1.6, 2.0)]
    monkeypatch.setattr(listen, "transcribe", lambda *args, **kwargs: words)
    script = [("source", "Source : RT.", 0.0, 1.0), ("sign-off", "Bonsoir.", 1.5, 2.1)]
    report = check_bulletin(tmp_path / "x.mp3", script, recogniser=object())
    assert [row.wer for row in report.segments] == [0.0, 1.0]
    assert not report.flagged  # one word error only: the recogniser's as likely as the voice's


class ToneRecogniser:
    """A stand-in for Whisper that "hears" by pitch: 880 Hz is "merci de votre écoute", anything else "blabla".

    On the whole file (``whole_samples`` long, at 16 kHz) it hears one "blabla" over the first two
    seconds, as Whisper does when a garbled segment swallows its neighbour; on a shorter clip it
    hears the clip's pitch.
    """

    def __init__(self, whole_samples: int) -> None:
        self.whole_samples = whole_samples
        self.clips: list[float] = []

    def transcribe(self, audio, **options):
        from types import SimpleNamespace as Word

        if audio.size >= self.whole_samples:
            words = [Word(word=" blabla", start=0.2, end=2.0, probability=0.9)]
        else:
            spectrum = np.abs(np.fft.rfft(audio))
            pitch_hz = np.argmax(spectrum) * 16000 / audio.size
            self.clips.append(pitch_hz)
            said = "merci de votre écoute" if abs(pitch_hz - 880) < 20 else "blabla"
            words = [
                Word(word=f" {text}", start=0.1 + 0.2 * n, end=0.25 + 0.2 * n, probability=0.9)
                for n, text in enumerate(said.split())
            ]
        return iter([Word(words=words)]), None


def test_a_segment_flagged_on_the_whole_file_is_heard_again_alone(tmp_path):
    """Both segments fail on the whole file; heard again on its own stretch of audio, the second one passes."""
    rate = 16000
    t = np.arange(int(3.5 * rate)) / rate
    samples = np.where(t < 2.0, np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 880 * t)) * (t < 3.0) * 0.3
    audio = tmp_path / "x.wav"
    soundfile.write(audio, samples.astype(np.float32), rate)
    script = [("body", "Les marchés ont ouvert en hausse.", 0.0, 2.0), ("sign-off", "Merci de votre écoute.", 2.1, 3.0)]
    recogniser = ToneRecogniser(whole_samples=samples.size)
    report = check_bulletin(audio, script, recogniser=recogniser)
    assert sorted(round(pitch) for pitch in recogniser.clips) == [440, 880]  # each flagged segment, from its own audio
    assert [row.index for row in report.flagged] == [0]
    assert report.segments[1].wer == 0.0 and report.segments[1].heard == "merci de votre écoute"
    assert report.segments[0].heard == "blabla" and not report.passed


def test_load_script_json_reads_the_sidecar(tmp_path):
    path = tmp_path / "bulletin.script.json"
    path.write_text(
        json.dumps(
            {"title": "Journal", "segments": [{"role": "headline", "text": "Bonjour.", "start_s": 1.5, "end_s": 2.25}]}
        ),
        encoding="utf-8",
    )
    assert load_script_json(path) == ("Journal", [Placement("headline", "Bonjour.", 1.5, 2.25)])
    assert listen.default_script_path(tmp_path / "bulletin.mp3") == path


def test_load_script_json_names_the_bad_segment(tmp_path):
    path = tmp_path / "bad.script.json"
    path.write_text(json.dumps({"title": "x", "segments": [{"role": "headline", "text": "a"}]}), encoding="utf-8")
    with pytest.raises(BulletinError, match=r"segments\[0\] needs role, text, start_s, end_s"):
        load_script_json(path)


def test_missing_whisper_model_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(locations, "data_dirs", lambda: [tmp_path])
    with pytest.raises(BulletinError, match="scripts/assemble_assets.py"):
        listen.find_whisper_model()
