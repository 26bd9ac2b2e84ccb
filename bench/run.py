"""Benchmark: plain Coqui loop vs ``bulletin generate`` (cold, warm, one paragraph edited), per engine.

    .venv/bin/python bench/run.py            # full: whole example article, medians of 3 runs
    .venv/bin/python bench/run.py --quick    # 3 paragraphs, 1 run: a few minutes

Uses the css10-size random-weight VITS (``scripts/testvoice.py``; built once into the
bench cache dir) on ``examples/rhc-kazakhstan.txt``. Every scenario runs in its own
subprocess so its peak RSS is its own. Baseline and candidates run interleaved in the
same invocation, so their ratio holds even on a noisy shared machine. Writes
``bench/results.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "rhc-kazakhstan.txt"
ENGINES = ("bf16", "onnx", "torch")
TARGETS = {
    "cold_rtf": 0.17,
    "warm_share": 0.05,
    "edit_share": 0.25,
    "outside_share": 0.03,
    "help_s": 0.3,
    "rss_mb": 1200,
}


# ---------------------------------------------------------------- scenarios (run in a subprocess)


def scenario_baseline(args: dict) -> dict:
    """The plain Coqui loop: ``TTS.tts()`` per paragraph of num2words text, pydub concatenation, MP3."""
    started = time.perf_counter()
    import numpy as np
    from num2words import num2words
    from TTS.api import TTS

    from bulletin.text.article import read_article

    article = read_article(Path(args["article"]))
    paragraphs = [article.title, *article.paragraphs]
    paragraphs = [re.sub(r"\d+", lambda m: num2words(int(m.group()), lang="fr"), p) for p in paragraphs]
    model = Path(args["model"])
    tts = TTS(model_path=str(model / "model.pth"), config_path=str(model / "config.json"), progress_bar=False)
    loaded = time.perf_counter()
    import warnings

    import imageio_ffmpeg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pydub import AudioSegment
    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    rate = tts.synthesizer.output_sample_rate
    audio = AudioSegment.empty()
    speech_samples = 0
    inference_s = 0.0
    for paragraph in paragraphs:
        t0 = time.perf_counter()
        samples = np.asarray(tts.tts(paragraph), dtype=np.float32)
        inference_s += time.perf_counter() - t0
        speech_samples += len(samples)
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
        audio += AudioSegment(pcm.tobytes(), frame_rate=rate, sample_width=2, channels=1)
    audio.export(args["output"], format="mp3", bitrate="128k").close()
    total = time.perf_counter() - started
    return {"seconds": total, "speech_s": speech_samples / rate, "inference_s": inference_s, "load_s": loaded - started}


def scenario_generate(args: dict) -> dict:
    """``bulletin generate`` through the library (``produce``), with synthesis calls timed."""
    started = time.perf_counter()
    from bulletin.engines import coqui as voice_module
    from bulletin.engines.base import VoiceOptions
    from bulletin.pipeline import GenerateRequest, produce

    timing = {"inference_s": 0.0, "load_s": 0.0, "speech_samples": 0, "rate": 0}
    cls = voice_module.CoquiVoice
    original_synthesize, original_model = cls.synthesize, cls._model

    def timed_model(self):
        if self._tts is None and self._fast is None:
            t0 = time.perf_counter()
            result = original_model(self)
            timing["load_s"] += time.perf_counter() - t0
            return result
        return original_model(self)

    def timed_synthesize(self, text):
        self._model()
        t0 = time.perf_counter()
        samples = original_synthesize(self, text)
        timing["inference_s"] += time.perf_counter() - t0
        if os.environ.get("BENCH_VERBOSE"):
            print(
                f"synthesize {len(text)} chars: {time.perf_counter() - t0:.2f} s for {len(samples) / self._rate:.2f} s",
                file=sys.stderr,
            )
        timing["speech_samples"] += len(samples)
        timing["rate"] = self._rate
        return samples

    cls.synthesize, cls._model = timed_synthesize, timed_model
    request = GenerateRequest(
        articles=(Path(args["article"]),),
        output=Path(args["output"]),
        voice=args["model"],
        cache_dir=Path(args["cache"]),
        voice_options=VoiceOptions(engine=args["engine"], cache_dir=args["onnx_cache"]),
    )
    result = produce(request)
    total = time.perf_counter() - started
    speech_s = timing["speech_samples"] / timing["rate"] if timing["rate"] else 0.0
    return {
        "seconds": total,
        "produce_s": result.seconds,
        "speech_s": speech_s,
        "bulletin_speech_s": result.speech_s,
        "inference_s": timing["inference_s"],
        "load_s": timing["load_s"],
        "cache_hits": result.cache_hits,
        "cache_misses": result.cache_misses,
        "torch_imported": "torch" in sys.modules,
    }


def scenario_equivalence(args: dict) -> dict:
    """Each engine vs float32 torch with the noise scales at 0: duration ratio and log-mel distance."""
    from bulletin.engines.base import VoiceOptions
    from bulletin.engines.factory import open_voice
    from bulletin.engines.fastvits import log_mel_distance
    from bulletin.engines.presets import resolve_voice_spec
    from bulletin.pipeline import spoken_script

    texts = [segment.text for segment in spoken_script(Path(args["article"]), args["model"]).script.segments][1:4]
    outputs = {}
    for engine in ("torch", "bf16", "onnx"):
        voice = open_voice(resolve_voice_spec(args["model"]), VoiceOptions(engine=engine, cache_dir=args["onnx_cache"]))
        voice.without_noise()
        outputs[engine] = ([voice.synthesize(text) for text in texts], voice.engine, voice.sample_rate)
    reference, _, rate = outputs["torch"]
    report = {}
    for engine, (waves, used, _) in outputs.items():
        report[engine] = {
            "engine_used": used,
            "duration_ratio": sum(map(len, waves)) / sum(map(len, reference)),
            "log_mel_db": statistics.mean(log_mel_distance(a, b, rate) for a, b in zip(reference, waves)),
        }
    return report


def scenario_export(args: dict) -> dict:
    """Time the one-off ONNX export of the model into the ONNX cache."""
    from bulletin.engines.fastvits import export_onnx, onnx_path

    target = onnx_path(Path(args["model"]), Path(args["onnx_cache"]))
    started = time.perf_counter()
    if not target.is_file():
        export_onnx(Path(args["model"]), target)
    return {"seconds": time.perf_counter() - started, "bytes": target.stat().st_size}


SCENARIOS = {
    "baseline": scenario_baseline,
    "generate": scenario_generate,
    "equivalence": scenario_equivalence,
    "export": scenario_export,
}


def run_scenario(name: str, **args) -> dict:
    """Run one scenario in a fresh interpreter; return its figures plus its peak RSS in MB."""
    completed = subprocess.run(
        [sys.executable, __file__, "--scenario", name, json.dumps(args, default=str)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode or not lines:
        raise RuntimeError(f"scenario {name} failed:\n{completed.stderr[-3000:]}")
    return json.loads(lines[-1])


# ---------------------------------------------------------------- the benchmark


def bench_dir() -> Path:
    """Return where the benchmark keeps its model and ONNX export between runs."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("BULLETIN_BENCH_DIR") or user_cache_dir("bulletin-bench", appauthor=False))


