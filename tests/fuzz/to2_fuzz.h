/*
 * to2_fuzz.h - a genuine TO2 session between the device library and the
 * owner handler (go-fdo p256 vector device and voucher, credential
 * reuse so nothing stored ever changes, a small download planned), in
 * which one message is replaced by fuzz input:
 *
 *   to2_fuzz_run(TO_OWNER, type, body)  the first message of `type` the
 *                                       device sends goes to the owner
 *                                       as `body` instead
 *   to2_fuzz_run(TO_DEVICE, type, body) the first message of `type` the
 *                                       owner answers goes to the device
 *                                       as `body` instead
 *
 * Bodies of tunnelled messages (65..71) are plaintext: the harness seals
 * them with the session's keys, so the fuzzer reaches the code behind
 * the tunnel. The rest of the session runs as it would. With
 * ZTO_FUZZ_SEEDS=DIR set, an unmodified session writes every message as
 * a seed (type byte + plaintext body) into DIR.
 *
 * Oracles: no crash or over-read (ASan); the owner's voucher never
 * changes; the device stores a credential only in a run that completed.
 */
#ifndef ZTO_TO2_FUZZ_H
#define ZTO_TO2_FUZZ_H

#define ZTO_DEVICE_BUILD 1 /* the harness seals with the device's keys */

#include "../unit/to2_rig.h"
#include "fuzz_util.h"

enum { TO_OWNER = 1, TO_DEVICE = 2 };

/* The unit-test harness's counters are not used here. */
static inline void
tf_quiet(void)
{
    (void)test_name;
    (void)test_failures;
    (void)test_checks;
}

struct to2_fuzz {
    bool ready;
    struct rig r;
    uint8_t *voucher;
    size_t vlen;
    struct zto_guid guid;
    char src[64];
};

static struct to2_fuzz tf_world;

static void tf_teardown(void);

static void
tf_setup(void)
{
    struct to2_fuzz *w = &tf_world;
    size_t cn, vn, kn;
    unsigned char *cred, *ov, *key;
    const char *kv[4];
    char why[512];
    uint8_t data[3000];
    int fd;

    if (w->ready)
        return;
    cred = rig_read("p256", "device-credential.bin", &cn);
    ov = rig_read("p256", "voucher-extended.cbor", &vn);
    key = rig_read("p256", "owner2.key.pem", &kn);
    FUZZ_CHECK(rig_open(&w->r, cred, cn) == 0);
    /* No fdo.command: fuzzed owner messages must not run programs. */
    w->r.cfg.nmodules = 2;
    rig_owner_key(&w->r, (const char *)key, kn);
    FUZZ_CHECK(owner_import_one(&w->r.o, ov, vn, &w->guid, why, sizeof(why)) ==
               ZTO_OK);
    w->r.o.reuse = true;
    w->r.cfg.allow_cred_reuse = true;
    w->r.o.svi_max_rounds = 200;
    snprintf(w->src, sizeof(w->src), "/tmp/zto_fuzz_src_XXXXXX");
    fd = mkstemp(w->src);
    FUZZ_CHECK(fd >= 0);
    memset(data, 0x42, sizeof(data));
    FUZZ_CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data));
    close(fd);
    kv[0] = "src";
    kv[1] = w->src;
    kv[2] = "name";
    kv[3] = "f/op.bin";
    FUZZ_CHECK(owner_plan_add(&w->r.o, "all", "", "download", kv, 2, false,
                              NULL, why, sizeof(why)) == ZTO_OK);
    w->voucher = rig_voucher(&w->r, &w->guid, &w->vlen);
    FUZZ_CHECK(w->voucher != NULL);
    free(cred);
    free(ov);
    free(key);
    w->ready = true;
    atexit(tf_teardown);
}

/* The world lives for the whole process; leave nothing in /tmp. */
static void
tf_teardown(void)
{
    struct to2_fuzz *w = &tf_world;

    if (!w->ready)
        return;
    unlink(w->src);
    free(w->voucher);
    rig_close(&w->r);
    w->ready = false;
}

static bool
tf_sealed(uint8_t type)
{
    return type >= ZTO_MSG_TO2_SETUP_DEVICE && type <= ZTO_MSG_TO2_DONE2;
}

static void
tf_seed(const char *dir, int n, uint8_t type, const uint8_t *body, size_t len)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/seed_%02d_%u", dir, n, type);
    if ((f = fopen(path, "wb")) == NULL)
        return;
    fputc(type, f);
    fwrite(body, 1, len, f);
    fclose(f);
}

/* body: the replacement for the first message of `type` in direction
 * `who`, plaintext for 65..71; NULL = run unmodified. */
