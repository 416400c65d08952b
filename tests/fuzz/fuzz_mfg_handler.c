/*
 * fuzz_mfg_handler.c - the manufacturer's DI handler (mfg_handle) fed
 * arbitrary device messages, with an in-memory database.
 *
 * Input: byte 0 is the message type, the rest its body. Each run starts
 * from a fresh database and a fresh device (device library, P-256 key,
 * the p256 vector manufacturer and device CA, di_rig.h):
 *
 *   10        the body goes to the handler as the device's DI.AppStart
 *             (no session token);
 *   anything  a genuine DI.AppStart opens a session first; the body then
 *   else      goes to the handler with that session's token as a message
 *             of the given type (12 DI.SetHMAC, 255 ErrorMessage, or a
 *             type out of place).
 *
 * Oracles: no crash or over-read (the body is an exact-size copy); a
 * refused message gets an ErrorMessage naming it, returns no token and
 * leaves the database as it was; an accepted 10 answers an OVHeader
 * that decodes and stores one session; an accepted 12 stores exactly
 * one voucher that decodes, carries the header of the session and the
 * HMAC received, ends the session (a replay is refused with code 1 and
 * changes nothing), and is what the device's own DI.Done would see; a
 * refused 12 leaves the session usable: the genuine 12 still succeeds.
 *
 * With ZTO_FUZZ_SEEDS=DIR the first run writes genuine messages (10 with
 * P-256 and P-384 device keys, 12, 255) into DIR as seeds.
 */
#include "../unit/di_rig.h"
#include "fuzz_util.h"

#define MF_CLOCK 1800000000

struct mf {
    bool ready;
    struct rig r;
};

static struct mf mf_world;

static void
mf_quiet(void)
{
    (void)test_name;
    (void)test_failures;
    (void)test_checks;
}

static void
mf_teardown(void)
{
    if (mf_world.ready)
        rig_close(&mf_world.r);
    mf_world.ready = false;
}

/* A fresh database and a fresh device for every run. */
static void
mf_reset(int32_t key_type)
{
    struct rig *r = &mf_world.r;

    mf_quiet();
    if (!mf_world.ready) {
        FUZZ_CHECK(
            rig_open(r, "p256", ZTO_PK_SECP256R1, "SN-fuzz", "model-f") == 0);
        r->m.clock = MF_CLOCK;
        r->m.log = NULL;
        mf_world.ready = true;
        atexit(mf_teardown);
    }
    zto_db_close(r->db);
    FUZZ_CHECK(zto_db_open(":memory:", ZTO_DB_MANUFACTURER, NULL, &r->db) ==
               ZTO_OK);
    r->m.db = r->db;
    zto_device_free(&r->dev);
    memset(&r->store, 0, sizeof(r->store));
    r->cfg.key_type = key_type;
    zto_device_init(&r->dev);
    FUZZ_CHECK(zto_device_setup(&r->dev, &r->cfg, r->work, r->work_len) ==
               ZTO_OK);
}

struct call {
    zto_err_t r;
    uint8_t type;
    size_t len;
    char tok[MFG_TOKEN_LEN + 1];
    uint8_t out[ZTO_MAX_MSG_SIZE];
};

/* One request with an exact-size copy of the body (ASan sees any
 * over-read). */
static void
mf_call(struct call *c, uint8_t type, const uint8_t *body, size_t len,
        const char *token)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);

    FUZZ_CHECK(copy != NULL);
    memcpy(copy, body, len);
    memset(c->tok, 0x55, sizeof(c->tok));
    c->r =
        mfg_handle(&mf_world.r.m, type, copy, len, token, c->out,
                   sizeof(c->out), &c->len, &c->type, c->tok, sizeof(c->tok));
    if (getenv("ZTO_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "msg %u -> %s, answer %u (%zu bytes)\n", (unsigned)type,
                zto_strerror(c->r), (unsigned)c->type, c->len);
    free(copy);
}

