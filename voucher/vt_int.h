/*
 * vt_int.h - internals of fdo-voucher, the warehouse voucher tool.
 *
 * One job per file: main.c dispatches, io.c reads and atomically writes
 * files, load.c turns a file into vouchers, keys.c loads keys and secrets,
 * names.c names protocol numbers, rvinfo.c decodes RendezvousInfo values,
 * certinfo.c describes certificates, check.c runs and reports the checks,
 * show.c / json.c render, extend.c and batch.c extend, lists.c reads GUID
 * lists and shipment manifests, scan.c indexes a voucher directory.
 *
 * Fallible functions return zto_err_t and, on failure, leave one line of
 * explanation in a struct vt_err; the command prints it once.
 */
#ifndef VT_INT_H
#define VT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "zto/zto.h"

/* Exit status of every command. */
#define VT_EXIT_OK 0
#define VT_EXIT_FAIL 1
#define VT_EXIT_USAGE 2

/* Hard caps on what the tool reads. */
#define VT_MAX_VOUCHER_FILE (8u * 1024 * 1024) /* one input file */
#define VT_MAX_VOUCHER (256u * 1024)           /* one voucher, CBOR */
#define VT_MAX_VOUCHERS_PER_FILE 20000
#define VT_MAX_KEY_FILE (64u * 1024)
#define VT_MAX_LIST_FILE (8u * 1024 * 1024) /* GUID list / manifest */
#define VT_MAX_LIST_LINES 200000
#define VT_MAX_DIR_FILES 200000
#define VT_MAX_CA_CERTS 64
#define VT_MAX_CA_FILES 16
#define VT_MAX_EXTRA 16
#define VT_MAX_SECRET 64
#define VT_MAX_BUYER_NAME 64

struct vt_err {
    char msg[768];
};

