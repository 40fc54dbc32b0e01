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
# the median over rounds of answers/s; the latency median, p99 and p99.9 of
# all the path's answers (cx_client's histograms of every round merged:
# buckets 1/16 of a power of two, ~4 %, the upper bound is reported); and
# the ratios brokers/relays (3/2) and relays/direct (2/1).
#
# With BENCH_MAR_BINDINGS, the brokers' stores are then replaced by stores
# of each size (bench_mar_stores.sh: made with SQL, cached between runs)
# and the brokers path runs again, its MARs drawn from 10,000 bindings
# spread over the whole store (cx_client --ids); the brokers' peak resident
# size is read after each size, and the sizes are compared both by raw
# throughput and at equal machine speed (the brokers' CPU time per MAR in
# units of the HSS's: the machine's speed drifts between phases).
# BENCH_MAR_LONG runs the brokers path for that many seconds at the end,
# sampling the brokers' resident size every minute.
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
#   BENCH_MAR_BINDINGS   store sizes for the brokers, e.g. "10000 1000000
#                        10000000" [none]; each a multiple of 10,000
#   BENCH_MAR_BINDINGS_ROUNDS  rounds per size [3]
#   BENCH_MAR_BINDINGS_WARMUP  warm-up MARs per size, twice, spread over
#                        the 10,000 bindings [20000]
#   BENCH_MAR_STORES     cache of the generated stores
#                        [$top_builddir/tests/tmp/bench_mar.stores]
#   BENCH_MAR_LONG       seconds of brokers path at the end, VmRSS sampled
#                        every minute [0: off]
#   BENCH_MAR_PLOT       1: draw bench_mar.png with gnuplot (installing
#                        gnuplot-nox with apt-get if missing) [1]
#   BENCH_APPSERV_THREADS  the brokers' AppServThreads [1, as
#                        doc/configuration.md recommends]
#   BENCH_MAR_OUT        result directory [$top_builddir/tests/tmp/bench_mar.results]
#
# Output: a table on stdout, and in BENCH_MAR_OUT: rounds.jsonl (every
# cx_client summary, one per line, with path and round), summary.json,
# table.txt, rss.txt, bench_mar.png; with callgrind, callgrind.txt; with
# BENCH_MAR_BINDINGS, bindings.jsonl and bindings.txt; with BENCH_MAR_LONG,
# long.txt.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init bench_mar
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/bench/bench_mar_stores.sh"

ROUNDS=${BENCH_MAR_ROUNDS:-5}
SECS=${BENCH_MAR_SECS:-10}
INFLIGHT=${BENCH_MAR_INFLIGHT:-48}
SCHEME=${BENCH_MAR_SCHEME:-Digest-AKAv1-MD5}
WARMUP=${BENCH_MAR_WARMUP:-1000}
CG_N=${BENCH_MAR_CALLGRIND:-0}
OUT=${BENCH_MAR_OUT:-$top_builddir/tests/tmp/bench_mar.results}
SIZES=${BENCH_MAR_BINDINGS:-}
SIZE_ROUNDS=${BENCH_MAR_BINDINGS_ROUNDS:-3}
SIZE_WARMUP=${BENCH_MAR_BINDINGS_WARMUP:-20000}
LONG=${BENCH_MAR_LONG:-0}
PATHS="direct relays brokers"
for n in $SIZES; do
	[ $((n % BMS_SAMPLE)) = 0 ] && [ "$n" -gt 0 ] || mig_fail "BENCH_MAR_BINDINGS: $n is not a multiple of $BMS_SAMPLE"
done
rm -rf "$OUT"
mkdir -p "$OUT" || mig_fail "cannot create $OUT"

