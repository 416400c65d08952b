/*
 * test_posix_svi.c - the POSIX port's fdo.command and fdo.upload modules
 * behind the device's ServiceInfo engine (svi_dev_rig.h), against a
 * scripted owner:
 *
 *  - fdo.command: args as a bstr-wrapped array (go-fdo) and as a plain
 *    array, kept verbatim (no shell); bad args, a second execute, a
 *    command change while running refused with a reason; stdout/stderr
 *    in chunks of at most 1014 bytes and every 68 within the owner's
 *    limit; exit codes with and without may_fail (TO2 fails with the
 *    reason, after the output is out); a program that does not exist
 *    (127); the timeout (killed, 137 or a failure); sig; rounds go on
 *    while a command runs, each produce() bounded by wait_ms; the
 *    working directory;
 *  - fdo.upload: a file in chunks within the limit with length, data,
 *    sha-384 (checked), without need-sha no hash, an empty file, a
 *    missing file, names and symbolic links leading outside the
 *    directory refused (allowed with `anywhere`).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "svi_dev_rig.h"
#include "test.h"

#define CMD "fdo.command"
#define UP "fdo.upload"

static uint64_t
ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait this long after execute before the first round. */
static unsigned settle_ms;

/* What came back from one command. */
struct result {
    uint8_t out[65536], err[65536];
    size_t out_len, err_len;
    bool have_exit;
    int64_t exitcode;
    zto_err_t r; /* first error of the engine, or ZTO_OK */
    unsigned rounds;
    uint64_t longest_ms; /* slowest produce() */
    size_t biggest_68;
    size_t biggest_chunk;
};

/* The owner opens fdo.command with these settings and execute; then
 * empty 69s until exitcode, an error or `max_rounds`. */
static void
run_cmd(struct sdr *r, const char *prog, const char *const *args, size_t nargs,
        bool wrap, bool may_fail, bool want_out, bool want_err,
        unsigned max_rounds, int64_t sig_at_round, struct result *res)
{
    struct zto_cbor_dec d;
    struct zto_bytes b;
    uint64_t t;
    size_t i;

    memset(res, 0, sizeof(*res));
    sdr_kv_bool(r, CMD, "active", true);
    sdr_kv_text(r, CMD, "command", prog);
    sdr_kv_args(r, args, nargs, wrap);
    sdr_kv_bool(r, CMD, "may_fail", may_fail);
    sdr_kv_bool(r, CMD, "return_stdout", want_out);
    sdr_kv_bool(r, CMD, "return_stderr", want_err);
    sdr_kv_raw(r, CMD, "execute", (const uint8_t *)"\xf6", 1);
    if ((res->r = sdr_send(r, false)) != ZTO_OK)
        return;
    if (settle_ms > 0)
        usleep(settle_ms * 1000); /* the program is done before we look */
    for (res->rounds = 0; res->rounds < max_rounds; res->rounds++) {
        t = ms_now();
        res->r = sdr_answer(r);
        t = ms_now() - t;
        if (t > res->longest_ms)
            res->longest_ms = t;
        if (res->r != ZTO_OK)
            return;
        if (r->out_len > res->biggest_68)
            res->biggest_68 = r->out_len;
        for (i = 0; i < r->ngot; i++) {
            struct sdr_kv *g = &r->got[i];
            bool is_out = strcmp(g->message, "stdout") == 0;
            if (strcmp(g->module, CMD) != 0)
                continue;
            zto_cbor_dec_init(&d, g->val, g->len);
            if (is_out || strcmp(g->message, "stderr") == 0) {
                uint8_t *dst = is_out ? res->out : res->err;
                size_t *dl = is_out ? &res->out_len : &res->err_len;
                ASSERT_OK(zto_cbor_get_bstr(&d, &b));
                if (b.len > res->biggest_chunk)
                    res->biggest_chunk = b.len;
                if (*dl + b.len <= sizeof(res->out)) {
                    memcpy(dst + *dl, b.p, b.len);
                    *dl += b.len;
                }
            } else if (strcmp(g->message, "exitcode") == 0) {
                ASSERT_OK(zto_cbor_get_int(&d, &res->exitcode));
                res->have_exit = true;
            }
        }
        if (res->have_exit)
            return;
        if ((int64_t)res->rounds == sig_at_round)
            sdr_kv_int(r, CMD, "sig", 15);
        if ((res->r = sdr_send(r, false)) != ZTO_OK)
            return;
    }
}

