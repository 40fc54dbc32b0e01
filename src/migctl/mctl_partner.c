/*
 * mctl_partner.c: migctl partner add|list|show|set|remove: the partner
 * systems of TR 23.781 clause 6.1 and what each may do (users may migrate
 * in, out; ours are hidden behind outbound identities).
 *
 * The broker writes the partners of its configuration file into the store
 * at start, and its MAR checks follow the file: a change made here lasts
 * until the next start, and only allocations see it before then (see
 * doc/migctl.1).
 */
#include <stdio.h>
#include <string.h>

#include "migctl.h"

enum { OPT_SIPDB = 1, OPT_IN, OPT_OUT, OPT_OBFUSCATE, OPT_FORCE };

static const struct option partner_opts[] = {
	{ "sipdb", required_argument, NULL, OPT_SIPDB },
	{ "migrate-in", required_argument, NULL, OPT_IN },
	{ "migrate-out", required_argument, NULL, OPT_OUT },
	{ "obfuscate", required_argument, NULL, OPT_OBFUSCATE },
	{ NULL, 0, NULL, 0 }
};

static const struct mctl_col partner_cols[] = {
	{ "realm", "REALM", MCTL_TEXT },
	{ "sipdb", "SIPDB", MCTL_TEXT },
	{ "migrate_in", "IN", MCTL_BOOL },
	{ "migrate_out", "OUT", MCTL_BOOL },
	{ "obfuscate", "OBFUSCATE", MCTL_BOOL },
	{ "created", "CREATED", MCTL_TIME },
	{ "live_out", NULL, MCTL_INT },
	{ "live_in", NULL, MCTL_INT },
	{ NULL, NULL, MCTL_TEXT }
};

/* What add and set read from the command line; given has a bit per
 * option given (1 << OPT_...), so that set changes only those. */
struct partner_job {
	struct mig_partner p;
	int given;
};

/* One option of add/set into the job's partner. */
static int partner_opt(void *job, int c, const char *arg)
{
	struct partner_job *j = job;

	j->given |= 1 << c;
	switch (c) {
	case OPT_SIPDB:
		if (*arg && mctl_check_ident("--sipdb", arg, mig_ident_check_realm))
			return MCTL_EXIT_USAGE;
		snprintf(j->p.sipdb, sizeof j->p.sipdb, "%s", arg);
		return 0;
	case OPT_IN:
		return mctl_parse_bool("--migrate-in", arg, &j->p.allow_in);
	case OPT_OUT:
		return mctl_parse_bool("--migrate-out", arg, &j->p.allow_out);
	default:
		return mctl_parse_bool("--obfuscate", arg, &j->p.obfuscate);
	}
}

/* The command line of a verb on one partner: options (opts may be NULL)
 * into j, then the realm, checked here so that the message names it.
 * 1: go on; 0: exit with *code. */
static int partner_args(struct mctl_ctx *ctx, int argc, char **argv,
                        const struct option *opts, struct partner_job *j, int *code)
{
	struct mctl_args a = { opts, partner_opt, j, 1, 1 };

	if (!mctl_args(ctx, argc, argv, &a, code))
		return 0;
	*code = mctl_check_ident("partner realm", argv[optind], mig_ident_check_realm);
	snprintf(j->p.realm, sizeof j->p.realm, "%s", argv[optind]);
	return *code == 0;
}

/* add: the realm must be new (set changes an existing one). */
static int partner_add_tx(struct mctl_ctx *ctx, void *arg)
{
	struct partner_job *j = arg;
	struct mig_partner old;
	int rc = mig_partner_get(ctx->st, j->p.realm, &old);

	if (rc == MIG_OK)
		return mctl_err(MCTL_EXIT_CONFLICT, "partner '%s' already exists (use partner set)",
		                j->p.realm);
	if (rc != MIG_NOTFOUND)
		return mctl_fail(ctx, rc);
	return mctl_fail(ctx, mig_partner_put(ctx->st, &j->p));
}

/* set: only the settings given change. */
static int partner_set_tx(struct mctl_ctx *ctx, void *arg)
{
	struct partner_job *j = arg;
	struct mig_partner p;
	int rc = mig_partner_get(ctx->st, j->p.realm, &p);

	if (rc != MIG_OK)
		return mctl_fail(ctx, rc);
	if (j->given & 1 << OPT_SIPDB)
		snprintf(p.sipdb, sizeof p.sipdb, "%s", j->p.sipdb);
	if (j->given & 1 << OPT_IN)
		p.allow_in = j->p.allow_in;
	if (j->given & 1 << OPT_OUT)
		p.allow_out = j->p.allow_out;
	if (j->given & 1 << OPT_OBFUSCATE)
		p.obfuscate = j->p.obfuscate;
	return mctl_fail(ctx, mig_partner_put(ctx->st, &p));
}

/* One line that says what add and set left in the store. */
static void partner_describe(const struct mig_partner *p)
{
	printf("%s: sipdb %s, migrate in %s, migrate out %s, obfuscate %s\n", p->realm,
	       p->sipdb[0] ? p->sipdb : "-", p->allow_in ? "yes" : "no",
	       p->allow_out ? "yes" : "no", p->obfuscate ? "yes" : "no");
}

/* Safe defaults for a new partner: nobody migrates until allowed, and our
 * identities stay hidden. */
static int partner_add(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct partner_job j = { .p = { .obfuscate = 1 } };
	int rc;

	if (!partner_args(ctx, argc, argv, partner_opts, &j, &rc))
		return rc;
	rc = mctl_open(ctx, MCTL_CREATE);
	if (rc == 0)
		rc = mctl_tx(ctx, partner_add_tx, &j);
	if (rc == 0) {
		printf("added partner ");
		partner_describe(&j.p);
	}
	return rc;
}

