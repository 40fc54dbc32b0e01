#!/bin/sh
# Real peers: a sipp UE registers with IMS AKA through Kamailio 5.6's
# S-CSCF (system B) and both brokers, against the test HSS of system A,
# with tshark on every link (interop_lib.sh draws the topology).
#
#   1. alice of A migrates to B (GOR at A, GIR at B); her UE registers with
#      B's inbound identity: 401 whose AUTN the UE accepts (so the vector
#      is genuinely A's), the authenticated REGISTER passes Kamailio's RES
#      check, SAR, 200 OK, and Kamailio holds the registration
#   2. a wrong response to the challenge: Kamailio refuses it (403), so the
#      XRES it got through the brokers is what it checks
#   3. carol, whose UE has other keys than A's HSS: the UE rejects the
#      network (sipp exits 255 when MAC-A fails) and nothing is saved
#   4. an inbound identity B never allocated: 403 to the UE
#   5. A revokes alice: the RTR reaches Kamailio, which marks her contact
#      deleted (all Kamailio 5.6.3 does with an RTR, see below); her next
#      REGISTER gets 403
#   6. the wire: no malformed packet or expert error; no undecodable AVP on
#      Cx; every MAA on the Kamailio link carries the inbound identities of
#      its MAR; the vector the UE was challenged with is the one A's HSS made;
#      nothing of A's inside reaches Kamailio, nothing of B's inside the
#      border link (TLS, decrypted with the keys GnuTLS logs for the test)
#
# Kamailio 5.6.3 handles an RTR by marking the contacts "Contact deleted"
# and nothing else (see step 5); the drop is read from its usrloc.  The
# revocation is done with migctl on A's store (io_revoke); the
# store's trigger queues the RTR either way.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init interop_register
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/interop/interop_lib.sh"
io_init

io_setup
io_capture_start
io_start

io_allocate alice
alice_impi=$IO_IN_IMPI alice_impu=$IO_IN_IMPU alice_out=$IO_OUT_IMPI
io_allocate carol
carol_impi=$IO_IN_IMPI carol_impu=$IO_IN_IMPU
unknown_impi=mig-aaaaaaaaaaaaaaaa@b.test unknown_impu=sip:mig-aaaaaaaaaaaaaaaa@b.test
echo "# alice at B: $alice_impi ($alice_out at A); carol at B: $carol_impi"

responses_are() { [ "$(io_sipp_responses "$1")" = "$2" ] || { echo "# UE received: $(io_sipp_responses "$1"), expected: $2"; return 1; }; }
sipp_rc_is() { [ "$IO_SIPP_RC" = "$1" ] || { echo "# sipp exit $IO_SIPP_RC, expected $1"; tail -n 5 "$MIG_TMP/$2.sipp.err" 2>/dev/null | sed 's/^/# /'; echo; return 1; }; }
kam_log() { io_kam_log_has "$1" || { echo "# Kamailio never logged: $1"; return 1; }; }
no_kam_log() { ! io_kam_log_has "$1" || { echo "# Kamailio logged: $(grep -E -- "$1" "$MIG_TMP/kamailio.log" | head -3)"; return 1; }; }
impu_registered()
{
	io_kam_rpc ulscscf.showimpu "$1" > "$MIG_TMP/showimpu.out" 2>&1
	grep -q 'state: registered' "$MIG_TMP/showimpu.out" \
		&& grep -q "sip:ue@127.0.0.1:$IO_UE_PORT" "$MIG_TMP/showimpu.out"
}
contact_is()
{
	# IMPU STATE: Kamailio's own state of the UE's contact
	cs=$(io_kam_contact_state "$1" "sip:ue@127.0.0.1:$IO_UE_PORT")
	[ "$cs" = "$2" ] || { echo "# Kamailio: contact of $1 in state '$cs', expected '$2'"; return 1; }
}

# ---- 1. alice registers with her inbound identity
io_sipp alice register_aka.xml "$alice_impi" "$alice_impu"
first_response_is() { [ "$(io_sipp_responses "$1" | cut -d' ' -f1)" = "$2" ] || { echo "# UE received: $(io_sipp_responses "$1")"; return 1; }; }
mig_check "alice: the UE was challenged (401)" first_response_is alice 401
challenged_and_accepted() { first_response_is "$1" 401 && [ "$IO_SIPP_RC" != 255 ]; }
mig_check "alice: the UE accepted the network's AUTN (MAC-A made with her keys at A)" \
	challenged_and_accepted alice
