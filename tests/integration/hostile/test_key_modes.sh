#!/bin/sh
# test_key_modes.sh BIN_DIR SOURCE_DIR - every server refuses to start
# with a private key that group or others may read or write: each key
# option of each server (manufacturer_key, device_ca_key, owner_keys,
# tls_key, admin_tls_key, and tls_key serving as the admin key), modes
# 0640 and 0604 (0660 and 0602 too for the manufacturer key), with one
# line on stderr naming the file, in --check-config as in serve. The same
# files at 0600 are accepted.
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"
certs=$src/tests/integration/certs
"$src/scripts/gen-pki" "$tmp/pki" p256 >/dev/null || exit 1
pki=$tmp/pki
cp "$certs/server.pem" "$tmp/tls.crt.pem"
cp "$certs/server.key.pem" "$tmp/tls.key.pem"
cp "$certs/server.key.pem" "$tmp/admin.key.pem"
chmod 600 "$tmp/tls.key.pem" "$tmp/admin.key.pem"
mkdir -p "$tmp/trust"
cp "$pki/owner.pub.pem" "$tmp/trust/"
hash=0000000000000000000000000000000000000000000000000000000000000000

# Common tail of every configuration: https and https admin listeners.
tls_lines() { # ADMIN_KEY(yes|no)
    echo "tls_cert = $tmp/tls.crt.pem"
    echo "tls_key = $tmp/tls.key.pem"
    echo "admin = https://127.0.0.1:0"
    echo "admin_token_sha256 = $hash"
    if [ "$1" = yes ]; then
        echo "admin_tls_cert = $tmp/tls.crt.pem"
        echo "admin_tls_key = $tmp/admin.key.pem"
    fi
}

cat >"$tmp/mfg.base" <<EOF2
listen = http://127.0.0.1:0 https://127.0.0.1:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = dns=rv.example.com,port=8041,protocol=http
EOF2
cat >"$tmp/rv.base" <<EOF2
listen = http://127.0.0.1:0 https://127.0.0.1:0
db = $tmp/rv.db
trusted_owner_keys = $tmp/trust
EOF2
cat >"$tmp/own.base" <<EOF2
listen = http://127.0.0.1:0 https://127.0.0.1:0
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to0 = no
EOF2
for s in mfg rv own; do
    for ak in yes no; do
        { cat "$tmp/$s.base"; tls_lines $ak; } >"$tmp/$s-$ak.conf"
    done
done

cmd_of() { # SERVER CONF
    case $1 in
    mfg) echo "$bin/fdo-manufacturer serve --config $2" ;;
    rv) echo "$bin/fdo-rendezvous --config $2" ;;
    own) echo "$bin/fdo-owner serve --config $2" ;;
    esac
}

for s in mfg rv own; do
    # shellcheck disable=SC2046
    check "$s: every key 0600: configuration accepted" \
        $(cmd_of $s "$tmp/$s-yes.conf") --check-config
done

# refused SERVER CONF FILE WHAT: with FILE at each loose mode, the server
# refuses to start, in one line naming FILE; FILE back to 0600 after.
refused() {
    modes="640 604"
    [ "$4" = manufacturer_key ] && modes="640 604 660 602"
    for mode in $modes; do
        chmod $mode "$3"
        for how in --check-config serve; do
            checks=$((checks + 1))
            if [ $how = serve ]; then
                # shellcheck disable=SC2046
                timeout 10 $(cmd_of $1 "$2") >"$tmp/last.out" \
                    2>"$tmp/last.err"
            else
                # shellcheck disable=SC2046
                timeout 10 $(cmd_of $1 "$2") --check-config \
                    >"$tmp/last.out" 2>"$tmp/last.err"
            fi
            st=$?
            if [ $st -ne 0 ] && [ $st -ne 124 ] &&
                [ "$(wc -l <"$tmp/last.err")" -eq 1 ] &&
                grep -q "$3" "$tmp/last.err" &&
                grep -q "group" "$tmp/last.err" &&
                ! grep -q '^ready$' "$tmp/last.out"; then
                :
            else
                echo "FAIL: $1: $4 at mode $mode ($how): exit $st"
                sed 's/^/    /' "$tmp/last.err"
                fails=$((fails + 1))
            fi
        done
    done
    echo "ok: $1: $4 refused at $modes: $(cat "$tmp/last.err")"
    chmod 600 "$3"
}

refused mfg "$tmp/mfg-yes.conf" "$pki/manufacturer.key.pem" manufacturer_key
refused mfg "$tmp/mfg-yes.conf" "$pki/device-ca.key.pem" device_ca_key
refused mfg "$tmp/mfg-yes.conf" "$tmp/tls.key.pem" tls_key
refused mfg "$tmp/mfg-yes.conf" "$tmp/admin.key.pem" admin_tls_key
refused mfg "$tmp/mfg-no.conf" "$tmp/tls.key.pem" "tls_key as admin key"
refused rv "$tmp/rv-yes.conf" "$tmp/tls.key.pem" tls_key
refused rv "$tmp/rv-yes.conf" "$tmp/admin.key.pem" admin_tls_key
refused rv "$tmp/rv-no.conf" "$tmp/tls.key.pem" "tls_key as admin key"
refused own "$tmp/own-yes.conf" "$pki/owner.key.pem" owner_keys
refused own "$tmp/own-yes.conf" "$tmp/tls.key.pem" tls_key
refused own "$tmp/own-yes.conf" "$tmp/admin.key.pem" admin_tls_key
refused own "$tmp/own-no.conf" "$tmp/tls.key.pem" "tls_key as admin key"

finish
