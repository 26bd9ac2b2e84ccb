"""The studio's work: scripts to preview, bulletins to queue, make, cancel and publish, speech to answer.

``Studio`` ties the job store, the one synthesis worker and the kept voices together and
calls the pipeline (``make_script``, ``produce``, ``publish_file``) the way the CLI does,
so a bulletin made here is the bulletin ``bulletin generate`` makes from the same request.
The HTTP layer (``api``, ``v1``) only turns requests into these calls.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from concurrent.futures import Future

from bulletin import defaults
from bulletin.errors import ArticleError, BulletinError, RequestError
from bulletin.files import slugify
from bulletin.studio.jobs import TERMINAL, Job, JobStore
from bulletin.studio.settings import StudioSettings, check_settings
from bulletin.studio.voices import VoicePool
from bulletin.studio.worker import JobCancelled, Worker, check_cancel
from bulletin.text.article import Article, parse_article

LOG = logging.getLogger("bulletin.studio")
SPEAKING_SHARE = 90
"""Percent of a job's progress bar that synthesis fills (mixing and mastering take the rest)."""


class NotFound(BulletinError):
    """No job has that id (the API answers 404)."""


class Conflict(BulletinError):
    """The job is not in a state that allows this (the API answers 409)."""


class Unavailable(BulletinError):
    """The studio is stopping: the request could not be served (the API answers 503)."""