def ensure_model(directory: Path) -> Path:
    """Build the css10-size random VITS into ``directory`` once, with Coqui's silence trim off; return it.

    The random model speaks at about -40 dBFS RMS, under Coqui's end-of-sentence trim
    threshold, so with the trim on every sentence is cut to ~0.4 s and the "speech" no
    longer reflects what the model computed. A real voice is loud enough not to be cut.
    """
    if not (directory / "model.pth").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "testvoice.py"), str(directory), "--size", "css10"],
            check=True,
            cwd=ROOT,
        )
        config_path = directory / "config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["audio"]["do_trim_silence"] = False
        config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return directory


def article_subset(source: Path, paragraphs: int, target: Path) -> Path:
    """Write ``source`` cut to its title, dateline/lead and ``paragraphs - 1`` more body paragraphs."""
    blocks = source.read_text(encoding="utf-8").split("\n\n")
    body = [i for i, block in enumerate(blocks) if len(block.strip()) > 150]
    keep = set(range(body[0])) | set(body[:paragraphs]) | set(range(body[-1] + 1, len(blocks)))
    target.write_text("\n\n".join(block for i, block in enumerate(blocks) if i in keep), encoding="utf-8")
    return target


def edited(source: Path, target: Path) -> Path:
    """Write ``source`` with one word changed in its second body paragraph."""
    text = source.read_text(encoding="utf-8")
    changed = text.replace("la pire crise", "la plus grave crise", 1)
    assert changed != text, "the edit marker is gone from the example article"
    target.write_text(changed, encoding="utf-8")
    return target


