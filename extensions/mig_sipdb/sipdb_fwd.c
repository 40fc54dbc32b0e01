/*
 * sipdb_fwd.c: back-to-back forwarding, shared by every brokered command.
 *
 * The broker never relays a request: it terminates the asker's request and
 * originates a new one (ARCHITECTURE.md, "Back-to-back, not relay").  A
 * relay would carry Origin-Host, Session-Id and Route-Record of one
 * system's internal nodes into the other system.
 *
 *   asker --R--> broker --F--> next hop            F: a copy of R, rewritten
 *   asker <--A-- broker <--U-- next hop            A: U, rewritten
 *
 * F is made by encoding R and parsing it back, so that every AVP of R --
 * SIP-Auth-Data-Items of any scheme, resynchronisation data, AVPs we do not
 * know -- reaches the next hop untouched; then the routing and identity
 * AVPs are replaced, and the AVPs the hop names are removed (those that
 * would carry one system's inside into the other: restoration data, the
 * charging functions, associated identities).  The answer U is rewritten
 * in place for the same reason, its User-Data mapped when the hop asks
 * (sipdb_udata.c), and sent as the answer to R.  A success answer can
 * leave a note on the binding (registered here, no longer registered).
 *
 * Deadline.  Each forwarded request has one: freeDiameter's expiry callback
 * fires at it.  freeDiameter 1.2.1 drops an answer it cannot parse without
 * calling either callback (ARCHITECTURE.md pitfall 3), so a reaper thread
 * also answers 3002 for contexts past their deadline.  Whoever answers
 * first "claims" the context under the lock; the context is freed by the
 * freeDiameter callback, or by the reaper long after the deadline when no
 * callback will ever come.  The reaper logs how many contexts are pending
 * whenever that changes (at most once a second): unanswered ones must not
 * outlive their deadline, whatever the far side does.
 */
#include <pthread.h>

#include "sipdb.h"

#define FWD_REAP_GRACE_MS 500     /* past the deadline: the reaper answers */
#define FWD_FORGET_S 60           /* past the deadline: nothing will call back */

struct fwd_ctx {
	struct fd_list chain;
	struct msg *req;              /* R: the asker's request, until answered */
	struct timespec deadline;
	int claimed;                  /* R answered (or being answered) */
	int reaped;                   /* claimed by the reaper, not by freeDiameter */
	char ans_impi[MIG_IDENT_MAX + 1];
	char ans_impu[MIG_IDENT_MAX + 1];
	char fwd_impi[MIG_IDENT_MAX + 1];
	char fwd_impu[MIG_IDENT_MAX + 1];
	char server[MIG_IDENT_MAX + 1]; /* the asker's Server-Name */
	char host[MIG_IDENT_MAX + 1];   /* the asker's Origin-Host */
	char realm[MIG_IDENT_MAX + 1];  /* where F went, for the audit */
	int64_t binding_id;
	enum sipdb_note note;
	int echo_ids;
	int user_data;
	uint32_t silence_exp;
	const struct mig_partner_conf *visitor;
	struct dict_object **const *strip_ans;
	const char *(*check_answer)(struct msg *req, struct msg *ans);
	const char *what;
};

static pthread_mutex_t fwd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fwd_cond = PTHREAD_COND_INITIALIZER;
static struct fd_list fwd_pending = FD_LIST_INITIALIZER(fwd_pending);
static int fwd_stop;
static int fwd_started; /* fini also runs after a failed init */
static pthread_t fwd_reaper_thr;

static struct sipdb_ids fwd_ans_ids(const struct fwd_ctx *c)
{
	struct sipdb_ids ids = { c->ans_impi, c->ans_impu };
	return ids;
}

/* Claim the right to answer R; 1 if we got it. */
static int fwd_claim(struct fwd_ctx *c)
{
	int mine;

	pthread_mutex_lock(&fwd_lock);
	mine = !c->claimed;
	c->claimed = 1;
	pthread_mutex_unlock(&fwd_lock);
	return mine;
}

/* Called by freeDiameter's callbacks: they are the last to touch c. */
static void fwd_release(struct fwd_ctx *c)
{
	pthread_mutex_lock(&fwd_lock);
	fd_list_unlink(&c->chain);
	pthread_mutex_unlock(&fwd_lock);
	if (c->req)
		fd_msg_free(c->req);
	free(c);
}

