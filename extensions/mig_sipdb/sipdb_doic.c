/*
 * sipdb_doic.c: RFC 7683 overload control (DOIC) -- doc/RELIABILITY.md,
 * "Overload control between brokers".
 *
 * Why.  A broker that refuses a request with 3004 still pays for most of
 * it: freeDiameter 1.2.1 receives, routes, parses and answers a refused
 * request through five thread hand-offs, and the bench measured a 3004 at
 * about half the cost of a served MAR.  At twice the load a broker can
 * serve, refusing at the broker alone therefore leaves a small share of
 * its capacity for the requests it admits.  The refusals have to happen
 * before the requests are sent: at the node that sends them.  In TR 23.781
 * solution 2 a primary system's broker gets partner traffic only from the
 * partners' brokers -- peers that can run DOIC.
 *
 * Both roles, for every request and answer the broker handles:
 *
 *   reporting  An answer to a request that carried OC-Supported-Features
 *              gets ours (loss algorithm, OLR_DEFAULT_ALGO).  While the
 *              broker refuses requests for its own overload (max_inflight,
 *              max_queue_ms: sipdb_limit.c), it adds an OC-OLR, a
 *              HOST_REPORT asking the sender to abate a share of what it
 *              sends us.  The share is recomputed every DOIC_INTERVAL_MS
 *              from what happened in the interval: raised so that what
 *              is still sent is what was served plus a slack, when more
 *              than that slack was refused; lowered a little when nothing
 *              was (probing for capacity: RFC 7683 asks for a controlled
 *              decrease).  Each recomputation while overloaded is a new
 *              report (a new sequence number), so that its validity, which
 *              counts from the first receipt of a number, keeps being
 *              extended; the end is a report with validity 0, sent for
 *              DOIC_VALIDITY_S (longer than any report of ours lives).
 *              Sequence numbers start from the clock in milliseconds at
 *              start-up, so that a restarted broker's reports supersede
 *              its earlier ones (RFC 7683 5.2.1.4, across a reboot).
 *
 *   reacting   Every request we forward carries our OC-Supported-Features
 *              (the asker's own, if any, is for us, not for the next hop).
 *              An OC-OLR in the next hop's answer is remembered for its
 *              Origin-Host (HOST_REPORT) or Origin-Realm (REALM_REPORT) if
 *              its sequence number is new (until the host connects
 *              again: then it starts afresh); it applies to requests sent
 *              with that Destination-Host, or with none to that realm.  A
 *              request to be abated is not sent at all: the asker gets
 *              3004 (sipdb_fwd), counted and audited with the other
 *              refusals (busy.olr).  The OLRs and OC-Supported-Features of
 *              answers are removed before the answer goes back: they were
 *              for us (RFC 7683 4.2, an agent that is a reacting node
 *              upstream and a reporting node downstream).
 *
 * The loss algorithm abates exactly the requested share with a credit per
 * report (add the percentage per request, abate at 100) rather than a
 * random draw: the same share on average, without the draw's variance.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <strings.h>
#include <time.h>

#include "sipdb.h"

#define DOIC_INTERVAL_MS 200   /* our report recomputed at most this often */
#define DOIC_MIN_N 32          /* requests in an interval for its refused share to count */
#define DOIC_MAX_PCT 95        /* leave the sender some traffic: it carries our next report */
#define DOIC_SLACK 10          /* % sent beyond what was served (doic_raise) */
#define DOIC_VALIDITY_S 5      /* of our reports; the end is sent that long */
#define DOIC_DEFAULT_VALIDITY_S 30    /* RFC 7683 7.5 */
#define DOIC_MAX_VALIDITY_S 86400
#define DOIC_OLR_DEFAULT_ALGO 1ull    /* OC-Feature-Vector: the loss algorithm */
#define DOIC_HOST_REPORT 0
#define DOIC_REALM_REPORT 1
#define DOIC_PEERS 64          /* next hops with a report at once */
#define DOIC_FORGET_MS 60000   /* a report's sequence number outlives it this long */

static long long doic_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- reporting: our own overload ---------------------------------------- */

static pthread_mutex_t doic_own_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	long long start;         /* this interval's start, ms */
	unsigned long in;        /* requests received, at its start */
	unsigned long refused;   /* refused for our overload, at its start */
	uint32_t pct;            /* the reduction we ask for; 0: none */
	uint64_t seq;
	long long ended;         /* when pct came back to 0 (end reports until
	                            DOIC_VALIDITY_S later); 0: never */
} doic_own;

