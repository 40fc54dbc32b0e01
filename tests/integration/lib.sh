# lib.sh: shared setup for the integration tests (POSIX sh; runs under dash).
#
# Each test starts real freeDiameterd processes on 127.0.0.1 and talks to
# them.  This library gives every test its own directory, its own TCP ports
# (so that `make -j2 check` runs tests side by side), configuration files,
# bounded waits, and a cleanup that stops every daemon and shows the logs
# when the test fails.  Nothing here waits without a deadline.
#
# Usage, from a test in tests/integration/ (the harness exports top_srcdir,
# top_builddir, FREEDIAMETERD and FD_SYSEXTDIR; see tests/Makefile.am):
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   mig_test_init dict_peers                  # tmp dir, traps
#   mig_fd_conf a a.test.local test.local     # a.conf, with a free Port
#   mig_fd_load_cx_dict a                     # dictionary chain + dict_cx
#   mig_fd_conf b b.test.local test.local
#   mig_fd_load_cx_dict b
#   mig_fd_link a b                           # ConnectPeer both ways
#   mig_fd_start a; mig_fd_start b
#   mig_fd_wait_ready a && mig_fd_wait_ready b || mig_fail "no start"
#   mig_fd_wait_open a b.test.local || mig_fail "a never reached OPEN"
#   mig_pass                                  # or just exit 0
#
# Test life cycle
#   mig_test_init NAME         create $top_builddir/tests/tmp/NAME (emptied
#                              first), set MIG_TMP to it, install the traps;
#                              at exit every daemon still running is stopped,
#                              and the directory is removed on success, kept
#                              (with the tails of the logs printed) on failure;
#                              MIG_EXIT_HOOK, if set, is eval'ed once the
#                              daemons are stopped (undo what a test set up
#                              outside MIG_TMP)
#   mig_fail MESSAGE...        print "FAIL: MESSAGE" and exit 1 (the exit
#                              trap then shows the tails of all logs)
#   mig_skip MESSAGE...        print "SKIP: MESSAGE" and exit 77
#   mig_pass                   exit 0
#   mig_check DESC CMD...      run CMD; print "ok - DESC" or "not ok - DESC"
#                              and remember the failure (mig_pass then fails)
#   mig_wait_for SECS CMD...   run CMD every 0.1 s until it succeeds (0) or
#                              SECS seconds have passed (1)
#   mig_took_ok MS LO HI       true if MS is within LO..HI (HI * MIG_SLOW)
#
# Ports
#   mig_pick_port              print a free TCP port of 127.0.0.1, reserved
#                              for this test until it exits
#
# freeDiameterd instances (NAME is a short word: letters, digits, _)
#   mig_fd_conf NAME IDENTITY REALM
#                              write $MIG_TMP/NAME.conf: Identity, Realm, a
#                              free Port, SecPort = 0 (no TLS listener: then
#                              1.2.1 needs no TLS_Cred), No_SCTP
#   mig_fd_conf_add NAME LINE  append a raw line to NAME.conf
#   mig_fd_ext NAME FILE [CONF]
#                              LoadExtension = "FILE" [: "CONF"]; a FILE
#                              without "/" is taken from $FD_SYSEXTDIR
#   mig_fd_load_cx_dict NAME [alone|chain]
#                              dict_cx from the build tree: alone (what
#                              doc/configuration.md recommends), or last
#                              after the stock chain dict_nasreq, dict_dcca,
#                              dict_dcca_3gpp; default $MIG_CX_DICT, else alone
#   mig_fd_peer NAME OTHER [tls]
#                              ConnectPeer from NAME to the instance OTHER
#                              (plaintext: No_TLS; port=...; ConnectTo=...);
#                              with "tls", to OTHER's TLS port instead.
#                              1.2.1 rejects the CER of a peer it has no
#                              ConnectPeer for (DIAMETER_UNKNOWN_PEER, unless
#                              acl_wl is loaded): see mig_fd_link
#   mig_fd_link A B [tls]      mig_fd_peer both ways; the two daemons settle
#                              who connects by election
#   mig_fd_tls NAME            give NAME a TLS port and a certificate signed
#                              by a CA made once per test (certtool)
#   mig_fd_start NAME          start "$FREEDIAMETERD -c NAME.conf" in the
#                              background, log in NAME.log (-dd when
#                              MIG_TEST_DEBUG is set)
#   mig_fd_wait_ready NAME [SECS]
#                              wait for "daemon initialized" in the log;
#                              1 if the daemon exits or time runs out
#   mig_fd_wait_open NAME PEER_IDENTITY [SECS]
#                              wait until NAME last logged PEER_IDENTITY in
#                              OPEN, and still does a moment later
#   mig_fd_wait_log NAME REGEX [SECS [MARK]]
#                              wait for a line matching REGEX (grep -E),
#                              after line MARK (from mig_fd_log_mark NAME)
#   mig_fd_stop NAME [SECS]    SIGTERM, SIGKILL after SECS; sets MIG_RC to
#                              the daemon's exit status; 0 if it was 0
#   mig_fd_run NAME [SECS]     run the daemon in the foreground for a test
#                              that expects it to exit on its own; sets
#                              MIG_RC (124 when SECS passed and it was killed)
#   mig_fd_log NAME            print the path of NAME's log
#   mig_rc_is_signal RC        true if the exit status RC means "killed by a
#                              signal" (129-192); freeDiameterd exits with
#                              255 when start-up fails (main returns -1)
#   mig_fd_port NAME           print NAME's Port (mig_fd_tls_port: SecPort)
#   mig_fd_log_tail NAME [N]   print the last N (40) lines of NAME's log
#   mig_fd_mem NAME FIELD      print FIELD (VmRSS, VmHWM...) of running NAME, kB
#   mig_fd_cpu NAME            print NAME's CPU time so far (user + system),
#                              in clock ticks (getconf CLK_TCK a second)
#   mig_loadavg                print the machine's 1, 5 and 15 min load
#
# Environment
#   MIG_TEST_DEBUG   set: freeDiameterd runs with -dd and logs stay on success
#   MIG_KEEP_TMP     set: keep $MIG_TMP after a successful test as well
#   MIG_TIMEOUT      default deadline in seconds for the waits (20)
#   MIG_CX_DICT      chain: every daemon loads dict_cx after the stock
#                    dictionary chain instead of alone
#   MIG_SAN_PRELOAD  set by make check in a --enable-sanitizers build: the
#                    ASan/UBSan runtimes, preloaded into freeDiameterd (it
#                    is not instrumented, our extensions are); each daemon
#                    writes its reports to $MIG_TMP/NAME.asan.PID (and
#                    .ubsan.PID), and any report fails the test
#   MIG_VALGRIND     set: every freeDiameterd runs under valgrind memcheck
#                    (log $MIG_TMP/NAME.vg.PID, tests/valgrind/); every
#                    wait lasts MIG_VALGRIND_SLOW (10) times longer, and an
#                    error or definite leak with one of our frames fails
#                    the test (tests/valgrind/vg_check.sh)
#   MIG_SLOW         set here: 3 with sanitizers, 10 under valgrind, else 1

