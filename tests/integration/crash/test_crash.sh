#!/bin/sh
# test_crash.sh BIN_DIR SOURCE_DIR VT_GEN DI_CHECK DB_CHECK - every server and the
# device killed with SIGKILL at the moments that matter, then restarted:
# nothing stored is lost or corrupted and the interrupted operation can
# be run again to success.
#
# The kills come from the crash points (common/include/zto/
# zto_crashpoint.h, a build with ZTO_TEST_HOOKS): ZTO_CRASH_AT=NAME[:N]
# makes the process SIGKILL itself there. Each case checks the process
# did die at that point ("crashpoint NAME" on its stderr) so that a case
# cannot pass by not crashing. On top, a few kills at random moments.
#
#   owner import of 60 vouchers   killed at the 30th insert, before and
#                                 after the commit, and at random: none
#                                 or all are stored, all verify
#   manufacturer during DI        before and after the voucher's commit
#   device writing its credential half written, synced, renamed; at DI
#                                 and at the end of TO2; and at random:
#                                 old or new credential, never broken
#   rendezvous during TO0         before and after the registration's
#                                 commit; the owner after TO0.AcceptOwner
#                                 before recording it
#   owner during TO2              before 64, after 65 went out, before 68
#                                 and 70, after 71 went out: the voucher
#                                 is intact and the device's next TO2
#                                 succeeds
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"
vt_gen=$3
di_check=$4
db_check=$5
dev="$bin/fdo-device"
own="$bin/fdo-owner"
mfg="$bin/fdo-manufacturer"
rvs="$bin/fdo-rendezvous"
vec=$src/tests/vectors/interop/p256
t_start=$(date +%s)

# died PID NAME POINT: PID ends within 10 s, and NAME's stderr shows it
# reached POINT.
died() {
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        bad "$2 still running, $3 never reached"
        return 1
    fi
    if grep -q "^crashpoint $3\$" "$tmp/$2.err"; then
        ok "$2 killed at $3"
    else
        bad "$2 died, but not at $3:"
        sed 's/^/    /' "$tmp/$2.err" | tail -5
        return 1
    fi
}

# Run CMD with ZTO_CRASH_AT=POINT; it must die there (SIGKILL, 137).
crash_cmd() { # POINT NAME CMD...
    point=$1 name=$2; shift 2
    ZTO_CRASH_AT=$point timeout 60 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    st=$?
    if [ $st -eq 137 ] && grep -q "^crashpoint ${point%%:*}\$" "$tmp/$name.err"; then
        ok "$name killed at $point"
    else
        bad "$name: exit $st, expected a kill at $point"
        sed 's/^/    /' "$tmp/$name.out" "$tmp/$name.err" | tail -5
    fi
}

count_vouchers() { # fdo-owner or fdo-manufacturer list output on stdin
    grep -c '^[0-9a-f]\{32\}' || true
}

# The database passes SQLite's integrity check and every voucher in it
# (current and kept) verifies completely and ends in OWNER_PUB.
db_ok() { # DB OWNER_PUB WHAT
    if "$db_check" "$1" "$2" >"$tmp/dbc.out" 2>&1; then
        ok "$3: database intact, $(cat "$tmp/dbc.out")"
    else
        bad "$3: database check"
        sed 's/^/    /' "$tmp/dbc.out"
    fi
}

cp "$vec/owner2.key.pem" "$tmp/owner2.key.pem"
chmod 600 "$tmp/owner2.key.pem"
"$src/scripts/gen-pki" "$tmp/pki" p256 >/dev/null || exit 1
pki=$tmp/pki

# ---- 1. owner import of a large batch ----
mkdir -p "$tmp/batch"
"$vt_gen" gen --out "$tmp/batch" --count 60 --mfg-key "$vec/manufacturer.key.pem" \
    --owner "$vec/owner2.pub.pem" --chain-from "$vec/voucher.cbor" \
    --cbor-every 7 >/dev/null || exit 1
cat >"$tmp/imp.conf" <<EOF2
listen = http://127.0.0.1:0
db = $tmp/imp.db
owner_keys = $tmp/owner2.key.pem
to0 = no
EOF2
for point in owner.import.insert:30 owner.import.before_commit; do
    crash_cmd "$point" import "$own" import --config "$tmp/imp.conf" \
        "$tmp/batch"
    expect "import killed at $point: nothing stored" \
        "[ \$('$own' list --config '$tmp/imp.conf' | grep -c '^[0-9a-f]\{32\}') -eq 0 ]"
