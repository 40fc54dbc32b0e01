#!/bin/sh
# cx_client keeps its deadline against a peer that never answers: the peer
# is OPEN (freeDiameterd with tools/cx_client_sink.fdx, which advertises Cx
# and the allocation application and swallows their requests), so the
# request goes out and nothing comes back.
#   - one MAR, --timeout 1500: exit 4 no sooner than 1.5 s and no later
#     than 1 s after it, nothing on stdout, the reason on stderr;
#   - the same for a GOR;
#   - --count 6 --inflight 3, --timeout 1000: exit 4, a summary with
#     6 expired and none answered, the requests sent 3 at a time (two
#     rounds: 2 s, not 1 s and not 6 s), and the sink saw all six;
#   - a peer whose answers the client's core drops without calling any
#     callback (cx_client_sink.fdx "unknown-avp": an M-bit AVP the client's
#     dictionary lacks, ARCHITECTURE.md pitfall 3): the client's own
#     deadline still ends the wait, exit 4 within --timeout + 1 s, and the
#     summary counts those requests as lost.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_no_answer
. "$top_srcdir/tests/integration/client_lib.sh"

cxc_peer hss hss.a.test a.test
mig_fd_ext hss "$CXC_SINK"
cxc_conf scscf scscf.a.test a.test hss
cxc_peer dropper dropper.a.test a.test
mig_fd_ext dropper "$CXC_SINK" unknown-avp
cxc_conf scscf2 scscf2.a.test a.test dropper
cxc_start hss dropper
swallowed() { grep -c 'cx_client_sink: swallowed' "$(mig_fd_log hss)"; }

cxc_run scscf --timeout 1500 mar --impi alice@a.test --impu sip:alice@a.test
mig_check "MAR without answer: exit 4" cxc_rc_is 4
mig_check "... not before 1.5 s, within 1.5 s + 1 s" cxc_took 1500 2500
mig_check "... nothing on stdout" cxc_out_empty
mig_check "... the reason on stderr" grep -q 'no answer within 1500 ms' "$CXC_ERR"
mig_check "... the request did reach the peer" test "$(swallowed)" = 1

cxc_run scscf --timeout 1200 gor --impi alice@a.test --impu sip:alice@a.test --partner b.test
mig_check "GOR without answer: exit 4" cxc_rc_is 4
mig_check "... not before 1.2 s, within 1.2 s + 1 s" cxc_took 1200 2200
mig_check "... nothing on stdout" cxc_out_empty
mig_check "... the request did reach the peer" test "$(swallowed)" = 2

cxc_run scscf --timeout 1000 --count 6 --inflight 3 mar --impi alice@a.test --impu sip:alice@a.test
mig_check "--count 6 without answers: exit 4" cxc_rc_is 4
mig_check "... a summary: 6 sent, 6 expired, none answered" cxc_json \
	'[.command, .count, .inflight, .answered, .expired, .lost, .send_failed] == ["MAR", 6, 3, 0, 6, 0, 0]'
mig_check "... no latency without answers" cxc_json .latency_ms null
mig_check "... three in flight at a time: two rounds of 1 s" cxc_took 2000 3500
mig_check "... all six reached the peer" test "$(swallowed)" = 8

cxc_run scscf2 --timeout 1500 mar --impi alice@a.test --impu sip:alice@a.test
mig_check "answer dropped by the client's core: exit 4" cxc_rc_is 4
mig_check "... not before 1.5 s, within 1.5 s + 1 s" cxc_took 1500 2500
mig_check "... nothing on stdout" cxc_out_empty
mig_check "... the client's own deadline ended it" grep -q 'no answer and no expiry' "$CXC_ERR"
mig_check "... the peer did answer" grep -q 'cx_client_sink: swallowed' "$(mig_fd_log dropper)"
mig_check "... and the client's core refused the answer" \
	grep -q "Parsing error: 'DIAMETER_AVP_UNSUPPORTED'" "$(mig_fd_log scscf2)"

cxc_run scscf2 --timeout 1000 --count 4 --inflight 4 mar --impi alice@a.test --impu sip:alice@a.test
mig_check "--count 4, answers dropped: exit 4" cxc_rc_is 4
mig_check "... a summary: 4 lost, none answered or expired" cxc_json \
	'[.answered, .expired, .lost] == [0, 0, 4]'
mig_check "... within 1 s + 1 s" cxc_took 1000 2000
mig_pass
