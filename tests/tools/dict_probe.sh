# dict_probe.sh: run tests/tools/dict_probe.fdx inside a real freeDiameterd
# and judge its result file.  Sourced by the dict_*.sh tests, after lib.sh
# and mig_test_init.
#
#   dict_probe_load NAME CHECKS [LINE...]
#                                add dict_probe.fdx, after dict_cx (see
#                                mig_fd_load_cx_dict), to the configuration of
#                                instance NAME (made with mig_fd_conf), with
#                                a probe configuration running CHECKS (see
#                                dict_probe.h) plus the extra LINEs; sets
#                                DICT_PROBE_RESULT and DICT_PROBE_RULES
#   dict_probe_run NAME CHECKS   make an instance NAME with the probe, start
#                                it, wait for it to be ready or to exit, stop
#                                it; DICT_PROBE_RC is the daemon's exit
#                                status (the probe makes the start fail when
#                                a case fails)
#   dict_probe_verdict WHAT      print the result file, then fail the test
#                                unless it is complete, has no FAIL line and
#                                the daemon started and stopped cleanly

dict_probe_load()
{
	dpr__name=$1
	dpr__checks=$2
	shift 2
	DICT_PROBE_RESULT=$MIG_TMP/$dpr__name.result
	DICT_PROBE_RULES=$MIG_TMP/$dpr__name.rules
	mig_fd_load_cx_dict "$dpr__name"
	{
		echo "result = $DICT_PROBE_RESULT"
		echo "checks = $dpr__checks"
		echo "rules = $DICT_PROBE_RULES"
		echo "tgpp_xml = ${DICT_PROBE_TGPP_XML:-/usr/share/wireshark/diameter/TGPP.xml}"
		for dpr__line; do
			echo "$dpr__line"
		done
	} > "$MIG_TMP/$dpr__name.probe.conf"
	mig_fd_ext "$dpr__name" "$top_builddir/tests/tools/.libs/dict_probe.fdx" \
		"$MIG_TMP/$dpr__name.probe.conf"
}

dict_probe_run()
{
	mig_fd_conf "$1" "$1.test.local" test.local
	dict_probe_load "$1" "$2"
	mig_fd_start "$1"
	if mig_fd_wait_ready "$1"; then
		mig_fd_stop "$1"
	fi
	DICT_PROBE_RC=$MIG_RC
}

dict_probe_verdict()
{
	[ -f "$DICT_PROBE_RESULT" ] || mig_fail "$1: the probe wrote no result file"
	cat "$DICT_PROBE_RESULT"
	grep -q '^DONE ' "$DICT_PROBE_RESULT" || mig_fail "$1: the result file is incomplete"
	if grep -q '^FAIL ' "$DICT_PROBE_RESULT"; then
		echo "== failed cases:"
		grep '^FAIL ' "$DICT_PROBE_RESULT"
		mig_fail "$1: $(grep -c '^FAIL ' "$DICT_PROBE_RESULT") case(s) failed"
	fi
	grep -q '^PASS ' "$DICT_PROBE_RESULT" || mig_fail "$1: no case passed"
	[ "$DICT_PROBE_RC" = 0 ] || mig_fail "$1: freeDiameterd exited with status $DICT_PROBE_RC"
}