mig_check "alice: the UE answered with an AKAv1-MD5 response" \
	grep -q "Authorization: Digest username=\"$alice_impi\".*response=\"[0-9a-f]\{32\}\".*algorithm=AKAv1-MD5" "$MIG_TMP/alice.sipp.msg"
mig_check "alice: Kamailio challenged her inbound identity after a MAR" \
	kam_log "interop: Cx MAR for '$alice_impi'"
mig_check "alice: Kamailio found the UE's RES equal to the XRES from A's HSS" \
	kam_log "interop: SIP RES matches XRES for '$alice_impi'"
mig_check "alice: the REGISTER ends in 200 OK" sipp_rc_is 0 alice
mig_check "alice: the UE received 401 then 200" responses_are alice "401 200"
mig_check "alice: Kamailio holds the registration of $alice_impu (ulscscf.showimpu)" \
	impu_registered "$alice_impu"
mig_check "alice: her contact is valid in Kamailio's usrloc (ulscscf.snapshot)" \
	contact_is "$alice_impu" "Contact valid"

# ---- 2. a response that is not RES: Kamailio must check it against XRES
io_sipp wrongres register_wrong_res.xml "$alice_impi" "$alice_impu"
mig_check "wrong response: the UE got 401, then 403" responses_are wrongres "401 403"
mig_check "wrong response: sipp's scenario passed" sipp_rc_is 0 wrongres
mig_check "wrong response: Kamailio compared it with the XRES and refused it" \
	kam_log "interop: SIP response of '$alice_impi' does not match XRES"

# ---- 3. carol's UE has other keys than A's HSS: MAC-A fails in the UE
io_sipp carol register_aka.xml "$carol_impi" "$carol_impu" "$io_carol_ue_k"
mig_check "carol: the UE was challenged (401) through both brokers" responses_are carol 401
mac_failed() { grep -q 'MAC != eXpectedMAC' "$MIG_TMP/$1.sipp.err" || { echo "# sipp did not report a MAC-A failure"; return 1; }; }
mig_check "carol: the UE rejected the network (sipp exits 255 when MAC-A fails)" \
	sipp_rc_is 255 carol
mig_check "carol: sipp's reason is MAC-A (\"MAC != eXpectedMAC\")" mac_failed carol
mig_check "carol: nothing was saved for her at Kamailio" \
	no_kam_log "interop: SIP RES matches XRES for '$carol_impi'"

# ---- 4. an inbound identity B never allocated
io_sipp unknown register_refused.xml "$unknown_impi" "$unknown_impu"
mig_check "unknown identity: 403 to the UE" responses_are unknown 403
mig_check "unknown identity: sipp's scenario passed" sipp_rc_is 0 unknown

# ---- 5. A revokes alice (raw SQL until migctl lands)
io_revoke alice
mig_check "A's store: alice's binding is revoked" \
	test "$(io_sql brka "select state from bindings where home_impi='alice@a.test'")" = revoked
# Kamailio 5.6.3 handles an RTR by marking the contacts "Contact deleted"
# (ims_registrar_scscf cxdx_callbacks.c); the IMPU stays "registered" in
# ulscscf.showimpu and the contact linked until its own expiry.  The drop
# is therefore read from usrloc's contact state.
mig_check "after revocation Kamailio drops alice's contact (RTR; bounded wait)" \
	mig_wait_for 10 contact_is "$alice_impu" "Contact deleted"
io_sipp revoked register_refused.xml "$alice_impi" "$alice_impu"
mig_check "revoked: a new REGISTER gets 403" responses_are revoked 403
mig_check "revoked: sipp's scenario passed" sipp_rc_is 0 revoked
mig_check "revoked: alice's contact stays deleted in Kamailio" \
	contact_is "$alice_impu" "Contact deleted"

# ---- 6. the wire
io_kam_stop
io_capture_stop
if [ "$IO_TLS" = true ]; then
	echo "# capture: $IO_CAP (border link TLS, decrypted with the brokers' session keys)"
else
	echo "# capture: $IO_CAP (border link plaintext: IO_BORDER_PLAIN)"
fi

