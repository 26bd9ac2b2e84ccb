"""`bulletin generate`'s options through the real command line: each test fails if its option is ignored.

One short article, the tiny Coqui voice and one segment cache for the module: the first run
synthesises, the others reuse the segments and only mix, master and encode again. Every
expectation comes from the option's value or from an independent reading of the files
(mutagen, soundfile, ffmpeg, feedparser), never from the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import feedparser
import numpy as np
import pytest
import soundfile
from mutagen.id3 import ID3

from bulletin.assets import jingle_path

from helpers import ROOT, ffmpeg_loudness, make_channel, run_bulletin

ARTICLE = """# Le budget est voté

Lyon, 3 mars (RHC) Le conseil a voté le budget. La séance a duré deux heures.

Le maire a salué ce vote. Il promet des pistes cyclables.

(Source : RHC)
"""
SECOND = "Météo du jour\n\nIl fera beau.\n"
MAX_CHARS = "40"  # the smallest limit: every paragraph has two segments or more


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """The module's directory: the two articles and the shared segment cache."""
    directory = tmp_path_factory.mktemp("generate-options")
    (directory / "budget.txt").write_text(ARTICLE, encoding="utf-8")
    (directory / "meteo.txt").write_text(SECOND, encoding="utf-8")
    return directory


def generate(work, voice, name: str, *options, articles=("budget.txt",), expect: int = 0):
    """Run `bulletin generate` on the module's article(s) into work/NAME.mp3; return (result, summary or None)."""
    out = work / f"{name}.mp3"
    result = run_bulletin(
        "generate",
        *(work / article for article in articles),
        "--voice",
        voice,
        "-o",
        out,
        "--cache-dir",
        work / "cache",
        "--max-chars",
        MAX_CHARS,
        "--json",
        *options,
    )
    assert result.returncode == expect, result.stderr
    return result, (json.loads(result.stdout) if result.returncode == 0 else None)


def segments_of(path) -> list[dict]:
    """Return the segments of a bulletin's .script.json sidecar."""
    return json.loads(path.with_suffix(".script.json").read_text(encoding="utf-8"))["segments"]


def chapter_titles(path) -> list[str]:
    """Return the ID3 chapter titles of an MP3, in time order."""
    return [str(c.sub_frames["TIT2"]) for c in sorted(ID3(path).getall("CHAP"), key=lambda c: c.start_time)]


@pytest.fixture(scope="module")
def plain(work, tiny_voice_dir):
    """The article with every default (the first run: it fills the cache)."""
    _, summary = generate(work, tiny_voice_dir, "plain")
    return summary


def test_max_chars_bounds_every_segment(plain, work):
    segments = segments_of(work / "plain.mp3")
    assert all(len(s["text"]) <= int(MAX_CHARS) for s in segments), [s["text"] for s in segments]
    lead = [s for s in segments if s["paragraph"] == 0]
    assert len(lead) >= 3  # "Lyon, trois mars. Le conseil a voté le budget. ..." is 77 characters spoken


def test_no_jingles_leaves_only_the_speech(plain, work, tiny_voice_dir):
    _, summary = generate(work, tiny_voice_dir, "bare", "--no-jingles")
    segments = segments_of(work / "bare.mp3")
    assert segments[0]["start_s"] == 0.0  # no intro before the headline
    info = soundfile.info(str(work / "bare.mp3"))
    assert info.duration == pytest.approx(segments[-1]["end_s"], abs=0.06)  # no outro after the source line
    assert summary["jingles_s"] == 0
    titles = chapter_titles(work / "bare.mp3")
    assert "Générique" not in titles and "Fin" not in titles
    with_jingles = chapter_titles(work / "plain.mp3")
    assert with_jingles[0] == "Générique" and with_jingles[-1] == "Fin"
    intro_s = soundfile.info(str(jingle_path("intro"))).duration
    assert segments_of(work / "plain.mp3")[0]["start_s"] > intro_s


def gaps_s(segments: list[dict]) -> list[tuple[str, bool, float]]:
    """Return (role before, same paragraph and role, silence) between consecutive segments."""
    return [
        (a["role"], a["role"] == b["role"] and a["paragraph"] == b["paragraph"], b["start_s"] - a["end_s"])
        for a, b in zip(segments, segments[1:])
    ]


