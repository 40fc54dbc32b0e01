/*
 * sipdb_uar.c: User-Authorization-Request and Location-Info-Request
 * (TS 29.229 6.1.1/6.1.2, 6.1.5/6.1.6) from our own I-CSCF.
 *
 * Which S-CSCF serves a visitor is our system's business, not the primary
 * system's: for an inbound identity the broker answers itself, from the
 * binding (where it is registered) and from the configuration ("scscf":
 * the Server-Name and Server-Capabilities of our S-CSCF), after the same
 * checks as MAR (sipdb_find_visitor: known, live, IMPU bound to the IMPI,
 * primary still allowed).  Nothing crosses the border.  Identities that
 * are not migration identities pass through to the local HSS; a UAR or LIR
 * from another system is refused (5003).
 *
 *   UAR REGISTRATION (0), not registered    2001 FIRST_REGISTRATION (exp.) +
 *                                           Server-Name of scscf.name, or
 *                                           Server-Capabilities without it
 *   UAR REGISTRATION, registered            2002 SUBSEQUENT_REGISTRATION +
 *                                           the binding's Server-Name
 *   UAR REGISTRATION_AND_CAPABILITIES (2)   2001 FIRST_REGISTRATION +
 *                                           Server-Capabilities
 *   UAR DE_REGISTRATION (1), registered     2001 DIAMETER_SUCCESS + its
 *                                           Server-Name
 *   LIR, registered                         2001 DIAMETER_SUCCESS + its
 *                                           Server-Name
 *   UAR DE_REGISTRATION or LIR, not         5003 IDENTITY_NOT_REGISTERED
 *     registered                            (exp.)
 */
#include "sipdb.h"

/* User-Authorization-Type (TS 29.229 6.3.24). */
#define UAT_REGISTRATION 0
#define UAT_DE_REGISTRATION 1
#define UAT_REGISTRATION_AND_CAPABILITIES 2

/* Server-Capabilities of our S-CSCF, from the configuration. */
static int uar_add_caps(struct msg *ans)
{
	const struct mig_config *c = sipdb_conf;
	struct avp *caps;
	size_t i;

	CHECK_FCT(fd_msg_avp_new(sipdb_dict.server_capabilities, 0, &caps));
	for (i = 0; i < c->scscf_mandatory.n; i++)
		CHECK_FCT(sipdb_avp_add_u32(caps, sipdb_dict.mandatory_capability,
		                            c->scscf_mandatory.v[i]));
	for (i = 0; i < c->scscf_optional.n; i++)
		CHECK_FCT(sipdb_avp_add_u32(caps, sipdb_dict.optional_capability,
		                            c->scscf_optional.v[i]));
	if (c->scscf_name[0]) {
		CHECK_FCT(sipdb_avp_add_str(caps, sipdb_dict.server_name, c->scscf_name));
	}
	return fd_msg_avp_add(ans, MSG_BRW_LAST_CHILD, caps);
}

/* The decision: code (base name or experimental) and what follows it. */
struct uar_answer {
	const char *base;
	uint32_t exp;
	const char *server_name;  /* Server-Name to give, or NULL */
	int caps;                 /* give Server-Capabilities */
};

static struct uar_answer uar_decide(enum sipdb_cmd cmd, uint32_t type,
                                    const struct mig_binding *b)
{
	int registered = b->state == MIG_STATE_REGISTERED && b->server[0];
	const char *ours = sipdb_conf->scscf_name[0] ? sipdb_conf->scscf_name : NULL;
	struct uar_answer a = { NULL, 0, NULL, 0 };

	if (cmd == SIPDB_LIR || type == UAT_DE_REGISTRATION) {
		if (!registered) {
			a.exp = CX_IDENTITY_NOT_REGISTERED;
			return a;
		}
		a.base = "DIAMETER_SUCCESS";
		a.server_name = b->server;
		return a;
	}
	if (registered && type == UAT_REGISTRATION) {
		a.exp = CX_SUBSEQUENT_REGISTRATION;
		a.server_name = b->server;
		return a;
	}
	a.exp = CX_FIRST_REGISTRATION;
	if (ours && type == UAT_REGISTRATION)
		a.server_name = ours;
	else
		a.caps = 1;
	return a;
}

static int uar_answer(struct sipdb_req *r, const struct mig_binding *b)
{
	uint32_t type = UAT_REGISTRATION;
	struct uar_answer a;

	if (sipdb_avp_u32(*r->msg, sipdb_dict.user_authorization_type, &type))
		type = UAT_REGISTRATION;
	a = uar_decide(r->cmd, type, b);
	CHECK_FCT(sipdb_answer_start(r->msg, a.base, a.exp, NULL));
	if (a.server_name) {
		CHECK_FCT(sipdb_avp_add_str(*r->msg, sipdb_dict.server_name, a.server_name));
	}
	if (a.caps) {
		CHECK_FCT(uar_add_caps(*r->msg));
	}
	atomic_fetch_add(&sipdb_stats.cmd[r->cmd].answered, 1);
	SIPDB_DEBUG("mig_sipdb: %s for '%s' answered %u", sipdb_cmd_name(r->cmd), r->impu,
	             a.exp ? a.exp : 2001);
	return fd_msg_send(r->msg, NULL, NULL);
}

/* parse -> refuse other systems -> look up -> answer (or pass through). */
int sipdb_uar_handle(struct msg **msg, enum sipdb_cmd cmd)
{
	struct sipdb_match m;
	struct sipdb_req r;
	enum sipdb_verdict v;
	int answered;

	CHECK_FCT(sipdb_req_parse(&r, msg, cmd, cmd == SIPDB_UAR, 1, &answered));
	if (answered)
		return 0;
	if (!sipdb_req_local(&r))
		return sipdb_refuse(&r, "DIAMETER_AUTHORIZATION_REJECTED", 0,
		                    "only our own I-CSCF may ask", NULL);
	CHECK_FCT(sipdb_find_visitor(&r, &m, &v));
	if (v == SIPDB_PASS)
		return sipdb_pass_to_hss(&r);
	if (v == SIPDB_DONE)
		return 0;
	return uar_answer(&r, &m.b);
}
