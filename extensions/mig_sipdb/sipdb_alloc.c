/*
 * sipdb_alloc.c: the migration-allocation application (doc/allocation.md).
 *
 * The configuration management server asks for outbound migration
 * identities in the primary system (GOR, TR 23.781 steps 4-6) and for
 * inbound ones in the partner system (GIR, steps 9-11).  Both allocate a
 * binding in a store transaction that commits before the answer is sent: an
 * identity handed out is always one that is recorded.  Concurrent requests
 * share that transaction (group commit, below).  A repeated request for the
 * same user and system gets the live binding it already has, never a
 * second one.
 */
#include <pthread.h>
#include <strings.h>

#include "sipdb.h"

struct alloc_req {
	enum mig_dir dir;
	char impi[MIG_IDENT_MAX + 1];
	char impu[MIG_IDENT_MAX + 1];
	char realm[MIG_IDENT_MAX + 1]; /* partner (GOR) or primary (GIR) realm */
	char sipdb[MIG_IDENT_MAX + 1]; /* GIR: primary SIP database, optional */
	char pool[MIG_IDENT_MAX + 1];  /* optional */
	uint32_t lifetime;             /* asked for; 0 = the configured one */
	struct msg **msg;
};

static struct disp_hdl *alloc_hdl_gor, *alloc_hdl_gir;

/* Answer a refusal, logged at that level. */
static int alloc_refuse_at(struct alloc_req *r, const char *base, const char *why, int level)
{
	atomic_fetch_add(&sipdb_stats.alloc_refused, 1);
	if (level >= fd_g_debug_lvl) /* fd_log takes its mutex before it looks */
		fd_log(level, "mig_sipdb: %s allocation for '%s' (realm '%s') refused: %s",
		       mig_dir_name(r->dir), r->impi, r->realm, why);
	return sipdb_answer_error(r->msg, base, 0, (char *)why, NULL, NULL);
}

static int alloc_refuse(struct alloc_req *r, const char *base, const char *why)
{
	return alloc_refuse_at(r, base, why, FD_LOG_NOTICE);
}

/* Refused at a limit of the partner's (sipdb_limit.c): 3004, counted there
 * and audited once a second, not logged per request (a flood would be). */
static int alloc_busy(struct alloc_req *r, const char *why)
{
	return alloc_refuse_at(r, "DIAMETER_TOO_BUSY", why, FD_LOG_DEBUG);
}

/* Required and optional identity AVPs; 1 in *answered if refused. */
static int alloc_parse(struct alloc_req *r, int *answered)
{
	struct dict_object *realm = r->dir == MIG_DIR_OUT ? sipdb_dict.mig_partner_realm
	                                                  : sipdb_dict.mig_primary_realm;
	struct { struct dict_object *model; char *buf; int required; } f[] = {
		{ sipdb_dict.user_name, r->impi, 1 },
		{ sipdb_dict.public_identity, r->impu, 1 },
		{ realm, r->realm, 1 },
		{ sipdb_dict.mig_primary_sipdb, r->sipdb, 0 },
		{ sipdb_dict.mig_pool, r->pool, 0 },
	};
	struct avp *a = NULL;
	struct avp_hdr *h;
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		CHECK_FCT(sipdb_req_ident(r->msg, f[i].model, f[i].buf, f[i].required, answered));
		if (*answered)
			return 0;
	}
	CHECK_FCT(fd_msg_search_avp(*r->msg, sipdb_dict.mig_lifetime, &a));
	if (a && fd_msg_avp_hdr(a, &h) == 0 && h->avp_value)
		r->lifetime = h->avp_value->u32;
	return 0;
}

/* The malformed identity, answered 5004 with its AVP; 1 if one was. */
static int alloc_check_syntax(struct alloc_req *r, int *answered)
{
	struct dict_object *model = NULL;
	const char *why;
	struct avp *a = NULL;

	*answered = 1;
	if ((why = mig_ident_check_impi(r->impi)))
		model = sipdb_dict.user_name;
	else if ((why = mig_ident_check_impu(r->impu)))
		model = sipdb_dict.public_identity;
	if (!model) {
		*answered = 0;
		return 0;
	}
	fd_log_notice("mig_sipdb: allocation refused: '%s': %s",
	              model == sipdb_dict.user_name ? r->impi : r->impu, why);
	CHECK_FCT(fd_msg_search_avp(*r->msg, model, &a));
	return sipdb_answer_error(r->msg, "DIAMETER_INVALID_AVP_VALUE", 0, (char *)why, a, NULL);
}

