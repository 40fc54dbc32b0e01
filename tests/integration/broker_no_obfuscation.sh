#!/bin/sh
# A partner that A does not hide its users from (obfuscate: false): the GOA
# hands out alice's real identities, B binds its inbound identities to
# them, and A finds the binding by her real IMPI and the partner's realm.
# The binding still exists at A, so A can still end her access.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_no_obfuscation
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

AKA_UE=$top_builddir/tests/tools/aka_ue
mb_setup false
mb_start
mb_allocate

mig_check "GOA hands out alice's real IMPI" test "$MB_OUT_IMPI" = alice@a.test
mig_check "GOA hands out alice's real IMPU" test "$MB_OUT_IMPU" = sip:alice@a.test
mig_check "A still records an outbound binding for partner b.test" \
	test "$(mb_sql brka "select count(*) from bindings where home_impi='alice@a.test' and peer_realm='b.test' and direction='out' and state='allocated'")" = 1

cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "MAR at B: 2001 under B's inbound identities" \
	cxc_json ".result_code == 2001 and .user_name == \"$MB_IN_IMPI\" and .public_identity == \"$MB_IN_IMPU\""
auth=$(jq -r '.items[0].authenticate' "$CXC_OUT")
mig_check "the vector is genuine" "$AKA_UE" check $mb_alice_k $mb_alice_opc "$auth"

# bob has no binding for B: B's broker cannot name him, but a partner that
# asks A directly for a real user without a binding is refused.
cxc_run partc --dest-host sipdb.a.test mar --impi bob@a.test --impu sip:bob@a.test
mig_check "a partner asking for a user with no binding for it gets 5003" cxc_json .result_code 5003
cxc_run partc --dest-host sipdb.a.test mar --impi alice@a.test --impu sip:alice@a.test
mig_check "a partner asking for a user bound to another partner gets 5003" cxc_json .result_code 5003

mb_sql brka "update bindings set state='revoked', ended=strftime('%s') where home_impi='alice@a.test'"
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "after A revokes, B's next MAR gets 5003" cxc_json .result_code 5003
mig_pass
