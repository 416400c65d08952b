#!/bin/sh
# test_signals.sh BIN_DIR SOURCE_DIR FDO_RELAY - SIGHUP and SIGTERM on
# every server, during one onboarding:
#
#   SIGHUP   reads the configuration again: log level, admin token hashes,
#            and per role what can change while running (manufacturer:
#            device_info and RendezvousInfo for the next device;
#            rendezvous: the trust lists; owner: its settings); a changed
#            listener setting is named as waiting for a restart; a broken
#            file or key changes nothing and the server keeps serving.
#   SIGTERM  exits 0 within a few seconds, also with a protocol session
#            half done (DI before 12, TO1 before 32, TO2 before 66: a
#            relay holds the device's next message back while the server
#            restarts on the same port) and with a TO0 exchange that never
#            gets an answer; the device then finishes against the new
#            process: the sessions were in the database.
bin=$1
src=$2
srv_limit=200
. "$(dirname "$0")/../lib/common.sh"
relay=$3
mfg="$bin/fdo-manufacturer"
own="$bin/fdo-owner"
dev="$bin/fdo-device"

if ! command -v curl >/dev/null 2>&1; then
    echo "SKIP: curl not installed"
    exit 77
fi

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
mkdir -p "$tmp/trust" "$tmp/files"
printf 'configuration for the device\n' >"$tmp/files/op.txt"
"$own" hash-token --generate >"$tmp/tokA"
"$own" hash-token --generate >"$tmp/tokB"
tokA=$(sed -n 's/^token: //p' "$tmp/tokA")
tokB=$(sed -n 's/^token: //p' "$tmp/tokB")
hashA=$(sed -n 's/^admin_token_sha256 = //p' "$tmp/tokA")
hashB=$(sed -n 's/^admin_token_sha256 = //p' "$tmp/tokB")

# The relays read "go" lines from FIFOs: fd 4 (DI), 5 (TO1), 6 (TO2).
for f in di to1 to2 hang; do mkfifo "$tmp/$f.in"; done
exec 4<>"$tmp/di.in" 5<>"$tmp/to1.in" 6<>"$tmp/to2.in" 7<>"$tmp/hang.in"

status_of() { # URL TOKEN: HTTP status of GET URL/metrics
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" \
        "$1/metrics"
}

admin_tokens() { # WHAT ADMIN_URL GOOD BAD
    sa=$(status_of "$2" "$3")
    sb=$(status_of "$2" "$4")
    expect "$1: the new token is accepted ($sa)" "[ '$sa' = 200 ]"
    expect "$1: the old token is refused ($sb)" "[ '$sb' = 401 ]"
}

hup() { # NAME REGEX: SIGHUP, then wait for REGEX in its log
    : >"$tmp/$1.mark"
    n0=$(wc -l <"$tmp/$1.err")
    eval "kill -HUP \${$1_child}"
    i=0
    while ! tail -n "+$((n0 + 1))" "$tmp/$1.err" | grep -q "$2"; do
        if [ $i -gt 50 ]; then
            echo "FAIL: $1: no '$2' after SIGHUP:"
            tail -n "+$((n0 + 1))" "$tmp/$1.err" | sed 's/^/    /'
            fails=$((fails + 1)); checks=$((checks + 1))
            return 1
        fi
        sleep 0.1; i=$((i + 1))
    done
    tail -n "+$((n0 + 1))" "$tmp/$1.err" >"$tmp/$1.since"
    checks=$((checks + 1))
    echo "ok: $1: SIGHUP -> $2"
}

stopped_ok() { # NAME WHAT [MAX_MS]
    max=${3:-3000}
    if srv_stop "$1"; then st=0; else st=$?; fi
    expect "$1: $2: exit 0 (was $st) in ${stop_ms} ms (< $max)" \
        "[ $st -eq 0 ] && [ $stop_ms -lt $max ]"
    expect "$1: $2: logs 'stopped'" "grep -q 'INFO: stopped' '$tmp/$1.err'"
}

# ======== manufacturer ========
mfg_conf() { # PORT DEVICE_INFO TOKEN_HASH RV_PORT [EXTRA]
    cat >"$tmp/mfg.conf" <<EOF
http = 127.0.0.1:$1
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
device_info = $2
admin = 127.0.0.1:0
admin_token_sha256 = $3
rv = ip=127.0.0.1,port=$4,protocol=http
${5:-}
EOF
}
# Rendezvous first: the manufacturer puts its relay's port in vouchers.
cat >"$tmp/rv.conf" <<EOF
listen = http://127.0.0.1:0
db = $tmp/rv.db
trusted_owner_keys = $tmp/trust
admin = 127.0.0.1:0
admin_token_sha256 = $hashA
EOF
srv_start rv "$bin/fdo-rendezvous" --config "$tmp/rv.conf"
rv_port=$(port_of "$rv_url")
start_in=$tmp/to1.in srv_start rrv "$relay" serve --listen http://127.0.0.1:0 \
    --upstream "$rv_url" --pause-before 32

