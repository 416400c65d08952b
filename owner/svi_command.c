/*
 * svi_command.c - fdo.command on the owner: run a program on the device
 * (FSIM fdo.command, docs/serviceinfo.md).
 *
 *   owner:  active = true, command, args (bstr holding a CBOR array of
 *           tstr), may_fail, return_stdout, return_stderr, execute
 *           (null); later sig = 9 when the step's timeout passed
 *   device: stdout / stderr (bstr, any number), exitcode (int)
 *
 * Plan parameters (text values): command (the program), arg1 .. argN
 * (its arguments, N <= SVI_CMD_ARGS; "$(guid)" in an argument becomes
 * the device's GUID in hex), may_fail, return_stdout, return_stderr
 * (yes/no), timeout (seconds, 0 = none).
 *
 * A non-zero exit code without may_fail fails TO2 (the device should
 * have failed it already, as the FSIM asks; this covers devices that
 * report instead). Output is logged line by line at info level, at
 * most svi_output_max bytes per step (the rest is counted); the last
 * line of stderr goes into the failure reason.
 *
 * State (the session is saved after every round): u[0] phase (the next
 * message to send, then RUNNING, FINISHED), u[1] time of execute (or of
 * the timeout signal), u[2]/u[3] stdout/stderr bytes received, u[4]
 * bytes logged, u[5] flags, u[6] lengths of the partial lines kept in
 * blob (stdout, stderr) and of the last stderr line, u[7] exit code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svi_int.h"

#define MOD "fdo.command"
#define SVI_CMD_ARGS 32
#define KILL_SIGNAL 9 /* SIGKILL on every POSIX system in practice */
#define KILL_GRACE 60 /* seconds the device has to stop after it */
#define LINE_PART 80  /* bytes of a partial line kept per stream */
#define LAST_LINE 96  /* bytes of the last stderr line kept */
#define BLOB_OUT 0
#define BLOB_ERR LINE_PART
#define BLOB_LAST (2 * LINE_PART)

enum cmd_phase {
    CMD_COMMAND = 0,
    CMD_ARGS,
    CMD_MAY_FAIL,
    CMD_STDOUT,
    CMD_STDERR,
    CMD_EXECUTE,
    CMD_RUNNING,
    CMD_FINISHED
};

/* u[5] */
#define F_SIGNALLED 1u /* the timeout's signal went out */
#define F_CUT 2u       /* svi_output_max reached (noted once) */

/* ---- parameters ---- */

static bool
flag_value(const char *v, bool *out)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
        strcmp(v, "1") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
        strcmp(v, "0") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* A yes/no parameter, false when absent. */
static bool
param_flag(const struct svi_step *st, const char *key)
{
    char v[16];
    bool b = false;

    if (svi_param_str(st->params, st->params_len, key, v, sizeof(v)) ==
            ZTO_OK &&
        flag_value(v, &b))
        return b;
    return false;
}

static uint64_t
param_timeout(const struct svi_step *st)
{
    char v[24], *end;
    unsigned long long t;

    if (svi_param_str(st->params, st->params_len, "timeout", v, sizeof(v)) !=
        ZTO_OK)
        return 0;
    t = strtoull(v, &end, 10);
    return *end == '\0' && end != v ? (uint64_t)t : 0;
}

static bool
arg_key(const char *k, unsigned *idx)
{
    char *end;
    unsigned long i;

    if (strncmp(k, "arg", 3) != 0 || k[3] < '1' || k[3] > '9')
        return false;
    i = strtoul(k + 3, &end, 10);
    if (*end != '\0' || i < 1 || i > SVI_CMD_ARGS)
        return false;
    *idx = (unsigned)i;
    return true;
}

