#!/bin/sh
# cx_client --count N --inflight K sends N requests, at most K at a time,
# and prints one summary: every request answered (exit 0), the answers
# counted per result code, latencies in order (min <= median <= p99 <=
# max).  The peer is a plain freeDiameterd relay that answers every
# request 3002 itself, as fast as it can.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_count
. "$top_srcdir/tests/integration/client_lib.sh"

cxc_peer hss hss.a.test a.test
cxc_conf scscf scscf.a.test a.test hss
cxc_start hss

cxc_run scscf --count 300 --inflight 16 mar --impi alice@a.test --impu sip:alice@a.test
mig_check "300 MARs, 16 in flight: exit 0" cxc_rc_is 0
mig_check "... summary: all 300 answered" cxc_json \
	'[.command, .count, .inflight, .answered, .expired, .lost, .send_failed] == ["MAR", 300, 16, 300, 0, 0, 0]'
mig_check "... 300 answers 3002" cxc_json '.result_codes == {"3002": 300}'
mig_check "... no experimental results" cxc_json '.experimental_result_codes == {}'
mig_check "... latencies in order" cxc_json \
	'.latency_ms | .min > 0 and .min <= .median and .median <= .p99 and .p99 <= .max'
mig_check "... a rate" cxc_json '.answers_per_s > 0 and .elapsed_ms > 0'
mig_check "... in well under the 5 s a request may take" cxc_took 0 20000

cxc_run scscf --count 40 --inflight 40 gir --impi m@a.test --impu sip:m@a.test --primary b.test
mig_check "40 GIRs all at once: exit 0" cxc_rc_is 0
mig_check "... all answered 3002" cxc_json '[.command, .answered, .result_codes["3002"]] == ["GIR", 40, 40]'

# --count 1 still prints the summary, not the answer.
cxc_run scscf --count 1 mar --impi alice@a.test --impu sip:alice@a.test
mig_check "--count 1: a summary" cxc_json '[.count, .answered, (.avps == null)] == [1, 1, true]'
mig_pass
