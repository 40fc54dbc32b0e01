# broker_overload_lib.sh: what the overload tests and bench_overload.sh
# share.  Sourced after lib.sh, client_lib.sh and broker_lib.sh.  POSIX sh.
#
#   ov_setup JSON      mb_setup, with the jq object JSON added to broker A's
#                      configuration ('{ "max_inflight": 16 }')
#   ov_conf JSON       the same, later (A takes it when restarted)
#   ov_binding_c       an outbound binding of alice for partner c.test at A
#                      (GOR); sets C_IMPI and C_IMPU, what c.test knows her by
#   mar_c N K [OPT...] partner c.test (partc) sends N MARs for her to A, K in
#                      flight, each answer awaited up to 10 s; OPT are more
#                      cx_client options
#   mar_b N K [OPT...] the same from B's S-CSCF (scscfb) to B, for the
#                      visitor of mb_allocate (MB_IN_IMPI, MB_IN_IMPU): B
#                      brokers them to A

ov_setup()
{
	mb_setup true
	ov_conf "$1"
}

ov_conf()
{
	jq ". + $1" "$MIG_TMP/brka.json" > "$MIG_TMP/brka.json.new" \
		&& mv "$MIG_TMP/brka.json.new" "$MIG_TMP/brka.json" || mig_fail "ov_conf: bad JSON '$1'"
}

ov_binding_c()
{
	cxc_run cmsa --dest-host sipdb.a.test gor --impi alice@a.test --impu sip:alice@a.test --partner c.test
	cxc_json .result_code 2001 || { cxc_show; mig_fail "GOR for c.test failed"; }
	C_IMPI=$(jq -r .migration_impi "$CXC_OUT")
	C_IMPU=$(jq -r .migration_impu "$CXC_OUT")
}

mar_c()
{
	ov__n=$1 ov__k=$2
	shift 2
	cxc_run partc --timeout 10000 --count "$ov__n" --inflight "$ov__k" "$@" \
		--dest-host sipdb.a.test mar --impi "$C_IMPI" --impu "$C_IMPU"
}

mar_b()
{
	ov__n=$1 ov__k=$2
	shift 2
	cxc_run scscfb --timeout 10000 --count "$ov__n" --inflight "$ov__k" "$@" \
		--dest-host sipdb.b.test mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
}
