#!/bin/sh
# test_logs.sh BIN_DIR SOURCE_DIR FDO_RELAY - the servers' logs over a
# whole onboarding, every daemon at debug level:
#
#   - one info line per protocol step, naming the GUID and the message
#     types, on every server (DI 10/12, TO0 20/22, TO1 30/32, TO2 60, 62,
#     64, 66, 70);
#   - no secret anywhere: the device's HMAC secrets (before and after
#     TO2), every nonce that crossed the wire (recorded by relays between
#     the device, the owner and the servers), the private keys' PEM
#     lines;
#   - log targets: the journal's format when stderr is the journal
#     (JOURNAL_STREAM), timestamps otherwise or with log_target = stderr.
bin=$1
src=$2
srv_limit=200
. "$(dirname "$0")/../lib/common.sh"
relay=$3

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
mkdir -p "$tmp/wire" "$tmp/trust" "$tmp/files"
cp "$pki/owner.pub.pem" "$tmp/trust/"
printf 'configuration for the device\n' >"$tmp/files/op.txt"

# ---- rendezvous, behind a recording relay ----
cat >"$tmp/rv.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/rv.db
trusted_owner_keys = $tmp/trust
log_level = debug
log_target = stderr
EOF
srv_start rv "$bin/fdo-rendezvous" --config "$tmp/rv.conf"
srv_start rrv "$relay" serve --listen http://127.0.0.1:0 --upstream "$rv_url" \
    --record "$tmp/wire"

# ---- owner, behind a relay that learns the owner's URL later ----
srv_start rown "$relay" serve --listen http://127.0.0.1:0 \
    --upstream-file "$tmp/owner.url" --record "$tmp/wire"
cat >"$tmp/owner.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/owner.db
owner_keys = $pki/owner.key.pem
to2_addresses = $rown_url
to0_poll = 1
to0_wait_seconds = 3600
log_level = debug
EOF
check "plan: one file" "$bin/fdo-owner" plan --config "$tmp/owner.conf" \
    add --all download "$tmp/files/op.txt" etc/op.txt
srv_start own "$bin/fdo-owner" serve --config "$tmp/owner.conf"
echo "$own_url" >"$tmp/owner.url"

# ---- manufacturer, behind a relay; devices find rendezvous at its relay ----
cat >"$tmp/mfg.conf" <<EOF
http = 127.0.0.1:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = ip=127.0.0.1,port=$(port_of "$rrv_url"),protocol=http
log_level = debug
EOF
srv_start mfg "$bin/fdo-manufacturer" serve --config "$tmp/mfg.conf"
srv_start rmfg "$relay" serve --listen http://127.0.0.1:0 --upstream "$mfg_url" \
    --record "$tmp/wire"

# ---- the onboarding ----
cred=$tmp/dev.cred
check "DI through the relay" "$bin/fdo-device" di --url "$rmfg_url" \
    --cred "$cred" --serial SN-LOG-1
guid=$("$bin/fdo-device" show --cred "$cred" | awk '/^GUID/ {print $2}')
cp "$cred" "$tmp/cred.di"
check "voucher extended to the owner" "$bin/fdo-manufacturer" export \
    --config "$tmp/mfg.conf" --guid "$guid" \
    --extend-to "$pki/owner.pub.pem" -o "$tmp/ov.pem"
check "import" "$bin/fdo-owner" import --config "$tmp/owner.conf" \
    "$tmp/ov.pem"
checks=$((checks + 1))
if wait_for "$tmp/own.err" "TO0: registered GUID $guid" 150; then
    echo "ok: TO0 registered $guid"
else
    echo "FAIL: TO0 did not register"; fails=$((fails + 1))
fi
check "onboard (TO1 + TO2) through the relays" "$bin/fdo-device" onboard \
    --cred "$cred" --download-dir "$tmp/dl"
newg=$("$bin/fdo-device" show --cred "$cred" | awk '/^GUID/ {print $2}')
expect "the device has a new GUID" "[ -n '$newg' ] && [ '$newg' != '$guid' ]"

for s in mfg rv own; do
    srv_stop $s || { echo "FAIL: $s did not stop cleanly"; fails=$((fails + 1)); }
done
srv_stop rrv; srv_stop rown; srv_stop rmfg

# ---- one info line per step, with the GUID and the message types ----
step() { # LOG WHAT REGEX
    checks=$((checks + 1))
    if grep -q " INFO: $3" "$tmp/$1.err"; then
        echo "ok: $1 logs $2"
    else
        echo "FAIL: $1 does not log $2 (/$3/):"
        grep ' INFO: ' "$tmp/$1.err" | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}
