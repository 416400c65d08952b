#!/bin/sh
# test_demo.sh BIN_DIR SOURCE_DIR FDO_RELAY - the compose demo's device
# script (deploy/container/demo-device.sh) against the three servers on
# loopback, as the "device" container runs it against theirs: DI, the
# voucher extended and uploaded through the admin APIs, a ServiceInfo
# step added, onboarding through rendezvous; run again it does nothing;
# with a wrong admin token it stops with a clear error.
bin=$1
src=$2
srv_limit=200
. "$(dirname "$0")/../lib/common.sh"
relay=$3
script=$src/deploy/container/demo-device.sh

if ! command -v curl >/dev/null 2>&1; then
    echo "SKIP: curl not installed"
    exit 77
fi

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
"$bin/fdo-owner" hash-token --generate >"$tmp/tok"
sed -n 's/^token: //p' "$tmp/tok" >"$tmp/admin.token"
hash=$(sed -n 's/^admin_token_sha256 = //p' "$tmp/tok")
mkdir -p "$tmp/svi"
echo "hello from the test owner" >"$tmp/svi/hello.txt"

cat >"$tmp/rv.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/rv.db
trusted_owner_keys = $pki/owner.pub.pem
EOF
srv_start rv "$bin/fdo-rendezvous" --config "$tmp/rv.conf"
# The owner's address goes into its registrations before it is known:
# devices reach it through a relay that learns it.
srv_start rown "$relay" serve --listen http://127.0.0.1:0 \
    --upstream-file "$tmp/own.url"
cat >"$tmp/own.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to2_addresses = $rown_url
to0_poll = 1
svi_dir = $tmp/svi
admin = 127.0.0.1:0
admin_token_sha256 = $hash
EOF
srv_start own "$bin/fdo-owner" serve --config "$tmp/own.conf"
echo "$own_url" >"$tmp/own.url"
cat >"$tmp/mfg.conf" <<EOF
http = 127.0.0.1:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = ip=127.0.0.1,port=$(port_of "$rv_url"),protocol=http
admin = 127.0.0.1:0
admin_token_sha256 = $hash
EOF
srv_start mfg "$bin/fdo-manufacturer" serve --config "$tmp/mfg.conf"

# run_demo STATE TOKEN_FILE (a script: check runs it under timeout).
cat >"$tmp/run_demo" <<EOF
#!/bin/sh
exec env PATH="$bin:\$PATH" MFG_URL="$mfg_url" MFG_ADMIN="$mfg_admin" \\
    OWNER_ADMIN="$own_admin" TOKEN_FILE="\$2" \\
    OWNER_PUB="$pki/owner.pub.pem" STATE="\$1" WAIT=40 sh "$script"
EOF
chmod +x "$tmp/run_demo"
run_demo=$tmp/run_demo

check "demo-device.sh: DI, sale, onboarding" "$run_demo" "$tmp/dev" \
    "$tmp/admin.token"
sed 's/^/    /' "$tmp/last.out"
expect "the device holds the owner's file" \
    "cmp -s '$tmp/svi/hello.txt' '$tmp/dev/files/demo/hello.txt'"
expect "the device is marked onboarded" "[ -f '$tmp/dev/onboarded' ]"
expect "the owner served TO2" "grep -q 'TO2 GUID .*70 Done -> 71 Done2' \
    '$tmp/own.err'"
check "demo-device.sh again: nothing to do" "$run_demo" "$tmp/dev" \
    "$tmp/admin.token"
expect "... says so" "grep -q 'already onboarded' '$tmp/last.out'"

echo "not-the-token-0123456789" >"$tmp/bad.token"
check_fails "demo-device.sh with a wrong token fails" "$run_demo" "$tmp/dev2" \
    "$tmp/bad.token"
expect "... naming the refused call" \
    "grep -q 'voucher extension: HTTP 401' '$tmp/last.err'"

finish
