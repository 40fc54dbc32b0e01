/*
 * mctl_audit.c: migctl audit [--since T] [--follow] [--limit N]: the audit
 * trail (allocations, registrations, refusals, revocations), and the
 * reading back of what a change revoked, which binding revoke, partner
 * remove and pool remove print.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "migctl.h"

enum { OPT_SINCE = 1, OPT_FOLLOW, OPT_LIMIT };

/* --follow polls this often: new rows show within half a second, and an
 * idle follower costs two cheap queries a second. */
#define AUDIT_POLL_NS 500000000L
/* --follow without --since or --limit starts with this many rows (tail -f). */
#define AUDIT_FOLLOW_TAIL 10

static const struct mctl_col audit_cols[] = {
	{ "id", NULL, MCTL_INT },
	{ "ts", NULL, MCTL_TIME },
	{ "action", NULL, MCTL_TEXT },
	{ "binding_id", NULL, MCTL_INT },
	{ "realm", NULL, MCTL_TEXT },
	{ "mig_impi", NULL, MCTL_TEXT },
	{ "mig_impu", NULL, MCTL_TEXT },
	{ "home_impi", NULL, MCTL_TEXT },
	{ "home_impu", NULL, MCTL_TEXT },
	{ "actor", NULL, MCTL_TEXT },
	{ "detail", NULL, MCTL_TEXT },
	{ NULL, NULL, MCTL_TEXT }
};

/* One run of the command. */
struct audit_job {
	struct mctl_ctx *ctx;
	int64_t since;       /* 0: from the start */
	int64_t limit;       /* 0: no limit; else the newest that many */
	int follow;
	int64_t last_id;     /* newest row shown */
	struct mctl_out *out; /* --json without --follow: one array */
	int failed;          /* stdout could not be written */
};

/* A row as JSON, with the stable names of doc/migctl.1; NULLs stay null. */
static json_t *audit_json(const struct mig_audit *a)
{
	json_t *row = json_object();

	mctl_set_int(row, "id", a->id);
	mctl_set_int(row, "ts", a->ts);
	mctl_set_str(row, "action", a->action);
	if (a->binding_id)
		mctl_set_int(row, "binding_id", a->binding_id);
	else
		mctl_set_str(row, "binding_id", NULL);
	mctl_set_str(row, "realm", a->realm);
	mctl_set_idents(row, a->mig_impi, a->mig_impu, a->home_impi, a->home_impu);
	mctl_set_str(row, "actor", a->actor);
	mctl_set_str(row, "detail", a->detail);
	return row;
}

/*
 * For people, a row is a log line: time, id, action, then the fields that
 * are set as key=value (the detail last, quoted when it has spaces).  A
 * line, not a table, so that --follow can print rows as they come.
 */
static void audit_print_line(json_t *row)
{
	char cell[300];
	size_t c;
	json_t *v;

	mctl_cell(cell, sizeof cell, MCTL_TIME, json_object_get(row, "ts"));
	printf("%s %6lld %-12s", cell, (long long)json_integer_value(json_object_get(row, "id")),
	       json_string_value(json_object_get(row, "action")));
	for (c = 3; audit_cols[c].key; c++) {
		v = json_object_get(row, audit_cols[c].key);
		if (json_is_null(v) || (json_is_string(v) && !*json_string_value(v)))
			continue;
		mctl_cell(cell, sizeof cell, audit_cols[c].kind, v);
		printf(strchr(cell, ' ') ? " %s='%s'" : " %s=%s", audit_cols[c].key, cell);
	}
	putchar('\n');
}

/* Each row goes to the array (--json), a JSON line (--json --follow) or a
 * log line. */
static int audit_cb(void *arg, const struct mig_audit *a)
{
	struct audit_job *j = arg;
	json_t *row = audit_json(a);

	j->last_id = a->id;
	if (j->out) {
		mctl_out_add(j->out, row);
		return 0;
	}
	if (j->ctx->json) {
		j->failed = mctl_json_line(row) != 0;
		return j->failed;
	}
	audit_print_line(row);
	json_decref(row);
	return 0;
}