mig_check "tshark: no malformed packet, no expert error" io_wire_expert
mig_check "tshark: every AVP of every Cx and base message decodes (no warnings)" \
	test -z "$(io_wire_fields '(diameter.applicationId == 16777216 || diameter.applicationId == 0) && _ws.expert.severity >= "Warning"' frame.number _ws.expert.message | tee "$MIG_TMP/cx_warnings.txt")"

kam=$(io_wire_conns_of scscf.b.test)
hss=$(io_wire_conns_of hss.a.test)
border=$(io_wire_conns_between sipdb.a.test sipdb.b.test)
echo "# Kamailio link: $kam; HSS link: $hss; border: $border"

# Every MAR on the Kamailio link and its MAA, joined on Session-Id.
io_wire_fields "$kam && diameter.cmd.code == 303 && diameter.flags.request == 1" \
	diameter.Session-Id diameter.User-Name diameter.Public-Identity > "$MIG_TMP/kam_mar.txt"
io_wire_fields "$kam && diameter.cmd.code == 303 && diameter.flags.request == 0" \
	diameter.Session-Id diameter.User-Name diameter.Public-Identity diameter.Result-Code \
	diameter.Experimental-Result-Code diameter.3GPP-SIP-Authenticate \
	diameter.3GPP-SIP-Authorization > "$MIG_TMP/kam_maa.txt"
maa_match()
{
	# Each MAA answers a MAR, under that MAR's User-Name and Public-Identity,
	# which are inbound identities of B; every MAR is answered.
	awk -F'|' -v ids="$alice_impi $alice_impu $carol_impi $carol_impu $unknown_impi $unknown_impu" '
		BEGIN { n = split(ids, a, " "); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
		NR == FNR { mar[$1] = $2 "|" $3; nmar++; next }
		{ nmaa++
		  if (!($1 in mar)) { print "# MAA without MAR: " $0; bad = 1; next }
		  if (mar[$1] != $2 "|" $3) { print "# MAA identities " $2 " " $3 " != MAR " mar[$1]; bad = 1 }
		  if (!($2 in ok) || !($3 in ok)) { print "# MAA not under inbound identities: " $2 " " $3; bad = 1 }
		  delete mar[$1] }
		END { for (s in mar) { print "# MAR never answered: " s; bad = 1 }
		      if (nmar == 0) { print "# no MAR on the Kamailio link"; bad = 1 }
		      exit bad }' "$MIG_TMP/kam_mar.txt" "$MIG_TMP/kam_maa.txt"
}
mig_check "Kamailio link: every MAA carries the inbound identities of its MAR" maa_match
count_maa() { awk -F'|' -v u="$1" -v rc="$2" -v erc="$3" '$2 == u && $4 == rc && $5 == erc' "$MIG_TMP/kam_maa.txt" | wc -l; }
mig_check "Kamailio link: alice got 2 MAAs with 2001 and a vector (register, wrong response)" \
	test "$(awk -F'|' -v u="$alice_impi" '$2 == u && $4 == 2001 && $6 != ""' "$MIG_TMP/kam_maa.txt" | wc -l)" = 2
mig_check "Kamailio link: carol got 1 MAA with 2001 and a vector" \
	test "$(awk -F'|' -v u="$carol_impi" '$2 == u && $4 == 2001 && $6 != ""' "$MIG_TMP/kam_maa.txt" | wc -l)" = 1
mig_check "Kamailio link: the unknown identity got Experimental-Result 5001 (user unknown)" \
	test "$(count_maa "$unknown_impi" "" 5001)" = 1
mig_check "Kamailio link: revoked alice got 5003 (authorization rejected)" \
	test "$(count_maa "$alice_impi" 5003 "")" = 1

# The vector alice was challenged with is the one A's HSS made.
nonce=$(sed -n 's/^WWW-Authenticate: .*nonce="\([^"]*\)".*/\1/p' "$MIG_TMP/alice.sipp.msg" | head -1 | tr -d '\r')
chal=$(printf '%s' "$nonce" | io_b64_hex)
io_wire_fields "$hss && diameter.cmd.code == 303 && diameter.flags.request == 0" \
	diameter.User-Name diameter.3GPP-SIP-Authenticate diameter.3GPP-SIP-Authorization > "$MIG_TMP/hss_maa.txt"
vector_from_hss()
{
	[ -n "$chal" ] || { echo "# no nonce in alice's 401"; return 1; }
	grep -q "^alice@a.test|$chal|" "$MIG_TMP/hss_maa.txt" || { echo "# 401 nonce $chal not made by A's HSS:"; cat "$MIG_TMP/hss_maa.txt"; return 1; }
	hss_xres=$(grep "^alice@a.test|$chal|" "$MIG_TMP/hss_maa.txt" | cut -d'|' -f3)
	awk -F'|' -v u="$alice_impi" -v c="$chal" -v x="$hss_xres" '$2 == u && $6 == c && $7 == x { f = 1 } END { exit !f }' "$MIG_TMP/kam_maa.txt" \
		|| { echo "# the Kamailio link did not carry RAND||AUTN $chal with XRES $hss_xres"; return 1; }
}
mig_check "the UE's challenge (RAND||AUTN) and the XRES are the HSS's, through both brokers" vector_from_hss

# Topology hiding, on the wire.
no_frames() { test -z "$(io_wire_fields "$1" frame.number | tr -d '\n')" || { echo "# frames matching: $1"; return 1; }; }
mig_check "Kamailio link: nothing of system A (no 'a.test' name)" no_frames "$kam && frame contains \"a.test\""
# (Server-Name there is B's SIP database, the border name, by design.)
mig_check "HSS link: no S-CSCF or identity of system B" \
	no_frames "$hss && (frame contains \"scscf.b.test\" || frame contains \"@b.test\")"
mig_check "the unknown identity never left broker B" \
	no_frames "!($kam) && diameter contains \"$unknown_impi\""
mig_check "carol: Kamailio sent no SAR for her" \
	no_frames "$kam && diameter.cmd.code == 301 && diameter.User-Name == \"$carol_impi\""
if [ "$IO_TLS" = true ]; then
	mig_check "border link: TLS (no Diameter in clear on the wire)" \
		test -z "$(io_wire_fields "$border && !tls && diameter" frame.number)"
	mig_check "border link: TLS records decrypted with the keys GnuTLS logged" \
		test -n "$(io_wire_fields "$border && tls.app_data && diameter" frame.number)"
fi
mig_check "border link: MARs crossed it under A's outbound identity" \
	test -n "$(io_wire_fields "$border && diameter.cmd.code == 303 && diameter.User-Name == \"$alice_out\"" frame.number)"
