#!/bin/sh
# Hostile or broken partners (the Hardening issue; broker_errors.sh has
# the well-formed refusals, broker_tls.sh the impostors at the TLS layer).
# tools/raw_peer connects to A's broker as partner C's SIP database
# (sipdb.c.test; C's link is plain in broker_lib.sh) and sends what
# freeDiameter itself never would: broken lengths, missing or unknown
# mandatory AVPs, 10,000 SIP-Auth-Data-Items, over-long identities, our
# own realm in Origin-Realm, allocation requests, floods.  Then it plays a
# hostile primary system A (over TLS, with A's certificate) that answers
# B's MARs with more vectors than asked for.  Each gets the code RFC 6733 /
# TS 29.229 ask for, or -- where freeDiameter 1.2.1 cannot parse the bytes
# -- the connection is closed (RFC 6733 3: a message that cannot be
# framed); nobody gets a vector; refusals of ours are audited; and the
# broker still serves B's legitimate MAR right after each.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_hostile
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

RAW=$top_builddir/tests/tools/raw_peer
[ -x "$RAW" ] || mig_fail "$RAW not built"
MB_TIMEOUT_MS=1500
mb_setup true
# Peers of C whose connections freeDiameter will close on malformed bytes:
# one identity each.  (1.2.1 then tries to reconnect to a closed peer, and
# a new connection of the same identity at that moment is left in REOPEN,
# where answers cannot be sent: a fresh identity keeps the cases apart.)
for j in 1 2 3 4; do
	mig_fd_conf junk$j junk$j.c.test c.test
	mig_fd_peer brka junk$j
done
mb_start
mb_allocate

RAW_OUT=$MIG_TMP/raw.out
raw_n=0
# How many times A saw C's peer leave OPEN (DPR: CLOSING; closed: CLOSED).
c_closed() { grep -c -- "'STATE_OPEN'.*-> 'STATE_CLOS.*'$RAW_ID'" "$(mig_fd_log brka)"; }
c_gone() { [ "$(c_closed)" -gt "$raw_n" ]; }
# [OPTIONS] CASE [N]: one raw_peer run as $RAW_ID (default sipdb.c.test)
# against A; waits until A has seen the connection end (the next one then
# starts clean)
raw_c()
{
	: "${RAW_ID:=sipdb.c.test}"
	raw_n=$(c_closed)
	raw__opts=
	while [ "${1#--}" != "$1" ]; do raw__opts="$raw__opts $1 $2"; shift 2; done
	# shellcheck disable=SC2086 # options are words
	timeout -k 5 120 "$RAW" --impi "${RAW_IMPI:-$MB_OUT_IMPI}" --impu "${RAW_IMPU:-$MB_OUT_IMPU}" \
		$raw__opts 127.0.0.1 "$(mig_fd_port brka)" "$RAW_ID" c.test sipdb.a.test a.test \
		"$@" >"$RAW_OUT" 2>&1
	sed "s/^/# raw_peer $RAW_ID $1: /" "$RAW_OUT"
	mig_wait_for 15 c_gone || echo "# A never saw $RAW_ID's connection end"
	RAW_ID=
}
said() { grep -qxF -- "$1" "$RAW_OUT" || { echo "# raw_peer did not say '$1'"; return 1; }; }
no_vectors() { said "items 0"; }
audits() { test "$(mb_sql brka "select count(*) from audit where $1")" -ge "${2:-1}"; }
legit_mar()
{
	cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
	mig_check "... and B's legitimate MAR still gets 2001 with a vector" \
		cxc_json '.result_code == 2001 and (.items | length) == 1'
}

# The baseline: well formed, but the identity is B's, not C's.
raw_c mar
mig_check "C asking for B's identity (well formed) gets 5003" said "answer result 5003"
mig_check "... and no vector" no_vectors

# Malformed AVPs freeDiameter parses, then refuses by the dictionary's
# rules, answering on the same connection.
raw_c items 2
mig_check "a MAR with 2 SIP-Auth-Data-Items gets 5009 DIAMETER_AVP_OCCURS_TOO_MANY_TIMES" \
	said "answer result 5009"
mig_check "... Failed-AVP names SIP-Auth-Data-Item (612)" said "failed-avp 612"
mig_check "... no vector, connection kept" sh -c "grep -qx 'items 0' '$RAW_OUT' && grep -qx 'alive yes' '$RAW_OUT'"
raw_c no-item
mig_check "a MAR without SIP-Auth-Data-Item gets 5005 DIAMETER_MISSING_AVP naming it" \
	sh -c "grep -qx 'answer result 5005' '$RAW_OUT' && grep -qx 'failed-avp 612' '$RAW_OUT'"
