#!/bin/sh
# Server-Assignment-Request through both brokers: B's S-CSCF registers the
# visitor under B's inbound identities and gets her profile from A's HSS,
# with the identities inside User-Data mapped at each border crossing;
# both stores record where she is registered; de-registration clears it;
# and every refusal (unknown, mismatched, revoked, wrong partner, broken
# profile, primary unreachable).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_sar
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MB_TIMEOUT_MS=1500
mb_setup true
for d in hssa brka brkb; do cxc_dump $d; done
mb_start
mb_allocate

sar_b() { cxc_run scscfb --dest-host sipdb.b.test sar "$@"; }
exp_is() { cxc_json '.experimental_result | "\(.vendor_id)/\(.code)"' "10415/$1"; }
data_has() { jq -r '.user_data // ""' "$CXC_OUT" | grep -qF -- "$1"; }
data_lacks() { ! data_has "$1"; }
answer_lacks_avp() { cxc_json "[.avps[].name] | index(\"$1\") == null"; }
never_saw() { ! mb_saw "$1" "$2"; }

# Registration: the profile arrives under B's identities.
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf.b.test
mig_check "SAR for the inbound identity: 2001" cxc_json .result_code 2001
mig_check "... User-Name is B's inbound IMPI" cxc_json .user_name "$MB_IN_IMPI"
mig_check "... User-Data names B's inbound IMPI" data_has "<PrivateID>$MB_IN_IMPI</PrivateID>"
mig_check "... and B's inbound IMPU" data_has "<Identity>$MB_IN_IMPU</Identity>"
mig_check "... and nothing of alice's real identities" data_lacks alice@a.test
mig_check "... nor A's outbound ones" data_lacks "$MB_OUT_IMPI"
mig_check "... no Charging-Information (A's charging function)" answer_lacks_avp Charging-Information
mig_check "... no Server-Name" answer_lacks_avp Server-Name

# Where the registration lives (TR 23.781 key issue 2.5, and for RTR).
mig_check "B: registered at B's S-CSCF, which asked as scscf.b.test" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' \"select state||' '||server_name||' '||scscf_host from bindings where mig_impi='$MB_IN_IMPI'\")\" = 'registered sip:scscf.b.test scscf.b.test'"
mig_check "A: registered at partner b.test, through its SIP database" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' \"select state||' '||peer_realm||' '||server_name||' '||scscf_host from bindings where mig_impi='$MB_OUT_IMPI'\")\" = 'registered b.test sip:sipdb.b.test sipdb.b.test'"
mig_check "A's HSS was given B's border Server-Name, not B's S-CSCF" \
	grep -q "SAA user=alice@a.test .* server=sip:sipdb.b.test from=sipdb.a.test" "$(mig_fd_log hssa)"
mig_check "A's HSS sent its profile with alice's identities" \
	mb_saw hssa "<PrivateID>alice@a.test</PrivateID>"
mig_check "what B received from A names A's outbound identity, not alice" \
	mb_saw brkb "<PrivateID>$MB_OUT_IMPI</PrivateID>"

# An SAR that names the user by Public-Identity only; one with the data
# already there; re-registration.
sar_b --omit user-name --impu "$MB_IN_IMPU"
mig_check "SAR without User-Name, by the inbound IMPU: 2001 with the profile" \
	cxc_json '.result_code == 2001 and (.user_data | test("<PrivateID>'"$MB_IN_IMPI"'</PrivateID>"))'
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --type 2 --data-available 1
mig_check "re-registration with the data already there: 2001, no User-Data" \
	cxc_json '.result_code == 2001 and .user_data == null'

# Refusals at B.
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --impu sip:someone@b.test
mig_check "an IMPU that is not bound to the IMPI: 10415/5002" exp_is 5002
sar_b --impi mig-aaaaaaaaaaaaaaaa@b.test --impu sip:mig-aaaaaaaaaaaaaaaa@b.test
mig_check "an unknown inbound identity: 10415/5001" exp_is 5001

# A local user of A: straight through A's broker, profile untouched.
cxc_run scscfa --dest-host sipdb.a.test sar --impi alice@a.test --impu sip:alice@a.test
mig_check "A's own S-CSCF: SAR for a local user passes through with her profile" \
	cxc_json '.result_code == 2001 and (.user_data | test("<PrivateID>alice@a.test</PrivateID>"))'
mig_check "... and A's charging data (inside A, nothing is removed)" \
	cxc_json '[.avps[].name] | index("Charging-Information") != null'

# A broken profile from the primary is refused whole, never passed on.
mb_allocate mallory
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "a malformed User-Data from A's HSS: 5012 DIAMETER_UNABLE_TO_COMPLY" \
	cxc_json '.result_code == 5012 and .user_data == null'
mig_check "... A logs why" grep -q "User-Data of 'mallory@a.test' refused: not well-formed XML" "$(mig_fd_log brka)"
mb_allocate alice

# Another partner asking A for an identity bound to B.
cxc_run partc --dest-host sipdb.a.test sar --impi "$MB_OUT_IMPI" --impu "$MB_OUT_IMPU"
mig_check "partner C sending an SAR for B's identity: 5003" cxc_json .result_code 5003
mig_check "... audited at A" \
	test "$(mb_sql brka "select count(*) from audit where action='sar-refused' and realm='c.test'")" -ge 1

# De-registration: 2001 without a profile; both stores forget it.
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --type 5
mig_check "USER_DEREGISTRATION: 2001 without User-Data" cxc_json '.result_code == 2001 and .user_data == null'
mig_check "B's binding is no longer registered" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' \"select state from bindings where mig_impi='$MB_IN_IMPI'\")\" = allocated"
mig_check "A's binding is no longer registered" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brka.db' \"select state from bindings where mig_impi='$MB_OUT_IMPI'\")\" = allocated"

# Revoked at A: B's S-CSCF is refused by A.
mb_sql brka "update bindings set state='revoked', ended=strftime('%s') where mig_impi='$MB_OUT_IMPI'"
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "after A revokes, B's SAR gets 5003" cxc_json .result_code 5003
mig_check "... and A audits it" \
	test "$(mb_sql brka "select count(*) from audit where action='sar-refused' and mig_impi='$MB_OUT_IMPI'")" -ge 1
mb_sql brka "update bindings set state='allocated', ended=NULL where mig_impi='$MB_OUT_IMPI'"

# The primary system gone: 3002 by the deadline.
mig_fd_stop brka
sar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "primary system down: 3002" cxc_json .result_code 3002
mig_check "... within the deadline (< 3 s)" cxc_took 0 3000

# Topology hiding: nothing of one system's inside in what the other saw.
mig_check "A never saw B's S-CSCF" sh -c "! grep -q 'scscf.b.test' '$(mig_fd_log brka)'"
mig_check "A's HSS never saw B's S-CSCF" sh -c "! grep -q 'scscf.b.test' '$(mig_fd_log hssa)'"
for inside in hss.a.test ccf.a.test alice@a.test mallory@a.test; do
	mig_check "B never saw $inside" never_saw brkb "$inside"
done
mig_pass
