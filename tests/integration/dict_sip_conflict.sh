#!/bin/sh
# dict_sip (RFC 4740) names its commands 283-288 exactly as TS 29.229 names
# the Cx commands 300-305, and freeDiameter's command names are global, so
# the two dictionaries cannot share a daemon.  Whatever the order, the
# daemon must refuse to start cleanly: exit on its own with an error
# status, no crash, and a log line that says what clashes.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init dict_sip_conflict

dict_cx=$top_builddir/extensions/dict_cx/.libs/dict_cx.fdx

# A start-up that must fail on its own: no timeout, no signal, not ready.
refused()
{
	mig_fd_run "$1" 20
	echo "$1: freeDiameterd exit status $MIG_RC"
	[ "$MIG_RC" != 124 ] || mig_fail "$1: freeDiameterd did not exit within 20 s"
	[ "$MIG_RC" != 0 ] || mig_fail "$1: freeDiameterd started with both dictionaries"
	! mig_rc_is_signal "$MIG_RC" || mig_fail "$1: freeDiameterd died of signal $((MIG_RC - 128))"
	! grep -q 'daemon initialized' "$(mig_fd_log "$1")" || mig_fail "$1: the daemon initialized"
}

echo "== dict_sip first: dict_cx refuses and says why"
mig_fd_conf sipfirst sipfirst.test.local test.local
mig_fd_load_cx_dict sipfirst
# Put dict_sip before dict_cx (the last line of the chain).
sed -i '/dict_cx\.fdx/i LoadExtension = "'"$FD_SYSEXTDIR"'/dict_sip.fdx";' "$MIG_TMP/sipfirst.conf"
refused sipfirst
grep -E "dict_cx: command '[A-Za-z-]+' is already defined with code 28[3-8] \(RFC 4740, dict_sip\)" \
	"$(mig_fd_log sipfirst)" || mig_fail "sipfirst: no clear log line from dict_cx"
grep -q 'dict_cx: rules' "$(mig_fd_log sipfirst)" && mig_fail "sipfirst: dict_cx went on after the clash"

echo "== dict_sip after dict_cx: dict_sip fails to load"
mig_fd_conf sipafter sipafter.test.local test.local
mig_fd_load_cx_dict sipafter
mig_fd_ext sipafter dict_sip.fdx
refused sipafter
grep 'dict_cx: Cx/Dx application 16777216 ready' "$(mig_fd_log sipafter)" \
	|| mig_fail "sipafter: dict_cx did not load first"
grep -E 'dict_sip.* returned an error during initialization' "$(mig_fd_log sipafter)" \
	|| mig_fail "sipafter: the log does not say that dict_sip failed"

echo "== dict_sip alone with the dictionary chain still loads (the clash is dict_cx's)"
mig_fd_conf siponly siponly.test.local test.local
mig_fd_ext siponly dict_nasreq.fdx
mig_fd_ext siponly dict_dcca.fdx
mig_fd_ext siponly dict_dcca_3gpp.fdx
mig_fd_ext siponly dict_sip.fdx
mig_fd_start siponly
mig_fd_wait_ready siponly || mig_fail "siponly: freeDiameterd did not start"
mig_fd_stop siponly || mig_fail "siponly: freeDiameterd exited with status $MIG_RC"
mig_pass
