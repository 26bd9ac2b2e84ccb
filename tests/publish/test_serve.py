"""`bulletin serve`: byte ranges, MIME types, containment, and the page in headless chromium."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from bulletin.publish.episodes import publish
from bulletin.publish.serve import make_server

from helpers import CHROMIUM, ROOT, chromium, make_bulletin, make_channel

REPO = ROOT
ARTIFACTS = REPO / "test-artifacts"
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium) — browser checks skipped"
)


@pytest.fixture(scope="module")
def feed_dir(tmp_path_factory):
    """A feed directory with two published bulletins (3.0 s and 4.6 s)."""
    root = tmp_path_factory.mktemp("serve")
    first = make_bulletin(root / "src", "2026-11-25-le-president-kazakh", seconds=3.0)
    second = make_bulletin(
        root / "src",
        "2026-11-25-la-recolte-de-cafe",
        seconds=4.6,
        freq_hz=330,
        title="La récolte de café & <cie>",
        chapters=[(0.0, "Titre"), (1.5, "Récolte"), (3.2, "Fin")],
    )
    directory = root / "public"
    publish(first, directory, make_channel())
    publish(second, directory, make_channel())
    return directory


@pytest.fixture(scope="module")
def server_url(feed_dir):
    server = make_server(feed_dir, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url: str, headers: dict | None = None, method: str = "GET"):
    """Return (status, headers, body) without raising on 4xx."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


MP3_PATH = "/episodes/2026-11-25-le-president-kazakh.mp3"


def test_range_request_returns_206_with_exactly_the_bytes_asked(server_url, feed_dir):
    data = (feed_dir / MP3_PATH.lstrip("/")).read_bytes()
    status, headers, body = fetch(server_url + MP3_PATH, {"Range": "bytes=0-99"})
    assert status == 206
    assert body == data[:100]
    assert headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert headers["Content-Length"] == "100"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Type"] == "audio/mpeg"


@pytest.mark.parametrize(
    "header, first, last",
    [
        ("bytes=100-", 100, None),
        ("bytes=-10", -10, None),
        ("bytes=1000-1000", 1000, 1001),
        ("bytes=5-999999999", 5, None),
    ],
)
def test_range_forms(server_url, feed_dir, header, first, last):
    data = (feed_dir / MP3_PATH.lstrip("/")).read_bytes()
    status, headers, body = fetch(server_url + MP3_PATH, {"Range": header})
    assert status == 206
    assert body == data[first:last]
    start = first % len(data)
    assert headers["Content-Range"] == f"bytes {start}-{start + len(body) - 1}/{len(data)}"


