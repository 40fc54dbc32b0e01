/*
 * mctl_binding.c: migctl binding allocate|list|show|revoke|expire|purge:
 * migration identity bindings, allocated the way the broker allocates them
 * over Diameter (mig_binding_allocate), and their life cycle.
 *
 * The broker reads the store on every MAR, so a revocation made here is
 * refused from the very next MAR on, without a restart.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "migctl.h"

enum {
	OPT_OUTBOUND = 1, OPT_INBOUND, OPT_IMPI, OPT_IMPU, OPT_PARTNER, OPT_PRIMARY,
	OPT_PRIMARY_SIPDB, OPT_POOL, OPT_LIFETIME, OPT_ID_REALM, OPT_ID_PREFIX, OPT_ID_CHARS,
	OPT_STATE, OPT_USER, OPT_DIRECTION, OPT_LIMIT, OPT_REASON, OPT_OLDER_THAN
};

/* Every field of a binding; the table shows those with a header. */
const struct mctl_col mctl_binding_cols[] = {
	{ "id", "ID", MCTL_INT },
	{ "direction", "DIR", MCTL_TEXT },
	{ "state", "STATE", MCTL_TEXT },
	{ "live", "LIVE", MCTL_BOOL },
	{ "mig_impi", "MIGRATION-IMPI", MCTL_TEXT },
	{ "mig_impu", NULL, MCTL_TEXT },
	{ "home_impi", "HOME-IMPI", MCTL_TEXT },
	{ "home_impu", NULL, MCTL_TEXT },
	{ "peer_realm", "PEER", MCTL_TEXT },
	{ "peer_sipdb", NULL, MCTL_TEXT },
	{ "server_name", NULL, MCTL_TEXT },
	{ "pool", NULL, MCTL_TEXT },
	{ "created", NULL, MCTL_TIME },
	{ "expires", "EXPIRES", MCTL_EXPIRY },
	{ "last_used", NULL, MCTL_TIME },
	{ "ended", NULL, MCTL_TIME },
	/* binding show only: */
	{ "scscf_host", NULL, MCTL_TEXT },
	{ "rtr_pending", NULL, MCTL_TEXT },
	{ NULL, NULL, MCTL_TEXT }
};

/* Optional text is null in JSON rather than "", so that jq can test it. */
static const char *or_null(const char *s)
{
	return s[0] ? s : NULL;
}

void mctl_binding_row(struct mctl_ctx *ctx, json_t *row, const struct mig_binding *b)
{
	mctl_set_int(row, "id", b->id);
	mctl_set_str(row, "direction", mig_dir_name(b->dir));
	mctl_set_str(row, "state", mig_state_name(b->state));
	mctl_set_bool(row, "live", mig_binding_live(b, mig_store_now(ctx->st)));
	mctl_set_idents(row, b->mig_impi, b->mig_impu, b->home_impi, b->home_impu);
	mctl_set_str(row, "peer_realm", b->peer_realm);
	mctl_set_str(row, "peer_sipdb", or_null(b->peer_sipdb));
	mctl_set_str(row, "server_name", or_null(b->server));
	mctl_set_str(row, "pool", or_null(b->pool));
	mctl_set_int(row, "created", b->created);
	mctl_set_int(row, "expires", b->expires);
	mctl_set_int(row, "last_used", b->last_used);
	mctl_set_int(row, "ended", b->ended);
}

/* The registration termination still to be sent for a binding, if any. */
struct rtr_find {
	int64_t binding_id;
	char text[MIG_IDENT_MAX + 96];
};

static int rtr_find_cb(void *arg, const struct mig_rtr *r)
{
	struct rtr_find *f = arg;
	char next[32];

	if (r->binding_id != f->binding_id)
		return 0;
	mctl_iso_time(next, sizeof(next), r->next_try);
	snprintf(f->text, sizeof(f->text), "%s, %lld attempt(s), next %s%s%s", r->reason,
	         (long long)r->attempts, r->next_try ? next : "now",
	         r->last_error[0] ? ", last error: " : "", r->last_error);
	return 1;
}