: "${top_srcdir:?run the tests through make check (top_srcdir is unset)}"
: "${top_builddir:?run the tests through make check (top_builddir is unset)}"
: "${FD_SYSEXTDIR:=/usr/lib/freeDiameter}"
: "${MIG_TIMEOUT:=20}"
# Instrumented code runs slower: every deadline (mig_wait_for, mig_fd_run)
# and the upper bound of every timing check (mig_took_ok) stretches by
# MIG_SLOW, 3 in a sanitizer build, MIG_VALGRIND_SLOW under valgrind.
MIG_SLOW=1
[ -n "${MIG_SAN_PRELOAD:-}" ] && MIG_SLOW=3
[ -n "${MIG_VALGRIND:-}" ] && MIG_SLOW=${MIG_VALGRIND_SLOW:-10}

MIG_TMP=
MIG_TEST_NAME=
MIG_INSTANCES=
MIG_PORTS=
MIG_RC=0
MIG_FAILED=0

# ---------------------------------------------------------------- life cycle

mig_test_init()
{
	MIG_TEST_NAME=$1
	[ -n "$MIG_TEST_NAME" ] || { echo "mig_test_init: missing test name" >&2; exit 99; }
	[ -n "${FREEDIAMETERD:-}" ] && [ "$FREEDIAMETERD" != no ] \
		|| mig_skip "freeDiameterd not found (install the Debian package freediameterd)"
	MIG_TMP=$top_builddir/tests/tmp/$MIG_TEST_NAME
	rm -rf "$MIG_TMP"
	# A test that ends removes tests/tmp when it is empty: retry, in case
	# that happens between the two steps of mkdir -p.
	mkdir -p "$MIG_TMP" || mkdir -p "$MIG_TMP" || mkdir -p "$MIG_TMP" || exit 99
	MIG_PORTS_DIR=$top_builddir/tests/tmp/.ports
	trap 'mig__on_exit $?' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

mig_fail()
{
	echo "FAIL: $*"
	MIG_FAILED=1
	exit 1
}

mig_skip()
{
	echo "SKIP: $*"
	exit 77
}

mig_pass()
{
	[ "$MIG_FAILED" = 0 ] || exit 1
	exit 0
}

mig_check()
{
	mig__desc=$1
	shift
	if "$@"; then
		echo "ok - $mig__desc"
	else
		echo "not ok - $mig__desc"
		MIG_FAILED=1
	fi
}

# Did a run of MS milliseconds take LO to HI ms (HI times MIG_SLOW)?  Says
# so when not.
mig_took_ok()
{
	[ "$1" -ge "$2" ] && [ "$1" -le $(($3 * MIG_SLOW)) ] && return 0
	echo "# took $1 ms, expected $2 to $(($3 * MIG_SLOW)) ms"
	return 1
}

mig_wait_for()
{
	mig__secs=$1
	shift
	# Ten polls a second; count polls rather than read a clock.
	mig__left=$((mig__secs * 10 * MIG_SLOW))
	while [ "$mig__left" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		mig__left=$((mig__left - 1))
	done
	"$@"
}

# The exit trap: stop what is still running, release the ports, and either
# show the logs (failure) or remove the directory (success).
mig__on_exit()
{
	mig__status=$1
	trap - EXIT INT TERM HUP
	for mig__n in $MIG_INSTANCES; do
		mig__running "$mig__n" && mig_fd_stop "$mig__n" 5 >/dev/null 2>&1
	done
	[ -n "${MIG_EXIT_HOOK:-}" ] && eval "$MIG_EXIT_HOOK"
	for mig__p in $MIG_PORTS; do
		rm -rf "$MIG_PORTS_DIR/$mig__p"
	done
	rmdir "$MIG_PORTS_DIR" 2>/dev/null
	# A memory error report from any daemon fails the test, whatever it
	# asserted (the report is printed, and kept with the logs).
	for mig__n in $MIG_INSTANCES; do
		mig__mem_reports "$mig__n" || mig__status=1
	done
	if [ "$mig__status" != 0 ] && [ "$mig__status" != 77 ]; then
		for mig__n in $MIG_INSTANCES; do
			echo "---- last lines of $MIG_TMP/$mig__n.log"
			mig_fd_log_tail "$mig__n" 40
		done
		echo "---- logs and configuration kept in $MIG_TMP"
	elif [ -z "${MIG_KEEP_TMP:-}" ] && [ -z "${MIG_TEST_DEBUG:-}" ] && [ -n "$MIG_TMP" ]; then
		rm -rf "$MIG_TMP"
		rmdir "$top_builddir/tests/tmp" 2>/dev/null
	fi
	exit "$mig__status"
}

# --------------------------------------------------------------------- ports

# Is TCP port $1 bound by anyone (any address, any state)?  Read the
# kernel's tables: no dependency on ss or netstat.
mig__port_busy()
{
	mig__hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null \
		| awk -v p=":$mig__hex" 'NR > 1 && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }'
}

# A random port in 20000-32767: below Linux's ephemeral range, so that no
# outgoing connection takes it between the pick and the bind.  A mkdir in
# the shared reservation directory keeps two parallel tests from picking
# the same one; a reservation whose test is gone is taken over.
mig_pick_port()
{
	mig__tries=0
	while [ "$mig__tries" -lt 200 ]; do
		mig__tries=$((mig__tries + 1))
		mig__r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		mig__port=$((20000 + mig__r % 12768))
		mig__port_busy "$mig__port" && continue
		mkdir -p "$MIG_PORTS_DIR" 2>/dev/null
		if ! mkdir "$MIG_PORTS_DIR/$mig__port" 2>/dev/null; then
			# Take over only a reservation whose owner is known and gone
			# (no owner file yet: another test is making it).
			mig__owner=$(cat "$MIG_PORTS_DIR/$mig__port/owner" 2>/dev/null)
			[ -n "$mig__owner" ] || continue
			kill -0 "$mig__owner" 2>/dev/null && continue
			rm -rf "$MIG_PORTS_DIR/$mig__port"
			mkdir "$MIG_PORTS_DIR/$mig__port" 2>/dev/null || continue
		fi
		echo $$ > "$MIG_PORTS_DIR/$mig__port/owner"
		MIG_PORTS="$MIG_PORTS $mig__port"
		echo "$mig__port"
		return 0
	done
	echo "mig_pick_port: no free port found" >&2
	return 1
}

# ------------------------------------------------------------ configuration

mig__file() { echo "$MIG_TMP/$1.$2"; }

mig__get() { cat "$(mig__file "$1" "$2")" 2>/dev/null; }

mig__set() { printf '%s\n' "$3" > "$(mig__file "$1" "$2")"; }

mig_fd_conf()
{
	mig__name=$1 mig__id=$2 mig__realm=$3
	case $mig__name in
	''|*[!A-Za-z0-9_]*) echo "mig_fd_conf: bad instance name '$mig__name'" >&2; exit 99 ;;
	esac
	# mig_pick_port must run in this shell (it records the reservation),
	# so its output goes through a file, not a $(...) subshell.
	mig_pick_port > "$MIG_TMP/.port" || exit 99
	mig__port=$(cat "$MIG_TMP/.port")
	mig__set "$mig__name" identity "$mig__id"
	mig__set "$mig__name" port "$mig__port"
	rm -f "$(mig__file "$mig__name" tlsport)"
	cat > "$(mig__file "$mig__name" conf)" <<EOF
# $MIG_TEST_NAME: instance $mig__name
Identity = "$mig__id";
Realm = "$mig__realm";
Port = $mig__port;
SecPort = 0;
No_SCTP;
EOF
	case " $MIG_INSTANCES " in
	*" $mig__name "*) ;;
	*) MIG_INSTANCES="$MIG_INSTANCES $mig__name" ;;
	esac
}

