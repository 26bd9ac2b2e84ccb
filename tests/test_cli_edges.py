"""The command line's edges, as a new user meets them: offline default voice, help texts, errors as JSON."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import EXAMPLE, ROOT


def test_default_voice_offline_is_one_whole_line_naming_the_model_and_the_ways_out(tmp_path):
    """fr-css10 not downloaded, no network: no Coqui/requests traceback, one line that is not cut."""
    env = dict(
        os.environ,
        TTS_HOME=str(tmp_path / "tts-home"),  # an empty model home
        HTTPS_PROXY="http://127.0.0.1:9",  # nothing listens there: the download fails at once, for real
        HTTP_PROXY="http://127.0.0.1:9",
        NO_PROXY="",
        HF_HUB_OFFLINE="1",
    )
    env.pop("BULLETIN_OFFLINE", None)
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "generate", str(EXAMPLE), "-o", str(tmp_path / "b.mp3")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # Coqui's own download has no timeout: a hang fails here instead of stalling the suite
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "urllib3" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and len(result.stderr.strip().splitlines()) <= 2, result.stderr
    line = errors[0]
    assert "tts_models/fr/css10/vits" in line and "github.com" in line
    assert "--voice fr-siwis" in line and "--voice DIR" in line
    assert line.rstrip().endswith("directory")  # whole, not cut mid-word
    assert not (tmp_path / "b.mp3").exists()
    assert not any((tmp_path / "tts-home").rglob("*.pth"))  # nothing half-downloaded kept
