/*
 * errmsg.c - ErrorMessage (FDO 1.1 section 4.5; transport doc section 1.4).
 *
 *   ErrorMessage = [EMErrorCode: uint16, EMPrevMsgID: uint8,
 *                   EMErrorStr: tstr, EMErrorTs: timestamp / null,
 *                   EMErrorCID: uint / null]
 *
 * Timestamps seen on the wire: null (fido-device-onboard-rs), plain Unix
 * seconds (go-fdo, pri-fidoiot), and tagged values: the 1.1 CDDL tags a
 * UTC string with 0 and seconds with 1, astarte uses tag 6 around either.
 * Any tag around seconds is unwrapped; a text timestamp (tagged or not)
 * must be RFC 3339 and is converted to seconds. We write plain seconds.
 */
#include "zto/zto_codec.h"

#include "codec_int.h"

/* Exactly n decimal digits at *p; advances. */
static bool
digits(const uint8_t **p, const uint8_t *end, size_t n, unsigned *v)
{
    unsigned x = 0;
    size_t i;

    if ((size_t)(end - *p) < n)
        return false;
    for (i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        x = x * 10 + (unsigned)((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return true;
}

static bool
expect(const uint8_t **p, const uint8_t *end, const char *any)
{
    if (*p == end)
        return false;
    for (; *any != '\0'; any++)
        if (**p == (uint8_t)*any) {
            (*p)++;
            return true;
        }
    return false;
}

static unsigned
month_days(unsigned y, unsigned m)
{
    static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30,
                                         31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static int64_t
days_from_civil(unsigned y, unsigned m, unsigned d)
{
    int64_t yy = (int64_t)y - (m <= 2 ? 1 : 0);
    int64_t era = yy / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

/* RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm). */
static zto_err_t
parse_rfc3339(struct zto_bytes s, uint64_t *secs)
{
    const uint8_t *p = s.p, *end = s.p + s.len;
    unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
    int sign = 0;
    int64_t t;

    if (s.len == 0 || !digits(&p, end, 4, &y) || !expect(&p, end, "-") ||
        !digits(&p, end, 2, &mo) || !expect(&p, end, "-") ||
        !digits(&p, end, 2, &d) || !expect(&p, end, "Tt") ||
        !digits(&p, end, 2, &h) || !expect(&p, end, ":") ||
        !digits(&p, end, 2, &mi) || !expect(&p, end, ":") ||
        !digits(&p, end, 2, &se))
        return ZTO_E_RANGE;
    if (p < end && *p == '.') {
        p++;
        if (p == end || *p < '0' || *p > '9')
            return ZTO_E_RANGE;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (expect(&p, end, "Zz")) {
        sign = 0;
    } else if (p < end && (*p == '+' || *p == '-')) {
        sign = *p == '-' ? -1 : 1;
        p++;
        if (!digits(&p, end, 2, &oh) || !expect(&p, end, ":") ||
            !digits(&p, end, 2, &om))
            return ZTO_E_RANGE;
    } else {
        return ZTO_E_RANGE;
    }
    if (p != end || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
        d > month_days(y, mo) || h > 23 || mi > 59 || se > 60 || oh > 23 ||
        om > 59)
        return ZTO_E_RANGE;
    t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    t -= sign * (int64_t)(oh * 3600 + om * 60);
    if (t < 0)
        return ZTO_E_RANGE;
    *secs = (uint64_t)t;
    return ZTO_OK;
}

static zto_err_t
timestamp_dec(struct zto_cbor_dec *d, bool *has, uint64_t *ts)
{
    struct zto_cbor_item it;
    struct zto_bytes s;
    uint64_t tag;
    zto_err_t r;

    if (zto_cbor_peek_null(d)) {
        *has = false;
        return zto_cbor_get_null(d);
    }
    if ((r = zto_cbor_peek(d, &it)) != ZTO_OK)
        return r;
    if (it.major == ZTO_CBOR_TAG) {
        if ((r = zto_cbor_get_tag(d, &tag)) != ZTO_OK ||
            (r = zto_cbor_peek(d, &it)) != ZTO_OK)
            return r;
    }
    switch (it.major) {
    case ZTO_CBOR_UINT:
        r = zto_cbor_get_uint(d, ts);
        break;
    case ZTO_CBOR_TSTR:
        if ((r = zto_cbor_get_tstr(d, &s)) == ZTO_OK)
            r = parse_rfc3339(s, ts);
        break;
    case ZTO_CBOR_NEGINT:
        r = ZTO_E_RANGE;
        break;
    default:
        r = ZTO_E_TYPE;
    }
    if (r == ZTO_OK)
        *has = true;
    return r;
}

zto_err_t
zto_error_msg_decode(const uint8_t *buf, size_t len, struct zto_error_msg *m)
{
    struct zto_cbor_dec d;
    struct zto_error_msg tmp = {0};
    zto_err_t r;

    zto_cbor_dec_init(&d, buf, len);
    if ((r = zto_cbor_get_array_n(&d, 5)) != ZTO_OK ||
        (r = zto_cbor_get_u16(&d, &tmp.code)) != ZTO_OK ||
        (r = zto_cbor_get_u8(&d, &tmp.prev_msg)) != ZTO_OK ||
        (r = zto_cbor_get_tstr(&d, &tmp.text)) != ZTO_OK ||
        (r = timestamp_dec(&d, &tmp.has_ts, &tmp.ts)) != ZTO_OK)
        return r;
    if (zto_cbor_peek_null(&d)) {
        if ((r = zto_cbor_get_null(&d)) != ZTO_OK)
            return r;
    } else {
        if ((r = zto_cbor_get_uint(&d, &tmp.cid)) != ZTO_OK)
            return r;
        tmp.has_cid = true;
    }
    if ((r = codec_dec_end(&d)) != ZTO_OK)
        return r;
    *m = tmp;
    return ZTO_OK;
}

zto_err_t
zto_error_msg_encode(const struct zto_error_msg *m, uint8_t *buf, size_t cap,
                     size_t *out_len)
{
    struct zto_cbor_enc e;

    zto_cbor_enc_init(&e, buf, cap);
    zto_cbor_put_array(&e, 5);
    zto_cbor_put_uint(&e, m->code);
    zto_cbor_put_uint(&e, m->prev_msg);
    zto_cbor_put_tstr(&e, (const char *)m->text.p, m->text.len);
    if (m->has_ts)
        zto_cbor_put_uint(&e, m->ts);
    else
        zto_cbor_put_null(&e);
    if (m->has_cid)
        zto_cbor_put_uint(&e, m->cid);
    else
        zto_cbor_put_null(&e);
    return zto_cbor_enc_finish(&e, out_len);
}
