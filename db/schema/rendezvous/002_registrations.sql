-- TO0 registrations (FDO 1.1 section 4.2, 4.3): everything the rendezvous
-- server keeps about a device, and nothing more.
--   guid            the device GUID (16 bytes)
--   to1d            the owner's signed redirect blob, byte for byte as
--                   received in TO0.OwnerSign; returned verbatim in TO1
--   device_key      DER SubjectPublicKeyInfo of the device attestation key
--                   (taken from the leaf of OVDevCertChain; the certificate
--                   itself is not kept), used to check TO1.ProveToRV
--   owner_key_hash  SHA-256 of the registering owner's key (DER SPKI), so
--                   that another owner cannot take the GUID over
--   expires         Unix seconds; a row at or past it is invisible and is
--                   deleted by the purge
CREATE TABLE rv_registrations (
    guid           BLOB PRIMARY KEY CHECK (length(guid) = 16),
    to1d           BLOB NOT NULL,
    device_key     BLOB NOT NULL,
    owner_key_hash BLOB NOT NULL CHECK (length(owner_key_hash) = 32),
    expires        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX rv_registrations_expires ON rv_registrations(expires);
