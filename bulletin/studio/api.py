"""The studio's JSON API: /api/script, /api/bulletins (jobs, their events, files, publish), /api/lexicon."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from bulletin import defaults
from bulletin.audio.sidecars import SIDECARS
from bulletin.studio.jobs import TERMINAL, Job
from bulletin.studio.service import NotFound, Studio

FILE_KINDS = ("audio", *SIDECARS)
"""What GET /api/bulletins/{id}/{kind} serves: the audio and its sidecars (vtt, srt, transcript, chapters, script)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(Strict):
    """One story: its text as pasted, or the URL of its page."""

    text: str | None = Field(None, description="The article (reference format, markdown or plain text).")
    url: str | None = Field(None, description="An http(s) URL of an article page.")

    @model_validator(mode="after")
    def one_of(self):
        if (self.text is None) == (self.url is None):
            raise ValueError("give either text or url")
        return self


class ScriptRequest(Source):
    """An article to preview as the voice will read it."""

    voice: str | None = Field(None, description="A preset name, or the studio's voice (default).")
    lexicon: dict[str, str] | None = Field(None, description="Entries tried over the station lexicon, not saved.")
    max_chars: int | None = Field(None, description="Longest segment, in spoken characters.")


class BulletinRequest(Strict):
    """A bulletin to make."""

    sources: list[Source] = Field(min_length=1, max_length=defaults.STUDIO_MAX_SOURCES)
    voice: str | None = None
    loudness_preset: Literal[tuple(defaults.LOUDNESS_PRESETS)] = defaults.LOUDNESS_PRESET
    jingles: bool = True
    audio_format: Literal[defaults.AUDIO_FORMATS] = defaults.AUDIO_FORMAT
    bitrate_kbps: int | None = None
    station: str | None = Field(None, max_length=200)
    show: str | None = Field(None, max_length=200)
    max_chars: int | None = None
    date: dt.date | None = None
    rundown: bool = Field(False, description="Frame the stories as a newscast: greeting, headlines, sign-off.")
    at: str | None = Field(None, description="With rundown: the air time said, HH:MM (default: the next full hour).")
    slot_s: float | None = Field(None, description="Fit the bulletin into this many seconds (whole sentences dropped).")


class Lexicon(Strict):
    """The station lexicon: written form -> spoken form."""

    entries: dict[str, str]


class PublishRequest(Strict):
    replace: bool = False


def job_view(studio: Studio, job: Job) -> dict:
    """Return a job as the API shows it: its record, without the event log, with the URLs of its files."""
    view = job.record()
    view.pop("events")
    view["files"] = {kind: f"/api/bulletins/{job.id}/{kind}" for kind in studio.store.files(job)}
    view["events_url"] = f"/api/bulletins/{job.id}/events"
    return view


def api_router(studio: Studio) -> APIRouter:
    """Return the /api routes over ``studio``."""
    router = APIRouter(prefix="/api")

    def bulletin_job(job_id: str) -> Job:
        return studio.job(job_id)

    @router.get("/settings", summary="Voices, loudness presets and formats a request may name")
    def settings_view() -> dict:
        return {
            "voice": studio.settings.voice,
            "voices": studio.voices(),
            "loudness_presets": {
                name: {"lufs": lufs, "true_peak_db": peak} for name, (lufs, peak) in defaults.LOUDNESS_PRESETS.items()
            },
            "loudness_preset": defaults.LOUDNESS_PRESET,
            "audio_formats": list(defaults.AUDIO_FORMATS),
            "token_required": studio.settings.token is not None,
        }

    @router.post("/script", summary="The spoken script of an article, with every rewrite (written -> spoken)")
    def script(body: ScriptRequest) -> dict:
        return studio.script(body.text, body.url, body.voice, body.lexicon, body.max_chars)

    @router.post(
        "/bulletins", status_code=202, summary="Queue a bulletin (429 with Retry-After when the queue is full)"
    )
    def create(body: BulletinRequest) -> JSONResponse:
        params = body.model_dump(mode="json", exclude_none=True)
        params["sources"] = [source.model_dump(exclude_none=True) for source in body.sources]
        job = studio.submit(params)
        return JSONResponse(job_view(studio, job), status_code=202, headers={"Location": f"/api/bulletins/{job.id}"})

    @router.get("/bulletins", summary="Every bulletin job, newest first")
    def listing() -> dict:
        return {"bulletins": [job_view(studio, job) for job in studio.listing()]}

    @router.get("/bulletins/{job_id}", summary="A job: status, progress, summary, files")
    def one(job: Job = Depends(bulletin_job)) -> dict:
        return job_view(studio, job)

    @router.get(
        "/bulletins/{job_id}/events",
        response_class=EventSourceResponse,
        summary="Server-sent events: queued, started, segment (i/n), mastering, then done, failed or cancelled",
    )
    async def events(request: Request, job: Job = Depends(bulletin_job)):
        queue: asyncio.Queue = asyncio.Queue()
        past = job.log.listen(asyncio.get_running_loop(), queue)
        seen = request.headers.get("last-event-id", "")
        seen = int(seen) if seen.isdigit() else 0
        try:
            for event in past:
                if event.seq > seen:
                    yield ServerSentEvent(event=event.kind, data=event.data, id=str(event.seq))
                if event.terminal:
                    return
            while True:
                event = await queue.get()
                if event is None:  # the studio is stopping: the client may reconnect later (Last-Event-ID)
                    return
                yield ServerSentEvent(event=event.kind, data=event.data, id=str(event.seq))
                if event.terminal:
                    return
        finally:
            job.log.forget(queue)

    @router.get(
        "/bulletins/{job_id}/{kind}",
        summary="The audio (byte ranges) or a sidecar: vtt, srt, transcript, chapters, script",
    )
    def file(kind: Literal[FILE_KINDS], request: Request, job: Job = Depends(bulletin_job)):
        from bulletin.publish.serve import ranged_response

        found = studio.store.files(job).get(kind)
        if found is None:
            raise NotFound(
                f"bulletin {job.id} has no {kind} file" + ("" if job.status == "done" else f" ({job.status})")
            )
        return ranged_response(request, found)

    @router.delete("/bulletins/{job_id}", summary="Cancel a queued or running job; delete a finished one and its files")
    def cancel(job: Job = Depends(bulletin_job)) -> JSONResponse:
        was = job.status
        studio.cancel(job)
        if was in TERMINAL:
            return JSONResponse({"id": job.id, "deleted": True})
        return JSONResponse(job_view(studio, job), status_code=202)

    @router.post("/bulletins/{job_id}/publish", summary="Publish a finished bulletin into the feed (served at /feed/)")
    def publish(request: Request, body: PublishRequest | None = None, job: Job = Depends(bulletin_job)) -> dict:
        return studio.publish(job, str(request.base_url), replace=bool(body and body.replace))

    @router.get("/lexicon", summary="The station's pronunciation lexicon")
    def lexicon() -> dict:
        from bulletin.studio.lexicon import read_entries

        path = studio.settings.lexicon_path
        return {"path": str(path), "entries": read_entries(path)}

    @router.put("/lexicon", summary="Replace the station lexicon (checked, written atomically; 422 names a bad entry)")
    async def replace_lexicon(body: Lexicon) -> dict:
        from bulletin.studio.lexicon import save_entries

        path = studio.settings.lexicon_path
        await run_in_threadpool(save_entries, path, body.entries)
        return {"path": str(path), "entries": body.entries}

    return router
