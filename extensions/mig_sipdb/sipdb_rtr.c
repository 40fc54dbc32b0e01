/*
 * sipdb_rtr.c: registration terminations we originate (TR 23.781 6.2.3):
 * when a registered binding is revoked or expires, the S-CSCF holding the
 * registration must drop it.
 *
 * The store queues them (schema 3: a trigger writes a pending_rtr row in
 * the transaction that ends the binding, whichever process -- migctl, or
 * our own housekeeping -- ends it), so a revocation cannot be lost between
 * processes or across a restart.  One thread here, with its own store
 * handle, polls the queue every RTR_POLL_MS and sends what is due:
 *
 *   outbound binding (we are the primary): RTR to the partner's SIP
 *     database (Destination-Realm = partner, Destination-Host = its sipdb),
 *     User-Name/Public-Identity = the identities the partner knows;
 *     the partner's broker maps them and passes the RTR to its S-CSCF
 *     (sipdb_push.c);
 *   inbound binding (revoked here, at the partner): RTR straight to the
 *     S-CSCF that registered it, under the inbound identities;
 *
 * both with Deregistration-Reason { Reason-Code PERMANENT_TERMINATION }.
 * Before sending, the row's next attempt is set (backoff 2^attempts s, at
 * most RTR_BACKOFF_MAX_S, after the request's own deadline: twice
 * timeout_ms and a second, as the partner's broker has a deadline of its
 * own toward its S-CSCF), so a row is
 * never sent twice at once.  An answer ends the row (audit "rtr", with the
 * result), success or a final error -- except a protocol error (3xxx:
 * 3002 DIAMETER_UNABLE_TO_DELIVER from our own freeDiameter when the
 * partner is unreachable, or from the partner's broker when its S-CSCF is,
 * 3004 too busy): then, as with no answer at all, the row waits for its
 * next attempt.  Past
 * rtr_retry_for seconds after the binding ended, the row is given up
 * (audit "rtr-abandoned").  Kamailio answers nothing to an RTR for an
 * identity it does not hold: the partner's broker turns that silence into
 * 5003 IDENTITY_NOT_REGISTERED, which ends the row (sipdb_push.c); for an
 * RTR we send straight to our S-CSCF, its silence past the deadline ends
 * the row the same way.
 *
 * Only this thread writes pending_rtr: freeDiameter's callbacks hand their
 * outcome over through a small list.  The same thread runs the store's
 * expiry every RTR_EXPIRE_EVERY_S, which queues the RTRs of registered
 * bindings that expire.
 */
#include <pthread.h>
#include <strings.h>

#include "sipdb.h"

#define RTR_POLL_MS 250
#define RTR_BATCH 16
#define RTR_BACKOFF_MAX_S 60
#define RTR_EXPIRE_EVERY_S 5
#define RTR_FORGET_S 120          /* a context no callback came for */
#define RTR_DEADLINE_MS (2 * sipdb_conf->timeout_ms + 1000)

/* One RTR in flight; freed by whichever callback ends it. */
struct rtr_ctx {
	struct fd_list chain;
	int64_t row;
	time_t sent;
	int silence_ends;          /* sent straight to an S-CSCF: no answer ends it */
};

/* An outcome, from a callback to the thread. */
struct rtr_outcome {
	struct fd_list chain;
	int64_t row;
	int done;                  /* answered: remove the row */
	char detail[MIG_IDENT_MAX + 1];
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fd_list inflight;   /* struct rtr_ctx */
	struct fd_list outcomes;   /* struct rtr_outcome */
	int stop, started;
	pthread_t thr;
} rtr = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
          FD_LIST_INITIALIZER(rtr.inflight), FD_LIST_INITIALIZER(rtr.outcomes), 0, 0, 0 };

/* ---- callbacks: hand the outcome to the thread ------------------------- */

static void rtr_hand_over(struct rtr_ctx *c, int done, const char *detail)
{
	struct rtr_outcome *o = calloc(1, sizeof(*o));

	pthread_mutex_lock(&rtr.lock);
	fd_list_unlink(&c->chain);
	if (o) {
		fd_list_init(&o->chain, o);
		o->row = c->row;
		o->done = done;
		snprintf(o->detail, sizeof(o->detail), "%s", detail);
		fd_list_insert_before(&rtr.outcomes, &o->chain);
		pthread_cond_signal(&rtr.cond);
	}
	pthread_mutex_unlock(&rtr.lock);
	free(c);
}

/* An answer: the end of the row, unless it is a protocol error (3xxx),
 * such as the 3002 our own daemon makes when it cannot route the request. */
