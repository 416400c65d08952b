/*
 * test_conf - the daemons' configuration parser (server/conf.c).
 */
#include <stddef.h>
#include <unistd.h>

#include "test.h"
#include "zto_conf.h"

struct opts {
    struct zto_conf_listen listen;
    struct zto_conf_listen coap;
    struct zto_conf_str db;
    struct zto_conf_str secret;
    struct zto_conf_int timeout;
    struct zto_conf_bool sync;
    struct zto_conf_str note;
};

static const struct zto_conf_kw kw[] = {
    {"listen", ZTO_CONF_LISTEN, offsetof(struct opts, listen),
     "http://127.0.0.1:8080", 0, 0, 0, false, false, "listeners"},
    {"coap_listen", ZTO_CONF_LISTEN, offsetof(struct opts, coap), NULL, 0, 0,
     ZTO_SRV_COAP, false, false, "CoAP listeners"},
    {"db", ZTO_CONF_STR, offsetof(struct opts, db), NULL, 0, 0, 0, true, false,
     "database"},
    {"api_key", ZTO_CONF_STR, offsetof(struct opts, secret), NULL, 0, 0, 0,
     false, true, "secret"},
    {"http_timeout", ZTO_CONF_INT, offsetof(struct opts, timeout), "30", 1,
     3600, 0, false, false, "seconds"},
    {"sync_full", ZTO_CONF_BOOL, offsetof(struct opts, sync), "no", 0, 0, 0,
     false, false, NULL},
    {"note", ZTO_CONF_STR, offsetof(struct opts, note), NULL, 0, 0, 0, false,
     false, NULL},
};
#define NKW (sizeof(kw) / sizeof(kw[0]))

static char err[512];

static zto_err_t
parse(struct opts *o, const char *text)
{
    memset(o, 0, sizeof(*o));
    err[0] = '\0';
    return zto_conf_parse_text(kw, NKW, o, "t.conf", text, strlen(text), err,
                               sizeof(err));
}

/* Parse must fail with r, and the message must contain `want`. */
static void
bad(const char *text, zto_err_t r, const char *want)
{
    struct opts o;

    ASSERT_ERR(parse(&o, text), r);
    if (strstr(err, want) == NULL)
        TEST_FAIL_("error '%s' lacks '%s'", err, want);
    zto_conf_free(kw, NKW, &o);
}

static void
test_good(void)
{
    static const char text[] =
        "# a comment\n"
        "\n"
        "  listen = http://[::1]:8042 coap://0.0.0.0:5683\r\n"
        "listen=https://127.0.0.1:8443   # trailing comment\n"
        "coap_listen = 127.0.0.1:0, [::1]:5683\n"
        "db = /var/lib/zto/owner.db\n"
        "api_key = s3cr3t\n"
        "http_timeout = 45\n"
        "sync_full = Yes\n"
        "note = \" spaced # not a comment \\\"q\\\" \"\n";
    struct opts o;
    char *buf = NULL;
    size_t blen = 0;
    FILE *f;

    ASSERT_OK(parse(&o, text));
    ASSERT_EQ(o.listen.n, 3);
    ASSERT_EQ(o.listen.v[0].transport, ZTO_SRV_HTTP);
    ASSERT_TRUE(strcmp(o.listen.v[0].host, "::1") == 0);
    ASSERT_EQ(o.listen.v[0].port, 8042);
    ASSERT_EQ(o.listen.v[1].transport, ZTO_SRV_COAP);
    ASSERT_TRUE(strcmp(o.listen.v[1].host, "0.0.0.0") == 0);
    ASSERT_EQ(o.listen.v[2].transport, ZTO_SRV_HTTPS);
    ASSERT_EQ(o.coap.n, 2);
    ASSERT_EQ(o.coap.v[0].transport, ZTO_SRV_COAP);
    ASSERT_EQ(o.coap.v[0].port, 0);
    ASSERT_EQ(o.coap.v[1].port, 5683);
    ASSERT_TRUE(strcmp(o.db.v, "/var/lib/zto/owner.db") == 0);
    ASSERT_EQ(o.timeout.v, 45);
    ASSERT_TRUE(o.sync.set && o.sync.v);
    ASSERT_TRUE(strcmp(o.note.v, " spaced # not a comment \"q\" ") == 0);

    /* Defaults only fill what is unset. */
    ASSERT_OK(zto_conf_fill_defaults(kw, NKW, &o, err, sizeof(err)));
    ASSERT_EQ(o.listen.n, 3);
    ASSERT_EQ(o.timeout.v, 45);

    /* The printed configuration parses back to the same values and
     * hides the secret. */
    f = open_memstream(&buf, &blen);
    ASSERT_TRUE(f != NULL);
    zto_conf_print(kw, NKW, &o, f);
    fclose(f);
    ASSERT_TRUE(strstr(buf, "s3cr3t") == NULL);
    ASSERT_TRUE(strstr(buf, "api_key = (hidden)") != NULL);
    ASSERT_TRUE(strstr(buf, "listen = http://[::1]:8042 coap://0.0.0.0:5683 "
                            "https://127.0.0.1:8443\n") != NULL);
    ASSERT_TRUE(strstr(buf, "http_timeout = 45\n") != NULL);
    ASSERT_TRUE(strstr(buf, "sync_full = yes\n") != NULL);
    zto_conf_free(kw, NKW, &o);
    ASSERT_TRUE(!o.listen.set && o.listen.v == NULL && !o.db.set);
    {
        struct opts o2;
        /* api_key printed as "(hidden)": fine to read back as a string */
        ASSERT_OK(parse(&o2, buf));
        ASSERT_EQ(o2.listen.n, 3);
        ASSERT_TRUE(strcmp(o2.note.v, " spaced # not a comment \"q\" ") == 0);
        ASSERT_EQ(o2.timeout.v, 45);
        zto_conf_free(kw, NKW, &o2);
    }
    free(buf);
}

