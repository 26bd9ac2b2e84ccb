"""Running jobs on Ray: a local instance sized to the cores (started and stopped here) or a cluster.

Each worker is an actor (a process) holding its voices loaded, with ``threads`` cores for
torch; jobs go to whichever actor is free and results come back as they finish
(``ray.wait``). An actor whose process dies is restarted by Ray and its job retried there
(``max_restarts`` / ``max_task_retries``); a job that keeps killing its worker is recorded
as failed and the slot gets a fresh actor. Ray's own notices stay off the user's terminal.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path

from bulletin import defaults
from bulletin.batch.jobs import Job
from bulletin.batch.worker import BatchWorker, result_record
from bulletin.errors import RequestError

OnResult = Callable[[dict], None]


def local_cores() -> int:
    """Return the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def import_ray():
    """Return the ray module; RequestError saying how to install it if it is absent."""
    try:
        import ray
    except ImportError:
        raise RequestError(
            "several workers or --ray-address need Ray: pip install 'bulletin[dist]' (or use --workers 1)"
        ) from None
    return ray


class RaySession:
    """A connection to Ray for one batch: joins ``address`` or starts a local instance of ``cpus`` cores."""

    def __init__(self, address: str | None, cpus: int) -> None:
        self.ray = import_ray()
        self.started = False
        self.address = address
        self.cpus = cpus

    def __enter__(self):
        ray = self.ray
        if ray.is_initialized():  # the caller (a test, a notebook) already holds a session: use it
            return self
        quiet = dict(log_to_driver=False, logging_level=logging.ERROR, configure_logging=True)
        if self.address and self.address.startswith("ray://"):
            _token_auth_for_client()
        try:
            with warnings.catch_warnings():  # Ray Client warns before it raises: the error says it all
                warnings.simplefilter("ignore")
                if self.address:
                    ray.init(address=self.address, **quiet)
                else:
                    ray.init(address="local", num_cpus=self.cpus, include_dashboard=False, **quiet)
        except (ConnectionError, ValueError, RuntimeError) as error:
            where = self.address or "a local instance"
            raise RequestError(
                f"cannot start Ray ({where}): {str(error).splitlines()[0][:200]}; "
                "check --ray-address (auto joins a `ray start --head` on this machine) or omit it"
            ) from None
        self.started = True
        _silence_worker_notices(ray)
        return self

    def __exit__(self, *exc) -> None:
        if self.started:
            self.ray.shutdown()

    def cluster_cpus(self) -> int:
        """Return the CPUs the Ray instance offers."""
        return int(self.ray.cluster_resources().get("CPU", 0))


def _token_auth_for_client() -> None:
    """Send the cluster's auth token through Ray Client as ``ray.init`` does for a direct address.

    Ray turns token authentication on for new clusters and reads the token from
    ~/.ray/auth_token (or RAY_AUTH_TOKEN); its Ray Client path does not look for it, so a
    ``ray://`` connection would be refused. Ray's own rule, called quietly; an explicit
    RAY_AUTH_MODE is left alone.
    """
    try:
        from ray._private.authentication.authentication_token_setup import (
            maybe_enable_token_auth_if_token_available,
        )
    except ImportError:  # another Ray version: RAY_AUTH_MODE=token does the same by hand
        return
    log = logging.getLogger("ray._private.authentication.authentication_token_setup")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        maybe_enable_token_auth_if_token_available(warn_if_disabled=False)
    finally:
        log.setLevel(level)


def _silence_worker_notices(ray) -> None:
    """Keep Ray's "(raylet) task failed, retrying" notices off stdout: the batch reports crashes itself."""
    worker_module = getattr(getattr(ray, "_private", None), "worker", None)
    if worker_module is not None and hasattr(worker_module, "_worker_logs_enabled"):
        worker_module._worker_logs_enabled = False


