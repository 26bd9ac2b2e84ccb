"""Shared fixtures: the tiny random-weight Coqui voice (built once), the bundled example, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import EXAMPLE, SkipPolicy, build_test_voice, run_bulletin


def pytest_configure(config) -> None:
    """Under CI=true, fail the session on a skip that is not in helpers.ALLOWED_SKIPS (a missing tool or model)."""
    config.pluginmanager.register(SkipPolicy(), "bulletin-skip-policy")


@pytest.fixture(scope="session")
def tiny_voice_dir(tmp_path_factory) -> Path:
    """A random-weight Coqui VITS French model dir (model.pth + config.json), built with Coqui's classes."""
    return build_test_voice(tmp_path_factory.mktemp("voice") / "tiny", "tiny")


@pytest.fixture
def example_article() -> Path:
    """The bundled reference article."""
    return EXAMPLE


@pytest.fixture
def cli():
    """The run_bulletin helper."""
    return run_bulletin
