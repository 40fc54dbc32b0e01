-- 003_termination.sql: who holds a registration, and the registration
-- terminations (Cx RTR) that are still to be sent.
--
-- scscf_host: the Diameter identity of the node that registered the
-- binding (the Origin-Host of its SAR or MAR): the visitor's S-CSCF at the
-- partner side, the partner's SIP database at the primary side.  A
-- registration termination goes there.  NULL when never known.
ALTER TABLE bindings ADD COLUMN scscf_host TEXT;

-- A registered binding that stops being live (revoked by migctl or the
-- broker, or expired) must have its registration torn down: the trigger
-- below queues one row here in the same transaction as the change, so that
-- no revocation is lost, whichever process made it.  The broker sends the
-- RTR, deletes the row when an answer comes (whatever its result), and
-- otherwise tries again later (attempts, next_try, last_error), until its
-- configured retry time has passed since created.  binding_id is not a
-- foreign key: a purged binding leaves its row to the broker, which drops it.
CREATE TABLE pending_rtr (
    id         INTEGER PRIMARY KEY,
    binding_id INTEGER NOT NULL,
    reason     TEXT NOT NULL,              -- the new state: 'revoked' or 'expired'
    created    INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   INTEGER NOT NULL DEFAULT 0, -- unix seconds; 0: at once
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX pending_rtr_binding ON pending_rtr (binding_id);
CREATE INDEX pending_rtr_next ON pending_rtr (next_try);

CREATE TRIGGER bindings_end_rtr AFTER UPDATE OF state ON bindings
    WHEN old.state = 'registered' AND new.state IN ('revoked', 'expired')
BEGIN
    INSERT OR IGNORE INTO pending_rtr (binding_id, reason, created)
    VALUES (new.id, new.state, coalesce(new.ended, 0));
END;
