"""The studio's ASGI app (FastAPI): the page at /, the API under /api and /v1, the feed under /feed/, docs at /docs.

Every error is JSON ``{"error": "one line"}`` (under /v1/, OpenAI's shape ``{"error":
{"message": ...}}``) with the message the CLI would print for the same mistake; a bug is
logged with its traceback on the server and answered 500 with one line, never a
traceback. With a token set, every /api and /v1 route asks for ``Authorization: Bearer
TOKEN`` (401 without); the page, its assets, the docs and the published feed are open
(they hold nothing private).
"""

from __future__ import annotations

import hmac
import logging
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from bulletin import __version__
from bulletin.errors import BulletinError, RequestError
from bulletin.studio.lexicon import LexiconError
from bulletin.studio.service import Conflict, NotFound, Studio, Unavailable
from bulletin.studio.settings import StudioSettings
from bulletin.studio.worker import QueueFull

LOG = logging.getLogger("bulletin.studio")
STATUS = {NotFound: 404, Conflict: 409, LexiconError: 422, RequestError: 422, Unavailable: 503}
"""HTTP status of each kind of user mistake; any other BulletinError is a 400."""


class ApiError(Exception):
    """An HTTP error with a one-line message (401, 413...)."""

    def __init__(self, status: int, message: str, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status, self.headers = status, headers or {}


OPENAI_TYPES = {401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error", 500: "server_error"}


def error(status: int, message: str, headers: dict | None = None, path: str = "") -> JSONResponse:
    """Return the JSON error every route answers with: ``{"error": "one line"}``.

    Under /v1/ it is OpenAI's shape, ``{"error": {"message": ..., "type": ...}}``, which
    OpenAI clients show to their users.
    """
    line = " ".join(str(message).split())
    if path.startswith("/v1/"):
        kind = OPENAI_TYPES.get(status, "invalid_request_error")
        return JSONResponse({"error": {"message": line, "type": kind, "code": None}}, status, headers=headers)
    return JSONResponse({"error": line}, status_code=status, headers=headers)


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is a 413 in JSON (declared or streamed, never read whole)."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = f"request body over {self.max_bytes} bytes; send less (an article is a few kB)"
        declared = dict(scope.get("headers", ())).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            return await error(413, message, path=scope.get("path", ""))(scope, receive, send)
        state = {"seen": 0, "over": False, "answered": False}

        async def limited():
            if state["over"]:
                return {"type": "http.disconnect"}
            event = await receive()
            state["seen"] += len(event.get("body", b""))
            if state["seen"] > self.max_bytes:  # the app sees the client gone and stops reading
                state["over"] = True
                return {"type": "http.disconnect"}
            return event

        async def guarded(event) -> None:
            if state["over"]:
                return  # what the app answers to a body cut short is dropped: the 413 below is the answer
            state["answered"] = True
            await send(event)

        try:
            await self.app(scope, limited, guarded)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["answered"]:
            await error(413, message, path=scope.get("path", ""))(scope, receive, send)


def static_dir():
    """Return the directory of the page's assets (package data)."""
    return resources.files("bulletin.studio") / "static"


def create_app(settings: StudioSettings | None = None, studio: Studio | None = None) -> FastAPI:
    """Return the studio app for ``settings``; it starts its worker on startup and stops it on shutdown."""
    from bulletin.publish.serve import feed_app
    from bulletin.studio.api import api_router
    from bulletin.studio.v1 import openai_router

    studio = studio or Studio(settings or StudioSettings())
    settings = studio.settings

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        studio.start()
        try:
            yield
        finally:
            from starlette.concurrency import run_in_threadpool

            await run_in_threadpool(studio.stop)

    app = FastAPI(
        title="bulletin studio",
        version=__version__,
        description="French news to broadcast-ready bulletins: scripts, jobs, lexicon, OpenAI-compatible speech.",
        lifespan=lifespan,
        docs_url=None,  # served below from the swagger-ui bundle on disk: no CDN
        redoc_url=None,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.state.studio = studio

    def authorised(request: Request) -> None:
        if settings.token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.token.encode()):
            raise ApiError(
                401, "missing or wrong token: send Authorization: Bearer TOKEN", {"WWW-Authenticate": "Bearer"}
            )

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError):
        return error(exc.status, str(exc), exc.headers, request.url.path)

    @app.exception_handler(QueueFull)
    async def on_queue_full(request: Request, exc: QueueFull):
        return error(429, str(exc), {"Retry-After": str(exc.retry_after_s)}, request.url.path)

    @app.exception_handler(BulletinError)
    async def on_bulletin_error(request: Request, exc: BulletinError):
        status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
        return error(status, str(exc), path=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        return error(422, f"{where}: {message}" if where else message, path=request.url.path)

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException):
        return error(exc.status_code, exc.detail, getattr(exc, "headers", None), request.url.path)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception):
        LOG.exception("%s %s failed", request.method, request.url.path)
        return error(500, f"internal error ({type(exc).__name__}); see the studio's log", path=request.url.path)

    guarded = [Depends(authorised)]
    app.include_router(api_router(studio), dependencies=guarded)
    app.include_router(openai_router(studio), dependencies=guarded)
    settings.feed_dir.mkdir(parents=True, exist_ok=True)
    app.mount("/feed", feed_app(settings.feed_dir), name="feed")
    app.mount("/static", StaticFiles(directory=str(static_dir())), name="static")

    import swagger_ui_bundle
    from fastapi.openapi.docs import get_swagger_ui_html

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title="bulletin studio — API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(str(static_dir() / "index.html"), media_type="text/html; charset=utf-8")

    return app
