#!/bin/sh
# bench_overload.sh: what the broker does at twice the load it can serve
# (`make bench-overload'; not part of make check).  POSIX sh, on loopback.
#
#   BENCH_OVERLOAD_VIA=a:  partc (sipdb.c.test, cx_client) --> brka --> hssa
#   BENCH_OVERLOAD_VIA=ad: the same, partc running overload control
#   BENCH_OVERLOAD_VIA=b:  scscfb (cx_client) --> brkb ==TLS==> brka --> hssa
#
# Via a, c.test is one of A's partners with a binding for alice, and does
# not run overload control (RFC 7683): A alone defends itself, with 3004s.
# Via ad, c.test's client does (cx_client --doic, as a Rel-13 client
# would): it leaves unsent the share A's reports ask it to abate.
# Via b, the S-CSCF of partner system b.test sends MARs for alice's inbound
# identity to B, which brokers them to A (TR 23.781 solution 2); B and A
# run overload control: A reports its overload in its answers to B, and B
# answers the share A asks for with 3004 itself, instead of sending it.
# Every request is a MAR for alice, which A brokers to its HSS (Milenage
# per vector).  Each round, alternating:
#
#   unloaded  cx_client --count N --inflight BENCH_OVERLOAD_INFLIGHT: the
#             maximum A serves (every answer must be 2001); N is calibrated
#             so that the phase lasts about BENCH_OVERLOAD_SECS;
#   2x        cx_client --rate 2*max --count 2*max*SECS --inflight 4000:
#             twice that maximum offered, open loop; A bounds what it has
#             in flight (max_inflight BENCH_OVERLOAD_MAX_INFLIGHT) and how
#             long a request may have waited for it (max_queue_ms), and
#             answers the rest 3004.  Every request must be answered 2001
#             or 3004 (or, via ad, left unsent), none lost.  A pause of
#             BENCH_OVERLOAD_PAUSE seconds follows, for A's report to end
#             before the next unloaded phase.
#
# Per round: the admitted (2001) throughput at 2x over the unloaded maximum,
# the 3004 rate, the rate of requests left unsent (via ad), the latency of 3004 answers (median, p99), what the client
# really offered, A's CPU time per served MAR (unloaded phase), what a 3004
# costs A relative to that (from A's CPU time in the 2x phase, less its
# 2001s at the unloaded cost), and A's resident size; per round and path.
# The report gives the median over rounds per path, and A's peak resident
# size (VmHWM) over the whole run.
#
# Environment (defaults in brackets):
#   BENCH_OVERLOAD_VIA           the paths measured, in each round, side by
#                                side: a list of a, ad, b ["a ad b"]
#   BENCH_OVERLOAD_PAUSE         seconds after each 2x phase: A's report
#                                must be over before the next unloaded
#                                phase [10]
#   BENCH_OVERLOAD_ROUNDS        rounds [3]
#   BENCH_OVERLOAD_SECS          seconds per phase [5]
#   BENCH_OVERLOAD_INFLIGHT      client window of the unloaded phase [48]
#   BENCH_OVERLOAD_MAX_INFLIGHT  A's max_inflight [64]
#   BENCH_OVERLOAD_MAX_QUEUE_MS  A's max_queue_ms [200, the default]
#   BENCH_OVERLOAD_MAX_BACKLOG_KB  A's max_backlog_kb [4096, the default]
#   BENCH_OVERLOAD_WARMUP        warm-up MARs [1000]
#   BENCH_OVERLOAD_PIN           1: A and the HSS on CPU 0, the client alone
#                                on CPU 1 (taskset), so that the client
#                                can offer more than A serves [0: unpinned]
#   BENCH_OVERLOAD_CPU_QUOTA     P > 0: A (every thread) may use at most P %
#                                of one CPU (a cgroup with a CFS quota, 10 ms
#                                period; cgroup v2 or v1 cpu controller, as
#                                root).  A slower broker on the same machine:
#                                its maximum drops, and the client can offer
#                                a true 2x where, unlimited, it cannot
#                                [0: off]
#   BENCH_APPSERV_THREADS        the brokers' AppServThreads [1, as
#                                doc/configuration.md recommends]
#   BENCH_OVERLOAD_OUT           results [$top_builddir/tests/tmp/bench_overload.results]
#
# On a 2-CPU machine, the client alone cannot offer twice what an unlimited
# A serves (doc/RELIABILITY.md); BENCH_OVERLOAD_CPU_QUOTA=30 is the
# documented way to measure at a true 2x there.
#
# Output: a table on stdout; in BENCH_OVERLOAD_OUT rounds.jsonl (every
# cx_client summary with its round and phase), rss.txt, table.txt.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init bench_overload
PIN=${BENCH_OVERLOAD_PIN:-0}
if [ "$PIN" = 1 ]; then
	command -v taskset >/dev/null || mig_fail "BENCH_OVERLOAD_PIN=1 needs taskset (util-linux)"
	printf '#!/bin/sh\nexec taskset -c 1 "%s" "$@"\n' "$top_builddir/tests/tools/cx_client" > "$MIG_TMP/cx_client"
	chmod +x "$MIG_TMP/cx_client"
	CXC_CLIENT=$MIG_TMP/cx_client
