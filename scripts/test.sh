#!/usr/bin/env bash
# Sets up (Debian packages), builds and runs the whole test suite: unit
# tests, then integration tests against real mosquitto / redis-server on
# free loopback ports.
#   scripts/test.sh [--sanitize] [--werror] [ctest args...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_args=()
ctest_args=()
for a in "$@"; do
  case "$a" in
    --sanitize|--werror) build_args+=("$a") ;;
    *) ctest_args+=("$a") ;;
  esac
done
dir=$("$root/scripts/build.sh" "${build_args[@]}" | tail -1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$dir"
ctest --output-on-failure -j 2 "${ctest_args[@]}"