static void rtr_answer_cb(void *data, struct msg **ans)
{
	char origin[MIG_IDENT_MAX + 1], detail[MIG_IDENT_MAX + 1];
	uint32_t code = sipdb_answer_code(*ans);
	int again = code / 1000 == 3;

	if (sipdb_avp_ident(*ans, sipdb_dict.origin_host, origin, NULL))
		origin[0] = '\0';
	snprintf(detail, sizeof(detail), "%s %u by %s", again ? "not delivered:" : "answered", code,
	         origin);
	if (!again)
		atomic_fetch_add(&sipdb_stats.rtr_done, 1);
	fd_log_notice("mig_sipdb: RTR (pending row %lld) %s", (long long)((struct rtr_ctx *)data)->row,
	              detail);
	rtr_hand_over(data, !again, detail);
	fd_msg_free(*ans);
	*ans = NULL;
}

/* No answer: try again later -- unless the RTR went straight to an S-CSCF,
 * whose silence means it does not hold the registration (Kamailio). */
static void rtr_expire_cb(void *data, DiamId_t sentto, size_t len, struct msg **req)
{
	struct rtr_ctx *c = data;
	int done = c->silence_ends;

	(void)sentto;
	(void)len;
	fd_log_notice("mig_sipdb: RTR (pending row %lld): no answer before the deadline",
	              (long long)c->row);
	if (done)
		atomic_fetch_add(&sipdb_stats.rtr_done, 1);
	rtr_hand_over(c, done, done ? "no answer: the S-CSCF does not hold the registration"
	                            : "no answer");
	fd_msg_free(*req);
	*req = NULL;
}

/* ---- building and sending ---------------------------------------------- */

/* Where the RTR of binding b goes and what it says; 0, or ENOENT with *why
 * when it can never be sent (give the row up).  ids points into m (not a
 * local of rtr_target: AddressSanitizer caught the RTR reading identities
 * from a dead stack frame). */
struct rtr_target {
	const char *realm, *host;
	struct sipdb_ids ids;
	const struct mig_partner_conf *p;   /* outbound: the partner */
	char host_buf[MIG_IDENT_MAX + 1];
	struct sipdb_match m;               /* outbound: what ids point into */
};

static int rtr_target(mig_store_t *st, const struct mig_binding *b, struct rtr_target *t,
                      const char **why)
{
	memset(t, 0, sizeof(*t));
	t->m.b = *b;
	if (mig_binding_host(st, b->id, t->host_buf))
		t->host_buf[0] = '\0';
	if (b->dir == MIG_DIR_IN) {
		*why = "no S-CSCF known for the binding";
		t->realm = sipdb_conf->realm;
		t->host = t->host_buf;
		t->ids.impi = b->mig_impi;
		t->ids.impu = b->mig_impu;
		return t->host[0] ? 0 : ENOENT;
	}
	*why = "partner no longer configured";
	t->m.p = t->p = mig_config_partner(sipdb_conf, b->peer_realm);
	if (!t->p)
		return ENOENT;
	t->realm = t->p->realm;
	t->host = t->p->sipdb[0] ? t->p->sipdb : t->host_buf;
	t->ids = sipdb_partner_ids(&t->m);
	return 0;
}

static int rtr_build(const struct rtr_target *t, struct msg **out)
{
	struct avp *dr;
	struct msg *m = NULL;

	CHECK_FCT(fd_msg_new(sipdb_dict.cmd[SIPDB_RTR], MSGFL_ALLOC_ETEID, &m));
	*out = m;
	CHECK_FCT(fd_msg_new_session(m, (os0_t)"mig", 3));
	CHECK_FCT(sipdb_avp_add_cx_app(m));
	CHECK_FCT(fd_msg_add_origin(m, 0));
	CHECK_FCT(sipdb_avp_add_str(m, sipdb_dict.dest_host, t->host));
	CHECK_FCT(sipdb_avp_add_str(m, sipdb_dict.dest_realm, t->realm));
	CHECK_FCT(sipdb_avp_add_str(m, sipdb_dict.user_name, t->ids.impi));
	CHECK_FCT(sipdb_avp_add_str(m, sipdb_dict.public_identity, t->ids.impu));
	CHECK_FCT(fd_msg_avp_new(sipdb_dict.dereg_reason, 0, &dr));
	CHECK_FCT(fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, dr));
	CHECK_FCT(sipdb_avp_add_u32(dr, sipdb_dict.reason_code, 0 /* PERMANENT_TERMINATION */));
	return sipdb_avp_add_str(dr, sipdb_dict.reason_info, "migration ended");
}

