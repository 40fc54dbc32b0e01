#!/bin/sh
# Our Cx dictionary against Wireshark's, an independent reference
# (/usr/share/wireshark/diameter/TGPP.xml, Debian package libwireshark-data):
# every AVP of its application 16777216 block must have the same code,
# name, base type, M and V rules in freeDiameterd's dictionary, and every
# member Wireshark lists for a grouped AVP must have a rule.  Where
# Wireshark and TS 29.229 disagree, the difference is a KNOWN line (listed
# in doc/dictionary.md); any other difference fails.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_wireshark

: "${DICT_PROBE_TGPP_XML:=/usr/share/wireshark/diameter/TGPP.xml}"
[ -r "$DICT_PROBE_TGPP_XML" ] \
	|| mig_skip "$DICT_PROBE_TGPP_XML missing (install the Debian package libwireshark-data)"

dict_probe_run ws wireshark
dict_probe_verdict "wireshark"
echo "== $(grep -c '^KNOWN ' "$DICT_PROBE_RESULT") known differences with Wireshark's dictionary (doc/dictionary.md)"
mig_pass
