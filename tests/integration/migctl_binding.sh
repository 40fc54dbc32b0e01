#!/bin/sh
# migctl binding allocate|list|show|revoke|expire|purge: allocation as the
# broker does it (random identities from options or the broker's
# configuration, pools), every refusal with its exit code, lists and their
# filters, show by id, IMPI or IMPU, revocation by id, user and partner
# (printing what it revoked), and the life-cycle housekeeping.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_binding
. "$top_srcdir/tests/integration/migctl_lib.sh"

mctl_partners
alloc() { mctl_db --json binding allocate "$@"; }

# Outbound, random identities in the realm given.
alloc --outbound --impi alice@a.test --impu sip:alice@a.test --partner b.test --id-realm a.test \
	--id-prefix mx- --id-chars 8 --lifetime 2h
mig_check "an outbound allocation: exit 0" mctl_rc_is 0
mig_check "... of the form asked for" mctl_json '.[0].mig_impi | test("^mx-[a-z2-7]{8}@a\\.test$")'
mig_check "... bound to alice at b.test" \
	mctl_json '.[0] | "\(.direction) \(.state) \(.home_impi) \(.peer_realm) \(.live)"' "out allocated alice@a.test b.test true"
mig_check "... expiring in 2 h" mctl_json '.[0] | .expires - .created' 7200
A_ID=$(jq -r '.[0].id' "$MCTL_OUT")
A_IMPI=$(jq -r '.[0].mig_impi' "$MCTL_OUT")
A_IMPU=$(jq -r '.[0].mig_impu' "$MCTL_OUT")

# Inbound; the generator's form from the broker's configuration file.
cat >"$MIG_TMP/broker.json" <<JSON
{ "system": { "realm": "a.test", "sipdb": "sipdb.a.test" },
  "database": "$MCTL_DB", "hss": { "host": "hss.a.test" },
  "identities": { "prefix": "vis-", "chars": 10, "lifetime": 600 },
  "partners": [ { "realm": "b.test", "migrate_in": true, "migrate_out": true } ] }
JSON
mctl --config "$MIG_TMP/broker.json" --json binding allocate --inbound --impi bob@b.test \
	--impu sip:bob@b.test --primary b.test --primary-sipdb sipdb.b.test
mig_check "an inbound allocation with --config: exit 0" mctl_rc_is 0
mig_check "... identities of the configured form, lifetime" \
	mctl_json '.[0] | (.mig_impi | test("^vis-[a-z2-7]{10}@a\\.test$")) and .expires - .created == 600'
mig_check "... the primary's SIP database kept" mctl_json '.[0].peer_sipdb' sipdb.b.test
B_ID=$(jq -r '.[0].id' "$MCTL_OUT")

# From a pool, with no expiry.
printf 'pl-1@a.test sip:pl-1@a.test\n' >"$MIG_TMP/pool.txt"
mctl_db pool import p1 "$MIG_TMP/pool.txt" >/dev/null
alloc --outbound --impi carol@a.test --impu sip:carol@a.test --partner b.test --pool p1 --lifetime 0
mig_check "a pool allocation" mctl_json '.[0] | "\(.mig_impi) \(.pool) \(.expires)"' "pl-1@a.test p1 0"
C_ID=$(jq -r '.[0].id' "$MCTL_OUT")