static void
test_defaults(void)
{
    struct opts o;

    ASSERT_OK(parse(&o, "db = x.db\n"));
    ASSERT_TRUE(!o.timeout.set && !o.listen.set);
    ASSERT_OK(zto_conf_fill_defaults(kw, NKW, &o, err, sizeof(err)));
    ASSERT_TRUE(o.timeout.set && o.timeout.v == 30);
    ASSERT_TRUE(o.sync.set && !o.sync.v);
    ASSERT_EQ(o.listen.n, 1);
    ASSERT_EQ(o.listen.v[0].port, 8080);
    ASSERT_TRUE(!o.coap.set && !o.note.set);
    zto_conf_free(kw, NKW, &o);

    /* A required keyword without default must be given. */
    ASSERT_OK(parse(&o, "http_timeout = 5\n"));
    ASSERT_ERR(zto_conf_fill_defaults(kw, NKW, &o, err, sizeof(err)),
               ZTO_E_CONFIG);
    ASSERT_TRUE(strstr(err, "'db' must be set") != NULL);
    zto_conf_free(kw, NKW, &o);

    /* The command line overrides and appends. */
    ASSERT_OK(parse(&o, "db = a\nlisten = http://[::1]:1\n"));
    ASSERT_OK(zto_conf_set(kw, NKW, &o, "db", "b", err, sizeof(err)));
    ASSERT_TRUE(strcmp(o.db.v, "b") == 0);
    ASSERT_OK(zto_conf_set(kw, NKW, &o, "listen", "coap://[::1]:2", err,
                           sizeof(err)));
    ASSERT_EQ(o.listen.n, 2);
    ASSERT_ERR(zto_conf_set(kw, NKW, &o, "nope", "1", err, sizeof(err)),
               ZTO_E_UNKNOWN_KEY);
    zto_conf_free(kw, NKW, &o);
}

static void
test_bad(void)
{
    bad("db = x\nfoo = 1\n", ZTO_E_UNKNOWN_KEY,
        "t.conf:2: unknown keyword 'foo'");
    bad("db = x\n\ndb = y\n", ZTO_E_CONFIG,
        "t.conf:3: 'db' already set on line 1");
    bad("http_timeout = 0\n", ZTO_E_RANGE,
        "t.conf:1: 'http_timeout' must be between 1 and 3600");
    bad("http_timeout = 3601\n", ZTO_E_RANGE, "between 1 and 3600");
    bad("http_timeout = 12s\n", ZTO_E_CONFIG, "needs an integer");
    bad("http_timeout = +5\n", ZTO_E_CONFIG, "needs an integer");
    bad("http_timeout = 99999999999999999999\n", ZTO_E_CONFIG,
        "needs an integer");
    bad("sync_full = maybe\n", ZTO_E_CONFIG, "needs yes or no");
    bad("just words\n", ZTO_E_CONFIG, "t.conf:1: expected 'name = value'");
    bad("db =\n", ZTO_E_CONFIG, "missing value");
    bad("db = # only a comment\n", ZTO_E_CONFIG, "missing value");
    bad("db = \"open\n", ZTO_E_CONFIG, "unterminated quote");
    bad("db = \"x\" y\n", ZTO_E_CONFIG, "after the closing quote");
    bad("Bad Key = 1\n", ZTO_E_CONFIG, "bad keyword");
    bad("listen = 127.0.0.1:80\n", ZTO_E_CONFIG,
        "bad listen spec '127.0.0.1:80'");
    bad("coap_listen = ::1:5683\n", ZTO_E_CONFIG, "bad listen spec");
    bad("coap_listen = 127.0.0.1:65536\n", ZTO_E_CONFIG, "bad listen spec");
    bad("coap_listen = ,\n", ZTO_E_CONFIG, "is empty");
    bad("db = a\tb\x01\n", ZTO_E_CONFIG, "control character");
    {
        char *big = malloc(ZTO_CONF_LINE_MAX + 100);
        memset(big, 'a', ZTO_CONF_LINE_MAX + 50);
        memcpy(big, "db = ", 5);
        big[ZTO_CONF_LINE_MAX + 50] = '\0';
        bad(big, ZTO_E_CONFIG, "line longer than");
        free(big);
    }
}

