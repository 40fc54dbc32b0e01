#!/bin/sh
# dict_cx defines the Cx AVPs exactly as 1.2.1's dict_dcca_3gpp does, so
# the order does not matter: loaded before dict_dcca_3gpp (which then finds
# identical objects, which freeDiameter accepts), the daemon starts, dict_cx
# defined the Cx AVPs itself, and the dictionary still passes the spec
# check with the reviewed ABNF.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_load_order

mig_fd_conf early early.test.local test.local
mig_fd_ext early dict_nasreq.fdx
mig_fd_ext early dict_dcca.fdx
MIG_CX_DICT=alone # this test places the chain itself
dict_probe_load early spec,rules
# dict_dcca_3gpp goes after dict_cx, before the probe.
sed -i '/dict_probe\.fdx/i LoadExtension = "'"$FD_SYSEXTDIR"'/dict_dcca_3gpp.fdx";' "$MIG_TMP/early.conf"
grep -n 'LoadExtension' "$MIG_TMP/early.conf"
mig_fd_start early
if mig_fd_wait_ready early; then
	mig_fd_stop early
fi
DICT_PROBE_RC=$MIG_RC
dict_probe_verdict "spec with dict_dcca_3gpp after dict_cx"

log=$(mig_fd_log early)
grep 'dict_cx: .* ready' "$log" || mig_fail "dict_cx did not load"
case $(grep 'dict_cx: .* ready' "$log") in
*"AVPs 0 added"*) mig_fail "dict_cx found the Cx AVPs already there: it did not load first" ;;
esac
diff -u "$top_srcdir/tests/integration/dict_cx_rules.expected" "$DICT_PROBE_RULES" \
	|| mig_fail "the ABNF differs from dict_cx_rules.expected"
echo "ok - dict_cx first, dict_dcca_3gpp after: the daemon starts and the dictionary is the same"
mig_pass
