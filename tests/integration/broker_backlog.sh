#!/bin/sh
# max_backlog_kb (sipdb_backlog.c): what a peer's socket reader may read
# ahead of the broker is bounded, and past the bound TCP holds the peer back
# instead of the broker's memory.
#
# To make A fall behind a peer, A is stopped (SIGSTOP) for BACKLOG_PAUSE_S
# seconds while partner c.test's client pipelines BACKLOG_N MARs at once:
# the MARs fill the socket's buffers, and A, running again, reads them far
# faster than it handles them.  freeDiameter 1.2.1 reads everything into
# the peer's event queue, which has no bound; with max_backlog_kb the
# reader stops.  A measures its own backlog and says, at exit, how far any
# reader got ahead.  Each phase runs a fresh A:
#   - a bound out of reach (1 GiB): A's reader gets over 512 KiB ahead (the
#     scenario really builds a backlog) and never pauses;
#   - max_backlog_kb 256: A logs that it paused reading from sipdb.c.test,
#     and no reader got further ahead than the bound and a message or two;
#     migctl stats counts the pauses (none in the first phase);
#   - in both, every MAR is answered (2001, or 3004 past max_inflight),
#     none lost or timed out: holding a peer back loses nothing.
# (A's resident size is no measure here: the kernel's socket buffers and
# the client's own queues hold most of the flood, and the heap's growth
# under such a burst hides the few MiB of the queue.)
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_backlog
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/broker_overload_lib.sh"

BACKLOG_N=${BACKLOG_N:-20000}
BACKLOG_PAUSE_S=${BACKLOG_PAUSE_S:-2}

mb_setup true
mb_start
mb_allocate alice
ov_binding_c

# A stopped (SIGSTOP) for $1 s while the flood starts: the client's MARs
# fill the socket's buffers, which A, once it runs again, reads far faster
# than it can handle them.
pause_a()
{
	kill -STOP "$(mig__get brka pid)"
	(sleep "$1"; kill -CONT "$(mig__get brka pid)") &
	pause_pid=$!
}

# phase KB: a fresh A with max_backlog_kb KB (and max_queue_ms 0: nothing
# is refused for having waited), stopped while the flood starts; then A is
# stopped and its closing line read: PEAK_KB, the largest backlog of a
# connection.
phase()
{
	ov_conf "{ \"max_backlog_kb\": $1, \"max_queue_ms\": 0 }"
	mig_fd_stop brka 20
	mig_fd_start brka
	mig_fd_wait_ready brka || mig_fail "A did not restart"
	mig_fd_wait_open brka hss.a.test || mig_fail "A never connected to its HSS"
	mar_c 20 4
	cxc_json .result_codes.\"2001\" 20 || { cxc_show; mig_fail "A does not serve c.test"; }
	pause_a "$BACKLOG_PAUSE_S"
	mar_c "$BACKLOG_N" "$BACKLOG_N" --timeout 60000
	wait "$pause_pid"
	cp "$CXC_OUT" "$MIG_TMP/flood.$1.out"
	mig_fd_stop brka 20
	PEAK_KB=$(sed -n 's/.*the largest backlog of a connection was \([0-9]*\) KiB.*/\1/p' "$(mig_fd_log brka)")
	[ -n "$PEAK_KB" ] || mig_fail "A did not say how far its readers got ahead"
	echo "# max_backlog_kb $1: largest backlog $PEAK_KB KiB; $(jq -c .result_codes "$CXC_OUT")"
}

# Every MAR of the flood answered, 2001 or (past max_inflight) 3004.
all_answered()
{
	jq -e "[.answered, (.result_codes.\"2001\" // 0) + (.result_codes.\"3004\" // 0), .expired, .lost]
	       == [$BACKLOG_N, $BACKLOG_N, 0, 0] and .result_codes.\"2001\" > 0" "$1"
}

phase $((1024 * 1024))
mig_check "a bound out of reach: every MAR answered" all_answered "$MIG_TMP/flood.1048576.out"
mig_check "... the broker never paused reading" sh -c "! grep -q 'reading from it paused' '$(mig_fd_log brka)'"
mig_check "... and A read far ahead (over twice 256 KiB)" test "$PEAK_KB" -gt 512
stats_paused() { "$top_builddir/src/migctl/migctl" --db "$MIG_TMP/brka.db" --json stats | jq -e "$1" >/dev/null; }
mig_check "... migctl stats: no pause counted" stats_paused '.reading.paused == 0'
UNBOUNDED=$PEAK_KB

phase 256
mig_check "max_backlog_kb 256: every MAR answered" all_answered "$MIG_TMP/flood.256.out"
mig_check "A logged that it paused reading from c.test, at the bound" \
	grep -q 'sipdb.c.test is 2[0-9][0-9] KiB ahead of the broker (max_backlog_kb 256): reading from it paused' \
	"$(mig_fd_log brka)"
mig_check "no connection got further ahead than the bound and a message or two" test "$PEAK_KB" -le 258
mig_check "migctl stats counts the pauses" stats_paused '.reading.paused > 0'
echo "# largest backlog: $UNBOUNDED KiB without a bound, $PEAK_KB KiB with 256"
mig_pass
