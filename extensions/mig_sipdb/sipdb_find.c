/*
 * sipdb_find.c: what every Cx handler decides the same way.
 *
 * A handler is parse -> look up -> decide -> build.  Parsing the identities
 * and the three look-ups live here, once for all commands:
 *
 *   sipdb_find_visitor   partner role: our own S-CSCF or I-CSCF asks
 *                        (MAR, SAR, UAR, LIR) about an inbound identity
 *   sipdb_find_migrant   primary role: a partner asks (MAR, SAR) about one
 *                        of our users
 *   sipdb_find_pushed    RTR/PPR: our HSS pushes to a user of ours
 *                        registered at a partner, or a primary pushes to
 *                        its visitor registered here
 *
 * Each either finds a usable binding (SIPDB_GO), says the identity is none
 * of ours (SIPDB_PASS: the local HSS answers), or answers the request with
 * the error (SIPDB_DONE).  Refusals that concern a binding or a partner
 * (base Result-Codes) are audited; "unknown identity" (Cx experimental
 * codes) is not, so that scanning for identities cannot fill the log.
 */
#include <strings.h>

#include <time.h>

#include "sipdb.h"

static const char *const cmd_names[SIPDB_NCMDS] = { "UAR", "SAR", "LIR", "MAR", "RTR", "PPR" };
static const char *const cmd_lower[SIPDB_NCMDS] = { "uar", "sar", "lir", "mar", "rtr", "ppr" };

const char *sipdb_cmd_name(enum sipdb_cmd cmd)
{
	return cmd < SIPDB_NCMDS ? cmd_names[cmd] : "?";
}

const char *sipdb_cmd_lower(enum sipdb_cmd cmd)
{
	return cmd < SIPDB_NCMDS ? cmd_lower[cmd] : "?";
}

/* ---- parse ------------------------------------------------------------- */

/* A request that says it comes from our own system but arrived from a
 * partner's peer is refused (5003, audited): the role of every handler
 * hangs on Origin-Realm. */
static int req_not_spoofed(struct sipdb_req *r, int *answered)
{
	const char *why;

	if (!sipdb_req_local(r) || sipdb_peer_local(*r->msg, &why))
		return 0;
	*answered = 1;
	return sipdb_refuse(r, "DIAMETER_AUTHORIZATION_REJECTED", 0, why, NULL);
}

int sipdb_req_parse(struct sipdb_req *r, struct msg **msg, enum sipdb_cmd cmd,
                    int need_impi, int need_impu, int *answered)
{
	memset(r, 0, sizeof(*r));
	r->msg = msg;
	r->cmd = cmd;
	atomic_fetch_add(&sipdb_stats.cmd[cmd].in, 1);
	CHECK_FCT(sipdb_req_ident(msg, sipdb_dict.user_name, r->impi, need_impi, answered));
	if (!*answered) {
		CHECK_FCT(sipdb_req_ident(msg, sipdb_dict.public_identity, r->impu, need_impu,
		                          answered));
	}
	if (*answered) {
		atomic_fetch_add(&sipdb_stats.cmd[cmd].refused, 1);
		return 0;
	}
	/* Routing already required usable Origin-Host and Origin-Realm. */
	if (sipdb_avp_ident(*msg, sipdb_dict.origin_realm, r->origin_realm, NULL))
		r->origin_realm[0] = '\0';
	if (sipdb_avp_ident(*msg, sipdb_dict.origin_host, r->origin_host, NULL))
		r->origin_host[0] = '\0';
	return req_not_spoofed(r, answered);
}

int sipdb_req_local(const struct sipdb_req *r)
{
	return !strcasecmp(r->origin_realm, sipdb_conf->realm);
}

/* ---- answers ----------------------------------------------------------- */

int sipdb_refuse(struct sipdb_req *r, const char *base, uint32_t exp, const char *why,
                 const struct mig_binding *b)
{
	struct sipdb_ids ids = { r->impi, r->impu }, impi_only = { r->impi, NULL };
	char action[40];

	atomic_fetch_add(&sipdb_stats.cmd[r->cmd].refused, 1);
	fd_log_notice("mig_sipdb: %s for '%s' from realm '%s' refused: %s", sipdb_cmd_name(r->cmd),
	              r->impi[0] ? r->impi : r->impu, r->origin_realm, why);
	if (!exp) {
		snprintf(action, sizeof(action), "%s-refused", sipdb_cmd_lower(r->cmd));
		sipdb_db_audit(action, b, r->origin_realm, why);
	}
	/* Kamailio wants the identities in every MAA; an SAA may carry User-Name. */
	return sipdb_answer_error(r->msg, base, exp, NULL, NULL,
	                          r->cmd == SIPDB_MAR ? &ids
	                          : r->cmd == SIPDB_SAR ? &impi_only : NULL);
}

