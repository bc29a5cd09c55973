#!/usr/bin/env bash
# Makes a test certificate authority and certificates with the openssl
# command line: for tests, the demo and trying out a secured cluster. Not for
# production (keys are unencrypted, the CA key sits next to the certificates).
#
#   scripts/make-test-certs.sh DIR [NAME...]
#
# Writes into DIR (created; existing files are overwritten):
#   ca.pem, ca.key            the test CA (EC P-256, valid 30 days)
#   NAME.pem, NAME.key        per NAME: a certificate signed by the CA with
#                             CN=NAME and subjectAltName DNS:NAME, DNS:localhost,
#                             IP:127.0.0.1, usable as TLS server and client
#                             (nodes, brokers, gateways, Redis proxies)
#   rogue-ca.pem, rogue.pem, rogue.key
#                             a certificate for CN=rogue from another CA: what
#                             an attacker can make; every shelfwire link
#                             must refuse it
#   self-signed.pem, self-signed.key
#                             a self-signed certificate for CN=self-signed
# NAME defaults to: node broker redis.
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
dir=$1
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(node broker redis)
for n in "${names[@]}"; do
  case "$n" in
    ca | rogue | rogue-ca | self-signed | *[!A-Za-z0-9._-]*)
      echo "make-test-certs: bad name '$n' (A-Z a-z 0-9 . _ -, not ca, rogue, rogue-ca, self-signed)" >&2
      exit 2
      ;;
  esac
done
command -v openssl >/dev/null || {
  echo "make-test-certs: the openssl command line is needed (apt-get install openssl)" >&2
  exit 1
}
mkdir -p "$dir"
umask 077
cd "$dir"
days=30

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# make_ca KEY PEM CN
make_ca() {
  new_key "$1"
  openssl req -x509 -new -key "$1" -out "$2" -days "$days" -subj "/CN=$3" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# sign NAME CA_PEM CA_KEY
sign() {
  local ext
  ext=$(mktemp)
  printf '%s\n' "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "subjectAltName=DNS:$1,DNS:localhost,IP:127.0.0.1" >"$ext"
  new_key "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$2" -CAkey "$3" -CAcreateserial -days "$days" \
    -extfile "$ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$ext"
}

make_ca ca.key ca.pem "shelfwire test CA"
for n in "${names[@]}"; do sign "$n" ca.pem ca.key; done

make_ca rogue-ca.key rogue-ca.pem "rogue CA"
sign rogue rogue-ca.pem rogue-ca.key
rm -f rogue-ca.key rogue-ca.srl ca.srl

new_key self-signed.key
openssl req -x509 -new -key self-signed.key -out self-signed.pem -days "$days" \
  -subj "/CN=self-signed" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null

# Readable by the user only (keys) — servers started by this user can read them.
chmod 600 ./*.key
chmod 644 ./*.pem
echo "certificates in $(pwd): ca.pem, ${names[*]/%/.pem}, rogue.pem, self-signed.pem"
