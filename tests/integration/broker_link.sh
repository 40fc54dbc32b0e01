#!/bin/sh
# Link failure (TR 23.781 key issue 2.10).  MARs stream through B's broker
# to A's (load: cx_client --count, 8 in flight) while the far side fails:
#
#   1. A's broker stops mid-load (the link closes): every MAR is answered,
#      2001 before and 3002 DIAMETER_UNABLE_TO_DELIVER after, none later
#      than B's deadline (2 s) plus a margin; B logs why; no forwarded
#      context outlives the deadline; A back, MARs succeed again within a
#      bound, without anyone touching B.
#   2. A's broker hangs (SIGSTOP: a black hole, nothing closes): the MARs
#      in flight are answered 3002 at B's deadline, the same checks.
#   3. A's HSS stops mid-load: A answers B 3002 at once, B passes it on;
#      A back with its HSS within a bound.
#   4. A's HSS hangs (SIGSTOP): A answers 3002 at its deadline; the same
#      checks, and recovery after SIGCONT.
#
# The brokers reconnect after TcTimer = 2 s (broker_lib.sh) and watch their
# links with TwTimer = 6 s (the least freeDiameter 1.2.1 takes), so that a
# hung peer is noticed within 6-12 s.  Figures (latencies, recovery times)
# are printed as "# figure: ..." lines for doc/RELIABILITY.md.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_link
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MB_TIMEOUT_MS=2000
DEADLINE_MS=$MB_TIMEOUT_MS
MARGIN_MS=1500 # a busy 2-core machine: freeDiameter's timer thread, our reaper (200 ms)
RECOVER_S=20   # bound on recovery: TcTimer 2 s, with room for a busy machine
mb_setup true
for d in brka brkb; do mig_fd_conf_add $d "TwTimer = 6;"; done
mb_start
mb_allocate