step mfg "DI.AppStart" "DI GUID $guid: 10 AppStart .* -> 11 SetCredentials"
step mfg "DI.SetHMAC" "DI GUID $guid: 12 SetHMAC -> 13 Done"
step rv "TO0.Hello" "TO0 GUID -: 20 Hello -> 21 HelloAck"
step rv "TO0.OwnerSign" "TO0 GUID $guid: 22 OwnerSign -> 23 AcceptOwner"
step rv "TO1.HelloRV" "TO1 GUID $guid: 30 HelloRV -> 31 HelloRVAck"
step rv "TO1.ProveToRV" "TO1 GUID $guid: 32 ProveToRV -> 33 RVRedirect"
step own "TO0 (client)" "TO0: registered GUID $guid"
step own "TO2.HelloDevice" "TO2 GUID $guid: 60 HelloDevice .*-> 61 ProveOVHdr"
step own "TO2.GetOVNextEntry" "TO2 GUID $guid: 62 GetOVNextEntry -> 63"
step own "TO2.ProveDevice" "TO2 GUID $guid: 64 ProveDevice .*-> 65 SetupDevice"
step own "TO2.DeviceServiceInfoReady" \
    "TO2 GUID $guid: 66 DeviceServiceInfoReady .*-> 67"
step own "TO2.Done" "TO2 GUID $guid: 70 Done -> 71 Done2.*$newg"
expect "the servers logged at debug level too" \
    "grep -q ' DEBUG: ' '$tmp/mfg.err' && grep -q ' DEBUG: ' '$tmp/rv.err' &&
     grep -q ' DEBUG: ' '$tmp/own.err'"

# ---- no secrets ----
logs="$tmp/mfg.err $tmp/rv.err $tmp/own.err"
secret_absent() { # WHAT VALUE
    checks=$((checks + 1))
    if [ -z "$2" ]; then
        echo "FAIL: $1: nothing to look for"; fails=$((fails + 1))
    # shellcheck disable=SC2086
    elif grep -qiF -- "$2" $logs; then
        echo "FAIL: $1 appears in a log:"
        # shellcheck disable=SC2086
        grep -iF -- "$2" $logs | sed 's/^/    /'
        fails=$((fails + 1))
    fi
}
secret_absent "HMAC secret of DI" "$("$relay" cred-secret "$tmp/cred.di")"
secret_absent "HMAC secret of TO2" "$("$relay" cred-secret "$cred")"
"$relay" nonces "$tmp"/wire/*.cbor | sort -u |
    grep -v -e "^$guid\$" -e "^$newg\$" >"$tmp/nonces"
n=$(wc -l <"$tmp/nonces")
# NonceTO0Sign, NonceTO1Proof, NonceTO2ProveOV, NonceTO2ProveDv,
# NonceTO2SetupDv at least.
expect "the relays saw the nonces in clear ($n)" "[ $n -ge 5 ]"
while read -r nonce; do
    secret_absent "nonce $nonce" "$nonce"
done <"$tmp/nonces"
for k in manufacturer device-ca owner; do
    grep -v -- '-----' "$pki/$k.key.pem" >"$tmp/key.lines"
    while read -r line; do
        secret_absent "a line of $k.key.pem" "$line"
    done <"$tmp/key.lines"
done
echo "ok: looked for 2 HMAC secrets, $n nonces and 3 private keys"

# ---- log targets ----
cat >"$tmp/rv2.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/rv2.db
allow_all = yes
EOF
# stderr is the journal: priority prefix, no timestamp.
: >"$tmp/rvj.err"
srv_start rvj env JOURNAL_STREAM="$(stat -c '%d:%i' "$tmp/rvj.err")" \
    "$bin/fdo-rendezvous" --config "$tmp/rv2.conf"
srv_stop rvj
expect "journald: '<6>INFO: listening on'" \
    "grep -q '^<6>INFO: listening on http://127.0.0.1:' '$tmp/rvj.err'"
expect "journald: warnings as <4>" \
    "grep -q '^<4>WARN: trust policy: allow_all' '$tmp/rvj.err'"
# Another file in JOURNAL_STREAM (an inherited variable): stderr format.
srv_start rvs env JOURNAL_STREAM=1:1 "$bin/fdo-rendezvous" --config "$tmp/rv2.conf"
srv_stop rvs
expect "not the journal: timestamped lines" \
    "grep -q '^20[0-9-]*T[0-9:.]*Z fdo-rendezvous INFO: listening on' \
     '$tmp/rvs.err'"
echo "log_target = stderr" >>"$tmp/rv2.conf"
: >"$tmp/rvt.err"
srv_start rvt env JOURNAL_STREAM="$(stat -c '%d:%i' "$tmp/rvt.err")" \
    "$bin/fdo-rendezvous" --config "$tmp/rv2.conf"
srv_stop rvt
expect "log_target = stderr: timestamped even on the journal" \
    "grep -q 'Z fdo-rendezvous INFO: listening on' '$tmp/rvt.err' &&
     ! grep -q '^<' '$tmp/rvt.err'"
sed -i 's/^log_target = stderr/log_target = syslog/' "$tmp/rv2.conf"
srv_start rvl "$bin/fdo-rendezvous" --config "$tmp/rv2.conf"
srv_stop rvl
expect "log_target = syslog: nothing on stderr" \
    "! grep -q 'listening on' '$tmp/rvl.err'"
sed -i 's/^log_target = syslog/log_target = loud/' "$tmp/rv2.conf"
check_fails "log_target = loud is refused" "$bin/fdo-rendezvous" \
    --config "$tmp/rv2.conf" --check-config

finish
