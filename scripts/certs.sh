#!/usr/bin/env bash
# The test certificates of every TLS deployment, made once with openssl into .brokers/certs/ (kept; made
# again only when a file is missing or the server certificate expires within 30 days):
#
#   ca.pem ca.key              the test CA (CN "cg test CA")
#   server.pem server.key      signed by it, for DNS:localhost and IP:127.0.0.1
#   client.pem client.key      a client certificate signed by it (CN "cg-client")
#   server-other.pem/.key      signed by it for DNS:other.example only (a hostname that does not match)
#   client-expired.pem/.key    signed by it, valid from 2020-01-01 to 2020-01-02
#   server-expired.pem/.key    signed by it for localhost / 127.0.0.1, expired the same way
#   wrong-ca.pem wrong-ca.key  another CA that signed none of these
#   server-bundle.pem          server.key + server.pem in one file (Kafka's PEM keystore)
#   client-bundle.pem          client.key + client.pem
#
#   bash scripts/certs.sh [DIR]              prints DIR (default .brokers/certs)
set -euo pipefail
ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${1:-$ROOT/.brokers/certs}
command -v openssl >/dev/null || { printf 'certs: ERROR: openssl is not installed\nhint: apt-get install openssl\n' >&2; exit 3; }
mkdir -p "$DIR"
cd "$DIR"
exec 7>"$DIR/.lock"
flock -w 60 7

fresh() {
  local f
  for f in ca.pem ca.key server.pem server.key client.pem client.key server-other.pem client-expired.pem server-expired.pem wrong-ca.pem server-bundle.pem client-bundle.pem; do
    [[ -s $f ]] || return 1
  done
  openssl x509 -in server.pem -noout -checkend $((30 * 86400)) >/dev/null 2>&1
}

# sign NAME CN SAN CA : NAME.key + NAME.pem, signed by CA.pem/CA.key, valid 825 days (SAN may be empty)
sign() {
  local name=$1 cn=$2 san=$3 ca=$4 ext
  openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
  ext="$(mktemp)"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [[ -z $san ]] || echo "subjectAltName=$san"
  } >"$ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -days 825 -sha256 -extfile "$ext" -out "$name.pem" 2>/dev/null
  rm -f "$ext" "$name.csr"
}

# expired NAME CN SAN : signed by ca, valid 2020-01-01..2020-01-02 (openssl ca takes explicit dates)
expired() {
  local name=$1 cn=$2 san=$3 conf
  openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -subj "/CN=$cn" -out "$name.csr" 2>/dev/null
  rm -rf ca-db && mkdir ca-db && : >ca-db/index.txt && echo 1000 >ca-db/serial
  conf="$(mktemp)"
  cat >"$conf" <<CONF
[ca]
default_ca = test
[test]
dir = ca-db
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
certificate = ca.pem
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = none
x509_extensions = ext
[any]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth,clientAuth
${san:+subjectAltName = $san}
CONF
  openssl ca -batch -config "$conf" -in "$name.csr" -out "$name.pem" -notext \
    -startdate 20200101000000Z -enddate 20200102000000Z >/dev/null 2>&1
  rm -rf "$conf" "$name.csr" ca-db
}

if ! fresh; then
  rm -f ./*.pem ./*.key ./*.srl
  for ca in ca wrong-ca; do
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$ca.key" -out "$ca.pem" -days 3650 -sha256 \
      -subj "/CN=cg test ${ca/-/ } $(date +%s)" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign,cRLSign" 2>/dev/null
  done
  sign server localhost "DNS:localhost,IP:127.0.0.1" ca
  sign client cg-client "" ca
  sign server-other other.example "DNS:other.example" ca
  expired client-expired cg-client ""
  expired server-expired localhost "DNS:localhost,IP:127.0.0.1"
  cat server.key server.pem >server-bundle.pem
  cat client.key client.pem >client-bundle.pem
  chmod 644 ./*.pem ./*.key
fi
printf '%s\n' "$DIR"
