"""Shared test helpers, in one module (test files never import each other).

- the checkout's paths and the real command line (``run_bulletin``);
- the test voice builder from ``scripts/testvoice.py``;
- a voiced-speech stand-in signal (``speech_like``);
- bulletin-shaped MP3s plus sidecars for the feed, serve and playback tests (``make_bulletin``);
- ``kokoro_assets_or_skip`` and ``skip_or_fail`` (under CI a missing tool or model fails);
- independent measurements of an audio file by ffmpeg (``ffmpeg_duration_s``, ``ffmpeg_loudness``);
- ``assert_span_map``: a written <-> spoken span map is exact;
- a real full file system (``full_filesystem``: a small tmpfs, mounted as root) and a short article;
- the studio: an article with rewrites to see (``STUDIO_ARTICLE``, ``long_article``), server-sent
  events read back (``sse_events``), ``bulletin studio`` run as a process (``studio``), an article
  page served on 127.0.0.1 (``article_page``);
- headless chromium driven over the DevTools protocol (``CHROMIUM``, ``DevTools``, ``chromium``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bulletin.publish.channel import Channel

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "rhc-kazakhstan.txt"
sys.path.insert(0, str(ROOT / "scripts"))
from testvoice import build_test_voice  # noqa: E402  (scripts/ is not a package)

__all__ = ["build_test_voice"]

RATE_HZ = 44100


def examples(count: int) -> int:
    """Hypothesis examples for a property test: ``count``, or an eighth of it under mutmut.

    Mutation testing runs a property test once per mutant it reaches (thousands of times);
    ``MUTANT_UNDER_TEST`` is set only there (scripts/mutation.sh).
    """
    return max(10, count // 8) if "MUTANT_UNDER_TEST" in os.environ else count


def make_channel(**overrides) -> Channel:
    """Return a complete test Channel."""
    values = dict(
        title="Le journal de test",
        description="Bulletins générés pour les tests.",
        author="Radio Test",
        owner_email="test@example.org",
        base_url="https://example.org/podcast",
    )
    values.update(overrides)
    return Channel(**values)


def _vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


def make_bulletin(
    directory: Path,
    stem: str = "2026-11-25-le-president-kazakh",
    seconds: float = 3.0,
    title: str | None = "Le président kazakh en visite",
    description: str | None = "Le président du Kazakhstan, Kassym-Jomart Tokaïev, est arrivé à La Havane.",
    freq_hz: float = 440.0,
    sidecars: tuple = ("vtt", "srt", "transcript", "chapters", "script"),
    chapters: list | None = None,
    id3_chapters: bool = False,
) -> Path:
    """Write ``directory/<stem>.mp3`` (a tone) with tags and the requested sidecars; return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    audio = directory / f"{stem}.mp3"
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    samples = (0.3 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    soundfile.write(
        audio,
        samples,
        RATE_HZ,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=0.6667,
        bitrate_mode="CONSTANT",
    )
    if chapters is None:
        chapters = [(0.0, "Titre"), (round(seconds / 2, 3), "Le récit")]

    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TLAN, TPE1, CTOCFlags

    tags = ID3()
    if title is not None:
        tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text="Radio Test"))
    tags.add(TALB(encoding=3, text="Le journal de test"))
    tags.add(TDRC(encoding=3, text=stem[:10] if stem[:4].isdigit() else "2026-11-25"))
    tags.add(TLAN(encoding=3, text="fra"))
    if description is not None:
        tags.add(COMM(encoding=3, lang="fra", desc="", text=description))
    if id3_chapters:
        ids = []
        for number, (start_s, chapter_title) in enumerate(chapters):
            end_s = chapters[number + 1][0] if number + 1 < len(chapters) else seconds
            ids.append(f"ch{number}")
            tags.add(
                CHAP(
                    element_id=f"ch{number}",
                    start_time=int(start_s * 1000),
                    end_time=int(end_s * 1000),
                    sub_frames=[TIT2(encoding=3, text=chapter_title)],
                )
            )
        tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids))
    tags.save(audio, v2_version=4)

    cues = [
        (start, chapters[i + 1][0] if i + 1 < len(chapters) else seconds, text)
        for i, (start, text) in enumerate(chapters)
    ]
    if "vtt" in sidecars:
        body = "".join(f"{_vtt_time(a)} --> {_vtt_time(b)}\n{text}\n\n" for a, b, text in cues)
        (directory / f"{stem}.vtt").write_text("WEBVTT\n\n" + body, encoding="utf-8")
    if "srt" in sidecars:
        body = "".join(
            f"{n}\n{_vtt_time(a).replace('.', ',')} --> {_vtt_time(b).replace('.', ',')}\n{text}\n\n"
            for n, (a, b, text) in enumerate(cues, 1)
        )
        (directory / f"{stem}.srt").write_text(body, encoding="utf-8")
    if "transcript" in sidecars:
        segments = [{"startTime": a, "endTime": b, "body": text} for a, b, text in cues]
        payload = {"version": "1.0.0", "segments": segments}
        (directory / f"{stem}.transcript.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    if "chapters" in sidecars:
        payload = {"version": "1.2.0", "chapters": [{"startTime": s, "title": c} for s, c in chapters]}
        (directory / f"{stem}.chapters.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    if "script" in sidecars:
        payload = {
            "title": title or "",
            "segments": [{"role": "body", "text": c, "start_s": a, "end_s": b} for a, b, c in cues],
        }
        (directory / f"{stem}.script.json").write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return audio


def run_bulletin(
    *args: str, cwd: Path | None = None, env: dict | None = None, python_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run the real command line (``python -m bulletin``) and capture its output."""
    environment = dict(os.environ, **(env or {}))
    environment.setdefault("PYTHONIOENCODING", "utf-8")
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "bulletin", *map(str, args)],
        cwd=cwd or ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def speech_like(seconds: float, seed: int = 0, rate: int = RATE_HZ) -> np.ndarray:
    """A voiced-speech stand-in: a 120-180 Hz harmonic buzz, syllable-rate amplitude modulation."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    pitch = 150 + 30 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6))
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    buzz = sum(np.sin(k * phase) / k for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 4 * t + rng.uniform(0, 6)), 0, None) ** 0.5
    return (0.2 * buzz * syllables).astype(np.float32)


def in_ci() -> bool:
    """True when the suite runs in CI (``CI=true``, as .ci/run and CI services set it)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason`` on a developer machine; fail under CI, where every tool and model must be there."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: a missing tool or model is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


ALLOWED_SKIPS = (
    "no CUDA GPU here",  # a test of --device cuda, on a machine without a GPU
    "a CUDA GPU is present",  # the "no CUDA GPU" error cannot be shown where there is one
    "this CPU has no native bfloat16",  # the bf16 engine runs float32 torch there
    "this machine has a sound device",  # the "no sound device" error cannot be shown where there is one
)
"""The only reasons a test may skip under CI: what this machine's hardware (CPU, GPU, sound device) cannot do."""


class SkipPolicy:
    """pytest plugin: under CI, a skip whose reason does not start with one of ALLOWED_SKIPS fails the session."""

    def __init__(self) -> None:
        self.unexpected: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            reason = reason.removeprefix("Skipped: ")
            if not reason.startswith(ALLOWED_SKIPS):
                self.unexpected.append((report.nodeid, reason))

    def pytest_sessionfinish(self, session) -> None:
        if self.unexpected and in_ci() and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.unexpected and in_ci():
            terminalreporter.section("unexpected skips (CI=true: only hardware skips are allowed)", red=True)
            for nodeid, reason in self.unexpected:
                terminalreporter.line(f"{nodeid}: {reason}")


def ffmpeg_duration_s(path: Path) -> float:
    """Return the duration of ``path`` as ffmpeg decodes it (an independent decoder), in seconds."""
    import imageio_ffmpeg

    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    hours, minutes, seconds = re.findall(r"time=(\d+):(\d+):([\d.]+)", result.stderr)[-1]
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def ffmpeg_loudness(path: Path) -> tuple[float, float]:
    """Return (integrated LUFS, true peak dBTP) of ``path`` as ffmpeg's ebur128 filter measures it."""
    import imageio_ffmpeg

    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-nostats",
            "-hide_banner",
            "-i",
            str(path),
            "-filter_complex",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = result.stderr.rsplit("Summary:", 1)[1]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return integrated, peak


def kokoro_assets_or_skip() -> None:
    """Skip (fail under CI; never download) unless the model and the voice are in a data directory."""
    from bulletin.engines.presets import get_preset
    from bulletin.locations import data_dirs, find_data_file

    preset = get_preset("fr-siwis")
    model = find_data_file(f"kokoro/{preset.model}")
    voice = find_data_file(f"kokoro/{preset.speaker}.npz") or find_data_file("kokoro/voices-v1.0.bin")
    if model is None or voice is None:
        looked = ", ".join(str(d) for d in data_dirs())
        skip_or_fail(f"Kokoro assets not found in {looked}: run `python scripts/assemble_assets.py` to build them")


# --- the studio ----------------------------------------------------------------------------------

STUDIO_ARTICLE = """# Grève à Baikonour

Astana, 10 janvier (RHC) Les 16 agents du cosmodrome de Baikonour sont en grève depuis 19h30, selon \
l'Organisation du traité de sécurité collective (OTSC).

La direction a proposé une hausse de 3,5 % des salaires. Les agents demandent davantage.

(RT)
"""
"""A short article whose script rewrites numbers, a time, a percentage and a sigle."""


def long_article(paragraphs: int) -> str:
    """Return an article of ``paragraphs`` short paragraphs (one segment each): a job that takes a while."""
    body = "\n\n".join(
        f"Le paragraphe {n} raconte une nouvelle étape de la grève au cosmodrome." for n in range(paragraphs)
    )
    return f"# Une longue journée\n\n{body}\n"


def sse_events(lines, stop_at=None) -> list[tuple[str, dict, str]]:
    """Read server-sent events from ``lines`` (an iterator of text lines) up to a terminal event or ``stop_at``.

    Returns [(event, data as JSON, id)]; keep-alive comments are skipped. ``stop_at(event, data)``
    ends the read early, leaving the rest of ``lines`` to read later.
    """
    events, kind, data, seq = [], "message", "", ""
    for line in lines:
        if line.startswith(":"):
            continue
        if line == "":
            if data:
                events.append((kind, json.loads(data), seq))
                if kind in ("done", "failed", "cancelled", "interrupted") or (stop_at and stop_at(kind, events[-1][1])):
                    return events
            kind, data, seq = "message", "", ""
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            kind = value
        elif field == "data":
            data += value
        elif field == "id":
            seq = value
    return events


def studio(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Run ``bulletin studio ARGS...`` (give ``--port 0``) and return (process, base URL) once it listens."""
    environment = dict(os.environ, PYTHONIOENCODING="utf-8", **(env or {}))
    process = subprocess.Popen(
        [sys.executable, "-m", "bulletin", "studio", *map(str, args)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stderr.readline()  # "studio at http://127.0.0.1:PORT/ (API docs at ...)"
    if " at http://" not in line:
        process.kill()
        raise AssertionError(f"bulletin studio did not start: {line}{process.stderr.read()}")
    return process, line.split(" at ", 1)[1].split()[0].rstrip("/")


@contextlib.contextmanager
def article_page(article: str = STUDIO_ARTICLE) -> Iterator[str]:
    """Serve ``article`` as a news page (nav, footer, an <article>) on 127.0.0.1; yield its URL (never the network)."""
    import http.server
    import threading

    blocks = article.strip().split("\n\n")
    title = blocks[0].lstrip("# ")
    body = "".join(f"<p>{block}</p>" for block in blocks[1:] if not block.startswith("("))
    page = (
        f"<!DOCTYPE html><html lang='fr'><head><meta charset='utf-8'><title>{title}</title></head><body>"
        f"<nav>Accueil | Monde | Contact</nav><article><h1>{title}</h1>{body}</article>"
        "<footer>© Radio</footer></body></html>"
    ).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/article.html"
    finally:
        server.shutdown()
        server.server_close()


# --- headless chromium ---------------------------------------------------------------------------

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)
"""The browser binary, or None (tests that need it skip, saying how to install it)."""


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params):
        """Send one command and return its result (page events in between are dropped)."""
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression: str):
        """Return the value of a JavaScript expression in the page (promises awaited)."""
        result = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float = 30.0, what: str = ""):
        """Return the first truthy value of ``expression``, polled every 0.1 s; AssertionError after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what or expression}")
            time.sleep(0.1)

    def close(self):
        self.ws.close()


@contextlib.contextmanager
def chromium(profile: Path, window: str = "1000,1300"):
    """Run headless chromium with remote debugging; yield a DevTools client on a blank page."""
    process = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-default-apps",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--window-size={window}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        active = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (active.exists() and active.read_text().count("\n") >= 1):
            assert process.poll() is None, "chromium exited at start"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port within 30 s"
            time.sleep(0.1)
        port = active.read_text().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10).read())
        page = next(t for t in targets if t.get("type") == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        try:
            yield client
        finally:
            client.close()
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


SHORT_ARTICLE = """# Le président kazakh confirme une tentative de coup d'État

Astana, 10 janvier (RHC) Le président du Kazakhstan a assuré ce lundi que son pays était confronté à une tentative.

Selon le président, les préparatifs des troubles ont duré longtemps.

Source : RHC
"""
"""Four segments, about 30 s with the tiny voice: the drills' article (the example takes minutes here)."""


def write_short_article(directory: Path, name: str = "court.txt") -> Path:
    """Write SHORT_ARTICLE into ``directory``; return its path."""
    path = Path(directory) / name
    path.write_text(SHORT_ARTICLE, encoding="utf-8")
    return path


@contextlib.contextmanager
def full_filesystem(directory: Path, size: str = "2m", leave_bytes: int = 0) -> Iterator[Path]:
    """Mount a real tmpfs of ``size`` on ``directory``, fill it to ``leave_bytes`` free; unmount after.

    Needs root (CI runs as root): skipped otherwise, with the reason. A mount that fails as root is
    an error, not a skip, so a CI that cannot mount says so.
    """
    if os.geteuid() != 0:
        skip_or_fail("a real full file system needs root to mount a tmpfs (run the tests as root, as CI does)")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)], check=True)
    try:
        if leave_bytes is not None:
            stats = os.statvfs(directory)
            filler = stats.f_bavail * stats.f_frsize - leave_bytes
            if filler > 0:
                with open(directory / "filler", "wb") as handle:
                    handle.write(b"\0" * filler)
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def free_bytes(directory: Path) -> int:
    """Return the bytes free on the file system of ``directory``."""
    stats = os.statvfs(directory)
    return stats.f_bavail * stats.f_frsize


