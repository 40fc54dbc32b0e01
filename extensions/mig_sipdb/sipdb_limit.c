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
 *             sipdb_fwd before the request is copied;
 *   queue     how long the request waited between the socket and our
 *             handler (max_queue_ms).  When the broker's CPU, not the next
 *             hop, is what runs out, requests wait in freeDiameter's
 *             queues -- one of which, each peer's event queue between its
 *             socket reader and its state machine, has no bound in 1.2.1.
 *             A request that waited too long is answered 3004 at once,
 *             which costs far less than serving it, so the queue drains.
 *             A plain threshold would leave a standing queue just below it
 *             (every admitted request waiting max_queue_ms); as in CoDel,
 *             when even the shortest wait of a 100 ms interval was above a
 *             tenth of max_queue_ms, that tenth is the limit until the
 *             queue is gone (limit_queue_too_long).
 *             The time it arrived is taken by a hook on HOOK_DATA_RECEIVED
 *             (in the socket reader, per-message data as in freeDiameter's
 *             dbg_msg_timings) and handed to the dispatch thread through a
 *             small table keyed by the message (limit_age_*).
 *
 * A refusal only increments an atomic.  The writer thread (sipdb_db.c)
 * calls sipdb_limit_flush about once a second: one audit row "too-busy"
 * per partner that was refused anything in that second (with the counts),
 * one for the broker's own overload and its next hops' (the requests
 * sipdb_doic told sipdb_fwd not to send), and the running totals busy.rps,
 * busy.bindings, busy.inflight, busy.queue, busy.olr for migctl stats.
 * A flood of refusals thus costs at most one audit row per partner per
 * second, written off the request path.
 */
#include <pthread.h>
#include <limits.h>
#include <time.h>

#include "sipdb.h"

enum limit_kind { LIMIT_RPS, LIMIT_BINDINGS, LIMIT_INFLIGHT, LIMIT_QUEUE, LIMIT_OLR, LIMIT_NKINDS };
static const char *const limit_counter[LIMIT_NKINDS] = { "busy.rps", "busy.bindings",
	                                                  "busy.inflight", "busy.queue",
	                                                  "busy.olr" };

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
static int limit_any_rps;                    /* some partner has limits.rps */
static atomic_ulong limit_overload[LIMIT_NKINDS]; /* refused for max_inflight, max_queue_ms,
                                                     a next hop's overload report */
static unsigned long limit_counted[LIMIT_NKINDS]; /* added to the store's counters
                                                      (and audited, for overload) */

static struct limit_partner *limit_of(const struct mig_partner_conf *p)
{
	return limit_partners && p ? &limit_partners[p - sipdb_conf->partners] : NULL;
}

/* ---- how long a request waited ------------------------------------------- */

/* Our per-message data: when the socket reader had the message whole. */
struct fd_hook_permsgdata {
	struct timespec rcv; /* CLOCK_MONOTONIC */
};

#define AGE_SLOTS 16384 /* a power of 2: more than requests queued at once */
#define AGE_UNKNOWN ULONG_MAX
#define AGE_LOCKS 64

static struct fd_hook_data_hdl *limit_data_hdl;
static struct fd_hook_hdl *limit_hook_hdl;
static struct {
	struct msg *msg;
	struct timespec rcv;
} limit_age[AGE_SLOTS];
static pthread_mutex_t limit_age_lock[AGE_LOCKS];

static size_t limit_age_slot(struct msg *m)
{
	return (size_t)((((uintptr_t)m >> 4) * 0x9E3779B97F4A7C15ull) >> 50) & (AGE_SLOTS - 1);
}

/* HOOK_DATA_RECEIVED (socket reader): note the time.  HOOK_MESSAGE_RECEIVED
 * (the peer's state machine, the message parsed): a request's time goes
 * into its slot, replacing whatever was there (a message that never
 * reached us, or one freed since: a colliding request is only admitted
 * without its age being known). */
