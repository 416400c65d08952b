#!/bin/sh
# test_admin_mfg.sh BIN_DIR SRC_DIR JSON_GET PROM_LINT DI_CHECK - the
# manufacturer's admin API against a real fdo-manufacturer on loopback:
# devices made by fdo-device di over HTTP, then every route with good and
# bad input (auth, GUIDs, keys, bodies, limits), vouchers checked against
# the devices' secrets, and /metrics after the DI runs.
bin=$1 src=$2 json_get=$3 prom_lint=$4 di_check=$5
. "$(dirname "$0")/lib.sh"
mfg="$bin/fdo-manufacturer"
dev="$bin/fdo-device"

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/buyer.key.pem" 2>/dev/null
openssl pkey -in "$tmp/buyer.key.pem" -pubout -out "$tmp/buyer.pub.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$tmp/p384.key.pem" 2>/dev/null
openssl pkey -in "$tmp/p384.key.pem" -pubout -out "$tmp/p384.pub.pem"

# A token and its hash; the documented sha256sum way gives the same hash.
"$mfg" hash-token --generate >"$tmp/token.out" || exit 1
token=$(sed -n 's/^token: //p' "$tmp/token.out")
hash=$(sed -n 's/^admin_token_sha256 = //p' "$tmp/token.out")
[ "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" = "$hash" ] &&
    ok "hash-token --generate matches printf %s TOKEN | sha256sum" ||
    bad "hash-token hash"
[ "$(printf '%s\n' "$token" | "$mfg" hash-token)" = \
    "admin_token_sha256 = $hash" ] && ok "hash-token reads stdin" ||
    bad "hash-token stdin"
check_fails "hash-token refuses a short token" sh -c \
    "echo short | '$mfg' hash-token"

cat >"$tmp/mfg.conf" <<EOF
http = 127.0.0.1:0
coap = 127.0.0.1:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = dns=rv.example.com,port=8041,protocol=http
admin = 127.0.0.1:0
admin_token_sha256 = $hash
admin_max_body = 8192
EOF
check "--check-config with the admin keywords" "$mfg" --config \
    "$tmp/mfg.conf" --check-config
sed '/admin_token_sha256/d' "$tmp/mfg.conf" >"$tmp/noauth.conf"
check_fails "an admin listener without authentication is refused" \
    "$mfg" --config "$tmp/noauth.conf" --check-config
sed 's/^admin_token_sha256 = .*/admin_token_sha256 = nothex/' \
    "$tmp/mfg.conf" >"$tmp/badhash.conf"
check_fails "a malformed token hash is refused" \
    "$mfg" --config "$tmp/badhash.conf" --check-config
sed '/^admin = /d' "$tmp/mfg.conf" >"$tmp/flag.conf"
check "--admin HOST:PORT on the command line" "$mfg" --config \
    "$tmp/flag.conf" --admin 127.0.0.1:0 --check-config

srv_start m "$mfg" serve --config "$tmp/flag.conf" --admin 127.0.0.1:0
adm=$m_admin
[ -n "$adm" ] && ok "admin listener from --admin: $adm" || bad "no admin URL"

# Three devices.
for n in 1 2 3; do
    check "di device $n" "$dev" di --url "$m_http" --cred "$tmp/dev$n.cred" \
        --serial "SN-$n" --model "model-$n"
    eval "g$n=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")"
done
unknown=00000000000000000000000000000001

# ---- health and authentication ----
NOAUTH=1 api GET "$adm/health"
expect_resp "/health without a token" 200 status=ok role=manufacturer db=ok
NOAUTH=1 api GET "$adm/api/v1/manufacturer/devices"
expect_resp "no token: 401" 401 error.code=unauthorized error.status=401
[ "$(header WWW-Authenticate)" = 'Bearer realm="zto-admin"' ] &&
    ok "WWW-Authenticate" || bad "WWW-Authenticate: $(header WWW-Authenticate)"
NOAUTH=1 api GET "$adm/api/v1/manufacturer/devices" -H "Authorization: Bearer x${token}"
expect_resp "bad token: 401" 401 error.code=unauthorized
NOAUTH=1 api GET "$adm/metrics"
expect_resp "/metrics needs the token" 401
grep -q "admin 127.0.0.1:[0-9]* GET /api/v1/manufacturer/devices: 401, no credentials" \
    "$tmp/m.err" && ok "401 logged with peer, route and reason" ||
    bad "401 log line"
grep -q "token does not match" "$tmp/m.err" && ok "bad token logged" ||
    bad "bad token log line"
