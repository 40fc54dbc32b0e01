#!/bin/sh
# The link between two systems is TLS (TR 23.781 key issues 1.9, 1.10),
# with certificates that name the broker they belong to.  A partner that
# connects in clear is refused by freeDiameter.  A peer with a certificate
# of the same CA that names another host, claiming to be the partner, gets
# a connection from freeDiameter 1.2.1 (which checks the name only when it
# connects out itself) but nothing else: the broker refuses its requests
# and audits why.  A certificate of another CA fails the handshake.  With
# the right certificate, the same MAR goes through.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_tls
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

TLS_PEER=$top_builddir/tests/tools/tls_peer
[ -x "$TLS_PEER" ] || mig_fail "$TLS_PEER not built"
MB_TIMEOUT_MS=1500
mb_setup true
cxc_dump brka

# A fake "B" that tries A's clear port: B's identity, no TLS.
mig_fd_conf fakeb sipdb.b.test b.test
mig_fd_load_cx_dict fakeb
mig_fd_peer fakeb brka

# NAME CN [self]: a key and certificate for CN, from the test CA (or self-signed)
mk_cert()
{
	printf 'cn = "%s"\ndns_name = "%s"\ntls_www_client\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 2\n' \
		"$2" "$2" >"$MIG_TMP/$1.tmpl"
	certtool --generate-privkey --key-type=ecdsa --outfile "$MIG_TMP/$1.key" >/dev/null 2>&1 \
		|| mig_fail "certtool: no key"
	if [ "${3:-}" = self ]; then
		certtool --generate-self-signed --load-privkey "$MIG_TMP/$1.key" \
			--template "$MIG_TMP/$1.tmpl" --outfile "$MIG_TMP/$1.pem" >/dev/null 2>&1
	else
		certtool --generate-certificate --load-privkey "$MIG_TMP/$1.key" \
			--load-ca-certificate "$MIG_TMP/ca.pem" --load-ca-privkey "$MIG_TMP/ca.key" \
			--template "$MIG_TMP/$1.tmpl" --outfile "$MIG_TMP/$1.pem" >/dev/null 2>&1
	fi || mig_fail "certtool could not make a certificate for $2"
}
log_has() { grep -qF -- "$2" "$(mig_fd_log "$1")"; }
out_has() { grep -qxF -- "$1" "$MIG_TMP/tls_peer.out" || { cat "$MIG_TMP/tls_peer.out"; return 1; }; }
# NAME: connect to A's TLS port with NAME's certificate, claiming to be B
impostor()
{
	timeout -k 5 30 "$TLS_PEER" 127.0.0.1 "$(mig_fd_tls_port brka)" "$MIG_TMP/$1.pem" "$MIG_TMP/$1.key" \
		"$MIG_TMP/ca.pem" sipdb.b.test b.test sipdb.a.test a.test "$MB_OUT_IMPI" "$MB_OUT_IMPU" \
		>"$MIG_TMP/tls_peer.out" 2>&1
	sed 's/^/# tls_peer: /' "$MIG_TMP/tls_peer.out"
}
no_vector_asked() { ! grep -q 'MAA user=alice' "$(mig_fd_log hssa)"; }

for d in hssa brka; do mig_fd_start $d; done
for d in hssa brka; do mig_fd_wait_ready $d || mig_fail "$d did not start"; done
mig_fd_wait_open brka hss.a.test || mig_fail "brka never connected to hssa"
cxc_run cmsa --dest-host sipdb.a.test gor --impi alice@a.test --impu sip:alice@a.test --partner b.test
MB_OUT_IMPI=$(jq -r .migration_impi "$CXC_OUT")
MB_OUT_IMPU=$(jq -r .migration_impu "$CXC_OUT")

# 1. In clear: refused at the capabilities exchange.
cxc_run fakeb --connect-timeout 4000 mar --impi "$MB_OUT_IMPI" --impu "$MB_OUT_IMPU"
mig_check "a partner connecting in clear never gets a connection (exit 3)" cxc_rc_is 3
mig_check "... A answered its CER with DIAMETER_NO_COMMON_SECURITY" \
	log_has brka "DIAMETER_NO_COMMON_SECURITY"

# 2. A certificate of the right CA naming another host, claiming to be B.
mk_cert evil sipdb.evil.test
impostor evil
mig_check "the impostor's handshake and CER succeed (freeDiameter 1.2.1)" \
	sh -c "grep -qx 'handshake ok' '$MIG_TMP/tls_peer.out' && grep -qx 'CEA 2001' '$MIG_TMP/tls_peer.out'"
mig_check "... but A's broker marks the peer: certificate does not name it" \
	log_has brka "peer 'sipdb.b.test' of partner 'b.test' connected with a certificate that does not name it"
mig_check "... and refuses its MAR: 5003" out_has "MAA result 5003"
mig_check "... audited with the reason" \
	test "$(mb_sql brka "select count(*) from audit where action='mar-refused' and detail like '%certificate does not name%'")" -ge 1

# 3. A certificate of another CA: no handshake.
mk_cert other sipdb.b.test self
impostor other
mig_check "a certificate of another CA: no TLS session, no CER" \
	sh -c "grep -q '^handshake failed' '$MIG_TMP/tls_peer.out' || grep -qx 'CEA none' '$MIG_TMP/tls_peer.out'"
mig_check "none of them got a vector asked for" no_vector_asked

# 4. The real B, with the right certificate: the MAR goes through, over TLS.
mig_fd_start brkb
mig_fd_wait_ready brkb || mig_fail "brkb did not start"
mig_fd_wait_open brkb sipdb.a.test 30 || mig_fail "brkb never connected to brka"
mig_check "A's broker: B's peer connected over TLS, certificate names it" \
	mig_wait_for 10 log_has brka "peer 'sipdb.b.test' of partner 'b.test' connected over TLS, certificate names it"
cxc_run cmsb --dest-host sipdb.b.test gir --impi "$MB_OUT_IMPI" --impu "$MB_OUT_IMPU" \
	--primary a.test --primary-sipdb sipdb.a.test
MB_IN_IMPI=$(jq -r .migration_impi "$CXC_OUT")
MB_IN_IMPU=$(jq -r .migration_impu "$CXC_OUT")
cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "with the right certificate, B's MAR is answered 2001" cxc_json .result_code 2001
mig_pass