/* Where the binding is registered (the node a termination goes to) and a
 * termination the broker has not delivered yet: what an operator checks
 * after a revoke (the broker retries until the partner answers). */
static void binding_show_registration(struct mctl_ctx *ctx, json_t *row,
                                      const struct mig_binding *b)
{
	char host[MIG_IDENT_MAX + 1] = "";
	struct rtr_find f = { b->id, "" };

	if (mig_binding_host(ctx->st, b->id, host) != MIG_OK)
		host[0] = '\0';
	mig_rtr_list(ctx->st, rtr_find_cb, &f);
	mctl_set_str(row, "scscf_host", or_null(host));
	mctl_set_str(row, "rtr_pending", or_null(f.text));
}

/* One binding, every field, as a record (or a JSON array of one). */
static int binding_print(struct mctl_ctx *ctx, const struct mig_binding *b)
{
	struct mctl_out *o = mctl_out_new(ctx, MCTL_RECORD, mctl_binding_cols);
	json_t *row = mctl_out_row(o);

	mctl_binding_row(ctx, row, b);
	binding_show_registration(ctx, row, b);
	return mctl_out_end(o);
}

/* A binding named by its id, a migration IMPU (it has a URI scheme) or a
 * migration IMPI (anything else). */
static int binding_find(struct mctl_ctx *ctx, const char *key, struct mig_binding *b)
{
	size_t n = strlen(key);
	int64_t id;

	if (n && strspn(key, "0123456789") == n) {
		if (mctl_parse_int("binding id", key, 1, INT64_MAX, &id))
			return MCTL_EXIT_USAGE;
		return mctl_fail(ctx, mig_binding_get(ctx->st, id, b));
	}
	if (!strncasecmp(key, "sip:", 4) || !strncasecmp(key, "sips:", 5) ||
	    !strncasecmp(key, "tel:", 4))
		return mctl_fail(ctx, mig_binding_by_mig_impu(ctx->st, key, b));
	return mctl_fail(ctx, mig_binding_by_mig_impi(ctx->st, key, b));
}

/* ---- allocate ------------------------------------------------------------ */

struct alloc_job {
	struct mig_alloc_req req;
	const char *partner, *primary; /* --partner (out), --primary (in) */
	const char *pool;              /* --pool given ("": random) */
	int lifetime_given;
	const char *id_realm, *id_prefix;
	int64_t id_chars;
};

/* One option into j; identities are checked here to name the option. */
static int alloc_opt(void *job, int c, const char *arg)
{
	struct alloc_job *j = job;

	switch (c) {
	case OPT_OUTBOUND:
	case OPT_INBOUND:
		if (j->req.dir)
			return mctl_err(MCTL_EXIT_USAGE, "--outbound and --inbound: give one");
		j->req.dir = c == OPT_OUTBOUND ? MIG_DIR_OUT : MIG_DIR_IN;
		return 0;
	case OPT_IMPI:
		j->req.home_impi = arg;
		return mctl_check_ident("--impi", arg, mig_ident_check_impi);
	case OPT_IMPU:
		j->req.home_impu = arg;
		return mctl_check_ident("--impu", arg, mig_ident_check_impu);
	case OPT_PARTNER:
		j->partner = arg;
		return mctl_check_ident("--partner", arg, mig_ident_check_realm);
	case OPT_PRIMARY:
		j->primary = arg;
		return mctl_check_ident("--primary", arg, mig_ident_check_realm);
	case OPT_PRIMARY_SIPDB:
		j->req.peer_sipdb = arg;
		return mctl_check_ident("--primary-sipdb", arg, mig_ident_check_realm);
	case OPT_POOL:
		j->pool = arg;
		return 0;
	case OPT_LIFETIME:
		j->lifetime_given = 1;
		return mctl_parse_duration("--lifetime", arg, &j->req.lifetime);
	case OPT_ID_REALM:
		j->id_realm = arg;
		return mctl_check_ident("--id-realm", arg, mig_ident_check_realm);
	case OPT_ID_PREFIX:
		j->id_prefix = arg;
		return mctl_check_ident("--id-prefix", arg, mig_ident_check_prefix);
	default:
		return mctl_parse_int("--id-chars", arg, MIG_GEN_CHARS_MIN, MIG_GEN_CHARS_MAX,
		                      &j->id_chars);
	}
}

