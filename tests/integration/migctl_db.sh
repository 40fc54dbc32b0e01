#!/bin/sh
# migctl db check|upgrade|backup, and the database conditions every
# command meets: damaged (6), another writer holding the lock (5, promptly
# with a short --busy-timeout), a read-only file (reads work, changes 6), a
# schema newer than migctl (6, file untouched), an older one (upgrade, from
# and to), and a backup taken while a writer is busy.
. "$top_srcdir/tests/integration/lib.sh"
mig_test_init migctl_db
. "$top_srcdir/tests/integration/migctl_lib.sh"

mctl_partners
mctl_alloc_out alice b.test >/dev/null

# check
mctl_db db check
mig_check "db check of a sound database: exit 0" mctl_rc_is 0
mig_check "... says ok" mctl_out_has "ok: integrity check passed"
mctl_db --json db check
mig_check "db check --json" mctl_json '.[0] | "\(.integrity) \(.problems)"' "ok 0"
known=$(jq -r '.[0].schema_version' "$MCTL_OUT")

# An index that disagrees with its table: only the complete check sees it.
cp "$MCTL_DB" "$MIG_TMP/index.db"
sqlite3 "$MIG_TMP/index.db" "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'CREATE UNIQUE INDEX bindings_live_mig_impi ON bindings (home_impi) WHERE state IN (''allocated'', ''registered'')' WHERE name = 'bindings_live_mig_impi'"
mig_check "(the damage escapes quick_check)" test "$(sqlite3 "$MIG_TMP/index.db" 'PRAGMA quick_check')" = ok
mctl --db "$MIG_TMP/index.db" db check
mig_check "db check finds an index that disagrees with its table: exit 6" mctl_rc_is 6
mig_check "... naming the index" mctl_err_has "bindings_live_mig_impi"
mctl --db "$MIG_TMP/index.db" --json db check
mig_check "... and --json says corrupt" mctl_json '.[0] | .integrity == "corrupt" and .problems > 0'

# Damaged pages, and a file that is no database at all.
cp "$MCTL_DB" "$MIG_TMP/pages.db"
dd if=/dev/urandom of="$MIG_TMP/pages.db" bs=4096 seek=2 count=8 conv=notrunc 2>/dev/null
mctl --db "$MIG_TMP/pages.db" db check
mig_check "damaged pages: exit 6" mctl_rc_is 6
echo "not a database" >"$MIG_TMP/text.db"
mctl --db "$MIG_TMP/text.db" binding list
mig_check "a file that is not a database: exit 6" mctl_rc_is 6
mig_check "... saying so" mctl_err_has "not an SQLite database"
mctl --db "$MIG_TMP/none.db" db check
mig_check "db check of a missing file: exit 6" mctl_rc_is 6

# upgrade: a version 1 database (the first schema script alone).
sqlite3 "$MIG_TMP/v1.db" <"$top_srcdir/schema/001_initial.sql"
sqlite3 "$MIG_TMP/v1.db" "INSERT INTO schema_version VALUES (1, 0, '001_initial.sql'); INSERT INTO partners (realm, allow_out, created) VALUES ('b.test', 1, 0)"
mctl --db "$MIG_TMP/v1.db" partner list
mig_check "a read command on an older schema: exit 6" mctl_rc_is 6
mig_check "... pointing to db upgrade" mctl_err_has "migctl db upgrade"
mctl --db "$MIG_TMP/v1.db" db upgrade
mig_check "db upgrade: exit 0" mctl_rc_is 0
mig_check "... reports from and to" mctl_out_has "schema upgraded from version 1 to $known"
mctl --db "$MIG_TMP/v1.db" --json partner list
mig_check "... and the data is still there" mctl_json '.[0].realm' b.test
mctl --db "$MIG_TMP/v1.db" db upgrade
mig_check "db upgrade again: nothing to do" mctl_out_has "schema version $known is current"

# A newer schema: every command refuses it and leaves it alone.
cp "$MCTL_DB" "$MIG_TMP/new.db"
sqlite3 "$MIG_TMP/new.db" "INSERT INTO schema_version VALUES (99, 0, '099_future.sql')"
for cmd in "binding list" "partner add z.test" "db upgrade" "db check"; do
	# shellcheck disable=SC2086
	mctl --db "$MIG_TMP/new.db" $cmd
	mig_check "$cmd on a newer schema: exit 6" mctl_rc_is 6
done
mig_check "... saying it is newer" mctl_err_has "version 99 is newer"
mig_check "... and the file is untouched" \
	test "$(sqlite3 "$MIG_TMP/new.db" "select (select max(version) from schema_version) || '/' || (select count(*) from partners where realm = 'z.test')")" = 99/0

# Another writer holds the lock: changes give up after --busy-timeout with
# exit 5; reads go on (WAL).
lock_hold()
{
	# The holder waits for the lock itself: the probe below takes it for
	# an instant, and a holder without a timeout then failed (seen in CI).
	(echo ".timeout 5000"; echo "BEGIN IMMEDIATE;"; sleep "$1"; echo "COMMIT;") | sqlite3 "$MCTL_DB" &
	lpid=$!
	locked() { ! sqlite3 -cmd ".timeout 0" "$MCTL_DB" "BEGIN IMMEDIATE; ROLLBACK;" 2>/dev/null; }
	mig_wait_for 5 locked || mig_fail "could not take the lock"
}
lock_hold 4
for cmd in "partner add z.test" "binding revoke --partner b.test" "pool import q --pattern q-%d@a.test --range 1-3" \
	"binding expire"; do
	# shellcheck disable=SC2086
	mctl_db --busy-timeout 300 $cmd
	mig_check "$cmd while locked: exit 5" mctl_rc_is 5
	mig_check "... promptly (< 2 s)" mctl_took 250 2000
