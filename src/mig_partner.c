/*
 * mig_partner.c: the systems we exchange users with, and which way each
 * may go.
 */
#include <stdio.h>

#include "mig_int.h"

/* Fill p from a row of MIG_Q_PARTNER_GET/LIST (same column order). */
static void mig_partner_read(sqlite3_stmt *s, struct mig_partner *p)
{
	mig_col_copy(p->realm, s, 0);
	mig_col_copy(p->sipdb, s, 1);
	p->allow_in = sqlite3_column_int(s, 2);
	p->allow_out = sqlite3_column_int(s, 3);
	p->obfuscate = sqlite3_column_int(s, 4);
	p->created = sqlite3_column_int64(s, 5);
}

/* "allow_in=1 allow_out=0 obfuscate=1 sipdb=..." for the audit detail. */
static void mig_partner_describe(const struct mig_partner *p, char *buf, size_t size)
{
	snprintf(buf, size, "allow_in=%d allow_out=%d obfuscate=%d sipdb=%s", !!p->allow_in,
	         !!p->allow_out, !!p->obfuscate, p->sipdb);
}

/* Write one partner-level audit row (not tied to a binding). */
static int mig_partner_audit(mig_store_t *st, const char *action, const char *realm,
                             const char *detail)
{
	struct mig_audit a = { .action = action, .realm = realm, .detail = detail };

	return mig_audit_add(st, &a);
}

/*
 * Upsert: a new partner gets created = now; an existing one keeps it.  The
 * flags are stored as 0/1 whatever non-zero value the caller used.
 */
int mig_partner_put(mig_store_t *st, const struct mig_partner *p)
{
	char detail[MIG_IDENT_MAX + 64];
	int rc;

	if (mig_check(st, mig_ident_check_realm, "partner realm", p->realm, 0) ||
	    mig_check(st, mig_ident_check_realm, "partner SIP database identity", p->sipdb, 1))
		return st->err;
	mig_partner_describe(p, detail, sizeof detail);
	rc = mig_tx_enter(st);
	if (rc != MIG_OK)
		return rc;
	rc = mig_exec(st, MIG_Q_PARTNER_PUT, "ttiiii", p->realm, p->sipdb,
	              (int64_t)!!p->allow_in, (int64_t)!!p->allow_out,
	              (int64_t)!!p->obfuscate, mig_store_now(st));
	if (rc == MIG_OK)
		rc = mig_partner_audit(st, "partner.put", p->realm, detail);
	return mig_tx_leave(st, rc);
}

/* mig_walk() callback for one row: read it and stop. */
static int mig_partner_one(void *ctx, sqlite3_stmt *s)
{
	mig_partner_read(s, ctx);
	return 1;
}

int mig_partner_get(mig_store_t *st, const char *realm, struct mig_partner *out)
{
	int rc;

	if (mig_check(st, mig_ident_check_realm, "partner realm", realm, 0))
		return st->err;
	out->realm[0] = '\0';
	rc = mig_walk(st, mig_query(st, MIG_Q_PARTNER_GET, "t", realm), mig_partner_one, out);
	if (rc == MIG_OK && out->realm[0] == '\0')
		rc = mig_seterr(st, MIG_NOTFOUND, "partner '%s' is not configured", realm);
	return rc;
}

struct mig_partner_walk {
	mig_partner_cb cb;
	void *arg;
};

static int mig_partner_each(void *ctx, sqlite3_stmt *s)
{
	struct mig_partner_walk *w = ctx;
	struct mig_partner p;

	mig_partner_read(s, &p);
	return w->cb(w->arg, &p);
}

int mig_partner_list(mig_store_t *st, mig_partner_cb cb, void *arg)
{
	struct mig_partner_walk w = { cb, arg };

	return mig_walk(st, mig_query(st, MIG_Q_PARTNER_LIST, ""), mig_partner_each, &w);
}

/*
 * Remove a partner.  Its live bindings would point nowhere: refuse, or with
 * force revoke them first.  Dead bindings keep the realm as history.
 */
static int mig_partner_remove_tx(mig_store_t *st, const char *realm, int force, size_t *revoked)
{
	struct mig_partner p;
	int64_t live = 0;
	int rc = mig_partner_get(st, realm, &p);

	if (rc == MIG_OK)
		rc = mig_fetch_ints(st, mig_query(st, MIG_Q_PARTNER_LIVE, "t", realm), &live, NULL,
		                    NULL);
	if (rc != MIG_OK)
		return rc;
	if (live && !force)
		return mig_seterr(st, MIG_CONFLICT, "partner '%s' has %lld live binding(s): revoke "
		                  "them first or force", realm, (long long)live);
	rc = mig_change(st, MIG_Q_A_REVOKE_PEER, MIG_Q_C_REVOKE_PEER, realm, 0,
	                "partner removed", revoked);
	if (rc == MIG_OK)
		rc = mig_exec(st, MIG_Q_PARTNER_DEL, "t", realm);
	if (rc == MIG_OK)
		rc = mig_partner_audit(st, "partner.remove", realm, force ? "forced" : "");
	return rc;
}

int mig_partner_remove(mig_store_t *st, const char *realm, int force, size_t *revoked)
{
	int rc = mig_tx_enter(st);

	if (revoked)
		*revoked = 0;
	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_partner_remove_tx(st, realm, force, revoked));
}