# ------------------------------------------------------------ topology
MB_TIMEOUT_MS=5000
MB_APPSERV_THREADS=${BENCH_APPSERV_THREADS:-1}
mb_setup true
[ -z "$SIZES" ] || bms_subscribers "$MIG_TMP/hssa.json"

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
# CPU time (user + system, ms) so far of each daemon and of this shell's
# children (the generators, from FILE: `times' of this shell, which a
# command substitution cannot run): a run's share of the two vCPUs, which
# other load on the machine changes much less than its throughput.
cpu_now()
{
	{
		for d in hssa rlyb rlya brkb brka; do
			awk -v d="$d" -v hz="$(getconf CLK_TCK)" '{ printf "%s %d\n", d, ($14 + $15) * 1000 / hz }' \
				"/proc/$(pid_of "$d")/stat" 2>/dev/null || echo "$d 0"
		done
		awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/)
			printf "generator %d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' "$1"
	} | jq -R -s -c 'split("\n") | map(select(length > 0) | split(" ") | {key: .[0], value: (.[1] | tonumber)}) | from_entries'
}

run()
{
	times > "$MIG_TMP/times"
	run__cpu=$(cpu_now "$MIG_TMP/times")
	case $1 in
	direct) cxc_run cdir --count "$2" --inflight "$INFLIGHT" \
		mar --impi alice@a.test --impu sip:alice@a.test --scheme "$SCHEME" ;;
	relays) cxc_run crly --count "$2" --inflight "$INFLIGHT" --dest-realm a.test \
		mar --impi alice@a.test --impu sip:alice@a.test --scheme "$SCHEME" ;;
	brokers) cxc_run scscfb --count "$2" --inflight "$INFLIGHT" --dest-host sipdb.b.test \
		mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" --scheme "$SCHEME" ;;
	bindings) cxc_run scscfb --count "$2" --inflight "$INFLIGHT" --dest-host sipdb.b.test \
		--ids "$IDS" mar --scheme "$SCHEME" ;;
	esac
	# Every request answered 2001, or the figures mean nothing.
	cxc_json '.answered == .count and .result_codes == {"2001": .count}' \
		|| { cxc_show; mig_fail "$1: not every MAR was answered 2001"; }
	times > "$MIG_TMP/times"
	jq --argjson a "$run__cpu" --argjson b "$(cpu_now "$MIG_TMP/times")" \
		'. + {cpu_ms: ($b | with_entries(.value -= ($a[.key] // 0)))}' "$CXC_OUT" > "$CXC_OUT.cpu" \
		&& mv "$CXC_OUT.cpu" "$CXC_OUT"
}

# N_PATH: requests per round so that it lasts about SECS, from the last run.
recalibrate()
{
	rate=$(jq -r '.answers_per_s' "$CXC_OUT")
	eval "N_$1=$(awk -v r="$rate" -v s="${2:-$SECS}" 'BEGIN { n = int(r * s); if (n < 200) n = 200; print n }')"
}

# Warm-up and calibration (from the second of two warm-up runs).
warm_up()
{
	run $1 "${2:-$WARMUP}"      # the first run of a process is slower: twice
	run $1 "${2:-$WARMUP}"
	recalibrate $1
	eval "echo \"# warm-up $1: \$rate answers/s -> \$N_$1 requests per round\""
}
[ "$ROUNDS" = 0 ] || for p in $PATHS; do warm_up $p; done

# ------------------------------------------------------------ rounds
round=1
while [ "$round" -le "$ROUNDS" ]; do
	for p in $PATHS; do
		eval "n=\$N_$p"
		l=$(mig_loadavg)
		run $p "$n"
		jq -c --arg p "$p" --argjson r "$round" --arg l "$l" \
			'{path: $p, round: $r, loadavg_before: $l} + .' "$CXC_OUT" >> "$OUT/rounds.jsonl"
		jq -r --arg p "$p" --argjson r "$round" \
			'"# round \($r) \($p): \(.answers_per_s) answers/s, median \(.latency_ms.median) ms, p99 \(.latency_ms.p99) ms"' "$CXC_OUT"
		# Recalibrate: short warm-ups underestimate the rate.
		recalibrate $p
	done
	round=$((round + 1))
done

for d in hssa rlyb rlya brkb brka; do rss $d after; done >> "$OUT/rss.txt"