class LocalSite:
    """A web server on 127.0.0.1 in the test process, serving ``routes`` (path -> Page); changeable between requests.

    Used as a context manager: ``with LocalSite({"/a.html": Page(body)}) as site: site.url("/a.html")``.
    A Page may also hang (sleep ``hang_s`` before answering) or answer any status. ``requests``
    records (path, headers) of each request.
    """

    def __init__(self, routes: dict | None = None) -> None:
        self.routes: dict = dict(routes or {})
        self.requests: list[tuple[str, dict]] = []
        self.server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> LocalSite:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                site.requests.append((self.path, dict(self.headers)))
                page = site.routes.get(self.path.split("?")[0])
                if page is None:
                    page = Page(b"<html><body>not here</body></html>", status=404)
                if callable(page) and not isinstance(page, Page):
                    page = page()
                if page.hang_s:
                    import time

                    time.sleep(page.hang_s)
                body = page.body.replace(b"{base}", site.url("").encode())
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Page:
    """One answer of a LocalSite: body (``{base}`` becomes the site's URL), status, content type, extra headers."""

    def __init__(self, body, status=200, content_type="text/html; charset=utf-8", headers=None, hang_s=0.0):
        self.body = body if isinstance(body, bytes) else str(body).encode("utf-8")
        self.status = status
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.hang_s = hang_s


