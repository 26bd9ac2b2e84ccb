"""Where bulletin looks for model files and keeps its caches.

Model files (Kokoro, Whisper) live in a *data directory*. ``data_dirs()`` lists where
they are looked for, in this order; the first directory that holds a file wins:

1. ``$BULLETIN_DATA_DIR`` when set;
2. the user data directory for "bulletin" (platformdirs: ``~/.local/share/bulletin`` on Linux);
3. ``.assets/`` of the source checkout this package runs from, then ``.assets/`` in the
   current directory (what ``python scripts/assemble_assets.py`` fills), when present.

The cache (segments, renders, ONNX exports) is ``$BULLETIN_CACHE_DIR`` or the platform
user cache dir.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dirs() -> list[Path]:
    """Return the directories searched for model files, in lookup order (see the module doc)."""
    from platformdirs import user_data_dir

    found: list[Path] = []
    if os.environ.get("BULLETIN_DATA_DIR"):
        found.append(Path(os.environ["BULLETIN_DATA_DIR"]).expanduser())
    found.append(Path(user_data_dir("bulletin", appauthor=False)))
    for checkout in (Path(__file__).resolve().parent.parent, Path.cwd()):
        if (checkout / ".assets").is_dir():
            found.append(checkout / ".assets")
    unique: list[Path] = []
    for directory in found:
        if directory.resolve() not in [d.resolve() for d in unique]:
            unique.append(directory)
    return unique


def find_data_file(relative: str) -> Path | None:
    """Return the first ``data_dir/relative`` that exists, or None."""
    for directory in data_dirs():
        if (directory / relative).exists():
            return directory / relative
    return None


def default_cache_dir() -> Path:
    """Return the cache directory: BULLETIN_CACHE_DIR or the platform user cache dir."""
    if os.environ.get("BULLETIN_CACHE_DIR"):
        return Path(os.environ["BULLETIN_CACHE_DIR"]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("bulletin", appauthor=False))