mig_fd_conf_add()
{
	printf '%s\n' "$2" >> "$(mig__file "$1" conf)"
}

mig_fd_ext()
{
	case $2 in
	*/*) mig__ext=$2 ;;
	*) mig__ext=$FD_SYSEXTDIR/$2 ;;
	esac
	[ -f "$mig__ext" ] || mig_fail "extension $mig__ext not found"
	if [ $# -ge 3 ]; then
		mig_fd_conf_add "$1" "LoadExtension = \"$mig__ext\" : \"$3\";"
	else
		mig_fd_conf_add "$1" "LoadExtension = \"$mig__ext\";"
	fi
}

# dict_dcca_3gpp depends on dict_dcca, which depends on dict_nasreq.
mig_fd_load_cx_dict()
{
	case ${2:-${MIG_CX_DICT:-alone}} in
	alone) ;;
	chain)
		mig_fd_ext "$1" dict_nasreq.fdx
		mig_fd_ext "$1" dict_dcca.fdx
		mig_fd_ext "$1" dict_dcca_3gpp.fdx
		;;
	*) mig_fail "mig_fd_load_cx_dict: '${2:-$MIG_CX_DICT}' is neither alone nor chain" ;;
	esac
	mig_fd_ext "$1" "$top_builddir/extensions/dict_cx/.libs/dict_cx.fdx"
}

mig_fd_port() { mig__get "$1" port; }

mig_fd_tls_port() { mig__get "$1" tlsport; }

mig_fd_peer()
{
	mig__other_id=$(mig__get "$2" identity)
	[ -n "$mig__other_id" ] || mig_fail "mig_fd_peer: no instance '$2'"
	if [ "${3:-}" = tls ]; then
		mig__p=$(mig__get "$2" tlsport)
		[ -n "$mig__p" ] || mig_fail "mig_fd_peer: instance '$2' has no TLS port (mig_fd_tls)"
		mig_fd_conf_add "$1" "ConnectPeer = \"$mig__other_id\" { port = $mig__p; ConnectTo = \"127.0.0.1\"; };"
	else
		mig__p=$(mig__get "$2" port)
		mig_fd_conf_add "$1" "ConnectPeer = \"$mig__other_id\" { No_TLS; port = $mig__p; ConnectTo = \"127.0.0.1\"; };"
	fi
}

mig_fd_link()
{
	mig_fd_peer "$1" "$2" ${3:+"$3"}
	mig_fd_peer "$2" "$1" ${3:+"$3"}
}

# One CA per test directory, then one certificate per instance whose CN is
# the instance's Diameter identity.
mig__tls_ca()
{
	[ -f "$MIG_TMP/ca.pem" ] && return 0
	command -v certtool >/dev/null || mig_skip "certtool not found (install the Debian package gnutls-bin)"
	cat > "$MIG_TMP/ca.tmpl" <<EOF
cn = "migbroker test CA"
ca
cert_signing_key
expiration_days = 2
EOF
	certtool --generate-privkey --key-type=ecdsa --outfile "$MIG_TMP/ca.key" >/dev/null 2>&1 \
		&& certtool --generate-self-signed --load-privkey "$MIG_TMP/ca.key" \
			--template "$MIG_TMP/ca.tmpl" --outfile "$MIG_TMP/ca.pem" >/dev/null 2>&1 \
		|| mig_fail "certtool could not make the test CA"
}

mig_fd_tls()
{
	mig__tls_ca
	mig__id=$(mig__get "$1" identity)
	cat > "$MIG_TMP/$1.tmpl" <<EOF
cn = "$mig__id"
dns_name = "$mig__id"
tls_www_server
tls_www_client
signing_key
encryption_key
expiration_days = 2
EOF
	certtool --generate-privkey --key-type=ecdsa --outfile "$MIG_TMP/$1.key" >/dev/null 2>&1 \
		&& certtool --generate-certificate --load-privkey "$MIG_TMP/$1.key" \
			--load-ca-certificate "$MIG_TMP/ca.pem" --load-ca-privkey "$MIG_TMP/ca.key" \
			--template "$MIG_TMP/$1.tmpl" --outfile "$MIG_TMP/$1.pem" >/dev/null 2>&1 \
		|| mig_fail "certtool could not make the certificate of $1"
	mig_pick_port > "$MIG_TMP/.port" || exit 99
	mig__set "$1" tlsport "$(cat "$MIG_TMP/.port")"
	sed -i "s/^SecPort = .*/SecPort = $(mig__get "$1" tlsport);/" "$(mig__file "$1" conf)"
	mig_fd_conf_add "$1" "TLS_Cred = \"$MIG_TMP/$1.pem\", \"$MIG_TMP/$1.key\";"
	mig_fd_conf_add "$1" "TLS_CA = \"$MIG_TMP/ca.pem\";"
}