/* The combinations: a direction, both home identities, and the peer option
 * that goes with the direction. */
static int alloc_check(struct mctl_ctx *ctx, struct alloc_job *j)
{
	int out = j->req.dir == MIG_DIR_OUT;

	if (!j->req.dir)
		return mctl_usage(ctx, "binding allocate: --outbound or --inbound is required");
	if (!j->req.home_impi || !j->req.home_impu)
		return mctl_usage(ctx, "binding allocate: --impi and --impu are required");
	if (out ? j->primary || j->req.peer_sipdb : j->partner != NULL)
		return mctl_usage(ctx, out ? "--primary and --primary-sipdb are for --inbound"
		                           : "--partner is for --outbound (use --primary)");
	j->req.peer_realm = out ? j->partner : j->primary;
	if (!j->req.peer_realm)
		return mctl_usage(ctx, out ? "binding allocate: --outbound needs --partner REALM"
		                           : "binding allocate: --inbound needs --primary REALM");
	return 0;
}

/*
 * What the options leave open comes from the broker's configuration, as
 * the broker would allocate: the pool, the lifetime, the form of random
 * identities.  Without either, random identities have no realm: say so.
 */
static int alloc_defaults(struct mctl_ctx *ctx, struct alloc_job *j)
{
	const struct mig_config *cfg;
	int rc = mctl_config(ctx, &cfg);

	if (rc)
		return rc;
	if (j->pool)
		j->req.pool = *j->pool ? j->pool : NULL;
	else
		j->req.pool = cfg && cfg->id_pool[0] ? cfg->id_pool : NULL;
	if (!j->lifetime_given)
		j->req.lifetime = cfg ? cfg->lifetime : MIG_CONFIG_DEFAULT_LIFETIME;
	if (j->req.pool)
		return 0;
	if (!j->id_realm && !cfg)
		return mctl_usage(ctx, "random identities need --id-realm (or --config with the "
		                  "broker's configuration, or --pool)");
	rc = mig_store_set_generator(ctx->st, j->id_prefix ? j->id_prefix : cfg ? cfg->id_prefix
	                             : NULL, (unsigned)(j->id_chars ? j->id_chars
	                             : cfg ? cfg->id_chars : 0), j->id_realm ? j->id_realm
	                             : cfg->id_realm);
	return mctl_fail(ctx, rc);
}

/* The combinations are checked before the store is opened, so that a
 * mistyped command never waits for the write lock.  A conflict names the
 * binding that already exists. */
static int binding_allocate(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "outbound", no_argument, NULL, OPT_OUTBOUND },
		{ "inbound", no_argument, NULL, OPT_INBOUND },
		{ "impi", required_argument, NULL, OPT_IMPI },
		{ "impu", required_argument, NULL, OPT_IMPU },
		{ "partner", required_argument, NULL, OPT_PARTNER },
		{ "primary", required_argument, NULL, OPT_PRIMARY },
		{ "primary-sipdb", required_argument, NULL, OPT_PRIMARY_SIPDB },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "lifetime", required_argument, NULL, OPT_LIFETIME },
		{ "id-realm", required_argument, NULL, OPT_ID_REALM },
		{ "id-prefix", required_argument, NULL, OPT_ID_PREFIX },
		{ "id-chars", required_argument, NULL, OPT_ID_CHARS },
		{ NULL, 0, NULL, 0 }
	};
	struct alloc_job j = { .req = { .dir = MIG_DIR_ANY } };
	struct mctl_args a = { opts, alloc_opt, &j, 0, 0 };
	struct mig_binding b;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = alloc_check(ctx, &j)) ||
	    (rc = mctl_open(ctx, MCTL_WRITE)) || (rc = alloc_defaults(ctx, &j)))
		return rc;
	rc = mig_binding_allocate(ctx->st, &j.req, &b);
	if (rc == MIG_CONFLICT && b.id)
		return mctl_err(MCTL_EXIT_CONFLICT, "%s: binding %lld", mig_store_errmsg(ctx->st),
		                (long long)b.id);
	return rc ? mctl_fail(ctx, rc) : binding_print(ctx, &b);
}

