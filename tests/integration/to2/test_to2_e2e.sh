#!/bin/sh
# test_to2_e2e.sh BIN_DIR SOURCE_DIR - the whole onboarding with real
# processes on loopback, each with its own SQLite file:
#
#   fdo-manufacturer (DI) -> voucher exported and extended to the owner
#   -> fdo-owner import -> TO0 to fdo-rendezvous (the owner's thread)
#   -> fdo-device onboard: TO1 at the rendezvous server, TO2 at the owner
#   -> the device holds the planned file (right SHA-384), a new
#      credential and its operational certificate, key and CA bundle
#      (fdo.csr: checked with openssl); the owner holds the replacement
#      voucher and lists the certificate.
#
# P-256 and P-384 PKIs and devices; TO2 over HTTP (IPv4) and CoAP (IPv6);
# the replacement voucher verified with the device's own secret; a
# second onboarding needs a resale. Then: resale (the replacement voucher
# extended to a second owner, who onboards the device), credential reuse
# (two onboardings through rendezvous, credential and voucher unchanged),
# reuse refused by the device (102), refusals that change nothing
# (unknown device, another owner's voucher at import), an unreachable
# rendezvous server (logged and listed), the example configuration and
# key permissions. Without fdo-rendezvous in the build the device goes
# straight to the owner (--owner) and TO0/TO1 are skipped.
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../di/lib.sh"
dev="$bin/fdo-device"
own="$bin/fdo-owner"
mfg="$bin/fdo-manufacturer"
have_rv=0
[ -x "$bin/fdo-rendezvous" ] && have_rv=1

head -c 20000 /dev/urandom >"$tmp/payload.bin"
want_sha=$(sha384sum "$tmp/payload.bin" | cut -d' ' -f1)

for curve in p256 p384; do
    pki=$tmp/pki-$curve
    "$src/scripts/gen-pki" "$pki" $curve >/dev/null || exit 1

    # ---- rendezvous ----
    if [ $have_rv = 1 ]; then
        mkdir -p "$tmp/trust-$curve"
        cp "$pki/owner.pub.pem" "$tmp/trust-$curve/"
        cat >"$tmp/rv-$curve.conf" <<EOF2
listen = http://127.0.0.1:0 coap://[::1]:0
db = $tmp/rv-$curve.db
trusted_owner_keys = $tmp/trust-$curve
trusted_manufacturer_keys = $pki/manufacturer.pub.pem
trusted_device_ca = $pki/device-ca.crt.pem
EOF2
        srv_start rv_$curve "$bin/fdo-rendezvous" --config "$tmp/rv-$curve.conf" \
            --log-level warn
        eval "rvh=\$rv_${curve}_http rvc=\$rv_${curve}_coap"
        rv_http="ip=127.0.0.1,port=$(port_of "$rvh"),protocol=http"
        rv_coap="ip=::1,port=$(port_of "$rvc"),protocol=coap"
        # P-256 devices find rendezvous over HTTP, P-384 over CoAP.
        [ $curve = p256 ] && rv_line=$rv_http || rv_line=$rv_coap
    else
        rv_line="dns=rv.invalid,port=8041,protocol=http"
    fi

    # ---- owners: one reached over HTTP, one over CoAP ----
    for via in http coap; do
        [ $via = http ] && l="http://127.0.0.1:0" || l="coap://[::1]:0"
        cat >"$tmp/own-$curve-$via.conf" <<EOF2