mfg_conf 0 model-A "$hashA" "$(port_of "$rrv_url")"
srv_start m "$mfg" serve --config "$tmp/mfg.conf"
m_port=$(port_of "$m_url")
start_in=$tmp/di.in srv_start rm "$relay" serve --listen http://127.0.0.1:0 \
    --upstream "$m_url" --pause-before 12

# DI held before DI.SetHMAC; the manufacturer stops and comes back.
timeout 60 "$dev" di --url "$rm_url" --cred "$tmp/dev.cred" \
    >"$tmp/di.out" 2>&1 4>&- 5>&- 6>&- 7>&- &
di_pid=$!
expect "DI: the relay holds DI.SetHMAC" "$(wait_for "$tmp/rm.out" \
    '^paused 12' && echo true || echo false)"
stopped_ok m "SIGTERM during DI"
mfg_conf "$m_port" model-A "$hashA" "$(port_of "$rrv_url")"
srv_start m "$mfg" serve --config "$tmp/mfg.conf"
echo go >&4
wait $di_pid
expect "DI finished against the restarted manufacturer (exit $?)" \
    "grep -q 'credential stored' '$tmp/di.out'"
guid=$("$dev" show --cred "$tmp/dev.cred" | awk '/^GUID/ {print $2}')
expect "the voucher is in the database" \
    "'$mfg' list --config '$tmp/mfg.conf' | grep -q '^$guid .*model-A'"

# SIGHUP: device_info, token, level, RendezvousInfo; a listener option
# waits for a restart.
mkdir -p "$tmp/hang"
start_in=$tmp/hang.in srv_start rhang "$relay" serve \
    --listen http://127.0.0.1:0 --upstream "$rv_url" --pause-before 20
mfg_conf "$m_port" model-B "$hashB" "$(port_of "$rhang_url")" \
    "log_level = debug
http_timeout = 20"
hup m "reload: configuration and keys read again (.* applied, 1 waiting for a restart), log level DEBUG"
expect "manufacturer: http_timeout waits for a restart" \
    "grep -q \"WARN: reload: 'http_timeout' changed; it takes effect at the next restart\" '$tmp/m.since'"
admin_tokens manufacturer "$m_admin" "$tokB" "$tokA"
check "DI after the reload" "$dev" di --url "$m_url" --cred "$tmp/dev2.cred"
guid2=$("$dev" show --cred "$tmp/dev2.cred" | awk '/^GUID/ {print $2}')
expect "the new device_info is used" \
    "'$mfg' list --config '$tmp/mfg.conf' | grep -q '^$guid2 .*model-B'"
expect "the new RendezvousInfo is used" \
    "'$dev' show --cred '$tmp/dev2.cred' | grep -q 'port=$(port_of "$rhang_url")'"
expect "debug lines after the reload" "grep -q ' DEBUG: ' '$tmp/m.err'"
# A broken file and an exposed key change nothing.
echo "no_such_option = 1" >>"$tmp/mfg.conf"
hup m "reload: .*no_such_option.*keeping the running configuration"
mfg_conf "$m_port" model-C "$hashA" "$(port_of "$rrv_url")"
chmod 644 "$pki/device-ca.key.pem"
hup m "reload: device_ca_key .*group/others.*keeping the running configuration"
chmod 600 "$pki/device-ca.key.pem"
admin_tokens "manufacturer after refused reloads" "$m_admin" "$tokB" "$tokA"
check "DI after the refused reloads" "$dev" di --url "$m_url" \
    --cred "$tmp/dev3.cred"
guid3=$("$dev" show --cred "$tmp/dev3.cred" | awk '/^GUID/ {print $2}')
expect "... still with model-B" \
    "'$mfg' list --config '$tmp/mfg.conf' | grep -q '^$guid3 .*model-B'"
stopped_ok m "SIGTERM"

# ======== owner ========
own_conf() { # PORT TOKEN_HASH TO0_POLL [EXTRA]
    cat >"$tmp/own.conf" <<EOF
listen = http://127.0.0.1:$1
db = $tmp/own.db
owner_keys = $pki/owner.key.pem
to2_addresses = $rown_url
to0_poll = $3
to0_retry_first = 1
to0_retry_max = 1
to0_wait_seconds = 3600
admin = 127.0.0.1:0
admin_token_sha256 = $2
${4:-}
EOF
}
start_in=$tmp/to2.in srv_start rown "$relay" serve --listen http://127.0.0.1:0 \
    --upstream-file "$tmp/own.url" --pause-before 66
own_conf 0 "$hashA" 1
check "owner: plan" "$own" plan --config "$tmp/own.conf" add --all \
    download "$tmp/files/op.txt" etc/op.txt
check "voucher extended to the owner" "$mfg" export --config \
    "$tmp/mfg.conf" --guid "$guid" --extend-to "$pki/owner.pub.pem" \
    -o "$tmp/ov.pem"
