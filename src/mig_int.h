/*
 * mig_int.h: what the files of libmig share and nobody else needs: the
 * handle, the catalogue of cached statements, transactions and errors.
 */
#ifndef MIG_INT_H
#define MIG_INT_H

#include <stdarg.h>

#include <sqlite3.h>

#include "mig_store.h"

/*
 * Every SQL statement libmig runs more than once, prepared on first use and
 * kept in the handle.  The text of each is in mig_sql.c, next to the
 * indexes it relies on.
 */
/* The columns of a pending_rtr row, as mig_rtr.c reads them. */
#define MIG_RTR_COLUMNS "id, binding_id, reason, created, attempts, next_try, last_error"

enum mig_q {
	MIG_Q_BEGIN,
	MIG_Q_COMMIT,
	MIG_Q_ROLLBACK,
	MIG_Q_SAVEPOINT,
	MIG_Q_RELEASE,
	MIG_Q_ROLLBACK_TO,

	MIG_Q_PARTNER_PUT,
	MIG_Q_PARTNER_GET,
	MIG_Q_PARTNER_LIST,
	MIG_Q_PARTNER_DEL,
	MIG_Q_PARTNER_LIVE,
	MIG_Q_PARTNER_LIVE_UPTO,

	MIG_Q_POOL_CREATE,
	MIG_Q_POOL_ID,
	MIG_Q_POOL_ADD,
	MIG_Q_POOL_LIST,
	MIG_Q_POOL_GET,
	MIG_Q_POOL_DEL,
	MIG_Q_POOL_LIVE,
	MIG_Q_POOL_NEXT_FREE,
	MIG_Q_POOL_TAKE,

	MIG_Q_B_INSERT,
	MIG_Q_B_BY_ID,
	MIG_Q_B_LIVE_IMPI,
	MIG_Q_B_DEAD_IMPI,
	MIG_Q_B_LIVE_IMPU,
	MIG_Q_B_DEAD_IMPU,
	MIG_Q_B_LIVE_HOME,
	MIG_Q_B_DEAD_HOME,
	MIG_Q_B_SET_SERVER,
	MIG_Q_B_TOUCH,
	MIG_Q_B_STATS,

	/* Bulk changes, in pairs: the audit rows (INSERT ... SELECT), then the
	 * change, over the same WHERE clause.  Parameters: ?1 now, ?2 actor,
	 * ?3 detail, ?4 the key (id, home IMPI, realm, pool id, time). */
	MIG_Q_A_REVOKE_ID,
	MIG_Q_C_REVOKE_ID,
	MIG_Q_A_REVOKE_USER,
	MIG_Q_C_REVOKE_USER,
	MIG_Q_A_REVOKE_PEER,
	MIG_Q_C_REVOKE_PEER,
	MIG_Q_A_REVOKE_POOL,
	MIG_Q_C_REVOKE_POOL,
	MIG_Q_A_EXPIRE,
	MIG_Q_C_EXPIRE,
	MIG_Q_A_PURGE,
	MIG_Q_C_PURGE,

	MIG_Q_AUDIT_ADD,
	MIG_Q_AUDIT_LIST,
	MIG_Q_AUDIT_BOUNDS,
	MIG_Q_AUDIT_AT,
	MIG_Q_AUDIT_LAST,
	MIG_Q_AUDIT_COUNT,

	MIG_Q_HOST_SET,
	MIG_Q_HOST_GET,
	MIG_Q_RTR_DUE,
	MIG_Q_RTR_LIST,
	MIG_Q_RTR_ATTEMPT,
	MIG_Q_RTR_FAILED,
	MIG_Q_RTR_BINDING,
	MIG_Q_RTR_DELETE,

	MIG_Q_COUNTER_ADD,
	MIG_Q_COUNTER_GET,

	MIG_Q_COUNT
};

/* The text of each statement (mig_sql.c). */
extern const char *const mig_sql[MIG_Q_COUNT];

/* Columns of a binding, in the order mig_binding_read() expects, and the
 * FROM clause that provides them (table alias b). */
extern const char mig_sql_binding_select[];

/* List filters on home IMPI ?4 and on peer realm ?3 that can use the
 * partial indexes. */
extern const char mig_sql_home_filter[];
extern const char mig_sql_peer_filter[];

struct mig_store {
	sqlite3 *db;
	sqlite3_stmt *stmt[MIG_Q_COUNT];
	int readonly;
	int version;       /* schema version of the database */
	int depth;         /* open transaction + savepoints */
	int user_tx;       /* mig_store_begin() is open */
	int err;           /* last error code */
	mig_clock_fn clock;
	void *clock_arg;
	unsigned gen_chars;
	char gen_prefix[MIG_GEN_PREFIX_MAX + 1];
	char gen_realm[MIG_IDENT_MAX + 1];
	char actor[64];
	char errmsg[MIG_ERRMSG_MAX];
};

