# client_lib.sh: helpers for the cx_client tests (client_*.sh), sourced
# after lib.sh and mig_test_init.  POSIX sh.
#
#   cxc_peer NAME IDENTITY REALM
#                          a freeDiameterd instance with the Cx dictionary
#                          chain (add extensions with mig_fd_ext, then
#                          cxc_start)
#   cxc_start NAME...      start each instance and wait until it is ready;
#                          the test fails if one is not
#   cxc_conf NAME IDENTITY REALM PEER
#                          the client's own freeDiameter configuration
#                          (mig_fd_conf + the Cx dictionary chain), linked
#                          both ways with the instance PEER (mig_fd_link)
#   cxc_run NAME ARGS...   run tools/cx_client -c NAME.conf --log NAME.log
#                          ARGS (under `timeout', never longer than 120 s);
#                          sets CXC_RC (exit status), CXC_MS (wall time in
#                          ms), CXC_OUT and CXC_ERR (files with stdout and
#                          stderr)
#   cxc_show               print the last run's stdout and stderr
#   cxc_rc_is WANT         true if CXC_RC is WANT (says what it was if not)
#   cxc_json FILTER [WANT] true if stdout is one JSON document and jq -r
#                          FILTER prints WANT (default: "true")
#   cxc_out_empty          true if the last run printed nothing on stdout
#   cxc_took LO HI         true if the last run took LO to HI ms
#   cxc_dump NAME          load dbg_msg_dumps.fdx into instance NAME: its
#                          log then shows every message, one AVP a line
#   cxc_rcv NAME COMMAND   cut the last COMMAND (its dictionary name, e.g.
#                          Multimedia-Auth-Request) that instance NAME
#                          received out of NAME's dump into $CXC_RCV; false
#                          if there is none
#   cxc_rcv_has TEXT       true if $CXC_RCV has a line with TEXT (fixed)
#   cxc_rcv_avp AVP FLAGS VALUE
#                          true if $CXC_RCV has AVP with those flags (as
#                          dbg_msg_dumps writes them: -M, VM) and that value
#                          (as it writes it: "text", 10 , <0A 0B>)
#   cxc_rcv_lacks AVP      true if $CXC_RCV has no AVP of that name
#
# Environment: CXC_CLIENT overrides the client binary.

CXC_CLIENT=${CXC_CLIENT:-$top_builddir/tests/tools/cx_client}
CXC_SINK=$top_builddir/tests/tools/.libs/cx_client_sink.fdx
CXC_RC=
CXC_MS=
CXC_OUT=
CXC_ERR=
CXC_RCV=

[ -x "$CXC_CLIENT" ] || mig_fail "$CXC_CLIENT not built (make check builds it)"
command -v jq >/dev/null || mig_skip "jq not found (install the Debian package jq)"

cxc_peer()
{
	mig_fd_conf "$1" "$2" "$3"
	mig_fd_load_cx_dict "$1"
}

cxc_start()
{
	for cxc__n; do
		mig_fd_start "$cxc__n"
	done
	for cxc__n; do
		mig_fd_wait_ready "$cxc__n" || mig_fail "$cxc__n did not start"
	done
}

cxc_conf()
{
	cxc_peer "$1" "$2" "$3"
	mig_fd_link "$1" "$4"
}

cxc__ms() { echo $(($(date +%s%N) / 1000000)); }

# cxc_run NAME ARGS...: one cx_client run as NAME.  A run that could not
# even connect (nothing sent: "not OPEN within", the default connect
# timeout) is run once more, said in the output: freeDiameter 1.2.1 can
# lose the CEA when the same identity connects again within milliseconds of
# its DPR (the daemon logs the new connection OPEN; the client never sees
# it; seen under the sanitizers, one run in hundreds), and that is not what
# any test here is about.  Runs that choose --connect-timeout expect it.
cxc_run()
{
	cxc__name=$1
	shift
	CXC_OUT=$MIG_TMP/$cxc__name.out
	CXC_ERR=$MIG_TMP/$cxc__name.err
	for cxc__try in 1 2; do
		cxc__t0=$(cxc__ms)
		timeout -k 5 120 "$CXC_CLIENT" -c "$MIG_TMP/$cxc__name.conf" \
			--log "$(mig_fd_log "$cxc__name")" "$@" > "$CXC_OUT" 2> "$CXC_ERR"
		CXC_RC=$?
		CXC_MS=$(($(cxc__ms) - cxc__t0))
		echo "# cx_client $*: exit $CXC_RC after $CXC_MS ms"
		case " $* " in *" --connect-timeout "*) break ;; esac
		grep -q 'not OPEN within' "$CXC_ERR" 2>/dev/null || break
		[ "$cxc__try" = 2 ] || echo "# ... never connected (freeDiameter's quick-reconnect race?): once more"
	done
	return 0
}

cxc_show()
{
	echo "---- stdout"
	cat "$CXC_OUT"
	echo "---- stderr"
	cat "$CXC_ERR"
}

cxc_rc_is()
{
	[ "$CXC_RC" = "$1" ] && return 0
	echo "# exit status $CXC_RC, expected $1"
	cxc_show
	return 1
}

cxc_json()
{
	cxc__want=${2:-true}
	# One document, and nothing else on stdout.
	[ "$(jq -s length < "$CXC_OUT" 2>/dev/null)" = 1 ] || { echo "# stdout is not one JSON document"; cxc_show; return 1; }
	cxc__got=$(jq -r "$1" < "$CXC_OUT") || return 1
	[ "$cxc__got" = "$cxc__want" ] && return 0
	echo "# jq '$1' gave '$cxc__got', expected '$cxc__want'"
	return 1
}

# The last request of that name instance NAME received, as dbg_msg_dumps
# wrote it: the "RCV from" block, header and AVP lines only.
cxc_rcv()
{
	CXC_RCV=$MIG_TMP/$1.rcv
	awk -v cmd="'$2'" '
		/RCV from / { pending = 1; inblk = 0; next }
		pending { pending = 0; if (index($0, cmd)) { inblk = 1; buf = $0 "\n" }; next }
		inblk && !/AVP: |Version: |Length: |Flags: |Command Code: |ApplicationId: |Hop-by-Hop|End-to-End|internal data/ { inblk = 0 }
		inblk { buf = buf $0 "\n" }
		END { printf "%s", buf }
	' "$(mig_fd_log "$1")" > "$CXC_RCV"
	[ -s "$CXC_RCV" ] && return 0
	echo "# $1 received no $2 (is dbg_msg_dumps loaded? cxc_dump)"
	return 1
}

cxc_rcv_has()
{
	grep -qF -- "$1" "$CXC_RCV" && return 0
	echo "# no line with: $1"
	cat "$CXC_RCV"
	return 1
}

cxc_rcv_avp()
{
	grep -F -- "'$1'(" "$CXC_RCV" | grep -qF -- "f=$2 val=$3" && return 0
	echo "# no $1 with f=$2 val=$3 in:"
	cat "$CXC_RCV"
	return 1
}

cxc_rcv_lacks()
{
	grep -qF -- "'$1'(" "$CXC_RCV" || return 0
	echo "# $1 present:"
	grep -F -- "'$1'(" "$CXC_RCV"
	return 1
}

cxc_dump()
{
	mig_fd_ext "$1" dbg_msg_dumps.fdx 0x0080
}

cxc_out_empty()
{
	[ ! -s "$CXC_OUT" ] && return 0
	echo "# stdout is not empty"
	cxc_show
	return 1
}

cxc_took()
{
	mig_took_ok "$CXC_MS" "$1" "$2"
}
