/*
 * mctl_pool.c: migctl pool import|list|show|remove: named pools of
 * provisioned migration identities.
 *
 * An import is one transaction however large (all or nothing: a duplicate
 * or a malformed line leaves the store as it was, and the message names the
 * line), fed to the store in batches so that memory stays bounded and a
 * progress bar can move.  A million entries take seconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "migctl.h"

enum { OPT_PATTERN = 1, OPT_IMPU_PATTERN, OPT_RANGE };

/* A batch is one mig_pool_add call (and one pool.add audit row): at most
 * POOL_BATCH entries, whose identities are packed into an arena of
 * POOL_ARENA bytes (room for the usual 30-odd bytes each). */
#define POOL_BATCH 100000
#define POOL_ARENA (POOL_BATCH * 64)
#define POOL_SLOT (MIG_IDENT_MAX + 1)    /* the longest identity, with its NUL */
#define POOL_RANGE_MAX 100000000         /* entries of one --range */
#define POOL_BAR_WIDTH 30

const struct mctl_col mctl_pool_cols[] = {
	{ "name", "POOL", MCTL_TEXT },
	{ "total", "TOTAL", MCTL_INT },
	{ "free", "FREE", MCTL_INT },
	{ "used", "USED", MCTL_INT },
	{ "created", "CREATED", MCTL_TIME },
	{ NULL, NULL, MCTL_TEXT }
};

/* A --pattern: the text around its one integer conversion. */
struct pool_pattern {
	char head[POOL_SLOT], tail[POOL_SLOT];
	int zero, width; /* %05d: zero 1, width 5 */
};

/* Entries of one mig_pool_add call, each with where it came from (a line
 * number, or a --range value) for the messages. */
struct pool_batch {
	struct mig_pool_entry e[POOL_BATCH];
	int64_t where[POOL_BATCH];
	char arena[POOL_ARENA];
	size_t n, used;
};

/* Full when one more entry might not fit. */
static int pool_batch_full(const struct pool_batch *b)
{
	return b->n == POOL_BATCH || b->used + 2 * POOL_SLOT > POOL_ARENA;
}

/* A copy of s (at most MIG_IDENT_MAX bytes: checked before) in the arena. */
static const char *pool_keep(struct pool_batch *b, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = b->arena + b->used;

	memcpy(p, s, n);
	b->used += n;
	return p;
}

/* The progress bar: on only when stderr is a terminal. */
struct pool_bar {
	int on, drawn;
	uint64_t done, total; /* bytes of a file, or entries of a range; total 0: unknown */
	struct timespec last;
};

struct pool_import {
	const char *pool;
	const char *file;          /* NULL: --pattern */
	FILE *f;
	char *line;
	size_t cap;
	int64_t lineno;
	struct pool_pattern impi, impu;
	int64_t next, last;        /* --range still to make */
	struct pool_batch *batch;
	struct pool_bar bar;
	uint64_t added;
	int created;
};

/* ---- --pattern and --range ------------------------------------------------- */

/* Exactly one conversion %d, %i or %u, with an optional 0 flag and width
 * (at most 20), and no other '%': anything else could not be formatted
 * safely or would not mean one identity per number. */
static int pool_pattern_parse(const char *opt, const char *s, struct pool_pattern *p)
{
	const char *pct = strchr(s, '%'), *q;

	if (pct == NULL)
		return mctl_bad_value(opt, s, "needs one %d conversion");
	q = pct + 1;
	p->zero = (*q == '0');
	q += p->zero;
	for (p->width = 0; *q >= '0' && *q <= '9' && p->width <= 20; q++)
		p->width = p->width * 10 + (*q - '0');
	if (p->width > 20)
		return mctl_bad_value(opt, s, "field width must be at most 20");
	if (*q != 'd' && *q != 'i' && *q != 'u')
		return mctl_bad_value(opt, s, "the conversion must be %d, %Nd or %0Nd");
	if (strchr(q + 1, '%'))
		return mctl_bad_value(opt, s, "only one '%' is allowed (one %d conversion)");
	if ((size_t)(pct - s) >= sizeof p->head || strlen(q + 1) >= sizeof p->tail)
		return mctl_bad_value(opt, s, "too long");
	snprintf(p->head, sizeof p->head, "%.*s", (int)(pct - s), s);
	snprintf(p->tail, sizeof p->tail, "%s", q + 1);
	return 0;
}

