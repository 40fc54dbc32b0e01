# interop_lib.sh: real IMS peers around the two brokers, for the interop
# tests (tests/interop/*.sh) and the IMS demo.  Sourced after lib.sh,
# mig_test_init and client_lib.sh.  POSIX sh (runs under dash).
#
# Topology, all on 127.0.0.1, every port picked per test (mig_pick_port):
#
#   sipp (UE) --SIP/UDP--> Kamailio 5.6 S-CSCF of B (scscf.b.test, cdp)
#                              |  Cx (cdp connects out; its peer "localhost")
#   cmsb (cx_client) ------- brkb (sipdb.b.test, mig_sipdb, partner role)
#                              |  border link: TLS (IO_BORDER_PLAIN=1: plain)
#   cmsa (cx_client) ------- brka (sipdb.a.test, mig_sipdb, primary role)
#                              |
#                            hssa (hss.a.test, test_hss.fdx)
#
# Users of A in hssa (keys are 16 raw ASCII bytes, as sipp 3.6.1 takes
# aka_K/aka_OP, given to test_hss as k_ascii/op_ascii; AMF is 2 ASCII bytes
# for the same reason; "no_zero_xres" because sipp passes RES through
# strlen -- see ../shared/docs/INTEROP.md):
#   alice@a.test / sip:alice@a.test   the UE knows the same keys
#   carol@a.test / sip:carol@a.test   the UE's K differs from the HSS's
#
# Functions
#   io_init                    check the tools (skip the test when one is
#                              missing), take over the exit trap: Kamailio
#                              and tshark are stopped and their logs shown
#                              on failure, then lib.sh's cleanup runs
#   io_setup                   write every configuration (brokers, HSS, CMS
#                              clients, cdp.xml) and pick the ports
#   io_capture_start           tshark on lo for the test's own ports, into
#                              $MIG_TMP/wire.pcapng
#   io_start                   start hssa, brka, brkb, then Kamailio; wait
#                              until every Diameter link is OPEN
#   io_allocate USER           GOR at A then GIR at B for USER@a.test; sets
#                              IO_OUT_IMPI/IMPU and IO_IN_IMPI/IMPU
#   io_sql NAME SQL            SQL on broker NAME's store (brka, brkb)
#   io_revoke USER             A's operator revokes USER@a.test with migctl
#   io_sipp NAME SCENARIO IMPI IMPU [K OP AMF]
#                              run the sipp UE once (bounded); sets
#                              IO_SIPP_RC; logs in NAME.sipp.{out,msg,err}
#   io_sipp_responses NAME     the status codes of the SIP responses the UE
#                              received, in order, one line
#   io_kam_log_has REGEX       Kamailio logged a line matching REGEX (-E)
#   io_kam_rpc CMD [ARGS]      Kamailio's management interface (kamcmd over
#                              the ctl module's socket), bounded
#   io_capture_stop            stop tshark (bounded) and keep the capture
#   io_wire_expert             tshark's expert errors and malformed packets
#                              on the capture; true when there are none
#   io_wire_fields FILTER FIELD...
#                              tshark -T fields over the capture, decoded
#                              with every Diameter and SIP port of the test
#   io_kam_contact_state IMPU CONTACT
#                              the state Kamailio's usrloc gives that contact
#                              ("Contact valid", "Contact deleted"), from a
#                              ulscscf.snapshot dump; empty if it has none
#   io_kam_stop                stop Kamailio (bounded, whole process group)
#   io_wire_conns_of HOST      display filter: the TCP connections on which
#                              Diameter peer HOST sent messages
#   io_wire_conns_between H1 H2
#                              the same for connections between H1 and H2
#   io_b64_hex                 base64 on stdin, as hex
#
# The border link is TLS, as the brokers require by default (partners[].tls),
# with certificates from lib.sh's mig_fd_tls; GnuTLS logs the session keys
# into $MIG_TMP/tls-keys.log (SSLKEYLOGFILE, set for the brokers only) and
# tshark decrypts the link with them.  IO_BORDER_PLAIN=1 runs it plaintext
# ("tls": false).  MIG_TEST_DEBUG and MIG_KEEP_TMP as in lib.sh.

# The allocation steps (GOR at A, GIR at B) are the broker tests' own.
. "$top_srcdir/tests/integration/broker_lib.sh"

