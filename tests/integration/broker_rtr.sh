#!/bin/sh
# Revocation ends the registration (TR 23.781 6.2.3): alice registers at
# B's S-CSCF (MAR + SAR through both brokers), A's operator revokes her
# with migctl (another process), and A's broker sends an RTR that B's
# broker passes to the S-CSCF that registered her, under B's identities;
# the RTA comes back, the queue row goes, her next MAR is refused.  A
# revocation at B goes straight to B's S-CSCF.  A revocation while B is
# unreachable waits in the store and is delivered when B is back.  An
# S-CSCF that does not answer (Kamailio, for an identity it does not hold)
# is a clean timeout.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_rtr
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MIGCTL=$top_builddir/src/migctl/migctl
[ -x "$MIGCTL" ] || mig_fail "$MIGCTL not built"
MB_SCSCF=1
MB_TIMEOUT_MS=1500
mb_setup true
for d in brka brkb scscfs; do cxc_dump $d; done
mb_start

RECORDS=$MIG_TMP/scscfs.jsonl
# as B's S-CSCF stand-in (scscf2.b.test): MAR then SAR, registering the
# inbound identity
register()
{
	cxc_run scscfb --dest-host sipdb.b.test --origin-host scscf2.b.test mar \
		--impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf2.b.test
	cxc_json .result_code 2001 || return 1
	cxc_run scscfb --dest-host sipdb.b.test --origin-host scscf2.b.test sar \
		--impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf2.b.test
	cxc_json .result_code 2001
}
state_of() { mb_sql "$1" "select state from bindings where mig_impi='$2'"; }
state_is() { [ "$(state_of "$1" "$2")" = "$3" ]; }
# the stand-in received an RTR for this user
rtr_for() { [ -f "$RECORDS" ] && jq -e "select(.command == \"RTR\" and .user_name == \"$1\")" "$RECORDS" >/dev/null; }
rtr_field() { jq -r "select(.command == \"RTR\" and .user_name == \"$1\") | $2" "$RECORDS" | tail -n 1; }
# USER FILTER WANT: the last RTR for USER gives WANT through FILTER
rtr_is()
{
	rtr__n=0
	while [ $rtr__n -lt 20 ]; do   # the record may still be on its way to the file
		rtr__got=$(rtr_field "$1" "$2")
		[ "$rtr__got" = "$3" ] && return 0
		rtr__n=$((rtr__n + 1))
		sleep 0.1
	done
	echo "# $2: got '$rtr__got', want '$3'"
	return 1
}
pending() { mb_sql "$1" "select count(*) from pending_rtr"; }
migctl() { "$MIGCTL" --db "$MIG_TMP/$1.db" binding revoke "$2" --reason "$3" >/dev/null; }

# ---- revoked at the primary
mb_allocate
mig_check "alice registers at B's S-CSCF (MAR, SAR 2001)" register
mig_check "B remembers the S-CSCF's Diameter identity" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' \"select state||' '||scscf_host from bindings where mig_impi='$MB_IN_IMPI'\")\" = 'registered scscf2.b.test'"
mig_check "A sees her registered at b.test" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered
migctl brka "$MB_OUT_IMPI" "test: revoked at A"
mig_check "migctl revoked her at A" state_is brka "$MB_OUT_IMPI" revoked
mig_check "B's S-CSCF receives an RTR" mig_wait_for 10 rtr_for "$MB_IN_IMPI"
mig_check "... for B's inbound identities" \
	rtr_is "$MB_IN_IMPI" '.public_identities | join(",")' "$MB_IN_IMPU"
mig_check "... PERMANENT_TERMINATION" rtr_is "$MB_IN_IMPI" .reason_code 0
mig_check "... from B's broker, to the S-CSCF that registered her" \
	rtr_is "$MB_IN_IMPI" '"\(.origin_host) \(.destination_host) \(.destination_realm)"' \
	"sipdb.b.test scscf2.b.test b.test"
mig_check "... nothing of A in it" \
	sh -c "! jq -c 'select(.command == \"RTR\")' '$RECORDS' | grep -Eq 'a\\.test|alice'"
mig_check "A's queue empties, the answer audited" mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' 'select count(*) from pending_rtr')\" = 0"
mig_check "... as answered 2001 by B's SIP database" \
	test "$(mb_sql brka "select detail from audit where action='rtr' and mig_impi='$MB_OUT_IMPI'")" = "answered 2001 by sipdb.b.test"
mig_check "B notes her no longer registered" mig_wait_for 5 state_is brkb "$MB_IN_IMPI" allocated
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "her next MAR is refused (5003)" cxc_json .result_code 5003

