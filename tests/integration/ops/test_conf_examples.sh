#!/bin/sh
# test_conf_examples.sh BIN_DIR SOURCE_DIR - the shipped configuration
# examples (deploy/<role>.conf.example):
#
#   - each one, with its paths pointed at this test's files, passes its
#     server's --check-config;
#   - every option of the server's keyword table (as --print-config lists
#     them, set or not) appears in the example as "name = ..." or
#     "#name = ...", with prose comment above it or after it: a new
#     option that is not documented fails here;
#   - every "name = ..." line of the example is an option the server
#     knows (no stale documentation).
bin=$1
src=$2
. "$(dirname "$0")/../lib/common.sh"

pki=$tmp/pki
"$src/scripts/gen-pki" "$pki" p256 >/dev/null || exit 1
mkdir -p "$tmp/trust"
cp "$pki/owner.pub.pem" "$tmp/trust/"

# The examples' paths, rewritten to this test's files.
sed -e "s|/etc/zto/manufacturer/|$pki/|" \
    -e "s|/var/lib/zto/manufacturer/|$tmp/|" \
    "$src/deploy/manufacturer.conf.example" >"$tmp/manufacturer.conf"
sed -e "s|/var/lib/zto/rendezvous/|$tmp/|" \
    -e "s|^#trusted_owner_keys = .*|trusted_owner_keys = $tmp/trust|" \
    "$src/deploy/rendezvous.conf.example" >"$tmp/rendezvous.conf"
sed -e "s|/etc/zto/owner/|$pki/|" -e "s|/var/lib/zto/owner/|$tmp/|" \
    "$src/deploy/owner.conf.example" >"$tmp/owner.conf"

for role in manufacturer rendezvous owner; do
    ex=$src/deploy/$role.conf.example
    case $role in
    rendezvous) cmd="$bin/fdo-rendezvous" ;;
    *) cmd="$bin/fdo-$role serve" ;;
    esac
    # shellcheck disable=SC2086
    check "$role: the example passes --check-config" $cmd \
        --config "$tmp/$role.conf" --check-config
    # shellcheck disable=SC2086
    if ! $cmd --config "$tmp/$role.conf" --print-config >"$tmp/$role.T" \
        2>"$tmp/$role.Terr"; then
        echo "FAIL: $role: --print-config:"; cat "$tmp/$role.Terr"
        fails=$((fails + 1))
        continue
    fi
    # Keywords: "name = value" or "# name = (unset)".
    sed -n -e 's/^\([a-z][a-z0-9_]*\) = .*/\1/p' \
        -e 's/^# \([a-z][a-z0-9_]*\) = (unset)$/\1/p' "$tmp/$role.T" |
        sort -u >"$tmp/$role.kw"
    nkw=$(wc -l <"$tmp/$role.kw")
    checks=$((checks + 1))
    if [ "$nkw" -lt 10 ]; then
        echo "FAIL: $role: only $nkw keywords in --print-config"
        fails=$((fails + 1))
    fi
    # Options the example shows: "name = " or "#name = " at line start.
    sed -n 's/^#\{0,1\}\([a-z][a-z0-9_]*\) = .*/\1/p' "$ex" | sort -u \
        >"$tmp/$role.ex"
    missing=$(comm -23 "$tmp/$role.kw" "$tmp/$role.ex" | tr '\n' ' ')
    unknown=$(comm -13 "$tmp/$role.kw" "$tmp/$role.ex" | tr '\n' ' ')
    checks=$((checks + 1))
    if [ -n "$missing" ]; then
        echo "FAIL: $role: options missing from $ex: $missing"
        fails=$((fails + 1))
    else
        echo "ok: $role: all $nkw options appear in the example"
    fi
    checks=$((checks + 1))
    if [ -n "$unknown" ]; then
        echo "FAIL: $role: the example shows options the server does not" \
            "know: $unknown"
        fails=$((fails + 1))
    else
        echo "ok: $role: the example shows no unknown option"
    fi
    # Documented: above the first line of each option (past the option
    # lines grouped with it) is a prose comment, or the line has one.
    undoc=$(awk -v kwfile="$tmp/$role.kw" '
        BEGIN { while ((getline k < kwfile) > 0) want[k] = 1 }
        { line[NR] = $0 }
        END {
            for (i = 1; i <= NR; i++) {
                if (match(line[i], /^#?[a-z][a-z0-9_]* = /) == 0) continue
                name = line[i]; sub(/^#/, "", name); sub(/ = .*/, "", name)
                if (!(name in want) || (name in seen)) continue
                seen[name] = 1
                if (line[i] ~ /[ \t]#[ \t]*[A-Za-z]/) continue
                j = i - 1
                while (j > 0 && line[j] ~ /^#?[a-z][a-z0-9_]* = /) j--
                if (j < 1 || line[j] !~ /^# +[^ ]/) printf "%s ", name
            }
        }' "$ex")
    checks=$((checks + 1))
    if [ -n "$undoc" ]; then
        echo "FAIL: $role: options without a comment in $ex: $undoc"
        fails=$((fails + 1))
    else
        echo "ok: $role: every option has its comment"
    fi
done

# db_sync is the same option in the three servers (the owner's was
# db_sync_full: now an unknown option, refused with one line).
for role in manufacturer rendezvous owner; do
    case $role in
    rendezvous) cmd="$bin/fdo-rendezvous" ;;
    *) cmd="$bin/fdo-$role serve" ;;
    esac
    { cat "$tmp/$role.conf"; echo "db_sync = no"; } >"$tmp/$role.nosync.conf"
    # shellcheck disable=SC2086
    check "$role: db_sync = no accepted" $cmd \
        --config "$tmp/$role.nosync.conf" --print-config
    expect "$role: ... and in effect" "grep -qx 'db_sync = no' '$tmp/last.out'"
done
{ cat "$tmp/owner.conf"; echo "db_sync_full = no"; } >"$tmp/old.conf"
check_fails "owner: db_sync_full is no longer an option" \
    "$bin/fdo-owner" serve --config "$tmp/old.conf" --check-config
expect "... the error names it" "grep -q db_sync_full '$tmp/last.err'"

# The check is not vacuous: an option the example lacks is reported.
sed '/^#\{0,1\}log_target = /d' "$src/deploy/owner.conf.example" \
    >"$tmp/short.example"
sed -n 's/^#\{0,1\}\([a-z][a-z0-9_]*\) = .*/\1/p' "$tmp/short.example" |
    sort -u >"$tmp/short.ex"
expect_missing=$(comm -23 "$tmp/owner.kw" "$tmp/short.ex" | tr -d '\n')
checks=$((checks + 1))
if [ "$expect_missing" = log_target ]; then
    echo "ok: a removed option is reported (log_target)"
else
    echo "FAIL: removing log_target reported '$expect_missing'"
    fails=$((fails + 1))
fi

finish
