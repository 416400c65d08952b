#!/bin/sh
# test_hook_e2e.sh BIN_DIR SOURCE_DIR JSON_GET CRASH(0|1) - onboarded_hook
# with real processes on loopback (fdo-manufacturer, fdo-owner,
# fdo-device over HTTP, no rendezvous):
#
#   - refusals at --check-config: a relative path, a missing file, one
#     not executable, one writable by group or by others
#   - an onboarding with an fdo.csr certificate: the hook runs within a
#     few seconds with exactly the documented environment (GUIDs, reuse,
#     time, certificate serial, PATH), its output is logged, the row goes
#   - a hook that fails once: retried after the (test-short) backoff,
#     then the row is gone; counted ok and failed in /metrics
#   - a hook that outlives onboarded_hook_timeout: killed, counted as a
#     timeout, retried until marked failed (GET /hooks), then run again
#     by POST /hooks/retry
#   - with CRASH=1 (a ZTO_TEST_HOOKS build): the owner SIGKILLed right
#     after the commit that ends TO2; restarted, it runs the hook exactly
#     once for that device
#   - credential reuse: ZTO_REUSED=yes, the same GUID twice
#   - two owner processes sharing the database: the hook runs once (each
#     run leases its row)
#   - without onboarded_hook no row is written
bin=$1
src=$2
json_get=$3
crash=$4
. "$(dirname "$0")/../admin/lib.sh"
. "$(dirname "$0")/../di/lib.sh"
dev="$bin/fdo-device"
own="$bin/fdo-owner"
mfg="$bin/fdo-manufacturer"
t_start=$(date +%s)

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
token=owner-hook-token-0123456789
hash=$(printf %s "$token" | sha256sum | cut -d' ' -f1)

# The hook: one environment file per run (hk/env.GUID.N), then what
# hk/mode says: ok, fail-once (exit 1 on a GUID's first run), sleep.
hk=$tmp/hk
mkdir -p "$hk"
echo ok >"$hk/mode"
cat >"$hk/hook" <<EOF
#!/bin/sh
n=\$(cat "$hk/count.\$ZTO_GUID" 2>/dev/null || echo 0)
n=\$((n + 1))
echo \$n >"$hk/count.\$ZTO_GUID"
env | sort >"$hk/env.\$ZTO_GUID.\$n.tmp"
mv "$hk/env.\$ZTO_GUID.\$n.tmp" "$hk/env.\$ZTO_GUID.\$n"
case \$(cat "$hk/mode") in
fail-once) [ \$n -eq 1 ] && { echo "first run fails"; exit 1; } ;;
sleep) sleep 30 ;;
slow) sleep 2 ;;
esac
echo "reported \$ZTO_GUID"
echo "second line" >&2
EOF
chmod 755 "$hk/hook"

own_conf() { # FILE HOOK_LINES...
    f=$1
    shift
    cat >"$f" <<EOF
listen = http://127.0.0.1:0
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to0 = no
admin = 127.0.0.1:0
admin_token_sha256 = $hash
csr_ca_chain = $pki/ops-ca.chain.pem
csr_ca_key = $pki/ops-ca.key.pem
EOF
    for l in "$@"; do echo "$l" >>"$f"; done
}

# ---- refusals ----
cp "$hk/hook" "$tmp/noexec"
chmod 644 "$tmp/noexec"
cp "$hk/hook" "$tmp/gw"
chmod 775 "$tmp/gw"
cp "$hk/hook" "$tmp/ow"
chmod 757 "$tmp/ow"
for case in "hook:relative path" "$tmp/missing:No such file" \
    "$tmp/noexec:not an executable" "$tmp/gw:writable by group or others" \
    "$tmp/ow:writable by group or others"; do
    p=${case%%:*}
    own_conf "$tmp/bad.conf" "onboarded_hook = $p"
    check_fails "onboarded_hook = $p refused" "$own" serve \
        --config "$tmp/bad.conf" --check-config
    expect "... naming the problem (${case#*:})" \
        "grep -q 'onboarded_hook' '$tmp/last.err' && grep -q '${case#*:}\|absolute' '$tmp/last.err'"
