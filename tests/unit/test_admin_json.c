/*
 * test_admin_json.c - the admin API's JSON writer and reader (zto_json.h):
 * known outputs, escaping, misuse, every buffer size, strict grammar,
 * every truncation, round trips.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "zto_json.h"

/* Parse an exact-size heap copy (ASan sees any over-read). */
static zto_err_t
parse_copy(const char *text, size_t len, struct zto_json_doc *doc, char **copy)
{
    zto_err_t r;

    *copy = malloc(len > 0 ? len : 1);
    if (*copy == NULL)
        return ZTO_E_NOMEM;
    memcpy(*copy, text, len);
    r = zto_json_parse(*copy, len, 0, doc, NULL);
    if (r != ZTO_OK) {
        free(*copy);
        *copy = NULL;
    }
    return r;
}

static zto_err_t
parse_s(const char *text)
{
    struct zto_json_doc doc;
    char *copy = NULL;
    zto_err_t r = parse_copy(text, strlen(text), &doc, &copy);

    if (r == ZTO_OK) {
        zto_json_doc_free(&doc);
        free(copy);
    }
    return r;
}

static void
write_sample(struct zto_json *w)
{
    static const uint8_t bytes[3] = {0x00, 0xab, 0xff};

    zto_json_obj(w);
    zto_json_kstr(w, "guid", "0123456789abcdef0123456789abcdef");
    zto_json_kint(w, "n", -42);
    zto_json_kuint(w, "u", UINT64_MAX);
    zto_json_kbool(w, "ok", true);
    zto_json_knull(w, "none");
    zto_json_khex(w, "hex", bytes, sizeof(bytes));
    zto_json_ktime(w, "t", 86400 * 365);
    zto_json_karr(w, "list");
    zto_json_int(w, 1);
    zto_json_str(w, "two");
    zto_json_obj(w);
    zto_json_obj_end(w);
    zto_json_arr(w);
    zto_json_arr_end(w);
    zto_json_arr_end(w);
    zto_json_obj_end(w);
}

static const char sample[] =
    "{\"guid\":\"0123456789abcdef0123456789abcdef\",\"n\":-42,"
    "\"u\":18446744073709551615,\"ok\":true,\"none\":null,"
    "\"hex\":\"00abff\",\"t\":\"1971-01-01T00:00:00Z\","
    "\"list\":[1,\"two\",{},[]]}";

static void
test_writer_known(void)
{
    char buf[512];
    struct zto_json w;
    size_t len = 0, cap;

    zto_json_init(&w, buf, sizeof(buf));
    write_sample(&w);
    ASSERT_OK(zto_json_finish(&w, &len));
    ASSERT_EQ(len, strlen(sample));
    ASSERT_TRUE(strcmp(buf, sample) == 0);

    /* Every smaller buffer fails cleanly, never writes past cap. */
    for (cap = 0; cap <= strlen(sample); cap++) {
        char *b = malloc(cap > 0 ? cap : 1);
        zto_json_init(&w, cap > 0 ? b : NULL, cap);
        write_sample(&w);
        ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_BUF_TOO_SMALL);
        free(b);
    }
    {
        char *b = malloc(strlen(sample) + 1);
        zto_json_init(&w, b, strlen(sample) + 1);
        write_sample(&w);
        ASSERT_OK(zto_json_finish(&w, &len));
        ASSERT_TRUE(strcmp(b, sample) == 0);
        free(b);
    }

    /* Heap mode: same bytes; a max below the size fails. */
    zto_json_init_dyn(&w, 4096);
    write_sample(&w);
    ASSERT_OK(zto_json_finish(&w, &len));
    ASSERT_TRUE(strcmp(w.buf, sample) == 0);
    {
        char *taken = zto_json_take(&w);
        ASSERT_TRUE(taken != NULL && strcmp(taken, sample) == 0);
        free(taken);
    }
    zto_json_free(&w);
    zto_json_init_dyn(&w, 40);
    write_sample(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_BUF_TOO_SMALL);
    zto_json_free(&w);
}