/* A refusal: ErrorMessage for `type`, no token, nothing stored. */
static void
mf_refused(const struct call *c, uint8_t type, int64_t changes_before)
{
    struct zto_error_msg em;

    FUZZ_CHECK(c->r != ZTO_OK);
    FUZZ_CHECK(c->type == ZTO_MSG_ERROR && c->tok[0] == '\0');
    FUZZ_CHECK(zto_error_msg_decode(c->out, c->len, &em) == ZTO_OK);
    FUZZ_CHECK(em.code != 0 && em.prev_msg == type);
    FUZZ_CHECK(zto_db_mfg_changes(mf_world.r.db) == changes_before);
}

static void
mf_seed(const char *dir, const char *name, uint8_t type, const uint8_t *body,
        size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "wb")) == NULL)
        return;
    fputc(type, f);
    fwrite(body, 1, len, f);
    fclose(f);
}

static void
mf_write_seeds(const char *dir)
{
    static struct call c;
    static uint8_t a[ZTO_MAX_MSG_SIZE];
    size_t an = 0;
    uint8_t at = 0;
    struct zto_error_msg em;

    mf_reset(ZTO_PK_SECP384R1);
    FUZZ_CHECK(zto_di_step(&mf_world.r.dev, 0, NULL, 0, a, sizeof(a), &an,
                           &at) == ZTO_OK);
    mf_seed(dir, "app_start_p384", at, a, an);
    mf_reset(ZTO_PK_SECP256R1);
    FUZZ_CHECK(zto_di_step(&mf_world.r.dev, 0, NULL, 0, a, sizeof(a), &an,
                           &at) == ZTO_OK);
    mf_seed(dir, "app_start_p256", at, a, an);
    mf_call(&c, at, a, an, NULL);
    FUZZ_CHECK(c.r == ZTO_OK);
    FUZZ_CHECK(zto_di_step(&mf_world.r.dev, c.type, c.out, c.len, a, sizeof(a),
                           &an, &at) == ZTO_OK);
    mf_seed(dir, "set_hmac_p256", at, a, an);
    memset(&em, 0, sizeof(em));
    em.code = 101;
    em.prev_msg = ZTO_MSG_DI_SET_CREDENTIALS;
    em.text = ZTO_BYTES("bad header", 10);
    FUZZ_CHECK(zto_error_msg_encode(&em, a, sizeof(a), &an) == ZTO_OK);
    mf_seed(dir, "error_after_11", ZTO_MSG_ERROR, a, an);
}

/* An accepted DI.SetHMAC: one voucher, the session's header and the
 * HMAC sent, the session gone; a replay changes nothing. */
