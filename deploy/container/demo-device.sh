#!/bin/sh
# demo-device.sh - the demo device of deploy/container/compose.yaml: Device
# Initialize at the manufacturer, then onboarding through rendezvous to
# the owner. In between it plays the factory and the buyer through the
# admin APIs: the voucher is extended to the owner's key and uploaded to
# the owner, with a file for the device in its ServiceInfo plan.
# Idempotent: run again, it skips what is done (the credential and the
# "onboarded" mark live in STATE).
#
# Environment (defaults: the compose service names):
#   MFG_URL=http://manufacturer:8039      the manufacturer (DI)
#   MFG_ADMIN=http://manufacturer:9039    its admin API
#   OWNER_ADMIN=http://owner:9042         the owner's admin API
#   TOKEN_FILE=/etc/zto/admin.token       admin API bearer token
#   OWNER_PUB=/etc/zto/pki/owner.pub.pem  the owner's public key
#   STATE=/var/lib/zto-device             credential, files, marks
#   SERIAL=DEMO-0001                      serial number sent in DI
#   DEMO_FILE=hello.txt                   plan step: this file of the
#                                         owner's svi_dir ("" for none)
#   WAIT=120                              seconds allowed for each wait
set -eu
: "${MFG_URL:=http://manufacturer:8039}" "${MFG_ADMIN:=http://manufacturer:9039}"
: "${OWNER_ADMIN:=http://owner:9042}" "${TOKEN_FILE:=/etc/zto/admin.token}"
: "${OWNER_PUB:=/etc/zto/pki/owner.pub.pem}" "${STATE:=/var/lib/zto-device}"
: "${SERIAL:=DEMO-0001}" "${DEMO_FILE=hello.txt}" "${WAIT:=120}"

say() { echo "demo-device: $*"; }
die() { echo "demo-device: $*" >&2; exit 1; }

# api METHOD URL [curl args]: status in $status, body in $STATE/api.out
api() {
    m=$1; u=$2; shift 2
    status=$(curl -s -o "$STATE/api.out" -w '%{http_code}' -X "$m" \
        -H "Authorization: Bearer $token" "$@" "$u") || status=000
}

# until_ok WHAT CMD...: retry CMD every 2 s for WAIT seconds.
until_ok() {
    what=$1; shift
    t=0
    until "$@" >"$STATE/last.out" 2>&1; do
        t=$((t + 2))
        [ $t -le "$WAIT" ] || { cat "$STATE/last.out" >&2; die "$what: gave up"; }
        sleep 2
    done
}

up() { curl -sf -o /dev/null "$1/health"; }

[ -r "$TOKEN_FILE" ] || die "cannot read the admin token $TOKEN_FILE"
token=$(cat "$TOKEN_FILE")
mkdir -p "$STATE"
cred=$STATE/cred

if [ -f "$STATE/onboarded" ]; then
    say "already onboarded:"
    fdo-device show --cred "$cred"
    exit 0
fi

until_ok "waiting for the manufacturer" up "$MFG_ADMIN"
until_ok "waiting for the owner" up "$OWNER_ADMIN"

# 1. The factory: Device Initialize.
if [ ! -f "$cred" ]; then
    say "DI at $MFG_URL"
    until_ok "DI" fdo-device di --url "$MFG_URL" --cred "$cred" \
        --serial "$SERIAL"
fi
guid=$(fdo-device show --cred "$cred" | awk '$1 == "GUID" {print $2}')
[ -n "$guid" ] || die "no GUID in $cred"
say "device $guid"

# 2. The sale: voucher extended to the owner (extending again to the same
#    key is allowed), uploaded to the owner (409: it has it already).
api POST "$MFG_ADMIN/api/v1/manufacturer/vouchers/$guid/extend" \
    -H 'Content-Type: application/x-pem-file' --data-binary "@$OWNER_PUB"
[ "$status" = 200 ] || die "voucher extension: HTTP $status: $(cat "$STATE/api.out")"
cp "$STATE/api.out" "$STATE/voucher.pem"
api POST "$OWNER_ADMIN/api/v1/owner/vouchers" \
    -H 'Content-Type: application/x-pem-file' \
    --data-binary "@$STATE/voucher.pem"
case $status in
200) say "voucher uploaded to the owner" ;;
409) say "the owner has the voucher already" ;;
*) die "voucher upload: HTTP $status: $(cat "$STATE/api.out")" ;;
esac

# 3. A file for this device, once.
if [ -n "$DEMO_FILE" ]; then
    api GET "$OWNER_ADMIN/api/v1/owner/devices/$guid/serviceinfo"
    [ "$status" = 200 ] || die "ServiceInfo plan: HTTP $status"
    if ! grep -q "\"$DEMO_FILE\"" "$STATE/api.out"; then
        api POST "$OWNER_ADMIN/api/v1/owner/devices/$guid/serviceinfo" \
            -H 'Content-Type: application/json' --data "{\"kind\": \
\"download\", \"params\": {\"src\": \"$DEMO_FILE\", \"name\": \
\"demo/$DEMO_FILE\"}}"
        [ "$status" = 200 ] || [ "$status" = 201 ] ||
            die "ServiceInfo step: HTTP $status: $(cat "$STATE/api.out")"
        say "plan: $DEMO_FILE will be sent to the device"
    fi
fi

# 4. In the field: TO1 at rendezvous (once the owner has registered the
#    device there: until then TO1 fails and is tried again), then TO2.
api POST "$OWNER_ADMIN/api/v1/owner/devices/$guid/to0"
say "onboarding (TO1 + TO2)"
until_ok "onboarding" fdo-device onboard --cred "$cred" \
    --download-dir "$STATE/files"
cat "$STATE/last.out"
touch "$STATE/onboarded"
fdo-device show --cred "$cred"
say "done"
