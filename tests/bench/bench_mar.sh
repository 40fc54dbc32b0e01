#!/bin/sh
# bench_mar.sh: brokered MAR against plain freeDiameter relays, side by side
# (`make bench-mar', part of `make bench').  POSIX sh, on loopback.
#
# Three paths to one test HSS (hssa, hss.a.test, Milenage per vector), each
# driven by its own cx_client --count N --inflight K:
#
#   direct   cdir (bench-direct.a.test) ----------------------------> hssa
#   relays   crly (bench-relay.b.test) -> rlyb (rly.b.test) => rlya (rly.a.test) -> hssa
#   brokers  scscfb (scscf.b.test) -> brkb (sipdb.b.test) => brka (sipdb.a.test) -> hssa
#
# "=>" is TLS on both two-hop paths (broker_lib.sh's border link; the relays
# get the same, for fairness); every other link is plaintext TCP.  The relays
# are stock freeDiameterd with the Cx dictionaries and rt_default.fdx (rules
# that send everything to the next hop), no application of their own: they
# advertise Relay and forward.  Every path asks for the same thing: one
# Digest-AKAv1-MD5 vector for alice (the brokers: for alice's migration
# identity at B, which A maps back to alice).
#
# Rounds alternate the paths (direct, relays, brokers, direct, ...).  The
# number of requests per round is calibrated per path from a warm-up, then
# from the previous round, so that a round lasts about BENCH_MAR_SECS.  The report gives, per path,
# the median over rounds of answers/s, of the median latency and of the p99
# latency, and the ratios brokers/relays and relays/direct.
#
# Environment (defaults in brackets):
#   BENCH_MAR_ROUNDS     rounds [5]; 0: only the callgrind part, if asked
#   BENCH_MAR_SECS       target seconds per round and path [10]
#   BENCH_MAR_INFLIGHT   requests in flight per generator [48]
#   BENCH_MAR_SCHEME     SIP-Auth-Scheme [Digest-AKAv1-MD5]; Digest-MD5 is
#                        cheaper at the HSS (no Milenage)
#   BENCH_MAR_WARMUP     warm-up requests per path [1000]
#   BENCH_MAR_CALLGRIND  N > 0: afterwards, run each relay and broker in
#                        turn under valgrind --tool=callgrind and count the
#                        instructions it spends on N MARs [0: off]
#   BENCH_MAR_CALLGRIND_NODES  which, in order [rlyb brkb rlya brka]
#   BENCH_MAR_OUT        result directory [$top_builddir/tests/tmp/bench_mar.results]
#
# Output: a table on stdout, and in BENCH_MAR_OUT: rounds.jsonl (every
# cx_client summary, one per line, with path and round), summary.json,
# table.txt, rss.txt and, with callgrind, callgrind.txt.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init bench_mar
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

ROUNDS=${BENCH_MAR_ROUNDS:-5}
SECS=${BENCH_MAR_SECS:-10}
INFLIGHT=${BENCH_MAR_INFLIGHT:-48}
SCHEME=${BENCH_MAR_SCHEME:-Digest-AKAv1-MD5}
WARMUP=${BENCH_MAR_WARMUP:-1000}
CG_N=${BENCH_MAR_CALLGRIND:-0}
OUT=${BENCH_MAR_OUT:-$top_builddir/tests/tmp/bench_mar.results}
PATHS="direct relays brokers"
rm -rf "$OUT"
mkdir -p "$OUT" || mig_fail "cannot create $OUT"

# ------------------------------------------------------------ topology
MB_TIMEOUT_MS=5000
mb_setup true

rt_rule() { printf '* : "%s" += 100 ;\n' "$2" > "$MIG_TMP/$1.rt"; mig_fd_ext "$1" rt_default.fdx "$MIG_TMP/$1.rt"; }

# Plain relays, one per realm, like the brokers.
for r in rlyb:rly.b.test:b.test rlya:rly.a.test:a.test; do
	IFS=: read -r n id realm <<EOF
$r
EOF
	mig_fd_conf "$n" "$id" "$realm"
	mig_fd_conf_add "$n" "TcTimer = 2;"
	mig_fd_load_cx_dict "$n"
	mig_fd_tls "$n"
done
rt_rule rlyb rly.a.test
rt_rule rlya hss.a.test
mig_fd_link rlyb rlya tls
mig_fd_link rlya hssa

# Generators.
cxc_conf cdir bench-direct.a.test a.test hssa
cxc_conf crly bench-relay.b.test b.test rlyb
rt_rule crly rly.b.test

