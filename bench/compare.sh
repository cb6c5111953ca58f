#!/usr/bin/env bash
# Issue 10's yardstick: brokersim against the limit of its pipeline workload, measured in one run.
#
#   bench/compare.sh [--runs N] [--no-census] [--no-peers]
#
# 1. Builds the Release tree (build-release) if anything is out of date.
# 2. The pipeline workload (1,000,000 messages), whole-process wall time, one after the other:
#    build-release/bench/brokersim_raw_limit (a bare 4-ary heap of POD events: the limit) and
#    `brokersim run bench/pipeline.json` (the full model, the checker and report.json), and the ratio.
#    hyperfine times them when it is installed, else /usr/bin/time (alternating the two, N runs each).
# 3. With libsimgrid-dev and python3-simpy installed and ../shared/peers present, the peers too (SimGrid's
#    timer engine, SimPy 2), built in build-release/peers; otherwise they are skipped.
# 4. The 1M Kafka shape (bench/million-messages.json): wall, events, events/s, peak RSS, bytes per message.
# 5. The pipeline's events by kind, and how many are dead timers (brokersim_scenario_bench --events).
#
# Prints Markdown. A benchmark, never a test: the test suite must not run it (timings on a shared machine
# are noise; compare ratios measured in the same run).
set -euo pipefail

runs=3
census=1
peers=1
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --no-census) census=0; shift ;;
    --no-peers) peers=0; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=build-release
messages=1000000

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBROKERSIM_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target brokersim brokersim_raw_limit brokersim_scenario_bench >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The median of the numbers on standard input.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# The value of key=value field $1 in a RESULT line on standard input.
field() { tr ' ' '\n' | sed -n "s/^$1=//p"; }

# Labels and commands of the timed rows (each command's standard output goes to $work/LABEL.out).
labels=()
commands=()
add_row() { labels+=("$1"); commands+=("$2"); }

add_row raw_limit "$build/bench/brokersim_raw_limit --messages=$messages"
add_row brokersim "$build/cli/brokersim run bench/pipeline.json --out $work/pipeline --format json"

peers_dir=$root/../shared/peers
peer_note=""
if ((peers)) && [[ -d $peers_dir ]] && dpkg -s libsimgrid-dev >/dev/null 2>&1 && dpkg -s python3-simpy >/dev/null 2>&1; then
  mkdir -p "$build/peers"
  if [[ ! $build/peers/simgrid_pipeline -nt $peers_dir/simgrid_pipeline.cpp ]]; then
    g++ -O2 -std=c++17 -o "$build/peers/simgrid_pipeline" "$peers_dir/simgrid_pipeline.cpp" $(pkg-config --cflags --libs simgrid)
  fi
  add_row simgrid_timers "$build/peers/simgrid_pipeline --log=root.thres:critical --mode=timers --messages=$messages"
  add_row simpy2_lean "/usr/bin/python3 $peers_dir/simpy_pipeline.py --style=lean --messages=$messages"
elif ((peers)); then
  peer_note="Peers skipped: they need ../shared/peers, libsimgrid-dev and python3-simpy."
fi

declare -A wall
if command -v hyperfine >/dev/null; then
  timer="hyperfine, median of $runs"
  args=()
  for i in "${!labels[@]}"; do args+=(-n "${labels[$i]}" "${commands[$i]} > $work/${labels[$i]}.out"); done
  hyperfine --style basic --runs "$runs" --export-json "$work/hyperfine.json" "${args[@]}" >&2
  # The results come in the order of the commands.
  i=0
  while read -r median_s; do wall[${labels[$i]}]=$median_s; i=$((i + 1)); done < <(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]: print(r["median"])' "$work/hyperfine.json")
else
  timer="/usr/bin/time, median of $runs, the rows alternating"
  for ((run = 0; run < runs; ++run)); do
    for i in "${!labels[@]}"; do
      /usr/bin/time -f %e -a -o "$work/${labels[$i]}.times" ${commands[$i]} > "$work/${labels[$i]}.out"
    done
  done
  for label in "${labels[@]}"; do wall[$label]=$(median < "$work/$label.times"); done