/* Answer R ourselves with the base code, or the Cx experimental one. */
static void fwd_answer_code(struct fwd_ctx *c, const char *base, uint32_t exp, const char *why)
{
	struct sipdb_ids ids = fwd_ans_ids(c);

	if (exp)
		fd_log_notice("mig_sipdb: %s: %s, answering Experimental-Result %u", c->what, why,
		              exp);
	else
		fd_log_notice("mig_sipdb: %s: %s, answering %s", c->what, why, base);
	CHECK_FCT_DO(sipdb_answer_error(&c->req, base, exp, (char *)why, NULL,
	                                c->echo_ids ? &ids : NULL), );
	if (c->req) {
		fd_msg_free(c->req);
		c->req = NULL;
	}
}

static void fwd_answer_unreachable(struct fwd_ctx *c, const char *why)
{
	atomic_fetch_add(&sipdb_stats.fwd_timeout, 1);
	fwd_answer_code(c, "DIAMETER_UNABLE_TO_DELIVER", 0, why);
}

/* No answer by the deadline: 3002, or what the hop says silence means. */
static void fwd_answer_silence(struct fwd_ctx *c, const char *why)
{
	atomic_fetch_add(&sipdb_stats.fwd_timeout, 1);
	fwd_answer_code(c, "DIAMETER_UNABLE_TO_DELIVER", c->silence_exp, why);
}

/* ---- the forwarded request F ------------------------------------------- */

/* A deep copy of m: encode and parse back. */
static int fwd_copy(struct msg *m, struct msg **copy)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	CHECK_FCT(fd_msg_bufferize(m, &buf, &len));
	rc = fd_msg_parse_buffer(&buf, len, copy);
	if (rc) {
		free(buf);
		return rc;
	}
	rc = fd_msg_parse_dict(*copy, fd_g_config->cnf_dict, NULL);
	if (rc) {
		fd_msg_free(*copy);
		*copy = NULL;
	}
	return rc;
}

/* Remove every top-level AVP of the models in the NULL-terminated list. */
static int fwd_strip(struct msg *m, struct dict_object **const *list)
{
	for (; list && *list; list++)
		CHECK_FCT(sipdb_avp_remove_all(m, **list));
	return 0;
}

/* Strip everything that names a node of the asker's system, then add our
 * own Session-Id, origin and the destination. */
static int fwd_rewrite_request(struct msg *f, const struct sipdb_hop *hop)
{
	static struct dict_object **const strip[] = {
		&sipdb_dict.session_id, &sipdb_dict.origin_host, &sipdb_dict.origin_realm,
		&sipdb_dict.dest_host, &sipdb_dict.dest_realm, &sipdb_dict.route_record,
		&sipdb_dict.proxy_info, NULL
	};
	struct msg_hdr *h;

	CHECK_FCT(fwd_strip(f, strip));
	CHECK_FCT(fwd_strip(f, hop->strip_req));
	CHECK_FCT(fd_msg_new_session(f, (os0_t)"mig", 3));
	CHECK_FCT(fd_msg_add_origin(f, 0));
	if (hop->dest_host && hop->dest_host[0]) {
		CHECK_FCT(sipdb_avp_add_str(f, sipdb_dict.dest_host, hop->dest_host));
	}
	CHECK_FCT(sipdb_avp_add_str(f, sipdb_dict.dest_realm, hop->dest_realm));
	/* The next hop always learns whose request it is (an SAR may come
	 * without User-Name); Public-Identity and Server-Name only replace. */
	CHECK_FCT(sipdb_avp_put(f, sipdb_dict.user_name, hop->fwd.impi, 1));
	if (hop->one_impu) {
		CHECK_FCT(sipdb_avp_remove_all(f, sipdb_dict.public_identity));
	}
	CHECK_FCT(sipdb_avp_put(f, sipdb_dict.public_identity, hop->fwd.impu, hop->one_impu));
	CHECK_FCT(sipdb_avp_put(f, sipdb_dict.server_name, hop->server_name, 0));
	CHECK_FCT(fd_msg_hdr(f, &h));
	h->msg_eteid = fd_msg_eteid_get();
	h->msg_flags &= ~CMD_FLAG_RETRANSMIT;
	return 0;
}

/* ---- the answer A ------------------------------------------------------ */

/* 1 for a success answer (Result-Code or Experimental-Result-Code 2xxx). */
static int fwd_success(struct msg *ans)
{
	return sipdb_answer_code(ans) / 1000 == 2;
}

/* Map the answer's User-Data from what the next hop knows to what the
 * asker knows: EBADMSG when it cannot be. */