# What went across: A sent the identities B knows, B's S-CSCF never reached A.
mig_check "A's RTR to B named A's outbound identity" \
	grep -q "val=\"$MB_OUT_IMPI\"" "$(mig_fd_log brkb)"
mig_check "A never saw B's S-CSCF" sh -c "! grep -q 'scscf2.b.test' '$(mig_fd_log brka)'"

# ---- revoked at the partner: B's broker tells its own S-CSCF
mb_allocate bob
mig_check "bob registers at B's S-CSCF" register
mig_check "... registered at B" mig_wait_for 5 state_is brkb "$MB_IN_IMPI" registered
migctl brkb "$MB_IN_IMPI" "test: revoked at B"
mig_check "revoked at B: B's S-CSCF receives an RTR for bob's inbound identity" \
	mig_wait_for 10 rtr_for "$MB_IN_IMPI"
mig_check "... and B's queue empties" mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' 'select count(*) from pending_rtr')\" = 0"

# ---- the partner unreachable: the revocation waits in the store
mb_allocate           # alice again: a new binding, new identities
mig_check "alice registers again" register
mig_check "... registered at A" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered
mig_fd_stop brkb
migctl brka "$MB_OUT_IMPI" "test: revoked while B is down"
mig_check "with B down, the RTR stays queued, attempts counted and why" \
	mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' \"select attempts > 0 and last_error <> '' from pending_rtr\")\" = 1"
mb_sql brka "select attempts||' attempt(s), last error: '||last_error from pending_rtr" | sed 's/^/# /'
mig_check "migctl binding show tells the operator the RTR is still pending" \
	sh -c "$(printf '%s' "$MIGCTL") --db '$MIG_TMP/brka.db' --json binding show '$MB_OUT_IMPI' | jq -e '.[0].rtr_pending | test(\"revoked, [1-9][0-9]* attempt\")'"
mig_check "... and where she was registered" \
	sh -c "$(printf '%s' "$MIGCTL") --db '$MIG_TMP/brka.db' --json binding show '$MB_OUT_IMPI' | jq -e '.[0].scscf_host == \"sipdb.b.test\"'"
mig_fd_start brkb
mig_fd_wait_ready brkb || mig_fail "brkb did not restart"
mig_check "B back: its S-CSCF receives the RTR" mig_wait_for 30 rtr_for "$MB_IN_IMPI"
mig_check "... and A's queue empties" mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' 'select count(*) from pending_rtr')\" = 0"
mig_check "... and migctl no longer shows it pending" \
	sh -c "$(printf '%s' "$MIGCTL") --db '$MIG_TMP/brka.db' --json binding show '$MB_OUT_IMPI' | jq -e '.[0].rtr_pending == null'"

# ---- an S-CSCF that does not answer (Kamailio, for an identity it does
# not hold): B times out and answers A 5003 IDENTITY_NOT_REGISTERED, which
# ends A's row: no retries.
mig_fd_stop scscfs
printf '{ "log": "%s/scscfs.jsonl", "answer": false }\n' "$MIG_TMP" >"$MIG_TMP/scscfs.json"
mig_fd_start scscfs
mig_fd_wait_ready scscfs || mig_fail "scscfs did not restart"
mig_fd_wait_open brkb scscf2.b.test 30 || mig_fail "brkb never reconnected to the stand-in"
mb_allocate
mig_check "alice registers a third time" register
mig_check "... registered at A" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered
migctl brka "$MB_OUT_IMPI" "test: silent S-CSCF"
mig_check "the silent S-CSCF got the RTR" mig_wait_for 10 rtr_for "$MB_IN_IMPI"
mig_check "A's row ends with B's 5003 at B's deadline" \
	mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' \"select detail from audit where action='rtr' and mig_impi='$MB_OUT_IMPI'\")\" = 'answered 5003 by sipdb.b.test'"
sleep 3
mig_check "... and the S-CSCF got it once (no retries)" test "$(jq -c "select(.user_name == \"$MB_IN_IMPI\")" "$RECORDS" | wc -l)" = 1
# A visitor revoked at B while the S-CSCF is silent: B's own RTR ends at
# its deadline too.
mb_allocate bob
mig_check "bob registers again" register
mig_check "... registered at B" mig_wait_for 5 state_is brkb "$MB_IN_IMPI" registered
migctl brkb "$MB_IN_IMPI" "test: revoked at B, silent S-CSCF"
mig_check "the silent S-CSCF got B's RTR" mig_wait_for 10 rtr_for "$MB_IN_IMPI"
mig_check "B's row ends at the deadline: the S-CSCF does not hold the registration" \
	mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' \"select detail from audit where action='rtr' and mig_impi='$MB_IN_IMPI'\")\" = 'no answer: the S-CSCF does not hold the registration'"
mig_pass
