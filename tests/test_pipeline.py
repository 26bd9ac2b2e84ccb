"""The Python API in-process: produce() with the tiny voice, presets by name, pauses, check-then-publish."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile
from mutagen.mp3 import MP3

import bulletin
from bulletin import GenerateRequest, MixSettings, RequestError, deliver, loudness_targets, parse_pauses, produce
from bulletin.errors import ArticleError, AudioError, BulletinError, OutputError

from helpers import make_channel

ARTICLE = """# Le conseil municipal vote le budget

Lyon, 3 mars (RHC) Le conseil municipal a voté mardi un budget de 12 millions d'euros. \
La séance a duré quatre heures. Les élus de l'opposition ont voté contre.

Le maire a salué un budget "responsable". Il a promis de nouvelles pistes cyclables avant l'été.

(Source : RHC)
"""


@pytest.fixture(scope="module")
def article(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("article") / "budget.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


def request(article, voice, out, cache_dir, **changes) -> GenerateRequest:
    return GenerateRequest(articles=(article,), voice=str(voice), output=out, cache_dir=cache_dir, **changes)


def pyloudnorm_lufs(path: Path) -> float:
    """Integrated loudness of the decoded file, measured by pyloudnorm itself (not our vectorised meter)."""
    samples, rate = soundfile.read(path, dtype="float64")
    return pyloudnorm.Meter(rate).integrated_loudness(samples)


def test_produce_writes_the_bulletin_and_its_sidecars_in_process(tmp_path, article, tiny_voice_dir, cache_dir):
    out = tmp_path / "b.mp3"
    result = produce(request(article, tiny_voice_dir, out, cache_dir))
    assert result.output == out and out.is_file()
    assert result.duration_s == pytest.approx(MP3(out).info.length, abs=0.05)
    assert [s.role for s in result.script.segments][:2] == ["headline", "lead"]
    assert result.script.segments[-1].role == "source"
    for kind in ("vtt", "srt", "chapters", "script"):
        assert result.sidecars[kind].is_file(), kind
    assert abs(pyloudnorm_lufs(out) + 16.0) < 0.6
    again = produce(request(article, tiny_voice_dir, tmp_path / "again.mp3", cache_dir))
    assert (again.cache_hits, again.cache_misses) == (len(again.script.segments), 0)
    assert (tmp_path / "again.mp3").read_bytes() == out.read_bytes()


@pytest.mark.parametrize("preset, lufs", [("ebu-r128", -23.0), ("smart-speaker", -14.0)])
def test_loudness_presets_by_name(tmp_path, article, tiny_voice_dir, cache_dir, preset, lufs):
    target, ceiling = loudness_targets(preset)
    assert target == lufs
    out = tmp_path / f"{preset}.wav"
    produce(
        request(article, tiny_voice_dir, out, cache_dir, audio_format="wav", target_lufs=target, true_peak_db=ceiling)
    )
    assert abs(pyloudnorm_lufs(out) - lufs) < 0.6


def test_a_preset_value_can_be_overridden_and_an_unknown_preset_is_refused():
    assert loudness_targets("podcast", true_peak_db=-3.0) == (-16.0, -3.0)
    assert loudness_targets("atsc", loudness_lufs=-20.0) == (-20.0, -2.0)
    with pytest.raises(RequestError, match="unknown loudness preset 'loud'; use one of podcast"):
        loudness_targets("loud")


def body_gaps_s(script_json: Path) -> list[float]:
    """Silences between consecutive segments of the same body paragraph, as placed in the mix."""
    segments = json.loads(script_json.read_text(encoding="utf-8"))["segments"]
    return [
        after["start_s"] - before["end_s"]
        for before, after in zip(segments, segments[1:])
        if before["role"] == after["role"] == "body" and before["paragraph"] == after["paragraph"]
    ]


def test_pauses_after_a_role_are_what_was_asked(tmp_path, article, tiny_voice_dir, cache_dir):
    plain = produce(request(article, tiny_voice_dir, tmp_path / "plain.mp3", cache_dir, max_chars=60))
    slow = produce(
        request(
            article,
            tiny_voice_dir,
            tmp_path / "slow.mp3",
            cache_dir,
            max_chars=60,
            mix=MixSettings(pauses_ms=parse_pauses(["body=1500"])),
        )
    )
    plain_gaps, slow_gaps = body_gaps_s(plain.sidecars["script"]), body_gaps_s(slow.sidecars["script"])
    assert plain_gaps and len(plain_gaps) == len(slow_gaps)
    assert plain_gaps == pytest.approx([0.45] * len(plain_gaps), abs=0.002)
    assert slow_gaps == pytest.approx([1.5] * len(slow_gaps), abs=0.002)
    # each pause inside a paragraph grows by 1.05 s; a body segment ending a paragraph waits 1.5 s instead of 0.7 s
    ends = sum(1 for s in plain.script.segments[:-1] if s.role == "body") - len(plain_gaps)
    assert slow.duration_s - plain.duration_s == pytest.approx(1.05 * len(slow_gaps) + 0.8 * ends, abs=0.1)


@pytest.mark.parametrize(
    "items, message",
    [
        (["body"], "write ROLE=MS"),
        (["chorus=100"], "ROLE one of headline, lead, body, source"),
        (["body=-5"], "write ROLE=MS"),
        (["body=99999999999"], "a pause must be 0 to 10000 ms"),
    ],
)
def test_bad_pauses_are_refused_with_what_to_write(items, message):
    with pytest.raises(RequestError, match=message):
        parse_pauses(items)


@pytest.mark.parametrize(
    "changes, error, message",
    [
        ({"bitrate_kbps": 320}, RequestError, "--bitrate 320 kbps is out of range; use 64 to 192"),
        ({"target_lufs": -3.0}, RequestError, "--loudness -3 LUFS is out of range"),
        ({"true_peak_db": 1.0}, RequestError, "--true-peak 1 dBTP is out of range"),
        ({"audio_format": "aiff"}, RequestError, "unknown format 'aiff'"),
        ({"max_chars": 5}, RequestError, "--max-chars 5 is out of range"),
        ({"max_minutes": 0.5}, RequestError, "--max-minutes 0.5 min is out of range; use 1 to 600 min"),
        ({"articles": ()}, ArticleError, "no article given"),
        ({"output": Path("/nonexistent/dir/b.mp3")}, OutputError, "no such directory"),
    ],
)
def test_a_bad_request_raises_a_bulletin_error_before_any_work(
    tmp_path, article, tiny_voice_dir, changes, error, message
):
    values = {"articles": (article,), "voice": str(tiny_voice_dir), "output": tmp_path / "b.mp3", **changes}
    with pytest.raises(error, match=message) as raised:
        produce(GenerateRequest(cache_dir=tmp_path / "cache", **values))
    assert isinstance(raised.value, BulletinError)
    assert not (tmp_path / "cache").exists() and not (tmp_path / "b.mp3").exists()


def test_an_article_over_max_minutes_is_refused_before_any_model_loads(tmp_path, article, tiny_voice_dir, cache_dir):
    """The estimate (spoken characters / the voice's rate) is checked first: a broken checkpoint is never read."""
    from bulletin import defaults
    from bulletin.pipeline import spoken_script

    voice = tmp_path / "voice"
    voice.mkdir()
    (voice / "config.json").write_bytes((tiny_voice_dir / "config.json").read_bytes())
    (voice / "model.pth").write_bytes(b"not a checkpoint")  # loading it would fail with another error
    paragraph = "Le conseil municipal a voté mardi un budget de 12 millions d'euros pour les écoles de la ville."
    long = tmp_path / "long.txt"
    long.write_text("# Un très long conseil\n\n" + "\n\n".join([paragraph] * 200) + "\n", encoding="utf-8")
    out, cache = tmp_path / "b.mp3", tmp_path / "cache"
    with pytest.raises(RequestError) as raised:
        produce(request(long, voice, out, cache, max_minutes=5))
    message = str(raised.value)
    spoken_chars = sum(len(segment.text) for segment in spoken_script(long, str(tiny_voice_dir)).script.segments)
    expected_minutes = spoken_chars / defaults.CHARS_PER_S / 60
    assert expected_minutes > 20  # the whole article, though the refusal came after its first 5 minutes
    estimate = float(re.search(r"would make about ([\d,]+) minutes of speech", message).group(1).replace(",", ""))
    assert estimate == pytest.approx(expected_minutes, rel=0.1)
    assert "over the 5-minute limit" in message
    assert estimate <= int(re.search(r"raise the limit with --max-minutes (\d+) ", message).group(1)) <= estimate + 1
    assert "\n" not in message
    assert not out.exists() and not cache.exists()
    assert produce(request(article, tiny_voice_dir, out, cache_dir, max_minutes=1)).duration_s < 60  # under it: made


def test_deliver_publishes_when_no_check_is_asked(tmp_path, article, tiny_voice_dir, cache_dir):
    result = produce(request(article, tiny_voice_dir, tmp_path / "b.mp3", cache_dir))
    feed = tmp_path / "feed"
    feed.mkdir()
    config = tmp_path / "podcast.toml"
    channel = make_channel()
    config.write_text(
        "\n".join(f'{key} = "{getattr(channel, key)}"' for key in ("title", "description", "author", "owner_email"))
        + f'\nbase_url = "{channel.base_url}"\n',
        encoding="utf-8",
    )
    delivery = deliver(result, publish_dir=feed, feed_config=config)
    assert delivery.passed and delivery.report is None
    assert delivery.episode.status == "added"
    assert (feed / delivery.episode.files["audio"]).read_bytes() == result.output.read_bytes()


def test_deliver_never_publishes_a_bulletin_that_failed_its_check(tmp_path, article, tiny_voice_dir, cache_dir):
    """The tiny voice speaks noise: the recogniser hears nothing of the script, so nothing is published."""
    from bulletin.qa.listen import find_whisper_model

    find_whisper_model()  # assembled by .ci/run; a missing model is a failure, not a skip
    result = produce(request(article, tiny_voice_dir, tmp_path / "b.mp3", cache_dir))
    feed = tmp_path / "feed"
    delivery = deliver(result, check=True, max_wer=0.25, publish_dir=feed, feed_config=tmp_path / "absent.toml")
    assert delivery.report is not None and not delivery.report.passed and not delivery.passed
    assert delivery.report.overall_wer > 0.25
    assert delivery.episode is None and not feed.exists()


def test_the_public_api_is_importable_from_the_package():
    for name in bulletin.__all__:
        assert getattr(bulletin, name) is not None, name
    assert np.isclose(GenerateRequest(articles=()).target_lufs, -16.0)


def test_a_voice_kept_open_loads_its_model_once_across_bulletins(tmp_path, article, tiny_voice_dir):
    """What a batch worker does: one open voice, several bulletins, one model load."""
    from bulletin import open_request_voice

    second = tmp_path / "second.txt"
    second.write_text(ARTICLE.replace("Lyon", "Nantes").replace("12 millions", "8 millions"), encoding="utf-8")
    first = request(article, tiny_voice_dir, tmp_path / "a.mp3", tmp_path / "cache")
    voice = open_request_voice(first)
    results = [
        produce(first, voice=voice),
        produce(request(second, tiny_voice_dir, tmp_path / "b.mp3", tmp_path / "cache"), voice=voice),
    ]
    assert voice.loads == 1
    assert all(result.cache_misses > 0 for result in results)  # both really synthesised
    assert [MP3(result.output).info.length > 1 for result in results] == [True, True]


def test_produce_refuses_a_voice_other_than_the_one_asked(tmp_path, article, tiny_voice_dir):
    from bulletin import open_request_voice

    voice = open_request_voice(request(article, tiny_voice_dir, tmp_path / "a.mp3", tmp_path / "cache"))
    with pytest.raises(ValueError, match="the request asks for fr-css10"):
        produce(GenerateRequest(articles=(article,), output=tmp_path / "b.mp3"), voice=voice)


def test_editing_one_sentence_speaks_only_that_segment_again(tmp_path, article, tiny_voice_dir, cache_dir, monkeypatch):
    """Which segments the voice is asked to speak after an edit: exactly the one whose text changed."""
    from bulletin.engines.coqui import CoquiVoice
    from bulletin.pipeline import spoken_script

    produce(request(article, tiny_voice_dir, tmp_path / "before.mp3", cache_dir, max_chars=60))
    edited = tmp_path / "edited.txt"
    edited.write_text(ARTICLE.replace("La séance a duré quatre heures.", "La séance a duré cinq heures."), "utf-8")
    before = [s.text for s in spoken_script(article, str(tiny_voice_dir), max_chars=60).script.segments]
    after = [s.text for s in spoken_script(edited, str(tiny_voice_dir), max_chars=60).script.segments]
    assert len(before) == len(after) and sum(a != b for a, b in zip(before, after)) == 1
    spoken = []
    original = CoquiVoice.synthesize

    def recording(voice, text):
        spoken.append(text)
        return original(voice, text)

    monkeypatch.setattr(CoquiVoice, "synthesize", recording)
    result = produce(request(edited, tiny_voice_dir, tmp_path / "after.mp3", cache_dir, max_chars=60))
    changed = [a for a, b in zip(after, before) if a != b]
    assert spoken == changed and "cinq heures" in changed[0]
    assert (result.cache_misses, result.cache_hits) == (1, len(after) - 1)


def test_a_mix_shorter_than_its_parts_is_refused_and_nothing_is_written(
    tmp_path, article, tiny_voice_dir, cache_dir, monkeypatch
):
    """The quality gate between mixing and mastering: a mix that lost audio never reaches the listener."""
    from bulletin.audio import layout

    real = layout.Stitcher.finish

    def losing_a_second(self, *args, **kwargs):  # the stitched audio is a second short of its parts
        mix = real(self, *args, **kwargs)
        return dataclasses.replace(mix, speech_s=mix.speech_s + 1.0)

    monkeypatch.setattr(layout.Stitcher, "finish", losing_a_second)
    out = tmp_path / "b.mp3"
    with pytest.raises(AudioError, match=r"the mix lasts [\d.]+ s but its parts add up to [\d.]+ s"):
        produce(request(article, tiny_voice_dir, out, cache_dir, station="gate: mix"))  # its own render key
    assert list(tmp_path.iterdir()) == []


def test_an_encoded_file_shorter_than_the_mix_is_refused_and_removed(
    tmp_path, article, tiny_voice_dir, cache_dir, monkeypatch
):
    """The encoded-duration check: a file that decodes shorter than the master is deleted, with no sidecars."""
    from bulletin.audio import encode, master

    real = master.master_to_file

    def truncating(path, *args, **kwargs):
        real(path, *args, **kwargs)
        samples, rate = soundfile.read(path, dtype="float32")
        soundfile.write(path, samples[: samples.size // 2], rate, format="MP3")  # what a broken encoder leaves
        return encode.measure_file(path)

    monkeypatch.setattr(master, "master_to_file", truncating)
    out = tmp_path / "b.mp3"
    with pytest.raises(AudioError, match=r"the encoded file lasts [\d.]+ s instead of [\d.]+ s"):
        produce(request(article, tiny_voice_dir, out, cache_dir, station="gate: encode"))
    assert list(tmp_path.iterdir()) == []