def test_pause_sets_the_silence_after_a_role(plain, work, tiny_voice_dir):
    generate(work, tiny_voice_dir, "slow", "--pause", "body=1500", "--pause", "headline=1200")
    gaps = gaps_s(segments_of(work / "slow.mp3"))
    inside_body = [gap for role, same, gap in gaps if role == "body" and same]
    assert inside_body and inside_body == pytest.approx([1.5] * len(inside_body), abs=0.011)
    after_headline = [gap for role, _, gap in gaps if role == "headline"]
    assert after_headline == pytest.approx([1.2], abs=0.011)
    plain_inside_body = [gap for role, same, gap in gaps_s(segments_of(work / "plain.mp3")) if role == "body" and same]
    assert all(gap < 1.0 for gap in plain_inside_body)  # the default is shorter: the option made the difference


def test_a_bad_pause_is_one_line_and_nothing_is_written(work, tiny_voice_dir):
    result, _ = generate(work, tiny_voice_dir, "badpause", "--pause", "chorus=100", expect=1)
    assert result.stderr.count("\n") == 1 and "--pause 'chorus=100'" in result.stderr
    assert not (work / "badpause.mp3").exists()


def tone_level_db(samples: np.ndarray, rate: int, start_s: float, end_s: float, freq_hz: float) -> float:
    """Return the level (dB re full scale amplitude) of a ``freq_hz`` sine in samples[start_s:end_s] (least squares)."""
    part = samples[int(start_s * rate) : int(end_s * rate)].astype(np.float64)
    t = np.arange(part.size) / rate
    basis = np.stack([np.sin(2 * np.pi * freq_hz * t), np.cos(2 * np.pi * freq_hz * t)], axis=1)
    (a, b), *_ = np.linalg.lstsq(basis, part, rcond=None)
    return 20 * np.log10(max(np.hypot(a, b), 1e-12))


def ducking_db(path, freq_hz: float) -> float:
    """Return how much quieter the bed tone is under speech than in the longest pause of ``path``."""
    samples, rate = soundfile.read(path, dtype="float32")
    segments = segments_of(path)
    under = np.mean([tone_level_db(samples, rate, s["start_s"] + 0.2, s["end_s"] - 0.2, freq_hz) for s in segments])
    before, after = max(zip(segments, segments[1:]), key=lambda pair: pair[1]["start_s"] - pair[0]["end_s"])
    # past the 500 ms release after speech, before the 120 ms attack of the next segment
    gap = tone_level_db(samples, rate, before["end_s"] + 0.55, after["start_s"] - 0.15, freq_hz)
    return under - gap


@pytest.fixture(scope="module")
def bed(work):
    """A 330 Hz tone, 3 s, as a WAV music bed."""
    path = work / "bed.wav"
    t = np.arange(3 * 44100) / 44100
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), 44100)
    return path


def test_bed_plays_under_the_speech_and_duck_db_sets_its_dip(plain, work, tiny_voice_dir, bed):
    generate(work, tiny_voice_dir, "flat", "--bed", bed, "--duck-db", "0", "--pause", "body=1500")
    generate(work, tiny_voice_dir, "ducked", "--bed", bed, "--duck-db", "-20", "--pause", "body=1500")
    samples, rate = soundfile.read(work / "flat.mp3", dtype="float32")
    segments = segments_of(work / "flat.mp3")
    first_gap = (segments[0]["end_s"] + 0.1, segments[1]["start_s"] - 0.1)
    assert tone_level_db(samples, rate, *first_gap, 330) > -40  # the bed sounds in the pauses
    quiet, rate = soundfile.read(work / "plain.mp3", dtype="float32")
    assert tone_level_db(quiet, rate, *first_gap, 330) < -70  # without --bed the pauses are silent
    assert ducking_db(work / "flat.mp3", 330) == pytest.approx(0.0, abs=2.0)
    assert ducking_db(work / "ducked.mp3", 330) == pytest.approx(-20.0, abs=3.0)


def test_duck_db_out_of_range_is_refused_in_one_line(work, tiny_voice_dir, bed):
    result, _ = generate(work, tiny_voice_dir, "loud-bed", "--bed", bed, "--duck-db", "6", expect=2)
    assert result.stderr.strip() == (
        "error: Invalid value for '--duck-db': Input should be less than or equal to 0; use -60 to 0 "
        "(see python -m bulletin generate --help)"
    )
    assert not (work / "loud-bed.mp3").exists()


def story_gap_s(path) -> float:
    """Return the time between the last segment of the first story and the first of the second."""
    segments = segments_of(path)
    second = next(i for i, s in enumerate(segments) if s["role"] == "headline" and i > 0)
    return segments[second]["start_s"] - segments[second - 1]["end_s"]


