#!/bin/sh
# demo-setup.sh [DIR] - keys and configuration of the compose demo
# (deploy/container/compose.yaml), written into DIR (default /etc/zto)
# once: when DIR holds a finished setup it is left alone.
#
# Writes DIR/pki/ (scripts/gen-pki: manufacturer, device CA, owner keys),
# DIR/manufacturer.conf, DIR/rendezvous.conf, DIR/owner.conf, the admin
# API token the demo device uses (DIR/admin.token; the three servers
# accept it) and a file the owner sends to devices (DIR/demo/hello.txt).
# Run as root it hands everything to the daemons' user (ZTO_UID).
#
# Environment (defaults: the compose service names and the usual ports):
#   MFG_HOST=manufacturer RV_HOST=rendezvous OWNER_HOST=owner
#   MFG_PORT=8039 RV_PORT=8041 OWNER_PORT=8042   FDO (HTTP) ports
#   ADMIN_HOST=0.0.0.0      where the admin APIs listen (9039, 9041, 9042)
#   DB_DIR=/var/lib/zto     parent of each daemon's database directory
#   ZTO_UID=10001           owner of the files (when run as root)
#   GEN_PKI=<this directory>/gen-pki   TOKEN_CMD=fdo-owner
set -eu
dir=${1:-/etc/zto}
here=$(cd "$(dirname "$0")" && pwd)
: "${MFG_HOST:=manufacturer}" "${RV_HOST:=rendezvous}" "${OWNER_HOST:=owner}"
: "${MFG_PORT:=8039}" "${RV_PORT:=8041}" "${OWNER_PORT:=8042}"
: "${ADMIN_HOST:=0.0.0.0}" "${DB_DIR:=/var/lib/zto}" "${ZTO_UID:=10001}"
: "${GEN_PKI:=$here/gen-pki}" "${TOKEN_CMD:=fdo-owner}"

if [ -f "$dir/.demo-setup-done" ]; then
    echo "demo-setup: $dir is set up already"
    exit 0
fi
umask 077
mkdir -p "$dir/demo"
"$GEN_PKI" "$dir/pki" p256 >/dev/null
"$TOKEN_CMD" hash-token --generate >"$dir/admin.token.tmp"
sed -n 's/^token: //p' "$dir/admin.token.tmp" >"$dir/admin.token"
hash=$(sed -n 's/^admin_token_sha256 = //p' "$dir/admin.token.tmp")
rm -f "$dir/admin.token.tmp"
[ -s "$dir/admin.token" ] && [ -n "$hash" ] || {
    echo "demo-setup: no admin token" >&2
    exit 1
}
echo "hello from the demo owner" >"$dir/demo/hello.txt"

cat >"$dir/manufacturer.conf" <<CONF
# Written by demo-setup.sh for the compose demo.
http = *:$MFG_PORT
db = $DB_DIR/manufacturer/manufacturer.db
manufacturer_key = $dir/pki/manufacturer.key.pem
device_ca_key = $dir/pki/device-ca.key.pem
device_ca_chain = $dir/pki/device-ca.crt.pem
rv = dns=$RV_HOST,port=$RV_PORT,protocol=http
admin = $ADMIN_HOST:9039
admin_token_sha256 = $hash
CONF
cat >"$dir/rendezvous.conf" <<CONF
# Written by demo-setup.sh for the compose demo.
listen = http://*:$RV_PORT
db = $DB_DIR/rendezvous/rendezvous.db
trusted_owner_keys = $dir/pki/owner.pub.pem
trusted_manufacturer_keys = $dir/pki/manufacturer.pub.pem
admin = $ADMIN_HOST:9041
admin_token_sha256 = $hash
CONF
cat >"$dir/owner.conf" <<CONF
# Written by demo-setup.sh for the compose demo.
listen = http://*:$OWNER_PORT
db = $DB_DIR/owner/owner.db
owner_keys = $dir/pki/owner.key.pem
to2_addresses = http://$OWNER_HOST:$OWNER_PORT
to0_poll = 2
to0_retry_first = 2
to0_retry_max = 10
svi_dir = $dir/demo
admin = $ADMIN_HOST:9042
admin_token_sha256 = $hash
CONF
chmod 0644 "$dir"/*.conf "$dir/demo/hello.txt"
if [ "$(id -u)" -eq 0 ]; then
    chown -R "$ZTO_UID:$ZTO_UID" "$dir"
fi
touch "$dir/.demo-setup-done"
echo "demo-setup: keys and configuration written to $dir"
