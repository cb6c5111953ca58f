#!/usr/bin/env bash
# Issue 10's batch memory: peak resident memory of `brokersim batch` over 100, 1,000 and 10,000 runs.
#
#   bench/batch_memory.sh [BROKERSIM] [--jobs N]
#
# Runs bench/batch-memory (two small scenarios: acks1-small breaks at-least-once on about 30% of seeds,
# so those runs write their report files; acks-all-small holds) with --seeds 50, 500 and 5000, and
# prints a Markdown row per size: runs, failing runs, wall seconds, peak RSS ("Maximum resident set size"
# of /usr/bin/time) and the size of the output folder. BROKERSIM defaults to build/cli/brokersim. The
# outputs go to a temporary folder, removed at the end. A benchmark, never a test.
set -euo pipefail
cd "$(dirname "$0")/.."

brokersim=build/cli/brokersim
jobs=2
while (($#)); do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) brokersim=$1; shift ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| runs | failing | wall | peak RSS | output |"
echo "|---:|---:|---:|---:|---:|"
for seeds in 50 500 5000; do
  rm -rf "$work/out"
  status=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$brokersim" batch bench/batch-memory --seeds "$seeds" --jobs "$jobs" \
    --out "$work/out" > "$work/stdout" || status=$?
  if ((status > 1)); then cat "$work/stdout" >&2; exit "$status"; fi
  read -r wall rss_kb < <(tail -1 "$work/time")
  failing=$(grep -c '^  FAIL' "$work/stdout" || true)
  printf "| %d | %d | %s s | %.1f MB | %s |\n" $((seeds * 2)) "$failing" "$wall" "$(echo "$rss_kb / 1024" | bc -l)" \
    "$(du -sh "$work/out" | cut -f1)"
done