# Refusals.
alloc --outbound --impi alice@a.test --impu sip:alice@a.test --partner b.test --id-realm a.test
mig_check "a second live binding for the same user and partner: exit 4" mctl_rc_is 4
mig_check "... naming the binding that exists" mctl_err_has "binding $A_ID"
alloc --outbound --impi dave@a.test --impu sip:dave@a.test --partner b.test --pool p1
mig_check "an exhausted pool: exit 4" mctl_rc_is 4
alloc --inbound --impi erin@c.test --impu sip:erin@c.test --primary c.test --id-realm a.test
mig_check "a partner that forbids the direction: exit 4" mctl_rc_is 4
mig_check "... saying so" mctl_err_has "does not allow inbound migration"
alloc --outbound --impi dave@a.test --impu sip:dave@a.test --partner x.test --id-realm a.test
mig_check "an unknown partner: exit 3" mctl_rc_is 3
mig_check "... naming it" mctl_err_has "partner 'x.test' is not configured"
alloc --outbound --impi dave@a.test --impu sip:dave@a.test --partner b.test --pool nosuch
mig_check "an unknown pool: exit 3" mctl_rc_is 3
alloc --outbound --impi bob --impu sip:bob@a.test --partner b.test --id-realm a.test
mig_check "a malformed --impi: exit 2" mctl_rc_is 2
mig_check "... the message names the option" mctl_err_has "migctl: --impi 'bob': missing '@'"
alloc --outbound --impi bob@a.test --impu 'bob@a.test' --partner b.test --id-realm a.test
mig_check "a malformed --impu: exit 2" mctl_rc_is 2
mig_check "... naming it" mctl_err_has "--impu 'bob@a.test'"
alloc --impi bob@a.test --impu sip:bob@a.test --partner b.test --id-realm a.test
mig_check "no direction: exit 2" mctl_rc_is 2
alloc --outbound --inbound --impi bob@a.test --impu sip:bob@a.test --partner b.test
mig_check "both directions: exit 2" mctl_rc_is 2
alloc --outbound --impi bob@a.test --impu sip:bob@a.test --primary b.test --id-realm a.test
mig_check "--primary with --outbound: exit 2" mctl_rc_is 2
alloc --outbound --impi bob@a.test --impu sip:bob@a.test --partner b.test
mig_check "random identities without a realm: exit 2" mctl_rc_is 2
mig_check "... saying what is missing" mctl_err_has "--id-realm"
alloc --outbound --impi bob@a.test --impu sip:bob@a.test --partner b.test --id-realm a.test --id-chars 65
mig_check "--id-chars 65: exit 2" mctl_rc_is 2
alloc --outbound --impi bob@a.test --impu sip:bob@a.test --partner b.test --id-realm a.test --lifetime soon
mig_check "a bad --lifetime: exit 2" mctl_rc_is 2
mig_check "no refused allocation left a binding" test "$(mctl_sql "select count(*) from bindings")" = 3

# show: by id, migration IMPI, migration IMPU; every field incl. server_name.
mctl_sql "update bindings set state = 'registered', server_name = 'sip:scscf.b.test:6060' where id = $A_ID"
for key in "$A_ID" "$A_IMPI" "$A_IMPU"; do
	mctl_db --json binding show "$key"
	mig_check "show $key: the binding" mctl_json '.[0].id' "$A_ID"
done
mig_check "... with where it is registered" mctl_json '.[0] | "\(.state) \(.server_name)"' "registered sip:scscf.b.test:6060"
mig_check "... and the stable fields of the man page" mctl_json '.[0] | keys_unsorted | join(",")' \
	id,direction,state,live,mig_impi,mig_impu,home_impi,home_impu,peer_realm,peer_sipdb,server_name,pool,created,expires,last_used,ended,scscf_host,rtr_pending
mctl_db binding show "$A_ID"
mig_check "show for people: a field a line" mctl_out_has "sip:scscf.b.test:6060"
mctl_db binding show 999
mig_check "show of an unknown id: exit 3" mctl_rc_is 3
mctl_db binding show mig-nothing@a.test
mig_check "show of an unknown identity: exit 3" mctl_rc_is 3

# list and its filters.
mctl_db --json binding list
mig_check "list: every binding by id" mctl_json '[.[].id] | join(",")' "$A_ID,$B_ID,$C_ID"
mctl_db --json binding list --direction in
mig_check "--direction in" mctl_json '[.[].id] | join(",")' "$B_ID"
mctl_db --json binding list --state registered
mig_check "--state registered" mctl_json '[.[].id] | join(",")' "$A_ID"
mctl_db --json binding list --user carol@a.test
mig_check "--user" mctl_json '[.[].id] | join(",")' "$C_ID"
mctl_db --json binding list --partner b.test --direction out --limit 1
mig_check "--partner with --limit" mctl_json '[.[].id] | join(",")' "$A_ID"
mctl_db binding list
mig_check "list for people: a header and a line per binding" \
	sh -c 'head -1 "$1" | grep -q "^ID" && [ "$(wc -l <"$1")" = 4 ]' _ "$MCTL_OUT"
