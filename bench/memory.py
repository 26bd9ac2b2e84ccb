"""Benchmark: peak memory of ``bulletin generate`` against the programme's length (3, 15, 60 minutes of speech).

    .venv/bin/python bench/memory.py                  # 3, 15 and 60 minutes, tiny voice
    .venv/bin/python bench/memory.py --minutes 3,15   # a shorter curve
    .venv/bin/python bench/memory.py --rates          # also measure each voice's speaking rate (chars/s)

Long articles repeat the body paragraphs of ``examples/rhc-kazakhstan.txt`` (varied
sentences, numbers, names) in a rotating order until the spoken text is long enough for
the asked minutes. A segment cache is warmed once with those paragraphs, so the measured
runs spend their time mixing, mastering and encoding rather than synthesising; each run
still speaks one paragraph of its own, so the model loads and synthesises as in a real
run. Every run is a fresh interpreter (``produce`` through the library, the CLI's path):
its peak RSS (``ru_maxrss``) is its own. Writes ``bench/memory.json`` and prints a table.
The goal (issue 13): a 60-minute programme peaks within ~10 % of a 3-minute one.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "rhc-kazakhstan.txt"
GOAL_RATIO = 1.10
"""A 60-minute programme may peak at most this much above a 3-minute one."""


def scenario_generate(args: dict) -> dict:
    """``produce`` one article with the tiny voice; return its figures."""
    from bulletin.engines.base import VoiceOptions
    from bulletin.pipeline import GenerateRequest, produce

    started = time.perf_counter()
    known = {field.name for field in dataclasses.fields(GenerateRequest)}  # the older code has no limit
    request = GenerateRequest(
        articles=(Path(args["article"]),),
        output=Path(args["output"]),
        voice=args["voice"],
        cache_dir=Path(args["cache"]),
        voice_options=VoiceOptions(**({"engine": args["engine"]} if "engine" in args else {})),
        **({"max_minutes": args["max_minutes"]} if "max_minutes" in known and "max_minutes" in args else {}),
    )
    result = produce(request)
    import bulletin

    return {
        "seconds": time.perf_counter() - started,
        "duration_s": result.duration_s,
        "speech_s": result.speech_s,
        "segments": len(result.script.segments),
        "spoken_chars": sum(len(segment.text) for segment in result.script.segments),
        "cache_hits": result.cache_hits,
        "cache_misses": result.cache_misses,
        "loudness_lufs": result.loudness_lufs,
        "true_peak_db": result.true_peak_db,
        "package": bulletin.__file__,
    }


def run_scenario(args: dict, allow_failure: bool = False) -> dict:
    """Run one generate in a fresh interpreter; return its figures plus its peak RSS in MB.

    With ``allow_failure``, a run that dies (killed for memory, say) is returned as
    {"failed": ..., "peak_rss_mb": the largest child's peak so far (RUSAGE_CHILDREN)}.
    """
    completed = subprocess.run(
        [sys.executable, __file__, "--scenario", json.dumps(args, default=str)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode or not lines:
        if allow_failure:
            children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            return {"failed": f"exit {completed.returncode}: {completed.stderr[-300:]}", "peak_rss_mb": children_mb}
        raise RuntimeError(f"generate failed (exit {completed.returncode}):\n{completed.stderr[-3000:]}")
    return json.loads(lines[-1])


def bench_dir() -> Path:
    """Return where benchmarks keep their models between runs."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("BULLETIN_BENCH_DIR") or user_cache_dir("bulletin-bench", appauthor=False))


def ensure_voice(directory: Path, size: str = "tiny") -> Path:
    """Build the random-weight VITS of ``size`` into ``directory`` once; return it."""
    if not (directory / "model.pth").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "testvoice.py"), str(directory), "--size", size],
            check=True,
            cwd=ROOT,
        )
    return directory


def body_paragraphs() -> tuple[str, list[str], str]:
    """Return (head, body paragraphs, tail) of the example article: the head holds title and lead."""
    blocks = ARTICLE.read_text(encoding="utf-8").split("\n\n")
    body = [i for i, block in enumerate(blocks) if len(block.strip()) > 150]
    head = "\n\n".join(blocks[: body[0] + 1])  # title, lead (with its dateline)
    tail = "\n\n".join(blocks[body[-1] + 1 :])  # source line, link
    return head, [blocks[i].strip() for i in body[1:]], tail


def long_article(target: Path, minutes: float, chars_per_s: float, own: str) -> Path:
    """Write an article of about ``minutes`` of speech: the example's body paragraphs, rotated and repeated."""
    head, pool, tail = body_paragraphs()
    wanted = minutes * 60 * chars_per_s
    paragraphs, written, turn = [], len(head), 0
    while written < wanted:
        for paragraph in pool[turn % len(pool) :] + pool[: turn % len(pool)]:
            paragraphs.append(paragraph)
            written += len(paragraph)
            if written >= wanted:
                break
        turn += 1
    paragraphs.append(own)  # not in the warm cache: the model loads and speaks, as in a real run
    target.write_text("\n\n".join([head, *paragraphs, tail]) + "\n", encoding="utf-8")
    return target


