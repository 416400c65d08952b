#!/bin/sh
# test_wget_e2e.sh BIN_DIR SOURCE_DIR - fdo.wget with real processes on
# loopback: fdo-manufacturer (DI), fdo-owner, a small HTTP file server
# (http_files) and fdo-device onboarding straight to the owner.
#
#   - the plan for every device: wget payload.bin (about 400 KiB) with its
#     SHA-384 and length, then the same file again through a redirect
#     without a hash: both arrive in the download directory, byte for
#     byte, and the device says it fetched 2 files;
#   - a device of group "badhash" gets one more step with a wrong
#     SHA-384: TO2 fails, the device names the mismatch, the owner lists
#     the reason, the file is not there and no temporary file is left,
#     the old credential stays;
#   - https: a device of group "tls" fetches from an HTTPS file server
#     whose certificate it checks against --ca (the test CA), and fails
#     with a verification error against an unrelated CA, keeping nothing;
#   - a device started with --no-wget cannot run the plan: the owner says
#     the device lacks fdo.wget.
bin=$1
src=$2
srv_limit=120
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../di/lib.sh"
dev="$bin/fdo-device"
own="$bin/fdo-owner"
mfg="$bin/fdo-manufacturer"

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
write_http_conf "$tmp/mfg.conf" "$pki" "$tmp/mfg.db" \
    dns=rv.invalid,port=8041,protocol=http
mfg_start m "$tmp/mfg.conf"

mkdir "$tmp/www"
head -c 409600 /dev/urandom >"$tmp/www/payload.bin"
len=$(wc -c <"$tmp/www/payload.bin" | tr -d ' ')
sha=$(sha384sum <"$tmp/www/payload.bin" | cut -c1-96)
wrong=$(printf '%s' "$sha" | tr '0-9a-f' '1-9a-f0')
srv_start f "$bin/http_files" "$tmp/www"
certs=$src/tests/integration/certs
srv_start fs "$bin/http_files" "$tmp/www" "$certs/server.pem" \
    "$certs/server.key.pem"

cat >"$tmp/own.conf" <<EOF2
listen = http://127.0.0.1:0
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to0 = no
EOF2
check "plan: wget with hash and length" "$own" plan \
    --config "$tmp/own.conf" add --all --sha384 "$sha" --length "$len" \
    wget "$f_url/payload.bin" files/payload.bin
check "plan: wget through a redirect" "$own" plan --config "$tmp/own.conf" \
    add --all wget "$f_url/redirect/payload.bin" again.bin
check "plan list" "$own" plan --config "$tmp/own.conf" list
expect "plan list shows the wget steps" \
    "grep -q 'wget  url=$f_url/payload.bin  name=files/payload.bin  sha384=$sha  length=$len' '$tmp/last.out' &&
     grep -q 'wget  url=$f_url/redirect/payload.bin  name=again.bin' '$tmp/last.out'"
check_fails "plan add: a bad hash is refused" "$own" plan \
    --config "$tmp/own.conf" add --all --sha384 abc wget "$f_url/x" x
check_fails "plan add: ftp is refused" "$own" plan --config "$tmp/own.conf" \
    add --all wget ftp://127.0.0.1/x x
check_fails "plan add: --sha384 goes with wget only" "$own" plan \
    --config "$tmp/own.conf" add --all --sha384 "$sha" upload x
srv_start o "$own" serve --config "$tmp/own.conf" --log-level info

# DI, voucher to the owner; sets $guid.
new_device() { # NAME
    check "$1: DI" "$dev" di --url "$m_http" --cred "$tmp/$1.cred"
    guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
    check "$1: voucher extended to the owner" "$mfg" export \
        --config "$tmp/mfg.conf" --guid "$guid" \
        --extend-to "$pki/owner.pub.pem" -o "$tmp/$1.pem"
    check "$1: import" "$own" import --config "$tmp/own.conf" "$tmp/$1.pem"
}

new_device good
check "good: onboard (two wget steps)" "$dev" onboard --cred "$tmp/good.cred" \
    --owner "$o_http" --download-dir "$tmp/dl-good"
