/*
 * mig_binding.c: reading bindings: lookups (the broker's hot path), lists
 * and statistics, and the names of directions and states.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mig_int.h"

/* Names as stored in the database, indexed by enum value (0: "any"). */
static const char *const mig_dir_names[] = { "any", "out", "in" };
static const char *const mig_state_names[] = { "any", "allocated", "registered",
	                                        "revoked", "expired" };

#define MIG_NNAMES(a) (sizeof a / sizeof a[0])

/* Index of s in names, or -1. */
static int mig_name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *mig_dir_name(enum mig_dir d)
{
	return (size_t)d < MIG_NNAMES(mig_dir_names) ? mig_dir_names[d] : "?";
}

const char *mig_state_name(enum mig_state s)
{
	return (size_t)s < MIG_NNAMES(mig_state_names) ? mig_state_names[s] : "?";
}

int mig_dir_parse(const char *s, enum mig_dir *out)
{
	int i = mig_name_index(mig_dir_names, MIG_NNAMES(mig_dir_names), s);

	if (i < 0)
		return MIG_INVALID;
	*out = (enum mig_dir)i;
	return MIG_OK;
}

int mig_state_parse(const char *s, enum mig_state *out)
{
	int i = mig_name_index(mig_state_names, MIG_NNAMES(mig_state_names), s);

	if (i < 0)
		return MIG_INVALID;
	*out = (enum mig_state)i;
	return MIG_OK;
}

int mig_binding_live(const struct mig_binding *b, int64_t now)
{
	return (b->state == MIG_STATE_ALLOCATED || b->state == MIG_STATE_REGISTERED) &&
	       (b->expires == 0 || b->expires > now);
}

/* Fill b from a row of mig_sql_binding_select; the CHECK constraints of the
 * schema guarantee the direction and state names. */
void mig_binding_read(sqlite3_stmt *s, struct mig_binding *b)
{
	const char *dir = (const char *)sqlite3_column_text(s, 1);
	const char *state = (const char *)sqlite3_column_text(s, 2);

	b->id = sqlite3_column_int64(s, 0);
	b->dir = (enum mig_dir)mig_name_index(mig_dir_names, MIG_NNAMES(mig_dir_names), dir);
	b->state = (enum mig_state)mig_name_index(mig_state_names,
	                                          MIG_NNAMES(mig_state_names), state);
	mig_col_copy(b->mig_impi, s, 3);
	mig_col_copy(b->mig_impu, s, 4);
	mig_col_copy(b->home_impi, s, 5);
	mig_col_copy(b->home_impu, s, 6);
	mig_col_copy(b->peer_realm, s, 7);
	mig_col_copy(b->peer_sipdb, s, 8);
	mig_col_copy(b->server, s, 9);
	mig_col_copy(b->pool, s, 10);
	b->pool_entry = sqlite3_column_int64(s, 11);
	b->created = sqlite3_column_int64(s, 12);
	b->expires = sqlite3_column_int64(s, 13);
	b->last_used = sqlite3_column_int64(s, 14);
	b->ended = sqlite3_column_int64(s, 15);
}

/* mig_walk() callback for one row: read it and stop. */
static int mig_binding_one(void *ctx, sqlite3_stmt *s)
{
	mig_binding_read(s, ctx);
	return 1;
}

int mig_binding_fetch(mig_store_t *st, sqlite3_stmt *s, struct mig_binding *out)
{
	int rc;

	out->id = 0;
	rc = mig_walk(st, s, mig_binding_one, out);
	return rc == MIG_OK && out->id == 0 ? MIG_NOTFOUND : rc;
}

int mig_binding_get(mig_store_t *st, int64_t id, struct mig_binding *out)
{
	int rc = mig_binding_fetch(st, mig_query(st, MIG_Q_B_BY_ID, "i", id), out);

	if (rc == MIG_NOTFOUND)
		return mig_seterr(st, MIG_NOTFOUND, "no binding with id %lld", (long long)id);
	return rc;
}

/*
 * The live binding through qlive (a unique partial index), else the newest
 * dead one through qdead; both take the parameters fmt describes.
 * MIG_NOTFOUND carries no message: the caller says what it looked for.
 */
static int mig_binding_live_or_dead(mig_store_t *st, enum mig_q qlive, enum mig_q qdead,
                                    struct mig_binding *out, const char *fmt, ...)
{
	va_list ap, again;
	int rc;

	va_start(ap, fmt);
	va_copy(again, ap);
	rc = mig_binding_fetch(st, mig_query_va(st, qlive, fmt, ap), out);
	if (rc == MIG_NOTFOUND)
		rc = mig_binding_fetch(st, mig_query_va(st, qdead, fmt, again), out);
	va_end(again);
	va_end(ap);
	return rc;
}

/*
 * By migration identity: the hot path of every MAR, two index probes at
 * most.  No syntax check: a malformed identity is simply not found.
 */