static zto_err_t
check(const uint8_t *params, size_t len, char *err, size_t errcap)
{
    struct zto_cbor_dec d;
    struct zto_bytes k, v;
    char key[32], val[32];
    uint32_t seen = 0; /* bit i-1: arg i */
    unsigned idx, nargs = 0;
    size_t n, i;
    bool b;

    zto_cbor_dec_init(&d, params, len);
    if (zto_cbor_get_map(&d, &n) != ZTO_OK)
        goto bad;
    for (i = 0; i < n; i++) {
        if (zto_cbor_get_tstr(&d, &k) != ZTO_OK ||
            zto_cbor_get_tstr(&d, &v) != ZTO_OK || k.len >= sizeof(key) ||
            memchr(v.p, '\0', v.len) != NULL)
            goto bad;
        memcpy(key, k.p, k.len);
        key[k.len] = '\0';
        if (arg_key(key, &idx)) {
            seen |= 1u << (idx - 1);
            if (idx > nargs)
                nargs = idx;
            continue;
        }
        if (strcmp(key, "command") == 0) {
            if (v.len == 0 || v.len >= 1024) {
                snprintf(err, errcap, "command: 1 to 1023 bytes");
                return ZTO_E_CONFIG;
            }
            continue;
        }
        if (v.len >= sizeof(val))
            goto bad_value;
        memcpy(val, v.p, v.len);
        val[v.len] = '\0';
        if (strcmp(key, "may_fail") == 0 || strcmp(key, "return_stdout") == 0 ||
            strcmp(key, "return_stderr") == 0) {
            if (!flag_value(val, &b))
                goto bad_value;
        } else if (strcmp(key, "timeout") == 0) {
            char *end;
            unsigned long long t = strtoull(val, &end, 10);
            if (*end != '\0' || end == val || val[0] == '-' || t > 604800)
                goto bad_value;
        } else {
            snprintf(err, errcap,
                     "command: unknown parameter \"%s\" (command, arg1.."
                     "arg%d, may_fail, return_stdout, return_stderr, "
                     "timeout)",
                     key, SVI_CMD_ARGS);
            return ZTO_E_CONFIG;
        }
        continue;
    bad_value:
        snprintf(err, errcap,
                 "command: %s: yes or no (timeout: seconds, at most 604800)",
                 key);
        return ZTO_E_CONFIG;
    }
    if (svi_param_str(params, len, "command", val, 2) == ZTO_E_NOT_FOUND) {
        snprintf(err, errcap, "command needs the program to run");
        return ZTO_E_CONFIG;
    }
    if (nargs > 0 && seen != (nargs == 32 ? 0xffffffffu : (1u << nargs) - 1)) {
        snprintf(err, errcap, "command: arguments arg1..arg%u with a gap",
                 nargs);
        return ZTO_E_CONFIG;
    }
    return ZTO_OK;
bad:
    snprintf(err, errcap, "command: parameters must be text");
    return ZTO_E_CONFIG;
}

/* ---- output from the device ---- */

static void
clean(char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((s[i] < 0x20 && s[i] != '\t') || (unsigned char)s[i] >= 0x7f)
            s[i] = '?';
}

static size_t
part_len(const struct svi_step *st, int which)
{
    return (size_t)((st->u[6] >> (8 * which)) & 0xff);
}

static void
set_part_len(struct svi_step *st, int which, size_t n)
{
    st->u[6] &= ~((uint64_t)0xff << (8 * which));
    st->u[6] |= (uint64_t)n << (8 * which);
}

/* One line of output (n bytes at p, no newline) to the log, and the
 * last stderr line kept. */
static void
line_out(struct svi_run *run, int which, const char *p, size_t n)
{
    struct svi_step *st = run->st;
    char text[512], g[33];
    size_t k = n < sizeof(text) - 1 ? n : sizeof(text) - 1;

    if (which == 1 && n > 0) {
        size_t m = n < LAST_LINE ? n : LAST_LINE;
        memcpy(st->blob + BLOB_LAST, p, m);
        set_part_len(st, 2, m);
    }
    if (st->u[4] >= run->o->svi_output_max)
        return;
    if (st->u[4] + n > run->o->svi_output_max)
        k = (size_t)(run->o->svi_output_max - st->u[4]);
    if (k > sizeof(text) - 1)
        k = sizeof(text) - 1;
    memcpy(text, p, k);
    text[k] = '\0';
    clean(text, k);
    st->u[4] += n;
    owner_logf(run->o, OWNER_LOG_INFO, "GUID %s: " MOD " %s: %s",
               owner_guid_hex(run->guid, g), which == 0 ? "stdout" : "stderr",
               text);
}

/* A chunk of stdout (which = 0) or stderr (1): complete lines are
 * logged, the rest kept (bounded) for the next chunk. */
static void
output(struct svi_run *run, int which, const uint8_t *p, size_t n)
{
    struct svi_step *st = run->st;
    uint8_t *part = st->blob + (which == 0 ? BLOB_OUT : BLOB_ERR);
    size_t pl = part_len(st, which), i, room;
    char line[LINE_PART], g[33];

    st->u[2 + which] += n;
    for (i = 0; i < n; i++) {
        if (p[i] == '\n') {
            memcpy(line, part, pl);
            line_out(run, which, line, pl);
            pl = 0;
            continue;
        }
        if (pl == LINE_PART) {
            /* A long line: logged in pieces. */
            memcpy(line, part, pl);
            line_out(run, which, line, pl);
            pl = 0;
        }
        part[pl++] = p[i];
    }
    set_part_len(st, which, pl);
    room = run->o->svi_output_max;
    if (st->u[4] >= room && (st->u[5] & F_CUT) == 0) {
        st->u[5] |= F_CUT;
        owner_logf(run->o, OWNER_LOG_INFO,
                   "GUID %s: " MOD ": more output than svi_output_max "
                   "(%zu bytes): the rest is not logged",
                   owner_guid_hex(run->guid, g), room);
    }
}

