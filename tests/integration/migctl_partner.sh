#!/bin/sh
# migctl partner add|list|show|set|remove: the TR 23.781 clause 6.1
# settings, safe defaults, duplicates (4), unknown partners (3), malformed
# realms (2), and removal of a partner with live bindings (needs --force,
# which revokes them and says which).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_partner
. "$top_srcdir/tests/integration/migctl_lib.sh"

mctl_db partner add b.test --sipdb sipdb.b.test --migrate-in yes --migrate-out no --obfuscate no
mig_check "partner add: exit 0" mctl_rc_is 0
mig_check "... says what it added" mctl_out_has "added partner b.test: sipdb sipdb.b.test, migrate in yes, migrate out no, obfuscate no"
mctl_db partner add c.test
mig_check "a new partner with no options" mctl_rc_is 0
mctl_db --json partner show c.test
mig_check "... allows nothing and obfuscates" \
	mctl_json '.[0] | .migrate_in == false and .migrate_out == false and .obfuscate == true and .sipdb == null'

mctl_db partner add b.test --migrate-out yes
mig_check "adding an existing partner: exit 4" mctl_rc_is 4
mig_check "... saying so" mctl_err_has "partner 'b.test' already exists"
mctl_db --json partner show b.test
mig_check "... and changing nothing" mctl_json '.[0].migrate_out' false

mctl_db partner add 'b..test'
mig_check "a malformed realm: exit 2" mctl_rc_is 2
mig_check "... naming it" mctl_err_has "partner realm 'b..test'"
mctl_db partner add d.test --migrate-in maybe
mig_check "a bad yes/no: exit 2" mctl_rc_is 2
mig_check "... naming the option" mctl_err_has "--migrate-in 'maybe': must be yes or no"
mctl_db partner add d.test --sipdb 'not a host'
mig_check "a malformed --sipdb: exit 2" mctl_rc_is 2
mig_check "... naming the option" mctl_err_has "--sipdb 'not a host'"

# list: a table for people, JSON with stable names for scripts.
mctl_db partner list
mig_check "partner list: a table with a header" mctl_out_has "REALM"
mig_check "... and a line per partner" sh -c '[ "$(grep -c "\.test" "$1")" = 2 ]' _ "$MCTL_OUT"
mctl_db partner list --json
mig_check "partner list --json: an array sorted by realm" mctl_json '[.[].realm] | join(",")' b.test,c.test
mig_check "... with the fields of the man page" \
	mctl_json '.[0] | keys_unsorted | join(",")' realm,sipdb,migrate_in,migrate_out,obfuscate,created

# set changes only what is given.
mctl_db partner set b.test --migrate-out yes
mig_check "partner set: exit 0" mctl_rc_is 0
mctl_db --json partner show b.test
mig_check "... changed migrate_out, kept the rest" \
	mctl_json '.[0] | .migrate_out and .migrate_in and .obfuscate == false and .sipdb == "sipdb.b.test"'
mctl_db partner set b.test --sipdb ''
mctl_db --json partner show b.test
mig_check "--sipdb '' clears the SIP database identity" mctl_json '.[0].sipdb' null
mctl_db partner set x.test --migrate-in no
mig_check "set on an unknown partner: exit 3" mctl_rc_is 3
mig_check "... saying so" mctl_err_has "partner 'x.test' is not configured"
mctl_db partner set b.test
mig_check "set with nothing to change: exit 2" mctl_rc_is 2
mctl_db partner show x.test
mig_check "show of an unknown partner: exit 3" mctl_rc_is 3

# A partner with live bindings: remove needs --force, which revokes them.
mctl_db partner set b.test --migrate-out yes
id=$(mctl_alloc_out alice b.test)
mctl_db --json partner show b.test
mig_check "show counts the live bindings" mctl_json '.[0] | "\(.live_out)/\(.live_in)"' 1/0
mctl_db partner remove b.test
mig_check "removing a partner with live bindings: exit 4" mctl_rc_is 4
mig_check "... saying why and how" mctl_err_has "live binding(s): revoke them first or force (--force)"
mctl_db --json binding show "$id"
mig_check "... and its binding is still live" mctl_json '.[0].state' allocated
mctl_db partner remove b.test --force
mig_check "remove --force: exit 0" mctl_rc_is 0
mig_check "... says it removed the partner" mctl_out_has "removed partner b.test"
mig_check "... and lists the binding it revoked" mctl_out_has "alice@a.test"
mctl_db --json binding show "$id"
mig_check "... which is revoked" mctl_json '.[0].state' revoked
mctl_db --json partner list
mig_check "... and the partner is gone" mctl_json '[.[].realm] | join(",")' c.test
mctl_db partner remove b.test
mig_check "removing it again: exit 3" mctl_rc_is 3
mctl_db partner remove c.test
mig_check "a partner without live bindings goes without --force" mctl_rc_is 0
mig_check "... and nothing revoked is listed" sh -c '! grep -q revoked "$1"' _ "$MCTL_OUT"
mig_check "the audit trail names migctl and the operator as the actor" \
	test "$(mctl_sql "select count(*) from audit where action = 'partner.remove' and actor like 'migctl:%'")" = 2
mig_pass
