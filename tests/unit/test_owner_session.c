/*
 * test_owner_session.c - the TO2 session blob the owner keeps in its
 * database (owner/to2_session.c): every field survives a round trip,
 * truncated or altered blobs are refused (so a session cannot be
 * continued from a damaged row), and free wipes the secrets.
 */
#include <stdlib.h>

#include "test.h"
#include "to2_int.h"

static void
fill(struct to2_session *s)
{
    to2_session_init(s);
    s->state = TO2_S_SVI;
    memset(s->guid.b, 0x11, 16);
    memset(s->voucher_hash, 0x22, 32);
    s->num_entries = 3;
    s->kex_suite = ZTO_KEX_DHKEXID15;
    s->cipher = ZTO_COSE_AES256CTR;
    s->kex.secret_len = 384;
    memset(s->kex.secret, 0x33, 384);
    s->kex.random_len = 48;
    memset(s->kex.random, 0x44, 48);
    s->dev_max_msg = 2000;
    snprintf(s->key_fp, sizeof(s->key_fp), "%064d", 7);
    memset(s->nonce_prove_dv.b, 0x55, 16);
    memset(s->nonce_setup_dv.b, 0x66, 16);
    s->tunnel.key_len = 32;
    memset(s->tunnel.key, 0x77, 32);
    s->tunnel.mac_key_len = 32;
    memset(s->tunnel.mac_key, 0x88, 32);
    s->reuse_offered = false;
    s->reuse = true;
    memset(s->new_guid.b, 0x99, 16);
    s->new_hdr = malloc(100);
    memset(s->new_hdr, 0xaa, 100);
    s->new_hdr_len = 100;
    s->has_hmac = true;
    s->repl_hmac.type = ZTO_HMAC_SHA384;
    s->repl_hmac.len = 48;
    memset(s->repl_hmac.value, 0xbb, 48);
    s->owner_svi_max = 1300;
    s->svi.loaded = true;
    s->svi.rounds = 17;
    s->svi.done_sent = true;
    s->svi.dm.nmodules = 2;
    snprintf(s->svi.dm.modules[0], SVI_NAME_MAX, "devmod");
    snprintf(s->svi.dm.modules[1], SVI_NAME_MAX, "fdo.download");
    snprintf(s->svi.dm.os, SVI_NAME_MAX, "linux");
    s->svi.dm.complete = true;
}

int
main(void)
{
    struct to2_session a, b;
    uint8_t *blob = NULL, *copy;
    size_t len = 0, i;

    TEST_START("owner_session");
    fill(&a);
    ASSERT_OK(to2_session_encode(&a, &blob, &len));
    copy = test_exact_copy(blob, len);
    ASSERT_OK(to2_session_decode(copy, len, &b));
    free(copy);
    ASSERT_EQ(b.state, TO2_S_SVI);
    ASSERT_MEM_EQ(b.guid.b, a.guid.b, 16);
    ASSERT_MEM_EQ(b.voucher_hash, a.voucher_hash, 32);
    ASSERT_EQ(b.num_entries, 3);
    ASSERT_EQ(b.kex_suite, ZTO_KEX_DHKEXID15);
    ASSERT_EQ(b.kex.role, ZTO_KEX_OWNER);
    ASSERT_EQ(b.cipher, ZTO_COSE_AES256CTR);
    ASSERT_EQ(b.tunnel.cipher, ZTO_COSE_AES256CTR);
    ASSERT_EQ(b.kex.secret_len, 384);
    ASSERT_MEM_EQ(b.kex.secret, a.kex.secret, 384);
    ASSERT_MEM_EQ(b.kex.random, a.kex.random, 48);
    ASSERT_EQ(b.dev_max_msg, 2000);
    ASSERT_TRUE(strcmp(b.key_fp, a.key_fp) == 0);
    ASSERT_MEM_EQ(b.nonce_prove_dv.b, a.nonce_prove_dv.b, 16);
    ASSERT_MEM_EQ(b.nonce_setup_dv.b, a.nonce_setup_dv.b, 16);
    ASSERT_MEM_EQ(b.tunnel.key, a.tunnel.key, 32);
    ASSERT_MEM_EQ(b.tunnel.mac_key, a.tunnel.mac_key, 32);
    ASSERT_TRUE(b.reuse && !b.reuse_offered);
    ASSERT_MEM_EQ(b.new_guid.b, a.new_guid.b, 16);
    ASSERT_EQ(b.new_hdr_len, 100);
    ASSERT_MEM_EQ(b.new_hdr, a.new_hdr, 100);
    ASSERT_TRUE(b.has_hmac);
    ASSERT_EQ(b.repl_hmac.type, ZTO_HMAC_SHA384);
    ASSERT_MEM_EQ(b.repl_hmac.value, a.repl_hmac.value, 48);
    ASSERT_EQ(b.owner_svi_max, 1300);
    ASSERT_EQ(b.svi.rounds, 17);
    ASSERT_TRUE(b.svi.done_sent && b.svi.loaded && b.svi.dm.complete);
    ASSERT_EQ(b.svi.dm.nmodules, 2);
    ASSERT_TRUE(strcmp(b.svi.dm.modules[1], "fdo.download") == 0);
    ASSERT_TRUE(strcmp(b.svi.dm.os, "linux") == 0);
    /* Free wipes: nothing of the secrets is left. */
    to2_session_free(&b);
    ASSERT_EQ(b.tunnel.key_len, 0);
    ASSERT_EQ(b.tunnel.key[0], 0);
    ASSERT_EQ(b.kex.secret[0], 0);

    /* Every truncation and every single-byte change of the layout
     * version or the state is refused. */
    for (i = 0; i < len; i++) {
        copy = test_exact_copy(blob, i);
        ASSERT_FAILS(to2_session_decode(copy, i, &b));
        free(copy);
    }
    copy = test_exact_copy(blob, len);
    copy[1] = 2; /* layout version */
    ASSERT_ERR(to2_session_decode(copy, len, &b), ZTO_E_CORRUPT);
    copy[1] = 1;
    copy[2] = 9; /* no such state */
    ASSERT_ERR(to2_session_decode(copy, len, &b), ZTO_E_CORRUPT);
    free(copy);
    zto_zeroize(blob, len);
    free(blob);
    to2_session_free(&a);
    TEST_DONE();
}