check "owner: import" "$own" import --config "$tmp/own.conf" "$tmp/ov.pem"
srv_start o "$own" serve --config "$tmp/own.conf"
echo "$o_url" >"$tmp/own.url"
o_port=$(port_of "$o_url")

# ======== rendezvous: the trust list arrives with SIGHUP ========
expect "TO0 refused while the trust list is empty" "$(wait_for \
    "$tmp/o.err" "refused registration" 100 && echo true || echo false)"
cp "$pki/owner.pub.pem" "$tmp/trust/"
sed -i "s/^admin_token_sha256 = .*/admin_token_sha256 = $hashB/" \
    "$tmp/rv.conf"
printf 'log_level = debug\nmax_clients = 100\n' >>"$tmp/rv.conf"
hup rv "reload: configuration read again (.* applied, 1 waiting for a restart), log level DEBUG"
expect "rendezvous: the trust list was read again" \
    "grep -q 'trust policy: 1 trusted owner key' '$tmp/rv.since'"
expect "rendezvous: max_clients waits for a restart" \
    "grep -q \"'max_clients' changed\" '$tmp/rv.since'"
admin_tokens rendezvous "$rv_admin" "$tokB" "$tokA"
expect "TO0 accepted after the reload" "$(wait_for "$tmp/o.err" \
    "TO0: registered GUID $guid" 100 && echo true || echo false)"
echo "no_such_option = 1" >>"$tmp/rv.conf"
hup rv "reload: .*no_such_option.*keeping the running configuration"
admin_tokens "rendezvous after a refused reload" "$rv_admin" "$tokB" "$tokA"

# ======== owner: SIGHUP ========
own_conf "$o_port" "$hashB" 2 "log_level = debug
device_ca = $tmp/missing.pem"
hup o "reload: device_ca .*cannot open; keeping the running configuration"
own_conf "$o_port" "$hashB" 2 "log_level = debug
session_ttl = 300"
# Applied: log_level, session_ttl, the token; the port (0 before) and
# to0_poll wait for a restart.
hup o "reload: configuration read again (3 change(s) applied, 2 waiting for a restart), log level DEBUG"
expect "owner: to0_poll and listen wait for a restart" \
    "grep -q \"'to0_poll' changed\" '$tmp/o.since' &&
     grep -q \"'listen' changed\" '$tmp/o.since'"
admin_tokens owner "$o_admin" "$tokB" "$tokA"

# ======== SIGTERM with TO1 and TO2 half done ========
timeout 90 "$dev" onboard --cred "$tmp/dev.cred" --download-dir "$tmp/dl" \
    >"$tmp/onboard.out" 2>&1 4>&- 5>&- 6>&- 7>&- &
ob_pid=$!
expect "TO1: the relay holds TO1.ProveToRV" "$(wait_for "$tmp/rrv.out" \
    '^paused 32' && echo true || echo false)"
stopped_ok rv "SIGTERM during TO1"
sed -i "s|^listen = .*|listen = http://127.0.0.1:$rv_port|" "$tmp/rv.conf"
sed -i '/^no_such_option/d' "$tmp/rv.conf"
srv_start rv "$bin/fdo-rendezvous" --config "$tmp/rv.conf"
echo go >&5
expect "TO2: the relay holds TO2.DeviceServiceInfoReady" "$(wait_for \
    "$tmp/rown.out" '^paused 66' 150 && echo true || echo false)"
stopped_ok o "SIGTERM during TO2"
srv_start o "$own" serve --config "$tmp/own.conf"
echo go >&6
wait $ob_pid
st=$?
expect "onboarding finished across both restarts (exit $st)" \
    "grep -q 'new credential stored' '$tmp/onboard.out' &&
     [ -f '$tmp/dl/etc/op.txt' ]"
[ $st -eq 0 ] || sed 's/^/    /' "$tmp/onboard.out"

# ======== SIGTERM with a TO0 exchange that gets no answer ========
check "voucher of the second device extended" "$mfg" export --config \
    "$tmp/mfg.conf" --guid "$guid2" --extend-to "$pki/owner.pub.pem" \
    -o "$tmp/ov2.pem"
check "owner: import it" "$own" import --config "$tmp/own.conf" \
    "$tmp/ov2.pem"
expect "TO0.Hello to the silent server is held" "$(wait_for \
    "$tmp/rhang.out" '^paused 20' 100 && echo true || echo false)"
stopped_ok o "SIGTERM during a TO0 exchange" 4000
expect "owner: says it does not wait for TO0" \
    "grep -q 'not waiting for it' '$tmp/o.err'"
stopped_ok rv "SIGTERM"
srv_start rv "$bin/fdo-rendezvous" --config "$tmp/rv.conf"
srv_stop rv INT
expect "rendezvous: SIGINT exits 0" "[ $? -eq 0 ]"

# A held relay reads EOF and exits when its FIFO has no writer left.
exec 4>&- 5>&- 6>&- 7>&-

finish