/* The identity for v; 0, or -1 when it would not fit in an identity. */
static int pool_pattern_make(const struct pool_pattern *p, int64_t v, char *out)
{
	int n = p->zero ? snprintf(out, POOL_SLOT, "%s%0*lld%s", p->head, p->width, (long long)v,
	                           p->tail)
	                : snprintf(out, POOL_SLOT, "%s%*lld%s", p->head, p->width, (long long)v,
	                           p->tail);

	return n < 0 || n > MIG_IDENT_MAX ? -1 : 0;
}

/* "FIRST-LAST", both decimal, FIRST <= LAST, at most POOL_RANGE_MAX values. */
static int pool_range_parse(const char *s, int64_t *first, int64_t *last)
{
	const char *dash = strchr(s, '-');
	char a[32];

	if (dash == NULL || (size_t)(dash - s) >= sizeof a)
		return mctl_bad_value("--range", s, "must be FIRST-LAST, e.g. 1-1000000");
	snprintf(a, sizeof a, "%.*s", (int)(dash - s), s);
	if (mctl_parse_int("--range", a, 0, INT64_MAX / 4, first) ||
	    mctl_parse_int("--range", dash + 1, 0, INT64_MAX / 4, last))
		return MCTL_EXIT_USAGE;
	if (*last < *first)
		return mctl_bad_value("--range", s, "LAST is below FIRST");
	if (*last - *first >= POOL_RANGE_MAX)
		return mctl_bad_value("--range", s, "more than 100000000 entries");
	return 0;
}

/* ---- Progress bar ------------------------------------------------------------ */

/* At most ten redraws a second (and always the final one), on one line. */
static void pool_bar_draw(struct pool_import *im, int final)
{
	static const char hashes[] = "##############################";
	struct pool_bar *b = &im->bar;
	struct timespec now;
	int fill;

	if (!b->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && b->drawn && (now.tv_sec - b->last.tv_sec) * 1000000000L +
	                          (now.tv_nsec - b->last.tv_nsec) < 100000000L)
		return;
	b->last = now;
	b->drawn = 1;
	if (b->total) {
		fill = (int)(b->done * POOL_BAR_WIDTH / b->total);
		fprintf(stderr, "\rimporting into pool %s [%-*.*s] %3d%% %llu entries", im->pool,
		        POOL_BAR_WIDTH, fill, hashes, (int)(b->done * 100 / b->total),
		        (unsigned long long)im->added);
	} else {
		fprintf(stderr, "\rimporting into pool %s: %llu entries", im->pool,
		        (unsigned long long)im->added);
	}
}

/* End the bar's line, so that what follows starts on a line of its own. */
static void pool_bar_end(struct pool_import *im)
{
	if (im->bar.drawn)
		fputc('\n', stderr);
	im->bar.drawn = 0;
}

/* ---- Reading entries ------------------------------------------------------------ */

/* Where an entry came from, for messages: "FILE:LINE" or "--range value V". */
static void pool_where(const struct pool_import *im, int64_t where, char *buf, size_t size)
{
	if (im->file)
		snprintf(buf, size, "%s:%lld", strcmp(im->file, "-") ? im->file : "stdin",
		         (long long)where);
	else
		snprintf(buf, size, "--range value %lld", (long long)where);
}

/* Add one entry to the batch once its syntax is right (else exit 2). */
static int pool_push(struct pool_import *im, const char *impi, const char *impu, int64_t where)
{
	struct pool_batch *b = im->batch;
	const char *why = mig_ident_check_impi(impi);
	const char *what = "IMPI", *bad = impi;
	char at[300];

	if (why == NULL && (why = mig_ident_check_impu(impu)) != NULL) {
		what = "IMPU";
		bad = impu;
	}
	if (why) {
		pool_where(im, where, at, sizeof at);
		snprintf(at + strlen(at), sizeof at - strlen(at), ": %s", what);
		pool_bar_end(im);
		return mctl_bad_value(at, bad, why);
	}
	b->e[b->n].impi = pool_keep(b, impi);
	b->e[b->n].impu = pool_keep(b, impu);
	b->where[b->n++] = where;
	return 0;
}