static int fwd_user_data(struct fwd_ctx *c, struct msg *u)
{
	struct sipdb_umap map = { { c->fwd_impi, c->fwd_impu }, { c->ans_impi, c->ans_impu },
	                          c->visitor };

	return c->user_data ? sipdb_udata_rewrite(u, &map) : 0;
}

/* Make U the answer to R: R's identifiers and Session-Id, our origin, the
 * asker's identities, R's Proxy-Info; nothing of the next hop's topology. */
static int fwd_rewrite_answer(struct fwd_ctx *c, struct msg *u)
{
	static struct dict_object **const strip[] = {
		&sipdb_dict.route_record, &sipdb_dict.proxy_info, &sipdb_dict.error_reporting_host,
		NULL
	};
	struct msg_hdr *rh, *uh;
	struct avp *a, *copy;
	const char *sid;
	size_t sidlen;
	char sidbuf[1024];

	CHECK_FCT(fd_msg_hdr(c->req, &rh));
	CHECK_FCT(fd_msg_hdr(u, &uh));
	uh->msg_hbhid = rh->msg_hbhid;
	uh->msg_eteid = rh->msg_eteid;
	CHECK_FCT(fwd_strip(u, strip));
	CHECK_FCT(fwd_strip(u, c->strip_ans));
	CHECK_FCT(sipdb_avp_str(c->req, sipdb_dict.session_id, &sid, &sidlen, NULL));
	if (!sid || sidlen >= sizeof(sidbuf))
		return EINVAL;
	memcpy(sidbuf, sid, sidlen);
	sidbuf[sidlen] = '\0';
	CHECK_FCT(sipdb_avp_replace(u, sipdb_dict.session_id, sidbuf));
	CHECK_FCT(sipdb_avp_replace(u, sipdb_dict.origin_host, fd_g_config->cnf_diamid));
	CHECK_FCT(sipdb_avp_replace(u, sipdb_dict.origin_realm, fd_g_config->cnf_diamrlm));
	CHECK_FCT(sipdb_avp_put(u, sipdb_dict.user_name, c->ans_impi, c->echo_ids));
	CHECK_FCT(sipdb_avp_put(u, sipdb_dict.public_identity, c->ans_impu, c->echo_ids));
	CHECK_FCT(fd_msg_browse(c->req, MSG_BRW_FIRST_CHILD, &a, NULL));
	while (a) {
		struct dict_object *m = NULL;

		if (fd_msg_model(a, &m) == 0 && m == sipdb_dict.proxy_info &&
		    sipdb_avp_clone(a, &copy) == 0) {
			CHECK_FCT(fd_msg_avp_add(u, MSG_BRW_LAST_CHILD, copy));
		}
		CHECK_FCT(fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL));
	}
	return 0;
}

/* The next hop's answer U cannot be passed on: drop it, answer 5012 and
 * audit (a partner or an HSS that answers what it must not). */
static void fwd_refuse_answer(struct fwd_ctx *c, struct msg **u, const char *why)
{
	struct mig_binding b;

	memset(&b, 0, sizeof(b));
	b.id = c->binding_id;
	snprintf(b.mig_impi, sizeof(b.mig_impi), "%s", c->ans_impi);
	snprintf(b.home_impi, sizeof(b.home_impi), "%s", c->fwd_impi);
	sipdb_db_audit("answer-refused", &b, c->realm, why);
	fd_msg_free(*u);
	*u = NULL;
	fwd_answer_code(c, "DIAMETER_UNABLE_TO_COMPLY", 0, why);
}

/* A protocol error (3xxx: the next hop unreachable, too busy) is passed on
 * as it is, but said: it means a link or a system is down. */
static void fwd_log_protocol_error(const struct fwd_ctx *c, struct msg *u)
{
	uint32_t code = sipdb_answer_code(u);
	const char *text;
	size_t len;

	if (code / 1000 != 3)
		return;
	if (sipdb_avp_str(u, sipdb_dict.error_message, &text, &len, NULL) || !text)
		text = "", len = 0;
	fd_log_notice("mig_sipdb: %s: answer %u (%.*s), passed on", c->what, code, (int)len, text);
}

