#!/bin/sh
# test_coap_client.sh SRV_ECHO - the CoAP adapter seen by libcoap's own
# coap-client (Debian libcoap3-bin): unknown path, FDO errors, content
# format, size limit, over IPv4 and IPv6.
#
# coap-client does not know the critical FDO-Token option (65001) and
# rightly rejects responses carrying it, so only answers without a token
# are checked here; successful exchanges are covered by
# test_coap_transport. Exit 77 (skipped) without coap-client.
echo_bin=$1
. "$(dirname "$0")/lib/common.sh"
client=""
for c in coap-client coap-client-openssl coap-client-gnutls coap-client-notls
do
    if command -v "$c" >/dev/null 2>&1; then client=$c; break; fi
done
if [ -z "$client" ]; then
    echo "SKIP: no coap-client"
    exit 77
fi

srv_start echo "$echo_bin" --coap 127.0.0.1:0 --coap '[::1]:0' \
    --exit-after 60 --log-level err
u4=$echo_coap4
u6=$echo_coap
# run FILE ARGS... : coap-client with PDU dump, bounded in time
run() {
    f=$1; shift
    "$client" -v 6 -B 10 "$@" >"$f" 2>&1
}

printf 'c\000\377' >"$tmp/bad"        # not one CBOR item
printf 'chi!' >"$tmp/ok"              # tstr "hi!"
head -c 70000 /dev/zero >"$tmp/big"   # over the 65535-byte limit

for u in "$u4" "$u6"; do
    run "$tmp/r1" -m get "$u/foo/bar"
    expect_match "GET unknown path ($u) -> 4.04" 't:ACK c:4\.04' "$tmp/r1"
    run "$tmp/r2" -m get "$u/fdo/101/msg/10"
    expect_match "GET on an FDO path ($u) -> 4.05" 't:ACK c:4\.05' "$tmp/r2"
    run "$tmp/r3" -m post -t 60 -f "$tmp/bad" "$u/fdo/101/msg/10"
    expect_match "malformed body ($u) -> 5.00" 't:ACK c:5\.00' "$tmp/r3"
    expect_match "  with FDO-Msg-Type 255" '65004:\\xFF' "$tmp/r3"
    expect_match "  and Content-Format 60" 'Content-Format:application/cbor' "$tmp/r3"
    # ErrorMessage [100, 10, "body is not CBOR", ts, cid]
    expect_match "  carrying ErrorMessage 100 for msg 10" '<<8518640a70' "$tmp/r3"
    run "$tmp/r4" -m post -t 0 -f "$tmp/ok" "$u/fdo/101/msg/10"
    expect_match "text/plain body ($u) -> 4.15" 't:ACK c:4\.15' "$tmp/r4"
    run "$tmp/r5" -m post -t 60 -b 1024 -f "$tmp/big" "$u/fdo/101/msg/10"
    expect_match "70000-byte body ($u) -> 4.13" 't:ACK c:4\.13' "$tmp/r5"
    expect_match "  with Size1 65535" 'Size1:65535' "$tmp/r5"
    run "$tmp/r6" -m post -t 60 -f "$tmp/ok" "$u/fdo/101/msg/22"
    expect_match "no token ($u) -> 5.00 ErrorMessage 1 for msg 22" '<<850116' \
        "$tmp/r6"
    run "$tmp/r7" -m post -t 60 -f "$tmp/ok" -O 65001,abc "$u/fdo/101/msg/22"
    expect_match "unknown FDO-Token ($u) -> 5.00" 't:ACK c:5\.00' "$tmp/r7"
    expect_match "  ErrorMessage 1 for msg 22" '<<850116' "$tmp/r7"
done

finish coap_client
