#!/bin/sh
# test_admin_owner.sh BIN_DIR SRC_DIR JSON_GET PROM_LINT DI_CHECK - the
# owner's admin API against real processes on loopback: fdo-manufacturer
# and fdo-device make devices, fdo-rendezvous takes the owner's TO0,
# fdo-owner serves TO2 and the API. Uploads (good, corrupted, for another
# owner, duplicates: nothing stored unless all are good), the device list
# and its states (imported, registered, onboarded with a new GUID, failed
# with a reason, exported), groups and ServiceInfo steps the device then
# really receives, TO0 on request, resale checked with the device's
# secret, the operational certificates a csr step issued (paging, the
# guid filter), bad input everywhere, and /metrics after a full
# onboarding.
bin=$1 src=$2 json_get=$3 prom_lint=$4 di_check=$5
. "$(dirname "$0")/lib.sh"
own="$bin/fdo-owner"
mfg="$bin/fdo-manufacturer"
rv="$bin/fdo-rendezvous"
dev="$bin/fdo-device"

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$tmp/p384.key.pem" 2>/dev/null
openssl pkey -in "$tmp/p384.key.pem" -pubout -out "$tmp/p384.pub.pem"
head -c 3000 /dev/urandom >"$tmp/all.bin"
head -c 5000 /dev/urandom >"$tmp/dev1.bin"
head -c 100 /dev/urandom >"$tmp/gone.bin"
token=owner-admin-token-0123456789
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

# ---- rendezvous, owner, manufacturer ----
mkdir -p "$tmp/owners"
cp "$pki/owner.pub.pem" "$tmp/owners/"
cat >"$tmp/rv.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/rv.db
trusted_owner_keys = $tmp/owners
EOF
srv_start r "$rv" --config "$tmp/rv.conf"
rv_port=$(port_of "$r_http")

cat >"$tmp/own.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to0_poll = 1
to0_wait_seconds = 3600
admin = 127.0.0.1:0
admin_token_sha256 = $hash
admin_max_body = 65536
csr_ca_chain = $pki/ops-ca.chain.pem
csr_ca_key = $pki/ops-ca.key.pem
EOF
check "owner --check-config with the admin keywords" "$own" serve \
    --config "$tmp/own.conf" --check-config
srv_start o "$own" serve --config "$tmp/own.conf"
adm=$o_admin

cat >"$tmp/mfg.conf" <<EOF
http = 127.0.0.1:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = ip=127.0.0.1,port=$rv_port,protocol=http
EOF
srv_start m "$mfg" serve --config "$tmp/mfg.conf"
for n in 1 2 3 4; do
    check "di device $n" "$dev" di --url "$m_http" --cred "$tmp/dev$n.cred" \
        --serial "SN-$n"
    eval "g$n=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")"
done
for n in 1 2 3; do
    eval "g=\$g$n"
    check "voucher $n extended to the owner" "$mfg" export --config \
        "$tmp/mfg.conf" --guid "$g" --extend-to "$pki/owner.pub.pem" \
        -o "$tmp/v$n.pem"
done
check "voucher 4 extended to owner2" "$mfg" export --config "$tmp/mfg.conf" \
    --guid "$g4" --extend-to "$pki/owner2.pub.pem" -o "$tmp/v4.pem"
check "voucher 4 as made (no entry)" "$mfg" export --config "$tmp/mfg.conf" \
    --guid "$g4" -o "$tmp/v4.raw.pem"
daemon_stop m
PEM='Content-Type: application/x-pem-file'
JSON='Content-Type: application/json'

# ---- health, auth ----
NOAUTH=1 api GET "$adm/health"
expect_resp "/health" 200 status=ok role=owner db=ok
NOAUTH=1 api POST "$adm/api/v1/owner/vouchers" -H "$PEM" \
    --data-binary @"$tmp/v1.pem"
