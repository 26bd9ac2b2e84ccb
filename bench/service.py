"""Benchmark: the same article through the running studio, job after job (the ``service`` scenario).

    .venv/bin/python bench/service.py            # the example article, 2 jobs + 10 jobs
    .venv/bin/python bench/service.py --quick    # 3 paragraphs, 2 jobs + 4 jobs

The studio runs in this process on a free port (uvicorn in a thread, the one synthesis
worker as in ``bulletin studio``) with the css10-size random VITS; jobs are posted and
followed over HTTP like any client. The segment cache is emptied before every job, so
every job synthesises every segment: what the service saves is the import and model load,
and what it must not do is grow. Measured per job: wall time from POST to the "done"
event, time inside the voice's ``synthesize`` (model inference), the share outside it,
the peak RSS during the job (sampled every 20 ms) and the RSS after it. Targets (issue 15):
the second job's time outside inference <= 5 %, its peak RSS within 10 % of the first's.
Writes ``bench/service.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import ARTICLE, ROOT, article_subset, bench_dir, ensure_model, machine  # noqa: E402  (bench/ is not a package)

sys.path.insert(0, str(ROOT / "tests"))
from helpers import sse_events  # noqa: E402

TARGETS = {"second_outside_share": 0.05, "peak_rss_ratio": 1.10}


def rss_mb() -> float:
    """Return this process's resident set size in MB (/proc/self/statm)."""
    import os

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Sampler(threading.Thread):
    """Samples RSS every 20 ms; ``peak()`` returns the highest since the last ``reset()``."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.highest = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            self.highest = max(self.highest, rss_mb())

    def reset(self) -> None:
        self.highest = rss_mb()

    def peak(self) -> float:
        return max(self.highest, rss_mb())


def timed_voices(timing: dict) -> None:
    """Count the seconds spent inside CoquiVoice.synthesize (inference) and its model loads."""
    from bulletin.engines import coqui

    original_synthesize, original_model = coqui.CoquiVoice.synthesize, coqui.CoquiVoice._model

    def model(self):
        if self._tts is None and self._fast is None:
            started = time.perf_counter()
            try:
                return original_model(self)
            finally:
                timing["load_s"] += time.perf_counter() - started
        return original_model(self)

    def synthesize(self, text):
        self._model()
        started = time.perf_counter()
        try:
            return original_synthesize(self, text)
        finally:
            timing["inference_s"] += time.perf_counter() - started

    coqui.CoquiVoice.synthesize, coqui.CoquiVoice._model = synthesize, model


def post_and_follow(url: str, text: str) -> dict:
    """Post one bulletin and follow its events to the end; return the job record."""
    body = json.dumps({"sources": [{"text": text}]}).encode()
    request = urllib.request.Request(f"{url}/api/bulletins", data=body, headers={"Content-Type": "application/json"})
    job = json.loads(urllib.request.urlopen(request, timeout=60).read())
    with urllib.request.urlopen(f"{url}/api/bulletins/{job['id']}/events", timeout=3600) as stream:
        events = sse_events(raw.decode().rstrip("\r\n") for raw in stream)
    if events[-1][0] != "done":
        raise RuntimeError(f"job {job['id']} ended {events[-1]}")
    return json.loads(urllib.request.urlopen(f"{url}/api/bulletins/{job['id']}", timeout=60).read())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 paragraphs; 2 + 4 jobs")
    parser.add_argument("--jobs", type=int, help="jobs in the RSS run (default 10, 4 with --quick)")
    options = parser.parse_args(argv)
    runs = options.jobs or (4 if options.quick else 10)
    model = ensure_model(bench_dir() / "css10-seed0-notrim")
    timing = {"inference_s": 0.0, "load_s": 0.0}
    timed_voices(timing)

    from bulletin.publish.httpd import AppServer
    from bulletin.studio.app import create_app
    from bulletin.studio.settings import StudioSettings

    results = {"machine": machine(), "mode": "quick" if options.quick else "full", "jobs": []}
    with tempfile.TemporaryDirectory(prefix="bench-service-") as folder:
        temp = Path(folder)
        article = article_subset(ARTICLE, 3, temp / "article.txt") if options.quick else ARTICLE
        text = article.read_text(encoding="utf-8")
        cache = temp / "cache"
        settings = StudioSettings(state_dir=temp / "state", feed_dir=temp / "feed", voice=str(model), cache_dir=cache)
        server = AppServer(create_app(settings), port=0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        while not server.server.started:
            time.sleep(0.05)
        url = server.url.rstrip("/")
        sampler = Sampler()
        sampler.start()
        results["rss_idle_mb"] = rss_mb()
        for number in range(2 + runs):
            shutil.rmtree(cache, ignore_errors=True)  # every job synthesises every segment
            sampler.reset()
            inference_before, load_before = timing["inference_s"], timing["load_s"]
            started = time.perf_counter()
            job = post_and_follow(url, text)
            wall_s = time.perf_counter() - started
            inference_s = timing["inference_s"] - inference_before
            entry = {
                "job": number + 1,
                "wall_s": round(wall_s, 2),
                "inference_s": round(inference_s, 2),
                "load_s": round(timing["load_s"] - load_before, 2),
                "outside_share": round(1 - inference_s / wall_s, 4),
                "speech_s": job["summary"]["speech_s"],
                "segments": job["summary"]["segments"],
                "peak_rss_mb": round(sampler.peak(), 1),
                "rss_after_mb": round(rss_mb(), 1),
            }
            results["jobs"].append(entry)
            print(json.dumps(entry), file=sys.stderr)
        sampler.stopped.set()
        server.shutdown()
        server.server_close()
    first, second = results["jobs"][:2]
    results["second_outside_share"] = [second["outside_share"], TARGETS["second_outside_share"]]
    results["second_outside_share"].append(second["outside_share"] <= TARGETS["second_outside_share"])
    ratio = second["peak_rss_mb"] / first["peak_rss_mb"]
    results["peak_rss_ratio"] = [round(ratio, 3), TARGETS["peak_rss_ratio"], ratio <= TARGETS["peak_rss_ratio"]]
    after = [job["rss_after_mb"] for job in results["jobs"][2:]]
    results["rss_after_growth_mb"] = round(after[-1] - after[0], 1)
    (ROOT / "bench" / "service.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("| job | wall s | inference s | model load s | outside inference | peak RSS MB | RSS after MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for job in results["jobs"]:
        print(
            f"| {job['job']} | {job['wall_s']:.1f} | {job['inference_s']:.1f} | {job['load_s']:.1f} | "
            f"{job['outside_share'] * 100:.1f} % | {job['peak_rss_mb']:.0f} | {job['rss_after_mb']:.0f} |"
        )
    print(
        f"second job outside inference {second['outside_share'] * 100:.1f} % (target <= 5 %); "
        f"peak RSS second/first {ratio:.3f} (target <= 1.10); RSS after jobs 3..{len(results['jobs'])} "
        f"grew {results['rss_after_growth_mb']:+.1f} MB"
    )


if __name__ == "__main__":
    main()