int sipdb_pass_to_hss(struct sipdb_req *r)
{
	struct sipdb_hop hop = { .dest_realm = sipdb_conf->hss_realm,
	                         .dest_host = sipdb_conf->hss_host,
	                         .what = "passed to the local HSS" };

	atomic_fetch_add(&sipdb_stats.cmd[r->cmd].local, 1);
	return sipdb_fwd(r->msg, &hop);
}

/* What a brokered request is, for the logs, by command. */
static const char *const to_primary_what[SIPDB_NCMDS] = {
	[SIPDB_SAR] = "SAR brokered to the primary system",
	[SIPDB_MAR] = "MAR brokered to the primary system",
};
static const char *const to_hss_what[SIPDB_NCMDS] = {
	[SIPDB_SAR] = "SAR for a migrated user, to the local HSS",
	[SIPDB_MAR] = "MAR for a migrated user, to the local HSS",
};

/*
 * A MAR for a binding already registered, and noted less than a minute ago,
 * is not noted again: each note is a store write with an audit row, which
 * the bench showed to be a quarter of a broker's work per MAR.  A SAR is
 * always noted (it says where the user registers); this only thins out the
 * MARs of a user who keeps re-authenticating.
 */
#define SIPDB_NOTE_REFRESH_S 60

static void note_only_if_new(struct sipdb_hop *hop, const struct mig_binding *b,
                             enum sipdb_cmd cmd)
{
	if (cmd == SIPDB_MAR && hop->note == SIPDB_NOTE_REGISTER &&
	    b->state == MIG_STATE_REGISTERED && b->last_used &&
	    time(NULL) - b->last_used < SIPDB_NOTE_REFRESH_S)
		hop->note = SIPDB_NOTE_NONE;
}

/* Partner role: to the visitor's primary system. */
static int to_primary(struct sipdb_req *r, const struct sipdb_match *m, struct sipdb_hop *hop)
{
	const char *why;

	if (!sipdb_peer_dest_ok(m->p, &why))
		return sipdb_refuse(r, "DIAMETER_UNABLE_TO_DELIVER", 0, why, &m->b);
	hop->dest_realm = m->b.peer_realm;
	hop->dest_host = m->b.peer_sipdb[0] ? m->b.peer_sipdb : m->p->sipdb;
	hop->fwd.impi = m->b.home_impi;
	hop->fwd.impu = m->b.home_impu;
	hop->ans.impi = m->b.mig_impi;
	hop->ans.impu = m->b.mig_impu;
	hop->server_name = sipdb_conf->border_server_name;
	hop->binding_id = m->b.id;
	note_only_if_new(hop, &m->b, r->cmd);
	hop->visitor = m->p;
	hop->what = to_primary_what[r->cmd];
	atomic_fetch_add(&sipdb_stats.cmd[r->cmd].brokered, 1);
	return sipdb_fwd(r->msg, hop);
}

/* Primary role: to our HSS under the user's real identities. */
static int to_hss(struct sipdb_req *r, const struct sipdb_match *m, struct sipdb_hop *hop)
{
	hop->dest_realm = sipdb_conf->hss_realm;
	hop->dest_host = sipdb_conf->hss_host;
	hop->fwd.impi = m->b.home_impi;
	hop->fwd.impu = m->b.home_impu;
	hop->ans = sipdb_partner_ids(m);
	hop->binding_id = m->b.id;
	note_only_if_new(hop, &m->b, r->cmd);
	hop->what = to_hss_what[r->cmd];
	atomic_fetch_add(&sipdb_stats.cmd[r->cmd].brokered, 1);
	return sipdb_fwd(r->msg, hop);
}

int sipdb_broker(struct sipdb_req *r, struct sipdb_hop *hop)
{
	struct sipdb_match m;
	enum sipdb_verdict v;

	if (!sipdb_req_local(r)) {
		CHECK_FCT(sipdb_find_migrant(r, &m, &v));
		return v == SIPDB_GO ? to_hss(r, &m, hop) : 0;
	}
	CHECK_FCT(sipdb_find_visitor(r, &m, &v));
	if (v == SIPDB_PASS)
		return sipdb_pass_to_hss(r);
	return v == SIPDB_GO ? to_primary(r, &m, hop) : 0;
}