expect_resp "upload without a token: 401" 401 error.code=unauthorized
api GET "$adm/api/v1/owner/devices"
expect_resp "... and nothing stored" 200 total=0
NOAUTH=1 api GET "$adm/api/v1/owner/certs"
expect_resp "certificate list without a token: 401" 401 error.code=unauthorized
api GET "$adm/api/v1/owner/certs"
expect_resp "no certificate issued yet" 200 total=0 certs.#=0 limit=100
api GET "$adm/api/v1/owner/certs?guid=xyz"
expect_resp "certificate list for a malformed GUID: 400" 400 error.code=bad_guid
api GET "$adm/api/v1/owner/certs?limit=0"
expect_resp "certificate list with limit 0: 400" 400 error.code=bad_query

# ---- uploads that must store nothing ----
# A corrupted voucher: one base64 character of its body replaced.
awk 'NR == 5 { $0 = substr($0, 1, 10) "!" substr($0, 12) } { print }' \
    "$tmp/v1.pem" >"$tmp/corrupt.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/corrupt.pem"
expect_resp "corrupted PEM: 400, per-voucher error" 400 imported=0 failed=1 \
    stored=false results.0.status=refused results.0.error.code=bad_pem
cat "$tmp/v2.pem" "$tmp/corrupt.pem" >"$tmp/good-corrupt.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" \
    --data-binary @"$tmp/good-corrupt.pem"
expect_resp "a good voucher then a corrupted one: nothing stored" 400 \
    imported=0 stored=false results.0.status=not_stored results.0.guid=$g2 \
    results.1.error.code=bad_pem
head -c 900 "$tmp/v1.pem" >"$tmp/cut.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/cut.pem"
expect_resp "truncated PEM: 400" 400 results.0.error.code=bad_pem
cat "$tmp/v1.pem" "$tmp/v4.pem" >"$tmp/mixed.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/mixed.pem"
expect_resp "a voucher for another owner's key: refused, nothing stored" 400 \
    imported=0 failed=1 results.0.status=not_stored \
    results.1.error.code=wrong_owner_key results.1.guid=$g4
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/v4.raw.pem"
expect_resp "a voucher without entries" 400 results.0.error.code=invalid_voucher
printf 'no voucher here\n' >"$tmp/none.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/none.pem"
expect_resp "no PEM block" 400 error.code=no_voucher
api POST "$adm/api/v1/owner/vouchers" -H "$JSON" --data-binary @"$tmp/v1.pem"
expect_resp "JSON content type: 415" 415 error.code=unsupported_media_type
head -c 70000 /dev/zero | tr '\0' A >"$tmp/big.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/big.pem"
expect_resp "body over admin_max_body: 413" 413 error.code=too_large
api GET "$adm/api/v1/owner/devices"
expect_resp "after all the refusals: no device stored" 200 total=0

# ---- uploads that store ----
cat "$tmp/v1.pem" "$tmp/v2.pem" >"$tmp/two.pem"
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/two.pem"
expect_resp "two vouchers imported" 200 imported=2 stored=true \
    results.0.guid=$g1 results.0.status=imported results.1.guid=$g2
api POST "$adm/api/v1/owner/vouchers" -H "$PEM" --data-binary @"$tmp/v1.pem"
expect_resp "the same voucher again: 409" 409 exists=1 results.0.status=exists \
    results.0.error.code=exists
cat "$tmp/v1.pem" "$tmp/v3.pem" >"$tmp/dup-new.pem"
api POST "$adm/api/v1/owner/vouchers?partial=true" -H "$PEM" \
    --data-binary @"$tmp/dup-new.pem"
expect_resp "partial=true: the new one in, the known one left" 200 imported=1 \
    exists=1 results.0.status=exists results.1.status=imported
api GET "$adm/api/v1/owner/devices"
expect_resp "three devices" 200 total=3 devices.0.guid=$g1 devices.0.state=imported \
    devices.0.previous_guid=null devices.0.last_failure=null