mb_start
for d in rlya rlyb; do mig_fd_start $d; done
for d in rlya rlyb; do mig_fd_wait_ready $d || mig_fail "$d did not start"; done
mig_fd_wait_open rlyb rly.a.test || mig_fail "rlyb never connected to rlya"
mig_fd_wait_open rlya hss.a.test || mig_fail "rlya never connected to hssa"
mb_allocate
echo "# alice at B: $MB_IN_IMPI / $MB_IN_IMPU"

pid_of() { cat "$MIG_TMP/$1.pid"; }
rss()
{
	# NAME LABEL: VmRSS and VmHWM (kB) of instance NAME
	awk -v n="$1" -v l="$2" '/^VmRSS:/ { r = $2 } /^VmHWM:/ { h = $2 }
		END { printf "%-8s %-7s VmRSS %7d kB  VmHWM %7d kB\n", n, l, r, h }' \
		"/proc/$(pid_of "$1")/status"
}
for d in hssa rlyb rlya brkb brka; do rss $d before; done > "$OUT/rss.txt"

# ------------------------------------------------------------ one run
# run PATH COUNT: one cx_client run on PATH; its summary in $CXC_OUT
run()
{
	case $1 in
	direct) cxc_run cdir --count "$2" --inflight "$INFLIGHT" \
		mar --impi alice@a.test --impu sip:alice@a.test --scheme "$SCHEME" ;;
	relays) cxc_run crly --count "$2" --inflight "$INFLIGHT" --dest-realm a.test \
		mar --impi alice@a.test --impu sip:alice@a.test --scheme "$SCHEME" ;;
	brokers) cxc_run scscfb --count "$2" --inflight "$INFLIGHT" --dest-host sipdb.b.test \
		mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --scheme "$SCHEME" ;;
	esac
	# Every request answered 2001, or the figures mean nothing.
	cxc_json '.answered == .count and .result_codes == {"2001": .count}' \
		|| { cxc_show; mig_fail "$1: not every MAR was answered 2001"; }
}

# Warm-up and calibration: N per path so that a round lasts about SECS
# (from the second of two warm-up runs).
for p in $PATHS; do
	run $p "$WARMUP"      # the first run of a process is slower: twice
	run $p "$WARMUP"
	rate=$(jq -r '.answers_per_s' "$CXC_OUT")
	n=$(awk -v r="$rate" -v s="$SECS" 'BEGIN { n = int(r * s); if (n < 200) n = 200; print n }')
	eval "N_$p=$n"
	echo "# warm-up $p: $rate answers/s -> $n requests per round"
done

# ------------------------------------------------------------ rounds
load() { cut -d' ' -f1-3 /proc/loadavg; }
round=1
while [ "$round" -le "$ROUNDS" ]; do
	for p in $PATHS; do
		eval "n=\$N_$p"
		l=$(load)
		run $p "$n"
		jq -c --arg p "$p" --argjson r "$round" --arg l "$l" \
			'{path: $p, round: $r, loadavg_before: $l} + .' "$CXC_OUT" >> "$OUT/rounds.jsonl"
		jq -r --arg p "$p" --argjson r "$round" \
			'"# round \($r) \($p): \(.answers_per_s) answers/s, median \(.latency_ms.median) ms, p99 \(.latency_ms.p99) ms"' "$CXC_OUT"
		# Recalibrate: short warm-ups underestimate the rate.
		rate=$(jq -r '.answers_per_s' "$CXC_OUT")
		eval "N_$p=$(awk -v r="$rate" -v s="$SECS" 'BEGIN { n = int(r * s); if (n < 200) n = 200; print n }')"
	done
	round=$((round + 1))
done

for d in hssa rlyb rlya brkb brka; do rss $d after; done >> "$OUT/rss.txt"

# ------------------------------------------------------------ report
[ "$ROUNDS" -gt 0 ] && jq -s --argjson inflight "$INFLIGHT" --arg scheme "$SCHEME" '
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def r2: . * 100 | round / 100;
	(group_by(.path) | map({key: .[0].path, value: {
		rounds: length,
		requests_per_round: (map(.count) | median),
		answers_per_s: (map(.answers_per_s) | median | r2),
		answers_per_s_min: (map(.answers_per_s) | min | r2),
		answers_per_s_max: (map(.answers_per_s) | max | r2),
		latency_median_ms: (map(.latency_ms.median) | median | r2),
		latency_p99_ms: (map(.latency_ms.p99) | median | r2) }}) | from_entries) as $p
	| { inflight: $inflight, scheme: $scheme, paths: $p,
	    brokers_over_relays: ($p.brokers.answers_per_s / $p.relays.answers_per_s | r2),
	    relays_over_direct: ($p.relays.answers_per_s / $p.direct.answers_per_s | r2),
	    target_brokers_over_relays: 0.9,
	    target_met: ($p.brokers.answers_per_s >= 0.9 * $p.relays.answers_per_s) }
