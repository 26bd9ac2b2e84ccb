#!/usr/bin/env bash
# Mutation testing of the rules with mutmut 3 (pip install -e '.[dev]'), then the score per module.
#
#   scripts/mutation.sh                     # text cache request pipeline publish
#   scripts/mutation.sh cache request       # some of them
#   scripts/mutation.sh text.segment        # one module of a package
#   scripts/mutation.sh --report [MODULE...]  # the score of the last run, without running again
#
# publish means the feed: channel, episodes, rss, page (what `bulletin publish` writes). The
# HTTP server (publish.serve, publish.httpd) and the player (publish.playback) are tested end to
# end through real servers and devices, which mutmut's in-process runner does not follow; name
# them (publish.serve) to mutate them anyway.
#
# mutmut copies the project into mutants/ (git-ignored), runs the fast tests of those modules
# once to learn which test reaches which function ([tool.mutmut] in pyproject.toml), then
# runs, for each mutant, only the tests that reach it. A surviving mutant is killed by a new
# test or listed in tests/MUTANTS.md as equivalent (no test can tell it apart), with a reason.
# The score is the usual mutation score: killed (and timed-out) mutants over all mutants of the
# modules asked but the equivalent ones listed, which no test can kill. Exit 1 under TARGET
# percent (default 85), or when a listed name is no longer a mutant (the code moved on).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
TARGET=${TARGET:-85}
report_only=false
if [ "${1:-}" = "--report" ]; then
  report_only=true
  shift
fi
[ $# -eq 0 ] && set -- text cache request pipeline publish

# pipeline: the rules around produce (produce's steps need a voice and are tested end to end):
# the render key, the newscast rules (titles, slot, tags, artwork) and delivery (check, then publish).
PIPELINE_RULES="bulletin.pipeline.x__render_key__mutmut_* bulletin.newscast.x_title_of__mutmut_*
  bulletin.newscast.x_story_titles__mutmut_* bulletin.newscast.x_slot_of__mutmut_*
  bulletin.newscast.x_bulletin_tags__mutmut_* bulletin.newscast.x_read_artwork__mutmut_* bulletin.delivery.*"
patterns=()
for module in "$@"; do
  case "$module" in
    pipeline) for pattern in $PIPELINE_RULES; do patterns+=("$pattern"); done ;;
    publish) for feed in channel episodes rss page; do patterns+=("bulletin.publish.$feed.*"); done ;;
    text | cache | request | text.* | publish.*) patterns+=("bulletin.$module.*") ;;
    *) echo "error: unknown module '$module'; use text, cache, request, pipeline, publish, text.NAME or publish.NAME" >&2; exit 2 ;;
  esac
done

elapsed=0
if ! $report_only; then
  started=$(date +%s)
  "$PYTHON" -m mutmut run --max-children "${JOBS:-$(nproc)}" "${patterns[@]}" >mutants-run.log 2>&1 || {
    tail -40 mutants-run.log >&2
    echo "error: mutmut failed (full log in mutants-run.log)" >&2
    exit 1
  }
  elapsed=$(($(date +%s) - started))
elif [ ! -d mutants ]; then
  echo "error: no mutation run to report on (mutants/ is absent); run scripts/mutation.sh first" >&2
  exit 2
fi

"$PYTHON" - "$TARGET" "$elapsed" "${patterns[@]}" <<'EOF'
import fnmatch
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

target, elapsed, patterns = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
listing = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True)
results = {}
for line in listing.stdout.splitlines():
    name, _, status = line.strip().rpartition(": ")
    if name and any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
        results[name] = status
equivalent = set(re.findall(r"^- `([^`]+)`", Path("tests/MUTANTS.md").read_text(encoding="utf-8"), re.MULTILINE))
by_module = defaultdict(Counter)
for name, status in results.items():
    module = name.split(".x")[0]  # bulletin.cache.xǁSegmentCacheǁget__mutmut_3 -> bulletin.cache
    kind = "killed" if status in ("killed", "timeout") else ("equivalent" if name in equivalent else "survived")
    by_module[module][kind] += 1
print(f"{'module':<28} {'killed':>7} {'equiv.':>7} {'survived':>9} {'total':>6} {'score':>7}")
totals = Counter()
for module in sorted(by_module):
    counts = by_module[module]
    total = sum(counts.values())
    totals.update(counts)
    score = 100 * counts["killed"] / max(1, total - counts["equivalent"])
    print(f"{module:<28} {counts['killed']:>7} {counts['equivalent']:>7} {counts['survived']:>9} {total:>6} {score:>6.1f}%")
groups = defaultdict(Counter)  # the modules as the issue names them: text, publish, pipeline rules, ...
for module, counts in by_module.items():
    part = module.split(".")[1]
    groups["pipeline rules" if part in ("pipeline", "newscast", "delivery") else part].update(counts)
for group in sorted(groups):
    counts = groups[group]
    total = sum(counts.values())
    score = 100 * counts["killed"] / max(1, total - counts["equivalent"])
    print(f"{group + ' (all)':<28} {counts['killed']:>7} {counts['equivalent']:>7} {counts['survived']:>9} {total:>6} {score:>6.1f}%")
total = sum(totals.values())
if not total:
    sys.exit("error: no mutant matched " + " ".join(patterns))
score = 100 * totals["killed"] / max(1, total - totals["equivalent"])
print(f"{'all':<28} {totals['killed']:>7} {totals['equivalent']:>7} {totals['survived']:>9} {total:>6} {score:>6.1f}%")
print(f"killed over all mutants, equivalents included: {100 * totals['killed'] / total:.1f} %" + (f"; {elapsed} s" if elapsed else ""))
stale = sorted(name for name in equivalent if any(fnmatch.fnmatchcase(name, p) for p in patterns) and name not in results)
if stale:
    print("listed in tests/MUTANTS.md but no longer mutants (remove them):")
    for name in stale:
        print(f"  {name}")
unlisted = sorted(name for name, status in results.items() if status not in ("killed", "timeout") and name not in equivalent)
if unlisted:
    print("surviving, not listed in tests/MUTANTS.md (show one with: mutmut show NAME):")
    for name in unlisted:
        print(f"  {name}: {results[name]}")
sys.exit(0 if score >= target and not stale else 1)
EOF
