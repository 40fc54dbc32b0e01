#!/bin/sh
# Smoke test of the MAR benchmark's generator on the brokered path
# (tests/bench/bench_mar.sh): B's S-CSCF sends 300 MARs, 32 in flight, for
# alice's migration identity at B; every one crosses brkb => brka -> hssa
# and back, and is answered 2001.  Then the generator's other mode: 16 in
# flight for one second (--duration; --count only caps it).  Quick: a few
# seconds.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init bench_smoke
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

mb_setup true
mb_start
mb_allocate

cxc_run scscfb --count 300 --inflight 32 --dest-host sipdb.b.test \
	mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "300 brokered MARs, 32 in flight: exit 0" cxc_rc_is 0
mig_check "... all 300 answered, none expired, lost or unsent" cxc_json \
	'[.count, .inflight, .answered, .expired, .lost, .send_failed] == [300, 32, 300, 0, 0, 0]'
mig_check "... all 2001" cxc_json '.result_codes == {"2001": 300}'
mig_check "... latencies and a rate" cxc_json \
	'(.latency_ms | .min > 0 and .min <= .median and .median <= .p99 and .p99 <= .max) and .answers_per_s > 0'

cxc_run scscfb --count 1000000 --inflight 16 --duration 1 --dest-host sipdb.b.test \
	mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "16 in flight for 1 s: exit 0" cxc_rc_is 0
mig_check "... stopped by the clock, not the cap: sent some, far fewer than 1,000,000" cxc_json \
	'.count > 16 and .count < 1000000'
mig_check "... every one sent answered 2001, none expired or lost" cxc_json \
	'.answered == .count and .result_codes == {"2001": .count} and [.expired, .lost, .send_failed] == [0, 0, 0]'
mig_check "... sending for a second, then the last answers" cxc_json '.elapsed_ms >= 1000'
mig_check "... and no longer than that plus connecting" cxc_took 1000 8000
mig_pass
