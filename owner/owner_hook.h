/*
 * owner_hook.h - runs the operator's onboarded_hook program for every
 * onboarding recorded in hook_events (docs/owner.md), on the server's
 * event loop (owner_hook.c).
 */
#ifndef ZTO_OWNER_HOOK_H
#define ZTO_OWNER_HOOK_H

#include <stddef.h>

#include "owner_int.h"

struct event_base;
struct owner_hook;

struct owner_hook_conf {
    const char *path;   /* absolute, checked by owner_hook_check() */
    unsigned timeout_s; /* SIGKILL after it */
    unsigned retries;   /* runs after the first that failed */
    unsigned backoff_s; /* wait before the first retry, doubling */
};

/* Is path an absolute, executable regular file that only its owner may
 * write? On failure *err holds one line naming the problem. */
ZTO_MUST_CHECK zto_err_t owner_hook_check(const char *path, char *err,
                                          size_t errcap);

/* Start the dispatcher on base (rows pending from before run at once);
 * c->path is copied. o->db must outlive it. */
ZTO_MUST_CHECK zto_err_t owner_hook_start(struct event_base *base,
                                          struct owner *o,
                                          const struct owner_hook_conf *c,
                                          struct owner_hook **out);
/* Kill (SIGKILL) and reap the programs still running (their rows stay
 * pending for the next start), free. NULL is fine. */
void owner_hook_stop(struct owner_hook *h);

#endif
