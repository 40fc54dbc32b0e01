#!/bin/sh
# bench_alloc.sh: allocations over Diameter (`make bench-alloc', part of
# `make bench').  POSIX sh, on loopback.
#
# broker_lib.sh's topology (mb_setup, mb_start); the configuration
# management server of A (cmsa, a cx_client) sends GORs to A's broker
# (brka), --count N --inflight K with "%u" in the identities: every request is for another
# user (r<round>u-0@a.test, r<round>u-1@a.test, ..., so that every answer
# is a new binding, committed before it is answered.  Each round checks
# that all N were answered 2001 and that the store holds N new live
# bindings with N distinct migration identities: a figure with a lost or
# duplicated binding would mean nothing.
#
# Environment (defaults in brackets):
#   BENCH_ALLOC_ROUNDS    rounds [5]
#   BENCH_ALLOC_COUNT     allocations per round [20000]
#   BENCH_ALLOC_INFLIGHT  requests in flight [64]
#   BENCH_ALLOC_OUT       result directory
#                         [$top_builddir/tests/tmp/bench_alloc.results]
#   MB_JSON_brka          more fields for A's broker configuration, e.g.
#                         '"alloc_batch": 1' to commit one allocation per
#                         transaction (doc/configuration.md)
#
# Output: a table on stdout; rounds.jsonl (every cx_client summary with its
# round, the load average before it and brka's CPU time, user + system, per
# allocation: a figure less sensitive to a busy machine than the rate) and
# table.txt in BENCH_ALLOC_OUT.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init bench_alloc
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

ROUNDS=${BENCH_ALLOC_ROUNDS:-5}
COUNT=${BENCH_ALLOC_COUNT:-20000}
INFLIGHT=${BENCH_ALLOC_INFLIGHT:-64}
OUT=${BENCH_ALLOC_OUT:-$top_builddir/tests/tmp/bench_alloc.results}
rm -rf "$OUT"
mkdir -p "$OUT" || mig_fail "cannot create $OUT"

MB_TIMEOUT_MS=5000
mb_setup true
mb_start

HZ=$(getconf CLK_TCK)

# round R N: N allocations for users r<R>u-1 ... r<R>u-N, then the checks.
round()
{
	l=$(mig_loadavg)
	c0=$(mig_fd_cpu brka)
	cxc_run cmsa --dest-host sipdb.a.test --timeout 60000 --count "$2" --inflight "$INFLIGHT" \
		gor --impi "r$1u-%u@a.test" --impu "sip:r$1u-%u@a.test" --partner b.test
	cxc_json '.answered == .count and .result_codes == {"2001": .count}' \
		|| { cxc_show; mig_fail "round $1: not every GOR was answered 2001"; }
	got=$(mb_sql brka "SELECT count(*), count(DISTINCT mig_impi), count(DISTINCT home_impi)
		FROM bindings WHERE home_impi LIKE 'r$1u-%' AND state = 'allocated'")
	[ "$got" = "$2|$2|$2" ] || mig_fail "round $1: $2 answers but the store has (bindings|identities|users) $got"
	us=$(awk -v a="$c0" -v b="$(mig_fd_cpu brka)" -v hz="$HZ" -v n="$2" 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')
	jq -c --argjson r "$1" --arg l "$l" --argjson us "$us" \
		'{round: $r, loadavg_before: $l, broker_cpu_us: $us} + .' "$CXC_OUT" >> "$OUT/rounds.jsonl"
	jq -r --argjson r "$1" --argjson us "$us" \
		'"# round \($r): \(.answers_per_s) allocations/s, median \(.latency_ms.median) ms, p99 \(.latency_ms.p99) ms, broker CPU \($us) us per allocation"' "$CXC_OUT"
}

round 0 2000    # warm-up: the first requests of a process are slower
: > "$OUT/rounds.jsonl"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	round "$r" "$COUNT"
	r=$((r + 1))
done

jq -rs --argjson inflight "$INFLIGHT" --arg extra "${MB_JSON_brka:-}" '
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	def r2: . * 100 | round / 100;
	"GOR allocations, \(.[0].count) per round, \($inflight) in flight, \(length) rounds\(if $extra != "" then ", brka: " + $extra else "" end)",
	"| allocations/s median (min-max) | latency median ms | latency p99 ms | broker CPU per allocation |",
	"|---|---|---|---|",
	"| \(map(.answers_per_s) | median | r2) (\(map(.answers_per_s) | min | r2)-\(map(.answers_per_s) | max | r2)) | \(map(.latency_ms.median) | median | r2) | \(map(.latency_ms.p99) | median | r2) | \(map(.broker_cpu_us) | median) us |",
	"target >= 10000/s: \(if (map(.answers_per_s) | median) >= 10000 then "met" else "MISSED" end)"
' "$OUT/rounds.jsonl" > "$OUT/table.txt" || mig_fail "could not summarise"
echo "nproc $(nproc), load $(mig_loadavg)" >> "$OUT/table.txt"
cat "$OUT/table.txt"
echo "# results in $OUT"
mig_pass