/* ---- list, show ------------------------------------------------------------ */

static int binding_list_cb(void *arg, const struct mig_binding *b)
{
	void **a = arg;

	mctl_binding_row(a[0], mctl_out_row(a[1]), b);
	return 0;
}

/* The filters, each checked to name its option; --state any lists all. */
static int list_opt(void *job, int c, const char *arg)
{
	struct mig_filter *f = job;
	int64_t n;

	switch (c) {
	case OPT_PARTNER:
		f->peer_realm = arg;
		return mctl_check_ident("--partner", arg, mig_ident_check_realm);
	case OPT_USER:
		f->home_impi = arg;
		return mctl_check_ident("--user", arg, mig_ident_check_impi);
	case OPT_STATE:
		return mig_state_parse(arg, &f->state) ? mctl_bad_value("--state", arg,
		       "must be allocated, registered, revoked or expired") : 0;
	case OPT_DIRECTION:
		return mig_dir_parse(arg, &f->dir) ? mctl_bad_value("--direction", arg,
		       "must be in or out") : 0;
	default:
		if (mctl_parse_int("--limit", arg, 1, INT64_MAX / 2, &n))
			return MCTL_EXIT_USAGE;
		f->limit = (size_t)n;
		return 0;
	}
}

/* A read-only walk; output streams past the first thousand rows. */
static int binding_list(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "partner", required_argument, NULL, OPT_PARTNER },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "user", required_argument, NULL, OPT_USER },
		{ "direction", required_argument, NULL, OPT_DIRECTION },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 }
	};
	struct mig_filter f = { .dir = MIG_DIR_ANY };
	struct mctl_args a = { opts, list_opt, &f, 0, 0 };
	struct mctl_out *o;
	void *arg[2];
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	o = mctl_out_new(ctx, MCTL_TABLE, mctl_binding_cols);
	arg[0] = ctx;
	arg[1] = o;
	rc = mctl_fail(ctx, mig_binding_list(ctx->st, &f, binding_list_cb, arg));
	return mctl_out_end(o) ? MCTL_EXIT_ERROR : rc;
}

/* Every field, server_name included: where the binding is registered. */
static int binding_show(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mctl_args a = { NULL, NULL, NULL, 1, 1 };
	struct mig_binding b;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)) ||
	    (rc = binding_find(ctx, argv[optind], &b)))
		return rc;
	return binding_print(ctx, &b);
}

/* ---- revoke ---------------------------------------------------------------- */

struct revoke_job {
	const char *target;  /* ID or migration identity */
	const char *user;    /* --user: a home IMPI */
	const char *partner; /* --partner: a realm */
	const char *reason;
	json_t *revoked;     /* what it revoked, from the audit rows */
};

static int revoke_any_cb(void *arg, const struct mig_binding *b)
{
	(void)b;
	*(int *)arg = 1;
	return 1;
}

/* A user is known when some binding, live or not, stands for it. */
static int revoke_user(struct mctl_ctx *ctx, const struct revoke_job *j)
{
	struct mig_filter f = { .home_impi = j->user, .limit = 1 };
	int any = 0, rc = mig_binding_list(ctx->st, &f, revoke_any_cb, &any);

	if (rc == MIG_OK && !any)
		return mctl_err(MCTL_EXIT_NOTFOUND, "--user '%s': no binding for this user",
		                j->user);
	if (rc == MIG_OK)
		rc = mig_binding_revoke_user(ctx->st, j->user, j->reason, NULL);
	return mctl_fail(ctx, rc);
}