static void
test_file(void)
{
    char path[] = "/tmp/zto_test_conf_XXXXXX";
    struct opts o;
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

    ASSERT_TRUE(f != NULL);
    if (f == NULL)
        return;
    fputs("db = from-file\nhttp_timeout = 7\n", f);
    fclose(f);
    memset(&o, 0, sizeof(o));
    ASSERT_OK(zto_conf_parse_file(kw, NKW, &o, path, err, sizeof(err)));
    ASSERT_TRUE(o.db.set && strcmp(o.db.v, "from-file") == 0);
    ASSERT_EQ(o.timeout.v, 7);
    zto_conf_free(kw, NKW, &o);
    unlink(path);
    ASSERT_ERR(zto_conf_parse_file(kw, NKW, &o, path, err, sizeof(err)),
               ZTO_E_NOT_FOUND);
    ASSERT_TRUE(strstr(err, path) != NULL);
}

/* The transport keywords every daemon shares. */
struct role_conf {
    struct zto_conf_str db;
    struct zto_srv_conf srv;
};

static const struct zto_conf_kw role_kw[] = {
    {"db", ZTO_CONF_STR, offsetof(struct role_conf, db), "r.db", 0, 0, 0, false,
     false, NULL},
    ZTO_SRV_CONF_KW(struct role_conf, srv, "http://[::]:8040"),
};
#define NROLE (sizeof(role_kw) / sizeof(role_kw[0]))

static void
test_srv_conf(void)
{
    static const char text[] = "listen = coaps://[::1]:5684 http://*:80\n"
                               "tls_cert = c.pem\ntls_key = k.pem\n"
                               "max_clients = 8\n";
    struct role_conf rc;
    struct zto_srv_opts so;

    memset(&rc, 0, sizeof(rc));
    ASSERT_OK(zto_conf_parse_text(role_kw, NROLE, &rc, "r.conf", text,
                                  strlen(text), err, sizeof(err)));
    ASSERT_OK(zto_conf_fill_defaults(role_kw, NROLE, &rc, err, sizeof(err)));
    memset(&so, 0, sizeof(so));
    zto_srv_conf_apply(&rc.srv, &so);
    ASSERT_EQ(so.nlisten, 2);
    ASSERT_EQ(so.listen[0].transport, ZTO_SRV_COAPS);
    ASSERT_EQ(so.listen[1].transport, ZTO_SRV_HTTP);
    ASSERT_TRUE(so.listen[1].host[0] == '\0');
    ASSERT_TRUE(strcmp(so.tls_cert, "c.pem") == 0);
    ASSERT_TRUE(strcmp(so.tls_key, "k.pem") == 0);
    ASSERT_EQ(so.max_clients, 8);
    ASSERT_EQ(so.http_timeout_s, 30);
    ASSERT_EQ(so.coap_cache_entries, 1024);
    ASSERT_EQ(so.coap_cache_ttl_s, 247);
    zto_conf_free(role_kw, NROLE, &rc);

    /* Command-line flags add listeners without a scheme. */
    memset(&rc, 0, sizeof(rc));
    ASSERT_OK(zto_conf_add_listen(&rc.srv.listen, "[::1]:5683", ZTO_SRV_COAP));
    ASSERT_OK(
        zto_conf_add_listen(&rc.srv.listen, "127.0.0.1:8080", ZTO_SRV_HTTP));
    ASSERT_ERR(zto_conf_add_listen(&rc.srv.listen, "::1:5683", ZTO_SRV_COAP),
               ZTO_E_CONFIG);
    ASSERT_OK(zto_conf_fill_defaults(role_kw, NROLE, &rc, err, sizeof(err)));
    ASSERT_EQ(rc.srv.listen.n, 2); /* set: no default listener added */
    ASSERT_EQ(rc.srv.listen.v[0].transport, ZTO_SRV_COAP);
    ASSERT_EQ(rc.srv.listen.v[1].port, 8080);
    zto_conf_free(role_kw, NROLE, &rc);

    /* Defaults alone give the role's listener. */
    memset(&rc, 0, sizeof(rc));
    ASSERT_OK(zto_conf_fill_defaults(role_kw, NROLE, &rc, err, sizeof(err)));
    memset(&so, 0, sizeof(so));
    zto_srv_conf_apply(&rc.srv, &so);
    ASSERT_EQ(so.nlisten, 1);
    ASSERT_EQ(so.listen[0].port, 8040);
    ASSERT_TRUE(so.tls_cert == NULL);
    zto_conf_free(role_kw, NROLE, &rc);
    memset(&rc, 0, sizeof(rc));
    ASSERT_ERR(zto_conf_parse_text(role_kw, NROLE, &rc, "r.conf",
                                   "max_clients = 0\n", 16, err, sizeof(err)),
               ZTO_E_RANGE);
    zto_conf_free(role_kw, NROLE, &rc);
}

