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
 * F is made from R's encoding, AVP by AVP, so that every AVP of R --
 * SIP-Auth-Data-Items of any scheme, resynchronisation data, AVPs we do not
 * know -- reaches the next hop byte for byte; the routing and identity
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
 *
 * In flight.  Each context holds a place among max_inflight (sipdb_limit.c)
 * from its creation until R is answered (claimed): past that bound R is
 * answered 3004 at once, before the copy, so that neither our contexts nor
 * the next hop's queue of sent requests can grow without bound.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>

#include "sipdb.h"

#define FWD_REAP_GRACE_MS 500     /* past the deadline: the reaper answers */
#define FWD_FORGET_S 60           /* past the deadline: nothing will call back */

struct fwd_ctx {
	struct fd_list chain;
	struct msg *req;              /* R: the asker's request, until answered */
	struct timespec deadline;
	int claimed;                  /* R answered (or being answered) */
	int reaped;                   /* claimed by the reaper, not by freeDiameter */
	int reaping;                  /* the reaper is answering R right now */
	int released;                 /* freeDiameter's callback is done with c */
	int dropped;                  /* freeDiameter dropped F or U: no callback
	                                 will come, the reaper answers now */
	int partial;                  /* U parsed only where read (fwd_parse_answer) */
	struct avp *olr;              /* ... and its OC-OLR, if it has one */
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
static struct fd_rt_fwd_hdl *fwd_rt_hdl;
static struct fd_hook_hdl *fwd_drop_hdl;

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
	if (mine)
		sipdb_limit_fwd_leave();
	return mine;
}

static void fwd_free(struct fwd_ctx *c)
{
	if (c->req)
		fd_msg_free(c->req);
	free(c);
}

/* Called by freeDiameter's callbacks, the last of freeDiameter to touch c.
 * A late answer can come while the reaper is still answering R itself
 * (found by ASan under link failure): then the reaper frees c when done. */
