# migctl_lib.sh: helpers for the migctl tests (migctl_*.sh), sourced after
# lib.sh and mig_test_init.  POSIX sh.
#
#   MCTL                   the migctl of the build tree
#   MCTL_DB                the store the tests use ($MIG_TMP/mctl.db)
#   mctl ARGS...           run migctl ARGS (under `timeout', never longer than
#                          120 s); sets MCTL_RC (exit status), MCTL_MS (wall
#                          time in ms), MCTL_OUT and MCTL_ERR (files with
#                          stdout and stderr)
#   mctl_db ARGS...        mctl --db "$MCTL_DB" ARGS
#   mctl_show              print the last run's command, status, stdout, stderr
#   mctl_rc_is WANT        true if MCTL_RC is WANT (shows the run if not)
#   mctl_out_has TEXT      true if stdout has TEXT (a fixed string)
#   mctl_err_has TEXT      true if stderr has TEXT
#   mctl_out_empty         true if stdout is empty (mctl_err_empty: stderr)
#   mctl_json FILTER [WANT]
#                          true if stdout is valid JSON and jq -r FILTER
#                          prints WANT (default: "true")
#   mctl_took LO HI        true if the last run took LO to HI ms
#   mctl_sql SQL           sqlite3 on $MCTL_DB (5 s busy timeout)
#   mctl_partners          add partners b.test (both ways) and c.test (our
#                          users may go there, theirs may not come)
#   mctl_alloc_out USER PARTNER
#                          allocate an outbound binding for USER@a.test
#                          (random identities in a.test); prints its id
#   mctl_as_nobody CMD...  run CMD as user nobody (setpriv) when we are root,
#                          as ourselves otherwise; false if that is impossible

MCTL=$top_builddir/src/migctl/migctl
MCTL_DB=$MIG_TMP/mctl.db
MCTL_RC=
MCTL_MS=
MCTL_OUT=$MIG_TMP/mctl.out
MCTL_ERR=$MIG_TMP/mctl.err
MCTL_CMD=

[ -x "$MCTL" ] || mig_fail "$MCTL not built (make builds it)"
command -v jq >/dev/null || mig_skip "jq not found (install the Debian package jq)"
command -v sqlite3 >/dev/null || mig_skip "sqlite3 not found (install the Debian package sqlite3)"

mctl__ms() { echo $(($(date +%s%N) / 1000000)); }

mctl()
{
	MCTL_CMD="migctl $*"
	mctl__t0=$(mctl__ms)
	timeout -k 5 120 "$MCTL" "$@" >"$MCTL_OUT" 2>"$MCTL_ERR" </dev/null
	MCTL_RC=$?
	MCTL_MS=$(($(mctl__ms) - mctl__t0))
	return 0
}

mctl_db() { mctl --db "$MCTL_DB" "$@"; }

mctl_show()
{
	echo "  \$ $MCTL_CMD  (exit $MCTL_RC, ${MCTL_MS} ms)"
	sed 's/^/  out: /' "$MCTL_OUT"
	sed 's/^/  err: /' "$MCTL_ERR"
}

mctl_rc_is()
{
	[ "$MCTL_RC" = "$1" ] && return 0
	echo "  wanted exit $1:"
	mctl_show
	return 1
}

mctl_out_has() { grep -qF -- "$1" "$MCTL_OUT" || { mctl_show; return 1; }; }
mctl_err_has() { grep -qF -- "$1" "$MCTL_ERR" || { mctl_show; return 1; }; }
mctl_out_empty() { [ ! -s "$MCTL_OUT" ] || { mctl_show; return 1; }; }
mctl_err_empty() { [ ! -s "$MCTL_ERR" ] || { mctl_show; return 1; }; }

mctl_json()
{
	mctl__got=$(jq -r "$1" "$MCTL_OUT" 2>&1) || { echo "  not JSON ($mctl__got)"; mctl_show; return 1; }
	[ "$mctl__got" = "${2:-true}" ] && return 0
	echo "  jq '$1' gave '$mctl__got', wanted '${2:-true}'"
	mctl_show
	return 1
}

mctl_took()
{
	mig_took_ok "$MCTL_MS" "$1" "$2"
}

mctl_sql() { sqlite3 -cmd ".timeout 5000" "$MCTL_DB" "$1"; }

mctl_partners()
{
	mctl_db partner add b.test --sipdb sipdb.b.test --migrate-in yes --migrate-out yes
	[ "$MCTL_RC" = 0 ] || { mctl_show; mig_fail "cannot add partner b.test"; }
	mctl_db partner add c.test --migrate-out yes
	[ "$MCTL_RC" = 0 ] || { mctl_show; mig_fail "cannot add partner c.test"; }
}

mctl_alloc_out()
{
	mctl_db --json binding allocate --outbound --impi "$1@a.test" --impu "sip:$1@a.test" \
		--partner "$2" --id-realm a.test
	[ "$MCTL_RC" = 0 ] || { mctl_show; mig_fail "cannot allocate for $1 toward $2"; }
	jq -r '.[0].id' "$MCTL_OUT"
}

mctl_as_nobody()
{
	if [ "$(id -u)" != 0 ]; then
		"$@"
		return
	fi
	command -v setpriv >/dev/null || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
