/*
 * mig_audit.c: the audit log.  Every change of the store writes its rows
 * here inside its own transaction, so the log and the data never disagree;
 * the broker adds the events that change nothing (refusals).
 */
#include <string.h>

#include "mig_int.h"

/* Insert one row; ts and actor come from the handle. */
int mig_audit_write(mig_store_t *st, const struct mig_audit *a)
{
	return mig_exec(st, MIG_Q_AUDIT_ADD, "itittttttt", mig_store_now(st), a->action,
	                a->binding_id, a->realm, a->mig_impi, a->mig_impu, a->home_impi,
	                a->home_impu, st->actor, a->detail ? a->detail : "");
}

/* The row for a change to binding b. */
int mig_audit_binding(mig_store_t *st, const char *action, const struct mig_binding *b,
                      const char *detail)
{
	struct mig_audit a = {
		.action = action, .binding_id = b->id, .realm = b->peer_realm,
		.mig_impi = b->mig_impi, .mig_impu = b->mig_impu,
		.home_impi = b->home_impi, .home_impu = b->home_impu, .detail = detail,
	};

	return mig_audit_write(st, &a);
}

/*
 * Public entry: one row in its own transaction (or the caller's).  The
 * action is bounded so that a caller cannot flood the log with text there;
 * detail is the free-text place.
 */
int mig_audit_add(mig_store_t *st, const struct mig_audit *a)
{
	size_t n = a->action ? strlen(a->action) : 0;
	int rc;

	if (n == 0 || n > 32)
		return mig_seterr(st, MIG_INVALID, "audit action: must be 1 to 32 bytes");
	rc = mig_tx_enter(st);
	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_audit_write(st, a));
}

/* Column i of s as text, NULL for SQL NULL; valid until the next step. */
static const char *mig_col_str(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Fill a from a row of MIG_Q_AUDIT_LIST; strings point into the row. */
static void mig_audit_read(sqlite3_stmt *s, struct mig_audit *a)
{
	a->id = sqlite3_column_int64(s, 0);
	a->ts = sqlite3_column_int64(s, 1);
	a->action = mig_col_str(s, 2);
	a->binding_id = sqlite3_column_int64(s, 3);
	a->realm = mig_col_str(s, 4);
	a->mig_impi = mig_col_str(s, 5);
	a->mig_impu = mig_col_str(s, 6);
	a->home_impi = mig_col_str(s, 7);
	a->home_impu = mig_col_str(s, 8);
	a->actor = mig_col_str(s, 9);
	a->detail = mig_col_str(s, 10);
}

struct mig_audit_walk {
	mig_audit_cb cb;
	void *arg;
};

static int mig_audit_each(void *ctx, sqlite3_stmt *s)
{
	struct mig_audit_walk *w = ctx;
	struct mig_audit a;

	mig_audit_read(s, &a);
	return w->cb(w->arg, &a);
}

/*
 * The smallest id whose row has ts >= since (max id + 1 when none has):
 * a binary search over ids, valid because ts never decreases along ids.
 * Ids may have gaps (rows deleted by hand), hence "first row at or after".
 */
static int mig_audit_seek(mig_store_t *st, int64_t since, int64_t *first)
{
	int64_t lo, hi, mid, id, ts;
	int found, rc = mig_fetch_ints(st, mig_query(st, MIG_Q_AUDIT_BOUNDS, ""), &lo, &hi, NULL);

	for (hi++; rc == MIG_OK && lo < hi;) {
		mid = lo + (hi - lo) / 2;
		rc = mig_fetch_ints(st, mig_query(st, MIG_Q_AUDIT_AT, "i", mid), &id, &ts, &found);
		if (!found || ts >= since)
			hi = mid;
		else
			lo = id + 1;
	}
	*first = lo;
	return rc;
}

/* The first id worth reading for rows at or after since_ts (0: all). */
static int mig_audit_first(mig_store_t *st, int64_t since_ts, int64_t *first)
{
	*first = 0;
	return since_ts > 0 ? mig_audit_seek(st, since_ts, first) : MIG_OK;
}

/* Walk the log oldest first; LIMIT -1 is SQLite's "no limit". */
int mig_audit_list(mig_store_t *st, int64_t after_id, int64_t since_ts, size_t limit,
                   mig_audit_cb cb, void *arg)
{
	struct mig_audit_walk w = { cb, arg };
	int64_t first;
	int rc = mig_audit_first(st, since_ts, &first);

	if (rc != MIG_OK)
		return rc;
	if (first - 1 > after_id)
		after_id = first - 1;
	return mig_walk(st, mig_query(st, MIG_Q_AUDIT_LIST, "iii", after_id, since_ts,
	                              limit ? (int64_t)limit : (int64_t)-1),
	                mig_audit_each, &w);
}

/*
 * The tail of the log (what an operator looks at first): the newest n
 * rows at or after since_ts, handed over oldest first like mig_audit_list.
 * Costs n rows, however long the log.
 */
int mig_audit_last(mig_store_t *st, int64_t since_ts, size_t n, mig_audit_cb cb, void *arg)
{
	struct mig_audit_walk w = { cb, arg };
	int64_t first;
	int rc = mig_audit_first(st, since_ts, &first);

	if (rc != MIG_OK || n == 0)
		return rc;
	return mig_walk(st, mig_query(st, MIG_Q_AUDIT_LAST, "iii", first, since_ts, (int64_t)n),
	                mig_audit_each, &w);
}

/*
 * How many rows of one action there are at or after since_ts, e.g. the
 * broker's "mar-refused" rows for statistics.  A scan of those rows, in
 * SQL: no callback per row.
 */
int mig_audit_count(mig_store_t *st, const char *action, int64_t since_ts, uint64_t *n)
{
	int64_t first, count = 0;
	int rc;

	*n = 0;
	if (action == NULL || *action == '\0')
		return mig_seterr(st, MIG_INVALID, "audit action: missing");
	rc = mig_audit_first(st, since_ts, &first);
	if (rc == MIG_OK)
		rc = mig_fetch_ints(st, mig_query(st, MIG_Q_AUDIT_COUNT, "iit", first, since_ts,
		                                  action), &count, NULL, NULL);
	*n = (uint64_t)count;
	return rc;
}