def help_seconds(repeats: int) -> list[float]:
    """Return wall times of ``bulletin --help`` in fresh processes."""
    exe = Path(sys.executable).parent / "bulletin"
    command = [str(exe), "--help"] if exe.is_file() else [sys.executable, "-m", "bulletin", "--help"]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return times


def machine() -> dict:
    """Return date, cores and CPU model of this machine."""
    model = ""
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = line
    except OSError:
        model = platform.processor()
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": model,
        "bf16": "avx512_bf16" in flags or "amx_bf16" in flags,
        "python": platform.python_version(),
        "load_average_start": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> None:
    """Command line: run the benchmark (or, internally, one scenario)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 paragraphs, 1 run, 3 help runs")
    parser.add_argument("--repeats", type=int, help="runs per scenario (default 3, 1 with --quick)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="engines to time cold (first = main row)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    options, rest = parser.parse_known_args(argv)
    if options.scenario:
        figures = SCENARIOS[options.scenario](json.loads(rest[0]))
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    repeats = options.repeats or (1 if options.quick else 3)
    engines = options.engines.split(",")
    store = bench_dir()
    model = ensure_model(store / "css10-seed0-notrim")
    onnx_cache = store / "onnx-cache"
    results = {
        "machine": machine(),
        "mode": "quick" if options.quick else "full",
        "repeats": repeats,
        "model": "css10-size random VITS (scripts/testvoice.py --size css10)",
        "engines": engines,
    }
    with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as temp:
        temp = Path(temp)
        article = article_subset(ARTICLE, 3, temp / "article.txt") if options.quick else ARTICLE
        article_edit = edited(article, temp / "article-edited.txt")
        results["article"] = str(article.relative_to(ROOT) if article == ARTICLE else f"{ARTICLE.name} (3 paragraphs)")
        if "onnx" in engines:
            results["onnx_export"] = run_scenario("export", model=model, onnx_cache=onnx_cache)
        runs: dict[str, list[dict]] = {}
        for repeat in range(repeats):
            print(f"run {repeat + 1}/{repeats}: baseline", file=sys.stderr, flush=True)
            runs.setdefault("baseline", []).append(
                run_scenario("baseline", article=article, model=model, output=temp / "baseline.mp3")
            )
            for engine in engines:
                cache = temp / f"cache-{engine}-{repeat}"
                common = dict(
                    model=model, engine=engine, onnx_cache=onnx_cache, cache=cache, output=temp / f"{engine}.mp3"
                )
                print(f"run {repeat + 1}/{repeats}: cold {engine}", file=sys.stderr, flush=True)
                runs.setdefault(f"cold_{engine}", []).append(run_scenario("generate", article=article, **common))
                if engine == engines[0]:
                    runs.setdefault("warm", []).append(run_scenario("generate", article=article, **common))
                    runs.setdefault("edit", []).append(run_scenario("generate", article=article_edit, **common))
                shutil.rmtree(cache, ignore_errors=True)
        print("equivalence and --help", file=sys.stderr, flush=True)
        results["equivalence"] = run_scenario("equivalence", article=article, model=model, onnx_cache=onnx_cache)
        results["help_s"] = help_seconds(3 if options.quick else 7)
    results["runs"] = runs
    results["summary"] = summarise(runs, results["help_s"], engines[0])
    options.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(table(results))


def summarise(runs: dict[str, list[dict]], help_times: list[float], main_engine: str) -> dict:
    """Return medians and the figures the issue's targets are stated in."""

    def median(name, key):
        return statistics.median(run[key] for run in runs[name])

    summary = {}
    for name in runs:
        entry = {key: median(name, key) for key in ("seconds", "speech_s", "inference_s", "load_s", "peak_rss_mb")}
        entry["runs_s"] = [round(run["seconds"], 2) for run in runs[name]]
        if entry["speech_s"]:
            entry["rtf"] = entry["seconds"] / entry["speech_s"]
        entry["outside_share"] = statistics.median(1 - run["inference_s"] / run["seconds"] for run in runs[name])
        entry["outside_share_after_load"] = statistics.median(
            1 - run["inference_s"] / max(run["seconds"] - run["load_s"], 1e-9) for run in runs[name]
        )
        summary[name] = entry
    baseline = summary["baseline"]
    cold = summary[f"cold_{main_engine}"]
    for entry in summary.values():  # RTF ratio: the random duration predictor varies the speech length
        entry["vs_baseline"] = baseline["rtf"] / entry["rtf"] if entry.get("rtf") else None
    # the rtf of warm/edit runs is measured against the cold run's speech (they synthesise little or none)
    for name in ("warm", "edit"):
        summary[name]["share_of_cold"] = summary[name]["seconds"] / cold["seconds"]
        summary[name]["rtf"] = summary[name]["seconds"] / cold["speech_s"]
        summary[name]["vs_baseline"] = baseline["seconds"] / summary[name]["seconds"]
    summary["help_median_s"] = statistics.median(help_times)
    # the product's peak: the default engine's runs (the other engines' rows show theirs)
    rss_mb = max(summary[name]["peak_rss_mb"] for name in (f"cold_{main_engine}", "warm", "edit"))
    summary["targets"] = {
        "cold_rtf": [cold["rtf"], TARGETS["cold_rtf"], cold["rtf"] <= TARGETS["cold_rtf"]],
        "warm_share_of_cold": [
            summary["warm"]["share_of_cold"],
            TARGETS["warm_share"],
            summary["warm"]["share_of_cold"] <= TARGETS["warm_share"],
        ],
        "edit_share_of_cold": [
            summary["edit"]["share_of_cold"],
            TARGETS["edit_share"],
            summary["edit"]["share_of_cold"] <= TARGETS["edit_share"],
        ],
        "outside_inference_share": [
            cold["outside_share"],
            TARGETS["outside_share"],
            cold["outside_share"] <= TARGETS["outside_share"],
        ],
        "help_s": [summary["help_median_s"], TARGETS["help_s"], summary["help_median_s"] <= TARGETS["help_s"]],
        f"peak_rss_mb_{main_engine}": [rss_mb, TARGETS["rss_mb"], rss_mb <= TARGETS["rss_mb"]],
    }
    return summary


