"""Hear it for real: the example article spoken by the Kokoro voice, then heard back by Whisper.

Runs the real CLI end to end (`generate --voice fr-siwis --check`, `check`); skips with the
reason only when scripts/assemble_assets.py has not assembled the models (and fails under CI).
"""

from __future__ import annotations

import json

import pytest
import soundfile

from helpers import kokoro_assets_or_skip, whisper_or_skip


@pytest.fixture(scope="module")
def kokoro_bulletin(tmp_path_factory):
    """The bundled example generated with fr-siwis and checked by listening back (one run, ~2 min)."""
    from helpers import EXAMPLE, run_bulletin

    kokoro_assets_or_skip()
    whisper_or_skip()
    work = tmp_path_factory.mktemp("kokoro")
    out = work / "siwis.mp3"
    result = run_bulletin(
        "generate", EXAMPLE, "--voice", "fr-siwis", "-o", out, "--cache-dir", work / "cache", "--check", "--json"
    )
    return result, out


def test_kokoro_bulletin_is_understood(kokoro_bulletin):
    result, out = kokoro_bulletin
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["dropped_characters"] == 0
    assert abs(summary["loudness_lufs"] + 16) <= 0.5 and summary["true_peak_db"] <= -1.0  # real speech, decoded
    assert summary["check"]["overall_wer"] <= 0.12, summary["check"]
    assert not [row for row in summary["check"]["segments"] if row["flagged"]]
    assert out.is_file() and summary["duration_s"] > 120


def test_check_flags_a_reversed_segment(kokoro_bulletin, tmp_path, cli):
    _, out = kokoro_bulletin
    script = json.loads(out.with_name("siwis.script.json").read_text(encoding="utf-8"))
    samples, rate = soundfile.read(out, dtype="float32")
    target = max(
        range(len(script["segments"])), key=lambda i: script["segments"][i]["end_s"] - script["segments"][i]["start_s"]
    )
    segment = script["segments"][target]
    start, end = int(segment["start_s"] * rate), int(segment["end_s"] * rate)
    samples[start:end] = samples[start:end][::-1].copy()  # same sound, reversed: unintelligible
    broken = tmp_path / "broken.mp3"
    soundfile.write(broken, samples, rate, format="MP3", subtype="MPEG_LAYER_III")
    del script["audio_sha256"]  # a script made by hand for the edited audio records no checksum
    (tmp_path / "broken.script.json").write_text(json.dumps(script), encoding="utf-8")
    result = cli("check", broken, "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [row["index"] for row in report["segments"] if row["flagged"]] == [target]
    assert not report["passed"]
    text = cli("check", broken)
    assert text.returncode == 1 and f"[{target + 1:02d} " in text.stdout and "heard:" in text.stdout


def test_check_of_a_missing_file_is_one_line(cli, tmp_path):
    result = cli("check", tmp_path / "absent.mp3")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "no such audio file" in result.stderr


def test_check_script_and_max_wer_options(kokoro_bulletin, tmp_path, cli):
    """--script finds the script elsewhere than beside the audio; --max-wer sets the limit the report applies."""
    result, out = kokoro_bulletin
    heard = json.loads(result.stdout)["check"]
    assert heard["passed"] and heard["overall_wer"] > 0  # passes at the default 0.25, so only the limit can fail it
    alone = tmp_path / "alone.mp3"
    alone.write_bytes(out.read_bytes())  # no sidecars beside this copy
    missing = cli("check", alone)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1 and "alone.script.json" in missing.stderr
    strict = cli("check", alone, "--script", out.with_name("siwis.script.json"), "--max-wer", "0.0", "--json")
    assert strict.returncode == 1, strict.stderr
    report = json.loads(strict.stdout)
    assert report["max_wer"] == 0.0 and not report["passed"]
    assert report["overall_wer"] == pytest.approx(heard["overall_wer"], abs=0.02)
    assert len(report["segments"]) == len(heard["segments"])
