/*
 * mig_sql.c: every statement libmig runs, and the per-handle cache of their
 * prepared forms.
 *
 * Keeping the SQL in one place lets a reviewer check each query against the
 * indexes of schema/001_initial.sql; the comments name the index a query is
 * meant to use (test_store_schema checks that with EXPLAIN QUERY PLAN).
 */
#include <stdarg.h>
#include <string.h>

#include "mig_int.h"

/* A live binding.  Written exactly as in the partial indexes' WHERE clauses:
 * SQLite uses a partial index only when the query repeats its condition. */
#define LIVE "state IN ('allocated', 'registered')"
#define DEAD "state IN ('revoked', 'expired')"

/* The time of a new audit row: now (?1), or the last row's if the clock went
 * back, so that ts never decreases along ids (see schema/001_initial.sql). */
#define AUDIT_TS "max(?1, coalesce((SELECT ts FROM audit ORDER BY id DESC LIMIT 1), 0))"

/* The audit rows of a bulk change: one per binding the change will touch. */
#define AUDIT_FROM_BINDINGS(action)                                             \
	"INSERT INTO audit (ts, action, binding_id, realm, mig_impi, mig_impu, "  \
	"home_impi, home_impu, actor, detail) SELECT " AUDIT_TS ", '" action "', " \
	"id, peer_realm, mig_impi, mig_impu, home_impi, home_impu, ?2, ?3 "       \
	"FROM bindings WHERE "

#define REVOKE "UPDATE bindings SET state = 'revoked', ended = ?1 WHERE "

/* WHERE clauses shared by each audit/change pair (key ?4) and by the
 * counts that decide whether a removal may go ahead (key ?1). */
#define W_REVOKE_ID "id = ?4 AND " LIVE
/* bindings_live_peer leads with the peer: a user's live bindings are found
 * under each partner and direction (live bindings always have a partner:
 * see the triggers of the schema). */
#define LIVE_OF_USER(key)                                                       \
	"home_impi = " key " AND direction IN ('out', 'in') AND peer_realm IN "   \
	"(SELECT realm FROM partners) AND " LIVE
#define W_REVOKE_USER LIVE_OF_USER("?4")
#define W_REVOKE_PEER(key) "peer_realm = " key " AND " LIVE /* bindings_live_peer */
#define W_REVOKE_POOL(key)                                                      \
	LIVE " AND id IN (SELECT binding_id FROM pool_entries "                  \
	"WHERE pool_id = " key " AND binding_id IS NOT NULL)"
#define W_EXPIRE LIVE " AND expires > 0 AND expires <= ?4" /* bindings_live_expires */
/* bindings_dead_ended; the newest binding stays, so that ids never repeat. */
#define W_PURGE DEAD " AND ended < ?4 AND id < (SELECT max(id) FROM bindings)"

#define B_SELECT                                                                \
	"SELECT b.id, b.direction, b.state, b.mig_impi, b.mig_impu, "             \
	"b.home_impi, b.home_impu, b.peer_realm, b.peer_sipdb, b.server_name, "  \
	"p.name, e.id, b.created, b.expires, b.last_used, b.ended "              \
	"FROM bindings AS b "                                                     \
	"LEFT JOIN pool_entries AS e ON e.binding_id = b.id "                     \
	"LEFT JOIN pools AS p ON p.id = e.pool_id "

const char mig_sql_binding_select[] = B_SELECT;

/* Columns of a partner, in the order mig_partner_read() expects. */
#define P_SELECT "SELECT realm, sipdb, allow_in, allow_out, obfuscate, created FROM partners "

/* The bindings of home IMPI ?4 and of peer realm ?3, through the partial
 * indexes (a plain "home_impi = ?4" would scan the table). */
const char mig_sql_home_filter[] =
	" AND b.id IN (SELECT id FROM bindings WHERE " LIVE_OF_USER("?4")
	" UNION ALL SELECT id FROM bindings WHERE home_impi = ?4 AND " DEAD ")";
const char mig_sql_peer_filter[] =
	" AND b.id IN (SELECT id FROM bindings WHERE peer_realm = ?3 AND " LIVE
	" UNION ALL SELECT id FROM bindings WHERE peer_realm = ?3 AND " DEAD ")";

