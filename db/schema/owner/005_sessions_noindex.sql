-- Session rows are rewritten at every protocol message; an index on
-- expires made each of those writes touch a second B-tree page. Only the
-- periodic purge used it, and the sessions table holds just the
-- sessions in flight: a scan does.
DROP INDEX sessions_expires;