/* The rows there are now: the newest --limit ones, or all since --since. */
static int audit_initial(struct audit_job *j)
{
	mig_store_t *st = j->ctx->st;
	int64_t tail = j->limit;

	if (!tail && j->follow && !j->since)
		tail = AUDIT_FOLLOW_TAIL;
	if (tail)
		return mig_audit_last(st, j->since, (size_t)tail, audit_cb, j);
	return mig_audit_list(st, 0, j->since, 0, audit_cb, j);
}

static volatile sig_atomic_t audit_stop;

/* Only a flag: the loop notices it after the interrupted sleep. */
static void audit_on_signal(int sig)
{
	(void)sig;
	audit_stop = 1;
}

/*
 * Poll for rows newer than the last shown until SIGINT or SIGTERM, which
 * end it with exit 0.  The handlers have no SA_RESTART, so a signal cuts
 * the sleep short; at worst one more poll runs first.
 */
static int audit_follow(struct audit_job *j)
{
	struct timespec pause = { 0, AUDIT_POLL_NS };
	struct sigaction sa;
	int rc = MIG_OK;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = audit_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!audit_stop && rc == MIG_OK && !j->failed) {
		if (fflush(stdout) != 0)
			return mctl_err(MCTL_EXIT_ERROR, "standard output: write failed");
		nanosleep(&pause, NULL);
		if (!audit_stop)
			rc = mig_audit_list(j->ctx->st, j->last_id, j->since, 0, audit_cb, j);
	}
	return j->failed ? MCTL_EXIT_ERROR : mctl_fail(j->ctx, rc);
}

/* --since is taken relative to now, once, so that a follower keeps it. */
static int audit_opt(void *job, int c, const char *arg)
{
	struct audit_job *j = job;

	switch (c) {
	case OPT_SINCE:
		return mctl_parse_time("--since", arg, (int64_t)time(NULL), &j->since);
	case OPT_FOLLOW:
		j->follow = 1;
		return 0;
	default:
		return mctl_parse_int("--limit", arg, 1, INT64_MAX / 2, &j->limit);
	}
}

static const struct mctl_cmd audit_cmd = {
	"audit", mctl_audit, "[--since T] [--follow] [--limit N]",
	"Show the audit trail, oldest first: allocations, registrations, refused\n"
	"MARs (mar-refused), revocations, expiries, purges, partner and pool changes.\n\n"
	"  --since T    rows from time T on: unix seconds, ISO 8601\n"
	"               (2026-11-27T10:00:00Z) or a duration ago (30m, 1h, 2d)\n"
	"  --limit N    only the newest N rows\n"
	"  --follow     then wait for new rows and print them as they come, until\n"
	"               interrupted (starts with the last 10 rows unless --since or\n"
	"               --limit says otherwise); with --json, one object a line\n"
};

/* The rows there are, then (--follow) the ones to come.  A read-only
 * handle: following never holds a lock that the broker could wait on. */
int mctl_audit(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ NULL, 0, NULL, 0 }
	};
	struct audit_job j = { .ctx = ctx };
	struct mctl_args a = { opts, audit_opt, &j, 0, 0 };
	int rc;

	ctx->cmd = &audit_cmd;
	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	if (ctx->json && !j.follow)
		j.out = mctl_out_new(ctx, MCTL_TABLE, audit_cols);
	rc = mctl_fail(ctx, audit_initial(&j));
	if (j.out)
		return mctl_out_end(j.out) ? MCTL_EXIT_ERROR : rc;
	if (rc == 0 && j.failed)
		rc = MCTL_EXIT_ERROR;
	return rc == 0 && j.follow ? audit_follow(&j) : rc;
}

/* ---- What a change revoked ---------------------------------------------- */