const char *const mig_sql[MIG_Q_COUNT] = {
	[MIG_Q_BEGIN] = "BEGIN IMMEDIATE",
	[MIG_Q_COMMIT] = "COMMIT",
	[MIG_Q_ROLLBACK] = "ROLLBACK",
	[MIG_Q_SAVEPOINT] = "SAVEPOINT mig_op",
	[MIG_Q_RELEASE] = "RELEASE mig_op",
	[MIG_Q_ROLLBACK_TO] = "ROLLBACK TO mig_op",

	[MIG_Q_PARTNER_PUT] =
		"INSERT INTO partners (realm, sipdb, allow_in, allow_out, obfuscate, created) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (realm) DO UPDATE SET "
		"sipdb = excluded.sipdb, allow_in = excluded.allow_in, "
		"allow_out = excluded.allow_out, obfuscate = excluded.obfuscate",
	[MIG_Q_PARTNER_GET] = P_SELECT "WHERE realm = ?1",
	[MIG_Q_PARTNER_LIST] = P_SELECT "ORDER BY realm",
	[MIG_Q_PARTNER_DEL] = "DELETE FROM partners WHERE realm = ?1",
	[MIG_Q_PARTNER_LIVE] = "SELECT count(*) FROM bindings WHERE " W_REVOKE_PEER("?1"),
	/* The same, counting no further than ?2 (an allocation's limit check). */
	[MIG_Q_PARTNER_LIVE_UPTO] =
		"SELECT count(*) FROM (SELECT 1 FROM bindings WHERE " W_REVOKE_PEER("?1")
		" LIMIT ?2)",

	[MIG_Q_POOL_CREATE] = "INSERT INTO pools (name, created) VALUES (?1, ?2)",
	[MIG_Q_POOL_ID] = "SELECT id FROM pools WHERE name = ?1",
	[MIG_Q_POOL_ADD] = "INSERT INTO pool_entries (pool_id, impi, impu) VALUES (?1, ?2, ?3)",
	/* Counts through pool_entries_pool and pool_entries_free. */
	[MIG_Q_POOL_LIST] =
		"SELECT name, created, "
		"(SELECT count(*) FROM pool_entries WHERE pool_id = pools.id), "
		"(SELECT count(*) FROM pool_entries WHERE pool_id = pools.id "
		"AND binding_id IS NULL) FROM pools ORDER BY name",
	[MIG_Q_POOL_GET] =
		"SELECT (SELECT count(*) FROM pool_entries WHERE pool_id = ?1), "
		"(SELECT count(*) FROM pool_entries WHERE pool_id = ?1 AND binding_id IS NULL)",
	[MIG_Q_POOL_DEL] = "DELETE FROM pools WHERE id = ?1",
	[MIG_Q_POOL_LIVE] = "SELECT count(*) FROM bindings WHERE " W_REVOKE_POOL("?1"),
	/* pool_entries_free: the first free entry after ?2, in import order. */
	[MIG_Q_POOL_NEXT_FREE] =
		"SELECT id, impi, impu FROM pool_entries WHERE pool_id = ?1 "
		"AND binding_id IS NULL AND id > ?2 ORDER BY id LIMIT 1",
	[MIG_Q_POOL_TAKE] =
		"UPDATE pool_entries SET binding_id = ?2 WHERE id = ?1 AND binding_id IS NULL",

	[MIG_Q_B_INSERT] =
		"INSERT INTO bindings (direction, mig_impi, mig_impu, home_impi, home_impu, "
		"peer_realm, peer_sipdb, created, expires) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[MIG_Q_B_BY_ID] = B_SELECT "WHERE b.id = ?1",
	/* The hot path (every MAR): bindings_live_mig_impi, then
	 * bindings_dead_mig_impi only for identities that are not live. */
	[MIG_Q_B_LIVE_IMPI] = B_SELECT "WHERE b.mig_impi = ?1 AND b." LIVE,
	[MIG_Q_B_DEAD_IMPI] =
		B_SELECT "WHERE b.mig_impi = ?1 AND b." DEAD " ORDER BY b.id DESC LIMIT 1",
	[MIG_Q_B_LIVE_IMPU] = B_SELECT "WHERE b.mig_impu = ?1 AND b." LIVE,
	[MIG_Q_B_DEAD_IMPU] =
		B_SELECT "WHERE b.mig_impu = ?1 AND b." DEAD " ORDER BY b.id DESC LIMIT 1",
	/* bindings_live_peer, then bindings_dead_home. */
	[MIG_Q_B_LIVE_HOME] =
		B_SELECT "WHERE b.home_impi = ?1 AND b.direction = ?2 AND b.peer_realm = ?3 "
		"AND b." LIVE,
	[MIG_Q_B_DEAD_HOME] =
		B_SELECT "WHERE b.home_impi = ?1 AND b.direction = ?2 AND b.peer_realm = ?3 "
		"AND b." DEAD " ORDER BY b.id DESC LIMIT 1",
	[MIG_Q_B_SET_SERVER] =
		"UPDATE bindings SET state = ?2, server_name = ?3, last_used = ?4 WHERE id = ?1",
	[MIG_Q_B_TOUCH] = "UPDATE bindings SET last_used = ?2 WHERE id = ?1",
	/* A full scan (seconds per ten million bindings): no index is kept for
	 * it, to keep allocations cheap; it reads a snapshot and blocks nobody. */
	[MIG_Q_B_STATS] =
		"SELECT peer_realm, direction, state, count(*) FROM bindings "
		"GROUP BY peer_realm, direction, state",

	[MIG_Q_A_REVOKE_ID] = AUDIT_FROM_BINDINGS("revoke") W_REVOKE_ID,
	[MIG_Q_C_REVOKE_ID] = REVOKE W_REVOKE_ID,
	[MIG_Q_A_REVOKE_USER] = AUDIT_FROM_BINDINGS("revoke") W_REVOKE_USER,
	[MIG_Q_C_REVOKE_USER] = REVOKE W_REVOKE_USER,
	[MIG_Q_A_REVOKE_PEER] = AUDIT_FROM_BINDINGS("revoke") W_REVOKE_PEER("?4"),
	[MIG_Q_C_REVOKE_PEER] = REVOKE W_REVOKE_PEER("?4"),
	[MIG_Q_A_REVOKE_POOL] = AUDIT_FROM_BINDINGS("revoke") W_REVOKE_POOL("?4"),
	[MIG_Q_C_REVOKE_POOL] = REVOKE W_REVOKE_POOL("?4"),
	[MIG_Q_A_EXPIRE] = AUDIT_FROM_BINDINGS("expire") W_EXPIRE,
	[MIG_Q_C_EXPIRE] = "UPDATE bindings SET state = 'expired', ended = ?1 WHERE " W_EXPIRE,
	[MIG_Q_A_PURGE] = AUDIT_FROM_BINDINGS("purge") W_PURGE,
	[MIG_Q_C_PURGE] = "DELETE FROM bindings WHERE " W_PURGE,

	[MIG_Q_AUDIT_ADD] =
		"INSERT INTO audit (ts, action, binding_id, realm, mig_impi, mig_impu, "
		"home_impi, home_impu, actor, detail) "
		"VALUES (" AUDIT_TS ", ?2, nullif(?3, 0), ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[MIG_Q_AUDIT_LIST] =
		"SELECT id, ts, action, binding_id, realm, mig_impi, mig_impu, home_impi, "
		"home_impu, actor, detail FROM audit WHERE id > ?1 AND ts >= ?2 "
		"ORDER BY id LIMIT ?3",
	[MIG_Q_AUDIT_BOUNDS] = "SELECT coalesce(min(id), 1), coalesce(max(id), 0) FROM audit",
	[MIG_Q_AUDIT_AT] = "SELECT id, ts FROM audit WHERE id >= ?1 ORDER BY id LIMIT 1",
	/* The newest ?3 rows from id ?1 and time ?2 on, oldest first: a walk
	 * back from the end of the rowid b-tree, then a sort of those rows. */
	[MIG_Q_AUDIT_LAST] =
		"SELECT * FROM (SELECT id, ts, action, binding_id, realm, mig_impi, mig_impu, "
		"home_impi, home_impu, actor, detail FROM audit WHERE id >= ?1 AND ts >= ?2 "
		"ORDER BY id DESC LIMIT ?3) ORDER BY id",
	/* No index on action (every change would pay for it): a scan from id ?1. */
	[MIG_Q_AUDIT_COUNT] =
		"SELECT count(*) FROM audit WHERE id >= ?1 AND ts >= ?2 AND action = ?3",

	/* Schema 3: who holds a registration, terminations still to send. */
	[MIG_Q_HOST_SET] = "UPDATE bindings SET scscf_host = ?2 WHERE id = ?1",
	[MIG_Q_HOST_GET] = "SELECT coalesce(scscf_host, '') FROM bindings WHERE id = ?1",
	[MIG_Q_RTR_DUE] =
		"SELECT " MIG_RTR_COLUMNS " FROM pending_rtr WHERE next_try <= ?1 "
		"ORDER BY next_try, id LIMIT ?2",
	[MIG_Q_RTR_LIST] = "SELECT " MIG_RTR_COLUMNS " FROM pending_rtr ORDER BY id",
	[MIG_Q_RTR_ATTEMPT] =
		"UPDATE pending_rtr SET attempts = attempts + 1, next_try = ?2 WHERE id = ?1",
	[MIG_Q_RTR_FAILED] = "UPDATE pending_rtr SET last_error = ?2 WHERE id = ?1",
	[MIG_Q_RTR_BINDING] = "SELECT binding_id FROM pending_rtr WHERE id = ?1",
	[MIG_Q_RTR_DELETE] = "DELETE FROM pending_rtr WHERE id = ?1",

	[MIG_Q_COUNTER_ADD] =
		"INSERT INTO counters (name, value, updated) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (name) DO UPDATE SET value = value + excluded.value, "
		"updated = excluded.updated",
	[MIG_Q_COUNTER_GET] = "SELECT value, updated FROM counters WHERE name = ?1",
};

