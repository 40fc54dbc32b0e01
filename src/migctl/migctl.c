/*
 * migctl.c: entry point of migctl: global options, the noun/verb dispatch,
 * option parsing shared by every verb, the broker's configuration file and
 * opening the store.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "migctl.h"

/* Global options: accepted before the noun and among any verb's options.
 * Their values stay clear of the verbs' (which are below 1000). */
enum {
	OPT_G_DB = 1000,
	OPT_G_CONFIG,
	OPT_G_JSON,
	OPT_G_BUSY,
	OPT_G_HELP,
	OPT_G_VERSION
};

static const struct option mctl_global_opts[] = {
	{ "db", required_argument, NULL, OPT_G_DB },
	{ "config", required_argument, NULL, OPT_G_CONFIG },
	{ "json", no_argument, NULL, OPT_G_JSON },
	{ "busy-timeout", required_argument, NULL, OPT_G_BUSY },
	{ "help", no_argument, NULL, OPT_G_HELP },
	{ NULL, 0, NULL, 0 }
};

#define MCTL_GLOBAL_HELP                                                              \
	"Global options (before the command or among its options):\n"                   \
	"  --db PATH           the binding store; default: \"database\" in the\n"       \
	"                      configuration file, else\n"                              \
	"                      " MCTL_DEFAULT_DB "\n"                                    \
	"  --config FILE       the broker's configuration; default:\n"                 \
	"                      " MCTL_DEFAULT_CONFIG " if it exists\n"                   \
	"  --json              JSON output\n"                                           \
	"  --busy-timeout MS   wait at most MS ms for another writer (default 5000)\n"   \
	"  --help, -h          help\n"

static const struct mctl_cmd mctl_nouns[] = {
	{ "partner", mctl_partner, "add|list|show|set|remove",
	  "partner systems and what each may do (TR 23.781 6.1)" },
	{ "pool", mctl_pool, "import|list|show|remove", "identity pools" },
	{ "binding", mctl_binding, "allocate|list|show|revoke|expire|purge",
	  "migration identity bindings" },
	{ "audit", mctl_audit, "[--since T] [--follow] [--limit N]", "the audit trail" },
	{ "stats", mctl_stats, "[--since T]", "counts of bindings, pools and refused MARs" },
	{ "db", mctl_db, "check|upgrade|backup FILE", "database maintenance" },
	{ NULL, NULL, NULL, NULL }
};

/* The value of a global option, checked now so that the message names it. */
static int mctl_global(struct mctl_ctx *ctx, int c, const char *arg)
{
	int64_t ms;
	int rc;

	switch (c) {
	case OPT_G_DB:
		if (*arg == '\0')
			return mctl_bad_value("--db", arg, "empty path");
		ctx->db = arg;
		return 0;
	case OPT_G_CONFIG:
		ctx->config = arg;
		return 0;
	case OPT_G_JSON:
		ctx->json = 1;
		return 0;
	default: /* OPT_G_BUSY; 0 means "do not wait", which SQLite spells 1 ms */
		rc = mctl_parse_int("--busy-timeout", arg, 0, 3600000, &ms);
		if (rc == 0)
			ctx->busy_ms = ms ? (int)ms : 1;
		return rc;
	}
}

/* The verb's options followed by the global ones, for getopt_long. */
static void mctl_merge_opts(struct option *all, size_t size, const struct option *opts)
{
	size_t n = 0, i;

	for (i = 0; opts && opts[i].name && n + 1 < size; i++)
		all[n++] = opts[i];
	for (i = 0; mctl_global_opts[i].name && n + 1 < size; i++)
		all[n++] = mctl_global_opts[i];
	memset(&all[n], 0, sizeof all[n]);
}

/* What mctl_getopt returns besides options: --help, or a bad option
 * (already reported). */
#define MCTL_OPT_HELP (-1)
#define MCTL_OPT_BAD (-2)

/*
 * getopt_long with messages of our own ("migctl: binding list: unknown
 * option '--x'").  Global options are applied here and never reach the
 * verb, so every verb accepts them without listing them.
 */
static int mctl_getopt(struct mctl_ctx *ctx, int argc, char **argv, const struct option *opts)
{
	struct option all[64];
	int c;

	mctl_merge_opts(all, sizeof all / sizeof all[0], opts);
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, ":h", all, NULL);
		if (c == -1)
			return 0;
		if (c == 'h' || c == OPT_G_HELP)
			return MCTL_OPT_HELP;
		if (c == '?' || c == ':') {
			mctl_err(MCTL_EXIT_USAGE, "%s: %s '%s'", ctx->path,
			         c == '?' ? "unknown option" : "missing value for option",
			         argv[optind - 1]);
			return MCTL_OPT_BAD;
		}
		if (c < OPT_G_DB)
			return c;
		if (mctl_global(ctx, c, optarg) != 0)
			return MCTL_OPT_BAD;
	}
}

