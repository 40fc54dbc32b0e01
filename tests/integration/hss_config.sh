#!/bin/sh
# hss_config: a bad subscriber file stops freeDiameterd at start-up with a
# message naming the file, the subscriber and the key; a good one starts.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init hss_config

HSS=$top_builddir/tests/tools/.libs/test_hss.fdx
K='"k": "465b5ce8b199b49faa5f0a2ee238a6bc"'
OPC='"opc": "cd63cb71954a9f4e48a5994e37a02baf"'
ALICE='"impi": "alice@a.test", "impus": ["sip:alice@a.test"]'

# A daemon loading the test HSS with the JSON file $MIG_TMP/$1.json.
hss_conf()
{
	mig_fd_conf "$1" "$(echo "$1" | tr _ -).hss.test" hss.test
	mig_fd_load_cx_dict "$1"
	mig_fd_ext "$1" "$HSS" "$MIG_TMP/$1.json"
}

refused() { [ "$MIG_RC" != 0 ] && [ "$MIG_RC" != 124 ]; }

# bad NAME REGEX JSON: freeDiameterd must exit on its own, not 0, and
# its log must match REGEX.
bad()
{
	printf '%s\n' "$3" > "$MIG_TMP/$1.json"
	hss_conf "$1"
	mig_fd_run "$1" 20
	mig_check "$1: freeDiameterd refuses to start (status $MIG_RC)" refused
	mig_check "$1: the log says why" grep -Eq -- "$2" "$(mig_fd_log "$1")"
}

bad not_json 'test_hss: .*/not_json\.json:[0-9]+:[0-9]+: ' \
	'{ "subscribers": [ '
hss_conf missing_file # no JSON file written
mig_fd_run missing_file 20
mig_check "missing_file: freeDiameterd refuses to start (status $MIG_RC)" refused
mig_check "missing_file: the log says why" \
	grep -Eq 'test_hss: .*/missing_file\.json:.*unable to open' "$(mig_fd_log missing_file)"
bad no_subscribers '"subscribers" must be a non-empty array' \
	'{ "subscribers": [] }'
bad unknown_top_key 'top level: unknown key "no_zero_xre"' \
	"{ \"no_zero_xre\": true, \"subscribers\": [ { $ALICE, $K, $OPC } ] }"
bad unknown_key 'subscribers\[0\] \(alice@a\.test\): unknown key "opc "' \
	"{ \"subscribers\": [ { $ALICE, $K, \"opc \": \"00\" } ] }"
bad short_k 'subscribers\[1\] \(bob@b\.test\): "k" must be 32 hex digits' \
	"{ \"subscribers\": [ { $ALICE, $K, $OPC },
	  { \"impi\": \"bob@b.test\", \"impus\": [\"sip:bob@b.test\"],
	    \"k\": \"465b5ce8b199b49faa5f0a2ee238a6b\", $OPC } ] }"
bad k_twice 'give "k" or "k_ascii", not both' \
	"{ \"subscribers\": [ { $ALICE, $K, \"k_ascii\": \"0123456789abcdef\", $OPC } ] }"
bad ascii_length '"op_ascii" must be exactly 16 bytes' \
	"{ \"subscribers\": [ { $ALICE, $K, \"op_ascii\": \"0123456789abcde\" } ] }"
bad no_op 'AKA needs exactly one of "op", "op_ascii" or "opc"' \
	"{ \"subscribers\": [ { $ALICE, $K } ] }"
bad op_and_opc 'AKA needs exactly one of' \
	"{ \"subscribers\": [ { $ALICE, $K, $OPC, \"op\": \"cdc202d5123e20f62b6d676ac72cb318\" } ] }"
bad bad_sqn '"sqn" must be 12 hex digits' \
	"{ \"subscribers\": [ { $ALICE, $K, $OPC, \"sqn\": \"20\" } ] }"
bad no_impus '"impus" must be a non-empty array of strings' \
	'{ "subscribers": [ { "impi": "alice@a.test", "password": "x" } ] }'
bad no_credentials 'neither AKA keys \("k"\) nor a "password"' \
	"{ \"subscribers\": [ { $ALICE } ] }"
bad twice 'subscribers\[1\] \(ALICE@a\.test\): IMPI listed twice' \
	"{ \"subscribers\": [ { $ALICE, $K, $OPC },
	  { \"impi\": \"ALICE@a.test\", \"impus\": [\"sip:a@a.test\"], \"password\": \"x\" } ] }"

# The same shapes, valid, start (so the refusals above are about the
# errors, not about loading the extension at all).
printf '%s\n' "{ \"no_zero_xres\": false, \"subscribers\": [ { $ALICE, $K, $OPC, \"sqn\": \"000000000020\" },
  { \"impi\": \"bob@b.test\", \"impus\": [\"sip:bob@b.test\"], \"k_ascii\": \"0123456789abcdef\",
    \"op_ascii\": \"fedcba9876543210\", \"password\": \"pw\", \"realm\": \"b.test\" } ] }" \
	> "$MIG_TMP/good.json"
hss_conf good
mig_fd_start good
mig_check "a valid file starts the daemon" mig_fd_wait_ready good
mig_check "the start-up line counts the subscribers" \
	mig_fd_wait_log good 'test_hss: 2 subscribers from .*/good\.json' 5
mig_fd_stop good 10
mig_pass