static void fwd_deliver(struct fwd_ctx *c, struct msg **u)
{
	int ok = fwd_success(*u);
	const char *why = c->check_answer ? c->check_answer(c->req, *u) : NULL;
	int rc = why ? 0 : fwd_user_data(c, *u);

	if (why || rc == EBADMSG) {
		fwd_refuse_answer(c, u, why ? why : "the User-Data of the answer is not a usable "
		                                    "IMS subscription");
		return;
	}
	if (rc || fwd_rewrite_answer(c, *u) || fd_msg_answ_associate(*u, c->req)) {
		fd_msg_free(*u);
		*u = NULL;
		fwd_answer_unreachable(c, "the answer could not be rewritten");
		return;
	}
	fwd_log_protocol_error(c, *u);
	c->req = NULL; /* now owned by the answer */
	CHECK_FCT_DO(fd_msg_send(u, NULL, NULL), );
	if (ok && c->note && c->binding_id)
		sipdb_db_note(c->binding_id, c->note, c->server, c->host);
	fd_log_debug("mig_sipdb: %s: answered (%s)", c->what, ok ? "success" : "error");
}

/* freeDiameter: the answer U to F arrived (or routing failed: then U is a
 * locally made 3002, passed on like any other answer). */
static void fwd_answer_cb(void *data, struct msg **u)
{
	struct fwd_ctx *c = data;
	struct msg *f = NULL;

	if (fd_msg_answ_getq(*u, &f) == 0 && f) {
		fd_msg_answ_detach(*u);
		fd_msg_free(f);
	}
	if (fwd_claim(c))
		fwd_deliver(c, u);
	if (*u) {
		fd_msg_free(*u);
		*u = NULL;
	}
	fwd_release(c);
}

/* freeDiameter: no answer to F before the deadline. */
static void fwd_expire_cb(void *data, DiamId_t sentto, size_t len, struct msg **f)
{
	struct fwd_ctx *c = data;

	(void)sentto;
	(void)len;
	if (fwd_claim(c))
		fwd_answer_silence(c, "no answer before the deadline");
	fd_msg_free(*f);
	*f = NULL;
	fwd_release(c);
}

/* ---- entry ------------------------------------------------------------- */

static struct fwd_ctx *fwd_ctx_new(struct msg *req, const struct sipdb_hop *hop)
{
	struct fwd_ctx *c = calloc(1, sizeof(*c));
	const char *sn;
	size_t len;

	if (!c)
		return NULL;
	fd_list_init(&c->chain, c);
	c->req = req;
	snprintf(c->ans_impi, sizeof(c->ans_impi), "%s", hop->ans.impi ? hop->ans.impi : "");
	snprintf(c->ans_impu, sizeof(c->ans_impu), "%s", hop->ans.impu ? hop->ans.impu : "");
	snprintf(c->fwd_impi, sizeof(c->fwd_impi), "%s", hop->fwd.impi ? hop->fwd.impi : "");
	snprintf(c->fwd_impu, sizeof(c->fwd_impu), "%s", hop->fwd.impu ? hop->fwd.impu : "");
	if (sipdb_avp_str(req, sipdb_dict.server_name, &sn, &len, NULL) == 0 && sn &&
	    len < sizeof(c->server))
		memcpy(c->server, sn, len);
	if (sipdb_avp_ident(req, sipdb_dict.origin_host, c->host, NULL))
		c->host[0] = '\0';
	snprintf(c->realm, sizeof(c->realm), "%s", hop->dest_realm ? hop->dest_realm : "");
	c->binding_id = hop->binding_id;
	c->note = hop->note;
	c->echo_ids = hop->echo_ids;
	c->user_data = hop->user_data;
	c->silence_exp = hop->silence_exp;
	c->visitor = hop->visitor;
	c->strip_ans = hop->strip_ans;
	c->check_answer = hop->check_answer;
	c->what = hop->what;
	c->deadline = sipdb_after_ms(sipdb_conf->timeout_ms);
	return c;
}

int sipdb_fwd(struct msg **req, const struct sipdb_hop *hop)
{
	struct fwd_ctx *c;
	struct msg *f = NULL;
	int rc;

	CHECK_MALLOC(c = fwd_ctx_new(*req, hop));
	*req = NULL;
	rc = fwd_copy(c->req, &f);
	if (!rc)
		rc = fwd_rewrite_request(f, hop);
	if (rc) {
		fd_msg_free(f);
		fwd_answer_unreachable(c, "the request could not be forwarded");
		free(c);
		return 0;
	}
	pthread_mutex_lock(&fwd_lock);
	fd_list_insert_before(&fwd_pending, &c->chain);
	pthread_mutex_unlock(&fwd_lock);
	rc = fd_msg_send_timeout(&f, fwd_answer_cb, c, fwd_expire_cb, &c->deadline);
	if (rc) {
		/* Not sent: no callback will come. */
		fd_msg_free(f);
		if (fwd_claim(c))
			fwd_answer_unreachable(c, "the request could not be sent");
		fwd_release(c);
	}
	return 0;
}

