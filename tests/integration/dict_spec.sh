#!/bin/sh
# The dictionary freeDiameterd ends up with -- dict_cx alone, and dict_cx
# after the stock chain up to dict_dcca_3gpp -- against TS 29.229 table 6.3.1 and the RFCs of the base AVPs: code, name,
# base type, M and V rules of every AVP the Cx commands carry, and the
# application and flags of the twelve commands.  Then the ABNF the
# dictionary enforces, rule by rule, against the reviewed copy in
# dict_cx_rules.expected: a rule changed by mistake (or a newer
# dict_dcca_3gpp that brings rules of its own) shows up as a diff.
#
# Both ways must give the same rules.  To accept an intended change: review
# the diff against TS 29.229 clause 6, then copy
# tests/tmp/dict_spec/specalone.rules over dict_cx_rules.expected (run
# with MIG_KEEP_TMP=1 to keep it).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_spec

expected=$top_srcdir/tests/integration/dict_cx_rules.expected
for mode in alone chain; do
	MIG_CX_DICT=$mode dict_probe_run "spec$mode" spec,rules
	dict_probe_verdict "spec ($mode)"
	[ -f "$DICT_PROBE_RULES" ] || mig_fail "$mode: the probe wrote no rules file"
	if ! diff -u "$expected" "$DICT_PROBE_RULES"; then
		mig_fail "$mode: the dictionary's ABNF differs from dict_cx_rules.expected (diff above)"
	fi
	echo "ok - $mode: $(grep -vc '^#' "$DICT_PROBE_RULES") rules as in dict_cx_rules.expected"
done
mig_pass
