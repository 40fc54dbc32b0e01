#!/bin/sh
# Every way the broker refuses, with the code TS 29.229 / RFC 6733 asks
# for: unknown inbound identity, missing AVP, identities that do not
# match, revoked or expired bindings (at either end), a partner asking for
# an identity bound to another partner, refused allocations, and the
# primary system or its HSS gone (3002 within the deadline, no hang).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_errors
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MB_TIMEOUT_MS=1500
mb_setup true
# A peer of another system that claims to be partner B (Origin-Realm b.test).
cxc_conf spoof evil.c.test b.test brka
mb_start
mb_allocate

mar_b() { cxc_run scscfb --dest-host sipdb.b.test mar "$@"; }
exp_is() { cxc_json '.experimental_result | "\(.vendor_id)/\(.code)"' "10415/$1"; }
idents_echoed() { cxc_json ".user_name == \"$1\" and .public_identity == \"$2\""; }

# Unknown inbound identity: 5001 in Experimental-Result, identities echoed
# (Kamailio wants them in every MAA).
mar_b --impi mig-aaaaaaaaaaaaaaaa@b.test --impu sip:mig-aaaaaaaaaaaaaaaa@b.test
mig_check "unknown inbound identity gives Experimental-Result 10415/5001" exp_is 5001
mig_check "... with User-Name and Public-Identity" \
	idents_echoed mig-aaaaaaaaaaaaaaaa@b.test sip:mig-aaaaaaaaaaaaaaaa@b.test

# Missing User-Name / Public-Identity: 5005 and the AVP in Failed-AVP.
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --omit user-name
mig_check "missing User-Name gives 5005" cxc_json .result_code 5005
mig_check "... naming User-Name in Failed-AVP" \
	cxc_json '[.avps[] | select(.name == "Failed-AVP") | .avps[].name] | index("User-Name") != null'
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --omit public-identity
mig_check "missing Public-Identity gives 5005" cxc_json .result_code 5005

# An IMPU that is not the one bound to the IMPI.
mar_b --impi "$MB_IN_IMPI" --impu sip:someone-else@b.test
mig_check "IMPU not bound to the IMPI gives 10415/5002" exp_is 5002

# A partner asking for an identity bound to another partner: refused by A,
# and audited there.
cxc_run partc --dest-host sipdb.a.test mar --impi "$MB_OUT_IMPI" --impu "$MB_OUT_IMPU"
mig_check "partner C asking for B's identity gets 5003" cxc_json .result_code 5003
mig_check "... and A audits the refusal" \
	test "$(mb_sql brka "select count(*) from audit where action='mar-refused' and realm='c.test'")" -ge 1
mig_check "... and C got no vector" cxc_json '(.items // []) | length' 0

# A spoofed Origin-Realm: the request says b.test but did not come from B's
# SIP database peer.
cxc_run spoof --dest-host sipdb.a.test mar --impi "$MB_OUT_IMPI" --impu "$MB_OUT_IMPU"
mig_check "a MAR claiming to be B from another peer gets 5003" cxc_json .result_code 5003
mig_check "... and no vector" cxc_json '(.items // []) | length' 0

# Allocation refusals.
cxc_run cmsa --dest-host sipdb.a.test gor --impi bob@a.test --impu sip:bob@a.test --partner x.test
mig_check "GOR for an unknown partner gives 5003" cxc_json .result_code 5003
cxc_run cmsa --dest-host sipdb.a.test gor --impi bob@a.test --impu sip:bob@a.test --partner d.test
mig_check "GOR for a partner our users may not migrate to gives 5003" cxc_json .result_code 5003
cxc_run cmsb --dest-host sipdb.b.test gir --impi x@c.test --impu sip:x@c.test --primary c.test
mig_check "GIR for a primary system we do not know gives 5003" cxc_json .result_code 5003
cxc_run cmsa --dest-host sipdb.a.test gor --impi 'bob at a.test' --impu sip:bob@a.test --partner b.test
mig_check "GOR with a malformed IMPI gives 5004" cxc_json .result_code 5004
cxc_run cmsa --dest-host sipdb.a.test gor --impi bob@a.test --impu sip:bob@a.test --partner b.test --omit public-identity
mig_check "GOR without Public-Identity gives 5005" cxc_json .result_code 5005

# The primary ends the user's access: B's next MAR is refused by A.
now=$(date +%s)
mb_sql brka "update bindings set state='revoked', ended=$now where mig_impi='$MB_OUT_IMPI'"
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "after A revokes, B's S-CSCF gets 5003" cxc_json .result_code 5003
mig_check "... under B's identities" idents_echoed "$MB_IN_IMPI" "$MB_IN_IMPU"
mig_check "... and A audits it" \
	test "$(mb_sql brka "select count(*) from audit where action='mar-refused' and mig_impi='$MB_OUT_IMPI'")" -ge 1

# A binding revoked or expired at B is refused at B.
mb_sql brkb "update bindings set state='revoked', ended=$now where mig_impi='$MB_IN_IMPI'"
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "a binding revoked at B gives 5003" cxc_json .result_code 5003
mig_check "... and B audits it" \
	test "$(mb_sql brkb "select count(*) from audit where action='mar-refused' and mig_impi='$MB_IN_IMPI'")" -ge 1
mb_sql brka "update bindings set state='allocated', ended=NULL where mig_impi='$MB_OUT_IMPI'"
mb_sql brkb "update bindings set state='allocated', ended=NULL, expires=$((now - 10)) where mig_impi='$MB_IN_IMPI'"
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "a binding past its expiry gives 5003" cxc_json .result_code 5003
# The expiry sweep may have ended the binding meanwhile: restore it whole.
mb_sql brkb "update bindings set state='allocated', ended=NULL, expires=0 where mig_impi='$MB_IN_IMPI'"
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "restored, the binding works again" cxc_json .result_code 2001

# A's HSS gone: A answers 3002, B passes it on.
mig_fd_stop hssa
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "HSS of A down: B's S-CSCF gets 3002" cxc_json .result_code 3002
mig_check "... promptly (< 3 s)" cxc_took 0 3000

# The primary system gone: B answers 3002 by its deadline (1.5 s).
mig_fd_stop brka
mar_b --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "primary system down: 3002" cxc_json .result_code 3002
mig_check "... within the deadline (< 3 s)" cxc_took 0 3000
mig_fd_wait_log brkb "MAR received" 1 >/dev/null 2>&1
mig_fd_stop brkb
mig_check "broker B stopped cleanly" test "$MIG_RC" = 0
mig_pass
