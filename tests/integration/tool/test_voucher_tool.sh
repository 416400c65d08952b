#!/bin/bash
# test_voucher_tool.sh GROUP TOOL VT_GEN VECTORS
#
# End-to-end tests of fdo-voucher. GROUP is show, verify, extend, badinput
# or batch. Every case checks the exit status, what was printed and that
# no voucher file changed unless it had to. Exit 0 when all cases pass.
set -u

group=$1
TOOL=$2
GEN=$3
VEC=$4

T=$(mktemp -d "${TMPDIR:-/tmp}/vtool-test.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
umask 022

failures=0
checks=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

ok() {
    checks=$((checks + 1))
}

# run WANT_RC CMD... : run, keep stdout/stderr in $T/out and $T/err.
run() {
    local want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "exit $rc, want $want: $*"
        sed 's/^/    stdout: /' "$T/out" | head -20 >&2
        sed 's/^/    stderr: /' "$T/err" | head -20 >&2
        return 1
    fi
    ok
    return 0
}

# has FILE TEXT : FILE contains TEXT (fixed string).
has() {
    if grep -qF -- "$2" "$1"; then ok; else fail "$1 lacks '$2'"; fi
}

hasnt() {
    if grep -qF -- "$2" "$1"; then fail "$1 has '$2'"; else ok; fi
}

# one_error_line : exactly one line on stderr.
one_error_line() {
    local n
    n=$(wc -l <"$T/err")
    if [ "$n" -eq 1 ]; then ok; else
        fail "stderr has $n lines, want 1"
        sed 's/^/    stderr: /' "$T/err" >&2
    fi
}

same() {
    if cmp -s "$1" "$2"; then ok; else fail "$1 differs from $2"; fi
}

absent() {
    if [ -e "$1" ]; then fail "$1 exists"; else ok; fi
}

present() {
    if [ -e "$1" ]; then ok; else fail "$1 missing"; fi
}

# Fingerprint as the tool defines it: SHA-256 of the DER SPKI.
fp() {
    openssl pkey -pubin -in "$1" -outform DER 2>/dev/null | sha256sum |
        cut -d' ' -f1
}
fp_priv() {
    openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | sha256sum |
        cut -d' ' -f1
}

# A private key copied with safe permissions (the vectors are 0444).
key() {
    cp "$VEC/$1/$2.key.pem" "$T/$1-$2.key"
    chmod 600 "$T/$1-$2.key"
    echo "$T/$1-$2.key"
}

# snapshot DIR / unchanged DIR : no file in DIR changed.
snapshot() {
    (cd "$1" && find . -type f -exec sha256sum {} + | sort) >"$T/snap"
}
unchanged() {
    (cd "$1" && find . -type f -exec sha256sum {} + | sort) >"$T/snap2"
    if cmp -s "$T/snap" "$T/snap2"; then ok; else
        fail "files in $1 changed"
        diff "$T/snap" "$T/snap2" | head >&2
    fi
}

json_ok() {
    if command -v python3 >/dev/null 2>&1; then
        if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1"
        then ok; else fail "$1 is not valid JSON"; fi
    fi
}

# ------------------------------------------------------------------
test_show() {
    local s guid fp1 fp2
    for s in p256 p384; do
        guid=$(cat "$VEC/$s/guid.hex")
        fp1=$(fp "$VEC/$s/owner1.pub.pem")
        fp2=$(fp "$VEC/$s/owner2.pub.pem")

        run 0 "$TOOL" show "$VEC/$s/voucher.pem" || continue
        has "$T/out" "GUID               $guid"
        has "$T/out" "Protocol version   101"
        has "$T/out" 'Device info        "gotest"'
        has "$T/out" "RVDelaysec = 0"
        has "$T/out" "RVProtocol = http (1)"
        has "$T/out" 'RVDns = "localhost"'
        has "$T/out" "RVDevPort = 18080"
        has "$T/out" "subject: CN=device.go-fdo"
        has "$T/out" "Entries            1"
        has "$T/out" "Current owner key  "
        has "$T/out" "fingerprint $fp1"
        has "$T/out" "fingerprint $(fp "$VEC/$s/manufacturer.pub.pem")"
        if [ "$s" = p256 ]; then
            has "$T/out" "SECP256R1 (P-256), X509"
            has "$T/out" "Header HMAC        HMAC-SHA256"
            has "$T/out" "(hash SHA-256)"
        else
            has "$T/out" "SECP384R1 (P-384), X509"
            has "$T/out" "Header HMAC        HMAC-SHA384"
            has "$T/out" "(hash SHA-384)"
        fi
        grep '^Current owner key' "$T/out" >"$T/line"
        has "$T/line" "$fp1"

        run 0 "$TOOL" show --json "$VEC/$s/voucher-extended.cbor" || continue
        json_ok "$T/out"
        has "$T/out" "\"guid\": \"$guid\""
        has "$T/out" '"entry_count": 2'
        has "$T/out" '"protocol_version": 101'
        has "$T/out" '"device_info": "gotest"'
        has "$T/out" '"count": 1'
        # The last fingerprint printed is the owner key's: owner2.
        grep '"fingerprint_sha256"' "$T/out" | tail -1 >"$T/line"
        has "$T/line" "$fp2"
        if command -v python3 >/dev/null 2>&1; then
            python3 - "$T/out" "$guid" "$fp1" "$fp2" <<'EOF' && ok ||
import json, sys
d = json.load(open(sys.argv[1]))
v = d["vouchers"][0]
assert v["guid"] == sys.argv[2]
assert v["entry_count"] == 2 and len(v["entries"]) == 2
assert v["entries"][0]["next_owner_key"]["fingerprint_sha256"] == sys.argv[3]
assert v["entries"][1]["next_owner_key"]["fingerprint_sha256"] == sys.argv[4]
assert v["owner_key"]["fingerprint_sha256"] == sys.argv[4]
assert v["entries"][1]["extra_cbor"] == "41a0"
assert v["manufacturer_key"]["encoding_name"] == "X509"
assert [i["name"] for i in v["rendezvous_info"][1]["instructions"]] == \
    ["RVProtocol", "RVDns", "RVDevPort"]
assert v["rendezvous_info"][1]["instructions"][2]["value"] == 18080
assert len(v["cert_chain"]) == 2
EOF
                fail "JSON structure ($s)"
        fi
    done

    # Several vouchers in one file, PEM and CBOR.
    cat "$VEC/p256/voucher.pem" "$VEC/p384/voucher-extended.pem" >"$T/multi.pem"
    run 0 "$TOOL" show "$T/multi.pem" &&
        has "$T/out" "== voucher 2 of 2 in $T/multi.pem ==" &&
        has "$T/out" "GUID               $(cat "$VEC/p384/guid.hex")"
    cat "$VEC/p256/voucher.cbor" "$VEC/p384/voucher.cbor" >"$T/multi.cbor"
    run 0 "$TOOL" show --json "$T/multi.cbor" && has "$T/out" '"count": 2' &&
        json_ok "$T/out"
    # Stdin.
    run 0 "$TOOL" show --json - <"$VEC/p256/voucher.cbor" &&
        has "$T/out" '"entry_count": 1'

    # Every kind of RendezvousInfo value, and hostile DeviceInfo text.
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$T/m.key" 2>/dev/null
    openssl pkey -in "$T/m.key" -pubout -out "$T/m.pub" 2>/dev/null
    mkdir -p "$T/rich"
    run 0 "$GEN" gen --out "$T/rich" --count 1 --mfg-key "$T/m.key" \
        --owner "$T/m.pub" --chain-from "$VEC/p256/voucher.cbor" --rv-rich \
        --device-info "$(printf 'dev\033[31m\001\\\"\xff\xc2\x9b\xc3\xa9')"
    g=$(head -1 "$T/out")
    run 0 "$TOOL" show "$T/rich/$g.pem" &&
        has "$T/out" "[0] RVDevOnly" &&
        has "$T/out" "RVIPAddress = 127.0.0.1" &&
        has "$T/out" "RVOwnerPort = 8043" &&
        has "$T/out" "[1] RVDevPort = 443" &&
        has "$T/out" "      RVBypass" &&
        has "$T/out" "RVProtocol = https (2)" &&
        has "$T/out" 'RVWifiSsid = "plant-7"' &&
        has "$T/out" "RVWifiPw = (set, not shown)" &&
        has "$T/out" "RVMedium = wifi0 (10)" &&
        has "$T/out" "RVDelaysec = 30" &&
        has "$T/out" 'Device info        "dev\x1b[31m\x01\\"\xff\u009bé"' &&
        hasnt "$T/out" "hunter2"
    if LC_ALL=C grep -q "$(printf '\033')" "$T/out"; then
        fail "escape character reached the terminal"
    else ok; fi
    run 0 "$TOOL" show --json "$T/rich/$g.pem" &&
        has "$T/out" '"device_info": "dev\u001b[31m\u0001\\\"\ufffd\u009bé"' &&
        has "$T/out" '"hidden": true' && hasnt "$T/out" "hunter2" &&
        has "$T/out" '"value": "127.0.0.1"' &&
        has "$T/out" '"value_name": "wifi0"'
    json_ok "$T/out"

    # Help for the tool and every command.
    run 0 "$TOOL" --help && has "$T/out" "usage: fdo-voucher"
    for c in show verify extend extend-batch; do
        run 0 "$TOOL" "$c" --help && has "$T/out" "usage: fdo-voucher $c"
        run 0 "$TOOL" help "$c" && has "$T/out" "usage: fdo-voucher $c"
    done
    run 2 "$TOOL" && has "$T/err" "usage"
    run 2 "$TOOL" frobnicate && one_error_line
    run 2 "$TOOL" show --bogus "$VEC/p256/voucher.pem" &&
        has "$T/err" "unknown option '--bogus'" && one_error_line
    run 2 "$TOOL" show && one_error_line
    run 2 "$TOOL" verify --secret && has "$T/err" "needs a value"
}

# ------------------------------------------------------------------
test_verify() {
    local s hex other
    for s in p256 p384; do
        hex=$(tr -d '\n' <"$VEC/$s/device-hmac-secret.hex")
        run 0 "$TOOL" verify "$VEC/$s/voucher.pem" --secret "$hex" &&
            has "$T/out" "matches the device secret" &&
            has "$T/out" "=> VERIFIED" &&
            has "$T/out" "device certificate chain hash" &&
            has "$T/out" "entry 0: ES"
        run 0 "$TOOL" verify "$VEC/$s/voucher-extended.cbor" \
            --secret-file "$VEC/$s/device-hmac-secret.hex" &&
            has "$T/out" "entry 1: ES" && has "$T/out" "1 of 1 voucher verified"
        # A wrong secret: exit 1 and the reason on stderr.
        case "$hex" in
        0*) other="1${hex#?}" ;;
        *) other="0${hex#?}" ;;
        esac
        run 1 "$TOOL" verify "$VEC/$s/voucher.pem" --secret "$other" &&
            has "$T/out" "FAIL" && has "$T/out" "=> FAILED" &&
            has "$T/err" "does not match the device secret" && one_error_line
        # No secret: the HMAC is skipped, the rest verifies.
        run 0 "$TOOL" verify "$VEC/$s/voucher.pem" &&
            has "$T/out" "skip  header HMAC"
        # Device chain against its CA, and against a CA that did not sign.
        run 0 "$TOOL" verify "$VEC/$s/voucher.pem" \
            --ca "$VEC/$s/device-ca.chain.pem" && has "$T/out" "--ca root"
        # Expected owner.
        run 0 "$TOOL" verify "$VEC/$s/voucher.pem" \
            --owner "$VEC/$s/owner1.pub.pem" && has "$T/out" "expected key"
        run 1 "$TOOL" verify "$VEC/$s/voucher-extended.pem" \
            --owner "$VEC/$s/owner1.pub.pem" &&
            has "$T/err" "is not the expected key" && one_error_line
        run 0 "$TOOL" verify -q "$VEC/$s/voucher-extended.pem" &&
            [ ! -s "$T/out" ] && ok
    done
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$T/ca.key" -out "$T/ca.pem" -subj /CN=Other -days 2 \
        2>/dev/null || fail "openssl req"
    run 1 "$TOOL" verify "$VEC/p256/voucher.pem" --ca "$T/ca.pem" &&
        has "$T/err" "device certificate chain does not verify" &&
        one_error_line
    # Secret in a raw file (not hex).
    xxd -r -p "$VEC/p256/device-hmac-secret.hex" >"$T/raw.secret" 2>/dev/null ||
        python3 -c 'import sys;open(sys.argv[2],"wb").write(bytes.fromhex(open(sys.argv[1]).read().strip()))' \
            "$VEC/p256/device-hmac-secret.hex" "$T/raw.secret"
    run 0 "$TOOL" verify "$VEC/p256/voucher.pem" --secret-file "$T/raw.secret" &&
        has "$T/out" "matches the device secret"

    printf 'abc\n' >"$T/odd.hex"
    run 1 "$TOOL" verify "$VEC/p256/voucher.pem" --secret-file "$T/odd.hex" &&
        has "$T/err" "odd number of hex digits" && one_error_line

    # Several vouchers: every one is checked; one bad one fails the run.
    cat "$VEC/p256/voucher.pem" "$VEC/p256/voucher-extended.pem" >"$T/two.pem"
    run 0 "$TOOL" verify "$T/two.pem" && has "$T/out" "2 of 2 vouchers verified"
    # Flip one base64 character inside the second block's signature area.
    awk 'BEGIN{b=0} /BEGIN/{b++} {if (b==2 && !done && length($0)==64 &&
         ++n==30) {c=substr($0,10,1); r=(c=="A")?"B":"A";
         $0=substr($0,1,9) r substr($0,11); done=1} print}' \
        "$T/two.pem" >"$T/two-bad.pem"
    run 1 "$TOOL" verify "$T/two-bad.pem" &&
        has "$T/out" "1 of 2 vouchers verified" && one_error_line
    # Wrong secret for extended p384 from p256's file.
    run 1 "$TOOL" verify "$VEC/p384/voucher.pem" \
        --secret-file "$VEC/p256/device-hmac-secret.hex"
}