IO_SRC=$top_srcdir/tests/interop
IO_SIPDB=$top_builddir/extensions/mig_sipdb/.libs/mig_sipdb.fdx
IO_HSS=$top_builddir/tests/tools/.libs/test_hss.fdx
IO_KAMAILIO=${IO_KAMAILIO:-kamailio}
IO_KAMCMD=${IO_KAMCMD:-kamcmd}
IO_SIPP=${IO_SIPP:-sipp}
IO_TSHARK=${IO_TSHARK:-tshark}
IO_REALM_B=b.test

# alice: what the HSS of A holds and what her UE (sipp) knows.
io_alice_k=alice-secret-k16
io_alice_op=operator-a-op-16
# AMF "AB" = 0x4142 (sipp copies two raw bytes of aka_AMF)
io_amf=AB
io_amf_hex=4142
# carol: the HSS holds carol-hss-key-16, her UE has another K.
io_carol_hss_k=carol-hss-key-16
io_carol_ue_k=carol-ue-key-016

IO_KAM_PID=
IO_TSHARK_PID=
IO_RUN=
IO_SIPP_RC=

# ------------------------------------------------------------------ set-up

io__need()
{
	command -v "$1" >/dev/null 2>&1 || mig_skip "$1 not found (install the Debian package $2; ./bootstrap does)"
}

