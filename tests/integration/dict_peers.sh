#!/bin/sh
# Two freeDiameterd with dict_cx, an S-CSCF-like client and an HSS-like
# server, both advertising Cx, reach STATE_OPEN on 127.0.0.1 and exchange
# real Cx messages (tests/tools/dict_probe_wire.c), first over plain TCP,
# then over TLS with certificates made for the test (certtool):
#   - a valid MAR gets an MAA with three AKA vectors intact;
#   - a 2001 MAA that breaks the ABNF is dropped by the client's
#     freeDiameter after it matched the request: neither the answer nor
#     the expiry callback fires (handlers need their own deadline);
#   - a MAR without Server-Name is answered 5005 by the server's
#     freeDiameter itself, in an MAA that breaks the ABNF but, being an
#     error answer, still reaches the answer callback.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/tools/dict_probe.sh"
mig_test_init dict_peers

# run_pair SUFFIX [tls]: instances hss_SUFFIX and scscf_SUFFIX.  The MAR
# the probe sends comes from scscf.test.local to hss.test.local.
run_pair()
{
	hss=hss_$1 scscf=scscf_$1
	mig_fd_conf "$hss" hss.test.local test.local
	dict_probe_load "$hss" none "role = server"
	server_result=$DICT_PROBE_RESULT
	mig_fd_conf "$scscf" scscf.test.local test.local
	dict_probe_load "$scscf" none "role = client" "peer = hss.test.local"
	client_result=$DICT_PROBE_RESULT
	if [ "${2:-}" = tls ]; then
		mig_fd_tls "$hss"
		mig_fd_tls "$scscf"
	fi
	mig_fd_link "$scscf" "$hss" ${2:+"$2"}

	mig_fd_start "$hss"
	mig_fd_start "$scscf"
	mig_fd_wait_ready "$hss" || mig_fail "$hss did not start"
	mig_fd_wait_ready "$scscf" || mig_fail "$scscf did not start"
	mig_fd_wait_open "$scscf" hss.test.local 30 || mig_fail "$scscf never saw the HSS OPEN"
	mig_fd_wait_open "$hss" scscf.test.local 10 || mig_fail "$hss never saw the S-CSCF OPEN"
	if [ "${2:-}" = tls ]; then
		grep -q "Connected to '[a-z.]*' (TCP,TLS," "$(mig_fd_log "$scscf")" "$(mig_fd_log "$hss")" \
			|| mig_fail "$1: the connection is not TLS"
	fi
	echo "ok - $1: both peers in STATE_OPEN"

	# Three exchanges of at most 3 s each, once the client saw the peer.
	mig_fd_wait_log "$scscf" 'dict_probe: done' 30 || mig_fail "$1: the client probe did not finish"
	mig_fd_stop "$scscf" || mig_fail "$scscf exited with status $MIG_RC"
	mig_fd_stop "$hss" || mig_fail "$hss exited with status $MIG_RC"

	echo "== $1: server"
	cat "$server_result"
	grep -q '^PASS wire-server-MAR:' "$server_result" || mig_fail "$1: the server saw no valid MAR"
	grep -q '^FAIL ' "$server_result" && mig_fail "$1: the server reported a failure"
	echo "== $1: client"
	DICT_PROBE_RESULT=$client_result DICT_PROBE_RC=0 dict_probe_verdict "$1 client"
	for case in wire-open wire-MAA wire-MAA-three-AKA-items wire-invalid-MAA wire-invalid-MAR; do
		grep -q "^PASS $case:" "$client_result" || mig_fail "$1: no PASS for $case"
	done
}

run_pair plain
run_pair tls tls
mig_pass
