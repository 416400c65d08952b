/*
 * owner_admin.h - the operator's commands besides import (owner_admin.c).
 */
#ifndef ZTO_OWNER_ADMIN_H
#define ZTO_OWNER_ADMIN_H

#include <stdio.h>

#include "owner_int.h"

/* One block per voucher: GUID, state (imported / registered at RV until
 * T / onboarded at T / exported), last failure, TO0 state per server. */
ZTO_MUST_CHECK zto_err_t owner_list(struct owner *o, FILE *out);

/*
 * Write the current voucher of guid as PEM to out_path ("-": stdout),
 * atomically. With next_key_pem (the buyer's public key or certificate,
 * PEM) it is first extended to that key with this owner's key (section
 * 6.3) and the voucher is marked exported: no more TO0 or TO2 for it
 * here, and no second extension.
 */
ZTO_MUST_CHECK zto_err_t owner_export(struct owner *o,
                                      const struct zto_guid *guid,
                                      const char *next_key_pem, size_t next_len,
                                      const char *out_path, char *why,
                                      size_t whycap);

/* Add a plan step of `kind` with text parameters kv[0..2*npairs). */
ZTO_MUST_CHECK zto_err_t owner_plan_add(struct owner *o, const char *scope,
                                        const char *target, const char *kind,
                                        const char *const *kv, size_t npairs,
                                        bool optional, int64_t *id, char *why,
                                        size_t whycap);
ZTO_MUST_CHECK zto_err_t owner_plan_list(struct owner *o, FILE *out);

#endif
