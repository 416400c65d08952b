-- The owner's devices (FDO 1.1 sections 4.2, 4.4, 6, 9.3), one row per
-- voucher, and what the TO0 client and the ServiceInfo engine keep.
--
-- vouchers
--   guid          current device GUID (16 bytes); replaced, together with
--                 the voucher, when TO2 gives the device a new credential
--   voucher       the current ownership voucher, CBOR, byte for byte as
--                 imported or as rebuilt at TO2.Done (section 9.3)
--   state         0 imported, 1 onboarded, 2 exported (handed on to the
--                 next owner: neither registered nor onboarded any more)
--   device_info   OVDeviceInfo, for listings
--   owner_key     SHA-256 (hex) of the DER SPKI of the voucher's current
--                 owner key, for listings and to find the signing key
--   grp           ServiceInfo plan group ('' for none)
--   orig_guid     GUID when the voucher was imported
--   prev_guid     GUID before the last replacement (NULL if never)
--   imported_at, onboarded_at, fail_at   Unix seconds
--   onboard_count TO2 runs completed
--   reused        1 when the last TO2 ended with credential reuse
--   fail_reason   why the last TO2 failed ('' if it did not)
CREATE TABLE vouchers (
    id            INTEGER PRIMARY KEY,
    guid          BLOB NOT NULL UNIQUE CHECK (length(guid) = 16),
    voucher       BLOB NOT NULL,
    state         INTEGER NOT NULL DEFAULT 0,
    device_info   TEXT NOT NULL,
    owner_key     TEXT NOT NULL,
    grp           TEXT NOT NULL DEFAULT '',
    orig_guid     BLOB NOT NULL CHECK (length(orig_guid) = 16),
    prev_guid     BLOB,
    imported_at   INTEGER NOT NULL,
    onboarded_at  INTEGER NOT NULL DEFAULT 0,
    onboard_count INTEGER NOT NULL DEFAULT 0,
    reused        INTEGER NOT NULL DEFAULT 0,
    fail_reason   TEXT NOT NULL DEFAULT '',
    fail_at       INTEGER NOT NULL DEFAULT 0
) STRICT;

-- TO0 state per (voucher, rendezvous server).
--   rv                the server as a URL ("http://rv.example:8041")
--   registered_until  end of the registration it granted (0: none)
--   granted           lifetime the server granted last time (seconds)
--   next_at           when the TO0 client tries again
--   failures          consecutive failures since failing_since;
--                     last_error the last reason
CREATE TABLE to0_status (
    voucher_id       INTEGER NOT NULL REFERENCES vouchers(id)
                         ON DELETE CASCADE,
    rv               TEXT NOT NULL,
    registered_until INTEGER NOT NULL DEFAULT 0,
    granted          INTEGER NOT NULL DEFAULT 0,
    last_attempt     INTEGER NOT NULL DEFAULT 0,
    next_at          INTEGER NOT NULL DEFAULT 0,
    failures         INTEGER NOT NULL DEFAULT 0,
    failing_since    INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (voucher_id, rv)
) STRICT;

-- ServiceInfo plan: ordered steps each device is given in TO2
-- (docs/serviceinfo.md). A device's plan is the steps for every device
-- (scope 'all'), then those of its group, then those of its GUID
-- (current or original, hex), each in seq order.
--   kind      step kind ("download", ...)
--   params    CBOR map of the kind's parameters
--   optional  1: skip the step when the device lacks its module
CREATE TABLE svi_plan (
    id       INTEGER PRIMARY KEY,
    scope    TEXT NOT NULL CHECK (scope IN ('all', 'group', 'guid')),
    target   TEXT NOT NULL DEFAULT '',
    seq      INTEGER NOT NULL,
    kind     TEXT NOT NULL,
    params   BLOB NOT NULL,
    optional INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX svi_plan_target ON svi_plan(scope, target, seq);
