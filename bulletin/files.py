"""Safe file names, writing and hashing, shared by every stage that writes what a user keeps.

Outputs are written to a temp file in the target directory, flushed to disk and
renamed into place, so a crash or an error never leaves a half-written file. Temp
names carry the writer's pid (``.{stem}~{pid}~XXXXXXXX{suffix}.tmp``), so the temps a
killed run left behind can be told from those of a run still going (``sweep_temps``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from bulletin.errors import BulletinError, OutputError

STALE_TEMP_S = 600.0
"""A temp file whose writer is gone and that has not changed for this long is swept."""
ABANDONED_TEMP_S = 86_400.0
"""A temp file untouched this long is swept whatever its pid says (the pid may have been reused)."""
_TEMP_NAME = re.compile(r"^\..+~(?P<pid>\d+)~[a-z0-9_]{8}[^~/]*\.tmp$")
_LEGACY_TEMP_NAME = re.compile(r"^\..+-[a-z0-9_]{8}\.[A-Za-z0-9]+\.tmp$")
"""Temps written before pids were in the names (``.b-XXXXXXXX.mp3.tmp``): swept by age alone."""
PAUSE_ENV = "BULLETIN_TEST_PAUSE_AT"
"""Test hook (crash-consistency tests only): the name of a ``pause_point`` to stop at for a kill -9."""


def slugify(text: str, max_length: int = 60, fallback: str = "bulletin") -> str:
    """Return a file-name-safe ASCII slug: "Coup d'État au Kazakhstan" -> "coup-d-etat-au-kazakhstan".

    Lowercase ASCII letters, digits and single dashes only, so a slug never contains "/",
    "." or "..": it cannot leave the directory it is joined to. A slug longer than
    ``max_length`` loses its last (possibly cut) word; an empty one is ``fallback``.
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or fallback


def sha256_file(*paths: str | os.PathLike) -> str:
    """Return the hex sha256 of a file (or of several, one after the other), read in 1 MiB blocks."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def fsync_dir(directory: Path) -> None:
    """Flush a directory entry (a rename) to disk, where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class WriteError(OutputError):
    """A file could not be written (full disk, quota, I/O error): ``path`` and the system's ``reason``."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}; free some space or choose another path")
        self.path = path
        self.reason = reason


def cannot_write(path: Path, error: OSError) -> WriteError:
    """Return the one-line error for an OSError met while writing ``path`` (a full disk, say)."""
    return WriteError(Path(path), error.strerror or str(error))


def disk_full(directory: Path, below_bytes: int = 1 << 20) -> bool:
    """Return True when the file system holding ``directory`` has less than ``below_bytes`` free."""
    try:
        stats = os.statvfs(directory)
    except (OSError, AttributeError):
        return False
    return stats.f_bavail * stats.f_frsize < below_bytes


def temp_beside(path: str | os.PathLike) -> Path:
    """Create an empty temp file beside ``path``, named after it and this process; return its path."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"{path.parent}: no such directory; create it or choose another output path")
    try:
        handle, temp = tempfile.mkstemp(
            prefix=f".{path.stem}~{os.getpid()}~", suffix=path.suffix + ".tmp", dir=path.parent
        )
    except OSError as error:
        raise OutputError(f"{path.parent}: cannot write here ({error.strerror}); choose another output path") from None
    os.close(handle)
    return Path(temp)


