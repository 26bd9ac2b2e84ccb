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

from helpers import ROOT, STUDIO_ARTICLE, article_page, long_article, sse_events, studio

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
    process, url = studio("--port", "0", *arguments)
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
    process, url = studio("--port", "0", *arguments)
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
    process, url = studio(
        "--port", "0", "--host", "0.0.0.0", "--voice", tiny_voice_dir, "--state-dir", tmp_path / "state",
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
    process, url = studio(
        "--port", "0", "--voice", tiny_voice_dir, "--state-dir", tmp_path / "state", "--feed-dir", tmp_path
    )
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
    process, url = studio("--port", "0", *arguments)
    _, _, job = call(f"{url}/api/bulletins", "POST", {"sources": [{"text": long_article(40)}]})
    _, response = stream_events(
        f"{url}/api/bulletins/{job['id']}/events", stop_at=lambda kind, data: kind == "segment" and data["done"] >= 1
    )
    _, _, waiting = call(f"{url}/api/bulletins", "POST", {"sources": [{"text": STUDIO_ARTICLE}]})
    _, listener = stream_events(f"{url}/api/bulletins/{waiting['id']}/events", stop_at=lambda kind, data: True)
    errors = stop(process)  # a listener still waits on the queued job: it must not hold the stop (60 s at most)
    response.close()
    listener.close()
    assert process.returncode == 0 and "Traceback" not in errors, errors
    queued = json.loads((tmp_path / "state" / "jobs" / waiting["id"] / "job.json").read_text(encoding="utf-8"))
    assert queued["status"] == "queued"  # it runs at the next start
    record = json.loads((tmp_path / "state" / "jobs" / job["id"] / "job.json").read_text(encoding="utf-8"))
    assert record["status"] == "interrupted" and record["events"][-1][1] == "interrupted"


def test_the_studio_options_change_what_it_does(tmp_path, tiny_voice_dir):
    lexicon = tmp_path / "station-lexicon.toml"
    lexicon.write_text('"Baikonour" = "Baïkonour"\n', encoding="utf-8")
    station = tmp_path / "station.toml"
    station.write_text('[station]\nname = "Radio Cosmodrome"\n', encoding="utf-8")
    channel = tmp_path / "show.toml"
    channel.write_text(
        'title = "Le fil du cosmodrome"\ndescription = "Essais."\nauthor = "Radio Cosmodrome"\n'
        'owner_email = "studio@example.org"\n',
        encoding="utf-8",
    )
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with article_page() as page:
        process, url = studio(
            "--port", "0", "--voice", tiny_voice_dir, "--state-dir", tmp_path / "state",
            "--feed-dir", tmp_path / "feed", "--cache-dir", tmp_path / "cache", "--lexicon", lexicon,
            "--station-config", station, "--feed-config", channel, "--max-queue", "1", "--allow-private-urls",
            "--verbose", "--token", TOKEN,
        )  # fmt: skip
        try:
            assert call(f"{url}/api/lexicon")[0] == 401  # --token
            status, _, kept = call(f"{url}/api/lexicon", headers=auth)
            assert kept == {"path": str(lexicon), "entries": {"Baikonour": "Baïkonour"}}  # --lexicon
            status, _, script = call(f"{url}/api/script", "POST", {"url": page}, headers=auth)  # --allow-private-urls
            assert status == 200 and "Baïkonour" in " ".join(s["spoken"] for s in script["segments"])
            newscast = {"sources": [{"url": page}], "rundown": True, "at": "12:00"}
            status, _, job = call(f"{url}/api/bulletins", "POST", newscast, headers=auth)
            events, response = stream_events(f"{url}/api/bulletins/{job['id']}/events", headers=auth)
            response.close()
            assert events[-1][0] == "done", events[-1]
            _, _, job = call(f"{url}/api/bulletins/{job['id']}", headers=auth)
            request = urllib.request.Request(url + job["files"]["script"], headers=auth)
            said = json.dumps(json.loads(urllib.request.urlopen(request, timeout=30).read()), ensure_ascii=False)
            assert "Radio Cosmodrome" in said and "midi" in said  # --station-config
            _, _, episode = call(f"{url}/api/bulletins/{job['id']}/publish", "POST", {}, headers=auth)
            with urllib.request.urlopen(f"{url}/feed/feed.xml", timeout=30) as feed:
                assert b"Le fil du cosmodrome" in feed.read() and episode["status"] == "added"  # --feed-config
            long_job = {"sources": [{"text": long_article(40)}]}
            first = call(f"{url}/api/bulletins", "POST", long_job, headers=auth)[2]
            second = call(f"{url}/api/bulletins", "POST", long_job, headers=auth)
            third = call(f"{url}/api/bulletins", "POST", long_job, headers=auth)
            assert second[0] == 202 and third[0] == 429 and int(third[1]["Retry-After"]) >= 1  # --max-queue 1
            for cancelled in (second[2]["id"], first["id"]):
                assert call(f"{url}/api/bulletins/{cancelled}", "DELETE", headers=auth)[0] == 202
        finally:
            errors = stop(process)
    assert '"POST /api/bulletins HTTP/1.1" 429' in errors and "Traceback" not in errors  # --verbose logs requests