done
crash_cmd owner.import.committed import "$own" import --config "$tmp/imp.conf" \
    "$tmp/batch"
expect "import killed after its commit: all 60 stored" \
    "[ \$('$own' list --config '$tmp/imp.conf' | grep -c '^[0-9a-f]\{32\}') -eq 60 ]"
db_ok "$tmp/imp.db" "$vec/owner2.pub.pem" "import"
# Killed at random moments: all or nothing, and the next run completes.
for delay in 0.05 0.3 0.8; do
    rm -f "$tmp/imp.db" "$tmp/imp.db-wal" "$tmp/imp.db-shm"
    "$own" import --config "$tmp/imp.conf" "$tmp/batch" >/dev/null 2>&1 &
    p=$!
    sleep $delay
    kill -9 $p 2>/dev/null
    wait $p 2>/dev/null
    n=$("$own" list --config "$tmp/imp.conf" 2>/dev/null | count_vouchers)
    expect "import killed after ${delay}s: $n stored (none or all)" \
        "[ $n -eq 0 ] || [ $n -eq 60 ]"
done
if [ $n -eq 60 ]; then
    "$own" import --config "$tmp/imp.conf" "$tmp/batch" >"$tmp/last.out" 2>&1
    expect "import again after the kills: all 60 already there" \
        "grep -q '^0 imported, 60 already present, 0 failed' '$tmp/last.out'"
else
    check "import again after the kills" "$own" import \
        --config "$tmp/imp.conf" "$tmp/batch"
    expect "... 60 imported" \
        "grep -q '^60 imported, 0 already present, 0 failed' '$tmp/last.out'"
fi
db_ok "$tmp/imp.db" "$vec/owner2.pub.pem" "import after kills"

# ---- rendezvous and manufacturer used by the rest ----
mkdir -p "$tmp/trust"
cp "$pki/owner.pub.pem" "$tmp/trust/"
rv_conf() { # PORT
    cat >"$tmp/rv.conf" <<EOF2
listen = http://127.0.0.1:$1
db = $tmp/rv.db
trusted_owner_keys = $tmp/trust
trusted_manufacturer_keys = $pki/manufacturer.pub.pem
trusted_device_ca = $pki/device-ca.crt.pem
EOF2
}
rv_conf 0
srv_start rv "$rvs" --config "$tmp/rv.conf" --log-level warn
rv_port=$(port_of "$rv_http")
rv_conf "$rv_port" # restarts keep the port the vouchers name

cat >"$tmp/mfg.conf" <<EOF2
http = 127.0.0.1:0
coap = [::1]:0
db = $tmp/mfg.db
manufacturer_key = $pki/manufacturer.key.pem
device_ca_key = $pki/device-ca.key.pem
device_ca_chain = $pki/device-ca.crt.pem
rv = ip=127.0.0.1,port=$rv_port,protocol=http
EOF2

mfg_count() { "$mfg" list --config "$tmp/mfg.conf" 2>/dev/null | count_vouchers; }

# ---- 2. manufacturer killed during DI ----
n0=0
for point in mfg.di.before_commit mfg.di.committed; do
    export ZTO_CRASH_AT=$point
    srv_start m_crash "$mfg" serve --config "$tmp/mfg.conf" --log-level warn
    unset ZTO_CRASH_AT
    cred=$tmp/di-$point.cred
    check_fails "DI while the manufacturer dies at $point" "$dev" di \
        --url "$m_crash_http" --cred "$cred"
    died "$m_crash_child" m_crash "$point"
    expect "$point: the device stored no credential" "[ ! -e '$cred' ]"
    n=$(mfg_count)
    [ $point = mfg.di.committed ] && want=$((n0 + 1)) || want=$n0
    expect "$point: $want voucher(s) stored (was $n0)" "[ $n -eq $want ]"
    srv_start m "$mfg" serve --config "$tmp/mfg.conf" --log-level warn
    check "$point: DI again after the restart" "$dev" di --url "$m_http" \
        --cred "$cred"
    n0=$(mfg_count)
    expect "$point: ... its voucher stored" "[ $n0 -eq $((want + 1)) ]"
    g=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/last.out")
    check "$point: ... exported" "$mfg" export --config "$tmp/mfg.conf" \
        --guid "$g" -o "$tmp/$g.pem"
    check "$point: ... verifies with the device's secret" "$di_check" \
        "$tmp/$g.pem" "$cred" 0
    srv_stop m