static void
test_args(void)
{
    static struct sdr r;
    static struct result res;
    static const char *const args[] = {"%s|%s|%s\n", "two words", "$HOME", "*"};
    const char *bad;
    int64_t x;
    uint8_t v[64];
    struct zto_cbor_enc e;
    size_t n = 0;

    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.cmd.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    /* No shell: every argument arrives as it was sent. */
    run_cmd(&r, "printf", args, 4, true, false, true, false, 50, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 0);
    bad = "two words|$HOME|*\n";
    ASSERT_EQ(res.out_len, strlen(bad));
    ASSERT_MEM_EQ(res.out, bad, strlen(bad));
    /* A plain array (fdo-rs style) is taken too. */
    run_cmd(&r, "printf", args, 2, false, false, true, false, 50, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.out_len == 12 && memcmp(res.out, "two words||\n", 12) == 0);
    ASSERT_EQ(r.cmd.runs, 2);
    sdr_close(&r);

    /* args that are not an array of text: refused with a reason. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    ASSERT_OK(sdr_devmod(&r));
    sdr_kv_bool(&r, CMD, "active", true);
    sdr_kv_text(&r, CMD, "command", "true");
    zto_cbor_enc_init(&e, v, sizeof(v));
    zto_cbor_put_array(&e, 1);
    zto_cbor_put_uint(&e, 7);
    ASSERT_OK(zto_cbor_enc_finish(&e, &n));
    sdr_kv_raw(&r, CMD, "args", v, n);
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "args is not an array") != NULL);
    sdr_close(&r);

    /* Too many arguments. */
    {
        static const char *many[ZTO_POSIX_CMD_NARGS_MAX + 1];
        size_t i;
        for (i = 0; i <= ZTO_POSIX_CMD_NARGS_MAX; i++)
            many[i] = "x";
        ASSERT_EQ(sdr_open(&r, 1300), 0);
        ASSERT_OK(sdr_devmod(&r));
        sdr_kv_bool(&r, CMD, "active", true);
        sdr_kv_args(&r, many, ZTO_POSIX_CMD_NARGS_MAX + 1, true);
        ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
        sdr_close(&r);
    }

    /* execute without command; execute twice; settings while running;
     * a bad signal number; may_fail not a bool. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    ASSERT_OK(sdr_devmod(&r));
    sdr_kv_bool(&r, CMD, "active", true);
    sdr_kv_raw(&r, CMD, "execute", (const uint8_t *)"\xf6", 1);
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "without command") != NULL);
    sdr_kv_text(&r, CMD, "command", "sleep");
    sdr_kv_args(&r, (const char *const[]){"5"}, 1, true);
    sdr_kv_raw(&r, CMD, "execute", (const uint8_t *)"\xf6", 1);
    ASSERT_OK(sdr_send(&r, false));
    sdr_kv_raw(&r, CMD, "execute", (const uint8_t *)"\xf6", 1);
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "execute twice") != NULL);
    sdr_kv_text(&r, CMD, "command", "true");
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    sdr_kv_int(&r, CMD, "sig", 99);
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    sdr_kv_int(&r, CMD, "may_fail", 1);
    ASSERT_ERR(sdr_send(&r, false), ZTO_E_SVI);
    /* finish() kills what still runs (sleep 5 must not outlive it). */
    x = (int64_t)ms_now();
    sdr_close(&r);
    ASSERT_TRUE((int64_t)ms_now() - x < 2000);
}

