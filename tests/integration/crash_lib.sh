# crash_lib.sh: load, SIGKILL, restart and the store checks of the crash
# tests (crash_*.sh), on the two-system topology of broker_lib.sh.  Sourced
# after lib.sh, client_lib.sh, broker_lib.sh and mig_test_init.  POSIX sh.
#
#   crash_load NAME LOG ARGS...
#                         start cx_client instance NAME in the background
#                         with --answer-log LOG and ARGS (a --count run);
#                         every answer lands in LOG, one JSON line, the
#                         moment it arrives
#   crash_load_stop       SIGKILL every load client still running (a client
#                         may die mid-run: only the answers it logged count)
#   crash_whole_lines FILE
#                         FILE without an unterminated last line
#   crash_has_success LOG true if LOG has an answer with result 2001
#   crash_kill NAME       SIGKILL broker NAME (no shutdown of any kind)
#   crash_restart NAME    start broker NAME again on its store, wait until
#                         it is ready and its links are OPEN again, on both
#                         ends: a peer that saw the link fail takes it back
#                         through REOPEN (RFC 3539: three watchdog
#                         exchanges, Tw apart) and routes nothing over it
#                         until then
#   crash_answered LOG PATTERN
#                         the 2001 answers of LOG as TSV lines: request
#                         number, the user asked for (PATTERN with %u = the
#                         number), User-Name, Public-Identity,
#                         Migration-IMPI, Migration-IMPU of the answer;
#                         false if a whole line of LOG is not JSON.  The
#                         last line is left out when it has no newline: a
#                         client killed in write(2) (Linux stops a write at
#                         a page boundary for SIGKILL) never logged that
#                         answer completely
#   crash_check_store NAME DIR REALM TSV [all]
#                         true if broker NAME's store holds every answer of
#                         TSV (crash_answered lines) as a live binding of
#                         direction DIR for peer REALM, for the very
#                         identities answered and asked for; with "all",
#                         also if it passes PRAGMA integrity_check and has
#                         no migration IMPI, migration IMPU or (user,
#                         direction, peer) in two bindings (whole-store
#                         scans, the cost of which grows with the store);
#                         says what is wrong otherwise
#
# Nothing in these tests revokes, expires or purges a binding, and every
# user is new: an identity in two bindings, live or not, is a fault.  The
# uniqueness checks scan the table (NOT INDEXED) rather than trust the
# unique indexes they are meant to check.
# The answers of the allocation load and the bindings are compared in
# SQLite: the TSV is imported into a TEMP table of the checking
# connection, which never writes to the broker's store.

CRASH_LOADS=

crash_load()
{
	crash__n=$1 crash__log=$2
	shift 2
	: >"$crash__log"
	# Started directly, not under timeout(1): $! must be the client
	# itself, for crash_load_stop.  --count bounds its run.
	"$CXC_CLIENT" -c "$MIG_TMP/$crash__n.conf" --log "$(mig_fd_log "$crash__n")" \
		--answer-log "$crash__log" "$@" >"$MIG_TMP/$crash__n.out" 2>"$MIG_TMP/$crash__n.err" &
	CRASH_LOADS="$CRASH_LOADS $!"
}

crash_load_stop()
{
	for crash__p in $CRASH_LOADS; do
		kill -KILL "$crash__p" 2>/dev/null
		wait "$crash__p" 2>/dev/null
	done
	CRASH_LOADS=
}

crash_has_success()
{
	grep -q '"result_code":2001' "$1" 2>/dev/null
}

# The links of broker NAME: "INSTANCE PEER-IDENTITY" pairs, both ends.
crash__links()
{
	case $1 in
	brka) echo "brka hss.a.test hssa sipdb.a.test brka sipdb.b.test brkb sipdb.a.test" ;;
	brkb) echo "brkb sipdb.a.test brka sipdb.b.test" ;;
	esac
}

# How often instance $1 logged its link to $2 OPEN.
crash__opens()
{
	crash__re=$(printf '%s' "$2" | sed 's/[].[*^$()+?{}|\\]/\\&/g')
	grep -cE -- "-> 'STATE_OPEN'[[:space:]]+'$crash__re'" "$(mig_fd_log "$1")" 2>/dev/null
}

crash__opened() { [ "$(crash__opens "$1" "$2")" -gt "$3" ]; }