/* --help prints the command's help on stdout (exit 0); a bad option has
 * been reported, add where help is (exit 2). */
static int mctl_opt_exit(struct mctl_ctx *ctx, int c)
{
	const struct mctl_cmd *cmd = ctx->cmd;

	if (c == MCTL_OPT_BAD)
		return mctl_usage(ctx, NULL);
	printf("usage: migctl %s %s\n\n%s\n%s", ctx->path, cmd->synopsis, cmd->help,
	       MCTL_GLOBAL_HELP);
	return MCTL_EXIT_OK;
}

/* Exactly min..max positional arguments after the options, else usage (2). */
static int mctl_nargs(struct mctl_ctx *ctx, int argc, char **argv, int min, int max)
{
	int n = argc - optind;

	if (n < min)
		return mctl_usage(ctx, "%s: missing argument", ctx->path);
	if (n > max)
		return mctl_usage(ctx, "%s: unexpected argument '%s'", ctx->path,
		                  argv[optind + max]);
	return 0;
}

int mctl_args(struct mctl_ctx *ctx, int argc, char **argv, const struct mctl_args *a,
              int *code)
{
	int c;

	*code = 0;
	while (*code == 0 && (c = mctl_getopt(ctx, argc, argv, a->opts)) > 0)
		*code = a->opt(a->job, c, optarg);
	if (*code == 0 && c)
		*code = mctl_opt_exit(ctx, c);
	else if (*code == 0)
		*code = mctl_nargs(ctx, argc, argv, a->min, a->max);
	return *code == 0 && c == 0;
}

/* Help of a level: the top (noun == NULL) or a noun, listing what is below. */
static void mctl_list_help(FILE *f, const char *noun, const struct mctl_cmd *cmds)
{
	size_t i;

	if (noun == NULL)
		fprintf(f, "usage: migctl [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		           "Administer the migbroker binding store (TR 23.781 solution 2).\n\n"
		           "Commands:\n");
	else
		fprintf(f, "usage: migctl %s VERB [OPTIONS] [ARGS]\n\nVerbs:\n", noun);
	for (i = 0; cmds[i].name; i++) {
		if (noun) /* the first line of the synopsis */
			fprintf(f, "  %-8s %.*s\n", cmds[i].name,
			        (int)strcspn(cmds[i].synopsis, "\n"), cmds[i].synopsis);
		else
			fprintf(f, "  %-8s %s\n           %s\n", cmds[i].name, cmds[i].help,
			        cmds[i].synopsis);
	}
	if (noun) {
		fprintf(f, "\nRun 'migctl %s VERB --help' for a verb's options.\n", noun);
		return;
	}
	fprintf(f, "\nRun 'migctl COMMAND --help' for more.\n\n%s\n"
	        "Exit codes: 0 success, 1 error, 2 usage, 3 not found, 4 conflict,\n"
	        "5 database busy, 6 database unavailable.  See migctl(1).\n", MCTL_GLOBAL_HELP);
}

/*
 * Find argv[0] in cmds and run it with optind reset (each level parses its
 * own argv).  No command, or --help, prints the level's help.
 */
int mctl_dispatch(struct mctl_ctx *ctx, const char *noun, const struct mctl_cmd *cmds,
                  int argc, char **argv)
{
	size_t i, len = strlen(ctx->path);

	if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		mctl_list_help(argc < 1 ? stderr : stdout, noun, cmds);
		return argc < 1 ? MCTL_EXIT_USAGE : MCTL_EXIT_OK;
	}
	for (i = 0; cmds[i].name && strcmp(cmds[i].name, argv[0]) != 0; i++)
		;
	if (cmds[i].name == NULL)
		return mctl_usage(ctx, "%s%sunknown command '%s'", ctx->path, len ? ": " : "",
		                  argv[0]);
	snprintf(ctx->path + len, sizeof ctx->path - len, "%s%s", len ? " " : "", argv[0]);
	ctx->cmd = &cmds[i];
	optind = 0; /* GNU getopt: start afresh on this argv */
	return cmds[i].fn(ctx, argc, argv);
}

/* ---- Configuration and store -------------------------------------------- */

int mctl_config(struct mctl_ctx *ctx, const struct mig_config **out)
{
	char err[MIG_CONFIG_ERR_MAX];
	const char *path = ctx->config;

	*out = ctx->cfg;
	if (ctx->cfg)
		return 0;
	if (path == NULL && access(MCTL_DEFAULT_CONFIG, F_OK) == 0)
		path = MCTL_DEFAULT_CONFIG;
	if (path == NULL)
		return 0;
	if (mig_config_load(path, &ctx->cfg, err, sizeof err) != 0)
		return mctl_err(MCTL_EXIT_ERROR, "%s '%s': %s", ctx->config ? "--config"
		                : "configuration", path, err);
	*out = ctx->cfg;
	return 0;
}