# ------------------------------------------------------------------
# extend_vector SET SIGLEN: voucher.cbor + owner1 -> owner2 as go-fdo did.
extend_vector() {
    local s=$1 sig=$2 k n
    k=$(key "$s" owner1)
    snapshot "$VEC/$s"
    run 0 "$TOOL" extend --voucher "$VEC/$s/voucher.cbor" --owner-key "$k" \
        --next-owner "$VEC/$s/owner2.pub.pem" -o "$T/$s-ext.cbor" \
        --extra-empty --secret-file "$VEC/$s/device-hmac-secret.hex" ||
        return
    has "$T/out" "extended $(cat "$VEC/$s/guid.hex")"
    has "$T/out" "$(fp "$VEC/$s/owner2.pub.pem")"
    unchanged "$VEC/$s"
    # Same length and bytes as go-fdo's extension except the signature.
    n=$(stat -c %s "$VEC/$s/voucher-extended.cbor")
    if [ "$(stat -c %s "$T/$s-ext.cbor")" -eq "$n" ]; then ok; else
        fail "$s: extended length differs"
    fi
    head -c $((n - sig)) "$T/$s-ext.cbor" >"$T/a"
    head -c $((n - sig)) "$VEC/$s/voucher-extended.cbor" >"$T/b"
    same "$T/a" "$T/b"
    if cmp -s "$T/$s-ext.cbor" "$VEC/$s/voucher-extended.cbor"; then
        fail "$s: signature identical (ECDSA is randomised)"
    else ok; fi
    # It verifies (tool and library) and its last entry names owner2.
    run 0 "$TOOL" verify "$T/$s-ext.cbor" --owner "$VEC/$s/owner2.pub.pem" \
        --secret-file "$VEC/$s/device-hmac-secret.hex"
    run 0 "$GEN" check "$T/$s-ext.cbor" "$VEC/$s/owner2.pub.pem" 2
    run 0 "$TOOL" show --json "$T/$s-ext.cbor" &&
        has "$T/out" '"entry_count": 2'
    grep '"fingerprint_sha256"' "$T/out" | tail -1 >"$T/line"
    has "$T/line" "$(fp "$VEC/$s/owner2.pub.pem")"
}

