"""`bulletin studio` as a real process on a free port: live events, kill -9 and restart, token, streamed body limit."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from helpers import ROOT, STUDIO_ARTICLE, long_article, sse_events, start_studio

TOKEN = "another-s3cret-token"


def call(url: str, method: str = "GET", body=None, headers: dict | None = None, timeout_s: float = 60):
    """Return (status, headers, JSON body) without raising on 4xx/5xx."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, response.headers, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read() or b"{}")


def stream_events(url: str, stop_at=None, headers: dict | None = None):
    """Open the event stream at ``url`` and return (events read, the open response)."""
    request = urllib.request.Request(url, headers={"Accept": "text/event-stream", **(headers or {})})
    response = urllib.request.urlopen(request, timeout=120)
    lines = (raw.decode("utf-8").rstrip("\r\n") for raw in response)
    return sse_events(lines, stop_at), response


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=60)
    return errors


def test_events_arrive_live_and_a_killed_studio_marks_its_running_job_interrupted(tmp_path, tiny_voice_dir):
    arguments = ["--voice", tiny_voice_dir, "--state-dir", tmp_path / "state", "--feed-dir", tmp_path / "feed"]
    arguments += ["--cache-dir", tmp_path / "cache"]
    process, url = start_studio(*arguments)
    try:
        status, _, first = call(f"{url}/api/bulletins", "POST", {"sources": [{"text": STUDIO_ARTICLE}]})
        assert status == 202
        events, response = stream_events(f"{url}/api/bulletins/{first['id']}/events")
        response.close()
        assert [kind for kind, _, _ in events][-1] == "done"
        status, _, second = call(f"{url}/api/bulletins", "POST", {"sources": [{"text": long_article(40)}]})
        live, response = stream_events(
            f"{url}/api/bulletins/{second['id']}/events",
            stop_at=lambda kind, data: kind == "segment" and data["done"] >= 1,
        )
        response.close()
        assert call(f"{url}/api/bulletins/{second['id']}")[2]["status"] == "running"  # the event came mid-job
        process.kill()  # kill -9 in the middle of the second bulletin
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    process, url = start_studio(*arguments)
    try:
        _, _, listing = call(f"{url}/api/bulletins")
        jobs = {job["id"]: job for job in listing["bulletins"]}
        assert jobs[first["id"]]["status"] == "done" and "audio" in jobs[first["id"]]["files"]
        assert jobs[second["id"]]["status"] == "interrupted" and jobs[second["id"]]["files"] == {}
        with urllib.request.urlopen(url + jobs[first["id"]]["files"]["audio"], timeout=30) as audio:
            assert audio.headers["Content-Type"] == "audio/mpeg" and len(audio.read()) > 10_000
        replay, response = stream_events(f"{url}/api/bulletins/{second['id']}/events")
        response.close()
        assert replay[-1][0] == "interrupted" and replay[0][0] == "queued"
    finally:
        errors = stop(process)
    assert "Traceback" not in errors, errors


def test_another_host_needs_a_token_and_then_every_route_asks_for_it(tmp_path, tiny_voice_dir):
    refused = subprocess.run(
        [sys.executable, "-m", "bulletin", "studio", "--host", "0.0.0.0", "--state-dir", tmp_path / "s"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "--token" in refused.stderr
    process, url = start_studio(
        "--host", "0.0.0.0", "--voice", tiny_voice_dir, "--state-dir", tmp_path / "state",
        "--feed-dir", tmp_path / "feed", env={"BULLETIN_STUDIO_TOKEN": TOKEN},
    )  # fmt: skip
    local = url.replace("0.0.0.0", "127.0.0.1")
    try:
        status, headers, body = call(f"{local}/api/bulletins")
        assert status == 401 and headers["WWW-Authenticate"] == "Bearer" and "token" in body["error"]
        assert call(f"{local}/api/bulletins", headers={"Authorization": f"Bearer {TOKEN}"})[0] == 200
        with urllib.request.urlopen(f"{local}/", timeout=30) as page:
            assert page.status == 200
    finally:
        stop(process)


def test_a_streamed_body_over_the_limit_is_cut_off_with_a_413(tmp_path, tiny_voice_dir):
    process, url = start_studio("--voice", tiny_voice_dir, "--state-dir", tmp_path / "state", "--feed-dir", tmp_path)
    try:
        host, port = url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)

        def chunks():  # no Content-Length: the limit must hold while the body streams in
            yield b'{"text": "'
            for _ in range(64):
                yield b"a" * 65536

        connection.request("POST", "/api/script", body=chunks(), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 413 and "request body over" in json.loads(response.read())["error"]
        connection.close()
        started = time.monotonic()
        assert call(f"{url}/api/settings")[0] == 200 and time.monotonic() - started < 10
    finally:
        errors = stop(process)
    assert "Traceback" not in errors, errors


def test_a_studio_stopped_with_ctrl_c_marks_its_running_job_interrupted(tmp_path, tiny_voice_dir):
    arguments = ["--voice", tiny_voice_dir, "--state-dir", tmp_path / "state", "--feed-dir", tmp_path / "feed"]
    process, url = start_studio(*arguments)
    _, _, job = call(f"{url}/api/bulletins", "POST", {"sources": [{"text": long_article(40)}]})
    _, response = stream_events(
        f"{url}/api/bulletins/{job['id']}/events", stop_at=lambda kind, data: kind == "segment" and data["done"] >= 1
    )
    errors = stop(process)
    response.close()
    assert process.returncode == 0 and "Traceback" not in errors, errors
    record = json.loads((tmp_path / "state" / "jobs" / job["id"] / "job.json").read_text(encoding="utf-8"))
    assert record["status"] == "interrupted" and record["events"][-1][1] == "interrupted"
