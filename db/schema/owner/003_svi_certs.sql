-- Operational certificates delivered by the fdo.csr ServiceInfo module
-- (docs/serviceinfo.md), one row per certificate, written when the
-- owner answers the device's request (before the device has stored it:
-- a TO2 that fails afterwards leaves a row for a certificate the device
-- dropped).
--   guid        the device's GUID after that TO2 (the certificate's CN
--               with the default subject policy)
--   to2_guid    its GUID when that TO2 started
--   serial      certificate serial number, hex
--   subject     subject as RFC 2253 text
--   origin      'enroll' (simpleenroll), 'reenroll' (simplereenroll),
--               'serverkeygen' (key made by this owner), 'file'
--               (certificate and key given in the plan)
--   not_before, not_after, issued_at   Unix seconds
--   cert        the certificate, DER
CREATE TABLE svi_certs (
    id         INTEGER PRIMARY KEY,
    guid       BLOB NOT NULL CHECK (length(guid) = 16),
    to2_guid   BLOB NOT NULL CHECK (length(to2_guid) = 16),
    serial     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    origin     TEXT NOT NULL
               CHECK (origin IN ('enroll', 'reenroll', 'serverkeygen', 'file')),
    not_before INTEGER NOT NULL,
    not_after  INTEGER NOT NULL,
    issued_at  INTEGER NOT NULL,
    cert       BLOB NOT NULL
) STRICT;
CREATE INDEX svi_certs_guid ON svi_certs(guid);