def measure_rates(temp: Path, voices: dict[str, str]) -> dict:
    """Return each voice's speaking rate on the example article: spoken characters per second of speech."""
    rates = {}
    for name, voice in voices.items():
        print(f"rate: {name}", file=sys.stderr, flush=True)
        figures = run_scenario(
            dict(article=ARTICLE, voice=voice, cache=temp / f"rate-{name}", output=temp / f"rate-{name}.mp3")
        )
        rates[name] = {
            "spoken_chars": figures["spoken_chars"],
            "speech_s": round(figures["speech_s"], 2),
            "chars_per_s": round(figures["spoken_chars"] / figures["speech_s"], 2),
            "seconds": round(figures["seconds"], 1),
        }
    return rates


def main(argv: list[str] | None = None) -> None:
    """Command line: the RSS-vs-length curve (or, internally, one generate)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", default="3,15,60", help="programme lengths, in minutes of speech")
    parser.add_argument("--rates", action="store_true", help="also measure tiny, css10-size and Kokoro speaking rates")
    parser.add_argument("--chars-per-s", type=float, default=14.1, help="tiny voice's rate, to size the articles")
    parser.add_argument("--label", default="", help="a note stored with the results (e.g. 'before')")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "memory.json")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.scenario:
        figures = scenario_generate(json.loads(options.scenario))
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    store = bench_dir()
    voice = ensure_voice(store / "tiny-seed0")
    results = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "label": options.label,
        "cores": os.cpu_count(),
        "load_average_start": os.getloadavg()[0],
        "voice": "tiny random-weight VITS (scripts/testvoice.py --size tiny), default engine",
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="bulletin-memory-") as temp:
        temp = Path(temp)
        if options.rates:
            sys.path.insert(0, str(ROOT / "bench"))
            from run import ensure_model  # the css10-size model bench/run.py uses (Coqui's trim off)

            voices = {"tiny": str(voice), "css10-size": str(ensure_model(store / "css10-seed0-notrim"))}
            from bulletin.engines.factory import preset_status
            from bulletin.engines.presets import get_preset

            if preset_status(get_preset("fr-siwis"))[0]:
                voices["kokoro (fr-siwis)"] = "fr-siwis"
            results["rates"] = measure_rates(temp, voices)
            save(options.output, results)
        head, pool, tail = body_paragraphs()
        warm = temp / "warm.txt"
        warm.write_text("\n\n".join([head, *pool, tail]) + "\n", encoding="utf-8")
        warm_cache = store / f"memory-warm-{options.label or 'run'}"  # kept between runs of the same code
        print("warming the segment cache", file=sys.stderr, flush=True)
        run_scenario(dict(article=warm, voice=str(voice), cache=warm_cache, output=temp / "warm.mp3"))
        for minutes in [float(value) for value in options.minutes.split(",") if value]:
            own = f"Ce journal de {minutes:g} minutes se termine ici, merci de votre écoute."
            article = long_article(temp / f"article-{minutes:g}.txt", minutes, options.chars_per_s, own)
            cache = temp / f"cache-{minutes:g}"
            shutil.copytree(warm_cache / "segments", cache / "segments")
            print(f"generate: {minutes:g} minutes", file=sys.stderr, flush=True)
            args = dict(article=article, voice=str(voice), cache=cache, output=temp / f"out-{minutes:g}.mp3")
            args["max_minutes"] = max(60.0, minutes * 2)
            figures = run_scenario(args, allow_failure=True)
            figures["minutes"] = minutes
            figures["article_bytes"] = article.stat().st_size
            results["runs"].append(figures)
            print(json.dumps(figures), file=sys.stderr, flush=True)
            shutil.rmtree(cache)
            (temp / f"out-{minutes:g}.mp3").unlink(missing_ok=True)
            save(options.output, results)
    print(table(results))


def save(path: Path, results: dict) -> None:
    """Write ``results`` (with the ratios so far) to ``path``: a run killed later keeps what was measured."""
    runs = results["runs"]
    if runs:
        for run in runs:
            run["rss_ratio"] = run["peak_rss_mb"] / runs[0]["peak_rss_mb"]
        results["goal"] = {"ratio": GOAL_RATIO, "met": "failed" not in runs[-1] and runs[-1]["rss_ratio"] <= GOAL_RATIO}
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


def table(results: dict) -> str:
    """Return the curve as a markdown table."""
    lines = [
        f"{results['label'] or 'run'} {results['date'][:16]}, {results['cores']} cores, "
        f"load average at start {results['load_average_start']:.1f}, {results['voice']}",
        "",
        "| minutes asked | speech s | duration s | segments | synthesised | wall s | peak RSS MB | vs first |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in results["runs"]:
        if "failed" in run:
            lines.append(f"| {run['minutes']:g} | | | | | | >= {run['peak_rss_mb']:.0f} (died) | |")
            continue
        lines.append(
            f"| {run['minutes']:g} | {run['speech_s']:.0f} | {run['duration_s']:.0f} | {run['segments']} | "
            f"{run['cache_misses']} | {run['seconds']:.0f} | {run['peak_rss_mb']:.0f} | {run['rss_ratio']:.2f}x |"
        )
    goal = results.get("goal", {"ratio": GOAL_RATIO, "met": False})
    lines.append(f"\ngoal: last run within {goal['ratio']:.2f}x of the first: {'met' if goal['met'] else 'NOT met'}")
    if "rates" in results:
        lines += ["", "| voice | spoken chars | speech s | chars/s |", "|---|---:|---:|---:|"]
        for name, rate in results["rates"].items():
            lines.append(f"| {name} | {rate['spoken_chars']} | {rate['speech_s']} | {rate['chars_per_s']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