raw_c unknown-m
mig_check "an unknown AVP with the M bit gets 5001 DIAMETER_AVP_UNSUPPORTED naming it" \
	sh -c "grep -qx 'answer result 5001' '$RAW_OUT' && grep -qx 'failed-avp 9999' '$RAW_OUT'"
raw_c bad-u32
mig_check "an Unsigned32 AVP of 2 bytes gets 5014 DIAMETER_INVALID_AVP_LENGTH naming it" \
	sh -c "grep -qx 'answer result 5014' '$RAW_OUT' && grep -qx 'failed-avp 607' '$RAW_OUT'"
mig_check "... the four audited by A's broker, naming C's peer and the error" \
	audits "action='message-refused' and realm='c.test' and detail like '%''sipdb.c.test''%request 303%'" 4
mig_check "... and logged in one line each" \
	test "$(grep -c "mig_sipdb: peer 'sipdb.c.test' sent a request 303 that breaks the dictionary" "$(mig_fd_log brka)")" = 4

# Identities our own code refuses.
RAW_IMPI=$(printf 'x%.0s' $(seq 300))@a.test raw_c mar
mig_check "a 300-byte User-Name gets 5004 DIAMETER_INVALID_AVP_VALUE naming User-Name (1)" \
	sh -c "grep -qx 'answer result 5004' '$RAW_OUT' && grep -qx 'failed-avp 1' '$RAW_OUT'"
mig_check "... no vector" no_vectors
RAW_IMPU=sip:$(printf 'y%.0s' $(seq 300))@a.test raw_c mar
mig_check "a 300-byte Public-Identity gets 5004 naming Public-Identity (601)" \
	sh -c "grep -qx 'answer result 5004' '$RAW_OUT' && grep -qx 'failed-avp 601' '$RAW_OUT'"

# Our own realm in Origin-Realm, from C's peer: without the check, A took
# the request for one of its own S-CSCF's and passed it to its HSS, which
# handed C the real user's vectors.
RAW_IMPI=alice@a.test RAW_IMPU=sip:alice@a.test raw_c --origin-realm a.test mar
mig_check "C's MAR for A's real user, claiming realm a.test, gets 5003" \
	said "answer result 5003"
mig_check "... and no vector" no_vectors
mig_check "... audited with the peer it came from" \
	audits "action='mar-refused' and detail like '%came from peer ''sipdb.c.test''%'"

# Allocation belongs to A's own management server: C may not allocate
# A's users for itself (and then ask for their vectors), whatever realm it
# claims.
bindings0=$(mb_sql brka "select count(*) from bindings")
RAW_IMPI=alice@a.test RAW_IMPU=sip:alice@a.test raw_c gor
mig_check "C's allocation request (GOR) gets 5003" said "answer result 5003"
RAW_IMPI=alice@a.test RAW_IMPU=sip:alice@a.test raw_c --origin-realm a.test gor
mig_check "... also when it claims realm a.test" said "answer result 5003"
mig_check "... both audited" audits "action='gor-refused'" 2
mig_check "... and no binding was made" \
	test "$(mb_sql brka "select count(*) from bindings")" = "$bindings0"

# Floods: every request answered correctly, A stays responsive.  A flood
# may also meet the overload guard (broker.md, "Limits"): a request that
# waited too long in the queue is answered 3004 instead, never served.
audit0=$(mb_sql brka "select count(*) from audit where action='mar-refused'")
raw_c flood 2000
coded() { sed -n "s/^code $1 //p" "$RAW_OUT"; }
refused=$(coded 5003) shed=$(coded 3004)
mig_check "a flood of 2,000 MARs for B's identity: every one answered" \
	grep -qx "flood sent 2000 answered 2000 .*" "$RAW_OUT"
mig_check "... every one 5003, or 3004 when shed (${refused:-0} + ${shed:-0})" \
	test "$(grep -c '^code ' "$RAW_OUT")" -le 2 -a $((${refused:-0} + ${shed:-0})) = 2000
mig_check "... refused by the decision (5003) where not shed" test "${refused:-0}" -ge 1
mig_check "... no vector" no_vectors
mig_check "... every 5003 audited" \
	test "$(mb_sql brka "select count(*) from audit where action='mar-refused'")" -ge $((audit0 + ${refused:-0}))
