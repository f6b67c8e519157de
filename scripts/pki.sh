#!/usr/bin/env bash
# Creates the certificates of an uplink deployment (docs/uplink.md, "Certificates"), for
# tests, the demo and a first installation. Keys are EC P-256, created with mode 0600.
#   scripts/pki.sh DIR [--site SITE] [--gateways "gw-01 gw-02"] [--subscriber NAME]
#
# DIR/ receives:
#   ca.crt ca.key                 the uplink CA (pinned by gateways and subscribers)
#   broker.crt broker.key         the broker: SAN DNS:localhost and IP:127.0.0.1
#   <gateway>.crt <gateway>.key   one per gateway; the CN is the gateway id, which the
#                                 broker uses as the username of its ACL
#   <subscriber>.crt .key         the cloud side's reader (default name: cloud-ingest)
#   gw-revoked.crt .key           a gateway certificate listed in crl.pem
#   gw-expired.crt .key           a gateway certificate that expired in 2020
#   other-ca.crt other-ca.key     a second CA, and rogue.crt rogue.key: a certificate it
#                                 issued with the first gateway's CN (must be refused)
#   crl.pem                       the CA's revocation list (revokes gw-revoked)
#   pki.env                       SITE, GATEWAYS, SUBSCRIBER: read by scripts/broker.sh
# An existing DIR/ca.key is reused, so running the script again adds certificates under
# the same CA; `--revoke NAME` revokes DIR/NAME.crt and rewrites crl.pem.
set -euo pipefail

usage() { echo "usage: $0 DIR [--site SITE] [--gateways \"ID ...\"] [--subscriber NAME] [--revoke NAME]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir="$1"; shift
site="site-a"
gateways="gw-01 gw-02"
subscriber="cloud-ingest"
revoke=""
while [ $# -gt 0 ]; do
  case "$1" in
    --site) site="$2"; shift 2 ;;
    --gateways) gateways="$2"; shift 2 ;;
    --subscriber) subscriber="$2"; shift 2 ;;
    --revoke) revoke="$2"; shift 2 ;;
    *) usage ;;
  esac
done
valid='^[A-Za-z0-9._-]{1,64}$'
for id in $site $gateways $subscriber; do
  [[ "$id" =~ $valid ]] || { echo "pki.sh: \"$id\": use letters, digits, '.', '_' or '-' (a topic level)" >&2; exit 2; }
done

mkdir -p "$dir/ca"
dir="$(cd "$dir" && pwd)"
umask 077
cd "$dir"

cat > ca/openssl.cnf <<EOF
[ ca ]
default_ca = uplink_ca
[ uplink_ca ]
dir = $dir/ca
database = \$dir/index.txt
new_certs_dir = \$dir/issued
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 825
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
[ policy_any ]
organizationName = optional
organizationalUnitName = optional
commonName = supplied
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[ client ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
mkdir -p ca/issued
[ -f ca/index.txt ] || : > ca/index.txt
[ -f ca/serial ] || echo 1000 > ca/serial
[ -f ca/crlnumber ] || echo 01 > ca/crlnumber

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

if [ ! -f ca.key ]; then
  key ca.key
  openssl req -new -x509 -key ca.key -days 3650 -subj "/O=Vigil/CN=Vigil uplink CA" \
    -config ca/openssl.cnf -extensions ca_ext -out ca.crt 2>/dev/null
fi

# issue NAME EXTENSION [openssl ca options...]: NAME.key (new) and NAME.crt signed by the CA.
issue() {
  local name="$1" ext="$2"; shift 2
  [ -f "$name.crt" ] && return 0
  key "$name.key"
  openssl req -new -key "$name.key" -subj "/O=Vigil/OU=$site/CN=$name" -out "ca/$name.csr" 2>/dev/null
  openssl ca -batch -notext -config ca/openssl.cnf -extensions "$ext" -in "ca/$name.csr" \
    -out "$name.crt" "$@" 2>/dev/null
  rm -f "ca/$name.csr"
}

issue broker server
openssl x509 -in broker.crt -noout >/dev/null
for gw in $gateways; do issue "$gw" client; done
issue "$subscriber" client
issue gw-revoked client
issue gw-expired client -startdate 20200101000000Z -enddate 20200102000000Z

if [ -n "$revoke" ]; then
  [ -f "$revoke.crt" ] || { echo "pki.sh: no $dir/$revoke.crt to revoke" >&2; exit 2; }
  openssl ca -config ca/openssl.cnf -revoke "$revoke.crt" 2>/dev/null || true
fi
if ! grep -q '^R.*/CN=gw-revoked$' ca/index.txt; then
  openssl ca -config ca/openssl.cnf -revoke gw-revoked.crt 2>/dev/null
fi
openssl ca -gencrl -config ca/openssl.cnf -out crl.pem.new 2>/dev/null
chmod 644 crl.pem.new
mv crl.pem.new crl.pem

# A second CA and a certificate it issued in the first gateway's name.
first_gw="${gateways%% *}"
if [ ! -f other-ca.key ]; then
  key other-ca.key
  openssl req -new -x509 -key other-ca.key -days 3650 -subj "/O=Elsewhere/CN=Other CA" \
    -config ca/openssl.cnf -extensions ca_ext -out other-ca.crt 2>/dev/null
  key rogue.key
  openssl req -new -key rogue.key -subj "/O=Vigil/OU=$site/CN=$first_gw" -out ca/rogue.csr 2>/dev/null
  openssl x509 -req -in ca/rogue.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial \
    -days 825 -extfile ca/openssl.cnf -extensions client -out rogue.crt 2>/dev/null
  rm -f ca/rogue.csr
fi
chmod 644 ./*.crt

cat > pki.env <<EOF
SITE="$site"
GATEWAYS="$gateways"
SUBSCRIBER="$subscriber"
EOF
echo "pki.sh: CA, broker, gateways ($gateways), subscriber ($subscriber), revoked, expired and rogue certificates in $dir"
