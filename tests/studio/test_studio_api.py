"""The studio's API in-process (Starlette's TestClient over the real app, the tiny voice, real MP3s read back)."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from mutagen.mp3 import MP3

from bulletin.errors import RequestError
from bulletin.studio.app import create_app
from bulletin.studio.service import Studio
from bulletin.studio.settings import StudioSettings, check_settings

from helpers import STUDIO_ARTICLE, article_page, long_article, make_channel, sse_events

TOKEN = "s3cret-token-for-tests"


def settings_for(tmp_path, voice_dir, **changes) -> StudioSettings:
    values = dict(
        state_dir=tmp_path / "state",
        feed_dir=tmp_path / "feed",
        voice=str(voice_dir),
        cache_dir=tmp_path / "cache",
        allow_private_urls=True,
    )
    values.update(changes)
    return StudioSettings(**values)


@pytest.fixture(scope="module")
def client(tmp_path_factory, tiny_voice_dir):
    root = tmp_path_factory.mktemp("studio")
    with TestClient(create_app(settings_for(root, tiny_voice_dir))) as client:
        yield client


def wait_for(client, job_id: str, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(f"/api/bulletins/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled", "interrupted"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def test_a_bulletin_goes_queued_then_segment_by_segment_to_done_with_its_files(client, tmp_path):
    created = client.post("/api/bulletins", json={"sources": [{"text": STUDIO_ARTICLE}], "loudness_preset": "ebu-r128"})
    assert created.status_code == 202 and created.headers["Location"] == f"/api/bulletins/{created.json()['id']}"
    job_id = created.json()["id"]
    with client.stream("GET", f"/api/bulletins/{job_id}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        events = sse_events(stream.iter_lines())
    kinds = [kind for kind, _, _ in events]
    assert kinds[:2] == ["queued", "started"] and kinds[-2:] == ["mastering", "done"], kinds
    segments = [data for kind, data, _ in events if kind == "segment"]
    total = segments[-1]["total"]
    assert [s["done"] for s in segments] == list(range(total + 1)) and total >= 3
    percents = [data.get("percent", 0) for _, data, _ in events[2:-1]]
    assert percents == sorted(percents) and percents[-1] < 100
    assert [int(seq) for _, _, seq in events] == list(range(1, len(events) + 1))
    job = client.get(f"/api/bulletins/{job_id}").json()
    assert job["status"] == "done" and job["progress"]["percent"] == 100
    assert set(job["files"]) == {"audio", "vtt", "srt", "transcript", "chapters", "script"}
    audio = client.get(job["files"]["audio"])
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
    (tmp_path / "b.mp3").write_bytes(audio.content)
    assert MP3(tmp_path / "b.mp3").info.length == pytest.approx(job["summary"]["duration_s"], abs=0.05)
    assert job["summary"]["loudness_lufs"] == pytest.approx(-23.0, abs=1.0)
    part = client.get(job["files"]["audio"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == audio.content[10:20]
    script = client.get(job["files"]["script"]).json()
    assert "seize agents" in json.dumps(script, ensure_ascii=False)
    listed = client.get("/api/bulletins").json()["bulletins"]
    assert job_id in [entry["id"] for entry in listed]
    again = client.get(f"/api/bulletins/{job_id}/events")  # a finished job replays its events and ends
    assert [kind for kind, _, _ in sse_events(again.iter_lines())] == kinds


def test_the_queue_refuses_a_job_beyond_its_size_with_429_and_retry_after(tmp_path, tiny_voice_dir):
    studio = Studio(settings_for(tmp_path, tiny_voice_dir, queue_size=2))
    client = TestClient(create_app(studio=studio))  # no lifespan: the worker never starts, jobs stay queued
    body = {"sources": [{"text": STUDIO_ARTICLE}]}
    first, second = (client.post("/api/bulletins", json=body) for _ in range(2))
    assert first.status_code == second.status_code == 202
    refused = client.post("/api/bulletins", json=body)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "busy" in refused.json()["error"]
    assert len(client.get("/api/bulletins").json()["bulletins"]) == 2  # nothing was kept of the refused one
    speech = client.post("/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "Bonjour."})
    assert speech.status_code == 429
    cancelled = client.delete(f"/api/bulletins/{first.json()['id']}")
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert client.post("/api/bulletins", json=body).status_code == 202  # its slot is free again
    events = sse_events(client.get(f"/api/bulletins/{first.json()['id']}/events").iter_lines())
    assert [kind for kind, _, _ in events] == ["queued", "cancelled"]


def test_a_running_job_is_cancelled_between_segments_and_leaves_no_audio(client):
    job_id = client.post("/api/bulletins", json={"sources": [{"text": long_article(30)}]}).json()["id"]
    with client.stream("GET", f"/api/bulletins/{job_id}/events") as stream:
        lines = stream.iter_lines()
        first = sse_events(lines, stop_at=lambda kind, data: kind == "segment" and data["done"] >= 2)
        assert first[-1][0] == "segment", first
        assert client.delete(f"/api/bulletins/{job_id}").status_code == 202
        rest = sse_events(lines)
    assert rest[-1][0] == "cancelled", rest
    done_counts = [data["done"] for kind, data, _ in rest if kind == "segment"]
    job = client.get(f"/api/bulletins/{job_id}").json()
    assert job["status"] == "cancelled" and job["files"] == {}
    assert max(done_counts, default=2) < job["progress"]["total"]  # stopped well before the end
    gone = client.delete(f"/api/bulletins/{job_id}")  # a finished job: deleted with its files
    assert gone.json() == {"id": job_id, "deleted": True}
    assert client.get(f"/api/bulletins/{job_id}").status_code == 404


def test_a_restarted_studio_lists_past_jobs_and_runs_those_still_queued(tmp_path, tiny_voice_dir):
    settings = settings_for(tmp_path, tiny_voice_dir)
    with TestClient(create_app(settings)) as client:
        done_id = client.post("/api/bulletins", json={"sources": [{"text": STUDIO_ARTICLE}]}).json()["id"]
        assert wait_for(client, done_id)["status"] == "done"
    waiting = Studio(settings)  # started never: its job stays queued on disk, as if the service stopped
    queued_id = (
        TestClient(create_app(studio=waiting))
        .post("/api/bulletins", json={"sources": [{"text": STUDIO_ARTICLE}]})
        .json()["id"]
    )
    record = settings.state_dir / "jobs" / done_id / "job.json"
    crashed = json.loads(record.read_text(encoding="utf-8"))
    crashed_id = crashed["id"] = done_id[:-1] + "x"
    crashed.update(status="running", output=None, summary=None, finished=None)  # what a kill -9 mid-job leaves
    crashed["events"] = crashed["events"][:3]  # queued, started, the first segment
    (settings.state_dir / "jobs" / crashed_id).mkdir()
    (settings.state_dir / "jobs" / crashed_id / "job.json").write_text(json.dumps(crashed), encoding="utf-8")
    (settings.state_dir / "jobs" / "20260101-000000-damaged").mkdir()
    (settings.state_dir / "jobs" / "20260101-000000-damaged" / "job.json").write_text('{"id": "trunc', encoding="utf-8")
    with TestClient(create_app(settings)) as client:
        listed = {job["id"]: job for job in client.get("/api/bulletins").json()["bulletins"]}
        assert set(listed) == {done_id, queued_id, crashed_id}
        assert listed[done_id]["status"] == "done" and "audio" in listed[done_id]["files"]
        assert listed[crashed_id]["status"] == "interrupted" and "stopped" in listed[crashed_id]["error"]
        assert wait_for(client, queued_id)["status"] == "done"
        crashed_events = sse_events(client.get(f"/api/bulletins/{crashed_id}/events").iter_lines())
        assert [kind for kind, _, _ in crashed_events] == ["queued", "started", "segment", "interrupted"]


def test_a_token_is_required_off_localhost_and_asked_on_every_api_route(tmp_path, tiny_voice_dir):
    with pytest.raises(RequestError, match="--token"):
        check_settings(StudioSettings(host="0.0.0.0"))
    with pytest.raises(RequestError, match="--token"):
        check_settings(StudioSettings(host="192.168.1.20"))
    check_settings(StudioSettings(host="::1"))
    client = TestClient(create_app(settings_for(tmp_path, tiny_voice_dir, host="0.0.0.0", token=TOKEN)))
    routes = [
        ("GET", "/api/settings"),
        ("GET", "/api/bulletins"),
        ("GET", "/api/lexicon"),
        ("POST", "/api/script"),
        ("POST", "/v1/audio/speech"),
        ("GET", "/v1/models"),
    ]
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
            answer = client.request(method, path, headers=headers, json={})
            assert answer.status_code == 401, (method, path, headers)
            assert answer.headers["WWW-Authenticate"] == "Bearer" and "token" in json.dumps(answer.json())
    allowed = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/api/settings", headers=allowed).status_code == 200
    assert client.get("/v1/models", headers=allowed).json()["data"][0]["object"] == "model"
    assert client.get("/").status_code == 200 and "Préparer" in client.get("/").text  # the page itself is open


@pytest.fixture(scope="module")
def article_server():
    with article_page() as url:
        yield url.rsplit("/", 1)[0]


def test_urls_other_than_http_and_private_addresses_are_refused(tmp_path, tiny_voice_dir, article_server):
    client = TestClient(create_app(settings_for(tmp_path, tiny_voice_dir, allow_private_urls=False)))
    for url in ("file:///etc/passwd", "ftp://example.org/a.txt", "gopher://127.0.0.1/"):
        answer = client.post("/api/script", json={"url": url})
        assert answer.status_code == 422 and "http" in answer.json()["error"], url
    private = client.post("/api/script", json={"url": f"{article_server}/article.html"})
    assert private.status_code == 400 and "127.0.0.1" in private.json()["error"]
    queued = client.post("/api/bulletins", json={"sources": [{"url": f"{article_server}/article.html"}]})
    assert queued.status_code == 400 and client.get("/api/bulletins").json()["bulletins"] == []
    allowed = TestClient(create_app(settings_for(tmp_path / "b", tiny_voice_dir, allow_private_urls=True)))
    script = allowed.post("/api/script", json={"url": f"{article_server}/article.html"}).json()
    assert "seize agents" in " ".join(segment["spoken"] for segment in script["segments"])


def test_an_oversized_body_is_a_413_in_json(client):
    answer = client.post("/api/script", content=b'{"text": "' + b"a" * (3 * 1024 * 1024) + b'"}')
    assert answer.status_code == 413 and "request body over" in answer.json()["error"]


def test_a_bad_lexicon_entry_is_a_422_naming_it_and_the_file_is_kept(client):
    good = client.put("/api/lexicon", json={"entries": {"OTSC": "o té esse cé", "Tokáev": "Tokaïev"}})
    assert good.status_code == 200
    for entries, named in [
        ({"OTSC": "o té esse cé", "CSTO": "2 fois"}, "'CSTO'"),
        ({"ONU": "ONU des nations"}, "'ONU'"),
        ({"Lyon": ""}, "'Lyon'"),
        ({"A": "b", "B": "a A"}, "'B'"),
    ]:
        bad = client.put("/api/lexicon", json={"entries": entries})
        assert bad.status_code == 422 and named in bad.json()["error"], bad.json()
        assert "\n" not in bad.json()["error"] and "Traceback" not in bad.text
    assert client.get("/api/lexicon").json()["entries"] == {"OTSC": "o té esse cé", "Tokáev": "Tokaïev"}
    assert client.put("/api/lexicon", json={"entries": ["not", "a", "table"]}).status_code == 422


def test_the_lexicon_changes_what_the_script_says(client):
    before = client.post("/api/script", json={"text": STUDIO_ARTICLE}).json()
    spoken = " ".join(segment["spoken"] for segment in before["segments"])
    assert "Baïkonour" not in spoken and "Baikonour" in STUDIO_ARTICLE
    preview = client.post("/api/script", json={"text": STUDIO_ARTICLE, "lexicon": {"Baikonour": "Baïkonour"}}).json()
    assert "Baïkonour" in " ".join(segment["spoken"] for segment in preview["segments"])
    assert "Baikonour" not in client.get("/api/lexicon").json()["entries"]  # a preview saves nothing


def test_mistakes_are_one_line_of_json_never_a_traceback(client):
    cases = [
        ("POST", "/api/script", {"content": b"{not json"}, 422),
        ("POST", "/api/script", {"json": {"text": "x", "url": "https://a.example/"}}, 422),
        ("POST", "/api/script", {"json": {"text": ""}}, 400),
        ("POST", "/api/script", {"json": {"text": STUDIO_ARTICLE, "voice": "/etc"}}, 422),
        ("POST", "/api/bulletins", {"json": {"sources": []}}, 422),
        ("POST", "/api/bulletins", {"json": {"sources": [{"text": STUDIO_ARTICLE}], "audio_format": "exe"}}, 422),
        ("POST", "/api/bulletins", {"json": {"sources": [{"text": STUDIO_ARTICLE}], "colour": "red"}}, 422),
        ("GET", "/api/bulletins/nope", {}, 404),
        ("GET", "/api/bulletins/nope/events", {}, 404),
        ("POST", "/api/bulletins/nope/publish", {}, 404),
        ("GET", "/nothing/here", {}, 404),
        ("POST", "/v1/audio/speech", {"json": {"model": "tts-9", "voice": "alloy", "input": "Bonjour."}}, 422),
        ("POST", "/v1/audio/speech", {"json": {"model": "tts-1", "voice": "alloy", "input": "x" * 5000}}, 422),
    ]
    for method, path, options, status in cases:
        answer = client.request(method, path, **options)
        assert answer.status_code == status, (path, options, answer.text)
        message = answer.json()["error"]
        message = message["message"] if path.startswith("/v1/") else message  # OpenAI's shape there
        assert isinstance(message, str) and message and "\n" not in message and "Traceback" not in message


def test_only_a_finished_bulletin_is_published_and_the_feed_lists_it(client, tmp_path):
    feed_dir = client.app.state.studio.settings.feed_dir
    job = wait_for(client, client.post("/api/bulletins", json={"sources": [{"text": STUDIO_ARTICLE}]}).json()["id"])
    missing = client.post(f"/api/bulletins/{job['id']}/publish")
    assert missing.status_code == 400 and "channel" in missing.json()["error"]
    channel = make_channel(base_url="")
    (feed_dir / "podcast.toml").write_text(
        "\n".join(f'{key} = "{getattr(channel, key)}"' for key in ("title", "description", "author", "owner_email")),
        encoding="utf-8",
    )
    episode = client.post(f"/api/bulletins/{job['id']}/publish").json()
    assert episode["status"] == "added" and episode["audio_url"].startswith("http://testserver/feed/episodes/")
    import feedparser

    feed = feedparser.parse(client.get("/feed/feed.xml").content)
    assert [entry.title for entry in feed.entries] == ["Grève à Baikonour"]
    enclosure = feed.entries[0].enclosures[0]
    assert client.get(enclosure.href).content == client.get(job["files"]["audio"]).content
    assert client.get("/feed/episodes.json").status_code == 404


def test_the_page_and_the_api_docs_load_nothing_from_elsewhere(client):
    import re

    for path in ("/", "/docs"):
        page = client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        links = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
        assert links and all(link.startswith("/") for link in links), links  # every asset from the studio itself
        for link in links:
            if link != "/feed/":  # the podcast page, there once something is published
                assert client.get(link).status_code == 200, link
    for asset in ("/static/studio.js", "/static/studio.css"):
        assert "://" not in client.get(asset).text  # no CDN, no font service
    schema = client.get("/openapi.json").json()
    assert {"/api/script", "/api/bulletins", "/api/lexicon", "/v1/audio/speech"} <= set(schema["paths"])


def test_a_newscast_fitted_to_its_slot_and_bad_newscast_values_refused(client):
    body = {"sources": [{"text": STUDIO_ARTICLE}, {"text": long_article(6)}], "rundown": True, "at": "08:00"}
    job = wait_for(client, client.post("/api/bulletins", json={**body, "slot_s": 55}).json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["summary"]["duration_s"] <= 55.0 and "slot" in job["summary"]
    said = " ".join(segment["text"] for segment in client.get(job["files"]["script"]).json()["segments"])
    assert "huit heures" in said and "seize agents" in said
    for changes, named in [({"at": "25:99"}, "25:99"), ({"slot_s": 5}, "slot"), ({"rundown": False}, "--rundown")]:
        refused = client.post("/api/bulletins", json={**body, **changes})
        assert refused.status_code == 422 and named in refused.json()["error"], refused.json()