# ------------------------------------------------------------------ daemons

mig_fd_log() { mig__file "$1" log; }

mig_fd_log_tail()
{
	mig__log=$(mig__file "$1" log)
	[ -f "$mig__log" ] && tail -n "${2:-40}" "$mig__log"
	return 0
}

mig__running()
{
	mig__pid=$(mig__get "$1" pid)
	[ -n "$mig__pid" ] && kill -0 "$mig__pid" 2>/dev/null
}

mig__debug_flags()
{
	[ -n "${MIG_TEST_DEBUG:-}" ] && echo "-dd"
}

mig_fd_start()
{
	[ -f "$(mig__file "$1" conf)" ] || mig_fail "mig_fd_start: no configuration for '$1'"
	rm -f "$(mig__file "$1" rc)"
	# Empty the log now: a restarted daemon's old log must not satisfy
	# mig_fd_wait_ready before the new process has truncated it.
	: > "$(mig__file "$1" log)"
	mig__fd_exec "$1" > "$(mig__file "$1" log)" 2>&1 &
	mig__set "$1" pid "$!"
}

# Replace the current (sub)shell with instance $1's freeDiameterd, run
# under the words given after $1 (e.g. timeout), and under valgrind or with
# the sanitizer runtimes when the environment asks for them.  exec keeps
# the daemon's pid the one the caller saw with $!.
mig__fd_exec()
{
	mig__n=$1
	shift
	if [ -n "${MIG_VALGRIND:-}" ]; then
		set -- "$@" valgrind --tool=memcheck --leak-check=full --keep-debuginfo=yes \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			--error-exitcode=99 --num-callers=40 --track-origins=yes \
			--suppressions="$top_srcdir/tests/valgrind/thirdparty.supp" \
			--log-file="$MIG_TMP/$mig__n.vg.%p"
	elif [ -n "${MIG_SAN_PRELOAD:-}" ]; then
		# san_preload.so keeps the extensions mapped (named frames in
		# LSan's reports) and works around a hang in exit() of the
		# stock daemon under ASan (tests/sanitizers/san_preload.c);
		# fast_unwind_on_malloc=0: freeDiameterd and its libraries have no
		# frame pointers; the slow unwinder gives the whole allocation stack.
		set -- "$@" env "LD_PRELOAD=$MIG_SAN_PRELOAD $top_builddir/tests/sanitizers/.libs/san_preload.so${LD_PRELOAD:+ $LD_PRELOAD}" \
			"ASAN_OPTIONS=log_path=$MIG_TMP/$mig__n.asan:fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
			"UBSAN_OPTIONS=log_path=$MIG_TMP/$mig__n.ubsan:${UBSAN_OPTIONS:-print_stacktrace=1}"
	fi
	# shellcheck disable=SC2046 # the flags are words
	exec "$@" "$FREEDIAMETERD" $(mig__debug_flags) -c "$(mig__file "$mig__n" conf)"
}

