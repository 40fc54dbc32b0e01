/*
 * mig_alloc.c: allocating a binding (TR 23.781 6.2 steps 4-6 on the primary
 * side, 9-11 on the partner side).
 *
 * Everything happens in one BEGIN IMMEDIATE transaction: the checks, the
 * choice of identities, the insert, the pool entry reservation and the
 * audit row.  Holding the write lock from the start means no other process
 * can take the same pool entry or home binding between check and insert;
 * the partial unique indexes of the schema are the backstop.
 */
#include <stdio.h>
#include <string.h>

#include "mig_int.h"

/* How many identities are tried before giving up with MIG_EXHAUSTED.  With
 * the default 80-bit random part a single collision is already unheard of;
 * the bound matters for small forms and for pools whose next entries are
 * taken by live bindings made otherwise. */
#define MIG_ALLOC_TRIES 16

/* Scratch of one allocation. */
struct mig_alloc {
	const struct mig_alloc_req *req;
	int64_t pool_id;  /* 0: random identities */
	int64_t entry_id; /* the pool entry being tried */
	int64_t id;       /* the new binding */
	int64_t now;
	char impi[MIG_IDENT_MAX + 1];
	char impu[MIG_IDENT_MAX + 1];
};

/* Input checks that need no database; each failure names the field. */
static int mig_alloc_check(mig_store_t *st, const struct mig_alloc_req *r)
{
	if (r->dir != MIG_DIR_OUT && r->dir != MIG_DIR_IN)
		return mig_seterr(st, MIG_INVALID, "direction: must be out or in");
	if (mig_check(st, mig_ident_check_impi, "home IMPI", r->home_impi, 0) ||
	    mig_check(st, mig_ident_check_impu, "home IMPU", r->home_impu, 0) ||
	    mig_check(st, mig_ident_check_realm, "peer realm", r->peer_realm, 0) ||
	    mig_check(st, mig_ident_check_realm, "primary SIP database identity",
	              r->peer_sipdb, 1))
		return st->err;
	if (r->dir == MIG_DIR_OUT && r->peer_sipdb && *r->peer_sipdb)
		return mig_seterr(st, MIG_INVALID, "primary SIP database identity: only for "
		                  "inbound bindings");
	if (r->lifetime < 0)
		return mig_seterr(st, MIG_INVALID, "lifetime %lld: must be >= 0",
		                  (long long)r->lifetime);
	if (r->pool == NULL && st->gen_realm[0] == '\0')
		return mig_seterr(st, MIG_INVALID, "random identities need a realm "
		                  "(mig_store_set_generator)");
	return MIG_OK;
}

/* The partner must exist and allow this direction. */
static int mig_alloc_partner(mig_store_t *st, const struct mig_alloc_req *r)
{
	struct mig_partner p;
	int rc = mig_partner_get(st, r->peer_realm, &p);

	if (rc != MIG_OK)
		return rc;
	if (r->dir == MIG_DIR_OUT && !p.allow_out)
		return mig_seterr(st, MIG_DENIED, "partner '%s' does not allow outbound migration "
		                  "(allow_out is off)", p.realm);
	if (r->dir == MIG_DIR_IN && !p.allow_in)
		return mig_seterr(st, MIG_DENIED, "partner '%s' does not allow inbound migration "
		                  "(allow_in is off)", p.realm);
	return MIG_OK;
}

/* LIMIT when the peer already has max_live live bindings.  Run inside the
 * allocation's BEGIN IMMEDIATE: no other writer can add one between this
 * count and the insert, so the limit holds exactly. */
static int mig_alloc_limit(mig_store_t *st, const struct mig_alloc_req *r)
{
	int64_t live = 0;
	int rc;

	if (r->max_live <= 0)
		return MIG_OK;
	rc = mig_fetch_ints(st, mig_query(st, MIG_Q_PARTNER_LIVE_UPTO, "ti", r->peer_realm,
	                                  r->max_live), &live, NULL, NULL);
	if (rc == MIG_OK && live >= r->max_live)
		return mig_seterr(st, MIG_LIMIT, "partner '%s' has %lld live bindings, its limit",
		                  r->peer_realm, (long long)live);
	return rc;
}