/* Send one RTR for row; the row's next attempt is already set. */
static int rtr_send(int64_t row, const struct rtr_target *t)
{
	struct rtr_ctx *c = calloc(1, sizeof(*c));
	struct timespec deadline;
	struct msg *m = NULL;
	int rc;

	if (!c)
		return ENOMEM;
	fd_list_init(&c->chain, c);
	c->row = row;
	c->sent = time(NULL);
	c->silence_ends = t->p == NULL;
	rc = rtr_build(t, &m);
	if (rc) {
		fd_msg_free(m);
		free(c);
		return rc;
	}
	pthread_mutex_lock(&rtr.lock);
	fd_list_insert_before(&rtr.inflight, &c->chain);
	pthread_mutex_unlock(&rtr.lock);
	/* Twice ours and a second: the partner's broker waits for its S-CSCF
	 * with a deadline of its own, and answers when it passes. */
	deadline = sipdb_after_ms(RTR_DEADLINE_MS);
	rc = fd_msg_send_timeout(&m, rtr_answer_cb, c, rtr_expire_cb, &deadline);
	if (rc) {
		fd_msg_free(m);
		pthread_mutex_lock(&rtr.lock);
		fd_list_unlink(&c->chain);
		pthread_mutex_unlock(&rtr.lock);
		free(c);
		return rc;
	}
	atomic_fetch_add(&sipdb_stats.rtr_sent, 1);
	fd_log_notice("mig_sipdb: RTR for '%s' sent to '%s' (realm '%s')", t->ids.impi, t->host,
	              t->realm);
	return 0;
}

/* ---- the thread -------------------------------------------------------- */

static void rtr_give_up(mig_store_t *st, const struct mig_rtr *r, const char *why)
{
	char detail[2 * MIG_IDENT_MAX];

	snprintf(detail, sizeof(detail), "%s after %lld attempt(s)%s%s", why,
	         (long long)r->attempts, r->last_error[0] ? "; last: " : "", r->last_error);
	fd_log_error("mig_sipdb: RTR for binding %lld given up: %s", (long long)r->binding_id,
	             detail);
	atomic_fetch_add(&sipdb_stats.rtr_abandoned, 1);
	if (mig_rtr_finish(st, r->id, "rtr-abandoned", detail) != MIG_OK)
		fd_log_error("mig_sipdb: pending RTR %lld: %s", (long long)r->id, mig_store_errmsg(st));
}

/* Seconds before the attempt after attempts ones: the deadline, then
 * 1, 2, 4 ... RTR_BACKOFF_MAX_S. */
static int64_t rtr_backoff(int64_t attempts)
{
	int64_t b = attempts < 6 ? (int64_t)1 << attempts : RTR_BACKOFF_MAX_S;

	return (b > RTR_BACKOFF_MAX_S ? RTR_BACKOFF_MAX_S : b) + RTR_DEADLINE_MS / 1000 + 1;
}

/* Decide about one due row: give up, or send (after noting the attempt). */
static void rtr_try(mig_store_t *st, const struct mig_rtr *r)
{
	int64_t now = mig_store_now(st);
	struct rtr_target t;
	struct mig_binding b;
	const char *why = NULL;
	int rc;

	if (sipdb_conf->rtr_retry_for && now - r->created > (int64_t)sipdb_conf->rtr_retry_for)
		why = "retried for too long";
	else if (mig_binding_get(st, r->binding_id, &b) != MIG_OK)
		why = "binding purged";
	else if (rtr_target(st, &b, &t, &why) == 0)
		why = NULL;
	if (why) {
		rtr_give_up(st, r, why);
		return;
	}
	if (mig_rtr_attempt(st, r->id, now + rtr_backoff(r->attempts)) != MIG_OK) {
		fd_log_error("mig_sipdb: pending RTR %lld: %s", (long long)r->id, mig_store_errmsg(st));
		return;
	}
	if (t.p && !sipdb_peer_dest_ok(t.p, &why))
		rc = EACCES;
	else
		rc = rtr_send(r->id, &t);
	if (rc && mig_rtr_failed(st, r->id, why ? why : strerror(rc)) != MIG_OK)
		fd_log_error("mig_sipdb: pending RTR %lld: %s", (long long)r->id, mig_store_errmsg(st));
}

struct rtr_due {
	struct mig_rtr r[RTR_BATCH];
	size_t n;
};

static int rtr_collect(void *arg, const struct mig_rtr *r)
{
	struct rtr_due *d = arg;

	d->r[d->n++] = *r;
	return d->n == RTR_BATCH;
}

