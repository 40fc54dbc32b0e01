-- 002_registration.sql: remember where a binding is registered.
--
-- The S-CSCF (server name) that registered a binding, set with the state
-- 'registered' and cleared when it goes back to 'allocated'.  NULL when
-- never registered.
ALTER TABLE bindings ADD COLUMN server_name TEXT;
