#!/bin/sh
# The twelve Cx messages, built with the dictionary inside a real
# freeDiameterd (after dict_dcca_3gpp and dict_cx), survive encoding and
# parsing with their values, flags, code and Application-Id, and validate
# against the rules; broken ones (a required AVP missing, a grouped AVP
# without a required member, Session-Id out of its fixed place, an AVP too
# many) are rejected with the right error on the right AVP.
#
# Then the harness itself: a probe told to expect something wrong must
# report FAIL and keep the daemon from starting, or this test could never
# go red.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_messages

dict_probe_run msgs messages
dict_probe_verdict "messages"

echo "== canary: a deliberately wrong expectation must fail"
dict_probe_run canary canary
cat "$DICT_PROBE_RESULT" 2>/dev/null
grep -q '^FAIL canary-' "$DICT_PROBE_RESULT" 2>/dev/null \
	|| mig_fail "the canary case did not report FAIL: the probe cannot fail"
[ "$DICT_PROBE_RC" != 0 ] \
	|| mig_fail "freeDiameterd started although the probe reported a failure"
grep -q 'dict_probe: FAIL canary-' "$(mig_fd_log canary)" \
	|| mig_fail "the canary failure is not in the daemon's log"
echo "ok - the canary failed as it must (daemon exit status $DICT_PROBE_RC)"

mig_pass
