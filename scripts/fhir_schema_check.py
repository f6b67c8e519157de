#!/usr/bin/env python3
"""Checks FHIR R4 resources against the official FHIR R4 JSON schema (docs/fhir.md).

    fhir_schema_check.py SCHEMA FILE...            every resource must be valid
    fhir_schema_check.py --invalid SCHEMA FILE...  the schema must refuse every resource

SCHEMA is fhir.schema.json (scripts/fhir_schema.sh prints its path). A .json file holds
one resource, a .ndjson file one per line (a bulk export). Each resource is validated
against the whole schema (JSON Schema draft-06, one of every resource type, by
resourceType); a refusal is explained against the definition of its resourceType.
Valid resources also pass the checks below of the profiles they claim in meta.profile,
which a JSON schema cannot express. Exits 1 if any resource does not come out as expected.
"""
import json
import sys

import jsonschema

VITALSIGNS = "http://hl7.org/fhir/StructureDefinition/"
VITAL_PROFILES = {
    VITALSIGNS + "vitalsigns": None,
    VITALSIGNS + "heartrate": "8867-4",
    VITALSIGNS + "resprate": "9279-1",
    VITALSIGNS + "oxygensat": "2708-6",
    VITALSIGNS + "bodytemp": "8310-5",
    VITALSIGNS + "bp": "85354-9",
}
BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit."


def resources(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".ndjson"):
            for n, line in enumerate(f, 1):
                if not line.strip():
                    raise ValueError(f"{path}:{n}: blank line in NDJSON")
                yield f"{path}:{n}", json.loads(line)
        else:
            yield path, json.load(f)


def loinc_codes(concept):
    return [c.get("code") for c in concept.get("coding", []) if c.get("system") == "http://loinc.org"]


def quantity_problems(q, where):
    if not isinstance(q, dict):
        return [f"{where}: no valueQuantity"]
    missing = [k for k in ("value", "unit", "system", "code") if k not in q]
    out = [f"{where}: valueQuantity lacks {', '.join(missing)}"] if missing else []
    if q.get("system") != "http://unitsofmeasure.org":
        out.append(f"{where}: unit system is not UCUM")
    return out


def profile_problems(r):
    """The rules of the profiles a resource claims that Vigil's resources must meet."""
    out = []
    for p in r.get("meta", {}).get("profile", []):
        if r.get("resourceType") == "Observation" and p in VITAL_PROFILES:
            cats = [c.get("code") for cc in r.get("category", []) for c in cc.get("coding", [])]
            if "vital-signs" not in cats:
                out.append(f"{p}: category vital-signs missing")
            if not r.get("subject", {}).get("reference", "").startswith("Patient/"):
                out.append(f"{p}: subject is not a Patient reference")
            if "effectiveDateTime" not in r:
                out.append(f"{p}: effectiveDateTime missing")
            if r.get("status") not in ("registered", "preliminary", "final", "amended",
                                       "corrected", "cancelled", "entered-in-error", "unknown"):
                out.append(f"{p}: status missing")
            code = VITAL_PROFILES[p]
            if code and code not in loinc_codes(r.get("code", {})):
                out.append(f"{p}: LOINC {code} missing from code")
            if p.endswith("/bp"):
                comps = {tuple(loinc_codes(c.get("code", {}))): c for c in r.get("component", [])}
                for want in ("8480-6", "8462-4"):
                    c = next((c for k, c in comps.items() if want in k), None)
                    if c is None:
                        out.append(f"{p}: component {want} missing")
                    else:
                        out += quantity_problems(c.get("valueQuantity"), f"{p} {want}")
            elif "dataAbsentReason" not in r:
                out += quantity_problems(r.get("valueQuantity"), p)
            if "dataAbsentReason" in r and "valueQuantity" in r:
                out.append(f"{p}: dataAbsentReason beside a value (obs-6)")
        if r.get("resourceType") == "AuditEvent" and p.startswith(BALP):
            name = p[len(BALP):]
            if name.startswith("Patient"):
                ok = any(e.get("what", {}).get("reference", "").startswith("Patient/")
                         and e.get("type", {}).get("code") == "1"
                         and e.get("role", {}).get("code") == "1"
                         for e in r.get("entity", []))
                if not ok:
                    out.append(f"{p}: no patient entity (type 1, role 1, Patient reference)")
            if len(r.get("entity", [])) < 2 and name.startswith("Patient"):
                out.append(f"{p}: fewer than 2 entities")
            if not any(a.get("requestor") for a in r.get("agent", [])):
                out.append(f"{p}: no requestor agent")
            if r.get("outcome") != "0":
                out.append(f"{p}: BALP profiles record successful operations")
    return out


def main(argv):
    expect_valid = True
    if argv and argv[0] == "--invalid":
        expect_valid = False
        argv = argv[1:]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft6Validator.check_schema(schema)
    whole = jsonschema.Draft6Validator(schema)
    definitions = schema["definitions"]
    passed = failed = 0
    types = set()
    for path in argv[1:]:
        for where, doc in resources(path):
            refused = not whole.is_valid(doc)
            problems = []
            if refused:
                rt = doc.get("resourceType") if isinstance(doc, dict) else None
                if rt in definitions:
                    one = jsonschema.Draft6Validator(dict(schema, **{"$ref": f"#/definitions/{rt}"}))
                    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                                for e in one.iter_errors(doc)]
                problems = problems or [f"resourceType {rt!r} is not an R4 resource"]
            elif expect_valid:
                problems = profile_problems(doc)
                types.add(doc["resourceType"])
            if expect_valid:
                ok = not problems
            else:
                ok = refused
            if ok:
                passed += 1
                if not expect_valid:
                    print(f"{where}: refused as expected: {problems[0][:160]}")
            else:
                failed += 1
                print(f"{where}: " + ("; ".join(problems)[:2000] if problems else "accepted, should be refused"),
                      file=sys.stderr)
    if expect_valid:
        print("resource types checked: " + ", ".join(sorted(types)))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
