#!/bin/sh
# What A's HSS pushes for a migrated user reaches the S-CSCF of B that
# registered her, under B's identities: a Push-Profile-Request with her
# profile mapped, and an HSS-initiated Registration-Termination-Request;
# their answers travel back to A's HSS.  A push for a user not registered
# at a partner, and a profile that cannot be mapped, are refused.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_ppr
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MB_SCSCF=1
mb_setup true
for d in hssa brka brkb scscfs; do cxc_dump $d; done
mb_start

RECORDS=$MIG_TMP/scscfs.jsonl
as_scscf() { cxc_run scscfb --dest-host sipdb.b.test --origin-host scscf2.b.test "$@"; }
push() { mb_push "$1" "$2@a.test"; }
hss_got() { grep -q "test_hss: $1 for $2@a.test: $3" "$(mig_fd_log hssa)"; }
# the stand-in received COMMAND for USER: its last such record in $MIG_TMP/rec.json
received()
{
	[ -f "$RECORDS" ] || return 1
	jq -c "select(.command == \"$1\" and .user_name == \"$2\")" "$RECORDS" | tail -n 1 >"$MIG_TMP/rec.json"
	[ -s "$MIG_TMP/rec.json" ]
}
rec_is() { [ "$(jq -r "$1" "$MIG_TMP/rec.json")" = "$2" ] || { echo "# $1: $(jq -r "$1" "$MIG_TMP/rec.json")"; return 1; }; }
data_has() { jq -r '.user_data // ""' "$MIG_TMP/rec.json" | grep -qF -- "$1"; }
data_lacks() { ! data_has "$1"; }
state_is() { [ "$(mb_sql "$1" "select state from bindings where mig_impi='$2'")" = "$3" ]; }

mb_allocate
as_scscf mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf2.b.test
as_scscf sar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf2.b.test
mig_check "alice registers at B's S-CSCF" cxc_json .result_code 2001
mig_check "... registered at A" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered

# Push-Profile-Request.
push ppr alice
mig_check "B's S-CSCF receives a PPR" mig_wait_for 10 received PPR "$MB_IN_IMPI"
mig_check "... from B's broker" rec_is .origin_host sipdb.b.test
mig_check "... to the S-CSCF that registered her" rec_is .destination_host scscf2.b.test
mig_check "... with her profile under B's inbound IMPI" data_has "<PrivateID>$MB_IN_IMPI</PrivateID>"
mig_check "... and B's inbound IMPU" data_has "<Identity>$MB_IN_IMPU</Identity>"
mig_check "... and nothing of alice's real identity" data_lacks alice@a.test
mig_check "... nor of A's outbound one" data_lacks "$MB_OUT_IMPI"
mig_check "A's HSS gets the PPA: 2001" mig_wait_for 10 hss_got PPA alice "result 2001"

# An RTR from A's HSS (an administrative de-registration in A).
push rtr alice
mig_check "B's S-CSCF receives the HSS's RTR" mig_wait_for 10 received RTR "$MB_IN_IMPI"
mig_check "... for B's inbound IMPU" rec_is '.public_identities | join(",")' "$MB_IN_IMPU"
mig_check "A's HSS gets the RTA: 2001" mig_wait_for 10 hss_got RTA alice "result 2001"
mig_check "A notes her no longer registered" mig_wait_for 5 state_is brka "$MB_OUT_IMPI" allocated
mig_check "B notes her no longer registered" mig_wait_for 5 state_is brkb "$MB_IN_IMPI" allocated
mig_check "A's binding stays live (not revoked)" state_is brka "$MB_OUT_IMPI" allocated

# No longer registered anywhere: refused at A (5001), nothing sent to B.
push ppr alice
mig_check "a PPR for a user registered at no partner: 5001 from A's broker" \
	mig_wait_for 10 hss_got PPA alice "experimental 5001"

# A local user of A (registered through A's broker's pass-through): the
# broker does not know A's S-CSCF for her (doc/broker.md).
cxc_run scscfa --dest-host sipdb.a.test sar --impi bob@a.test --impu sip:bob@a.test
push ppr bob
mig_check "a PPR for a local user is refused by A's broker (5001)" \
	mig_wait_for 10 hss_got PPA bob "experimental 5001"

# A profile that cannot be mapped: 5009, and nothing reaches B.
mb_allocate mallory
as_scscf mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --scheme Digest-MD5
mig_check "mallory authenticates at B (Digest): registered at A" \
	mig_wait_for 5 state_is brka "$MB_OUT_IMPI" registered
as_scscf sar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
push ppr mallory
mig_check "a PPR with a broken profile: 5009 DIAMETER_ERROR_NOT_SUPPORTED_USER_DATA" \
	mig_wait_for 10 hss_got PPA mallory "experimental 5009"
mig_check "... and B's S-CSCF got no PPR for her" sh -c "! grep -q '$MB_IN_IMPI' '$RECORDS'"

# Topology: nothing of A's inside at B's S-CSCF, nothing of B's at A.
mig_check "B's S-CSCF never saw a node or user of A" \
	sh -c "! grep -Eq 'hss\\.a\\.test|ccf\\.a\\.test|alice@|mallory@|bob@' '$RECORDS'"
mig_check "A never saw B's S-CSCF" sh -c "! grep -q 'scscf2.b.test' '$(mig_fd_log brka)'"
mig_check "A's HSS never saw B's S-CSCF" sh -c "! grep -q 'scscf2.b.test' '$(mig_fd_log hssa)'"
mig_pass