# Print the sanitizer reports and the valgrind findings of instance $1, if
# any; 1 when there is one.
mig__mem_reports()
{
	mig__bad=0
	for mig__r in "$MIG_TMP/$1".asan.* "$MIG_TMP/$1".ubsan.*; do
		[ -s "$mig__r" ] || continue
		echo "FAIL: sanitizer report from $1 ($mig__r):"
		cat "$mig__r"
		mig__bad=1
	done
	# UBSan in the preloaded runtime writes to the daemon's stderr (its log).
	if [ -n "${MIG_SAN_PRELOAD:-}" ] &&
	   grep -q ': runtime error: ' "$(mig__file "$1" log)" 2>/dev/null; then
		echo "FAIL: UBSan report in $1's log:"
		grep -A12 ': runtime error: ' "$(mig__file "$1" log)"
		mig__bad=1
	fi
	for mig__r in "$MIG_TMP/$1".vg.*; do
		[ -f "$mig__r" ] || continue
		sh "$top_srcdir/tests/valgrind/vg_check.sh" "$mig__r" || mig__bad=1
	done
	return "$mig__bad"
}

# Reap a daemon that exited and record its status (only the shell that
# started it can wait for it, which is why these are not run in $(...)).
mig__reap()
{
	mig__pid=$(mig__get "$1" pid)
	[ -n "$mig__pid" ] || return 0
	wait "$mig__pid" 2>/dev/null
	MIG_RC=$?
	mig__set "$1" rc "$MIG_RC"
	rm -f "$(mig__file "$1" pid)"
}

