"""Rules on the test suite itself: every CLI option is run by a test, and under CI only hardware may skip.

Like test_docs.py (every option documented), the options are enumerated from the typer app,
so a new option fails here until a test runs it through the command line. A test "runs"
an option when one test function (or one call or argument tuple) names both the command and
the option: ``cli("generate", ..., "--duck-db", "-20")``, ``runner.invoke(app, ["publish", ..., "--prune"])``,
or a helper named after the command called with it (``generate(work, voice, "--bed", bed)``,
``cli_publish(audio, "--prune")``). The test must then check the option's effect.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer

from bulletin.cli import app

from helpers import ALLOWED_SKIPS, ROOT

TESTS = ROOT / "tests"
COMMANDS = typer.main.get_command(app).commands
OPTIONS = sorted(
    (name, option)
    for name, command in COMMANDS.items()
    for param in command.params
    for option in getattr(param, "opts", [])
    if option.startswith("--")
)


def strings_in(node: ast.AST) -> set[str]:
    """Return the string constants inside ``node``, and the words of every helper it calls.

    ``cli_publish(audio, "--prune")`` counts as naming "publish"; ``generate(work, "--bed", bed)`` as "generate".
    """
    found = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            found.add(inner.value)
        elif isinstance(inner, ast.Call):
            name = inner.func.id if isinstance(inner.func, ast.Name) else getattr(inner.func, "attr", "")
            found.update(name.split("_"))
    return found


def command_lines_in_tests() -> list[set[str]]:
    """Return the strings of every test function (decorators included) and of every module-level call or tuple."""
    found = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.Call, ast.Tuple, ast.List)):
                found.append(strings_in(node))
    return found


LINES = command_lines_in_tests()


@pytest.mark.parametrize(("command", "option"), OPTIONS)
def test_every_option_is_run_by_a_test(command, option):
    """A test must pass ``option`` to ``command`` through the CLI (and check its effect)."""
    assert any({command, option} <= strings for strings in LINES), (
        f"no test runs `bulletin {command} {option}`: add a CLI-level test that fails if it is ignored"
    )


def test_the_option_scan_sees_calls_argument_tuples_and_test_functions():
    source = (
        'cli("generate", a, "--bed")\nARGS = ("publish", x, "--prune")\ncli_check(audio, "--script", s)\n'
        'def test_x():\n    base = ("serve", d)\n    run(*base, "--host", "127.0.0.2")\n'
    )
    tree = ast.parse(source)
    nodes = (ast.FunctionDef, ast.Call, ast.Tuple, ast.List)
    lines = [strings_in(node) for node in ast.walk(tree) if isinstance(node, nodes)]
    for command, option in [("generate", "--bed"), ("publish", "--prune"), ("check", "--script"), ("serve", "--host")]:
        assert any({command, option} <= strings for strings in lines), (command, option)
    assert not any({"generate", "--prune"} <= strings for strings in lines)
    assert ("voices", "--json") in OPTIONS and ("generate", "--duck-db") in OPTIONS


def run_inner_suite(tmp_path: Path, test_body: str, ci: str) -> subprocess.CompletedProcess:
    """Run a one-test suite with the project's skip policy (helpers.SkipPolicy) under CI=``ci``."""
    (tmp_path / "conftest.py").write_text(
        textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {str(TESTS)!r})
            from helpers import SkipPolicy

            def pytest_configure(config):
                config.pluginmanager.register(SkipPolicy(), "bulletin-skip-policy")
        """),
        encoding="utf-8",
    )
    (tmp_path / "test_inner.py").write_text("import pytest\n\n\ndef test_it():\n" + test_body, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(tmp_path)],
        cwd=tmp_path,
        env={**env, "CI": ci},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("reason", ALLOWED_SKIPS)
def test_under_ci_a_hardware_skip_is_allowed(tmp_path, reason):
    result = run_inner_suite(tmp_path, f"    pytest.skip({reason + ': details'!r})\n", ci="true")
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout


def test_under_ci_a_missing_tool_skip_fails_the_session(tmp_path):
    result = run_inner_suite(tmp_path, "    pytest.skip('chromium is not installed')\n", ci="true")
    assert result.returncode == 1, result.stdout
    assert "unexpected skips" in result.stdout and "test_inner.py::test_it: chromium is not installed" in result.stdout
    outside = run_inner_suite(tmp_path, "    pytest.skip('chromium is not installed')\n", ci="")
    assert outside.returncode == 0 and "1 skipped" in outside.stdout  # a developer machine may lack tools


def test_under_ci_importorskip_and_skip_markers_fail_too(tmp_path):
    body = "    pytest.importorskip('a_module_that_is_not_there')\n"
    assert run_inner_suite(tmp_path, body, ci="true").returncode == 1
    (tmp_path / "test_marked.py").write_text(
        "import pytest\n\n\n@pytest.mark.skipif(True, reason='no npm')\ndef test_marked():\n    pass\n"
    )
    result = run_inner_suite(tmp_path, "    pass\n", ci="true")
    assert result.returncode == 1 and "test_marked.py::test_marked: no npm" in result.stdout


def test_kokoro_assets_or_skip_fails_under_ci(tmp_path, monkeypatch):
    from bulletin import locations

    from helpers import kokoro_assets_or_skip

    monkeypatch.setattr(locations, "data_dirs", lambda: [tmp_path])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Kokoro assets not found.*CI=true"):
        kokoro_assets_or_skip()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="Kokoro assets not found"):
        kokoro_assets_or_skip()


def test_ci_runs_with_ci_set_and_installs_the_test_tools():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "export CI=true" in script
    assert "assemble_assets.py" in script and "chromium" in script


@pytest.mark.parametrize("path", ["test-artifacts/serve-index.png", "mutants/bulletin/cli.py"])
def test_test_artifacts_stay_out_of_the_tracked_files(path):
    """Screenshots go to temp dirs; the artifacts folder and mutmut's copy of the project are git-ignored."""
    assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0, path
