#!/bin/sh
# migctl's command line: --help on every level, usage errors (exit 2) that
# name the offending argument, global options anywhere, where the database
# is found (--db, the configuration's "database"), read commands that never
# create a database, and the man page that documents it all.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_usage
. "$top_srcdir/tests/integration/migctl_lib.sh"

# --help on every level: stdout, exit 0.
mctl --help
mig_check "migctl --help exits 0" mctl_rc_is 0
mig_check "... and lists the commands" mctl_out_has "binding"
mig_check "... and the exit codes" mctl_out_has "6 database unavailable"
for noun in partner pool binding db; do
	mctl "$noun" --help
	mig_check "migctl $noun --help exits 0 with its verbs" mctl_rc_is 0
done
mctl binding --help
mig_check "migctl binding --help lists revoke" mctl_out_has "revoke"
for verb in "partner add" "partner list" "partner show" "partner set" "partner remove" \
	"pool import" "pool list" "pool show" "pool remove" "binding allocate" "binding list" \
	"binding show" "binding revoke" "binding expire" "binding purge" "audit" "stats" \
	"db check" "db upgrade" "db backup"; do
	# shellcheck disable=SC2086 # the noun and verb are words
	mctl $verb --help
	mig_check "migctl $verb --help exits 0 with its usage" \
		sh -c '[ "$1" = 0 ] && grep -qF "usage: migctl $2" "$3"' _ "$MCTL_RC" "$verb" "$MCTL_OUT"
done
mctl binding revoke -h
mig_check "-h works like --help" mctl_out_has "--reason TEXT"
mctl --version
mig_check "--version names the package and the schema it knows" mctl_out_has "migctl (migbroker) "

# Usage errors: exit 2, a message naming what is wrong, nothing on stdout.
mctl
mig_check "no command: exit 2" mctl_rc_is 2
mctl frobnicate
mig_check "unknown command: exit 2" mctl_rc_is 2
mig_check "... naming it" mctl_err_has "unknown command 'frobnicate'"
mctl binding frob
mig_check "unknown verb: exit 2" mctl_rc_is 2
mig_check "... naming it and the noun" mctl_err_has "binding: unknown command 'frob'"
mctl binding
mig_check "a noun without a verb: exit 2" mctl_rc_is 2
mctl_db binding list --bogus
mig_check "unknown option: exit 2" mctl_rc_is 2
mig_check "... naming it" mctl_err_has "unknown option '--bogus'"
mig_check "... with a pointer to the help" mctl_err_has "Try 'migctl binding list --help'"
mctl_db binding list --limit
mig_check "option without its value: exit 2" mctl_rc_is 2
mctl_db binding list --limit 0
mig_check "--limit 0: exit 2" mctl_rc_is 2
mig_check "... naming the option and value" mctl_err_has "--limit '0': must be 1 to"
mctl_db --busy-timeout soon binding list
mig_check "bad --busy-timeout: exit 2" mctl_rc_is 2
mctl_db binding show 1 2
mig_check "an extra argument: exit 2" mctl_rc_is 2
mig_check "... naming it" mctl_err_has "unexpected argument '2'"
mctl_db binding show
mig_check "a missing argument: exit 2" mctl_rc_is 2
mig_check "usage errors print nothing on stdout" mctl_out_empty

# Read commands open read-only: a missing database is exit 6 and stays
# missing; so do commands that change existing data.
for cmd in "partner list" "pool list" "binding list" "binding show 1" "audit" "stats" \
	"db check" "binding revoke 1" "binding expire" "partner set b.test --obfuscate no"; do
	# shellcheck disable=SC2086
	mctl_db $cmd
	mig_check "$cmd on a missing database: exit 6" mctl_rc_is 6
done
mig_check "... with a message naming the file" mctl_err_has "database '$MCTL_DB'"
mig_check "... and no database was created" test ! -e "$MCTL_DB"

# partner add and pool import create the database.
mctl_db partner add b.test
mig_check "partner add creates a missing database" mctl_rc_is 0
mig_check "... which is there now" test -f "$MCTL_DB"

# Global options go before the command or among its options.
mctl --json --db "$MCTL_DB" partner list
mig_check "global options before the command" mctl_json '.[0].realm' b.test
mctl partner list --db "$MCTL_DB" --json
mig_check "global options after the verb" mctl_json '.[0].realm' b.test

# The database from the broker's configuration file.
cat >"$MIG_TMP/broker.json" <<JSON
{ "system": { "realm": "a.test", "sipdb": "sipdb.a.test" },
  "database": "$MCTL_DB", "hss": { "host": "hss.a.test" },
  "partners": [ { "realm": "b.test", "migrate_in": true, "migrate_out": true } ] }
JSON
mctl --config "$MIG_TMP/broker.json" --json partner list
mig_check "--config: the database named in the configuration" mctl_json '.[0].realm' b.test
echo '{ "database": 1 }' >"$MIG_TMP/bad.json"
mctl --config "$MIG_TMP/bad.json" partner list
mig_check "a bad configuration file: exit 1" mctl_rc_is 1
mig_check "... naming the option and the file" mctl_err_has "--config '$MIG_TMP/bad.json'"
mctl --config "$MIG_TMP/missing.json" partner list
mig_check "a missing configuration file: exit 1" mctl_rc_is 1

# The man page renders and documents every command and exit code.
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$top_srcdir/doc/migctl.1" >"$MIG_TMP/man.txt" 2>"$MIG_TMP/man.err"
	mig_check "man -l doc/migctl.1 renders without warnings" \
		sh -c '[ -s "$1" ] && [ ! -s "$2" ]' _ "$MIG_TMP/man.txt" "$MIG_TMP/man.err"
	for word in "partner add" "pool import" "binding allocate" "binding revoke" "binding purge" \
		"audit" "stats" "db backup" "EXIT STATUS" "--busy-timeout"; do
		mig_check "the man page documents '$word'" grep -qF -- "$word" "$MIG_TMP/man.txt"
	done
fi
mig_pass
