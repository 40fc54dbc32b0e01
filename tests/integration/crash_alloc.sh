#!/bin/sh
# Crash safety (doc/RELIABILITY.md): rounds of allocation and MAR load on
# the two-system topology, each ended by a SIGKILL of one broker at a
# random moment, then a restart on the same store.  After every round:
#
#   - the killed broker's store passes PRAGMA integrity_check and has no
#     identity in two bindings (a table scan, not the unique indexes);
#   - every allocation that was answered 2001 (GOR at A, GIR at B, as the
#     load clients logged them the moment they arrived) is a live binding
#     in its store, for the user asked for and the identities answered;
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
# Every CRASH_EPOCH rounds (25), after checking every answer of those
# rounds again, both brokers start over on new stores: the whole-store
# checks then cost the same in round 500 as in round 5.
#
# Environment: CRASH_ROUNDS (default 20; the long form runs hundreds),
# CRASH_SEED (replay the kill delays of an earlier run: it prints its seed),
# CRASH_WINDOW_MS (default 1500), CRASH_TARGET (brka, brkb; default both in
# turn), CRASH_INFLIGHT (default 8), CRASH_EPOCH (default 25).
# `make check-crash' runs it.
# Generous waits: this test loads the machine itself, on top of whatever
# else runs (lib.sh keeps a MIG_TIMEOUT given).
MIG_TIMEOUT=${MIG_TIMEOUT:-60}
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init crash_alloc
. "$top_srcdir/tests/integration/client_lib.sh"
. "$top_srcdir/tests/integration/broker_lib.sh"
. "$top_srcdir/tests/integration/crash_lib.sh"

AKA_UE=$top_builddir/tests/tools/aka_ue
rounds=${CRASH_ROUNDS:-20}
window=${CRASH_WINDOW_MS:-1500}
inflight=${CRASH_INFLIGHT:-8}
epoch=${CRASH_EPOCH:-25}
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

# Round R: load, kill, restart, checks.
crash_round()
{
	log=$MIG_TMP/round
	crash_load cmsa "$log.gor" --dest-host sipdb.a.test --count 50000 --inflight "$inflight" \
		--timeout 3000 gor --impi "r$1-%u@a.test" --impu "sip:r$1-%u@a.test" --partner b.test
	crash_load cmsb "$log.gir" --dest-host sipdb.b.test --count 50000 --inflight "$inflight" \
		--timeout 3000 gir --impi "mig-r$1-%u@a.test" --impu "sip:mig-r$1-%u@a.test" \
		--primary a.test --primary-sipdb sipdb.a.test
	crash_load scscfb "$log.mar" --dest-host sipdb.b.test --count 50000 --inflight "$inflight" \
		--timeout 3000 mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
	t0=$(cxc__ms)
	mig_wait_for 60 all_loaded "$log" || {
		for k in gor gir mar; do echo "# $k: $(wc -l <"$log.$k") answers"; tail -2 "$log.$k"; done
		mig_fail "round $1: no successful GOR, GIR and MAR within 60 s (of the restart)"
	}
	mar_vector_ok "$log.mar" || mig_fail "round $1: the MAR for alice is not brokered correctly"

	t1=$(cxc__ms)
	crash_delay
	target=${CRASH_TARGET:-$( [ $(($1 % 2)) = 1 ] && echo brka || echo brkb)}
	sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
	crash_kill "$target"
	crash_load_stop

	crash_answered "$log.gor" "r$1-%u@a.test" >"$log.out.tsv" || mig_fail "round $1: GOR log unreadable"
	crash_answered "$log.gir" "mig-r$1-%u@a.test" >"$log.in.tsv" || mig_fail "round $1: GIR log unreadable"
	cat "$log.out.tsv" >>"$MIG_TMP/all.out"
	cat "$log.in.tsv" >>"$MIG_TMP/all.in"
	n_gor=$(wc -l <"$log.out.tsv") n_gir=$(wc -l <"$log.in.tsv")
	n_mar=$(grep -c '"result_code":2001' "$log.mar")
	echo "# round $1: all three loads answered 2001 after $((t1 - t0)) ms; SIGKILL $target" \
		"$delay_ms ms later; answered 2001: $n_gor GOR, $n_gir GIR, $n_mar MAR"
	total_gor=$((total_gor + n_gor)) total_gir=$((total_gir + n_gir)) total_mar=$((total_mar + n_mar))
	case $target in brka) kills_a=$((kills_a + 1)) ;; *) kills_b=$((kills_b + 1)) ;; esac

	t2=$(cxc__ms)
	crash_restart "$target"
	t3=$(cxc__ms)
	# The whole-store checks on the store of the killed broker; the
	# other one gets them when its turn comes, and both at the epoch's end.
	full_a= full_b=
	[ "$target" = brka ] && full_a=all || full_b=all
	crash_check_store brka out b.test "$log.out.tsv" $full_a ||
		mig_fail "round $1: A's store lost or broke an allocation"
	crash_check_store brkb in a.test "$log.in.tsv" $full_b ||
		mig_fail "round $1: B's store lost or broke an allocation"
	echo "# round $1: restart $((t3 - t2)) ms, checks $(($(cxc__ms) - t3)) ms"
}