api GET "$adm/api/v1/owner/vouchers/$g1"
[ "$status" = 200 ] && cmp -s "$tmp/body" "$tmp/v1.pem" &&
    ok "the stored voucher is byte for byte the uploaded one" ||
    bad "voucher download: $status"
# Voucher 1 again, its last byte (inside the last entry's signature)
# changed: it decodes, does not verify, and the stored one stays.
sed '1d;$d' "$tmp/v1.pem" | base64 -d >"$tmp/v1.cbor"
size=$(wc -c <"$tmp/v1.cbor")
last=$(tail -c 1 "$tmp/v1.cbor" | od -An -tu1 | tr -d ' ')
head -c $((size - 1)) "$tmp/v1.cbor" >"$tmp/t1.cbor"
printf "\\$(printf %03o $(((last + 1) % 256)))" >>"$tmp/t1.cbor"
{ echo '-----BEGIN OWNERSHIP VOUCHER-----'; base64 -w 64 "$tmp/t1.cbor"
  echo '-----END OWNERSHIP VOUCHER-----'; } >"$tmp/t1.pem"
cat "$tmp/t1.pem" "$tmp/corrupt.pem" >"$tmp/bad-again.pem"
api POST "$adm/api/v1/owner/vouchers?partial=true" -H "$PEM" \
    --data-binary @"$tmp/bad-again.pem"
expect_resp "a tampered copy of a stored voucher is refused" 200 imported=0 \
    results.0.guid=$g1 results.0.error.code=invalid_voucher \
    results.1.error.code=bad_pem
api GET "$adm/api/v1/owner/vouchers/$g1"
[ "$status" = 200 ] && cmp -s "$tmp/body" "$tmp/v1.pem" &&
    ok "... and the stored voucher did not change" ||
    bad "stored voucher changed: $status"

# TO0 by the owner's thread; the list shows the registration.
i=0
while [ $i -lt 100 ]; do
    api GET "$adm/api/v1/owner/devices/$g1"
    [ "$(jget rendezvous.0.registered)" = true ] && break
    sleep 0.2; i=$((i + 1))
done
expect_resp "device 1 registered at the rendezvous server" 200 \
    rendezvous.#=1 rendezvous.0.registered=true rendezvous.0.failures=0
api POST "$adm/api/v1/owner/devices/$g2/to0"
expect_resp "TO0 now for device 2" 202 guid=$g2 within_seconds=1
api GET "$adm/api/v1/owner/devices?state=imported&limit=2"
expect_resp "state filter and paging" 200 total=3 devices.#=2
api GET "$adm/api/v1/owner/devices?state=bogus"
expect_resp "bad state filter" 400 error.code=bad_query
api GET "$adm/api/v1/owner/devices/00000000000000000000000000000001"
expect_resp "unknown device: 404" 404 error.code=unknown_guid
api GET "$adm/api/v1/owner/devices/xyz"
expect_resp "malformed GUID: 400" 400 error.code=bad_guid

# ---- groups and ServiceInfo ----
api PUT "$adm/api/v1/owner/devices/$g1/group" -H "$JSON" --data '{"group": "lab"}'
expect_resp "device 1 in group lab" 200 group=lab
api PUT "$adm/api/v1/owner/devices/$g1/group" -H "$JSON" \
    --data '{"group": "has space"}'
expect_resp "a bad group name" 400 error.code=bad_request
api POST "$adm/api/v1/owner/serviceinfo" -H "$JSON" --data "{\"scope\": \
\"all\", \"kind\": \"download\", \"params\": {\"src\": \"$tmp/all.bin\", \
\"name\": \"etc/all.bin\"}}"
expect_resp "a step for every device" 201 scope=all kind=download \
    params.name=etc/all.bin