def test_stinger_plays_between_stories(plain, work, tiny_voice_dir):
    stinger = work / "stinger.wav"
    t = np.arange(int(2.5 * 44100)) / 44100
    soundfile.write(stinger, (0.3 * np.sin(2 * np.pi * 550 * t)).astype(np.float32), 44100)
    articles = ("budget.txt", "meteo.txt")
    generate(work, tiny_voice_dir, "bundled-stinger", articles=articles)
    generate(work, tiny_voice_dir, "own-stinger", "--stinger", stinger, articles=articles)
    bundled_s = soundfile.info(str(jingle_path("stinger"))).duration
    assert story_gap_s(work / "own-stinger.mp3") - story_gap_s(work / "bundled-stinger.mp3") == pytest.approx(
        2.5 - bundled_s, abs=0.02
    )
    assert chapter_titles(work / "own-stinger.mp3") == ["Générique", "Le budget est voté", "Météo du jour", "Fin"]


def test_artwork_is_the_cover_and_a_non_image_is_refused(plain, work, tiny_voice_dir):
    import imageio_ffmpeg

    cover = work / "cover.jpg"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64"]
        + ["-frames:v", "1", str(cover)],
        check=True,
    )
    generate(work, tiny_voice_dir, "covered", "--artwork", cover)
    (picture,) = ID3(work / "covered.mp3").getall("APIC")
    assert picture.mime == "image/jpeg" and picture.data == cover.read_bytes()
    not_image = work / "cover.txt"
    not_image.write_text("pas une image", encoding="utf-8")
    result, _ = generate(work, tiny_voice_dir, "uncovered", "--artwork", not_image, expect=1)
    assert result.stderr.count("\n") == 1 and "must be a PNG or JPEG" in result.stderr
    assert not (work / "uncovered.mp3").exists()


def test_lexicon_changes_what_is_said(plain, work, tiny_voice_dir):
    lexicon = work / "lexicon.toml"
    lexicon.write_text('"maire" = "mèrre"\n', encoding="utf-8")
    generate(work, tiny_voice_dir, "lexicon", "--lexicon", lexicon)
    said = " ".join(s["text"] for s in segments_of(work / "lexicon.mp3"))
    assert "Le mèrre a salué ce vote." in said and "maire" not in said
    assert "Le maire a salué ce vote." in " ".join(s["text"] for s in segments_of(work / "plain.mp3"))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--bitrate", "320", "less than or equal to 192; use 64 to 192"),
        ("--bitrate", "32", "greater than or equal to 64; use 64 to 192"),
        ("--loudness", "-3", "less than or equal to -5; use -40 to -5"),
        ("--loudness", "-50", "greater than or equal to -40; use -40 to -5"),
        ("--true-peak", "1", "less than or equal to 0; use -10 to 0"),
        ("--loudness-preset", "loud", "'loud' is not one of 'podcast', 'ebu-r128', 'atsc', 'smart-speaker'"),
        ("--format", "aiff", "'aiff' is not one of 'mp3', 'wav', 'flac', 'ogg'"),
    ],
)
def test_out_of_range_master_settings_are_one_line_before_any_work(work, tiny_voice_dir, option, value, message):
    """A usage error (exit 2) naming the option, what is wrong and the allowed values; nothing written."""
    result, _ = generate(work, tiny_voice_dir, "refused", option, value, expect=2)
    line = result.stderr.strip()
    assert line.startswith(f"error: Invalid value for '{option}'") and result.stderr.count("\n") == 1, result.stderr
    assert message in line and line.endswith("(see python -m bulletin generate --help)"), line
    assert not (work / "refused.mp3").exists()


@pytest.mark.parametrize(("option", "value"), [("--max-chars", "10"), ("--overlap-ms", "9000"), ("--threads", "0")])
def test_values_outside_the_option_range_are_usage_errors(work, tiny_voice_dir, option, value):
    result, _ = generate(work, tiny_voice_dir, "usage", option, value, expect=2)
    assert option in result.stderr and "Traceback" not in result.stderr


def test_unreachable_loudness_is_one_line_and_nothing_is_written(plain, work, tiny_voice_dir):
    result, _ = generate(work, tiny_voice_dir, "hot", "--loudness", "-5", "--true-peak", "-9", expect=1)
    assert result.stderr.count("\n") == 1
    assert "cannot reach -5.0 LUFS under a -9.0 dBTP ceiling" in result.stderr
    assert not list(work.glob("hot*"))


def test_loudness_and_true_peak_override_the_preset(plain, work, tiny_voice_dir):
    generate(work, tiny_voice_dir, "quiet", "--loudness-preset", "ebu-r128", "--loudness", "-30", "--true-peak", "-6")
    integrated, peak = ffmpeg_loudness(work / "quiet.mp3")
    assert integrated == pytest.approx(-30.0, abs=0.5) and peak <= -6.0


