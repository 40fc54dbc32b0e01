#!/bin/sh
# Overload when the broker's CPU runs out (doc/RELIABILITY.md, "Overload"):
# A has room for every request in flight (max_inflight 100000) but lets a
# request wait at most max_queue_ms 10 between the socket and its handler.
# c.test keeps 400 MARs outstanding: more than A drains in 10 ms on any
# machine, so requests queue.  Every request must get an answer, 2001 or
# 3004; some 3004s must be for the wait (busy.queue); the in-flight bound
# must not have been used; afterwards A serves normally again.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_overload_queue
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

mb_setup true
jq '. + { "max_inflight": 100000, "max_queue_ms": 10 }' "$MIG_TMP/brka.json" > "$MIG_TMP/brka.json.new" \
	&& mv "$MIG_TMP/brka.json.new" "$MIG_TMP/brka.json"
mb_start

cxc_run cmsa --dest-host sipdb.a.test gor --impi alice@a.test --impu sip:alice@a.test --partner c.test
cxc_json .result_code 2001 || { cxc_show; mig_fail "GOR for c.test failed"; }
C_IMPI=$(jq -r .migration_impi "$CXC_OUT")
C_IMPU=$(jq -r .migration_impu "$CXC_OUT")
mar_c() { cxc_run partc --timeout 10000 --count "$1" --inflight "$2" --dest-host sipdb.a.test mar --impi "$C_IMPI" --impu "$C_IMPU"; }

mar_c 6000 400
busy=$(jq '.result_codes."3004" // 0' "$CXC_OUT")
ok=$(jq '.result_codes."2001" // 0' "$CXC_OUT")
echo "# flood: $ok answered 2001, $busy answered 3004; $(jq -c '{elapsed_ms, latency_ms_by_code}' "$CXC_OUT")"
mig_check "flood: every request answered, none lost or late" \
	jq -e '[.answered, .lost, .expired, .send_failed] == [6000, 0, 0, 0]' "$CXC_OUT"
mig_check "flood: only 2001 and 3004" test $((ok + busy)) = 6000
mig_check "flood: 3004 answers appear" test "$busy" -gt 0
mig_check "flood: admitted MARs are still served" test "$ok" -gt 0

mar_c 50 4
mig_check "after: 50 MARs, all 2001" \
	jq -e '[.answered, .lost, .result_codes."2001"] == [50, 0, 50]' "$CXC_OUT"
mig_check "busy.queue counts every 3004" mig_wait_for 10 sh -c \
	"test \"\$(sqlite3 -cmd '.timeout 5000' '$MIG_TMP/brka.db' \"select value from counters where name = 'busy.queue'\")\" = $busy"
mig_check "the in-flight bound was not used" \
	test "$(mb_sql brka "select count(*) from counters where name = 'busy.inflight' and value > 0")" = 0
mig_pass