expect "good: the device fetched two files" \
    "grep -q 'fetched 2 files by URL' '$tmp/last.out' &&
     grep -q 'new credential stored' '$tmp/last.out'"
expect "good: payload.bin arrived whole" \
    "cmp -s '$tmp/www/payload.bin' '$tmp/dl-good/files/payload.bin'"
expect "good: ... with the right hash" \
    "[ \"\$(sha384sum <'$tmp/dl-good/files/payload.bin' | cut -c1-96)\" = '$sha' ]"
expect "good: the redirected copy too" \
    "cmp -s '$tmp/www/payload.bin' '$tmp/dl-good/again.bin'"
expect "good: the owner logged the byte count" \
    "grep -q 'GUID $guid: fdo.wget: $len bytes retrieved' '$tmp/o.err'"

# ---- a wrong hash ----
new_device bad
check "bad: put it in group 'badhash'" "$own" group --config "$tmp/own.conf" \
    --guid "$guid" badhash
check "plan: a wrong hash for group badhash" "$own" plan \
    --config "$tmp/own.conf" add --group badhash --sha384 "$wrong" \
    wget "$f_url/payload.bin" bad.bin
cp "$tmp/bad.cred" "$tmp/bad.before"
check_fails "bad: onboarding fails" "$dev" onboard --cred "$tmp/bad.cred" \
    --owner "$o_http" --download-dir "$tmp/dl-bad"
expect "bad: the device names the mismatch" \
    "grep -q 'fdo.wget: device reported: SHA-384 mismatch' '$tmp/last.err'"
expect "bad: no bad.bin, no temporary file" \
    "[ ! -e '$tmp/dl-bad/bad.bin' ] &&
     [ -z \"\$(ls -A '$tmp/dl-bad' | grep '^\\.')\" ]"
expect "bad: the steps before it ran" \
    "cmp -s '$tmp/www/payload.bin' '$tmp/dl-bad/again.bin'"
expect "bad: the old credential is in place" \
    "cmp -s '$tmp/bad.cred' '$tmp/bad.before'"
check "bad: owner list" "$own" list --config "$tmp/own.conf"
expect "bad: the owner lists the reason" \
    "grep -A1 '^$guid  imported' '$tmp/last.out' |
     grep -q 'fdo.wget: device reported: SHA-384 mismatch'"

# ---- https ----
new_device tls
check "tls: put it in group 'tls'" "$own" group --config "$tmp/own.conf" \
    --guid "$guid" tls
check "plan: wget over https for group tls" "$own" plan \
    --config "$tmp/own.conf" add --group tls --sha384 "$sha" \
    wget "$fs_url/payload.bin" tls.bin
cp "$tmp/tls.cred" "$tmp/tls.before"
check_fails "tls: an unrelated CA: onboarding fails" "$dev" onboard \
    --cred "$tmp/tls.cred" --owner "$o_http" --download-dir "$tmp/dl-tls" \
    --ca "$certs/other-ca.pem"
expect "tls: ... on the certificate" \
    "grep -q 'fdo.wget: device reported: TLS with 127.0.0.1: certificate verify failed' '$tmp/last.err'"
expect "tls: ... keeping nothing" \
    "[ ! -e '$tmp/dl-tls/tls.bin' ] && cmp -s '$tmp/tls.cred' '$tmp/tls.before'"
check "tls: the test CA: onboard" "$dev" onboard --cred "$tmp/tls.cred" \
    --owner "$o_http" --download-dir "$tmp/dl-tls" --ca "$certs/ca.pem"
expect "tls: the file arrived over https" \
    "grep -q 'fetched 3 files by URL' '$tmp/last.out' &&
     cmp -s '$tmp/www/payload.bin' '$tmp/dl-tls/tls.bin'"

# ---- wget refused by the device ----
new_device nowget
check_fails "--no-wget: onboarding fails" "$dev" onboard \
    --cred "$tmp/nowget.cred" --owner "$o_http" --download-dir "$tmp/dl-no" \
    --no-wget
expect "--no-wget: the owner says the device lacks fdo.wget" \
    "grep -q 'device does not support module fdo.wget' '$tmp/last.err'"
expect "--no-wget: nothing fetched" "[ ! -e '$tmp/dl-no/files/payload.bin' ]"

finish