test_extend() {
    local k1 k2 km s
    extend_vector p256 64
    extend_vector p384 96

    k1=$(key p256 owner1)
    k2=$(key p256 owner2)
    km=$(key p256 manufacturer)
    # Default output: PEM, OVEExtra null; a second extension on top.
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.pem" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/e1.pem" &&
        head -1 "$T/e1.pem" | grep -qx -- '-----BEGIN OWNERSHIP VOUCHER-----' &&
        ok
    run 0 "$TOOL" show --json "$T/e1.pem" && has "$T/out" '"extra_cbor": null'
    run 0 "$TOOL" extend -i "$T/e1.pem" -k "$k2" \
        -n "$VEC/p256/owner1.pub.pem" -o "$T/e2.cbor"
    run 0 "$GEN" check "$T/e2.cbor" "$VEC/p256/owner1.pub.pem" 3
    head -c 1 "$T/e2.cbor" | od -An -tx1 | grep -q 85 && ok ||
        fail "e2.cbor is not CBOR"
    # --format overrides the extension; --extra builds OVEExtra.
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/fmt.pem" --format cbor \
        --extra 1=cafe --extra -3=00
    run 0 "$TOOL" show --json "$T/fmt.pem" &&
        has "$T/out" '"extra_cbor": "48a20142cafe224100"'
    run 0 "$GEN" check "$T/fmt.pem" "$VEC/p256/owner2.pub.pem" 2

    # The manufacturer is no longer the owner: refused, nothing written.
    snapshot "$VEC/p256"
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$km" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/wrong.cbor" &&
        has "$T/err" "owner key does not match the voucher's current owner (fingerprint $(fp_priv "$km"), expected $(fp "$VEC/p256/owner1.pub.pem")" &&
        one_error_line
    absent "$T/wrong.cbor"
    unchanged "$VEC/p256"
    ls -a "$T" | grep -q '^\.wrong' && fail "temporary file left" || ok

    # Key file permissions.
    cp "$k1" "$T/loose.key"
    chmod 644 "$T/loose.key"
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$T/loose.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/loose.cbor" &&
        has "$T/err" "accessible by group or others (mode 0644)" &&
        one_error_line
    absent "$T/loose.cbor"
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$T/loose.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/loose.cbor" --insecure-key-perms

    # SEC1 and DER private keys.
    openssl ec -in "$k1" -out "$T/sec1.key" 2>/dev/null
    chmod 600 "$T/sec1.key"
    grep -q 'BEGIN EC PRIVATE KEY' "$T/sec1.key" && ok || fail "no SEC1 key"
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$T/sec1.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/sec1.cbor"
    openssl pkey -in "$k1" -outform DER -out "$T/der.key" 2>/dev/null
    chmod 600 "$T/der.key"
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$T/der.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/der.cbor"
    # Encrypted keys are refused (no passphrase prompt).
    openssl pkey -in "$k1" -aes128 -passout pass:x -out "$T/enc.key" \
        2>/dev/null
    chmod 600 "$T/enc.key"
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$T/enc.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/enc.cbor" </dev/null &&
        has "$T/err" "encrypted private keys are not supported"
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" \
        -k "pkcs11:token=x;object=y" -n "$VEC/p256/owner2.pub.pem" \
        -o "$T/p11.cbor" && has "$T/err" "PKCS#11" && one_error_line

    # The next owner: other curve, a private key, a certificate.
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$k1" \
        -n "$VEC/p384/owner2.pub.pem" -o "$T/curve.cbor" &&
        has "$T/err" "next owner key is SECP384R1 (P-384) but this voucher's keys are SECP256R1 (P-256)" &&
        one_error_line
    absent "$T/curve.cbor"
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$k1" \
        -n "$k2" -o "$T/priv.cbor" && has "$T/err" "holds a private key"
    openssl req -x509 -new -key "$k2" -subj /CN=owner2 -days 2 \
        -out "$T/owner2.crt" 2>/dev/null
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$k1" \
        -n "$T/owner2.crt" -o "$T/bycert.cbor"
    run 0 "$GEN" check "$T/bycert.cbor" "$VEC/p256/owner2.pub.pem" 2

    # OUT: never replaced unless --force, or literally IN.
    echo keep >"$T/exists.pem"
    run 1 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/exists.pem" &&
        has "$T/err" "already exists" && one_error_line
    [ "$(cat "$T/exists.pem")" = keep ] && ok || fail "exists.pem changed"
    run 0 "$TOOL" extend -i "$VEC/p256/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/exists.pem" --force
    run 0 "$GEN" check "$T/exists.pem" "$VEC/p256/owner2.pub.pem" 2
    cp "$VEC/p256/voucher.pem" "$T/inplace.pem"
    ln -s inplace.pem "$T/alias.pem"
    cp "$T/inplace.pem" "$T/inplace.orig"
    run 1 "$TOOL" extend -i "$T/inplace.pem" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/alias.pem" &&
        has "$T/err" "is the input voucher under another name" &&
        one_error_line
    same "$T/inplace.pem" "$T/inplace.orig"
    run 0 "$TOOL" extend -i "$T/inplace.pem" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/inplace.pem"
    run 0 "$GEN" check "$T/inplace.pem" "$VEC/p256/owner2.pub.pem" 2

    # A voucher as DI leaves it (no entries): the manufacturer extends.
    mkdir -p "$T/di"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
        -out "$T/di/mfg.key" 2>/dev/null
    chmod 600 "$T/di/mfg.key"
    openssl pkey -in "$T/di/mfg.key" -pubout -out "$T/di/mfg.pub" 2>/dev/null
    run 0 "$GEN" gen --out "$T/di" --count 1 --mfg-key "$T/di/mfg.key" \
        --owner "$T/di/mfg.pub" --chain-from "$VEC/p384/voucher.cbor" \
        --no-entry --secrets "$T/di"
    g=$(head -1 "$T/out")
    run 0 "$TOOL" verify "$T/di/$g.pem" --secret-file "$T/di/$g.hex" \
        --owner "$T/di/mfg.pub" && has "$T/out" "entries: none"
    run 0 "$TOOL" extend -i "$T/di/$g.pem" -k "$T/di/mfg.key" \
        -n "$VEC/p384/owner1.pub.pem" -o "$T/di/out.pem" \
        --secret-file "$T/di/$g.hex"
    run 0 "$GEN" check "$T/di/out.pem" "$VEC/p384/owner1.pub.pem" 1
    run 0 "$TOOL" show "$T/di/out.pem" &&
        has "$T/out" "Entries            1 (hash SHA-384)" &&
        has "$T/out" "signed ES384 by the manufacturer key"

    # RSA vouchers, with a PKCS#1 ("RSA PRIVATE KEY") owner key.
    mkdir -p "$T/rsa"
    for n in mfg o1 o2; do
        openssl genrsa -traditional -out "$T/rsa/$n.key" 2048 2>/dev/null
        chmod 600 "$T/rsa/$n.key"
        openssl rsa -in "$T/rsa/$n.key" -pubout -out "$T/rsa/$n.pub" \
            2>/dev/null
    done
    grep -q 'BEGIN RSA PRIVATE KEY' "$T/rsa/o1.key" && ok || fail "no PKCS#1"
    run 0 "$GEN" gen --out "$T/rsa" --count 1 --mfg-key "$T/rsa/mfg.key" \
        --owner "$T/rsa/o1.pub" --chain-from "$VEC/p256/voucher.cbor"
    g=$(head -1 "$T/out")
    run 0 "$TOOL" extend -i "$T/rsa/$g.pem" -k "$T/rsa/o1.key" \
        -n "$T/rsa/o2.pub" -o "$T/rsa/out.pem"
    run 0 "$GEN" check "$T/rsa/out.pem" "$T/rsa/o2.pub" 2
    run 0 "$TOOL" show "$T/rsa/out.pem" &&
        has "$T/out" "signed RS256 by the previous owner key" &&
        has "$T/out" "RSA2048RESTR (RSA 2048)"

    # X5CHAIN vouchers: the next owner must come as a certificate.
    mkdir -p "$T/x5"
    for n in mfg o1 o2; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
            -nodes -keyout "$T/x5/$n.key" -out "$T/x5/$n.crt" \
            -subj "/CN=$n" -days 2 2>/dev/null
        chmod 600 "$T/x5/$n.key"
        openssl x509 -in "$T/x5/$n.crt" -pubkey -noout >"$T/x5/$n.pub"
    done
    run 0 "$GEN" gen --out "$T/x5" --count 1 --mfg-key "$T/x5/mfg.key" \
        --owner "$T/x5/o1.crt" --x5chain "$T/x5/mfg.crt" \
        --chain-from "$VEC/p256/voucher.cbor"
    g=$(head -1 "$T/out")
    run 1 "$TOOL" extend -i "$T/x5/$g.pem" -k "$T/x5/o1.key" \
        -n "$T/x5/o2.pub" -o "$T/x5/bare.pem" &&
        has "$T/err" "X5CHAIN" && one_error_line
    absent "$T/x5/bare.pem"
    run 0 "$TOOL" extend -i "$T/x5/$g.pem" -k "$T/x5/o1.key" \
        -n "$T/x5/o2.crt" -o "$T/x5/out.pem"
    run 0 "$GEN" check "$T/x5/out.pem" "$T/x5/o2.pub" 2
    run 0 "$TOOL" show --json "$T/x5/out.pem" &&
        has "$T/out" '"encoding_name": "X5CHAIN"' &&
        has "$T/out" '"subject": "CN=o2"'
    json_ok "$T/out"
}