static const struct mctl_col revoked_cols[] = {
	{ "id", "ID", MCTL_INT },
	{ "peer_realm", "PEER", MCTL_TEXT },
	{ "mig_impi", "MIGRATION-IMPI", MCTL_TEXT },
	{ "mig_impu", "MIGRATION-IMPU", MCTL_TEXT },
	{ "home_impi", "HOME-IMPI", MCTL_TEXT },
	{ "home_impu", NULL, MCTL_TEXT },
	{ NULL, NULL, MCTL_TEXT }
};

static int audit_mark_cb(void *arg, const struct mig_audit *a)
{
	*(int64_t *)arg = a->id;
	return 0;
}

/* The newest audit id now; inside a write transaction nobody else adds
 * rows, so every row after it is the transaction's own. */
int mctl_audit_mark(struct mctl_ctx *ctx, int64_t *mark)
{
	*mark = 0;
	return mctl_fail(ctx, mig_audit_last(ctx->st, 0, 1, audit_mark_cb, mark));
}

/* A "revoke" row as the revoked binding, with the names binding show uses. */
static int audit_revoked_cb(void *arg, const struct mig_audit *a)
{
	json_t *row;

	if (strcmp(a->action, "revoke") != 0)
		return 0;
	row = json_object();
	mctl_set_int(row, "id", a->binding_id);
	mctl_set_str(row, "peer_realm", a->realm);
	mctl_set_idents(row, a->mig_impi, a->mig_impu, a->home_impi, a->home_impu);
	json_array_append_new(arg, row);
	return 0;
}

int mctl_audit_revoked(struct mctl_ctx *ctx, int64_t mark, json_t *rows)
{
	return mctl_fail(ctx, mig_audit_list(ctx->st, mark, 0, 0, audit_revoked_cb, rows));
}

/* Printed after the commit: what is listed is what was revoked. */
int mctl_revoked_print(struct mctl_ctx *ctx, json_t *rows)
{
	struct mctl_out *o;
	size_t i, n = json_array_size(rows);
	json_t *row;

	if (!ctx->json)
		printf("revoked %zu binding%s%s\n", n, n == 1 ? "" : "s", n ? ":" : "");
	if (n == 0 && !ctx->json)
		return MCTL_EXIT_OK;
	o = mctl_out_new(ctx, MCTL_TABLE, revoked_cols);
	json_array_foreach(rows, i, row)
		mctl_out_add(o, json_incref(row));
	return mctl_out_end(o);
}

/* What mctl_remove does under the transaction. */
struct remove_job {
	const char *what, *name;
	mctl_remove_fn remove;
	int force;
	json_t *revoked;
};

static int remove_opt(void *job, int c, const char *arg)
{
	(void)c;
	(void)arg;
	((struct remove_job *)job)->force = 1;
	return 0;
}

/* Removal and the reading back of what it revoked, in one transaction. */
static int remove_tx(struct mctl_ctx *ctx, void *arg)
{
	struct remove_job *j = arg;
	int64_t mark;
	int rc = mctl_audit_mark(ctx, &mark);

	if (rc)
		return rc;
	rc = j->remove(ctx->st, j->name, j->force, NULL);
	if (rc == MIG_CONFLICT)
		return mctl_err(MCTL_EXIT_CONFLICT, "%s (--force)", mig_store_errmsg(ctx->st));
	if (rc != MIG_OK)
		return mctl_fail(ctx, rc);
	return mctl_audit_revoked(ctx, mark, j->revoked);
}

int mctl_remove(struct mctl_ctx *ctx, int argc, char **argv, const char *what,
                mctl_remove_fn remove)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 1 },
		                              { NULL, 0, NULL, 0 } };
	struct remove_job j = { what, NULL, remove, 0, NULL };
	struct mctl_args a = { opts, remove_opt, &j, 1, 1 };
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_WRITE)))
		return rc;
	j.name = argv[optind];
	j.revoked = json_array();
	rc = mctl_tx(ctx, remove_tx, &j);
	if (rc == 0) {
		if (!ctx->json)
			printf("removed %s %s\n", what, j.name);
		if (json_array_size(j.revoked) || ctx->json)
			rc = mctl_revoked_print(ctx, j.revoked);
	}
	json_decref(j.revoked);
	return rc;
}
