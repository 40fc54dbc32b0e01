#!/bin/sh
# A broker that cannot start properly must not start at all: a bad
# configuration, a missing one, a store it cannot open, a store of a newer
# schema, a missing dictionary each stop freeDiameterd at start, with one
# log line that says why.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init broker_config

SIPDB=$top_builddir/extensions/mig_sipdb/.libs/mig_sipdb.fdx
n=0

# refuses JSON-OR-"" WANT: start a broker with that configuration (none when
# empty), expect a quick non-zero exit and WANT (fixed text) in its log.
refuses()
{
	n=$((n + 1))
	mig_fd_conf "b$n" sipdb.a.test a.test
	mig_fd_load_cx_dict "b$n"
	if [ -n "$1" ]; then
		printf '%s\n' "$1" >"$MIG_TMP/b$n.json"
		mig_fd_ext "b$n" "$SIPDB" "$MIG_TMP/b$n.json"
	else
		mig_fd_ext "b$n" "$SIPDB"
	fi
	mig_fd_run "b$n" 20
	[ "$MIG_RC" != 0 ] && [ "$MIG_RC" != 124 ] || { echo "# exit status $MIG_RC"; return 1; }
	grep -F -q -- "$2" "$(mig_fd_log "b$n")" || { echo "# no '$2' in the log"; mig_fd_log_tail "b$n" 5; return 1; }
}

head='"system": { "realm": "a.test", "sipdb": "sipdb.a.test" }, "hss": { "host": "hss.a.test" }'
partner='{ "realm": "b.test", "migrate_in": true, "migrate_out": true }'

mig_check "a misspelt partner field stops the daemon, naming the field" \
	refuses "{ $head, \"database\": \"$MIG_TMP/x.db\", \"partners\": [ { \"realm\": \"b.test\", \"migrate_in\": true, \"migrate_out\": true, \"obfsucate\": true } ] }" \
	"partners[0].obfsucate: unknown field"
mig_check "a missing required field is named" \
	refuses "{ $head, \"partners\": [] }" "database: missing"
mig_check "broken JSON gives file, line and column" \
	refuses "{ $head, " "b3.json:2:"
mig_check "no configuration file at all" \
	refuses "" "no configuration file"
mig_check "a store in a directory that does not exist" \
	refuses "{ $head, \"database\": \"$MIG_TMP/nowhere/x.db\", \"partners\": [ $partner ] }" \
	"mig_sipdb: store '$MIG_TMP/nowhere/x.db'"
sqlite3 "$MIG_TMP/newer.db" "create table schema_version (version integer primary key, applied integer not null, script text not null); insert into schema_version values (99, 0, 'future');"
mig_check "a store of a newer schema" \
	refuses "{ $head, \"database\": \"$MIG_TMP/newer.db\", \"partners\": [ $partner ] }" "newer"
mig_check "... and the newer store is left as it was" \
	test "$(sqlite3 "$MIG_TMP/newer.db" 'select max(version) from schema_version')" = 99

# Without dict_cx, freeDiameterd refuses to load the broker.
n=$((n + 1))
mig_fd_conf "b$n" sipdb.a.test a.test
printf '{ %s, "database": "%s/y.db", "partners": [ %s ] }\n' "$head" "$MIG_TMP" "$partner" >"$MIG_TMP/b$n.json"
mig_fd_ext "b$n" dict_nasreq.fdx
mig_fd_ext "b$n" "$SIPDB" "$MIG_TMP/b$n.json"
mig_fd_run "b$n" 20
mig_check "without dict_cx the daemon does not start" test "$MIG_RC" != 0 -a "$MIG_RC" != 124
mig_check "... and says it needs dict_cx" grep -q "dict_cx" "$(mig_fd_log "b$n")"
mig_pass