def table(results: dict) -> str:
    """Return the results as a markdown table with a header line naming the date and machine."""
    m = results["machine"]
    s = results["summary"]
    lines = [
        f"{results['mode']} run, {m['date'][:10]}, {m['cores']} cores, {m['cpu']}, {results['article']}, "
        f"median of {results['repeats']} (load average at start {m['load_average_start']:.1f})",
        "",
        "| scenario | wall s | speech s | RTF | speed-up vs baseline | outside inference | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, entry in s.items():
        if not isinstance(entry, dict) or name == "targets":
            continue
        label = name.replace("cold_", "generate cold, engine ").replace("warm", "generate warm (all cached)")
        label = label.replace("edit", "generate, one paragraph edited")
        lines.append(
            f"| {label} | {entry['seconds']:.2f} | {entry['speech_s']:.1f} | {entry.get('rtf', 0):.3f} | "
            f"{entry['vs_baseline']:.2f}x | {entry['outside_share'] * 100:.1f} % | "
            f"{entry['peak_rss_mb']:.0f} |"
        )
    lines += [
        "",
        f"`bulletin --help`: {s['help_median_s']:.2f} s (median of {len(results['help_s'])})",
        "",
        "| target | measured | goal | met |",
        "|---|---:|---:|---|",
    ]
    for name, (value, goal, met) in s["targets"].items():
        lines.append(f"| {name} | {value:.3f} | {goal} | {'yes' if met else 'NO'} |")
    if "equivalence" in results:
        lines += ["", "| engine vs torch fp32 (noise off) | duration ratio | log-mel distance dB |", "|---|---:|---:|"]
        for engine, entry in results["equivalence"].items():
            if isinstance(entry, dict):
                lines.append(
                    f"| {engine} (ran {entry['engine_used']}) | {entry['duration_ratio']:.4f} | "
                    f"{entry['log_mel_db']:.3f} |"
                )
    if "onnx_export" in results:
        lines.append(f"\nONNX export (once per model, cached): {results['onnx_export']['seconds']:.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