struct sipdb_ids sipdb_partner_ids(const struct sipdb_match *m)
{
	struct sipdb_ids ids = { m->b.home_impi, m->b.home_impu };

	if (m->p && m->p->obfuscate) {
		ids.impi = m->b.mig_impi;
		ids.impu = m->b.mig_impu;
	}
	return ids;
}

/* ---- helpers ----------------------------------------------------------- */

/* Refuse, and say the request is answered. */
static int refused(struct sipdb_req *r, enum sipdb_verdict *v, const char *base, uint32_t exp,
                   const char *why, const struct mig_binding *b)
{
	*v = SIPDB_DONE;
	return sipdb_refuse(r, base, exp, why, b);
}

static int rejected(struct sipdb_req *r, enum sipdb_verdict *v, const char *why,
                    const struct mig_binding *b)
{
	return refused(r, v, "DIAMETER_AUTHORIZATION_REJECTED", 0, why, b);
}

static int store_trouble(struct sipdb_req *r, enum sipdb_verdict *v, mig_store_t *st)
{
	return refused(r, v, "DIAMETER_UNABLE_TO_COMPLY", 0,
	               st ? mig_store_errmsg(st) : "binding store unavailable", NULL);
}

/*
 * Does ident have the form of our generated migration identities (an IMPU
 * with or without its sip:/sips: scheme)?  Such an identity with no binding
 * is unknown here (5001), not a local user.
 */
static int looks_migrated(const char *ident)
{
	const struct mig_config *c = sipdb_conf;
	size_t plen = strlen(c->id_prefix), rlen = strlen(c->id_realm);
	const char *at, *user = ident;

	if (!strncasecmp(user, "sip:", 4))
		user += 4;
	else if (!strncasecmp(user, "sips:", 5))
		user += 5;
	at = strrchr(user, '@');
	return plen && at && !strncasecmp(user, c->id_prefix, plen) &&
	       strlen(at + 1) == rlen && !strcasecmp(at + 1, c->id_realm);
}

static const char *dead_why(const struct mig_binding *b)
{
	return b->state == MIG_STATE_REVOKED ? "binding revoked" : "binding expired";
}

/* ---- partner role: our own node asks about a visitor ------------------- */

int sipdb_find_visitor(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v)
{
	const char *key = r->impi[0] ? r->impi : r->impu;
	mig_store_t *st = sipdb_db();
	int rc;

	*v = SIPDB_GO;
	if (!st)
		return store_trouble(r, v, st);
	rc = r->impi[0] ? mig_binding_by_mig_impi(st, r->impi, &m->b)
	                : mig_binding_by_mig_impu(st, r->impu, &m->b);
	if (rc == MIG_NOTFOUND && !looks_migrated(key)) {
		*v = SIPDB_PASS;
		return 0;
	}
	if (rc == MIG_NOTFOUND || (rc == MIG_OK && m->b.dir != MIG_DIR_IN))
		return refused(r, v, NULL, CX_USER_UNKNOWN, "unknown inbound identity", NULL);
	if (rc != MIG_OK)
		return store_trouble(r, v, st);
	if (!mig_binding_live(&m->b, mig_store_now(st)))
		return rejected(r, v, dead_why(&m->b), &m->b);
	if (!sipdb_avp_all_equal(*r->msg, sipdb_dict.public_identity, m->b.mig_impu))
		return refused(r, v, NULL, CX_IDENTITIES_DONT_MATCH, "IMPU not bound to this IMPI",
		               NULL);
	m->p = mig_config_partner(sipdb_conf, m->b.peer_realm);
	if (!m->p || !m->p->migrate_in)
		return rejected(r, v, "primary system no longer allowed", &m->b);
	return 0;
}

/* ---- primary role: a partner asks about one of our users ---------------- */

/* The partner of the request, allowed for dir and really its sender. */
static int partner_of(struct sipdb_req *r, enum mig_dir dir, struct sipdb_match *m,
                      enum sipdb_verdict *v)
{
	const char *why;