io__moddir()
{
	for io__d in /usr/lib/x86_64-linux-gnu/kamailio/modules /usr/lib/*/kamailio/modules \
		/usr/lib/kamailio/modules /usr/lib64/kamailio/modules; do
		[ -f "$io__d/ims_auth.so" ] && { echo "$io__d"; return 0; }
	done
	return 1
}

io_init()
{
	io__need "$IO_KAMAILIO" kamailio
	io__need "$IO_KAMCMD" kamailio
	io__need "$IO_SIPP" sip-tester
	io__need "$IO_TSHARK" tshark
	IO_KAM_MODDIR=$(io__moddir) || mig_skip "Kamailio's IMS modules not found (install kamailio-ims-modules)"
	[ -f "$IO_KAM_MODDIR/presence.so" ] || mig_skip "Kamailio's presence module not found (install kamailio-presence-modules)"
	[ -f "$IO_SIPDB" ] || mig_fail "$IO_SIPDB not built"
	[ -f "$IO_HSS" ] || mig_fail "$IO_HSS not built"
	# cdp reaches broker B by the name "localhost" (cdp.xml, io_setup):
	# without it (a bare chroot has no /etc/hosts) the only sign would be
	# "never reached OPEN" and a line in Kamailio's log.
	getent hosts localhost >/dev/null ||
		mig_fail "the name 'localhost' does not resolve (no /etc/hosts?): Kamailio's cdp needs it"
	# Unix socket paths are short (108 bytes): Kamailio's run directory
	# lives in /tmp, whatever the build tree's path.
	IO_RUN=$(mktemp -d /tmp/mig-interop.XXXXXX) || mig_fail "mktemp"
	trap 'io__on_exit $?' EXIT
}

io__on_exit()
{
	io__status=$1
	trap - EXIT
	io_kam_stop >/dev/null 2>&1
	io__tshark_kill
	if [ "$io__status" != 0 ] && [ "$io__status" != 77 ] && [ -n "$MIG_TMP" ]; then
		for io__f in "$MIG_TMP"/*.sipp.err; do
			[ -s "$io__f" ] || continue
			echo "---- $io__f"
			tail -n 30 "$io__f"
			echo
		done
		if [ -f "$MIG_TMP/kamailio.log" ]; then
			echo "---- last lines of $MIG_TMP/kamailio.log"
			tail -n 60 "$MIG_TMP/kamailio.log"
		fi
	fi
	[ -n "$IO_RUN" ] && rm -rf "$IO_RUN"
	mig__on_exit "$io__status"
}

# A port free for both TCP (lib.sh checks) and UDP, reserved like lib.sh's.
io__udp_busy()
{
	io__hex=$(printf '%04X' "$1")
	cat /proc/net/udp /proc/net/udp6 2>/dev/null \
		| awk -v p=":$io__hex" 'NR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }'
}

io__pick()
{
	# VAR: set VAR to a reserved port (runs in this shell, like lib.sh)
	while :; do
		mig_pick_port > "$MIG_TMP/.port" || exit 99
		io__p=$(cat "$MIG_TMP/.port")
		io__udp_busy "$io__p" || break
	done
	eval "$1=\$io__p"
}

io__broker_json()
{
	# NAME REALM PARTNER
	cat > "$MIG_TMP/$1.json" <<JSON
{ "system": { "realm": "$2", "sipdb": "sipdb.$2" },
  "database": "$MIG_TMP/$1.db",
  "hss": { "host": "hss.$2" },
  "timeout_ms": 2000,
  "partners": [ { "realm": "$3", "sipdb": "sipdb.$3", "migrate_in": true,
                  "migrate_out": true, "obfuscate": true, "tls": $IO_TLS } ] }
JSON
}

io_setup()
{
	cat > "$MIG_TMP/hssa.json" <<JSON
{ "subscribers": [
    { "impi": "alice@a.test", "impus": ["sip:alice@a.test"],
      "k_ascii": "$io_alice_k", "op_ascii": "$io_alice_op",
      "amf": "$io_amf_hex", "sqn": "000000000020" },
    { "impi": "carol@a.test", "impus": ["sip:carol@a.test"],
      "k_ascii": "$io_carol_hss_k", "op_ascii": "$io_alice_op",
      "amf": "$io_amf_hex" } ],
  "no_zero_xres": true }
JSON
	mig_fd_conf hssa hss.a.test a.test
	mig_fd_load_cx_dict hssa
	mig_fd_ext hssa "$IO_HSS" "$MIG_TMP/hssa.json"

	IO_TLS=true
	[ -n "${IO_BORDER_PLAIN:-}" ] && IO_TLS=false
	IO_KEYLOG=$MIG_TMP/tls-keys.log
	io__broker_json brka a.test b.test
	io__broker_json brkb b.test a.test
	for io__b in brka brkb; do
		io__r=${io__b#brk}.test
		mig_fd_conf $io__b "sipdb.$io__r" "$io__r"
		mig_fd_load_cx_dict $io__b
		mig_fd_ext $io__b "$IO_SIPDB" "$MIG_TMP/$io__b.json"
	done
	mig_fd_link brka hssa
	if [ "$IO_TLS" = true ]; then
		mig_fd_tls brka
		mig_fd_tls brkb
		mig_fd_link brka brkb tls
	else
		mig_fd_link brka brkb
	fi
	cxc_conf cmsa cms.a.test a.test brka
	cxc_conf cmsb cms.b.test b.test brkb

	# Kamailio: its SIP port, cdp's acceptor, and the UE's port.
	io__pick IO_SIP_PORT
	io__pick IO_CDP_PORT
	io__pick IO_UE_PORT
	# brkb knows its S-CSCF (freeDiameter 1.2.1 refuses unknown peers);
	# cdp connects first, brkb's own attempts go to cdp's acceptor.
	mig_fd_conf_add brkb "ConnectPeer = \"scscf.$IO_REALM_B\" { No_TLS; port = $IO_CDP_PORT; ConnectTo = \"127.0.0.1\"; };"
	# cdp resolves its peer's FQDN with getaddrinfo: "localhost" stands
	# for sipdb.b.test (cdp does not compare it with the CEA's Origin-Host).
	cat > "$MIG_TMP/cdp.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<DiameterPeer FQDN="scscf.$IO_REALM_B" Realm="$IO_REALM_B" Vendor_Id="10415"
	Product_Name="CDiameterPeer" AcceptUnknownPeers="0" DropUnknownOnDisconnect="1"
	Tc="2" Workers="2" QueueLength="32" TransactionTimeout="5" SessionsHashSize="128"
	DefaultAuthSessionTimeout="60" MaxAuthSessionTimeout="60">
	<Peer FQDN="localhost" Realm="$IO_REALM_B" port="$(mig_fd_port brkb)"/>
	<Acceptor port="$IO_CDP_PORT" bind="127.0.0.1"/>
	<Auth id="16777216" vendor="10415"/>
	<SupportedVendor vendor="10415"/>
	<DefaultRoute FQDN="localhost" metric="10"/>
</DiameterPeer>
XML
}

# ------------------------------------------------------------------ capture

# Every TCP port a Diameter peer of this test listens on: each connection
# has one of them at one end.  The TLS ports of the border are added to the
# capture filter and decoded as TLS, then Diameter, by io__decode_args.
io__diameter_ports()
{
	echo "$(mig_fd_port hssa) $(mig_fd_port brka) $(mig_fd_port brkb) $IO_CDP_PORT"
}

io__decode_args()
{
	for io__p in $(io__diameter_ports); do
		printf ' -d tcp.port==%s,diameter' "$io__p"
	done
	# The TLS border: TLS, then Diameter inside, with the brokers' keys.
	for io__p in $(mig_fd_tls_port brka) $(mig_fd_tls_port brkb); do
		printf ' -d tcp.port==%s,tls -d tls.port==%s,diameter' "$io__p" "$io__p"
	done
	[ -n "$(mig_fd_tls_port brka)" ] && printf ' -o tls.keylog_file:%s' "$IO_KEYLOG"
	printf ' -d udp.port==%s,sip' "$IO_SIP_PORT"
}

io_capture_start()
{
	io__filter="udp port $IO_SIP_PORT"
	for io__p in $(io__diameter_ports) $(mig_fd_tls_port brka) $(mig_fd_tls_port brkb); do
		io__filter="$io__filter or tcp port $io__p"
	done
	IO_CAP=$MIG_TMP/wire.pcapng
	"$IO_TSHARK" -i lo -f "$io__filter" -w "$IO_CAP" -q \
		> "$MIG_TMP/tshark.log" 2>&1 &
	IO_TSHARK_PID=$!
	echo "$IO_TSHARK_PID" > "$MIG_TMP/tshark.pid"
	mig_wait_for 15 grep -q "Capturing on" "$MIG_TMP/tshark.log" && return 0
	cat "$MIG_TMP/tshark.log"
	grep -q -i "permission" "$MIG_TMP/tshark.log" \
		&& mig_skip "capturing on lo needs root (or dumpcap's capabilities)"
	mig_fail "tshark did not start capturing on lo"
}

io__tshark_kill()
{
	[ -n "$IO_TSHARK_PID" ] || return 0
	kill -INT "$IO_TSHARK_PID" 2>/dev/null
	mig_wait_for 10 io__gone "$IO_TSHARK_PID" || kill -KILL "$IO_TSHARK_PID" 2>/dev/null
	wait "$IO_TSHARK_PID" 2>/dev/null
	IO_TSHARK_PID=
}

io__gone() { ! kill -0 "$1" 2>/dev/null; }

io_capture_stop()
{
	# Let the last segments reach the capture before stopping it.
	sleep 0.5
	io__tshark_kill
	[ -s "$IO_CAP" ] || mig_fail "no capture written ($MIG_TMP/tshark.log: $(cat "$MIG_TMP/tshark.log"))"
}

# tshark's expert errors and malformed packets; prints them, false if any
# (or if tshark itself fails).
io_wire_expert()
{
	# shellcheck disable=SC2046 # the decode arguments are words
	timeout -k 5 60 "$IO_TSHARK" -r "$IO_CAP" $(io__decode_args) -q -z expert,error \
		> "$MIG_TMP/expert.txt" 2> "$MIG_TMP/tshark.err" \
		|| { cat "$MIG_TMP/expert.txt" "$MIG_TMP/tshark.err"; return 1; }
	io__bad=$(io_wire_fields '_ws.malformed || _ws.expert.severity >= "Error"' frame.number) \
		|| return 1
	if grep -q -E '^Errors \(' "$MIG_TMP/expert.txt" || [ -n "$io__bad" ]; then
		cat "$MIG_TMP/expert.txt"
		echo "# frames with errors or malformed: $(echo $io__bad)"
		return 1
	fi
	return 0
}

# Fields of the frames matching FILTER, one frame a line, fields separated
# by "|", repeated fields joined with ","; false if tshark fails.
io_wire_fields()
{
	io__f=$1
	shift
	io__e=
	for io__x; do io__e="$io__e -e $io__x"; done
	# shellcheck disable=SC2046,SC2086
	timeout -k 5 60 "$IO_TSHARK" -r "$IO_CAP" $(io__decode_args) -Y "$io__f" \
		-T fields -E separator='|' -E occurrence=a -E aggregator=, $io__e \
		2> "$MIG_TMP/tshark.err" && return 0
	echo "# tshark failed on filter '$io__f':" >&2
	cat "$MIG_TMP/tshark.err" >&2
	return 1
}

# ------------------------------------------------------------------ daemons

io_start()
{
	# GnuTLS writes the TLS session keys of the border link there, so that
	# tshark can decode it (test only).
	: > "$IO_KEYLOG"
	SSLKEYLOGFILE=$IO_KEYLOG
	export SSLKEYLOGFILE
	for io__d in hssa brka brkb; do mig_fd_start $io__d; done
	unset SSLKEYLOGFILE
	for io__d in hssa brka brkb; do
		mig_fd_wait_ready $io__d || mig_fail "$io__d did not start"
	done
	mig_fd_wait_open brka hss.a.test || mig_fail "brka never connected to hssa"
	mig_fd_wait_open brkb sipdb.a.test || mig_fail "brkb never connected to brka"
	io_kam_start
	mig_fd_wait_open brkb "scscf.$IO_REALM_B" \
		|| mig_fail "Kamailio's cdp never reached OPEN with brkb"
}

io_kam_start()
{
	: > "$MIG_TMP/kamailio.log"
	# Its own session (process group), so that every child it forks can be
	# stopped with it; foreground (-DD), logs on stderr (-E).
	setsid "$(command -v "$IO_KAMAILIO")" -f "$IO_SRC/scscf.cfg" -DD -E \
		-L "$IO_KAM_MODDIR" -Y "$IO_RUN" -P "$IO_RUN/kamailio.pid" -w "$MIG_TMP" \
		-m 64 -M 8 -l "udp:127.0.0.1:$IO_SIP_PORT" \
		-A "CDP_XML=\"$MIG_TMP/cdp.xml\"" \
		-A "CTL_SOCK=\"unix:$IO_RUN/ctl\"" \
		-A "SCSCF_URI=\"sip:scscf.$IO_REALM_B:$IO_SIP_PORT\"" \
		-A "NETWORK_REALM=\"$IO_REALM_B\"" \
		>> "$MIG_TMP/kamailio.log" 2>&1 &
	IO_KAM_PID=$!
	echo "$IO_KAM_PID" > "$MIG_TMP/kamailio.pid"
	if ! mig_wait_for 20 io__kam_ready; then
		io__gone "$IO_KAM_PID" && mig_fail "Kamailio exited at start"
		mig_fail "Kamailio's management socket never answered"
	fi
}

io__kam_ready()
{
	io__gone "$IO_KAM_PID" && return 0
	[ -S "$IO_RUN/ctl" ] && io_kam_rpc core.uptime >/dev/null 2>&1
}

io_kam_rpc()
{
	timeout -k 2 5 "$IO_KAMCMD" -s "unix:$IO_RUN/ctl" "$@"
}

# The state Kamailio's usrloc gives contact CONTACT of IMPU ("Contact
# valid", "Contact deleted", ...), from a ulscscf.snapshot dump; empty when
# Kamailio holds no such contact.  (ulscscf.showimpu does not show it.)
io_kam_contact_state()
{
	io__snap=$MIG_TMP/usrloc.$(date +%s%N).txt
	io_kam_rpc ulscscf.snapshot "$io__snap" > /dev/null 2>&1 || return 1
	awk -v impu="'$1'" -v c="'$2'" '
		/public_identity *:/ { cur = $NF }
		/^[[:space:]]*Contact *:/ { inc = (cur == impu && $NF == c) }
		/^[[:space:]]*State *:/ && inc { sub(/^[[:space:]]*State *: */, ""); print; exit }
	' "$io__snap"
}

