#!/bin/sh
# test_di_coap_client.sh BIN_DIR SOURCE_DIR - fdo-manufacturer's CoAP
# side seen by libcoap's coap-client (Debian libcoap3-bin): an unknown
# path is 4.04, a malformed DI.AppStart and a DI.SetHMAC without a
# session get 5.00 with an FDO ErrorMessage, over IPv4 and IPv6, and
# nothing is stored. Exit 77 (skipped) without coap-client.
bin=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
src=$2
client=""
for c in coap-client coap-client-openssl coap-client-gnutls coap-client-notls
do
    if command -v "$c" >/dev/null 2>&1; then client=$c; break; fi
done
if [ -z "$client" ]; then
    echo "SKIP: no coap-client"
    exit 77
fi

"$src/scripts/gen-pki" "$tmp/pki" p256 >/dev/null || exit 1
write_conf "$tmp/m.conf" "$tmp/pki" "$tmp/m.db"
mfg_start m "$tmp/m.conf"

run() {
    f=$1; shift
    timeout 60 "$client" -v 6 -B 10 "$@" >"$f" 2>&1
}

printf 'c\000\377' >"$tmp/notcbor"       # not one CBOR item
printf '\201\102\001\002' >"$tmp/wrong"   # [h'0102']: not a DeviceMfgInfo
printf '\201\202\005\100' >"$tmp/hmac"    # [[5, h'']]

for u in "$m_coap4" "$m_coap6"; do
    run "$tmp/r1" -m get "$u/no/such/path"
    expect_match "GET unknown path ($u) -> 4.04" 't:ACK c:4\.04' "$tmp/r1"
    run "$tmp/r2" -m post -t 60 -f "$tmp/notcbor" "$u/fdo/101/msg/10"
    expect_match "DI.AppStart not CBOR ($u) -> 5.00" 't:ACK c:5\.00' "$tmp/r2"
    expect_match "  FDO-Msg-Type 255" '65004:\\xFF' "$tmp/r2"
    # ErrorMessage [100, 10, ...]
    expect_match "  ErrorMessage 100 for msg 10" '<<8518640a' "$tmp/r2"
    run "$tmp/r3" -m post -t 60 -f "$tmp/wrong" "$u/fdo/101/msg/10"
    expect_match "DI.AppStart malformed ($u) -> 5.00" 't:ACK c:5\.00' "$tmp/r3"
    expect_match "  ErrorMessage 100 for msg 10" '<<8518640a' "$tmp/r3"
    run "$tmp/r4" -m post -t 60 -f "$tmp/hmac" "$u/fdo/101/msg/12"
    expect_match "DI.SetHMAC without session ($u) -> 5.00" 't:ACK c:5\.00' \
        "$tmp/r4"
    expect_match "  ErrorMessage 1 for msg 12" '<<85010c' "$tmp/r4"
done
check "nothing stored" sh -c \
    "'$bin/fdo-manufacturer' list --config '$tmp/m.conf' | tail -n +2 | wc -l | grep -qx 0"
mfg_stop m || bad "manufacturer exit status"

finish di_coap_client
