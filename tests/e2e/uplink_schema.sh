#!/usr/bin/env bash
# The uplink's message contract: docs/uplink.schema.json is a valid JSON Schema, the
# documented examples (which the unit tests show the code writes byte for byte) pass it,
# messages that break the contract fail it, and the EVE alert carried by the security
# example passes the EVE check.
#   uplink_schema.sh path/to/vigil
set -euo pipefail
vigil="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=python3
$py -c 'import jsonschema' 2>/dev/null || py=/usr/bin/python3
ex="$root/testdata/uplink/examples"
"$py" "$root/scripts/uplink_schema_check.py" "$root/docs/uplink.schema.json" \
  "$ex/telemetry.json" "$ex/alarm.json" "$ex/security.json" "$ex/status-online.json" \
  "$ex/status-offline.json" "$ex/device.json"
"$py" "$root/scripts/uplink_schema_check.py" --invalid "$root/docs/uplink.schema.json" \
  "$root"/testdata/uplink/invalid/*.json
"$vigil" eve-check "$ex/eve-alert.json"