FIXTURES = ROOT / "tests" / "sources" / "fixtures"


def fixture_page(name: str, content_type: str | None = None) -> Page:
    """Return the fixture file ``tests/sources/fixtures/NAME`` as a Page (type from its suffix unless given)."""
    body = (FIXTURES / name).read_bytes()
    if content_type is None:
        content_type = "application/rss+xml" if name.endswith(".xml") else "text/html; charset=utf-8"
    return Page(body, content_type=content_type)


def rss_feed(entries: list[tuple[str, str, str]], title: str = "Le fil de test") -> bytes:
    """Return an RSS 2.0 feed of (guid, title, text) items, each text in ``content:encoded``."""
    from xml.sax.saxutils import escape

    body = "".join(
        f'<item><title>{escape(item_title)}</title><guid isPermaLink="false">{guid}</guid>'
        f"<content:encoded><![CDATA[<p>{text}</p>]]></content:encoded></item>"
        for guid, item_title, text in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>test</description>"
        f"{body}</channel></rss>"
    ).encode()


def assert_span_map(written: str, spoken: str, rewrites) -> None:
    """Assert the span map is exact: each rewrite on both sides, in order, and the rest the same text."""
    w = s = 0
    outside_written, outside_spoken = [], []
    for rewrite in rewrites:
        assert written[rewrite.written_start : rewrite.written_end] == rewrite.written
        assert spoken[rewrite.spoken_start : rewrite.spoken_end] == rewrite.spoken
        assert rewrite.written_start >= w and rewrite.spoken_start >= s, "rewrites overlap or go backwards"
        assert rewrite.written or rewrite.spoken, "an empty rewrite"
        assert rewrite.rule and rewrite.rule.isascii()
        outside_written.append(written[w : rewrite.written_start])
        outside_spoken.append(spoken[s : rewrite.spoken_start])
        w, s = rewrite.written_end, rewrite.spoken_end
    outside_written.append(written[w:])
    outside_spoken.append(spoken[s:])
    assert outside_written == outside_spoken


def whisper_or_skip() -> None:
    """Skip (fail under CI) unless faster-whisper is installed and the Whisper model assembled."""
    from bulletin.errors import BulletinError
    from bulletin.qa.listen import find_whisper_model

    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        skip_or_fail("the qa extra is not installed: pip install -e '.[qa]'")
    try:
        find_whisper_model()
    except BulletinError as error:
        skip_or_fail(str(error))


def newscast_feed_site() -> LocalSite:
    """Return the LocalSite of the test feed (tests/fixtures/feed-rss.xml) and the two pages it links to."""
    return LocalSite(
        {
            "/rss.xml": fixture_page("feed-rss.xml"),
            "/article-utf8.html": fixture_page("article-utf8.html"),
            "/article-latin1.html": fixture_page("article-latin1.html", "text/html; charset=iso-8859-1"),
        }
    )