/* Prints the partner as stored after the change. */
static int partner_set(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct partner_job j = { .given = 0 };
	struct mig_partner p;
	int rc;

	if (!partner_args(ctx, argc, argv, partner_opts, &j, &rc))
		return rc;
	if (j.given == 0)
		return mctl_usage(ctx, "partner set: nothing to change (--sipdb, --migrate-in, "
		                  "--migrate-out, --obfuscate)");
	rc = mctl_open(ctx, MCTL_WRITE);
	if (rc == 0)
		rc = mctl_tx(ctx, partner_set_tx, &j);
	if (rc == 0 && (rc = mctl_fail(ctx, mig_partner_get(ctx->st, j.p.realm, &p))) == 0) {
		printf("changed partner ");
		partner_describe(&p);
	}
	return rc;
}

/* A partner as a row (list, show). */
static json_t *partner_row(struct mctl_out *o, const struct mig_partner *p)
{
	json_t *row = mctl_out_row(o);

	mctl_set_str(row, "realm", p->realm);
	mctl_set_str(row, "sipdb", p->sipdb[0] ? p->sipdb : NULL);
	mctl_set_bool(row, "migrate_in", p->allow_in);
	mctl_set_bool(row, "migrate_out", p->allow_out);
	mctl_set_bool(row, "obfuscate", p->obfuscate);
	mctl_set_int(row, "created", p->created);
	return row;
}

static int partner_list_cb(void *arg, const struct mig_partner *p)
{
	partner_row(arg, p);
	return 0;
}

/* By realm; no binding counts here (show has them): the list stays cheap. */
static int partner_list(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mctl_args a = { NULL, NULL, NULL, 0, 0 };
	struct mctl_out *o;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	o = mctl_out_new(ctx, MCTL_TABLE, partner_cols);
	rc = mctl_fail(ctx, mig_partner_list(ctx->st, partner_list_cb, o));
	return mctl_out_end(o) ? MCTL_EXIT_ERROR : rc;
}

/* Live bindings of a partner, by direction (for show). */
struct partner_live {
	int64_t out, in;
};

static int partner_live_cb(void *arg, const struct mig_binding *b)
{
	struct partner_live *n = arg;

	if (b->dir == MIG_DIR_OUT)
		n->out++;
	else
		n->in++;
	return 0;
}

/* The store's per-partner filter (its partial indexes), one walk per live
 * state. */
static int partner_count_live(struct mctl_ctx *ctx, const char *realm, struct partner_live *n)
{
	struct mig_filter f = { .peer_realm = realm, .state = MIG_STATE_ALLOCATED };
	int rc = mig_binding_list(ctx->st, &f, partner_live_cb, n);

	f.state = MIG_STATE_REGISTERED;
	if (rc == MIG_OK)
		rc = mig_binding_list(ctx->st, &f, partner_live_cb, n);
	return rc;
}

/* The partner and its live bindings each way. */
static int partner_show(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct partner_live n = { 0, 0 };
	struct partner_job j = { .given = 0 };
	struct mig_partner p;
	struct mctl_out *o;
	json_t *row;
	int rc;

	if (!partner_args(ctx, argc, argv, NULL, &j, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	rc = mig_partner_get(ctx->st, j.p.realm, &p);
	if (rc == MIG_OK)
		rc = partner_count_live(ctx, j.p.realm, &n);
	if (rc != MIG_OK)
		return mctl_fail(ctx, rc);
	o = mctl_out_new(ctx, MCTL_RECORD, partner_cols);
	row = partner_row(o, &p);
	mctl_set_int(row, "live_out", n.out);
	mctl_set_int(row, "live_in", n.in);
	return mctl_out_end(o);
}

/* mig_partner_remove revokes the live bindings itself under --force. */
static int partner_remove(struct mctl_ctx *ctx, int argc, char **argv)
{
	return mctl_remove(ctx, argc, argv, "partner", mig_partner_remove);
}

static const struct mctl_cmd partner_cmds[] = {
	{ "add", partner_add,
	  "REALM [--sipdb ID] [--migrate-in yes|no] [--migrate-out yes|no] [--obfuscate yes|no]",
	  "Add a partner system.  New partners allow nothing until told: --migrate-in\n"
	  "and --migrate-out default to no, --obfuscate to yes.  Exit 4 if it exists.\n\n"
	  "  --sipdb ID              its SIP database's Diameter identity\n"
	  "  --migrate-in yes|no     its users may migrate to us\n"
	  "  --migrate-out yes|no    our users may migrate to it\n"
	  "  --obfuscate yes|no      our users appear there under outbound identities\n" },
	{ "list", partner_list, "", "List the partner systems.\n" },
	{ "show", partner_show, "REALM",
	  "Show one partner, with its live bindings in each direction.\n" },
	{ "set", partner_set,
	  "REALM [--sipdb ID] [--migrate-in yes|no] [--migrate-out yes|no] [--obfuscate yes|no]",
	  "Change the settings given; the others keep their value.  --sipdb '' clears\n"
	  "the SIP database identity.  The broker rewrites the partners of its\n"
	  "configuration file at start.\n" },
	{ "remove", partner_remove, "REALM [--force]",
	  "Remove a partner.  With live bindings it needs --force, which revokes them\n"
	  "(in the same transaction) and lists them.\n\n"
	  "  --force   revoke the partner's live bindings\n" },
	{ NULL, NULL, NULL, NULL }
};

int mctl_partner(struct mctl_ctx *ctx, int argc, char **argv)
{
	return mctl_dispatch(ctx, "partner", partner_cmds, argc - 1, argv + 1);
}