fi
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/broker_overload_lib.sh"

VIA=${BENCH_OVERLOAD_VIA:-a ad b}
for v in $VIA; do
	case $v in a|ad|b) ;; *) mig_fail "BENCH_OVERLOAD_VIA takes a list of a, ad, b";; esac
done
PAUSE=${BENCH_OVERLOAD_PAUSE:-10}
ROUNDS=${BENCH_OVERLOAD_ROUNDS:-3}
SECS=${BENCH_OVERLOAD_SECS:-5}
INFLIGHT=${BENCH_OVERLOAD_INFLIGHT:-48}
MAXIN=${BENCH_OVERLOAD_MAX_INFLIGHT:-64}
MAXQ=${BENCH_OVERLOAD_MAX_QUEUE_MS:-200}
MAXB=${BENCH_OVERLOAD_MAX_BACKLOG_KB:-4096}
WARMUP=${BENCH_OVERLOAD_WARMUP:-1000}
OUT=${BENCH_OVERLOAD_OUT:-$top_builddir/tests/tmp/bench_overload.results}
rm -rf "$OUT"
mkdir -p "$OUT" || mig_fail "cannot create $OUT"

QUOTA=${BENCH_OVERLOAD_CPU_QUOTA:-0}
case $QUOTA in *[!0-9]*|'') mig_fail "BENCH_OVERLOAD_CPU_QUOTA must be a whole percentage";; esac
[ "$QUOTA" -le 100 ] || mig_fail "BENCH_OVERLOAD_CPU_QUOTA must be at most 100 (one CPU)"

# bo_cgroup_dir: a new cgroup for A under the cpu controller, or nothing.
bo_cgroup_dir()
{
	if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		echo "+cpu" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
		echo "/sys/fs/cgroup/migbroker-bench-$$"
	elif [ -w /sys/fs/cgroup/cpu ]; then
		echo "/sys/fs/cgroup/cpu/migbroker-bench-$$"
	fi
}

# bo_cpu_quota PID P: PID (all its threads) limited to P % of one CPU.
bo_cpu_quota()
{
	BO_CG=$(bo_cgroup_dir)
	[ -n "$BO_CG" ] && mkdir "$BO_CG" 2>/dev/null \
		|| mig_fail "BENCH_OVERLOAD_CPU_QUOTA: no writable cgroup cpu controller (run as root)"
	MIG_EXIT_HOOK='rmdir "$BO_CG" 2>/dev/null'
	if [ -f "$BO_CG/cpu.max" ]; then
		echo "$(($2 * 100)) 10000" > "$BO_CG/cpu.max"
	else
		echo 10000 > "$BO_CG/cpu.cfs_period_us" && echo $(($2 * 100)) > "$BO_CG/cpu.cfs_quota_us"
	fi || mig_fail "cannot set the CPU quota in $BO_CG"
	echo "$1" > "$BO_CG/cgroup.procs" || mig_fail "cannot move pid $1 into $BO_CG"
	echo "# brka limited to $2 % of one CPU ($BO_CG)"
}

TICKS=$(getconf CLK_TCK)

MB_TIMEOUT_MS=5000
MB_APPSERV_THREADS=${BENCH_APPSERV_THREADS:-1}
ov_setup "{ \"max_inflight\": $MAXIN, \"max_queue_ms\": $MAXQ, \"max_backlog_kb\": $MAXB }"
mb_start
if [ "$PIN" = 1 ]; then
	taskset -a -p -c 0 "$(mig__get brka pid)" >/dev/null && taskset -a -p -c 0 "$(mig__get hssa pid)" >/dev/null \
		|| mig_fail "taskset failed"
fi
[ "$QUOTA" -gt 0 ] && bo_cpu_quota "$(mig__get brka pid)" "$QUOTA"
ov_binding_c
mb_allocate
echo "# requests via $VIA"
mar_a() { mar_c "$@"; }
mar_ad() { mar_c "$@" --doic; }