done
# Every voucher the manufacturer holds (the orphan too) is whole.
db_ok "$tmp/mfg.db" "$pki/owner.pub.pem" "manufacturer after kills"
srv_start m "$mfg" serve --config "$tmp/mfg.conf" --log-level warn

# ---- 3. the device killed while writing its credential ----
for point in device.store.partial device.store.synced device.store.renamed; do
    cred=$tmp/w-$point.cred
    crash_cmd "$point" dev-$point "$dev" di --url "$m_http" --cred "$cred"
    if [ $point = device.store.renamed ]; then
        check "first DI killed at $point: the new credential loads" \
            "$dev" show --cred "$cred"
    else
        expect "first DI killed at $point: no credential file" "[ ! -e '$cred' ]"
    fi
    # Over an existing credential.
    rm -f "$cred" "$tmp"/.w-*.tmp.*
    "$dev" di --url "$m_http" --cred "$cred" >/dev/null 2>&1
    cp "$cred" "$tmp/before.cred"
    crash_cmd "$point" dev2-$point "$dev" di --url "$m_http" --cred "$cred" \
        --force
    check "DI over a credential killed at $point: a credential loads" \
        "$dev" show --cred "$cred"
    if [ $point = device.store.renamed ]; then
        expect "... the new one" "! cmp -s '$cred' '$tmp/before.cred'"
    else
        expect "... the old one, byte for byte" "cmp -s '$cred' '$tmp/before.cred'"
    fi
done
# At random moments around the write (a DI takes a few tens of ms).
cred=$tmp/rand.cred
"$dev" di --url "$m_http" --cred "$cred" >/dev/null 2>&1
for delay in 0.01 0.02 0.03 0.04 0.05 0.06 0.08 0.1; do
    "$dev" di --url "$m_http" --cred "$cred" --force >/dev/null 2>&1 &
    p=$!
    sleep $delay
    kill -9 $p 2>/dev/null
    wait $p 2>/dev/null
    if "$dev" show --cred "$cred" >/dev/null 2>&1; then
        echo "$delay" >>"$tmp/rand.ok"
    fi
done
expect "DI killed at 8 random moments: the credential always loads" \
    "[ \$(wc -l <'$tmp/rand.ok') -eq 8 ]"

# ---- owners ----
own_conf() { # NAME TO0(yes|no) [PORT]
    cat >"$tmp/$1.conf" <<EOF2
listen = http://127.0.0.1:${3:-0} coap://[::1]:0
db = $tmp/$1.db
owner_keys = $pki/owner.key.pem
to0 = $2
to0_poll = 1
to0_retry_first = 1
to0_wait_seconds = 3600
to2_addresses = http://127.0.0.1:${3:-1}
EOF2
}

# A new device, its voucher extended to the owner and imported.
new_device() { # CRED OWNER_CONF
    "$dev" di --url "$m_http" --cred "$1" >"$tmp/nd.out" 2>&1 || return 1
    g=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/nd.out")
    "$mfg" export --config "$tmp/mfg.conf" --guid "$g" \
        --extend-to "$pki/owner.pub.pem" -o "$tmp/$g.ext.pem" 2>/dev/null &&
        "$own" import --config "$2" "$tmp/$g.ext.pem" >/dev/null 2>&1
}

# ---- 4. TO0: rendezvous killed around its commit, owner after 23 ----
own_conf o0 yes
srv_start o0 "$own" serve --config "$tmp/o0.conf" --log-level warn
o0_port=$(port_of "$o0_http")
srv_stop o0
own_conf o0 yes "$o0_port"
n=0
for point in rv.to0.before_commit rv.to0.committed owner.to0.registered; do
    n=$((n + 1))
    cred=$tmp/to0-$n.cred
    new_device "$cred" "$tmp/o0.conf" || bad "to0 $point: device setup"
    g=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/nd.out")
    case $point in
    rv.*)
        srv_stop rv
        export ZTO_CRASH_AT=$point
        srv_start rv_crash "$rvs" --config "$tmp/rv.conf" --log-level warn
        unset ZTO_CRASH_AT
        srv_start o0 "$own" serve --config "$tmp/o0.conf" --log-level warn
        died "$rv_crash_child" rv_crash "$point"
        srv_start rv "$rvs" --config "$tmp/rv.conf" --log-level warn
        ;;
    *)
        export ZTO_CRASH_AT=$point
        srv_start o0_crash "$own" serve --config "$tmp/o0.conf" \
            --log-level warn
        unset ZTO_CRASH_AT
        died "$o0_crash_child" o0_crash "$point"
        srv_start o0 "$own" serve --config "$tmp/o0.conf" --log-level warn
        ;;
    esac
    if wait_registered "$tmp/o0.conf" "$g" 10; then
        ok "$point: the owner registers $g after the restart"
    else
        bad "$point: $g not registered after the restart"
    fi
    check "$point: the device finds the owner (TO1) and onboards (TO2)" \
        "$dev" onboard --cred "$cred" --download-dir "$tmp/dl"
    srv_stop o0