/* A line: "IMPI IMPU", blank, or a comment; '#' starts a comment at the
 * start of a field.  Fields are separated by blanks. */
static int pool_line(struct pool_import *im, char *line)
{
	char *field[3] = { NULL, NULL, NULL }, *save = NULL, *tok;
	char at[300];
	int n = 0;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && *tok != '#' && n < 3;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		field[n++] = tok;
	if (n == 0)
		return 0;
	if (n == 2)
		return pool_push(im, field[0], field[1], im->lineno);
	pool_where(im, im->lineno, at, sizeof at);
	pool_bar_end(im);
	return mctl_err(MCTL_EXIT_USAGE, "%s: %s", at, n == 1 ? "missing IMPU (lines are "
	                "'IMPI IMPU')" : "more than two fields (lines are 'IMPI IMPU')");
}

/* Lines until the batch is full or the file ends; the bytes read so far
 * move the bar. */
static int pool_fill_file(struct pool_import *im)
{
	int rc = 0;
	off_t pos;

	while (rc == 0 && !pool_batch_full(im->batch) &&
	       getline(&im->line, &im->cap, im->f) >= 0) {
		im->lineno++;
		rc = pool_line(im, im->line);
	}
	if (rc == 0 && ferror(im->f)) {
		pool_bar_end(im);
		rc = mctl_err(MCTL_EXIT_ERROR, "%s: %s", im->file, strerror(errno));
	}
	pos = ftello(im->f);
	im->bar.done = pos > 0 ? (uint64_t)pos : im->bar.done;
	return rc;
}

/* Numbers of --range until the batch is full or the range is done. */
static int pool_fill_range(struct pool_import *im)
{
	char impi[POOL_SLOT], impu[POOL_SLOT];
	int rc = 0;

	for (; rc == 0 && !pool_batch_full(im->batch) && im->next <= im->last; im->next++) {
		if (pool_pattern_make(&im->impi, im->next, impi) ||
		    pool_pattern_make(&im->impu, im->next, impu)) {
			pool_bar_end(im);
			return mctl_err(MCTL_EXIT_USAGE, "--range value %lld: identity longer than "
			                "%d bytes", (long long)im->next, MIG_IDENT_MAX);
		}
		rc = pool_push(im, impi, impu, im->next);
		im->bar.done++;
	}
	return rc;
}

/* ---- import ------------------------------------------------------------------- */

/* A store failure on a batch, named by the entry at fault. */
static int pool_batch_fail(struct mctl_ctx *ctx, struct pool_import *im, int rc, size_t bad)
{
	char at[300];

	pool_bar_end(im);
	if (rc != MIG_CONFLICT && rc != MIG_INVALID)
		return mctl_fail(ctx, rc);
	pool_where(im, im->batch->where[bad < im->batch->n ? bad : 0], at, sizeof at);
	return mctl_err(mctl_exit_code(rc, 0), "%s: %s; nothing imported", at,
	                mig_store_errmsg(ctx->st));
}

/* Inside the transaction: the pool (created if new), then batch after
 * batch until the source is empty. */
static int pool_import_tx(struct mctl_ctx *ctx, void *arg)
{
	struct pool_import *im = arg;
	uint64_t total, free_;
	size_t bad = 0;
	int rc = mig_pool_get(ctx->st, im->pool, &total, &free_);

	if (rc == MIG_NOTFOUND) {
		im->created = 1;
		rc = mig_pool_create(ctx->st, im->pool);
	}
	if (rc != MIG_OK)
		return mctl_fail(ctx, rc);
	for (;;) {
		im->batch->n = im->batch->used = 0;
		rc = im->file ? pool_fill_file(im) : pool_fill_range(im);
		if (rc || im->batch->n == 0)
			break;
		rc = mig_pool_add(ctx->st, im->pool, im->batch->e, im->batch->n, &bad);
		if (rc != MIG_OK)
			return pool_batch_fail(ctx, im, rc, bad);
		im->added += im->batch->n;
		pool_bar_draw(im, 0);
	}
	if (rc == 0)
		pool_bar_draw(im, 1);
	pool_bar_end(im);
	return rc;
}