static void
test_writer_escapes(void)
{
    char buf[256];
    struct zto_json w;
    size_t len = 0;
    /* quote, backslash, newline, tab, 0x01, DEL, e-acute (UTF-8), a lone
     * continuation byte, an overlong '/', a CESU surrogate, U+1F600 */
    static const char in[] = "a\"b\\c\nd\te\x01"
                             "f\x7fg\xc3\xa9h\x80i\xc0\xafj\xed\xa0\x80k"
                             "\xf0\x9f\x98\x80";
    static const char want[] =
        "\"a\\\"b\\\\c\\nd\\te\\u0001f\\u007fg\xc3\xa9h\\ufffdi\\ufffd"
        "\\ufffdj\\ufffd\\ufffd\\ufffdk\xf0\x9f\x98\x80\"";

    zto_json_init(&w, buf, sizeof(buf));
    zto_json_strn(&w, in, sizeof(in) - 1);
    ASSERT_OK(zto_json_finish(&w, &len));
    ASSERT_TRUE(strcmp(buf, want) == 0);
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "got  %s\nwant %s\n", buf, want);
    /* Whatever went in, the output parses. */
    ASSERT_OK(parse_s(buf));

    /* Embedded NUL travels as \u0000 with strn. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_strn(&w, "a\0b", 3);
    ASSERT_OK(zto_json_finish(&w, &len));
    ASSERT_TRUE(strcmp(buf, "\"a\\u0000b\"") == 0);
    /* NULL string is null. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_str(&w, NULL);
    ASSERT_OK(zto_json_finish(&w, &len));
    ASSERT_TRUE(strcmp(buf, "null") == 0);
}

static void
test_writer_misuse(void)
{
    char buf[256];
    struct zto_json w;
    size_t len = 0;
    int i;

    /* Key inside an array. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_arr(&w);
    zto_json_key(&w, "k");
    zto_json_arr_end(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    /* Member value without a name. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_obj(&w);
    zto_json_int(&w, 1);
    zto_json_obj_end(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    /* Name without a value. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_obj(&w);
    zto_json_key(&w, "k");
    zto_json_obj_end(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    /* Wrong closer, unclosed, nothing, two top-level values. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_obj(&w);
    zto_json_arr_end(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_arr(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    zto_json_init(&w, buf, sizeof(buf));
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_int(&w, 1);
    zto_json_int(&w, 2);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_ARG);
    /* Depth limit. */
    zto_json_init(&w, buf, sizeof(buf));
    for (i = 0; i <= ZTO_JSON_MAX_DEPTH; i++)
        zto_json_arr(&w);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_DEPTH);
    /* Times outside RFC 3339's four-digit years. */
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_time(&w, -1);
    ASSERT_ERR(zto_json_finish(&w, &len), ZTO_E_RANGE);
    zto_json_init(&w, buf, sizeof(buf));
    zto_json_time(&w, INT64_C(253402300799));
    ASSERT_OK(zto_json_finish(&w, &len));
    ASSERT_TRUE(strcmp(buf, "\"9999-12-31T23:59:59Z\"") == 0);
}