all_id=$(jget id)
api POST "$adm/api/v1/owner/serviceinfo" -H "$JSON" --data "{\"scope\": \
\"group\", \"group\": \"lab\", \"kind\": \"download\", \"optional\": true, \
\"params\": {\"src\": \"$tmp/all.bin\", \"name\": \"etc/lab.bin\"}}"
expect_resp "a step for group lab" 201 scope=group target=lab optional=true
api POST "$adm/api/v1/owner/devices/$g1/serviceinfo" -H "$JSON" --data \
    "{\"kind\": \"download\", \"params\": {\"src\": \"$tmp/dev1.bin\", \
\"name\": \"etc/dev1.bin\"}}"
expect_resp "a step for device 1" 201 scope=guid target=$g1
dev_id=$(jget id)
api POST "$adm/api/v1/owner/devices/$g1/serviceinfo" -H "$JSON" --data \
    '{"kind": "teleport", "params": {}}'
expect_resp "unknown step kind" 400 error.code=unknown_kind
api POST "$adm/api/v1/owner/devices/$g1/serviceinfo" -H "$JSON" --data \
    '{"kind": "download", "params": {"name": "x"}}'
expect_resp "download without src" 400 error.code=bad_params
api POST "$adm/api/v1/owner/devices/$g1/serviceinfo" -H "$JSON" --data \
    '{"kind": "download", "params": {"src": ["x"]}}'
expect_resp "a parameter that is not text" 400 error.code=bad_params
api POST "$adm/api/v1/owner/serviceinfo" -H "$JSON" --data \
    '{"scope": "guid", "kind": "download", "params": {}}'
expect_resp "scope guid goes through the device route" 400 error.code=bad_request
api GET "$adm/api/v1/owner/devices/$g1/serviceinfo"
expect_resp "device 1's plan in execution order" 200 steps.#=3 \
    steps.0.scope=all steps.1.scope=group steps.2.scope=guid \
    steps.2.params.src="$tmp/dev1.bin"
api GET "$adm/api/v1/owner/devices/$g2/serviceinfo"
expect_resp "device 2's plan" 200 steps.#=1
api POST "$adm/api/v1/owner/devices/$g1/serviceinfo" -H "$JSON" --data \
    '{"kind": "csr", "params": {"days": "30"}}'
expect_resp "an operational certificate for device 1" 201 kind=csr params.days=30
csr_id=$(jget id)
# Device 3 gets a step whose file disappears before it onboards.
api POST "$adm/api/v1/owner/devices/$g3/serviceinfo" -H "$JSON" --data \
    "{\"kind\": \"download\", \"params\": {\"src\": \"$tmp/gone.bin\", \
\"name\": \"etc/gone.bin\"}}"
expect_resp "a step for device 3" 201 target=$g3
rm -f "$tmp/gone.bin"

# ---- onboarding: device 1 succeeds, device 3 fails ----
check "device 1 onboards (TO1 + TO2)" "$dev" onboard --cred "$tmp/dev1.cred" \
    --download-dir "$tmp/dl1" --opcred-dir "$tmp/op1"
new1=$(sed -n 's/.*new credential stored in .*, GUID \([0-9a-f]*\)$/\1/p' \
    "$tmp/last.out")
for f in all dev1; do
    cmp -s "$tmp/dl1/etc/$f.bin" "$tmp/$f.bin" &&
        ok "device 1 received $f.bin from the API's plan" ||
        bad "device 1 did not receive $f.bin"
done
cmp -s "$tmp/dl1/etc/lab.bin" "$tmp/all.bin" &&
    ok "device 1 received its group's file" || bad "group file"
api GET "$adm/api/v1/owner/devices/$g1"
expect_resp "found by its original GUID: onboarded, new GUID" 200 guid=$new1 \
    original_guid=$g1 previous_guid=$g1 state=onboarded onboardings=1 \
    credential_reused=false
[ "$(jget onboarded_at)" != null ] && ok "onboarded_at set" ||
    bad "onboarded_at"
api GET "$adm/api/v1/owner/devices/$new1"
expect_resp "... and by its new one" 200 original_guid=$g1
api POST "$adm/api/v1/owner/devices/$new1/to0"
expect_resp "TO0 for a replacement voucher: 409" 409 error.code=not_registrable

