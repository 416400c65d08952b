#!/bin/sh
# test_units.sh SOURCE_DIR BIN_DIR - the deployment files, checked without
# running them (no systemd, no container engine here):
#
#   systemd   "systemd-analyze verify" accepts each unit of deploy/systemd
#             without a warning (ExecStart pointed at BIN_DIR, man pages
#             from docs/man), and refuses the units as shipped while
#             /usr/bin has no such programs; "systemd-analyze security"
#             rates each unit's exposure at most 2.0 of 10; a misspelt
#             setting is caught;
#             sysusers and tmpfiles snippets applied to a scratch root;
#             units, examples and directories agree.
#   container the Containerfile targets named by compose.yaml exist, the
#             files it copies exist, its runtime stage installs every
#             library the programs link, its build stage the headers;
#             the demo scripts parse, and demo-setup.sh writes
#             configurations every server accepts.
# Skips (77) without systemd-analyze.
src=$1
bin=$2
. "$(dirname "$0")/../lib/common.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze not installed (Debian package systemd)"
    exit 77
fi
roles="manufacturer rendezvous owner"

# Documentation=man:fdo-X(1) is checked with man(1) when there is one,
# against this tree's pages.
mkdir -p "$tmp/man/man1"
cp "$src"/docs/man/*.1 "$tmp/man/man1/"
manopt=--man=no
command -v man >/dev/null 2>&1 && manopt=--man=yes

# verify FILE...: systemd-analyze verify, any output is a failure.
verify() {
    MANPATH=$tmp/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify $manopt \
        "$@" >"$tmp/verify.out" 2>&1 && [ ! -s "$tmp/verify.out" ]
}

# ---- the units, pointed at the programs of this build ----
mkdir -p "$tmp/units"
for r in $roles; do
    sed "s|/usr/bin/|$bin/|g" "$src/deploy/systemd/fdo-$r.service" \
        >"$tmp/units/fdo-$r.service"
done
if verify "$tmp"/units/fdo-*.service; then
    ok "systemd-analyze verify: the three units ($manopt)"
else
    bad "systemd-analyze verify:"; sed 's/^/    /' "$tmp/verify.out"
fi

# The check is not vacuous: a misspelt setting is reported.
cp "$tmp/units/fdo-owner.service" "$tmp/bad.service"
echo "ProtectSytem=strict" >>"$tmp/bad.service"
if verify "$tmp/bad.service"; then
    bad "a misspelt setting went unnoticed"
else
    ok "a misspelt setting is caught: $(grep -o "Unknown key[^,]*" \
        "$tmp/verify.out" | head -1)"
fi

# As shipped, ExecStart names /usr/bin: verify refuses a unit whose
# program is not there (this machine runs the tests from the build tree).
for r in $roles; do
    if [ -x "/usr/bin/fdo-$r" ]; then
        echo "ok: /usr/bin/fdo-$r is installed: shipped unit not refused"
        continue
    fi
    if verify "$src/deploy/systemd/fdo-$r.service"; then
        bad "fdo-$r.service accepted without /usr/bin/fdo-$r"
    elif grep -q "Command /usr/bin/fdo-$r is not executable" \
        "$tmp/verify.out"; then
        ok "fdo-$r.service as shipped: refused while /usr/bin/fdo-$r is absent"
    else
        bad "fdo-$r.service as shipped:"; sed 's/^/    /' "$tmp/verify.out"
    fi
done

# Exposure score of the sandboxing (0 best .. 10 worst).
for r in $roles; do
    u=$tmp/units/fdo-$r.service
    if systemd-analyze security --offline=yes --threshold=20 "$u" \
        >"$tmp/sec.out" 2>&1; then
        ok "fdo-$r.service: $(grep -o 'exposure level.*' "$tmp/sec.out" |
            sed 's/ [^ ]*$//')"
    else
        bad "fdo-$r.service: exposure above 2.0:"
        grep '✗' "$tmp/sec.out" | sed 's/^/    /'
    fi
done

# Hardening the daemons rely on being there (and nothing giving it back).
for r in $roles; do
    u=$src/deploy/systemd/fdo-$r.service
    for want in "NoNewPrivileges=yes" "ProtectSystem=strict" \
        "ProtectHome=yes" "PrivateTmp=yes" "PrivateDevices=yes" \
        "CapabilityBoundingSet=" "MemoryDenyWriteExecute=yes" \
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
        "SystemCallFilter=@system-service" "User=fdo-$r" \
        "StateDirectory=zto/$r" "ConfigurationDirectory=zto" \
        'ExecReload=/bin/kill -HUP $MAINPID'; do
        grep -qxF -- "$want" "$u" || bad "fdo-$r.service lacks '$want'"
    done
    # The state directory is where the example puts the database.
    case $r in
    manufacturer | owner) ex=$r ;;
    rendezvous) ex=rendezvous ;;
    esac
    grep -q "^db = /var/lib/zto/$r/" "$src/deploy/$ex.conf.example" ||
        bad "deploy/$ex.conf.example: db is not in /var/lib/zto/$r/"
    grep -q "^ExecStart=/usr/bin/fdo-$r .*--config /etc/zto/$ex.conf\$" "$u" ||
        bad "fdo-$r.service: ExecStart is not fdo-$r --config /etc/zto/$ex.conf"
    [ -x "$bin/fdo-$r" ] || bad "no program fdo-$r in $bin"
done
ok "the units carry the hardening, the paths of the examples"

# ---- sysusers and tmpfiles on a scratch root ----
root=$tmp/root
mkdir -p "$root/etc"
if systemd-sysusers --root="$root" "$src/deploy/systemd/zto.sysusers" \
    >"$tmp/su.out" 2>&1 &&
    systemd-tmpfiles --root="$root" --create \
        "$src/deploy/systemd/zto.tmpfiles" >"$tmp/tf.out" 2>&1; then
    ok "systemd-sysusers and systemd-tmpfiles applied to a scratch root"
    for r in $roles; do
        uid=$(awk -F: -v u="fdo-$r" '$1 == u {print $3}' "$root/etc/passwd")
        for d in "etc/zto/$r" "var/lib/zto/$r"; do
            st=$(stat -c '%u %a' "$root/$d" 2>/dev/null)
            [ -n "$uid" ] && [ "$st" = "$uid 700" ] ||
                bad "/$d: owner and mode '$st', want '$uid 700'"
        done
    done
    ok "each role's key and state directories belong to its user, mode 700"
else
    bad "sysusers / tmpfiles:"; cat "$tmp/su.out" "$tmp/tf.out"
fi

# ---- container files ----
cf=$src/deploy/container/Containerfile
compose=$src/deploy/container/compose.yaml
for t in $(sed -n 's/^ *build: {<<: \*build, target: \([a-z-]*\)}.*/\1/p' \
    "$compose" | sort -u); do
    grep -q "^FROM .* AS $t\$" "$cf" && ok "compose target $t is a stage" ||
        bad "compose names target $t, not a stage of the Containerfile"