done
mig_check "... naming the database and --busy-timeout" mctl_err_has "database '$MCTL_DB' is locked by another writer: gave up after 300 ms (--busy-timeout)"
mctl_db --busy-timeout 300 --json binding list
mig_check "reads go on while it is locked" mctl_json 'length' 1
wait "$lpid"
mig_check "nothing was changed" test "$(mctl_sql "select count(*) from partners where realm = 'z.test'")" = 0
lock_hold 1
mctl_db partner add z.test
mig_check "a short lock is waited for (default timeout)" mctl_rc_is 0
wait "$lpid"

# A read-only database file (to us: we run as nobody when root), while the
# broker has it open (so its -wal and -shm files exist): reads work,
# changes are refused with exit 6 before anything is tried.  The file and
# a copy of migctl go to a directory of their own in /tmp: nobody may not
# be able to reach the build tree (a checkout in /root, mode 700, as on a
# fresh machine set up as root).
RO=$(mktemp -d /tmp/migctl_db.XXXXXX) || mig_fail "mktemp failed"
MIG_EXIT_HOOK='rm -rf "$RO"'
mkdir "$RO/ro" && chmod 755 "$RO" "$RO/ro" && cp "$MCTL" "$RO/migctl" || mig_fail "cannot set up $RO"
# Under the sanitizers, migctl also reads their suppression files from the
# build tree: nobody gets copies.
ro_supp()
{
	ro__f=$(printf '%s\n' "$1" | sed -n 's/^\(.*:\)\{0,1\}suppressions=\([^:]*\).*/\2/p')
	[ -n "$ro__f" ] || { printf '%s' "$1"; return; }
	cp "$ro__f" "$RO/" || mig_fail "cannot copy $ro__f"
	printf '%s' "$1" | sed -e "s|^suppressions=[^:]*|suppressions=$RO/${ro__f##*/}|" \
		-e "s|:suppressions=[^:]*|:suppressions=$RO/${ro__f##*/}|"
}
[ -z "${ASAN_OPTIONS:-}" ] || ASAN_OPTIONS=$(ro_supp "$ASAN_OPTIONS")
[ -z "${LSAN_OPTIONS:-}" ] || LSAN_OPTIONS=$(ro_supp "$LSAN_OPTIONS")
mctl_db db backup "$RO/ro/ro.db" >/dev/null
chmod 644 "$RO/ro/ro.db"
ro() { MCTL_CMD="(as nobody) migctl $*"; mctl_as_nobody "$RO/migctl" --db "$RO/ro/ro.db" "$@" >"$MCTL_OUT" 2>"$MCTL_ERR"; MCTL_RC=$?; }
if mctl_as_nobody test ! -w "$RO/ro/ro.db"; then
	ro partner list
	mig_check "a read-only database nobody has open: exit 6" mctl_rc_is 6
	mig_check "... explaining what a reader needs" mctl_err_has "-shm"
	(echo "SELECT count(*) FROM partners;"; sleep 5) | sqlite3 "$RO/ro/ro.db" >/dev/null &
	opid=$!
	open_wal() { [ -e "$RO/ro/ro.db-shm" ]; }
	mig_wait_for 5 open_wal || mig_fail "sqlite3 did not open ro.db"
	ro --json partner list
	mig_check "a read-only database in use: reads work" mctl_json 'length' 3
	ro partner add y.test
	mig_check "... changes: exit 6" mctl_rc_is 6
	mig_check "... saying why" mctl_err_has "database '$RO/ro/ro.db': Permission denied"
	ro binding revoke --partner b.test
	mig_check "... a revocation too" mctl_rc_is 6
	wait "$opid"
	mig_check "... and nothing changed" \
		test "$(sqlite3 "$RO/ro/ro.db" "select count(*) from bindings where state = 'revoked'")" = 0
else
	echo "# SKIP read-only database: cannot run as a user without write access (setpriv)"
fi

# backup: self and unwritable targets refused; a consistent copy while a
# writer allocates.
mctl_db db backup "$MCTL_DB"
mig_check "backup onto the database itself: exit 2" mctl_rc_is 2
mctl_db db backup "$MIG_TMP/no/such/dir.db"
mig_check "backup into a missing directory: exit 6" mctl_rc_is 6
(
	i=0
	while [ $i -lt 5000 ] && [ ! -e "$MIG_TMP/stop" ]; do
		i=$((i + 1))
		"$MCTL" --db "$MCTL_DB" binding allocate --outbound --impi "w$i@a.test" --impu "sip:w$i@a.test" \
			--partner b.test --id-realm a.test >/dev/null 2>&1
	done
) &
wpid=$!
many() { [ "$(mctl_sql "select count(*) from bindings")" -ge 20 ]; }
mig_wait_for 20 many || mig_fail "the writer made no bindings"
for n in 1 2 3; do
	mctl_db db backup "$MIG_TMP/bk$n.db"
	mig_check "backup $n while a writer allocates: exit 0" mctl_rc_is 0
	mig_check "... says where" mctl_out_has "backed up to $MIG_TMP/bk$n.db"
	mctl --db "$MIG_TMP/bk$n.db" db check
	mig_check "... the copy passes the complete check" mctl_rc_is 0
	mig_check "... and is one snapshot: every binding with its audit row" \
		test "$(sqlite3 "$MIG_TMP/bk$n.db" "select (select count(*) from bindings) = (select count(*) from audit where action = 'allocate')")" = 1
	mig_check "... and no temporary file is left" test ! -e "$MIG_TMP/bk$n.db.tmp"
done
mig_check "the writer was still writing during the backups" kill -0 "$wpid"
touch "$MIG_TMP/stop"
wait "$wpid"
mig_pass
