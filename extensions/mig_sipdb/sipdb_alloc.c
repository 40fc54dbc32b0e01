/*
 * sipdb_alloc.c: the migration-allocation application (doc/allocation.md).
 *
 * The configuration management server asks for outbound migration
 * identities in the primary system (GOR, TR 23.781 steps 4-6) and for
 * inbound ones in the partner system (GIR, steps 9-11).  Both allocate a
 * binding in one store transaction before answering: an identity handed out
 * is always one that is recorded.  A repeated request for the same user and
 * system gets the live binding it already has, never a second one.
 */
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

static int alloc_refuse(struct alloc_req *r, const char *base, const char *why)
{
	atomic_fetch_add(&sipdb_stats.alloc_refused, 1);
	fd_log_notice("mig_sipdb: %s allocation for '%s' (realm '%s') refused: %s",
	              mig_dir_name(r->dir), r->impi, r->realm, why);
	return sipdb_answer_error(r->msg, base, 0, (char *)why, NULL, NULL);
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

static int alloc_store(struct alloc_req *r, const struct mig_partner_conf *p)
{
	const char *sipdb = r->sipdb[0] ? r->sipdb : p->sipdb;
	struct mig_alloc_req q = { r->dir, r->impi, r->impu, r->realm,
	                           r->dir == MIG_DIR_IN ? sipdb : NULL,
	                           r->pool[0] ? r->pool : (sipdb_conf->id_pool[0] ? sipdb_conf->id_pool : NULL),
	                           alloc_lifetime(r->lifetime) };
	struct mig_binding b;
	mig_store_t *st = sipdb_db();
	int rc;

	if (!st)
		return alloc_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", "binding store unavailable");
	rc = mig_binding_allocate(st, &q, &b);
	switch (rc) {
	case MIG_OK:
	case MIG_CONFLICT: /* the live binding this user already has */
		return alloc_answer(r, &b, p);
	case MIG_DENIED:
		return alloc_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", mig_store_errmsg(st));
	case MIG_INVALID:
		return alloc_refuse(r, "DIAMETER_INVALID_AVP_VALUE", mig_store_errmsg(st));
	case MIG_BUSY:
		return alloc_refuse(r, "DIAMETER_TOO_BUSY", mig_store_errmsg(st));
	default:
		return alloc_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", mig_store_errmsg(st));
	}
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
}
