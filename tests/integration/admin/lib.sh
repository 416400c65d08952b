# lib.sh - helpers for the admin API shell tests (sourced). Needs curl.
#
#   daemon_start NAME CMD...   start a daemon (under timeout(1), at most 280 s)
#                              that prints "ready"; sets ${NAME}_pid,
#                              ${NAME}_admin (first "admin on" URL),
#                              ${NAME}_http (first "listening on http" URL);
#                              stderr in $tmp/NAME.err
#   daemon_stop NAME           SIGTERM; fails the test unless it exits 0
#   api METHOD URL [curl args] one request with the token ($token, unless
#                              NOAUTH=1); status in $status, body in
#                              $tmp/body, headers in $tmp/headers
#   expect WHAT STATUS [PATH=VALUE...]  check $status and JSON fields of
#                              the body (json_get paths)
#   ok WHAT / fail WHAT        count a check
#
# Everything started is stopped by the EXIT trap; tmp is removed unless
# something failed.
set -u
tmp=$(mktemp -d /tmp/zto-admin-XXXXXX)
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
    if [ "$fails" -eq 0 ]; then
        rm -rf "$tmp"
    else
        echo "files kept in $tmp"
    fi
}
trap cleanup EXIT INT TERM

if ! command -v curl >/dev/null 2>&1; then
    echo "SKIP: curl not installed"
    trap - EXIT
    rm -rf "$tmp"
    exit 77
fi

ok() {
    checks=$((checks + 1))
    echo "ok: $1"
}

fail() {
    checks=$((checks + 1))
    fails=$((fails + 1))
    echo "FAIL: $1"
}

# check WHAT CMD...: CMD must succeed (bounded by timeout).
check() {
    what=$1; shift
    if timeout 120 "$@" >"$tmp/last.out" 2>"$tmp/last.err"; then
        ok "$what"
    else
        fail "$what"
        sed 's/^/    /' "$tmp/last.out" "$tmp/last.err" | head -20
    fi
}

# check_fails WHAT CMD...: CMD must fail with a one-line error.
check_fails() {
    what=$1; shift
    if timeout 120 "$@" >"$tmp/last.out" 2>"$tmp/last.err"; then
        fail "$what (succeeded)"
    elif [ "$(wc -l <"$tmp/last.err")" -ne 1 ]; then
        fail "$what (error is not one line)"
        sed 's/^/    /' "$tmp/last.err"
    else
        ok "$what: $(cat "$tmp/last.err")"
    fi
}

daemon_start() {
    name=$1; shift
    # Emptied first: a restart must not find the last run's "ready".
    : >"$tmp/$name.out"
    timeout -s KILL 280 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    pid=$!
    pids="$pids $pid"
    i=0
    while ! grep -q '^ready$' "$tmp/$name.out" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || [ $i -gt 100 ]; then
            echo "FAIL: $name did not start:"; cat "$tmp/$name.err"
            fails=$((fails + 1))
            exit 1
        fi
        sleep 0.1; i=$((i + 1))
    done
    child=$(pgrep -P "$pid")
    pids="$pids $child"
    eval "${name}_pid=$pid ${name}_child=$child"
    eval "${name}_admin=$(sed -n 's/^admin on //p' "$tmp/$name.out" | head -1)"
    eval "${name}_http=$(sed -n 's/^listening on \(http:.*\)/\1/p' \
        "$tmp/$name.out" | head -1)"
}

daemon_stop() {
    eval "p=\${$1_pid} c=\${$1_child}"
    kill -TERM "$c" 2>/dev/null
    wait "$p" 2>/dev/null
    st=$?
    pids=$(echo "$pids" | sed "s/ $p\b//; s/ $c\b//")
    if [ "$st" -eq 0 ]; then
        ok "$1 stops cleanly on SIGTERM"
    else
        fail "$1 exit status $st after SIGTERM"
        tail -5 "$tmp/$1.err"
    fi
}

# api METHOD URL [curl args...]
api() {
    m=$1; u=$2; shift 2
    if [ "${NOAUTH:-0}" = 1 ]; then
        status=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
            -X "$m" "$@" "$u" 2>"$tmp/curl.err")
    else
        status=$(curl -sS -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
            -X "$m" -H "Authorization: Bearer $token" "$@" "$u" \
            2>"$tmp/curl.err")
    fi
}

# jget PATH: a JSON field of the last body.
jget() {
    "$json_get" "$1" <"$tmp/body" 2>/dev/null
}

# expect WHAT STATUS [PATH=VALUE...]
expect() {
    what=$1; want=$2; shift 2
    if [ "$status" != "$want" ]; then
        fail "$what: status $status, want $want"
        head -c 600 "$tmp/body"; echo
        return
    fi
    for kv in "$@"; do
        path=${kv%%=*}; val=${kv#*=}
        got=$(jget "$path")
        if [ "$got" != "$val" ]; then
            fail "$what: $path is '$got', want '$val'"
            head -c 600 "$tmp/body"; echo
            return
        fi
    done
    ok "$what"
}

# header NAME: a response header of the last request (no CR).
header() {
    grep -i "^$1:" "$tmp/headers" | head -1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# SHA-256 (hex) of the DER SubjectPublicKeyInfo of a PEM public key.
key_sha256() {
    openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum |
        cut -d' ' -f1
}

# Split the PEM vouchers of a file into DIR/1.pem, DIR/2.pem, ...
split_vouchers() {
    mkdir -p "$2"
    awk -v dir="$2" '/-----BEGIN OWNERSHIP VOUCHER-----/ { n++ }
        n > 0 { print > (dir "/" n ".pem") }' "$1"
    ls "$2" | wc -l
}

done_tests() {
    echo "$checks checks, $fails failed"
    [ "$fails" -eq 0 ]
}