grep -q -- "$token" "$tmp/m.err" && bad "token in the log" ||
    ok "the token never reaches the log"

# ---- devices ----
api GET "$adm/api/v1/manufacturer/devices"
expect_resp "list devices" 200 total=3 devices.#=3 devices.0.guid=$g1 \
    devices.0.serial=SN-1 devices.2.guid=$g3 devices.2.device_info=model-3 \
    devices.0.extended=null limit=100 offset=0
api GET "$adm/api/v1/manufacturer/devices?limit=2"
expect_resp "limit=2" 200 total=3 devices.#=2
api GET "$adm/api/v1/manufacturer/devices?limit=2&offset=2"
expect_resp "offset=2" 200 total=3 devices.#=1 devices.0.guid=$g3
api GET "$adm/api/v1/manufacturer/devices?since=2999-01-01T00:00:00Z"
expect_resp "since the future" 200 total=0 devices.#=0
api GET "$adm/api/v1/manufacturer/devices?since=0"
expect_resp "since 0" 200 total=3
api GET "$adm/api/v1/manufacturer/devices?limit=0"
expect_resp "limit=0 refused" 400 error.code=bad_query
api GET "$adm/api/v1/manufacturer/devices?since=yesterday"
expect_resp "bad since refused" 400 error.code=bad_query
api GET "$adm/api/v1/manufacturer/devices/$g2"
expect_resp "one device" 200 guid=$g2 serial=SN-2
api GET "$adm/api/v1/manufacturer/devices/$unknown"
expect_resp "unknown GUID: 404" 404 error.code=unknown_guid
api GET "$adm/api/v1/manufacturer/devices/xyz"
expect_resp "malformed GUID: 400" 400 error.code=bad_guid
api DELETE "$adm/api/v1/manufacturer/devices/$g2"
expect_resp "DELETE not allowed" 405 error.code=method_not_allowed
[ "$(header Allow)" = GET ] && ok "Allow: GET" || bad "Allow header"

# ---- vouchers ----
api GET "$adm/api/v1/manufacturer/vouchers/$g1"
[ "$status" = 200 ] && [ "$(header Content-Type)" = application/x-pem-file ] &&
    ok "voucher as PEM" || bad "voucher: $status $(header Content-Type)"
cp "$tmp/body" "$tmp/v1.pem"
check "exported voucher verifies with the device secret" \
    "$di_check" "$tmp/v1.pem" "$tmp/dev1.cred" 0
api GET "$adm/api/v1/manufacturer/vouchers/$unknown"
expect_resp "voucher of an unknown GUID: 404" 404 error.code=unknown_guid

owner_sha=$(key_sha256 "$pki/owner.pub.pem")
buyer_sha=$(key_sha256 "$tmp/buyer.pub.pem")
api POST "$adm/api/v1/manufacturer/vouchers/$g1/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.pub.pem"
[ "$status" = 200 ] && ok "extend to the owner" || bad "extend: $status"
cp "$tmp/body" "$tmp/v1.ext.pem"
check "extended voucher verifies, the owner is the last key" \
    "$di_check" "$tmp/v1.ext.pem" "$tmp/dev1.cred" 1 "$pki/owner.pub.pem"
api POST "$adm/api/v1/manufacturer/vouchers/$g1/extend" \
    -H 'Content-Type: text/plain' --data-binary @"$pki/owner.pub.pem"
[ "$status" = 200 ] && ok "extend again to the same owner" ||
    bad "extend again: $status"
api GET "$adm/api/v1/manufacturer/devices/$g1"
expect_resp "the extension is recorded" 200 \
    extended.owner_key_sha256=$owner_sha extended.count=2
api POST "$adm/api/v1/manufacturer/vouchers/$g1/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/buyer.pub.pem"
expect_resp "extend to another owner: 409" 409 error.code=already_extended
api POST "$adm/api/v1/manufacturer/vouchers/$g1/extend?reassign=true" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/buyer.pub.pem"
[ "$status" = 200 ] && ok "reassign=true hands it to another owner" ||
    bad "reassign: $status"
cp "$tmp/body" "$tmp/v1.buyer.pem"
check "reassigned voucher verifies for the buyer" \
    "$di_check" "$tmp/v1.buyer.pem" "$tmp/dev1.cred" 1 "$tmp/buyer.pub.pem"