# ------------------------------------------------------------------
# Bad input: exit 1 (2 for usage), one line on stderr, nothing changed.
test_badinput() {
    local k1 in f
    k1=$(key p256 owner1)
    in="$T/in"
    mkdir -p "$in"
    cp "$VEC/p256/voucher.pem" "$VEC/p256/voucher.cbor" "$in/"
    chmod 644 "$in"/*
    # Corrupted PEM: a character outside base64.
    sed '5s/^./*/' "$VEC/p256/voucher.pem" >"$in/badb64.pem"
    # Corrupted PEM: valid base64 of different bytes (CBOR garbage).
    sed '2s/^..../AAAA/' "$VEC/p256/voucher.pem" >"$in/garbled.pem"
    # No END line.
    grep -v END "$VEC/p256/voucher.pem" >"$in/noend.pem"
    # Truncated CBOR, and PEM of truncated CBOR.
    head -c 700 "$VEC/p256/voucher.cbor" >"$in/trunc.cbor"
    # A flipped bit in the signature: decodes, does not verify.
    cp "$VEC/p256/voucher.cbor" "$in/badsig.cbor"
    printf '\x01' | dd of="$in/badsig.cbor" bs=1 seek=1250 conv=notrunc \
        2>/dev/null
    : >"$in/empty.pem"
    echo "hello world" >"$in/text.txt"
    cp "$VEC/p256/owner1.pub.pem" "$in/akey.pem"
    head -c 4 "$VEC/p256/voucher.cbor" >"$in/short.cbor"
    # Protocol version 100.
    cp "$VEC/p256/voucher.cbor" "$in/v100.cbor"
    printf '\x64' | dd of="$in/v100.cbor" bs=1 seek=2 conv=notrunc 2>/dev/null
    mkdir "$in/adir"
    snapshot "$in"

    for f in badb64.pem garbled.pem noend.pem trunc.cbor empty.pem text.txt \
        akey.pem short.cbor v100.cbor adir missing.pem; do
        run 1 "$TOOL" show "$in/$f" || continue
        one_error_line
        run 1 "$TOOL" verify "$in/$f" && has "$T/err" "$f"
        run 1 "$TOOL" extend -i "$in/$f" -k "$k1" \
            -n "$VEC/p256/owner2.pub.pem" -o "$T/out-$f" && one_error_line
        absent "$T/out-$f"
    done
    run 1 "$TOOL" show "$in/badb64.pem" && has "$T/err" "corrupted PEM"
    run 1 "$TOOL" show "$in/noend.pem" && has "$T/err" "corrupted PEM"
    run 1 "$TOOL" show "$in/trunc.cbor" && has "$T/err" "truncated CBOR"
    run 1 "$TOOL" show "$in/empty.pem" && has "$T/err" "empty file"
    run 1 "$TOOL" show "$in/akey.pem" && has "$T/err" "holds PUBLIC KEY"
    run 1 "$TOOL" show "$in/v100.cbor" &&
        has "$T/err" "protocol version 100 is not supported"
    run 1 "$TOOL" show "$in/missing.pem" && has "$T/err" "No such file"
    run 1 "$TOOL" show "$in/adir" && has "$T/err" "not a regular file"
    run 1 "$TOOL" verify "$in/badsig.cbor" &&
        has "$T/err" "signature does not verify" && one_error_line
    run 1 "$TOOL" extend -i "$in/badsig.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" &&
        has "$T/err" "voucher does not verify" && one_error_line
    absent "$T/x.cbor"

    # Every 11th truncation fails cleanly; every 11th single-bit flip is
    # caught by verify (with the secret, so the HMAC bytes count too) and
    # never crashes show.
    local len i b rc crashed=0 missed=0
    len=$(stat -c %s "$VEC/p256/voucher.cbor")
    for ((i = 1; i < len; i += 11)); do
        head -c "$i" "$VEC/p256/voucher.cbor" >"$T/cut.cbor"
        "$TOOL" show "$T/cut.cbor" >/dev/null 2>&1
        rc=$?
        [ "$rc" -eq 1 ] || { crashed=$((crashed + 1)); echo "cut $i: $rc" >&2; }
    done
    for ((i = 0; i < len; i += 11)); do
        cp "$VEC/p256/voucher.cbor" "$T/flip.cbor"
        b=$(od -An -tu1 -j "$i" -N1 "$T/flip.cbor" | tr -d ' ')
        printf "\\$(printf '%03o' $((b ^ 1)))" |
            dd of="$T/flip.cbor" bs=1 seek="$i" conv=notrunc 2>/dev/null
        "$TOOL" show "$T/flip.cbor" >/dev/null 2>&1
        rc=$?
        [ "$rc" -le 1 ] || { crashed=$((crashed + 1)); echo "flip $i: $rc" >&2; }
        "$TOOL" verify "$T/flip.cbor" \
            --secret-file "$VEC/p256/device-hmac-secret.hex" >/dev/null 2>&1
        rc=$?
        [ "$rc" -eq 1 ] || { missed=$((missed + 1)); echo "flip $i: verify $rc" >&2; }
    done
    [ "$crashed" -eq 0 ] && ok || fail "$crashed truncations/flips not exit 1"
    [ "$missed" -eq 0 ] && ok || fail "$missed flips not rejected by verify"

    # Key and next-owner files: missing, corrupt, wrong kind.
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$T/nokey.pem" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" &&
        has "$T/err" "nokey.pem" && one_error_line
    printf -- '-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n' \
        >"$T/bad.key"
    chmod 600 "$T/bad.key"
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$T/bad.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" &&
        has "$T/err" "not a private key" && one_error_line
    cp "$VEC/p256/owner1.pub.pem" "$T/pub.key"
    chmod 600 "$T/pub.key"
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$T/pub.key" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" &&
        has "$T/err" "not a private key" && one_error_line
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$T/nothere.pem" -o "$T/x.cbor" && one_error_line
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$in/text.txt" -o "$T/x.cbor" && has "$T/err" "no PUBLIC KEY" &&
        one_error_line
    sed '2s/^./*/' "$VEC/p256/owner2.pub.pem" >"$T/badpub.pem"
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$T/badpub.pem" -o "$T/x.cbor" && has "$T/err" "corrupted PEM" &&
        one_error_line
    # Several vouchers where extend expects one.
    cat "$in/voucher.pem" "$in/voucher.pem" >"$T/two.pem"
    run 1 "$TOOL" extend -i "$T/two.pem" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" &&
        has "$T/err" "holds 2 vouchers" && one_error_line
    absent "$T/x.cbor"

    # Unwritable output.
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/no/such/dir/x.cbor" &&
        has "$T/err" "cannot write $T/no/such/dir/x.cbor" && one_error_line
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$in/text.txt/x.cbor" &&
        one_error_line
    if [ "$(id -u)" -ne 0 ]; then
        mkdir "$T/ro"
        chmod 555 "$T/ro"
        run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
            -n "$VEC/p256/owner2.pub.pem" -o "$T/ro/x.cbor" && one_error_line
        absent "$T/ro/x.cbor"
    fi
    if [ -w /dev/full ]; then
        "$TOOL" show "$in/voucher.pem" >/dev/full 2>"$T/err"
        [ $? -eq 1 ] && ok || fail "show to a full disk did not fail"
        one_error_line
    fi

    # Bad arguments.
    run 2 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" -o "$T/x.cbor" &&
        one_error_line
    run 2 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" --format der &&
        one_error_line
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" --extra x=00 &&
        one_error_line
    run 1 "$TOOL" extend -i "$in/voucher.cbor" -k "$k1" \
        -n "$VEC/p256/owner2.pub.pem" -o "$T/x.cbor" --extra 1=zz &&
        one_error_line
    run 1 "$TOOL" verify "$in/voucher.pem" --secret 12345 && one_error_line
    run 1 "$TOOL" verify "$in/voucher.pem" --ca "$in/text.txt" &&
        has "$T/err" "no CERTIFICATE" && one_error_line
    run 2 "$TOOL" verify "$in/voucher.pem" --secret 00 --secret-file x
    absent "$T/x.cbor"

    # Batch: unknown GUID, bad manifest lines, missing buyer key.
    mkdir -p "$T/bv" "$T/buyers"
    cp "$in/voucher.pem" "$T/bv/$(cat "$VEC/p256/guid.hex").pem"
    cp "$VEC/p256/owner2.pub.pem" "$T/buyers/acme.pem"
    echo "00112233445566778899aabbccddeeff" >"$T/list.txt"
    run 1 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bo" \
        --next-owner "$VEC/p256/owner2.pub.pem" --list "$T/list.txt" &&
        has "$T/out" "unknown GUID" && has "$T/out" "0 extended, 1 failed"
    echo "not-a-guid,acme" >"$T/bad.csv"
    run 1 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bo2" \
        --manifest "$T/bad.csv" --buyers "$T/buyers" &&
        has "$T/err" "bad.csv:1" && one_error_line
    absent "$T/bo2"
    echo "$(cat "$VEC/p256/guid.hex"),../etc" >"$T/bad2.csv"
    run 1 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bo2" \
        --manifest "$T/bad2.csv" --buyers "$T/buyers" &&
        has "$T/err" "buyer name" && one_error_line
    echo "$(cat "$VEC/p256/guid.hex"),nobody" >"$T/nob.csv"
    run 1 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bo3" \
        --manifest "$T/nob.csv" --buyers "$T/buyers" &&
        has "$T/out" "buyer 'nobody'" && has "$T/out" "1 failed"
    run 2 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bo4"
    run 2 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bo4" \
        --next-owner "$VEC/p256/owner2.pub.pem" --manifest "$T/nob.csv"
    run 1 "$TOOL" extend-batch --vouchers "$T/bv" -k "$k1" -o "$T/bv" \
        --next-owner "$VEC/p256/owner2.pub.pem" &&
        has "$T/err" "must not be the voucher directory"
    run 1 "$TOOL" extend-batch --vouchers "$T/nodir" -k "$k1" -o "$T/bo5" \
        --next-owner "$VEC/p256/owner2.pub.pem" && one_error_line

    unchanged "$in"
}

