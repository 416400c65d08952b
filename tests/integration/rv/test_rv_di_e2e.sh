#!/bin/sh
# test_rv_di_e2e.sh BIN_DIR SOURCE_DIR - a device credential made by real
# DI finds its owner through a real rendezvous server:
#
#   fdo-rendezvous (trusting the test PKI's owner, manufacturer and
#   device CA) -> fdo-manufacturer whose RendezvousInfo points at it ->
#   fdo-device di -> fdo-manufacturer export --extend-to owner ->
#   rv_tool to0 (owner) -> rv_tool to1 (the device library's TO1 with the
#   DI credential): the to1d comes back unchanged and names the owner.
#
# P-256 over HTTP and P-384 over CoAP (IPv6), each RendezvousInfo with a
# dead first directive that the device must get past. Then the refusals:
# an owner outside the trust list, and a device whose server is gone
# (HTTP).
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../di/lib.sh"
rvtool="$bin/rv_tool"

for curve in p256 p384; do
    pki=$tmp/pki-$curve
    "$src/scripts/gen-pki" "$pki" $curve >/dev/null || exit 1
    mkdir -p "$tmp/trust-$curve"
    cp "$pki/owner.pub.pem" "$tmp/trust-$curve/"
    cat >"$tmp/rv-$curve.conf" <<EOF2
listen = http://127.0.0.1:0 coap://[::1]:0
db = $tmp/rv-$curve.db
trusted_owner_keys = $tmp/trust-$curve
trusted_manufacturer_keys = $pki/manufacturer.pub.pem
trusted_device_ca = $pki/device-ca.crt.pem
purge_interval = 60
EOF2
    srv_start rv_$curve "$bin/fdo-rendezvous" --config "$tmp/rv-$curve.conf" \
        --log-level warn
    eval "rv_http=\$rv_${curve}_http rv_coap=\$rv_${curve}_coap6"
    if [ $curve = p256 ]; then
        rv_line="ip=127.0.0.1,port=$(port_of "$rv_http"),protocol=http"
        to0_url=$rv_coap
    else
        rv_line="ip=::1,port=$(port_of "$rv_coap"),protocol=coap"
        to0_url=$rv_http
    fi
    cat >"$tmp/mfg-$curve.conf" <<EOF2
http = 127.0.0.1:0
db = $tmp/mfg-$curve.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = ip=127.0.0.1,port=1,protocol=http,delay=1
rv = $rv_line
EOF2
    mfg_start m_$curve "$tmp/mfg-$curve.conf"
    eval "mfg_http=\$m_${curve}_http"
    cred=$tmp/$curve.cred

    check "$curve: DI at fdo-manufacturer" "$bin/fdo-device" di \
        --url "$mfg_http" --cred "$cred" --key-type $curve
    guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
    check "$curve: voucher exported, extended to the owner" \
        "$bin/fdo-manufacturer" export --config "$tmp/mfg-$curve.conf" \
        --guid "$guid" --extend-to "$pki/owner.pub.pem" -o "$tmp/$curve.ov"
    check "$curve: TO0 at $to0_url" "$rvtool" to0 --rv "$to0_url" \
        --voucher "$tmp/$curve.ov" --owner-key "$pki/owner.key.pem" \
        --owner http://127.0.0.1:8042 --owner "coap://[::1]:5699" --wait 600
    expect_match "$curve: granted 600 s" '^granted 600$' "$tmp/last.out"
    sent=$(sed -n 's/^to1d //p' "$tmp/last.out")
    check "$curve: TO1 with the DI credential ($rv_line)" \
        "$rvtool" to1 --cred "$cred"
    expect_match "$curve: the device got the to1d the owner sent" \
        "^to1d $sent\$" "$tmp/last.out"
    expect_match "$curve: ... naming the owner" \
        '^owner http://127.0.0.1:8042$' "$tmp/last.out"
    expect_match "$curve: ... and its CoAP address" \
        '^owner coap://\[::1\]:5699$' "$tmp/last.out"

    # owner2 is not trusted: refused with 2, nothing registered for it.
    check "$curve: voucher extended to owner2" \
        "$bin/fdo-manufacturer" export --config "$tmp/mfg-$curve.conf" \
        --guid "$guid" --extend-to "$pki/owner2.pub.pem" -o "$tmp/$curve.ov2"
    checks=$((checks + 1))
    "$rvtool" to0 --rv "$rv_http" --voucher "$tmp/$curve.ov2" \
        --owner-key "$pki/owner2.key.pem" --owner http://127.0.0.1:9 \
        >"$tmp/last.out" 2>&1
    st=$?
    if [ $st -eq 3 ] && grep -q '^refused 2 ' "$tmp/last.out"; then
        echo "ok: $curve: untrusted owner refused: $(cat "$tmp/last.out")"
    else
        echo "FAIL: $curve: untrusted owner (exit $st)"; cat "$tmp/last.out"
        fails=$((fails + 1))
    fi
    check "$curve: still the first owner's to1d" "$rvtool" to1 --cred "$cred"
    expect_match "$curve: unchanged" "^to1d $sent\$" "$tmp/last.out"

    mfg_stop m_$curve
    if srv_stop rv_$curve; then
        ok "$curve: fdo-rendezvous exits 0 on SIGTERM"
    else
        bad "rv_$curve exit status"
    fi
    # (Over HTTP only: a CoAP client gives up after its retransmissions,
    # about 93 s with the default parameters.)
    [ $curve = p256 ] || continue
    checks=$((checks + 1))
    "$rvtool" to1 --cred "$cred" >"$tmp/last.out" 2>&1
    st=$?
    if [ $st -eq 4 ]; then
        echo "ok: $curve: rendezvous gone, device reports it: $(cat "$tmp/last.out")"
    else
        echo "FAIL: $curve: TO1 without server (exit $st)"; cat "$tmp/last.out"
        fails=$((fails + 1))
    fi
done

finish rv_di_e2e
