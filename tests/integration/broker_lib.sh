# broker_lib.sh: the two-system topology of TR 23.781 solution 2 on
# loopback, for the broker tests and the demo.  Sourced after lib.sh,
# client_lib.sh and mig_test_init.  POSIX sh.
#
#   system A (primary, realm a.test)       system B (partner, realm b.test)
#
#   cmsa ---\                               /--- cmsb   (configuration
#   scscfa --+-- brka (sipdb.a.test) ===== brkb (sipdb.b.test) ---- scscfb
#   partc ---/      |                                               (S-CSCF)
#                 hssa (hss.a.test, test_hss.fdx)
#
# The link between the two systems (=====) is TLS, with certificates made
# at test time (mig_fd_tls: one CA per test, CN = Diameter identity); the
# partners c.test and d.test, and every link inside a system, are plain.
#
# With MB_SCSCF=1, scscfs (scscf2.b.test) is a freeDiameterd with
# test_scscf.fdx linked to brkb: B's S-CSCF as far as RTR and PPR go (it
# answers them, 2001 unless MB_SCSCF_ANSWER=false, and records each in
# $MIG_TMP/scscfs.jsonl); scscfb plays its MAR and SAR with
# --origin-host scscf2.b.test, as a proxy in front of it would.  The
# daemons reconnect after 2 s (TcTimer), for tests that restart one.
#
# cmsa, cmsb, scscfa, scscfb and partc are cx_client instances (their
# configurations exist; cxc_run sends one request each time).  partc is a
# third system, c.test, that A knows as a partner but to which no user of
# this test migrated.  A also knows d.test, to which its users may not
# migrate.
#
#   mb_setup [OBFUSCATE]      write every configuration (OBFUSCATE: true or
#                             false, A's setting for partners B and C;
#                             default true).  MB_JSON_brka, MB_JSON_brkb:
#                             more top-level fields for that broker's JSON
#                             ('"scscf": {...}'); MB_B_PARTNER_A: more
#                             fields for B's partner entry of A
#                             ('"profile_mode": "merge", ...');
#                             MB_APPSERV_THREADS: the brokers' freeDiameter
#                             AppServThreads (default: freeDiameter's, 4)
#   mb_start                  start hssa, brka, brkb; wait until the links
#                             are OPEN
#   mb_alice_k, mb_alice_opc  the subscriber's keys (TS 35.208 test set 1)
#   mb_sql NAME SQL           run SQL on broker NAME's store (brka, brkb)
#   mb_counter NAME LIST      the sum of its counters in LIST
#   mb_counter_is NAME LIST N they add up to N
#   mb_push CMD IMPI          have A's HSS send a PPR or RTR (CMD ppr, rtr)
#   mb_border_msgs NAME PEER  the messages (dbg_msg_dumps blocks, cxc_dump)
#                             instance NAME exchanged with PEER
#   mb_border_check NAME PEER INSIDE...
#                             true if in those messages every Origin-Host,
#                             Destination-Host and Route-Record is one of the
#                             two brokers, every Session-Id is theirs, every
#                             Server-Name a border name, and none of the
#                             INSIDE names (nodes, users) appears, as text or
#                             in a hex dump; says what it found otherwise
#   mb_saw NAME TEXT          true if instance NAME's log (with cxc_dump: every
#                             message it saw) has TEXT, as text or inside a
#                             hex dump (OctetStrings such as User-Data)
#   mb_allocate [USER]        GOR at A then GIR at B for USER (default
#                             alice; bob and mallory exist too, mallory with
#                             a broken profile), as the configuration
#                             management servers would (steps 4-11); sets
#                             MB_OUT_IMPI/IMPU (A's outbound identities) and
#                             MB_IN_IMPI/IMPU (B's inbound)
#
# A's HSS adds Charging-Information (aaa://ccf.a.test) to registration SAAs
# (a node of A's inside that must not reach B), and sends a PPR or RTR for
# USER to where USER's last SAR came from when a test writes "ppr USER" or
# "rtr USER" into $MIG_TMP/hssa.push.

mb_alice_k=465b5ce8b199b49faa5f0a2ee238a6bc
mb_alice_opc=cd63cb71954a9f4e48a5994e37a02baf
MB_SIPDB=$top_builddir/extensions/mig_sipdb/.libs/mig_sipdb.fdx
MB_HSS=$top_builddir/tests/tools/.libs/test_hss.fdx
MB_SCSCF_FDX=$top_builddir/tests/tools/.libs/test_scscf.fdx

