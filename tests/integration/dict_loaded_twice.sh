#!/bin/sh
# dict_cx adds only what is missing: loaded a second time (a copy of the
# .fdx, since freeDiameterd refuses the same file twice), it finds every
# AVP, rule and command already there, identical, and adds nothing -- the
# situation of a future dict_dcca_3gpp that defines part of Cx itself.
# The dictionary then still passes the spec check, and its ABNF still has
# each rule once (compared with dict_cx_rules.expected).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_loaded_twice

cp "$top_builddir/extensions/dict_cx/.libs/dict_cx.fdx" "$MIG_TMP/dict_cx_again.fdx" || exit 99
mig_fd_conf twice twice.test.local test.local
dict_probe_load twice spec,rules
# The copy goes right after dict_cx, before the probe.
sed -i '/dict_probe\.fdx/i LoadExtension = "'"$MIG_TMP"'/dict_cx_again.fdx";' "$MIG_TMP/twice.conf"
mig_fd_start twice
if mig_fd_wait_ready twice; then
	mig_fd_stop twice
fi
DICT_PROBE_RC=$MIG_RC
dict_probe_verdict "spec after a second load"

log=$(mig_fd_log twice)
grep 'dict_cx: .* ready' "$log"
[ "$(grep -c 'dict_cx: .* ready' "$log")" = 2 ] || mig_fail "dict_cx did not load twice"
second=$(grep 'dict_cx: .* ready' "$log" | tail -n 1)
case $second in
*"AVPs 0 added, "*"0 differ; rules 0 added, "*"0 differ; commands 0 added"*) ;;
*) mig_fail "the second load added or changed something" ;;
esac
grep -q "already has the rule\|already defined as" "$log" && mig_fail "the second load found differences"
diff -u "$top_srcdir/tests/integration/dict_cx_rules.expected" "$DICT_PROBE_RULES" \
	|| mig_fail "the ABNF changed after the second load"
echo "ok - the second load added nothing and every rule is there once"
mig_pass
