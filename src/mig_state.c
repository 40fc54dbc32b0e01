/*
 * mig_state.c: state changes of bindings.
 *
 *   allocated <-> registered      (mig_binding_register / _unregister)
 *   allocated|registered -> revoked   (operator, partner or pool removal)
 *   allocated|registered -> expired   (mig_binding_expire, past expires)
 *   revoked|expired -> deleted        (mig_binding_purge)
 *
 * Revoked and expired are final: a binding never comes back to life, a new
 * allocation makes a new binding.
 */
#include <stdio.h>
#include <string.h>

#include "mig_int.h"

/* Bind ?1 now, ?2 actor, ?3 detail, ?4 key to q and run it. */
static int mig_change_run(mig_store_t *st, enum mig_q q, int64_t now, const char *key_text,
                          int64_t key_num, const char *detail)
{
	if (key_text)
		return mig_exec(st, q, "ittt", now, st->actor, detail, key_text);
	return mig_exec(st, q, "itti", now, st->actor, detail, key_num);
}

/*
 * A bulk change and its audit rows, atomic together: the audit statement
 * selects the rows the change is about to touch (same WHERE clause, same
 * transaction, so the same rows), then the change runs.
 */
int mig_change(mig_store_t *st, enum mig_q qa, enum mig_q qc, const char *key_text,
               int64_t key_num, const char *detail, size_t *n)
{
	int64_t now = mig_store_now(st);
	int rc = mig_tx_enter(st);

	if (n)
		*n = 0;
	if (rc != MIG_OK)
		return rc;
	detail = detail ? detail : "";
	rc = mig_change_run(st, qa, now, key_text, key_num, detail);
	if (rc == MIG_OK)
		rc = mig_change_run(st, qc, now, key_text, key_num, detail);
	if (rc == MIG_OK && n)
		*n = (size_t)sqlite3_changes(st->db);
	return mig_tx_leave(st, rc);
}

/* CONFLICT for a binding that may no longer change state. */
static int mig_not_live(mig_store_t *st, const struct mig_binding *b)
{
	return mig_seterr(st, MIG_CONFLICT, "binding %lld is %s", (long long)b->id,
	                  b->state == MIG_STATE_REVOKED || b->state == MIG_STATE_EXPIRED
	                          ? mig_state_name(b->state) : "past its expiry");
}

/*
 * Set the registration of binding id: server non-NULL registers there,
 * NULL goes back to allocated.  Audited only when state or server changes,
 * so that periodic re-registrations do not flood the log.
 */
static int mig_set_server_tx(mig_store_t *st, int64_t id, const char *server)
{
	struct mig_binding b;
	enum mig_state to = server ? MIG_STATE_REGISTERED : MIG_STATE_ALLOCATED;
	int64_t now = mig_store_now(st);
	int rc = mig_binding_get(st, id, &b);

	if (rc != MIG_OK)
		return rc;
	if (!mig_binding_live(&b, now))
		return mig_not_live(st, &b);
	rc = mig_exec(st, MIG_Q_B_SET_SERVER, "itti", id, mig_state_name(to), server,
	              server ? now : b.last_used);
	if (rc != MIG_OK || (b.state == to && strcmp(b.server, server ? server : "") == 0))
		return rc;
	snprintf(b.server, sizeof b.server, "%s", server ? server : "");
	return mig_audit_binding(st, server ? "register" : "unregister", &b, server);
}

static int mig_set_server(mig_store_t *st, int64_t id, const char *server)
{
	int rc = mig_tx_enter(st);

	if (rc != MIG_OK)
		return rc;
	return mig_tx_leave(st, mig_set_server_tx(st, id, server));
}

int mig_binding_register(mig_store_t *st, int64_t id, const char *server)
{
	if (mig_check(st, mig_ident_check_server, "server name", server, 0))
		return st->err;
	return mig_set_server(st, id, server);
}

int mig_binding_unregister(mig_store_t *st, int64_t id)
{
	return mig_set_server(st, id, NULL);
}

/* last_used only; a write transaction of its own all the same (see tx_enter). */
int mig_binding_touch(mig_store_t *st, int64_t id)
{
	int rc = mig_tx_enter(st);

	if (rc != MIG_OK)
		return rc;
	rc = mig_exec(st, MIG_Q_B_TOUCH, "ii", id, mig_store_now(st));
	if (rc == MIG_OK && sqlite3_changes(st->db) == 0)
		rc = mig_seterr(st, MIG_NOTFOUND, "no binding with id %lld", (long long)id);
	return mig_tx_leave(st, rc);
}

/* Revoking nothing is fine, except that an unknown id is worth saying. */
int mig_binding_revoke(mig_store_t *st, int64_t id, const char *reason, size_t *n)
{
	struct mig_binding b;
	size_t changed = 0;
	int rc = mig_change(st, MIG_Q_A_REVOKE_ID, MIG_Q_C_REVOKE_ID, NULL, id, reason, &changed);

	if (rc == MIG_OK && changed == 0)
		rc = mig_binding_get(st, id, &b);
	if (n)
		*n = changed;
	return rc;
}

int mig_binding_revoke_user(mig_store_t *st, const char *home_impi, const char *reason,
                            size_t *n)
{
	if (home_impi == NULL)
		return mig_badarg(st, "home IMPI", NULL, "");
	return mig_change(st, MIG_Q_A_REVOKE_USER, MIG_Q_C_REVOKE_USER, home_impi, 0, reason, n);
}

int mig_binding_revoke_partner(mig_store_t *st, const char *realm, const char *reason,
                               size_t *n)
{
	if (realm == NULL)
		return mig_badarg(st, "partner realm", NULL, "");
	return mig_change(st, MIG_Q_A_REVOKE_PEER, MIG_Q_C_REVOKE_PEER, realm, 0, reason, n);
}

int mig_binding_expire(mig_store_t *st, size_t *n)
{
	return mig_change(st, MIG_Q_A_EXPIRE, MIG_Q_C_EXPIRE, NULL, mig_store_now(st), NULL, n);
}

int mig_binding_purge(mig_store_t *st, int64_t before, size_t *n)
{
	return mig_change(st, MIG_Q_A_PURGE, MIG_Q_C_PURGE, NULL, before, NULL, n);
}
