#!/bin/sh
# The IMS demo: TR 23.781 solution 2 with real peers on loopback.  alice of
# system A migrates to system B; her UE (sipp) registers with IMS AKA at
# B's S-CSCF (Kamailio 5.6), whose Cx requests go through broker B and
# broker A to A's HSS.  tshark watches every link and prints each SIP and
# Diameter message as it passes; then A revokes alice and her next
# REGISTER is refused.
#
# Run from the build tree: make demo-ims (MIG_KEEP_TMP=1 keeps the logs and
# the capture).  Needs kamailio, kamailio-ims-modules,
# kamailio-presence-modules, sip-tester and tshark (./bootstrap), and root
# for the capture.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init demo_ims
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/interop/interop_lib.sh"
io_init

step() { sleep 0.3; printf '\n== %s\n' "$*"; }
MON_PID=
# mawk reads its input in blocks unless told otherwise: lines must show as
# they come.
AWK_LINES=
awk -W version 2>/dev/null | grep -q mawk && AWK_LINES="-W interactive"

# tshark, live: one line per SIP or Diameter message (capabilities and
# watchdog exchanges are used to learn who is who, not shown).  The sender
# of a Diameter message is its Origin-Host; the receiver is the other end
# of its connection.
monitor_start()
{
	ports=
	for p in $(io__diameter_ports) $(mig_fd_tls_port brka) $(mig_fd_tls_port brkb); do
		ports="$ports $p"
	done
	names="$(mig_fd_port hssa)=HSS-A $(mig_fd_port brka)=broker-A $(mig_fd_port brkb)=broker-B $IO_CDP_PORT=S-CSCF-B"
	[ "$IO_TLS" = true ] && names="$names $(mig_fd_tls_port brka)=broker-A $(mig_fd_tls_port brkb)=broker-B"
	filter="udp port $IO_SIP_PORT"
	for p in $ports; do filter="$filter or tcp port $p"; done
	# shellcheck disable=SC2046 # the decode arguments are words
	{ "$IO_TSHARK" -i lo -f "$filter" -l -n $(io__decode_args) \
		-Y 'sip || diameter' -T fields -E separator='|' -E occurrence=f \
		-e tcp.stream -e tcp.srcport -e tcp.dstport -e udp.srcport \
		-e sip.Request-Line -e sip.Status-Line -e sip.auth.username \
		-e diameter.cmd.code -e diameter.flags.request -e diameter.Origin-Host \
		-e diameter.User-Name -e diameter.Public-Identity -e diameter.Result-Code \
		-e diameter.Experimental-Result-Code -e diameter.3GPP-SIP-Number-Auth-Items \
		2> "$MIG_TMP/monitor.err" & echo $! > "$MIG_TMP/monitor.pid"; wait; } \
	| awk $AWK_LINES -F'|' -v sipport="$IO_SIP_PORT" -v names="$names" \
		-v tls=" $(mig_fd_tls_port brka) $(mig_fd_tls_port brkb) " '
		function who(h) {
			if (h == "scscf.b.test") return "S-CSCF B"
			if (h == "sipdb.b.test") return "broker B"
			if (h == "sipdb.a.test") return "broker A"
			if (h == "hss.a.test") return "HSS A"
			if (h == "cms.a.test") return "CMS A"
			if (h == "cms.b.test") return "CMS B"
			return h
		}
		function cmd(c, r) {
			n = (c == 303) ? "MA" : (c == 301) ? "SA" : (c == 304) ? "RT" : (c == 300) ? "UA" : \
			    (c == 302) ? "LI" : (c == 305) ? "PP" : (c == 16777214) ? "GO" : (c == 16777215) ? "GI" : c
			return n (r == "1" || r == "True" ? "R" : "A")
		}
		BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) { split(a[i], kv, "="); lis[kv[1]] = kv[2] } }
		{
			if ($5 != "" || $6 != "") {
				dir = ($4 == sipport) ? "S-CSCF B -> UE      " : "UE -> S-CSCF B      "
				line = ($5 != "") ? $5 : $6
				sub(/ SIP\/2\.0$/, "", line); sub(/^SIP\/2\.0 /, "", line)
				printf "   SIP %s %s%s\n", dir, line, ($7 != "" ? "  (user " $7 ")" : "")
				fflush(); next
			}
			if ($8 == "") next
			me = who($10)
			if ($8 == 257 || $8 == 280 || $8 == 282) {
				if ($8 == 257 && ($9 == "1" || $9 == "True")) peer1[$1] = me
				next
			}
			# The receiver: the listener of this connection, or its initiator.
			l = ($3 in lis) ? lis[$3] : ($2 in lis) ? lis[$2] : ""
			gsub("-", " ", l)
			to = (l != "" && l != me) ? l : ($1 in peer1) ? peer1[$1] : "?"
			res = ($13 != "") ? " " $13 : ($14 != "") ? " exp " $14 : ""
			items = ($15 != "" && !($9 == "1" || $9 == "True")) ? ", " $15 " AKA vector(s)" : ""
			app = ($8 >= 16777214) ? "Mig" : "Cx "
			sec = (index(tls, " " $2 " ") || index(tls, " " $3 " ")) ? "  [TLS]" : ""
			printf "   %s %-9s -> %-9s %s%s  %s  %s%s%s\n", app, me, to, cmd($8, $9), res, $11, $12, items, sec
			fflush()
		}' &
	MON_AWK=$!
	mig_wait_for 15 test -s "$MIG_TMP/monitor.pid" || mig_fail "live tshark did not start"
	MON_PID=$(cat "$MIG_TMP/monitor.pid")
	mig_wait_for 15 grep -q "Capturing on" "$MIG_TMP/monitor.err" || mig_fail "live tshark did not start capturing"
}