class Studio:
    """The service behind the HTTP routes; ``start`` before use, ``stop`` at the end."""

    def __init__(self, settings: StudioSettings) -> None:
        check_settings(settings)
        self.settings = settings
        self.store = JobStore(settings.state_dir)
        self.pool = VoicePool(settings.voices_kept, settings.min_free_mb)
        self.worker = Worker(self._run, settings.queue_size)
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        """Load past jobs (a job cut short is marked interrupted, queued ones wait again) and start the worker."""
        jobs, waiting = self.store.recover()
        with self._lock:
            self.jobs = {job.id: job for job in jobs}
        for job in waiting:
            self.worker.submit(job, bounded=False)
        self.worker.start()

    def hang_up(self) -> None:
        """End every open event stream now (the server is stopping; a listener must not hold it)."""
        with self._lock:
            jobs = list(self.jobs.values())
        for job in jobs:
            job.log.hang_up()

    def stop(self) -> None:
        """Stop the worker (a running job is interrupted) and free the kept voices."""
        running = self.worker.current
        self.worker.stop()
        if running is not None and running.status == "running":  # still inside a long segment: record it now
            running.moved("interrupted", error="the studio stopped while this bulletin was being made; ask again")
            running.log.emit("interrupted", {"error": running.error})
            self.store.save(running)
            return  # the worker thread is a daemon: it ends with the process, voices and all
        self.pool.close()

    # --- voices, scripts ---------------------------------------------------------------------

    def voice_spec(self, name: str | None) -> str:
        """Return the voice a request may use: the studio's own, or a bundled preset; RequestError otherwise.

        A request never names a directory: a client must not make the service open files.
        """
        from bulletin.engines.presets import list_presets

        if not name or name == self.settings.voice:
            return self.settings.voice
        presets = [preset.name for preset in list_presets()]
        if name in presets:
            return name
        raise RequestError(f"unknown voice {name!r}; use one of {', '.join([self.settings.voice, *presets])}")

    def voices(self) -> list[dict]:
        """Return the voices a request may name, the studio's own first, with whether each works offline now."""
        from bulletin.engines.factory import preset_status
        from bulletin.engines.presets import list_presets, resolve_voice_spec

        listed = [resolve_voice_spec(self.settings.voice)]
        listed += [preset for preset in list_presets() if preset.name != listed[0].name]
        rows = []
        for preset in listed:
            offline, status = preset_status(preset)
            name = self.settings.voice if preset is listed[0] else preset.name
            rows.append({"name": name, "engine": preset.engine, "offline": offline, "status": status})
            rows[-1]["description"] = preset.description or ("la voix du studio" if preset is listed[0] else "")
        return rows

    def article(self, text: str | None = None, url: str | None = None) -> Article:
        """Return the Article of pasted ``text`` or of the page at ``url`` (http/https; private addresses refused)."""
        if text is not None:
            return parse_article(text)
        if url is None:
            raise ArticleError("give the text of an article or its URL")
        if not url.lower().startswith(("http://", "https://")):
            raise RequestError(f"{url}: only http:// and https:// URLs can be fetched")
        try:
            from bulletin.sources import load
        except ImportError:
            raise RequestError("URL sources need bulletin.sources, which this build lacks; paste the text") from None
        articles = load(url, allow_private=self.settings.allow_private_urls, limit=1)
        if not articles:
            raise ArticleError(f"{url}: no article found at this address")
        return articles[0]

    def script(self, text=None, url=None, voice=None, lexicon: dict | None = None, max_chars=None) -> dict:
        """Return the spoken script of an article for a voice: each segment written, spoken and the rewrites between."""
        from bulletin.engines.presets import preset_alphabet, resolve_voice_spec
        from bulletin.pipeline import make_script
        from bulletin.studio.lexicon import read_entries, save_entries

        article = self.article(text, url)
        preset = resolve_voice_spec(self.voice_spec(voice))
        max_chars = max_chars or defaults.MAX_CHARS
        low, high = defaults.MAX_CHARS_RANGE
        if not low <= max_chars <= high:
            raise RequestError(f"max_chars {max_chars} is out of range; use {low} to {high}")
        station = self.settings.lexicon_path
        if lexicon:  # a preview with entries not saved yet: the station's, overridden
            trial = self.store.root.parent / "preview" / f"lexicon-{threading.get_ident()}.toml"
            save_entries(trial, {**read_entries(station), **lexicon})
            station = trial
        script = make_script([article], preset_alphabet(preset), station if station.is_file() else None, max_chars)
        return {
            "title": script.title,
            "voice": preset.name,
            "segments": [segment_json(number, segment) for number, segment in enumerate(script.segments)],
        }

    # --- bulletins ---------------------------------------------------------------------------

    def submit(self, params: dict) -> Job:
        """Queue a bulletin of ``params["sources"]`` ({text} or {url} each); QueueFull when the queue is full."""
        params = dict(params, voice=self.voice_spec(params.get("voice")))
        self._newscast(params)  # a bad air time or slot is refused now, not when the job runs
        sources = params.pop("sources")
        articles = [self.article(source.get("text"), source.get("url")) for source in sources]
        date = dt.date.fromisoformat(params["date"]) if params.get("date") else dt.date.today()
        params["date"] = date.isoformat()
        title = articles[0].title if len(articles) == 1 else "journal"
        params["titles"] = [article.title for article in articles]
        job = self.store.new("bulletin", params)
        job.output = f"{date.isoformat()}-{slugify(title)}.{params.get('audio_format', defaults.AUDIO_FORMAT)}"
        for number, (source, article) in enumerate(zip(sources, articles), 1):
            text = source.get("text") if source.get("text") is not None else article_text(article)
            (self.store.directory(job) / f"source-{number:02d}.txt").write_text(text, encoding="utf-8")

        def queued(ahead: int) -> None:
            job.log.emit("queued", {"ahead": ahead})
            self.store.save(job)

        try:
            self.worker.submit(job, queued=queued)
        except Exception:
            self.store.delete(job)
            raise
        with self._lock:
            self.jobs[job.id] = job
        return job

    def _newscast(self, params: dict):
        """Return (the Rundown asked, the slot in seconds) of a bulletin's ``params``; RequestError if out of range."""
        from bulletin.text.rundown import rundown_from_options

        enabled = params.get("rundown", False)
        station = self.settings.station_config if enabled else None  # the studio's wording, for newscasts only
        rundown = rundown_from_options(enabled, params.get("at"), station)
        slot_s = params.get("slot_s")
        low, high = defaults.SLOT_RANGE_S
        if slot_s is not None and not low <= slot_s <= high:
            raise RequestError(f"slot_s {slot_s:g} is out of range; use {defaults.span(defaults.SLOT_RANGE_S)} s")
        return rundown, slot_s

    def job(self, job_id: str) -> Job:
        """Return the bulletin job ``job_id``; NotFound if there is none."""
        with self._lock:
            job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no bulletin {job_id!r}; GET /api/bulletins lists them")
        return job

    def listing(self) -> list[Job]:
        """Return every bulletin job, newest first."""
        with self._lock:
            return sorted(self.jobs.values(), key=lambda job: (job.created, job.id), reverse=True)

    def cancel(self, job: Job) -> Job:
        """Cancel a queued job now, or a running one at its next segment; delete a finished one and its files."""
        if job.status == "queued" and self.worker.withdraw(job):
            job.moved("cancelled")
            job.log.emit("cancelled", {})
            self.store.save(job)
        elif job.status in ("queued", "running"):
            job.cancel.set()  # the worker sees it between segments
        else:
            with self._lock:
                self.jobs.pop(job.id, None)
            self.store.delete(job)
        return job

    def publish(self, job: Job, studio_url: str, replace: bool = False) -> dict:
        """Publish a finished bulletin into the feed directory; return the episode (URLs under /feed/ unless set)."""
        from bulletin.pipeline import publish_file
        from bulletin.publish.channel import find_channel_config, load_channel

        if job.status != "done":
            raise Conflict(f"bulletin {job.id} is {job.status}: only a finished bulletin can be published")
        config = find_channel_config(self.settings.feed_dir, self.settings.feed_config)
        base_url = None if load_channel(config).base_url else studio_url.rstrip("/") + "/feed"
        audio = self.store.files(job)["audio"]
        episode = publish_file(audio, self.settings.feed_dir, config, base_url=base_url, replace=replace)
        job.published = episode.summary()
        self.store.save(job)
        return job.published

    def speak(self, params: dict) -> Job:
        """Queue a /v1/audio/speech request; its ``result`` (a Future) gets (audio bytes, spoken text)."""
        params = dict(params, voice=self.voice_spec(params.get("voice")))
        job = self.store.new("speech", params)
        job.result = Future()
        self.worker.submit(job)
        return job

    # --- the worker's side -------------------------------------------------------------------

    def _run(self, job: Job) -> None:
        """Make ``job`` (on the worker thread), recording every step; never raises for a job's own failure."""
        if job.cancel.is_set():
            return self._finish(job, "cancelled", {})
        self.pool.relieve()
        job.moved("running")
        job.log.emit("started", {})
        self.store.save(job)
        try:
            if job.kind == "speech":
                from bulletin.studio.speech import speak

                job.result.set_result(speak(job, self))
                return self._finish(job, "done", {})
            bulletin = self._produce(job)
        except JobCancelled:
            status = "interrupted" if self.worker.stopping else "cancelled"
            return self._finish(job, status, {}, error="the studio stopped" if status == "interrupted" else None)
        except BulletinError as error:
            return self._finish(job, "failed", {"error": str(error)}, error=str(error))
        except Exception as error:  # a bug: logged with its traceback, the job fails with one line
            LOG.exception("job %s failed", job.id)
            message = f"internal error ({type(error).__name__}); see the studio's log"
            return self._finish(job, "failed", {"error": message}, error=message)
        summary = bulletin.summary()
        job.progress = {"done": job.progress["total"], "total": job.progress["total"], "stage": "done", "percent": 100}
        self._finish(job, "done", {"summary": summary}, summary=summary, output=bulletin.output.name)

    def _finish(self, job: Job, status: str, data: dict, **changes) -> None:
        if job.kind == "speech" and not job.result.done():
            job.result.set_exception(JobCancelled(job.id) if status != "failed" else BulletinError(changes["error"]))
        job.moved(status, **changes)
        job.log.emit(status, data)
        self.store.save(job)

    def _produce(self, job: Job):
        """Run the pipeline for a bulletin job, reporting each segment and stopping when cancelled."""
        from bulletin.pipeline import GenerateRequest, loudness_targets, produce

        params = job.params
        directory = self.store.directory(job)
        lufs, peak = loudness_targets(params.get("loudness_preset", defaults.LOUDNESS_PRESET))
        rundown, slot_s = self._newscast(params)
        request = GenerateRequest(
            articles=tuple(sorted(directory.glob("source-*.txt"))),
            output=directory / job.output,
            voice=params["voice"],
            voice_options=self.settings.voice_options,
            cache_dir=self.settings.cache_dir,
            lexicon=self.settings.lexicon_path if self.settings.lexicon_path.is_file() else None,
            max_chars=params.get("max_chars") or defaults.MAX_CHARS,
            jingles=params.get("jingles", True),
            target_lufs=lufs,
            true_peak_db=peak,
            audio_format=params.get("audio_format", defaults.AUDIO_FORMAT),
            bitrate_kbps=params.get("bitrate_kbps") or defaults.BITRATE_KBPS,
            station=params.get("station") or defaults.STATION,
            show=params.get("show") or defaults.SHOW,
            date=dt.date.fromisoformat(params["date"]),
            rundown=rundown,
            slot_s=slot_s,
            allow_private=self.settings.allow_private_urls,
        )
        last = {"done": -1, "stage": ""}

        def progress(done: int, total: int, stage: str) -> None:
            check_cancel(job)
            mastering = stage == "mixing"  # "loading voice" and "speaking" are the speaking share
            stage = "mastering" if mastering else "speaking"
            if (done, stage) == (last["done"], last["stage"]):
                return  # one event per segment: loading the voice, then speaking it, is one step here
            last.update(done=done, stage=stage)
            percent = SPEAKING_SHARE + 5 if mastering else SPEAKING_SHARE * done // max(total, 1)
            job.progress = {"done": done, "total": total, "stage": stage, "percent": percent}
            job.log.emit("mastering" if mastering else "segment", dict(job.progress))

        voice = self.pool.get(request.voice, request.voice_options)
        return produce(request, progress, voice=voice)


def segment_json(number: int, segment) -> dict:
    """Return one segment of a script as the API shows it: written, spoken, and every rewrite between them."""
    rewrites = getattr(segment, "rewrites", ())
    return {
        "index": number,
        "role": segment.role,
        "story": segment.story,
        "paragraph": segment.paragraph,
        "written": getattr(segment, "written", "") or segment.text,
        "spoken": segment.text,
        "rewrites": [dataclasses.asdict(rewrite) for rewrite in rewrites],
    }


def article_text(article: Article) -> str:
    """Return ``article`` in the reference text format, which ``parse_article`` reads back as the same Article."""
    lead = article.lead
    if article.dateline:
        lead = f"{article.dateline} ({article.agency}) {lead}" if article.agency else f"{article.dateline} {lead}"
    blocks = [f"# {article.title}", lead, *article.paragraphs[1:]]
    if article.source:
        blocks.append(f"({article.source})")
    if article.url:
        blocks.append(f"<{article.url}>")
    return "\n\n".join(blocks) + "\n"


__all__ = ["TERMINAL", "Conflict", "NotFound", "Studio", "Unavailable", "article_text", "segment_json"]
