/*
 * fuzz_svi_modules.c - the device's ServiceInfo engine (device/src/svi.c)
 * and the POSIX modules fdo.download, fdo.upload and fdo.command fed
 * arbitrary owner messages (tests/unit/svi_dev_rig.h), without TO2
 * around them.
 *
 * Input: records of [2-byte big-endian length][69 plaintext body]; each
 * body goes to the device (dev_svi_receive) and the device answers
 * (dev_svi_produce) within a 256-byte limit, until a record fails or
 * the input ends. The modules work in one temporary directory, emptied
 * after each input, so a download can be read back by an upload. Inputs
 * holding "execute" are skipped: fdo.command decodes everything else,
 * but never starts a program the fuzzer named. Inputs holding "url" are
 * skipped too: fdo.wget takes name and sha-384 but never fetches
 * (its URL parser has a target of its own, fuzz_wget_url.c).
 *
 * Oracles: no crash or over-read (ASan); every answer decodes and stays
 * within the limit; a failure comes with a reason from the module that
 * failed; nothing is written outside the directory (the download and
 * upload modules refuse such names).
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>

#include "../unit/svi_dev_rig.h"
#include "fuzz_util.h"

#define LIMIT 256

static char sm_dir[64];

static int
sm_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    if (ftw->level > 0)
        (void)remove(path);
    return 0;
}

/* At exit: the directory goes too. */
static void
sm_cleanup(void)
{
    (void)nftw(sm_dir, sm_rm, 8, FTW_DEPTH | FTW_PHYS);
    (void)rmdir(sm_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sdr r;
    struct zto_msg_to2_owner_svi m;
    struct zto_msg_to2_device_svi a;
    size_t off = 0, n, k;
    int records = 0;
    zto_err_t e;

    for (k = 0; k + 7 <= size; k++)
        if (memcmp(data + k, "execute", 7) == 0)
            return 0;
    for (k = 0; k + 3 <= size; k++)
        if (memcmp(data + k, "url", 3) == 0)
            return 0;
    if (sm_dir[0] == '\0') {
        snprintf(sm_dir, sizeof(sm_dir), "/tmp/zto_fuzz_svi_XXXXXX");
        FUZZ_CHECK(mkdtemp(sm_dir) != NULL);
        FUZZ_CHECK(atexit(sm_cleanup) == 0);
    }
    FUZZ_CHECK(sdr_open_in(&r, sm_dir, LIMIT) == 0);
    r.cmd.wait_ms = 1;
    while (off + 2 <= size && records++ < 64) {
        n = (size_t)data[off] << 8 | data[off + 1];
        off += 2;
        if (n > size - off)
            break;
        if (zto_msg_to2_owner_svi_decode(data + off, n, &m) != ZTO_OK)
            break;
        off += n;
        e = dev_svi_receive(&r.dev, &m);
        if (e == ZTO_OK)
            e = dev_svi_produce(&r.dev, r.out, sizeof(r.out), &r.out_len);
        if (e != ZTO_OK) {
            /* A module's failure says why. */
            if (e == ZTO_E_SVI)
                FUZZ_CHECK(sdr_why(&r)[0] != '\0');
            break;
        }
        FUZZ_CHECK(r.out_len <= LIMIT);
        FUZZ_CHECK(zto_msg_to2_device_svi_decode(r.out, r.out_len, &a) ==
                   ZTO_OK);
    }
    sdr_close(&r);
    (void)nftw(sm_dir, sm_rm, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}
