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
# cmsa, cmsb, scscfa, scscfb and partc are cx_client instances (their
# configurations exist; cxc_run sends one request each time).  partc is a
# third system, c.test, that A knows as a partner but to which no user of
# this test migrated.  A also knows d.test, to which its users may not
# migrate.
#
#   mb_setup [OBFUSCATE]      write every configuration (OBFUSCATE: true or
#                             false, A's setting for partners B and C;
#                             default true)
#   mb_start                  start hssa, brka, brkb; wait until the links
#                             are OPEN
#   mb_alice_k, mb_alice_opc  the subscriber's keys (TS 35.208 test set 1)
#   mb_sql NAME SQL           run SQL on broker NAME's store (brka, brkb)
#   mb_allocate               GOR at A then GIR at B for alice, as the
#                             configuration management servers would (steps
#                             4-11); sets MB_OUT_IMPI/IMPU (A's outbound
#                             identities) and MB_IN_IMPI/IMPU (B's inbound)

mb_alice_k=465b5ce8b199b49faa5f0a2ee238a6bc
mb_alice_opc=cd63cb71954a9f4e48a5994e37a02baf
MB_SIPDB=$top_builddir/extensions/mig_sipdb/.libs/mig_sipdb.fdx
MB_HSS=$top_builddir/tests/tools/.libs/test_hss.fdx

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
		printf '  "partners": [ %s ] }\n' "$*"
	} >"$MIG_TMP/$mb__n.json"
}

mb__partner()
{
	# REALM IN OUT OBFUSCATE
	printf '{ "realm": "%s", "sipdb": "sipdb.%s", "migrate_in": %s, "migrate_out": %s, "obfuscate": %s }' \
		"$1" "$1" "$2" "$3" "$4"
}

mb__broker()
{
	# NAME REALM
	mig_fd_conf "$1" "sipdb.$2" "$2"
	mig_fd_load_cx_dict "$1"
	mig_fd_ext "$1" "$MB_SIPDB" "$MIG_TMP/$1.json"
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
      "k": "000102030405060708090a0b0c0d0e0f", "opc": "$mb_alice_opc" } ] }
JSON
	mig_fd_conf hssa hss.a.test a.test
	mig_fd_load_cx_dict hssa
	mig_fd_ext hssa "$MB_HSS" "$MIG_TMP/hssa.json"

	mb__broker_json brka a.test "$(mb__partner b.test true true "${1:-true}"),
	    $(mb__partner c.test true true "${1:-true}"), $(mb__partner d.test true false true)"
	mb__broker_json brkb b.test "$(mb__partner a.test true true true)"
	mb__broker brka a.test
	mb__broker brkb b.test
	mig_fd_link brka hssa
	mig_fd_link brka brkb

	cxc_conf scscfb scscf.b.test b.test brkb
	cxc_conf cmsb cms.b.test b.test brkb
	cxc_conf cmsa cms.a.test a.test brka
	cxc_conf scscfa scscf.a.test a.test brka
	cxc_conf partc sipdb.c.test c.test brka
}

mb_start()
{
	for d in hssa brka brkb; do mig_fd_start $d; done
	for d in hssa brka brkb; do
		mig_fd_wait_ready $d || mig_fail "$d did not start"
	done
	mig_fd_wait_open brka hss.a.test || mig_fail "brka never connected to hssa"
	mig_fd_wait_open brkb sipdb.a.test || mig_fail "brkb never connected to brka"
}

mb_sql()
{
	sqlite3 -cmd ".timeout 5000" "$MIG_TMP/$1.db" "$2"
}

mb_allocate()
{
	cxc_run cmsa --dest-host sipdb.a.test gor --impi alice@a.test \
		--impu sip:alice@a.test --partner b.test
	cxc_json .result_code 2001 || { cxc_show; mig_fail "GOR at A failed"; }
	MB_OUT_IMPI=$(jq -r .migration_impi "$CXC_OUT")
	MB_OUT_IMPU=$(jq -r .migration_impu "$CXC_OUT")
	cxc_run cmsb --dest-host sipdb.b.test gir --impi "$MB_OUT_IMPI" \
		--impu "$MB_OUT_IMPU" --primary a.test --primary-sipdb sipdb.a.test
	cxc_json .result_code 2001 || { cxc_show; mig_fail "GIR at B failed"; }
	MB_IN_IMPI=$(jq -r .migration_impi "$CXC_OUT")
	MB_IN_IMPU=$(jq -r .migration_impu "$CXC_OUT")
}