/* What the answer hands out: for an outbound binding to a partner that does
 * not hide our identities, the real ones (the binding still records the
 * migration, so that it can be revoked). */
static int alloc_answer(struct alloc_req *r, const struct mig_binding *b,
                        const struct mig_partner_conf *p)
{
	int hide = r->dir == MIG_DIR_IN || p->obfuscate;
	uint32_t granted = b->expires ? (uint32_t)(b->expires - b->created) : 0;

	CHECK_FCT(sipdb_answer_new(r->msg));
	CHECK_FCT(fd_msg_rescode_set(*r->msg, "DIAMETER_SUCCESS", NULL, NULL, 1));
	CHECK_FCT(sipdb_avp_add_str(*r->msg, sipdb_dict.user_name, r->impi));
	CHECK_FCT(sipdb_avp_add_str(*r->msg, sipdb_dict.public_identity, r->impu));
	CHECK_FCT(sipdb_avp_add_str(*r->msg, sipdb_dict.mig_impi, hide ? b->mig_impi : b->home_impi));
	CHECK_FCT(sipdb_avp_add_str(*r->msg, sipdb_dict.mig_impu, hide ? b->mig_impu : b->home_impu));
	CHECK_FCT(sipdb_avp_add_u32(*r->msg, sipdb_dict.mig_lifetime, granted));
	atomic_fetch_add(&sipdb_stats.alloc_ok, 1);
	fd_log_notice("mig_sipdb: %s binding %lld: '%s' stands for '%s' (realm '%s')",
	              mig_dir_name(b->dir), (long long)b->id, b->mig_impi, b->home_impi,
	              b->peer_realm);
	return fd_msg_send(r->msg, NULL, NULL);
}

/* The configured lifetime is the longest a requester may have. */
static int64_t alloc_lifetime(uint32_t asked)
{
	uint32_t conf = sipdb_conf->lifetime;

	if (!asked)
		return conf;
	return conf && asked > conf ? conf : asked;
}

/* The store request for r: the asked-for or configured pool, the lifetime
 * capped by the configuration, the partner's SIP database for a GIR. */
static struct mig_alloc_req alloc_store_req(const struct alloc_req *r,
                                            const struct mig_partner_conf *p)
{
	const char *sipdb = r->sipdb[0] ? r->sipdb : p->sipdb;
	struct mig_alloc_req q = { r->dir, r->impi, r->impu, r->realm,
	                           r->dir == MIG_DIR_IN ? sipdb : NULL,
	                           r->pool[0] ? r->pool : (sipdb_conf->id_pool[0] ? sipdb_conf->id_pool : NULL),
	                           alloc_lifetime(r->lifetime), p->max_bindings };

	return q;
}

/* Answer r with what the store said: rc, the binding b (new, or the live
 * one the user already has), or why not (errmsg). */
static int alloc_outcome(struct alloc_req *r, const struct mig_partner_conf *p, int rc,
                         const struct mig_binding *b, const char *errmsg)
{
	switch (rc) {
	case MIG_OK:
	case MIG_CONFLICT: /* the live binding this user already has */
		return alloc_answer(r, b, p);
	case MIG_DENIED:
		return alloc_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", errmsg);
	case MIG_INVALID:
		return alloc_refuse(r, "DIAMETER_INVALID_AVP_VALUE", errmsg);
	case MIG_LIMIT:
		sipdb_limit_bindings_refused(p);
		return alloc_busy(r, "partner at its live-binding limit");
	case MIG_BUSY:
		return alloc_refuse(r, "DIAMETER_TOO_BUSY", errmsg);
	default:
		return alloc_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", errmsg);
	}
}

/*
 * Group commit.  The dispatch threads hand each checked request to one
 * writer thread and return at once, keeping the message; the writer takes
 * whatever is queued (up to alloc_batch), allocates it all in one store
 * transaction (mig_binding_allocate_batch: each allocation atomic on its
 * own), and only after the commit answers each request.  So an identity
 * handed out is always a committed one, as before, but one commit (a few
 * WAL frames, a lock round) serves many requests, and the allocations no
 * longer fight for the write lock from several threads.  A full queue
 * answers 3004 at once: the asker retries later.
 */