legit_mar
RAW_IMPI=alice@a.test RAW_IMPU=sip:alice@a.test raw_c flood-gor 2000
mig_check "a flood of 2,000 GORs from C: every one answered 5003" \
	sh -c "grep -qx 'flood sent 2000 answered 2000 .*' '$RAW_OUT' && grep -qx 'code 5003 2000' '$RAW_OUT'"
mig_check "... and no binding was made" \
	test "$(mb_sql brka "select count(*) from bindings")" = "$bindings0"
legit_mar

# Bytes that cannot be framed or parsed: freeDiameter 1.2.1 closes the
# connection (no answer is possible: hop-by-hop unknown, or the message
# cannot be read); the peer may connect again.
j=0
for kase in avp-short avp-overrun hdr-short; do
	j=$((j + 1))
	RAW_ID=junk$j.c.test raw_c "$kase"
	mig_check "$kase: no answer, and A closes the connection" \
		sh -c "grep -qx 'answer none' '$RAW_OUT' && grep -qx 'alive no' '$RAW_OUT'"
done
mig_check "... each audited by A's broker, naming the peer" \
	audits "action='message-refused' and detail like '%''junk_.c.test'' sent % bytes that are no Diameter message%'" 3
RAW_ID=junk4.c.test raw_c items 10000
mig_check "a MAR with 10,000 SIP-Auth-Data-Items (> 64 KiB): A closes the connection" \
	sh -c "grep -qx 'answer none' '$RAW_OUT' && grep -qx 'alive no' '$RAW_OUT'"
mig_check "... and says why (freeDiameter's 65,535-byte limit)" \
	grep -q "Received suspect header" "$(mig_fd_log brka)"
mig_check "A is still up after the malformed messages" mig__running brka
legit_mar

# A hostile primary: raw_peer takes A's place (A's certificate, A's
# identity) on B's TLS port and answers B's MARs with more vectors than
# asked for: 100 (under freeDiameter's 64 KiB), then 10,000 (over it).
mig_fd_stop brka
mig_fd_stop hssa
# NITEMS: serve one MAR with NITEMS vectors, while B's S-CSCF asks
hostile_primary()
{
	timeout -k 5 60 "$RAW" --timeout 20000 --tls "$MIG_TMP/brka.pem" "$MIG_TMP/brka.key" \
		"$MIG_TMP/ca.pem" 127.0.0.1 "$(mig_fd_tls_port brkb)" sipdb.a.test a.test \
		sipdb.b.test b.test serve "$1" 1 >"$MIG_TMP/serve.out" 2>&1 &
	serve_pid=$!
	mig_wait_for 15 grep -qsx "CEA 2001" "$MIG_TMP/serve.out" || cat "$MIG_TMP/serve.out"
	mig_fd_wait_log brkb "peer 'sipdb.a.test' of partner 'a.test' connected over TLS, certificate names it" 15 >/dev/null
	cxc_run scscfb --dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
	wait "$serve_pid"
	sed 's/^/# hostile primary: /' "$MIG_TMP/serve.out"
}
audit0=$(mb_sql brkb "select count(*) from audit where action='answer-refused'")
hostile_primary 100
mig_check "the hostile primary answered B's MAR with 100 vectors" \
	grep -qx "served MAR 1 with 100 items, .*" "$MIG_TMP/serve.out"
mig_check "... B's S-CSCF gets 5012 DIAMETER_UNABLE_TO_COMPLY" cxc_json .result_code 5012
mig_check "... and none of the vectors" cxc_json '(.items // []) | length' 0
mig_check "... B audits the refused answer" \
	test "$(mb_sql brkb "select count(*) from audit where action='answer-refused' and detail like '%more SIP-Auth-Data-Items%'")" -gt "$audit0"
hostile_primary 10000
mig_check "10,000 vectors (> 64 KiB): B closes the link; its S-CSCF gets 3002 within the deadline" \
	sh -c "jq -e '.result_code == 3002' '$CXC_OUT' >/dev/null" && cxc_took 0 4000
mig_check "... and none of the vectors" cxc_json '(.items // []) | length' 0
mig_check "B is still up" mig__running brkb
mig_fd_stop brkb
mig_check "broker B stopped cleanly" test "$MIG_RC" = 0
mig_pass