	*v = SIPDB_GO;
	m->p = mig_config_partner(sipdb_conf, r->origin_realm);
	if (!m->p || !(dir == MIG_DIR_OUT ? m->p->migrate_out : m->p->migrate_in))
		return rejected(r, v, dir == MIG_DIR_OUT
		                          ? "realm is not a partner our users may migrate to"
		                          : "realm is not a primary system whose users may come here",
		                NULL);
	if (!sipdb_peer_source_ok(*r->msg, m->p, &why))
		return rejected(r, v, why, NULL);
	return 0;
}

int sipdb_find_migrant(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v)
{
	mig_store_t *st = sipdb_db();
	int rc;

	CHECK_FCT(partner_of(r, MIG_DIR_OUT, m, v));
	if (*v != SIPDB_GO)
		return 0;
	if (!st)
		return store_trouble(r, v, st);
	rc = m->p->obfuscate ? mig_binding_by_mig_impi(st, r->impi, &m->b)
	                     : mig_binding_by_home(st, MIG_DIR_OUT, r->impi, m->p->realm, &m->b);
	if (rc == MIG_NOTFOUND || (rc == MIG_OK && m->b.dir != MIG_DIR_OUT))
		return m->p->obfuscate
		           ? refused(r, v, NULL, CX_USER_UNKNOWN, "unknown outbound identity", NULL)
		           : rejected(r, v, "user has no binding for this partner", NULL);
	if (rc != MIG_OK)
		return store_trouble(r, v, st);
	if (strcasecmp(m->b.peer_realm, m->p->realm))
		return rejected(r, v, "identity is bound to another partner", &m->b);
	if (!mig_binding_live(&m->b, mig_store_now(st)))
		return rejected(r, v, dead_why(&m->b), &m->b);
	if (!sipdb_avp_all_equal(*r->msg, sipdb_dict.public_identity, sipdb_partner_ids(m).impu))
		return refused(r, v, NULL, CX_IDENTITIES_DONT_MATCH, "IMPU not bound to this IMPI",
		               NULL);
	return 0;
}

/* ---- RTR/PPR: a registration pushed to ----------------------------------- */

/* mig_binding_list callback: the first registered binding. */
static int first_registered(void *arg, const struct mig_binding *b)
{
	struct mig_binding *out = arg;

	if (b->state != MIG_STATE_REGISTERED)
		return 0;
	*out = *b;
	return 1;
}

/* Our HSS pushes to one of our users: her outbound binding registered at a
 * partner (one at a time: the newest registration wins). */
static int pushed_by_hss(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v,
                         mig_store_t *st)
{
	struct mig_filter f = { .dir = MIG_DIR_OUT, .state = MIG_STATE_REGISTERED,
	                        .home_impi = r->impi };
	int rc;

	m->b.id = 0;
	rc = mig_binding_list(st, &f, first_registered, &m->b);
	if (rc != MIG_OK)
		return store_trouble(r, v, st);
	if (!m->b.id)
		return refused(r, v, NULL, CX_USER_UNKNOWN,
		               "user not registered at a partner (local users: see doc/broker.md)",
		               NULL);
	m->p = mig_config_partner(sipdb_conf, m->b.peer_realm);
	if (!m->p)
		return rejected(r, v, "partner no longer configured", &m->b);
	return 0;
}

/* A primary system pushes to its visitor: her inbound binding, registered
 * here at an S-CSCF whose Diameter identity we know. */
static int pushed_by_primary(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v,
                             mig_store_t *st)
{
	int rc;

	CHECK_FCT(partner_of(r, MIG_DIR_IN, m, v));
	if (*v != SIPDB_GO)
		return 0;
	rc = mig_binding_by_home(st, MIG_DIR_IN, r->impi, m->p->realm, &m->b);
	if (rc == MIG_NOTFOUND)
		return refused(r, v, NULL, CX_USER_UNKNOWN, "unknown visitor", NULL);
	if (rc != MIG_OK)
		return store_trouble(r, v, st);
	if (m->b.state != MIG_STATE_REGISTERED || !mig_binding_live(&m->b, mig_store_now(st)))
		return refused(r, v, NULL, CX_IDENTITY_NOT_REGISTERED, "visitor not registered here",
		               NULL);
	return 0;
}

int sipdb_find_pushed(struct sipdb_req *r, struct sipdb_match *m, enum sipdb_verdict *v)
{
	mig_store_t *st = sipdb_db();

	*v = SIPDB_GO;
	if (!st)
		return store_trouble(r, v, st);
	if (sipdb_req_local(r))
		return pushed_by_hss(r, m, v, st);
	return pushed_by_primary(r, m, v, st);
}