# ------------------------------------------------------------ report
# jq: per group of cx_client summaries, the median answers/s over runs and
# the latency percentiles of all their answers (merged histograms).
JQ_STATS='
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def r2: . * 100 | round / 100;
	def merged: map(.latency_ms.histogram_us[]) | group_by(.[0])
		| map([.[0][0], .[0][1], (map(.[2]) | add)]) | sort_by(.[0]);
	def pct($p): . as $h | ($h | map(.[2]) | add) as $n | ($n * $p / 100 | ceil) as $rank
		| reduce $h[] as $b ({c: 0, v: null};
			if .v == null then .c += $b[2] | if .c >= $rank then .v = $b[1] else . end else . end)
		| .v / 1000 | r2;
	def stats: (merged) as $h | {
		rounds: length,
		requests_per_round: (map(.count) | median),
		answers_per_s: (map(.answers_per_s) | median | r2),
		answers_per_s_min: (map(.answers_per_s) | min | r2),
		answers_per_s_max: (map(.answers_per_s) | max | r2),
		latency_median_ms: ($h | pct(50)),
		latency_p99_ms: ($h | pct(99)),
		latency_p99_9_ms: ($h | pct(99.9)),
		latency_max_ms: (map(.latency_ms.max) | max),
		cpu_us_per_mar: (map(.count as $n | (.cpu_ms // {}) | map_values(. * 1000 / $n)) as $c
			| $c[0] | keys | map(. as $k | {key: $k, value: ($c | map(.[$k]) | median | round)})
			| from_entries) };
	def path_cpu($d): .cpu_us_per_mar as $c | ($d + ["generator"]) | map({key: ., value: $c[.]})
		| from_entries | . + {total: (to_entries | map(.value) | add)};'
[ "$ROUNDS" -gt 0 ] && jq -s --argjson inflight "$INFLIGHT" --arg scheme "$SCHEME" "$JQ_STATS"'
	(group_by(.path) | map({key: .[0].path, value: stats}) | from_entries) as $p
	| (group_by(.round) | map(map({key: .path, value: .answers_per_s}) | from_entries)) as $r
	| { inflight: $inflight, scheme: $scheme, paths: $p,
	    cpu_us_per_mar: {direct: ($p.direct | path_cpu(["hssa"])),
	                     relays: ($p.relays | path_cpu(["rlyb", "rlya", "hssa"])),
	                     brokers: ($p.brokers | path_cpu(["brkb", "brka", "hssa"]))},
	    brokers_over_relays: ($p.brokers.answers_per_s / $p.relays.answers_per_s | r2),
	    relays_over_direct: ($p.relays.answers_per_s / $p.direct.answers_per_s | r2),
	    brokers_over_relays_per_round: ($r | map(.brokers / .relays | r2)),
	    target_brokers_over_relays: 0.9,
	    target_met: ($p.brokers.answers_per_s >= 0.9 * $p.relays.answers_per_s) }
' "$OUT/rounds.jsonl" > "$OUT/summary.json" || [ "$ROUNDS" = 0 ] || mig_fail "could not summarise"

[ "$ROUNDS" = 0 ] || {
	echo "MAR, $SCHEME, $INFLIGHT in flight, $ROUNDS rounds of ~${SECS} s, medians over rounds"
	echo "nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(mig_loadavg)"
	echo
	jq -r '
		"| path | answers/s (min-max) | latency median ms | p99 ms | p99.9 ms |",
		"|---|---|---|---|---|",
		(["direct", "relays", "brokers"][] as $k | .paths[$k]
		 | "| \($k) | \(.answers_per_s) (\(.answers_per_s_min)-\(.answers_per_s_max)) | \(.latency_median_ms) | \(.latency_p99_ms) | \(.latency_p99_9_ms) |"),
		"",
		"brokers/relays \(.brokers_over_relays) (target >= 0.9: \(if .target_met then "met" else "MISSED" end)); relays/direct \(.relays_over_direct)",
		"brokers/relays per round: \(.brokers_over_relays_per_round | map(tostring) | join(", "))",
		"",
		"CPU per MAR (user + system, microseconds; median over rounds):",
		(.cpu_us_per_mar | to_entries[] | "  \(.key): \(.value | to_entries | map("\(.key) \(.value)") | join(", "))")
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

# ------------------------------------------------------------ store sizes
# The brokers path with the stores of each size, MARs spread over them.
if [ -n "$SIZES" ]; then
	: > "$OUT/bindings.jsonl"
	: > "$OUT/bindings_rss.jsonl"
	for n in $SIZES; do
		bms_install "$n"
		IDS=$MIG_TMP/ids.$n
		bms_ids "$n" "$IDS"
		# Each binding asked for a few times first: the brokers just
		# started on this store, with SQLite's page cache empty and every
		# binding's registration still to be noted once.
		warm_up bindings "$SIZE_WARMUP"
		r=1
		while [ "$r" -le "$SIZE_ROUNDS" ]; do
			eval "c=\$N_bindings"
			run bindings "$c"
			jq -c --argjson b "$n" --argjson r "$r" '{bindings: $b, round: $r} + .' "$CXC_OUT" \
				>> "$OUT/bindings.jsonl"
			jq -r --argjson b "$n" --argjson r "$r" \
				'"# \($b) bindings, round \($r): \(.answers_per_s) answers/s, median \(.latency_ms.median) ms, p99 \(.latency_ms.p99) ms"' "$CXC_OUT"
			recalibrate bindings
			r=$((r + 1))
		done
		for d in brkb brka; do rss $d "$n"; done >> "$OUT/rss.txt"
		jq -n -c --argjson b "$n" \
			--argjson hb "$(mig_fd_mem brkb VmHWM)" \
			--argjson ha "$(mig_fd_mem brka VmHWM)" \
			'{bindings: $b, brkb_hwm_kb: $hb, brka_hwm_kb: $ha}' >> "$OUT/bindings_rss.jsonl"
	done
	# The machine's speed drifts between phases (the HSS, whose work never
	# changes, has cost 38 to 63 us per MAR from one minute to the next), so
	# the sizes are also compared at equal speed: each round's CPU per MAR of
	# the four processes in units of the HSS's, median over the rounds; the
	# throughput at equal speed goes as the inverse of that sum.
	jq -s --slurpfile rss "$OUT/bindings_rss.jsonl" "$JQ_STATS"'
		def units: .cpu_ms as $c | ($c.hssa + $c.generator + $c.brkb + $c.brka) / $c.hssa;
		group_by(.bindings) | map(.[0].bindings as $b | {bindings: $b} + stats
			+ {hss_units: (map(units) | median), brokers_per_hss:
			   (map(.cpu_ms | (.brkb + .brka) / .hssa) | median | r2)}
			+ ($rss | map(select(.bindings == $b)) | .[0] | del(.bindings)))
		| .[0].answers_per_s as $first | .[0].hss_units as $u
		| map(. + {vs_first: (.answers_per_s / $first | r2),
		           vs_first_equal_speed: ($u / .hss_units | r2)})
	' "$OUT/bindings.jsonl" > "$OUT/bindings.json" || mig_fail "could not summarise the sizes"
	{
		echo "brokers path, MARs for 10,000 bindings spread over the store, $SIZE_ROUNDS rounds of ~${SECS} s per size"
		echo
		jq -r '"| bindings | answers/s (min-max) | vs first | brokers CPU / HSS CPU | vs first at equal speed | latency median ms | p99 ms | p99.9 ms | VmHWM brkb / brka |",
			"|---|---|---|---|---|---|---|---|---|",
			(.[] | "| \(.bindings) | \(.answers_per_s) (\(.answers_per_s_min)-\(.answers_per_s_max)) | \(.vs_first) | \(.brokers_per_hss) | \(.vs_first_equal_speed) | \(.latency_median_ms) | \(.latency_p99_ms) | \(.latency_p99_9_ms) | \(.brkb_hwm_kb / 1024 | floor) / \(.brka_hwm_kb / 1024 | floor) MiB |")' "$OUT/bindings.json"
	} > "$OUT/bindings.txt"
	cat "$OUT/bindings.txt"
fi

# ------------------------------------------------------------ long run
# The brokers path for LONG seconds in runs of ~30 s; resident size of the
# brokers after each.
if [ "$LONG" -gt 0 ]; then
	p=brokers
	[ -z "$SIZES" ] || p=bindings
	run $p "$WARMUP"
	recalibrate $p 30
	end=$(($(date +%s) + LONG))
	t0=$(date +%s)
	{ for d in brkb brka; do rss $d start; done; } > "$OUT/long.txt"
	while [ "$(date +%s)" -lt "$end" ]; do
		eval "c=\$N_$p"
		run $p "$c"
		t=$(($(date +%s) - t0))
		{ for d in brkb brka; do rss $d "${t}s"; done
		  jq -r '"         \(.answers_per_s) answers/s, p99 \(.latency_ms.p99) ms"' "$CXC_OUT"; } >> "$OUT/long.txt"
		recalibrate $p 30
	done
	cat "$OUT/long.txt"
fi

# ------------------------------------------------------------ plot
# bench_mar.png: throughput and latency of the three paths (and of the
# store sizes, if measured).
plot()
{
	command -v gnuplot >/dev/null || {
		echo "# installing gnuplot-nox for the plot"
		apt-get install -y -q gnuplot-nox >/dev/null 2>&1 || true
	}
	command -v gnuplot >/dev/null || { echo "# gnuplot not found (Debian: gnuplot-nox): no plot"; return 0; }
	jq -r '.paths as $p | ["direct", "relays", "brokers"][] as $k
		| "\($k) \($p[$k].answers_per_s) \($p[$k].latency_median_ms) \($p[$k].latency_p99_ms) \($p[$k].latency_p99_9_ms)"' \
		"$OUT/summary.json" > "$OUT/paths.dat"
	plot__n=2
	if [ -f "$OUT/bindings.json" ]; then
		jq -r '.[] | "\(.bindings) \(.answers_per_s) \(.latency_p99_ms)"' "$OUT/bindings.json" > "$OUT/sizes.dat"
		plot__n=3
	fi
	gnuplot <<EOF || echo "# gnuplot failed: no plot"
set terminal png size $((plot__n * 420)),380 font ",9"
set output "$OUT/bench_mar.png"
set multiplot layout 1,$plot__n title "MAR on loopback, $INFLIGHT in flight, $(nproc) shared vCPUs ($(date -u +%Y-%m-%d))"
set style fill solid 0.6 border -1
set boxwidth 0.6
set grid ytics
set yrange [0:*]
set title "throughput (median of rounds)"
set ylabel "answers/s"
plot "$OUT/paths.dat" using 0:2:xtic(1) with boxes notitle, \
     "" using 0:2:(sprintf("%.0f", \$2)) with labels offset 0,0.7 notitle
set title "latency (all answers of the path)"
set ylabel "ms"
set style data histograms
set style histogram clustered gap 1
set key top left
plot "$OUT/paths.dat" using 3:xtic(1) title "median", "" using 4 title "p99", "" using 5 title "p99.9"
if ($plot__n == 3) {
	set title "brokers path vs bindings in the stores"
	set key bottom right
	set style data linespoints
	set logscale x
	set xrange [*:*]
	set xlabel "bindings per store"
	set ylabel "answers/s"
	set y2label "p99 ms"
	set y2tics
	set y2range [0:*]
	set ytics nomirror
	plot "$OUT/sizes.dat" using 1:2 title "answers/s" axes x1y1, "" using 1:3 title "p99 ms" axes x1y2
}
unset multiplot
EOF
	[ -f "$OUT/bench_mar.png" ] && echo "# plot: $OUT/bench_mar.png"
}
[ "$ROUNDS" = 0 ] || [ "${BENCH_MAR_PLOT:-1}" = 0 ] || plot

echo "# results in $OUT"
mig_pass
