/*
 * mig_store.c: opening and closing the store, the schema and its upgrades,
 * transactions, and the handle's settings.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mig_int.h"
#include "mig_schema.h"

/*
 * Settings every connection gets.  WAL lets readers (the CLI, lookups on
 * other threads) run while one writer commits.  synchronous=NORMAL in WAL
 * mode fsyncs only at checkpoints, not at each commit: a committed
 * transaction is still atomic and durable across a crash of the process
 * (the broker, the CLI), and the database is never corrupted; only a power
 * loss or kernel crash can lose the last few commits, which come back as
 * "never happened", never as half-written.  That is the right trade for a
 * store whose writes are re-requested when lost (an allocation the partner
 * never saw answered).  journal_size_limit keeps the WAL file from staying
 * huge after a bulk import; it is above the checkpoint size, so that the
 * WAL file is reused, not shrunk and regrown, in normal operation.
 */
static const char mig_pragmas_rw[] =
	"PRAGMA journal_mode = WAL;"
	"PRAGMA synchronous = NORMAL;"
	"PRAGMA journal_size_limit = 268435456;";

/* The default clock: wall time. */
static int64_t mig_clock_time(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

/*
 * Run one-off SQL that yields at most one integer (schema probing, which
 * happens once per open and so is not worth a cached statement).
 */
static int mig_scalar(mig_store_t *st, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return mig_dberr(st, rc, "database");
	rc = sqlite3_step(s);
	*v = (rc == SQLITE_ROW) ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return mig_dberr(st, rc, "database");
	return MIG_OK;
}

/*
 * The schema version of the database: 0 for an empty one, MIG_SCHEMA for an
 * SQLite database that is not ours (tables but no schema_version).  This is
 * also the first read of the file, where a non-database shows up (CORRUPT).
 */
static int mig_schema_read(mig_store_t *st, int *version)
{
	int64_t tables, ours, v = 0;
	int rc;

	rc = mig_scalar(st, "SELECT count(*) FROM sqlite_master", &tables);
	if (rc == MIG_OK)
		rc = mig_scalar(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
		                    "AND name = 'schema_version'", &ours);
	if (rc == MIG_OK && ours)
		rc = mig_scalar(st, "SELECT coalesce(max(version), 0) FROM schema_version", &v);
	if (rc != MIG_OK)
		return rc;
	if (tables && !ours)
		return mig_seterr(st, MIG_SCHEMA, "not a migbroker database (no schema_version table)");
	*version = (int)v;
	return MIG_OK;
}

/* Run the embedded script that brings the schema to version v, and record it. */
static int mig_schema_apply(mig_store_t *st, int v)
{
	const struct mig_schema_script *sc = &mig_schema_scripts[v - 1];
	char *msg = NULL, rec[160];
	int rc = sqlite3_exec(st->db, sc->sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		mig_seterr(st, mig_err_from_sqlite(rc), "schema %s: %s", sc->name,
		           msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return st->err;
	}
	snprintf(rec, sizeof rec, "INSERT INTO schema_version (version, applied, script) "
	         "VALUES (%d, %lld, '%s')", v, (long long)mig_store_now(st), sc->name);
	rc = sqlite3_exec(st->db, rec, NULL, NULL, NULL);
	return rc == SQLITE_OK ? MIG_OK : mig_dberr(st, rc, "schema_version");
}

/* MIG_SCHEMA for a database newer than the library: never touch it. */
static int mig_schema_too_new(mig_store_t *st, int v)
{
	return mig_seterr(st, MIG_SCHEMA, "database schema version %d is newer than this "
	                  "libmig knows (%d): upgrade migbroker", v, mig_schema_count);
}

/*
 * Bring the schema up to date in one write transaction.  The version is read
 * again under the lock: another process may have upgraded meanwhile.
 */
static int mig_schema_upgrade(mig_store_t *st)
{
	int v = 0, rc = mig_tx_enter(st);

	if (rc != MIG_OK)
		return rc;
	rc = mig_schema_read(st, &v);
	if (rc == MIG_OK && v > mig_schema_count)
		rc = mig_schema_too_new(st, v);
	while (rc == MIG_OK && v < mig_schema_count)
		rc = mig_schema_apply(st, ++v);
	rc = mig_tx_leave(st, rc);
	if (rc == MIG_OK)
		st->version = v;
	return rc;
}

/*
 * Check the schema version; create or upgrade unless read-only.  A read-only
 * handle refuses an older schema too: its queries would not match.
 */
static int mig_schema_prepare(mig_store_t *st)
{
	int v = 0, rc = mig_schema_read(st, &v);

	if (rc != MIG_OK)
		return rc;
	st->version = v;
	if (v > mig_schema_count)
		return mig_schema_too_new(st, v);
	if (v == mig_schema_count)
		return MIG_OK;
	if (st->readonly)
		return mig_seterr(st, MIG_SCHEMA, "database schema version %d is older than "
		                  "this libmig (%d); open it read-write once to upgrade",
		                  v, mig_schema_count);
	return mig_schema_upgrade(st);
}

/*
 * Open the SQLite connection with the handle's settings.  NOMUTEX: a handle
 * belongs to one thread at a time (see mig_store.h), so SQLite's own lock
 * would be pure cost.
 */
static void mig_sqlite_config(void)
{
	/* SQLite counts its allocations under one process-wide mutex unless
	 * told not to: every thread's handle would meet every other's there
	 * (seen as lock waits per MAR in the broker).  Only possible before
	 * SQLite initialises; if someone else in the process was first, the
	 * call fails harmlessly. */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int mig_connect(mig_store_t *st, const char *path, const struct mig_store_opts *o)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	int flags = SQLITE_OPEN_NOMUTEX, rc;
	char pragmas[128];

	pthread_once(&once, mig_sqlite_config);

	if (st->readonly && access(path, F_OK) != 0)
		return mig_seterr(st, MIG_NOTFOUND, "database '%s' does not exist", path);
	flags |= st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &st->db, flags, NULL);
	if (rc != SQLITE_OK)
		return mig_seterr(st, mig_err_from_sqlite(rc), "cannot open database '%s': %s",
		                  path, st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, o->busy_timeout_ms > 0 ? o->busy_timeout_ms
	                                                    : MIG_BUSY_TIMEOUT_DEFAULT);
	snprintf(pragmas, sizeof pragmas, "PRAGMA foreign_keys = ON; PRAGMA cache_size = -%d; "
	         "PRAGMA mmap_size = %lld;", o->cache_kib > 0 ? o->cache_kib : MIG_CACHE_KIB_DEFAULT,
	         o->mmap_mib > 0 ? (long long)o->mmap_mib << 20 : 0LL);
	rc = sqlite3_exec(st->db, pragmas, NULL, NULL, NULL);
	if (rc == SQLITE_OK && !st->readonly)
		rc = sqlite3_exec(st->db, mig_pragmas_rw, NULL, NULL, NULL);
	if (rc == SQLITE_OK && !st->readonly)
		rc = sqlite3_wal_autocheckpoint(st->db, o->checkpoint_pages > 0 ? o->checkpoint_pages
		                                : MIG_CHECKPOINT_PAGES_DEFAULT);
	if (rc != SQLITE_OK)
		return mig_seterr(st, mig_err_from_sqlite(rc), "database '%s': %s", path,
		                  sqlite3_errmsg(st->db));
	return MIG_OK;
}

/* Open: allocate the handle, connect, then make the schema current. */
int mig_store_open(mig_store_t **out, const char *path, const struct mig_store_opts *opts)
{
	static const struct mig_store_opts defaults;
	const struct mig_store_opts *o = opts ? opts : &defaults;
	mig_store_t *st = calloc(1, sizeof *st);
	int rc;

	*out = st;
	if (st == NULL)
		return MIG_NOMEM;
	st->readonly = o->readonly;
	st->clock = mig_clock_time;
	st->gen_chars = MIG_GEN_CHARS_DEFAULT;
	strcpy(st->gen_prefix, MIG_GEN_PREFIX_DEFAULT);
	strcpy(st->actor, "libmig");
	if (path == NULL || *path == '\0')
		return mig_seterr(st, MIG_INVALID, "database path: missing");
	rc = mig_connect(st, path, o);
	if (rc == MIG_OK)
		rc = mig_schema_prepare(st);
	if (rc == MIG_CORRUPT)
		mig_seterr(st, MIG_CORRUPT, "database '%s' is not an SQLite database or is "
		           "damaged (%s)", path, st->db ? sqlite3_errmsg(st->db) : "");
	return rc;
}

/* Close: an open transaction is rolled back, statements finalized. */
void mig_store_close(mig_store_t *st)
{
	if (st == NULL)
		return;
	if (st->db && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	mig_stmt_finalize_all(st);
	sqlite3_close_v2(st->db);
	free(st);
}

int mig_store_schema_version(const mig_store_t *st)
{
	return st->version;
}

int mig_store_schema_known(void)
{
	return mig_schema_count;
}

/*
 * Run a check pragma: its single row "ok", or one row per problem, of which
 * the first becomes the message and all are counted into *problems.
 */
static int mig_store_pragma_check(mig_store_t *st, const char *sql, size_t *problems)
{
	sqlite3_stmt *s;
	const char *res;
	size_t n = 0;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		res = (const char *)sqlite3_column_text(s, 0);
		if (!res || strcmp(res, "ok") != 0)
			if (n++ == 0)
				mig_seterr(st, MIG_CORRUPT, "integrity check: %s", res ? res : "?");
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	if (problems)
		*problems = n;
	if (rc != SQLITE_DONE)
		return mig_dberr(st, rc, "integrity check");
	return n ? MIG_CORRUPT : MIG_OK;
}

/*
 * PRAGMA quick_check: every page and index entry is read, so this takes
 * seconds on a large store.  Its first complaint becomes the message.
 */
int mig_store_check(mig_store_t *st)
{
	return mig_store_pragma_check(st, "PRAGMA quick_check(1)", NULL);
}

/* integrity_check also compares each index with its table: minutes on a
 * store of millions of bindings, hence a separate call. */
int mig_store_check_full(mig_store_t *st, size_t *problems)
{
	return mig_store_pragma_check(st, "PRAGMA integrity_check(100)", problems);
}

/* Is path the file of the open database (same inode)?  Then a backup would
 * replace the live database under every process that has it open. */
static int mig_store_is_self(mig_store_t *st, const char *path)
{
	const char *self = sqlite3_db_filename(st->db, "main");
	struct stat a, b;

	return self && stat(self, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Copy every page of the open database into the file tmp, in one step: one
 * read transaction, so one snapshot; writers go on meanwhile (WAL). */
static int mig_store_copy(mig_store_t *st, const char *tmp)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b = NULL;
	int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);

	if (rc == SQLITE_OK) {
		b = sqlite3_backup_init(dst, "main", st->db, "main");
		rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dst);
		if (b && sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_DONE)
			rc = sqlite3_errcode(dst);
	}
	if (rc != SQLITE_DONE)
		mig_seterr(st, mig_err_from_sqlite(rc), "backup to '%s': %s", tmp,
		           dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
	if (sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_DONE)
		rc = mig_seterr(st, MIG_IO, "backup to '%s': cannot close", tmp);
	return rc == SQLITE_DONE ? MIG_OK : st->err;
}

int mig_store_backup(mig_store_t *st, const char *path)
{
	char tmp[4096];
	int rc;

	if (path == NULL || *path == '\0')
		return mig_seterr(st, MIG_INVALID, "backup file: missing");
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
		return mig_seterr(st, MIG_INVALID, "backup file: path too long");
	if (mig_store_is_self(st, path))
		return mig_badarg(st, "backup file", path, "is the database itself");
	unlink(tmp);
	rc = mig_store_copy(st, tmp);
	if (rc == MIG_OK && rename(tmp, path) != 0)
		rc = mig_seterr(st, MIG_IO, "backup file '%s': %s", path, strerror(errno));
	if (rc != MIG_OK)
		unlink(tmp);
	return rc;
}

void mig_store_set_actor(mig_store_t *st, const char *actor)
{
	snprintf(st->actor, sizeof st->actor, "%s", actor ? actor : "");
}

void mig_store_set_clock(mig_store_t *st, mig_clock_fn fn, void *arg)
{
	st->clock = fn ? fn : mig_clock_time;
	st->clock_arg = fn ? arg : NULL;
}

int64_t mig_store_now(mig_store_t *st)
{
	return st->clock(st->clock_arg);
}

/* Validate the whole form before changing anything, so a failure keeps the old one. */
int mig_store_set_generator(mig_store_t *st, const char *prefix, unsigned nchars,
                            const char *realm)
{
	const char *why;

	prefix = prefix ? prefix : MIG_GEN_PREFIX_DEFAULT;
	nchars = nchars ? nchars : MIG_GEN_CHARS_DEFAULT;
	why = mig_ident_check_prefix(prefix);
	if (why)
		return mig_badarg(st, "identity prefix", prefix, why);
	if (nchars < MIG_GEN_CHARS_MIN || nchars > MIG_GEN_CHARS_MAX)
		return mig_seterr(st, MIG_INVALID, "identity length %u: must be %d to %d",
		                  nchars, MIG_GEN_CHARS_MIN, MIG_GEN_CHARS_MAX);
	if (mig_check(st, mig_ident_check_realm, "identity realm", realm, 0) != MIG_OK)
		return st->err;
	strcpy(st->gen_prefix, prefix);
	st->gen_chars = nchars;
	snprintf(st->gen_realm, sizeof st->gen_realm, "%s", realm);
	return MIG_OK;
}

/* ---- Transactions ---------------------------------------------------- */

/*
 * BEGIN IMMEDIATE takes the write lock at once, waiting up to the busy
 * timeout: a transaction never has to upgrade a read lock later, which in
 * WAL mode could fail at once with SQLITE_BUSY_SNAPSHOT instead of waiting.
 */
int mig_tx_enter(mig_store_t *st)
{
	int rc;

	if (st->readonly)
		return mig_seterr(st, MIG_IO, "store opened read-only");
	rc = mig_exec(st, st->depth ? MIG_Q_SAVEPOINT : MIG_Q_BEGIN, "");
	if (rc == MIG_OK)
		st->depth++;
	return rc;
}

/*
 * Undo the innermost level.  Steps the cached statements directly: the
 * error that caused the rollback stays the handle's message.
 */
static void mig_tx_undo(mig_store_t *st, int outer)
{
	enum mig_q q[2] = { MIG_Q_ROLLBACK_TO, MIG_Q_RELEASE };
	int i, rc;

	if (outer)
		q[0] = MIG_Q_ROLLBACK;
	for (i = 0; i < 2 - outer; i++) {
		if (st->stmt[q[i]] == NULL &&
		    sqlite3_prepare_v2(st->db, mig_sql[q[i]], -1, &st->stmt[q[i]], NULL) != SQLITE_OK)
			return;
		rc = sqlite3_step(st->stmt[q[i]]);
		sqlite3_reset(st->stmt[q[i]]);
		if (rc != SQLITE_DONE)
			return;
	}
}

/*
 * Finish the innermost level: commit/release on success, else roll back.
 * Some failures (I/O, full disk, out of memory) make SQLite roll the whole
 * transaction back itself; then there is nothing left to finish.
 */
int mig_tx_leave(mig_store_t *st, int rc)
{
	int outer = (--st->depth == 0);

	if (sqlite3_get_autocommit(st->db)) {
		st->depth = 0;
		st->user_tx = 0;
		return rc != MIG_OK ? rc : mig_seterr(st, MIG_DB, "transaction was rolled back");
	}
	if (rc == MIG_OK)
		rc = mig_exec(st, outer ? MIG_Q_COMMIT : MIG_Q_RELEASE, "");
	if (rc != MIG_OK)
		mig_tx_undo(st, outer);
	return rc;
}

int mig_store_begin(mig_store_t *st)
{
	int rc;

	if (st->user_tx)
		return mig_seterr(st, MIG_INVALID, "a transaction is already open");
	rc = mig_tx_enter(st);
	st->user_tx = (rc == MIG_OK);
	return rc;
}

/* The caller's transaction, or MIG_INVALID when none is open. */
static int mig_store_end(mig_store_t *st, int commit)
{
	int rc;

	if (!st->user_tx)
		return mig_seterr(st, MIG_INVALID, "no transaction is open");
	st->user_tx = 0;
	rc = mig_tx_leave(st, commit ? MIG_OK : MIG_INVALID);
	return commit ? rc : MIG_OK;
}

int mig_store_commit(mig_store_t *st)
{
	return mig_store_end(st, 1);
}

int mig_store_rollback(mig_store_t *st)
{
	return mig_store_end(st, 0);
}