static void limit_hook_cb(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                          void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	struct msg_hdr *h;
	size_t i;

	(void)peer, (void)other, (void)regdata;
	if (!pmd)
		return;
	if (type == HOOK_DATA_RECEIVED) {
		clock_gettime(CLOCK_MONOTONIC, &pmd->rcv);
		return;
	}
	if (!msg || !pmd->rcv.tv_sec || fd_msg_hdr(msg, &h) || !(h->msg_flags & CMD_FLAG_REQUEST))
		return;
	i = limit_age_slot(msg);
	pthread_mutex_lock(&limit_age_lock[i % AGE_LOCKS]);
	limit_age[i].msg = msg;
	limit_age[i].rcv = pmd->rcv;
	pthread_mutex_unlock(&limit_age_lock[i % AGE_LOCKS]);
}

/* Milliseconds since m was received, AGE_UNKNOWN when its slot was taken
 * by another message meanwhile; its slot is freed. */
static unsigned long limit_age_ms(struct msg *m)
{
	size_t i = limit_age_slot(m);
	struct timespec rcv = { 0, 0 }, now;

	pthread_mutex_lock(&limit_age_lock[i % AGE_LOCKS]);
	if (limit_age[i].msg == m) {
		rcv = limit_age[i].rcv;
		limit_age[i].msg = NULL;
	}
	pthread_mutex_unlock(&limit_age_lock[i % AGE_LOCKS]);
	if (!rcv.tv_sec)
		return AGE_UNKNOWN;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (unsigned long)((now.tv_sec - rcv.tv_sec) * 1000 + (now.tv_nsec - rcv.tv_nsec) / 1000000);
}

/* Was a wait of age_ms too long?  Only when the broker is busy: this or the
 * last interval of LIMIT_INTERVAL_MS had LIMIT_QUEUE_MIN_N requests or more
 * (a lone request that waited -- the daemon descheduled on a loaded machine
 * -- is no overload, and is served).  Then over max_queue_ms; and over a
 * tenth of it while the queue stands: the shortest wait of the last
 * interval was above that tenth.  The interval's minimum, count
 * and start are atomics updated without a lock: a lost update among
 * concurrent dispatch threads only blurs one interval.  A request whose
 * wait is not known is admitted and counts for nothing.  An interval that
 * ended long ago (the first request after a quiet spell closes it) says
 * nothing about now. */
#define LIMIT_INTERVAL_MS 100
#define LIMIT_QUEUE_MIN_N 32

static atomic_ulong limit_q_min = ULONG_MAX; /* shortest wait this interval */
static atomic_ulong limit_q_n;               /* requests this interval */
static atomic_llong limit_q_start;           /* the interval's start, ms */
static atomic_int limit_q_standing;          /* the last interval's minimum was high */
static atomic_int limit_q_busy;              /* the last interval had enough requests */

static int limit_queue_too_long(unsigned long age_ms)
{
	unsigned long target = sipdb_conf->max_queue_ms / 10, min;
	struct timespec t;
	long long now;
	int recent, busy;

	if (age_ms == AGE_UNKNOWN)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t);
	now = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
	if (now - atomic_load(&limit_q_start) >= LIMIT_INTERVAL_MS) {
		recent = now - atomic_load(&limit_q_start) < 2 * LIMIT_INTERVAL_MS;
		min = atomic_exchange(&limit_q_min, ULONG_MAX);
		busy = atomic_exchange(&limit_q_n, 0) >= LIMIT_QUEUE_MIN_N && recent;
		atomic_store(&limit_q_busy, busy);
		atomic_store(&limit_q_standing, busy && min > target);
		atomic_store(&limit_q_start, now);
	}
	busy = atomic_fetch_add(&limit_q_n, 1) + 1 >= LIMIT_QUEUE_MIN_N || atomic_load(&limit_q_busy);
	if (age_ms < atomic_load(&limit_q_min))
		atomic_store(&limit_q_min, age_ms);
	return busy && (age_ms > sipdb_conf->max_queue_ms ||
	                (atomic_load(&limit_q_standing) && age_ms > target));
}

/* Only when max_queue_ms is on: the hooks cost a small allocation per
 * message received.  (With a hook registered for HOOK_MESSAGE_RECEIVED,
 * freeDiameter no longer prints its own line per received message, at
 * debug level too; dbg_msg_dumps.fdx still shows them.) */