io_kam_stop()
{
	[ -n "$IO_KAM_PID" ] || return 0
	# The main process stops its children; setsid made it the leader of
	# their process group, which gets SIGKILL if anything is left.
	kill -TERM "$IO_KAM_PID" 2>/dev/null
	if ! mig_wait_for 10 io__gone "$IO_KAM_PID"; then
		echo "Kamailio still running 10 s after SIGTERM, sending SIGKILL"
		kill -KILL "$IO_KAM_PID" 2>/dev/null
	fi
	wait "$IO_KAM_PID" 2>/dev/null
	kill -KILL -- "-$IO_KAM_PID" 2>/dev/null
	IO_KAM_PID=
}

io_kam_log_has()
{
	grep -Eq -- "$1" "$MIG_TMP/kamailio.log"
}

# ------------------------------------------------------------------ actors

io_allocate()
{
	mb_allocate "$1"
	IO_OUT_IMPI=$MB_OUT_IMPI IO_OUT_IMPU=$MB_OUT_IMPU
	IO_IN_IMPI=$MB_IN_IMPI IO_IN_IMPU=$MB_IN_IMPU
}

io_sql()
{
	# NAME SQL: on broker NAME's store (brka, brkb)
	sqlite3 -cmd ".timeout 5000" "$MIG_TMP/$1.db" "$2"
}

