#!/usr/bin/env bash
# The FHIR resources Vigil writes (docs/fhir.md, docs/audit.md) against the official FHIR
# R4 JSON schema: the examples in testdata/fhir/examples/ (which the unit tests show the
# code writes byte for byte: Observation of every exported vital, the blood pressure
# panel, Patient, a searchset Bundle, AuditEvent of every kind of event, a bulk export in
# NDJSON) must pass it and the profile checks, and the counter-examples in
# testdata/fhir/invalid/ must be refused by it.
#   fhir_schema.sh [path/to/vigil]   (the argument is not used)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py=python3
$py -c 'import jsonschema' 2>/dev/null || py=/usr/bin/python3
schema="$(bash "$root/scripts/fhir_schema.sh")"
ex="$root/testdata/fhir/examples"
"$py" "$root/scripts/fhir_schema_check.py" "$schema" "$ex"/*.json "$ex"/*.ndjson
"$py" "$root/scripts/fhir_schema_check.py" --invalid "$schema" "$root"/testdata/fhir/invalid/*.json
