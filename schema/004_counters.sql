-- 004_counters.sql: running totals the broker keeps for operators.
--
-- The broker counts its MARs in memory (nothing on the answer path writes
-- to disk) and adds what it counted here about once a second, from its
-- writer thread, so that migctl stats can show them.  Totals since the
-- store was created; `updated' is when a broker last added to the row.
CREATE TABLE counters (
    name    TEXT PRIMARY KEY,
    value   INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
