"""The official ``openai`` client against `bulletin studio` over a real uvicorn: speech in every format, models."""

from __future__ import annotations

import io
import signal
import urllib.parse

import numpy as np
import pytest
import soundfile
from mutagen.mp3 import MP3
from mutagen.oggopus import OggOpus

from helpers import studio


@pytest.fixture(scope="module")
def studio_url(tmp_path_factory, tiny_voice_dir):
    root = tmp_path_factory.mktemp("studio-openai")
    process, url = studio(
        "--port", "0", "--voice", tiny_voice_dir, "--state-dir", root / "state", "--feed-dir", root / "feed",
        "--cache-dir", root / "cache",
    )  # fmt: skip
    yield url
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=30)
    assert "Traceback" not in errors, errors


@pytest.fixture(scope="module")
def client(studio_url):
    from openai import OpenAI

    return OpenAI(base_url=f"{studio_url}/v1", api_key="not-needed-on-localhost", max_retries=0, timeout=300)


def test_speech_is_an_mp3_of_the_french_reading(client, tmp_path):
    response = client.audio.speech.with_raw_response.create(
        model="tts-1", voice="alloy", input="Il est 19h30 à Astana, et 16 agents sont en grève."
    )
    spoken = urllib.parse.unquote(response.headers["x-bulletin-spoken"])
    assert "dix-neuf heures trente" in spoken and "seize agents" in spoken
    path = tmp_path / "speech.mp3"
    path.write_bytes(response.parse().read())
    assert response.headers["content-type"] == "audio/mpeg"
    assert 1.5 < MP3(path).info.length < 30


def test_the_plain_call_returns_the_audio_bytes(client, tmp_path):
    path = tmp_path / "plain.mp3"
    client.audio.speech.create(model="gpt-4o-mini-tts", voice="nova", input="Bonjour, voici le journal.").write_to_file(
        path
    )
    assert MP3(path).info.length > 0.5


@pytest.mark.parametrize("audio_format", ["wav", "flac", "opus", "aac", "pcm"])
def test_every_response_format_decodes(client, tmp_path, audio_format):
    audio = client.audio.speech.create(
        model="tts-1", voice="alloy", input="La séance a duré quatre heures.", response_format=audio_format
    ).read()
    if audio_format in ("wav", "flac"):
        samples, rate = soundfile.read(io.BytesIO(audio))
        assert rate == 44100 and samples.size / rate > 0.5
    elif audio_format == "opus":
        (tmp_path / "s.opus").write_bytes(audio)
        assert OggOpus(tmp_path / "s.opus").info.length > 0.5
    elif audio_format == "aac":
        assert audio[:2] in (b"\xff\xf1", b"\xff\xf9") and len(audio) > 1000  # ADTS frame sync
    else:  # OpenAI's pcm: 16-bit signed little-endian mono at 24 kHz
        samples = np.frombuffer(audio, dtype="<i2")
        assert len(audio) % 2 == 0 and samples.size / 24000 > 0.5 and np.abs(samples).max() > 1000


def test_models_are_listed_and_a_wrong_request_is_an_api_error(client):
    import openai

    assert "tts-1" in [model.id for model in client.models.list()]
    with pytest.raises(openai.UnprocessableEntityError, match="unknown model"):
        client.audio.speech.create(model="whisper-1", voice="alloy", input="Bonjour.")
    with pytest.raises(openai.UnprocessableEntityError, match="unknown voice"):
        client.audio.speech.create(model="tts-1", voice="/etc", input="Bonjour.")