/* ---- reaper ------------------------------------------------------------ */

static int ts_past(const struct timespec *now, const struct timespec *t, long plus_ms)
{
	long long n = (long long)now->tv_sec * 1000 + now->tv_nsec / 1000000;
	long long d = (long long)t->tv_sec * 1000 + t->tv_nsec / 1000000 + plus_ms;

	return n >= d;
}

/* Under the lock: claim the first context past its deadline that nobody
 * answered, and forget those the reaper answered long ago. */
static struct fwd_ctx *fwd_take_overdue(const struct timespec *now)
{
	struct fd_list *li, *next;

	for (li = fwd_pending.next; li != &fwd_pending; li = next) {
		struct fwd_ctx *c = li->o;

		next = li->next;
		if (!c->claimed && ts_past(now, &c->deadline, FWD_REAP_GRACE_MS)) {
			c->claimed = c->reaped = 1;
			return c;
		}
		if (c->reaped && ts_past(now, &c->deadline, FWD_FORGET_S * 1000L)) {
			fd_list_unlink(&c->chain);
			if (c->req)
				fd_msg_free(c->req);
			free(c);
		}
	}
	return NULL;
}

/* One pass; answering happens outside the lock (it sends a message). */
static void fwd_reap_once(void)
{
	struct timespec now;
	struct fwd_ctx *c;

	clock_gettime(CLOCK_REALTIME, &now);
	for (;;) {
		pthread_mutex_lock(&fwd_lock);
		c = fwd_take_overdue(&now);
		pthread_mutex_unlock(&fwd_lock);
		if (!c)
			break;
		fwd_answer_silence(c, "the answer was lost");
	}
}

/* Under the lock: contexts not yet answered, and all of them (a walk of
 * the list: cheap next to the 200 ms between reaper passes). */
static void fwd_count(unsigned *open, unsigned *all)
{
	struct fd_list *li;

	*open = *all = 0;
	for (li = fwd_pending.next; li != &fwd_pending; li = li->next) {
		(*all)++;
		*open += !((struct fwd_ctx *)li->o)->claimed;
	}
}

/* Under the lock: log the pending contexts when they changed since the
 * last line, at most once a second (tests wait for "0 unanswered"). */
static void fwd_log_pending(time_t *last_t, unsigned *last_open, unsigned *last_all)
{
	unsigned open, all;
	time_t now = time(NULL);

	fwd_count(&open, &all);
	if ((open == *last_open && all == *last_all) || now == *last_t)
		return;
	fd_log_notice("mig_sipdb: forwarded requests pending: %u unanswered, %u answered but "
	              "not yet released", open, all - open);
	*last_t = now;
	*last_open = open;
	*last_all = all;
}

static void *fwd_reaper(void *unused)
{
	struct timespec t;
	time_t last_t = 0;
	unsigned last_open = 0, last_all = 0;

	(void)unused;
	fd_log_threadname("mig_sipdb reaper");
	pthread_mutex_lock(&fwd_lock);
	while (!fwd_stop) {
		t = sipdb_after_ms(200);
		pthread_cond_timedwait(&fwd_cond, &fwd_lock, &t);
		pthread_mutex_unlock(&fwd_lock);
		fwd_reap_once();
		pthread_mutex_lock(&fwd_lock);
		fwd_log_pending(&last_t, &last_open, &last_all);
	}
	pthread_mutex_unlock(&fwd_lock);
	return NULL;
}

int sipdb_fwd_init(void)
{
	CHECK_POSIX(pthread_create(&fwd_reaper_thr, NULL, fwd_reaper, NULL));
	fwd_started = 1;
	return 0;
}

/* The framework never frees callback data (pitfall 6): free what is left. */
void sipdb_fwd_fini(void)
{
	if (!fwd_started)
		return;
	pthread_mutex_lock(&fwd_lock);
	fwd_stop = 1;
	pthread_cond_signal(&fwd_cond);
	pthread_mutex_unlock(&fwd_lock);
	pthread_join(fwd_reaper_thr, NULL);
	while (!FD_IS_LIST_EMPTY(&fwd_pending)) {
		struct fwd_ctx *c = fwd_pending.next->o;

		fd_list_unlink(&c->chain);
		if (c->req)
			fd_msg_free(c->req);
		free(c);
	}
}
