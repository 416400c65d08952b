-- Vouchers the manufacturer extended to a first owner (FDO 1.1 section
-- 6.3, entry 0) through the admin API. One row per voucher: the owner
-- key it went to (SHA-256 of the DER SubjectPublicKeyInfo), so that a
-- second extension to a different owner is refused unless the operator
-- asks for it explicitly (a device must not have two owners).
CREATE TABLE extensions (
    guid      BLOB PRIMARY KEY CHECK (length(guid) = 16),
    owner_key BLOB NOT NULL CHECK (length(owner_key) = 32),
    first_at  INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    count     INTEGER NOT NULL
) STRICT;
