-- Onboardings the owner reports to a program of the operator's
-- (onboarded_hook, docs/owner.md). A row is written in the commit that
-- ends a TO2 (the voucher replaced or marked reused), so a crash cannot
-- lose it, and deleted once the program exited 0. Only written while
-- onboarded_hook is set.
--   guid        the device's GUID when the TO2 started
--   new_guid    its GUID after it (= guid with credential reuse)
--   reused      1: credential reuse (section 9.4)
--   at          when the TO2 ended, Unix seconds
--   serial      serial (hex) of the last certificate fdo.csr delivered in
--               that TO2, or ''
--   attempts    runs of the program that failed so far
--   next_at     not run before this Unix time
--   failed      1: every retry failed; kept until retried by hand
--   last_result how the last failed run ended (one line)
CREATE TABLE hook_events (
    id          INTEGER PRIMARY KEY,
    guid        BLOB NOT NULL CHECK (length(guid) = 16),
    new_guid    BLOB NOT NULL CHECK (length(new_guid) = 16),
    reused      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    serial      TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    last_result TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX hook_events_due ON hook_events(failed, next_at);
