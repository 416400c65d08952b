#!/bin/sh
# Regenerates the TEST-ONLY PKI used by the HTTPS / CoAPS integration
# tests (EC P-256, valid 100 years). The keys are public: never use them
# anywhere else.
#   ca.pem            CA the clients trust
#   server.pem/.key   leaf for 127.0.0.1, ::1 and localhost, signed by ca
#   wrongname.pem/.key leaf for other.example only, signed by ca
#   other-ca.pem      an unrelated CA (verification must fail with it)
set -eu
cd "$(dirname "$0")"
mk_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key.pem" -out "$1.pem" -days 36500 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mk_leaf() {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key.pem" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n%s\n%s\n' "$4" \
        "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key.pem" \
        -CAcreateserial -out "$1.pem" -days 36500 -extfile "$1.ext" \
        2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
mk_ca ca "zto test CA"
mk_ca other-ca "zto other test CA"
mk_leaf server ca "zto test server" "IP:127.0.0.1,IP:::1,DNS:localhost"
mk_leaf wrongname ca "zto wrong-name server" "DNS:other.example"
rm -f ./*.srl ca.key.pem other-ca.key.pem
