"""Where a watcher keeps its state and work files, and the lock that keeps two watchers off one drop file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from bulletin.errors import OutputError
from bulletin.files import slugify


def default_state_dir() -> Path:
    """Return BULLETIN_STATE_DIR, else the platform user state dir for bulletin (``~/.local/state/bulletin``)."""
    if os.environ.get("BULLETIN_STATE_DIR"):
        return Path(os.environ["BULLETIN_STATE_DIR"]).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("bulletin", appauthor=False))


def state_paths(drop_dir: Path, name: str, state_dir: Path | None = None) -> tuple[Path, Path]:
    """Return (state JSON, work directory) of the watcher delivering ``drop_dir/name``.

    Kept out of the drop folder, which a playout system scans for audio: only finished files go there.
    """
    target = (Path(drop_dir) / name).resolve()
    tag = f"{slugify(target.parent.name, 30)}-{Path(name).stem}-{hashlib.sha256(str(target).encode()).hexdigest()[:10]}"
    base = Path(state_dir) if state_dir else default_state_dir()
    return base / f"watch-{tag}.json", base / f"watch-{tag}.work"


class WatchLock:
    """An exclusive lock on a state file (``fcntl.flock``): a second watcher on the same drop file is refused."""

    def __init__(self, state_path: Path) -> None:
        self.path = Path(state_path).with_suffix(".lock")
        self.handle = None

    def __enter__(self) -> WatchLock:
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+")
        except OSError as error:
            where = self.path.parent
            raise OutputError(f"{where}: cannot keep watch state here ({error.strerror}); use --state-dir") from None
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.handle.close()
            raise OutputError(
                f"another bulletin watch is delivering the same file (lock {self.path}); stop it first"
            ) from None
        return self

    def __exit__(self, *exc) -> None:
        if self.handle is not None:
            self.handle.close()