def test_unsatisfiable_range_is_416_and_full_get_is_200(server_url, feed_dir):
    size = (feed_dir / MP3_PATH.lstrip("/")).stat().st_size
    status, headers, _ = fetch(server_url + MP3_PATH, {"Range": f"bytes={size}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"
    status, headers, body = fetch(server_url + MP3_PATH)
    assert status == 200 and len(body) == size and headers["Accept-Ranges"] == "bytes"
    status, headers, body = fetch(server_url + MP3_PATH, {"Range": "bytes=0-1,5-6"})  # multi-range: whole file
    assert status == 200 and len(body) == size
    status, headers, body = fetch(server_url + MP3_PATH, method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == str(size)


@pytest.mark.parametrize(
    "path, mime",
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/feed.xml", "application/rss+xml; charset=utf-8"),
        ("/episodes/2026-11-25-le-president-kazakh.vtt", "text/vtt; charset=utf-8"),
        ("/episodes/2026-11-25-le-president-kazakh.srt", "application/x-subrip; charset=utf-8"),
        ("/episodes/2026-11-25-le-president-kazakh.chapters.json", "application/json"),
    ],
)
def test_mime_types(server_url, path, mime):
    status, headers, _ = fetch(server_url + path)
    assert (status, headers["Content-Type"]) == (200, mime)


def test_nothing_outside_the_directory_or_hidden_is_served(server_url, feed_dir, tmp_path_factory):
    secret = feed_dir.parent / "secret.txt"
    secret.write_text("secret")
    link = feed_dir / "episodes" / "escape.txt"
    if not link.exists():
        link.symlink_to(secret)
    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/episodes/../../secret.txt",
        "/episodes/%2e%2e/%2e%2e/secret.txt",
        "/episodes/escape.txt",
        "/.lock",
        "/episodes/",
        "//etc/passwd",
        "/..%2fsecret.txt",
    ]:
        status, _, body = fetch(server_url + path)
        assert status == 404 and b"secret" not in body, path
    status, headers, _ = fetch(server_url + "/episodes")
    assert status in (301, 404)


def test_make_server_reports_a_busy_port(feed_dir):
    from bulletin.errors import BulletinError

    first = make_server(feed_dir, port=0)
    try:
        with pytest.raises(BulletinError, match="cannot listen"):
            make_server(feed_dir, port=first.server_address[1])
    finally:
        first.server_close()
    with pytest.raises(BulletinError, match="no such directory"):
        make_server(feed_dir / "missing")


# ---------------------------------------------------------------------------- in a real browser


def start_cli_server(directory: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """Run `bulletin serve DIR --port 0 [OPTIONS]` and return (process, base URL) once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin", "serve", str(directory), "--port", "0", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    line = process.stderr.readline()  # "serving DIR at http://127.0.0.1:PORT/ (Ctrl-C to stop)"
    assert " at http://" in line, line
    return process, line.split(" at ", 1)[1].split()[0].rstrip("/")


def stop(process: subprocess.Popen) -> None:
    """Stop a `bulletin serve` process as Ctrl-C does."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_serve_listens_on_the_host_asked_and_only_there(feed_dir):
    """--host 127.0.0.2 (another loopback address): served there, refused on 127.0.0.1 at the same port."""
    process, base = start_cli_server(feed_dir, "--host", "127.0.0.2")
    try:
        assert base.startswith("http://127.0.0.2:")
        status, _, body = fetch(base + MP3_PATH)
        assert status == 200 and body == (feed_dir / MP3_PATH.lstrip("/")).read_bytes()
        port = base.rsplit(":", 1)[1]
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
    finally:
        stop(process)


def test_serve_on_an_address_this_machine_lacks_is_one_line(feed_dir):
    """192.0.2.1 is reserved for documentation (RFC 5737): binding to it fails, nothing is sent anywhere."""
    result = subprocess.run(
        [sys.executable, "-m", "bulletin", "serve", str(feed_dir), "--host", "192.0.2.1", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=REPO,
    )
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot listen on 192.0.2.1:0")


@pytest.fixture
def browser(tmp_path):
    """Headless chromium with remote debugging; yields a DevTools client on a blank page."""
    with chromium(tmp_path / "chromium-profile") as client:
        yield client


PAGE_PROBE = """
new Promise((resolve) => {
  const articles = [...document.querySelectorAll('article.episode')];
  const probes = articles.map((article) => new Promise((done) => {
    const audio = article.querySelector('audio');
    const trackElement = audio.querySelector('track');
    const ready = () => audio.readyState >= 1 && (!trackElement || trackElement.readyState >= 2);
    const report = () => done({
      title: article.querySelector('h2').textContent,
      duration: audio.duration,
      audioError: audio.error && audio.error.code,
      trackState: trackElement ? trackElement.readyState : null,
      trackMode: trackElement ? trackElement.track.mode : null,
      cues: trackElement && trackElement.track.cues ? [...trackElement.track.cues].map((c) => c.text) : [],
      chapters: [...article.querySelectorAll('.chapters button')].map((b) => b.dataset.start),
    });
    if (ready()) { report(); return; }
    const check = () => { if (ready()) report(); };
    audio.addEventListener('loadedmetadata', check);
    audio.addEventListener('error', report);
    if (trackElement) { trackElement.addEventListener('load', check); trackElement.addEventListener('error', report); }
    setTimeout(report, 15000);
  }));
  Promise.all(probes).then((results) => resolve({heading: document.querySelector('h1').textContent, results}));
})
"""


def test_browser_plays_the_page_with_metadata_captions_and_chapters(feed_dir, browser, tmp_path):
    process, base = start_cli_server(feed_dir)
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=f"{base}/")
        deadline = time.monotonic() + 20
        while browser.evaluate("document.readyState") != "complete":
            assert time.monotonic() < deadline, "the page did not finish loading"
            time.sleep(0.1)
        page = browser.evaluate(PAGE_PROBE)
        assert page["heading"] == "Le journal de test"
        results = page["results"]
        assert [r["title"] for r in results] == ["La récolte de café & <cie>", "Le président kazakh en visite"]
        sources = [
            feed_dir / "episodes" / "2026-11-25-la-recolte-de-cafe.mp3",
            feed_dir / "episodes" / "2026-11-25-le-president-kazakh.mp3",
        ]
        for result, source in zip(results, sources):
            assert result["audioError"] is None, result
            assert abs(result["duration"] - MP3(source).info.length) < 0.5, result
            assert result["trackState"] == 2 and result["trackMode"] in ("showing", "hidden"), result
            assert len(result["cues"]) >= 2 and result["cues"][0] == "Titre", result
        assert results[0]["chapters"] == ["0", "1.5", "3.2"]
        # A chapter button seeks its own player.
        seeked = browser.evaluate("""
            new Promise((resolve) => {
              const article = document.querySelectorAll('article.episode')[0];
              const audio = article.querySelector('audio');
              audio.addEventListener('seeked', () => resolve(audio.currentTime), {once: true});
              article.querySelectorAll('.chapters button')[1].click();
              setTimeout(() => resolve(audio.currentTime), 5000);
            })""")
        assert abs(seeked - 1.5) < 0.1
        caption = browser.evaluate("""
            new Promise((resolve) => {
              const article = document.querySelectorAll('article.episode')[0];
              const line = article.querySelector('.caption');
              const poll = () => line.textContent === 'Récolte' ? resolve(line.textContent) : setTimeout(poll, 50);
              poll();
              setTimeout(() => resolve(line.textContent), 5000);
            })""")
        assert caption == "Récolte"  # the cue active at 1.5 s, shown under the player
        browser.evaluate("document.querySelectorAll('audio').forEach((a) => a.pause())")
        # What a visitor sees: the heading drawn where the layout puts it, on a plain page background.
        box = browser.evaluate(
            "(() => { const r = document.querySelector('h1').getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom]; })()"
        )
        shot = browser.call("Page.captureScreenshot", format="png")
        screenshot = tmp_path / "serve-index.png"  # a temp dir: test artifacts never land in the checkout
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        from PIL import Image

        image = Image.open(screenshot).convert("L")
        heading = image.crop(tuple(round(v) for v in box))
        dark, light = heading.getextrema()
        assert light - dark > 100, "the heading is not drawn (no contrast where it should be)"
        background = image.getpixel((image.width - 2, image.height - 2))
        assert abs(background - light) < 40  # the heading's light pixels are the page background
    finally:
        stop(process)