done
grep -q "target:" "$compose" || bad "compose.yaml names no target"
# Files copied from the build context exist.
# Sources of COPY (not --from=), continuation lines joined.
awk '{ while ($0 ~ /\\$/ && (getline nxt) > 0) { sub(/\\$/, ""); $0 = $0 " " nxt }
       if ($1 == "COPY" && $2 !~ /^--from/)
           for (i = 2; i < NF; i++) if ($i != ".") print $i }' "$cf" \
    >"$tmp/copies"
while read -r f; do
    [ -e "$src/$f" ] || bad "Containerfile copies $f, which does not exist"
done <"$tmp/copies"
ok "Containerfile: $(wc -l <"$tmp/copies") copied files exist"
# Volumes used by services are declared.
for v in $(sed -n 's/^ *- \([a-z-]*\):\/.*/\1/p' "$compose" | sort -u); do
    grep -q "^  $v:\$" "$compose" || bad "compose: volume $v not declared"
done
# The runtime stage has every library the programs link.
runtime=$(sed -n '/^FROM .* AS runtime$/,/^FROM /p' "$cf")
if ldd "$bin/fdo-owner" 2>/dev/null | grep -q 'libasan\|libubsan'; then
    # The images are built without sanitizers.
    echo "ok: (sanitizer build: runtime libraries not checked)"