LOAD=$MIG_TMP/load.out
mar_once() { cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"; }
# N: N MARs through B in the background, 8 in flight (stderr apart: the
# client may report freeDiameter's shutdown abort there)
load_start()
{
	timeout -k 5 120 "$CXC_CLIENT" -c "$MIG_TMP/scscfb.conf" --log "$MIG_TMP/load.log" \
		--timeout 10000 --count "$1" --inflight 8 --dest-host sipdb.b.test \
		mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" >"$LOAD" 2>"$MIG_TMP/load.err" &
	load_pid=$!
}
load_wait() { wait "$load_pid"; }
load_json() { jq -e "$1" "$LOAD" >/dev/null || { echo "# load: $(jq -c '{answered, expired, lost, result_codes, latency_ms}' "$LOAD" 2>/dev/null || cat "$LOAD")"; return 1; }; }
load_figure() { echo "# figure: $1: $(jq -c '{count, answered, expired, result_codes, latency_ms}' "$LOAD")"; }
# Wait until the load flows: 100 more vectors made by A's HSS (it logs
# each MAA) than before.
maa_count() { grep -c 'test_hss: MAA ' "$(mig_fd_log hssa)"; }
load_flowing()
{
	flow__n=$(($(maa_count) + 100))
	mig_wait_for 30 sh -c "[ \$(grep -c 'test_hss: MAA ' '$(mig_fd_log hssa)') -ge $flow__n ]" \
		|| echo "# the load did not start flowing"
}
# The last pending-context line of NAME says 0 unanswered (and none kept).
drained()
{
	grep 'forwarded requests pending' "$(mig_fd_log "$1")" | tail -n 1 \
		| grep -q ': 0 unanswered, 0 answered but not yet released'
}
# WHAT T0: the wall time in ms from T0 until a MAR through B succeeds
# again, in REC_MS (0: not within RECOVER_S)
recover_ms()
{
	rec__t0=$2
	rec__left=$((RECOVER_S * 2))
	rec__seen= # what the MARs before got: code/ms ...
	while [ "$rec__left" -gt 0 ]; do
		cxc_run scscfb --timeout 5000 --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" >/dev/null
		rec__code=$(jq -r '.result_code // .experimental_result.code // "none"' "$CXC_OUT" 2>/dev/null)
		if [ "$rec__code" = 2001 ]; then
			REC_MS=$(($(cxc__ms) - rec__t0))
			echo "# figure: $1: MARs succeed again $REC_MS ms later (before: ${rec__seen:-none})"
			return 0
		fi
		rec__seen="$rec__seen $rec__code/${CXC_MS}ms"
		sleep 0.5
		rec__left=$((rec__left - 1))
	done
	REC_MS=0
	return 1
}
# the load's answers: only these codes, and none later than the deadline
load_checks()
{
	mig_check "$1: every MAR of the load answered (none lost at the client)" \
		load_json '.answered == .count and .expired == 0 and .lost == 0'
	mig_check "... only 2001 and 3002 DIAMETER_UNABLE_TO_DELIVER" \
		load_json '(.result_codes | keys - ["2001", "3002"]) == [] and .result_codes["3002"] > 0'
	mig_check "... none later than the deadline (${DEADLINE_MS} ms) + ${MARGIN_MS} ms" \
		load_json ".latency_ms.max <= $((DEADLINE_MS + MARGIN_MS))"
}

# 0. The link works: a baseline.
load_start 200
load_wait
mig_check "baseline: 200 MARs through B, all 2001" load_json '.result_codes == {"2001": 200}'
load_figure "baseline, 200 MARs"

# 1. A's broker stops mid-load.
load_start 3000
load_flowing
mig_fd_stop brka
stop_ms=$(cxc__ms)
load_wait
load_figure "A's broker stopped mid-load, 3000 MARs"
load_checks "A's broker stopped mid-load"
mig_check "... some MARs were answered 2001 before" load_json '.result_codes["2001"] > 0'
mig_check "... B logs that A is unreachable" \
	mig_fd_wait_log brkb "MAR brokered to the primary system: .*3002" 5
mig_check "... B keeps no forwarded request past the deadline" \
	mig_wait_for $(((DEADLINE_MS + 2999) / 1000 + 2)) drained brkb
mar_once
mig_check "... with A down, a single MAR gets 3002 at once (< 1 s)" \
	sh -c "jq -e '.result_code == 3002' '$CXC_OUT' >/dev/null" && cxc_took 0 999
t0=$(cxc__ms)
mig_fd_start brka
mig_fd_wait_ready brka || mig_fail "brka did not restart"
recover_ms "A's broker restarted (from its start)" "$t0"
mig_check "A back: MARs through B succeed again within $RECOVER_S s" test "$REC_MS" -gt 0
load_start 200
load_wait
mig_check "... and a load of 200 is all 2001 again" load_json '.result_codes == {"2001": 200}'
echo "# figure: A's broker was down $(( $(cxc__ms) - stop_ms )) ms in all"

# 2. A's broker hangs: nothing closes, nothing answers.
load_start 3000
load_flowing
apid=$(cat "$MIG_TMP/brka.pid")
mark=$(mig_fd_log_mark brkb) # case 1 may have logged the same line
kill -STOP "$apid"
load_wait
load_figure "A's broker hung (SIGSTOP) mid-load, 3000 MARs"
load_checks "A's broker hung mid-load"
mig_check "... B answered 3002 at its deadline for those in flight" \
	load_json ".latency_ms.max >= $((DEADLINE_MS - 100))"
mig_check "... B says the deadline passed" \
	mig_fd_wait_log brkb "MAR brokered to the primary system: no answer before the deadline" 5 "$mark"
mig_check "... B keeps no forwarded request past the deadline" \
	mig_wait_for $(((DEADLINE_MS + 2999) / 1000 + 2)) drained brkb
kill -CONT "$apid"
recover_ms "A's broker resumed (SIGCONT)" "$(cxc__ms)"
mig_check "A resumed: MARs through B succeed again within $RECOVER_S s" test "$REC_MS" -gt 0

# 3. A's HSS stops mid-load: A answers at once, B passes the answer on.
load_start 3000
load_flowing
mig_fd_stop hssa
load_wait
load_figure "A's HSS stopped mid-load, 3000 MARs"
load_checks "A's HSS stopped mid-load"
mig_check "... A logs that its HSS is unreachable" \
	mig_fd_wait_log brka "MAR for a migrated user, to the local HSS: .*3002" 5
mig_check "... A keeps no forwarded request past the deadline" mig_wait_for 6 drained brka
mig_check "... nor does B" mig_wait_for 6 drained brkb
t0=$(cxc__ms)
mig_fd_start hssa
mig_fd_wait_ready hssa || mig_fail "hssa did not restart"
recover_ms "A's HSS restarted (from its start)" "$t0"
mig_check "A's HSS back: MARs through B succeed again within $RECOVER_S s" test "$REC_MS" -gt 0

# 4. A's HSS hangs: A answers 3002 at its deadline (the same as B's here:
# whichever deadline fires first answers the S-CSCF, 3002 either way).
load_start 3000
load_flowing
hpid=$(cat "$MIG_TMP/hssa.pid")
mark=$(mig_fd_log_mark brka) # case 3 may have logged the same line
kill -STOP "$hpid"
load_wait
load_figure "A's HSS hung (SIGSTOP) mid-load, 3000 MARs"
load_checks "A's HSS hung mid-load"
mig_check "... A says its HSS did not answer by the deadline" \
	mig_fd_wait_log brka "MAR for a migrated user, to the local HSS: no answer before the deadline" 5 "$mark"
mig_check "... A keeps no forwarded request past the deadline" mig_wait_for 6 drained brka
mig_check "... nor does B" mig_wait_for 6 drained brkb
kill -CONT "$hpid"
recover_ms "A's HSS resumed (SIGCONT)" "$(cxc__ms)"
mig_check "A's HSS resumed: MARs through B succeed again within $RECOVER_S s" test "$REC_MS" -gt 0

for d in brkb brka; do
	mig_fd_stop $d
	mig_check "broker $d stopped cleanly" test "$MIG_RC" = 0
done
mig_pass
