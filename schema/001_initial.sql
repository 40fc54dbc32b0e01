-- 001_initial.sql: the binding store of migbroker, first version.
--
-- Applied by libmig (src/mig_store.c) inside one transaction, which then
-- records the version in schema_version.  Each later NNN_*.sql upgrades the
-- database from version NNN-1; never edit a script once it has shipped.
--
-- Times are unix seconds.  Directions are 'out' (our user at a partner) and
-- 'in' (a visitor from a primary system).  A binding is live while its state
-- is 'allocated' or 'registered'; 'revoked' and 'expired' are final.

CREATE TABLE schema_version (
    version INTEGER PRIMARY KEY,          -- 1, 2, ...: one row per applied script
    applied INTEGER NOT NULL,
    script  TEXT NOT NULL
);

-- Systems we exchange users with.  allow_in: their users may migrate to us;
-- allow_out: our users may migrate to them; obfuscate: our identities are
-- hidden from them behind outbound migration identities.
CREATE TABLE partners (
    id        INTEGER PRIMARY KEY,
    realm     TEXT NOT NULL UNIQUE,
    sipdb     TEXT NOT NULL DEFAULT '',   -- their SIP database Diameter identity
    allow_in  INTEGER NOT NULL DEFAULT 0 CHECK (allow_in IN (0, 1)),
    allow_out INTEGER NOT NULL DEFAULT 0 CHECK (allow_out IN (0, 1)),
    obfuscate INTEGER NOT NULL DEFAULT 1 CHECK (obfuscate IN (0, 1)),
    created   INTEGER NOT NULL
);

-- A binding id is never reused, so that the audit log keeps naming one
-- binding per id: new ids are max(id) + 1, and purge never deletes the
-- newest binding.  (Cheaper than AUTOINCREMENT, which writes sqlite_sequence
-- in every allocation.)
CREATE TABLE bindings (
    id         INTEGER PRIMARY KEY,
    direction  TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    state      TEXT NOT NULL DEFAULT 'allocated'
               CHECK (state IN ('allocated', 'registered', 'revoked', 'expired')),
    mig_impi   TEXT NOT NULL,             -- the migration identities handed out
    mig_impu   TEXT NOT NULL,
    home_impi  TEXT NOT NULL,             -- what they stand for
    home_impu  TEXT NOT NULL,
    peer_realm TEXT NOT NULL,             -- partner (out) or primary (in) realm
    peer_sipdb TEXT NOT NULL DEFAULT '',  -- in: the primary's SIP database id
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL DEFAULT 0,  -- 0: never
    last_used  INTEGER NOT NULL DEFAULT 0,  -- 0: never
    ended      INTEGER,                   -- when it stopped being live
    CHECK ((ended IS NULL) = (state IN ('allocated', 'registered')))
);

-- The uniqueness rule: a migration IMPI, a migration IMPU, and a (peer
-- realm, direction, home IMPI) each belong to at most one live binding.
-- Dead bindings keep their identities so that a lookup can still say
-- "revoked".  Each index an allocation writes costs it one more page write
-- (a WAL frame) per commit, hence few indexes on live bindings:
-- bindings_live_peer serves the rule, lookups by home, everything per
-- partner, and revocation by user (through the partners, see below).
CREATE UNIQUE INDEX bindings_live_mig_impi ON bindings (mig_impi)
    WHERE state IN ('allocated', 'registered');
CREATE UNIQUE INDEX bindings_live_mig_impu ON bindings (mig_impu)
    WHERE state IN ('allocated', 'registered');
CREATE UNIQUE INDEX bindings_live_peer ON bindings (peer_realm, direction, home_impi)
    WHERE state IN ('allocated', 'registered');
-- Dead bindings: lookups, purge, lists.  A state change moves a binding
-- from the live indexes to these.
CREATE INDEX bindings_dead_mig_impi ON bindings (mig_impi)
    WHERE state IN ('revoked', 'expired');
CREATE INDEX bindings_dead_mig_impu ON bindings (mig_impu)
    WHERE state IN ('revoked', 'expired');
CREATE INDEX bindings_dead_home ON bindings (home_impi, direction, peer_realm)
    WHERE state IN ('revoked', 'expired');
CREATE INDEX bindings_dead_peer ON bindings (peer_realm, direction, state)
    WHERE state IN ('revoked', 'expired');
CREATE INDEX bindings_dead_ended ON bindings (ended)
    WHERE state IN ('revoked', 'expired');
CREATE INDEX bindings_live_expires ON bindings (expires)
    WHERE state IN ('allocated', 'registered') AND expires > 0;

-- Every live binding's peer realm is a configured partner, so that the
-- live bindings of a user are found by looking under each partner.
CREATE TRIGGER bindings_live_need_partner BEFORE INSERT ON bindings
    WHEN new.state IN ('allocated', 'registered')
     AND NOT EXISTS (SELECT 1 FROM partners WHERE realm = new.peer_realm)
BEGIN
    SELECT RAISE(ABORT, 'live binding for an unknown partner');
END;
CREATE TRIGGER partners_keep_live_bindings BEFORE DELETE ON partners
    WHEN EXISTS (SELECT 1 FROM bindings WHERE peer_realm = old.realm
                 AND state IN ('allocated', 'registered'))
BEGIN
    SELECT RAISE(ABORT, 'partner has live bindings');
END;
CREATE TRIGGER partners_keep_realm BEFORE UPDATE OF realm ON partners
    WHEN old.realm <> new.realm
BEGIN
    SELECT RAISE(ABORT, 'a partner realm cannot change');
END;

CREATE TABLE pools (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    created INTEGER NOT NULL
);

-- An entry is free while binding_id is NULL.  Purging its binding frees it
-- (ON DELETE SET NULL); removing the pool removes its entries.
CREATE TABLE pool_entries (
    id         INTEGER PRIMARY KEY,
    pool_id    INTEGER NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    impi       TEXT NOT NULL UNIQUE,
    impu       TEXT NOT NULL UNIQUE,
    binding_id INTEGER REFERENCES bindings (id) ON DELETE SET NULL
);
CREATE INDEX pool_entries_pool ON pool_entries (pool_id);
CREATE INDEX pool_entries_free ON pool_entries (pool_id, id)
    WHERE binding_id IS NULL;
CREATE UNIQUE INDEX pool_entries_binding ON pool_entries (binding_id)
    WHERE binding_id IS NOT NULL;

-- One row per change, written in the transaction that makes the change.
-- binding_id is not a foreign key: the audit outlives purged bindings.
-- Rows are never deleted by libmig, so ids only grow; and ts never goes
-- down along ids (if the clock steps back, rows keep the last time), so a
-- binary search over ids finds a time without an index on ts, which would
-- cost every change one more page write.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    ts         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    binding_id INTEGER,
    realm      TEXT,
    mig_impi   TEXT,
    mig_impu   TEXT,
    home_impi  TEXT,
    home_impu  TEXT,
    actor      TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT ''
);