const char *mctl_db_path(struct mctl_ctx *ctx, int *exit_code)
{
	const struct mig_config *cfg;

	*exit_code = 0;
	if (ctx->db)
		return ctx->db;
	*exit_code = mctl_config(ctx, &cfg);
	if (*exit_code)
		return NULL;
	return cfg ? cfg->database : MCTL_DEFAULT_DB;
}

/* Audit rows name who made a change: "migctl:<login>". */
static void mctl_set_actor(mig_store_t *st)
{
	struct passwd *pw = getpwuid(getuid());
	char actor[64];

	snprintf(actor, sizeof actor, "migctl:%s", pw ? pw->pw_name : "?");
	mig_store_set_actor(st, actor);
}

/* What the operator can do about a failed open, when there is something. */
static const char *mctl_open_hint(mig_store_t *st, enum mctl_mode mode, int rc)
{
	if (rc == MIG_SCHEMA && st && mig_store_schema_version(st) < mig_store_schema_known())
		return " (migctl db upgrade)";
	if (rc == MIG_IO && mode == MCTL_READ)
		return " (a reader that may not write the directory needs the database's -wal "
		       "and -shm files, which exist while the broker has it open)";
	return "";
}

int mctl_open(struct mctl_ctx *ctx, enum mctl_mode mode)
{
	struct mig_store_opts o = { .readonly = (mode == MCTL_READ),
		                    .busy_timeout_ms = ctx->busy_ms };
	int rc;
	const char *path = mctl_db_path(ctx, &rc);

	if (path == NULL)
		return rc;
	ctx->db_path = path;
	if ((mode == MCTL_WRITE && access(path, F_OK) != 0) ||
	    (mode != MCTL_READ && access(path, F_OK) == 0 && access(path, W_OK) != 0))
		return mctl_err(MCTL_EXIT_DB, "database '%s': %s", path, strerror(errno));
	rc = mig_store_open(&ctx->st, path, &o);
	if (rc != MIG_OK)
		return mctl_err(mctl_exit_code(rc, 1), "%s%s", mig_store_errmsg(ctx->st),
		                mctl_open_hint(ctx->st, mode, rc));
	mctl_set_actor(ctx->st);
	return MCTL_EXIT_OK;
}

int mctl_tx(struct mctl_ctx *ctx, mctl_tx_fn fn, void *arg)
{
	int code, rc = mig_store_begin(ctx->st);

	if (rc != MIG_OK)
		return mctl_fail(ctx, rc);
	code = fn(ctx, arg);
	if (code != MCTL_EXIT_OK) {
		mig_store_rollback(ctx->st); /* fails only if SQLite already rolled back */
		return code;
	}
	return mctl_fail(ctx, mig_store_commit(ctx->st));
}

/* The top level: global options (and --version) up to the noun, then the
 * noun. */
static int mctl_main(struct mctl_ctx *ctx, int argc, char **argv)
{
	static const struct option version[] = {
		{ "version", no_argument, NULL, OPT_G_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct option top[16];
	int c;

	mctl_merge_opts(top, sizeof top / sizeof top[0], version);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", top, NULL)) != -1) {
		if (c == 'h' || c == OPT_G_HELP) {
			mctl_list_help(stdout, NULL, mctl_nouns);
			return MCTL_EXIT_OK;
		}
		if (c == OPT_G_VERSION) {
			printf("migctl (%s) %s, database schema version %d\n", PACKAGE_NAME,
			       PACKAGE_VERSION, mig_store_schema_known());
			return MCTL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return mctl_usage(ctx, "%s '%s'", c == '?' ? "unknown option"
			                  : "missing value for option", argv[optind - 1]);
		if (mctl_global(ctx, c, optarg) != 0)
			return mctl_usage(ctx, NULL);
	}
	return mctl_dispatch(ctx, NULL, mctl_nouns, argc - optind, argv + optind);
}

/* The store and configuration are released in one place, whatever ran;
 * a failed write to stdout is an error even when the command succeeded. */
int main(int argc, char **argv)
{
	struct mctl_ctx ctx;
	int rc;

	memset(&ctx, 0, sizeof ctx);
	rc = mctl_main(&ctx, argc, argv);
	mig_store_close(ctx.st);
	mig_config_free(ctx.cfg);
	if (fflush(stdout) != 0 && rc == MCTL_EXIT_OK)
		rc = mctl_err(MCTL_EXIT_ERROR, "standard output: %s", strerror(errno));
	return rc;
}
