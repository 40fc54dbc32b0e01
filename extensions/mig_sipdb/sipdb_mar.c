/*
 * sipdb_mar.c: Multimedia-Auth-Request (TR 23.781 6.2.1 steps 16-21).
 *
 * Who asks decides the role:
 *   - our own S-CSCF (Origin-Realm is ours): an inbound migration identity
 *     is brokered to the visitor's primary system (partner role); any other
 *     identity passes through to the local HSS unchanged;
 *   - a partner system: an outbound binding of ours must exist for that
 *     partner, and the request must really come from it (primary role); the
 *     local HSS answers under our real identities.
 * Each path is parse -> look up -> decide -> forward; the forwarding itself
 * is sipdb_fwd's.
 */
#include <strings.h>

#include "sipdb.h"

/* Cx Experimental-Result-Codes (TS 29.229 6.2.2). */
#define CX_USER_UNKNOWN 5001
#define CX_IDENTITIES_DONT_MATCH 5002

struct mar_req {
	char impi[MIG_IDENT_MAX + 1];
	char impu[MIG_IDENT_MAX + 1];
	char origin_realm[MIG_IDENT_MAX + 1];
	struct msg **msg;
};

static struct disp_hdl *mar_hdl;

static int mar_refuse(struct mar_req *r, const char *base, uint32_t exp, const char *why,
                      const struct mig_binding *b)
{
	struct sipdb_ids ids = { r->impi, r->impu };

	atomic_fetch_add(&sipdb_stats.mar_refused, 1);
	fd_log_notice("mig_sipdb: MAR for '%s' from realm '%s' refused: %s", r->impi,
	              r->origin_realm, why);
	if (!exp)
		sipdb_db_audit("mar-refused", b, r->origin_realm, why);
	return sipdb_answer_error(r->msg, base, exp, NULL, NULL, &ids);
}

static int mar_parse(struct mar_req *r, int *answered)
{
	CHECK_FCT(sipdb_req_ident(r->msg, sipdb_dict.user_name, r->impi, 1, answered));
	if (!*answered) {
		CHECK_FCT(sipdb_req_ident(r->msg, sipdb_dict.public_identity, r->impu, 1, answered));
	}
	if (*answered) {
		atomic_fetch_add(&sipdb_stats.mar_refused, 1);
		return 0;
	}
	/* Routing already required a usable Origin-Realm. */
	if (sipdb_avp_ident(*r->msg, sipdb_dict.origin_realm, r->origin_realm, NULL))
		r->origin_realm[0] = '\0';
	return 0;
}

/* Does impi have the form of our generated migration identities?  Such an
 * identity with no binding is unknown here (5001), not a local user. */
static int mar_looks_migrated(const char *impi)
{
	const struct mig_config *c = sipdb_conf;
	size_t plen = strlen(c->id_prefix), ilen = strlen(impi), rlen = strlen(c->id_realm);
	const char *at = strrchr(impi, '@');

	return plen && !strncasecmp(impi, c->id_prefix, plen) && at &&
	       (size_t)(ilen - (at + 1 - impi)) == rlen && !strcasecmp(at + 1, c->id_realm);
}

static int mar_passthrough(struct mar_req *r)
{
	struct sipdb_hop hop = { sipdb_conf->hss_realm, sipdb_conf->hss_host, { NULL, NULL },
	                         { NULL, NULL }, NULL, 0, 0, "MAR passed to the local HSS" };

	atomic_fetch_add(&sipdb_stats.mar_local, 1);
	return sipdb_fwd(r->msg, &hop);
}

/* Partner role: a visitor's inbound identity, asked by our S-CSCF. */
static int mar_from_local(struct mar_req *r)
{
	const struct mig_partner_conf *p;
	struct mig_binding b;
	mig_store_t *st = sipdb_db();
	int rc;

	if (!st)
		return mar_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", 0, "binding store unavailable", NULL);
	rc = mig_binding_by_mig_impi(st, r->impi, &b);
	if (rc == MIG_NOTFOUND && !mar_looks_migrated(r->impi))
		return mar_passthrough(r);
	if (rc == MIG_NOTFOUND || (rc == MIG_OK && b.dir != MIG_DIR_IN))
		return mar_refuse(r, NULL, CX_USER_UNKNOWN, "unknown inbound identity", NULL);
	if (rc != MIG_OK)
		return mar_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", 0, mig_store_errmsg(st), NULL);
	if (!mig_binding_live(&b, mig_store_now(st)))
		return mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                  b.state == MIG_STATE_REVOKED ? "binding revoked" : "binding expired",
		                  &b);
	if (strcasecmp(r->impu, b.mig_impu))
		return mar_refuse(r, NULL, CX_IDENTITIES_DONT_MATCH, "IMPU not bound to this IMPI",
		                  NULL);
	p = mig_config_partner(sipdb_conf, b.peer_realm);
	if (!p || !p->migrate_in)
		return mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                  "primary system no longer allowed", &b);
	{
		struct sipdb_hop hop = { b.peer_realm, b.peer_sipdb[0] ? b.peer_sipdb : p->sipdb,
		                         { b.home_impi, b.home_impu }, { b.mig_impi, b.mig_impu },
		                         sipdb_conf->border_server_name, b.id, 1,
		                         "MAR brokered to the primary system" };

		atomic_fetch_add(&sipdb_stats.mar_brokered, 1);
		return sipdb_fwd(r->msg, &hop);
	}
}

