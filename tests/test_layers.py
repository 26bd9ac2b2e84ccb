"""The house: imports go one way (base -> text -> engines -> audio -> qa/publish -> pipeline -> front ends).

Every import in the package, at module level or inside a function, is read with ``ast``: a
lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import ROOT

PACKAGE = ROOT / "bulletin"

# Rank of each part of the package; a module may import only parts of lower or equal rank
# (equal: inside its own subpackage, or base modules among themselves).
LAYERS = {
    "base": 0,  # errors, defaults, files, config, locations, timecode, cache, assets
    "text": 1,
    "sources": 1,  # file | URL | RSS/Atom | stdin -> Article: beside text, never above it
    "engines": 2,
    "audio": 3,
    "qa": 4,
    "publish": 4,
    "pipeline": 5,
    "front": 6,  # cli and the front ends built on the pipeline: watch, studio, batch
}
BASE = {"errors", "defaults", "files", "config", "locations", "timecode", "cache", "assets", "voices", "__init__"}
FRONT = {"cli", "cli_options", "cli_feed", "cli_watch", "console", "__main__", "watch", "studio", "batch"}


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    """Return the layer of a ``bulletin.*`` module name."""
    parts = module.split(".")
    if len(parts) == 1:
        return "base"
    head = parts[1]
    if head in LAYERS and head not in ("base", "front"):
        return head
    if head in ("pipeline", "request", "newscast", "delivery"):
        return "pipeline"
    if head in FRONT:
        return "front"
    if head in BASE:
        return "base"
    raise AssertionError(f"{module}: not placed in a layer; add it to tests/test_layers.py")


def imports_of(path: Path) -> set[str]:
    """Return every bulletin module ``path`` imports (module level and inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "bulletin")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "bulletin":
            found.add(node.module)
            for alias in node.names:  # "from bulletin.audio import sidecars" imports a module
                candidate = f"{node.module}.{alias.name}"
                if (ROOT / Path(*candidate.split("."))).with_suffix(".py").is_file():
                    found.add(candidate)
    if path.name == "__init__.py" and path.parent == PACKAGE:
        found.discard("bulletin")
    return found


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {dep for dep in imports_of(path) if dep in MODULES and dep != name} for name, path in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    if module == "bulletin":  # the public API re-exports names lazily, by string: no import edges
        return
    mine = LAYERS[layer(module)]
    for dependency in GRAPH[module]:
        if dependency == "bulletin":
            continue
        theirs = LAYERS[layer(dependency)]
        assert theirs <= mine, f"{module} ({layer(module)}) imports {dependency} ({layer(dependency)})"
        if theirs == mine and layer(module) in ("qa", "publish", "text", "sources"):
            assert (
                layer(dependency) in (layer(module), "text")
                if layer(module) == "sources"
                else (layer(dependency) == layer(module))
            ), f"{module} imports {dependency}: siblings stay apart"


def test_nothing_imports_the_cli():
    importers = [name for name, deps in GRAPH.items() if "bulletin.cli" in deps and name != "bulletin.__main__"]
    assert importers == []


def test_there_is_no_import_cycle():
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dependency in sorted(GRAPH[node]):
            if state.get(dependency) == 1:
                cycle = path[path.index(dependency) :] + [dependency]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dependency not in state:
                visit(dependency)
        path.pop()
        state[node] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_the_checker_sees_a_lazy_upward_import(tmp_path):
    """The walk must see an import nested in a function (a lower layer reaching up lazily)."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from bulletin.publish.rss import xml_text\n    return xml_text\n")
    assert imports_of(sample) == {"bulletin.publish.rss"}
    assert LAYERS[layer("bulletin.text.normalize")] < LAYERS[layer("bulletin.publish.rss")]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_readable_in_one_sitting(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= 420, f"{module} has {lines} lines; split it by responsibility"
