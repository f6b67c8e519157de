#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora (fuzz/corpus/<target>/) from the test vectors.

Seeds are a few real frames per target, in each target's input format (see the comment
at the top of each fuzz/*_fuzz.cc): the MPDUs for mac_frame_fuzz, the MAC payloads for
codec_fuzz, the packs of testdata/telemetry for telemetry_fuzz, and for the core fuzzers
a configuration byte, a stage byte and operations that deliver the recorded payloads
with their authenticators recomputed.

Usage: scripts/fuzz_corpus.py [repo_root]
"""
import hashlib
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
vectors = root / "testdata" / "vectors"
corpus = root / "fuzz" / "corpus"

VERSION_BITS = {"v1": 0, "v2": 1, "v3-paper": 2, "hardened": 3}


def config_byte(v):
    b = VERSION_BITS[v["version"]]
    if not v["config"]["encrypt_data"]:
        b |= 0x04
    if v["config"]["data_tag_size"] == 16:
        b |= 0x08
    return b


def write(target, data):
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    (d / name).write_bytes(data)


BODY_OFFSET = {"DATA": 6, "BROADCAST": 7, "ASSOC_RESP": 4}


def clear_payload(f):
    """The payload with its body in clear: the fuzzers encrypt it when they fix the tag."""
    payload = bytes.fromhex(f["payload"])
    if "plaintext" not in f or f["type"] not in BODY_OFFSET:
        return payload
    plain, off = bytes.fromhex(f["plaintext"]), BODY_OFFSET[f["type"]]
    return payload[:off] + plain + payload[off + len(plain):]


def frame_op(payload, broadcast=False, fix=True):
    op = 0x04 | (0x08 if broadcast else 0) | (0x10 if fix else 0)
    return bytes([op, len(payload)]) + payload


for path in sorted(vectors.glob("*.json")):
    v = json.loads(path.read_text())
    cfg = config_byte(v)
    frames = v["frames"]
    for f in frames:
        mpdu, payload = bytes.fromhex(f["mpdu"]), bytes.fromhex(f["payload"])
        if v["name"] in ("v1", "hardened"):
            write("mac_frame_fuzz", mpdu)
        if v["name"] in ("v2", "hardened"):
            write("codec_fuzz", payload)
    from_cpan = [f for f in frames if f["from"] == "cpan"]
    from_dev = [f for f in frames if f["from"] == "device"]
    # Device core: an idle device hearing the whole CPAN side; an associated device
    # receiving the downlink data and broadcast; a waiting device and a timeout.
    ops = b"".join(frame_op(clear_payload(f), f["to"] == "broadcast") for f in from_cpan)
    write("device_core_fuzz", bytes([cfg, 1]) + ops)
    late = b"".join(frame_op(clear_payload(f), f["to"] == "broadcast")
                    for f in from_cpan if f["phase"] != "association")
    write("device_core_fuzz", bytes([cfg, 3]) + late + b"\x02\x05hello" + b"\x00\xff\x7f")
    # Coordinator: two sessions and a pending attempt, then the device side of the
    # exchange again from device 0 on link 1, data, a broadcast and a timeout.
    ops = b"".join(bytes([0x14, 0x10]) + bytes([len(p)]) + p
                   for p in (clear_payload(f) for f in from_dev))
    write("coordinator_core_fuzz", bytes([cfg, 0x06]) + ops + b"\x03\x04ping" +
          b"\x00\xff\x7f")
    write("coordinator_core_fuzz", bytes([cfg, 0x00]) + ops + b"\x43")
# Telemetry decoder: every pack of the telemetry vectors, accepted and refused alike.
telemetry = json.loads((root / "testdata" / "telemetry" / "vectors.json").read_text())
for v in telemetry["vectors"]:
    write("telemetry_fuzz", bytes.fromhex(v["hex"]))
print("corpus written to", corpus)
