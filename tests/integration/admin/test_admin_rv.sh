#!/bin/sh
# test_admin_rv.sh BIN_DIR SRC_DIR JSON_GET PROM_LINT RV_TOOL - the
# rendezvous server's admin API against a real fdo-rendezvous on loopback:
# registrations made by TO0 (rv_tool) for devices made by real DI, trust
# list changes through the API and their effect on TO0 and TO1, their
# survival across a restart and SIGHUP, bad input, and /metrics.
bin=$1 src=$2 json_get=$3 prom_lint=$4 rvtool=$5
. "$(dirname "$0")/lib.sh"
rv="$bin/fdo-rendezvous"
mfg="$bin/fdo-manufacturer"
dev="$bin/fdo-device"

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
mkdir -p "$tmp/owners"
cp "$pki/owner.pub.pem" "$tmp/owners/"
owner_sha=$(key_sha256 "$pki/owner.pub.pem")
owner2_sha=$(key_sha256 "$pki/owner2.pub.pem")
mfg_sha=$(key_sha256 "$pki/manufacturer.pub.pem")
token=rendezvous-admin-token-0123
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

cat >"$tmp/rv.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/rv.db
trusted_owner_keys = $tmp/owners
trusted_manufacturer_keys = $pki/manufacturer.pub.pem
admin = 127.0.0.1:0
admin_token_sha256 = $hash
EOF
check "--check-config with the admin keywords" "$rv" --config "$tmp/rv.conf" \
    --check-config
srv_start r "$rv" --config "$tmp/rv.conf"
adm=$r_admin
port=$(port_of "$r_http")

cat >"$tmp/mfg.conf" <<EOF
http = 127.0.0.1:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = ip=127.0.0.1,port=$port,protocol=http
EOF
srv_start m "$mfg" serve --config "$tmp/mfg.conf"
for n in 1 2; do
    check "di device $n" "$dev" di --url "$m_http" --cred "$tmp/dev$n.cred"
    eval "g$n=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")"
done
check "voucher 1 extended to owner" "$mfg" export --config "$tmp/mfg.conf" \
    --guid "$g1" --extend-to "$pki/owner.pub.pem" -o "$tmp/v1.pem"
check "voucher 2 extended to owner2" "$mfg" export --config "$tmp/mfg.conf" \
    --guid "$g2" --extend-to "$pki/owner2.pub.pem" -o "$tmp/v2.pem"
daemon_stop m

to0() { # VOUCHER OWNER_KEY: exit status of rv_tool to0
    timeout 60 "$rvtool" to0 --rv "$r_http" --voucher "$1" --owner-key "$2" \
        --owner http://127.0.0.1:8042 --wait 3600 >"$tmp/to0.out" 2>&1
}
expect_to0() { # WHAT VOUCHER KEY STATUS
    to0 "$2" "$3"
    st=$?
    [ "$st" = "$4" ] && ok "$1" || { bad "$1 (exit $st)"; cat "$tmp/to0.out"; }
}
expect_to0 "TO0 by the trusted owner" "$tmp/v1.pem" "$pki/owner.key.pem" 0
expect_to0 "TO0 by owner2 refused (not trusted)" "$tmp/v2.pem" \
    "$pki/owner2.key.pem" 3

# ---- auth ----
NOAUTH=1 api GET "$adm/health"
expect_resp "/health" 200 status=ok role=rendezvous db=ok
NOAUTH=1 api GET "$adm/api/v1/rendezvous/trust"
expect_resp "no token: 401" 401 error.code=unauthorized
grep -q "GET /api/v1/rendezvous/trust: 401, no credentials" "$tmp/r.err" &&
    ok "401 logged" || bad "401 log line"

# ---- trust ----
api GET "$adm/api/v1/rendezvous/trust"
expect_resp "trust policy" 200 allow_all=false owner_keys.configured=true \
    owner_keys.keys.#=1 owner_keys.keys.0.sha256=$owner_sha \
    owner_keys.keys.0.source=config owner_keys.keys.0.type=ecdsa-p256 \
    manufacturer_keys.keys.0.sha256=$mfg_sha device_cas.configured=false
api POST "$adm/api/v1/rendezvous/trust/owner-keys?note=reseller+ACME" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner2.pub.pem"
expect_resp "owner2 trusted through the API" 201 sha256=$owner2_sha source=api \
    "note=reseller ACME"
api GET "$adm/api/v1/rendezvous/trust"
expect_resp "... listed" 200 owner_keys.keys.#=2 owner_keys.keys.1.source=api \
    owner_keys.keys.1.sha256=$owner2_sha owner_keys.keys.1.effective=true
