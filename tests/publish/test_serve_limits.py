"""`bulletin serve` against hostile or careless clients, and feed.xml served for the address it was reached at."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import feedparser
import pytest

from bulletin.publish.episodes import publish
from bulletin.publish.httpd import AppServer
from bulletin.publish.serve import feed_app, make_server

from helpers import ROOT, make_bulletin, make_channel

PUBLISHED_BASE = "https://example.org/podcast"


@pytest.fixture(scope="module")
def feed_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    audio = make_bulletin(root / "src", "2026-11-25-le-president-kazakh", seconds=2.0)
    directory = root / "public"
    publish(audio, directory, make_channel(base_url=PUBLISHED_BASE))
    (directory / "podcast.toml").write_text('title = "x"\n', encoding="utf-8")
    return directory


def running(server: AppServer):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    return server


@pytest.fixture(scope="module")
def server(feed_dir):
    server = running(AppServer(feed_app(feed_dir), port=0, request_timeout_s=1.0))
    yield server
    server.shutdown()
    server.server_close()


def raw(port: int, request: bytes, timeout_s: float = 10.0) -> bytes:
    """Send ``request`` as is and return everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_a_nul_in_the_path_is_a_400_not_a_dropped_connection(server):
    answer = raw(server.server_address[1], b"GET /feed%00.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status_of(answer) == 400


@pytest.mark.parametrize("header", ["bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "9" * 5000])
def test_a_five_thousand_digit_range_is_a_416(server, feed_dir, header):
    size = (feed_dir / "feed.xml").stat().st_size
    request = f"GET /episodes/2026-11-25-le-president-kazakh.mp3 HTTP/1.1\r\nHost: x\r\nRange: {header}\r\n"
    answer = raw(server.server_address[1], (request + "Connection: close\r\n\r\n").encode())
    assert status_of(answer) == 416
    assert b"content-range: bytes */" in answer.lower() and size > 0


HALF_HEADERS = b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n"
HALF_BODY = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab"


def test_half_sent_requests_time_out_and_do_not_block_others(server):
    port = server.server_address[1]
    stalled = []
    for number in range(300):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(HALF_HEADERS if number % 2 else HALF_BODY)
        stalled.append(sock)
    try:
        started = time.monotonic()
        answer = raw(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(answer) == 200 and time.monotonic() - started < 2.0
        for sock in stalled:  # each closed by the server after its 1 s allowance (a 405 may come first)
            while sock.recv(65536):
                pass
        assert time.monotonic() - started < 8.0
    finally:
        for sock in stalled:
            sock.close()


def test_feed_xml_points_at_the_address_it_was_reached_by(server, feed_dir):
    port = server.server_address[1]
    stored = feedparser.parse((feed_dir / "feed.xml").read_bytes())
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/feed.xml", headers={"Host": host})
        with urllib.request.urlopen(request, timeout=10) as response:
            feed = feedparser.parse(response.read())
        assert not feed.bozo
        enclosure = feed.entries[0].enclosures[0].href
        assert enclosure == f"http://{host}/episodes/2026-11-25-le-president-kazakh.mp3"
        with urllib.request.urlopen(enclosure.replace(host, f"127.0.0.1:{port}"), timeout=10) as response:
            assert response.status == 200 and response.headers["Content-Type"] == "audio/mpeg"
        assert feed.feed.podcast_guid == stored.feed.podcast_guid  # the show's identity does not move
        assert feed.entries[0].id == stored.entries[0].id
    assert stored.entries[0].enclosures[0].href.startswith(PUBLISHED_BASE)  # the file itself is untouched


def test_a_fixed_base_url_is_what_feed_xml_says(feed_dir):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bulletin",
            "serve",
            str(feed_dir),
            "--port",
            "0",
            "--base-url",
            "https://radio.example/feed",
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        url = process.stderr.readline().split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(f"{url}feed.xml", timeout=10) as response:
            feed = feedparser.parse(response.read())
        assert feed.entries[0].enclosures[0].href == (
            "https://radio.example/feed/episodes/2026-11-25-le-president-kazakh.mp3"
        )
        server = running(make_server(feed_dir, port=0, base_url="https://other.example"))  # the library, the same
        with urllib.request.urlopen(f"{server.url}feed.xml", timeout=10) as response:
            assert b"https://other.example/episodes/" in response.read()
        server.shutdown()
        server.server_close()
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=20)


@pytest.mark.parametrize("path", ["/episodes.json", "/podcast.toml", "/.lock"])
def test_records_and_settings_are_not_served(server, feed_dir, path):
    assert (feed_dir / path.lstrip("/")).exists()
    answer = raw(server.server_address[1], f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert status_of(answer) == 404


def test_a_client_leaving_mid_download_is_one_log_line_not_a_traceback(tmp_path):
    big = tmp_path / "site" / "big.mp3"
    big.parent.mkdir()
    big.write_bytes(bytes(range(256)) * (40 * 4096))  # 40 MB: far more than the socket buffers hold
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin", "serve", str(big.parent), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = process.stderr.readline()
        port = int(line.split(" at http://127.0.0.1:", 1)[1].split("/", 1)[0])
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(b"GET /big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
                assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/big.mp3", timeout=30) as response:
            assert len(response.read()) == big.stat().st_size  # the server is still well
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=20)
    assert "Traceback" not in errors and "BrokenPipe" not in errors, errors
    gone = [line for line in errors.splitlines() if "went away" in line]
    assert len(gone) == 3, errors


def test_serve_without_the_server_extra_says_what_to_install(tmp_path):
    code = "import sys; sys.modules['uvicorn'] = None; from bulletin.cli import main; sys.argv[0] = 'bulletin'; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "serve", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "pip install 'bulletin[server]'" in result.stderr
