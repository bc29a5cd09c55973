#!/usr/bin/env bash
# Configures and builds shelfwire.
#   scripts/build.sh [--sanitize] [--werror] [--dir DIR] [--type Release|RelWithDebInfo|Debug]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build"
type=Release
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize)
      extra+=(-DSHELFWIRE_SANITIZE=address,undefined -DSHELFWIRE_BENCH=OFF)
      dir="$root/build-asan"
      ;;
    --werror) extra+=(-DSHELFWIRE_WERROR=ON) ;;
    --dir) dir="$2"; shift ;;
    --type) type="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
"$root/scripts/install-deps.sh"
# Build output goes to stderr; the last line on stdout is the build directory.
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "${extra[@]}" >&2
cmake --build "$dir" -j "$(nproc)" >&2
echo "$dir"
