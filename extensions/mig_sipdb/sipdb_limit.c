/*
 * sipdb_limit.c: admission -- what one partner, or everyone together, may
 * cost the broker (doc/RELIABILITY.md, "Hostile partners: limits" and
 * "Overload").
 *
 * Three limits, each answered with DIAMETER_TOO_BUSY (3004, a base
 * Result-Code) before any expensive work:
 *
 *   rate      a token bucket per partner (partners[].limits.rps, .burst)
 *             for the requests that arrive from its system (Origin-Realm:
 *             MAR, SAR, UAR, LIR, RTR, PPR) and the allocations for it;
 *             checked at handler entry, before parsing and look-ups;
 *   bindings  live bindings per partner (partners[].limits.bindings),
 *             counted inside the allocating transaction (mig_alloc.c), so
 *             exact however many threads and processes allocate;
 *   in flight requests forwarded and not yet answered (max_inflight), for
 *             all partners and our own nodes together: the broker's own
 *             memory and the next hop's queue stay bounded.  Checked at
 *             handler entry (cheap, approximate) and reserved exactly in
 *             sipdb_fwd before the request is copied.
 *
 * A refusal only increments an atomic.  The writer thread (sipdb_db.c)
 * calls sipdb_limit_flush about once a second: one audit row "too-busy"
 * per partner that was refused anything in that second (with the counts),
 * one for the in-flight limit, and the running totals busy.rps,
 * busy.bindings, busy.inflight for migctl stats.  A flood of refusals thus
 * costs at most one audit row per partner per second, written off the
 * request path.
 */
#include <pthread.h>
#include <time.h>

#include "sipdb.h"

enum limit_kind { LIMIT_RPS, LIMIT_BINDINGS, LIMIT_INFLIGHT, LIMIT_NKINDS };
static const char *const limit_counter[LIMIT_NKINDS] = { "busy.rps", "busy.bindings",
	                                                  "busy.inflight" };

/* A partner's bucket and refusals; refused[] is written by any thread,
 * audited[] only by the writer thread. */
struct limit_partner {
	pthread_mutex_t lock;
	double tokens;
	struct timespec last; /* CLOCK_MONOTONIC of the last refill */
	atomic_ulong refused[LIMIT_NKINDS];
	unsigned long audited[LIMIT_NKINDS];
};

static struct limit_partner *limit_partners; /* parallel to sipdb_conf->partners */
static atomic_ulong limit_inflight;          /* forwarded, not yet answered */
static atomic_ulong limit_overload;          /* refused for max_inflight */
static unsigned long limit_overload_audited;
static unsigned long limit_counted[LIMIT_NKINDS]; /* added to the store's counters */

static struct limit_partner *limit_of(const struct mig_partner_conf *p)
{
	return limit_partners && p ? &limit_partners[p - sipdb_conf->partners] : NULL;
}

int sipdb_limit_init(void)
{
	size_t i;

	CHECK_MALLOC(limit_partners = calloc(sipdb_conf->n_partners ? sipdb_conf->n_partners : 1,
	                                     sizeof(*limit_partners)));
	for (i = 0; i < sipdb_conf->n_partners; i++) {
		CHECK_POSIX(pthread_mutex_init(&limit_partners[i].lock, NULL));
		limit_partners[i].tokens = sipdb_conf->partners[i].burst;
		clock_gettime(CLOCK_MONOTONIC, &limit_partners[i].last);
	}
	return 0;
}

void sipdb_limit_fini(void)
{
	free(limit_partners);
	limit_partners = NULL;
}

/* ---- the checks ---------------------------------------------------------- */

/* Take a token from p's bucket, refilled at max_rps per second up to burst:
 * 1 when there was one (or p has no rate limit). */
static int limit_take(const struct mig_partner_conf *p, struct limit_partner *l)
{
	struct timespec now;
	double secs;
	int ok;

	if (!p->max_rps)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&l->lock);
	secs = (double)(now.tv_sec - l->last.tv_sec) + (double)(now.tv_nsec - l->last.tv_nsec) / 1e9;
	l->last = now;
	l->tokens += secs * p->max_rps;
	if (l->tokens > p->burst)
		l->tokens = p->burst;
	ok = l->tokens >= 1.0;
	if (ok)
		l->tokens -= 1.0;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

int sipdb_limit_rate_ok(const struct mig_partner_conf *p)
{
	struct limit_partner *l = limit_of(p);

	if (!l || limit_take(p, l))
		return 1;
	atomic_fetch_add(&l->refused[LIMIT_RPS], 1);
	return 0;
}

void sipdb_limit_bindings_refused(const struct mig_partner_conf *p)
{
	struct limit_partner *l = limit_of(p);

	if (l)
		atomic_fetch_add(&l->refused[LIMIT_BINDINGS], 1);
}

int sipdb_limit_fwd_enter(void)
{
	if (atomic_fetch_add(&limit_inflight, 1) < sipdb_conf->max_inflight)
		return 1;
	atomic_fetch_sub(&limit_inflight, 1);
	atomic_fetch_add(&limit_overload, 1);
	return 0;
}

void sipdb_limit_fwd_leave(void)
{
	atomic_fetch_sub(&limit_inflight, 1);
}

unsigned long sipdb_limit_inflight(void)
{
	return atomic_load(&limit_inflight);
}

/* Answer *msg 3004 ourselves.  An MAA echoes the request's identities
 * (Kamailio wants them in every MAA); read here, on the refusal path only. */