done

# ---- 5. the owner killed during TO2 ----
own_conf o2 no
n=0
for case in in.64:http out.65:coap in.68:http in.70:http out.71:coap; do
    n=$((n + 1))
    point=owner.to2.${case%%:*}
    via=${case##*:}
    cred=$tmp/to2-$n.cred
    new_device "$cred" "$tmp/o2.conf" || bad "$point: device setup"
    g=$(sed -n 's/.*GUID \([0-9a-f]*\)$/\1/p' "$tmp/nd.out")
    "$own" export --config "$tmp/o2.conf" --guid "$g" -o "$tmp/to2-before.pem" \
        2>/dev/null
    cp "$cred" "$tmp/to2-before.cred"
    export ZTO_CRASH_AT=$point
    srv_start o2c "$own" serve --config "$tmp/o2.conf" --log-level warn
    unset ZTO_CRASH_AT
    [ $via = http ] && url=$o2c_http || url=$o2c_coap
    check_fails "TO2 over $via while the owner dies at $point" "$dev" onboard \
        --cred "$cred" --owner "$url" --download-dir "$tmp/dl" --timeout 2
    died "$o2c_child" o2c "$point"
    expect "$point: the device's credential is unchanged" \
        "cmp -s '$cred' '$tmp/to2-before.cred'"
    srv_start o2 "$own" serve --config "$tmp/o2.conf" --log-level warn
    [ $via = http ] && url=$o2_http || url=$o2_coap
    check "$point: the device runs TO2 again and succeeds" "$dev" onboard \
        --cred "$cred" --owner "$url" --download-dir "$tmp/dl"
    newg=$(sed -n 's/.*new credential stored in .*, GUID \([0-9a-f]*\)$/\1/p' \
        "$tmp/last.out")
    check "$point: ... the owner's replacement voucher exports" "$own" export \
        --config "$tmp/o2.conf" --guid "$newg" -o "$tmp/to2-after.pem"
    check "$point: ... and verifies with the device's new credential" \
        "$di_check" "$tmp/to2-after.pem" "$cred" 0
    srv_stop o2
done
db_ok "$tmp/o2.db" "$pki/owner.pub.pem" "owner after the TO2 kills"
db_ok "$tmp/o0.db" "$pki/owner.pub.pem" "owner after the TO0 kills"
db_ok "$tmp/rv.db" "$pki/owner.pub.pem" "rendezvous after the TO0 kills"

# ---- 6. the device killed writing the credential TO2 gives it ----
own_conf o3 no
srv_start o3 "$own" serve --config "$tmp/o3.conf" --log-level warn
for point in device.store.partial device.store.renamed; do
    cred=$tmp/to2w-$point.cred
    new_device "$cred" "$tmp/o3.conf" || bad "$point: device setup"
    cp "$cred" "$tmp/to2w-before.cred"
    crash_cmd "$point" to2dev-$point "$dev" onboard --cred "$cred" \
        --owner "$o3_http" --download-dir "$tmp/dl"
    check "TO2 killed at $point: a credential loads" "$dev" show --cred "$cred"
    if [ $point = device.store.renamed ]; then
        expect "... the new one" "! cmp -s '$cred' '$tmp/to2w-before.cred'"
    else
        expect "... the old one, byte for byte" \
            "cmp -s '$cred' '$tmp/to2w-before.cred'"
        check "... and TO2 runs again to success" "$dev" onboard \
            --cred "$cred" --owner "$o3_http" --download-dir "$tmp/dl"
    fi
done

finish "crash ($(($(date +%s) - t_start)) s)"