/*
 * Bind parameters 1..n from fmt ('t' text, 'i' int64).  Text is bound
 * SQLITE_STATIC: callers keep it alive until the statement is reset, which
 * every user does before returning (mig_done).
 */
static int mig_bind_va(mig_store_t *st, sqlite3_stmt *s, const char *fmt, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		if (fmt[i] == 't')
			rc = sqlite3_bind_text(s, i + 1, va_arg(ap, const char *), -1,
			                       SQLITE_STATIC);
		else
			rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
	}
	return rc == SQLITE_OK ? MIG_OK : mig_dberr(st, rc, "bind");
}

/*
 * The cached statement q, prepared on first use (SQLITE_PREPARE_PERSISTENT:
 * it lives as long as the handle), with its parameters bound.
 */
sqlite3_stmt *mig_query_va(mig_store_t *st, enum mig_q q, const char *fmt, va_list ap)
{
	int rc;

	if (st->stmt[q] == NULL) {
		rc = sqlite3_prepare_v3(st->db, mig_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
		                        &st->stmt[q], NULL);
		if (rc != SQLITE_OK) {
			mig_dberr(st, rc, "prepare");
			return NULL;
		}
	}
	if (mig_bind_va(st, st->stmt[q], fmt, ap) != MIG_OK) {
		mig_done(st->stmt[q]);
		return NULL;
	}
	return st->stmt[q];
}