# mar ROUND VIA PHASE N K [OPTIONS...]: one run of mar_a or mar_b, its
# summary kept.
mar()
{
	b__round=$1 b__via=$2 b__phase=$3
	shift 3
	b__cpu=$(mig_fd_cpu brka)
	"mar_$b__via" "$@" --quiet
	[ "$CXC_RC" = 0 ] || { cxc_show; mig_fail "round $b__round, $b__phase: cx_client exit $CXC_RC"; }
	jq -c --argjson round "$b__round" --arg phase "$b__phase" --arg rss "$(mig_fd_mem brka VmRSS)" \
		--arg via "$b__via" \
		--arg load "$(cut -d' ' -f1 /proc/loadavg)" \
		--argjson cpu_us "$((($(mig_fd_cpu brka) - b__cpu) * 1000000 / TICKS))" \
		'{round: $round, via: $via, phase: $phase, rss_kb: ($rss | tonumber),
		  load: ($load | tonumber), cpu_us: $cpu_us} + .' \
		"$CXC_OUT" >> "$OUT/rounds.jsonl"
}

last_rate() { jq -s '.[-1].answers_per_s | floor' "$OUT/rounds.jsonl"; }

# round R VIA: the unloaded phase (N from the last rate seen), then 2x.
round()
{
	mar "$1" "$2" unloaded $((rate * SECS)) "$INFLIGHT"
	jq -se '.[-1] | .result_codes == {"2001": .count}' "$OUT/rounds.jsonl" >/dev/null \
		|| mig_fail "round $1 via $2: the unloaded phase got answers other than 2001"
	rate=$(last_rate)
	mar "$1" "$2" 2x $((2 * rate * SECS)) 4000 --rate $((2 * rate))
	jq -se '.[-1] | (.result_codes | keys - ["2001", "3004"]) == [] and .lost == 0 and .expired == 0' \
		"$OUT/rounds.jsonl" >/dev/null || mig_fail "round $1 via $2: 2x phase: answers other than 2001/3004, or lost"
	sleep "$PAUSE"
}

for v in $VIA; do
	mar 0 "$v" warmup "$WARMUP" "$INFLIGHT"
done
rate=$(last_rate)
r=1
while [ $r -le "$ROUNDS" ]; do
	for v in $VIA; do
		round $r "$v"
	done
	r=$((r + 1))
done
echo "VmHWM $(mig_fd_mem brka VmHWM) kB, VmRSS $(mig_fd_mem brka VmRSS) kB" > "$OUT/rss.txt"

# The table: per round, then the medians.
jq -rs --arg hwm "$(mig_fd_mem brka VmHWM)" '
	def med: sort | if length == 0 then null else .[(length - 1) / 2 | floor] end;
	def r2: . * 100 | round / 100;
	[ .[] | select(.round > 0) ] | group_by([.round, .via]) | map(
		(.[] | select(.phase == "unloaded")) as $u | (.[] | select(.phase == "2x")) as $x |
		{ round: $u.round, via: $u.via, max: $u.answers_per_s, offered: $x.sent_per_s,
		  admitted: (($x.result_codes."2001" // 0) * 1000 / $x.elapsed_ms),
		  busy: (($x.result_codes."3004" // 0) * 1000 / $x.elapsed_ms),
		  unsent: (($x.abated // 0) * 1000 / $x.elapsed_ms),
		  busy_p50: $x.latency_ms_by_code."3004".median, busy_p99: $x.latency_ms_by_code."3004".p99,
		  ok_p50: $x.latency_ms_by_code."2001".median, rss: $x.rss_kb,
		  us_ok: ($u.cpu_us / $u.count),
		  n_ok: ($x.result_codes."2001" // 0), n_busy: ($x.result_codes."3004" // 0), cpu_x: $x.cpu_us }
		| .ratio = (.admitted / .max)
		| .busy_cost = (if .n_busy > 0 then (.cpu_x - .n_ok * .us_ok) / .n_busy / .us_ok else null end)
		) as $rows |
	(["round", "via", "max/s", "offered/s", "admitted/s", "ratio", "3004/s", "unsent/s", "3004 p50 ms",
	  "3004 p99 ms", "2001 p50 ms", "A us/2001", "3004 cost", "RSS kB"] | @tsv),
	($rows | sort_by(.round, .via)[] | [.round, .via, (.max | round), (.offered | round),
	            (.admitted | round), (.ratio | r2), (.busy | round), (.unsent | round), .busy_p50,
	            .busy_p99, .ok_p50, (.us_ok | round), (.busy_cost | r2), .rss] | @tsv),
	($rows | group_by(.via)[] | . as $v |
	 ["median", $v[0].via, ([$v[].max] | med | round), ([$v[].offered] | med | round),
	  ([$v[].admitted] | med | round), ([$v[].ratio] | med | r2), ([$v[].busy] | med | round),
	  ([$v[].unsent] | med | round), ([$v[].busy_p50] | med), ([$v[].busy_p99] | med),
	  ([$v[].ok_p50] | med),
	  ([$v[].us_ok] | med | round), ([$v[].busy_cost] | med | r2), ("peak " + $hwm)] | @tsv)
' "$OUT/rounds.jsonl" | column -t -s "$(printf '\t')" | tee "$OUT/table.txt"
echo "# results in $OUT"
mig_pass