done
own_conf "$tmp/bad.conf" "onboarded_hook = $hk/hook" \
    "onboarded_hook_timeout = 0"
check_fails "onboarded_hook_timeout = 0 refused" "$own" serve \
    --config "$tmp/bad.conf" --check-config

own_conf "$tmp/own.conf" "onboarded_hook = $hk/hook" \
    "onboarded_hook_timeout = 1" "onboarded_hook_retries = 2"
check "owner --check-config with onboarded_hook" "$own" serve \
    --config "$tmp/own.conf" --check-config
check "plan: an operational certificate" "$own" plan \
    --config "$tmp/own.conf" add --all csr

write_conf "$tmp/mfg.conf" "$pki" "$tmp/mfg.db"
mfg_start m "$tmp/mfg.conf"

# new_device NAME: DI, voucher extended to the owner and imported; sets
# guid.
new_device() {
    "$dev" di --url "$m_http" --cred "$tmp/$1.cred" \
        --key-type p256 >"$tmp/nd.out" 2>&1 || { bad "$1: DI"; return 1; }
    guid=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/nd.out")
    "$mfg" export --config "$tmp/mfg.conf" --guid "$guid" \
        --extend-to "$pki/owner.pub.pem" -o "$tmp/$guid.pem" 2>/dev/null &&
        "$own" import --config "$tmp/own.conf" "$tmp/$guid.pem" \
            >/dev/null 2>&1 || { bad "$1: voucher import"; return 1; }
}

# onboard NAME [fdo-device args]: TO2 at the owner; sets newg.
onboard() {
    n=$1
    shift
    check "$n: onboard over HTTP" "$dev" onboard --cred "$tmp/$n.cred" \
        --owner "$o_http" --download-dir "$tmp/dl" "$@"
    newg=$(sed -n 's/.*new credential stored in .*, GUID \([0-9a-f]*\)$/\1/p' \
        "$tmp/last.out")
}

# metric NAME: its value in the last body.
metric() {
    grep "^$1 " "$tmp/body" | cut -d' ' -f2
}

export ZTO_TEST_HOOK_BACKOFF=1
srv_start o "$own" serve --config "$tmp/own.conf"

# ---- 1. the environment ----
new_device d1
g1=$guid
onboard d1 --opcred-dir "$tmp/op1" --opcred-key p256
t0=$(date +%s)
wait_for "$hk/env.$g1.1" '^ZTO_EVENT=' 50
t1=$(date +%s)
expect "d1: the hook ran within 5 s ($((t1 - t0)) s)" "[ -f '$hk/env.$g1.1' ]"
serial=$(openssl x509 -in "$tmp/op1/opcred-cert.pem" -noout -serial |
    sed 's/^serial=//' | tr 'A-F' 'a-f')
e=$hk/env.$g1.1
expect_match "d1: ZTO_EVENT" '^ZTO_EVENT=onboarded$' "$e"
expect_match "d1: ZTO_GUID" "^ZTO_GUID=$g1\$" "$e"
expect_match "d1: ZTO_NEW_GUID (the device's new GUID)" \
    "^ZTO_NEW_GUID=$newg\$" "$e"
expect "d1: the GUID changed" "[ -n '$newg' ] && [ '$newg' != '$g1' ]"
expect_match "d1: ZTO_REUSED" '^ZTO_REUSED=no$' "$e"
expect_match "d1: ZTO_ONBOARDED_AT is RFC 3339 UTC" \
    '^ZTO_ONBOARDED_AT=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$e"
at=$(sed -n 's/^ZTO_ONBOARDED_AT=//p' "$e")
at_s=$(date -u -d "$at" +%s 2>/dev/null || echo 0)
expect "d1: ... and is the time of the onboarding" \
    "[ $at_s -ge $((t0 - 60)) ] && [ $at_s -le $t1 ]"
expect_match "d1: ZTO_CERT_SERIAL is the certificate fdo.csr issued" \
    "^ZTO_CERT_SERIAL=0*${serial#"${serial%%[!0]*}"}\$" "$e"