listen = $l
db = $tmp/own-$curve-$via.db
owner_keys = $pki/owner.key.pem
replacement_rv = $rv_line
to0 = $([ $have_rv = 1 ] && echo yes || echo no)
to0_poll = 1
to0_wait_seconds = 3600
csr_ca_chain = $pki/ops-ca.chain.pem
csr_ca_key = $pki/ops-ca.key.pem
csr_days = 30
EOF2
        check "$curve/$via: owner config" "$own" serve \
            --config "$tmp/own-$curve-$via.conf" --check-config
        check "$curve/$via: plan: a 20 kB download" "$own" plan \
            --config "$tmp/own-$curve-$via.conf" add --all download \
            "$tmp/payload.bin" "etc/op.bin"
        check "$curve/$via: plan: an operational certificate" "$own" plan \
            --config "$tmp/own-$curve-$via.conf" add --all csr
        srv_start o_${curve}_$via "$own" serve \
            --config "$tmp/own-$curve-$via.conf" --log-level info
    done

    write_http_conf "$tmp/mfg-$curve.conf" "$pki" "$tmp/mfg-$curve.db" "$rv_line"
    mfg_start m_$curve "$tmp/mfg-$curve.conf"
    eval "mfg_http=\$m_${curve}_http"

    for via in http coap; do
        oc=$tmp/own-$curve-$via.conf
        eval "ourl=\$o_${curve}_${via}_$via"
        cred=$tmp/$curve-$via.cred
        dl=$tmp/dl-$curve-$via
        # fdo.csr: P-256 devices make a P-256 key and enroll it; P-384
        # devices a P-384 key, except over CoAP where the owner makes it.
        op=$tmp/op-$curve-$via
        opt="--opcred-dir $op --opcred-key $curve"
        [ $curve = p384 ] && [ $via = coap ] && opt="$opt --opcred-serverkeygen"
        check "$curve/$via: DI" "$dev" di --url "$mfg_http" --cred "$cred" \
            --key-type $curve --serial "SN-$curve-$via"
        guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
        check "$curve/$via: voucher extended to the owner" "$mfg" export \
            --config "$tmp/mfg-$curve.conf" --guid "$guid" \
            --extend-to "$pki/owner.pub.pem" -o "$tmp/$guid.pem"
        check "$curve/$via: import" "$own" import --config "$oc" \
            "$tmp/$guid.pem"
        if [ $have_rv = 1 ]; then
            checks=$((checks + 1))
            if wait_registered "$oc" "$guid"; then
                echo "ok: $curve/$via: TO0 registered $guid"
            else
                echo "FAIL: $curve/$via: TO0 did not register $guid"
                "$own" list --config "$oc"
                fails=$((fails + 1))
            fi
            # shellcheck disable=SC2086
            check "$curve/$via: onboard (TO1 + TO2)" "$dev" onboard \
                --cred "$cred" --download-dir "$dl" --kex \
                "$([ $curve = p256 ] && echo ECDH256 || echo ECDH384)" $opt
        else
            # shellcheck disable=SC2086
            check "$curve/$via: onboard (TO2 at $ourl)" "$dev" onboard \
                --cred "$cred" --download-dir "$dl" --owner "$ourl" $opt
        fi
        expect "$curve/$via: the device reports its operational certificate" \
            "grep -q 'operational certificate \"CN=' '$tmp/last.out'"
        expect "$curve/$via: certificate verifies against the CA bundle" \
            "openssl verify -CAfile '$op/opcred-ca.pem' '$op/opcred-cert.pem' >/dev/null"
        expect "$curve/$via: the key is the certificate's" \
            "[ \"\$(openssl pkey -in '$op/opcred-key.pem' -pubout)\" = \
               \"\$(openssl x509 -in '$op/opcred-cert.pem' -noout -pubkey)\" ]"
        expect "$curve/$via: a $curve key, mode 0600" \
            "openssl pkey -in '$op/opcred-key.pem' -noout -text |
                 grep -q '$([ $curve = p256 ] && echo prime256v1 || echo secp384r1)' &&
             [ \"\$(stat -L -c %a '$op/opcred-key.pem')\" = 600 ]"
        expect "$curve/$via: the names are links into the one generation" \
            "[ \"\$(readlink '$op/opcred-key.pem')\" = opcred/opcred-key.pem ] &&
             [ \"\$(readlink '$op/opcred')\" = .opcred-1 ] &&
             [ \"\$(LC_ALL=C ls -A '$op' | tr '\\n' ' ')\" = \
               '.opcred-1 opcred opcred-ca.pem opcred-cert.pem opcred-key.pem ' ]"

        newg=$(sed -n 's/.*new credential stored in .*, GUID \([0-9a-f]*\)$/\1/p' \
            "$tmp/last.out")
        expect "$curve/$via: new credential, new GUID" \
            "[ -n '$newg' ] && [ '$newg' != '$guid' ]"
        expect "$curve/$via: downloaded file has the planned SHA-384" \
            "[ \"\$(sha384sum '$dl/etc/op.bin' | cut -d' ' -f1)\" = $want_sha ]"
        check "$curve/$via: show the new credential" "$dev" show --cred "$cred"
        expect "$curve/$via: the credential names the new GUID" \
            "grep -q 'GUID *$newg' '$tmp/last.out'"
        expect "$curve/$via: the certificate names it too" \
            "openssl x509 -in '$op/opcred-cert.pem' -noout -subject |
                 grep -q 'CN *= *$newg'"
        check "$curve/$via: owner certs" "$own" certs --config "$oc" \
            --guid "$newg"
        expect "$curve/$via: the owner lists the certificate it issued" \
            "grep -q '^[0-9]*  $newg  [0-9a-f]*  $([ $curve = p384 ] &&
                 [ $via = coap ] && echo serverkeygen || echo enroll) ' \
                 '$tmp/last.out'"
        check "$curve/$via: owner list" "$own" list --config "$oc"
        expect "$curve/$via: the owner holds the replacement voucher" \
            "grep -q '^$newg  onboarded at .*(new GUID, was $guid)' '$tmp/last.out'"
        check "$curve/$via: replacement voucher exported" "$own" export \
            --config "$oc" --guid "$newg" -o "$tmp/$newg.pem"
        # OVHeader' the owner built carries the HMAC the device made
        # over its own: both spliced the same bytes.
        check "$curve/$via: ... verified with the device's secret" \
            "$bin/di_check" "$tmp/$newg.pem" "$cred" 0
        # Onboarded with a new credential: this owner has no entries to
        # prove it with, so a second TO2 is refused and changes nothing.
        cp "$cred" "$tmp/cred.before"
        if [ $have_rv = 0 ]; then
            check_fails "$curve/$via: second onboarding needs a resale" \
                "$dev" onboard --cred "$cred" --download-dir "$dl" \
                --owner "$ourl"
        else
            # The replacement voucher has no entries: it is not
            # registered, so rendezvous does not know the new GUID.
            check_fails "$curve/$via: second onboarding needs a resale" \
                "$dev" onboard --cred "$cred" --download-dir "$dl"
        fi
        expect "$curve/$via: credential unchanged" \
            "cmp -s '$cred' '$tmp/cred.before'"
    done
done

# ---- resale: the replacement voucher extended to owner2, who onboards
# the device again (straight to it: the rendezvous server trusts only
# the first owner) ----
pki=$tmp/pki-p256
cred=$tmp/p256-http.cred
g=$("$dev" show --cred "$cred" | awk '/^GUID/ {print $2}')
check "resale: export extended to owner2" "$own" export \
    --config "$tmp/own-p256-http.conf" --guid "$g" \
    --extend-to "$pki/owner2.pub.pem" -o "$tmp/resale.pem"
check_fails "resale: a second extension is refused" "$own" export \
    --config "$tmp/own-p256-http.conf" --guid "$g" \
    --extend-to "$pki/owner2.pub.pem" -o "$tmp/resale2.pem"
cat >"$tmp/own-buyer.conf" <<EOF2
listen = http://127.0.0.1:0
db = $tmp/own-buyer.db
owner_keys = $pki/owner2.key.pem
to0 = no
EOF2
check "resale: the buyer imports it" "$own" import \
    --config "$tmp/own-buyer.conf" "$tmp/resale.pem"
srv_start o_buyer "$own" serve --config "$tmp/own-buyer.conf"
check "resale: the device onboards at the buyer" "$dev" onboard \
    --cred "$cred" --owner "$o_buyer_http" --download-dir "$tmp/dl-buyer"
g2=$(sed -n 's/.*new credential stored in .*, GUID \([0-9a-f]*\)$/\1/p' \
    "$tmp/last.out")
expect "resale: new GUID again" "[ -n '$g2' ] && [ '$g2' != '$g' ]"
check "resale: the seller lists it as exported" "$own" list \
    --config "$tmp/own-p256-http.conf"
expect "resale: ... exported" "grep -q '^$g  exported' '$tmp/last.out'"

# ---- credential reuse ----
pki=$tmp/pki-p256
cat >"$tmp/own-reuse.conf" <<EOF2
listen = http://127.0.0.1:0
db = $tmp/own-reuse.db
owner_keys = $pki/owner.key.pem
credential_reuse = yes
to0 = $([ $have_rv = 1 ] && echo yes || echo no)
to0_poll = 1
EOF2
srv_start o_reuse "$own" serve --config "$tmp/own-reuse.conf"
ourl=$o_reuse_http
for n in 1 2; do
    cred=$tmp/reuse-$n.cred
    check "reuse $n: DI" "$dev" di --url "$m_p256_http" --cred "$cred"
    guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
    check "reuse $n: voucher extended" "$mfg" export \
        --config "$tmp/mfg-p256.conf" --guid "$guid" \
        --extend-to "$pki/owner.pub.pem" -o "$tmp/reuse-$n.pem"
    check "reuse $n: import" "$own" import --config "$tmp/own-reuse.conf" \
        "$tmp/reuse-$n.pem"
    cp "$cred" "$tmp/reuse-$n.before"
    "$own" export --config "$tmp/own-reuse.conf" --guid "$guid" \
        -o "$tmp/reuse-$n.ov.before" 2>/dev/null
done
# Through rendezvous when there is one: the voucher keeps its entries,
# stays registered, and the device finds the owner again.
if [ $have_rv = 1 ]; then
    "$dev" show --cred "$tmp/reuse-1.cred" >"$tmp/reuse-1.show"
    g1=$(awk '/^GUID/ {print $2}' "$tmp/reuse-1.show")
    checks=$((checks + 1))
    if wait_registered "$tmp/own-reuse.conf" "$g1"; then
        echo "ok: reuse: TO0 registered $g1"
    else
        echo "FAIL: reuse: TO0 did not register $g1"; fails=$((fails + 1))
    fi
    via_owner=""
else
    via_owner="--owner $ourl"
fi
for round in 1 2; do
    # shellcheck disable=SC2086
    check "reuse: onboarding $round keeps the credential" "$dev" onboard \
        --cred "$tmp/reuse-1.cred" $via_owner --allow-reuse \
        --download-dir "$tmp/dl-reuse"
    expect "reuse: onboarding $round said so" \
        "grep -q 'credential kept (reuse)' '$tmp/last.out'"
    expect "reuse: credential file unchanged after round $round" \
        "cmp -s '$tmp/reuse-1.cred' '$tmp/reuse-1.before'"
done
guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
"$own" export --config "$tmp/own-reuse.conf" --guid "$guid" \
    -o "$tmp/reuse-1.ov.after" 2>/dev/null
expect "reuse: the owner's voucher unchanged" \
    "cmp -s '$tmp/reuse-1.ov.before' '$tmp/reuse-1.ov.after'"
check_fails "reuse refused by the device: error 102" "$dev" onboard \
    --cred "$tmp/reuse-2.cred" --owner "$ourl" \
    --download-dir "$tmp/dl-reuse"
expect "reuse refused: the error says so" \
    "grep -q 'CRED_REUSE\\|reuse' '$tmp/last.err'"
expect "reuse refused: credential unchanged" \
    "cmp -s '$tmp/reuse-2.cred' '$tmp/reuse-2.before'"

# ---- refusals ----
cred=$tmp/stranger.cred
check "stranger: DI" "$dev" di --url "$m_p256_http" --cred "$cred"
cp "$cred" "$tmp/stranger.before"
check_fails "stranger: no voucher at the owner (error 6)" "$dev" onboard \
    --cred "$cred" --owner "$ourl" --download-dir "$tmp/dl-x"
expect "stranger: RESOURCE_NOT_FOUND" \
    "grep -q 'error 6 ' '$tmp/last.err'"
expect "stranger: credential unchanged" \
    "cmp -s '$cred' '$tmp/stranger.before'"
# A voucher for another owner's key is refused at import with a clear
# message, non-zero exit, nothing stored.
guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
"$dev" show --cred "$cred" >"$tmp/last.out"
guid=$(awk '/^GUID/ {print $2}' "$tmp/last.out")
check "stranger: voucher extended to owner2" "$mfg" export \
    --config "$tmp/mfg-p256.conf" --guid "$guid" \
    --extend-to "$pki/owner2.pub.pem" -o "$tmp/stranger.pem"
checks=$((checks + 1))
if "$own" import --config "$tmp/own-reuse.conf" "$tmp/stranger.pem" \
    >"$tmp/last.out" 2>&1; then
    echo "FAIL: import of another owner's voucher succeeded"
    fails=$((fails + 1))
elif grep -q "not one of this owner's keys" "$tmp/last.out"; then
    echo "ok: import refuses another owner's voucher"
else
    echo "FAIL: import message"; cat "$tmp/last.out"; fails=$((fails + 1))
fi

# ---- TO0 against a rendezvous server that is not there ----
write_http_conf "$tmp/mfg-dead.conf" "$pki" "$tmp/mfg-dead.db" \
    ip=127.0.0.1,port=1,protocol=http
mfg_start m_dead "$tmp/mfg-dead.conf"
check "dead rv: DI" "$dev" di --url "$m_dead_http" --cred "$tmp/dead.cred"
guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
check "dead rv: voucher extended" "$mfg" export --config "$tmp/mfg-dead.conf" \
    --guid "$guid" --extend-to "$pki/owner.pub.pem" -o "$tmp/dead.pem"
cat >"$tmp/own-dead.conf" <<EOF2
listen = http://127.0.0.1:0
db = $tmp/own-dead.db
owner_keys = $pki/owner.key.pem
to0_poll = 1
to0_retry_first = 1
EOF2
check "dead rv: import" "$own" import --config "$tmp/own-dead.conf" \
    "$tmp/dead.pem"
srv_start o_dead "$own" serve --config "$tmp/own-dead.conf"
i=0
while ! grep -q "unreachable" "$tmp/o_dead.err" && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
expect "dead rv: the owner logs that rendezvous is unreachable" \
    "grep -q 'rendezvous http://127.0.0.1:1 unreachable for GUID $guid.*NOT REGISTERED' '$tmp/o_dead.err'"
check "dead rv: list" "$own" list --config "$tmp/own-dead.conf"
expect "dead rv: list shows it not registered, with the failure" \
    "grep -q 'not registered at http://127.0.0.1:1' '$tmp/last.out' &&
     grep -q 'failure(s), last:' '$tmp/last.out'"

# The shipped example configuration is valid (with this test's files).
sed -e "s|/etc/zto/owner/owner.key.pem|$tmp/pki-p256/owner.key.pem|" \
    -e "s|/var/lib/zto/owner/|$tmp/|" "$src/deploy/owner.conf.example" \
    >"$tmp/example.conf"
check "deploy/owner.conf.example passes --check-config" "$own" serve \
    --config "$tmp/example.conf" --check-config
# A private key others can read is refused.
cp "$tmp/pki-p256/owner.key.pem" "$tmp/open.key.pem"
chmod 644 "$tmp/open.key.pem"
sed "s|^owner_keys = .*|owner_keys = $tmp/open.key.pem|" \
    "$tmp/example.conf" >"$tmp/open.conf"
check_fails "a group/world-readable owner key is refused" "$own" serve \
    --config "$tmp/open.conf" --check-config
# ... and so is such an fdo.csr CA key.
cp "$tmp/pki-p256/ops-ca.key.pem" "$tmp/open-ca.key.pem"
chmod 640 "$tmp/open-ca.key.pem"
{ cat "$tmp/example.conf"
  echo "csr_ca_chain = $tmp/pki-p256/ops-ca.chain.pem"
  echo "csr_ca_key = $tmp/open-ca.key.pem"; } >"$tmp/open-ca.conf"
check_fails "a group-readable fdo.csr CA key is refused" "$own" serve \
    --config "$tmp/open-ca.conf" --check-config
expect "... saying so" "grep -q 'open-ca.key.pem.*group or others' '$tmp/last.err'"

finish