/* Open the file (or stdin for "-"); its size drives the bar. */
static int pool_open_file(struct pool_import *im)
{
	struct stat sb;

	im->f = strcmp(im->file, "-") ? fopen(im->file, "r") : stdin;
	if (im->f == NULL)
		return mctl_err(MCTL_EXIT_USAGE, "pool import: '%s': %s", im->file, strerror(errno));
	if (fstat(fileno(im->f), &sb) == 0 && S_ISREG(sb.st_mode))
		im->bar.total = (uint64_t)sb.st_size;
	return 0;
}

/* The source options: a FILE, or --pattern [--impu-pattern] --range. */
struct pool_src_opts {
	const char *pattern, *impu_pattern, *range;
};

/* The source options are only noted here: they are checked together. */
static int pool_src_opt(void *job, int c, const char *arg)
{
	struct pool_src_opts *o = job;

	if (c == OPT_PATTERN)
		o->pattern = arg;
	else if (c == OPT_RANGE)
		o->range = arg;
	else
		o->impu_pattern = arg;
	return 0;
}

static int pool_import_source(struct mctl_ctx *ctx, struct pool_import *im,
                              const struct pool_src_opts *o)
{
	char impu[POOL_SLOT + 4];

	if (!!im->file == !!o->pattern)
		return mctl_usage(ctx, "pool import: give a FILE or --pattern");
	if (im->file)
		return o->range || o->impu_pattern ? mctl_usage(ctx, "pool import: --range and "
		                                     "--impu-pattern go with --pattern")
		                                   : pool_open_file(im);
	if (!o->range)
		return mctl_usage(ctx, "pool import: --pattern needs --range FIRST-LAST");
	snprintf(impu, sizeof impu, "sip:%s", o->pattern);
	if (pool_pattern_parse("--pattern", o->pattern, &im->impi) ||
	    pool_pattern_parse("--impu-pattern", o->impu_pattern ? o->impu_pattern : impu,
	                       &im->impu) ||
	    pool_range_parse(o->range, &im->next, &im->last))
		return MCTL_EXIT_USAGE;
	im->bar.total = (uint64_t)(im->last - im->next + 1);
	return 0;
}

/* The batch buffer lives only for the import (about 9 MB). */
static int pool_import_run(struct mctl_ctx *ctx, struct pool_import *im)
{
	int rc = mctl_open(ctx, MCTL_CREATE);

	im->batch = malloc(sizeof *im->batch);
	if (im->batch == NULL)
		return mctl_err(MCTL_EXIT_ERROR, "out of memory");
	im->bar.on = isatty(STDERR_FILENO);
	if (rc == 0)
		rc = mctl_tx(ctx, pool_import_tx, im);
	if (rc == 0)
		printf("imported %llu entries into %s pool %s\n", (unsigned long long)im->added,
		       im->created ? "new" : "existing", im->pool);
	free(im->batch);
	return rc;
}

/* NAME [FILE]: the source is checked before the store is opened. */
static int pool_import(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pattern", required_argument, NULL, OPT_PATTERN },
		{ "impu-pattern", required_argument, NULL, OPT_IMPU_PATTERN },
		{ "range", required_argument, NULL, OPT_RANGE },
		{ NULL, 0, NULL, 0 }
	};
	struct pool_src_opts o = { NULL, NULL, NULL };
	struct mctl_args a = { opts, pool_src_opt, &o, 1, 2 };
	struct pool_import im;
	int rc;

	memset(&im, 0, sizeof im);
	if (!mctl_args(ctx, argc, argv, &a, &rc))
		return rc;
	im.pool = argv[optind];
	im.file = optind + 1 < argc ? argv[optind + 1] : NULL;
	rc = pool_import_source(ctx, &im, &o);
	if (rc == 0)
		rc = pool_import_run(ctx, &im);
	if (im.f && im.f != stdin)
		fclose(im.f);
	free(im.line);
	return rc;
}

