#!/bin/sh
# cx_client against the test HSS (tools/test_hss.fdx): real MAAs come out
# as JSON with every field a test needs.
#   - AKA for alice: result_code 2001, no experimental result, user_name
#     and public_identity echoed, one item with item_number 1, scheme
#     Digest-AKAv1-MD5, authenticate = RAND||AUTN (32 bytes, hex),
#     authorization = XRES (hex), ck and ik (16 bytes, hex), the same
#     values in the AVP tree;
#   - --items 3: three items numbered 1 to 3 with three different RANDs;
#   - SIP Digest for carol: the Digest-HA1 inside the AVP tree (text);
#   - an unknown user: experimental_result {10415, 5001}, result_code null;
#   - --auts with a MAC that cannot verify: result_code 4001;
#   - --omit public-identity: the HSS's freeDiameter answers 5005 with
#     Failed-AVP {Public-Identity}; the answer lacks the VSAI that the Cx
#     ABNF requires, and the client's core passes it on all the same.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_hss_mar
. "$top_srcdir/tests/integration/client_lib.sh"

HSS_FDX=$top_builddir/tests/tools/.libs/test_hss.fdx
[ -f "$HSS_FDX" ] || mig_fail "$HSS_FDX not built (make check builds it)"

cat > "$MIG_TMP/hss.json" <<'JSON'
{ "subscribers": [
    { "impi": "alice@a.test", "impus": ["sip:alice@a.test"],
      "k": "465b5ce8b199b49faa5f0a2ee238a6bc", "op": "cdc202d5123e20f62b6d676ac72cb318",
      "amf": "b9b9", "sqn": "ff9bb4d0b607" },
    { "impi": "carol@a.test", "impus": ["sip:carol@a.test"], "password": "secret" }
  ] }
JSON
cxc_peer hss hss.a.test a.test
mig_fd_ext hss "$HSS_FDX" "$MIG_TMP/hss.json"
cxc_conf scscf scscf.a.test a.test hss
cxc_start hss

alice="--impi alice@a.test --impu sip:alice@a.test"
cxc_run scscf mar $alice
mig_check "AKA MAR: exit 0" cxc_rc_is 0
mig_check "... MAA 2001" cxc_json '[.command, .result_code, .experimental_result] == ["MAA", 2001, null]'
mig_check "... from the HSS" cxc_json .origin_host hss.a.test
mig_check "... identities echoed" cxc_json '[.user_name, .public_identity] == ["alice@a.test", "sip:alice@a.test"]'
mig_check "... SIP-Number-Auth-Items 1" cxc_json .sip_number_auth_items 1
mig_check "... one item, number 1, AKAv1" cxc_json \
	'[(.items | length), .items[0].item_number, .items[0].scheme] == [1, 1, "Digest-AKAv1-MD5"]'
hex() { printf '.items[0].%s | test("^[0-9a-f]{%s}$")' "$1" "$2"; }
mig_check "... authenticate: RAND||AUTN, 32 bytes in hex" cxc_json "$(hex authenticate 64)"
mig_check "... authorization: XRES in hex" cxc_json "$(hex authorization '8,32')"
mig_check "... ck: 16 bytes in hex" cxc_json "$(hex ck 32)"
mig_check "... ik: 16 bytes in hex" cxc_json "$(hex ik 32)"
mig_check "... the tree holds the same CK, hex, flags MV" cxc_json \
	'[.avps[] | select(.name == "SIP-Auth-Data-Item") | .avps[] | select(.name == "Confidentiality-Key")][0] == {"name":"Confidentiality-Key","code":625,"vendor":10415,"flags":"MV","value":.items[0].ck}'
mig_check "... the tree: SIP-Authenticate hex as well" cxc_json \
	'[.avps[] | select(.code == 612) | .avps[] | select(.code == 609) | .value][0] == .items[0].authenticate'

cxc_run scscf mar $alice --items 3
mig_check "--items 3: exit 0" cxc_rc_is 0
mig_check "... three items numbered 1 to 3" cxc_json '[.items[].item_number] == [1, 2, 3]'
mig_check "... three different RANDs" cxc_json '[.items[].authenticate[0:32]] | unique | length == 3'

cxc_run scscf mar --impi carol@a.test --impu sip:carol@a.test --scheme "SIP Digest"
mig_check "Digest MAR: exit 0, 2001" cxc_json .result_code 2001
mig_check "... the scheme in the item" cxc_json '.items[0].scheme' "SIP Digest"
mig_check "... Digest-HA1 in the tree, 32 hex characters as text" cxc_json \
	'[.. | objects | select(.name? == "Digest-HA1") | .value | test("^[0-9a-f]{32}$")] == [true]'

cxc_run scscf mar --impi nobody@a.test --impu sip:nobody@a.test
mig_check "unknown user: exit 0" cxc_rc_is 0
mig_check "... experimental result 5001 of 3GPP, no result code" cxc_json \
	'[.result_code, .experimental_result] == [null, {"vendor_id": 10415, "code": 5001}]'
mig_check "... no items" cxc_json '.items == []'

cxc_run scscf mar $alice --auts 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
mig_check "--auts whose MAC fails: exit 0" cxc_rc_is 0
mig_check "... 4001 DIAMETER_AUTHENTICATION_REJECTED" cxc_json .result_code 4001

cxc_run scscf mar $alice --omit public-identity
mig_check "--omit public-identity: exit 0" cxc_rc_is 0
mig_check "... 5005 DIAMETER_MISSING_AVP" cxc_json .result_code 5005
mig_check "... Failed-AVP names Public-Identity" cxc_json \
	'[.avps[] | select(.name == "Failed-AVP") | .avps[].name] == ["Public-Identity"]'
mig_pass