monitor_stop()
{
	sleep 0.5
	[ -n "$MON_PID" ] && kill -INT "$MON_PID" 2>/dev/null
	mig_wait_for 10 io__gone "$MON_PID" || kill -KILL "$MON_PID" 2>/dev/null
	wait "$MON_AWK" 2>/dev/null
	MON_PID=
}

step "Start: HSS of A, broker A (sipdb.a.test), broker B (sipdb.b.test), Kamailio as B's S-CSCF"
io_setup
monitor_start
trap 'monitor_stop >/dev/null 2>&1; io__on_exit $?' EXIT
io_start
echo "   Kamailio $("$IO_KAMAILIO" -v | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p') (cdp peer of broker B), sipp $("$IO_SIPP" -v 2>&1 | sed -n 's/.*SIPp \(v[0-9.]*\).*/\1/p') as alice's UE"

step "Steps 4-11: the configuration management servers ask for migration identities"
io_allocate alice > /dev/null
sleep 1
echo "   alice@a.test -> outbound at A: $IO_OUT_IMPI -> inbound at B: $IO_IN_IMPI"

step "Steps 12-25: alice's UE registers at B as $IO_IN_IMPI (IMS AKA, Digest-AKAv1-MD5)"
io_sipp alice register_aka.xml "$IO_IN_IMPI" "$IO_IN_IMPU" > /dev/null
sleep 1
got=$(io_sipp_responses alice)
case $got in
401*) echo "   the UE checked AUTN (MAC-A) with alice's own keys: the challenge is genuinely A's" ;;
esac
grep -q "interop: SIP RES matches XRES for '$IO_IN_IMPI'" "$MIG_TMP/kamailio.log" \
	&& echo "   Kamailio: the UE's RES matches the XRES that came from A's HSS through both brokers"
case $got in
*200) echo "   REGISTER -> 200 OK: alice is registered at B's S-CSCF" ;;
*) echo "   REGISTER ended in '${got##* }' (the UE received: $got): see the SAA above" ;;
esac

kamailio_view()
{
	step "Kamailio's own view (kamcmd ulscscf.showimpu $IO_IN_IMPU)"
	io_kam_rpc ulscscf.showimpu "$IO_IN_IMPU" > "$MIG_TMP/showimpu.out" 2>&1
	if grep -q 'state: registered' "$MIG_TMP/showimpu.out"; then
		sed -n -e 's/^[[:space:]]*impu: \(.*\)/   IMPU \1/p' \
			-e 's/^[[:space:]]*state: \(.*\)/   state \1/p' \
			-e 's/^[[:space:]]*\(sip:ue@[^ ]*\): {$/   contact \1/p' "$MIG_TMP/showimpu.out"
		echo "   usrloc (ulscscf.snapshot): $(io_kam_contact_state "$IO_IN_IMPU" "sip:ue@127.0.0.1:$IO_UE_PORT")"
	else
		echo "   no registration held"
	fi
}
kamailio_view

step "6.2.3: A revokes alice's migration (A's store), then her UE registers again"
echo "   (A's broker sends an RTR through B's; Kamailio 5.6.3 then marks her contact"
echo "   deleted, though ulscscf.showimpu lists it until it expires)"
io_revoke alice
sleep 2
io_sipp revoked register_refused.xml "$IO_IN_IMPI" "$IO_IN_IMPU" > /dev/null
sleep 1
echo "   the UE received: $(io_sipp_responses revoked)"
kamailio_view

monitor_stop
step "Done: logs, configurations and captures are in $MIG_TMP (kept with MIG_KEEP_TMP=1)"
mig_pass