/* ---- list, show, remove ----------------------------------------------------------- */

void mctl_pool_row(json_t *row, const struct mig_pool_info *p)
{
	mctl_set_str(row, "name", p->name);
	mctl_set_int(row, "total", (int64_t)p->total);
	mctl_set_int(row, "free", (int64_t)p->free);
	mctl_set_int(row, "used", (int64_t)(p->total - p->free));
	mctl_set_int(row, "created", p->created);
}

static int pool_row_cb(void *arg, const struct mig_pool_info *p)
{
	mctl_pool_row(mctl_out_row(arg), p);
	return 0;
}

/* show: the one pool of the list walk that has the name. */
struct pool_pick {
	const char *name;
	struct mctl_out *out;
};

static int pool_pick_cb(void *arg, const struct mig_pool_info *p)
{
	struct pool_pick *k = arg;

	return strcmp(p->name, k->name) == 0 ? pool_row_cb(k->out, p) + 1 : 0;
}

/* By name, with the counts the store keeps indexed. */
static int pool_list(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mctl_args a = { NULL, NULL, NULL, 0, 0 };
	struct mctl_out *o;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	o = mctl_out_new(ctx, MCTL_TABLE, mctl_pool_cols);
	rc = mctl_fail(ctx, mig_pool_list(ctx->st, pool_row_cb, o));
	return mctl_out_end(o) ? MCTL_EXIT_ERROR : rc;
}

/* mig_pool_get says whether the pool exists (and checks the name); the
 * list walk gives its creation time with the counts. */
static int pool_show(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mctl_args a = { NULL, NULL, NULL, 1, 1 };
	struct pool_pick k;
	uint64_t total, free_;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	k.name = argv[optind];
	if ((rc = mctl_fail(ctx, mig_pool_get(ctx->st, k.name, &total, &free_))))
		return rc;
	k.out = mctl_out_new(ctx, MCTL_RECORD, mctl_pool_cols);
	rc = mctl_fail(ctx, mig_pool_list(ctx->st, pool_pick_cb, &k));
	return mctl_out_end(k.out) ? MCTL_EXIT_ERROR : rc;
}

/* mig_pool_remove revokes the live bindings itself under --force. */
static int pool_remove(struct mctl_ctx *ctx, int argc, char **argv)
{
	return mctl_remove(ctx, argc, argv, "pool", mig_pool_remove);
}

static const struct mctl_cmd pool_cmds[] = {
	{ "import", pool_import,
	  "NAME FILE|-\n"
	  "       NAME --pattern IMPI-PATTERN [--impu-pattern IMPU-PATTERN] --range FIRST-LAST",
	  "Add identities to pool NAME (created if new), all or nothing: a malformed\n"
	  "or duplicate entry (in the file, or already in any pool) aborts the whole\n"
	  "import, naming the line.  FILE has one 'IMPI IMPU' pair a line; blank lines\n"
	  "and '#' comments are skipped; '-' is standard input.  A progress bar shows\n"
	  "on standard error when it is a terminal.\n\n"
	  "  --pattern P        IMPIs from a pattern with one %d conversion (%d, %Nd or\n"
	  "                     %0Nd; no other '%'), e.g. 'mig-%06d@b.example'\n"
	  "  --impu-pattern P   IMPUs likewise (default: 'sip:' and the IMPI pattern)\n"
	  "  --range A-B        the numbers A to B (at most 100000000 of them)\n" },
	{ "list", pool_list, "", "List the pools with their total, free and used entries.\n" },
	{ "show", pool_show, "NAME", "Show one pool.\n" },
	{ "remove", pool_remove, "NAME [--force]",
	  "Remove a pool and its entries.  While entries are in live bindings it needs\n"
	  "--force, which revokes those bindings (in the same transaction) and lists\n"
	  "them.\n\n"
	  "  --force   revoke the live bindings that use the pool's entries\n" },
	{ NULL, NULL, NULL, NULL }
};

int mctl_pool(struct mctl_ctx *ctx, int argc, char **argv)
{
	return mctl_dispatch(ctx, "pool", pool_cmds, argc - 1, argv + 1);
}
