#!/bin/sh
# The GOR and GIR cx_client sends are those of doc/allocation.md, and their
# answers print as GOA and GIA.  The peer is a plain freeDiameterd with the
# dictionary and dbg_msg_dumps; a relay with no route onward, it answers
# 3002 itself.
#   - GOR: Auth-Application-Id 4294901761 (no VSAI), Auth-Session-State 1,
#     User-Name, Public-Identity, Migration-Partner-Realm, and
#     Migration-Lifetime / Migration-Pool only when asked (V and M set);
#   - GIR: Migration-Primary-Realm and Migration-Primary-SIPDB;
#   - the answers: command GOA / GIA, the allocation fields null.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_alloc_request
. "$top_srcdir/tests/integration/client_lib.sh"

cxc_peer sipdb sipdb.a.test a.test
cxc_dump sipdb
cxc_conf cms cms.a.test a.test sipdb
cxc_start sipdb
avp() { cxc_rcv_avp "$@"; }

cxc_run cms gor --impi alice@a.test --impu sip:alice@a.test --partner b.test
mig_check "GOR answered: exit 0" cxc_rc_is 0
mig_check "... a GOA" cxc_json '[.command, .command_code, .application_id] == ["GOA", 16777214, 4294901761]'
mig_check "... 3002 from the relay" cxc_json .result_code 3002
mig_check "... allocation fields null" cxc_json \
	'[.migration_impi, .migration_impu, .lifetime, .user_name, .public_identity] == [null, null, null, null, null]'
mig_check "the peer received the GOR" cxc_rcv sipdb Get-Outbound-Migration-Identities-Request
mig_check "GOR: command 16777214, R and P bits" sh -c \
	"grep -q 'Command Code: 16777214' '$CXC_RCV' && grep -q 'Flags: 0xC0 (RP--)' '$CXC_RCV'"
mig_check "GOR: Auth-Application-Id 4294901761" avp Auth-Application-Id -M "4294901761 "
mig_check "GOR: no Vendor-Specific-Application-Id" cxc_rcv_lacks Vendor-Specific-Application-Id
mig_check "GOR: Auth-Session-State 1" avp Auth-Session-State -M "'NO_STATE_MAINTAINED' (1 "
mig_check "GOR: Destination-Realm" avp Destination-Realm -M '"a.test"'
mig_check "GOR: User-Name" avp User-Name -M '"alice@a.test"'
mig_check "GOR: Public-Identity" avp Public-Identity VM '"sip:alice@a.test"'
mig_check "GOR: Migration-Partner-Realm" avp Migration-Partner-Realm VM '"b.test"'
mig_check "GOR: no lifetime unless asked" cxc_rcv_lacks Migration-Lifetime
mig_check "GOR: no pool unless asked" cxc_rcv_lacks Migration-Pool

cxc_run cms gor --impi alice@a.test --impu sip:alice@a.test --partner b.test \
	--lifetime 86400 --pool mc-pool
mig_check "GOR with options: exit 0" cxc_rc_is 0
mig_check "the peer received the second GOR" cxc_rcv sipdb Get-Outbound-Migration-Identities-Request
mig_check "GOR --lifetime" avp Migration-Lifetime VM "86400 "
mig_check "GOR --pool" avp Migration-Pool VM '"mc-pool"'

cxc_run cms gir --impi mig-7@a.test --impu sip:mig-7@a.test --primary a.test \
	--primary-sipdb sipdb.a.test --lifetime 0
mig_check "GIR answered: exit 0" cxc_rc_is 0
mig_check "... a GIA" cxc_json '[.command, .command_code, .application_id] == ["GIA", 16777215, 4294901761]'
mig_check "the peer received the GIR" cxc_rcv sipdb Get-Inbound-Migration-Identities-Request
mig_check "GIR: command 16777215" cxc_rcv_has "Command Code: 16777215"
mig_check "GIR: Auth-Application-Id 4294901761" avp Auth-Application-Id -M "4294901761 "
mig_check "GIR: User-Name" avp User-Name -M '"mig-7@a.test"'
mig_check "GIR: Migration-Primary-Realm" avp Migration-Primary-Realm VM '"a.test"'
mig_check "GIR: Migration-Primary-SIPDB" avp Migration-Primary-SIPDB VM '"sipdb.a.test"'
mig_check "GIR: --lifetime 0 is sent" avp Migration-Lifetime VM "0 "
mig_check "GIR: no partner realm" cxc_rcv_lacks Migration-Partner-Realm
mig_check "GIR: no pool unless asked" cxc_rcv_lacks Migration-Pool
mig_pass
