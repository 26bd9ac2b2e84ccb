"""One watch cycle: fetch every source, make the newscast of the coming air time, deliver it atomically.

Delivery is a rename: the file is copied to a hidden temp file in the drop folder, flushed, and
renamed onto ``DIR/NAME``, so a playout system never sees a partial file; a dated copy
(``NAME-YYYYMMDD-HHMM.mp3``) is kept beside it, the newest ``keep`` of them. Nothing a cycle
meets (a source answering 500, hanging, serving broken XML; a failed synthesis; a failed
listen-back) stops the watcher: the cycle says what happened in its event, and the previous file
stays in place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bulletin import defaults
from bulletin.errors import BulletinError, OutputError, RequestError
from bulletin.files import copy_atomic, sha256_file
from bulletin.pipeline import deliver, produce
from bulletin.request import GenerateRequest, validate
from bulletin.sources import Story, load_stories
from bulletin.text.rundown import Rundown, air_time
from bulletin.watch.paths import state_paths
from bulletin.watch.state import WatchState, story_from_record, story_record


@dataclass(frozen=True)
class WatchConfig:
    """What a watcher does each cycle."""

    sources: tuple[str, ...]
    """Feeds, pages or files read each cycle, most important first."""
    drop_dir: Path
    """The playout system's watch folder."""
    request: GenerateRequest
    """Voice, station wording (``rundown``), slot, stories and mastering of each newscast."""
    name: str = defaults.WATCH_NAME
    """File name delivered in ``drop_dir``, replaced by rename each cycle."""
    keep: int = defaults.WATCH_KEEP
    """Dated copies kept beside it (0: none)."""
    state_dir: Path | None = None
    """Where the state JSON and the work files live; default the user state dir."""
    check: bool = False
    """Listen back before delivering; a failed check keeps the previous file."""
    max_wer: float = defaults.MAX_WER
    """Highest word error rate the check accepts."""
    publish_dir: Path | None = None
    """Also publish each newscast into this feed directory."""
    feed_config: Path | None = None
    """Channel TOML for ``publish_dir``."""


@dataclass
class CycleEvent:
    """What one cycle did: the log line and the ``--json`` event."""

    started: str
    air: str
    status: str = "failed"
    """delivered, nothing-new, check-failed or failed."""
    sources: list[dict] = field(default_factory=list)
    stories: list[str] = field(default_factory=list)
    duration_s: float | None = None
    delivered: str | None = None
    message: str = ""
    seconds: float = 0.0

    @property
    def delivered_ok(self) -> bool:
        """True if a new file is in the drop folder."""
        return self.status == "delivered"

    def to_dict(self) -> dict:
        """Return the JSON event."""
        return dataclasses.asdict(self)

    def line(self) -> str:
        """Return the one log line of this cycle."""
        ok = sum(1 for source in self.sources if source["ok"])
        fetched = ", ".join(
            f"{_short(s['source'])} {s['new']} new" if s["ok"] else f"{_short(s['source'])} FAILED ({s['error']})"
            for s in self.sources
        )
        head = f"{self.started} air {self.air[11:16]}: {ok}/{len(self.sources)} source(s) ok ({fetched})"
        body = f", {len(self.stories)} stories"
        if self.duration_s is not None:
            body += f", {self.duration_s:.1f} s"
        tail = f"delivered {self.delivered}" if self.delivered else self.status
        return f"{head}{body}, {tail}" + (f": {self.message}" if self.message else "") + f" ({self.seconds:.0f} s)"


