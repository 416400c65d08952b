-- Protocol sessions: opaque token -> serialised role state. Shared by all
-- processes using this database, so any replica can continue a session.
CREATE TABLE sessions (
    token    TEXT PRIMARY KEY,
    protocol INTEGER NOT NULL,
    data     BLOB NOT NULL,
    expires  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expires ON sessions(expires);

-- Which role this database belongs to (checked on open).
CREATE TABLE zto_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
