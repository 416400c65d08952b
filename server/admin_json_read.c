/*
 * admin_json_read.c - the strict JSON reader of zto_json.h (RFC 8259).
 *
 * One recursive-descent pass checks the grammar and records a token per
 * value; nothing is unescaped until a value is asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "zto_json.h"

#define DEF_MAX_TOKENS 4096

struct rd {
    const char *s;
    size_t n;
    size_t pos;
    struct zto_json_tok *tok;
    size_t ntok, cap, max;
    zto_err_t err;
};

static zto_err_t
bad(struct rd *r, zto_err_t e)
{
    if (r->err == ZTO_OK)
        r->err = e;
    return r->err;
}

static void
skip_ws(struct rd *r)
{
    while (r->pos < r->n && (r->s[r->pos] == ' ' || r->s[r->pos] == '\t' ||
                             r->s[r->pos] == '\n' || r->s[r->pos] == '\r'))
        r->pos++;
}

static zto_err_t
new_tok(struct rd *r, uint8_t type, size_t *idx)
{
    struct zto_json_tok *t;

    if (r->ntok == r->max)
        return bad(r, ZTO_E_TOO_BIG);
    if (r->ntok == r->cap) {
        size_t nc = r->cap < 16 ? 16 : r->cap * 2;
        if (nc > r->max)
            nc = r->max;
        if ((t = realloc(r->tok, nc * sizeof(*t))) == NULL)
            return bad(r, ZTO_E_NOMEM);
        r->tok = t;
        r->cap = nc;
    }
    t = &r->tok[r->ntok];
    memset(t, 0, sizeof(*t));
    t->type = type;
    t->start = (uint32_t)r->pos;
    *idx = r->ntok++;
    return ZTO_OK;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at p (n bytes available), or -1. */
static long
hex4(const char *p, size_t n)
{
    long v = 0;
    size_t i;

    if (n < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/*
 * Decode one escape starting at p (after the backslash) into UTF-8.
 * Returns the escape's length in input bytes (after '\'), or 0 if
 * invalid. *out gets up to 4 bytes, *on their count.
 */
static size_t
decode_escape(const char *p, size_t n, uint8_t out[4], size_t *on)
{
    long cp, lo;
    size_t used = 1;

    if (n == 0)
        return 0;
    switch (p[0]) {
    case '"':
    case '\\':
    case '/':
        out[0] = (uint8_t)p[0];
        *on = 1;
        return 1;
    case 'b':
        out[0] = '\b';
        *on = 1;
        return 1;
    case 'f':
        out[0] = '\f';
        *on = 1;
        return 1;
    case 'n':
        out[0] = '\n';
        *on = 1;
        return 1;
    case 'r':
        out[0] = '\r';
        *on = 1;
        return 1;
    case 't':
        out[0] = '\t';
        *on = 1;
        return 1;
    case 'u':
        break;
    default:
        return 0;
    }
    if ((cp = hex4(p + 1, n - 1)) < 0)
        return 0;
    used = 5;
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return 0; /* a low surrogate alone */
    if (cp >= 0xd800 && cp <= 0xdbff) {
        /* Must pair with "\uDC00".."\uDFFF". */
        if (n < 11 || p[5] != '\\' || p[6] != 'u' ||
            (lo = hex4(p + 7, n - 7)) < 0 || lo < 0xdc00 || lo > 0xdfff)
            return 0;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        used = 11;
    }
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        *on = 1;
    } else if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        *on = 2;
    } else if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        *on = 3;
    } else {
        out[0] = (uint8_t)(0xf0 | (cp >> 18));
        out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[3] = (uint8_t)(0x80 | (cp & 0x3f));
        *on = 4;
    }
    return used;
}