static unsigned long doic_requests_in(void)
{
	unsigned long n = 0;
	int i;

	for (i = 0; i < SIPDB_NCMDS; i++)
		n += atomic_load(&sipdb_stats.cmd[i].in);
	return n;
}

/*
 * k of the interval's n requests were refused: of the (100 - pct) % still
 * sent, the broker served (n - k) / n.  Ask for that to be sent, and
 * DOIC_SLACK % more: a broker kept just over its capacity sheds a few
 * requests and serves at full speed, one kept under it (the refusals of an
 * interval overstate the excess: they come in bursts, when a queue stands)
 * sits idle.  Refusals within the slack change nothing.
 */
static uint32_t doic_raise(uint32_t pct, unsigned long k, unsigned long n)
{
	unsigned long long keep = (unsigned long long)(100 - pct) * (n - k) * (100 + DOIC_SLACK) /
	                          (100ull * n);
	uint32_t up;

	if (keep >= 100 - pct)
		return pct;
	up = 100 - (uint32_t)keep;
	return up > DOIC_MAX_PCT ? DOIC_MAX_PCT : up;
}

/* Lower by a sixteenth (at least a point) per quiet interval that passed:
 * from 95 % to none in under 9 s.  Faster, the broker swings between
 * refusing in bursts and idling; the bench measured it (doc/RELIABILITY.md). */
static uint32_t doic_lower(uint32_t pct, long long steps)
{
	while (pct && steps-- > 0)
		pct -= pct / 16 ? pct / 16 : 1;
	return pct;
}

/* Under doic_own_lock: close the interval when it is over. */
static void doic_own_update(long long now)
{
	unsigned long in = doic_requests_in(), refused = sipdb_limit_overloaded();
	unsigned long n = in - doic_own.in, k = refused - doic_own.refused;
	long long steps = (now - doic_own.start) / DOIC_INTERVAL_MS;
	uint32_t was = doic_own.pct, pct = was;

	if (steps < 1)
		return;
	if (k > n)
		k = n;
	/* The refusals, if any, were in the first interval (the next request
	 * closes it): the others that passed were quiet. */
	if (k && n >= DOIC_MIN_N)
		pct = doic_raise(pct, k, n);
	pct = doic_lower(pct, k ? steps - 1 : steps);
	if (pct || was)
		doic_own.seq++;
	if (pct && !was)
		fd_log_notice("mig_sipdb: overloaded (%lu of %lu requests refused in %lld ms): "
		              "reporting it, senders asked to abate %u %%", k, n, now - doic_own.start,
		              pct);
	if (!pct && was) {
		fd_log_notice("mig_sipdb: overload over: reporting its end");
		doic_own.ended = now;
	}
	doic_own.pct = pct;
	doic_own.start = now;
	doic_own.in = in;
	doic_own.refused = refused;
}

static int doic_add_u64(struct avp *parent, struct dict_object *model, uint64_t v)
{
	union avp_value val;
	struct avp *a;

	val.u64 = v;
	CHECK_FCT(fd_msg_avp_new(model, 0, &a));
	CHECK_FCT(fd_msg_avp_setvalue(a, &val));
	return fd_msg_avp_add(parent, MSG_BRW_LAST_CHILD, a);
}

static int doic_add_group(struct msg *m, struct dict_object *model, struct avp **g)
{
	CHECK_FCT(fd_msg_avp_new(model, 0, g));
	return fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, *g);
}

/* OC-OLR { seq, HOST_REPORT, pct, validity } */
static int doic_add_olr(struct msg *ans, uint64_t seq, uint32_t pct, uint32_t validity)
{
	struct avp *olr;

	CHECK_FCT(doic_add_group(ans, sipdb_dict.oc_olr, &olr));
	CHECK_FCT(doic_add_u64(olr, sipdb_dict.oc_sequence_number, seq));
	CHECK_FCT(sipdb_avp_add_u32(olr, sipdb_dict.oc_report_type, DOIC_HOST_REPORT));
	CHECK_FCT(sipdb_avp_add_u32(olr, sipdb_dict.oc_reduction_percentage, pct));
	return sipdb_avp_add_u32(olr, sipdb_dict.oc_validity_duration, validity);
}

