#!/bin/sh
# test_di_e2e.sh BIN_DIR DI_CHECK SOURCE_DIR - DI end to end with real
# processes: fdo-manufacturer (P-256 and P-384 PKI) on loopback, and
# fdo-device di over HTTP and CoAP (IPv4 and IPv6) with P-256 and P-384
# device keys. Every voucher is read back from the manufacturer's
# database (export), verified with the secret the device stored (and
# again after extension to an owner), and survives a SIGKILL of the
# manufacturer. Failures of the CLIs must be one-line errors with a
# non-zero exit.
bin=$1
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/lib.sh"
di_check=$2
src=$3
dev="$bin/fdo-device"
mfg="$bin/fdo-manufacturer"

for curve in p256 p384; do
    pki=$tmp/pki-$curve
    "$src/scripts/gen-pki" "$pki" $curve >/dev/null || exit 1
    write_conf "$tmp/$curve.conf" "$pki" "$tmp/$curve.db"
    check "$curve: --check-config" "$mfg" --config "$tmp/$curve.conf" \
        --check-config
    mfg_start m_$curve "$tmp/$curve.conf"
    eval "http=\$m_${curve}_http coap4=\$m_${curve}_coap4 coap6=\$m_${curve}_coap6"
    n=0
    for url in "$http" "$coap4" "$coap6"; do
        for kt in p256 p384; do
            n=$((n + 1))
            cred=$tmp/$curve-$n.cred
            check "$curve manufacturer: di $kt over $url" \
                "$dev" di --url "$url" --cred "$cred" --key-type $kt \
                --serial "SN-$curve-$n" --model "model $kt"
            grep -q "^DI: credential stored in $cred, GUID [0-9a-f]\{32\}$" \
                "$tmp/last.out" || { echo "FAIL: progress line"; cat "$tmp/last.out"; fails=$((fails + 1)); }
            guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
            [ "$(stat -c %a "$cred")" = 600 ] ||
                { echo "FAIL: $cred mode"; fails=$((fails + 1)); }
            echo "$guid $cred $kt" >>"$tmp/$curve.devices"
            check "  show $cred" "$dev" show --cred "$cred"
            grep -q "GUID *$guid" "$tmp/last.out" &&
                ! grep -qi "secret" "$tmp/last.out" ||
                { echo "FAIL: show output"; fails=$((fails + 1)); }
        done
    done
    check "$curve: list shows 6 vouchers" sh -c \
        "'$mfg' list --config '$tmp/$curve.conf' | tail -n +2 | wc -l | grep -qx 6"

    # The manufacturer dies hard; what it answered with DI.Done is there.
    mfg_stop m_$curve KILL
    while read -r guid cred kt; do
        check "  $guid: export from the database, verify with the device secret" \
            "$mfg" export --config "$tmp/$curve.conf" --guid "$guid" \
            -o "$tmp/$guid.pem"
        check "  $guid: voucher verifies ($kt device)" \
            "$di_check" "$tmp/$guid.pem" "$cred" 0
        check "  $guid: export --extend-to owner" \
            "$mfg" export --config "$tmp/$curve.conf" --guid "$guid" \
            --extend-to "$pki/owner.pub.pem" -o "$tmp/$guid.ext.pem"
        check "  $guid: extended voucher verifies, owner is the last key" \
            "$di_check" "$tmp/$guid.ext.pem" "$cred" 1 "$pki/owner.pub.pem"
    done <"$tmp/$curve.devices"
done

# The shipped example configuration is valid (with this test's files).
sed -e "s|/etc/zto/manufacturer/|$tmp/pki-p256/|" \
    -e "s|/var/lib/zto/manufacturer/|$tmp/|" \
    "$src/deploy/manufacturer.conf.example" >"$tmp/example.conf"
check "deploy/manufacturer.conf.example passes --check-config" \
    "$mfg" --config "$tmp/example.conf" --check-config

# One-line errors and non-zero exits.
write_conf "$tmp/bad.conf" "$tmp/pki-p256" "$tmp/bad.db"
check_fails "di: nobody listening" "$dev" di --url http://127.0.0.1:1 \
    --cred "$tmp/none.cred"
check_fails "di: bad URL" "$dev" di --url ftp://x --cred "$tmp/none.cred"
check_fails "di: bad key type" "$dev" di --url http://127.0.0.1:1 \
    --cred "$tmp/none.cred" --key-type rsa
first=$(head -1 "$tmp/p256.devices" | cut -d' ' -f2)
check_fails "di: credential exists" "$dev" di --url http://127.0.0.1:1 \
    --cred "$first"
check_fails "show: no credential" "$dev" show --cred "$tmp/none.cred"
check_fails "show: not a credential" "$dev" show --cred "$tmp/bad.conf"
check_fails "export: unknown GUID" "$mfg" export --config "$tmp/p256.conf" \
    --guid 00112233445566778899aabbccddeeff
check_fails "export: owner key of another curve" "$mfg" export \
    --config "$tmp/p256.conf" --guid "$(head -1 "$tmp/p256.devices" |
    cut -d' ' -f1)" --extend-to "$tmp/pki-p384/owner.pub.pem"
chmod 640 "$tmp/pki-p256/device-ca.key.pem"
check_fails "serve: group-readable private key" "$mfg" --config \
    "$tmp/bad.conf" --check-config
chmod 600 "$tmp/pki-p256/device-ca.key.pem"
echo "bogus = 1" >>"$tmp/bad.conf"
check_fails "serve: unknown keyword" "$mfg" --config "$tmp/bad.conf" -t
grep -q "bad.conf:12:" "$tmp/last.err" ||
    { echo "FAIL: error names file:line"; fails=$((fails + 1)); }
sed -i 's/^bogus.*//; s/^rv = ip=.*/rv = ip=300.1.1.1/' "$tmp/bad.conf"
check_fails "serve: bad rv directive" "$mfg" --config "$tmp/bad.conf" -t

# A request the manufacturer refuses reaches the user as one line with
# the manufacturer's ErrorMessage code, and stores nothing.
mfg_start m_again "$tmp/p256.conf"
check_fails "di: manufacturer refuses (serial with a TAB)" "$dev" di \
    --url "$m_again_http" --cred "$tmp/refused.cred" \
    --serial "$(printf 'a\tb')"
grep -q "manufacturer answered error 101" "$tmp/last.err" ||
    { echo "FAIL: ErrorMessage code shown"; fails=$((fails + 1)); }
[ ! -e "$tmp/refused.cred" ] ||
    { echo "FAIL: credential written"; fails=$((fails + 1)); }
check "manufacturer restarts on the same database" sh -c \
    "'$mfg' list --config '$tmp/p256.conf' | tail -n +2 | wc -l | grep -qx 6"
mfg_stop m_again || bad "SIGTERM exit status"

finish di_e2e