mig__ready()
{
	grep -q 'daemon initialized\.' "$(mig__file "$1" log)" 2>/dev/null
}

mig__ready_or_gone()
{
	mig__ready "$1" || ! mig__running "$1"
}

mig_fd_wait_ready()
{
	mig_wait_for "${2:-$MIG_TIMEOUT}" mig__ready_or_gone "$1"
	if mig__ready "$1" && mig__running "$1"; then
		return 0
	fi
	if ! mig__running "$1"; then
		mig__reap "$1"
		echo "$1: freeDiameterd exited with status $MIG_RC before it was ready"
	else
		echo "$1: freeDiameterd not ready after ${2:-$MIG_TIMEOUT} s"
	fi
	return 1
}

mig__log_has()
{
	tail -n +"$((${3:-0} + 1))" "$(mig__file "$1" log)" 2>/dev/null | grep -Eq -- "$2"
}

# How many lines NAME's log has now: a mark for mig_fd_wait_log.
mig_fd_log_mark()
{
	wc -l < "$(mig__file "$1" log)"
}

mig_fd_wait_log()
{
	mig_wait_for "${3:-$MIG_TIMEOUT}" mig__log_has "$1" "$2" "${4:-0}" && return 0
	echo "$1: no log line matching '$2' after ${3:-$MIG_TIMEOUT} s"
	return 1
}

