"""OpenAI-compatible routes: POST /v1/audio/speech and GET /v1/models, for clients written against OpenAI's API.

The official ``openai`` client works unchanged against ``base_url="http://HOST:PORT/v1"``.
OpenAI's voice names ("alloy", ...) are read by the studio's voice; a bundled preset name
("fr-siwis") picks that voice. The text actually spoken comes back, percent-encoded, in
the ``X-Bulletin-Spoken`` header. Requests queue with the bulletins (one synthesis
worker); a full queue is a 429 with Retry-After.
"""

from __future__ import annotations

import asyncio
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from bulletin import defaults
from bulletin.errors import RequestError
from bulletin.studio.service import Studio, Unavailable
from bulletin.studio.speech import MODELS, OPENAI_VOICES
from bulletin.studio.worker import JobCancelled

FORMATS = ("mp3", "wav", "flac", "opus", "aac", "pcm")


class SpeechRequest(BaseModel):
    """OpenAI's speech request (fields it may add later are ignored)."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description=f"One of {', '.join(MODELS)} (all read with the French pipeline).")
    input: str = Field(min_length=1, max_length=defaults.SPEECH_MAX_CHARS)
    voice: str = Field(description="An OpenAI voice name (the studio's voice reads it) or a bundled preset.")
    response_format: Literal[FORMATS] = "mp3"
    speed: float = Field(1.0, ge=0.25, le=4.0)
    instructions: str | None = Field(None, description="Accepted and ignored.")


def openai_router(studio: Studio) -> APIRouter:
    """Return the /v1 routes over ``studio``."""
    router = APIRouter(prefix="/v1")

    @router.get("/models", summary="The model names /v1/audio/speech accepts")
    def models() -> dict:
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "bulletin"} for m in MODELS],
        }

    @router.post("/audio/speech", summary="Speak `input` in French; audio bytes in `response_format`")
    async def speech(body: SpeechRequest) -> Response:
        from bulletin.audio.export import MEDIA_TYPES

        if body.model not in MODELS:
            raise RequestError(f"unknown model {body.model!r}; use one of {', '.join(MODELS)}")
        voice = None if body.voice in OPENAI_VOICES else body.voice
        params = {"input": body.input, "voice": voice, "response_format": body.response_format, "speed": body.speed}
        job = studio.speak(params)
        try:
            audio, spoken = await asyncio.wrap_future(job.result)
        except JobCancelled:
            raise Unavailable("the studio stopped before this speech was made; send it again") from None
        except asyncio.CancelledError:
            job.cancel.set()
            studio.worker.withdraw(job)
            raise
        headers = {"X-Bulletin-Spoken": quote(spoken, safe=" ,.'")}
        return Response(audio, media_type=MEDIA_TYPES[body.response_format], headers=headers)

    return router