static zto_err_t
parse_string(struct rd *r, size_t *idx)
{
    const unsigned char *p = (const unsigned char *)r->s;
    size_t start;
    uint8_t tmp[4];
    size_t tn, k;

    r->pos++; /* '"' */
    start = r->pos;
    if (new_tok(r, ZTO_JSON_STRING, idx) != ZTO_OK)
        return r->err;
    while (r->pos < r->n) {
        unsigned char c = p[r->pos];
        if (c == '"') {
            r->tok[*idx].len = (uint32_t)(r->pos - start);
            r->pos++;
            return ZTO_OK;
        }
        if (c < 0x20)
            return bad(r, ZTO_E_PROTO);
        if (c == '\\') {
            k = decode_escape(r->s + r->pos + 1, r->n - r->pos - 1, tmp, &tn);
            if (k == 0)
                return bad(r, ZTO_E_PROTO);
            r->pos += 1 + k;
            continue;
        }
        if ((k = admin_utf8_seq(p + r->pos, r->n - r->pos)) == 0)
            return bad(r, ZTO_E_PROTO);
        r->pos += k;
    }
    return bad(r, ZTO_E_PROTO);
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static zto_err_t
parse_number(struct rd *r, size_t *idx)
{
    size_t start = r->pos;

    if (new_tok(r, ZTO_JSON_NUMBER, idx) != ZTO_OK)
        return r->err;
    if (r->pos < r->n && r->s[r->pos] == '-')
        r->pos++;
    if (r->pos >= r->n || !is_digit(r->s[r->pos]))
        return bad(r, ZTO_E_PROTO);
    if (r->s[r->pos] == '0')
        r->pos++;
    else
        while (r->pos < r->n && is_digit(r->s[r->pos]))
            r->pos++;
    if (r->pos < r->n && r->s[r->pos] == '.') {
        r->pos++;
        if (r->pos >= r->n || !is_digit(r->s[r->pos]))
            return bad(r, ZTO_E_PROTO);
        while (r->pos < r->n && is_digit(r->s[r->pos]))
            r->pos++;
    }
    if (r->pos < r->n && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
        r->pos++;
        if (r->pos < r->n && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
            r->pos++;
        if (r->pos >= r->n || !is_digit(r->s[r->pos]))
            return bad(r, ZTO_E_PROTO);
        while (r->pos < r->n && is_digit(r->s[r->pos]))
            r->pos++;
    }
    r->tok[*idx].len = (uint32_t)(r->pos - start);
    return ZTO_OK;
}

static zto_err_t
parse_lit(struct rd *r, const char *lit, uint8_t type)
{
    size_t n = strlen(lit), idx;

    if (r->n - r->pos < n || memcmp(r->s + r->pos, lit, n) != 0)
        return bad(r, ZTO_E_PROTO);
    if (new_tok(r, type, &idx) != ZTO_OK)
        return r->err;
    r->tok[idx].len = (uint32_t)n;
    r->pos += n;
    return ZTO_OK;
}

/* Walks the bytes a (possibly escaped) string token stands for. */
struct sit {
    const char *p, *end;
    uint8_t b[4];
    size_t bn, bi;
};

static void
sit_init(struct sit *s, const struct zto_json_doc *doc, size_t i)
{
    s->p = doc->text + doc->tok[i].start;
    s->end = s->p + doc->tok[i].len;
    s->bn = s->bi = 0;
}

static int
sit_next(struct sit *s)
{
    size_t k;

    if (s->bi < s->bn)
        return s->b[s->bi++];
    if (s->p >= s->end)
        return -1;
    if (*s->p != '\\')
        return (unsigned char)*s->p++;
    /* Checked by the parser: cannot fail. */
    k = decode_escape(s->p + 1, (size_t)(s->end - s->p - 1), s->b, &s->bn);
    s->p += 1 + (k > 0 ? k : (size_t)(s->end - s->p - 1));
    s->bi = 0;
    return s->bn > 0 ? s->b[s->bi++] : -1;
}

static bool
str_eq_tok(const struct zto_json_doc *doc, size_t a, size_t b)
{
    struct sit x, y;
    int cx, cy;

    sit_init(&x, doc, a);
    sit_init(&y, doc, b);
    do {
        cx = sit_next(&x);
        cy = sit_next(&y);
        if (cx != cy)
            return false;
    } while (cx >= 0);
    return true;
}

static bool
str_eq_c(const struct zto_json_doc *doc, size_t a, const char *s)
{
    struct sit x;
    int c;

    sit_init(&x, doc, a);
    while ((c = sit_next(&x)) >= 0)
        if (*s == '\0' || (unsigned char)*s++ != c)
            return false;
    return *s == '\0';
}

static zto_err_t parse_value(struct rd *r, unsigned depth, size_t *idx);

static zto_err_t
parse_container(struct rd *r, unsigned depth, bool obj, size_t *idx)
{
    uint32_t count = 0;
    char close = obj ? '}' : ']';
    size_t i, j;

    if (depth >= ZTO_JSON_MAX_DEPTH)
        return bad(r, ZTO_E_DEPTH);
    if (new_tok(r, obj ? ZTO_JSON_OBJECT : ZTO_JSON_ARRAY, idx) != ZTO_OK)
        return r->err;
    r->pos++;
    skip_ws(r);
    if (r->pos < r->n && r->s[r->pos] == close) {
        r->pos++;
        goto done;
    }
    for (;;) {
        size_t child;

        skip_ws(r);
        if (obj) {
            if (r->pos >= r->n || r->s[r->pos] != '"')
                return bad(r, ZTO_E_PROTO);
            if (parse_string(r, &child) != ZTO_OK)
                return r->err;
            r->tok[child].next = (uint32_t)(child + 1);
            skip_ws(r);
            if (r->pos >= r->n || r->s[r->pos] != ':')
                return bad(r, ZTO_E_PROTO);
            r->pos++;
        }
        if (parse_value(r, depth + 1, &child) != ZTO_OK)
            return r->err;
        count++;
        skip_ws(r);
        if (r->pos >= r->n)
            return bad(r, ZTO_E_PROTO);
        if (r->s[r->pos] == ',') {
            r->pos++;
            continue;
        }
        if (r->s[r->pos] != close)
            return bad(r, ZTO_E_PROTO);
        r->pos++;
        break;
    }
done:
    r->tok[*idx].count = count;
    r->tok[*idx].len = (uint32_t)(r->pos - r->tok[*idx].start);
    r->tok[*idx].next = (uint32_t)r->ntok;
    if (obj && count > 1) {
        /* Duplicate names make "which one counts" ambiguous: refused. */
        struct zto_json_doc d = {r->s, r->n, r->tok, r->ntok};
        for (i = *idx + 1; i < r->ntok; i = r->tok[i + 1].next)
            for (j = r->tok[i + 1].next; j < r->ntok; j = r->tok[j + 1].next)
                if (str_eq_tok(&d, i, j)) {
                    r->pos = r->tok[j].start;
                    return bad(r, ZTO_E_EXISTS);
                }
    }
    return ZTO_OK;
}

static zto_err_t
parse_value(struct rd *r, unsigned depth, size_t *idx)
{
    zto_err_t e;
    char c;

    skip_ws(r);
    if (r->pos >= r->n)
        return bad(r, ZTO_E_PROTO);
    c = r->s[r->pos];
    switch (c) {
    case '{':
        return parse_container(r, depth, true, idx);
    case '[':
        return parse_container(r, depth, false, idx);
    case '"':
        e = parse_string(r, idx);
        break;
    case 't':
        *idx = r->ntok;
        e = parse_lit(r, "true", ZTO_JSON_TRUE);
        break;
    case 'f':
        *idx = r->ntok;
        e = parse_lit(r, "false", ZTO_JSON_FALSE);
        break;
    case 'n':
        *idx = r->ntok;
        e = parse_lit(r, "null", ZTO_JSON_NULL);
        break;
    default:
        if (c == '-' || is_digit(c))
            e = parse_number(r, idx);
        else
            e = bad(r, ZTO_E_PROTO);
        break;
    }
    if (e == ZTO_OK)
        r->tok[*idx].next = (uint32_t)(*idx + 1);
    return e;
}

zto_err_t
zto_json_parse(const char *text, size_t len, size_t max_tokens,
               struct zto_json_doc *doc, size_t *err_off)
{
    struct rd r;
    size_t root;

    memset(doc, 0, sizeof(*doc));
    memset(&r, 0, sizeof(r));
    if (text == NULL || len > UINT32_MAX - 1)
        return ZTO_E_ARG;
    r.s = text;
    r.n = len;
    r.max = max_tokens > 0 ? max_tokens : DEF_MAX_TOKENS;
    if (parse_value(&r, 0, &root) == ZTO_OK) {
        skip_ws(&r);
        if (r.pos != r.n)
            bad(&r, ZTO_E_PROTO);
    }
    if (r.err != ZTO_OK) {
        if (err_off != NULL)
            *err_off = r.pos;
        free(r.tok);
        return r.err;
    }
    doc->text = text;
    doc->text_len = len;
    doc->tok = r.tok;
    doc->n = r.ntok;
    return ZTO_OK;
}

void
zto_json_doc_free(struct zto_json_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->tok);
    memset(doc, 0, sizeof(*doc));
}

int
zto_json_type(const struct zto_json_doc *doc, size_t i)
{
    return i < doc->n ? doc->tok[i].type : 0;
}

zto_err_t
zto_json_member(const struct zto_json_doc *doc, size_t i, const char *key,
                size_t *val)
{
    size_t k, end;

    if (zto_json_type(doc, i) != ZTO_JSON_OBJECT)
        return ZTO_E_TYPE;
    end = doc->tok[i].next;
    for (k = i + 1; k < end; k = doc->tok[k + 1].next) {
        if (str_eq_c(doc, k, key)) {
            *val = k + 1;
            return ZTO_OK;
        }
    }
    return ZTO_E_NOT_FOUND;
}

zto_err_t
zto_json_only(const struct zto_json_doc *doc, size_t i,
              const char *const *allowed, size_t n, size_t *bad_key)
{
    size_t k, a, end;

    if (zto_json_type(doc, i) != ZTO_JSON_OBJECT)
        return ZTO_E_TYPE;
    end = doc->tok[i].next;
    for (k = i + 1; k < end; k = doc->tok[k + 1].next) {
        for (a = 0; a < n; a++)
            if (str_eq_c(doc, k, allowed[a]))
                break;
        if (a == n) {
            if (bad_key != NULL)
                *bad_key = k;
            return ZTO_E_UNKNOWN_KEY;
        }
    }
    return ZTO_OK;
}

zto_err_t
zto_json_at(const struct zto_json_doc *doc, size_t i, size_t k, size_t *elem)
{
    size_t e, j;

    if (zto_json_type(doc, i) != ZTO_JSON_ARRAY)
        return ZTO_E_TYPE;
    if (k >= doc->tok[i].count)
        return ZTO_E_NOT_FOUND;
    for (e = i + 1, j = 0; j < k; j++)
        e = doc->tok[e].next;
    *elem = e;
    return ZTO_OK;
}

zto_err_t
zto_json_get_str(const struct zto_json_doc *doc, size_t i, char *buf,
                 size_t cap, size_t *len)
{
    struct sit s;
    size_t n = 0;
    int c;

    if (zto_json_type(doc, i) != ZTO_JSON_STRING)
        return ZTO_E_TYPE;
    sit_init(&s, doc, i);
    while ((c = sit_next(&s)) >= 0) {
        if (c == 0)
            return ZTO_E_RANGE;
        if (n + 1 >= cap)
            return ZTO_E_BUF_TOO_SMALL;
        buf[n++] = (char)c;
    }
    if (cap == 0)
        return ZTO_E_BUF_TOO_SMALL;
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return ZTO_OK;
}

zto_err_t
zto_json_dup_str(const struct zto_json_doc *doc, size_t i, char **out,
                 size_t *len)
{
    char *p;
    size_t cap, n = 0;
    zto_err_t r;

    if (zto_json_type(doc, i) != ZTO_JSON_STRING)
        return ZTO_E_TYPE;
    /* Unescaping never makes a string longer. */
    cap = (size_t)doc->tok[i].len + 1;
    if ((p = malloc(cap)) == NULL)
        return ZTO_E_NOMEM;
    if ((r = zto_json_get_str(doc, i, p, cap, &n)) != ZTO_OK) {
        free(p);
        return r;
    }
    *out = p;
    if (len != NULL)
        *len = n;
    return ZTO_OK;
}

zto_err_t
zto_json_get_int(const struct zto_json_doc *doc, size_t i, int64_t *v)
{
    const char *p;
    size_t n, k = 0;
    bool neg = false;
    uint64_t acc = 0, lim;

    if (zto_json_type(doc, i) != ZTO_JSON_NUMBER)
        return ZTO_E_TYPE;
    p = doc->text + doc->tok[i].start;
    n = doc->tok[i].len;
    if (p[0] == '-') {
        neg = true;
        k = 1;
    }
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; k < n; k++) {
        unsigned d;
        if (!is_digit(p[k]))
            return ZTO_E_TYPE; /* fraction or exponent */
        d = (unsigned)(p[k] - '0');
        if (acc > (lim - d) / 10)
            return ZTO_E_RANGE;
        acc = acc * 10 + d;
    }
    if (neg)
        *v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        *v = (int64_t)acc;
    return ZTO_OK;
}

zto_err_t
zto_json_get_bool(const struct zto_json_doc *doc, size_t i, bool *v)
{
    int t = zto_json_type(doc, i);

    if (t != ZTO_JSON_TRUE && t != ZTO_JSON_FALSE)
        return ZTO_E_TYPE;
    *v = t == ZTO_JSON_TRUE;
    return ZTO_OK;
}