# ------------------------------------------------------------------
test_batch() {
    local V="$T/v" B="$T/buyers" g buyer i n bad fails
    mkdir -p "$V" "$B" "$T/secrets"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$T/mfg.key" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -out "$T/wh.key" 2>/dev/null
    chmod 600 "$T/mfg.key" "$T/wh.key"
    openssl pkey -in "$T/wh.key" -pubout -out "$T/wh.pub" 2>/dev/null
    for buyer in acme globex; do
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -out "$T/$buyer.key" 2>/dev/null
        openssl pkey -in "$T/$buyer.key" -pubout -out "$B/$buyer.pem" \
            2>/dev/null
    done

    # 100 fresh vouchers owned by the warehouse key (every 10th as CBOR).
    run 0 "$GEN" gen --out "$V" --count 100 --mfg-key "$T/mfg.key" \
        --owner "$T/wh.pub" --chain-from "$VEC/p256/voucher.cbor" \
        --secrets "$T/secrets" --cbor-every 10 || return
    cp "$T/out" "$T/guids"
    n=$(sort -u "$T/guids" | wc -l)
    [ "$n" -eq 100 ] && ok || fail "$n distinct GUIDs, want 100"
    # Five of them only inside one multi-voucher file (found by scanning).
    : >"$V/bundle.pem"
    for g in $(sed -n '2,6p' "$T/guids"); do
        cat "$V/$g.pem" >>"$V/bundle.pem"
        rm "$V/$g.pem"
    done
    # One is checked with its HMAC secret before shipping.
    g=$(sed -n 2p "$T/guids")
    run 0 "$TOOL" verify "$V/bundle.pem" --owner "$T/wh.pub" &&
        has "$T/out" "5 of 5 vouchers verified"

    # The manifest: alternate buyers, a header, a comment, a UUID form.
    {
        echo "guid,buyer"
        echo "# shipment 42"
        i=0
        while read -r g; do
            if [ $((i % 2)) -eq 0 ]; then buyer=acme; else buyer=globex; fi
            if [ "$i" -eq 7 ]; then
                g=$(echo "$g" | sed -E 's/(.{8})(.{4})(.{4})(.{4})(.{12})/\1-\2-\3-\4-\5/' |
                    tr a-f A-F)
            fi
            echo "$g, $buyer"
            i=$((i + 1))
        done <"$T/guids"
    } >"$T/ship.csv"
    snapshot "$V"
    run 0 "$TOOL" extend-batch --vouchers "$V" --manifest "$T/ship.csv" \
        --buyers "$B" --owner-key "$T/wh.key" -o "$T/out1" || return
    has "$T/out" "summary: 100 extended, 0 failed"
    unchanged "$V"
    i=0
    bad=0
    while read -r g; do
        if [ $((i % 2)) -eq 0 ]; then buyer=acme; else buyer=globex; fi
        if ! "$GEN" check "$T/out1/$buyer/$g.pem" "$B/$buyer.pem" 2 \
            2>>"$T/checkerr"; then
            bad=$((bad + 1))
        fi
        i=$((i + 1))
    done <"$T/guids"
    [ "$bad" -eq 0 ] && ok || fail "$bad of 100 outputs do not verify"
    n=$(find "$T/out1" -type f | wc -l)
    [ "$n" -eq 100 ] && ok || fail "$n outputs, want 100"
    [ "$(ls "$T/out1/acme" | wc -l)" -eq 50 ] && ok || fail "acme != 50"
    # The tool agrees, HMAC included, and each names its buyer.
    g=$(sed -n 1p "$T/guids")
    run 0 "$TOOL" verify "$T/out1/acme/$g.pem" --owner "$B/acme.pem" \
        --secret-file "$T/secrets/$g.hex"
    run 1 "$TOOL" verify "$T/out1/acme/$g.pem" --owner "$B/globex.pem"

    # Running again into the same place replaces nothing.
    snapshot "$T/out1"
    run 1 "$TOOL" extend-batch --vouchers "$V" --manifest "$T/ship.csv" \
        --buyers "$B" --owner-key "$T/wh.key" -o "$T/out1" &&
        has "$T/out" "summary: 0 extended, 100 failed" &&
        has "$T/out" "already exists"
    unchanged "$T/out1"

    # Second run with three corrupted inputs: exactly those fail.
    cp -r "$V" "$T/v2"
    g1=$(sed -n 10p "$T/guids") # .pem: base64 damaged
    g2=$(sed -n 11p "$T/guids") # .cbor: truncated
    g3=$(sed -n 20p "$T/guids") # .pem: one base64 character changed
    [ -f "$T/v2/$g1.pem" ] && [ -f "$T/v2/$g2.cbor" ] &&
        [ -f "$T/v2/$g3.pem" ] && ok || fail "test layout"
    sed -i '6s/^./*/' "$T/v2/$g1.pem"
    head -c 600 "$V/$g2.cbor" >"$T/v2/$g2.cbor"
    awk 'NR==12 {c=substr($0,20,1); r=(c=="A")?"B":"A";
         $0=substr($0,1,19) r substr($0,21)} {print}' "$V/$g3.pem" \
        >"$T/v2/$g3.pem"
    snapshot "$T/v2"
    run 1 "$TOOL" extend-batch --vouchers "$T/v2" --manifest "$T/ship.csv" \
        --buyers "$B" --owner-key "$T/wh.key" -o "$T/out2"
    has "$T/out" "summary: 97 extended, 3 failed"
    grep '^FAIL' "$T/out" | awk '{print $2}' | sort >"$T/failed"
    printf '%s\n' "$g1" "$g2" "$g3" | sort >"$T/want"
    same "$T/failed" "$T/want"
    has "$T/err" "3 of 100 vouchers failed"
    n=$(find "$T/out2" -type f | wc -l)
    [ "$n" -eq 97 ] && ok || fail "$n outputs, want 97"
    for g in "$g1" "$g2" "$g3"; do
        [ -z "$(find "$T/out2" -name "$g.*")" ] && ok || fail "$g written"
    done
    unchanged "$T/v2"
    [ -z "$(find "$T/out2" -name '.*' -type f)" ] && ok ||
        fail "temporary files left"

    # Every voucher of a directory to one key; and a GUID list.
    run 1 "$TOOL" extend-batch --vouchers "$T/v2" --owner-key "$T/wh.key" \
        --next-owner "$B/globex.pem" -o "$T/out3" --format cbor &&
        has "$T/out" "summary: 97 extended, 3 failed"
    [ "$(find "$T/out3" -name '*.cbor' | wc -l)" -eq 97 ] && ok ||
        fail "out3 count"
    run 0 "$TOOL" extend-batch --dir "$V" --owner-key "$T/wh.key" \
        --next-owner "$B/globex.pem" -o "$T/out4" &&
        has "$T/out" "summary: 100 extended, 0 failed"
    bad=0
    for f in "$T"/out4/*.pem; do
        "$GEN" check "$f" "$B/globex.pem" 2 || bad=$((bad + 1))
    done
    [ "$bad" -eq 0 ] && ok || fail "$bad out4 outputs do not verify"
    sed -n '1,10p' "$T/guids" >"$T/ten.txt"
    run 0 "$TOOL" extend-batch --vouchers "$V" --list "$T/ten.txt" \
        --owner-key "$T/wh.key" --next-owner "$B/acme.pem" -o "$T/out5" &&
        has "$T/out" "summary: 10 extended, 0 failed"
    # A GUID listed twice fails (both times); the others go on.
    { sed -n '1,3p' "$T/guids"; sed -n 1p "$T/guids"; } >"$T/dup.txt"
    run 1 "$TOOL" extend-batch --vouchers "$V" --list "$T/dup.txt" \
        --owner-key "$T/wh.key" --next-owner "$B/acme.pem" -o "$T/out6" &&
        has "$T/out" "summary: 2 extended, 2 failed" &&
        has "$T/out" "listed more than once"
    # The wrong owner key fails every voucher and writes nothing.
    run 1 "$TOOL" extend-batch --vouchers "$V" --list "$T/ten.txt" \
        --owner-key "$T/mfg.key" --next-owner "$B/acme.pem" -o "$T/out7" &&
        has "$T/out" "summary: 0 extended, 10 failed" &&
        has "$T/out" "owner key does not match"
    [ -z "$(find "$T/out7" -type f)" ] && ok || fail "out7 not empty"
    unchanged "$T/v2"
}

case "$group" in
show) test_show ;;
verify) test_verify ;;
extend) test_extend ;;
badinput) test_badinput ;;
batch) test_batch ;;
*)
    echo "unknown group $group" >&2
    exit 2
    ;;
esac

echo "$group: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