/* Apply the outcomes the callbacks handed over. */
static void rtr_apply_outcomes(mig_store_t *st)
{
	struct fd_list done = FD_LIST_INITIALIZER(done);

	pthread_mutex_lock(&rtr.lock);
	while (!FD_IS_LIST_EMPTY(&rtr.outcomes)) {
		struct fd_list *li = rtr.outcomes.next;

		fd_list_unlink(li);
		fd_list_insert_before(&done, li);
	}
	pthread_mutex_unlock(&rtr.lock);
	while (!FD_IS_LIST_EMPTY(&done)) {
		struct rtr_outcome *o = done.next->o;
		int rc = o->done ? mig_rtr_finish(st, o->row, "rtr", o->detail)
		                 : mig_rtr_failed(st, o->row, o->detail);

		if (rc != MIG_OK && rc != MIG_NOTFOUND)
			fd_log_error("mig_sipdb: pending RTR %lld: %s", (long long)o->row,
			             mig_store_errmsg(st));
		fd_list_unlink(&o->chain);
		free(o);
	}
}

/* Forget contexts no callback came for (freeDiameter drops some answers
 * without calling either callback). */
static void rtr_forget_stale(void)
{
	time_t now = time(NULL);
	struct fd_list *li, *next;

	pthread_mutex_lock(&rtr.lock);
	for (li = rtr.inflight.next; li != &rtr.inflight; li = next) {
		struct rtr_ctx *c = li->o;

		next = li->next;
		if (now - c->sent > RTR_FORGET_S) {
			fd_list_unlink(&c->chain);
			free(c);
		}
	}
	pthread_mutex_unlock(&rtr.lock);
}

/* One round: outcomes, housekeeping, due rows. */
static void rtr_round(mig_store_t *st, time_t *last_expire)
{
	struct rtr_due due = { .n = 0 };
	size_t i, n;

	rtr_apply_outcomes(st);
	if (time(NULL) - *last_expire >= RTR_EXPIRE_EVERY_S) {
		*last_expire = time(NULL);
		if (mig_binding_expire(st, &n) != MIG_OK)
			fd_log_error("mig_sipdb: expiry: %s", mig_store_errmsg(st));
		rtr_forget_stale();
	}
	if (mig_rtr_due(st, mig_store_now(st), RTR_BATCH, rtr_collect, &due) != MIG_OK)
		fd_log_error("mig_sipdb: pending RTRs: %s", mig_store_errmsg(st));
	for (i = 0; i < due.n; i++)
		rtr_try(st, &due.r[i]);
}

static void *rtr_thread(void *unused)
{
	mig_store_t *st = sipdb_db_open();
	time_t last_expire = 0;
	struct timespec t;

	(void)unused;
	fd_log_threadname("mig_sipdb rtr");
	/* No fd_core_waitstartcomplete() here: it never returns when start-up
	 * fails, and fini joins this thread.  What is sent before the peers are
	 * up comes back as a local 3002 and is tried again. */
	pthread_mutex_lock(&rtr.lock);
	while (!rtr.stop && st) {
		pthread_mutex_unlock(&rtr.lock);
		rtr_round(st, &last_expire);
		pthread_mutex_lock(&rtr.lock);
		t = sipdb_after_ms(RTR_POLL_MS);
		if (!rtr.stop && FD_IS_LIST_EMPTY(&rtr.outcomes))
			pthread_cond_timedwait(&rtr.cond, &rtr.lock, &t);
	}
	pthread_mutex_unlock(&rtr.lock);
	mig_store_close(st);
	return NULL;
}

int sipdb_rtr_init(void)
{
	CHECK_POSIX(pthread_create(&rtr.thr, NULL, rtr_thread, NULL));
	rtr.started = 1;
	return 0;
}

void sipdb_rtr_fini(void)
{
	if (!rtr.started)
		return;
	pthread_mutex_lock(&rtr.lock);
	rtr.stop = 1;
	pthread_cond_signal(&rtr.cond);
	pthread_mutex_unlock(&rtr.lock);
	pthread_join(rtr.thr, NULL);
	rtr.started = 0;
	while (!FD_IS_LIST_EMPTY(&rtr.inflight)) {
		struct rtr_ctx *c = rtr.inflight.next->o;

		fd_list_unlink(&c->chain);
		free(c);
	}
	while (!FD_IS_LIST_EMPTY(&rtr.outcomes)) {
		struct rtr_outcome *o = rtr.outcomes.next->o;

		fd_list_unlink(&o->chain);
		free(o);
	}
}
