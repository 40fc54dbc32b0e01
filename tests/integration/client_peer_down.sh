#!/bin/sh
# cx_client exits 3, printing nothing on stdout, when its peer does not
# reach STATE_OPEN before --connect-timeout: with the peer not running at
# all, and with a running peer while --peer names another identity.  The
# client gives up on time (within the deadline plus 3 s for start-up and
# shutdown) and does not give up early.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_peer_down
. "$top_srcdir/tests/integration/client_lib.sh"

cxc_peer hss hss.a.test a.test
cxc_conf scscf scscf.a.test a.test hss
ids="--impi alice@a.test --impu sip:alice@a.test"

# Nobody listens on hss's port yet.
cxc_run scscf --connect-timeout 1500 mar $ids
mig_check "peer not running: exit 3" cxc_rc_is 3
mig_check "... after the 1.5 s deadline, not much later" cxc_took 1500 4500
mig_check "... with nothing on stdout" cxc_out_empty
mig_check "... and the reason on stderr" grep -q 'not OPEN within 1500 ms' "$CXC_ERR"

cxc_start hss

# The peer is there and OPEN, but it is not the one asked for.
cxc_run scscf --connect-timeout 1000 --peer hss2.a.test mar $ids
mig_check "--peer names an identity that never connects: exit 3" cxc_rc_is 3
mig_check "... after the 1 s deadline, not much later" cxc_took 1000 4000
mig_check "... with nothing on stdout" cxc_out_empty

# The same client reaches the same peer when asked for it: the two
# failures above were the peer's absence, not a broken configuration.
cxc_run scscf --peer hss.a.test mar $ids
mig_check "--peer hss.a.test, running: an answer (exit 0)" cxc_rc_is 0
mig_check "... from hss.a.test" cxc_json .origin_host hss.a.test
mig_pass