static void
flush_parts(struct svi_run *run)
{
    struct svi_step *st = run->st;
    char line[LINE_PART];
    int w;

    for (w = 0; w < 2; w++) {
        size_t pl = part_len(st, w);
        if (pl == 0)
            continue;
        memcpy(line, st->blob + (w == 0 ? BLOB_OUT : BLOB_ERR), pl);
        line_out(run, w, line, pl);
        set_part_len(st, w, 0);
    }
}

/* ---- the step ---- */

static zto_err_t
start(struct svi_run *run)
{
    struct svi_step *st = run->st;

    memset(st->u, 0, sizeof(st->u));
    memset(st->blob, 0, sizeof(st->blob));
    st->blob_len = sizeof(st->blob);
    st->u[0] = CMD_COMMAND;
    return ZTO_OK;
}

static zto_err_t
receive(struct svi_run *run, const char *message, const uint8_t *val,
        size_t len)
{
    struct svi_step *st = run->st;
    struct zto_cbor_dec d;
    struct zto_bytes b;
    char prog[64], last[LAST_LINE + 1], g[33];
    int64_t code;
    size_t ll;

    zto_cbor_dec_init(&d, val, len);
    if (strcmp(message, "stdout") == 0 || strcmp(message, "stderr") == 0) {
        if (zto_cbor_get_bstr(&d, &b) != ZTO_OK ||
            zto_cbor_dec_finish(&d) != ZTO_OK) {
            snprintf(run->why, run->whycap, MOD ":%s is not a byte string",
                     message);
            return ZTO_E_SVI;
        }
        output(run, message[3] == 'o' ? 0 : 1, b.p, b.len);
        return ZTO_OK;
    }
    if (strcmp(message, "exitcode") != 0)
        return ZTO_OK; /* nothing else is defined device -> owner */
    if (zto_cbor_get_int(&d, &code) != ZTO_OK ||
        zto_cbor_dec_finish(&d) != ZTO_OK) {
        snprintf(run->why, run->whycap, MOD ":exitcode is not an integer");
        return ZTO_E_SVI;
    }
    if (st->u[0] != CMD_RUNNING) {
        snprintf(run->why, run->whycap,
                 MOD ":exitcode unexpected (before "
                     "execute, or twice)");
        return ZTO_E_SVI;
    }
    flush_parts(run);
    st->u[7] = (uint64_t)code;
    if (svi_param_str(st->params, st->params_len, "command", prog,
                      sizeof(prog)) == ZTO_E_TOO_BIG)
        snprintf(prog, sizeof(prog), "(program)");
    clean(prog, strlen(prog));
    owner_logf(run->o, code == 0 ? OWNER_LOG_INFO : OWNER_LOG_WARN,
               "GUID %s: " MOD ": %s exited with code %lld (%llu bytes "
               "stdout, %llu bytes stderr)%s",
               owner_guid_hex(run->guid, g), prog, (long long)code,
               (unsigned long long)st->u[2], (unsigned long long)st->u[3],
               code != 0 && param_flag(st, "may_fail") ? "; may_fail: go on"
                                                       : "");
    if (code != 0 && !param_flag(st, "may_fail")) {
        ll = part_len(st, 2);
        memcpy(last, st->blob + BLOB_LAST, ll);
        last[ll] = '\0';
        clean(last, ll);
        snprintf(run->why, run->whycap, MOD ": %s exited with code %lld%s%s%s",
                 prog, (long long)code,
                 (st->u[5] & F_SIGNALLED) != 0 ? " after its timeout" : "",
                 ll > 0 ? "; stderr: " : "", last);
        return ZTO_E_SVI;
    }
    st->u[0] = CMD_FINISHED;
    return ZTO_OK;
}

