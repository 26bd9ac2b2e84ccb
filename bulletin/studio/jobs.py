"""Job records: what was asked, where it stands, what it made; kept on disk so a restart lists past jobs.

Each job lives in ``STATE_DIR/jobs/ID/``: ``job.json`` (written atomically at every change
of status), its sources as text files and the bulletin it made with its sidecars. A job
found "running" or "queued" when the service starts was cut short by a crash or a stop:
the running one is marked interrupted, the queued ones wait again (``JobStore.recover``).
Events (queued, started, segment i/n, mastering, done/failed) are kept per job and fanned
out to server-sent-event listeners on their event loops.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from bulletin.files import write_atomic

TERMINAL = ("done", "failed", "cancelled", "interrupted")
"""Statuses a job never leaves."""
STATUSES = ("queued", "running", *TERMINAL)
RECORD = "job.json"
LOG = logging.getLogger("bulletin.studio")


@dataclass(frozen=True)
class Event:
    """One step of a job, as server-sent events carry it."""

    seq: int
    """1, 2, 3... in the order they happened (the SSE id)."""
    kind: str
    """queued, started, segment, mastering, done, failed, cancelled or interrupted."""
    data: dict
    """What the step says: the progress, the summary or the error."""

    @property
    def terminal(self) -> bool:
        """True for the last event a job sends."""
        return self.kind in TERMINAL


class EventLog:
    """A job's events in order; listeners on asyncio loops get each new one (thread-safe)."""

    def __init__(self, events: list[Event] | None = None) -> None:
        self._events: list[Event] = list(events or [])
        self._lock = threading.Lock()
        self._listeners: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []

    def emit(self, kind: str, data: dict | None = None) -> Event:
        """Record a new event and hand it to every listener; return it."""
        with self._lock:
            event = Event(len(self._events) + 1, kind, dict(data or {}))
            self._events.append(event)
            listeners = list(self._listeners)
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            except RuntimeError:  # that loop is closed: its listener is gone
                pass
        return event

    def listen(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> list[Event]:
        """Register ``queue`` for new events; return the events so far (none is missed or repeated)."""
        with self._lock:
            self._listeners.append((loop, queue))
            return list(self._events)

    def hang_up(self) -> None:
        """Tell every listener there is nothing more to wait for (the service is stopping): they get None."""
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, None)
            except RuntimeError:
                pass

    def forget(self, queue: asyncio.Queue) -> None:
        """Stop handing events to ``queue``."""
        with self._lock:
            self._listeners = [(loop, q) for loop, q in self._listeners if q is not queue]

    def events(self) -> list[Event]:
        """Return the events so far."""
        with self._lock:
            return list(self._events)


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Job:
    """One bulletin asked of the studio (or one /v1/audio/speech request, never written to disk)."""

    id: str
    kind: str
    """"bulletin" (persisted, listed) or "speech" (answered, then forgotten)."""
    params: dict
    """The request as validated (sources are stored beside the record, not here)."""
    status: str = "queued"
    created: str = field(default_factory=_now)
    started: str | None = None
    finished: str | None = None
    progress: dict = field(default_factory=lambda: {"done": 0, "total": 0, "stage": "queued", "percent": 0})
    summary: dict | None = None
    """Bulletin.summary() once done."""
    output: str | None = None
    """File name of the audio, inside the job's directory."""
    error: str | None = None
    """The one-line message of a failed job."""
    published: dict | None = None
    """The feed episode, once published."""
    log: EventLog = field(default_factory=EventLog, repr=False)
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    result: object = field(default=None, repr=False)
    """What a speech job hands back to the request waiting for it."""

    def record(self) -> dict:
        """Return the job as JSON: what the API shows and what is written to disk."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "progress": dict(self.progress),
            "params": self.params,
            "summary": self.summary,
            "output": self.output,
            "error": self.error,
            "published": self.published,
            "events": [[e.seq, e.kind, e.data] for e in self.log.events()],
        }

    def moved(self, status: str, **changes) -> None:
        """Set ``status`` (and other fields), stamping when it started or finished."""
        self.status = status
        if status == "running":
            self.started = _now()
        if status in TERMINAL:
            self.finished = _now()
        for name, value in changes.items():
            setattr(self, name, value)


def job_from_record(record: dict) -> Job:
    """Return the Job a ``job.json`` describes."""
    events = [Event(seq, kind, data) for seq, kind, data in record.get("events", [])]
    names = ("status", "created", "started", "finished", "progress", "summary", "output", "error", "published")
    return Job(
        id=record["id"],
        kind=record.get("kind", "bulletin"),
        params=record.get("params", {}),
        log=EventLog(events),
        **{name: record[name] for name in names if name in record},
    )


class JobStore:
    """Job directories under ``STATE_DIR/jobs``: create, save, load, recover, delete."""

    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir) / "jobs"
        self.root.mkdir(parents=True, exist_ok=True)
        self._writing = threading.Lock()

    def new(self, kind: str, params: dict) -> Job:
        """Return a new queued job with its own directory (a speech job gets none)."""
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
        job = Job(id=f"{stamp}-{secrets.token_hex(4)}", kind=kind, params=params)
        if kind == "bulletin":
            self.directory(job).mkdir()
        return job

    def directory(self, job: Job) -> Path:
        """Return the job's directory."""
        return self.root / job.id

    def save(self, job: Job) -> None:
        """Write the job's record atomically (speech jobs are not kept)."""
        if job.kind != "bulletin":
            return
        with self._writing:  # one writer at a time: the last record written is the newest state
            data = json.dumps(job.record(), ensure_ascii=False, indent=1) + "\n"
            write_atomic(self.directory(job) / RECORD, data.encode("utf-8"))

    def load(self) -> list[Job]:
        """Return every job on disk, oldest first; a damaged record is skipped with one log line."""
        jobs = []
        for path in sorted(self.root.glob(f"*/{RECORD}")):
            try:
                jobs.append(job_from_record(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError) as error:
                LOG.warning("%s: damaged job record skipped (%s)", path, error)
        return sorted(jobs, key=lambda job: (job.created, job.id))

    def recover(self) -> tuple[list[Job], list[Job]]:
        """Return (every job on disk, the queued ones to run again); a job found running is marked interrupted."""
        jobs = self.load()
        waiting = []
        for job in jobs:
            if job.status == "running":
                job.moved("interrupted", error="the studio stopped while this bulletin was being made; ask again")
                job.log.emit("interrupted", {"error": job.error})
                self.save(job)
            elif job.status == "queued":
                waiting.append(job)
        return jobs, waiting

    def files(self, job: Job) -> dict[str, Path]:
        """Return the job's audio and sidecars that exist, by kind (audio, vtt, srt, chapters, script)."""
        if not job.output:
            return {}
        from bulletin.audio.sidecars import sidecar_paths

        audio = self.directory(job) / job.output
        found = {"audio": audio, **sidecar_paths(audio)}
        return {kind: path for kind, path in found.items() if path.is_file()}

    def delete(self, job: Job) -> None:
        """Remove the job's directory and everything in it."""
        shutil.rmtree(self.directory(job), ignore_errors=True)
