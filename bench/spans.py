"""Benchmark: what the written <-> spoken span map costs the normaliser (speakable vs speakable_spans).

    .venv/bin/python bench/spans.py            # the example's paragraphs x 20, 3 rounds, interleaved

Both run the same rules on the same paragraphs in the same process, interleaved, so
their ratio holds on a noisy machine. Prints characters per second and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bulletin.text.article import read_article
from bulletin.text.normalize import FRENCH_ALPHABET, load_lexicon, speakable, speakable_spans

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=20, help="times the example's paragraphs are repeated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    article = read_article(ROOT / "examples" / "rhc-kazakhstan.txt")
    paragraphs = list(article.paragraphs) * args.copies
    chars = sum(len(p) for p in paragraphs)
    lexicon = load_lexicon()
    times: dict[str, list[float]] = {"speakable": [], "speakable_spans": []}
    for _ in range(args.rounds):
        for name, speak in (("speakable", speakable), ("speakable_spans", speakable_spans)):
            started = time.perf_counter()
            for paragraph in paragraphs:
                speak(paragraph, FRENCH_ALPHABET, lexicon)
            times[name].append(time.perf_counter() - started)
    plain, spans = (statistics.median(times[name]) for name in times)
    print(f"{chars} characters, median of {args.rounds} rounds")
    print(f"speakable        {plain:6.2f} s  {chars / plain:8.0f} chars/s")
    print(f"speakable_spans  {spans:6.2f} s  {chars / spans:8.0f} chars/s  ({spans / plain:.2f}x)")


if __name__ == "__main__":
    main()
