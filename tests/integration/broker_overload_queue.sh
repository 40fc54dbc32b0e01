#!/bin/sh
# Overload when the broker's CPU runs out (doc/RELIABILITY.md, "Overload"):
# A has room for every request in flight (max_inflight 100000) but lets a
# request wait at most max_queue_ms 20 between the socket and its handler
# (5 while a queue stands).  c.test keeps 2000 MARs outstanding: more than A
# drains in 20 ms on any machine (about 250 at 12,000 MARs/s), so requests
# queue.  Every request must get an answer, 2001 or
# 3004; some 3004s must be for the wait (busy.queue); the in-flight bound
# must not have been used; afterwards A serves normally again.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_overload_queue
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/broker_overload_lib.sh"

ov_setup '{ "max_inflight": 100000, "max_queue_ms": 20 }'
mb_start
ov_binding_c

mar_c 6000 2000
busy=$(jq '.result_codes."3004" // 0' "$CXC_OUT")
ok=$(jq '.result_codes."2001" // 0' "$CXC_OUT")
echo "# flood: $ok answered 2001, $busy answered 3004; $(jq -c '{elapsed_ms, latency_ms_by_code}' "$CXC_OUT")"
mig_check "flood: every request answered, none lost or late" \
	jq -e '[.answered, .lost, .expired, .send_failed] == [6000, 0, 0, 0]' "$CXC_OUT"
mig_check "flood: only 2001 and 3004" test $((ok + busy)) = 6000
mig_check "flood: 3004 answers appear" test "$busy" -gt 0
mig_check "flood: admitted MARs are still served" test "$ok" -gt 0

# The overload verdict outlives the flood by at most two 100 ms intervals.
sleep 1
mar_c 50 4
mig_check "after: 50 MARs, all 2001" \
	jq -e '[.answered, .lost, .result_codes."2001"] == [50, 0, 50]' "$CXC_OUT"
mig_check "busy.queue counts every 3004" mig_wait_for 10 mb_counter_is brka "'busy.queue'" "$busy"
mig_check "the in-flight bound was not used" \
	test "$(mb_sql brka "select count(*) from counters where name = 'busy.inflight' and value > 0")" = 0
mig_pass
