#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang-14, build-fuzz/) and runs
# each one; prints per target the executions, corpus size and findings.
#
#   scripts/fuzz.sh [--time S | --runs N] [--jobs N] [--targets a,b] [--merge]
#                   [--no-build] [--build-only] [--seeds] [--werror] [--nice]
#
#   --time S      seconds per target (default 60)
#   --runs N      executions per target instead (libFuzzer -runs=N)
#   --jobs N      targets run at the same time (default 1)
#   --targets L   comma-separated subset (default: every target)
#   --merge       afterwards, merge the new inputs into tests/fuzz/corpus/<target>
#                 (libFuzzer -merge=1: only inputs that add coverage)
#   --seeds       rewrite the generated seeds (fuzz_seeds) before running
#   --build-only  build and stop;  --no-build: run what build-fuzz/ holds
#   --nice        run the targets at nice 19
#
# New inputs a run finds go to build-fuzz/corpus/<target> (scratch), never
# into the checked-in corpus unless --merge. Findings (crash-*, leak-*,
# timeout-*, oom-*) go to build-fuzz/findings/<target>/; reproduce one with
#   build-fuzz/bin/<target>_fuzz build-fuzz/findings/<target>/crash-...
# Exit status: 0 when no target found anything, 1 otherwise, 2 on bad usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build-fuzz"
all_targets=(token topic endpoints json ini job_file response status action job job_result
  job_notices config presence log_json)
time_s=60
runs=""
jobs=1
targets=("${all_targets[@]}")
merge=0
build=1
run=1
seeds=0
werror=OFF
nice_cmd=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) time_s="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --targets) IFS=, read -r -a targets <<<"$2"; shift ;;
    --merge) merge=1 ;;
    --seeds) seeds=1 ;;
    --no-build) build=0 ;;
    --build-only) run=0 ;;
    --werror) werror=ON ;;
    --nice) nice_cmd=(nice -n 19) ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# Longest input per target: payloads are small (a gateway's reply is tens of
# bytes); longer inputs add time, not coverage.
max_len() {
  case "$1" in
    token) echo 64 ;;
    topic|endpoints) echo 512 ;;
    config) echo 1024 ;; # slow per input (key suggestions, the dump): shorter
    *) echo 4096 ;;
  esac
}

# Dictionary per target (tests/fuzz/*.dict).
dict_of() {
  case "$1" in
    response|status|action|job|job_result|job_notices) echo msgpack.dict ;;
    json|job_file|presence|log_json) echo json.dict ;;
    ini) echo ini.dict ;;
    config) echo config.dict ;;
  esac
}

if [ $build = 1 ]; then
  "$root/scripts/install-deps.sh" --sanitize
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHELFWIRE_FUZZ=ON \
    -DSHELFWIRE_TESTS=OFF -DSHELFWIRE_BENCH=OFF -DSHELFWIRE_WERROR=$werror \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
  build_targets=(fuzz_seeds)
  for t in "${targets[@]}"; do build_targets+=("${t}_fuzz"); done
  "${nice_cmd[@]}" cmake --build "$dir" -j "$(nproc)" --target "${build_targets[@]}"
fi
if [ $seeds = 1 ]; then
  "$dir/bin/fuzz_seeds" "$root/tests/fuzz/corpus"
fi
[ $run = 1 ] || exit 0

# A small quarantine and no malloc fill: the msgpack decoders allocate an
# 8 KiB zone per payload, and ASan's defaults (256 MiB of quarantine, 4 KiB
# filled per allocation) made them 2-3x slower with fresh pages.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:max_malloc_fill_size=0:quarantine_size_mb=16}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Runs one target; its log is build-fuzz/logs/<target>.log.
run_one() {
  local t=$1
  local scratch="$dir/corpus/$t" findings="$dir/findings/$t/" seeds="$root/tests/fuzz/corpus/$t"
  mkdir -p "$scratch" "$findings" "$seeds" "$dir/logs"
  local args=(-max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$findings")
  if [ -n "$runs" ]; then args+=(-runs="$runs"); else args+=(-max_total_time="$time_s"); fi
  local dict
  dict=$(dict_of "$t")
  [ -n "$dict" ] && args+=(-dict="$root/tests/fuzz/$dict")
  local start=$SECONDS rc=0
  "${nice_cmd[@]}" "$dir/bin/${t}_fuzz" "${args[@]}" "$scratch" "$seeds" >"$dir/logs/$t.log" 2>&1 ||
    rc=$?
  echo "$rc $((SECONDS - start))" >"$dir/logs/$t.rc"
  if [ $merge = 1 ] && [ $rc = 0 ]; then
    "$dir/bin/${t}_fuzz" -merge=1 -max_len="$(max_len "$t")" "$seeds" "$scratch" \
      >>"$dir/logs/$t.log" 2>&1
  fi
}

for t in "${targets[@]}"; do rm -f "$dir/logs/$t.rc"; done
running=0
for t in "${targets[@]}"; do
  if [ ! -x "$dir/bin/${t}_fuzz" ]; then
    echo "no such target: $t (build-fuzz/bin/${t}_fuzz)" >&2
    exit 2
  fi
  run_one "$t" &
  running=$((running + 1))
  if [ $running -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

status=0
printf '%-12s %12s %8s %8s %9s  %s\n' target executions seconds corpus exec/s findings
for t in "${targets[@]}"; do
  log="$dir/logs/$t.log"
  read -r rc secs <"$dir/logs/$t.rc" || { rc="not run"; secs="?"; }
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -1)
  found=$(find "$dir/findings/$t" -maxdepth 1 -type f \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -newer \
    "$dir/bin/${t}_fuzz" | wc -l)
  what="none"
  if [ "$rc" != 0 ] || [ "$found" != 0 ]; then
    what="exit $rc, $found file(s) in build-fuzz/findings/$t (log: build-fuzz/logs/$t.log)"
    status=1
  fi
  printf '%-12s %12s %8s %8s %9s  %s\n' "$t" "${execs:-?}" "$secs" "${corpus:-?}" "${rate:-?}" \
    "$what"
done
exit $status
