#!/usr/bin/env python3
"""An independent reading of MCUboot's signed-image format (docs/firmware.md), used to
check Vigil's C++ signer and verifier against code that shares nothing with them.

  mcuboot_image.py verify IMAGE --key KEY.pem [--min-counter N]
      prints {"ok": bool, "reason": str, ...} and exits 0 (verifies) or 1 (refused)
  mcuboot_image.py sign BINARY OUT --key PRIVATE.pem|none --version 1.2.3+4
      [--security-counter N] [--header-size 0x200] [--pad-header]
  mcuboot_image.py keygen PRIVATE.pem --seed HEX64
      a deterministic Ed25519 key (test data only)

Standard library plus `cryptography` (Debian python3-cryptography) for Ed25519.
"""
import argparse
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

IMAGE_MAGIC = 0x96F3B83D
HEADER = struct.Struct("<IIHHIIBBHII")  # 32 bytes, little-endian
TLV_INFO_MAGIC, TLV_PROT_INFO_MAGIC = 0x6907, 0x6908
TLV_KEYHASH, TLV_SHA256, TLV_ED25519, TLV_SEC_CNT = 0x01, 0x10, 0x24, 0x50


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public(path):
    data = open(path, "rb").read()
    if b"PRIVATE KEY" in data:
        return serialization.load_pem_private_key(data, password=None).public_key()
    return serialization.load_pem_public_key(data)


def tlvs(area, magic):
    """The (type, value) entries of one TLV area, or raises ValueError."""
    if len(area) < 4:
        raise ValueError("tlv area shorter than its info header")
    m, total = struct.unpack_from("<HH", area, 0)
    if m != magic or total != len(area):
        raise ValueError("tlv info 0x%04x/%d, expected 0x%04x/%d" % (m, total, magic, len(area)))
    out, pos = [], 4
    while pos < len(area):
        if pos + 4 > len(area):
            raise ValueError("tlv header overruns its area")
        t, n = struct.unpack_from("<HH", area, pos)
        if pos + 4 + n > len(area):
            raise ValueError("tlv value overruns its area")
        out.append((t, area[pos + 4:pos + 4 + n]))
        pos += 4 + n
    return out


def verify(image, public_key, min_counter):
    if len(image) < HEADER.size:
        return False, "truncated", {}
    (magic, load, hdr_size, prot_size, img_size, flags, major, minor, rev, build,
     _pad) = HEADER.unpack_from(image, 0)
    info = {"version": "%d.%d.%d+%d" % (major, minor, rev, build), "load_addr": load}
    if magic != IMAGE_MAGIC:
        return False, "bad_magic", info
    if hdr_size < HEADER.size or flags != 0:
        return False, "bad_header", info
    prot_off = hdr_size + img_size
    tlv_off = prot_off + prot_size
    if tlv_off + 4 > len(image):
        return False, "truncated", info
    try:
        prot = tlvs(image[prot_off:tlv_off], TLV_PROT_INFO_MAGIC) if prot_size else []
        _, total = struct.unpack_from("<HH", image, tlv_off)
        if tlv_off + total != len(image):
            return False, "bad_length", info
        unprot = tlvs(image[tlv_off:], TLV_INFO_MAGIC)
    except ValueError as e:
        return False, "bad_tlv: %s" % e, info
    counters = [v for t, v in prot if t == TLV_SEC_CNT]
    if len(prot) != len(counters) or len(counters) > 1 or any(len(v) != 4 for v in counters):
        return False, "bad_protected_tlv", info
    found = {}
    for t, v in unprot:
        if t not in (TLV_SHA256, TLV_KEYHASH, TLV_ED25519) or t in found:
            return False, "bad_unprotected_tlv 0x%02x" % t, info
        found[t] = v
    digest = hashlib.sha256(image[:tlv_off]).digest()
    info["sha256"] = digest.hex()
    if found.get(TLV_SHA256) != digest:
        return False, "hash_mismatch", info
    if TLV_ED25519 not in found:
        return False, "unsigned", info
    if found.get(TLV_KEYHASH) != hashlib.sha256(spki(public_key)).digest():
        return False, "wrong_key", info
    try:
        public_key.verify(found[TLV_ED25519], digest)  # MCUboot signs the hash
    except InvalidSignature:
        return False, "bad_signature", info
    if not counters:
        return False, "missing_security_counter", info
    info["security_counter"] = struct.unpack("<I", counters[0])[0]
    if info["security_counter"] < min_counter:
        return False, "rollback", info
    return True, "ok", info


def sign(binary, key, version, counter, header_size, pad_header):
    major, minor, rev, build = 0, 0, 0, 0
    main, _, b = version.partition("+")
    parts = [int(p) for p in main.split(".")] + [0, 0]
    major, minor, rev = parts[0], parts[1], parts[2]
    build = int(b) if b else 0
    if pad_header:
        payload = bytes([0xFF] * header_size) + binary
    else:
        if any(binary[:header_size]):
            raise SystemExit("binary does not start with %d zeros" % header_size)
        payload = bytes(binary)
    prot = b""
    if counter is not None:
        body = struct.pack("<HHI", TLV_SEC_CNT, 4, counter)
        prot = struct.pack("<HH", TLV_PROT_INFO_MAGIC, 4 + len(body)) + body
    header = HEADER.pack(IMAGE_MAGIC, 0, header_size, len(prot), len(payload) - header_size, 0,
                         major, minor, rev, build, 0)
    signed = header + payload[HEADER.size:] + prot
    digest = hashlib.sha256(signed).digest()
    body = struct.pack("<HH", TLV_SHA256, 32) + digest
    if key is not None:
        body += struct.pack("<HH", TLV_KEYHASH, 32) + hashlib.sha256(spki(key.public_key())).digest()
        body += struct.pack("<HH", TLV_ED25519, 64) + key.sign(digest)
    return signed + struct.pack("<HH", TLV_INFO_MAGIC, 4 + len(body)) + body


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("image")
    v.add_argument("--key", required=True)
    v.add_argument("--min-counter", type=int, default=0)
    s = sub.add_parser("sign")
    s.add_argument("binary")
    s.add_argument("out")
    s.add_argument("--key", required=True)
    s.add_argument("--version", default="0.0.0+0")
    s.add_argument("--security-counter", type=int)
    s.add_argument("--header-size", type=lambda x: int(x, 0), default=0x200)
    s.add_argument("--pad-header", action="store_true")
    k = sub.add_parser("keygen")
    k.add_argument("out")
    k.add_argument("--seed", required=True)
    a = ap.parse_args()
    if a.cmd == "verify":
        ok, reason, info = verify(open(a.image, "rb").read(), load_public(a.key), a.min_counter)
        print(json.dumps(dict(ok=ok, reason=reason, **info), sort_keys=True))
        return 0 if ok else 1
    if a.cmd == "sign":
        key = None
        if a.key != "none":
            key = serialization.load_pem_private_key(open(a.key, "rb").read(), password=None)
        out = sign(open(a.binary, "rb").read(), key, a.version, a.security_counter, a.header_size,
                   a.pad_header)
        open(a.out, "wb").write(out)
        return 0
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(a.seed))
    open(a.out, "wb").write(key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    open(a.out.replace(".pem", ".pub.pem"), "wb").write(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