/* The cached statement q with its parameters bound, ready to step. */
sqlite3_stmt *mig_query(mig_store_t *st, enum mig_q q, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;

	va_start(ap, fmt);
	s = mig_query_va(st, q, fmt, ap);
	va_end(ap);
	return s;
}

/*
 * One step.  On failure the statement is reset here, so callers only reset
 * after success paths (mig_done) and never leave a read snapshot open.
 */
int mig_step(mig_store_t *st, sqlite3_stmt *s, int *row)
{
	int rc = sqlite3_step(s);

	*row = (rc == SQLITE_ROW);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return MIG_OK;
	mig_dberr(st, rc, "query");
	mig_done(s);
	return st->err;
}

/* Run a statement that returns no rows (or whose rows do not matter). */
int mig_run(mig_store_t *st, sqlite3_stmt *s)
{
	int row, rc;

	do
		rc = mig_step(st, s, &row);
	while (rc == MIG_OK && row);
	if (rc == MIG_OK)
		mig_done(s);
	return rc;
}

/* Prepare, bind and run in one call. */
int mig_exec(mig_store_t *st, enum mig_q q, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;

	va_start(ap, fmt);
	s = mig_query_va(st, q, fmt, ap);
	va_end(ap);
	return s ? mig_run(st, s) : st->err;
}

/* The loop of every list function; each row goes to each(). */
int mig_walk(mig_store_t *st, sqlite3_stmt *s, int (*each)(void *ctx, sqlite3_stmt *s),
             void *ctx)
{
	int row = 1, rc;

	if (s == NULL)
		return st->err;
	while ((rc = mig_step(st, s, &row)) == MIG_OK && row && !each(ctx, s))
		;
	if (rc == MIG_OK)
		mig_done(s);
	return rc;
}

/* mig_walk() callback: columns 0 and 1 of the first row as integers. */
static int mig_int_row(void *ctx, sqlite3_stmt *s)
{
	int64_t *v = ctx;

	v[0] = sqlite3_column_int64(s, 0);
	v[1] = sqlite3_column_int64(s, 1);
	v[2] = 1;
	return 1;
}

/* One or two integers from a one-row query: a count, an id. */
int mig_fetch_ints(mig_store_t *st, sqlite3_stmt *s, int64_t *v0, int64_t *v1, int *found)
{
	int64_t v[3] = { 0, 0, 0 };
	int rc = mig_walk(st, s, mig_int_row, v);

	*v0 = v[0];
	if (v1)
		*v1 = v[1];
	if (found)
		*found = (int)v[2];
	return rc;
}

/* Release the statement's read snapshot and its pointers to caller data. */
void mig_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/*
 * Copy a text column into an identity buffer.  Values longer than
 * MIG_IDENT_MAX cannot come from libmig; a hand-edited database gets them
 * truncated rather than overflowing.
 */
void mig_col_copy(char *dst, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);
	size_t n = v ? (size_t)sqlite3_column_bytes(s, col) : 0;

	if (n > MIG_IDENT_MAX)
		n = MIG_IDENT_MAX;
	if (n)
		memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Finalize the cache (before close, or before re-reading the schema). */
void mig_stmt_finalize_all(mig_store_t *st)
{
	int q;

	for (q = 0; q < MIG_Q_COUNT; q++) {
		sqlite3_finalize(st->stmt[q]);
		st->stmt[q] = NULL;
	}
}