int sipdb_doic_report(struct msg *req, struct msg *ans)
{
	struct avp *sup = NULL;
	long long now;
	uint64_t seq;
	uint32_t pct;
	int ending;

	if (!sipdb_conf->doic || fd_msg_search_avp(req, sipdb_dict.oc_supported_features, &sup) ||
	    !sup)
		return 0;
	CHECK_FCT(doic_add_group(ans, sipdb_dict.oc_supported_features, &sup));
	CHECK_FCT(doic_add_u64(sup, sipdb_dict.oc_feature_vector, DOIC_OLR_DEFAULT_ALGO));
	now = doic_now_ms();
	pthread_mutex_lock(&doic_own_lock);
	doic_own_update(now);
	pct = doic_own.pct;
	seq = doic_own.seq;
	ending = !pct && doic_own.ended && now - doic_own.ended < DOIC_VALIDITY_S * 1000;
	pthread_mutex_unlock(&doic_own_lock);
	if (pct)
		return doic_add_olr(ans, seq, pct, DOIC_VALIDITY_S);
	return ending ? doic_add_olr(ans, seq, 0, 0) : 0;
}

/* ---- reacting: the next hops' reports -------------------------------------- */

struct doic_peer {
	char name[MIG_IDENT_MAX + 1]; /* the reporting host, or realm */
	int realm;                    /* a REALM_REPORT */
	uint64_t seq;
	uint32_t pct;
	long long until;              /* ms; at or after it the report is gone (its
	                                 sequence number stays DOIC_FORGET_MS more) */
	uint32_t credit;              /* the loss algorithm's, in percent */
};

static pthread_mutex_t doic_peer_lock = PTHREAD_MUTEX_INITIALIZER;
static struct doic_peer doic_peers[DOIC_PEERS];
static atomic_int doic_any; /* some report was ever heeded: look them up */

/* An OC-OLR as read. */
struct doic_olr {
	uint64_t seq;
	int32_t type;
	uint32_t pct, validity;
	int has_seq, has_type;
};

/* Under doic_peer_lock: the entry for that name, or NULL. */
static struct doic_peer *doic_find(const char *name, int realm)
{
	size_t i;

	for (i = 0; i < DOIC_PEERS; i++)
		if (doic_peers[i].name[0] && doic_peers[i].realm == realm &&
		    !strcasecmp(doic_peers[i].name, name))
			return &doic_peers[i];
	return NULL;
}

/* Under doic_peer_lock: a new entry, in a free slot or one forgotten, or
 * NULL. */
static struct doic_peer *doic_slot(const char *name, int realm, long long now)
{
	size_t i;

	for (i = 0; i < DOIC_PEERS; i++) {
		struct doic_peer *e = &doic_peers[i];

		if (!e->name[0] || now >= e->until + DOIC_FORGET_MS) {
			memset(e, 0, sizeof(*e));
			snprintf(e->name, sizeof(e->name), "%s", name);
			e->realm = realm;
			return e;
		}
	}
	return NULL;
}

static struct avp *doic_next(struct avp *a)
{
	struct avp *next = NULL;

	return fd_msg_browse(a, MSG_BRW_NEXT, &next, NULL) ? NULL : next;
}

/* The OC-OLR's values we use; the rest (extensions) is ignored. */
static int doic_read_olr(struct avp *olr, struct doic_olr *r)
{
	struct avp *a;

	memset(r, 0, sizeof(*r));
	r->validity = DOIC_DEFAULT_VALIDITY_S;
	CHECK_FCT(fd_msg_browse(olr, MSG_BRW_FIRST_CHILD, &a, NULL));
	for (; a; a = doic_next(a)) {
		struct dict_object *m = NULL;
		struct avp_hdr *h;

		if (fd_msg_model(a, &m) || !m || fd_msg_avp_hdr(a, &h) || !h->avp_value)
			continue;
		if (m == sipdb_dict.oc_sequence_number)
			r->seq = h->avp_value->u64, r->has_seq = 1;
		else if (m == sipdb_dict.oc_report_type)
			r->type = h->avp_value->i32, r->has_type = 1;
		else if (m == sipdb_dict.oc_reduction_percentage)
			r->pct = h->avp_value->u32;
		else if (m == sipdb_dict.oc_validity_duration)
			r->validity = h->avp_value->u32 > DOIC_MAX_VALIDITY_S ? DOIC_DEFAULT_VALIDITY_S
			                                                     : h->avp_value->u32;
	}
	return 0;
}

/* Under doic_peer_lock: take the report r from name, if its sequence
 * number is new; log when an overload begins or ends.  Answers overtake
 * each other, so a report older than the one that ended an overload can
 * come after it: the number of an ended or expired report is kept for
 * DOIC_FORGET_MS (far beyond any answer's deadline), then any number is
 * new (the reporting node may have restarted with another clock). */