static void
to2_fuzz_run(int who, uint8_t type, const uint8_t *body, size_t len)
{
    struct to2_fuzz *w = &tf_world;
    struct rig *r = &w->r;
    struct zto_device *dev = &r->dev;
    static uint8_t dmsg[70000], omsg[70000], pt[70000];
    char tok[OWNER_TOKEN_LEN + 1], cur[OWNER_TOKEN_LEN + 1];
    const char *seeds = body == NULL ? getenv("ZTO_FUZZ_SEEDS") : NULL;
    size_t dlen = 0, olen = 0, plen = 0, vn = 0;
    uint8_t dtype = 0, otype = 0;
    bool swapped = false, done = false;
    int writes = r->store.writes, steps = 0, nseed = 0;
    uint8_t *v;
    zto_err_t dr, orr;

    tf_setup();
    cur[0] = '\0';
    FUZZ_CHECK(zto_device_load(dev) == ZTO_OK);
    zto_to2_begin(dev, NULL, 0);
    dr = zto_to2_step(dev, 0, NULL, 0, dmsg, sizeof(dmsg), &dlen, &dtype);
    FUZZ_CHECK(dr == ZTO_OK);
    while (dr == ZTO_OK && steps++ < 400) {
        if (seeds != NULL) {
            /* What the device sent, as plaintext. */
            if (tf_sealed(dtype) &&
                zto_tunnel_open(&dev->to2.tunnel, dmsg, dlen, pt, sizeof(pt),
                                &plen) == ZTO_OK)
                tf_seed(seeds, nseed++, dtype, pt, plen);
            else if (!tf_sealed(dtype))
                tf_seed(seeds, nseed++, dtype, dmsg, dlen);
        }
        if (who == TO_OWNER && !swapped && body != NULL &&
            (dtype == type || type == ZTO_MSG_ERROR)) {
            swapped = true;
            dtype = type;
            if (tf_sealed(type)) {
                if (zto_tunnel_seal(&dev->to2.tunnel, body, len, dmsg,
                                    sizeof(dmsg), &dlen) != ZTO_OK)
                    break;
            } else {
                FUZZ_CHECK(len <= sizeof(dmsg));
                memcpy(dmsg, body, len);
                dlen = len;
            }
        }
        {
            uint8_t *exact = malloc(dlen > 0 ? dlen : 1);
            memcpy(exact, dmsg, dlen);
            orr = owner_handle(&r->o, dtype, exact, dlen,
                               cur[0] != '\0' ? cur : NULL, omsg, sizeof(omsg),
                               &olen, &otype, tok, sizeof(tok));
            free(exact);
        }
        if (tok[0] != '\0')
            memcpy(cur, tok, sizeof(cur));
        if (dtype == ZTO_MSG_ERROR)
            break;
        if (seeds != NULL) {
            if (tf_sealed(otype) &&
                zto_tunnel_open(&dev->to2.tunnel, omsg, olen, pt, sizeof(pt),
                                &plen) == ZTO_OK)
                tf_seed(seeds, nseed++, otype, pt, plen);
            else if (!tf_sealed(otype))
                tf_seed(seeds, nseed++, otype, omsg, olen);
        }
        if (orr == ZTO_OK && who == TO_DEVICE && !swapped && body != NULL &&
            (otype == type || type == ZTO_MSG_ERROR)) {
            swapped = true;
            otype = type;
            if (tf_sealed(type)) {
                if (zto_tunnel_seal(&dev->to2.tunnel, body, len, omsg,
                                    sizeof(omsg), &olen) != ZTO_OK)
                    break;
            } else {
                FUZZ_CHECK(len <= sizeof(omsg));
                memcpy(omsg, body, len);
                olen = len;
            }
        }
        {
            uint8_t *exact = malloc(olen > 0 ? olen : 1);
            memcpy(exact, omsg, olen);
            dr = zto_to2_step(dev, otype, exact, olen, dmsg, sizeof(dmsg),
                              &dlen, &dtype);
            free(exact);
        }
        if (dr == ZTO_DONE) {
            done = true;
            break;
        }
        if (dr != ZTO_OK && dlen > 0 && otype != ZTO_MSG_ERROR) {
            /* The device reports its failure to the owner. */
            FUZZ_CHECK(dtype == ZTO_MSG_ERROR);
            orr = owner_handle(&r->o, dtype, dmsg, dlen,
                               cur[0] != '\0' ? cur : NULL, omsg, sizeof(omsg),
                               &olen, &otype, tok, sizeof(tok));
            FUZZ_CHECK(olen == 0);
        }
    }
    /* Nothing stored changed, unless a whole session completed (and with
     * reuse, not even then). */
    v = rig_voucher(r, &w->guid, &vn);
    FUZZ_CHECK(v != NULL && vn == w->vlen && memcmp(v, w->voucher, vn) == 0);
    free(v);
    FUZZ_CHECK(r->store.writes == writes || done);
    if (body == NULL && seeds == NULL)
        FUZZ_CHECK(done);
}

#endif
