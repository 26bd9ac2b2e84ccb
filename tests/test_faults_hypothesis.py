"""The acceptance property of issue 13: any article through `bulletin generate` with the tiny voice is
either a valid MP3 with consistent sidecars, or one line on stderr with a non-zero exit; and nothing
else is left in the output directory."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.mp3 import MP3

from bulletin.audio.sidecars import sidecar_paths
from bulletin.files import sha256_file

from helpers import run_bulletin

SIDECAR_NAMES = tuple(path.name for path in sidecar_paths(Path("b.mp3")).values())
# Article-shaped Unicode (a title line, a blank line, a paragraph, sometimes more), and raw bytes.
unicode_articles = st.builds(
    lambda title, body, more: f"{title}\n\n{body}\n" + (f"\n{more}\n" if more else ""),
    st.text(min_size=1, max_size=50),
    st.text(min_size=1, max_size=160),
    st.text(max_size=60),
).map(str.encode)
byte_articles = st.binary(max_size=300)

examples = settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def run_once(data: bytes, voice: Path, cache: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="bulletin-hypothesis-"))
    try:
        article = work / "article.txt"
        article.write_bytes(data)
        out = work / "out"
        out.mkdir()
        result = run_bulletin("generate", article, "--voice", voice, "-o", out / "b.mp3", "--cache-dir", cache)
        left = sorted(path.name for path in out.iterdir())
        if result.returncode == 0:
            assert left == sorted(["b.mp3", *SIDECAR_NAMES]), left
            info = MP3(out / "b.mp3").info
            assert info.length > 0.5 and info.sample_rate == 44100
            sha = sha256_file(out / "b.mp3")
            script = json.loads((out / "b.script.json").read_text(encoding="utf-8"))
            chapters = json.loads((out / "b.chapters.json").read_text(encoding="utf-8"))
            assert script["audio_sha256"] == sha and chapters["audio_sha256"] == sha
            assert script["segments"] and script["segments"][-1]["end_s"] <= info.length
        else:
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
            assert left == [], left
    finally:
        shutil.rmtree(work, ignore_errors=True)


@examples
@given(data=unicode_articles)
def test_any_unicode_article_is_a_consistent_bulletin_or_one_line(data, tiny_voice_dir, tmp_path_factory):
    run_once(data, tiny_voice_dir, tmp_path_factory.getbasetemp() / "hypothesis-cache")


@examples
@given(data=byte_articles)
def test_any_bytes_are_a_consistent_bulletin_or_one_line(data, tiny_voice_dir, tmp_path_factory):
    run_once(data, tiny_voice_dir, tmp_path_factory.getbasetemp() / "hypothesis-cache")