struct restarts {
    char names[8][32];
    size_t n;
};

static void
on_restart(void *ctx, const char *name)
{
    struct restarts *r = ctx;

    if (r->n < 8)
        snprintf(r->names[r->n++], sizeof(r->names[0]), "%s", name);
}

/* SIGHUP: reloadable keywords move from fresh to live, the others stay
 * and are named; unchanged ones are neither. */
static void
test_reload(void)
{
    static const char *const reloadable[] = {"db", "http_timeout", "note",
                                             NULL};
    struct opts live, fresh;
    struct restarts rs;
    size_t applied = 99, n;

    ASSERT_OK(parse(&live, "listen = http://127.0.0.1:80\n"
                           "db = a.db\nhttp_timeout = 5\nsync_full = no\n"
                           "api_key = k\n"));
    ASSERT_OK(zto_conf_fill_defaults(kw, NKW, &live, err, sizeof(err)));
    memset(&fresh, 0, sizeof(fresh));
    ASSERT_OK(zto_conf_parse_text(
        kw, NKW, &fresh, "t.conf",
        "listen = http://127.0.0.1:81\ndb = b.db\nhttp_timeout = 5\n"
        "sync_full = yes\napi_key = k\nnote = new\n",
        strlen("listen = http://127.0.0.1:81\ndb = b.db\nhttp_timeout = 5\n"
               "sync_full = yes\napi_key = k\nnote = new\n"),
        err, sizeof(err)));
    ASSERT_OK(zto_conf_fill_defaults(kw, NKW, &fresh, err, sizeof(err)));
    ASSERT_TRUE(!zto_conf_equal(&kw[0], &live, &fresh));
    ASSERT_TRUE(zto_conf_equal(&kw[3], &live, &fresh)); /* api_key */

    memset(&rs, 0, sizeof(rs));
    n = zto_conf_reload(kw, NKW, &live, &fresh, reloadable, on_restart, &rs,
                        &applied);
    /* listen and sync_full need a restart and keep their value. */
    ASSERT_EQ(n, 2);
    ASSERT_EQ(rs.n, 2);
    ASSERT_TRUE(strcmp(rs.names[0], "listen") == 0);
    ASSERT_TRUE(strcmp(rs.names[1], "sync_full") == 0);
    ASSERT_EQ(live.listen.v[0].port, 80);
    ASSERT_TRUE(!live.sync.v);
    /* db and note (unset before) changed; http_timeout did not. */
    ASSERT_EQ(applied, 2);
    ASSERT_TRUE(strcmp(live.db.v, "b.db") == 0);
    ASSERT_TRUE(strcmp(live.note.v, "new") == 0);
    ASSERT_EQ(live.timeout.v, 5);
    /* fresh holds the old values, for zto_conf_free(). */
    ASSERT_TRUE(strcmp(fresh.db.v, "a.db") == 0);
    ASSERT_TRUE(!fresh.note.set);
    zto_conf_free(kw, NKW, &fresh);

    /* The same file again: nothing to do. */
    memset(&fresh, 0, sizeof(fresh));
    ASSERT_OK(zto_conf_parse_text(
        kw, NKW, &fresh, "t.conf",
        "listen = http://127.0.0.1:80\ndb = b.db\nhttp_timeout = 5\n"
        "api_key = k\nnote = new\n",
        strlen("listen = http://127.0.0.1:80\ndb = b.db\nhttp_timeout = 5\n"
               "api_key = k\nnote = new\n"),
        err, sizeof(err)));
    ASSERT_OK(zto_conf_fill_defaults(kw, NKW, &fresh, err, sizeof(err)));
    memset(&rs, 0, sizeof(rs));
    ASSERT_EQ(zto_conf_reload(kw, NKW, &live, &fresh, reloadable, on_restart,
                              &rs, &applied),
              0);
    ASSERT_EQ(applied, 0);
    ASSERT_EQ(rs.n, 0);
    zto_conf_free(kw, NKW, &fresh);
    zto_conf_free(kw, NKW, &live);
}

int
main(void)
{
    TEST_START("conf");
    test_good();
    test_defaults();
    test_bad();
    test_file();
    test_srv_conf();
    test_reload();
    TEST_DONE();
}