# The certificate device 1 got, as the API lists it.
api GET "$adm/api/v1/owner/certs"
expect_resp "one certificate issued, for device 1's new GUID" 200 total=1 \
    certs.0.guid=$new1 certs.0.to2_guid=$g1 certs.0.origin=enroll \
    certs.0.subject=CN=$new1
serial=$(openssl x509 -in "$tmp/op1/opcred-cert.pem" -noout -serial |
    sed 's/^serial=//' | tr A-F a-f)
[ -n "$serial" ] && [ "$(jget certs.0.serial)" = "$serial" ] &&
    ok "its serial is the one of the device's certificate" ||
    bad "serial: api $(jget certs.0.serial), device $serial"
na=$(date -ud "$(jget certs.0.not_after)" +%s)
nb=$(date -ud "$(jget certs.0.not_before)" +%s)
dev_na=$(date -ud "$(openssl x509 -in "$tmp/op1/opcred-cert.pem" -noout \
    -enddate | sed 's/^notAfter=//')" +%s)
# 30 days from now; from an hour ago, or from the CA's own start when
# that is later (gen-pki made it seconds ago).
[ "$na" -eq "$dev_na" ] && [ $((na - nb)) -ge $((30 * 86400)) ] &&
    [ $((na - nb)) -le $((30 * 86400 + 3600)) ] &&
    ok "its validity: the device's notAfter, 30 days" ||
    bad "validity $nb .. $na (device: $dev_na)"
api GET "$adm/api/v1/owner/certs?guid=$g1"
expect_resp "found by the GUID the TO2 began with" 200 total=1 certs.0.guid=$new1
api GET "$adm/api/v1/owner/certs?guid=$new1"
expect_resp "... and by the new one" 200 total=1
api GET "$adm/api/v1/owner/certs?guid=$g2"
expect_resp "none for device 2" 200 total=0 certs.#=0
api GET "$adm/api/v1/owner/certs?offset=1&limit=1"
expect_resp "paging past the end" 200 total=1 certs.#=0 offset=1 limit=1
api DELETE "$adm/api/v1/owner/devices/$g1/serviceinfo/$csr_id"
[ "$status" = 204 ] && ok "device 1's csr step removed" ||
    bad "del csr: $status"
i=0
while [ $i -lt 100 ]; do
    api GET "$adm/api/v1/owner/devices/$g3"
    [ "$(jget rendezvous.0.registered)" = true ] && break
    sleep 0.2; i=$((i + 1))
done
if timeout 120 "$dev" onboard --cred "$tmp/dev3.cred" \
    --download-dir "$tmp/dl3" >"$tmp/last.out" 2>&1; then
    bad "device 3 onboarded with a missing file"
else
    ok "device 3 fails to onboard (its planned file is gone)"
fi
api GET "$adm/api/v1/owner/devices/$g3"
expect_resp "device 3 shows the failure" 200 state=imported
reason=$(jget last_failure.reason)
[ -n "$reason" ] && [ "$reason" != null ] &&
    ok "failure reason: $reason" || bad "no failure reason"
api GET "$adm/api/v1/owner/devices?state=failed"
expect_resp "state=failed lists it" 200 total=1 devices.0.guid=$g3
api GET "$adm/api/v1/owner/devices?state=onboarded"
expect_resp "state=onboarded" 200 total=1 devices.0.guid=$new1

# ---- step removal ----
api DELETE "$adm/api/v1/owner/devices/$g2/serviceinfo/$dev_id"
expect_resp "another device's step cannot be removed through this one" 404 \
    error.code=unknown_step