expect_to0 "TO0 by owner2 now accepted" "$tmp/v2.pem" "$pki/owner2.key.pem" 0
api POST "$adm/api/v1/rendezvous/trust/owner-keys" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner2.pub.pem"
expect_resp "the same key twice: 409" 409 error.code=already_trusted
api POST "$adm/api/v1/rendezvous/trust/owner-keys" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.pub.pem"
expect_resp "a key of the configuration: 409" 409 error.code=already_trusted
api POST "$adm/api/v1/rendezvous/trust/owner-keys" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.key.pem"
expect_resp "a private key: 400" 400 error.code=private_key_refused
printf 'garbage' >"$tmp/junk.pem"
api POST "$adm/api/v1/rendezvous/trust/manufacturer-keys" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$tmp/junk.pem"
expect_resp "garbage: 400" 400 error.code=bad_key
api POST "$adm/api/v1/rendezvous/trust/device-cas" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.pub.pem"
expect_resp "unknown list: 404" 404 error.code=unknown_list
api DELETE "$adm/api/v1/rendezvous/trust/owner-keys/$owner_sha"
expect_resp "removing a configured key: 409" 409 error.code=config_entry
api DELETE "$adm/api/v1/rendezvous/trust/owner-keys/$mfg_sha"
expect_resp "removing a key that is not there: 404" 404 error.code=not_found
api DELETE "$adm/api/v1/rendezvous/trust/owner-keys/nothex"
expect_resp "a malformed key hash: 400" 400 error.code=bad_key_hash

# ---- registrations ----
api GET "$adm/api/v1/rendezvous/registrations"
expect_resp "two registrations" 200 total=2 registrations.#=2 \
    registrations.0.#=5
first=$(jget registrations.0.guid)
[ "$first" = "$g1" ] || [ "$first" = "$g2" ] && ok "registered GUIDs" ||
    bad "registered GUIDs: $first"
api GET "$adm/api/v1/rendezvous/registrations/$g1"
expect_resp "registration of device 1" 200 guid=$g1 owner_key_sha256=$owner_sha
grep -q 'BEGIN\|device_key"' "$tmp/body" && bad "a key in full" ||
    ok "no key or blob in full"
api GET "$adm/api/v1/rendezvous/registrations/$g2"
expect_resp "registration of device 2" 200 owner_key_sha256=$owner2_sha
api GET "$adm/api/v1/rendezvous/registrations?limit=1&offset=1"
expect_resp "paged" 200 total=2 registrations.#=1
api GET "$adm/api/v1/rendezvous/registrations/00000000000000000000000000000001"
expect_resp "unknown GUID: 404" 404 error.code=unknown_guid
api GET "$adm/api/v1/rendezvous/registrations/zz"
expect_resp "malformed GUID: 400" 400 error.code=bad_guid
check "TO1 for device 1 finds its owner" "$rvtool" to1 --cred "$tmp/dev1.cred"
api DELETE "$adm/api/v1/rendezvous/registrations/$g1"
[ "$status" = 204 ] && ok "registration revoked" || bad "revoke: $status"
timeout 60 "$rvtool" to1 --cred "$tmp/dev1.cred" >"$tmp/to1.out" 2>&1
st=$?
[ $st = 3 ] && grep -q '^refused 6 ' "$tmp/to1.out" &&
    ok "TO1 for device 1 now refused (6)" ||
    { bad "TO1 after revocation (exit $st)"; cat "$tmp/to1.out"; }
api DELETE "$adm/api/v1/rendezvous/registrations/$g1"
expect_resp "revoking twice: 404" 404 error.code=unknown_guid

# ---- persistence: restart, SIGHUP, removal ----
daemon_stop r
srv_start r "$rv" --config "$tmp/rv.conf"
adm=$r_admin
api GET "$adm/api/v1/rendezvous/trust"
expect_resp "the API entry survives a restart" 200 owner_keys.keys.#=2 \
    owner_keys.keys.1.sha256=$owner2_sha
kill -HUP "$r_child"
sleep 0.5
expect_to0 "TO0 by owner2 after restart and SIGHUP" "$tmp/v2.pem" \
    "$pki/owner2.key.pem" 0
api DELETE "$adm/api/v1/rendezvous/trust/owner-keys/$owner2_sha"
[ "$status" = 204 ] && ok "owner2 removed" || bad "remove owner2: $status"
expect_to0 "TO0 by owner2 refused again" "$tmp/v2.pem" "$pki/owner2.key.pem" 3
api GET "$adm/api/v1/rendezvous/trust"
expect_resp "... and gone from the list" 200 owner_keys.keys.#=1

# ---- metrics ----
api GET "$adm/metrics"
if "$prom_lint" 'zto_fdo_runs_total{protocol="to0",result="completed"}' \
    'zto_to0_registrations_total' 'zto_fdo_errors_sent_total{code="2"}' \
    'zto_build_info{role="rendezvous",version="0.1.0"}' \
    <"$tmp/body" >"$tmp/prom.out"; then
    ok "/metrics is valid Prometheus text"
    # After the restart: one TO0 accepted, one refused.
    [ "$(tr '\n' ' ' <"$tmp/prom.out")" = "1 1 1 1 " ] &&
        ok "TO0 counters" || bad "metric values: $(tr '\n' ' ' <"$tmp/prom.out")"
else
    bad "/metrics does not parse"
fi
daemon_stop r

# ---- a policy without owner list: the API cannot invent one ----
cat >"$tmp/all.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/all.db
allow_all = yes
admin = 127.0.0.1:0
admin_token_sha256 = $hash
EOF
srv_start a "$rv" --config "$tmp/all.conf"
api POST "$a_admin/api/v1/rendezvous/trust/owner-keys" \
    -H 'Content-Type: application/x-pem-file' --data-binary @"$pki/owner.pub.pem"
expect_resp "allow_all: no owner list to extend" 409 error.code=list_not_configured
api GET "$a_admin/api/v1/rendezvous/trust"
expect_resp "allow_all shown" 200 allow_all=true owner_keys.configured=false
daemon_stop a
finish