mb__broker_json()
{
	# NAME REALM PARTNER-ENTRIES...
	mb__n=$1 mb__r=$2
	shift 2
	{
		printf '{ "system": { "realm": "%s", "sipdb": "sipdb.%s" },\n' "$mb__r" "$mb__r"
		printf '  "database": "%s/%s.db",\n' "$MIG_TMP" "$mb__n"
		printf '  "hss": { "host": "hss.%s" },\n' "$mb__r"
		printf '  "timeout_ms": %s,\n' "${MB_TIMEOUT_MS:-2000}"
		eval "mb__extra=\${MB_JSON_$mb__n:-}"
		[ -z "$mb__extra" ] || printf '  %s,\n' "$mb__extra"
		printf '  "partners": [ %s ] }\n' "$*"
	} >"$MIG_TMP/$mb__n.json"
}

mb__partner()
{
	# REALM IN OUT OBFUSCATE [TLS [EXTRA-FIELDS]]
	printf '{ "realm": "%s", "sipdb": "sipdb.%s", "migrate_in": %s, "migrate_out": %s, "obfuscate": %s, "tls": %s%s }' \
		"$1" "$1" "$2" "$3" "$4" "${5:-true}" "${6:+, $6}"
}

mb__broker()
{
	# NAME REALM
	mig_fd_conf "$1" "sipdb.$2" "$2"
	mig_fd_conf_add "$1" "TcTimer = 2;"
	[ -z "${MB_APPSERV_THREADS:-}" ] ||
		mig_fd_conf_add "$1" "AppServThreads = $MB_APPSERV_THREADS;"
	mig_fd_load_cx_dict "$1"
	mig_fd_ext "$1" "$MB_SIPDB" "$MIG_TMP/$1.json"
}

# The S-CSCF stand-in of system B (MB_SCSCF=1).
mb__scscf()
{
	[ -f "$MB_SCSCF_FDX" ] || mig_fail "$MB_SCSCF_FDX not built"
	printf '{ "log": "%s/scscfs.jsonl", "answer": %s }\n' "$MIG_TMP" \
		"${MB_SCSCF_ANSWER:-true}" >"$MIG_TMP/scscfs.json"
	mig_fd_conf scscfs scscf2.b.test b.test
	mig_fd_conf_add scscfs "TcTimer = 2;"
	mig_fd_load_cx_dict scscfs
	mig_fd_ext scscfs "$MB_SCSCF_FDX" "$MIG_TMP/scscfs.json"
	mig_fd_link scscfs brkb
}

mb_setup()
{
	[ -f "$MB_SIPDB" ] || mig_fail "$MB_SIPDB not built"
	[ -f "$MB_HSS" ] || mig_fail "$MB_HSS not built"
	cat >"$MIG_TMP/hssa.json" <<JSON
{ "subscribers": [
    { "impi": "alice@a.test", "impus": ["sip:alice@a.test"],
      "k": "$mb_alice_k", "opc": "$mb_alice_opc", "amf": "8000",
      "sqn": "000000000020", "password": "alice-secret" },
    { "impi": "bob@a.test", "impus": ["sip:bob@a.test"],
      "k": "000102030405060708090a0b0c0d0e0f", "opc": "$mb_alice_opc" },
    { "impi": "mallory@a.test", "impus": ["sip:mallory@a.test"],
      "password": "mallory-secret",
      "user_data": "<IMSSubscription><PrivateID>mallory@a.test</PrivateID><Service" } ],
  "ccf": "aaa://ccf.a.test",
  "push_trigger": "$MIG_TMP/hssa.push" }
JSON
	mig_fd_conf hssa hss.a.test a.test
	mig_fd_load_cx_dict hssa
	mig_fd_ext hssa "$MB_HSS" "$MIG_TMP/hssa.json"

	mb__broker_json brka a.test "$(mb__partner b.test true true "${1:-true}"),
	    $(mb__partner c.test true true "${1:-true}" false), $(mb__partner d.test true false true false)"
	mb__broker_json brkb b.test "$(mb__partner a.test true true true true "${MB_B_PARTNER_A:-}")"
	mb__broker brka a.test
	mb__broker brkb b.test
	mig_fd_tls brka
	mig_fd_tls brkb
	mig_fd_link brka hssa
	mig_fd_link brka brkb tls

	cxc_conf scscfb scscf.b.test b.test brkb
	cxc_conf cmsb cms.b.test b.test brkb
	cxc_conf cmsa cms.a.test a.test brka
	cxc_conf scscfa scscf.a.test a.test brka
	cxc_conf partc sipdb.c.test c.test brka
	[ -z "${MB_SCSCF:-}" ] || mb__scscf
}