/* Fill e->msg and return r (r is passed through for `return vt_fail()`). */
zto_err_t vt_fail(struct vt_err *e, zto_err_t r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefix the message already in e with "<fmt>: ". */
void vt_err_prefix(struct vt_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "fdo-voucher[ cmd]: msg" on stderr. */
void vt_print_err(const char *cmd, const struct vt_err *e);
void vt_usage_err(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Report getopt_long's ':' (missing value) or '?' (unknown option). */
void vt_opt_error(const char *cmd, int c, int optopt_, char **argv,
                  int optind_);

/* ---- io.c ---- */
/* Whole file ("-" is stdin) into a malloc'd buffer with a NUL after it
 * (not counted). Non-regular files are refused, sizes above cap too. */
zto_err_t vt_file_read(const char *path, size_t cap, uint8_t **out,
                       size_t *out_len, struct vt_err *e);
/* Same, also giving the permission bits of the file that was read. */
zto_err_t vt_file_read_mode(const char *path, size_t cap, uint8_t **out,
                            size_t *out_len, unsigned *mode, struct vt_err *e);
/*
 * Write data to path atomically: a temporary file in the same directory,
 * fsync, then link (replace false: fails if path exists) or rename
 * (replace true), then fsync of the directory. Path never holds a partial
 * file; on failure the temporary file is removed.
 */
zto_err_t vt_file_write_atomic(const char *path, const uint8_t *data,
                               size_t len, bool replace, struct vt_err *e);
/* The directory that will hold path exists and is writable. */
zto_err_t vt_out_dir_check(const char *path, struct vt_err *e);
/* 1 if both paths name the same existing file, 0 if not, -1 if a is
 * absent. */
int vt_same_file(const char *a, const char *b);
bool vt_path_exists(const char *path);
/* Make dir (one level) if absent; ok if it exists as a directory. */
zto_err_t vt_mkdir(const char *path, struct vt_err *e);
/* malloc'd "a/b"; NULL only when out of memory. */
char *vt_path_join(const char *dir, const char *name);

/* ---- load.c ---- */
enum vt_format { VT_FMT_PEM = 0, VT_FMT_CBOR = 1 };

struct vt_blob {
    uint8_t *cbor; /* exact-size copy of one voucher's CBOR */
    size_t len;
    char *why; /* set (malloc'd) when this block could not be read */
};

struct vt_file {
    char *path;
    enum vt_format format;
    size_t n;
    struct vt_blob *v;
};

/* Read a file holding one or more vouchers: PEM blocks (other blocks are
 * ignored) or a CBOR sequence. A block that cannot be read is kept with
 * its reason (blob.why) so the others are still handled; a file with no
 * voucher at all is an error. Structural decoding is left to the caller. */
zto_err_t vt_file_load(const char *path, struct vt_file *f, struct vt_err *e);
void vt_file_free(struct vt_file *f);
/* zto_voucher_decode with a clear reason on failure. */
zto_err_t vt_voucher_decode(const struct vt_blob *b, struct zto_voucher *v,
                            struct vt_err *e);
/* Encode one voucher as PEM or CBOR into a malloc'd buffer. */
zto_err_t vt_voucher_encode(const uint8_t *cbor, size_t len, enum vt_format fmt,
                            uint8_t **out, size_t *out_len, struct vt_err *e);
/* "pem"/"cbor" -> format; false if neither. */
bool vt_format_parse(const char *s, enum vt_format *fmt);

/* ---- keys.c ---- */
/* A private key for signing (PEM PKCS#8/SEC1/PKCS#1 or DER). The file must
 * not be accessible by group or others unless insecure_ok. */
zto_err_t vt_private_key_load(const char *path, bool insecure_ok,
                              struct zto_key *k, struct vt_err *e);

/* The next owner: a public key, or a certificate chain (leaf first). */
struct vt_next_owner {
    struct zto_key key;
    size_t ncerts;
    struct zto_bytes cert[ZTO_MAX_CERT_CHAIN_LEN];
    uint8_t *certbuf; /* owns the DER of cert[] */
    char fp[65];      /* SHA-256 of the SPKI, hex */
};

void vt_next_owner_init(struct vt_next_owner *n);
void vt_next_owner_free(struct vt_next_owner *n);
zto_err_t vt_next_owner_load(const char *path, struct vt_next_owner *n,
                             struct vt_err *e);
/* The wire PublicKey naming n in a voucher whose manufacturer key is hdr:
 * same pkType, size and encoding (X5CHAIN needs a certificate). The body
 * is written to buf. */
zto_err_t vt_next_owner_pubkey(const struct vt_next_owner *n,
                               const struct zto_pubkey *hdr, uint8_t *buf,
                               size_t cap, struct zto_pubkey *pk,
                               struct vt_err *e);

/* SHA-256 of the key's SubjectPublicKeyInfo, lower-case hex. */
zto_err_t vt_key_fingerprint(const struct zto_key *k, char out[65]);
zto_err_t vt_pubkey_fingerprint(const struct zto_pubkey *pk, char out[65]);

/* Device HMAC secret: hex on the command line or a file (hex text, or raw
 * bytes when the content is not hex). */
zto_err_t vt_secret_from_hex(const char *hex, uint8_t *out, size_t *len,
                             struct vt_err *e);
zto_err_t vt_secret_from_file(const char *path, uint8_t *out, size_t *len,
                              struct vt_err *e);

/* Trust anchors: every CERTIFICATE in a PEM file, appended to roots. */
struct vt_roots {
    size_t n;
    struct zto_bytes cert[VT_MAX_CA_CERTS];
    uint8_t *buf[VT_MAX_CA_FILES];
    size_t nbuf;
};

zto_err_t vt_roots_add_file(struct vt_roots *r, const char *path,
                            struct vt_err *e);
void vt_roots_free(struct vt_roots *r);

/* ---- names.c ---- */
const char *vt_name_pk_type(int32_t t);
const char *vt_name_pk_enc(int32_t enc);
const char *vt_name_hash(int32_t t);
const char *vt_name_alg(int32_t alg);
const char *vt_name_rv_var(unsigned var);
const char *vt_name_rv_protocol(uint64_t p);
const char *vt_name_rv_medium(uint64_t m, char *buf, size_t cap);
/* Describe a key type and size: "SECP256R1 (P-256)", "RSAPKCS (3072)". */
const char *vt_name_curve(int32_t t, unsigned bits, char *buf, size_t cap);
void vt_hex(const uint8_t *p, size_t n, char *out);

/* ---- rvinfo.c ---- */
enum vt_rv_kind {
    VT_RV_FLAG,   /* no value (or null/true) */
    VT_RV_UINT,   /* u */
    VT_RV_BOOL,   /* b */
    VT_RV_STR,    /* s: text from the voucher (escape before printing) */
    VT_RV_TEXT,   /* text: formatted here (IP, hash, hex) */
    VT_RV_HIDDEN, /* a secret value that is not shown */
    VT_RV_BAD     /* value does not decode as its variable's type */
};

struct vt_rv_instr {
    unsigned var;
    enum vt_rv_kind kind;
    uint64_t u;
    bool b;
    struct zto_bytes s;
    char text[256];
};

/* Iterate over the instructions of one directive (raw CBOR); *pos starts
 * at 0. ZTO_E_NOT_FOUND after the last one. */
zto_err_t vt_rv_next(struct zto_bytes directive, size_t *pos,
                     struct vt_rv_instr *ins);

/* ---- describe.c ---- */
struct vt_keydesc {
    bool ok; /* the key decodes */
    unsigned bits;
    char curve[48]; /* "SECP256R1 (P-256)" */
    char fp[65];    /* SHA-256 of the SPKI, hex */
};

void vt_key_describe(const struct zto_pubkey *pk, struct vt_keydesc *kd);
/* Hash type of the entries (entry 0's; else what an extension uses). */
int32_t vt_entry_hash_type(const struct zto_voucher *v);
/* ZTO_OK if a device can use the directive (zto_rv_directive_parse). */
zto_err_t vt_directive_check(struct zto_bytes raw);
void vt_guid_hex(const struct zto_voucher *v, char out[33]);

/* ---- certinfo.c ---- */
struct vt_certinfo {
    char subject[256];
    char issuer[256];
    char not_before[32]; /* 2026-11-21T22:38:46Z */
    char not_after[32];
    char serial[80]; /* hex */
    char key[64];    /* "SECP384R1 (P-384)" */
    char sha256[65]; /* of the DER certificate */
    bool self_signed;
    int time_state; /* 0 valid now, -1 not yet valid, 1 expired */
};

zto_err_t vt_cert_info(struct zto_bytes der, struct vt_certinfo *ci);

/* ---- check.c ---- */
struct vt_check_opts {
    const uint8_t *secret;
    size_t secret_len;
    const struct zto_bytes *roots;
    size_t nroots;
    const struct zto_key *expect_owner; /* optional */
};

/*
 * Every check on one decoded voucher: HMAC (with a secret), cert-chain
 * hash, device chain, each entry (signature, hash links, key uniformity),
 * then zto_voucher_verify() as a whole. With rep non-NULL each check is
 * reported on its own line. Returns ZTO_OK when all pass; e holds the
 * first failure.
 */
zto_err_t vt_check_voucher(const struct zto_voucher *v,
                           const struct vt_check_opts *o, FILE *rep,
                           struct vt_err *e);

/* ---- extend.c ---- */
struct vt_extend_job {
    const struct zto_key *owner; /* current owner's private key */
    const struct vt_next_owner *next;
    struct zto_bytes extra; /* raw OVEExtra or empty for null */
    const struct vt_check_opts *check;
    enum vt_format format;
    bool replace; /* the output may be replaced */
};

/* Verify, check ownership, extend, re-verify, write atomically. On
 * success *guid_hex (33 bytes) names the device. */
zto_err_t vt_extend_one(const struct vt_blob *in, const struct vt_extend_job *j,
                        const char *out_path, char guid_hex[33],
                        struct vt_err *e);
/* Parse --extra KEY=HEX options into raw OVEExtra (bstr .cbor map). */
zto_err_t vt_extra_build(char *const *kv, size_t n, bool empty, uint8_t *buf,
                         size_t cap, struct zto_bytes *out, struct vt_err *e);

/* ---- lists.c ---- */
/* GUID as 32 hex digits or 8-4-4-4-12; normalised to lower-case hex. */
bool vt_guid_parse(const char *s, size_t n, char out[33]);
bool vt_buyer_name_ok(const char *s);

struct vt_list_item {
    char guid[33];
    char buyer[VT_MAX_BUYER_NAME + 1]; /* empty for a GUID list */
    size_t line;
};

struct vt_list {
    size_t n, cap;
    struct vt_list_item *item;
};

/* A GUID list (one per line) or a manifest (GUID,buyer per line; an
 * optional header line; '#' comments and blank lines ignored). */
zto_err_t vt_list_load(const char *path, bool manifest, struct vt_list *l,
                       struct vt_err *e);
void vt_list_free(struct vt_list *l);

/* ---- scan.c ---- */
struct vt_scan_entry {
    char guid[33];              /* empty when the voucher did not decode */
    size_t file;                /* index into files */
    size_t index;               /* voucher index within the file */
    const struct vt_blob *blob; /* views the loaded file */
    char *why;                  /* malloc'd reason when it did not decode */
    size_t dup;                 /* other entries with the same GUID */
};

struct vt_scan_file {
    char *path;
    struct vt_file f;
    bool failed;
    struct vt_err why;
};

struct vt_scan {
    size_t nfiles;
    struct vt_scan_file *files;
    size_t n;
    struct vt_scan_entry *e;
    size_t *order; /* indexes of entries with a GUID, sorted by GUID */
    size_t norder;
};

/* Read every voucher file of dir: non-hidden regular files named *.pem,
 * *.cbor or *.ov, in name order. Files that do not load are kept with
 * their reason. */
zto_err_t vt_scan_dir(const char *dir, struct vt_scan *s, struct vt_err *e);
/* First entry with this GUID, or -1. */
long vt_scan_find(const struct vt_scan *s, const char *guid);
void vt_scan_free(struct vt_scan *s);

/* Decode a blob just enough to name its GUID (hex); false if it does not
 * decode (reason in e). */
bool vt_blob_guid(const struct vt_blob *b, char guid[33], struct vt_err *e);

/* ---- json.c ---- */
struct vt_json {
    FILE *f;
    int depth;
    bool comma[32];
};

void vt_json_init(struct vt_json *j, FILE *f);
void vt_json_obj(struct vt_json *j, const char *key);
void vt_json_obj_end(struct vt_json *j);
void vt_json_arr(struct vt_json *j, const char *key);
void vt_json_arr_end(struct vt_json *j);
void vt_json_str(struct vt_json *j, const char *key, const uint8_t *s,
                 size_t n);
void vt_json_cstr(struct vt_json *j, const char *key, const char *s);
void vt_json_int(struct vt_json *j, const char *key, int64_t v);
void vt_json_uint(struct vt_json *j, const char *key, uint64_t v);
void vt_json_bool(struct vt_json *j, const char *key, bool v);
void vt_json_null(struct vt_json *j, const char *key);
void vt_json_hex(struct vt_json *j, const char *key, const uint8_t *p,
                 size_t n);
void vt_json_end(struct vt_json *j);

/* Text with control characters and invalid UTF-8 escaped, for terminals. */
void vt_print_safe(FILE *f, const uint8_t *s, size_t n);

/* ---- commands ---- */
int vt_cmd_show(int argc, char **argv);
int vt_cmd_verify(int argc, char **argv);
int vt_cmd_extend(int argc, char **argv);
int vt_cmd_extend_batch(int argc, char **argv);

/* show.c exports the JSON form of one voucher for reuse. */
void vt_show_json_voucher(struct vt_json *j, const struct zto_voucher *v,
                          size_t index);

#endif /* VT_INT_H */
