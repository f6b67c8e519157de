#!/usr/bin/env bash
# Signed firmware (docs/firmware.md), as an operator runs it: `vigil firmware` keygen,
# sign, verify and inspect; then the emulated secure-boot chain (§3): a device
# started with a signed image boots it and joins; after it ran, the sealed security
# counter has moved, so the older image is refused as a rollback; an unsigned image, a
# flipped byte and another vendor's key are refused too, each with its reason, and the
# device does not join the network.
#   secure_boot.sh path/to/vigil
set -euo pipefail
vigil="$1"
data="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/testdata/firmware"
work="$(mktemp -d)"
port=$(( 40000 + ($$ + 7919) % 20000 ))
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$work"/*.log; do echo "--- $f" >&2; cat "$f" >&2; done; exit 1; }
cd "$work"

# The signing commands: a key pair as imgtool writes it, an image signed from a raw binary,
# verify's verdict and exit status, inspect's TLVs, and the independent Python reading of
# the format accepting what the command signed.
"$vigil" firmware keygen -k vendor.pem --public vendor.pub.pem 2> keygen.log || fail "keygen"
[ "$(stat -c %a vendor.pem)" = 600 ] || fail "the private key is not owner-only"
head -1 vendor.pem | grep -q 'BEGIN PRIVATE KEY' || fail "the private key is not PKCS#8 PEM"
head -1 vendor.pub.pem | grep -q 'BEGIN PUBLIC KEY' || fail "the public key is not SPKI PEM"
head -c 5000 /dev/urandom > app.bin
"$vigil" firmware sign -k vendor.pem --version 3.1.4+15 --security-counter 7 --pad-header \
  app.bin app.img > sign.json 2> sign.log || fail "sign: $(cat sign.log)"
"$vigil" firmware verify -k vendor.pub.pem app.img > verify.json || fail "verify refused a good image"
grep -q '"verdict":"ok"' verify.json || fail "verify verdict: $(cat verify.json)"
grep -q '"version":"3.1.4+15"' verify.json || fail "verify version: $(cat verify.json)"
if "$vigil" firmware verify -k vendor.pub.pem --min-security-counter 8 app.img > rb.json; then
  fail "verify accepted a rollback"
fi
grep -q '"verdict":"rollback"' rb.json || fail "rollback verdict: $(cat rb.json)"
"$vigil" firmware inspect app.img > inspect.json || fail "inspect"
for n in security_counter sha256 key_hash ed25519; do
  grep -q "\"name\": \"$n\"" inspect.json || fail "inspect does not list $n"
done
python3 "$data/../../scripts/mcuboot_image.py" verify app.img --key vendor.pub.pem > py.json ||
  fail "the independent verifier refused the signed image: $(cat py.json)"
chmod 644 vendor.pem
if "$vigil" firmware sign -k vendor.pem app.bin x.img 2> open.log; then fail "signed with a world-readable key"; fi
grep -q 'chmod' open.log || fail "open key refusal unclear: $(cat open.log)"

"$vigil" enroll --registry gw.db --out-dir bundles --count 1 --kind pulse_oximeter > /dev/null
"$vigil" gateway --registry gw.db --listen 127.0.0.1:$port 2> gw.log &
pids+=($!)
sleep 0.5

boot() {  # boot NAME IMAGE: one run of the device with IMAGE, its log in NAME.log
  "$vigil" device --bundle-dir bundles --store-dir store --gateway 127.0.0.1:$port \
    --interval-ms 200 --duration 2 --firmware "$2" --firmware-key "$data/vendor-a.pub.pem" \
    2> "$1.log"
}

# The good image (security counter 5) boots, the device joins, and once it has, the
# sealed counter moves from 0 to 5.
boot good "$data/good.img" || fail "the good image did not boot"
grep -q 'firmware 1.2.3+4 verified (security counter 5)' good.log || fail "no boot verdict logged"
grep -q '"msg":"associated"' good.log || fail "the device did not associate with the good image"
grep -q 'firmware confirmed: sealed security counter raised' good.log || fail "counter not raised"

# Each bad image: exit non-zero, its reason named, and no association attempted.
refused() {  # refused NAME IMAGE REASON
  if boot "$1" "$2"; then fail "$1: the device started"; fi
  grep -q "firmware refused: $3" "$1.log" || fail "$1: reason unclear: $(cat "$1.log")"
  if grep -q '"msg":"associated"\|devices started' "$1.log"; then fail "$1: the device started"; fi
}
refused rollback "$data/older.img" "rollback: the image's security counter 2 is below the device's 5"
refused unsigned "$data/unsigned.img" "unsigned"
refused wrongkey "$data/other-key.img" "wrong_key"
cp "$data/good.img" flipped.img
printf '\x00' | dd of=flipped.img bs=1 seek=1000 conv=notrunc 2> /dev/null
refused flipped flipped.img "hash_mismatch"
printf 'not an image' > junk.img
refused junk junk.img "bad_magic"
: > empty.img
refused empty empty.img "truncated"

# The same good image still boots (no raise), and a newer one raises the counter again.
boot again "$data/good.img" || fail "the good image no longer boots"
if grep -q 'firmware confirmed' again.log; then fail "the counter was raised for the same image"; fi
boot newer "$data/newer.img" || fail "the newer image did not boot"
grep -q '"security_counter":6' newer.log || fail "the newer image's counter was not sealed"
refused after "$data/good.img" "rollback: the image's security counter 5 is below the device's 6"

# The same from the configuration file: [device] firmware, firmware_key.
printf '[device]\nfirmware = "%s"\nfirmware_key = "%s"\n' "$data/older.img" "$data/vendor-a.pub.pem" > dev.toml
if "$vigil" device --config dev.toml --bundle-dir bundles --store-dir store \
  --gateway 127.0.0.1:$port --duration 1 2> config.log; then
  fail "config: the older image started"
fi
grep -q "firmware refused: rollback" config.log || fail "config: reason unclear: $(cat config.log)"

# Without a store the counter has nowhere to live: refused at start.
if "$vigil" device --bundle-dir bundles --gateway 127.0.0.1:$port --duration 1 --version v2 \
  --firmware "$data/good.img" --firmware-key "$data/vendor-a.pub.pem" 2> nostore.log; then
  fail "secure boot without a store started"
fi
grep -q 'needs --store-dir' nostore.log || fail "no-store refusal unclear"
echo "secure boot: ok"
