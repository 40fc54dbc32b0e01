#!/bin/sh
# The dictionary freeDiameterd ends up with (dict_dcca_3gpp + dict_cx)
# against TS 29.229 table 6.3.1 and the RFCs of the base AVPs: code, name,
# base type, M and V rules of every AVP the Cx commands carry, and the
# application and flags of the twelve commands.  Then the ABNF the
# dictionary enforces, rule by rule, against the reviewed copy in
# dict_cx_rules.expected: a rule changed by mistake (or a newer
# dict_dcca_3gpp that brings rules of its own) shows up as a diff.
#
# To accept an intended change: review the diff against TS 29.229 clause 6,
# then copy tests/tmp/dict_spec/spec.rules over dict_cx_rules.expected
# (run with MIG_KEEP_TMP=1 to keep it).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_spec

dict_probe_run spec spec,rules
dict_probe_verdict "spec"

expected=$top_srcdir/tests/integration/dict_cx_rules.expected
[ -f "$DICT_PROBE_RULES" ] || mig_fail "the probe wrote no rules file"
if ! diff -u "$expected" "$DICT_PROBE_RULES"; then
	mig_fail "the dictionary's ABNF differs from dict_cx_rules.expected (diff above)"
fi
echo "ok - $(grep -vc '^#' "$DICT_PROBE_RULES") rules as in dict_cx_rules.expected"
mig_pass
