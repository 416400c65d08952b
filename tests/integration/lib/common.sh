# common.sh - what the integration shell tests share (sourced first; the
# script sets bin, the build's program directory, where it starts
# servers).
#
#   tmp                   a fresh directory, removed at exit (kept, and
#                         named, when keep_tmp=1 and a check failed)
#   checks, fails         counters; finish prints them and gives the exit
#                         status
#   srv_start NAME CMD... run a server that prints "ready" under
#                         timeout(1) (killed after $srv_limit s, 280 by
#                         default: it never outlives a test that was
#                         killed before its trap ran), stdout in
#                         $tmp/NAME.out, stderr in $tmp/NAME.err, standard
#                         input from $start_in (a FIFO) when set, else
#                         /dev/null; wait at most 15 s for "ready". Sets
#                         NAME_pid (timeout), NAME_child (the server) and
#                         from its "listening on" / "admin on" lines
#                         NAME_url (the first listener), NAME_http (first
#                         http://127...), NAME_coap4 (first coap://127...),
#                         NAME_coap and NAME_coap6 (first coap://[...]),
#                         NAME_admin (first admin listener)
#   srv_stop NAME [SIG]   send SIG (TERM) to the server, SIGKILL after
#                         5 s; returns its exit status, sets stop_ms to
#                         how long it took
#   ok WHAT... / bad WHAT...  count a check that passed / failed
#   check WHAT CMD...     CMD must succeed within $check_timeout s (60);
#                         its output in $tmp/last.out and $tmp/last.err
#   check_fails WHAT CMD... CMD must fail with one line on stderr
#   expect WHAT COND      COND, a shell condition, must hold
#   expect_match WHAT REGEX FILE  FILE must have a line matching REGEX
#                         (grep -E)
#   wait_for FILE REGEX [TENTHS]  wait (10 s by default) until FILE has a
#                         line matching REGEX
#   port_of URL           the port of SCHEME://HOST:PORT
#   wait_registered CONF GUID [SECONDS]  wait (30 s by default) until
#                         "fdo-owner list --config CONF" shows GUID
#                         registered at a rendezvous server (TO0 done)
#   finish [LABEL]        print "[LABEL: ]N checks, M failed"; status 0
#                         when nothing failed
#
# Everything srv_start started is stopped by the EXIT trap.
set -u
tmp=$(mktemp -d /tmp/zto-test-XXXXXX)
pids=""
fails=0
checks=0
keep_tmp=${keep_tmp:-0}
srv_limit=${srv_limit:-280}
check_timeout=${check_timeout:-60}
start_in=

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
    if [ "$keep_tmp" = 1 ] && [ "$fails" -ne 0 ]; then
        echo "files kept in $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT INT TERM

srv_start() {
    name=$1; shift
    # Emptied first: a restart must not find the last run's "ready".
    : >"$tmp/$name.out"
    # Descriptors 3-9 (a test's FIFOs) stay with the test.
    timeout -s KILL "$srv_limit" "$@" <"${start_in:-/dev/null}" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- \
        9>&- &
    pid=$!
    start_in=
    pids="$pids $pid"
    i=0
    while ! grep -q '^ready$' "$tmp/$name.out" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || [ $i -gt 150 ]; then
            echo "FAIL: $name did not start:"; cat "$tmp/$name.err"
            fails=$((fails + 1))
            exit 1
        fi
        sleep 0.1; i=$((i + 1))
    done
    child=$(pgrep -P "$pid")
    pids="$pids $child"
    eval "${name}_pid=$pid ${name}_child=$child"
    out=$tmp/$name.out
    eval "${name}_url=$(sed -n 's/^listening on //p' "$out" | head -1)"
    eval "${name}_admin=$(sed -n 's/^admin on //p' "$out" | head -1)"
    eval "${name}_http=$(grep -o 'http://127[^ ]*' "$out" | head -1)"
    eval "${name}_coap4=$(grep -o 'coap://127[^ ]*' "$out" | head -1)"
    eval "${name}_coap=$(grep -o 'coap://\[[^ ]*' "$out" | head -1)"
    eval "${name}_coap6=\$${name}_coap"
}

srv_stop() {
    eval "p=\${$1_pid} c=\${$1_child}"
    t0=$(date +%s%N)
    kill "-${2:-TERM}" "$c" 2>/dev/null
    i=0
    while kill -0 "$c" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05; i=$((i + 1))
    done
    kill -9 "$c" 2>/dev/null
    wait "$p" 2>/dev/null
    st=$?
    stop_ms=$((($(date +%s%N) - t0) / 1000000))
    pids=$(echo "$pids" | sed "s/ $p\b//; s/ $c\b//")
    return $st
}

ok() {
    checks=$((checks + 1))
    echo "ok: $*"
}

bad() {
    checks=$((checks + 1))
    fails=$((fails + 1))
    echo "FAIL: $*"
}

check() {
    what=$1; shift
    if timeout "$check_timeout" "$@" >"$tmp/last.out" 2>"$tmp/last.err"; then
        ok "$what"
    else
        bad "$what"
        sed 's/^/    /' "$tmp/last.out" "$tmp/last.err" | head -40
    fi
}

check_fails() {
    what=$1; shift
    if timeout "$check_timeout" "$@" >"$tmp/last.out" 2>"$tmp/last.err"; then
        bad "$what (succeeded)"
    elif [ "$(wc -l <"$tmp/last.err")" -ne 1 ]; then
        bad "$what (error is not one line:)"
        sed 's/^/    /' "$tmp/last.err"
    else
        ok "$what: $(cat "$tmp/last.err")"
    fi
}

expect() {
    if sh -c "$2"; then
        ok "$1"
    else
        bad "$1"
    fi
}

expect_match() {
    if grep -Eq "$2" "$3"; then
        ok "$1"
    else
        bad "$1 (no /$2/ in:)"
        sed 's/^/    /' "$3"
    fi
}

wait_for() {
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        [ $i -lt "${3:-100}" ] || return 1
        sleep 0.1; i=$((i + 1))
    done
}

port_of() { echo "$1" | sed 's/.*:\([0-9]*\)$/\1/'; }

wait_registered() {
    i=0
    while [ $i -lt $((${3:-30} * 5)) ]; do
        if "$bin/fdo-owner" list --config "$1" 2>/dev/null |
            awk -v g="$2" '$1 == g {f = 1; next} /^[0-9a-f]/ {f = 0}
                           f && /registered at/ && !/not registered/ {ok = 1}
                           END {exit !ok}'; then
            return 0
        fi
        sleep 0.2; i=$((i + 1))
    done
    return 1
}

finish() {
    echo "${1:+$1: }$checks checks, $fails failed"
    [ "$fails" -eq 0 ]
}