api DELETE "$adm/api/v1/owner/devices/$g1/serviceinfo/$dev_id"
[ "$status" = 204 ] && ok "device 1's step removed" || bad "del: $status"
api DELETE "$adm/api/v1/owner/devices/$g1/serviceinfo/$dev_id"
expect_resp "removed twice: 404" 404 error.code=unknown_step
api DELETE "$adm/api/v1/owner/serviceinfo/$all_id"
[ "$status" = 204 ] && ok "the step for all removed" || bad "del all: $status"
api GET "$adm/api/v1/owner/serviceinfo"
expect_resp "two steps left (group, device 3)" 200 steps.#=2

# ---- resale ----
api POST "$adm/api/v1/owner/devices/$g2/resell" -H "$PEM" \
    --data-binary @"$pki/owner2.key.pem"
expect_resp "a private key: 400" 400 error.code=private_key_refused
api POST "$adm/api/v1/owner/devices/$g2/resell" -H "$PEM" \
    --data-binary @"$tmp/p384.pub.pem"
expect_resp "a P-384 buyer for a P-256 voucher: 400" 400 \
    error.code=owner_key_unusable
api POST "$adm/api/v1/owner/devices/$g2/resell" -H "$PEM" \
    --data-binary @"$tmp/none.pem"
expect_resp "garbage key: 400" 400 error.code=bad_owner_key
api GET "$adm/api/v1/owner/devices/$g2"
expect_resp "failed resales changed nothing" 200 state=imported
api POST "$adm/api/v1/owner/devices/$g2/resell" -H "$PEM" \
    --data-binary @"$pki/owner2.pub.pem"
[ "$status" = 200 ] && ok "device 2 resold to owner2" || bad "resell $status"
cp "$tmp/body" "$tmp/resold.pem"
check "the resold voucher verifies with the device's secret, owner2 last" \
    "$di_check" "$tmp/resold.pem" "$tmp/dev2.cred" 2 "$pki/owner2.pub.pem"
api GET "$adm/api/v1/owner/devices/$g2"
expect_resp "device 2 is exported" 200 state=exported
api POST "$adm/api/v1/owner/devices/$g2/resell" -H "$PEM" \
    --data-binary @"$pki/owner2.pub.pem"
expect_resp "a second resale: 409" 409 error.code=exported
api POST "$adm/api/v1/owner/devices/$g2/to0"
expect_resp "TO0 for a resold device: 409" 409 error.code=exported
api POST "$adm/api/v1/owner/devices/00000000000000000000000000000001/resell" \
    -H "$PEM" --data-binary @"$pki/owner2.pub.pem"
expect_resp "resale of an unknown device: 404" 404 error.code=unknown_guid

# ---- metrics ----
api GET "$adm/metrics"
if "$prom_lint" 'zto_onboardings_completed_total' \
    'zto_fdo_runs_total{protocol="to2",result="completed"}' \
    'zto_fdo_run_duration_seconds_count{protocol="to2"}' \
    'zto_fdo_runs_total{protocol="to2",result="failed"}' \
    'zto_vouchers_imported_total' 'zto_vouchers_exported_total' \
    <"$tmp/body" >"$tmp/prom.out"; then
    ok "/metrics is valid Prometheus text"
    [ "$(tr '\n' ' ' <"$tmp/prom.out")" = "1 1 1 1 3 3 " ] &&
        ok "onboarding, latency, failure and voucher counters" ||
        bad "metric values: $(tr '\n' ' ' <"$tmp/prom.out")"
    reg=$("$prom_lint" zto_to0_registrations_total <"$tmp/body")
    [ "$reg" -ge 3 ] && ok "TO0 registrations counted by the owner ($reg)" ||
        bad "TO0 registrations: $reg"
else
    bad "/metrics does not parse"
fi
grep -q "admin 127.0.0.1:[0-9]* POST /api/v1/owner/vouchers: 401" \
    "$tmp/o.err" && ok "the refused upload is logged" || bad "401 log"
grep -q -- "$token" "$tmp/o.err" && bad "token in the log" ||
    ok "the token never reaches the log"

daemon_stop o
daemon_stop r
finish