# A revokes USER@a.test's migration.  Raw SQL on A's store until migctl
# lands (then: migctl --db ... binding revoke --user USER@a.test); the
# store's trigger queues the registration termination either way.
io_revoke()
{
	timeout 30 "$top_builddir/src/migctl/migctl" --db "$MIG_TMP/brka.db" \
		binding revoke --user "$1@a.test" --reason "interop test" >"$MIG_TMP/revoke.out" 2>&1 ||
		{ cat "$MIG_TMP/revoke.out"; mig_fail "migctl binding revoke --user $1@a.test failed"; }
}

io_sipp()
{
	io__n=$1 io__scen=$2 io__impi=$3 io__impu=$4
	io__k=${5:-$io_alice_k} io__op=${6:-$io_alice_op} io__amf=${7:-$io_amf}
	rm -f "$MIG_TMP/$io__n.sipp.msg" "$MIG_TMP/$io__n.sipp.err"
	# -timeout bounds the whole run inside sipp, `timeout' bounds sipp.
	timeout -k 5 40 "$IO_SIPP" "127.0.0.1:$IO_SIP_PORT" -sf "$IO_SRC/$io__scen" \
		-i 127.0.0.1 -p "$IO_UE_PORT" -m 1 -nostdin -timeout 30s -timeout_error \
		-auth_uri "$IO_REALM_B" \
		-key impi "$io__impi" -key impu "$io__impu" -key domain "$IO_REALM_B" \
		-key aka_k "$io__k" -key aka_op "$io__op" -key aka_amf "$io__amf" \
		-trace_msg -message_file "$MIG_TMP/$io__n.sipp.msg" \
		-trace_err -error_file "$MIG_TMP/$io__n.sipp.err" \
		> "$MIG_TMP/$io__n.sipp.out" 2>&1
	IO_SIPP_RC=$?
	echo "# sipp $io__scen as $io__impi: exit $IO_SIPP_RC; UE received: $(io_sipp_responses "$io__n")"
	return 0
}

