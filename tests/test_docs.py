"""The README documents every command and every option (and its quick start stays two commands)."""

from __future__ import annotations

import re

import pytest
import typer

from bulletin.cli import app

from helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = typer.main.get_command(app).commands


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_is_documented(name):
    assert f"### `bulletin {name}" in README


@pytest.mark.parametrize(
    ("name", "option"),
    sorted(
        (name, option)
        for name, command in COMMANDS.items()
        for param in command.params
        for option in getattr(param, "opts", [])
        if option.startswith("--")
    ),
)
def test_every_option_is_documented(name, option):
    section = README.split(f"### `bulletin {name}", 1)[1].split("\n### ", 1)[0]
    assert f"`{option}" in section or f"{option}`" in section or f" {option} " in section, f"{name} {option}"


def test_quick_start_is_two_commands_and_ci_runs_the_readme_test_command():
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick_start, re.DOTALL).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "bulletin generate examples/rhc-kazakhstan.txt" in commands[0]
    test_command = re.search(r"The test command.*?```bash\n(.*?)\n```", README, re.DOTALL).group(1).strip()
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
