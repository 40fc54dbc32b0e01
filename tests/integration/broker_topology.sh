#!/bin/sh
# Topology hiding for every command (TR 23.781 key issue 1.10): a visitor
# goes through all of Cx -- UAR, MAR, SAR, LIR at B; a profile push and an
# HSS de-registration from A; de-registration and a revocation with its
# RTR; a refused request -- and then every message that crossed the border
# is read, from both sides: only the two brokers appear in Origin-Host,
# Destination-Host, Route-Record, Session-Id and Server-Name, and no node
# or identity of either system's inside appears anywhere (text or hex,
# User-Data included).  What each side's inside received is checked too:
# B's S-CSCF saw nothing of A, A's HSS nothing of B.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_topology
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MIGCTL=$top_builddir/src/migctl/migctl
[ -x "$MIGCTL" ] || mig_fail "$MIGCTL not built"
MB_SCSCF=1
MB_JSON_brkb='"scscf": { "name": "sip:scscf2.b.test" }'
mb_setup true
for d in hssa brka brkb scscfs; do cxc_dump $d; done
mb_start
mb_allocate

as_scscf() { cxc_run scscfb --dest-host sipdb.b.test --origin-host scscf2.b.test "$@"; }
ok() { cxc_json "$1" "${2:-true}"; }
state_is() { [ "$(mb_sql "$1" "select state from bindings where mig_impi='$2'")" = "$3" ]; }
recorded() { [ -f "$MIG_TMP/scscfs.jsonl" ] && [ "$(grep -c "\"command\":\"$1\"" "$MIG_TMP/scscfs.jsonl")" -ge "$2" ]; }
ids="--impi $MB_IN_IMPI --impu $MB_IN_IMPU"

# shellcheck disable=SC2086 # $ids: two options
{
	cxc_run scscfb --dest-host sipdb.b.test uar $ids
	mig_check "UAR (answered at B)" ok '.experimental_result.code' 2001
	as_scscf mar $ids --server-name sip:scscf2.b.test
	mig_check "MAR" ok .result_code 2001
	as_scscf sar $ids --server-name sip:scscf2.b.test
	mig_check "SAR" ok .result_code 2001
	mig_check "registered at A" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered
	cxc_run scscfb --dest-host sipdb.b.test lir --impu "$MB_IN_IMPU"
	mig_check "LIR (answered at B)" ok .result_code 2001
	mb_push ppr alice@a.test
	mig_check "PPR from A's HSS reached B's S-CSCF" mig_wait_for 10 recorded PPR 1
	mb_push rtr alice@a.test
	mig_check "RTR from A's HSS reached B's S-CSCF" mig_wait_for 10 recorded RTR 1
	as_scscf sar $ids --type 2
	mig_check "re-registration SAR" ok .result_code 2001
	as_scscf sar $ids --type 5
	mig_check "de-registration SAR" ok .result_code 2001
	as_scscf sar $ids --server-name sip:scscf2.b.test
	mig_check "registration SAR again" ok .result_code 2001
	mig_check "registered at A again" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered
	"$MIGCTL" --db "$MIG_TMP/brka.db" binding revoke "$MB_OUT_IMPI" --reason topology >/dev/null
	mig_check "RTR of the revocation reached B's S-CSCF" mig_wait_for 10 recorded RTR 2
	mig_check "... and was answered" mig_wait_for 10 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' 'select count(*) from pending_rtr')\" = 0"
	as_scscf mar $ids
	mig_check "MAR after revocation refused by A" ok .result_code 5003
}

# What crossed the border, as each side saw it.
inside_a="hss.a.test ccf.a.test cms.a.test scscf.a.test alice@a.test"
inside_b="scscf.b.test scscf2.b.test cms.b.test $MB_IN_IMPI"
# shellcheck disable=SC2086 # lists of names
{
	mig_check "every message between the brokers, as A saw it, names nothing inside" \
		mb_border_check brka sipdb.b.test $inside_a $inside_b
	mig_check "... as B saw it" mb_border_check brkb sipdb.a.test $inside_a $inside_b
}
for c in Multimedia-Auth Server-Assignment Push-Profile Registration-Termination; do
	mig_check "$c requests and answers crossed the border" \
		grep -q "'$c-Answer'" "$MIG_TMP/border.brka.msgs"
done
mig_check "no UAR or LIR crossed it" \
	sh -c "! grep -Eq 'User-Authorization|Location-Info' '$MIG_TMP/border.brka.msgs'"

# What each inside received from the other system.
for name in hss.a.test ccf.a.test alice@a.test "$MB_OUT_IMPI"; do
	mig_check "B's S-CSCF never received $name" sh -c "! grep -qF '$name' '$MIG_TMP/scscfs.jsonl'"
done
for name in scscf.b.test scscf2.b.test "$MB_IN_IMPI"; do
	mig_check "A's HSS never received $name" sh -c "! grep -qF '$name' '$(mig_fd_log hssa)'"
done
mig_pass