static void
test_reader_values(void)
{
    static const char text[] =
        " { \"a\" : [1, -0, 2.5e3, true, false, null],\n"
        "\"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\\/\", \"o\": {\"k\": "
        "9223372036854775807},"
        "\"neg\": -9223372036854775808, \"big\": 9223372036854775808,"
        "\"zero\": \"a\\u0000b\", \"frac\": 1.0 } ";
    struct zto_json_doc doc;
    char *copy = NULL, s[64];
    size_t v = 0, e = 0, k = 0, len = 0;
    int64_t i64 = 0;
    bool b = false;
    static const char *const allowed[] = {"a",   "s",    "o",   "neg",
                                          "big", "zero", "frac"};

    ASSERT_OK(parse_copy(text, strlen(text), &doc, &copy));
    if (copy == NULL)
        return;
    ASSERT_EQ(zto_json_type(&doc, 0), ZTO_JSON_OBJECT);
    ASSERT_EQ(doc.tok[0].count, 7);
    ASSERT_OK(zto_json_member(&doc, 0, "a", &v));
    ASSERT_EQ(zto_json_type(&doc, v), ZTO_JSON_ARRAY);
    ASSERT_EQ(doc.tok[v].count, 6);
    ASSERT_OK(zto_json_at(&doc, v, 0, &e));
    ASSERT_OK(zto_json_get_int(&doc, e, &i64));
    ASSERT_EQ(i64, 1);
    ASSERT_OK(zto_json_at(&doc, v, 1, &e));
    ASSERT_OK(zto_json_get_int(&doc, e, &i64));
    ASSERT_EQ(i64, 0);
    ASSERT_OK(zto_json_at(&doc, v, 2, &e));
    ASSERT_ERR(zto_json_get_int(&doc, e, &i64), ZTO_E_TYPE);
    ASSERT_OK(zto_json_at(&doc, v, 3, &e));
    ASSERT_OK(zto_json_get_bool(&doc, e, &b));
    ASSERT_TRUE(b);
    ASSERT_OK(zto_json_at(&doc, v, 4, &e));
    ASSERT_OK(zto_json_get_bool(&doc, e, &b));
    ASSERT_TRUE(!b);
    ASSERT_OK(zto_json_at(&doc, v, 5, &e));
    ASSERT_EQ(zto_json_type(&doc, e), ZTO_JSON_NULL);
    ASSERT_ERR(zto_json_at(&doc, v, 6, &e), ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_json_get_bool(&doc, e, &b), ZTO_E_TYPE);

    ASSERT_OK(zto_json_member(&doc, 0, "s", &v));
    ASSERT_OK(zto_json_get_str(&doc, v, s, sizeof(s), &len));
    ASSERT_EQ(len, 10);
    ASSERT_TRUE(strcmp(s, "x\xc3\xa9\xf0\x9f\x98\x80\n\"/") == 0);
    /* Exactly enough room, and one byte less. */
    ASSERT_OK(zto_json_get_str(&doc, v, s, 11, &len));
    ASSERT_ERR(zto_json_get_str(&doc, v, s, 10, &len), ZTO_E_BUF_TOO_SMALL);
    {
        char *dup = NULL;
        ASSERT_OK(zto_json_dup_str(&doc, v, &dup, &len));
        ASSERT_TRUE(dup != NULL && strcmp(dup, s) == 0);
        free(dup);
    }

    ASSERT_OK(zto_json_member(&doc, 0, "o", &v));
    ASSERT_OK(zto_json_member(&doc, v, "k", &k));
    ASSERT_OK(zto_json_get_int(&doc, k, &i64));
    ASSERT_EQ(i64, INT64_MAX);
    ASSERT_ERR(zto_json_member(&doc, v, "missing", &k), ZTO_E_NOT_FOUND);
    ASSERT_ERR(zto_json_member(&doc, k, "k", &k), ZTO_E_TYPE);
    ASSERT_OK(zto_json_member(&doc, 0, "neg", &v));
    ASSERT_OK(zto_json_get_int(&doc, v, &i64));
    ASSERT_TRUE(i64 == INT64_MIN);
    ASSERT_OK(zto_json_member(&doc, 0, "big", &v));
    ASSERT_ERR(zto_json_get_int(&doc, v, &i64), ZTO_E_RANGE);
    ASSERT_OK(zto_json_member(&doc, 0, "zero", &v));
    ASSERT_ERR(zto_json_get_str(&doc, v, s, sizeof(s), &len), ZTO_E_RANGE);
    ASSERT_OK(zto_json_member(&doc, 0, "frac", &v));
    ASSERT_ERR(zto_json_get_int(&doc, v, &i64), ZTO_E_TYPE);
    /* "frac" is the last member: the one after it does not exist. */
    ASSERT_OK(zto_json_only(&doc, 0, allowed, 7, &k));
    ASSERT_ERR(zto_json_only(&doc, 0, allowed, 6, &k), ZTO_E_UNKNOWN_KEY);
    ASSERT_TRUE(strncmp(doc.text + doc.tok[k].start, "frac", 4) == 0);
    zto_json_doc_free(&doc);
    free(copy);
}