expect_match "d1: PATH" '^PATH=/usr/bin:/bin$' "$e"
# Nothing else but what sh itself sets.
expect "d1: no other variable (no key, nonce or token)" \
    "! grep -vE '^(ZTO_EVENT|ZTO_GUID|ZTO_NEW_GUID|ZTO_REUSED|ZTO_ONBOARDED_AT|ZTO_CERT_SERIAL|PATH|PWD|OLDPWD|SHLVL|_)=' '$e'"
wait_for "$tmp/o.err" "onboarded_hook for GUID $g1.*exit status 0" 30
expect_match "d1: exit status and output logged on one line" \
    "onboarded_hook for GUID $g1 \\(new $newg\\): exit status 0; output: \"reported $g1 second line\"" \
    "$tmp/o.err"
sleep 1
api GET "$o_admin/api/v1/owner/hooks"
expect_resp "d1: GET /hooks: the row is gone" 200 total=0 enabled=true

# ---- 2. a hook that fails once ----
echo fail-once >"$hk/mode"
new_device d2
g2=$guid
onboard d2
wait_for "$hk/env.$g2.2" '^ZTO_EVENT=' 80
expect "d2: run twice" "[ -f '$hk/env.$g2.2' ] && [ ! -f '$hk/env.$g2.3' ]"
expect_match "d2: the failure logged with its output and the retry" \
    "onboarded_hook for GUID $g2 .*exit status 1; output: \"first run fails\"; retry 1 of 2" \
    "$tmp/o.err"
wait_for "$tmp/o.err" "onboarded_hook for GUID $g2 .*exit status 0" 30
sleep 1
api GET "$o_admin/api/v1/owner/hooks"
expect_resp "d2: GET /hooks: the row is gone after the retry" 200 total=0
api GET "$o_admin/metrics"
expect "d2: metrics: ok 2, failed 1" \
    "[ '$(metric 'zto_onboarded_hook_runs_total{result="ok"}')' = 2 ] && [ '$(metric 'zto_onboarded_hook_runs_total{result="failed"}')' = 1 ]"
expect "d2: metrics: nothing pending" \
    "[ '$(metric zto_onboarded_hook_pending)' = 0 ]"

# ---- 3. a hook that outlives the timeout ----
echo sleep >"$hk/mode"
new_device d3
g3=$guid
onboard d3
wait_for "$tmp/o.err" "onboarded_hook for GUID $g3 .*timed out after 1 s" 50
expect_match "d3: killed after 1 s, retry planned" \
    "onboarded_hook for GUID $g3 .*timed out after 1 s; output: \"\"; retry 1 of 2" \
    "$tmp/o.err"
# 3 runs of 1 s with waits of 1 and 2 s: marked failed.
wait_for "$tmp/o.err" "onboarded_hook for GUID $g3 .*giving up after 3 runs" 120
api GET "$o_admin/api/v1/owner/hooks"
expect_resp "d3: GET /hooks lists the failed row" 200 total=1 \
    "hooks.0.guid=$g3" hooks.0.state=failed hooks.0.attempts=3 \
    hooks.0.reused=false "hooks.0.last_result=timed out after 1 s"
api GET "$o_admin/metrics"
expect "d3: metrics: timeout 3, pending 0 (failed rows are not pending)" \
    "[ '$(metric 'zto_onboarded_hook_runs_total{result="timeout"}')' = 3 ] && [ '$(metric zto_onboarded_hook_pending)' = 0 ]"
echo ok >"$hk/mode"
api POST "$o_admin/api/v1/owner/hooks/retry"
expect_resp "d3: POST /hooks/retry" 200 retried=1
wait_for "$tmp/o.err" "onboarded_hook for GUID $g3 .*exit status 0" 50
sleep 1
api GET "$o_admin/api/v1/owner/hooks"
expect_resp "d3: after the retry the row is gone" 200 total=0
api POST "$o_admin/api/v1/owner/hooks/retry"
expect_resp "d3: POST /hooks/retry with nothing failed" 200 retried=0
srv_stop o

