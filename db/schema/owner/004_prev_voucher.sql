-- The voucher a TO2 replaced (FDO 1.1 section 9.3), kept next to
-- prev_guid. The owner commits the replacement before TO2.Done2 leaves;
-- a device that never gets Done2 (the owner or the device stopped, the
-- answer lost) still holds its old credential and runs TO2 again with
-- the old GUID: the owner finds this voucher by prev_guid and serves it
-- (docs/hardening.md). Cleared when the voucher is handed on (state 2)
-- and when TO2 ends with credential reuse.
ALTER TABLE vouchers ADD COLUMN prev_voucher BLOB;
CREATE INDEX vouchers_prev_guid ON vouchers(prev_guid);
