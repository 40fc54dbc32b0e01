#!/bin/sh
# The Solution 2 flow through two brokers (TR 23.781 6.2.1 steps 4-21):
# allocate outbound identities at A and inbound ones at B, then B's S-CSCF
# asks for vectors for the inbound identity; the vectors must be genuine
# (the UE side recomputes them from K and OPc) and arrive under B's
# identities, with nothing of either system's inside crossing the border.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_mar
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

AKA_UE=$top_builddir/tests/tools/aka_ue
mb_setup true
for d in hssa brka brkb; do cxc_dump $d; done
mb_start
mb_allocate

mig_check "outbound identity is a migration identity of A" \
	expr "$MB_OUT_IMPI" : 'mig-[a-z2-7]*@a\.test$'
mig_check "inbound identity is a migration identity of B" \
	expr "$MB_IN_IMPI" : 'mig-[a-z2-7]*@b\.test$'
mig_check "A's binding stands for alice, bound to partner b.test" \
	test "$(mb_sql brka "select home_impi||' '||peer_realm||' '||direction from bindings where mig_impi='$MB_OUT_IMPI'")" = "alice@a.test b.test out"
mig_check "B's binding stands for A's outbound identity" \
	test "$(mb_sql brkb "select home_impi||' '||peer_realm||' '||peer_sipdb||' '||direction from bindings where mig_impi='$MB_IN_IMPI'")" = "$MB_OUT_IMPI a.test sipdb.a.test in"

# A second GOR for the same user and partner returns the same identities.
cxc_run cmsa --dest-host sipdb.a.test gor --impi alice@a.test --impu sip:alice@a.test --partner b.test
mig_check "repeated GOR gives the same binding" cxc_json .migration_impi "$MB_OUT_IMPI"
mig_check "still one live binding at A" \
	test "$(mb_sql brka "select count(*) from bindings where home_impi='alice@a.test'")" = 1

# Steps 16-21: one AKA vector.
verify_items()
{
	# N: the answer must carry N genuine AKA items
	cxc_json .result_code 2001 || return 1
	cxc_json .user_name "$MB_IN_IMPI" || return 1
	cxc_json .public_identity "$MB_IN_IMPU" || return 1
	cxc_json .sip_number_auth_items "$1" || return 1
	cxc_json '.items | length' "$1" || return 1
	i=0
	while [ $i -lt "$1" ]; do
		auth=$(jq -r ".items[$i].authenticate" "$CXC_OUT")
		want=$(jq -r "[.items[$i].authorization, .items[$i].ck, .items[$i].ik] | join(\" \")" "$CXC_OUT")
		got=$("$AKA_UE" check $mb_alice_k $mb_alice_opc "$auth") || return 1
		[ "${got% *}" = "$want" ] || { echo "item $i: UE computed $got, network sent $want"; return 1; }
		i=$((i + 1))
	done
}

cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf.b.test
mig_check "MAR for the inbound identity: one genuine vector under B's identities" verify_items 1
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --items 3
mig_check "MAR asking for 3 items: 3 genuine vectors" verify_items 3
mig_check "B's binding is marked registered" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' \"select state from bindings where mig_impi='$MB_IN_IMPI'\")\" = registered"

# Resynchronisation: RAND||AUTS for SQN_MS = 0x1000 reaches A's HSS intact;
# the next vector then carries SQN_MS + 1 or more.
rand=$(jq -r '.items[0].authenticate' "$CXC_OUT" | cut -c1-32)
auts=$("$AKA_UE" auts $mb_alice_k $mb_alice_opc "$rand" 000000001000)
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --auts "$auts"
mig_check "resync MAR answered with a genuine vector" verify_items 1
sqn=$("$AKA_UE" check $mb_alice_k $mb_alice_opc "$(jq -r '.items[0].authenticate' "$CXC_OUT")" | cut -d' ' -f4)
mig_check "after resync the SQN continues from the UE's ($sqn > 000000001000)" \
	test "$(printf '%d' 0x$sqn)" -gt 4096

# Digest through both brokers: the item comes back intact.
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --scheme Digest-MD5
mig_check "Digest MAR answered 2001 under B's identities" cxc_json '.result_code == 2001 and .user_name == "'"$MB_IN_IMPI"'"'

# A local user of A passes straight through A's broker to A's HSS.
cxc_run scscfa --dest-host sipdb.a.test mar --impi alice@a.test --impu sip:alice@a.test
mig_check "A's own S-CSCF: MAR for a local user passes through" cxc_json '.result_code == 2001 and .user_name == "alice@a.test"'

# Topology hiding: what A received from B, and what B's S-CSCF received.
mig_check "A never saw B's S-CSCF or its Server-Name" \
	sh -c "! grep -q 'scscf.b.test' '$(mig_fd_log brka)'"
mig_check "A's HSS never saw B's S-CSCF" sh -c "! grep -q 'scscf.b.test' '$(mig_fd_log hssa)'"
mig_check "B never saw A's HSS" sh -c "! grep -q 'hss.a.test' '$(mig_fd_log brkb)'"
mig_check "B never saw alice's real identity" sh -c "! grep -q 'alice@a.test' '$(mig_fd_log brkb)'"

# Message by message, what crossed the border (seen from each side): only
# the two brokers in Origin-Host, Destination-Host, Route-Record,
# Session-Id and Server-Name, and no node or identity of either inside.
inside="hss.a.test cms.a.test scscf.a.test alice@a.test scscf.b.test cms.b.test $MB_IN_IMPI"
# shellcheck disable=SC2086 # a list of names
mig_check "A<->B messages, as A saw them, name nothing inside either system" \
	mb_border_check brka sipdb.b.test $inside
# shellcheck disable=SC2086
mig_check "... nor as B saw them" mb_border_check brkb sipdb.a.test $inside
mig_pass