mctl_db binding list --state gone
mig_check "a bad --state: exit 2" mctl_rc_is 2
mctl_db binding list --direction sideways
mig_check "a bad --direction: exit 2" mctl_rc_is 2

# revoke: by id (or identity), user, partner; prints what it revoked.
mctl_db binding revoke "$C_ID" --reason "lost device"
mig_check "revoke by id: exit 0" mctl_rc_is 0
mig_check "... prints the binding revoked" mctl_out_has "revoked 1 binding:"
mig_check "... with its identities" mctl_out_has "pl-1@a.test"
mig_check "... the reason is in the audit trail" \
	test "$(mctl_sql "select detail from audit where action = 'revoke' and binding_id = $C_ID")" = "lost device"
mctl_db binding revoke "$C_ID"
mig_check "revoking it again: exit 0, nothing revoked" sh -c '[ "$1" = 0 ] && grep -q "revoked 0 bindings" "$2"' \
	_ "$MCTL_RC" "$MCTL_OUT"
mig_check "... saying it was already revoked" mctl_err_has "already revoked"
mctl_db binding revoke 999
mig_check "revoke of an unknown id: exit 3" mctl_rc_is 3
mctl_db binding revoke mig-nothing@a.test
mig_check "revoke of an unknown identity: exit 3" mctl_rc_is 3
mctl_db binding revoke --user nobody@a.test
mig_check "revoke of an unknown user: exit 3" mctl_rc_is 3
mctl_db binding revoke --partner x.test
mig_check "revoke of an unknown partner: exit 3" mctl_rc_is 3
mctl_db binding revoke --user 'nobody'
mig_check "a malformed --user: exit 2" mctl_rc_is 2
mctl_db binding revoke
mig_check "revoke with no target: exit 2" mctl_rc_is 2
mctl_db binding revoke "$A_ID" --user alice@a.test
mig_check "revoke with two targets: exit 2" mctl_rc_is 2
alloc --outbound --impi alice@a.test --impu sip:alice@a.test --partner c.test --id-realm a.test
mctl_db --json binding revoke --user alice@a.test
mig_check "revoke --user: every live binding of alice" mctl_json 'length' 2
mig_check "... both partners listed" mctl_json '[.[].peer_realm] | sort | join(",")' b.test,c.test
mctl_db binding revoke --partner b.test
mig_check "revoke --partner: exit 0" mctl_rc_is 0
mig_check "... revoked bob's inbound binding (the last live one at b.test)" mctl_out_has "bob@b.test"
mig_check "no live binding is left" test "$(mctl_sql "select count(*) from bindings where state in ('allocated','registered')")" = 0

# expire and purge.
alloc --outbound --impi frank@a.test --impu sip:frank@a.test --partner b.test --id-realm a.test
F_ID=$(jq -r '.[0].id' "$MCTL_OUT")
mctl_sql "update bindings set expires = strftime('%s','now') - 5 where id = $F_ID"
mctl_db binding expire
mig_check "expire: counts what it expired" mctl_out_has "expired 1 binding"
mctl_db --json binding show "$F_ID"
mig_check "... the binding is expired" mctl_json '.[0].state' expired
mctl_sql "update bindings set ended = strftime('%s','now') - 7200 where id = $A_ID"
mctl_db binding purge --older-than 1h
mig_check "purge --older-than 1h: only what ended before" mctl_out_has "purged 1 binding "
mctl_db binding show "$A_ID"
mig_check "... is gone" mctl_rc_is 3
mctl_db binding purge --older-than 0s
mig_check "purge --older-than 0s: the rest but the newest" mctl_rc_is 0
for bad in 30x -1d d 1.5h; do
	mctl_db binding purge --older-than "$bad"
	mig_check "purge --older-than '$bad': exit 2" mctl_rc_is 2
done
mctl_db binding purge
mig_check "purge without --older-than: exit 2" mctl_rc_is 2
mig_pass
