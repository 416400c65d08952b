/*
 * prom_check.h - a checker for the Prometheus text exposition format
 * 0.0.4, strict enough to catch what a scraper would reject, and a
 * lookup of one sample's value. For the metrics tests.
 *
 * Checks: every line is a comment, blank, or "name[{labels}] value"; metric
 * and label names are legal; label values are quoted with only \\ \" \n
 * escapes; values parse as floats (or +Inf/-Inf/NaN); a family has at
 * most one HELP and one TYPE, TYPE comes before its samples, and samples
 * of a family are not interleaved with other families; histograms have
 * non-decreasing cumulative buckets in increasing le order ending in
 * le="+Inf" equal to _count, and a _sum.
 */
#ifndef ZTO_PROM_CHECK_H
#define ZTO_PROM_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_MAX_FAMILIES 256

struct prom_family {
    char name[128];
    char type[16];
    int help, typed, closed;
};

static inline int
prom_name_char(char c, int first, int colon)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
        (colon && c == ':'))
        return 1;
    return !first && c >= '0' && c <= '9';
}

/* Name of the family a sample belongs to (histogram suffixes removed). */
static inline void
prom_family_of(const char *name, const struct prom_family *fam, size_t nfam,
               char *out, size_t cap)
{
    static const char *const suf[] = {"_bucket", "_sum", "_count"};
    size_t i, k, n = strlen(name);

    for (k = 0; k < 3; k++) {
        size_t sl = strlen(suf[k]);
        if (n > sl && strcmp(name + n - sl, suf[k]) == 0)
            for (i = 0; i < nfam; i++)
                if (strlen(fam[i].name) == n - sl &&
                    strncmp(fam[i].name, name, n - sl) == 0 &&
                    strcmp(fam[i].type, "histogram") == 0) {
                    snprintf(out, cap, "%s", fam[i].name);
                    return;
                }
    }
    snprintf(out, cap, "%s", name);
}

static inline struct prom_family *
prom_fam(struct prom_family *fam, size_t *nfam, const char *name)
{
    size_t i;

    for (i = 0; i < *nfam; i++)
        if (strcmp(fam[i].name, name) == 0)
            return &fam[i];
    if (*nfam == PROM_MAX_FAMILIES)
        return NULL;
    memset(&fam[*nfam], 0, sizeof(fam[0]));
    snprintf(fam[*nfam].name, sizeof(fam[0].name), "%s", name);
    return &fam[(*nfam)++];
}

static inline int
prom_value_ok(const char *s, double *v)
{
    char *end;

    if (strcmp(s, "+Inf") == 0 || strcmp(s, "-Inf") == 0 ||
        strcmp(s, "NaN") == 0) {
        *v = strcmp(s, "-Inf") == 0 ? -INFINITY : s[0] == 'N' ? NAN : INFINITY;
        return 1;
    }
    *v = strtod(s, &end);
    return end != s && *end == '\0';
}

