-- Trust-list entries added through the admin API, on top of the
-- trusted_owner_keys / trusted_manufacturer_keys files of the
-- configuration (which stay read-only to the API).
--   list      0 owner keys, 1 manufacturer keys (enum zto_rv_trust_list)
--   key_hash  SHA-256 of spki
--   spki      the public key, DER SubjectPublicKeyInfo
--   added     Unix seconds
--   note      free text from the operator (who, why)
CREATE TABLE rv_trust (
    list     INTEGER NOT NULL CHECK (list IN (0, 1)),
    key_hash BLOB NOT NULL CHECK (length(key_hash) = 32),
    spki     BLOB NOT NULL,
    added    INTEGER NOT NULL,
    note     TEXT NOT NULL,
    PRIMARY KEY (list, key_hash)
) STRICT;
