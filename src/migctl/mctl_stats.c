/*
 * mctl_stats.c: migctl stats [--since T]: bindings by partner, direction
 * and state (mig_binding_stats), pool usage, and MARs refused (the broker's
 * "mar-refused" audit rows).
 *
 * MARs received, brokered and passed to the local HSS are the running
 * totals the broker adds to the store about once a second (schema 4): a
 * running broker's figures are at most a second or so behind.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "migctl.h"

static const struct mctl_col stats_binding_cols[] = {
	{ "partner", "PARTNER", MCTL_TEXT },
	{ "direction", "DIR", MCTL_TEXT },
	{ "allocated", "ALLOCATED", MCTL_INT },
	{ "registered", "REGISTERED", MCTL_INT },
	{ "revoked", "REVOKED", MCTL_INT },
	{ "expired", "EXPIRED", MCTL_INT },
	{ NULL, NULL, MCTL_TEXT }
};

/* A row per (partner, direction) with a column per state.  The store's
 * groups come sorted by partner then direction, so a new pair starts a new
 * row. */
static int stats_binding_cb(void *arg, const struct mig_stat *s)
{
	json_t *rows = arg, *row = json_array_get(rows, json_array_size(rows) - 1);
	static const char *const states[] = { "allocated", "registered", "revoked", "expired" };
	size_t i;

	if (!row || strcmp(json_string_value(json_object_get(row, "partner")), s->peer_realm) ||
	    strcmp(json_string_value(json_object_get(row, "direction")), mig_dir_name(s->dir))) {
		row = json_object();
		mctl_set_str(row, "partner", s->peer_realm);
		mctl_set_str(row, "direction", mig_dir_name(s->dir));
		for (i = 0; i < sizeof states / sizeof states[0]; i++)
			mctl_set_int(row, states[i], 0);
		json_array_append_new(rows, row);
	}
	mctl_set_int(row, mig_state_name(s->state), (int64_t)s->count);
	return 0;
}

static int stats_pool_cb(void *arg, const struct mig_pool_info *p)
{
	json_t *row = json_object();

	mctl_pool_row(row, p);
	json_array_append_new(arg, row);
	return 0;
}

/* n of the broker's running totals into obj (key <- counter name), and
 * when they were last added to. */
static int stats_totals(struct mctl_ctx *ctx, json_t *obj, const char *const *keys,
                        const char *const *names, size_t n)
{
	int64_t v, updated, last = 0;
	size_t i;
	int rc = MIG_OK;

	for (i = 0; rc == MIG_OK && i < n; i++) {
		rc = mig_counter_get(ctx->st, names[i], &v, &updated);
		mctl_set_int(obj, keys[i], v);
		if (updated > last)
			last = updated;
	}
	mctl_set_int(obj, "counted_until", last);
	return rc;
}

/* MARs received, brokered (across the border or to a visitor's S-CSCF),
 * passed to the local HSS; requests refused 3004 at a limit
 * (doc/configuration.md, "Limits"): a partner's rate or live bindings, too
 * many in flight, too long a wait in the queue, or not sent under a next
 * hop's overload report (RFC 7683); and the times a peer's reader was held
 * back at max_backlog_kb. */
static int stats_counters(struct mctl_ctx *ctx, json_t *mar, json_t *busy, json_t *reading)
{
	static const char *const mar_keys[] = { "received", "brokered", "local" };
	static const char *const mar_names[] = { "mar.in", "mar.brokered", "mar.local" };
	static const char *const busy_keys[] = { "rate", "bindings", "inflight", "queue",
		                                 "overload_report" };
	static const char *const busy_names[] = { "busy.rps", "busy.bindings", "busy.inflight",
		                                  "busy.queue", "busy.olr" };
	static const char *const reading_keys[] = { "paused" };
	static const char *const reading_names[] = { "backlog.paused" };
	int rc = stats_totals(ctx, mar, mar_keys, mar_names, 3);

	if (rc == MIG_OK)
		rc = stats_totals(ctx, busy, busy_keys, busy_names, 5);
	return rc == MIG_OK ? stats_totals(ctx, reading, reading_keys, reading_names, 1) : rc;
}

/* Everything in one JSON object: {bindings: [...], pools: [...], mar: {...},
 * busy: {...}, reading: {...}}. */