/* The value of the next setting to send, or 0 bytes when done. */
static zto_err_t
setting(struct svi_run *run, const char **message, uint8_t *v, size_t cap,
        size_t *n)
{
    struct svi_step *st = run->st;
    struct zto_cbor_enc e;
    struct zto_cbor_mark m;
    char key[8], arg[1024], sub[1024];
    unsigned i;
    zto_err_t r;

    zto_cbor_enc_init(&e, v, cap);
    switch (st->u[0]) {
    case CMD_COMMAND:
        *message = "command";
        if ((r = svi_param_str(st->params, st->params_len, "command", arg,
                               sizeof(arg))) != ZTO_OK)
            return r;
        zto_cbor_put_cstr(&e, arg);
        break;
    case CMD_ARGS:
        *message = "args";
        memset(&m, 0, sizeof(m));
        zto_cbor_bstr_open(&e, &m);
        {
            struct zto_cbor_mark am;
            memset(&am, 0, sizeof(am));
            zto_cbor_array_open(&e, &am);
            for (i = 1; i <= SVI_CMD_ARGS; i++) {
                snprintf(key, sizeof(key), "arg%u", i);
                r = svi_param_str(st->params, st->params_len, key, arg,
                                  sizeof(arg));
                if (r == ZTO_E_NOT_FOUND)
                    break;
                if (r != ZTO_OK || (r = svi_subst_guid(arg, run->guid, sub,
                                                       sizeof(sub))) != ZTO_OK)
                    return r;
                zto_cbor_put_cstr(&e, sub);
                zto_cbor_mark_item(&am);
            }
            zto_cbor_array_close(&e, &am);
        }
        zto_cbor_bstr_close(&e, &m);
        break;
    case CMD_MAY_FAIL:
        *message = "may_fail";
        zto_cbor_put_bool(&e, param_flag(st, "may_fail"));
        break;
    case CMD_STDOUT:
        *message = "return_stdout";
        zto_cbor_put_bool(&e, param_flag(st, "return_stdout"));
        break;
    case CMD_STDERR:
        *message = "return_stderr";
        zto_cbor_put_bool(&e, param_flag(st, "return_stderr"));
        break;
    default:
        *message = "execute";
        zto_cbor_put_null(&e);
        break;
    }
    return zto_cbor_enc_finish(&e, n);
}

static zto_err_t
produce(struct svi_run *run, struct svi_out *out, bool *more, bool *done)
{
    struct svi_step *st = run->st;
    uint8_t *v = NULL;
    const char *message = NULL;
    uint64_t timeout, now;
    size_t n = 0;
    char g[33];
    zto_err_t r = ZTO_OK;

    *more = false;
    *done = false;
    if (st->u[0] < CMD_RUNNING) {
        if ((v = malloc(SVI_PARAMS_MAX + 64)) == NULL)
            return ZTO_E_NOMEM;
        while (st->u[0] < CMD_RUNNING) {
            if ((r = setting(run, &message, v, SVI_PARAMS_MAX + 64, &n)) !=
                ZTO_OK) {
                snprintf(run->why, run->whycap,
                         MOD ": the step's %s does not encode (%s)", message,
                         zto_strerror(r));
                goto out;
            }
            r = svi_out_put(out, MOD, message, v, n);
            if (r == ZTO_E_BUF_TOO_SMALL) {
                r = ZTO_OK;
                if (out->count == 0) {
                    snprintf(run->why, run->whycap,
                             MOD ": %s does not fit the device's "
                                 "ServiceInfo size",
                             message);
                    r = ZTO_E_LIMIT;
                    goto out;
                }
                /* The rest of the settings must arrive before the
                 * device answers. */
                *more = true;
                goto out;
            }
            if (r != ZTO_OK)
                goto out;
            st->u[0]++;
        }
        st->u[1] = (uint64_t)owner_now(run->o);
        goto out;
    }
    if (st->u[0] == CMD_FINISHED) {
        *done = true;
        goto out;
    }
    /* Running: the device answers every round; watch the clock. */
    timeout = param_timeout(st);
    now = (uint64_t)owner_now(run->o);
    if (timeout > 0 && (st->u[5] & F_SIGNALLED) == 0 &&
        now >= st->u[1] + timeout) {
        uint8_t sig = KILL_SIGNAL; /* CBOR uint 9 is one byte: 0x09 */
        if (svi_out_put(out, MOD, "sig", &sig, 1) != ZTO_OK)
            goto out; /* next round */
        st->u[5] |= F_SIGNALLED;
        st->u[1] = now;
        owner_logf(run->o, OWNER_LOG_WARN,
                   "GUID %s: " MOD ": still running after its timeout of "
                   "%llu s: signal %d sent",
                   owner_guid_hex(run->guid, g), (unsigned long long)timeout,
                   KILL_SIGNAL);
    } else if ((st->u[5] & F_SIGNALLED) != 0 && now >= st->u[1] + KILL_GRACE) {
        snprintf(run->why, run->whycap,
                 MOD ": timed out after %llu s and still running %d s after "
                     "signal %d",
                 (unsigned long long)timeout, KILL_GRACE, KILL_SIGNAL);
        r = ZTO_E_SVI;
    }
out:
    free(v);
    return r;
}

const struct svi_kind svi_kind_command = {
    "command", MOD, check, start, receive, produce,
};