fi

# Events and peak RSS of each row, from its own output (the peers and the raw limit print a RESULT line;
# brokersim's report.json has the events, and one more run under /usr/bin/time gives its peak RSS).
# The check column: brokersim's verdict; for the others their own exactly-once check, and whether their
# simulated end time equals the raw limit's to the last digit (the same trajectory).
declare -A events rss check
limit_end=$(grep RESULT "$work/raw_limit.out" | field sim_end_ms)
for i in "${!labels[@]}"; do
  label=${labels[$i]}
  if [[ $label == brokersim ]]; then
    events[$label]=$(grep -o '"events": *[0-9]*' "$work/pipeline/report.json" | grep -o '[0-9]*$')
    check[$label]="verdict $(grep -o '"verdict": *"[a-z]*"' "$work/pipeline/report.json" | grep -o '[a-z]*"$' | tr -d '"')"
    /usr/bin/time -f %M -o "$work/brokersim.rss" ${commands[$i]} > /dev/null
    rss[$label]=$(cat "$work/brokersim.rss")
  else
    result=$(grep RESULT "$work/$label.out")
    events[$label]=$(field events <<< "$result")
    rss[$label]=$(field peak_rss_kib <<< "$result")
    check[$label]="verify $(field verify <<< "$result")"
    [[ $(field sim_end_ms <<< "$result") == "$limit_end" ]] && check[$label]+=", end $limit_end ms" \
      || check[$label]+=", end $(field sim_end_ms <<< "$result") ms (not the limit's)"
  fi
done

limit=${wall[raw_limit]}
echo "## Pipeline workload, $messages messages ($timer; whole process)"
echo
echo "| implementation | wall s | × raw limit | events | events/s | peak RSS MiB | check |"
echo "|---|---:|---:|---:|---:|---:|---|"
for label in "${labels[@]}"; do
  awk -v l="$label" -v w="${wall[$label]}" -v lim="$limit" -v e="${events[$label]}" -v r="${rss[$label]}" -v c="${check[$label]}" \
    'BEGIN { printf "| %s | %.3f | %.2f | %d | %.2f M | %.1f | %s |\n", l, w, w / lim, e, e / w / 1e6, r / 1024, c }'
done
[[ -n $peer_note ]] && { echo; echo "$peer_note"; }

echo
echo "## The 1M Kafka shape (bench/million-messages.json; brokersim_scenario_bench, median of $runs)"
echo
for ((run = 0; run < runs; ++run)); do "$build/bench/brokersim_scenario_bench" bench/million-messages.json >> "$work/million.out"; done
# "NAME: M messages, E events in S s wall: R M events/s; peak RSS P MiB (B bytes per message over the baseline); ..."
awk '{ for (i = 1; i <= NF; ++i) { if ($i == "events") e = $(i - 1); if ($i == "wall:") s = $(i - 2);
                                   if ($i == "RSS") p = $(i + 1); if ($i == "bytes") b = substr($(i - 1), 2) }
       print s, e, p, b }' "$work/million.out" | sort -g | awk -v n="$runs" 'NR == int((n + 1) / 2) {
  printf "| wall s | events | events/s | peak RSS MiB | bytes per message |\n|---:|---:|---:|---:|---:|\n"
  printf "| %.2f | %d | %.2f M | %d | %d |\n", $1, $2, $2 / $1 / 1e6, $3, $4 }'
echo
echo "(The run of median wall time; its RSS and bytes per message vary little between runs.)"

if ((census)); then
  echo
  echo "## The pipeline's events by kind (brokersim_scenario_bench bench/pipeline.json --events)"
  echo
  "$build/bench/brokersim_scenario_bench" bench/pipeline.json --events | tail -n +3
fi