static void fwd_release(struct fwd_ctx *c)
{
	int reaping;

	pthread_mutex_lock(&fwd_lock);
	fd_list_unlink(&c->chain);
	c->released = 1;
	reaping = c->reaping;
	pthread_mutex_unlock(&fwd_lock);
	if (!reaping)
		fwd_free(c);
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

/*
 * F is built on the wire.  R is encoded once (so that every AVP, known to
 * our dictionary or not, grouped or not, is exactly the bytes R carried),
 * and its top-level AVPs are copied into F's buffer one by one: those that
 * name the asker's system are left out, the identities replaced, ours
 * added.  F is then parsed only as far as freeDiameter's routing needs
 * (fd_msg_parse_buffer, as a relay does), not with the dictionary: the
 * bench showed the dictionary parse of a copy, plus removing and adding
 * AVPs in the tree, at a fifth of a broker's instructions per MAR.  At
 * debug level F is parsed with the dictionary too, so that message dumps
 * name its AVPs.
 */

/* An AVP as it appears on the wire: code, vendor, the flags to set. */
struct fwd_key {
	uint32_t code, vendor;
	uint8_t flags;
};

#define FWD_MAX_STRIP 32

struct fwd_wire {
	uint8_t *b;
	size_t len, cap;
	struct fwd_key strip[FWD_MAX_STRIP];
	size_t nstrip;
};

/*
 * The wire keys of every AVP forwarding handles by name, in both
 * directions, taken from the dictionary once (fwd_keys_init), not per
 * message: per answer AVP those lookups were 6 % of a broker's
 * instructions.  The first FWD_NSTRIP_BASE are R's routing AVPs, never
 * copied into F.
 */
enum fwd_k {
	FK_SESSION, FK_OHOST, FK_OREALM, FK_DHOST, FK_DREALM, FK_ROUTE, FK_PROXY,
	FK_OC_SUP, FK_OC_OLR,
	FK_USER, FK_IMPU, FK_SERVER, FK_RESULT, FK_EXP_RESULT, FK_ERR_MSG, FK_ERR_HOST,
	FK_USER_DATA, FK_OC_VECTOR, FK_N
};
#define FWD_NSTRIP_BASE (FK_OC_OLR + 1)
static struct fwd_key fwd_k[FK_N];

/* Our OC-Supported-Features { OC-Feature-Vector OLR_DEFAULT_ALGO }, encoded
 * once: every F carries it when DOIC is on (sipdb_doic.c), R's own (the
 * asker's, meant for us) being left out. */
static uint8_t fwd_oc_sup[32];
static size_t fwd_oc_sup_len;

static int fwd_key_of(struct dict_object *model, struct fwd_key *k)
{
	struct dict_avp_data d;

	CHECK_FCT(fd_dict_getval(model, &d));
	k->code = d.avp_code;
	k->vendor = d.avp_vendor;
	k->flags = d.avp_flag_val | (d.avp_vendor ? AVP_FLAG_VENDOR : 0);
	return 0;
}

/* Add the models of a NULL-terminated list to the keys left out of F. */
static int fwd_strip_keys(struct fwd_wire *w, struct dict_object **const *list)
{
	for (; list && *list; list++) {
		if (w->nstrip == FWD_MAX_STRIP)
			return ENOSPC;
		CHECK_FCT(fwd_key_of(**list, &w->strip[w->nstrip++]));
	}
	return 0;
}

static int fwd_key_is(const struct fwd_key *k, uint32_t code, uint32_t vendor)
{
	return k->code == code && k->vendor == vendor;
}

/* Append one AVP: header, value, zero padding. */
/* Room for need more bytes in F's buffer.  Replaced identities and our own
 * AVPs can make F longer than R by more than the first allocation's spare. */
static int fwd_reserve(struct fwd_wire *w, size_t need)
{
	uint8_t *nb;

	if (w->len + need <= w->cap)
		return 0;
	if (!(nb = realloc(w->b, (w->len + need) * 2)))
		return ENOMEM;
	w->b = nb;
	w->cap = (w->len + need) * 2;
	return 0;
}

static int fwd_put_avp(struct fwd_wire *w, uint32_t code, uint8_t flags, uint32_t vendor,
                       const void *val, size_t len)
{
	size_t hlen = flags & AVP_FLAG_VENDOR ? 12 : 8, need = hlen + ((len + 3) & ~(size_t)3);
	uint32_t n;

	if (hlen + len > 0xffffff)
		return EINVAL;
	CHECK_FCT(fwd_reserve(w, need));
	n = htonl(code);
	memcpy(w->b + w->len, &n, 4);
	n = htonl((uint32_t)(hlen + len));
	memcpy(w->b + w->len + 4, &n, 4);
	w->b[w->len + 4] = flags;
	if (hlen == 12) {
		n = htonl(vendor);
		memcpy(w->b + w->len + 8, &n, 4);
	}
	memcpy(w->b + w->len + hlen, val, len);
	memset(w->b + w->len + hlen + len, 0, need - hlen - len);
	w->len += need;
	return 0;
}

static int fwd_put_str(struct fwd_wire *w, const struct fwd_key *k, uint8_t flags, const char *v)
{
	return fwd_put_avp(w, k->code, flags, k->vendor, v, strlen(v));
}

/* One of our own AVPs, with the flags the dictionary gives it. */
static int fwd_put_ours(struct fwd_wire *w, const struct fwd_key *k, const char *v)
{
	return fwd_put_str(w, k, k->flags, v);
}

/* A Session-Id of ours (RFC 6733 8.8: <DiameterIdentity>;<high>;<low>;mig),
 * without freeDiameter's session table: nothing is kept per session. */
static int fwd_put_session(struct fwd_wire *w)
{
	static uint32_t high;
	static _Atomic uint32_t low;
	char sid[512];
	int n;

	if (!high)
		high = (uint32_t)time(NULL);
	n = snprintf(sid, sizeof(sid), "%s;%u;%u;mig", fd_g_config->cnf_diamid, high,
	             (unsigned)atomic_fetch_add(&low, 1));
	if (n < 0 || (size_t)n >= sizeof(sid))
		return EINVAL;
	return fwd_put_ours(w, &fwd_k[FK_SESSION], sid);
}

/* Copy R's top-level AVP at p (total length tot, padded) into F: left out,
 * rewritten with the hop's identity, or byte for byte. */
static int fwd_copy_avp(struct fwd_wire *w, const struct sipdb_hop *hop, const uint8_t *p,
                        size_t tot, int *has_user)
{
	uint32_t code, vendor = 0;
	uint8_t flags = p[4];
	size_t i;

	memcpy(&code, p, 4);
	code = ntohl(code);
	if (flags & AVP_FLAG_VENDOR) {
		memcpy(&vendor, p + 8, 4);
		vendor = ntohl(vendor);
	}
	for (i = 0; i < w->nstrip; i++)
		if (fwd_key_is(&w->strip[i], code, vendor))
			return 0;
	if (fwd_key_is(&fwd_k[FK_USER], code, vendor) && hop->fwd.impi && hop->fwd.impi[0]) {
		*has_user = 1;
		return fwd_put_str(w, &fwd_k[FK_USER], flags, hop->fwd.impi);
	}
	if (fwd_key_is(&fwd_k[FK_IMPU], code, vendor) && hop->one_impu)
		return 0;
	if (fwd_key_is(&fwd_k[FK_IMPU], code, vendor) && hop->fwd.impu && hop->fwd.impu[0])
		return fwd_put_str(w, &fwd_k[FK_IMPU], flags, hop->fwd.impu);
	if (fwd_key_is(&fwd_k[FK_SERVER], code, vendor) && hop->server_name &&
	    hop->server_name[0])
		return fwd_put_str(w, &fwd_k[FK_SERVER], flags, hop->server_name);
	CHECK_FCT(fwd_reserve(w, tot));
	memcpy(w->b + w->len, p, tot);
	w->len += tot;
	return 0;
}

/* Walk R's encoded AVPs (after the 20-byte header) into F. */
static int fwd_copy_avps(struct fwd_wire *w, const struct sipdb_hop *hop, const uint8_t *r,
                         size_t rlen)
{
	size_t off = 20;
	int has_user = 0;

	while (off + 8 <= rlen) {
		size_t alen = ((size_t)r[off + 5] << 16) | ((size_t)r[off + 6] << 8) | r[off + 7];
		size_t tot = (alen + 3) & ~(size_t)3;

		if (alen < 8 || off + tot > rlen)
			return EBADMSG;
		CHECK_FCT(fwd_copy_avp(w, hop, r + off, tot, &has_user));
		off += tot;
	}
	/* Ours: origin, destination; then the identities R lacked. */
	CHECK_FCT(fwd_put_ours(w, &fwd_k[FK_OHOST], fd_g_config->cnf_diamid));
	CHECK_FCT(fwd_put_ours(w, &fwd_k[FK_OREALM], fd_g_config->cnf_diamrlm));
	if (hop->dest_host && hop->dest_host[0]) {
		CHECK_FCT(fwd_put_ours(w, &fwd_k[FK_DHOST], hop->dest_host));
	}
	CHECK_FCT(fwd_put_ours(w, &fwd_k[FK_DREALM], hop->dest_realm));
	/* The next hop always learns whose request it is (an SAR may come
	 * without User-Name); Public-Identity and Server-Name only replace. */
	if (!has_user && hop->fwd.impi && hop->fwd.impi[0]) {
		CHECK_FCT(fwd_put_ours(w, &fwd_k[FK_USER], hop->fwd.impi));
	}
	if (hop->one_impu && hop->fwd.impu && hop->fwd.impu[0]) {
		CHECK_FCT(fwd_put_ours(w, &fwd_k[FK_IMPU], hop->fwd.impu));
	}
	if (sipdb_conf->doic) {
		CHECK_FCT(fwd_reserve(w, fwd_oc_sup_len));
		memcpy(w->b + w->len, fwd_oc_sup, fwd_oc_sup_len);
		w->len += fwd_oc_sup_len;
	}
	return 0;
}

/* Encode fwd_oc_sup (fwd_put_avp into a scratch wire, twice). */
static int fwd_oc_sup_init(void)
{
	const uint8_t algo[8] = { 0, 0, 0, 0, 0, 0, 0, 1 }; /* OLR_DEFAULT_ALGO */
	struct fwd_wire in = { 0 }, out = { 0 };
	int rc;

	rc = fwd_put_avp(&in, fwd_k[FK_OC_VECTOR].code, fwd_k[FK_OC_VECTOR].flags,
	                 fwd_k[FK_OC_VECTOR].vendor, algo, sizeof(algo));
	if (!rc)
		rc = fwd_put_avp(&out, fwd_k[FK_OC_SUP].code, fwd_k[FK_OC_SUP].flags,
		                 fwd_k[FK_OC_SUP].vendor, in.b, in.len);
	if (!rc && out.len > sizeof(fwd_oc_sup))
		rc = ENOSPC;
	if (!rc)
		memcpy(fwd_oc_sup, out.b, fwd_oc_sup_len = out.len);
	free(in.b);
	free(out.b);
	return rc;
}

static int fwd_keys_init(void)
{
	struct dict_object *const models[FK_N] = {
		[FK_SESSION] = sipdb_dict.session_id, [FK_OHOST] = sipdb_dict.origin_host,
		[FK_OREALM] = sipdb_dict.origin_realm, [FK_DHOST] = sipdb_dict.dest_host,
		[FK_DREALM] = sipdb_dict.dest_realm, [FK_ROUTE] = sipdb_dict.route_record,
		[FK_PROXY] = sipdb_dict.proxy_info, [FK_OC_SUP] = sipdb_dict.oc_supported_features,
		[FK_OC_OLR] = sipdb_dict.oc_olr, [FK_OC_VECTOR] = sipdb_dict.oc_feature_vector,
		[FK_USER] = sipdb_dict.user_name,
		[FK_IMPU] = sipdb_dict.public_identity, [FK_SERVER] = sipdb_dict.server_name,
		[FK_RESULT] = sipdb_dict.result_code, [FK_EXP_RESULT] = sipdb_dict.exp_result,
		[FK_ERR_MSG] = sipdb_dict.error_message,
		[FK_ERR_HOST] = sipdb_dict.error_reporting_host, [FK_USER_DATA] = sipdb_dict.user_data,
	};
	size_t i;

	for (i = 0; i < FK_N; i++)
		CHECK_FCT(fwd_key_of(models[i], &fwd_k[i]));
	return fwd_oc_sup_init();
}

/* The keys left out of F: R's routing AVPs, and those the hop names. */
static int fwd_wire_keys(struct fwd_wire *w, const struct sipdb_hop *hop)
{
	memcpy(w->strip, fwd_k, FWD_NSTRIP_BASE * sizeof(fwd_k[0]));
	w->nstrip = FWD_NSTRIP_BASE;
	return fwd_strip_keys(w, hop->strip_req);
}

/* Build F from R for hop: R's header with a new End-to-End id, no T flag. */
static int fwd_build_request(struct msg *r, const struct sipdb_hop *hop, struct msg **f)
{
	struct fwd_wire w = { 0 };
	uint8_t *rb = NULL;
	size_t rlen;
	uint32_t n;
	int rc;

	CHECK_FCT(fwd_wire_keys(&w, hop));
	CHECK_FCT(fd_msg_bufferize(r, &rb, &rlen));
	rc = rlen < 20 ? EBADMSG : 0;
	if (!rc && !(w.b = malloc(w.cap = rlen + 1024)))
		rc = ENOMEM;
	if (!rc) {
		memcpy(w.b, rb, 20);
		w.len = 20;
		rc = fwd_put_session(&w);
	}
	if (!rc)
		rc = fwd_copy_avps(&w, hop, rb, rlen);
	free(rb);
	if (!rc && w.len > 0xffffff)
		rc = EINVAL;
	if (!rc) {
		n = htonl((uint32_t)w.len);
		memcpy(w.b + 1, (uint8_t *)&n + 1, 3);
		w.b[4] &= ~CMD_FLAG_RETRANSMIT;
		memset(w.b + 12, 0, 4); /* Hop-by-Hop: set when sent */
		n = htonl(fd_msg_eteid_get());
		memcpy(w.b + 16, &n, 4);
		rc = fd_msg_parse_buffer(&w.b, w.len, f);
	}
	free(w.b); /* NULL once F owns it */
	if (!rc && fd_g_debug_lvl <= FD_LOG_DEBUG)
		rc = fd_msg_parse_dict(*f, fd_g_config->cnf_dict, NULL);
	if (rc && *f) {
		fd_msg_free(*f);
		*f = NULL;
	}
	return rc;
}

/* ---- the answer A ------------------------------------------------------ */

/* Map the answer's User-Data from what the next hop knows to what the
 * asker knows: EBADMSG when it cannot be. */
static int fwd_user_data(struct fwd_ctx *c, struct msg *u)
{
	struct sipdb_umap map = { { c->fwd_impi, c->fwd_impu }, { c->ans_impi, c->ans_impu },
	                          c->visitor };

	return c->user_data ? sipdb_udata_rewrite(u, &map) : 0;
}

/*
 * Remove, at any depth, the AVPs the dictionary does not know whose data is
 * empty: freeDiameter 1.2.1 keeps no raw data for them and then cannot
 * encode the message again, so the answer would be dropped on its way out
 * and the asker left waiting (found by fuzzing: tests/fuzz/regress/fuzz_cx).
 * They carry nothing to pass on.
 */
static int fwd_drop_empty_unknown(msg_or_avp *parent)
{
	struct avp *a, *next;

	CHECK_FCT(fd_msg_browse(parent, MSG_BRW_FIRST_CHILD, &a, NULL));
	for (; a; a = next) {
		struct dict_object *model = NULL;
		struct dict_avp_data d;
		struct avp_hdr *h;

		CHECK_FCT(fd_msg_browse(a, MSG_BRW_NEXT, &next, NULL));
		CHECK_FCT(fd_msg_avp_hdr(a, &h));
		CHECK_FCT(fd_msg_model(a, &model));
		if (!model) {
			if (h->avp_len <= (h->avp_flags & AVP_FLAG_VENDOR ? 12u : 8u)) {
				CHECK_FCT(fd_msg_free(a));
			}
			continue;
		}
		CHECK_FCT(fd_dict_getval(model, &d));
		if (d.avp_basetype == AVP_TYPE_GROUPED) {
			CHECK_FCT(fwd_drop_empty_unknown(a));
		}
	}
	return 0;
}

/* 1 if model is one of the NULL-terminated list's. */
static int fwd_listed(struct dict_object *model, struct dict_object **const *list)
{
	for (; list && *list; list++)
		if (**list == model)
			return 1;
	return 0;
}

/* A value the answer's AVPs of one model get: all replaced; when none is
 * there, added if add, else an error if must. */
struct fwd_set {
	struct dict_object *model;
	const char *val;
	int add, must, seen;
};

/*
 * One walk over U's top-level AVPs: those that name the next hop's side
 * (and its overload control AVPs, meant for us) are removed, the origin,
 * Session-Id and identities replaced.  (One walk, not one per AVP model:
 * the bench counted 14,000 instructions per MAR for the walks.)
 */
static int fwd_answer_avps(struct fwd_ctx *c, struct msg *u, struct fwd_set *set, size_t nset)
{
	static struct dict_object **const strip[] = {
		&sipdb_dict.route_record, &sipdb_dict.proxy_info, &sipdb_dict.error_reporting_host,
		&sipdb_dict.oc_supported_features, &sipdb_dict.oc_olr, NULL
	};
	struct avp *a, *next;
	size_t i;

	CHECK_FCT(fd_msg_browse(u, MSG_BRW_FIRST_CHILD, &a, NULL));
	for (; a; a = next) {
		struct dict_object *m = NULL;

		CHECK_FCT(fd_msg_browse(a, MSG_BRW_NEXT, &next, NULL));
		if (fd_msg_model(a, &m) || !m)
			continue;
		if (fwd_listed(m, strip) || fwd_listed(m, c->strip_ans)) {
			CHECK_FCT(fd_msg_free(a));
			continue;
		}
		for (i = 0; i < nset; i++) {
			if (set[i].model == m && set[i].val && set[i].val[0]) {
				CHECK_FCT(sipdb_avp_set_str(a, set[i].val));
				set[i].seen = 1;
			}
		}
	}
	for (i = 0; i < nset; i++) {
		if (set[i].seen || !set[i].val || !set[i].val[0])
			continue;
		if (set[i].must)
			return ENOENT;
		if (set[i].add) {
			CHECK_FCT(sipdb_avp_add_str(u, set[i].model, set[i].val));
		}
	}
	return 0;
}

/* Make U the answer to R: R's identifiers and Session-Id, our origin, the
 * asker's identities, R's Proxy-Info, our overload report if the asker
 * takes them; nothing of the next hop's topology. */
static int fwd_rewrite_answer(struct fwd_ctx *c, struct msg *u)
{
	struct msg_hdr *rh, *uh;
	struct avp *a, *copy;
	const char *sid;
	size_t sidlen;
	char sidbuf[1024];

	CHECK_FCT(fd_msg_hdr(c->req, &rh));
	CHECK_FCT(fd_msg_hdr(u, &uh));
	uh->msg_hbhid = rh->msg_hbhid;
	uh->msg_eteid = rh->msg_eteid;
	if (!c->partial)
		CHECK_FCT(fwd_drop_empty_unknown(u));
	CHECK_FCT(sipdb_avp_str(c->req, sipdb_dict.session_id, &sid, &sidlen, NULL));
	if (!sid || sidlen >= sizeof(sidbuf))
		return EINVAL;
	memcpy(sidbuf, sid, sidlen);
	sidbuf[sidlen] = '\0';
	{
		struct fwd_set set[] = {
			{ sipdb_dict.session_id, sidbuf, 0, 1, 0 },
			{ sipdb_dict.origin_host, fd_g_config->cnf_diamid, 0, 1, 0 },
			{ sipdb_dict.origin_realm, fd_g_config->cnf_diamrlm, 0, 1, 0 },
			{ sipdb_dict.user_name, c->ans_impi, c->echo_ids, 0, 0 },
			{ sipdb_dict.public_identity, c->ans_impu, c->echo_ids, 0, 0 },
		};

		CHECK_FCT(fwd_answer_avps(c, u, set, sizeof(set) / sizeof(set[0])));
	}
	CHECK_FCT(fd_msg_browse(c->req, MSG_BRW_FIRST_CHILD, &a, NULL));
	while (a) {
		struct dict_object *m = NULL;

		if (fd_msg_model(a, &m) == 0 && m == sipdb_dict.proxy_info &&
		    sipdb_avp_clone(a, &copy) == 0) {
			CHECK_FCT(fd_msg_avp_add(u, MSG_BRW_LAST_CHILD, copy));
		}
		CHECK_FCT(fd_msg_browse(a, MSG_BRW_NEXT, &a, NULL));
	}
	return sipdb_doic_report(c->req, u);
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
static void fwd_log_protocol_error(const struct fwd_ctx *c, struct msg *u, uint32_t code)
{
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
	uint32_t code = sipdb_answer_code(*u); /* Result- or Experimental-Result-Code */
	int ok = code / 1000 == 2;
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
	fwd_log_protocol_error(c, *u, code);
	c->req = NULL; /* now owned by the answer */
	CHECK_FCT_DO(fd_msg_send(u, NULL, NULL), );
	if (ok && c->note && c->binding_id)
		sipdb_db_note(c->binding_id, c->note, c->server, c->host);
	SIPDB_DEBUG("mig_sipdb: %s: answered (%s)", c->what, ok ? "success" : "error");
}

/* 1 if a is, by code and vendor, the AVP of key k. */
static int fwd_avp_is(struct avp *a, enum fwd_k k)
{
	struct avp_hdr *h;

	return fd_msg_avp_hdr(a, &h) == 0 &&
	       fwd_key_is(&fwd_k[k], h->avp_code, h->avp_flags & AVP_FLAG_VENDOR ? h->avp_vendor : 0);
}

/* The first top-level AVP of that model in a parsed message, or NULL. */
static struct avp *fwd_find(struct msg *m, struct dict_object *model)
{
	struct avp *a = NULL;

	return fd_msg_search_avp(m, model, &a) ? NULL : a;
}

/* The answer U to F is here: pass it on (why NULL) or refuse it.  An
 * overload report in it counts even when R was answered meanwhile. */
static void fwd_finish(struct fwd_ctx *c, struct msg **u, const char *why)
{
	struct msg *f = NULL;

	if (fd_msg_answ_getq(*u, &f) == 0 && f) {
		fd_msg_answ_detach(*u);
		fd_msg_free(f);
	}
	if (!why)
		sipdb_doic_heed(*u, c->partial ? c->olr : fwd_find(*u, sipdb_dict.oc_olr));
	if (fwd_claim(c)) {
		if (why)
			fwd_refuse_answer(c, u, why);
		else
			fwd_deliver(c, u);
	}
	if (*u) {
		fd_msg_free(*u);
		*u = NULL;
	}
	fwd_release(c);
}

/* freeDiameter's dispatch thread: the answer U to F arrived (or routing
 * failed: then U is a locally made 3002, passed on like any other answer). */
static void fwd_answer_cb(void *data, struct msg **u)
{
	fwd_finish(data, u, NULL);
}

/* The answer AVPs the rewrite reads or replaces, whatever the hop: the
 * identities and origin, the result, the overload report, what is always
 * stripped (but OC-Supported-Features: fwd_parse_answer drops it as it
 * is). */
static const enum fwd_k fwd_read[] = {
	FK_SESSION, FK_OHOST, FK_OREALM, FK_USER, FK_IMPU, FK_RESULT, FK_EXP_RESULT, FK_ERR_MSG,
	FK_ROUTE, FK_PROXY, FK_ERR_HOST, FK_OC_OLR,
};

/* 1 if the rewrite reads or replaces a: one of fwd_read, User-Data when the
 * hop maps it, or one of w's keys (the hop's stripped AVPs). */
static int fwd_answer_reads(const struct fwd_ctx *c, const struct fwd_wire *w, struct avp *a)
{
	struct avp_hdr *h;
	uint32_t vendor;
	size_t i;

	if (fd_msg_avp_hdr(a, &h))
		return 0;
	vendor = h->avp_flags & AVP_FLAG_VENDOR ? h->avp_vendor : 0;
	for (i = 0; i < sizeof(fwd_read) / sizeof(fwd_read[0]); i++)
		if (fwd_key_is(&fwd_k[fwd_read[i]], h->avp_code, vendor))
			return 1;
	if (c->user_data && fwd_key_is(&fwd_k[FK_USER_DATA], h->avp_code, vendor))
		return 1;
	for (i = 0; i < w->nstrip; i++)
		if (fwd_key_is(&w->strip[i], h->avp_code, vendor))
			return 1;
	return 0;
}

/*
 * Parse U with the dictionary only where the rewrite looks: every other
 * AVP (the SIP-Auth-Data-Items, above all) stays the bytes the next hop
 * sent and goes out as they came, as a relay passes them.  The core's full
 * parse of an answer (a dictionary search per AVP in lists that hold all of
 * dict_dcca_3gpp, and the ABNF pass, which takes freeDiameter's log mutex
 * per grouped AVP) was most of what the bench found a broker to spend on an
 * answer beyond a relay.  What is parsed loses its unknown empty AVPs
 * (fwd_drop_empty_unknown); EBADMSG when a read AVP does not parse.  The
 * next hop's OC-Supported-Features, meant for us and never passed on, is
 * dropped unparsed; its OC-OLR, if any, is noted for sipdb_doic_heed.
 */
static int fwd_parse_answer(struct fwd_ctx *c, struct msg *u)
{
	struct fwd_wire w = { 0 };
	struct avp *a, *next;

	c->partial = 1;
	CHECK_FCT(fwd_strip_keys(&w, c->strip_ans));
	CHECK_FCT(fd_msg_browse(u, MSG_BRW_FIRST_CHILD, &a, NULL));
	for (; a; a = next) {
		CHECK_FCT(fd_msg_browse(a, MSG_BRW_NEXT, &next, NULL));
		if (fwd_avp_is(a, FK_OC_SUP)) {
			CHECK_FCT(fd_msg_free(a));
			continue;
		}
		if (!fwd_answer_reads(c, &w, a))
			continue;
		if (fd_msg_parse_dict(a, fd_g_config->cnf_dict, NULL))
			return EBADMSG;
		CHECK_FCT(fwd_drop_empty_unknown(a));
		if (fwd_avp_is(a, FK_OC_OLR))
			c->olr = a;
	}
	return 0;
}

/* Our context when m is a forwarded request F of ours, or an answer to one
 * (then *f is F, else m itself); NULL for any other message. */
static struct fwd_ctx *fwd_ctx_of(struct msg *m, struct msg **f)
{
	void (*cb)(void *, struct msg **) = NULL;
	struct msg_hdr *h;
	void *c = NULL;

	*f = m;
	if (!m || fd_msg_hdr(m, &h))
		return NULL;
	if (!(h->msg_flags & CMD_FLAG_REQUEST) && (fd_msg_answ_getq(m, f) || !*f))
		return NULL;
	if (fd_msg_anscb_get(*f, &cb, NULL, &c) || cb != fwd_answer_cb)
		return NULL;
	return c;
}

/*
 * freeDiameter's routing-in thread, for every answer to a request that
 * carries a source (see fwd_mark_relayed).  Ours (F's, with fwd_answer_cb)
 * are answered from here: the answer skips the local queue and a dispatch
 * thread, and is parsed only where it is read (fwd_parse_answer).  One
 * whose read AVPs do not parse is refused at once.  Non-static for the
 * fuzz harness, which hands it the answers it makes.
 */
int sipdb_fwd_answer_route(void *unused, struct msg **u)
{
	struct msg *f;
	struct fwd_ctx *c = fwd_ctx_of(*u, &f);
	int rc;

	(void)unused;
	if (!c)
		return 0;
	rc = fwd_parse_answer(c, *u);
	fwd_finish(c, u, rc ? "the answer does not parse with the dictionary" : NULL);
	return 0;
}

/*
 * Let F's answer take sipdb_fwd_answer_route: freeDiameter calls the routing
 * callbacks only on answers to requests that have a source, so F gets
 * ours.  Only when F's Destination-Host is a peer that is open now: if
 * routing then fails, freeDiameter sends its error answer to the source
 * (here: nobody, it is dropped), where a request without one gets it back
 * in fwd_answer_cb at once.  Failing after this check (the peer closes
 * meanwhile) costs the asker the deadline, not an answer.
 */
static void fwd_mark_relayed(struct msg *f, const struct sipdb_hop *hop)
{
	struct peer_hdr *p = NULL;

	if (!hop->dest_host || !hop->dest_host[0] ||
	    fd_peer_getbyid((DiamId_t)hop->dest_host, strlen(hop->dest_host), 0, &p) || !p ||
	    fd_peer_get_state(p) != STATE_OPEN)
		return;
	CHECK_FCT_DO(fd_msg_source_set(f, fd_g_config->cnf_diamid, fd_g_config->cnf_diamid_len), );
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

/*
 * freeDiameter's HOOK_MESSAGE_DROPPED: it is about to free a message and no
 * callback will come for it.  When that is F, or the answer to F (one that
 * failed the dictionary, ARCHITECTURE.md pitfall 3; a routing error for an
 * F that carries a source), the reaper answers R at once instead of at the
 * deadline, and frees the context.  The hook replaces freeDiameter's
 * default line for the event, so every drop is logged here.
 */
static void fwd_drop_hook(enum fd_hook_type type, struct msg *msg, struct peer_hdr *peer,
                          void *other, struct fd_hook_permsgdata *pmd, void *regdata)
{
	struct msg *f;
	struct fwd_ctx *c = fwd_ctx_of(msg, &f);

	(void)type, (void)peer, (void)pmd, (void)regdata;
	fd_log_error("mig_sipdb: freeDiameter discarded a message: %s", other ? (char *)other : "");
	if (!c)
		return;
	fd_msg_anscb_reset(f, 1, 1);
	pthread_mutex_lock(&fwd_lock);
	c->dropped = 1;
	pthread_cond_signal(&fwd_cond);
	pthread_mutex_unlock(&fwd_lock);
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

	if (sipdb_doic_abate(hop->dest_host, hop->dest_realm)) {
		sipdb_limit_abated();
		SIPDB_DEBUG("mig_sipdb: %s: not sent, its next hop reported overload", hop->what);
		return sipdb_answer_error(req, "DIAMETER_TOO_BUSY", 0, "the next hop reported "
		                          "overload", NULL, hop->echo_ids ? &hop->ans : NULL);
	}
	if (!sipdb_limit_fwd_enter())
		return sipdb_answer_error(req, "DIAMETER_TOO_BUSY", 0, "too many requests in flight",
		                          NULL, hop->echo_ids ? &hop->ans : NULL);
	CHECK_MALLOC(c = fwd_ctx_new(*req, hop));
	*req = NULL;
	rc = fwd_build_request(c->req, hop, &f);
	if (rc) {
		fd_msg_free(f);
		fwd_answer_unreachable(c, "the request could not be forwarded");
		sipdb_limit_fwd_leave();
		free(c);
		return 0;
	}
	fwd_mark_relayed(f, hop);
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

/* Under the lock: claim the first context past its deadline (or dropped)
 * that nobody answered, and forget those the reaper answered long ago (or
 * that freeDiameter dropped: nothing will call back for them). */
static struct fwd_ctx *fwd_take_overdue(const struct timespec *now)
{
	struct fd_list *li, *next;

	for (li = fwd_pending.next; li != &fwd_pending; li = next) {
		struct fwd_ctx *c = li->o;

		next = li->next;
		if (!c->claimed && (c->dropped || ts_past(now, &c->deadline, FWD_REAP_GRACE_MS))) {
			c->claimed = c->reaped = c->reaping = 1;
			sipdb_limit_fwd_leave();
			return c;
		}
		if (c->reaped && (c->dropped || ts_past(now, &c->deadline, FWD_FORGET_S * 1000L))) {
			fd_list_unlink(&c->chain);
			fwd_free(c);
		}
	}
	return NULL;
}

/* One pass; answering happens outside the lock (it sends a message). */
static void fwd_reap_once(void)
{
	struct timespec now;
	struct fwd_ctx *c;
	int done;

	clock_gettime(CLOCK_REALTIME, &now);
	for (;;) {
		pthread_mutex_lock(&fwd_lock);
		c = fwd_take_overdue(&now);
		pthread_mutex_unlock(&fwd_lock);
		if (!c)
			break;
		if (c->dropped)
			fwd_answer_unreachable(c, "freeDiameter could not deliver the request or its answer");
		else
			fwd_answer_silence(c, "the answer was lost");
		pthread_mutex_lock(&fwd_lock);
		c->reaping = 0;
		done = c->released || c->dropped;
		if (c->dropped)
			fd_list_unlink(&c->chain);
		pthread_mutex_unlock(&fwd_lock);
		if (done)
			fwd_free(c);
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
	CHECK_FCT(fwd_keys_init());
	CHECK_FCT(fd_rt_fwd_register(sipdb_fwd_answer_route, NULL, RT_FWD_ANS, &fwd_rt_hdl));
	CHECK_FCT(fd_hook_register(HOOK_MASK(HOOK_MESSAGE_DROPPED), fwd_drop_hook, NULL, NULL,
	                           &fwd_drop_hdl));
	CHECK_POSIX(pthread_create(&fwd_reaper_thr, NULL, fwd_reaper, NULL));
	fwd_started = 1;
	return 0;
}

/* The framework never frees callback data (pitfall 6): free what is left. */
void sipdb_fwd_fini(void)
{
	if (fwd_rt_hdl)
		CHECK_FCT_DO(fd_rt_fwd_unregister(fwd_rt_hdl, NULL), );
	fwd_rt_hdl = NULL;
	if (fwd_drop_hdl)
		fd_hook_unregister(fwd_drop_hdl);
	fwd_drop_hdl = NULL;
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
		fwd_free(c);
	}
}
