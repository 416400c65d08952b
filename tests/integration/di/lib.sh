# lib.sh - the manufacturer helpers of the tests that run DI (sourced
# after ../lib/common.sh, with bin set).
#
#   mfg_start NAME CONF   fdo-manufacturer serve --config CONF started with
#                         srv_start (NAME_pid, NAME_child, NAME_http,
#                         NAME_coap4, NAME_coap6 ...)
#   mfg_stop NAME [SIG]   srv_stop
#   write_conf FILE PKI_DIR DB  a manufacturer configuration on loopback
#                         (HTTP, CoAP over IPv4 and IPv6, ports chosen by
#                         the kernel)
#   write_http_conf FILE PKI_DIR DB RV  the same with HTTP only and one
#                         RendezvousInfo directive RV

mfg_start() { # NAME CONF
    srv_start "$1" "$bin/fdo-manufacturer" serve --config "$2" \
        --log-level warn
}

mfg_stop() { srv_stop "$@"; }

# write_conf FILE PKI_DIR DB
write_conf() {
    cat >"$1" <<EOF2
# written by tests/integration/di
http = 127.0.0.1:0
coap = 127.0.0.1:0
coap = [::1]:0
db = $3
manufacturer_key = $2/manufacturer.key.pem
device_ca_key = $2/device-ca.key.pem
device_ca_chain = $2/device-ca.crt.pem
rv = dns=rv.example.com,port=8041,protocol=http
rv = ip=127.0.0.1,port=8042,protocol=coap,bypass
device_cert_days = 30
EOF2
}

# write_http_conf FILE PKI_DIR DB RV
write_http_conf() {
    cat >"$1" <<EOF2
# written by tests/integration/di
http = 127.0.0.1:0
db = $3
manufacturer_key = $2/manufacturer.key.pem
device_ca_key = $2/device-ca.key.pem
device_ca_chain = $2/device-ca.crt.pem
rv = $4
EOF2
}