/* ---- Errors (mig_err.c) ------------------------------------------------ */

/* Set the handle's error (code and message) and return the code. */
int mig_seterr(mig_store_t *st, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* code with "<what> '<value>': <why>", the value quoted safely (at most 64
 * printable bytes); "<what>: missing" when value is NULL. */
int mig_seterr_about(mig_store_t *st, int code, const char *what, const char *value,
                     const char *why);

/* MIG_INVALID with "<what> '<value>': <why>". */
int mig_badarg(mig_store_t *st, const char *what, const char *value, const char *why);

/* Map an SQLite result code to a mig_err and set "<what>: <sqlite message>". */
int mig_dberr(mig_store_t *st, int rc, const char *what);

/* Map an SQLite result code to a mig_err code. */
int mig_err_from_sqlite(int rc);

/* ---- Statements (mig_sql.c) -------------------------------------------- */

/*
 * The cached statement q, reset, with parameters 1.. bound from fmt: 't' a
 * const char * (NULL binds NULL), 'i' an int64_t.  NULL on failure (the
 * handle's error is set; return st->err).
 */
sqlite3_stmt *mig_query(mig_store_t *st, enum mig_q q, const char *fmt, ...);
sqlite3_stmt *mig_query_va(mig_store_t *st, enum mig_q q, const char *fmt, va_list ap);

/* Step s once: MIG_OK with *row 1 (a row) or 0 (done), or an error. */
int mig_step(mig_store_t *st, sqlite3_stmt *s, int *row);

/* Step s to completion and reset it: MIG_OK or an error. */
int mig_run(mig_store_t *st, sqlite3_stmt *s);

/* mig_query then mig_run; for statements that return nothing. */
int mig_exec(mig_store_t *st, enum mig_q q, const char *fmt, ...);

/* Columns 0 and 1 (v1 may be NULL) of the first row of s, a mig_query()
 * result, as integers; 0 without a row.  *found (may be NULL) says whether
 * there was one. */
int mig_fetch_ints(mig_store_t *st, sqlite3_stmt *s, int64_t *v0, int64_t *v1, int *found);

/* Step s, a mig_query() result (NULL: return the handle's error), through
 * its rows, calling each(ctx, s) for every one until it returns non-zero.
 * s is reset afterwards. */
int mig_walk(mig_store_t *st, sqlite3_stmt *s, int (*each)(void *ctx, sqlite3_stmt *s),
             void *ctx);

/* Reset s and drop its bindings, so it holds no read snapshot. */
void mig_done(sqlite3_stmt *s);

/* Copy column col as text into dst (MIG_IDENT_MAX + 1 bytes); NULL -> "". */
void mig_col_copy(char *dst, sqlite3_stmt *s, int col);

/* Finalize every cached statement. */
void mig_stmt_finalize_all(mig_store_t *st);

/* ---- Transactions (mig_store.c) ---------------------------------------- */

/*
 * Enter a write transaction: BEGIN IMMEDIATE at the outermost level, a
 * savepoint inside one, so that each operation is atomic on its own even
 * inside mig_store_begin().  mig_tx_leave() commits (or releases) when rc
 * is MIG_OK and rolls back otherwise; it returns rc, or the commit's error.
 */
int mig_tx_enter(mig_store_t *st);
int mig_tx_leave(mig_store_t *st, int rc);

/* ---- Shared pieces ----------------------------------------------------- */

/* Apply the paired audit + change statements qa, qc (see enum mig_q) to key
 * (text if key_text is not NULL, else key_num); *n = rows changed. */
int mig_change(mig_store_t *st, enum mig_q qa, enum mig_q qc, const char *key_text,
               int64_t key_num, const char *detail, size_t *n);

/* Write an audit row, inside the caller's transaction. */
int mig_audit_write(mig_store_t *st, const struct mig_audit *a);

/* Write the audit row of a change to one binding. */
int mig_audit_binding(mig_store_t *st, const char *action, const struct mig_binding *b,
                      const char *detail);

/* The id of pool name; MIG_NOTFOUND when there is none. */
int mig_pool_id(mig_store_t *st, const char *name, int64_t *id);

/* Run a one-binding query (a mig_query() result): MIG_OK with out filled, or
 * MIG_NOTFOUND without setting a message (the caller knows what it sought). */
int mig_binding_fetch(mig_store_t *st, sqlite3_stmt *s, struct mig_binding *out);

/* Fill b from a row of mig_sql_binding_select. */
void mig_binding_read(sqlite3_stmt *s, struct mig_binding *b);

/* Check an identity/realm with checker; MIG_INVALID naming what on failure.
 * NULL is accepted only if optional (then "" too). */
int mig_check(mig_store_t *st, const char *(*checker)(const char *), const char *what,
              const char *value, int optional);

#endif /* MIG_INT_H */
