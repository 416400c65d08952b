/*
 * svi_int.h - the owner's ServiceInfo engine (FDO 1.1 section 10;
 * modules in docs/serviceinfo.md), private to owner/.
 *
 *   svi_engine.c    rounds of 68 -> 69, plan execution, state <-> CBOR
 *   svi_out.c       one OwnerServiceInfo within the negotiated size
 *   svi_devmod.c    devmod: what the device reports about itself
 *   svi_download.c  fdo.download: a file to the device, in chunks
 *   svi_command.c   fdo.command: a program run on the device
 *   svi_upload.c    fdo.upload: a file from the device, kept on the owner
 *   svi_csr.c       fdo.csr: operational certificates (svi_csr.h)
 *   svi_wget.c      fdo.wget: the device fetches a file by URL
 *
 * Everything the engine keeps between messages is in struct svi_state,
 * which the TO2 session saves in the database after every round: a
 * module keeps its progress in its step's u[]/blob, never in memory of
 * its own, so any replica can run the next round.
 */
#ifndef ZTO_OWNER_SVI_INT_H
#define ZTO_OWNER_SVI_INT_H

#include "owner_int.h"

#define SVI_MAX_STEPS 64
#define SVI_MAX_MODULES 64
#define SVI_NAME_MAX 64
#define SVI_KIND_MAX 32
#define SVI_STATE_U 8
#define SVI_STATE_BLOB 256
#define SVI_PARAMS_MAX 4096

/* ---- Output: one OwnerServiceInfo (69) ---- */

struct svi_out {
    uint8_t *buf; /* the encoded key/value pairs, back to back */
    size_t cap;
    size_t len;
    size_t count;
    size_t budget; /* largest whole 69 plaintext allowed */
};

void svi_out_init(struct svi_out *o, uint8_t *buf, size_t cap, size_t budget);
/* Append "module:message" = value (value = CBOR bytes, bstr-wrapped on
 * the wire). ZTO_E_BUF_TOO_SMALL when it does not fit this message. */
ZTO_MUST_CHECK zto_err_t svi_out_put(struct svi_out *o, const char *module,
                                     const char *message, const uint8_t *val,
                                     size_t len);
/* Largest value that still fits for this key (0 if none). */
size_t svi_out_room(const struct svi_out *o, const char *module,
                    const char *message);
/* Encode [is_more, is_done, ServiceInfo]. */
ZTO_MUST_CHECK zto_err_t svi_out_finish(const struct svi_out *o, bool is_more,
                                        bool is_done, uint8_t *out, size_t cap,
                                        size_t *out_len);

/* ---- Plan steps and their state ---- */

enum svi_phase {
    SVI_PENDING = 0, /* not started */
    SVI_RUNNING = 1,
    SVI_DONE = 2,
    SVI_SKIPPED = 3 /* optional and the device lacks the module */
};

struct svi_step {
    char kind[SVI_KIND_MAX];
    bool optional;
    uint8_t phase;    /* enum svi_phase */
    bool active_sent; /* "<module>:active" = true went out */
    bool active_ok;   /* the device confirmed it */
    uint8_t *params;  /* CBOR map (heap) */
    size_t params_len;
    /* The module's progress: meaning defined by the module. */
    uint64_t u[SVI_STATE_U];
    uint8_t blob[SVI_STATE_BLOB];
    size_t blob_len;
};

/* What the device said about itself (devmod). */
struct svi_devmod {
    uint32_t seen; /* bit per key of devmod_keys[] */
    uint64_t nummodules;
    size_t nmodules;
    char modules[SVI_MAX_MODULES][SVI_NAME_MAX];
    char os[SVI_NAME_MAX], arch[SVI_NAME_MAX], version[SVI_NAME_MAX],
        device[SVI_NAME_MAX], sn[SVI_NAME_MAX];
    bool complete; /* first DeviceServiceInfo fully received */
};

struct svi_state {
    bool loaded; /* plan read from the database */
    struct svi_devmod dm;
    size_t nsteps;
    size_t cur;            /* first step not finished */
    struct svi_step *step; /* heap, nsteps */
    uint32_t rounds;
    bool done_sent; /* IsDone went out: TO2.Done is next */
    /* The GUID the device has after this TO2: set by the caller before
     * every round (not saved); all zero = the session's GUID. */
    struct zto_guid next_guid;
};

/* Passed to a module for one call. */
struct svi_run {
    struct owner *o;
    const struct zto_guid *guid;
    const struct zto_guid *next_guid; /* see svi_state */
    struct svi_step *st;
    char *why; /* reason, when the module fails TO2 */
    size_t whycap;
};

