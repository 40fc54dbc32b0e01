#!/bin/sh
# cx_client's command line: bad usage exits 2 with a message on stderr and
# nothing on stdout, --help exits 0 with the usage on stdout, and a
# configuration that cannot be used (missing, or without dict_cx) exits 1.
# None of this needs a peer.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init client_usage
. "$top_srcdir/tests/integration/client_lib.sh"

out=$MIG_TMP/out
err=$MIG_TMP/err
conf=$MIG_TMP/none.conf   # never read when the command line is bad

# usage_exits_2 DESC ARGS...: exit 2, stdout empty, a message on stderr.
usage_exits_2()
{
	u__desc=$1
	shift
	timeout 30 "$CXC_CLIENT" "$@" > "$out" 2> "$err"
	u__rc=$?
	if [ "$u__rc" = 2 ] && [ ! -s "$out" ] && grep -q 'cx_client: ' "$err"; then
		echo "ok - $u__desc"
	else
		echo "not ok - $u__desc (exit $u__rc)"
		cat "$out" "$err"
		MIG_FAILED=1
	fi
}

ids="--impi alice@a.test --impu sip:alice@a.test"
usage_exits_2 "no arguments" 
usage_exits_2 "no -c" mar $ids
usage_exits_2 "no command" -c "$conf"
usage_exits_2 "unknown command" -c "$conf" xar $ids
usage_exits_2 "two commands" -c "$conf" mar gor $ids
usage_exits_2 "unknown option" -c "$conf" mar $ids --bogus
usage_exits_2 "option without its value" -c "$conf" mar $ids --impi
usage_exits_2 "mar without --impi" -c "$conf" mar --impu sip:alice@a.test
usage_exits_2 "mar without --impu" -c "$conf" mar --impi alice@a.test
usage_exits_2 "--partner does not belong to mar" -c "$conf" mar $ids --partner b.test
usage_exits_2 "--auts does not belong to gor" -c "$conf" gor $ids --partner b.test \
	--auts 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d
usage_exits_2 "gor without --partner" -c "$conf" gor $ids
usage_exits_2 "gir without --primary" -c "$conf" gir $ids --primary-sipdb s.a.test
usage_exits_2 "--primary-sipdb does not belong to gor" -c "$conf" gor $ids --partner b.test \
	--primary-sipdb s.a.test
usage_exits_2 "--auts of 58 hex digits" -c "$conf" mar $ids \
	--auts 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c
usage_exits_2 "--auts with a non-hex digit" -c "$conf" mar $ids \
	--auts 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1g
usage_exits_2 "--omit of an unknown AVP" -c "$conf" mar $ids --omit server-name
usage_exits_2 "--timeout 0" -c "$conf" --timeout 0 mar $ids
usage_exits_2 "--timeout not a number" -c "$conf" --timeout 5s mar $ids
usage_exits_2 "--items negative" -c "$conf" mar $ids --items -1
usage_exits_2 "--lifetime above 2^32-1" -c "$conf" gor $ids --partner b.test --lifetime 4294967296
usage_exits_2 "--inflight larger than --count" -c "$conf" --count 2 --inflight 3 mar $ids

help_exits_0()
{
	timeout 30 "$CXC_CLIENT" --help > "$out" 2> "$err" \
		&& grep -q '^usage: cx_client -c CONF' "$out" && grep -q 'Exit status' "$out" \
		&& [ ! -s "$err" ]
}
mig_check "--help prints the usage on stdout and exits 0" help_exits_0

# A configuration freeDiameter cannot read: exit 1, nothing on stdout.
missing_conf_exits_1()
{
	timeout 30 "$CXC_CLIENT" -c "$MIG_TMP/missing.conf" --log "$MIG_TMP/missing.log" \
		mar $ids > "$out" 2> "$err"
	u__rc=$?
	[ "$u__rc" = 1 ] && [ ! -s "$out" ] && grep -q 'missing.conf' "$err" && return 0
	echo "# exit $u__rc"; cat "$out" "$err"
	return 1
}
mig_check "a missing configuration exits 1" missing_conf_exits_1

# The base dictionary only: the client names what it misses, exits 1.
mig_fd_conf nodict scscf.a.test a.test
cxc_run nodict mar $ids
mig_check "a configuration without dict_cx exits 1" cxc_rc_is 1
mig_check "... and says the dictionary lacks the Cx AVPs" grep -q 'dict_cx' "$CXC_ERR"
mig_check "... with nothing on stdout" cxc_out_empty
mig_pass