static void doic_take(const char *name, const struct doic_olr *r, long long now)
{
	int realm = r->type == DOIC_REALM_REPORT;
	struct doic_peer *e = doic_find(name, realm);
	int was = e && now < e->until && e->pct;

	if (e && r->seq <= e->seq && now < e->until + DOIC_FORGET_MS)
		return; /* RFC 7683 5.2.1.3: not newer, silently ignored */
	if (!e && !(e = doic_slot(name, realm, now))) {
		fd_log_error("mig_sipdb: overload report from %s ignored: %d reports in force already",
		             name, DOIC_PEERS);
		return;
	}
	e->seq = r->seq;
	e->pct = r->pct;
	e->until = now + (long long)r->validity * 1000;
	if (e->pct && r->validity && !was) {
		atomic_store(&doic_any, 1);
		fd_log_notice("mig_sipdb: %s reports overload: abating %u %% of our requests to it "
		              "for %u s", name, e->pct, r->validity);
	} else if (was && (!e->pct || !r->validity)) {
		fd_log_notice("mig_sipdb: %s reports its overload over", name);
	}
}

void sipdb_doic_heed(struct msg *u, struct avp *olr)
{
	char name[MIG_IDENT_MAX + 1];
	struct doic_olr r;

	if (!sipdb_conf->doic || !olr || doic_read_olr(olr, &r))
		return;
	if (!r.has_seq || !r.has_type || (r.type != DOIC_HOST_REPORT && r.type != DOIC_REALM_REPORT) ||
	    r.pct > 100) {
		fd_log_notice("mig_sipdb: unusable overload report ignored (sequence number or report "
		              "type missing or unknown, or a reduction over 100 %%)");
		return;
	}
	if (sipdb_avp_ident(u, r.type == DOIC_HOST_REPORT ? sipdb_dict.origin_host
	                                                 : sipdb_dict.origin_realm, name, NULL))
		return;
	pthread_mutex_lock(&doic_peer_lock);
	doic_take(name, &r, doic_now_ms());
	pthread_mutex_unlock(&doic_peer_lock);
}

int sipdb_doic_abate(const char *dest_host, const char *dest_realm)
{
	int host = dest_host && dest_host[0], abate = 0;
	struct doic_peer *e;

	if (!atomic_load(&doic_any))
		return 0;
	pthread_mutex_lock(&doic_peer_lock);
	e = host ? doic_find(dest_host, 0) : dest_realm ? doic_find(dest_realm, 1) : NULL;
	if (e && e->pct && doic_now_ms() < e->until) {
		e->credit += e->pct;
		if ((abate = e->credit >= 100))
			e->credit -= 100;
	}
	pthread_mutex_unlock(&doic_peer_lock);
	return abate;
}

/*
 * HOOK_PEER_CONNECT_SUCCESS: a next hop that connects again (restarted,
 * replaced, or its link was down) starts afresh: its host report is
 * forgotten, sequence number and all.  No answer of its old connection can
 * come any more, and it reports again with its next answer if it is still
 * overloaded.  (Found by broker_hostile.sh: a primary system replaced by
 * another node after an overload kept a share of B's requests from it.)
 */
static void doic_peer_hook(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                           void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	struct doic_peer *e;

	(void)type, (void)msg, (void)other, (void)pmd, (void)regdata;
	if (!peer || !peer->info.pi_diamid)
		return;
	pthread_mutex_lock(&doic_peer_lock);
	if ((e = doic_find(peer->info.pi_diamid, 0))) {
		if (e->pct && doic_now_ms() < e->until)
			fd_log_notice("mig_sipdb: %s connected again: its overload report is "
			              "forgotten", e->name);
		memset(e, 0, sizeof(*e));
	}
	pthread_mutex_unlock(&doic_peer_lock);
}

static struct fd_hook_hdl *doic_hook_hdl;

/* Our reports' sequence numbers begin at the clock, in milliseconds: at
 * most five a second are used, so a restart always starts above them. */
int sipdb_doic_init(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	doic_own.seq = (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
	doic_own.start = doic_now_ms();
	return fd_hook_register(HOOK_MASK(HOOK_PEER_CONNECT_SUCCESS), doic_peer_hook, NULL, NULL,
	                        &doic_hook_hdl);
}

void sipdb_doic_fini(void)
{
	if (doic_hook_hdl)
		fd_hook_unregister(doic_hook_hdl);
	doic_hook_hdl = NULL;
}