def channel_config(work):
    """Write a complete channel TOML for --feed-config; return its path."""
    channel = make_channel()
    path = work / "channel.toml"
    keys = ("title", "description", "author", "owner_email", "base_url")
    path.write_text("".join(f'{key} = "{getattr(channel, key)}"\n' for key in keys), encoding="utf-8")
    return path


def test_publish_after_generate_puts_the_bulletin_in_the_feed(plain, work, tiny_voice_dir):
    feed = work / "feed"
    _, summary = generate(work, tiny_voice_dir, "published", "--publish", feed, "--feed-config", channel_config(work))
    parsed = feedparser.parse(str(feed / "feed.xml"))
    assert not parsed.bozo and [entry.title for entry in parsed.entries] == ["Le budget est voté"]
    (enclosure,) = parsed.entries[0].enclosures
    assert int(enclosure.length) == (work / "published.mp3").stat().st_size
    assert enclosure.href == summary["published"]["audio_url"]
    assert enclosure.href.startswith(make_channel().base_url)
    assert (feed / "episodes" / "published.mp3").read_bytes() == (work / "published.mp3").read_bytes()


def test_publish_without_a_channel_config_is_one_line(plain, work, tiny_voice_dir):
    feed = work / "nofeed"
    result, _ = generate(
        work, tiny_voice_dir, "unpublished", "--publish", feed, "--feed-config", work / "absent.toml", expect=1
    )
    assert result.stderr.count("\n") == 1 and "absent.toml" in result.stderr
    assert not (feed / "feed.xml").exists()


def test_check_then_publish_never_publishes_a_bulletin_that_failed(plain, work, tiny_voice_dir):
    """The tiny voice speaks noise: the listen-back fails, so --publish must not publish it (exit 1)."""
    from bulletin.qa.listen import find_whisper_model

    find_whisper_model()  # assembled by .ci/run; a missing model is a failure, not a skip
    (work / "brief.txt").write_text("Titre court\n\nUn seul mot.\n", encoding="utf-8")  # little to listen to
    feed = work / "checked-feed"
    result, _ = generate(
        work,
        tiny_voice_dir,
        "checked",
        "--check",
        "--max-wer",
        "0.37",
        "--publish",
        feed,
        "--feed-config",
        channel_config(work),
        articles=("brief.txt",),
        expect=1,
    )
    report = json.loads(result.stdout)["check"]
    assert report["max_wer"] == 0.37 and not report["passed"]  # the limit given, not the default 0.25
    (line,) = result.stderr.strip().splitlines()
    assert "(limit 0.37)" in line and line.endswith("not published")
    assert "published" not in json.loads(result.stdout)
    assert not (feed / "feed.xml").exists() and not (feed / "episodes").exists()
    assert (work / "checked.mp3").is_file()  # the bulletin itself was made; only publishing is withheld


def run_with_torch_report(*args) -> subprocess.CompletedProcess:
    """Run the CLI in a process that prints torch's thread count, at exit, as its last stderr line."""
    code = (
        "import atexit, sys, torch\n"
        "default = torch.get_num_threads()\n"
        "atexit.register(lambda: print(f'threads {default} {torch.get_num_threads()}', file=sys.stderr))\n"
        "from bulletin.cli import main\n"
        "sys.argv = ['bulletin', *sys.argv[1:]]\n"
        "main()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_threads_and_engine_reach_the_voice(work, tiny_voice_dir):
    """A cold run with --engine torch --threads 7 uses 7 torch threads and exports nothing; --engine onnx exports."""
    short = work / "short.txt"
    short.write_text("Titre court\n\nUn seul mot.\n", encoding="utf-8")
    torch_cache = work / "torch-cache"
    result = run_with_torch_report(
        "generate", short, "--voice", tiny_voice_dir, "-o", work / "t.mp3", "--cache-dir", torch_cache,
        "--engine", "torch", "--threads", "7",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    default, used = map(int, result.stderr.strip().splitlines()[-1].split()[1:])
    assert default != 7 and used == 7
    assert not list(torch_cache.rglob("*.onnx"))
    onnx_cache = work / "onnx-cache"
    result = run_bulletin(
        "generate", short, "--voice", tiny_voice_dir, "--output", work / "o.mp3", "--cache-dir", onnx_cache,
        "--engine", "onnx", "--threads", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (work / "o.mp3").is_file() and (work / "o.script.json").is_file()  # --output, the long form of -o
    assert len(list((onnx_cache / "onnx").glob("vits-*.onnx"))) == 1
    unknown = run_bulletin("generate", short, "--voice", tiny_voice_dir, "-o", work / "u.mp3", "--engine", "tensorrt")
    assert unknown.returncode == 2 and unknown.stderr.count("\n") == 1
    assert "'tensorrt' is not one of 'bf16', 'torch', 'onnx'" in unknown.stderr
