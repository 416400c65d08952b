#!/bin/sh
# test_openapi_routes.sh SRC_DIR - docs/api/openapi.yaml and the route
# tables of the admin API describe the same routes: every route a role
# serves is documented with its method, and every documented route of a
# role built from this tree is served.
src=$1
. "$(dirname "$0")/../lib/common.sh"

# "METHOD /path" of every route table entry in the role files.
for f in "$src/manufacturer/mfg_admin.c" "$src/rendezvous/rv_admin.c" \
    "$src/owner/owner_api.c"; do
    [ -f "$f" ] || continue
    tr '\n' ' ' <"$f" | grep -o 'ZTO_ADMIN_[A-Z]*, *"/api/[^"]*"' |
        sed 's/ZTO_ADMIN_\([A-Z]*\), *"\(.*\)"/\1 \2/'
done | sort >"$tmp/code"

# The same from the document: a path line, then its method lines.
awk '/^  \/[^ ]*:$/ { p = $1; sub(/:$/, "", p); next }
     /^  [^ ]/ { p = "" }
     p != "" && /^    (get|post|put|delete):$/ {
         m = $1; sub(/:$/, "", m); print toupper(m) " " p }' \
    "$src/docs/api/openapi.yaml" | sort >"$tmp/doc"

n=$(wc -l <"$tmp/code")
[ "$n" -ge 11 ] || { echo "FAIL: only $n routes found in the code"; exit 1; }
while read -r line; do
    grep -qx "$line" "$tmp/doc" || { echo "FAIL: not documented: $line"; fails=$((fails + 1)); }
done <"$tmp/code"
while read -r m p; do
    case $p in
    /api/v1/manufacturer/*) f=$src/manufacturer/mfg_admin.c ;;
    /api/v1/rendezvous/*) f=$src/rendezvous/rv_admin.c ;;
    /api/v1/owner/*) f=$src/owner/owner_api.c ;;
    *) continue ;;
    esac
    [ -f "$f" ] || continue
    grep -qx "$m $p" "$tmp/code" || { echo "FAIL: documented, not served: $m $p"; fails=$((fails + 1)); }
done <"$tmp/doc"
echo "$n routes in the code, $(wc -l <"$tmp/doc") operations documented, $fails problems"
[ $fails -eq 0 ]
