# lib.sh - helpers for the DI integration scripts (sourced).
#
#   mfg_start NAME CONF   start fdo-manufacturer (at most 280 s), wait for "ready",
#                         set ${NAME}_pid, ${NAME}_http, ${NAME}_coap4,
#                         ${NAME}_coap6 from its "listening on" lines
#   mfg_stop NAME [SIG]   stop it (SIGTERM, SIGKILL after 5 s)
#   srv_start NAME CMD... start any server the same way (${NAME}_pid,
#                         ${NAME}_child the server itself, ${NAME}_http,
#                         ${NAME}_coap the first IPv6 CoAP listener,
#                         ${NAME}_coap4); srv_stop is mfg_stop
#   check NAME CMD...     run CMD (bounded by `timeout`), count pass/fail
#   check_fails NAME CMD... expect a non-zero exit and one stderr line
#
# Everything started is stopped by the EXIT trap; tmp is removed.
set -u
bin=$1
tmp=$(mktemp -d /tmp/zto-di-XXXXXX)
pids=""
fails=0
checks=0

cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
    done
    for p in $pids; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1; i=$((i + 1))
        done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mfg_start() {
    name=$1; conf=$2
    # Under timeout(1): a manufacturer never outlives a test that was
    # killed before its trap could run.
    timeout -s KILL 280 "$bin/fdo-manufacturer" serve --config "$conf" \
        --log-level warn >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids="$pids $pid"
    eval "${name}_pid=$pid"
    i=0
    while ! grep -q '^ready$' "$tmp/$name.out" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || [ $i -gt 100 ]; then
            echo "FAIL: $name did not start:"; cat "$tmp/$name.err"
            exit 1
        fi
        sleep 0.1; i=$((i + 1))
    done
    child=$(pgrep -P "$pid")
    pids="$pids $child"
    eval "${name}_child=$child"
    eval "${name}_http=$(grep -o 'http://127[^ ]*' "$tmp/$name.out" | head -1)"
    eval "${name}_coap4=$(grep -o 'coap://127[^ ]*' "$tmp/$name.out" | head -1)"
    eval "${name}_coap6=$(grep -o 'coap://\[[^ ]*' "$tmp/$name.out" | head -1)"
}

mfg_stop() {
    eval "p=\${$1_pid} c=\${$1_child}"
    kill "-${2:-TERM}" "$c" 2>/dev/null
    i=0
    while kill -0 "$c" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
    kill -9 "$c" 2>/dev/null
    wait "$p" 2>/dev/null
    st=$?
    pids=$(echo "$pids" | sed "s/ $p\b//; s/ $c\b//")
    return $st
}

srv_start() {
    name=$1; shift
    : >"$tmp/$name.out"
    timeout -s KILL 280 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids="$pids $pid"
    i=0
    while ! grep -q '^ready$' "$tmp/$name.out" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || [ $i -gt 150 ]; then
            echo "FAIL: $name did not start:"; cat "$tmp/$name.err"
            exit 1
        fi
        sleep 0.1; i=$((i + 1))
    done
    child=$(pgrep -P "$pid")
    pids="$pids $child"
    eval "${name}_pid=$pid ${name}_child=$child"
    eval "${name}_http=$(grep -o 'http://127[^ ]*' "$tmp/$name.out" | head -1)"
    eval "${name}_coap=$(grep -o 'coap://\[[^ ]*' "$tmp/$name.out" | head -1)"
    eval "${name}_coap4=$(grep -o 'coap://127[^ ]*' "$tmp/$name.out" | head -1)"
}

srv_stop() { mfg_stop "$@"; }

check() {
    what=$1; shift
    checks=$((checks + 1))
    if timeout 60 "$@" >"$tmp/last.out" 2>"$tmp/last.err"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        sed 's/^/    /' "$tmp/last.out" "$tmp/last.err"
        fails=$((fails + 1))
    fi
}

check_fails() {
    what=$1; shift
    checks=$((checks + 1))
    if timeout 60 "$@" >"$tmp/last.out" 2>"$tmp/last.err"; then
        echo "FAIL: $what (succeeded)"
        fails=$((fails + 1))
    elif [ "$(wc -l <"$tmp/last.err")" -ne 1 ]; then
        echo "FAIL: $what (error is not one line:)"
        sed 's/^/    /' "$tmp/last.err"
        fails=$((fails + 1))
    else
        echo "ok: $what: $(cat "$tmp/last.err")"
    fi
}

# write_conf FILE PKI_DIR DB
write_conf() {
    cat >"$1" <<EOF2
# written by tests/integration/di
http = 127.0.0.1:0
coap = 127.0.0.1:0
coap = [::1]:0
db = $3
manufacturer_key = $2/manufacturer.key.pem
device_ca_key = $2/device-ca.key.pem
device_ca_chain = $2/device-ca.crt.pem
rv = dns=rv.example.com,port=8041,protocol=http
rv = ip=127.0.0.1,port=8042,protocol=coap,bypass
device_cert_days = 30
EOF2
}
