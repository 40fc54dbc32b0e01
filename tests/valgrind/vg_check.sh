#!/bin/sh
# vg_check.sh LOG...: judge the valgrind memcheck logs of freeDiameterd
# (tests/integration/lib.sh writes them with MIG_VALGRIND=1).
#
# Every error and every definite leak that valgrind kept (after
# tests/valgrind/thirdparty.supp) is printed.  One whose stack has a frame
# of ours -- a function mig_*, sipdb_*, dict_cx*, thss_*, or any frame in
# one of our modules (mig_sipdb.fdx, dict_cx.fdx, the test extensions) --
# fails: exit 1.  The others are third-party findings: printed as notes (a
# new one belongs in thirdparty.supp once it is understood), exit 0.
# A log without valgrind's closing ERROR SUMMARY (the daemon was killed)
# fails too: the run proved nothing.
set -u
status=0
for log; do
	awk -v f="$log" '
	# A record: the lines between two empty "==PID== " lines.
	function flush() {
		if (rec != "" && rec ~ /\n==[0-9]+== +(at|by) 0x/ && !summary) {
			if (ours) { bad++; printf "FAIL: valgrind: a finding with our frames in %s:%s\n", f, rec }
			else { other++; printf "# valgrind: third-party finding in %s:%s\n", f, rec }
		}
		rec = ""; ours = 0; summary = 0
	}
	/^==[0-9]+== *$/ { flush(); next }
	/ERROR SUMMARY:/ { done = 1 }
	/(HEAP|LEAK) SUMMARY:/ { summary = 1 }
	{
		rec = rec "\n" $0
		if ($0 ~ /(at|by) 0x[0-9A-F]+: (mig_|sipdb_|dict_cx|thss_|cxc_|mctl_)/ ||
		    $0 ~ /\((in )?[^)]*(mig_sipdb|dict_cx|test_hss|test_scscf|cx_client_sink|dict_probe)\.fdx\)/ ||
		    $0 ~ /\((sipdb|mig|dict_cx|test_hss|test_scscf)[a-z_]*\.c:[0-9]+\)/)
			ours = 1
	}
	END {
		flush()
		if (!done) { printf "FAIL: valgrind: %s has no ERROR SUMMARY (the daemon did not exit normally)\n", f; exit 1 }
		exit bad ? 1 : 0
	}' "$log" || status=1
done
exit "$status"