static void
test_reader_rejects(void)
{
    static const char *const bad[] = {
        "",
        " ",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "[,1]",
        "{\"a\" 1}",
        "{a:1}",
        "{'a':1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[+1]",
        "[-]",
        "[1e]",
        "[1e+]",
        "[NaN]",
        "[Infinity]",
        "[tru]",
        "[nul]",
        "[\"a\tb\"]",
        "[\"a\nb\"]",
        "[\"\\x\"]",
        "[\"\\u12\"]",
        "[\"\\u12G4\"]",
        "[\"\\ud800\"]",
        "[\"\\ud800\\u0041\"]",
        "[\"\\udc00\"]",
        "[\"\xff\"]",
        "[\"\xc0\xaf\"]",
        "[\"\xed\xa0\x80\"]",
        "[\"\xf4\x90\x80\x80\"]",
        "[\"unterminated]",
        "{} {}",
        "{}x",
        "[1] // c",
        "/* c */ []",
        "[1 2]",
        "{\"a\":1 \"b\":2}",
        "\xef\xbb\xbf{}",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        zto_err_t r = parse_s(bad[i]);
        ASSERT_TRUE(r != ZTO_OK);
        if (r == ZTO_OK)
            fprintf(stderr, "accepted: %s\n", bad[i]);
    }
    /* Duplicate names, also when spelled differently. */
    ASSERT_ERR(parse_s("{\"a\":1,\"b\":2,\"a\":3}"), ZTO_E_EXISTS);
    ASSERT_ERR(parse_s("{\"a\":1,\"\\u0061\":2}"), ZTO_E_EXISTS);
    ASSERT_ERR(parse_s("[{\"x\":{\"y\":1,\"y\":1}}]"), ZTO_E_EXISTS);
    ASSERT_OK(parse_s("{\"a\":{\"a\":1},\"b\":{\"a\":2}}"));
    /* Depth: 32 levels fine, 33 not. */
    {
        char deep[80];
        int d;
        for (d = 0; d < 32; d++)
            deep[d] = '[';
        for (d = 0; d < 32; d++)
            deep[32 + d] = ']';
        deep[64] = '\0';
        ASSERT_OK(parse_s(deep));
        memmove(deep + 1, deep, 65);
        deep[0] = '[';
        deep[65] = ']';
        deep[66] = '\0';
        ASSERT_ERR(parse_s(deep), ZTO_E_DEPTH);
    }
    /* Token limit. */
    {
        struct zto_json_doc doc;
        ASSERT_ERR(zto_json_parse("[1,2,3]", 7, 3, &doc, NULL), ZTO_E_TOO_BIG);
        ASSERT_OK(zto_json_parse("[1,2,3]", 7, 4, &doc, NULL));
        zto_json_doc_free(&doc);
    }
    /* Error offset points at the problem. */
    {
        struct zto_json_doc doc;
        size_t off = 0;
        ASSERT_ERR(zto_json_parse("{\"a\": tru}", 10, 0, &doc, &off),
                   ZTO_E_PROTO);
        ASSERT_EQ(off, 6);
    }
}

static void
test_prefixes_and_roundtrip(void)
{
    size_t n = strlen(sample), k;
    struct zto_json_doc doc;
    char *copy = NULL, buf[512];
    struct zto_json w;
    size_t v = 0, len = 0;

    /* Every proper prefix of a document ending in '}' is invalid. */
    for (k = 0; k < n; k++) {
        zto_err_t r = parse_copy(sample, k, &doc, &copy);
        ASSERT_TRUE(r != ZTO_OK);
        if (r == ZTO_OK) {
            zto_json_doc_free(&doc);
            free(copy);
        }
    }
    /* Writer output read back. */
    ASSERT_OK(parse_copy(sample, n, &doc, &copy));
    if (copy == NULL)
        return;
    ASSERT_OK(zto_json_member(&doc, 0, "t", &v));
    ASSERT_OK(zto_json_get_str(&doc, v, buf, sizeof(buf), &len));
    ASSERT_TRUE(strcmp(buf, "1971-01-01T00:00:00Z") == 0);
    zto_json_doc_free(&doc);
    free(copy);

    /* Every byte value through a string and back. */
    {
        char all[256];
        char *out = NULL;
        for (k = 0; k < 255; k++)
            all[k] = (char)(k + 1);
        zto_json_init(&w, buf, sizeof(buf));
        zto_json_arr(&w);
        zto_json_strn(&w, all, 127); /* ASCII: survives unchanged */
        zto_json_arr_end(&w);
        ASSERT_OK(zto_json_finish(&w, &len));
        ASSERT_OK(parse_copy(buf, len, &doc, &copy));
        if (copy != NULL) {
            ASSERT_OK(zto_json_dup_str(&doc, 1, &out, &len));
            ASSERT_EQ(len, 127);
            ASSERT_TRUE(out != NULL && memcmp(out, all, 127) == 0);
            free(out);
            zto_json_doc_free(&doc);
            free(copy);
        }
    }
}

int
main(void)
{
    TEST_START("admin_json");
    test_writer_known();
    test_writer_escapes();
    test_writer_misuse();
    test_reader_values();
    test_reader_rejects();
    test_prefixes_and_roundtrip();
    TEST_DONE();
}