# freeDiameter logs each state change: 'STATE_WAITCEA' -> 'STATE_OPEN' 'peer'
# (fields separated by tabs).  Dots in the identity are escaped for -E.
# The state NAME's log last says PEER went to (STATE_OPEN, STATE_CLOSED...).
mig__peer_state()
{
	mig__re=$(printf '%s' "$2" | sed 's/[].[*^$()+?{}|\\]/\\&/g')
	grep -Eo -- "-> '?STATE_[A-Z_]+'?( \(terminated\))?[[:space:]]+'$mig__re'" \
		"$(mig__file "$1" log)" 2>/dev/null | tail -n 1 | grep -Eo 'STATE_[A-Z_]+'
}

mig__peer_open() { [ "$(mig__peer_state "$1" "$2")" = STATE_OPEN ]; }

# OPEN, and still OPEN a moment later: when both sides connect at once,
# freeDiameter's election can close a connection that had just reached
# OPEN (seen under valgrind: OPEN, then CLOSED in the same second, then
# REOPEN -> OPEN two seconds later).
mig_fd_wait_open()
{
	if mig_wait_for "${3:-$MIG_TIMEOUT}" mig__peer_open "$1" "$2"; then
		sleep 0.2
		mig_wait_for "${3:-$MIG_TIMEOUT}" mig__peer_open "$1" "$2" && return 0
	fi
	echo "$1: peer $2 not in STATE_OPEN after ${3:-$MIG_TIMEOUT} s (last: $(mig__peer_state "$1" "$2"))"
	return 1
}

mig__gone() { ! mig__running "$1"; }

mig_fd_stop()
{
	MIG_RC=0
	mig__pid=$(mig__get "$1" pid)
	[ -n "$mig__pid" ] || { MIG_RC=$(mig__get "$1" rc); MIG_RC=${MIG_RC:-0}; return "$MIG_RC"; }
	kill -TERM "$mig__pid" 2>/dev/null
	if ! mig_wait_for "${2:-$MIG_TIMEOUT}" mig__gone "$1"; then
		echo "$1: still running ${2:-$MIG_TIMEOUT} s after SIGTERM, sending SIGKILL"
		kill -KILL "$mig__pid" 2>/dev/null
	fi
	mig__reap "$1"
	mig__shutdown_race "$1" 0
	return "$MIG_RC"
}

# freeDiameter 1.2.1 can abort in its own shutdown under load: fd_fifo_del
# gives threads still waiting on a queue 20 ms to leave, then asserts
# (libfdproto/fifo.c:192; doc/freediameter-notes.md).  The abort comes
# while peer connections close, before extensions are unloaded, so it says
# nothing about ours: exactly that abort counts as the exit the shutdown was
# heading for, $2 (0 after our SIGTERM; 1 when the daemon shut itself down
# after refusing its configuration), said on the test's output.  Any other
# status stays as it is.
mig__shutdown_race()
{
	[ "$MIG_RC" = 134 ] || return 0
	grep -q "fd_fifo_del: Assertion .++loops < 20. failed" "$(mig__file "$1" log)" 2>/dev/null ||
		return 0
	echo "# $1: freeDiameter 1.2.1 aborted in fd_fifo_del during shutdown (upstream race), counted as exit $2"
	MIG_RC=$2
	mig__set "$1" rc "$2"
}

mig_fd_run()
{
	[ -f "$(mig__file "$1" conf)" ] || mig_fail "mig_fd_run: no configuration for '$1'"
	(mig__fd_exec "$1" timeout -k 5 $((${2:-$MIG_TIMEOUT} * MIG_SLOW))) \
		> "$(mig__file "$1" log)" 2>&1
	MIG_RC=$?
	mig__set "$1" rc "$MIG_RC"
	mig__shutdown_race "$1" 1
	return 0
}

# What benchmarks and memory checks read of a running daemon, from /proc.
mig_fd_mem()
{
	sed -n "s/^$2:[^0-9]*\([0-9]*\) kB/\1/p" "/proc/$(mig__get "$1" pid)/status"
}

mig_fd_cpu()
{
	awk '{ print $14 + $15 }' "/proc/$(mig__get "$1" pid)/stat"
}

mig_loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

mig_rc_is_signal()
{
	[ "$1" -gt 128 ] && [ "$1" -le 192 ]
}
