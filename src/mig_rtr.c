/*
 * mig_rtr.c: who holds a registration (the S-CSCF's Diameter identity) and
 * the queue of registration terminations still to be sent (schema 3,
 * schema/003_termination.sql).
 *
 * The rows of pending_rtr are written by a trigger, in the transaction that
 * revokes or expires a registered binding, so any process that revokes
 * (migctl, the broker) queues them; the broker sends and deletes them.
 * The statements are the handle's cached ones (mig_sql.c), like every
 * other query of the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mig_int.h"

/* ---- Where a registration lives ---------------------------------------- */

int mig_binding_register_host(mig_store_t *st, int64_t id, const char *server,
                              const char *host)
{
	int rc;

	if (host && *host && mig_check(st, mig_ident_check_realm, "S-CSCF host", host, 0))
		return st->err;
	rc = mig_tx_enter(st);
	if (rc != MIG_OK)
		return rc;
	rc = mig_binding_register(st, id, server);
	if (rc == MIG_OK && host && *host)
		rc = mig_exec(st, MIG_Q_HOST_SET, "it", id, host);
	return mig_tx_leave(st, rc);
}

static int mig_host_row(void *ctx, sqlite3_stmt *s)
{
	mig_col_copy(ctx, s, 0);
	return 1;
}

int mig_binding_host(mig_store_t *st, int64_t id, char *host)
{
	int rc;

	host[0] = '\001';
	rc = mig_walk(st, mig_query(st, MIG_Q_HOST_GET, "i", id), mig_host_row, host);
	if (rc == MIG_OK && host[0] == '\001') {
		host[0] = '\0';
		return mig_seterr(st, MIG_NOTFOUND, "no binding with id %lld", (long long)id);
	}
	return rc;
}

/* ---- Pending registration terminations --------------------------------- */

struct mig_rtr_walk {
	mig_rtr_cb cb;
	void *arg;
};

static int mig_rtr_each(void *ctx, sqlite3_stmt *s)
{
	struct mig_rtr_walk *w = ctx;
	struct mig_rtr r;
	const unsigned char *reason = sqlite3_column_text(s, 2);

	memset(&r, 0, sizeof r);
	r.id = sqlite3_column_int64(s, 0);
	r.binding_id = sqlite3_column_int64(s, 1);
	snprintf(r.reason, sizeof r.reason, "%s", reason ? (const char *)reason : "");
	r.created = sqlite3_column_int64(s, 3);
	r.attempts = sqlite3_column_int64(s, 4);
	r.next_try = sqlite3_column_int64(s, 5);
	mig_col_copy(r.last_error, s, 6);
	return w->cb(w->arg, &r);
}

static int mig_rtr_walk(mig_store_t *st, sqlite3_stmt *s, mig_rtr_cb cb, void *arg)
{
	struct mig_rtr_walk w = { cb, arg };

	return mig_walk(st, s, mig_rtr_each, &w);
}

/* pending_rtr_next: the due rows, oldest due first. */
int mig_rtr_due(mig_store_t *st, int64_t now, size_t limit, mig_rtr_cb cb, void *arg)
{
	return mig_rtr_walk(st, mig_query(st, MIG_Q_RTR_DUE, "ii", now,
	                                  limit ? (int64_t)limit : (int64_t)-1), cb, arg);
}

int mig_rtr_list(mig_store_t *st, mig_rtr_cb cb, void *arg)
{
	return mig_rtr_walk(st, mig_query(st, MIG_Q_RTR_LIST, ""), cb, arg);
}

/* One-row change in its own transaction; MIG_NOTFOUND when the row is gone. */
static int mig_rtr_change(mig_store_t *st, enum mig_q q, int64_t id, const char *fmt, ...)
{
	sqlite3_stmt *s;
	va_list ap;
	int rc = mig_tx_enter(st);

	if (rc != MIG_OK)
		return rc;
	va_start(ap, fmt);
	s = mig_query_va(st, q, fmt, ap);
	va_end(ap);
	rc = s ? mig_run(st, s) : st->err;
	if (rc == MIG_OK && sqlite3_changes(st->db) == 0)
		rc = mig_seterr(st, MIG_NOTFOUND, "no pending RTR with id %lld", (long long)id);
	return mig_tx_leave(st, rc);
}

int mig_rtr_attempt(mig_store_t *st, int64_t id, int64_t next_try)
{
	return mig_rtr_change(st, MIG_Q_RTR_ATTEMPT, id, "ii", id, next_try);
}

int mig_rtr_failed(mig_store_t *st, int64_t id, const char *error)
{
	return mig_rtr_change(st, MIG_Q_RTR_FAILED, id, "it", id, error ? error : "");
}

static int mig_rtr_binding_of(void *ctx, sqlite3_stmt *s)
{
	*(int64_t *)ctx = sqlite3_column_int64(s, 0);
	return 1;
}

/* Under the caller's transaction: the audit row of the end of row id. */
static int mig_rtr_audit(mig_store_t *st, int64_t id, const char *action, const char *detail)
{
	struct mig_audit a = { .action = action, .detail = detail };
	struct mig_binding b;
	int64_t bid = 0;
	int rc = mig_walk(st, mig_query(st, MIG_Q_RTR_BINDING, "i", id), mig_rtr_binding_of,
	                  &bid);

	if (rc != MIG_OK)
		return rc;
	if (bid == 0)
		return mig_seterr(st, MIG_NOTFOUND, "no pending RTR with id %lld", (long long)id);
	if (mig_binding_get(st, bid, &b) == MIG_OK)
		return mig_audit_binding(st, action, &b, detail);
	a.binding_id = bid;
	return mig_audit_write(st, &a);
}

int mig_rtr_finish(mig_store_t *st, int64_t id, const char *action, const char *detail)
{
	size_t n = strlen(action ? action : "");
	int rc;

	if (n == 0 || n > 32)
		return mig_seterr(st, MIG_INVALID, "audit action: must be 1 to 32 bytes");
	rc = mig_tx_enter(st);
	if (rc != MIG_OK)
		return rc;
	rc = mig_rtr_audit(st, id, action, detail);
	if (rc == MIG_OK)
		rc = mig_exec(st, MIG_Q_RTR_DELETE, "i", id);
	return mig_tx_leave(st, rc);
}