# (decrypted payload: search the Diameter AVPs, not the encrypted frame)
mig_check "border link: no S-CSCF, HSS, real or inbound identity" \
	no_frames "$border && (diameter contains \"scscf.b.test\" || diameter contains \"hss.a.test\" || diameter contains \"alice@a.test\" || diameter contains \"$alice_impi\")"
has_frames() { test -n "$(io_wire_fields "$1" frame.number | tr -d '\n')" || { echo "# no frame matching: $1"; return 1; }; }
mig_check "Kamailio link: Kamailio sent SAR for alice's inbound identity" \
	has_frames "$kam && diameter.cmd.code == 301 && diameter.flags.request == 1 && diameter.User-Name == \"$alice_impi\""
mig_check "border link: the SAR crossed it under A's outbound identity" \
	has_frames "$border && diameter.cmd.code == 301 && diameter.flags.request == 1 && diameter.User-Name == \"$alice_out\""
mig_check "Kamailio link: alice's SAA is 2001 under her inbound identity, with her User-Data" \
	has_frames "$kam && diameter.cmd.code == 301 && diameter.flags.request == 0 && diameter.User-Name == \"$alice_impi\" && diameter.Result-Code == 2001 && diameter.Cx-User-Data contains \"$alice_impu\""
# Kamailio answers an RTR only if its first Public-Identity is registered
# there (INTEROP.md).
mig_check "border link: broker A's RTR carries A's outbound identity" \
	has_frames "$border && diameter.cmd.code == 304 && diameter.flags.request == 1 && diameter.User-Name == \"$alice_out\""
mig_check "Kamailio link: broker B sent an RTR for alice's inbound identities" \
	has_frames "$kam && diameter.cmd.code == 304 && diameter.flags.request == 1 && diameter.Origin-Host == \"sipdb.b.test\" && diameter.User-Name == \"$alice_impi\" && diameter.Public-Identity == \"$alice_impu\""
mig_check "Kamailio link: Kamailio answered it 2001" \
	has_frames "$kam && diameter.cmd.code == 304 && diameter.flags.request == 0 && diameter.Origin-Host == \"scscf.b.test\" && diameter.Result-Code == 2001"
mig_pass