# Status line of every response in sipp's message trace ("SIP/2.0 401 ...").
io_sipp_responses()
{
	sed -n 's/^SIP\/2\.0 \([0-9][0-9][0-9]\) .*/\1/p' "$MIG_TMP/$1.sipp.msg" 2>/dev/null \
		| tr -d '\r' | tr '\n' ' ' | sed 's/ $//'
}

# ------------------------------------------------------------------ the wire

# A display filter for the TCP connections on which HOST sent Diameter
# messages ("tcp.stream in {3,7}"), or "frame.number == 0" if none.
io_wire_conns_of()
{
	io__s=$(io_wire_fields "diameter.Origin-Host == \"$1\"" tcp.stream 2>/dev/null | sort -un | tr '\n' ',')
	if [ -n "$io__s" ]; then
		echo "tcp.stream in {${io__s%,}}"
	else
		echo "frame.number == 0"
	fi
}

# The connections between HOST1 and HOST2 (both sent on them).
io_wire_conns_between()
{
	io__a=$(io_wire_fields "diameter.Origin-Host == \"$1\"" tcp.stream 2>/dev/null | sort -un)
	io__b=$(io_wire_fields "diameter.Origin-Host == \"$2\"" tcp.stream 2>/dev/null | sort -un)
	io__s=$(printf '%s\n%s\n' "$io__a" "$io__b" | grep . | sort -n | uniq -d | tr '\n' ',')
	if [ -n "$io__s" ]; then
		echo "tcp.stream in {${io__s%,}}"
	else
		echo "frame.number == 0"
	fi
}

# Hex of base64 on stdin.
io_b64_hex()
{
	base64 -d 2>/dev/null | od -An -v -tx1 | tr -d ' \n'
}