elif command -v ldd >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; then
    for p in fdo-manufacturer fdo-rendezvous fdo-owner fdo-device fdo-voucher; do
        ldd "$bin/$p" | awk '$3 ~ /^\// {print $3}'
    done | sort -u | while read -r lib; do
        dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib"
    done | cut -d: -f1 | sort -u >"$tmp/libpkgs"
    while read -r pkg; do
        [ "$pkg" = libc6 ] && continue
        echo "$runtime" | grep -qw -- "$pkg" ||
            bad "Containerfile runtime stage lacks $pkg"
    done <"$tmp/libpkgs"
    ok "runtime stage installs $(grep -cv '^libc6$' "$tmp/libpkgs") library packages the programs need"
else
    echo "ok: (ldd or dpkg missing: runtime libraries not checked)"
fi
build_stage=$(sed -n '/^FROM .* AS build$/,/^FROM /p' "$cf")
for pkg in cmake pkg-config libssl-dev libcbor-dev libcoap3-dev libevent-dev \
    libsqlite3-dev; do
    echo "$build_stage" | grep -qw -- "$pkg" ||
        bad "Containerfile build stage lacks $pkg"
done
grep -q '^USER zto$' "$cf" || bad "Containerfile: no non-root USER"
ok "build stage installs the headers; images run as zto"
for s in demo-setup.sh demo-device.sh; do
    sh -n "$src/deploy/container/$s" && ok "$s parses" ||
        bad "$s: syntax"
done

# demo-setup.sh writes configurations the servers accept.
mkdir -p "$tmp/db/manufacturer" "$tmp/db/rendezvous" "$tmp/db/owner"
if env MFG_HOST=127.0.0.1 RV_HOST=127.0.0.1 OWNER_HOST=127.0.0.1 \
    ADMIN_HOST=127.0.0.1 DB_DIR="$tmp/db" GEN_PKI="$src/scripts/gen-pki" \
    TOKEN_CMD="$bin/fdo-owner" ZTO_UID="$(id -u)" \
    sh "$src/deploy/container/demo-setup.sh" "$tmp/etc" >"$tmp/setup.out" 2>&1
then
    ok "demo-setup.sh: $(cat "$tmp/setup.out")"
    "$bin/fdo-manufacturer" serve --config "$tmp/etc/manufacturer.conf" -t \
        >/dev/null 2>"$tmp/c.err" && ok "demo manufacturer.conf accepted" ||
        { bad "demo manufacturer.conf:"; cat "$tmp/c.err"; }
    "$bin/fdo-rendezvous" --config "$tmp/etc/rendezvous.conf" -t \
        >/dev/null 2>"$tmp/c.err" && ok "demo rendezvous.conf accepted" ||
        { bad "demo rendezvous.conf:"; cat "$tmp/c.err"; }
    "$bin/fdo-owner" serve --config "$tmp/etc/owner.conf" -t \
        >/dev/null 2>"$tmp/c.err" && ok "demo owner.conf accepted" ||
        { bad "demo owner.conf:"; cat "$tmp/c.err"; }
    [ "$(stat -c %a "$tmp/etc/admin.token")" = 600 ] &&
        [ "$(wc -c <"$tmp/etc/admin.token")" -gt 40 ] &&
        ok "demo admin token: mode 600" || bad "demo admin token"
    cp "$tmp/etc/owner.conf" "$tmp/owner.before"
    sh "$src/deploy/container/demo-setup.sh" "$tmp/etc" >"$tmp/setup2.out" \
        2>&1 && grep -q "set up already" "$tmp/setup2.out" &&
        cmp -s "$tmp/owner.before" "$tmp/etc/owner.conf" &&
        ok "demo-setup.sh a second time changes nothing" ||
        bad "demo-setup.sh second run"
else
    bad "demo-setup.sh:"; cat "$tmp/setup.out"
fi

finish