static int stats_collect(struct mctl_ctx *ctx, int64_t since, json_t *all)
{
	json_t *bindings = json_array(), *pools = json_array(), *mar = json_object();
	json_t *busy = json_object(), *reading = json_object();
	uint64_t refused = 0;
	int rc;

	json_object_set_new(all, "bindings", bindings);
	json_object_set_new(all, "pools", pools);
	json_object_set_new(all, "mar", mar);
	json_object_set_new(all, "busy", busy);
	json_object_set_new(all, "reading", reading);
	rc = mig_binding_stats(ctx->st, stats_binding_cb, bindings);
	if (rc == MIG_OK)
		rc = mig_pool_list(ctx->st, stats_pool_cb, pools);
	if (rc == MIG_OK)
		rc = mig_audit_count(ctx->st, "mar-refused", since, &refused);
	mctl_set_int(mar, "refused", (int64_t)refused);
	mctl_set_int(mar, "since", since);
	if (rc == MIG_OK)
		rc = stats_counters(ctx, mar, busy, reading);
	return mctl_fail(ctx, rc);
}

/* One section for people: a title, then the table or "(none)". */
static int stats_section(struct mctl_ctx *ctx, const char *title, const struct mctl_col *cols,
                         json_t *rows)
{
	struct mctl_out *o;
	size_t i;
	json_t *row;

	printf("%s\n", title);
	if (json_array_size(rows) == 0) {
		printf("(none)\n\n");
		return 0;
	}
	o = mctl_out_new(ctx, MCTL_TABLE, cols);
	json_array_foreach(rows, i, row)
		mctl_out_add(o, json_incref(row));
	if (mctl_out_end(o))
		return MCTL_EXIT_ERROR;
	putchar('\n');
	return 0;
}

/* People get the same object as three sections. */
static int stats_print(struct mctl_ctx *ctx, json_t *all)
{
	json_t *mar = json_object_get(all, "mar"), *busy = json_object_get(all, "busy");
	int64_t since = json_integer_value(json_object_get(mar, "since"));
	char when[32] = "the start of the audit trail";

	if (stats_section(ctx, "Bindings", stats_binding_cols, json_object_get(all, "bindings")) ||
	    stats_section(ctx, "Pools", mctl_pool_cols, json_object_get(all, "pools")))
		return MCTL_EXIT_ERROR;
	if (since)
		mctl_iso_time(when, sizeof when, since);
	printf("MARs\nreceived  %lld\nbrokered  %lld\nlocal     %lld\n"
	       "refused   %lld (audit rows mar-refused since %s)\n",
	       (long long)json_integer_value(json_object_get(mar, "received")),
	       (long long)json_integer_value(json_object_get(mar, "brokered")),
	       (long long)json_integer_value(json_object_get(mar, "local")),
	       (long long)json_integer_value(json_object_get(mar, "refused")), when);
	printf("\nRefused 3004 (too busy)\nrate      %lld\nbindings  %lld\ninflight  %lld\n"
	       "queue     %lld\nnext hop overloaded  %lld\n",
	       (long long)json_integer_value(json_object_get(busy, "rate")),
	       (long long)json_integer_value(json_object_get(busy, "bindings")),
	       (long long)json_integer_value(json_object_get(busy, "inflight")),
	       (long long)json_integer_value(json_object_get(busy, "queue")),
	       (long long)json_integer_value(json_object_get(busy, "overload_report")));
	printf("\nReading held back (max_backlog_kb)\npaused    %lld\n",
	       (long long)json_integer_value(json_object_get(json_object_get(all, "reading"),
	                                                      "paused")));
	return 0;
}

/* --since bounds the refused count only: the other counts are now. */
static int stats_opt(void *job, int c, const char *arg)
{
	(void)c;
	return mctl_parse_time("--since", arg, (int64_t)time(NULL), job);
}

static const struct mctl_cmd stats_cmd = {
	"stats", mctl_stats, "[--since T]",
	"Counts: bindings by partner, direction and state; pool entries total, free\n"
	"and used; MARs the broker received, brokered and passed to the local HSS\n"
	"(its running totals, at most a second or so behind), and refused (its\n"
	"mar-refused audit rows); requests the broker answered 3004 at a limit (a\n"
	"partner's request rate or live bindings, too many in flight, or too long in\n"
	"the queue); and how often the broker paused reading a peer that got too far\n"
	"ahead of it (max_backlog_kb).\n"
	"With --json, one object: {\"bindings\": [...], \"pools\": [...], \"mar\": {...},\n"
	"\"busy\": {...}, \"reading\": {...}}.\n\n"
	"  --since T   count refused MARs from time T on (unix seconds, ISO 8601, or\n"
	"              a duration ago such as 1h)\n"
};

/* Everything is collected first, then printed: one read-only handle. */
int mctl_stats(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = { { "since", required_argument, NULL, 1 },
		                              { NULL, 0, NULL, 0 } };
	int64_t since = 0;
	struct mctl_args a = { opts, stats_opt, &since, 0, 0 };
	json_t *all;
	int rc;

	ctx->cmd = &stats_cmd;
	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	all = json_object();
	rc = stats_collect(ctx, since, all);
	if (rc == 0)
		rc = ctx->json ? mctl_json_line(json_incref(all)) : stats_print(ctx, all);
	json_decref(all);
	return rc;
}
