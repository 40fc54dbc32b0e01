#!/bin/sh
# Many allocations in flight at once (group commit, sipdb_alloc.c): every
# GOR/GIR is answered 2001 only after its binding is committed, no binding
# is lost or made twice, and a user asked for again and again (even by
# requests in flight together, in one batch) has one binding.
#   - brka (alloc_batch default, 64; its store read through a memory map,
#     database_mmap_mib): 2000 GORs for 2000 users, 64 in flight: 2000 live bindings, 2000 distinct identities, 2000 audit rows;
#   - the same 2000 again: 2001 each, still 2000 bindings (idempotent);
#   - 300 GORs for one user, 60 in flight: one binding;
#   - brkb with "alloc_batch": 1 (one transaction per allocation): 500
#     GIRs, 50 in flight: 500 inbound bindings.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_alloc_concurrent
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"

MB_TIMEOUT_MS=5000
MB_JSON_brka='"database_mmap_mib": 64'
MB_JSON_brkb='"alloc_batch": 1'
mb_setup true
mb_start

all_2001() { cxc_json '.answered == .count and .result_codes == {"2001": .count}'; }
gor_load()
{
	# COUNT INFLIGHT USER ("%u" in USER: request n is for user n)
	cxc_run cmsa --dest-host sipdb.a.test --timeout 30000 --count "$1" --inflight "$2" \
		gor --impi "$3@a.test" --impu "sip:$3@a.test" --partner b.test
}
live_out() { mb_sql brka "SELECT count(*), count(DISTINCT mig_impi), count(DISTINCT mig_impu),
	count(DISTINCT home_impi) FROM bindings WHERE home_impi LIKE '$1' AND direction = 'out'
	AND state = 'allocated'"; }

gor_load 2000 64 u-%u
mig_check "2000 GORs, 64 in flight: all answered 2001" all_2001
mig_check "... 2000 bindings, identities and users in A's store" \
	test "$(live_out 'u-%')" = "2000|2000|2000|2000"
mig_check "... one audit row each" test "$(mb_sql brka "SELECT count(*) FROM audit
	WHERE action = 'allocate' AND home_impi LIKE 'u-%'")" = 2000
mig_check "... the broker logged them all" \
	test "$(grep -c "mig_sipdb: out binding [0-9]*: .* stands for 'u-" "$(mig_fd_log brka)")" = 2000

gor_load 2000 64 u-%u
mig_check "the same 2000 again: all answered 2001" all_2001
mig_check "... still 2000 bindings (a repeated request gets the one it has)" \
	test "$(live_out 'u-%')" = "2000|2000|2000|2000"

gor_load 300 60 dup
mig_check "300 GORs for one user, 60 in flight: all answered 2001" all_2001
mig_check "... one binding" test "$(live_out 'dup@a.test')" = "1|1|1|1"

cxc_run cmsb --dest-host sipdb.b.test --timeout 30000 --count 500 --inflight 50 \
	gir --impi v-%u@a.test --impu sip:v-%u@a.test --primary a.test --primary-sipdb sipdb.a.test
mig_check "500 GIRs at B (one transaction each), 50 in flight: all answered 2001" all_2001
mig_check "... 500 inbound bindings with distinct identities in B's store" \
	test "$(mb_sql brkb "SELECT count(*), count(DISTINCT mig_impi) FROM bindings
		WHERE home_impi LIKE 'v-%' AND direction = 'in' AND state = 'allocated'")" = "500|500"
mig_check "the stores are sound" test "$(mb_sql brka 'PRAGMA integrity_check')" = ok
mig_pass