static void
mf_check_voucher(const uint8_t *hdr, size_t hdr_len, const uint8_t *body,
                 size_t len, const char *tok)
{
    static struct call c;
    static uint8_t ov[ZTO_MAX_MSG_SIZE];
    struct zto_msg_di_set_hmac m;
    struct zto_voucher v;
    struct zto_ov_header h;
    size_t ov_len = 0;
    int64_t n = 0, ch;

    FUZZ_CHECK(zto_msg_di_set_hmac_decode(body, len, &m) == ZTO_OK);
    FUZZ_CHECK(zto_db_mfg_voucher_count(mf_world.r.db, &n) == ZTO_OK && n == 1);
    FUZZ_CHECK(zto_ov_header_decode(hdr, hdr_len, &h) == ZTO_OK);
    FUZZ_CHECK(zto_db_mfg_voucher_get(mf_world.r.db, &h.guid, ov, sizeof(ov),
                                      &ov_len) == ZTO_OK);
    FUZZ_CHECK(zto_voucher_decode(ov, ov_len, &v) == ZTO_OK);
    FUZZ_CHECK(v.header_raw.len == hdr_len &&
               memcmp(v.header_raw.p, hdr, hdr_len) == 0);
    FUZZ_CHECK(v.hmac.type == m.hmac.type &&
               v.hmac.value.len == m.hmac.value.len &&
               memcmp(v.hmac.value.p, m.hmac.value.p, m.hmac.value.len) == 0);
    ch = zto_db_mfg_changes(mf_world.r.db);
    mf_call(&c, ZTO_MSG_DI_SET_HMAC, body, len, tok);
    mf_refused(&c, ZTO_MSG_DI_SET_HMAC, ch);
    {
        struct zto_error_msg em;
        FUZZ_CHECK(zto_error_msg_decode(c.out, c.len, &em) == ZTO_OK);
        FUZZ_CHECK(em.code == 1); /* INVALID_JWT_TOKEN: session over */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct call c, s;
    static uint8_t a[ZTO_MAX_MSG_SIZE];
    static bool seeded;
    const char *seeds = getenv("ZTO_FUZZ_SEEDS");
    char tok[MFG_TOKEN_LEN + 1];
    size_t an = 0;
    uint8_t at = 0, type;
    int64_t ch;

    if (!seeded && seeds != NULL)
        mf_write_seeds(seeds);
    seeded = true;
    if (size < 1 || size - 1 > ZTO_MAX_MSG_SIZE)
        return 0;
    type = data[0];
    mf_reset(ZTO_PK_SECP256R1);

    if (type == ZTO_MSG_DI_APP_START) {
        struct zto_msg_di_set_credentials sc;
        struct zto_ov_header h;
        int64_t nv = 0;

        ch = zto_db_mfg_changes(mf_world.r.db);
        mf_call(&c, type, data + 1, size - 1, NULL);
        if (c.r != ZTO_OK) {
            mf_refused(&c, type, ch);
            return 0;
        }
        FUZZ_CHECK(c.type == ZTO_MSG_DI_SET_CREDENTIALS);
        FUZZ_CHECK(strlen(c.tok) == MFG_TOKEN_LEN);
        FUZZ_CHECK(zto_msg_di_set_credentials_decode(c.out, c.len, &sc) ==
                   ZTO_OK);
        FUZZ_CHECK(zto_ov_header_decode(sc.ovheader.p, sc.ovheader.len, &h) ==
                   ZTO_OK);
        FUZZ_CHECK(zto_db_mfg_changes(mf_world.r.db) > ch);
        FUZZ_CHECK(zto_db_mfg_voucher_count(mf_world.r.db, &nv) == ZTO_OK &&
                   nv == 0);
        return 0;
    }

    /* A genuine session, then the body under its token. */
    FUZZ_CHECK(zto_di_step(&mf_world.r.dev, 0, NULL, 0, a, sizeof(a), &an,
                           &at) == ZTO_OK);
    mf_call(&s, at, a, an, NULL);
    FUZZ_CHECK(s.r == ZTO_OK && s.type == ZTO_MSG_DI_SET_CREDENTIALS);
    memcpy(tok, s.tok, sizeof(tok));
    FUZZ_CHECK(zto_di_step(&mf_world.r.dev, s.type, s.out, s.len, a, sizeof(a),
                           &an, &at) == ZTO_OK &&
               at == ZTO_MSG_DI_SET_HMAC);
    ch = zto_db_mfg_changes(mf_world.r.db);
    mf_call(&c, type, data + 1, size - 1, tok);
    if (type == ZTO_MSG_ERROR) {
        /* Never answered. */
        FUZZ_CHECK(c.r == ZTO_E_PEER_ERROR && c.len == 0);
        return 0;
    }
    if (c.r == ZTO_OK) {
        struct zto_msg_di_set_credentials sc;

        FUZZ_CHECK(type == ZTO_MSG_DI_SET_HMAC);
        FUZZ_CHECK(c.type == ZTO_MSG_DI_DONE && c.tok[0] == '\0');
        FUZZ_CHECK(zto_msg_empty_decode(c.out, c.len) == ZTO_OK);
        FUZZ_CHECK(zto_msg_di_set_credentials_decode(s.out, s.len, &sc) ==
                   ZTO_OK);
        mf_check_voucher(sc.ovheader.p, sc.ovheader.len, data + 1, size - 1,
                         tok);
        return 0;
    }
    mf_refused(&c, type, ch);
    /* The session survived the refusal: the device's own 12 goes through
     * and its DI completes with the stored voucher. */
    mf_call(&c, at, a, an, tok);
    FUZZ_CHECK(c.r == ZTO_OK && c.type == ZTO_MSG_DI_DONE);
    FUZZ_CHECK(zto_di_step(&mf_world.r.dev, c.type, c.out, c.len, a, sizeof(a),
                           &an, &at) == ZTO_DONE);
    FUZZ_CHECK(mf_world.r.store.writes == 1);
    return 0;
}
