/*
 * mig_pool.c: named pools of provisioned migration identities, for
 * operators that must hand out identities known in advance (e.g. already
 * provisioned in a partner's systems) instead of random ones.
 */
#include <stdio.h>
#include <string.h>

#include "mig_int.h"

#define MIG_POOL_NAME_MAX 64

/* Pool names: 1..64 letters, digits, '-', '_', '.' (safe in a shell and a log). */
static const char *mig_pool_check_name(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0)
		return "empty";
	if (n > MIG_POOL_NAME_MAX)
		return "longer than 64 bytes";
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != n)
		return "only letters, digits, '-', '_' and '.' are allowed";
	return NULL;
}

int mig_pool_id(mig_store_t *st, const char *name, int64_t *id)
{
	int found = 0, rc;

	if (mig_check(st, mig_pool_check_name, "pool name", name, 0))
		return st->err;
	rc = mig_fetch_ints(st, mig_query(st, MIG_Q_POOL_ID, "t", name), id, NULL, &found);
	if (rc == MIG_OK && !found)
		rc = mig_seterr(st, MIG_NOTFOUND, "pool '%s' does not exist", name);
	return rc;
}

/* A pool-level audit row. */
static int mig_pool_audit(mig_store_t *st, const char *action, const char *name,
                          const char *detail)
{
	char d[MIG_POOL_NAME_MAX + 64];
	struct mig_audit a = { .action = action, .detail = d };

	snprintf(d, sizeof d, "pool=%s%s%s", name, *detail ? " " : "", detail);
	return mig_audit_write(st, &a);
}

static int mig_pool_create_tx(mig_store_t *st, const char *name)
{
	int rc = mig_exec(st, MIG_Q_POOL_CREATE, "ti", name, mig_store_now(st));

	if (rc == MIG_CONFLICT)
		return mig_seterr(st, MIG_CONFLICT, "pool '%s' already exists", name);
	return rc == MIG_OK ? mig_pool_audit(st, "pool.create", name, "") : rc;
}

int mig_pool_create(mig_store_t *st, const char *name)
{
	int rc = mig_check(st, mig_pool_check_name, "pool name", name, 0);

	if (rc == MIG_OK)
		rc = mig_tx_enter(st);
	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_pool_create_tx(st, name));
}

/* One entry: syntax first (named by its index), then the insert, whose only
 * possible constraint failure is an identity already in some pool. */
static int mig_pool_add_one(mig_store_t *st, int64_t pool_id, size_t i,
                            const struct mig_pool_entry *e)
{
	const char *why_impi = mig_ident_check_impi(e->impi);
	const char *why_impu = why_impi ? NULL : mig_ident_check_impu(e->impu);
	char what[64];
	int rc;

	if (why_impi || why_impu) {
		snprintf(what, sizeof what, "pool entry %zu: %s", i, why_impi ? "IMPI" : "IMPU");
		return mig_badarg(st, what, why_impi ? e->impi : e->impu,
		                  why_impi ? why_impi : why_impu);
	}
	rc = mig_exec(st, MIG_Q_POOL_ADD, "itt", pool_id, e->impi, e->impu);
	if (rc == MIG_CONFLICT)
		return mig_seterr_about(st, MIG_CONFLICT, "pool entry IMPI", e->impi,
		                        "this IMPI or its IMPU is already in a pool");
	return rc;
}

static int mig_pool_add_tx(mig_store_t *st, const char *pool,
                           const struct mig_pool_entry *entries, size_t n, size_t *bad)
{
	char detail[48];
	int64_t pool_id;
	size_t i;
	int rc = mig_pool_id(st, pool, &pool_id);

	for (i = 0; rc == MIG_OK && i < n; i++)
		rc = mig_pool_add_one(st, pool_id, i, &entries[i]);
	if (rc != MIG_OK) {
		if (bad)
			*bad = i ? i - 1 : 0;
		return rc;
	}
	snprintf(detail, sizeof detail, "added=%zu", n);
	return mig_pool_audit(st, "pool.add", pool, detail);
}

int mig_pool_add(mig_store_t *st, const char *pool, const struct mig_pool_entry *entries,
                 size_t n, size_t *bad)
{
	int rc = mig_tx_enter(st);

	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_pool_add_tx(st, pool, entries, n, bad));
}

struct mig_pool_walk {
	mig_pool_cb cb;
	void *arg;
};

static int mig_pool_each(void *ctx, sqlite3_stmt *s)
{
	struct mig_pool_walk *w = ctx;
	struct mig_pool_info p;

	p.name = (const char *)sqlite3_column_text(s, 0);
	p.created = sqlite3_column_int64(s, 1);
	p.total = (uint64_t)sqlite3_column_int64(s, 2);
	p.free = (uint64_t)sqlite3_column_int64(s, 3);
	return w->cb(w->arg, &p);
}

int mig_pool_list(mig_store_t *st, mig_pool_cb cb, void *arg)
{
	struct mig_pool_walk w = { cb, arg };

	return mig_walk(st, mig_query(st, MIG_Q_POOL_LIST, ""), mig_pool_each, &w);
}

/* Counts of one pool (MIG_Q_POOL_GET: total, then free). */
int mig_pool_get(mig_store_t *st, const char *name, uint64_t *total, uint64_t *free_)
{
	int64_t id, t = 0, f = 0;
	int rc = mig_pool_id(st, name, &id);

	if (rc == MIG_OK)
		rc = mig_fetch_ints(st, mig_query(st, MIG_Q_POOL_GET, "i", id), &t, &f, NULL);
	*total = (uint64_t)t;
	*free_ = (uint64_t)f;
	return rc;
}

/*
 * Remove a pool.  Entries of dead bindings go silently (the bindings keep
 * their identities); entries of live bindings block, or with force their
 * bindings are revoked first.
 */
static int mig_pool_remove_tx(mig_store_t *st, const char *name, int force, size_t *revoked)
{
	int64_t id, live = 0;
	int rc = mig_pool_id(st, name, &id);

	if (rc == MIG_OK)
		rc = mig_fetch_ints(st, mig_query(st, MIG_Q_POOL_LIVE, "i", id), &live, NULL, NULL);
	if (rc != MIG_OK)
		return rc;
	if (live && !force)
		return mig_seterr(st, MIG_CONFLICT, "pool '%s' has %lld entries in live bindings: "
		                  "revoke them first or force", name, (long long)live);
	rc = mig_change(st, MIG_Q_A_REVOKE_POOL, MIG_Q_C_REVOKE_POOL, NULL, id,
	                "pool removed", revoked);
	if (rc == MIG_OK)
		rc = mig_exec(st, MIG_Q_POOL_DEL, "i", id);
	return rc == MIG_OK ? mig_pool_audit(st, "pool.remove", name, force ? "forced" : "") : rc;
}

int mig_pool_remove(mig_store_t *st, const char *name, int force, size_t *revoked)
{
	int rc = mig_tx_enter(st);

	if (revoked)
		*revoked = 0;
	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_pool_remove_tx(st, name, force, revoked));
}