api GET "$adm/api/v1/manufacturer/devices/$g1"
expect_resp "the record follows the new owner" 200 \
    extended.owner_key_sha256=$buyer_sha extended.count=1
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.key.pem"
expect_resp "a private key is refused" 400 error.code=private_key_refused
printf 'not a key' >"$tmp/junk.pem"
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/junk.pem"
expect_resp "garbage instead of a key" 400 error.code=bad_owner_key
head -c 100 "$pki/owner.pub.pem" >"$tmp/cut.pem"
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/cut.pem"
expect_resp "a truncated key" 400 error.code=bad_owner_key
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/p384.pub.pem"
expect_resp "a P-384 owner for a P-256 manufacturer" 400 \
    error.code=owner_key_unusable
api POST "$adm/api/v1/manufacturer/vouchers/$unknown/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.pub.pem"
expect_resp "extend an unknown GUID: 404" 404 error.code=unknown_guid
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" \
    -H 'Content-Type: application/json' --data-binary @"$pki/owner.pub.pem"
expect_resp "JSON where PEM is expected: 415" 415 error.code=unsupported_media_type
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" -H 'Content-Type: text/plain'
expect_resp "no body: 400" 400 error.code=body_required
api GET "$adm/api/v1/manufacturer/devices/$g2"
expect_resp "failed extensions left no record" 200 extended=null
head -c 9000 /dev/zero | tr '\0' A >"$tmp/big.pem"
api POST "$adm/api/v1/manufacturer/vouchers/$g2/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/big.pem"
expect_resp "body over admin_max_body: 413" 413 error.code=too_large

# ---- batch export ----
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g2\", \"$g3\"]}"
[ "$status" = 200 ] && [ "$(split_vouchers "$tmp/body" "$tmp/plain")" = 2 ] &&
    ok "export two vouchers" || bad "export: $status"
check "  first is device 2's" "$di_check" "$tmp/plain/1.pem" "$tmp/dev2.cred" 0
check "  second is device 3's" "$di_check" "$tmp/plain/2.pem" "$tmp/dev3.cred" 0
ownerjson=$(awk '{printf "%s\\n", $0}' "$pki/owner.pub.pem")
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g2\", \"$g3\"], \"owner_key\": \"$ownerjson\"}"
[ "$status" = 200 ] && [ "$(split_vouchers "$tmp/body" "$tmp/ext")" = 2 ] &&
    ok "export two vouchers extended to the owner" || bad "export ext: $status"
check "  device 2's, owned" "$di_check" "$tmp/ext/1.pem" "$tmp/dev2.cred" 1 \
    "$pki/owner.pub.pem"
check "  device 3's, owned" "$di_check" "$tmp/ext/2.pem" "$tmp/dev3.cred" 1 \
    "$pki/owner.pub.pem"
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g1\", \"$g2\"], \"owner_key\": \"$ownerjson\"}"
expect_resp "batch with one voucher owned by someone else: 409" 409 \
    error.code=already_extended
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g2\", \"$unknown\"]}"
expect_resp "batch with an unknown GUID: 404, nothing exported" 404 \
    error.code=unknown_guid
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g2\", \"nope\"]}"
expect_resp "batch with a malformed GUID" 400 error.code=bad_guid
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data '{"guids": []}'
expect_resp "empty batch" 400 error.code=bad_request
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g2\"], \"colour\": 1}"
expect_resp "unknown member" 400 error.code=bad_request
api POST "$adm/api/v1/manufacturer/vouchers/export" -H 'Content-Type: application/json' \
    --data "{\"guids\": [\"$g2\"]"
expect_resp "malformed JSON" 400 error.code=bad_json

# ---- metrics ----
coap=$m_coap4
check "di device 4 over CoAP" "$dev" di --url "$coap" --cred "$tmp/dev4.cred"
api GET "$adm/metrics"
[ "$status" = 200 ] && ok "/metrics with the token" || bad "/metrics $status"
if "$prom_lint" 'zto_fdo_runs_total{protocol="di",result="completed"}' \
    'zto_fdo_messages_total{transport="http",type="10"}' \
    'zto_vouchers_exported_total' 'zto_db_up' \
    'zto_build_info{role="manufacturer",version="0.1.0"}' \
    'zto_fdo_run_duration_seconds_count{protocol="di"}' \
    'zto_fdo_messages_total{transport="coap",type="12"}' \
    <"$tmp/body" >"$tmp/prom.out"; then
    ok "/metrics is valid Prometheus text"
    [ "$(tr '\n' ' ' <"$tmp/prom.out")" = "4 3 8 1 1 4 1 " ] &&
        ok "counters after 4 DI runs (one over CoAP) and 8 vouchers out" ||
        bad "metric values: $(tr '\n' ' ' <"$tmp/prom.out")"
else
    bad "/metrics does not parse"
fi

daemon_stop m
finish
