#!/bin/sh
# dict_cx declares its dependency on dict_dcca_3gpp: loaded without it,
# freeDiameterd must refuse to start, exit with an error status on its own
# (not hang, not crash) and say why in its log.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init dict_requires_dcca_3gpp

mig_fd_conf alone alone.test.local test.local
mig_fd_ext alone dict_nasreq.fdx
mig_fd_ext alone dict_dcca.fdx
mig_fd_ext alone "$top_builddir/extensions/dict_cx/.libs/dict_cx.fdx"
mig_fd_run alone 20
echo "freeDiameterd exit status: $MIG_RC"

[ "$MIG_RC" != 124 ] || mig_fail "freeDiameterd did not exit within 20 s"
[ "$MIG_RC" != 0 ] || mig_fail "freeDiameterd started without dict_dcca_3gpp"
! mig_rc_is_signal "$MIG_RC" || mig_fail "freeDiameterd died of signal $((MIG_RC - 128))"
grep -F 'extension [dict_cx] depends on [dict_dcca_3gpp] which was not loaded first' \
	"$(mig_fd_log alone)" || mig_fail "the log does not name the missing dependency"
! grep -q 'daemon initialized' "$(mig_fd_log alone)" || mig_fail "the daemon initialized anyway"
mig_pass
