"""``run_batch``: plan the jobs, skip what ``resume`` allows, run the rest (in-process or on Ray), record each.

``DIR/results.jsonl`` gets one line per job as it finishes, appended (so a batch that stops
early, or cannot reach Ray, loses no earlier record) and is rewritten at the end with one
line per job of the plan, in order.
One batch at a time writes a directory (``DIR/.batch.lock``).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bulletin import defaults
from bulletin.batch.cluster import local_cores, run_in_process, run_on_ray
from bulletin.batch.jobs import Job, plan_jobs
from bulletin.batch.worker import STAGING
from bulletin.errors import OutputError, RequestError
from bulletin.files import write_atomic

LOCK_FILE = ".batch.lock"


@dataclass(frozen=True)
class BatchReport:
    """What a batch did: one record per job of the plan, and which ran, failed or were skipped."""

    records: list[dict]
    """The results.jsonl records, in plan order."""
    ran: list[str] = field(default_factory=list)
    """Names of the jobs run this time."""
    skipped: list[str] = field(default_factory=list)
    """Names of the jobs ``resume`` skipped (output present, same input hash)."""
    seconds: float = 0.0
    """Wall time of the batch."""
    runner: str = "in-process"
    """"in-process" or "ray"."""

    @property
    def failed(self) -> list[dict]:
        """Return the records of the jobs that failed."""
        return [record for record in self.records if record["error"]]

    def summary(self) -> dict:
        """Return a JSON-ready summary of the batch."""
        return {
            "jobs": len(self.records),
            "ran": len(self.ran),
            "done": len(self.ran) - len([r for r in self.failed if r["job"] in self.ran]),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
            "speech_s": round(sum(r["speech_s"] or 0 for r in self.records if r["job"] in self.ran), 3),
            "seconds": round(self.seconds, 2),
            "runner": self.runner,
        }


def run_batch(
    sources: list[Path],
    out_dir: Path,
    template: Job | None = None,
    workers: int | None = None,
    ray_address: str | None = None,
    resume: bool = False,
    cache_dir: Path | None = None,
    on_result: Callable[[dict], None] | None = None,
    on_notice: Callable[[str], None] | None = None,
    runner: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BatchReport:
    """Make one bulletin per job of ``sources`` into ``out_dir``; return the BatchReport.

    ``workers`` 1 without ``ray_address`` runs in this process; more, or an address, run on
    Ray (``runner`` "ray" or "in-process" forces one). ``on_result`` gets each record as it
    finishes, ``on_notice`` a line when a worker crashed, ``progress`` (jobs done, jobs to run,
    "batch"). A job's failure is in its record, never an exception.
    """
    started = time.perf_counter()
    if workers is not None and workers < 1:
        raise RequestError(f"--workers {workers}: give 1 or more")
    jobs = plan_jobs(sources, template)
    if workers is None and not ray_address and runner is None:
        workers = default_workers()
    runner = runner or ("in-process" if workers == 1 and not ray_address else "ray")
    out_dir = Path(out_dir).absolute()  # workers may run elsewhere than this directory
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot create the batch directory ({error.strerror})") from None
    results_path = out_dir / defaults.BATCH_RESULTS
    with _batch_lock(out_dir):
        shutil.rmtree(out_dir / STAGING, ignore_errors=True)  # left by a batch that was killed
        previous = read_results(results_path) if resume else {}
        todo = [job for job in jobs if not (resume and _still_valid(job, out_dir, previous))]
        records = {job.name: previous[job.name] for job in jobs if job not in todo}
        finished: list[str] = []
        # appended as jobs finish (a batch that stops early keeps what it did), rewritten at the end
        with open(results_path, "a", encoding="utf-8") as stream:

            def record_result(record: dict) -> None:
                records[record["job"]] = record
                finished.append(record["job"])
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                stream.flush()
                if progress:
                    progress(len(finished), len(todo), "batch")
                if on_result:
                    on_result(record)

            if todo and runner == "in-process":
                run_in_process(todo, out_dir, cache_dir, record_result)
            elif todo:
                run_on_ray(todo, out_dir, cache_dir, workers, ray_address, record_result, on_notice or _ignore)
        shutil.rmtree(out_dir / STAGING, ignore_errors=True)
        ordered = [records[job.name] for job in jobs if job.name in records]
        write_atomic(results_path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ordered).encode())
    return BatchReport(
        records=ordered,
        ran=[job.name for job in todo],
        skipped=[job.name for job in jobs if job not in todo],
        seconds=time.perf_counter() - started,
        runner=runner,
    )


def default_workers() -> int:
    """Return the workers of a local batch: cores / BATCH_THREADS_PER_WORKER with Ray installed, else 1."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return 1
    return max(1, local_cores() // defaults.BATCH_THREADS_PER_WORKER)


def _ignore(line: str) -> None:
    pass


def read_results(path: Path) -> dict[str, dict]:
    """Return the last record of each job in a results.jsonl file (empty if absent; bad lines ignored)."""
    records: dict[str, dict] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return records
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut by a crash: that job simply runs again
        if isinstance(record, dict) and "job" in record:
            records[record["job"]] = record
    return records


def _still_valid(job: Job, out_dir: Path, previous: dict[str, dict]) -> bool:
    """True when ``job``'s output exists and was made, without error, from the same inputs."""
    record = previous.get(job.name)
    return (
        record is not None
        and not record.get("error")
        and record.get("input_hash") == job.input_hash
        and (out_dir / job.output_name).is_file()
    )


class _batch_lock:
    """Exclusive lock on DIR/.batch.lock: a second batch writing the same directory is refused."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE

    def __enter__(self):
        self.handle = open(self.path, "a")
        try:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise OutputError(f"{self.path.parent}: another batch is writing this directory; wait for it") from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
        self.handle.close()
