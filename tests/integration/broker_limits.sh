#!/bin/sh
# Per-partner limits (doc/configuration.md, partners[].limits): A allows
# partner c.test 2 live bindings and 20 requests per second (burst 20).
#   - bindings: c.test's third allocation gets 3004 while b.test still
#     allocates;
#   - rate: c.test floods MARs (for a binding it really has, so that admitted
#     ones succeed): some are answered 2001, no more than the bucket allows,
#     the rest 3004; at the same time every MAR of b.test (through brkb)
#     succeeds;
#   - refusals are audited in aggregate (at most one "too-busy" row per
#     partner per second, the counts in the rows adding up to what the
#     client saw) and counted (busy.rps, busy.bindings).
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_limits
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

RPS=20
mb_setup true
jq "(.partners[] | select(.realm == \"c.test\")) += { \"limits\": { \"bindings\": 2, \"rps\": $RPS } }" \
	"$MIG_TMP/brka.json" > "$MIG_TMP/brka.json.new" && mv "$MIG_TMP/brka.json.new" "$MIG_TMP/brka.json"
mb_start
mb_allocate alice

gor_c() { cxc_run cmsa --dest-host sipdb.a.test gor --impi "$1@a.test" --impu "sip:$1@a.test" --partner "$2"; }

# ---- live bindings
gor_c alice c.test
mig_check "c.test: first binding" cxc_json .result_code 2001
C_IMPI=$(jq -r .migration_impi "$CXC_OUT")
C_IMPU=$(jq -r .migration_impu "$CXC_OUT")
gor_c bob c.test
mig_check "c.test: second binding" cxc_json .result_code 2001
gor_c mallory c.test
mig_check "c.test: a third binding is refused with 3004" cxc_json .result_code 3004
gor_c alice c.test
mig_check "c.test at its limit: alice still gets the binding she has" cxc_json .migration_impi "$C_IMPI"
gor_c mallory b.test
mig_check "b.test still allocates" cxc_json .result_code 2001
mig_check "c.test has exactly 2 live bindings" \
	test "$(mb_sql brka "select count(*) from bindings where peer_realm = 'c.test' and state in ('allocated', 'registered')")" = 2

# ---- request rate: c.test floods, b.test goes on at the same time
( cxc_run scscfb --count 200 --inflight 4 --dest-host sipdb.b.test \
	mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU" >/dev/null ) &
bpid=$!
cxc_run partc --count 4000 --inflight 8 --dest-host sipdb.a.test mar --impi "$C_IMPI" --impu "$C_IMPU"
wait $bpid
C_OUT=$CXC_OUT
mig_check "c.test: every MAR answered" \
	jq -e '[.answered, .expired, .lost] == [4000, 0, 0]' "$C_OUT"
busy=$(jq '.result_codes."3004" // 0' "$C_OUT")
ok=$(jq '.result_codes."2001" // 0' "$C_OUT")
secs=$(jq '(.elapsed_ms / 1000 | ceil) + 1' "$C_OUT")
echo "# c.test: $ok answered 2001, $busy answered 3004 in $(jq .elapsed_ms "$C_OUT") ms"
mig_check "c.test: only 2001 and 3004" test $((ok + busy)) = 4000
mig_check "c.test: some MARs refused with 3004" test "$busy" -gt 1000
mig_check "c.test: the burst got through" test "$ok" -ge $RPS
mig_check "c.test: no more than burst + rate x time got through" test "$ok" -le $((RPS + RPS * secs))
CXC_OUT=$MIG_TMP/scscfb.out
mig_check "b.test meanwhile: every MAR answered 2001" \
	jq -e '[.answered, .lost, .result_codes."2001"] == [200, 0, 200]' "$CXC_OUT"

# ---- audit rows and counters, written by the writer thread within ~1 s
counters() { mb_counter brka "'$1'"; }
mig_check "busy.rps counts every refused MAR" mig_wait_for 10 mb_counter_is brka "'busy.rps'" "$busy"
mig_check "busy.bindings counts the refused allocation" test "$(counters busy.bindings)" = 1
"$top_builddir/src/migctl/migctl" --db "$MIG_TMP/brka.db" --json stats > "$MIG_TMP/stats.json"
mig_check "migctl stats shows them" \
	jq -e "[.busy.rate, .busy.bindings, .busy.inflight, .busy.queue] == [$busy, 1, 0, 0]" "$MIG_TMP/stats.json"
rows=$(mb_sql brka "select count(*) from audit where action = 'too-busy' and realm = 'c.test'")
mb_sql brka "select detail from audit where action = 'too-busy' and realm = 'c.test'" > "$MIG_TMP/busy.rows"
sum_rps=$(sed -n 's/^refused \([0-9]*\) over rps.*/\1/p' "$MIG_TMP/busy.rows" | awk '{ s += $1 } END { print s + 0 }')
sum_bnd=$(sed -n 's/.*, \([0-9]*\) over bindings.*/\1/p' "$MIG_TMP/busy.rows" | awk '{ s += $1 } END { print s + 0 }')
echo "# $rows too-busy audit rows for c.test"; cat "$MIG_TMP/busy.rows"
mig_check "refusals are audited in aggregate: a few rows, not one per refusal" \
	test "$rows" -ge 1 -a "$rows" -le $((secs + 3))
mig_check "the rows' rate refusals add up to the 3004s c.test saw" test "$sum_rps" = "$busy"
mig_check "the rows' binding refusals add up to 1" test "$sum_bnd" = 1
mig_check "no too-busy row names b.test" \
	test "$(mb_sql brka "select count(*) from audit where action = 'too-busy' and realm <> 'c.test'")" = 0
[ -n "${MIG_TEST_DEBUG:-}" ] || mig_check "no refusal was logged one by one" sh -c "! grep -q 'refused: partner' '$(mig_fd_log brka)'"
mig_pass
