"""The per-job function: one job in, its bulletin placed in the batch directory, one result record out.

``BatchWorker`` is the same class in-process (``--workers 1``) and as a Ray actor: it keeps
its voices open across jobs, so a worker loads each model once, not once per article.
A job is made in a private staging directory (``DIR/.partial/``) and its files are renamed
into DIR sidecars first, audio last: a crash leaves no partial file beside the outputs,
and an existing audio file means a complete job.
"""

from __future__ import annotations

import os
import shutil
import time
from collections import OrderedDict
from pathlib import Path

from bulletin import defaults
from bulletin.batch.jobs import Job
from bulletin.engines.base import Voice, VoiceOptions
from bulletin.errors import BulletinError
from bulletin.request import GenerateRequest, loudness_targets

STAGING = ".partial"
"""Where jobs are made before their files are renamed into the batch directory."""


class BatchWorker:
    """Makes the bulletins of jobs one after the other with voices kept loaded."""

    def __init__(self, out_dir: Path, cache_dir: Path | None = None, threads: int | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.threads = threads
        self._voices: OrderedDict[str, Voice] = OrderedDict()

    def pid(self) -> int:
        """Return the id of the process this worker runs in (a Ray actor's own process)."""
        return os.getpid()

    def run(self, job: Job) -> dict:
        """Make ``job``'s bulletin; return its result record (``error`` is None or one line)."""
        started = time.perf_counter()
        record = result_record(job, self.out_dir)
        record["worker_pid"] = os.getpid()
        staging = self.out_dir / STAGING / f"{job.name}-{os.getpid()}"
        try:
            shutil.rmtree(staging, ignore_errors=True)  # a previous attempt of this process's own
            staging.mkdir(parents=True)
            request = self._request(job, staging / job.output_name)
            voice = self._voice(request)
            from bulletin.pipeline import produce

            bulletin = produce(request, voice=voice)
            place(bulletin.output, bulletin.sidecars.values(), self.out_dir)
            record.update(
                duration_s=round(bulletin.duration_s, 3),
                speech_s=round(bulletin.speech_s, 3),
                voice=bulletin.voice,
                cache_hits=bulletin.cache_hits,
                cache_misses=bulletin.cache_misses,
                model_loads=voice.loads,
            )
        except BulletinError as error:
            record["error"] = str(error)
        except Exception as error:  # a bug on one article must not stop hundreds of others: record it
            record["error"] = f"{type(error).__name__}: {error} (a bug in bulletin; please report it)"
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        record["seconds"] = round(time.perf_counter() - started, 3)
        record["worker_peak_rss_mb"] = round(peak_rss_mb(), 1)
        return record

    def _request(self, job: Job, output: Path) -> GenerateRequest:
        target_lufs, true_peak_db = loudness_targets(job.loudness_preset)
        return GenerateRequest(
            articles=job.sources,
            output=output,
            voice=job.voice,
            voice_options=VoiceOptions(threads=self.threads, cache_dir=self.cache_dir),
            cache_dir=self.cache_dir,
            target_lufs=target_lufs,
            true_peak_db=true_peak_db,
            station=job.station,
            show=job.show,
            date=job.broadcast_date(),
        )

    def _voice(self, request: GenerateRequest) -> Voice:
        """Return the open voice for ``request``, opening it (and closing the least used) if needed."""
        from bulletin.pipeline import open_request_voice

        if request.voice in self._voices:
            self._voices.move_to_end(request.voice)
            return self._voices[request.voice]
        voice = open_request_voice(request)
        self._voices[request.voice] = voice
        while len(self._voices) > defaults.BATCH_VOICES_PER_WORKER:
            _, least_used = self._voices.popitem(last=False)
            least_used.close()
        return voice


def result_record(job: Job, out_dir: Path, error: str | None = None) -> dict:
    """Return the results.jsonl record of ``job`` before it runs (figures empty, ``error`` as given)."""
    return {
        "job": job.name,
        "sources": [str(source) for source in job.sources],
        "output": str(Path(out_dir) / job.output_name),
        "input_hash": job.input_hash,
        "duration_s": None,
        "speech_s": None,
        "voice": job.voice,
        "cache_hits": 0,
        "cache_misses": 0,
        "seconds": 0.0,
        "error": error,
    }


def peak_rss_mb() -> float:
    """Return the peak resident memory of this process so far, in MB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def place(audio: Path, sidecars, out_dir: Path) -> None:
    """Rename a finished bulletin's files from staging into ``out_dir``: sidecars first, the audio last."""
    for path in [*sidecars, audio]:
        os.replace(path, Path(out_dir) / Path(path).name)