def run_on_ray(
    jobs: list[Job],
    out_dir: Path,
    cache_dir: Path | None,
    workers: int | None,
    address: str | None,
    on_result: OnResult,
    on_notice: Callable[[str], None] = lambda line: None,
) -> None:
    """Run ``jobs`` on Ray actors, calling ``on_result`` with each record as it finishes."""
    cores = local_cores()
    with RaySession(address, max(cores, workers or 1)) as session:
        cpus = session.cluster_cpus()
        workers = workers or max(1, cpus // defaults.BATCH_THREADS_PER_WORKER)
        if workers > cpus:
            raise RequestError(f"--workers {workers}: the Ray cluster has {cpus} CPU(s); use --workers {cpus} or fewer")
        threads = max(1, cpus // workers)
        _dispatch(session.ray, jobs, out_dir, cache_dir, workers, threads, on_result, on_notice)


def _dispatch(ray, jobs, out_dir, cache_dir, workers, threads, on_result, on_notice) -> None:
    actor_class = ray.remote(
        num_cpus=threads, max_restarts=defaults.BATCH_RETRIES, max_task_retries=defaults.BATCH_RETRIES
    )(BatchWorker)

    def start_actor():
        return actor_class.remote(Path(out_dir).resolve(), cache_dir and Path(cache_dir).resolve(), threads)

    def pids_of(started: list) -> list[int]:
        try:
            return ray.get([actor.pid.remote() for actor in started])
        except ray.exceptions.RayError as error:  # e.g. a node without bulletin installed
            for actor in started:
                ray.kill(actor, no_restart=True)
            raise RequestError(
                f"the Ray workers could not start ({_first_line(error)}); every node needs bulletin "
                "installed (pip install 'bulletin[dist]') and the same paths mounted"
            ) from None

    queue = deque(jobs)
    actors = [start_actor() for _ in range(min(workers, len(queue)))]
    pids = pids_of(actors)
    pending = {}  # result ref -> (job, actor slot)

    def submit(slot: int) -> None:
        job = queue.popleft()
        pending[actors[slot].run.remote(job)] = (job, slot)

    try:
        for slot in range(len(actors)):
            submit(slot)
        while pending:
            [ready], _ = ray.wait(list(pending), num_returns=1)
            job, slot = pending.pop(ready)
            try:
                record = ray.get(ready)
            except ray.exceptions.RayError as error:  # the actor died on this job more times than it may restart
                on_notice(f"worker pid {pids[slot]} crashed on {job.name}; starting a fresh worker")
                record = result_record(job, out_dir, _crash_line(error, ray))
                ray.kill(actors[slot], no_restart=True)
                actors[slot] = start_actor()
                [pids[slot]] = pids_of([actors[slot]])
            else:
                if record["worker_pid"] != pids[slot]:
                    on_notice(
                        f"worker pid {pids[slot]} died; Ray restarted it as pid {record['worker_pid']} "
                        f"and ran {job.name} again there"
                    )
                    pids[slot] = record["worker_pid"]
            if queue:  # the free actor gets its next job before the result is reported
                submit(slot)
            on_result(record)
    finally:
        for actor in actors:
            ray.kill(actor, no_restart=True)


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:160]


def _crash_line(error: Exception, ray) -> str:
    """Return the one-line error of a job whose worker died (or failed inside Ray) on it."""
    if isinstance(error, ray.exceptions.RayActorError):
        return (
            f"its worker process crashed {defaults.BATCH_RETRIES + 1} times on this job ({_first_line(error)}); "
            "check the article and the worker's memory"
        )
    return f"the worker failed on this job: {type(error).__name__}: {_first_line(error)}"


def run_in_process(jobs: Iterable[Job], out_dir: Path, cache_dir: Path | None, on_result: OnResult) -> None:
    """Run ``jobs`` one after the other in this process with one worker (``--workers 1``, no Ray needed)."""
    worker = BatchWorker(out_dir, cache_dir)
    for job in jobs:
        on_result(worker.run(job))
