# lib.sh - helpers of the operations tests (sourced after di/lib.sh,
# which provides tmp, pids, check, check_fails and the EXIT trap).
#
#   start NAME CMD...     run CMD under timeout(1) with stdout in
#                         $tmp/NAME.out and stderr in $tmp/NAME.err, wait for
#                         "ready"; sets NAME_pid (timeout), NAME_child (the
#                         daemon) and NAME_url (its first listener);
#                         standard input from $start_in (a FIFO) when set,
#                         else /dev/null
#   stop NAME [SIG]       send SIG (TERM) to the daemon, wait at most 5 s
#                         (then SIGKILL); returns its exit status and sets
#                         stop_ms to how long it took
#   wait_for FILE REGEX [TENTHS]  wait until FILE has a line matching REGEX
#   expect WHAT COND      count a check: COND is a shell condition
#   port_of URL           the port of http://HOST:PORT

start() {
    name=$1; shift
    : >"$tmp/$name.out"
    # Descriptors 3-9 (a test's FIFOs) stay with the test.
    timeout -s KILL 200 "$@" <"${start_in:-/dev/null}" >"$tmp/$name.out" \
        2>"$tmp/$name.err" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    pid=$!
    start_in=
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
    eval "${name}_url=$(sed -n 's/^listening on //p' "$tmp/$name.out" | head -1)"
}

stop() {
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

wait_for() {
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        [ $i -lt "${3:-100}" ] || return 1
        sleep 0.1; i=$((i + 1))
    done
}

expect() {
    checks=$((checks + 1))
    if sh -c "$2"; then
        echo "ok: $1"
    else
        echo "FAIL: $1"
        fails=$((fails + 1))
    fi
}

port_of() { echo "$1" | sed 's/.*:\([0-9]*\)$/\1/'; }