/* The peer the request arrived from must be the partner's SIP database
 * when configured, or at least a peer of the partner's realm. */
static int mar_source_ok(struct msg *m, const struct mig_partner_conf *p)
{
	struct peer_hdr *peer = NULL;
	DiamId_t src = NULL;
	size_t len = 0;

	if (fd_msg_source_get(m, &src, &len) || !src)
		return 0;
	if (p->sipdb[0])
		return strlen(p->sipdb) == len && !strncasecmp(p->sipdb, (char *)src, len);
	if (fd_peer_getbyid(src, len, 1, &peer) || !peer || !peer->info.runtime.pir_realm)
		return 0;
	return !strcasecmp(peer->info.runtime.pir_realm, p->realm);
}

/* Primary role: a partner asks for one of our migrated users. */
static int mar_from_partner(struct mar_req *r)
{
	const struct mig_partner_conf *p = mig_config_partner(sipdb_conf, r->origin_realm);
	struct mig_binding b;
	mig_store_t *st = sipdb_db();
	int rc;

	if (!p || !p->migrate_out)
		return mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                  "realm is not a partner our users may migrate to", NULL);
	if (!mar_source_ok(*r->msg, p))
		return mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                  "request did not come from the partner's peer", NULL);
	if (!st)
		return mar_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", 0, "binding store unavailable", NULL);
	rc = p->obfuscate ? mig_binding_by_mig_impi(st, r->impi, &b)
	                  : mig_binding_by_home(st, MIG_DIR_OUT, r->impi, p->realm, &b);
	if (rc == MIG_NOTFOUND || (rc == MIG_OK && b.dir != MIG_DIR_OUT))
		return p->obfuscate
		           ? mar_refuse(r, NULL, CX_USER_UNKNOWN, "unknown outbound identity", NULL)
		           : mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                        "user has no binding for this partner", NULL);
	if (rc != MIG_OK)
		return mar_refuse(r, "DIAMETER_UNABLE_TO_COMPLY", 0, mig_store_errmsg(st), NULL);
	if (strcasecmp(b.peer_realm, p->realm))
		return mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                  "identity is bound to another partner", &b);
	if (!mig_binding_live(&b, mig_store_now(st)))
		return mar_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                  b.state == MIG_STATE_REVOKED ? "binding revoked" : "binding expired",
		                  &b);
	if (strcasecmp(r->impu, p->obfuscate ? b.mig_impu : b.home_impu))
		return mar_refuse(r, NULL, CX_IDENTITIES_DONT_MATCH, "IMPU not bound to this IMPI",
		                  NULL);
	{
		struct sipdb_hop hop = { sipdb_conf->hss_realm, sipdb_conf->hss_host,
		                         { b.home_impi, b.home_impu }, { r->impi, r->impu }, NULL,
		                         b.id, 1, "MAR for a migrated user, to the local HSS" };

		atomic_fetch_add(&sipdb_stats.mar_brokered, 1);
		return sipdb_fwd(r->msg, &hop);
	}
}

static int mar_cb(struct msg **msg, struct avp *avp, struct session *sess, void *opaque,
                  enum disp_action *act)
{
	struct mar_req r;
	int answered;

	(void)avp;
	(void)sess;
	(void)opaque;
	memset(&r, 0, sizeof(r));
	r.msg = msg;
	*act = DISP_ACT_CONT;
	atomic_fetch_add(&sipdb_stats.mar_in, 1);
	CHECK_FCT(mar_parse(&r, &answered));
	if (answered)
		return 0;
	if (!strcasecmp(r.origin_realm, sipdb_conf->realm))
		return mar_from_local(&r);
	return mar_from_partner(&r);
}

int sipdb_mar_init(void)
{
	struct disp_when when = { 0 };

	when.app = sipdb_dict.app_cx;
	when.command = sipdb_dict.cmd_mar;
	CHECK_FCT(fd_disp_register(mar_cb, DISP_HOW_CC, &when, NULL, &mar_hdl));
	return 0;
}

void sipdb_mar_fini(void)
{
	if (mar_hdl)
		fd_disp_unregister(&mar_hdl, NULL);
}
