#!/bin/sh
# The main job: TR 23.781 solution 2 live on loopback.  Two MC systems,
# each with its own migbroker (freeDiameterd + mig_sipdb), system A with
# its HSS; alice of A migrates to B and B's S-CSCF gets her vectors under
# B's identities.  Each step prints what crossed which link.
#
# Run from the build tree: make demo (MIG_KEEP_TMP=1 keeps the logs).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init demo
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

AKA_UE=$top_builddir/tests/tools/aka_ue
MIGCTL=$top_builddir/src/migctl/migctl
step() { printf '\n== %s\n' "$*"; }
show() { jq -r "$1" "$CXC_OUT"; }

step "Start: HSS of A (hss.a.test), broker A (sipdb.a.test), broker B (sipdb.b.test)"
mb_setup true
mb_start
echo "   links OPEN: broker A <-> HSS A, broker A <-> broker B"

step "Steps 4-6: A's configuration management server asks broker A for outbound identities"
cxc_run cmsa --dest-host sipdb.a.test gor --impi alice@a.test --impu sip:alice@a.test --partner b.test
show '"   GOR alice@a.test -> partner b.test: result \(.result_code)",
      "   outbound IMPI \(.migration_impi)", "   outbound IMPU \(.migration_impu)"'
out_impi=$(jq -r .migration_impi "$CXC_OUT"); out_impu=$(jq -r .migration_impu "$CXC_OUT")

step "Steps 9-11: B's configuration management server asks broker B for inbound identities"
cxc_run cmsb --dest-host sipdb.b.test gir --impi "$out_impi" --impu "$out_impu" \
	--primary a.test --primary-sipdb sipdb.a.test
show '"   GIR \(.user_name) from primary a.test: result \(.result_code)",
      "   inbound IMPI \(.migration_impi)", "   inbound IMPU \(.migration_impu)"'
in_impi=$(jq -r .migration_impi "$CXC_OUT"); in_impu=$(jq -r .migration_impu "$CXC_OUT")

step "Steps 16-21: B's S-CSCF sends MAR for the inbound identity"
echo "   S-CSCF B -> broker B: MAR $in_impi"
echo "   broker B -> broker A: MAR $out_impi (Server-Name hidden)"
echo "   broker A -> HSS A:    MAR alice@a.test"
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$in_impi" --impu "$in_impu" --items 2
show '"   S-CSCF B <- broker B: MAA result \(.result_code), User-Name \(.user_name), \(.sip_number_auth_items) AKA vector(s)"'
for i in 0 1; do
	ue=$("$AKA_UE" check $mb_alice_k $mb_alice_opc "$(jq -r ".items[$i].authenticate" "$CXC_OUT")") &&
		[ "${ue% *}" = "$(jq -r "[.items[$i].authorization, .items[$i].ck, .items[$i].ik] | join(\" \")" "$CXC_OUT")" ] &&
		echo "   vector $i: alice's ISIM accepts AUTN; RES = XRES, CK and IK match" ||
		mig_fail "vector $i is not genuine"
done

step "Bindings, as each operator sees them (migctl binding list)"
echo "   broker A:"; "$MIGCTL" --db "$MIG_TMP/brka.db" binding list | sed 's/^/     /'
echo "   broker B:"; "$MIGCTL" --db "$MIG_TMP/brkb.db" binding list | sed 's/^/     /'

step "Step 6.2.3: A revokes alice's migration; B's next MAR is refused by A"
echo "   A's operator: migctl binding revoke --user alice@a.test"
"$MIGCTL" --db "$MIG_TMP/brka.db" binding revoke --user alice@a.test --reason demo | sed 's/^/     /'
echo "   B's S-CSCF asks again:"
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$in_impi" --impu "$in_impu"
show '"   S-CSCF B <- broker B: MAA result \(.result_code) (DIAMETER_AUTHORIZATION_REJECTED)"'
step "Broker A's statistics (migctl stats)"
sleep 1.2
"$MIGCTL" --db "$MIG_TMP/brka.db" stats | sed -n '/^MARs/,$p' | sed 's/^/     /'
step "Done: logs of every daemon are in $MIG_TMP (kept with MIG_KEEP_TMP=1)"
mig_pass
