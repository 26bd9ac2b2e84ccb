"""Benchmark: ``bulletin batch`` throughput, in-process sequential against Ray at equal cores.

    .venv/bin/python bench/batch.py                 # 8 articles, each configuration once
    .venv/bin/python bench/batch.py --repeats 2     # interleaved twice, medians

Eight short articles cut from ``examples/rhc-kazakhstan.txt`` (a short title and the opening
sentences of one body paragraph each, ~10-15 s of speech), the css10-size random VITS (``bench/run.py`` builds it
once), default engine. Configurations, each in its own process with a fresh segment cache:
in-process sequential (``--workers 1``: one process, torch on every core), Ray with
1 worker x all cores and with N workers x 1 core. Throughput is seconds of speech made per
wall second, with and without starting Ray (``ray.init``, timed apart); overhead compares
wall times per second of speech at equal cores, and CPU seconds (this process and all its
descendants: Ray's daemons and workers) per second of speech, which holds when the machine
is shared. Peak RSS is each worker process's own (``worker_peak_rss_mb``
in results.jsonl). Writes ``bench/batch.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from run import ARTICLE, bench_dir, ensure_model, machine  # noqa: E402  (bench/ is not a package)

OVERHEAD_TARGET = 0.10


def write_articles(directory: Path, count: int, max_chars: int = 200) -> list[Path]:
    """Write ``count`` short articles: a short title and the opening sentences (<= ``max_chars``) of one
    of the example's body paragraphs, so each bulletin has ~10-15 s of speech and the bench fits in
    minutes on a shared 2-core machine."""
    from bulletin.text.article import read_article

    article = read_article(ARTICLE)
    paragraphs = [p for p in article.paragraphs if len(p) > 150]
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        sentences = re.split(r"(?<=[.!?])\s+", paragraphs[number % len(paragraphs)])
        body = sentences[0]
        for sentence in sentences[1:]:
            if len(body) + len(sentence) + 1 > max_chars:
                break
            body += " " + sentence
        path = directory / f"article-{number + 1:02d}.txt"
        path.write_text(f"# Kazakhstan, dépêche {number + 1}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


class TreeCpu:
    """CPU seconds used by this process and every descendant (Ray's raylet, GCS, workers), sampled.

    A thread reads /proc twice a second and keeps each process's last cumulative user+system
    time, so processes that exit before the end (killed actors) still count, to within 0.5 s.
    Unlike wall time, CPU time barely moves when other work shares the machine.
    """

    def __init__(self) -> None:
        import threading

        self.seen: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sample()
        self.stop.set()
        self.thread.join()

    def _loop(self) -> None:
        while not self.stop.wait(0.5):
            self.sample()

    def sample(self) -> None:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        names: dict[int, str] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
            except (OSError, ValueError):
                continue
            fields = tail.split()
            parents[int(entry.name)] = int(fields[1])
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self.tick
            names[int(entry.name)] = head.split("(", 1)[-1]
        tree, frontier = {os.getpid()}, [os.getpid()]
        while frontier:
            parent = frontier.pop()
            children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
            tree.update(children)
            frontier.extend(children)
        for pid in tree:
            if pid in cpu:
                self.seen[pid] = max(self.seen.get(pid, 0.0), cpu[pid])
                self.names[pid] = names[pid]

    def total_s(self) -> float:
        """Return the CPU seconds of the tree so far."""
        return sum(self.seen.values())

    def by_role(self) -> dict[str, float]:
        """Return CPU seconds of this driver, of the batch workers, and of Ray's own daemons and idle workers."""
        roles = {"driver": 0.0, "batch_workers": 0.0, "ray_daemons": 0.0}
        for pid, seconds in self.seen.items():
            if pid == os.getpid():
                roles["driver"] += seconds
            elif self.names.get(pid, "").startswith("ray::BatchWork"):
                roles["batch_workers"] += seconds
            else:
                roles["ray_daemons"] += seconds
        return {role: round(seconds, 2) for role, seconds in roles.items()}


def scenario(args: dict) -> dict:
    """Run one configuration in this process; return its figures."""
    with TreeCpu() as cpu:
        figures = _scenario(args)
    figures["cpu_s"] = cpu.total_s()
    figures["cpu_by_role_s"] = cpu.by_role()
    return figures


def _scenario(args: dict) -> dict:
    from bulletin.batch import Job, run_batch

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    ray_start_s = 0.0
    if args["runner"] == "ray":
        import ray

        ray.init(
            address="local",
            num_cpus=args["cores"],
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
        )
        ray_start_s = time.perf_counter() - started
    report = run_batch(
        [Path(args["articles"])],
        Path(args["out"]),
        Job(sources=(), voice=args["model"]),
        workers=args["workers"],
        cache_dir=Path(args["cache"]),
        runner=args["runner"],
    )
    wall_s = time.perf_counter() - started
    if args["runner"] == "ray":
        import ray

        ray.shutdown()
    if report.failed:
        raise RuntimeError(f"jobs failed: {report.failed}")
    per_worker: dict[int, float] = {}
    for record in report.records:
        pid = record["worker_pid"]
        per_worker[pid] = max(per_worker.get(pid, 0.0), record["worker_peak_rss_mb"])
    return {
        "wall_s": wall_s,
        "ray_start_s": ray_start_s,
        "speech_s": sum(record["speech_s"] for record in report.records),
        "duration_s": sum(record["duration_s"] for record in report.records),
        "job_s": sum(record["seconds"] for record in report.records),
        "workers_seen": len(per_worker),
        "worker_peak_rss_mb": sorted(per_worker.values()),
        "driver_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average": [load_before, os.getloadavg()[0]],
    }


def run_configuration(args: dict) -> dict:
    """Run ``scenario`` in a fresh interpreter; return its figures."""
    completed = subprocess.run(
        [sys.executable, __file__, "--scenario", json.dumps(args)], capture_output=True, text=True, cwd=ROOT
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode or not lines:
        raise RuntimeError(f"configuration {args['label']} failed:\n{completed.stderr[-3000:]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> None:
    """Command line: run the batch benchmark (or, internally, one configuration)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--output", type=Path, default=BENCH / "batch.json")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.scenario:
        print(json.dumps(scenario(json.loads(options.scenario))))
        return
    from bulletin.batch.cluster import local_cores

    cores = local_cores()
    model = ensure_model(bench_dir() / "css10-seed0-notrim")
    configurations = [
        ("in-process sequential", "in-process", 1, cores),
        (f"Ray 1 worker x {cores} threads", "ray", 1, cores),
        (f"Ray {cores} workers x 1 thread", "ray", cores, 1),
    ]
    about = machine()
    runs: dict[str, list[dict]] = {label: [] for label, *_ in configurations}
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-batch-") as temp:
        articles = Path(temp) / "articles"
        write_articles(articles, options.articles)
        for repeat in range(options.repeats):
            order = configurations if repeat % 2 == 0 else configurations[::-1]
            for number, (label, runner, workers, threads) in enumerate(order):
                work = Path(temp) / f"run-{repeat}-{number}"
                args = dict(
                    label=label,
                    runner=runner,
                    workers=workers,
                    cores=cores,
                    model=str(model),
                    articles=str(articles),
                    out=str(work / "out"),
                    cache=str(work / "cache"),
                )
                figures = run_configuration(args)
                figures.update(threads=threads, workers=workers)
                runs[label].append(figures)
                print(f"{label}: {json.dumps(figures)}", file=sys.stderr)
    results = {"machine": about, "articles": options.articles, "repeats": options.repeats, "rows": summarise(runs)}
    options.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))


def summarise(runs: dict[str, list[dict]]) -> list[dict]:
    """Return one row per configuration: medians, throughput, overhead against the sequential row."""
    rows = []
    for label, figures in runs.items():
        wall_s = statistics.median(f["wall_s"] for f in figures)
        start_s = statistics.median(f["ray_start_s"] for f in figures)
        speech_s = statistics.median(f["speech_s"] for f in figures)
        cpu_s = statistics.median(f["cpu_s"] for f in figures)
        rows.append(
            {
                "configuration": label,
                "workers": figures[0]["workers"],
                "threads": figures[0]["threads"],
                "wall_s": round(wall_s, 2),
                "ray_start_s": round(start_s, 2),
                "speech_s": round(speech_s, 2),
                "throughput": round(speech_s / wall_s, 3),
                "throughput_without_ray_start": round(speech_s / (wall_s - start_s), 3),
                "cpu_s": round(cpu_s, 1),
                "cpu_s_per_speech_s": round(cpu_s / speech_s, 3),
                "load_average": [f["load_average"] for f in figures],
                "cpu_by_role_s": figures[0].get("cpu_by_role_s"),
                "ray_daemons_cpu_share": round(
                    statistics.median(f["cpu_by_role_s"]["ray_daemons"] / f["cpu_s"] for f in figures), 4
                )
                if all("cpu_by_role_s" in f for f in figures)
                else None,
                "worker_peak_rss_mb": max(max(f["worker_peak_rss_mb"]) for f in figures),
                "runs": figures,
            }
        )
    sequential = rows[0]
    for row in rows[1:]:
        # per second of speech, so the duration predictor's run-to-run variation does not count
        seconds_per_speech = row["wall_s"] / row["speech_s"]
        base = sequential["wall_s"] / sequential["speech_s"]
        row["overhead"] = round(seconds_per_speech / base - 1, 4)
        row["overhead_without_ray_start"] = round((row["wall_s"] - row["ray_start_s"]) / row["speech_s"] / base - 1, 4)
        row["cpu_overhead"] = round(row["cpu_s_per_speech_s"] / sequential["cpu_s_per_speech_s"] - 1, 4)
        row["overhead_met"] = row["overhead"] <= OVERHEAD_TARGET
        row["cpu_overhead_met"] = row["cpu_overhead"] <= OVERHEAD_TARGET
    return rows


def table(results: dict) -> str:
    """Return the results as a markdown table."""
    lines = [
        "| configuration | wall s | Ray start s | speech s | speech s / wall s | wall overhead "
        "| wall overhead without Ray start | CPU s / speech s | CPU overhead | peak RSS per worker MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def percent(row: dict, key: str) -> str:
        return f"{row[key] * 100:+.1f} %" if key in row else "–"

    for row in results["rows"]:
        lines.append(
            f"| {row['configuration']} | {row['wall_s']:.1f} | {row['ray_start_s']:.1f} | {row['speech_s']:.1f} "
            f"| {row['throughput']:.3f} | {percent(row, 'overhead')} | {percent(row, 'overhead_without_ray_start')} "
            f"| {row['cpu_s_per_speech_s']:.3f} | {percent(row, 'cpu_overhead')} | {row['worker_peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
