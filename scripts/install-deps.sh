#!/usr/bin/env bash
# Installs what shelfwire builds and runs with, from Debian packages only.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build
  libcaf-dev            # C++ Actor Framework 0.17.6 (with caf_openssl)
  libssl-dev            # OpenSSL: TLS between nodes (caf_openssl), certificate checks
  openssl               # the command line: scripts/make-test-certs.sh (tests, demo)
  libpaho-mqtt-dev      # paho-mqtt-c (MQTTAsync)
  libhiredis-dev        # hiredis
  libmsgpack-cxx-dev    # msgpack-c (C++)
  libspdlog-dev         # spdlog (+ fmt)
  catch2                # Catch2 v2
  mosquitto             # the MQTT broker (tests, demo)
  redis-server          # Redis (tests, demo)
  gnuplot-nox           # latency histograms of the simulator
  prometheus-cpp-dev    # the /metrics exposition (prometheus-cpp core)
  libcivetweb-dev       # the node's HTTP listener (/metrics, /healthz, /readyz)
  prometheus            # the Prometheus server (integration test of /metrics)
)

# --sanitize: also what the sanitizer build compiles with (scripts/build.sh).
if [ "${1:-}" = "--sanitize" ]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packaged services are not needed: shelfwire starts its own servers on
# free loopback ports. Stop them if the package started them.
if command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl disable --now mosquitto redis-server prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi
