"""One synthesis worker: a thread that runs jobs one at a time, first in first out, from a bounded queue.

Synthesis uses every core already (torch, ONNX Runtime); two bulletins at once would each
go at half speed and hold two models. So the service has exactly one worker, and requests
beyond the queue are refused (``QueueFull``: the API answers 429 with Retry-After) rather
than piling up. A running job is cancelled through its ``cancel`` flag, which the job's
progress callback checks between segments (``JobCancelled``).
"""

from __future__ import annotations

import collections
import logging
import math
import threading
import time
from collections.abc import Callable

from bulletin.engines.base import release_memory
from bulletin.studio.jobs import Job

LOG = logging.getLogger("bulletin.studio")


class JobCancelled(Exception):
    """Raised inside a job (from its progress callback) when its cancel flag is set."""


class QueueFull(Exception):
    """The queue holds as many jobs as it may; ``retry_after_s`` estimates when one will have left."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the studio is busy ({retry_after_s} s estimated); try again later")
        self.retry_after_s = retry_after_s


def check_cancel(job: Job) -> None:
    """Raise JobCancelled when ``job`` was asked to stop."""
    if job.cancel.is_set():
        raise JobCancelled(job.id)


class Worker:
    """The synthesis thread: ``submit`` jobs, ``withdraw`` a waiting one, ``start`` and ``stop``."""

    def __init__(self, run: Callable[[Job], None], queue_size: int) -> None:
        self._run = run
        self.queue_size = queue_size
        self._waiting: collections.deque[Job] = collections.deque()
        self._condition = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.current: Job | None = None
        """The job being made, if any."""
        self._durations_s: collections.deque[float] = collections.deque([30.0], maxlen=8)

    def submit(self, job: Job, bounded: bool = True, queued: Callable[[int], None] | None = None) -> int:
        """Queue ``job`` and return how many jobs are ahead of it; QueueFull when the queue is full.

        ``queued(ahead)`` runs before the worker can take the job (to record it as queued first).
        """
        with self._condition:
            if bounded and len(self._waiting) >= self.queue_size:
                raise QueueFull(self.retry_after_s())
            ahead = len(self._waiting) + (self.current is not None)
            if queued is not None:
                queued(ahead)
            self._waiting.append(job)
            self._condition.notify()
            return ahead

    def withdraw(self, job: Job) -> bool:
        """Take ``job`` out of the queue before it starts; False when it is not waiting."""
        with self._condition:
            try:
                self._waiting.remove(job)
            except ValueError:
                return False
            return True

    def waiting(self) -> list[Job]:
        """Return the jobs in the queue, next first."""
        with self._condition:
            return list(self._waiting)

    @property
    def stopping(self) -> bool:
        """True once ``stop`` was called (a job cut short then is interrupted, not cancelled)."""
        return self._stopping

    def retry_after_s(self) -> int:
        """Return the seconds until a queue slot frees, from recent job durations (at least 1)."""
        typical_s = sorted(self._durations_s)[len(self._durations_s) // 2]
        return max(1, math.ceil(typical_s))

    def start(self) -> None:
        """Start the thread."""
        self._thread = threading.Thread(target=self._loop, name="bulletin-synthesis", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Cancel the running job, stop taking new ones and wait for the thread (queued jobs stay queued)."""
        with self._condition:
            self._stopping = True
            if self.current is not None:
                self.current.cancel.set()
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        """True while the thread runs (after ``stop``: still finishing a segment)."""
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while True:
            with self._condition:
                while not self._waiting and not self._stopping:
                    self._condition.wait()
                if self._stopping:
                    return
                job = self.current = self._waiting.popleft()
            started = time.monotonic()
            try:
                self._run(job)
            except Exception:  # a bug in a job must not stop the service: logged, the job is failed by _run
                LOG.exception("job %s: unexpected error", job.id)
            finally:
                release_memory()  # what the job freed goes back to the system: RSS does not creep job after job
                if job.kind == "bulletin":
                    self._durations_s.append(time.monotonic() - started)
                with self._condition:
                    self.current = None