/* An unknown realm is an error (3), a partner without live bindings not. */
static int revoke_partner(struct mctl_ctx *ctx, const struct revoke_job *j)
{
	struct mig_partner p;
	int rc = mig_partner_get(ctx->st, j->partner, &p);

	if (rc == MIG_OK)
		rc = mig_binding_revoke_partner(ctx->st, j->partner, j->reason, NULL);
	return mctl_fail(ctx, rc);
}

/* One binding by id or identity; one already dead is said, not an error
 * (revoking twice is harmless). */
static int revoke_one(struct mctl_ctx *ctx, const struct revoke_job *j)
{
	struct mig_binding b;
	int rc = binding_find(ctx, j->target, &b);

	if (rc == 0 && b.state != MIG_STATE_ALLOCATED && b.state != MIG_STATE_REGISTERED)
		mctl_err(0, "binding %lld is already %s", (long long)b.id, mig_state_name(b.state));
	return rc ? rc : mctl_fail(ctx, mig_binding_revoke(ctx->st, b.id, j->reason, NULL));
}

/* The revocation and the reading back of what it revoked, in one
 * transaction: the list printed is exactly what was revoked. */
static int revoke_tx(struct mctl_ctx *ctx, void *arg)
{
	struct revoke_job *j = arg;
	int64_t mark;
	int rc = mctl_audit_mark(ctx, &mark);

	if (rc == 0)
		rc = j->user ? revoke_user(ctx, j) : j->partner ? revoke_partner(ctx, j)
		                                                 : revoke_one(ctx, j);
	return rc ? rc : mctl_audit_revoked(ctx, mark, j->revoked);
}

static int revoke_opt(void *job, int c, const char *arg)
{
	struct revoke_job *j = job;

	switch (c) {
	case OPT_USER:
		j->user = arg;
		return mctl_check_ident("--user", arg, mig_ident_check_impi);
	case OPT_PARTNER:
		j->partner = arg;
		return mctl_check_ident("--partner", arg, mig_ident_check_realm);
	default:
		j->reason = arg;
		return 0;
	}
}

/* Exactly one target; what was revoked is printed once committed. */
static int binding_revoke(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "user", required_argument, NULL, OPT_USER },
		{ "partner", required_argument, NULL, OPT_PARTNER },
		{ "reason", required_argument, NULL, OPT_REASON },
		{ NULL, 0, NULL, 0 }
	};
	struct revoke_job j = { .revoked = NULL };
	struct mctl_args a = { opts, revoke_opt, &j, 0, 1 };
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc))
		return rc;
	j.target = optind < argc ? argv[optind] : NULL;
	if (!!j.target + !!j.user + !!j.partner != 1)
		return mctl_usage(ctx, "binding revoke: give one of ID, --user or --partner");
	if ((rc = mctl_open(ctx, MCTL_WRITE)))
		return rc;
	j.revoked = json_array();
	rc = mctl_tx(ctx, revoke_tx, &j);
	if (rc == 0)
		rc = mctl_revoked_print(ctx, j.revoked);
	json_decref(j.revoked);
	return rc;
}

/* ---- expire, purge ----------------------------------------------------------- */

/* The store's own transaction: expired bindings and their audit rows. */
static int binding_expire(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mctl_args a = { NULL, NULL, NULL, 0, 0 };
	size_t n = 0;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_WRITE)) ||
	    (rc = mctl_fail(ctx, mig_binding_expire(ctx->st, &n))))
		return rc;
	printf("expired %zu binding%s\n", n, n == 1 ? "" : "s");
	return MCTL_EXIT_OK;
}

static int purge_opt(void *job, int c, const char *arg)
{
	(void)c;
	return mctl_parse_duration("--older-than", arg, job);
}

/* --older-than is required: purging everything dead is a choice to spell
 * out (--older-than 0s). */