static int mig_binding_by_mig(mig_store_t *st, enum mig_q qlive, enum mig_q qdead,
                              const char *what, const char *ident, struct mig_binding *out)
{
	int rc;

	if (ident == NULL)
		return mig_badarg(st, what, NULL, "");
	rc = mig_binding_live_or_dead(st, qlive, qdead, out, "t", ident);
	if (rc == MIG_NOTFOUND)
		return mig_seterr_about(st, MIG_NOTFOUND, what, ident, "no such binding");
	return rc;
}

int mig_binding_by_mig_impi(mig_store_t *st, const char *impi, struct mig_binding *out)
{
	return mig_binding_by_mig(st, MIG_Q_B_LIVE_IMPI, MIG_Q_B_DEAD_IMPI, "migration IMPI",
	                          impi, out);
}

int mig_binding_by_mig_impu(mig_store_t *st, const char *impu, struct mig_binding *out)
{
	return mig_binding_by_mig(st, MIG_Q_B_LIVE_IMPU, MIG_Q_B_DEAD_IMPU, "migration IMPU",
	                          impu, out);
}

int mig_binding_by_home(mig_store_t *st, enum mig_dir dir, const char *home_impi,
                        const char *peer_realm, struct mig_binding *out)
{
	int rc;

	if (dir != MIG_DIR_OUT && dir != MIG_DIR_IN)
		return mig_seterr(st, MIG_INVALID, "direction: must be out or in");
	if (home_impi == NULL || peer_realm == NULL)
		return mig_seterr(st, MIG_INVALID, "home IMPI and peer realm are required");
	rc = mig_binding_live_or_dead(st, MIG_Q_B_LIVE_HOME, MIG_Q_B_DEAD_HOME, out, "ttt",
	                              home_impi, mig_dir_name(dir), peer_realm);
	if (rc == MIG_NOTFOUND)
		return mig_seterr_about(st, MIG_NOTFOUND, "home IMPI", home_impi,
		                        "no binding for that direction and peer");
	return rc;
}

/* ---- Lists ------------------------------------------------------------- */

struct mig_binding_walk {
	mig_binding_cb cb;
	void *arg;
};

static int mig_binding_each(void *ctx, sqlite3_stmt *s)
{
	struct mig_binding_walk *w = ctx;
	struct mig_binding b;

	mig_binding_read(s, &b);
	return w->cb(w->arg, &b);
}

/*
 * The list query for the filters that are set.  Parameters keep fixed
 * numbers (?1 direction ... ?6 offset) whichever filters appear, so that
 * binding does not depend on the text.
 */
static void mig_list_sql(char *sql, size_t size, const struct mig_filter *f)
{
	snprintf(sql, size, "%sWHERE 1%s%s%s%s ORDER BY b.id LIMIT ?5 OFFSET ?6",
	         mig_sql_binding_select,
	         f->dir ? " AND b.direction = ?1" : "",
	         f->state ? " AND b.state = ?2" : "",
	         f->peer_realm ? mig_sql_peer_filter : "",
	         f->home_impi ? mig_sql_home_filter : "");
}

/* Bind the filter's values to the statement of mig_list_sql(). */
static int mig_list_bind(sqlite3_stmt *s, const struct mig_filter *f)
{
	int rc = sqlite3_bind_text(s, 1, f->dir ? mig_dir_name(f->dir) : NULL, -1, SQLITE_STATIC);

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 2, f->state ? mig_state_name(f->state) : NULL, -1,
		                       SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 3, f->peer_realm, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 4, f->home_impi, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 5, f->limit ? (int64_t)f->limit : -1);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 6, (int64_t)f->offset);
	return rc;
}

/* An administrative path: the statement is built per call, not cached. */
int mig_binding_list(mig_store_t *st, const struct mig_filter *f, mig_binding_cb cb,
                     void *arg)
{
	static const struct mig_filter all;
	struct mig_binding_walk w = { cb, arg };
	char sql[1024];
	sqlite3_stmt *s;
	int rc;

	mig_list_sql(sql, sizeof sql, f ? f : &all);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = mig_list_bind(s, f ? f : &all);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(s);
		return mig_dberr(st, rc, "list");
	}
	rc = mig_walk(st, s, mig_binding_each, &w);
	sqlite3_finalize(s);
	return rc;
}

struct mig_stat_walk {
	mig_stat_cb cb;
	void *arg;
};

static int mig_stat_each(void *ctx, sqlite3_stmt *s)
{
	struct mig_stat_walk *w = ctx;
	struct mig_stat r;
	int dir = mig_name_index(mig_dir_names, MIG_NNAMES(mig_dir_names),
	                         (const char *)sqlite3_column_text(s, 1));
	int state = mig_name_index(mig_state_names, MIG_NNAMES(mig_state_names),
	                           (const char *)sqlite3_column_text(s, 2));

	r.peer_realm = (const char *)sqlite3_column_text(s, 0);
	r.dir = (enum mig_dir)dir;
	r.state = (enum mig_state)state;
	r.count = (uint64_t)sqlite3_column_int64(s, 3);
	return w->cb(w->arg, &r);
}

int mig_binding_stats(mig_store_t *st, mig_stat_cb cb, void *arg)
{
	struct mig_stat_walk w = { cb, arg };

	return mig_walk(st, mig_query(st, MIG_Q_B_STATS, ""), mig_stat_each, &w);
}