static int limit_age_init(void)
{
	int i;

	if (!sipdb_conf->max_queue_ms)
		return 0;
	for (i = 0; i < AGE_LOCKS; i++)
		CHECK_POSIX(pthread_mutex_init(&limit_age_lock[i], NULL));
	CHECK_FCT(fd_hook_data_register(sizeof(struct fd_hook_permsgdata), NULL, NULL,
	                                &limit_data_hdl));
	return fd_hook_register(HOOK_MASK(HOOK_DATA_RECEIVED, HOOK_MESSAGE_RECEIVED), limit_hook_cb,
	                        NULL, limit_data_hdl, &limit_hook_hdl);
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
		if (sipdb_conf->partners[i].max_rps)
			limit_any_rps = 1;
	}
	return limit_age_init();
}

void sipdb_limit_fini(void)
{
	if (limit_hook_hdl)
		fd_hook_unregister(limit_hook_hdl);
	limit_hook_hdl = NULL;
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
	atomic_fetch_add(&limit_overload[LIMIT_INFLIGHT], 1);
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

void sipdb_limit_abated(void)
{
	atomic_fetch_add(&limit_overload[LIMIT_OLR], 1);
}

unsigned long sipdb_limit_overloaded(void)
{
	return atomic_load(&limit_overload[LIMIT_INFLIGHT]) + atomic_load(&limit_overload[LIMIT_QUEUE]);
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
	SIPDB_DEBUG("mig_sipdb: %s refused: %s", sipdb_cmd_name(cmd), why);
	return sipdb_answer_error(msg, "DIAMETER_TOO_BUSY", 0, why, NULL,
	                          cmd == SIPDB_MAR ? &ids : NULL);
}

int sipdb_limit_admit(struct msg **msg, enum sipdb_cmd cmd, int *answered)
{
	char realm[MIG_IDENT_MAX + 1];
	const struct mig_partner_conf *p;

	*answered = 1;
	if (atomic_load(&limit_inflight) >= sipdb_conf->max_inflight) {
		atomic_fetch_add(&limit_overload[LIMIT_INFLIGHT], 1);
		return limit_busy(msg, cmd, "too many requests in flight");
	}
	if (sipdb_conf->max_queue_ms && limit_queue_too_long(limit_age_ms(*msg))) {
		atomic_fetch_add(&limit_overload[LIMIT_QUEUE], 1);
		return limit_busy(msg, cmd, "waited too long in the queue");
	}
	/* Whose request it is matters only when some partner has a rate. */
	if (limit_any_rps && sipdb_avp_ident(*msg, sipdb_dict.origin_realm, realm, NULL) == 0 &&
	    (p = mig_config_partner(sipdb_conf, realm)) && !sipdb_limit_rate_ok(p))
		return limit_busy(msg, cmd, "partner over its request rate");
	*answered = 0;
	return 0;
}

/* ---- the writer thread's second ------------------------------------------ */

/* The audit row for one realm's refusals of the last second(s), if any:
 * realm NULL (and p NULL) for the broker's own overload and its next
 * hops'. */
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
		snprintf(detail, sizeof(detail), "refused %lu over max_inflight %u, %lu over "
		         "max_queue_ms %u, %lu under next hops' overload reports",
		         delta[LIMIT_INFLIGHT], sipdb_conf->max_inflight, delta[LIMIT_QUEUE],
		         sipdb_conf->max_queue_ms, delta[LIMIT_OLR]);
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
	d[LIMIT_INFLIGHT] = total[LIMIT_INFLIGHT] - limit_counted[LIMIT_INFLIGHT];
	d[LIMIT_QUEUE] = total[LIMIT_QUEUE] - limit_counted[LIMIT_QUEUE];
	d[LIMIT_OLR] = total[LIMIT_OLR] - limit_counted[LIMIT_OLR];
	if (rc == MIG_OK && (d[LIMIT_INFLIGHT] || d[LIMIT_QUEUE] || d[LIMIT_OLR]))
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
	total[LIMIT_INFLIGHT] = atomic_load(&limit_overload[LIMIT_INFLIGHT]);
	total[LIMIT_QUEUE] = atomic_load(&limit_overload[LIMIT_QUEUE]);
	total[LIMIT_OLR] = atomic_load(&limit_overload[LIMIT_OLR]);
	if (memcmp(total, limit_counted, sizeof(total)) && limit_commit(st, now, total) == MIG_OK) {
		for (i = 0; i < sipdb_conf->n_partners; i++)
			memcpy(limit_partners[i].audited, now[i], sizeof(now[i]));
		memcpy(limit_counted, total, sizeof(total));
	}
	free(now);
}
