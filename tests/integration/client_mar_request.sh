#!/bin/sh
# The MAR cx_client sends is the one TS 29.229 describes, and its answer
# comes out as one JSON document.  The peer is a plain freeDiameterd with
# the Cx dictionary and dbg_msg_dumps (its log shows every AVP received);
# it is a relay with no route onward, so it answers 3002 itself.
#   - request: Session-Id of the client, VSAI {10415, 16777216},
#     Auth-Session-State 1, Destination-Realm = the peer's realm,
#     User-Name, Public-Identity, SIP-Number-Auth-Items, SIP-Auth-Data-Item
#     {scheme [, SIP-Authorization = RAND||AUTS]}, Server-Name defaulting
#     to sip:scscf.<own realm>; --dest-host, --items, --scheme,
#     --server-name and --omit change exactly what they say;
#   - answer: command MAA, result_code 3002, E bit, experimental_result
#     null, origin and session fields, the AVP tree with names, codes,
#     vendors, flags and values;
#   - a request that routing cannot place gets freeDiameter's local 3002
#     answer (origin: the client itself), still exit 0.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_mar_request
. "$top_srcdir/tests/integration/client_lib.sh"

cxc_peer hss hss.b.test b.test
cxc_dump hss
cxc_conf scscf scscf.b.test b.test hss
cxc_start hss

auts=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
cxc_run scscf mar --impi alice@a.test --impu sip:alice@a.test --auts $auts
mig_check "MAR answered: exit 0" cxc_rc_is 0
mig_check "answer is an MAA" cxc_json .command MAA
mig_check "... code 303, application 16777216" cxc_json '[.command_code, .application_id] == [303, 16777216]'
mig_check "... result_code 3002 from the relay" cxc_json .result_code 3002
mig_check "... error_bit true" cxc_json .error_bit true
mig_check "... experimental_result null" cxc_json .experimental_result null
mig_check "... origin_host/realm of the peer" cxc_json '.origin_host + " " + .origin_realm' "hss.b.test b.test"
mig_check "... session_id made by the client" cxc_json '.session_id | startswith("scscf.b.test;")'
mig_check "... error_message" cxc_json .error_message "No suitable candidate to route the message to"
mig_check "... no items, null identities" cxc_json '[.items, .user_name, .public_identity, .sip_number_auth_items] == [[], null, null, null]'
mig_check "... avps: Result-Code in full" cxc_json \
	'.avps[] | select(.code == 268) == {"name":"Result-Code","code":268,"vendor":0,"flags":"M","value":3002}'
mig_check "... avps: Session-Id first, same as session_id" cxc_json '.avps[0].value == .session_id'
mig_check "... avps: Error-Message without M flag" cxc_json '.avps[] | select(.name == "Error-Message") | .flags == ""'

# What the peer received.
avp() { cxc_rcv_avp "$@"; }
sid=$(jq -r .session_id "$CXC_OUT")
mig_check "the peer received the MAR" cxc_rcv hss Multimedia-Auth-Request
mig_check "request: command 303, application 16777216, R and P bits" sh -c \
	"grep -q 'Command Code: 303' '$CXC_RCV' && grep -q 'ApplicationId: 16777216' '$CXC_RCV' && grep -q 'Flags: 0xC0 (RP--)' '$CXC_RCV'"
mig_check "request: Session-Id of the answer" avp Session-Id -M "\"$sid\""
mig_check "request: VSAI Vendor-Id 10415" avp Vendor-Id -M "10415 "
mig_check "request: VSAI Auth-Application-Id 16777216" avp Auth-Application-Id -M "16777216 "
mig_check "request: Auth-Session-State NO_STATE_MAINTAINED" avp Auth-Session-State -M "'NO_STATE_MAINTAINED' (1 "
mig_check "request: Origin-Host" avp Origin-Host -M '"scscf.b.test"'
mig_check "request: Destination-Realm = the peer's realm" avp Destination-Realm -M '"b.test"'
mig_check "request: User-Name" avp User-Name -M '"alice@a.test"'
mig_check "request: Public-Identity" avp Public-Identity VM '"sip:alice@a.test"'
mig_check "request: SIP-Number-Auth-Items 1" avp SIP-Number-Auth-Items VM "1 "
mig_check "request: scheme Digest-AKAv1-MD5" avp SIP-Authentication-Scheme VM '"Digest-AKAv1-MD5"'
mig_check "request: SIP-Authorization = RAND||AUTS" avp SIP-Authorization VM \
	"<00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D>"
mig_check "request: Server-Name sip:scscf.<own realm>" avp Server-Name VM '"sip:scscf.b.test"'
mig_check "request: no Destination-Host unless asked" cxc_rcv_lacks Destination-Host

# The options, each visible in the next request.
cxc_run scscf --dest-host hss.b.test mar --impi bob@a.test --impu sip:bob@a.test \
	--items 3 --scheme "SIP Digest" --server-name sip:scscf2.b.test:5060 --omit public-identity
mig_check "options: exit 0" cxc_rc_is 0
mig_check "--dest-host: the peer answers 3007 (no Cx handler there)" cxc_json .result_code 3007
mig_check "options: the peer received the MAR" cxc_rcv hss Multimedia-Auth-Request
mig_check "--dest-host: Destination-Host sent" avp Destination-Host -M '"hss.b.test"'
mig_check "--items 3" avp SIP-Number-Auth-Items VM "3 "
mig_check "--scheme" avp SIP-Authentication-Scheme VM '"SIP Digest"'
mig_check "--server-name" avp Server-Name VM '"sip:scscf2.b.test:5060"'
mig_check "no SIP-Authorization without --auts" cxc_rcv_lacks SIP-Authorization
mig_check "--omit public-identity: User-Name still sent" avp User-Name -M '"bob@a.test"'
mig_check "--omit public-identity: no Public-Identity" cxc_rcv_lacks Public-Identity

cxc_run scscf mar --impi carol@a.test --impu sip:carol@a.test --omit user-name
mig_check "--omit user-name: the peer received the MAR" cxc_rcv hss Multimedia-Auth-Request
mig_check "--omit user-name: no User-Name" cxc_rcv_lacks User-Name
mig_check "--omit user-name: Public-Identity still sent" avp Public-Identity VM '"sip:carol@a.test"'

# A realm nobody serves: freeDiameter answers locally, E bit and 3002.
cxc_run scscf --dest-realm nowhere.test mar --impi alice@a.test --impu sip:alice@a.test
mig_check "unroutable realm: exit 0" cxc_rc_is 0
mig_check "... local answer 3002 from the client's own core" cxc_json \
	'[.result_code, .error_bit, .origin_host] == [3002, true, "scscf.b.test"]'
mig_pass