# lib.sh keeps each daemon's pid in $MIG_TMP/NAME.pid (mig__get); mig__reap
# collects the exit status, so that the next mig_fd_start starts clean.
# What each end of each link logged so far is noted first: crash_restart
# waits for one OPEN more.
crash_kill()
{
	set -- "$1" $(crash__links "$1")
	crash__name=$1
	shift
	crash__seen=
	while [ $# -gt 1 ]; do
		crash__seen="$crash__seen $1 $2 $(crash__opens "$1" "$2")"
		shift 2
	done
	set -- "$crash__name"
	kill -KILL "$(mig__get "$1" pid)" || mig_fail "$1 was not running when it was to be killed"
	mig__reap "$1"
	[ "$MIG_RC" = 137 ] || mig_fail "$1 exited with status $MIG_RC before SIGKILL reached it"
}

crash_restart()
{
	# The killed process's log, for a failure in the round that follows.
	cp "$(mig_fd_log "$1")" "$MIG_TMP/$1.killed.log"
	mig_fd_start "$1"
	mig_fd_wait_ready "$1" 60 || mig_fail "$1 did not start again on its store"
	crash__name=$1
	# The restarted broker's log is new: it counts from 0.
	set -- $(echo "$crash__seen" | sed "s/\($crash__name [^ ]*\) [0-9]*/\1 0/g")
	while [ $# -gt 2 ]; do
		mig_wait_for 120 crash__opened "$1" "$2" "$3" ||
			mig_fail "$crash__name restarted, but $1's link to $2 is not OPEN after 120 s"
		shift 3
	done
}

# The lines of file $1 that end with a newline.
crash_whole_lines()
{
	if [ -n "$(tail -c 1 "$1")" ]; then sed '$d' "$1"; else cat "$1"; fi
}

crash_answered()
{
	crash_whole_lines "$1" | jq -r --arg p "$2" 'select(.result_code == 2001) | .request as $n
		| [$n, ($p | sub("%u"; $n | tostring)), .user_name, .public_identity,
		   .migration_impi, .migration_impu] | @tsv'
}

crash__sql_answers()
{
	# DIR REALM TSV: one line per problem, nothing when all is well
	cat <<SQL
CREATE TEMP TABLE ans (req INTEGER, want TEXT, impi TEXT, impu TEXT, mimpi TEXT, mimpu TEXT);
.mode tabs
.import '$3' ans
.mode list
SELECT 'request ' || req || ' asked for ' || want || ', answered for ' || impi FROM ans
 WHERE impi IS NOT want;
SELECT 'answered but not live as answered: ' || want || ' -> ' || mimpi FROM ans a
 WHERE NOT EXISTS (SELECT 1 FROM bindings b WHERE b.mig_impi = a.mimpi AND b.mig_impu = a.mimpu
   AND b.home_impi = a.impi AND b.home_impu = a.impu AND b.direction = '$1'
   AND b.peer_realm = '$2' AND b.state IN ('allocated', 'registered'));
SQL
}

crash__sql_store()
{
	cat <<SQL
SELECT 'integrity_check: ' || integrity_check FROM pragma_integrity_check
 WHERE integrity_check <> 'ok';
SELECT 'bound twice: migration IMPI ' || mig_impi FROM bindings NOT INDEXED
 GROUP BY mig_impi HAVING count(*) > 1;
SELECT 'bound twice: migration IMPU ' || mig_impu FROM bindings NOT INDEXED
 GROUP BY mig_impu HAVING count(*) > 1;
SELECT 'bound twice: ' || home_impi || ' (' || direction || ', ' || peer_realm || ')'
 FROM bindings NOT INDEXED GROUP BY peer_realm, direction, home_impi HAVING count(*) > 1;
SQL
}

crash_check_store()
{
	crash__out=$MIG_TMP/crash_check.$1.out
	{ crash__sql_answers "$2" "$3" "$4"; [ "${5:-}" != all ] || crash__sql_store; } | sqlite3 -bail -cmd ".timeout 10000" "$MIG_TMP/$1.db" \
		>"$crash__out" 2>&1 || { echo "# $1: the checks failed to run:"; cat "$crash__out"; return 1; }
	[ -s "$crash__out" ] || return 0
	echo "# $1's store after the crash:"
	head -20 "$crash__out"
	return 1
}