# ---- 4. the owner killed right after the commit that ends TO2 ----
if [ "$crash" = 1 ]; then
    new_device d4
    g4=$guid
    export ZTO_CRASH_AT=owner.to2.done.committed
    srv_start oc "$own" serve --config "$tmp/own.conf"
    unset ZTO_CRASH_AT
    check_fails "d4: TO2 while the owner dies after its commit" "$dev" onboard \
        --cred "$tmp/d4.cred" --owner "$oc_http" --download-dir "$tmp/dl" \
        --timeout 2
    i=0
    while kill -0 "$oc_child" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    expect_match "d4: the owner died at the crash point" \
        '^crashpoint owner.to2.done.committed$' "$tmp/oc.err"
    expect "d4: the hook did not run before the kill" "[ ! -f '$hk/env.$g4.1' ]"
    srv_start o "$own" serve --config "$tmp/own.conf"
    wait_for "$hk/env.$g4.1" '^ZTO_EVENT=' 50
    expect "d4: the restarted owner runs the hook" "[ -f '$hk/env.$g4.1' ]"
    sleep 3
    expect "d4: ... exactly once" "[ ! -f '$hk/env.$g4.2' ]"
    api GET "$o_admin/api/v1/owner/hooks"
    expect_resp "d4: no row left" 200 total=0
    srv_stop o
fi

# ---- 5. credential reuse ----
own_conf "$tmp/own.conf" "onboarded_hook = $hk/hook" "credential_reuse = yes"
srv_start o "$own" serve --config "$tmp/own.conf"
new_device d6
g6=$guid
check "d6: onboard with credential reuse" "$dev" onboard \
    --cred "$tmp/d6.cred" --owner "$o_http" --download-dir "$tmp/dl" \
    --allow-reuse
wait_for "$hk/env.$g6.1" '^ZTO_EVENT=' 50
expect_match "d6: ZTO_REUSED=yes" '^ZTO_REUSED=yes$' "$hk/env.$g6.1"
expect_match "d6: ZTO_NEW_GUID is the same GUID" "^ZTO_NEW_GUID=$g6\$" \
    "$hk/env.$g6.1"
expect_match "d6: ZTO_CERT_SERIAL (the csr step ran)" \
    '^ZTO_CERT_SERIAL=[0-9a-f]+$' "$hk/env.$g6.1"
# Stopped only once the program ended: one still running when the owner
# stops is killed and its row stays pending.
wait_for "$tmp/o.err" "onboarded_hook for GUID $g6 .*exit status 0" 50
srv_stop o

# ---- 6. two owner processes on one database: one run per onboarding ----
own_conf "$tmp/own.conf" "onboarded_hook = $hk/hook"
echo slow >"$hk/mode"
srv_start o "$own" serve --config "$tmp/own.conf"
srv_start o2 "$own" serve --config "$tmp/own.conf"
new_device d7
g7=$guid
onboard d7
wait_for "$hk/env.$g7.1" '^ZTO_EVENT=' 50
expect "d7: one of the two owners runs the hook" "[ -f '$hk/env.$g7.1' ]"
# Both scan every second while the 2-second program runs.
sleep 4
expect "d7: ... and only one (the row is leased)" "[ ! -f '$hk/env.$g7.2' ]"
api GET "$o_admin/api/v1/owner/hooks"
expect_resp "d7: no row left" 200 total=0
srv_stop o2
srv_stop o
echo ok >"$hk/mode"

# ---- 7. without onboarded_hook no row is written ----
own_conf "$tmp/own.conf"
srv_start o "$own" serve --config "$tmp/own.conf"
new_device d5
onboard d5
api GET "$o_admin/api/v1/owner/hooks"
expect_resp "d5: no onboarded_hook: no row" 200 total=0 enabled=false
expect "d5: the hook did not run" "[ ! -f '$hk/env.$guid.1' ]"
srv_stop o
mfg_stop m

finish "hook ($(($(date +%s) - t_start)) s)"
