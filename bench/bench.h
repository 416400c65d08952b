/*
 * bench.h - fdo-bench: the three servers on loopback, many devices of
 * the project's own device library on threads, and what it costs
 * (docs/benchmark.md).
 *
 * One "cell" is one key type over one transport: its own temporary
 * directory, PKI, SQLite files and server processes, then N devices
 * through DI, voucher export/extension/import, TO0 (the owner's thread),
 * and TO1 + TO2, C of them in flight at a time.
 */
#ifndef ZTO_BENCH_H
#define ZTO_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "zto/zto_device.h"

/* Server roles, in the order they are started. */
enum { SRV_RV, SRV_OWNER, SRV_MFG, SRV_N };

/* Phases timed per device. */
enum { PH_DI, PH_TO0, PH_TO1, PH_TO2, PH_N };

#define BENCH_CRED_MAX 4096
#define BENCH_WHY_MAX 160

/* One device: its storage (the credential blob lives here, in memory)
 * and what happened to it. */
struct bdev {
    unsigned idx;
    uint8_t cred[BENCH_CRED_MAX];
    size_t cred_len;
    uint8_t cred0[BENCH_CRED_MAX]; /* after DI */
    size_t cred0_len;
    struct zto_guid guid0, guid1; /* after DI, after TO2 */
    bool di_ok, onb_ok;
    double ms[PH_N]; /* latency of each phase, ms */
    char why[BENCH_WHY_MAX];
};

struct server {
    const char *name; /* "rendezvous", "owner", "manufacturer" */
    pid_t pid;
    int out;         /* its stdout (ready / listening lines) */
    char url[128];   /* FDO listener */
    char admin[128]; /* admin API listener, or "" */
    char log[512];   /* its stderr */
};

struct cell {
    int32_t key_type; /* ZTO_PK_SECP256R1 / 384R1 */
    bool coap;        /* FDO over CoAP (else HTTP) */
    unsigned n, conc;
    char dir[256]; /* temporary directory */
    char owner_pub[512];
    struct server srv[SRV_N];
    struct bdev *dev; /* n devices */
    /* results */
    double wall_s[PH_N];    /* wall time of each phase */
    double to0_exchange_ms; /* owner's TO0 client, mean per exchange */
    unsigned to0_failures;
    /* crypto (cryptolimit.c) */
    double us_sign, us_verify, us_kex_start, us_kex_derive;
    unsigned chain_links;  /* device chain signatures checked per TO2 */
    double us_cert_decode; /* decoding one certificate (not crypto) */
    /* verification */
    unsigned distinct_guids, distinct_creds;
};

struct opts {
    const char *bin_dir;
    const char *gen_pki;
    const char *device_build;
    unsigned n, conc, timeout_s;
    bool verify, verbose, heap, keep;
    bool db_sync; /* servers fsync every commit (their default) */
    bool pin;     /* owner alone on the last CPU, the rest on the others */
};

/* ---- util.c ---- */
double now_s(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int write_file(const char *path, const char *text);
/* CPU seconds (user + system) of a process, from /proc/PID/stat; -1 if
 * unreadable. */
double proc_cpu_s(pid_t pid);
double self_cpu_s(void);
void sort_doubles(double *v, size_t n);
/* Nearest-rank percentile of sorted v. */
double percentile(const double *v, size_t n, double p);
int run_cmd(const char *const *argv, const char *outfile);
void rm_tree(const char *dir);
/* CPU affinity: this thread (and what it starts later) to CPUs
 * [first, last], or every thread of process pid. 0 or -1. */
int pin_self(int first, int last);
int pin_process(pid_t pid, int first, int last);

/* ---- servers.c ---- */
/* Remember pids to kill on any exit (signals included). */
void servers_guard_init(unsigned timeout_s);
int cell_setup(struct cell *c, const struct opts *o);
int cell_start(struct cell *c, const struct opts *o);
/* SIGTERM each server; false if one did not exit cleanly (or died
 * before). */
bool cell_stop(struct cell *c);
void cell_kill(struct cell *c);
/* Export the vouchers of devices [from, to) from the manufacturer,
 * extended to the owner, and upload them to the owner. */
int vouchers_move(struct cell *c, unsigned from, unsigned to,
                  double *uploaded_at);
/* One metric of a server's /metrics (sum over labels); -1 if absent. */
double metric(struct cell *c, int role, const char *name);
/* A voucher's raw CBOR (exported, for the crypto measure). */
int voucher_sample(struct cell *c, uint8_t *buf, size_t cap, size_t *len);

/* ---- devices.c ---- */
void devices_global_init(void);
/* Run DI (onboard = false) or TO1 + TO2 for devices [from, n) of the
 * cell with c->conc threads. */
void devices_run(struct cell *c, bool onboard, unsigned from, bool verbose);
struct heap_stats;
/* One device, on this thread; with hs, its heap use is counted. */
void device_one(struct cell *c, struct bdev *d, bool onboard,
                struct heap_stats *hs);
/* Caller-owned memory of one device: context, work buffer, transports. */
void device_sizes(size_t *dev, size_t *work, size_t *http, size_t *coap);

/* ---- cryptolimit.c ---- */
/* Time the owner's crypto operations for the cell's curve (voucher: a
 * sample, for its certificate chain); called again, each figure keeps
 * the best of all calls. */
int crypto_measure(struct cell *c, const uint8_t *voucher, size_t len);
/* Owner CPU for one TO2 from crypto alone, microseconds. */
double crypto_owner_to2_us(const struct cell *c);

/* ---- heap.c ---- */
struct heap_stats {
    bool available;         /* false in sanitizer builds or on table overflow */
    bool ossl_apart;        /* OpenSSL's allocations could be told apart */
    size_t peak, peak_ossl; /* bytes, outside / inside OpenSSL */
    size_t calls, calls_ossl;
};
/* First thing in main(): before OpenSSL allocates anything. */
void heap_init(void);
void heap_begin(void);
void heap_end(struct heap_stats *s);

/* ---- size.c ---- */
void size_report(const char *device_build);

#endif /* ZTO_BENCH_H */