class Watcher:
    """Runs cycles for one drop folder; ``clock`` and ``fetcher`` can be injected (tests, schedulers)."""

    def __init__(self, config: WatchConfig, clock: Callable[[], dt.datetime] = dt.datetime.now, fetcher=None):
        check_config(config)
        self.config = config
        self.clock = clock
        self.fetcher = fetcher
        self.target = Path(config.drop_dir) / config.name
        self.state_path, self.work_dir = state_paths(config.drop_dir, config.name, config.state_dir)
        self.state = WatchState.load(self.state_path)
        self.notes: list[str] = []
        settled = self.state.settle_pending()
        if settled:
            self.notes.append(settled)
        _remove_stale_temps(Path(config.drop_dir), self.target)

    @staticmethod
    def state_file(config: WatchConfig) -> Path:
        """Return the state JSON of the watcher of ``config``."""
        return state_paths(config.drop_dir, config.name, config.state_dir)[0]

    def run_cycle(self, critical=None) -> CycleEvent:
        """Run one cycle now and return its event; ``critical`` wraps the delivery (signals held off there)."""
        started = time.perf_counter()
        now = self.clock()
        rundown = self.config.request.rundown or Rundown()
        air = air_time(now, rundown.station.every_min)
        event = CycleEvent(started=now.isoformat(timespec="seconds"), air=air.isoformat(timespec="minutes"))
        try:
            stories = self._gather(event, now)
            if not stories:
                every_failed = not any(source["ok"] for source in event.sources)
                event.status = "failed" if every_failed else "nothing-new"
                event.message = "every source failed" if every_failed else "no new story"
                if self.target.exists():
                    event.message += "; the previous file stays"
                return event
            event.stories = [story.article.title for story in stories]
            self._make_and_deliver(stories, air, event, critical)
        except BulletinError as error:
            event.status, event.message = "failed", str(error)
        finally:
            event.seconds = time.perf_counter() - started
        return event

    def _gather(self, event: CycleEvent, now: dt.datetime) -> list[Story]:
        """Return the unannounced stories of every source (a failing one gives its last good fetch)."""
        request = self.config.request
        limit = request.stories or (request.rundown.station.stories if request.rundown else defaults.RUNDOWN_STORIES)
        seen = set(self.state.seen)
        found: list[Story] = []
        for source in self.config.sources:
            record = self.state.sources.setdefault(source, {"items": []})
            try:
                fresh = load_stories(
                    source, allow_private=request.allow_private, fetcher=self.fetcher, limit=limit, exclude=seen
                )
                record.update(ok_at=now.isoformat(timespec="seconds"), error=None)
                record["items"] = [story_record(story) for story in fresh]
                event.sources.append({"source": source, "ok": True, "new": len(fresh), "error": None})
            except BulletinError as error:
                record.update(failed_at=now.isoformat(timespec="seconds"), error=str(error))
                fresh = [story_from_record(item) for item in record.get("items", []) if item["guid"] not in seen]
                event.sources.append({"source": source, "ok": False, "new": len(fresh), "error": _first(str(error))})
            found += [story for story in fresh if story.guid not in {s.guid for s in found}]
        self.state.save()
        return found[:limit]

    def _make_and_deliver(self, stories: list[Story], air: dt.datetime, event: CycleEvent, critical) -> None:
        config = self.config
        shutil.rmtree(self.work_dir, ignore_errors=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        suffix = Path(config.name).suffix.lstrip(".").lower() or config.request.audio_format
        output = self.work_dir / f"{Path(config.name).stem}-{air:%Y%m%d-%H%M}.{suffix}"
        rundown = dataclasses.replace(config.request.rundown or Rundown(), at=air.time())
        request = dataclasses.replace(
            config.request,
            articles=tuple(story.article for story in stories),
            output=output,
            audio_format=suffix,
            rundown=rundown,
            date=air.date(),
        )
        bulletin = produce(request)
        event.duration_s = bulletin.duration_s
        # replace: new stories for the same air time make that hour's episode anew, as on air
        delivery = deliver(bulletin, config.check, config.max_wer, config.publish_dir, config.feed_config, replace=True)
        if not delivery.passed:
            event.status = "check-failed"
            report = delivery.report
            event.message = (
                f"listen-back word error rate {report.overall_wer:.2f} (limit {config.max_wer:.2f}), "
                f"{len(report.flagged)} segment(s) flagged; kept the previous {self.target.name}"
            )
            return
        pending = {
            "path": str(self.target),
            "sha256": sha256_file(output),
            "guids": [story.guid for story in stories],
            "stories": event.stories,
            "air": air.isoformat(timespec="minutes"),
            "at": event.started,
        }
        with critical() if critical else contextlib.nullcontext():
            self.state.pending = pending
            self.state.save()
            copy_atomic(output, self.target)
            self.state.mark_delivered(pending)
            self.state.pending = None
            self.state.save()
        if config.keep:
            copy_atomic(output, Path(config.drop_dir) / output.name)
            _prune_dated(Path(config.drop_dir), self.target, config.keep)
        event.status, event.delivered = "delivered", str(self.target)
        shutil.rmtree(self.work_dir, ignore_errors=True)  # delivered (and published): the work copy goes


def check_config(config: WatchConfig) -> None:
    """Raise a BulletinError naming the first unusable value of ``config`` (before any cycle runs)."""
    if not config.sources:
        raise RequestError("no source given; name at least one feed, page or article file to watch")
    drop = Path(config.drop_dir)
    if not drop.is_dir():
        raise OutputError(f"{drop}: no such directory; give the playout system's watch folder (create it first)")
    name = Path(config.name)
    if name.name != config.name or name.suffix.lstrip(".").lower() not in defaults.AUDIO_FORMATS:
        raise RequestError(
            f"--name {config.name!r}: give a file name ending in .{' .'.join(defaults.AUDIO_FORMATS)}, without a folder"
        )
    if config.keep < 0:
        raise RequestError(f"--keep-copies {config.keep}: give 0 or more dated copies")
    validate(dataclasses.replace(config.request, articles=("-",), audio_format=name.suffix.lstrip(".").lower()))


def _prune_dated(directory: Path, target: Path, keep: int) -> None:
    """Delete the dated copies of ``target`` beyond the newest ``keep`` (by the date in their names)."""
    pattern = re.compile(rf"{re.escape(target.stem)}-\d{{8}}-\d{{4}}{re.escape(target.suffix)}")
    copies = sorted(path for path in directory.iterdir() if pattern.fullmatch(path.name))
    for old in copies[:-keep]:
        old.unlink(missing_ok=True)


def _remove_stale_temps(directory: Path, target: Path) -> None:
    """Delete temp files a killed delivery left in the drop folder (hidden, never the delivered file)."""
    if not directory.is_dir():
        return
    for path in directory.glob(f".{target.stem}-*{target.suffix}.tmp"):
        path.unlink(missing_ok=True)


def _first(message: str) -> str:
    return message.splitlines()[0][:160]


def _short(source: str) -> str:
    return source.rstrip("/").rsplit("/", 1)[-1] or source
