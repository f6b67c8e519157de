#!/usr/bin/env python3
"""Checks uplink messages against docs/uplink.schema.json (docs/uplink.md).

    uplink_schema_check.py SCHEMA FILE...          every message must be valid
    uplink_schema_check.py --invalid SCHEMA FILE...  every message must be refused

A .json file holds one message; a .jsonl file one per line, either the message itself or
a line of `vigil uplink-sub` ({"topic", "retained", "payload"}), whose topic must also be
the one the envelope names. Exits 1 if any message does not come out as expected.
"""
import json
import sys

import jsonschema


def messages(path):
    with open(path, encoding="utf-8") as f:
        if path.endswith(".jsonl"):
            for n, line in enumerate(f, 1):
                if line.strip():
                    yield f"{path}:{n}", json.loads(line)
        else:
            yield path, json.load(f)


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
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    passed = failed = 0
    for path in argv[1:]:
        for where, doc in messages(path):
            problems = []
            msg = doc
            if isinstance(doc, dict) and "payload" in doc and "topic" in doc:
                msg = doc["payload"]
                if isinstance(msg, dict) and "kind" in msg:
                    want = "vigil/v1/%s/%s/%s" % (msg.get("site"), msg.get("gateway"), msg["kind"])
                    if doc["topic"] != want:
                        problems.append(f"on topic {doc['topic']}, envelope says {want}")
            problems += [e.message for e in validator.iter_errors(msg)]
            ok = not problems if expect_valid else bool(problems)
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"{where}: " + ("; ".join(problems) if problems else "accepted, should be refused"),
                      file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