def _place(temp: Path, path: Path) -> None:
    """Flush ``temp``, give it ordinary permissions and rename it onto ``path``."""
    try:
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(temp, path)
    except OSError as error:
        raise cannot_write(path, error) from None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success flush it and rename it onto ``path``, else delete it.

    An OSError while the temp is written (ENOSPC, EDQUOT, EIO) becomes an OutputError naming ``path``.
    """
    path = Path(path)
    temp = temp_beside(path)
    try:
        try:
            yield temp
        except OSError as error:
            raise cannot_write(path, error) from None
        except BulletinError:
            raise
        except Exception as error:  # an encoder or tagger (libsndfile, mutagen) that hid the OSError
            cause = next((arg for arg in error.args if isinstance(arg, OSError)), None)
            if cause is not None:
                raise cannot_write(path, cause) from None
            if disk_full(path.parent):
                raise WriteError(path, "No space left on device") from None
            raise
        _place(temp, path)
        fsync_dir(path.parent)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as temp:
        temp.write_bytes(data)


def copy_atomic(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Copy ``source`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        shutil.copyfile(source, temp)


class StagedFiles:
    """Files written beside their targets under temp names, and renamed into place together by ``commit``.

    Until ``commit`` no file a user sees changes; leaving the ``with`` block without committing
    (an error, a full disk, Ctrl-C) deletes every temp. ``commit`` renames in staging order, so
    stage last what must appear last. Renames need no free space: once every file is staged, a
    full disk can no longer leave a set half old, half new.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def path_for(self, target: str | os.PathLike) -> Path:
        """Return a new temp path for ``target`` (the caller writes it); it is renamed onto ``target`` at commit."""
        temp = temp_beside(target)
        self._staged.append((temp, Path(target)))
        return temp

    def write(self, target: str | os.PathLike, data: bytes) -> Path:
        """Stage ``data`` for ``target``; return the temp path."""
        temp = self.path_for(target)
        try:
            temp.write_bytes(data)
        except OSError as error:
            raise cannot_write(Path(target), error) from None
        return temp

    def copy(self, source: str | os.PathLike, target: str | os.PathLike) -> Path:
        """Stage a copy of ``source`` for ``target``; return the temp path."""
        temp = self.path_for(target)
        try:
            shutil.copyfile(source, temp)
        except OSError as error:
            raise cannot_write(Path(target), error) from None
        return temp

    def commit(self) -> None:
        """Rename every staged file onto its target, in staging order, and flush the directories."""
        directories = []
        while self._staged:
            temp, target = self._staged[0]
            _place(temp, target)
            self._staged.pop(0)
            if target.parent not in directories:
                directories.append(target.parent)
        for directory in directories:
            fsync_dir(directory)

    def discard(self) -> None:
        """Delete every temp not yet renamed."""
        for temp, _ in self._staged:
            with contextlib.suppress(OSError):
                temp.unlink()
        self._staged.clear()


def _pid_alive(pid: int) -> bool:
    """Return True if a process ``pid`` exists (here, or owned by another user)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def sweep_temps(directory: str | os.PathLike, now: float | None = None) -> list[Path]:
    """Delete the temp files of ours that a killed run left in ``directory``; return what was deleted.

    Only names of our own pattern go. A temp goes when its writer (the pid in its name) is gone
    and it has not changed for ``STALE_TEMP_S``, or when it is older than ``ABANDONED_TEMP_S``;
    a temp of a run still going is never touched. Best effort: errors are ignored.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.endswith(".tmp") or not name.startswith("."):
            continue
        ours = _TEMP_NAME.match(name)
        if not ours and not _LEGACY_TEMP_NAME.match(name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            age_s = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        writer_gone = ours is None or not _pid_alive(int(ours.group("pid")))
        if (writer_gone and age_s > STALE_TEMP_S) or age_s > ABANDONED_TEMP_S:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def pause_point(name: str) -> None:
    """Test hook: when ``$BULLETIN_TEST_PAUSE_AT`` is ``name``, say so on stderr and sleep (for a kill -9).

    Crash-consistency tests use it to kill a run at an exact point (``tests/test_faults_crash.py``);
    it does nothing otherwise. Points: "before-audio-rename", "after-audio-rename" (generate),
    "publish-staged" (publish: every file staged, nothing renamed).
    """
    if os.environ.get(PAUSE_ENV) == name:
        print(f"bulletin: paused at {name} (pid {os.getpid()})", file=sys.stderr, flush=True)
        time.sleep(600)