/* CONFLICT when (dir, home IMPI, peer) already has a live binding; out gets it. */
static int mig_alloc_unique(mig_store_t *st, const struct mig_alloc_req *r,
                            struct mig_binding *out)
{
	int rc = mig_binding_fetch(st, mig_query(st, MIG_Q_B_LIVE_HOME, "ttt", r->home_impi,
	                                         mig_dir_name(r->dir), r->peer_realm), out);

	if (rc == MIG_NOTFOUND)
		return MIG_OK;
	if (rc == MIG_OK)
		return mig_seterr_about(st, MIG_CONFLICT, "home IMPI", r->home_impi,
		                        "already has a live binding for this direction and peer");
	return rc;
}

/* mig_walk() callback: take the entry of the row. */
static int mig_alloc_entry(void *ctx, sqlite3_stmt *s)
{
	struct mig_alloc *a = ctx;

	a->entry_id = sqlite3_column_int64(s, 0);
	mig_col_copy(a->impi, s, 1);
	mig_col_copy(a->impu, s, 2);
	return 1;
}

/* The next free pool entry after the one last tried (ids only grow, so an
 * unchanged entry_id means there was none). */
static int mig_alloc_from_pool(mig_store_t *st, struct mig_alloc *a)
{
	int64_t before = a->entry_id;
	int rc = mig_walk(st, mig_query(st, MIG_Q_POOL_NEXT_FREE, "ii", a->pool_id, before),
	                  mig_alloc_entry, a);

	if (rc == MIG_OK && a->entry_id == before)
		return mig_seterr(st, MIG_EXHAUSTED, "pool '%s' has no free entry", a->req->pool);
	return rc;
}

/* A fresh random pair in the handle's form. */
static int mig_alloc_random(mig_store_t *st, struct mig_alloc *a)
{
	const char *why = mig_ident_random(a->impi, a->impu, st->gen_prefix, st->gen_chars,
	                                   st->gen_realm);

	if (why == mig_ident_rng_failed)
		return mig_seterr(st, MIG_IO, "identity generator: %s", why);
	if (why)
		return mig_seterr(st, MIG_INVALID, "identity generator: %s", why);
	return MIG_OK;
}

/* Insert the binding with the candidate identities.  MIG_CONFLICT means a
 * live binding already uses them: the caller tries the next candidate. */
