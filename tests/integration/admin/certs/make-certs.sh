#!/bin/sh
# Regenerates the TEST-ONLY client certificates of the admin API tests
# (EC P-256, valid 100 years). The keys are public: never use them
# anywhere else. The server side reuses ../../certs (server.pem, ca.pem).
#   client-ca.pem        CA that admin_client_ca trusts in the tests
#   client.pem/.key.pem  operator certificate (CN=ops), signed by client-ca
#   rogue.pem/.key.pem   certificate (CN=intruder) of an unrelated CA
set -eu
cd "$(dirname "$0")"
mk_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key.pem" -out "$1.pem" -days 36500 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mk_client() {
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$1.key.pem" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\n%s\n%s\n' \
        "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=clientAuth" > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key.pem" \
        -CAcreateserial -out "$1.pem" -days 36500 -extfile "$1.ext" \
        2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
mk_ca client-ca "zto admin test client CA"
mk_ca rogue-ca "zto rogue CA"
mk_client client client-ca ops
mk_client rogue rogue-ca intruder
rm -f ./*.srl client-ca.key.pem rogue-ca.key.pem rogue-ca.pem