#define ALLOC_QUEUE_MAX 8192

struct alloc_job {
	struct alloc_job *next;
	struct alloc_req r; /* r.msg points to msg */
	struct msg *msg;    /* the request, ours until it is answered */
	const struct mig_partner_conf *p;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct alloc_job *head, **tail;
	size_t count;
	int stop;
	int started;
	pthread_t thr;
	struct mig_alloc_item *items; /* the writer's, alloc_batch of them */
} alloc_q = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

/* Queue r for the writer, taking its message; 1 if the queue is full (r
 * untouched, the caller answers). */
static int alloc_enqueue(struct alloc_req *r, const struct mig_partner_conf *p)
{
	struct alloc_job *j;

	pthread_mutex_lock(&alloc_q.lock);
	if (alloc_q.count >= ALLOC_QUEUE_MAX || alloc_q.stop ||
	    !(j = malloc(sizeof(*j)))) {
		pthread_mutex_unlock(&alloc_q.lock);
		return 1;
	}
	j->next = NULL;
	j->r = *r;
	j->msg = *r->msg;
	j->r.msg = &j->msg;
	j->p = p;
	*r->msg = NULL; /* the dispatcher is done with it: the writer answers */
	*alloc_q.tail = j;
	alloc_q.tail = &j->next;
	alloc_q.count++;
	pthread_cond_signal(&alloc_q.cond);
	pthread_mutex_unlock(&alloc_q.lock);
	return 0;
}

/* Wait for jobs; detach at most max of them.  NULL when stopped and empty. */
static struct alloc_job *alloc_take(size_t max, size_t *n)
{
	struct alloc_job *first, **cut;

	pthread_mutex_lock(&alloc_q.lock);
	while (!alloc_q.count && !alloc_q.stop)
		pthread_cond_wait(&alloc_q.cond, &alloc_q.lock);
	first = alloc_q.head;
	for (*n = 0, cut = &alloc_q.head; *n < max && *cut; (*n)++)
		cut = &(*cut)->next;
	alloc_q.head = *cut;
	*cut = NULL;
	if (!alloc_q.head)
		alloc_q.tail = &alloc_q.head;
	alloc_q.count -= *n;
	pthread_mutex_unlock(&alloc_q.lock);
	return first;
}

/* Allocate the n jobs of list in one transaction, then answer each and
 * free it.  Without a store every job is refused. */
static void alloc_commit(mig_store_t *st, struct mig_alloc_item *items, struct alloc_job *list,
                         size_t n)
{
	struct alloc_job *j, *next;
	size_t i;

	for (i = 0, j = list; j; j = j->next, i++) {
		memset(&items[i], 0, sizeof(items[i]));
		items[i].req = alloc_store_req(&j->r, j->p);
		items[i].rc = MIG_IO;
		strcpy(items[i].errmsg, "binding store unavailable");
	}
	if (st)
		mig_binding_allocate_batch(st, items, n);
	for (i = 0, j = list; j; j = next, i++) {
		next = j->next;
		alloc_outcome(&j->r, j->p, items[i].rc, &items[i].b, items[i].errmsg);
		if (j->msg) /* not sent: an error was logged */
			fd_msg_free(j->msg);
		free(j);
	}
}

/* The writer thread: until stopped and drained, batches of what is queued.
 * Its store handle is opened again after a failure to open it. */
static void *alloc_writer(void *unused)
{
	mig_store_t *st = NULL;
	struct alloc_job *list;
	size_t n;

	(void)unused;
	fd_log_threadname("mig_sipdb allocations");
	while ((list = alloc_take(sipdb_conf->alloc_batch, &n))) {
		if (!st)
			st = sipdb_db_open();
		alloc_commit(st, alloc_q.items, list, n);
	}
	mig_store_close(st);
	return NULL;
}

/* Hand r to the writer, or answer 3004 when too many are waiting. */
static int alloc_store(struct alloc_req *r, const struct mig_partner_conf *p)
{
	if (alloc_enqueue(r, p) == 0)
		return 0;
	return alloc_refuse(r, "DIAMETER_TOO_BUSY", "too many allocations waiting for the store");
}