static int mig_alloc_insert(mig_store_t *st, struct mig_alloc *a)
{
	const struct mig_alloc_req *r = a->req;
	int rc = mig_exec(st, MIG_Q_B_INSERT, "tttttttii", mig_dir_name(r->dir),
	                  a->impi, a->impu, r->home_impi, r->home_impu, r->peer_realm,
	                  r->peer_sipdb ? r->peer_sipdb : "", a->now,
	                  r->lifetime ? a->now + r->lifetime : (int64_t)0);

	a->id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

/* Candidates until one inserts, at most MIG_ALLOC_TRIES. */
static int mig_alloc_pick(mig_store_t *st, struct mig_alloc *a)
{
	int i, rc = MIG_OK;

	for (i = 0; i < MIG_ALLOC_TRIES; i++) {
		rc = a->pool_id ? mig_alloc_from_pool(st, a) : mig_alloc_random(st, a);
		if (rc == MIG_OK)
			rc = mig_alloc_insert(st, a);
		if (rc != MIG_CONFLICT)
			return rc;
	}
	if (a->pool_id)
		return mig_seterr(st, MIG_EXHAUSTED, "pool '%s': the next %d free entries are all "
		                  "used by live bindings", a->req->pool, MIG_ALLOC_TRIES);
	return mig_seterr(st, MIG_EXHAUSTED, "no unused random identity in %d tries (prefix "
	                  "'%s', %u characters): use a longer form", MIG_ALLOC_TRIES,
	                  st->gen_prefix, st->gen_chars);
}

/* The new binding as written (saves reading it back on the hot path). */
static void mig_alloc_result(const struct mig_alloc *a, struct mig_binding *b)
{
	const struct mig_alloc_req *r = a->req;

	memset(b, 0, sizeof *b);
	b->id = a->id;
	b->dir = r->dir;
	b->state = MIG_STATE_ALLOCATED;
	strcpy(b->mig_impi, a->impi);
	strcpy(b->mig_impu, a->impu);
	strcpy(b->home_impi, r->home_impi);
	strcpy(b->home_impu, r->home_impu);
	strcpy(b->peer_realm, r->peer_realm);
	strcpy(b->peer_sipdb, r->peer_sipdb ? r->peer_sipdb : "");
	strcpy(b->pool, a->pool_id ? r->pool : "");
	b->pool_entry = a->pool_id ? a->entry_id : 0;
	b->created = a->now;
	b->expires = r->lifetime ? a->now + r->lifetime : 0;
}

/* Everything after BEGIN: checks against the database, then the writes. */
static int mig_alloc_tx(mig_store_t *st, struct mig_alloc *a, struct mig_binding *out)
{
	const struct mig_alloc_req *r = a->req;
	char detail[MIG_IDENT_MAX + 64];
	int rc = mig_alloc_partner(st, r);

	if (rc == MIG_OK)
		rc = mig_alloc_unique(st, r, out);
	if (rc == MIG_OK)
		rc = mig_alloc_limit(st, r);
	if (rc == MIG_OK && r->pool)
		rc = mig_pool_id(st, r->pool, &a->pool_id);
	if (rc == MIG_OK)
		rc = mig_alloc_pick(st, a);
	if (rc == MIG_OK && a->pool_id)
		rc = mig_exec(st, MIG_Q_POOL_TAKE, "ii", a->entry_id, a->id);
	if (rc != MIG_OK)
		return rc;
	mig_alloc_result(a, out);
	snprintf(detail, sizeof detail, "%s%s lifetime=%lld", r->pool ? "pool=" : "random",
	         r->pool ? r->pool : "", (long long)r->lifetime);
	return mig_audit_binding(st, "allocate", out, detail);
}

int mig_binding_allocate(mig_store_t *st, const struct mig_alloc_req *req,
                         struct mig_binding *out)
{
	struct mig_alloc a = { .req = req, .now = mig_store_now(st) };
	int rc = mig_alloc_check(st, req);

	if (rc == MIG_OK)
		rc = mig_tx_enter(st);
	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_alloc_tx(st, &a, out));
}

/* ---- Batches ------------------------------------------------------------ */

/* Record the outcome of one item: its code and, on failure, the message. */
static void mig_alloc_item_done(mig_store_t *st, struct mig_alloc_item *it, int rc)
{
	it->rc = rc;
	snprintf(it->errmsg, sizeof it->errmsg, "%s", rc == MIG_OK ? "" : mig_store_errmsg(st));
}

/*
 * Each item in a savepoint of one transaction.  An error that undoes the
 * whole transaction (SQLite does so itself on I/O errors, a full disk, out
 * of memory) leaves the handle with no transaction open (depth 0): then
 * the items before were lost with it, and the batch stops.
 */
static int mig_alloc_batch_tx(mig_store_t *st, struct mig_alloc_item *items, size_t n,
                              int depth)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = mig_binding_allocate(st, &items[i].req, &items[i].b);
		if (st->depth != depth)
			return rc != MIG_OK ? rc : mig_seterr(st, MIG_DB, "transaction was rolled back");
		mig_alloc_item_done(st, &items[i], rc);
	}
	return MIG_OK;
}

int mig_binding_allocate_batch(mig_store_t *st, struct mig_alloc_item *items, size_t n)
{
	size_t i;
	int rc = mig_tx_enter(st), depth = st->depth;

	if (rc == MIG_OK) {
		rc = mig_alloc_batch_tx(st, items, n, depth);
		if (st->depth == depth) /* else SQLite undid it all already */
			rc = mig_tx_leave(st, rc);
	}
	for (i = 0; rc != MIG_OK && i < n; i++)
		mig_alloc_item_done(st, &items[i], rc);
	return rc;
}
