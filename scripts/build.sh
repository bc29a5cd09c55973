#!/usr/bin/env bash
# Configures and builds shelfwire.
#   scripts/build.sh [--sanitize] [--werror] [--dir DIR] [--type Release|RelWithDebInfo|Debug]
# Plain builds (build/) use the system's g++; --sanitize (build-asan/) uses
# clang-14 with address,undefined sanitizers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build"
type=Release
extra=()
deps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize)
      # clang-14: compiles the sanitizer build in about half GCC's time
      # (427 instead of ~780 CPU seconds), and adds a second compiler's
      # warnings to GCC's in the plain build.
      extra+=(-DSHELFWIRE_SANITIZE=address,undefined -DSHELFWIRE_BENCH=OFF
        -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14)
      deps+=(--sanitize)
      dir="$root/build-asan"
      ;;
    --werror) extra+=(-DSHELFWIRE_WERROR=ON) ;;
    --dir) dir="$2"; shift ;;
    --type) type="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
"$root/scripts/install-deps.sh" "${deps[@]}"
# Build output goes to stderr; the last line on stdout is the build directory.
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${extra[@]}" >&2
cmake --build "$dir" -j "$(nproc)" >&2
echo "$dir"
