"""Safe file names, writing and hashing, shared by every stage that writes what a user keeps.

Outputs are written to a temp file in the target directory, flushed to disk and
renamed into place, so a crash or an error never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from bulletin.errors import OutputError


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


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success flush it and rename it onto ``path``, else delete it."""
    path = Path(path)
    if not path.parent.is_dir():
        raise OutputError(f"{path.parent}: no such directory; create it or choose another output path")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".tmp", dir=path.parent)
    except OSError as error:
        raise OutputError(f"{path.parent}: cannot write here ({error.strerror}); choose another output path") from None
    os.close(handle)
    try:
        yield Path(temp)
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(temp, path)
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
