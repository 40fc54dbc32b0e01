#!/bin/sh
# migctl against running brokers: the broker reads the store on every MAR,
# so a revocation made with migctl refuses the very next MAR, without a
# restart: per user at the primary system A, per partner at A, and a single
# inbound binding at the partner system B.  Partner settings changed with
# migctl reach the running brokers too.  Reads work while the brokers write
# (WAL).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_broker
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/migctl_lib.sh"

mb_setup true
mb_start
mar_b() { cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"; }
mctl_a() { mctl --db "$MIG_TMP/brka.db" "$@"; }
mctl_b() { mctl --db "$MIG_TMP/brkb.db" "$@"; }

# Revocation of one user at the primary system.
mb_allocate
mar_b
mig_check "before: a MAR at B for alice's inbound identity succeeds" cxc_json .result_code 2001
mctl_a --json binding list --user alice@a.test
mig_check "migctl reads A's store while the broker runs" \
	mctl_json '[.[] | select(.live) | .mig_impi] | join(",")' "$MB_OUT_IMPI"
mctl_a binding revoke --user alice@a.test --reason "left the incident"
mig_check "migctl revokes alice at A: exit 0" mctl_rc_is 0
mig_check "... and says what it revoked" mctl_out_has "$MB_OUT_IMPI"
mar_b
mig_check "the very next MAR at B gets 5003" cxc_json .result_code 5003
mig_check "... under B's identities" cxc_json ".user_name == \"$MB_IN_IMPI\" and .public_identity == \"$MB_IN_IMPU\""
refused() { mctl_json "[.[] | select(.action == \"mar-refused\" and .mig_impi == \"$1\")] | length > 0"; }
mctl_a --json audit --limit 20
mig_check "... and A audits the refusal" refused "$MB_OUT_IMPI"
mctl_a --json stats
mig_check "migctl stats counts it" mctl_json '.mar.refused >= 1'
mig_check "migctl stats shows what A's running broker received and brokered" \
	mig_wait_for 5 sh -c "'$MCTL' --db '$MIG_TMP/brka.db' --json stats | jq -e '.mar.received >= 2 and .mar.brokered >= 1 and .mar.counted_until > 0' >/dev/null"

# Revocation of everything at one partner, after a fresh allocation.
mb_allocate
mar_b
mig_check "a fresh allocation: the MAR succeeds again" cxc_json .result_code 2001
mctl_a binding revoke --partner b.test
mig_check "migctl revokes partner b.test at A: exit 0" mctl_rc_is 0
mig_check "... listing alice's new binding" mctl_out_has "$MB_OUT_IMPI"
mar_b
mig_check "the very next MAR at B gets 5003" cxc_json .result_code 5003

# Revocation of one inbound binding at the partner system B.
mb_allocate
mar_b
mig_check "another fresh allocation: the MAR succeeds" cxc_json .result_code 2001
mctl_b binding revoke "$MB_IN_IMPI"
mig_check "migctl revokes the inbound binding at B by identity" mctl_out_has "revoked 1 binding"
mar_b
mig_check "the very next MAR at B gets 5003 from B itself" cxc_json .result_code 5003
mctl_b --json audit --limit 20
mig_check "... audited at B" refused "$MB_IN_IMPI"

# Partner settings: a change made with migctl reaches the running broker
# (within its one-second refresh), in both directions.
mb_allocate
mar_b
mig_check "a fresh allocation: the MAR at B succeeds" cxc_json .result_code 2001
mctl_b partner set a.test --migrate-in no
mig_check "B's operator stops A's users from migrating in: exit 0" mctl_rc_is 0
b_refuses() { mar_b; cxc_json .result_code 5003 >/dev/null; }
mig_check "... and B's running broker refuses the next MARs (5003)" mig_wait_for 5 b_refuses
mctl_b partner set a.test --migrate-in yes
b_serves() { mar_b; cxc_json .result_code 2001 >/dev/null; }
mig_check "allowed again, the MAR succeeds without a restart" mig_wait_for 5 b_serves
mctl_a partner set b.test --migrate-out no
mig_check "A's operator stops its users from migrating to B" mig_wait_for 5 b_refuses
mig_check "... and A audits why" sh -c "'$MCTL' --db '$MIG_TMP/brka.db' --json audit --limit 5 | jq -e '[.[] | select(.action == \"mar-refused\")] | length > 0' >/dev/null"
mctl_a partner set b.test --migrate-out yes
mig_check "... and allowed again" mig_wait_for 5 b_serves

mctl_a db check
mig_check "A's store passes the complete check while the broker runs" mctl_rc_is 0
mctl_a db backup "$MIG_TMP/brka-backup.db"
mig_check "... and can be backed up" mctl_rc_is 0
mig_fd_stop brkb
mig_check "broker B stopped cleanly" test "$MIG_RC" = 0
mig_fd_stop brka
mig_check "broker A stopped cleanly" test "$MIG_RC" = 0
mig_pass
