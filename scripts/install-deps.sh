#!/usr/bin/env bash
# Installs the Debian 12 packages Vigil builds and tests with, if any is missing.
# Needs root (or sudo) only when something must be installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libssl-dev libsqlite3-dev sqlite3
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcbor-dev libmosquitto-dev mosquitto libboost-dev
  python3 python3-jsonschema python3-cryptography openssl curl
  libpq-dev postgresql libjwt-dev
  libargon2-dev liboath-dev libqrencode-dev oathtool
  nodejs
)
if [ "${VIGIL_WITH_FUZZ:-0}" = 1 ]; then packages+=(clang libclang-rt-14-dev); fi
# The dashboard's browser test (scripts/test.sh sets it): Debian's Chromium, headless.
if [ "${VIGIL_WITH_BROWSER:-0}" = 1 ]; then packages+=(chromium); fi
# The dashboard's build (scripts/web.sh): Debian's nodejs has npm apart; some nodejs
# packages carry their own.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
