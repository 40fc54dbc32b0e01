#!/bin/sh
# cx_client sar against the test HSS (tools/test_hss.fdx): the SAA of a
# registration carries the subscriber's profile (one PublicIdentity per
# IMPU) and Charging-Information; a de-registration or data already there,
# none; an unknown user is 5001, an IMPU not the user's 5002; a user named
# by Public-Identity only is found; the HSS remembers the Server-Name; and
# "user_data" hands out a profile as it is.  The client's uar and lir reach
# the HSS too (which has no handler for them and says so with an error).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_hss_sar
. "$top_srcdir/tests/integration/client_lib.sh"

HSS_FDX=$top_builddir/tests/tools/.libs/test_hss.fdx
[ -f "$HSS_FDX" ] || mig_fail "$HSS_FDX not built (make check builds it)"

cat > "$MIG_TMP/hss.json" <<'JSON'
{ "subscribers": [
    { "impi": "alice@a.test", "impus": ["sip:alice@a.test", "tel:+4912345"],
      "password": "secret" },
    { "impi": "carol@a.test", "impus": ["sip:carol@a.test"], "password": "secret",
      "user_data": "<IMSSubscription><PrivateID>carol@a.test</PrivateID></IMSSubscription>" } ],
  "ccf": "aaa://ccf.a.test" }
JSON
cxc_peer hss hss.a.test a.test
mig_fd_ext hss "$HSS_FDX" "$MIG_TMP/hss.json"
cxc_conf scscf scscf.a.test a.test hss
cxc_start hss

data() { jq -r '.user_data // ""' "$CXC_OUT"; }
data_has() { data | grep -qF -- "$1"; }
exp_is() { cxc_json '.experimental_result | "\(.vendor_id)/\(.code)"' "10415/$1"; }

cxc_run scscf sar --impi alice@a.test --impu sip:alice@a.test --server-name sip:scscf1.a.test
mig_check "registration SAR: SAA 2001" cxc_json '[.command, .result_code] == ["SAA", 2001]'
mig_check "... User-Name" cxc_json .user_name alice@a.test
mig_check "... User-Data: an IMSSubscription with her PrivateID" \
	data_has "<IMSSubscription><PrivateID>alice@a.test</PrivateID><ServiceProfile>"
mig_check "... a PublicIdentity per IMPU" \
	data_has "<PublicIdentity><Identity>sip:alice@a.test</Identity></PublicIdentity><PublicIdentity><Identity>tel:+4912345</Identity></PublicIdentity>"
mig_check "... Charging-Information with the CCF" \
	cxc_json '[.avps[] | select(.name == "Charging-Information") | .avps[].value] | index("aaa://ccf.a.test") != null'
mig_check "the HSS stored the Server-Name and who asked" \
	grep -q "SAA user=alice@a.test .*server=sip:scscf1.a.test from=scscf.a.test" "$(mig_fd_log hss)"

cxc_run scscf sar --omit user-name --impu tel:+4912345
mig_check "SAR by Public-Identity only: 2001, the user found" \
	cxc_json '.result_code == 2001 and .user_name == "alice@a.test"'
cxc_run scscf sar --impi alice@a.test --impu sip:alice@a.test --type 2 --data-available 1
mig_check "re-registration with the data already there: no User-Data" \
	cxc_json '.result_code == 2001 and .user_data == null'
cxc_run scscf sar --impi alice@a.test --impu sip:alice@a.test --type 5
mig_check "USER_DEREGISTRATION: 2001, no User-Data" cxc_json '.result_code == 2001 and .user_data == null'
cxc_run scscf sar --impi nobody@a.test --impu sip:nobody@a.test
mig_check "unknown user: 10415/5001" exp_is 5001
cxc_run scscf sar --impi alice@a.test --impu sip:alice@a.test --impu sip:mallory@a.test
mig_check "an IMPU that is not hers: 10415/5002" exp_is 5002
cxc_run scscf sar --impi carol@a.test --impu sip:carol@a.test
mig_check "\"user_data\" is handed out as it is" \
	cxc_json .user_data "<IMSSubscription><PrivateID>carol@a.test</PrivateID></IMSSubscription>"

cxc_run scscf uar --impi alice@a.test --impu sip:alice@a.test --type 2
mig_check "uar: a UAA comes back (the HSS has no UAR: an error)" \
	cxc_json '.command == "UAA" and .result_code >= 3000'
cxc_run scscf lir --impu sip:alice@a.test
mig_check "lir: a LIA comes back (an error too)" cxc_json '.command == "LIA" and .result_code >= 3000'
mig_pass