/*
 * A step kind. The engine sends "<module>:active" = true before the
 * first output of a step and checks the device's answer; a module sees
 * only its other messages.
 *   check()    plan parameters valid? (when a step is added)
 *   start()    first call of a run: set up st->u / st->blob
 *   receive()  one device message for the module (value = CBOR bytes)
 *   produce()  append output to out; *more: output remains that must
 *              reach the device before it answers (IsMoreServiceInfo);
 *              *done: the step is finished
 * An error fails TO2 (the engine reports run->why).
 */
struct svi_kind {
    const char *kind;
    const char *module;
    zto_err_t (*check)(const uint8_t *params, size_t len, char *err,
                       size_t errcap);
    zto_err_t (*start)(struct svi_run *run);
    zto_err_t (*receive)(struct svi_run *run, const char *message,
                         const uint8_t *val, size_t len);
    zto_err_t (*produce)(struct svi_run *run, struct svi_out *out, bool *more,
                         bool *done);
};

const struct svi_kind *svi_kind_find(const char *kind);
/* The kinds' names, comma-separated ("download, command, ..."). */
const char *svi_kind_names(char *buf, size_t cap);
extern const struct svi_kind svi_kind_download;
extern const struct svi_kind svi_kind_command; /* svi_command.c */
extern const struct svi_kind svi_kind_upload;  /* svi_upload.c */
extern const struct svi_kind svi_kind_csr;
extern const struct svi_kind svi_kind_wget; /* svi_wget.c */

/* Plan parameters: a text value of the params map (NUL-terminated copy),
 * ZTO_E_NOT_FOUND if absent. */
ZTO_MUST_CHECK zto_err_t svi_param_str(const uint8_t *params, size_t len,
                                       const char *key, char *out, size_t cap);
/* Build a params map of text values from key/value pairs. */
ZTO_MUST_CHECK zto_err_t svi_params_build(const char *const *kv, size_t npairs,
                                          uint8_t *out, size_t cap,
                                          size_t *out_len);
/* The owner's file a plan parameter names: as given when absolute or
 * without svi_dir, else under svi_dir. ZTO_E_NOT_FOUND when the
 * parameter is absent or empty, ZTO_E_CONFIG when the path is too long. */
ZTO_MUST_CHECK zto_err_t svi_param_path(const struct svi_run *run,
                                        const char *key, char *path,
                                        size_t cap);
/* s with every "$(guid)" replaced by g in hex; ZTO_E_TOO_BIG when the
 * result does not fit. */
ZTO_MUST_CHECK zto_err_t svi_subst_guid(const char *s, const struct zto_guid *g,
                                        char *out, size_t cap);
/* SHA-384 of what is left to read from fd (not closed); *total: its
 * length. ZTO_E_IO when reading fails. */
ZTO_MUST_CHECK zto_err_t svi_hash_fd(int fd, struct zto_hash_buf *h,
                                     uint64_t *total);

/* ---- devmod (svi_devmod.c) ---- */

ZTO_MUST_CHECK zto_err_t svi_devmod_receive(struct svi_devmod *dm,
                                            const struct zto_svi_kv *kv,
                                            char *why, size_t whycap);
/* All mandatory keys present? *why names the missing ones. */
ZTO_MUST_CHECK zto_err_t svi_devmod_check(const struct svi_devmod *dm,
                                          char *why, size_t whycap);
bool svi_devmod_has_module(const struct svi_devmod *dm, const char *name);

/* ---- The engine (svi_engine.c) ---- */

void svi_state_init(struct svi_state *s);
void svi_state_free(struct svi_state *s);
void svi_state_encode(const struct svi_state *s, struct zto_cbor_enc *e);
ZTO_MUST_CHECK zto_err_t svi_state_decode(struct zto_cbor_dec *d,
                                          struct svi_state *s);

/* Read the device's plan from the database. */
ZTO_MUST_CHECK zto_err_t svi_load_plan(struct owner *o, struct svi_state *s,
                                       const struct zto_guid *guid,
                                       const struct zto_guid *orig,
                                       const char *grp);

/*
 * One round: the device's DeviceServiceInfo (68) in, the plaintext of
 * the OwnerServiceInfo (69) out, at most `budget` bytes. *is_done when
 * the engine sent IsDone. Failures: ZTO_E_SVI (a module or devmod
 * failed, *why says how), ZTO_E_LIMIT (round cap), codec errors.
 */
ZTO_MUST_CHECK zto_err_t svi_round(struct owner *o, struct svi_state *s,
                                   const struct zto_guid *guid,
                                   const struct zto_msg_to2_device_svi *in,
                                   size_t budget, uint8_t *out, size_t cap,
                                   size_t *out_len, char *why, size_t whycap);

#endif
