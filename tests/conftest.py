"""Shared fixtures: the tiny random-weight Coqui voice (built once), the bundled example, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "rhc-kazakhstan.txt"


@pytest.fixture(scope="session")
def tiny_voice_dir(tmp_path_factory) -> Path:
    """A random-weight Coqui VITS French model dir (model.pth + config.json), built with Coqui's classes."""
    from bulletin.testvoice import build_test_voice

    return build_test_voice(tmp_path_factory.mktemp("voice") / "tiny", "tiny")


@pytest.fixture
def example_article() -> Path:
    """The bundled reference article."""
    return EXAMPLE


def run_bulletin(
    *args: str, cwd: Path | None = None, env: dict | None = None, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run the real command line (``python -m bulletin``) and capture its output."""
    environment = dict(os.environ, **(env or {}))
    environment.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "bulletin", *map(str, args)],
        cwd=cwd or ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def cli():
    """The run_bulletin helper."""
    return run_bulletin
