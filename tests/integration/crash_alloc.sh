#!/bin/sh
# Crash safety (doc/RELIABILITY.md): rounds of allocation and MAR load on
# the two-system topology, each ended by a SIGKILL of one broker at a
# random moment, then a restart on the same store.  After every round:
#
#   - the killed broker's store passes PRAGMA integrity_check;
#   - every allocation that was answered 2001 (GOR at A, GIR at B, as the
#     load clients logged them the moment they arrived) is in its store as
#     exactly one live binding, for the user asked for and the identities
#     answered; no identity is bound twice while live;
#   - service resumes: the next round's first allocations succeed, and a
#     MAR from B's S-CSCF for alice (allocated before the first kill) comes
#     back with a genuine AKA vector.
#
# Each round: cms.a.test sends GORs to brka and cms.b.test GIRs to brkb,
# one new user per request, and scscf.b.test MARs for alice through both
# brokers, 8 of each in flight; once all three have a success, the round
# waits a random 0..CRASH_WINDOW_MS ms and SIGKILLs the broker of the round
# (brka in odd rounds, brkb in even ones, unless CRASH_TARGET names one).
#
# Environment: CRASH_ROUNDS (default 20; the long form runs hundreds),
# CRASH_SEED (replay the kill delays of an earlier run: it prints its seed),
# CRASH_WINDOW_MS (default 1500), CRASH_TARGET (brka, brkb; default both in
# turn), CRASH_INFLIGHT (default 8).  `make check-crash' runs it.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init crash_alloc
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/crash_lib.sh"

AKA_UE=$top_builddir/tests/tools/aka_ue
rounds=${CRASH_ROUNDS:-20}
window=${CRASH_WINDOW_MS:-1500}
inflight=${CRASH_INFLIGHT:-8}
seed=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# crash_alloc: $rounds rounds, seed $seed (CRASH_SEED=$seed replays the kill delays)"
trap 'crash__rc=$?; crash_load_stop; mig__on_exit $crash__rc' EXIT

# The kill delays: an LCG on the seed, so that a seed names a run.
rnd=$((seed % 2147483648))
crash_delay()
{
	rnd=$(((rnd * 1103515245 + 12345) % 2147483648))
	delay_ms=$((rnd / 65536 % (window + 1)))
}

# The first MAR answered 2001 in LOG: for alice's identities at B, with a
# vector her ISIM accepts.
mar_vector_ok()
{
	jq -c 'select(.result_code == 2001)' "$1" | head -1 >"$MIG_TMP/mar.first"
	[ "$(jq -r '[.user_name, .public_identity] | join(" ")' "$MIG_TMP/mar.first")" = \
		"$MB_IN_IMPI $MB_IN_IMPU" ] || { echo "# MAA for someone else:"; cat "$MIG_TMP/mar.first"; return 1; }
	"$AKA_UE" check $mb_alice_k $mb_alice_opc "$(jq -r '.items[0].authenticate' "$MIG_TMP/mar.first")" \
		>/dev/null || { echo "# not a genuine vector:"; cat "$MIG_TMP/mar.first"; return 1; }
}

all_loaded()
{
	crash_has_success "$1.gor" && crash_has_success "$1.gir" && crash_has_success "$1.mar"
}