/* 0 if text is valid; otherwise -1 and a message on stderr. */
static inline int
prom_check(const char *text)
{
    static struct prom_family fam[PROM_MAX_FAMILIES];
    size_t nfam = 0;
    const char *p = text;
    char cur[128] = "";
    int lineno = 0;
    /* Histogram state of the current family and label set. */
    double last_le = -INFINITY, last_cum = 0, inf_cum = -1;

    if (text == NULL || (*text != '\0' && text[strlen(text) - 1] != '\n')) {
        fprintf(stderr, "prom: text must end with a newline\n");
        return -1;
    }
    while (*p != '\0') {
        const char *e = strchr(p, '\n');
        char line[2048], name[128], famname[128], val[64], labels[1024] = "";
        size_t n = (size_t)(e - p), i = 0, k = 0;
        double v;
        struct prom_family *f;

        lineno++;
        if (n >= sizeof(line)) {
            fprintf(stderr, "prom:%d: line too long\n", lineno);
            return -1;
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p = e + 1;
        if (n == 0)
            continue;
        if (line[0] == '#') {
            char kind[8], fname[128], rest[1024] = "";
            if (sscanf(line, "# %7s %127s %1023[^\n]", kind, fname, rest) < 2)
                continue; /* a plain comment */
            if (strcmp(kind, "HELP") != 0 && strcmp(kind, "TYPE") != 0)
                continue;
            for (i = 0; fname[i] != '\0'; i++)
                if (!prom_name_char(fname[i], i == 0, 1)) {
                    fprintf(stderr, "prom:%d: bad name %s\n", lineno, fname);
                    return -1;
                }
            if ((f = prom_fam(fam, &nfam, fname)) == NULL)
                return -1;
            if (f->closed) {
                fprintf(stderr, "prom:%d: %s reopened\n", lineno, fname);
                return -1;
            }
            if (strcmp(kind, "HELP") == 0) {
                if (f->help++) {
                    fprintf(stderr, "prom:%d: second HELP\n", lineno);
                    return -1;
                }
            } else {
                if (f->typed++ || (strcmp(rest, "counter") != 0 &&
                                   strcmp(rest, "gauge") != 0 &&
                                   strcmp(rest, "histogram") != 0 &&
                                   strcmp(rest, "summary") != 0 &&
                                   strcmp(rest, "untyped") != 0)) {
                    fprintf(stderr, "prom:%d: bad or second TYPE\n", lineno);
                    return -1;
                }
                snprintf(f->type, sizeof(f->type), "%.15s", rest);
            }
            continue;
        }
        /* name */
        while (i < n && prom_name_char(line[i], i == 0, 1) &&
               i < sizeof(name) - 1) {
            name[i] = line[i];
            i++;
        }
        name[i] = '\0';
        if (i == 0) {
            fprintf(stderr, "prom:%d: no metric name\n", lineno);
            return -1;
        }
        if (line[i] == '{') {
            i++;
            while (line[i] != '}') {
                size_t l0 = i;
                while (prom_name_char(line[i], i == l0, 0))
                    i++;
                if (i == l0 || line[i] != '=' || line[i + 1] != '"') {
                    fprintf(stderr, "prom:%d: bad label\n", lineno);
                    return -1;
                }
                i += 2;
                while (line[i] != '"') {
                    if (line[i] == '\0') {
                        fprintf(stderr, "prom:%d: open label\n", lineno);
                        return -1;
                    }
                    if (line[i] == '\\') {
                        if (line[i + 1] != '\\' && line[i + 1] != '"' &&
                            line[i + 1] != 'n') {
                            fprintf(stderr, "prom:%d: bad escape\n", lineno);
                            return -1;
                        }
                        i++;
                    }
                    i++;
                }
                i++;
                if (line[i] == ',')
                    i++;
                else if (line[i] != '}') {
                    fprintf(stderr, "prom:%d: bad label list\n", lineno);
                    return -1;
                }
            }
            k = i;
            memcpy(labels, line + (strchr(line, '{') - line) + 1,
                   k - (size_t)(strchr(line, '{') - line) - 1);
            i++;
        }
        if (line[i] != ' ' || sscanf(line + i + 1, "%63s", val) != 1 ||
            !prom_value_ok(val, &v)) {
            fprintf(stderr, "prom:%d: bad value in '%s'\n", lineno, line);
            return -1;
        }
        prom_family_of(name, fam, nfam, famname, sizeof(famname));
        f = prom_fam(fam, &nfam, famname);
        if (f == NULL || !f->typed) {
            fprintf(stderr, "prom:%d: %s without TYPE\n", lineno, famname);
            return -1;
        }
        if (strcmp(cur, famname) != 0) {
            struct prom_family *old = prom_fam(fam, &nfam, cur);
            if (cur[0] != '\0' && old != NULL)
                old->closed = 1;
            if (f->closed) {
                fprintf(stderr, "prom:%d: %s interleaved\n", lineno, famname);
                return -1;
            }
            snprintf(cur, sizeof(cur), "%s", famname);
        }
        if (strcmp(f->type, "histogram") == 0) {
            size_t nl = strlen(name);
            if (nl > 7 && strcmp(name + nl - 7, "_bucket") == 0) {
                char *le = strstr(labels, "le=\"");
                double lev;
                char lebuf[32];
                size_t j = 0;
                if (le == NULL) {
                    fprintf(stderr, "prom:%d: bucket without le\n", lineno);
                    return -1;
                }
                le += 4;
                while (le[j] != '"' && j < sizeof(lebuf) - 1) {
                    lebuf[j] = le[j];
                    j++;
                }
                lebuf[j] = '\0';
                if (!prom_value_ok(lebuf, &lev)) {
                    fprintf(stderr, "prom:%d: bad le\n", lineno);
                    return -1;
                }
                if (lev <= last_le || v < last_cum) {
                    fprintf(stderr, "prom:%d: buckets out of order\n", lineno);
                    return -1;
                }
                last_le = lev;
                last_cum = v;
                if (isinf(lev))
                    inf_cum = v;
            } else if (nl > 6 && strcmp(name + nl - 6, "_count") == 0) {
                if (inf_cum < 0 || v != inf_cum) {
                    fprintf(stderr, "prom:%d: _count != +Inf bucket\n", lineno);
                    return -1;
                }
                last_le = -INFINITY;
                last_cum = 0;
                inf_cum = -1;
            }
        }
    }
    return 0;
}

/* Value of the sample written exactly as `series` (e.g.
 * "zto_fdo_runs_total{protocol=\"di\",result=\"completed\"}"), or -1. */
static inline double
prom_value(const char *text, const char *series)
{
    size_t n = strlen(series);
    const char *p = text;

    while ((p = strstr(p, series)) != NULL) {
        if ((p == text || p[-1] == '\n') && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p += n;
    }
    return -1;
}

#endif /* ZTO_PROM_CHECK_H */