static void
test_output(void)
{
    static struct sdr r;
    static struct result res;
    static const char *const big[] = {
        "-c", "i=0; while [ $i -lt 200 ]; do "
              "echo 0123456789012345678901234567890123456789012345678; "
              "i=$((i + 1)); done; echo to-stderr >&2"};
    static const char *const quiet[] = {"-c", "echo hidden; exit 0"};
    size_t i;

    /* 10000 bytes of stdout through a 200-byte limit. */
    ASSERT_EQ(sdr_open(&r, 200), 0);
    r.cmd.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    run_cmd(&r, "sh", big, 2, true, false, true, true, 1000, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 0);
    ASSERT_EQ(res.out_len, 200 * 50);
    for (i = 0; i + 50 <= res.out_len; i += 50)
        if (memcmp(res.out + i,
                   "0123456789012345678901234567890123456789012345678\n",
                   50) != 0)
            break;
    ASSERT_EQ(i, res.out_len);
    ASSERT_TRUE(res.err_len == 10 && memcmp(res.err, "to-stderr\n", 10) == 0);
    ASSERT_TRUE(res.biggest_68 <= 200);
    ASSERT_TRUE(res.rounds > 10000 / 200);
    sdr_close(&r);

    /* With room to spare the chunks stay at most 1014 bytes. */
    ASSERT_EQ(sdr_open(&r, 8000), 0);
    r.cmd.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    run_cmd(&r, "sh", big, 2, true, false, true, false, 1000, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_EQ(res.out_len, 200 * 50);
    ASSERT_EQ(res.err_len, 0);
    ASSERT_TRUE(res.biggest_chunk <= 1014 && res.biggest_68 <= 8000);
    /* Output not asked for is not sent. */
    run_cmd(&r, "sh", quiet, 2, true, false, false, false, 100, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 0 && res.out_len == 0);
    sdr_close(&r);
}

static void
test_exit_codes(void)
{
    static struct sdr r;
    static struct result res;
    static const char *const three[] = {"-c", "echo last words >&2; exit 3"};
    static const char *const none[] = {NULL};
    static const char *const pwd[] = {"-c", "pwd; echo made > made.txt"};
    char real[PATH_MAX], path[PATH_MAX];
    struct stat st;

    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.cmd.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    /* may_fail: the code is reported and ServiceInfo goes on. */
    run_cmd(&r, "sh", three, 2, true, true, false, true, 100, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 3);
    /* A program that does not exist: 127. */
    run_cmd(&r, "/nonexistent/zto-prog", none, 0, true, true, false, false, 100,
            -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 127);
    /* The working directory is the module's. */
    run_cmd(&r, "sh", pwd, 2, true, false, true, false, 100, -1, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(realpath(r.dir, real) != NULL);
    ASSERT_TRUE(res.out_len == strlen(real) + 1 &&
                memcmp(res.out, real, strlen(real)) == 0);
    snprintf(path, sizeof(path), "%s/made.txt", r.dir);
    ASSERT_TRUE(stat(path, &st) == 0);
    /* Without may_fail: TO2 fails with the reason, and the stderr came
     * out first, even when the exit and the output are seen together. */
    settle_ms = 300;
    run_cmd(&r, "sh", three, 2, true, false, false, true, 100, -1, &res);
    settle_ms = 0;
    ASSERT_ERR(res.r, ZTO_E_SVI);
    ASSERT_TRUE(!res.have_exit);
    ASSERT_TRUE(res.err_len == 11 && memcmp(res.err, "last words\n", 11) == 0);
    ASSERT_TRUE(strstr(sdr_why(&r), "sh exited with code 3") != NULL);
    sdr_close(&r);

    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.cmd.wait_ms = 100;
    ASSERT_OK(sdr_devmod(&r));
    run_cmd(&r, "/nonexistent/zto-prog", none, 0, true, false, false, false,
            100, -1, &res);
    ASSERT_ERR(res.r, ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "cannot run /nonexistent/zto-prog") !=
                NULL);
    ASSERT_TRUE(strstr(r.cmd.last_error, "No such file") != NULL);
    sdr_close(&r);
}

static void
test_timeout_and_sig(void)
{
    static struct sdr r;
    static struct result res;
    static const char *const long_sleep[] = {"30"};
    static const char *const short_sleep[] = {"0.6"};
    uint64_t t;

    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.cmd.wait_ms = 100;
    r.cmd.timeout_s = 1;
    ASSERT_OK(sdr_devmod(&r));
    /* Killed after 1 s: 128 + 9 with may_fail. */
    t = ms_now();
    run_cmd(&r, "sleep", long_sleep, 1, true, true, false, false, 200, -1,
            &res);
    t = ms_now() - t;
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 137);
    ASSERT_TRUE(t >= 900 && t < 5000);
    /* Rounds went on meanwhile, none blocked long. */
    ASSERT_TRUE(res.rounds >= 5);
    ASSERT_TRUE(res.longest_ms < 600);
    /* The owner's sig (15) at the 3rd round: 128 + 15. */
    r.cmd.timeout_s = 60;
    run_cmd(&r, "sleep", long_sleep, 1, true, true, false, false, 200, 2, &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 143);
    /* A command that ends by itself while rounds go on. */
    run_cmd(&r, "sleep", short_sleep, 1, true, false, false, false, 200, -1,
            &res);
    ASSERT_OK(res.r);
    ASSERT_TRUE(res.have_exit && res.exitcode == 0 && res.rounds >= 3);
    sdr_close(&r);

    /* Timeout without may_fail: TO2 fails and says so. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.cmd.wait_ms = 100;
    r.cmd.timeout_s = 1;
    ASSERT_OK(sdr_devmod(&r));
    run_cmd(&r, "sleep", long_sleep, 1, true, false, false, false, 200, -1,
            &res);
    ASSERT_ERR(res.r, ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "timed out after 1 s") != NULL);
    sdr_close(&r);
}

/* ---- fdo.upload ---- */

static void
write_file(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ASSERT_TRUE(fd >= 0);
    ASSERT_TRUE(write(fd, p, n) == (ssize_t)n);
    close(fd);
}

/* The owner asks for `name`; the device's answers are collected. */
static zto_err_t
upload(struct sdr *r, const char *name, bool need_sha, uint8_t *got, size_t cap,
       size_t *got_len, uint64_t *length, uint8_t sha[48], bool *have_sha,
       size_t *biggest_68)
{
    struct zto_cbor_dec d;
    struct zto_bytes b;
    unsigned rounds, datas = 0;
    size_t i;
    zto_err_t e;

    *got_len = 0;
    *length = UINT64_MAX;
    *have_sha = false;
    *biggest_68 = 0;
    sdr_kv_bool(r, UP, "active", true);
    sdr_kv_bool(r, UP, "need-sha", need_sha);
    sdr_kv_text(r, UP, "name", name);
    if ((e = sdr_send(r, false)) != ZTO_OK)
        return e;
    for (rounds = 0; rounds < 2000; rounds++) {
        if ((e = sdr_answer(r)) != ZTO_OK)
            return e;
        if (r->out_len > *biggest_68)
            *biggest_68 = r->out_len;
        for (i = 0; i < r->ngot; i++) {
            struct sdr_kv *g = &r->got[i];
            if (strcmp(g->module, UP) != 0)
                continue;
            zto_cbor_dec_init(&d, g->val, g->len);
            if (strcmp(g->message, "length") == 0) {
                ASSERT_TRUE(datas == 0);
                ASSERT_OK(zto_cbor_get_uint(&d, length));
            } else if (strcmp(g->message, "data") == 0) {
                ASSERT_TRUE(*length != UINT64_MAX);
                ASSERT_OK(zto_cbor_get_bstr(&d, &b));
                ASSERT_TRUE(b.len <= 1014);
                if (*got_len + b.len <= cap)
                    memcpy(got + *got_len, b.p, b.len);
                *got_len += b.len;
                datas++;
            } else if (strcmp(g->message, "sha-384") == 0) {
                ASSERT_OK(zto_cbor_get_bstr_fixed(&d, sha, 48));
                *have_sha = true;
            }
        }
        if (*length != UINT64_MAX && *got_len == *length && datas > 0 &&
            (*have_sha || !need_sha) && !r->up.sending)
            return ZTO_OK;
        sdr_send(r, false);
    }
    return ZTO_E_LIMIT;
}

static void
test_upload(void)
{
    static struct sdr r;
    static uint8_t data[9000], got[20000];
    char path[PATH_MAX], outside[64];
    struct zto_hash_buf h;
    uint8_t sha[48];
    uint64_t length = 0;
    size_t n = 0, big = 0;
    bool have_sha = false;
    int fd;

    ASSERT_OK(zto_random(data, sizeof(data)));
    ASSERT_EQ(sdr_open(&r, 300), 0);
    ASSERT_OK(sdr_devmod(&r));
    snprintf(path, sizeof(path), "%s/sub", r.dir);
    ASSERT_TRUE(mkdir(path, 0700) == 0);
    snprintf(path, sizeof(path), "%s/sub/f.bin", r.dir);
    write_file(path, data, sizeof(data));
    /* 9000 bytes through a 300-byte limit, then its SHA-384. */
    ASSERT_OK(upload(&r, "sub/f.bin", true, got, sizeof(got), &n, &length, sha,
                     &have_sha, &big));
    ASSERT_EQ(length, sizeof(data));
    ASSERT_EQ(n, sizeof(data));
    ASSERT_MEM_EQ(got, data, sizeof(data));
    ASSERT_TRUE(have_sha);
    ASSERT_OK(zto_hash(ZTO_HASH_SHA384, data, sizeof(data), &h));
    ASSERT_MEM_EQ(sha, h.value, 48);
    ASSERT_TRUE(big <= 300);
    ASSERT_EQ(r.up.files, 1);
    /* Without need-sha: no hash. An empty file: one empty data. */
    snprintf(path, sizeof(path), "%s/empty", r.dir);
    write_file(path, data, 0);
    ASSERT_OK(upload(&r, "empty", false, got, sizeof(got), &n, &length, sha,
                     &have_sha, &big));
    ASSERT_TRUE(length == 0 && n == 0 && !have_sha);
    ASSERT_EQ(r.up.files, 2);
    sdr_close(&r);

    /* A missing file fails TO2 with its name. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    ASSERT_OK(sdr_devmod(&r));
    ASSERT_ERR(upload(&r, "no/such.file", true, got, sizeof(got), &n, &length,
                      sha, &have_sha, &big),
               ZTO_E_SVI);
    ASSERT_TRUE(strstr(sdr_why(&r), "no/such.file") != NULL &&
                strstr(sdr_why(&r), "No such file") != NULL);
    sdr_close(&r);

    /* Outside the directory: "..", an absolute name, a symbolic link
     * leading out; a directory is not a file. */
    snprintf(outside, sizeof(outside), "/tmp/zto_upout_XXXXXX");
    fd = mkstemp(outside);
    ASSERT_TRUE(fd >= 0);
    ASSERT_TRUE(write(fd, "secret", 6) == 6);
    close(fd);
    {
        const char *const refused[] = {"../x", "a/../../x", outside, "link",
                                       "sub"};
        size_t i;
        for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
            ASSERT_EQ(sdr_open(&r, 1300), 0);
            ASSERT_OK(sdr_devmod(&r));
            snprintf(path, sizeof(path), "%s/link", r.dir);
            ASSERT_TRUE(symlink(outside, path) == 0);
            snprintf(path, sizeof(path), "%s/sub", r.dir);
            ASSERT_TRUE(mkdir(path, 0700) == 0);
            ASSERT_ERR(upload(&r, refused[i], true, got, sizeof(got), &n,
                              &length, sha, &have_sha, &big),
                       ZTO_E_SVI);
            ASSERT_TRUE(strstr(sdr_why(&r), i < 4 ? "outside the upload"
                                                  : "not a regular file") !=
                        NULL);
            sdr_close(&r);
        }
    }
    /* ... unless allowed. */
    ASSERT_EQ(sdr_open(&r, 1300), 0);
    r.up.anywhere = true;
    ASSERT_OK(sdr_devmod(&r));
    ASSERT_OK(upload(&r, outside, true, got, sizeof(got), &n, &length, sha,
                     &have_sha, &big));
    ASSERT_TRUE(n == 6 && memcmp(got, "secret", 6) == 0);
    sdr_close(&r);
    unlink(outside);
}

int
main(void)
{
    TEST_START("posix_svi");
    test_args();
    test_output();
    test_exit_codes();
    test_timeout_and_sig();
    test_upload();
    TEST_DONE();
}
