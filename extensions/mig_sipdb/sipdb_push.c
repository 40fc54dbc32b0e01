/*
 * sipdb_push.c: Registration-Termination-Request and Push-Profile-Request
 * that reach the broker (TS 29.229 6.1.9-6.1.12): the HSS side ends a
 * registration or changes a profile, and the S-CSCF that holds the
 * registration must hear it, under the identities it knows.
 *
 *   primary side: our HSS sends it to us, since the migrated user's SAR
 *     came through us.  Her outbound binding registered at a partner
 *     (sipdb_find_pushed) names the partner: the request goes to its SIP
 *     database under the identities the partner knows.
 *   partner side: a primary system sends it for its user (an RTR of ours
 *     when a binding is revoked comes this way too, sipdb_rtr.c).  The
 *     partner must be allowed and really the sender; the visitor's inbound
 *     binding must be registered here, and the request goes to the S-CSCF
 *     that registered it (Destination-Host = the Origin-Host of its SAR)
 *     under her inbound identities.
 *
 * A PPR's User-Data is mapped on the way like an SAA's (sipdb_udata.c;
 * refused with 5009 DIAMETER_ERROR_NOT_SUPPORTED_USER_DATA when it cannot
 * be), with the partner's visitor profile on the partner side.  An RTR
 * always carries exactly one Public-Identity onward: Kamailio answers
 * nothing to an RTR without one, nor for an identity it does not hold --
 * so an RTR our S-CSCF leaves unanswered by the deadline is answered 5003
 * DIAMETER_ERROR_IDENTITY_NOT_REGISTERED (final for the primary), while
 * one we cannot deliver to it at all is 3002 (the primary tries again).
 * An answered RTR (success) leaves the binding no longer registered.  What
 * names one system's inside is removed both ways: Associated-Identities
 * (the user's other IMPIs), charging functions.
 */
#include "sipdb.h"

static struct dict_object **const push_strip_req[] = {
	&sipdb_dict.associated_identities, &sipdb_dict.charging_information, NULL
};
static struct dict_object **const push_strip_ans[] = {
	&sipdb_dict.associated_identities, &sipdb_dict.identity_with_emergency_registration, NULL
};

/* Where the request goes, and under which identities: filled by role. */
struct push_route {
	const char *dest_realm;
	const char *dest_host;
	struct sipdb_ids fwd;           /* what the receiver knows */
	struct sipdb_ids asked;         /* what the sender used */
	const struct mig_partner_conf *visitor;
	char host[MIG_IDENT_MAX + 1];
};

/* Primary side: to the partner where our user is registered.  *done when
 * refused. */
static int push_route_partner(struct sipdb_req *r, struct sipdb_match *m, struct push_route *rt,
                              int *done)
{
	const char *why;

	*done = !sipdb_peer_dest_ok(m->p, &why);
	if (*done)
		return sipdb_refuse(r, "DIAMETER_UNABLE_TO_DELIVER", 0, why, &m->b);
	rt->dest_realm = m->p->realm;
	rt->dest_host = m->p->sipdb;
	if (!rt->dest_host[0] && sipdb_db() && mig_binding_host(sipdb_db(), m->b.id, rt->host) == 0)
		rt->dest_host = rt->host;
	rt->fwd = sipdb_partner_ids(m);
	rt->asked.impi = m->b.home_impi;
	rt->asked.impu = m->b.home_impu;
	return 0;
}

/* Partner side: to the S-CSCF that registered the visitor. */
static int push_route_scscf(struct sipdb_req *r, struct sipdb_match *m, struct push_route *rt,
                            int *done)
{
	mig_store_t *st = sipdb_db();

	*done = !st || mig_binding_host(st, m->b.id, rt->host) || !rt->host[0];
	if (*done)
		return sipdb_refuse(r, NULL, CX_IDENTITY_NOT_REGISTERED,
		                    "no S-CSCF known for the visitor", NULL);
	rt->dest_realm = sipdb_conf->realm;
	rt->dest_host = rt->host;
	rt->fwd.impi = m->b.mig_impi;
	rt->fwd.impu = m->b.mig_impu;
	rt->asked.impi = m->b.home_impi;
	rt->asked.impu = m->b.home_impu;
	rt->visitor = m->p;
	return 0;
}

/* A PPR's User-Data, mapped before the request is copied onward. */
static int push_user_data(struct sipdb_req *r, const struct push_route *rt, int *refused)
{
	struct sipdb_umap map = { rt->asked, rt->fwd, rt->visitor };
	int rc = r->cmd == SIPDB_PPR ? sipdb_udata_rewrite(*r->msg, &map) : 0;

	*refused = rc == EBADMSG;
	if (*refused)
		return sipdb_refuse(r, NULL, CX_NOT_SUPPORTED_USER_DATA,
		                    "User-Data is not a usable IMS subscription", NULL);
	return rc;
}

/* parse -> look up -> route -> map -> forward. */
int sipdb_push_handle(struct msg **msg, enum sipdb_cmd cmd)
{
	struct push_route rt;
	struct sipdb_match m;
	struct sipdb_req r;
	enum sipdb_verdict v;
	int answered;

	memset(&rt, 0, sizeof(rt));
	CHECK_FCT(sipdb_req_parse(&r, msg, cmd, 1, 0, &answered));
	if (answered)
		return 0;
	CHECK_FCT(sipdb_find_pushed(&r, &m, &v));
	if (v != SIPDB_GO)
		return 0;
	if (sipdb_req_local(&r)) {
		CHECK_FCT(push_route_partner(&r, &m, &rt, &answered));
	} else {
		CHECK_FCT(push_route_scscf(&r, &m, &rt, &answered));
	}
	if (!answered) {
		CHECK_FCT(push_user_data(&r, &rt, &answered));
	}
	if (answered)
		return 0;
	{
		struct sipdb_hop hop = {
			.dest_realm = rt.dest_realm, .dest_host = rt.dest_host,
			.fwd = rt.fwd, .ans = { r.impi, r.impu[0] ? r.impu : NULL },
			.binding_id = m.b.id, .one_impu = cmd == SIPDB_RTR,
			.silence_exp = cmd == SIPDB_RTR && !sipdb_req_local(&r)
			                       ? CX_IDENTITY_NOT_REGISTERED : 0,
			.note = cmd == SIPDB_RTR ? SIPDB_NOTE_UNREGISTER : SIPDB_NOTE_NONE,
			.strip_req = push_strip_req, .strip_ans = push_strip_ans,
			.what = cmd == SIPDB_RTR ? "RTR for a migrated user" : "PPR for a migrated user",
		};

		atomic_fetch_add(&sipdb_stats.cmd[cmd].brokered, 1);
		return sipdb_fwd(r.msg, &hop);
	}
}
