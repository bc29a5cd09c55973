#!/usr/bin/env bash
# Sets up (Debian packages), builds and runs the demo: a simulated store
# against shelfwire node processes, with its own mosquitto and redis-server
# on free loopback ports. Extra arguments go to shelfwire-sim, e.g.
#   scripts/demo.sh --producer.tasks=20000 --report demo.json
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$("$root/scripts/build.sh" | tail -1)
exec "$dir/bin/shelfwire-sim" --scenario "$root/sim/scenarios/demo.ini" "$@"
