"""``bulletin watch``: unattended newscasts delivered to a playout system's drop folder, cycle after cycle.

    from bulletin.watch import WatchConfig, watch
    watch(WatchConfig(sources=("https://example.org/rss.xml",), drop_dir=Path("/srv/playout/news"),
                      request=GenerateRequest(articles=(), voice="fr-siwis", rundown=Rundown())),
          schedule=Schedule(at_minute=58), on_event=print)

Each cycle (``bulletin.watch.cycle``) fetches the sources, makes the newscast of the coming air
time from the stories not yet announced and renames it into place. ``watch`` runs cycles on a
schedule until SIGTERM or SIGINT, which end it cleanly inside or between cycles: a cycle cut
short leaves no partial file (every write is a temp file renamed into place) and its stories
unannounced; the delivery itself (rename + state) runs with those signals held back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import threading
from collections.abc import Callable

from bulletin.watch.cycle import CycleEvent, WatchConfig, Watcher
from bulletin.watch.paths import WatchLock
from bulletin.watch.schedule import Schedule, parse_schedule

__all__ = ["CycleEvent", "Schedule", "Stopped", "WatchConfig", "Watcher", "parse_schedule", "watch"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Stopped(BaseException):
    """Raised by the SIGTERM/SIGINT handler; a BaseException so no cycle's error handling swallows it."""


def watch(
    config: WatchConfig,
    schedule: Schedule = Schedule(),
    once: bool = False,
    on_event: Callable[[CycleEvent], None] = lambda event: None,
    on_note: Callable[[str], None] = lambda note: None,
    clock: Callable[[], dt.datetime] = dt.datetime.now,
    sleep: Callable[[float], None] | None = None,
    fetcher=None,
    handle_signals: bool = True,
) -> CycleEvent | None:
    """Run cycles on ``schedule`` (one with ``once``) until stopped; return the last cycle's event.

    A cycle that fails is reported through ``on_event`` and the next one runs as planned; an
    unexpected error inside a cycle is reported the same way, never raised. ``sleep`` waits
    between cycles (default: a wait SIGTERM/SIGINT interrupt).
    """
    handle_signals = handle_signals and threading.current_thread() is threading.main_thread()
    wake = threading.Event()
    previous = _install(wake) if handle_signals else None
    last_event: CycleEvent | None = None
    try:
        with WatchLock(Watcher.state_file(config)):
            watcher = Watcher(config, clock=clock, fetcher=fetcher)
            for note in watcher.notes:
                on_note(note)
            critical = _held_signals if handle_signals else None
            last_start: dt.datetime | None = None
            while True:
                start = schedule.next_cycle(clock(), last_start)
                wait_s = (start - clock()).total_seconds()
                if wait_s > 0 and not once:
                    (sleep or wake.wait)(wait_s)
                    if wake.is_set():
                        break
                last_start = clock()
                last_event = _safe_cycle(watcher, critical)
                on_event(last_event)
                if once or wake.is_set():
                    break
    except Stopped:
        pass
    finally:
        if previous is not None:
            for number, handler in previous.items():
                signal.signal(number, handler)
    return last_event


def _safe_cycle(watcher: Watcher, critical) -> CycleEvent:
    """Run one cycle; an unexpected error becomes a failed event (the watcher goes on)."""
    try:
        return watcher.run_cycle(critical)
    except Exception as error:  # noqa: BLE001 - a bad cycle must never end an unattended watcher
        now = watcher.clock().isoformat(timespec="seconds")
        return CycleEvent(started=now, air=now, status="failed", message=f"{type(error).__name__}: {error}")


def _install(wake: threading.Event) -> dict:
    """Install the stop handler: wake a waiting watcher, or cut a running cycle short with ``Stopped``."""

    def stop(number, frame) -> None:
        wake.set()
        raise Stopped

    return {number: signal.signal(number, stop) for number in STOP_SIGNALS}


@contextlib.contextmanager
def _held_signals():
    """Hold SIGTERM/SIGINT back while a delivery renames its file and records it; they land right after."""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