# The end of an epoch: service after the last restart, and every answer of
# the epoch still there.  Requests one at a time until each kind has a
# success: right after a restart the first may fail (B still on its way
# back to A: 3002; or, as 1.2.1 may do when a killed client's identity
# connects again, an answer sent to the dead connection).
crash_epoch_end()
{
	crash_load cmsa "$MIG_TMP/last.gor" --dest-host sipdb.a.test --count 50000 --timeout 2000 \
		gor --impi "last$1-%u@a.test" --impu "sip:last$1-%u@a.test" --partner b.test
	crash_load cmsb "$MIG_TMP/last.gir" --dest-host sipdb.b.test --count 50000 --timeout 2000 \
		gir --impi "mig-last$1-%u@a.test" --impu "sip:mig-last$1-%u@a.test" --primary a.test
	crash_load scscfb "$MIG_TMP/last.mar" --dest-host sipdb.b.test --count 50000 --timeout 2000 \
		mar --impi "$MB_IN_IMPI" --impu "$MB_IN_IMPU"
	mig_wait_for 60 all_loaded "$MIG_TMP/last" ||
		mig_fail "after round $1: no fresh GOR, GIR and MAR succeeded"
	crash_load_stop
	mar_vector_ok "$MIG_TMP/last.mar" || mig_fail "after round $1: the MAR for alice is not brokered correctly"
	crash_answered "$MIG_TMP/last.gor" "last$1-%u@a.test" >>"$MIG_TMP/all.out" &&
		crash_answered "$MIG_TMP/last.gir" "mig-last$1-%u@a.test" >>"$MIG_TMP/all.in" ||
		mig_fail "after round $1: an answer log is unreadable"
	crash_check_store brka out b.test "$MIG_TMP/all.out" all ||
		mig_fail "after round $1: A's store lost or broke an allocation answered in an earlier round"
	crash_check_store brkb in a.test "$MIG_TMP/all.in" all ||
		mig_fail "after round $1: B's store lost or broke an allocation answered in an earlier round"
	echo "# rounds up to $1: fresh allocations and MAR served; all $(wc -l <"$MIG_TMP/all.out") GORs" \
		"and $(wc -l <"$MIG_TMP/all.in") GIRs answered since the stores were new are bound as answered"
}

# A new epoch: both brokers (and the HSS) start again on new stores, and
# alice is allocated again.
crash_new_stores()
{
	for d in brka brkb hssa; do mig_fd_stop "$d" 30 >/dev/null; done
	rm -f "$MIG_TMP"/brka.db* "$MIG_TMP"/brkb.db*
	mb_start
	mb_allocate
	: >"$MIG_TMP/all.out" >"$MIG_TMP/all.in"
}

mb_setup true
# Tw at freeDiameter's minimum (6 s, default 30): a link back from a crash
# is OPEN again after three watchdog exchanges, 18 s rather than 90 s.
for d in hssa brka brkb; do mig_fd_conf_add "$d" "TwTimer = 6;"; done
mb_start
mb_allocate
: >"$MIG_TMP/all.out" >"$MIG_TMP/all.in"
total_gor=0 total_gir=0 total_mar=0 kills_a=0 kills_b=0
r=1
while [ "$r" -le "$rounds" ]; do
	crash_round "$r"
	if [ "$r" = "$rounds" ]; then
		crash_epoch_end "$r"
	elif [ $((r % epoch)) = 0 ]; then
		crash_epoch_end "$r"
		crash_new_stores
	fi
	r=$((r + 1))
done
echo "# crash_alloc: $rounds rounds ($kills_a kills of brka, $kills_b of brkb), seed $seed:" \
	"$total_gor GORs, $total_gir GIRs and $total_mar MARs answered 2001, every allocation found as answered"
mig_pass