mb_setup true
mb_start
mb_allocate
: >"$MIG_TMP/all.out" >"$MIG_TMP/all.in"
total_gor=0 total_gir=0 total_mar=0 kills_a=0 kills_b=0
r=1
while [ "$r" -le "$rounds" ]; do
	log=$MIG_TMP/round
	crash_load cmsa "$log.gor" --dest-host sipdb.a.test --count 50000 --inflight "$inflight" \
		--timeout 3000 gor --impi "r$r-%u@a.test" --impu "sip:r$r-%u@a.test" --partner b.test
	crash_load cmsb "$log.gir" --dest-host sipdb.b.test --count 50000 --inflight "$inflight" \
		--timeout 3000 gir --impi "mig-r$r-%u@a.test" --impu "sip:mig-r$r-%u@a.test" \
		--primary a.test --primary-sipdb sipdb.a.test
	crash_load scscfb "$log.mar" --dest-host sipdb.b.test --count 50000 --inflight "$inflight" \
		--timeout 3000 mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
	t0=$(cxc__ms)
	mig_wait_for 60 all_loaded "$log" || {
		for k in gor gir mar; do echo "# $k: $(wc -l <"$log.$k") answers"; tail -2 "$log.$k"; done
		mig_fail "round $r: no successful GOR, GIR and MAR within 60 s (of the restart)"
	}
	mar_vector_ok "$log.mar" || mig_fail "round $r: the MAR for alice is not brokered correctly"

	t1=$(cxc__ms)
	crash_delay
	target=${CRASH_TARGET:-$( [ $((r % 2)) = 1 ] && echo brka || echo brkb)}
	sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
	crash_kill "$target"
	crash_load_stop

	crash_answered "$log.gor" "r$r-%u@a.test" >"$log.out.tsv" || mig_fail "round $r: GOR log unreadable"
	crash_answered "$log.gir" "mig-r$r-%u@a.test" >"$log.in.tsv" || mig_fail "round $r: GIR log unreadable"
	cat "$log.out.tsv" >>"$MIG_TMP/all.out"
	cat "$log.in.tsv" >>"$MIG_TMP/all.in"
	n_gor=$(wc -l <"$log.out.tsv") n_gir=$(wc -l <"$log.in.tsv")
	n_mar=$(grep -c '"result_code":2001' "$log.mar")
	echo "# round $r: all three loads answered 2001 after $((t1 - t0)) ms; SIGKILL $target" \
		"$delay_ms ms later; answered 2001: $n_gor GOR, $n_gir GIR, $n_mar MAR"
	total_gor=$((total_gor + n_gor)) total_gir=$((total_gir + n_gir)) total_mar=$((total_mar + n_mar))
	case $target in brka) kills_a=$((kills_a + 1)) ;; *) kills_b=$((kills_b + 1)) ;; esac

	t2=$(cxc__ms)
	crash_restart "$target"
	t3=$(cxc__ms)
	crash_check_store brka out b.test "$log.out.tsv" || mig_fail "round $r: A's store lost or broke an allocation"
	crash_check_store brkb in a.test "$log.in.tsv" || mig_fail "round $r: B's store lost or broke an allocation"
	echo "# round $r: restart $((t3 - t2)) ms, checks $(($(cxc__ms) - t3)) ms"
	r=$((r + 1))
done

# Service after the last restart, and every answer of the run still there.
# A few requests each, one at a time: the first may be lost when the broker
# still holds the connection of the client killed in the round (1.2.1 then
# forwards the answer to that closed peer and drops it).
crash_load cmsa "$MIG_TMP/last.gor" --dest-host sipdb.a.test --count 20 --timeout 2000 \
	gor --impi "last-%u@a.test" --impu "sip:last-%u@a.test" --partner b.test
crash_load cmsb "$MIG_TMP/last.gir" --dest-host sipdb.b.test --count 20 --timeout 2000 \
	gir --impi "mig-last-%u@a.test" --impu "sip:mig-last-%u@a.test" --primary a.test
crash_load scscfb "$MIG_TMP/last.mar" --dest-host sipdb.b.test --count 20 --timeout 2000 \
	mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
mig_check "after the last restart: a fresh GOR, GIR and MAR succeed" \
	mig_wait_for 60 all_loaded "$MIG_TMP/last"
crash_load_stop
mig_check "... the MAR for alice brings a genuine vector" mar_vector_ok "$MIG_TMP/last.mar"
mig_check "every GOR answered in $rounds rounds is bound at A as answered" \
	crash_check_store brka out b.test "$MIG_TMP/all.out"
mig_check "every GIR answered in $rounds rounds is bound at B as answered" \
	crash_check_store brkb in a.test "$MIG_TMP/all.in"
echo "# crash_alloc: $rounds rounds ($kills_a kills of brka, $kills_b of brkb), seed $seed:" \
	"$total_gor GORs, $total_gir GIRs and $total_mar MARs answered 2001, every allocation found as answered"
mig_pass
