/*
 * fuzz_x509.c - the crypto back end's decoders of peer and file input:
 * PKCS#10 requests (DeviceMfgInfo at DI), SPKI, certificates, private
 * keys (DER and PEM), certificate chains (the device chain of a voucher),
 * wire PublicKeys, and hex.
 *
 * Input: byte 0 mod 8 selects the decoder, the rest is its input:
 *   0 zto_csr_verify          4 zto_key_from_pem
 *   1 zto_key_from_spki_der   5 zto_cert_chain_verify (certificates as
 *   2 zto_key_from_cert_der     2-byte big-endian length + DER, leaf
 *   3 zto_key_from_private_der  first; then again with the last as root)
 *   6 zto_pubkey_decode + zto_key_from_pubkey
 *   7 zto_hex_decode
 *
 * Oracles: no crash, leak or over-read (exact-size copies); a key that
 * loads exports as SPKI (and PKCS#8 when private) and loads back as the
 * same key; a PublicKey that loads re-encodes as X509 and loads back as
 * the same key; hex that decodes re-encodes to the same text (lower
 * case).
 */
#include <ctype.h>

#include "fuzz_util.h"
#include "zto/zto_codec.h"
#include "zto/zto_util.h"

/* A loaded key survives an SPKI (and private DER) round trip. */
static void
key_round_trip(const struct zto_key *k)
{
    static uint8_t der[8192];
    struct zto_key b;
    size_t n = 0;

    FUZZ_CHECK(k->pk_type != 0 && k->bits > 0);
    FUZZ_CHECK(zto_key_spki_der(k, der, sizeof(der), &n) == ZTO_OK);
    zto_key_init(&b);
    FUZZ_CHECK(zto_key_from_spki_der(der, n, &b) == ZTO_OK);
    FUZZ_CHECK(zto_key_equal(k, &b) == ZTO_OK);
    zto_key_free(&b);
    if (!k->has_private)
        return;
    FUZZ_CHECK(zto_key_private_der(k, der, sizeof(der), &n) == ZTO_OK);
    zto_key_init(&b);
    FUZZ_CHECK(zto_key_from_private_der(der, n, &b) == ZTO_OK);
    FUZZ_CHECK(b.has_private && zto_key_equal(k, &b) == ZTO_OK);
    zto_key_free(&b);
    zto_zeroize(der, n);
}

static void
chain(const uint8_t *p, size_t n)
{
    struct zto_bytes c[ZTO_MAX_CERT_CHAIN_LEN];
    size_t nc = 0, off = 0;
    zto_err_t r;

    while (off + 2 <= n && nc < ZTO_MAX_CERT_CHAIN_LEN) {
        size_t len = (size_t)p[off] << 8 | p[off + 1];
        off += 2;
        if (len > n - off)
            len = n - off;
        c[nc++] = ZTO_BYTES(p + off, len);
        off += len;
    }
    if (nc == 0)
        return;
    /* Either result is fine; verifying against its own last certificate
     * as root must not do worse than without roots. */
    r = zto_cert_chain_verify(c, nc, NULL, 0);
    if (getenv("ZTO_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "chain of %zu -> %s\n", nc, zto_strerror(r));
    if (r == ZTO_OK)
        FUZZ_CHECK(zto_cert_chain_verify(c, nc, &c[nc - 1], 1) == ZTO_OK);
}

static void
pubkey(const uint8_t *p, size_t n)
{
    static uint8_t buf[8192];
    struct zto_pubkey pk, pk2;
    struct zto_key k, k2;
    zto_err_t r;

    if (zto_pubkey_decode(p, n, &pk) != ZTO_OK)
        return;
    zto_key_init(&k);
    r = zto_key_from_pubkey(&pk, &k);
    if (getenv("ZTO_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "PublicKey -> %s\n", zto_strerror(r));
    if (r == ZTO_OK) {
        FUZZ_CHECK(k.pk_type == pk.type);
        key_round_trip(&k);
        FUZZ_CHECK(zto_key_to_pubkey(&k, ZTO_PKENC_X509, buf, sizeof(buf),
                                     &pk2) == ZTO_OK);
        zto_key_init(&k2);
        FUZZ_CHECK(zto_key_from_pubkey(&pk2, &k2) == ZTO_OK);
        FUZZ_CHECK(zto_key_equal(&k, &k2) == ZTO_OK);
        FUZZ_CHECK(zto_pubkey_equal(&pk, &pk2) == ZTO_OK);
        zto_key_free(&k2);
    }
    zto_key_free(&k);
}

static void
hex(const uint8_t *p, size_t n)
{
    static uint8_t bin[4096];
    static char back[2 * sizeof(bin) + 1];
    size_t bn = 0, i;

    if (zto_hex_decode((const char *)p, n, bin, sizeof(bin), &bn) != ZTO_OK)
        return;
    FUZZ_CHECK(n == 2 * bn);
    FUZZ_CHECK(zto_hex_encode(bin, bn, back, sizeof(back)) == ZTO_OK);
    for (i = 0; i < n; i++)
        FUZZ_CHECK(back[i] == tolower(p[i]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct zto_key k;
    uint8_t *in;
    size_t n;
    zto_err_t r = ZTO_E_ARG;

    if (size < 1 || size > 65536)
        return 0;
    n = size - 1;
    in = malloc(n > 0 ? n : 1);
    FUZZ_CHECK(in != NULL);
    memcpy(in, data + 1, n);
    zto_key_init(&k);
    switch (data[0] % 8) {
    case 0:
        r = zto_csr_verify(in, n, &k);
        break;
    case 1:
        r = zto_key_from_spki_der(in, n, &k);
        break;
    case 2:
        r = zto_key_from_cert_der(in, n, &k);
        break;
    case 3:
        r = zto_key_from_private_der(in, n, &k);
        if (r == ZTO_OK)
            FUZZ_CHECK(k.has_private);
        break;
    case 4:
        r = zto_key_from_pem((const char *)in, n, &k);
        break;
    case 5:
        chain(in, n);
        break;
    case 6:
        pubkey(in, n);
        break;
    default:
        hex(in, n);
    }
    if (getenv("ZTO_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "decoder %d -> %s\n", data[0] % 8, zto_strerror(r));
    if (r == ZTO_OK)
        key_round_trip(&k);
    zto_key_free(&k);
    free(in);
    return 0;
}