' "$OUT/rounds.jsonl" > "$OUT/summary.json" || [ "$ROUNDS" = 0 ] || mig_fail "could not summarise"

[ "$ROUNDS" = 0 ] || {
	echo "MAR, $SCHEME, $INFLIGHT in flight, $ROUNDS rounds of ~${SECS} s, medians over rounds"
	echo "nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(load)"
	echo
	jq -r '
		"| path | answers/s (min-max) | latency median ms | latency p99 ms |",
		"|---|---|---|---|",
		(["direct", "relays", "brokers"][] as $k | .paths[$k]
		 | "| \($k) | \(.answers_per_s) (\(.answers_per_s_min)-\(.answers_per_s_max)) | \(.latency_median_ms) | \(.latency_p99_ms) |"),
		"",
		"brokers/relays \(.brokers_over_relays) (target >= 0.9: \(if .target_met then "met" else "MISSED" end)); relays/direct \(.relays_over_direct)"
	' "$OUT/summary.json"
	echo
	cat "$OUT/rss.txt"
} > "$OUT/table.txt"
[ "$ROUNDS" = 0 ] || cat "$OUT/table.txt"

# ------------------------------------------------------------ callgrind
# Instructions per MAR in one daemon: restart it under callgrind, warm up,
# zero the counters, send CG_N MARs, dump, divide; then restart it plainly.
cg_one()
{
	# NAME PATH PEER...: the daemon, the path it is on, the peers it needs
	command -v callgrind_control >/dev/null || { echo "# callgrind_control not found: skipped"; return 0; }
	mig_fd_stop "$1" 10
	cat > "$MIG_TMP/vg.sh" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$MIG_TMP/cg.$1.out "$FREEDIAMETERD" "\$@"
EOF
	chmod +x "$MIG_TMP/vg.sh"
	cg__real=$FREEDIAMETERD
	FREEDIAMETERD=$MIG_TMP/vg.sh
	mig_fd_start "$1"
	FREEDIAMETERD=$cg__real
	mig_fd_wait_ready "$1" 120 || mig_fail "$1 did not start under callgrind"
	cg__n=$1 cg__p=$2
	shift 2
	for cg__peer; do
		mig_fd_wait_open "$cg__n" "$cg__peer" 60 || mig_fail "$cg__n under callgrind: $cg__peer not OPEN"
	done
	sleep 3   # the generator's own peer reconnects (TcTimer 2 s)
	set -- "$cg__n" "$cg__p"
	run "$2" 200
	cg__pid=$(pid_of "$1")
	callgrind_control -z "$cg__pid" >/dev/null 2>&1
	run "$2" "$CG_N"
	callgrind_control -d "$cg__pid" >/dev/null 2>&1
	cg__f=$(ls -t "$MIG_TMP"/cg."$1".out.* 2>/dev/null | head -1)
	[ -n "$cg__f" ] || mig_fail "no callgrind dump for $1"
	cg__ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$cg__f")
	echo "$1 ($2): $cg__ir instructions for $CG_N MARs = $((cg__ir / CG_N)) per MAR" >> "$OUT/callgrind.txt"
	cp "$cg__f" "$OUT/callgrind.$1.out"
	callgrind_annotate --threshold=100 "$cg__f" 2>/dev/null | head -80 > "$OUT/callgrind.$1.self.txt"
	callgrind_annotate --threshold=100 --inclusive=yes "$cg__f" 2>/dev/null | head -80 > "$OUT/callgrind.$1.incl.txt"
	# Back to a plain daemon, for the next node.
	mig_fd_stop "$1" 20
	mig_fd_start "$1"
	mig_fd_wait_ready "$1" || mig_fail "$1 did not restart"
	sleep 3
}
if [ "$CG_N" -gt 0 ]; then
	: > "$OUT/callgrind.txt"
	for cg in ${BENCH_MAR_CALLGRIND_NODES:-rlyb brkb rlya brka}; do
		case $cg in
		rlyb) cg_one rlyb relays rly.a.test ;;
		rlya) cg_one rlya relays rly.b.test hss.a.test ;;
		brkb) cg_one brkb brokers sipdb.a.test ;;
		brka) cg_one brka brokers sipdb.b.test hss.a.test ;;
		*) mig_fail "BENCH_MAR_CALLGRIND_NODES: unknown node $cg" ;;
		esac
	done
	cat "$OUT/callgrind.txt"
fi

echo "# results in $OUT"
mig_pass
