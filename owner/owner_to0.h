/*
 * owner_to0.h - the owner's TO0 thread (FDO 1.1 section 4.2): keeps
 * every voucher registered at every rendezvous server of its
 * RendezvousInfo, using the TO0 client library (zto_to0.h).
 *
 * The POSIX transports block for a whole exchange, so TO0 runs on a
 * thread of its own with its own database connection, never on the
 * server's event loop. It looks for due work every poll_s seconds:
 * vouchers not yet registered (new imports included), registrations
 * whose renewal time has come, and retries (exponential backoff). State
 * per (voucher, server) is kept in the database for `fdo-owner list`.
 * Vouchers without entries (the replacement after a TO2) and vouchers
 * handed on to another owner are not registered.
 */
#ifndef ZTO_OWNER_TO0_H
#define ZTO_OWNER_TO0_H

#include "owner_int.h"

struct owner_to0_cfg {
    const char *db_path;
    bool db_sync;
    const struct zto_rvto2addr *addr; /* copied */
    uint32_t wait_seconds;
    unsigned renew_percent;
    uint32_t retry_first_s, retry_max_s;
    unsigned poll_s;
    bool insecure;       /* https/coaps: accept any certificate */
    const char *ca_file; /* https/coaps: trusted CAs, NULL = system */
};

struct owner_to0;

/* Start the thread. o (its keys) must outlive owner_to0_stop(); the
 * thread does not use o->db. ZTO_E_NOT_SUPPORTED when built without the
 * TO0 client. */
ZTO_MUST_CHECK zto_err_t owner_to0_start(struct owner *o,
                                         const struct owner_to0_cfg *cfg,
                                         struct owner_to0 **out);
/* Stop the thread and join it. An exchange under way (a rendezvous server
 * that does not answer can hold one for a minute) is waited for at most
 * wait_ms: then the thread is left running, still using o, and false is
 * returned: the caller must end the process without freeing o. NULL is
 * fine (true). */
bool owner_to0_stop(struct owner_to0 *t, unsigned wait_ms);

#endif
