-- Ownership vouchers made by DI (FDO 1.1 section 4.1), one per device.
-- A row is inserted in the same transaction that drops the DI session,
-- and committed before DI.Done is sent: once the device has its
-- credential the voucher exists.
CREATE TABLE vouchers (
    guid        BLOB PRIMARY KEY CHECK (length(guid) = 16),
    serial      TEXT NOT NULL,
    device_info TEXT NOT NULL,
    voucher     BLOB NOT NULL,
    created     INTEGER NOT NULL
) STRICT;
CREATE INDEX vouchers_created ON vouchers(created);
CREATE INDEX vouchers_serial ON vouchers(serial);
