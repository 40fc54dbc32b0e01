#!/bin/sh
# Overload (doc/RELIABILITY.md, "Overload"): partner c.test floods A with
# MARs far above what A can serve (400 in flight against max_inflight 16).
# Every request must get an answer (none lost, none past its deadline),
# some 3004 and some 2001 and nothing else; A's peak resident size stays
# under OVERLOAD_HWM_KB; the refusals are audited in aggregate and counted
# (busy.inflight); afterwards A serves normally again.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_overload
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/broker_overload_lib.sh"

FLOOD=${OVERLOAD_FLOOD:-6000}
WINDOW=${OVERLOAD_WINDOW:-400}
# 64 MiB; idle, A peaks at ~15 MiB.  Under ASan (MIG_SAN_PRELOAD) shadow
# memory and the freed-block quarantine (256 MiB at most) add their own.
if [ -n "${MIG_SAN_PRELOAD:-}" ]; then
	OVERLOAD_HWM_KB=${OVERLOAD_HWM_KB:-393216}
else
	OVERLOAD_HWM_KB=${OVERLOAD_HWM_KB:-65536}
fi
ov_setup '{ "max_inflight": 16 }'
mb_start
ov_binding_c
all_2001() { jq -e "[.answered, .lost, .expired, .result_codes.\"2001\"] == [$1, 0, 0, $1]" "$CXC_OUT"; }

mar_c 50 4
mig_check "before: 50 MARs, all 2001" all_2001 50

mar_c "$FLOOD" "$WINDOW"
busy=$(jq '.result_codes."3004" // 0' "$CXC_OUT")
ok=$(jq '.result_codes."2001" // 0' "$CXC_OUT")
secs=$(jq '(.elapsed_ms / 1000 | ceil) + 1' "$CXC_OUT")
echo "# flood: $ok answered 2001, $busy answered 3004; $(jq -c '{elapsed_ms, answers_per_s, latency_ms}' "$CXC_OUT")"
mig_check "flood: every request answered, none lost or late" \
	jq -e "[.answered, .lost, .expired, .send_failed] == [$FLOOD, 0, 0, 0]" "$CXC_OUT"
mig_check "flood: only 2001 and 3004" test $((ok + busy)) = "$FLOOD"
mig_check "flood: 3004 answers appear" test "$busy" -gt 0
mig_check "flood: admitted MARs are still served" test "$ok" -gt 0
hwm=$(mig_fd_mem brka VmHWM)
echo "# A's peak resident size: $hwm kB (bound $OVERLOAD_HWM_KB kB)"
mig_check "A's peak resident size stays under the bound" test "$hwm" -lt "$OVERLOAD_HWM_KB"

# The overload verdict outlives the flood by at most two 100 ms intervals.
sleep 1
mar_c 50 4
mig_check "after: 50 MARs, all 2001" all_2001 50

mig_check "busy.inflight and busy.queue count every 3004" \
	mig_wait_for 10 mb_counter_is brka "'busy.inflight', 'busy.queue'" "$busy"
echo "# $(mb_sql brka "select group_concat(name || ' ' || value, ', ') from counters where name like 'busy.%'")"
rows=$(mb_sql brka "select count(*) from audit where action = 'too-busy'")
sum=$(mb_sql brka "select detail from audit where action = 'too-busy' and realm is null" |
	sed -n 's/^refused \([0-9]*\) over max_inflight 16, \([0-9]*\) over max_queue_ms [0-9]*, 0 under .*$/\1 \2/p' |
	awk '{ s += $1 + $2 } END { print s + 0 }')
echo "# $rows too-busy audit rows"
mig_check "refusals audited in aggregate: at most a row a second" test "$rows" -ge 1 -a "$rows" -le $((secs + 3))
mig_check "the rows add up to the 3004s" test "$sum" = "$busy"
mig_pass
