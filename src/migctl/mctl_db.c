/*
 * mctl_db.c: migctl db check|upgrade|backup FILE: maintenance of the
 * database file itself.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "migctl.h"

static const struct mctl_col db_check_cols[] = {
	{ "database", NULL, MCTL_TEXT },
	{ "schema_version", NULL, MCTL_INT },
	{ "integrity", NULL, MCTL_TEXT },
	{ "problems", NULL, MCTL_INT },
	{ "first_problem", NULL, MCTL_TEXT },
	{ NULL, NULL, MCTL_TEXT }
};

/*
 * The complete integrity check (every page, every index against its
 * table), on a read-only handle: it never changes the file.  A database
 * too damaged to open fails at mctl_open with the same exit code, 6.
 */
static int db_check(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mctl_out *o;
	size_t problems = 0;
	struct mctl_args a = { NULL, NULL, NULL, 0, 0 };
	json_t *row;
	int code, rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	rc = mig_store_check_full(ctx->st, &problems);
	if (rc != MIG_OK && rc != MIG_CORRUPT)
		return mctl_fail(ctx, rc);
	code = mctl_fail(ctx, rc); /* the first problem on stderr */
	if (!ctx->json) {
		if (rc == MIG_OK)
			printf("ok: integrity check passed (schema version %d)\n",
			       mig_store_schema_version(ctx->st));
		else
			printf("corrupt: %zu problem%s found\n", problems, problems == 1 ? "" : "s");
		return code;
	}
	o = mctl_out_new(ctx, MCTL_RECORD, db_check_cols);
	row = mctl_out_row(o);
	mctl_set_str(row, "database", mctl_db_path(ctx, &rc));
	mctl_set_int(row, "schema_version", mig_store_schema_version(ctx->st));
	mctl_set_str(row, "integrity", code ? "corrupt" : "ok");
	mctl_set_int(row, "problems", (int64_t)problems);
	mctl_set_str(row, "first_problem", code ? mig_store_errmsg(ctx->st) : NULL);
	return mctl_out_end(o) ? MCTL_EXIT_ERROR : code;
}

/*
 * The version before: a read-only handle learns it without changing
 * anything (it refuses an older schema, but has read its version); then a
 * read-write open upgrades, all scripts in one transaction.
 */
static int db_upgrade(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct mig_store_opts ro = { .readonly = 1, .busy_timeout_ms = ctx->busy_ms };
	mig_store_t *probe = NULL;
	struct mctl_args a = { NULL, NULL, NULL, 0, 0 };
	const char *path;
	int from, rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (path = mctl_db_path(ctx, &rc)) == NULL)
		return rc;
	rc = mig_store_open(&probe, path, &ro);
	from = probe ? mig_store_schema_version(probe) : 0;
	mig_store_close(probe);
	if (rc != MIG_OK && rc != MIG_SCHEMA)
		return mctl_err(mctl_exit_code(rc, 1), "%s", "cannot read the schema version");
	if ((rc = mctl_open(ctx, MCTL_WRITE)))
		return rc;
	if (from == mig_store_schema_version(ctx->st))
		printf("schema version %d is current\n", from);
	else
		printf("schema upgraded from version %d to %d\n", from,
		       mig_store_schema_version(ctx->st));
	return MCTL_EXIT_OK;
}

/* A consistent copy taken while the broker goes on writing (see
 * mig_store_backup); the source handle is read-only. */
static int db_backup(struct mctl_ctx *ctx, int argc, char **argv)
{
	struct stat sb;
	struct mctl_args a = { NULL, NULL, NULL, 1, 1 };
	const char *file;
	int rc;

	if (!mctl_args(ctx, argc, argv, &a, &rc) || (rc = mctl_open(ctx, MCTL_READ)))
		return rc;
	file = argv[optind];
	if ((rc = mctl_fail(ctx, mig_store_backup(ctx->st, file))))
		return rc;
	printf("backed up to %s (%lld bytes, schema version %d)\n", file,
	       stat(file, &sb) == 0 ? (long long)sb.st_size : -1LL,
	       mig_store_schema_version(ctx->st));
	return MCTL_EXIT_OK;
}

static const struct mctl_cmd db_cmds[] = {
	{ "check", db_check, "",
	  "Run SQLite's complete integrity check (PRAGMA integrity_check: every page,\n"
	  "and every index against its table) on a read-only handle.  Exit 6 and the\n"
	  "first problem on standard error when the database is damaged.\n" },
	{ "upgrade", db_upgrade, "",
	  "Bring the schema up to the version this migctl knows, in one transaction,\n"
	  "and say from which version to which.  The broker does the same at start.\n"
	  "Exit 6 for a schema newer than this migctl.\n" },
	{ "backup", db_backup, "FILE",
	  "Copy the database to FILE with SQLite's online backup: one consistent\n"
	  "snapshot, taken while the broker goes on writing.  FILE is written under a\n"
	  "temporary name and renamed: it is the old file or a complete backup.\n" },
	{ NULL, NULL, NULL, NULL }
};

int mctl_db(struct mctl_ctx *ctx, int argc, char **argv)
{
	return mctl_dispatch(ctx, "db", db_cmds, argc - 1, argv + 1);
}
