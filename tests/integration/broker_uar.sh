#!/bin/sh
# User-Authorization-Request and Location-Info-Request from B's I-CSCF
# about a visitor: B's broker answers them itself, from the binding and
# from its own S-CSCF configuration; nothing crosses the border, so they
# are answered even with A down.  Non-migration identities pass through to
# the local HSS; unknown, mismatched and revoked identities are refused.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_uar
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MB_JSON_brkb='"scscf": { "name": "sip:scscf.b.test", "capabilities": { "mandatory": [1, 2], "optional": [3] } }'
mb_setup true
for d in hssa brka brkb; do cxc_dump $d; done
mb_start
mb_allocate

uar_b() { cxc_run scscfb --dest-host sipdb.b.test uar "$@"; }
lir_b() { cxc_run scscfb --dest-host sipdb.b.test lir "$@"; }
exp_is() { cxc_json '.experimental_result | "\(.vendor_id)/\(.code)"' "10415/$1"; }
caps_are() { cxc_json '.server_capabilities | "\(.mandatory) \(.optional) \(.server_names)"' "$1"; }

# Not registered yet.
uar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "UAR, not registered: 10415/2001 FIRST_REGISTRATION" exp_is 2001
mig_check "... with our S-CSCF's Server-Name" cxc_json .server_name sip:scscf.b.test
uar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --type 2
mig_check "UAR REGISTRATION_AND_CAPABILITIES: 10415/2001" exp_is 2001
mig_check "... with our Server-Capabilities" caps_are '[1,2] [3] ["sip:scscf.b.test"]'
mig_check "... and no Server-Name of its own" cxc_json '.server_name == null'
lir_b --impu "$MB_IN_IMPU"
mig_check "LIR, not registered: 10415/5003 IDENTITY_NOT_REGISTERED" exp_is 5003
uar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --type 1
mig_check "UAR DE_REGISTRATION, not registered: 10415/5003" exp_is 5003

# Registered (MAR then SAR through both brokers) at the S-CSCF named
# sip:scscf1.b.test.
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf1.b.test
cxc_run scscfb --dest-host sipdb.b.test sar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --server-name sip:scscf1.b.test
mig_check "the visitor registers (SAR 2001)" cxc_json .result_code 2001
mig_check "B's binding is registered" \
	mig_wait_for 5 sh -c "test \"\$(sqlite3 '$MIG_TMP/brkb.db' \"select state from bindings where mig_impi='$MB_IN_IMPI'\")\" = registered"
uar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "UAR, registered: 10415/2002 SUBSEQUENT_REGISTRATION" exp_is 2002
mig_check "... naming the S-CSCF that holds the registration" cxc_json .server_name sip:scscf1.b.test
uar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --type 1
mig_check "UAR DE_REGISTRATION, registered: 2001 with that Server-Name" \
	cxc_json '.result_code == 2001 and .server_name == "sip:scscf1.b.test"'
lir_b --impu "$MB_IN_IMPU"
mig_check "LIR, registered: 2001 with that Server-Name" \
	cxc_json '.result_code == 2001 and .server_name == "sip:scscf1.b.test"'

# Answered at B: nothing crossed the border, and A can be down.
mig_check "no UAR or LIR reached A" \
	sh -c "! grep -Eq 'User-Authorization-Request|Location-Info-Request' '$(mig_fd_log brka)'"
mig_fd_stop brka
lir_b --impu "$MB_IN_IMPU"
mig_check "with A down, B still answers the LIR (2001)" cxc_json .result_code 2001

# Refusals.
uar_b --impi mig-aaaaaaaaaaaaaaaa@b.test --impu sip:mig-aaaaaaaaaaaaaaaa@b.test
mig_check "UAR for an unknown inbound identity: 10415/5001" exp_is 5001
lir_b --impu sip:mig-aaaaaaaaaaaaaaaa@b.test
mig_check "LIR for an unknown inbound identity: 10415/5001" exp_is 5001
uar_b --impi "$MB_IN_IMPI" --impu sip:someone@b.test
mig_check "UAR with an IMPU not bound to the IMPI: 10415/5002" exp_is 5002
uar_b --impi "$MB_IN_IMPI" --omit public-identity
mig_check "UAR without Public-Identity: 5005" cxc_json .result_code 5005
mb_sql brkb "update bindings set state='revoked', ended=strftime('%s') where mig_impi='$MB_IN_IMPI'"
lir_b --impu "$MB_IN_IMPU"
mig_check "LIR for a revoked visitor: 5003" cxc_json .result_code 5003
mig_check "... audited" \
	test "$(mb_sql brkb "select count(*) from audit where action='lir-refused' and mig_impi='$MB_IN_IMPI'")" -ge 1

# At A: local users pass through to the HSS (the test HSS has no UAR
# handler: what shows is that it got the request, and its error came back);
# another system's I-CSCF is refused.
mig_fd_start brka
mig_fd_wait_ready brka || mig_fail "brka did not restart"
mig_fd_wait_open brka hss.a.test || mig_fail "brka never reconnected to hssa"
cxc_run scscfa --dest-host sipdb.a.test uar --impi alice@a.test --impu sip:alice@a.test
mig_check "A's I-CSCF: a local user's UAR passes through to A's HSS" \
	grep -q "val=\"sipdb.a.test;.*;mig\"" "$(mig_fd_log hssa)"
mig_check "... and the HSS's answer comes back (an error: it has no UAR)" \
	cxc_json '.result_code >= 3000 and .origin_host == "sipdb.a.test"'
cxc_run partc --dest-host sipdb.a.test uar --impi "$MB_OUT_IMPI" --impu "$MB_OUT_IMPU"
mig_check "a UAR from another system: 5003" cxc_json .result_code 5003
mig_pass