static int binding_purge(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, OPT_OLDER_THAN },
		{ NULL, 0, NULL, 0 }
	};
	int64_t age = -1, before;
	struct mctl_args a = { opts, purge_opt, &age, 0, 0 };
	char when[32];
	size_t n = 0;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc))
		return rc;
	if (age < 0)
		return mctl_usage(ctx, "binding purge: --older-than DURATION is required");
	if ((rc = mctl_open(ctx, MCTL_WRITE)))
		return rc;
	before = mig_store_now(ctx->st) - age;
	if ((rc = mctl_fail(ctx, mig_binding_purge(ctx->st, before, &n))))
		return rc;
	mctl_iso_time(when, sizeof when, before);
	printf("purged %zu binding%s that ended before %s\n", n, n == 1 ? "" : "s", when);
	return MCTL_EXIT_OK;
}

static const struct mctl_cmd binding_cmds[] = {
	{ "allocate", binding_allocate,
	  "--outbound|--inbound --impi IMPI --impu IMPU --partner REALM|--primary REALM\n"
	  "       [--primary-sipdb ID] [--pool POOL] [--lifetime S] [--id-realm REALM]\n"
	  "       [--id-prefix P] [--id-chars N]",
	  "Allocate a binding as the broker does for an allocation request: outbound\n"
	  "(our user going to partner REALM) or inbound (a visitor from primary REALM).\n"
	  "Prints the new binding.  Exit 4 if the user already has a live binding for\n"
	  "that direction and peer, or the partner does not allow the direction.\n\n"
	  "  --impi, --impu       the identities the binding stands for\n"
	  "  --partner REALM      outbound: the partner system\n"
	  "  --primary REALM      inbound: the visitor's primary system\n"
	  "  --primary-sipdb ID   inbound: its SIP database's Diameter identity\n"
	  "  --pool POOL          take the next free entry of POOL ('' for random\n"
	  "                       identities; default: identities.pool of --config)\n"
	  "  --lifetime S         seconds (or 12h, 1d) until it expires, 0 for never\n"
	  "                       (default: identities.lifetime of --config, else 86400)\n"
	  "  --id-realm REALM     realm of random identities (default: --config's)\n"
	  "  --id-prefix P        their prefix (default: --config's, else mig-)\n"
	  "  --id-chars N         their random characters, 1-64 (default: 16)\n" },
	{ "list", binding_list,
	  "[--partner REALM] [--state S] [--user IMPI] [--direction in|out] [--limit N]",
	  "List bindings by id.  --json gives every field.\n\n"
	  "  --partner REALM   of this partner (out) or primary system (in)\n"
	  "  --state S         allocated, registered, revoked or expired\n"
	  "  --user IMPI       standing for this home IMPI\n"
	  "  --direction D     in or out\n"
	  "  --limit N         at most N bindings\n" },
	{ "show", binding_show, "ID|IDENTITY",
	  "Show every field of one binding, named by its id, a migration IMPI or a\n"
	  "migration IMPU (the live binding, else the newest dead one).  server_name is\n"
	  "the S-CSCF it is registered at.\n" },
	{ "revoke", binding_revoke,
	  "ID|IDENTITY | --user IMPI | --partner REALM [--reason TEXT]",
	  "Revoke live bindings: one, every one of a home IMPI, or every one of a\n"
	  "partner.  The broker refuses their next MAR (no restart needed).  Prints\n"
	  "what it revoked.  Exit 3 if the binding, user or partner is unknown.\n\n"
	  "  --user IMPI       every live binding standing for this home IMPI\n"
	  "  --partner REALM   every live binding of this partner, both directions\n"
	  "  --reason TEXT     recorded in the audit trail\n" },
	{ "expire", binding_expire, "",
	  "Mark live bindings past their expiry as expired; prints how many.\n" },
	{ "purge", binding_purge, "--older-than DURATION",
	  "Delete revoked and expired bindings that ended more than DURATION ago\n"
	  "(30d, 12h, 90m, 3600s) and free their pool entries; prints how many.  The\n"
	  "audit trail keeps a row for each.\n" },
	{ NULL, NULL, NULL, NULL }
};

int mctl_binding(struct mctl_ctx *ctx, int argc, char **argv)
{
	return mctl_dispatch(ctx, "binding", binding_cmds, argc - 1, argv + 1);
}