static int limit_busy(struct msg **msg, enum sipdb_cmd cmd, const char *why)
{
	char impi[MIG_IDENT_MAX + 1] = "", impu[MIG_IDENT_MAX + 1] = "";
	struct sipdb_ids ids = { impi, impu };

	atomic_fetch_add(&sipdb_stats.cmd[cmd].in, 1);
	atomic_fetch_add(&sipdb_stats.cmd[cmd].refused, 1);
	if (cmd == SIPDB_MAR) {
		if (sipdb_avp_ident(*msg, sipdb_dict.user_name, impi, NULL))
			impi[0] = '\0';
		if (sipdb_avp_ident(*msg, sipdb_dict.public_identity, impu, NULL))
			impu[0] = '\0';
	}
	fd_log_debug("mig_sipdb: %s refused: %s", sipdb_cmd_name(cmd), why);
	return sipdb_answer_error(msg, "DIAMETER_TOO_BUSY", 0, why, NULL,
	                          cmd == SIPDB_MAR ? &ids : NULL);
}

int sipdb_limit_admit(struct msg **msg, enum sipdb_cmd cmd, int *answered)
{
	char realm[MIG_IDENT_MAX + 1];
	const struct mig_partner_conf *p;

	*answered = 1;
	if (atomic_load(&limit_inflight) >= sipdb_conf->max_inflight) {
		atomic_fetch_add(&limit_overload, 1);
		return limit_busy(msg, cmd, "too many requests in flight");
	}
	if (sipdb_avp_ident(*msg, sipdb_dict.origin_realm, realm, NULL) == 0 &&
	    (p = mig_config_partner(sipdb_conf, realm)) && !sipdb_limit_rate_ok(p))
		return limit_busy(msg, cmd, "partner over its request rate");
	*answered = 0;
	return 0;
}

/* ---- the writer thread's second ------------------------------------------ */

/* The audit row for one realm's refusals of the last second(s), if any:
 * realm NULL (and p NULL) for the in-flight limit. */
static int limit_audit(mig_store_t *st, const char *realm, const unsigned long *delta,
                       const struct mig_partner_conf *p)
{
	struct mig_audit a;
	char detail[200];

	memset(&a, 0, sizeof(a));
	if (p)
		snprintf(detail, sizeof(detail), "refused %lu over rps %u (burst %u), %lu over "
		         "bindings %u", delta[LIMIT_RPS], p->max_rps, p->burst,
		         delta[LIMIT_BINDINGS], p->max_bindings);
	else
		snprintf(detail, sizeof(detail), "refused %lu over max_inflight %u",
		         delta[LIMIT_INFLIGHT], sipdb_conf->max_inflight);
	a.action = "too-busy";
	a.realm = realm;
	a.detail = detail;
	return mig_audit_add(st, &a);
}

/* Audit rows and counters for the refusals since the last flush; in one
 * transaction, so that a failure leaves them all for the next flush. */
static int limit_write(mig_store_t *st, unsigned long (*now)[LIMIT_NKINDS],
                       unsigned long *total)
{
	unsigned long d[LIMIT_NKINDS] = { 0 };
	size_t i;
	int k, rc = MIG_OK;

	for (i = 0; rc == MIG_OK && i < sipdb_conf->n_partners; i++) {
		for (k = 0; k < LIMIT_NKINDS; k++)
			d[k] = now[i][k] - limit_partners[i].audited[k];
		if (d[LIMIT_RPS] || d[LIMIT_BINDINGS])
			rc = limit_audit(st, sipdb_conf->partners[i].realm, d, &sipdb_conf->partners[i]);
	}
	d[LIMIT_INFLIGHT] = total[LIMIT_INFLIGHT] - limit_overload_audited;
	if (rc == MIG_OK && d[LIMIT_INFLIGHT])
		rc = limit_audit(st, NULL, d, NULL);
	for (k = 0; rc == MIG_OK && k < LIMIT_NKINDS; k++)
		if (total[k] != limit_counted[k])
			rc = mig_counter_add(st, limit_counter[k], (int64_t)(total[k] - limit_counted[k]));
	return rc;
}

/* limit_write in a transaction of its own; on failure nothing is marked
 * written, and the next flush tries the same (grown) deltas again. */
static int limit_commit(mig_store_t *st, unsigned long (*now)[LIMIT_NKINDS],
                        unsigned long *total)
{
	int rc = mig_store_begin(st);

	if (rc == MIG_OK && (rc = limit_write(st, now, total)) == MIG_OK &&
	    (rc = mig_store_commit(st)) == MIG_OK)
		return MIG_OK;
	fd_log_error("mig_sipdb: refusals (too busy) not recorded yet: %s", mig_store_errmsg(st));
	mig_store_rollback(st); /* no-op when none is open any more */
	return rc;
}

void sipdb_limit_flush(mig_store_t *st)
{
	unsigned long (*now)[LIMIT_NKINDS], total[LIMIT_NKINDS] = { 0 };
	size_t i;
	int k;

	if (!limit_partners)
		return;
	now = calloc(sipdb_conf->n_partners ? sipdb_conf->n_partners : 1, sizeof(*now));
	if (!now)
		return;
	for (i = 0; i < sipdb_conf->n_partners; i++)
		for (k = 0; k < LIMIT_NKINDS; k++)
			total[k] += now[i][k] = atomic_load(&limit_partners[i].refused[k]);
	total[LIMIT_INFLIGHT] = atomic_load(&limit_overload);
	if (memcmp(total, limit_counted, sizeof(total)) && limit_commit(st, now, total) == MIG_OK) {
		for (i = 0; i < sipdb_conf->n_partners; i++)
			memcpy(limit_partners[i].audited, now[i], sizeof(now[i]));
		limit_overload_audited = total[LIMIT_INFLIGHT];
		memcpy(limit_counted, total, sizeof(total));
	}
	free(now);
}