/*
 * Only our own configuration management server allocates: Origin-Realm
 * ours, and the request from a peer inside our system.  A partner that
 * could allocate outbound identities of our users for itself could then
 * ask for their vectors.  Refusals are audited (a partner probing).
 */
static int alloc_from_inside(struct alloc_req *r, int *answered)
{
	char realm[MIG_IDENT_MAX + 1];
	const char *why = "request from another system";
	char action[16];

	*answered = 0;
	if (sipdb_avp_ident(*r->msg, sipdb_dict.origin_realm, realm, NULL))
		realm[0] = '\0';
	if (!strcasecmp(realm, sipdb_conf->realm) && sipdb_peer_local(*r->msg, &why))
		return 0;
	*answered = 1;
	snprintf(action, sizeof(action), "%s-refused", r->dir == MIG_DIR_OUT ? "gor" : "gir");
	sipdb_db_audit(action, NULL, realm, why);
	return alloc_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", why);
}

static int alloc_handle(struct msg **msg, enum mig_dir dir)
{
	const struct mig_partner_conf *p;
	struct alloc_req r;
	int answered;

	memset(&r, 0, sizeof(r));
	r.dir = dir;
	r.msg = msg;
	CHECK_FCT(alloc_parse(&r, &answered));
	if (!answered) {
		CHECK_FCT(alloc_from_inside(&r, &answered));
		if (answered)
			return 0; /* counted by alloc_refuse */
		CHECK_FCT(alloc_check_syntax(&r, &answered));
	}
	if (answered) {
		atomic_fetch_add(&sipdb_stats.alloc_refused, 1);
		return 0;
	}
	p = mig_config_partner(sipdb_conf, r.realm);
	if (!p)
		return alloc_refuse(&r, "DIAMETER_AUTHORIZATION_REJECTED", "realm is not a partner");
	if (dir == MIG_DIR_OUT ? !p->migrate_out : !p->migrate_in)
		return alloc_refuse(&r, "DIAMETER_AUTHORIZATION_REJECTED",
		                    dir == MIG_DIR_OUT ? "our users may not migrate to this partner"
		                                       : "users of this system may not migrate to us");
	if (!sipdb_limit_rate_ok(p))
		return alloc_busy(&r, "partner over its request rate");
	return alloc_store(&r, p);
}

static int alloc_gor_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                        enum disp_action *act)
{
	(void)avp;
	(void)sess;
	(void)opaque;
	*act = DISP_ACT_CONT;
	return alloc_handle(msg, MIG_DIR_OUT);
}

static int alloc_gir_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                        enum disp_action *act)
{
	(void)avp;
	(void)sess;
	(void)opaque;
	*act = DISP_ACT_CONT;
	return alloc_handle(msg, MIG_DIR_IN);
}

int sipdb_alloc_init(void)
{
	struct disp_when when = { 0 };

	alloc_q.tail = &alloc_q.head;
	CHECK_MALLOC(alloc_q.items = calloc(sipdb_conf->alloc_batch, sizeof(*alloc_q.items)));
	CHECK_POSIX(pthread_create(&alloc_q.thr, NULL, alloc_writer, NULL));
	alloc_q.started = 1;

	when.app = sipdb_dict.app_alloc;
	when.command = sipdb_dict.cmd_gor;
	CHECK_FCT(fd_disp_register(alloc_gor_cb, DISP_HOW_CC, &when, NULL, &alloc_hdl_gor));
	when.command = sipdb_dict.cmd_gir;
	CHECK_FCT(fd_disp_register(alloc_gir_cb, DISP_HOW_CC, &when, NULL, &alloc_hdl_gir));
	return 0;
}

void sipdb_alloc_fini(void)
{
	if (alloc_hdl_gor)
		fd_disp_unregister(&alloc_hdl_gor, NULL);
	if (alloc_hdl_gir)
		fd_disp_unregister(&alloc_hdl_gir, NULL);
	if (!alloc_q.started)
		return;
	/* Whatever is queued is still allocated and answered. */
	pthread_mutex_lock(&alloc_q.lock);
	alloc_q.stop = 1;
	pthread_cond_signal(&alloc_q.cond);
	pthread_mutex_unlock(&alloc_q.lock);
	pthread_join(alloc_q.thr, NULL);
	alloc_q.started = 0;
	free(alloc_q.items);
	alloc_q.items = NULL;
}
