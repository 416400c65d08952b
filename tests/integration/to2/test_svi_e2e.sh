#!/bin/sh
# test_svi_e2e.sh BIN_DIR SOURCE_DIR - ServiceInfo with real processes on
# loopback: fdo-manufacturer (DI), fdo-owner serving HTTP and CoAP, and
# fdo-device onboarding straight to the owner (--owner URL), with a plan
# for every device:
#
#   download setup.sh -> command "sh setup.sh $(guid)" (writes out.bin,
#   prints) -> upload out.bin
#
# over HTTP and over CoAP, with a 300-byte ServiceInfo limit so output
# and upload span many rounds: the owner holds out.bin with the device's
# SHA-384 under svi_upload_dir/GUID and logged the script's output. Then
# a device in a group whose extra step is a failing command (no
# may_fail): TO2 ends with an ErrorMessage (255) naming the exit code,
# the device keeps its old credential, the owner lists the reason; and a
# device started with --no-command cannot run the plan.
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

mkdir "$tmp/svi" "$tmp/uploads"
cat >"$tmp/svi/setup.sh" <<'EOF2'
#!/bin/sh
# Runs on the device (fdo.command), in its working directory.
i=0
while [ $i -lt 40 ]; do
    echo "setup: step $i for $1"
    i=$((i + 1))
done
echo "device $1" >out.bin
head -c 5000 /dev/urandom >>out.bin
echo "setup: wrote out.bin" >&2
EOF2
cat >"$tmp/own.conf" <<EOF2
listen = http://127.0.0.1:0 coap://[::1]:0
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to0 = no
svi_dir = $tmp/svi
svi_upload_dir = $tmp/uploads
svi_upload_max = 65536
device_svi_mtu = 300
EOF2
check "owner config" "$own" serve --config "$tmp/own.conf" --check-config
check "plan: download the script" "$own" plan --config "$tmp/own.conf" add \
    --all download setup.sh setup.sh
check "plan: run it" "$own" plan --config "$tmp/own.conf" add --all \
    --stdout --stderr --timeout 60 command -- sh setup.sh '$(guid)'
check "plan: upload what it made" "$own" plan --config "$tmp/own.conf" add \
    --all upload out.bin
check "plan list" "$own" plan --config "$tmp/own.conf" list
expect "plan list shows the three steps" \
    "grep -q 'download  setup.sh -> setup.sh' '$tmp/last.out' &&
     grep -q 'command  command=sh  arg1=setup.sh  arg2=\$(guid)' '$tmp/last.out' &&
     grep -q 'upload  name=out.bin' '$tmp/last.out'"
check_fails "plan add: unknown kind is refused" "$own" plan \
    --config "$tmp/own.conf" add --all fdo.csv x
check_fails "plan add: a bad upload destination is refused" "$own" plan \
    --config "$tmp/own.conf" add --all upload out.bin ../out.bin
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

for via in http coap; do
    new_device "d-$via"
    eval "url=\$o_$via"
    check "$via: onboard (download, command, upload)" "$dev" onboard \
        --cred "$tmp/d-$via.cred" --owner "$url" \
        --download-dir "$tmp/dl-$via" --svi-size 300
    expect "$via: the device ran the command and sent the file" \
        "grep -q 'ran 1 command, last exit code 0' '$tmp/last.out' &&
         grep -q 'sent 1 file' '$tmp/last.out' &&
         grep -q 'new credential stored' '$tmp/last.out'"
    got=$tmp/uploads/$guid/out.bin
    expect "$via: the owner holds out.bin with the device's SHA-384" \
        "[ -f '$got' ] && [ \"\$(sha384sum <'$got')\" = \
           \"\$(sha384sum <'$tmp/dl-$via/out.bin')\" ]"
    expect "$via: ... made for this device (\$(guid) replaced)" \
        "head -1 '$got' | grep -qx 'device $guid'"
    expect "$via: the owner logged the script's output" \
        "grep -q 'GUID $guid: fdo.command stdout: setup: step 39 for $guid' \
            '$tmp/o.err' &&
         grep -q 'GUID $guid: fdo.command stderr: setup: wrote out.bin' \
            '$tmp/o.err'"
    expect "$via: every line of output logged once" \
        "[ \$(grep -c 'GUID $guid: fdo.command stdout' '$tmp/o.err') -eq 40 ]"
    rounds=$(sed -n "s/.*TO2 GUID $guid: ServiceInfo complete after \([0-9]*\) rounds.*/\1/p" \
        "$tmp/o.err")
    expect "$via: many rounds with the 300-byte limit ($rounds)" \
        "[ '${rounds:-0}' -gt 20 ]"
done

# ---- a failing command without may_fail ----
new_device bad
check "bad: put it in group 'broken'" "$own" group --config "$tmp/own.conf" \
    --guid "$guid" broken
check "plan: a failing command for group broken" "$own" plan \
    --config "$tmp/own.conf" add --group broken --stderr command -- \
    sh -c 'echo broken on purpose >&2; exit 7'
cp "$tmp/bad.cred" "$tmp/bad.before"
check_fails "bad: onboarding fails" "$dev" onboard --cred "$tmp/bad.cred" \
    --owner "$o_http" --download-dir "$tmp/dl-bad"
expect "bad: the device says why" \
    "grep -q 'onboarding failed: fdo.command: sh exited with code 7' \
        '$tmp/last.err'"
expect "bad: the old credential is in place" \
    "cmp -s '$tmp/bad.cred' '$tmp/bad.before'"
check "bad: owner list" "$own" list --config "$tmp/own.conf"
expect "bad: the owner lists the ErrorMessage and the reason" \
    "grep -A1 '^$guid  imported' '$tmp/last.out' |
     grep -q 'failed at .*device sent ErrorMessage 101 .*fdo.command: sh exited with code 7'"
expect "bad: the owner logged its stderr" \
    "grep -q 'GUID $guid: fdo.command stderr: broken on purpose' '$tmp/o.err'"
expect "bad: the first steps ran (upload of this device's file)" \
    "[ -f '$tmp/uploads/$guid/out.bin' ]"

# ---- commands refused by the device ----
new_device nocmd
cp "$tmp/nocmd.cred" "$tmp/nocmd.before"
check_fails "--no-command: onboarding fails" "$dev" onboard \
    --cred "$tmp/nocmd.cred" --owner "$o_http" --download-dir "$tmp/dl-no" \
    --no-command
expect "--no-command: the owner says the device lacks fdo.command" \
    "grep -q 'device does not support module fdo.command' '$tmp/last.err'"
expect "--no-command: credential unchanged" \
    "cmp -s '$tmp/nocmd.cred' '$tmp/nocmd.before'"

finish