mb_start()
{
	mb__daemons="hssa brka brkb${MB_SCSCF:+ scscfs}"
	for d in $mb__daemons; do mig_fd_start $d; done
	for d in $mb__daemons; do
		mig_fd_wait_ready $d || mig_fail "$d did not start"
	done
	mig_fd_wait_open brka hss.a.test || mig_fail "brka never connected to hssa"
	mig_fd_wait_open brkb sipdb.a.test || mig_fail "brkb never connected to brka"
	[ -z "${MB_SCSCF:-}" ] || mig_fd_wait_open brkb scscf2.b.test \
		|| mig_fail "brkb never connected to the S-CSCF stand-in"
}

# The test HSS takes its trigger file by renaming it, every 100 ms: write
# it whole under another name and rename it into place, so that the HSS
# never takes a file the shell has created but not yet written.
mb_push()
{
	echo "$1 $2" >"$MIG_TMP/hssa.push.new" && mv "$MIG_TMP/hssa.push.new" "$MIG_TMP/hssa.push"
}

mb_sql()
{
	sqlite3 -cmd ".timeout 5000" "$MIG_TMP/$1.db" "$2"
}

# mb_counter NAME COUNTERS: the sum of broker NAME's counters COUNTERS (an
# SQL list: "'busy.queue', ...").  mb_counter_is NAME COUNTERS N: they add
# up to N (for mig_wait_for: the writer thread flushes them about once a
# second).
mb_counter()
{
	mb_sql "$1" "select coalesce(sum(value), 0) from counters where name in ($2)"
}

mb_counter_is()
{
	test "$(mb_counter "$1" "$2")" = "$3"
}

mb_border_msgs()
{
	awk -v peer="'$2'" '
		/(RCV from|SND to) / { inblk = index($0, peer) > 0; next }
		inblk && !/AVP: |Version: |Length: |Flags: |Command Code: |ApplicationId: |Hop-by-Hop|End-to-End|internal data|'"'"'[A-Za-z-]+'"'"'$/ { inblk = 0 }
		inblk && !/internal data/ { print }   # local metadata, not on the wire
	' "$(mig_fd_log "$1")"
}

# The values of AVP NAME in the messages of file $1.
mb__values() { grep -F "AVP: '$2'(" "$1" | sed 's/.* val="\(.*\)"$/\1/'; }

mb_border_check()
{
	mb__f=$MIG_TMP/border.$1.msgs
	mb_border_msgs "$1" "$2" >"$mb__f"
	[ -s "$mb__f" ] || { echo "# $1 exchanged nothing with $2"; return 1; }
	mb__bad=$( {
		mb__values "$mb__f" Origin-Host; mb__values "$mb__f" Destination-Host
		mb__values "$mb__f" Route-Record
	} | grep -vxE 'sipdb\.(a|b)\.test' )
	mb__bad="$mb__bad$(mb__values "$mb__f" Session-Id | grep -vE '^sipdb\.(a|b)\.test;')"
	mb__bad="$mb__bad$(mb__values "$mb__f" Server-Name | grep -vxE 'sip:sipdb\.(a|b)\.test')"
	[ -z "$mb__bad" ] || { echo "# $1 <-> $2: inside nodes in routing AVPs: $mb__bad"; return 1; }
	shift 2
	for mb__name; do
		mb__hex=$(printf '%s' "$mb__name" | od -An -tx1 | tr 'a-f' 'A-F' | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//')
		if grep -qF -- "$mb__name" "$mb__f" || grep -qF -- "$mb__hex" "$mb__f"; then
			echo "# border messages name $mb__name:"
			grep -F -e "$mb__name" -e "$mb__hex" "$mb__f" | head -3
			return 1
		fi
	done
}

mb_saw()
{
	mb__hex=$(printf '%s' "$2" | od -An -tx1 | tr 'a-f' 'A-F' | tr -s ' \n' '  ' | sed 's/^ *//; s/ *$//')
	grep -qF -- "$2" "$(mig_fd_log "$1")" || grep -qF -- "$mb__hex" "$(mig_fd_log "$1")"
}

mb_allocate()
{
	cxc_run cmsa --dest-host sipdb.a.test gor --impi "${1:-alice}@a.test" \
		--impu "sip:${1:-alice}@a.test" --partner b.test
	cxc_json .result_code 2001 || { cxc_show; mig_fail "GOR at A failed"; }
	MB_OUT_IMPI=$(jq -r .migration_impi "$CXC_OUT")
	MB_OUT_IMPU=$(jq -r .migration_impu "$CXC_OUT")
	cxc_run cmsb --dest-host sipdb.b.test gir --impi "$MB_OUT_IMPI" \
		--impu "$MB_OUT_IMPU" --primary a.test --primary-sipdb sipdb.a.test
	cxc_json .result_code 2001 || { cxc_show; mig_fail "GIR at B failed"; }
	MB_IN_IMPI=$(jq -r .migration_impi "$CXC_OUT")
	MB_IN_IMPU=$(jq -r .migration_impu "$CXC_OUT")
}
