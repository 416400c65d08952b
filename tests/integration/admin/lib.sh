# lib.sh - the admin API shell tests' helpers, on ../lib/common.sh
# (srv_start, srv_stop, ok, bad, check, check_fails ...). Needs curl.
#
#   daemon_stop NAME           SIGTERM (srv_stop); a check that it exits 0
#   api METHOD URL [curl args] one request with the token ($token, unless
#                              NOAUTH=1); status in $status, body in
#                              $tmp/body, headers in $tmp/headers
#   expect_resp WHAT STATUS [PATH=VALUE...]  check $status and JSON fields
#                              of the body (json_get paths)
#
# tmp is kept when something failed.
keep_tmp=1
check_timeout=120
. "$(dirname "$0")/../lib/common.sh"

if ! command -v curl >/dev/null 2>&1; then
    echo "SKIP: curl not installed"
    exit 77
fi

daemon_stop() {
    if srv_stop "$1"; then
        ok "$1 stops cleanly on SIGTERM"
    else
        bad "$1 exit status $? after SIGTERM"
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

# expect_resp WHAT STATUS [PATH=VALUE...]
expect_resp() {
    what=$1; want=$2; shift 2
    if [ "$status" != "$want" ]; then
        bad "$what: status $status, want $want"
        head -c 600 "$tmp/body"; echo
        return
    fi
    for kv in "$@"; do
        path=${kv%%=*}; val=${kv#*=}
        got=$(jget "$path")
        if [ "$got" != "$val" ]; then
            bad "$what: $path is '$got', want '$val'"
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
